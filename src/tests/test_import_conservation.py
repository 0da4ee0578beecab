"""Every importer conserves calls, input and output tokens and cost exactly between the source and the CSV.

Seeded random exports in each documented shape (current and older OpenAI pages, the cookbook's bucket list, every
Anthropic token kind and web searches at every bucket width, LiteLLM single, aggregated and refunded rows, OTLP
spans, OpenMeter CSV and JSON), with and without --costs. The expected totals are recomputed naively from the
source records (Decimal list prices from prices.json), never from the importer; the CSV is also read back by the
analyzers' reader, whose nano-dollar total must agree.
"""
import random
import unittest
from decimal import Decimal

from analyzers.engine.reader import ReadStats, iter_calls, read_header
from test_import_anthropic import naive_usd as anthropic_usd, report, res
from test_import_openai import old_result, split_result
from test_importers import DAY, Base, attr, list_price, micro, span
from test_import_costs import cost as openai_cost, costs_page

MODELS = ["gpt-4o", "gpt-4o-mini-2024-07-18"]


class Conservation(Base):
    def check(self, rows, calls, inp, out, usd):
        self.assertEqual(len(rows), calls)
        self.assertEqual(self.total(rows, "input_tokens"), inp)
        self.assertEqual(self.total(rows, "output_tokens"), out)
        self.assertEqual(self.cost(rows), usd)
        stats = ReadStats()
        read = list(iter_calls(self.out, stats, read_header(self.out)))
        self.assertEqual((len(read), stats.skipped_rows), (calls, 0))
        self.assertEqual(sum(c.cost_nano for c in read), int(usd * 10 ** 9))

    def openai_source(self, rng):
        """Random buckets; returns (buckets, calls, input, output, list-price USD per (day, model, project))."""
        buckets, calls, inp, out, listed = [], 0, 0, 0, {}
        for d in range(3):
            results = []
            for k in range(rng.randint(1, 4)):
                n, model, project = rng.randint(1, 40), rng.choice(MODELS), rng.choice(["proj_a", "proj_b"])
                if rng.random() < 0.5:
                    r = split_result(model, n, input_tokens=rng.randint(500, 90000),
                                     output_tokens=rng.randint(0, 9999), input_cached_tokens=rng.randint(0, 200),
                                     input_cache_write_tokens=rng.randint(0, 99), project_id=project,
                                     user_id="u%d" % k)
                    uncached = r["input_tokens"] - r["input_cached_tokens"] - r["input_cache_write_tokens"]
                    i, o = r["input_tokens"], r["output_tokens"]
                else:
                    r = dict(old_result(n), model=model, project_id=project, input_tokens=rng.randint(500, 90000),
                             batch=rng.random() < 0.3, user_id="u%d" % k)
                    uncached = r["input_tokens"] - r["input_cached_tokens"] + r["input_audio_tokens"]
                    i, o = r["input_tokens"] + r["input_audio_tokens"], r["output_tokens"] + r["output_audio_tokens"]
                usd = micro(list_price(model.split("-2024")[0], uncached, o, cached=r["input_cached_tokens"],
                                       write=r.get("input_cache_write_tokens", 0), discount=50 if r["batch"] else 0))
                key = (d, model, project)
                listed[key] = listed.get(key, 0) + usd
                results.append(r)
                calls, inp, out = calls + n, inp + i, out + o
            buckets.append({"object": "bucket", "start_time": DAY + d * 86400, "end_time": DAY + (d + 1) * 86400,
                            "results": results})
        return buckets, calls, inp, out, listed

    def test_openai(self):
        for seed in range(4):
            rng = random.Random(seed)
            buckets, calls, inp, out, listed = self.openai_source(rng)
            files = [self.write("cookbook.json", buckets)] if seed % 2 else [
                self.write("p%d.json" % k, {"object": "page", "data": [b], "has_more": k < 2}) for k, b in
                enumerate(buckets)]
            rows, _, _ = self.imp("openai", *files)
            self.check(rows, calls, inp, out, sum(listed.values()))
            # billed amounts for some (day, model, project) groups, one for usage that does not exist
            billed, lines = {}, []
            for (d, model, project) in sorted(listed):
                if rng.random() < 0.6:
                    billed[(d, model, project)] = Decimal(rng.randint(0, 99999)) / 10 ** 6
                    lines.append((d, openai_cost(float(billed[(d, model, project)]), model + ", input", project)))
            lines.append((0, openai_cost(1.25, "gpt-9, input", "proj_a")))
            costs = self.write("costs.json", costs_page([(DAY + d * 86400, [c for e, c in lines if e == d])
                                                         for d in range(3)]))
            rows, _, err = self.imp("openai", *files, args=["--costs", costs])
            want = sum(billed.values()) + sum(v for k, v in listed.items() if k not in billed)
            self.check(rows, calls, inp, out, want)
            self.assertIn("$1.25 billed in 1 amount(s) matches no usage", err)

    def test_anthropic(self):
        rng = random.Random(7)
        widths = [("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", 24),  # a day, an hour, a minute
                  ("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", 1),
                  ("2026-03-02T12:07:00Z", "2026-03-02T12:08:00Z", 1)]
        docs, calls, inp, out, usd, cents = [], 0, 0, 0, Decimal(0), Decimal(0)
        for start, end, hours in widths:
            results = []
            for k in range(3):
                r = res(rng.randint(0, 99999), rng.randint(0, 9999), rng.randint(0, 999), rng.randint(0, 999),
                        rng.randint(1, 9999), rng.randint(0, 5), rng.choice(["standard", "batch"]),
                        workspace_id="ws_%d" % k)
                results.append(r)
                c = r["cache_creation"]
                calls += hours
                inp += (r["uncached_input_tokens"] + r["cache_read_input_tokens"] + c["ephemeral_5m_input_tokens"]
                        + c["ephemeral_1h_input_tokens"])
                out += r["output_tokens"]
                usd += micro(anthropic_usd(r, 50 if r["service_tier"] == "batch" else 0))
            docs.append(report(results, start, end))
        files = [self.write("a%d.json" % k, d) for k, d in enumerate(docs)]
        rows, _, _ = self.imp("anthropic", *files)
        self.check(rows, calls, inp, out, usd)
        # a cost report covering both days of every workspace: the CSV holds exactly its total
        lines = []
        for day in ("2026-03-01", "2026-03-02"):
            amounts = [str(Decimal(rng.randint(0, 99999)) / 100) for _ in range(3)]
            cents += sum(Decimal(a) for a in amounts)
            lines.append({"starting_at": day + "T00:00:00Z", "ending_at": day + "T23:59:59Z", "results": [
                {"currency": "USD", "amount": a, "workspace_id": "ws_%d" % k, "model": None, "cost_type": "tokens",
                 "token_type": None, "description": None} for k, a in enumerate(amounts)]})
        costs = self.write("c.json", {"data": lines, "has_more": False, "next_page": None})
        rows, _, _ = self.imp("anthropic", *files, args=["--costs", costs])
        self.check(rows, calls, inp, out, cents / 100)

    def test_litellm(self):
        rng = random.Random(3)
        records, calls, inp, out, usd = [], 0, 0, 0, Decimal(0)
        for k in range(40):
            i, o = rng.randint(0, 5000), rng.randint(0, 900)
            r = {"request_id": "r%d" % k, "startTime": "2026-03-01T%02d:%02d:00Z" % (k % 24, k), "model": "gpt-4o",
                 "prompt_tokens": str(i), "completion_tokens": str(o), "end_user": "c%d" % (k % 5)}
            kind = rng.choice(["single", "aggregated", "refund", "unpriced"])
            if kind == "refund":
                r["spend"] = "-%d.5" % rng.randint(0, 3)
            elif kind == "unpriced":
                r["spend"] = ""
                usd += micro(list_price("gpt-4o", i, o))
            else:
                r["spend"] = "%d.%09d" % (rng.randint(0, 2), rng.randint(0, 10 ** 9 - 1))
                usd += Decimal(r["spend"])
            if kind == "aggregated":
                r.update(api_requests=str(rng.randint(1, 30)), endTime="2026-03-01T%02d:59:00Z" % (k % 24))
            if kind != "refund":
                calls, inp, out = calls + int(r.get("api_requests", 1)), inp + i, out + o
            records.append(r)
        rows, _, _ = self.imp("litellm", self.write("s.json", records))
        self.check(rows, calls, inp, out, usd)

    def test_otlp(self):
        rng = random.Random(5)
        spans_, inp, out, usd = [], 0, 0, Decimal(0)
        for k in range(30):
            i, o, cached = rng.randint(10, 9000), rng.randint(0, 900), rng.randint(0, 9)
            spans_.append(span(k, [attr("gen_ai.provider.name", "openai"), attr("gen_ai.request.model", "gpt-4o"),
                                   attr("gen_ai.usage.input_tokens", i), attr("gen_ai.usage.output_tokens", o),
                                   attr("gen_ai.usage.cache_read.input_tokens", cached)]))
            inp, out, usd = inp + i, out + o, usd + micro(list_price("gpt-4o", i - cached, o, cached=cached))
        rows, _, _ = self.imp("otlp", self.write("t.json", {"resourceSpans": [{"scopeSpans": [{"spans": spans_}]}]}))
        self.check(rows, 30, inp, out, usd)

    def test_openmeter(self):
        rng = random.Random(9)
        csv_lines, points, calls, inp, out, usd = ["window_start,window_end,subject,model,type,value"], [], 0, 0, 0, 0
        for k in range(12):
            hours = rng.choice([1, 24])
            start, end = "2026-03-%02dT00:00:00Z" % (k + 1), "2026-03-%02dT%s:00:00Z" % (
                k + 1 + (hours == 24), "00" if hours == 24 else "01")
            i, o, model = rng.randint(0, 99999), rng.randint(0, 9999), rng.choice(["gpt-4o", "gpt-4o-mini"])
            if k % 2:
                csv_lines += ["%s,%s,c%d,%s,input,%d" % (start, end, k, model, i),
                              "%s,%s,c%d,%s,output,%d" % (start, end, k, model, o)]
            else:
                points += [{"value": v, "windowStart": start, "windowEnd": end, "subject": "c%d" % k,
                            "groupBy": {"model": model, "type": t}} for t, v in (("prompt", i), ("completion", o))]
            calls, inp, out, usd = calls + hours, inp + i, out + o, usd + micro(list_price(model, i, o))
        rows, _, _ = self.imp("openmeter", self.write("m.csv", "\n".join(csv_lines) + "\n"),
                              self.write("q.json", {"windowSize": "HOUR", "data": points}))
        self.check(rows, calls, inp, out, usd)


if __name__ == "__main__":
    unittest.main()
