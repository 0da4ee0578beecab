"""import_usage.py --from anthropic: cache writes by duration, web searches, the customer field, hourly spreading of
daily buckets (and what that does to the forecast), incomplete reports.

Expected figures are worked out by hand in the comments (claude-sonnet-4: input $3, output $15, cached $0.30,
5-minute cache write $3.75 per 1M tokens; a 1-hour write is 2x input, $6; a web search $0.01).
"""
import json
import os
import unittest
from decimal import Decimal

from naive import SRC, run_py
from test_importers import Base, PRICES, micro

MODEL = "claude-sonnet-4-20250514"


def res(uncached=1000, read=2000, w5=3000, w1h=4000, out=500, searches=3, tier="standard", **ids):
    r = {"uncached_input_tokens": uncached, "cache_read_input_tokens": read,
         "cache_creation": {"ephemeral_1h_input_tokens": w1h, "ephemeral_5m_input_tokens": w5},
         "output_tokens": out, "server_tool_use": {"web_search_requests": searches}, "api_key_id": None,
         "workspace_id": None, "model": MODEL, "service_tier": tier, "context_window": "0-200k"}
    r.update(ids)
    return r


def report(results, start="2026-03-01T00:00:00Z", end="2026-03-02T00:00:00Z", more=False):
    return {"data": [{"starting_at": start, "ending_at": end, "results": results}], "has_more": more,
            "next_page": "page_xyz" if more else None}


def naive_usd(r, discount=0):
    """List price of one result, from prices.json and Anthropic's published multipliers."""
    p = {k: Decimal(str(v)) for k, v in PRICES["claude-sonnet-4"].items() if k.endswith("_per_1m")}
    c = r["cache_creation"]
    tokens = (r["uncached_input_tokens"] * p["input_per_1m"] + r["cache_read_input_tokens"] * p["cached_input_per_1m"]
              + c["ephemeral_5m_input_tokens"] * p["cache_write_per_1m"]
              + c["ephemeral_1h_input_tokens"] * 2 * p["input_per_1m"] + r["output_tokens"] * p["output_per_1m"])
    return tokens / 10 ** 6 * (100 - discount) / 100 + r["server_tool_use"]["web_search_requests"] * Decimal("0.01")


class Pricing(Base):
    def test_one_hour_writes_at_twice_the_input_price_and_searches_priced(self):
        r = res()
        rows, out, _ = self.imp("anthropic", self.write("a.json", report([r])))
        # 1,000 x 3 + 2,000 x 0.30 + 3,000 x 3.75 + 4,000 x 6 + 500 x 15 = 46,350 per 1M = $0.04635, + 3 x $0.01
        self.assertEqual(micro(naive_usd(r)), Decimal("0.076350"))
        self.assertEqual(self.cost(rows), Decimal("0.076350"))
        self.assertEqual(self.total(rows, "input_tokens"), 1000 + 2000 + 3000 + 4000)
        self.assertEqual(self.total(rows, "output_tokens"), 500)
        self.assertIn("3 web searches priced into the calls", out)

    def test_batch_discounts_tokens_not_searches(self):
        r = res(tier="batch")
        rows, _, _ = self.imp("anthropic", self.write("a.json", report([r])))
        self.assertEqual(self.cost(rows), Decimal("0.023175") + Decimal("0.03"))
        self.assertEqual(self.cost(rows), micro(naive_usd(r, discount=50)))


class Spreading(Base):
    def test_daily_bucket_becomes_one_call_per_hour(self):
        rows, out, _ = self.imp("anthropic", self.write("a.json", report([res(uncached=1001, out=49)])))
        self.assertEqual([r["timestamp"] for r in rows], ["2026-03-01T%02d:00:00Z" % h for h in range(24)])
        self.assertEqual(self.total(rows, "input_tokens"), 1001 + 2000 + 3000 + 4000)
        self.assertEqual(self.total(rows, "output_tokens"), 49)
        sizes = [int(r["input_tokens"]) for r in rows]
        self.assertLessEqual(max(sizes) - min(sizes), 1)
        self.assertIn("one call per hour", out)

    def test_hourly_and_minute_buckets_stay_one_call(self):
        hour = report([res()], "2026-03-01T05:00:00Z", "2026-03-01T06:00:00Z")
        minute = report([res(uncached=7)], "2026-03-01T07:01:00Z", "2026-03-01T07:02:00Z")
        rows, _, _ = self.imp("anthropic", self.write("h.json", hour), self.write("m.json", minute))
        self.assertEqual([r["timestamp"] for r in rows], ["2026-03-01T05:00:00Z", "2026-03-01T07:01:00Z"])

    def test_one_day_forecast_equals_the_run_rate(self):
        rows, _, _ = self.imp("anthropic", self.write("a.json", report([res(), res(uncached=50000, w1h=0)])))
        rep = self.path("rep")
        p = run_py([os.path.join(SRC, "run_all_analyzers.py"), "--data", self.out, "--out", rep], timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr[-500:])
        with open(os.path.join(rep, "json", "understanding.json"), encoding="utf-8") as f:
            m = json.load(f)["metrics"]
        month = float(self.cost(rows)) * 30  # one day of data: 30 x the day
        self.assertAlmostEqual(m["run_rate_usd_per_month"], month, delta=0.01)
        self.assertAlmostEqual(m["forecast_usd"]["30d"], m["run_rate_usd_per_month"], delta=0.01)


class Customers(Base):
    def test_most_specific_field_present(self):
        results = [res(account_id="acct_1", service_account_id=None, api_key_id="key_1", workspace_id="ws_1"),
                   res(out=1, service_account_id="svc_1", api_key_id="key_1", workspace_id="ws_1"),
                   res(out=2, api_key_id="key_2", workspace_id="ws_1"), res(out=3, workspace_id="ws_2"), res(out=4)]
        rows, _, err = self.imp("anthropic", self.write("a.json", report(results)))
        self.assertEqual(sorted({r["customer_id"] for r in rows}),
                         ["(unknown)", "acct_1", "key_2", "svc_1", "ws_2"])
        self.assertIn('used "(unknown)" (24 calls) and account_id (24 calls) and api_key_id (24 calls) and '
                      'service_account_id (24 calls) and workspace_id (24 calls) as the customer', err)
        self.assertIn("--customer-from", err)

    def test_customer_from_option(self):
        results = [res(account_id="acct_1", workspace_id="ws_1"), res(out=1, account_id="acct_2")]
        rows, _, err = self.imp("anthropic", self.write("a.json", report(results)), args=["--customer-from",
                                                                                          "workspace_id"])
        self.assertEqual(sorted({r["customer_id"] for r in rows}), ["acct_2", "ws_1"])
        self.assertIn("used account_id (24 calls)", err)  # the stand-in where workspace_id is empty
        self.fails("anthropic", self.write("b.json", report(results)), args=["--customer-from", "email"],
                   want="--customer-from email: the anthropic export has no such customer field; choose one of "
                        "account_id")


class Incomplete(Base):
    def test_has_more_warns(self):
        rows, _, err = self.imp("anthropic", self.write("a.json", report([res()], more=True)))
        self.assertEqual(len(rows), 24)
        self.assertIn("the usage export is incomplete", err)
        self.assertIn("page=page_xyz", err)


if __name__ == "__main__":
    unittest.main()
