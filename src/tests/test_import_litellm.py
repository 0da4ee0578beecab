"""import_usage.py --from litellm: aggregated rows (api_requests), refunds and credits, provider and customer.

Expected figures are worked out by hand in the comments.
"""
import json
import unittest
from decimal import Decimal

from naive import write_csv
from test_importers import Base, list_price, micro


def row(rid, **kw):
    r = {"request_id": rid, "spend": "0.001", "prompt_tokens": "100", "completion_tokens": "10",
         "startTime": "2026-03-01T10:00:00Z", "endTime": "2026-03-01T10:00:02Z", "request_duration_ms": "2000",
         "model": "gpt-4o", "custom_llm_provider": "openai", "user": "", "end_user": "cust-1", "status": "success"}
    r.update(kw)
    return r


HOURLY = dict(api_requests="9", prompt_tokens="1000", completion_tokens="301", spend="0.009000001",
              startTime="2026-03-01T10:00:00Z", endTime="2026-03-01T11:00:00Z", request_duration_ms="3600000")


class Aggregated(Base):
    def test_api_requests_become_that_many_calls(self):
        rows, _, err = self.imp("litellm", self.write("s.json", [row("agg", **HOURLY), row("one")]))
        agg = [r for r in rows if r["call_id"].startswith("litellm-agg")]
        self.assertEqual(len(agg), 9)
        self.assertEqual([r["timestamp"][11:16] for r in agg],  # 9 calls over the hour: every 400 s
                         ["10:00", "10:06", "10:13", "10:20", "10:26", "10:33", "10:40", "10:46", "10:53"])
        self.assertEqual((self.total(agg, "input_tokens"), self.total(agg, "output_tokens")), (1000, 301))
        self.assertEqual(self.cost(agg), Decimal("0.009000001"))  # the spend, split to the nano-dollar
        for r in agg:  # each call's share of the spend follows its list price ($2.50 in, $10 out per 1M)
            weight = Decimal(int(r["input_tokens"])) * Decimal("2.5") + int(r["output_tokens"]) * 10
            share = Decimal("0.009000001") * weight / (1000 * Decimal("2.5") + 301 * 10)
            self.assertLess(abs(Decimal(r["cost_usd"]) - share), Decimal("0.000000001"))
        self.assertEqual({r["latency_ms"] for r in agg}, {""})  # the window is not a latency
        self.assertEqual([r["latency_ms"] for r in rows if r["call_id"] == "litellm-one"], ["2000"])
        self.assertIn("request_duration_ms is the row's window, not a latency", err)
        self.assertEqual(len(rows), 10)
        self.assertEqual(self.cost(rows), Decimal("0.010000001"))

    def test_aggregated_without_spend_is_priced(self):
        rows, _, _ = self.imp("litellm", self.write("s.json", [row("agg", **dict(HOURLY, spend=""))]))
        self.assertEqual(self.cost(rows), micro(list_price("gpt-4o", 1000, 301)))
        self.assertEqual(len(rows), 9)

    def test_no_requests(self):
        rows, _, _ = self.imp("litellm", self.write("s.json", [row("z", api_requests="0", prompt_tokens="0",
                                                                       completion_tokens="0", spend="0")]))
        self.assertEqual(rows, [])
        self.fails("litellm", self.write("b.json", [row("z", api_requests="0")]), want="api_requests is 0")


class Credits(Base):
    def test_negative_spend_is_left_out_and_reported(self):
        rows, _, err = self.imp("litellm", self.write("s.json", [row("a"), row("refund", spend="-0.25"),
                                                                 row("b", spend="0.002")]))
        self.assertEqual([r["call_id"] for r in rows], ["litellm-a", "litellm-b"])
        self.assertEqual(self.cost(rows), Decimal("0.003"))
        self.assertIn("left out 1 record(s) with a negative cost (refunds or credits) totalling -$0.25", err)


class ProviderAndCustomer(Base):
    def test_model_group_only_csv(self):
        rows_in = [{"request_id": "r1", "startTime": "2026-03-01 10:00:00", "model_group": "claude-3-5-haiku-20241022",
                    "prompt_tokens": "1000", "completion_tokens": "100", "spend": "", "user": "u1"},
                   {"request_id": "r2", "startTime": "2026-03-01 10:01:00", "model_group": "gpt-4o-mini",
                    "prompt_tokens": "10", "completion_tokens": "1", "spend": "0.5", "user": "u1"}]
        rows, _, _ = self.imp("litellm", write_csv(self.path("s.csv"), rows_in, list(rows_in[0])))
        self.assertEqual([(r["provider"], r["model"]) for r in rows],
                         [("anthropic", "claude-3-5-haiku-20241022"), ("openai", "gpt-4o-mini")])
        self.assertEqual(self.cost(rows), micro(list_price("claude-3-5-haiku", 1000, 100)) + Decimal("0.5"))

    def test_end_user_then_user_then_key_alias(self):
        meta = json.dumps({"user_api_key_alias": "team-key"})
        rows, _, err = self.imp("litellm", self.write("s.json", [
            row("a"), row("b", end_user="", user="bob"), row("c", end_user="", metadata=meta),
            row("d", end_user="", key_alias="direct-key")]))
        self.assertEqual([r["customer_id"] for r in rows], ["cust-1", "bob", "team-key", "direct-key"])
        self.assertIn("used key_alias (2 calls) and user (1 call)", err)

    def test_customer_from(self):
        rows, _, _ = self.imp("litellm", self.write("s.json", [row("a", team_id="t1"), row("b", team_id="")]),
                              args=["--customer-from", "team_id"])
        self.assertEqual([r["customer_id"] for r in rows], ["t1", "cust-1"])


if __name__ == "__main__":
    unittest.main()
