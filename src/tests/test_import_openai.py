"""import_usage.py --from openai: current pages with split fields, older pages, the cookbook's list of buckets,
incomplete exports, and messages that say how to fix an unpriced model.

Expected figures are worked out here by hand or naively (Decimal list prices read straight from prices.json).
"""
import unittest
from decimal import Decimal

from test_importers import DAY, Base, list_price, micro, page


def split_result(model="gpt-4o-2024-08-06", n=4, **kw):
    """A result of a current page: input_tokens / output_tokens are totals including audio, image, cache writes."""
    r = {"object": "organization.usage.completions.result", "input_tokens": 1000, "output_tokens": 500,
         "input_text_tokens": 900, "input_audio_tokens": 50, "input_image_tokens": 50, "input_cached_tokens": 200,
         "input_cached_text_tokens": 200, "input_cached_audio_tokens": 0, "input_cached_image_tokens": 0,
         "input_cache_write_tokens": 100, "input_uncached_tokens": 700, "output_text_tokens": 450,
         "output_audio_tokens": 50, "output_image_tokens": 0, "num_model_requests": n, "project_id": "proj_a",
         "user_id": "user_1", "api_key_id": None, "model": model, "batch": False, "service_tier": "default"}
    r.update(kw)
    return r


def old_result(n=2):
    """A result of an older page: text-only input_tokens / output_tokens, audio apart."""
    return {"object": "organization.usage.completions.result", "input_tokens": 1000, "input_cached_tokens": 200,
            "output_tokens": 500, "input_audio_tokens": 50, "output_audio_tokens": 50, "num_model_requests": n,
            "project_id": "proj_a", "user_id": "user_1", "api_key_id": None, "model": "gpt-4o", "batch": False}


def bucket(start, results):
    return {"object": "bucket", "start_time": start, "end_time": start + 86400, "results": results}


class SplitFields(Base):
    def test_current_page_totals_already_include_audio_and_image(self):
        rows, _, err = self.imp("openai", self.write("p.json", page([(DAY, [split_result()])])))
        self.assertEqual(len(rows), 4)
        self.assertEqual((self.total(rows, "input_tokens"), self.total(rows, "output_tokens")), (1000, 500))
        # 700 uncached + 200 cached reads + 100 cache writes (gpt-4o has no cache-write price: the input price)
        want = micro(list_price("gpt-4o", 700, 500, cached=200, write=100))
        self.assertEqual(want, Decimal("0.007250"))  # 700 x 2.5 + 200 x 1.25 + 100 x 2.5 + 500 x 10 per 1M
        self.assertEqual(self.cost(rows), want)
        self.assertIn("audio and image tokens priced at the model's text prices (tokens): 150", err)

    def test_cache_writes_at_their_own_price_when_the_catalog_has_one(self):
        prices = self.write("prices.csv", "provider,model,input_per_1m,output_per_1m,cached_input_per_1m,"
                                          "cache_write_per_1m\nopenai,gpt-x,2.00,8.00,0.50,3.00\n")
        rows, _, _ = self.imp("openai", self.write("p.json", page([(DAY, [split_result("gpt-x", 1)])])),
                              args=["--prices", prices])
        # 700 x 2.00 + 200 x 0.50 + 100 x 3.00 + 500 x 8.00 = 5,800 USD per 1M -> $0.0058
        self.assertEqual(rows[0]["cost_usd"], "0.005800")

    def test_older_page_adds_audio_to_text(self):
        rows, _, err = self.imp("openai", self.write("p.json", page([(DAY, [old_result()])])))
        self.assertEqual((self.total(rows, "input_tokens"), self.total(rows, "output_tokens")), (1050, 550))
        self.assertEqual(self.cost(rows), micro(list_price("gpt-4o", 850, 550, cached=200)))
        self.assertIn("(tokens): 100", err)

    def test_absurd_numbers_are_refused(self):
        far = {"object": "page", "data": [bucket(10 ** 20, [old_result()])]}
        self.fails("openai", self.write("far.json", far), want="start_time is 100000000000000000000; expected a time")
        many = page([(DAY, [old_result(10 ** 12)])])
        self.fails("openai", self.write("many.json", many), want="num_model_requests is 1000000000000; at most")
        huge = page([(DAY, [dict(old_result(1), input_tokens=10 ** 12)])])
        self.fails("openai", self.write("huge.json", huge), want="tokens per call (over 1 calls)")

    def test_an_expansion_over_max_calls_stops_before_writing(self):
        big = page([(DAY, [old_result(30000000)])])  # within one record's limit, over the import's default
        self.fails("openai", self.write("big.json", big), want="expand to 30,000,000 calls")
        small = page([(DAY, [old_result(30)])])
        self.fails("openai", self.write("small.json", small), want="pass --max-calls 30", args=["--max-calls", "10"])
        rows, _, _ = self.imp("openai", self.path("small.json"), args=["--max-calls", "30"])
        self.assertEqual(len(rows), 30)

    def test_cache_reads_and_writes_above_the_total_are_refused(self):
        bad = page([(DAY, [split_result(input_cached_tokens=900, input_cache_write_tokens=200)])])
        self.fails("openai", self.write("bad.json", bad), want="exceed input_tokens (1000)")


class CookbookShape(Base):
    def test_list_of_buckets_equals_the_pages(self):
        buckets = [bucket(DAY, [split_result()]), bucket(DAY + 86400, [old_result(3)])]
        a, _, err = self.imp("openai", self.write("cookbook.json", buckets))
        self.assertNotIn("incomplete", err)
        pages = self.write("pages.json", [{"object": "page", "data": [b], "has_more": k == 0,
                                           "next_page": "p2" if k == 0 else None} for k, b in enumerate(buckets)])
        b, _, _ = self.imp("openai", pages)
        self.assertEqual(a, b)
        self.assertEqual(len(a), 4 + 3)

    def test_same_buckets_twice_are_skipped(self):
        buckets = [bucket(DAY, [split_result()])]
        rows, _, err = self.imp("openai", self.write("a.json", buckets), self.write("b.json", page([(DAY, [
            split_result()])])))
        self.assertEqual(len(rows), 4)
        self.assertIn("skipped 1 record(s) already read", err)


class IncompleteExport(Base):
    def test_has_more_on_the_last_page_warns_and_still_writes(self):
        first = self.write("p1.json", page([(DAY, [old_result()])], more=True))
        rows, _, err = self.imp("openai", first)
        self.assertEqual(len(rows), 2)
        self.assertIn("warning: the usage export is incomplete", err)
        self.assertIn("page=page_2", err)

    def test_a_final_page_given_in_any_order_completes_it(self):
        first = self.write("p1.json", page([(DAY, [old_result()])], more=True))
        last = self.write("p2.json", page([(DAY + 86400, [old_result()])]))
        for order in ((first, last), (last, first)):
            _, _, err = self.imp("openai", *order)
            self.assertNotIn("incomplete", err)


class FixMessages(Base):
    def test_unknown_model_says_how_to_price_it(self):
        rows, _, err = self.imp("openai", self.write("p.json", page([(DAY, [old_result(), split_result(
            "gpt-9-ultra", 2)])])))
        line = [ln for ln in err.splitlines() if "gpt-9-ultra" in ln][0]
        self.assertIn("--prices FILE", line)
        self.assertIn("provider,model,input_per_1m,output_per_1m", line)
        self.assertIn("openai,gpt-9-ultra,", line)
        self.assertEqual(self.cost([r for r in rows if r["model"] == "gpt-9-ultra"]), 0)

    def test_no_model_says_the_export_lacks_it(self):
        rows, _, err = self.imp("openai", self.write("p.json", page([(DAY, [old_result(), split_result(
            model=None)])])))
        line = [ln for ln in err.splitlines() if "no model" in ln][0]
        self.assertIn("4 call(s) have no model", line)
        self.assertIn("group_by=model", line)
        self.assertNotIn("--prices", err)
        self.assertNotIn("(unknown) (", err)


if __name__ == "__main__":
    unittest.main()
