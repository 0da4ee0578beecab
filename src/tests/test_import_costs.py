"""import_usage.py --costs: billed amounts (OpenAI costs pages, Anthropic cost reports) replace list prices.

The matching rule (specs/data-schema.md, "Billed costs"): by UTC day and model (a dated id matches its family), and
by project/workspace when both sides name one; a line without a model covers every model of its day. Expected
figures are worked out by hand in the comments.
"""
import unittest
from decimal import Decimal

from test_importers import DAY, Base, list_price, micro, result


def cost(value, line_item=None, project=None):
    return {"object": "organization.costs.result", "amount": {"value": value, "currency": "usd"},
            "line_item": line_item, "project_id": project}


def costs_page(buckets, more=False):
    return {"object": "page", "has_more": more, "next_page": "cost_page_2" if more else None,
            "data": [{"object": "bucket", "start_time": s, "end_time": s + 86400, "results": rs} for s, rs in buckets]}


def usage_page(buckets):
    return {"object": "page", "has_more": False, "next_page": None,
            "data": [{"object": "bucket", "start_time": s, "end_time": s + 86400, "results": rs} for s, rs in buckets]}


def by(rows, **match):
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


class OpenAICosts(Base):
    def usage(self):
        return self.write("usage.json", usage_page([
            (DAY, [result("gpt-4o", 1000, 300, 2, project="proj_a"),        # list $0.0055
                   result("gpt-4o", 2000, 100, 3, project="proj_b"),        # list $0.0060
                   result("gpt-4o-mini", 10000, 1000, 1, project="proj_a")]),  # list $0.0021
            (DAY + 86400, [result("gpt-4o", 100, 10, 1, project="proj_a")])]))  # list $0.00035, no cost line

    def costs(self, more=False):
        return self.write("costs.json", costs_page([
            (DAY, [cost(0.002, "gpt-4o-2024-08-06, input", "proj_a"),
                   cost(0.003, "gpt-4o-2024-08-06, output", "proj_a"),
                   cost(0.001, "gpt-4o-mini-2024-07-18, input"),       # no project: every project's mini calls
                   cost(0.007, None, "proj_b"),                         # no line item: every model of proj_b
                   cost(0.25, "gpt-4.1, input", "proj_a"),              # no such usage
                   cost(-0.05)]),                                       # a credit
            (DAY + 2 * 86400, [cost(0.1, "gpt-4o, input", "proj_a")])], more))

    def test_billed_amounts_replace_list_prices(self):
        rows, out, err = self.imp("openai", self.usage(), args=["--costs", self.costs()])
        day1 = [r for r in rows if r["timestamp"].startswith("2026-03-01")]
        self.assertEqual(self.cost(by(day1, model="gpt-4o", organization_id="proj_a")), Decimal("0.005"))
        self.assertEqual(self.cost(by(day1, model="gpt-4o", organization_id="proj_b")), Decimal("0.007"))
        self.assertEqual(self.cost(by(day1, model="gpt-4o-mini")), Decimal("0.001"))
        day2 = [r for r in rows if r["timestamp"].startswith("2026-03-02")]
        self.assertEqual(self.cost(day2), micro(list_price("gpt-4o", 100, 10)))  # not billed: list price kept
        self.assertEqual(self.cost(rows), Decimal("0.005") + Decimal("0.007") + Decimal("0.001") + Decimal("0.00035"))
        self.assertEqual(len(rows), 2 + 3 + 1 + 1)
        self.assertIn("Billed (--costs) vs list price, per day and model:", out)
        table = [ln.split() for ln in out.splitlines() if ln.startswith("  2026-")]
        self.assertIn(["2026-03-01", "gpt-4o", "5", "$0.0115", "$0.012", "+4.3%"], table)
        self.assertIn(["2026-03-02", "gpt-4o", "1", "$0.00035", "-"], table)
        self.assertIn("its calls keep their list price", out)
        unmatched = [ln for ln in err.splitlines() if "matches no usage" in ln][0]
        self.assertIn("$0.35 billed in 2 amount(s)", unmatched)
        self.assertIn("gpt-4.1 project proj_a $0.25: no usage of gpt-4.1 in project proj_a on that day", unmatched)
        self.assertIn("2026-03-03 gpt-4o project proj_a $0.10: no usage on that day", unmatched)
        self.assertIn("-$0.05 of credits in 1 amount(s) is not applied", err)
        self.assertNotIn("incomplete", err)

    def test_an_amount_over_several_buckets_is_split_by_list_price_exactly(self):
        usage = self.write("u.json", usage_page([(DAY, [result("gpt-4o", 1600, 0, 3, project="proj_a"),   # $0.004
                                                        result("gpt-4o", 2400, 0, 7, project="proj_b")])]))  # $0.006
        costs = self.write("c.json", costs_page([(DAY, [cost(0.010001, "gpt-4o, input")])]))
        rows, _, _ = self.imp("openai", usage, args=["--costs", costs])
        # exact shares 4000.4 and 6000.6 micro-dollars: floors 4000 + 6000, the one left goes to the larger remainder
        self.assertEqual(self.cost(by(rows, organization_id="proj_a")), Decimal("0.004000"))
        self.assertEqual(self.cost(by(rows, organization_id="proj_b")), Decimal("0.006001"))
        for r in by(rows, organization_id="proj_b"):  # 6,001 over 7 calls of 342 or 343 input tokens each
            share = Decimal(6001) * int(r["input_tokens"]) / 2400 / 10 ** 6
            self.assertLess(abs(Decimal(r["cost_usd"]) - share), Decimal("0.000001"))

    def test_incomplete_costs_export_is_reported(self):
        _, _, err = self.imp("openai", self.usage(), args=["--costs", self.costs(more=True)])
        self.assertIn("the costs export is incomplete", err)
        self.assertIn("page=cost_page_2", err)

    def test_bad_costs(self):
        usage = self.usage()
        self.fails("litellm", self.write("s.json", []), args=["--costs", self.costs()], want="--from openai")
        euro = costs_page([(DAY, [dict(cost(1.0), amount={"value": 1.0, "currency": "eur"})])])
        self.fails("openai", usage, args=["--costs", self.write("eur.json", euro)], want="currency is eur")
        self.fails("openai", usage, args=["--costs", usage], want="usage files are INPUT")
        self.fails("openai", self.costs(), want="pass costs with --costs FILE")


class AnthropicCostReport(Base):
    def res(self, model, ws, uncached):
        return {"uncached_input_tokens": uncached, "cache_read_input_tokens": 0, "cache_creation": {
                "ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0}, "output_tokens": 0,
                "server_tool_use": {"web_search_requests": 0}, "api_key_id": None, "workspace_id": ws,
                "model": model, "service_tier": "standard", "context_window": "0-200k"}

    def line(self, cents, cost_type="tokens", model=None, ws="wrkspc_1", token_type=None):
        return {"currency": "USD", "amount": cents, "workspace_id": ws, "description": "x", "cost_type": cost_type,
                "context_window": None, "model": model, "service_tier": None, "token_type": token_type}

    def test_cents_by_model_and_fees_over_the_workspace(self):
        usage = {"has_more": False, "next_page": None, "data": [
            {"starting_at": "2026-03-01T00:00:00Z", "ending_at": "2026-03-02T00:00:00Z", "results": [
                self.res("claude-sonnet-4-20250514", "wrkspc_1", 100000),   # list $0.30
                self.res("claude-3-5-haiku-20241022", "wrkspc_1", 100000),  # list $0.08
                self.res("claude-sonnet-4-20250514", "wrkspc_2", 1000)]}]}  # list $0.003, no cost line
        report = {"has_more": False, "next_page": None, "data": [
            {"starting_at": "2026-03-01T00:00:00Z", "ending_at": "2026-03-02T00:00:00Z", "results": [
                self.line("200.0", model="claude-sonnet-4-20250514", token_type="uncached_input_tokens"),
                self.line("50", model="claude-sonnet-4-20250514", token_type="output_tokens"),
                self.line("10.5", model="claude-3-5-haiku-20241022", token_type="uncached_input_tokens"),
                self.line("7", cost_type="web_search")]}]}
        costs = self.write("c.json", report)
        rows, out, err = self.imp("anthropic", self.write("u.json", usage), args=["--costs", costs])
        # web search's 70,000 micro-dollars over the workspace's two buckets by list price (0.30 : 0.08):
        # 55,263.157... and 14,736.842...: floors 55,263 + 14,736, the one left to the larger remainder (haiku)
        sonnet = by(rows, model="claude-sonnet-4-20250514", organization_id="wrkspc_1")
        haiku = by(rows, model="claude-3-5-haiku-20241022")
        self.assertEqual(self.cost(sonnet), Decimal("2.500000") + Decimal("0.055263"))
        self.assertEqual(self.cost(haiku), Decimal("0.105000") + Decimal("0.014737"))
        other = by(rows, organization_id="wrkspc_2")
        self.assertEqual(self.cost(other), micro(list_price("claude-sonnet-4", 1000, 0)))
        self.assertEqual(self.cost(rows), Decimal("2.675") + Decimal("0.003"))
        self.assertEqual(len(rows), 3 * 24)
        self.assertNotIn("matches no usage", err)
        self.assertIn("Billed (--costs) vs list price", out)


if __name__ == "__main__":
    unittest.main()
