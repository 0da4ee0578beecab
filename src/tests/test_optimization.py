"""Tests of the optimization analyzer (analyzers/finops/optimization.py and _savings.py).

Expected figures are recomputed here from the CSV with csv.DictReader and the list prices written out below
(USD per 1M tokens, as in the price reference), never from the analyzer's own output.
"""
import csv
import json
import os
import re
import unittest
from html.parser import HTMLParser

from analyzers.finops.optimization import OptimizationAnalyzer

from naive import ROOT, SRC, SharedTempDir, TempDir, run_py, write_csv

PRICES_JSON = os.path.join(SRC, "pricing", "prices.json")
# (input, output, cached input, cache write) in USD per 1M tokens: the price reference, typed in by hand.
PRICES = {"gpt-4": (30.0, 60.0, None, None), "gpt-4o": (2.5, 10.0, 1.25, None), "gpt-4o-mini": (0.15, 0.6, 0.075, None),
          "gpt-5-nano": (0.05, 0.4, 0.005, None),
          "claude-sonnet-4": (3.0, 15.0, 0.3, 3.75), "anthropic.claude-v2": (8.0, 24.0, None, None)}
HEADER = ["timestamp", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "customer_id",
          "subscription_tier", "task_type", "environment"]


def price(model, inp, out):
    p = PRICES[model]
    return inp * p[0] / 1e6 + out * p[1] / 1e6


def row(ts, provider, model, inp, out, customer="c1", tier="enterprise", task="chat", env="production", cost=None):
    c = price(model, inp, out) if cost is None else cost
    return {"timestamp": ts, "provider": provider, "model": model, "input_tokens": str(inp), "output_tokens": str(out),
            "cost_usd": "%.6f" % c, "customer_id": customer, "subscription_tier": tier, "task_type": task,
            "environment": env}


def analyze(path, **options):
    return OptimizationAnalyzer(path, options).analyze()


def by_kind(doc, kind):
    return [o for o in doc["metrics"]["opportunities"] if o["kind"] == kind]


class HandMadeFile(SharedTempDir):
    """One day of data (so per month = x 30) with a figure for each opportunity that can be priced by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.path = os.path.join(cls.tmp, "calls.csv")
        rows = []
        for i in range(1000):  # 1,000,000 input tokens of gpt-4 chat: $30; on gpt-5-nano (OpenAI's cheapest): $0.05
            rows.append(row("2026-01-01T%02d:%02d:00Z" % (i // 60 % 24, i % 60), "openai", "gpt-4", 1000, 0))
        for i in range(10):  # long prompts of analysis in staging on claude-sonnet-4: caching, then batch
            rows.append(row("2026-01-01T05:%02d:30Z" % i, "anthropic", "claude-sonnet-4", 2000, 500, task="analysis",
                            env="staging"))
        for i in range(4):  # summarization on gpt-4o in production: right-sizing, caching on the target, 25% batch
            rows.append(row("2026-01-01T06:%02d:30Z" % i, "openai", "gpt-4o", 5000, 200, task="summarization"))
        for i in range(10):  # a starter customer on gpt-4 code generation: only a usage cap applies
            rows.append(row("2026-01-01T07:%02d:30Z" % i, "openai", "gpt-4", 5000, 1000, customer="c2", tier="starter",
                            task="code_generation"))
        write_csv(cls.path, rows, HEADER)
        cls.rows = rows
        cls.doc = analyze(cls.path)

    def test_right_sizing_by_hand(self):
        m = self.doc["metrics"]
        rs = {(r["from_model"], r["task_type"]): r for r in m["right_sizing"]}
        self.assertEqual(set(rs), {("gpt-4", "chat"), ("gpt-4o", "summarization")})
        chat = rs[("gpt-4", "chat")]
        self.assertEqual((chat["to_provider"], chat["to_model"], chat["same_provider"]), ("openai", "gpt-5-nano", True))
        self.assertAlmostEqual(chat["current_cost_usd_per_month"], 30.0 * 30, places=4)
        self.assertAlmostEqual(chat["target_cost_usd_per_month"], 0.05 * 30, places=4)
        self.assertAlmostEqual(chat["savings_usd_per_month"], (30.0 - 0.05) * 30, places=4)  # $898.50
        summ = rs[("gpt-4o", "summarization")]
        self.assertEqual(summ["to_model"], "gpt-5-nano")
        self.assertAlmostEqual(summ["savings_usd_per_month"],
                               4 * (price("gpt-4o", 5000, 200) - price("gpt-5-nano", 5000, 200)) * 30, places=4)

    def test_right_sizing_matches_a_naive_recomputation(self):
        groups = {}
        for r in csv.DictReader(open(self.path, encoding="utf-8")):
            if r["task_type"] in ("chat", "qa", "translation", "summarization") and r["model"] in ("gpt-4", "gpt-4o"):
                g = groups.setdefault((r["model"], r["task_type"]), [0.0, 0.0])
                g[0] += float(r["cost_usd"])
                g[1] += price("gpt-5-nano", int(r["input_tokens"]), int(r["output_tokens"]))
        expected = sum((cost - target) * 30 for cost, target in groups.values())
        self.assertAlmostEqual(self.doc["metrics"]["savings_by_kind"]["model_right_sizing"], expected, places=4)

    def test_caching_then_batch_on_what_is_left(self):
        m = self.doc["metrics"]
        # claude-sonnet-4 analysis: 30% of 20,000 long-prompt tokens read from the cache at $0.30 instead of $3.00,
        # each prefix written once per 10 reads at $3.75 (+$0.75 over the input price).
        sonnet_cache = 0.30 * 20000 * ((3.0 - 0.3) - (3.75 - 3.0) / 10) / 1e6
        # gpt-4o summarization now on gpt-5-nano: 10% of 20,000 tokens at $0.005 instead of $0.05.
        mini_cache = 0.10 * 20000 * (0.05 - 0.005) / 1e6
        caching = {o["model"]: o["savings_usd_per_month"] for o in by_kind(self.doc, "prompt_caching")}
        self.assertAlmostEqual(caching["claude-sonnet-4"], sonnet_cache * 30, places=5)
        self.assertAlmostEqual(caching["gpt-5-nano"], mini_cache * 30, places=5)
        # batch takes 50% off what caching left: all of staging analysis, 25% of production summarization
        sonnet_left = 10 * price("claude-sonnet-4", 2000, 500) - sonnet_cache
        mini_left = 4 * price("gpt-5-nano", 5000, 200) - mini_cache
        expected_batch = (sonnet_left * 0.5 + mini_left * 0.25 * 0.5) * 30
        self.assertAlmostEqual(m["savings_by_kind"]["batch"], expected_batch, places=5)
        batch = {o["task_type"]: o for o in by_kind(self.doc, "batch")}
        self.assertEqual(batch["analysis"]["calls"], 10)
        self.assertEqual(batch["summarization"]["calls"], 1)  # 25% of 4 calls
        # not the 50% of the cost before caching: the same dollar is never saved twice
        self.assertLess(batch["analysis"]["savings_usd_per_month"], 10 * price("claude-sonnet-4", 2000, 500) * 0.5 * 30)

    def test_usage_caps_are_not_a_saving(self):
        # a usage cap serves less usage: a packaging scenario of the profitability report, never a saving here
        self.assertEqual(by_kind(self.doc, "usage_caps"), [])
        self.assertNotIn("usage_caps", self.doc["metrics"]["savings_by_kind"])
        self.assertTrue(all(r["kind"] in ("saving", "info") for r in self.doc["recommendations"]))
        for r in self.doc["recommendations"]:
            self.assertEqual(r["kind"] == "saving", r["impact_usd_per_month"] is not None, r["title"])

    def test_totals_reconcile(self):
        m = self.doc["metrics"]
        total = sum(float(r["cost_usd"]) for r in self.rows)
        self.assertAlmostEqual(m["run_rate_usd_per_month"], total * 30, places=4)
        self.assertAlmostEqual(sum(m["savings_by_kind"].values()), m["potential_savings_usd_per_month"], places=4)
        self.assertAlmostEqual(sum(o["savings_usd_per_month"] for o in m["opportunities"]),
                               m["potential_savings_usd_per_month"], places=4)
        self.assertAlmostEqual(m["cost_after_usd_per_month"] + m["potential_savings_usd_per_month"],
                               m["run_rate_usd_per_month"], places=4)
        self.assertEqual(m["savings_by_kind"]["provisioned_capacity"], 0.0)  # one day: no steady baseline
        self.assertTrue(any("Fewer than 3 days" in n for n in self.doc["notes"]))

    def test_recommendations_carry_dollars(self):
        recs = self.doc["recommendations"]
        top = recs[0]
        self.assertIn("gpt-4 to gpt-5-nano", top["title"])
        self.assertIn("$", top["title"])
        self.assertAlmostEqual(top["impact_usd_per_month"], (30.0 - 0.05) * 30, places=4)
        self.assertTrue(all(r["impact_usd_per_month"] is None or r["impact_usd_per_month"] > 0 for r in recs))

    def test_assumptions_are_listed(self):
        kinds = {a["kind"] for a in self.doc["metrics"]["assumptions"]}
        self.assertTrue({"model_right_sizing", "prompt_caching", "batch", "provisioned_capacity"} <= kinds)


class Capacity(TempDir):
    """Five days of steady gpt-4 code generation (no tier: never capped) and a little Bedrock claude-v2."""

    def test_commitment_break_even(self):
        path = self.path("calls.csv")
        rows = []
        for day, n in enumerate([5, 3, 4, 2, 6]):
            for i in range(n):
                rows.append(row("2026-01-0%dT10:%02d:00Z" % (day + 1, i), "openai", "gpt-4", 1000000, 0,
                                customer="c9", tier="", task="code_generation"))
            rows.append(row("2026-01-0%dT11:00:00Z" % (day + 1), "bedrock", "anthropic.claude-v2", 1000, 100,
                            customer="c9", tier="", task="code_generation"))
        write_csv(path, rows, HEADER)
        doc = analyze(path, commit_minimum_usd=2000.0)
        daily = {}
        for r in csv.DictReader(open(path, encoding="utf-8")):
            daily[r["timestamp"][:10]] = daily.get(r["timestamp"][:10], 0.0) + float(r["cost_usd"])
        inner = [daily[d] for d in sorted(daily)[1:-1]]
        ratio = min(inner) / (sum(inner) / len(inner))
        gpt4 = sum(float(r["cost_usd"]) for r in rows if r["model"] == "gpt-4") * 30 / 5
        rows_out = {(r["model"], r["offer"]): r for r in doc["metrics"]["provisioned_capacity"]}
        g = rows_out[("gpt-4", "committed-use discount 20%")]
        self.assertAlmostEqual(g["steady_baseline_usd_per_month"], gpt4 * ratio, places=3)
        self.assertTrue(g["worth_it"])
        self.assertAlmostEqual(g["savings_usd_per_month"], 0.2 * gpt4 * ratio, places=3)
        self.assertAlmostEqual(doc["metrics"]["savings_by_kind"]["provisioned_capacity"], 0.2 * gpt4 * ratio, places=3)
        v1 = rows_out[("anthropic.claude-v2", "1-month term")]
        v6 = rows_out[("anthropic.claude-v2", "6-month term")]
        self.assertAlmostEqual(v1["break_even_usd_per_month"], 0.0175 * 86400 * 30, places=2)  # $45,360
        self.assertAlmostEqual(v6["break_even_usd_per_month"], 0.00972 * 86400 * 30, places=2)
        self.assertFalse(v1["worth_it"] or v6["worth_it"])
        honest = [r for r in doc["recommendations"] if "claude-v2" in r["title"]]
        self.assertEqual(len(honest), 1)
        self.assertIsNone(honest[0]["impact_usd_per_month"])
        self.assertIn("not worth", honest[0]["title"])
        # with the default $5,000 minimum the same baseline (about $2,400/month) does not qualify
        self.assertEqual(analyze(path)["metrics"]["savings_by_kind"]["provisioned_capacity"], 0.0)


class SimulatedFile(SharedTempDir):
    @classmethod
    def setUpClass(cls):
        from simulator.core import AICallSimulator
        super().setUpClass()
        cls.path = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(cls.path)
        cls.doc = analyze(cls.path)

    def test_total_within_run_rate_and_reconciled(self):
        m = self.doc["metrics"]
        rows = list(csv.DictReader(open(self.path, encoding="utf-8")))
        days = {r["timestamp"][:10] for r in rows}
        first, last = min(days), max(days)
        n_days = (int(last[8:10]) - int(first[8:10])) + 1  # the simulated week stays within one month
        run_rate = sum(float(r["cost_usd"]) for r in rows) * 30 / n_days
        self.assertAlmostEqual(m["run_rate_usd_per_month"], run_rate, places=3)
        self.assertGreater(m["potential_savings_usd_per_month"], 0)
        self.assertLessEqual(m["potential_savings_usd_per_month"], m["run_rate_usd_per_month"])
        self.assertAlmostEqual(sum(m["savings_by_kind"].values()), m["potential_savings_usd_per_month"], places=4)
        for kind in ("model_right_sizing", "prompt_caching", "batch"):
            self.assertTrue(by_kind(self.doc, kind), kind)
            self.assertAlmostEqual(sum(o["savings_usd_per_month"] for o in by_kind(self.doc, kind)),
                                   m["savings_by_kind"][kind], places=4)

    def test_no_opportunity_saves_more_than_it_costs(self):
        for o in self.doc["metrics"]["opportunities"]:
            self.assertGreater(o["savings_usd_per_month"], 0)
            self.assertLessEqual(o["savings_usd_per_month"], o["current_cost_usd_per_month"] + 1e-6, o["title"])

    def test_right_sizing_rows_against_list_prices(self):
        catalog = {m["model"]: m for m in json.load(open(PRICES_JSON, encoding="utf-8"))["models"]}
        groups = {}
        for r in csv.DictReader(open(self.path, encoding="utf-8")):
            g = groups.setdefault((r["provider"], r["model"], r["task_type"]), [0, 0, 0.0])
            g[0] += int(r["input_tokens"])
            g[1] += int(r["output_tokens"])
            g[2] += float(r["cost_usd"])
        days = self.doc["data"]["days"]
        for r in self.doc["metrics"]["right_sizing"]:
            inp, out, cost = groups[(r["from_provider"], r["from_model"], r["task_type"])]
            t = catalog[r["to_model"]]
            target = inp * t["input_per_1m"] / 1e6 + out * t["output_per_1m"] / 1e6
            self.assertIn(r["task_type"], ("chat", "qa", "translation", "summarization"))
            self.assertIn(catalog[r["from_model"]]["class"], ("premium", "standard"))
            self.assertNotEqual(t["class"], "premium")
            self.assertAlmostEqual(r["target_cost_usd_per_month"], target * 30 / days, places=3)
            self.assertAlmostEqual(r["savings_usd_per_month"], (cost - target) * 30 / days, places=3)

    def test_deterministic_and_html(self):
        again = analyze(self.path)
        again["generated_at"] = self.doc["generated_at"]
        self.assertEqual(json.dumps(again, sort_keys=True), json.dumps(self.doc, sort_keys=True))
        html = OptimizationAnalyzer(self.path).page(self.doc)
        for needle in ('id="t-opportunities"', 'id="t-right-sizing-moves"', 'id="t-capacity-break-even"', "<svg",
                       "Recommendations"):
            self.assertIn(needle, html)
        self.assertNotIn("http://", html)
        self.assertNotIn("https://", html)


class MissingColumns(TempDir):
    def test_no_task_environment_or_tier(self):
        path = self.path("calls.csv")
        header = ["timestamp", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "customer_id"]
        rows = [row("2026-01-01T00:00:00Z", "openai", "gpt-4o", 3000, 100),
                row("2026-01-01T01:00:00Z", "openai", "<script>alert(1)</script>", 10, 10, cost=0.5)]
        write_csv(path, rows, header)
        doc = analyze(path)
        notes = " ".join(doc["notes"])
        for phrase in ("No task types", "No environments", "not in the price catalog"):
            self.assertIn(phrase, notes)
        m = doc["metrics"]
        self.assertEqual(m["right_sizing"], [])
        self.assertEqual(m["savings_by_kind"]["batch"], 0.0)
        self.assertNotIn("usage_caps", m["savings_by_kind"])
        # caching still applies, with the 25% share for unknown tasks: 750 tokens at 1.25 instead of 2.50
        self.assertAlmostEqual(m["savings_by_kind"]["prompt_caching"], 0.25 * 3000 * 1.25 / 1e6 * 30, places=6)
        html = OptimizationAnalyzer(path).page(doc)
        self.assertNotIn("<script>alert", html)
        parser = _Balanced()
        parser.feed(html)
        self.assertEqual(parser.stack, [])


class _Balanced(HTMLParser):
    VOID = {"meta", "input", "br", "img", "link", "hr"}

    def __init__(self):
        HTMLParser.__init__(self)
        self.stack = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass  # <input/>, <rect/>: nothing to close

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, "unbalanced </%s>" % tag


class Script(TempDir):
    def test_runs_from_root_and_from_src(self):
        from simulator.core import AICallSimulator
        data = self.path("calls.csv")
        AICallSimulator(num_customers=5, num_days=3, seed=2).write_csv(data)
        for cwd, script in ((ROOT, "src/analyzers/finops/optimization.py"), (SRC, "analyzers/finops/optimization.py")):
            out = self.path("out-" + os.path.basename(cwd))
            p = run_py([script, "--data", data, "--out", out], cwd=cwd, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.isfile(os.path.join(out, "json", "optimization.json")))
            self.assertTrue(os.path.isfile(os.path.join(out, "html", "optimization.html")))
        p = run_py(["src/analyzers/finops/optimization.py", "--data", self.path("missing.csv"), "--out",
                    self.path("x")], cwd=ROOT, timeout=120)
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr)
        p = run_py(["src/analyzers/finops/optimization.py", "--data", data, "--commit-discount-pct", "150", "--out",
                    self.path("y")], cwd=ROOT, timeout=120)
        self.assertEqual(p.returncode, 2)
        self.assertTrue(re.search(r"below 100", p.stderr), p.stderr)


if __name__ == "__main__":
    unittest.main()
