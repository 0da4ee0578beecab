"""The core simulator: reproducible, realistic, exact costs, and clean CLI errors."""
import csv
import datetime as dt
import hashlib
import os
import random
import unittest
from collections import Counter, defaultdict

from simulator import profiles
from pricing.catalog import cost_micro, format_micro, load_catalog
from simulator.core import AICallSimulator
from utils.schema import FIELDS, TASK_TYPES

from naive import ROOT, SRC, SharedTempDir, TempDir, run_py


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run(args, cwd=ROOT):
    return run_py(args, cwd=cwd, timeout=120)


class SimulatedData(SharedTempDir):
    """One 100-customer, 14-day data set read back with the plain csv module."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.path = os.path.join(cls.tmp, "calls.csv")
        cls.sim = AICallSimulator(num_customers=100, num_days=14, seed=11, start=dt.date(2026, 3, 2))
        cls.sim.write_csv(cls.path)
        with open(cls.path, newline="", encoding="utf-8") as f:
            rd = csv.reader(f)
            cls.header = next(rd)
            cls.rows = list(rd)
        cls.ix = {k: i for i, k in enumerate(cls.header)}

    def col(self, name):
        i = self.ix[name]
        return [r[i] for r in self.rows]

    def test_header_and_19_columns(self):
        self.assertEqual(self.header, FIELDS)
        self.assertTrue(all(len(r) == 19 for r in self.rows))

    def test_every_cost_is_tokens_times_list_price(self):
        catalog = load_catalog()
        bad = 0
        for r in self.rows:
            e = catalog.get(r[self.ix["provider"]], r[self.ix["model"]])
            inp, out = int(r[self.ix["input_tokens"]]), int(r[self.ix["output_tokens"]])
            # independent: Decimal-free float recomputation from the per-1M prices, rounded to 6 decimals
            expect = round(inp * e.input_micro_per_1m / 1e12 + out * e.output_micro_per_1m / 1e12, 6)
            if abs(float(r[self.ix["cost_usd"]]) - expect) > 1.5e-6:
                bad += 1
            self.assertEqual(r[self.ix["cost_usd"]], format_micro(cost_micro(e, inp, out)))
        self.assertEqual(bad, 0)

    def test_ids_unique_and_readable(self):
        self.assertEqual(len(set(self.col("call_id"))), len(self.rows))
        self.assertEqual(len(set(self.col("request_id"))), len(self.rows))
        self.assertTrue(all(c.startswith("cust_") for c in set(self.col("customer_id"))))
        self.assertTrue(all(o.startswith("org_") for o in set(self.col("organization_id")) if o))

    def test_a_realistic_share_of_calls_is_untagged(self):
        cost = [float(c) for c in self.col("cost_usd")]
        orgs, prods, feats = self.col("organization_id"), self.col("product_id"), self.col("feature_id")
        missing = sum(c for c, o, p, f in zip(cost, orgs, prods, feats) if not (o and p and f))
        self.assertTrue(0.02 <= missing / sum(cost) <= 0.15, missing / sum(cost))
        # two patterns: no business tag at all, or only the feature missing; never a product without an org
        self.assertTrue(any(not o and not p and not f for o, p, f in zip(orgs, prods, feats)))
        self.assertTrue(any(o and p and not f for o, p, f in zip(orgs, prods, feats)))
        self.assertFalse(any(not o and p for o, p in zip(orgs, prods)))

    def test_time_order_and_period(self):
        ts = self.col("timestamp")
        self.assertEqual(ts, sorted(ts))
        self.assertTrue(ts[0].startswith("2026-03-02T") and ts[-1].startswith("2026-03-15T"))

    def test_archetype_volumes(self):
        per_cust = Counter(self.col("customer_id"))
        kinds = {c.customer_id: c.archetype for c in self.sim.customers}
        self.assertEqual(Counter(kinds.values()), Counter({"light": 70, "power": 20, "heavy": 10}))
        for cust, n in per_cust.items():
            per_day = n / 14.0
            lo, hi = {"light": (2, 30), "power": (30, 190), "heavy": (150, 650)}[kinds[cust]]
            self.assertTrue(lo <= per_day <= hi, "%s (%s) makes %.1f calls/day" % (cust, kinds[cust], per_day))

    def test_tier_correlates_with_usage_but_not_perfectly(self):
        by_kind = defaultdict(Counter)
        for c in self.sim.customers:
            by_kind[c.archetype][c.tier] += 1
        share = lambda k, t: by_kind[k][t] / float(sum(by_kind[k].values()))
        self.assertGreater(share("heavy", "enterprise"), share("light", "enterprise"))
        self.assertGreater(share("light", "starter"), share("heavy", "starter"))
        self.assertGreater(by_kind["heavy"]["starter"] + by_kind["heavy"]["pro"], 0, "no heavy customer on a cheap tier")

    def test_weekends_and_business_hours(self):
        per_day = Counter(t[:10] for t in self.col("timestamp"))
        wk = defaultdict(list)
        for day, n in per_day.items():
            wk[dt.date(*map(int, day.split("-"))).weekday() >= 5].append(n)
        ratio = (sum(wk[True]) / len(wk[True])) / (sum(wk[False]) / len(wk[False]))
        self.assertLess(ratio, 0.6)
        hours = Counter(int(t[11:13]) for t in self.col("timestamp"))
        self.assertGreater(sum(hours[h] for h in range(8, 20)) / float(len(self.rows)), 0.6)
        self.assertGreater(min(hours[h] for h in range(24)), 0, "no traffic at all in some hour")

    def test_tasks_tokens_within_context_and_task_shapes(self):
        catalog = load_catalog()
        self.assertEqual(set(self.col("task_type")), set(TASK_TYPES))
        ratio = defaultdict(lambda: [0, 0])
        for r in self.rows:
            e = catalog.get(r[self.ix["provider"]], r[self.ix["model"]])
            inp, out = int(r[self.ix["input_tokens"]]), int(r[self.ix["output_tokens"]])
            self.assertLessEqual(inp + out, e.context_window)
            self.assertGreater(int(r[self.ix["latency_ms"]]), 0)
            t = ratio[r[self.ix["task_type"]]]
            t[0] += inp
            t[1] += out
        out_in = {k: v[1] / float(v[0]) for k, v in ratio.items()}
        self.assertLess(out_in["summarization"], 0.2)   # long input, short output
        self.assertGreater(out_in["code_generation"], out_in["summarization"] * 3)  # long output

    def test_premium_models_lean_to_enterprise_and_complex_tasks(self):
        catalog = load_catalog()
        premium = defaultdict(lambda: [0, 0])
        for r in self.rows:
            e = catalog.get(r[self.ix["provider"]], r[self.ix["model"]])
            p = premium[r[self.ix["subscription_tier"]]]
            p[0] += e.model_class == "premium"
            p[1] += 1
        share = {t: a / float(b) for t, (a, b) in premium.items()}
        self.assertGreater(share["enterprise"], share["starter"])

    def test_sessions_and_traces_group_calls(self):
        traces = Counter(self.col("trace_id"))
        self.assertGreater(sum(1 for n in traces.values() if n > 1), len(traces) * 0.2)
        self.assertLess(len(set(self.col("session_id"))), len(traces))
        self.assertGreater(Counter(self.col("environment"))["production"] / float(len(self.rows)), 0.85)
        self.assertTrue(all("/" in ua for ua in set(self.col("user_agent"))))

    def test_iter_calls_matches_csv(self):
        sim = AICallSimulator(num_customers=5, num_days=2, seed=3)
        calls = list(sim.iter_calls())
        path = os.path.join(self.tmp, "small.csv")
        AICallSimulator(num_customers=5, num_days=2, seed=3).write_csv(path)
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(calls), len(rows))
        self.assertEqual(calls[7].cost_usd, rows[7]["cost_usd"])
        self.assertEqual(calls[7].input_tokens, int(rows[7]["input_tokens"]))


class Determinism(TempDir):
    def test_same_seed_same_bytes_other_seed_other_bytes(self):
        paths = [self.path(n) for n in ("a.csv", "b.csv", "c.csv")]
        for p, seed in zip(paths, (5, 5, 6)):
            r = run(["src/simulator/core.py", "--customers", "12", "--days", "3", "--seed", str(seed), "--output", p])
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sha(paths[0]), sha(paths[1]))
        self.assertNotEqual(sha(paths[0]), sha(paths[2]))

    def test_runs_from_src_and_prints_summary(self):
        p = self.path("s.csv")
        r = run(["simulator/core.py", "--customers", "3", "--days", "1", "--output", p], cwd=SRC)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"Wrote [\d,]+ calls \(\$[\d,.]+ of AI cost.*\) to .* in [\d.]+s")

    def test_archetype_shares_exact_for_any_size(self):
        for n in (1, 7, 100, 333):
            kinds = Counter(c.archetype for c in profiles.make_customers(n, random.Random(1)))
            self.assertEqual(sum(kinds.values()), n)
            self.assertEqual(kinds["heavy"], int(round(n * 0.1)))
            self.assertEqual(kinds["power"], int(round(n * 0.2)))


class PriceCatalog(TempDir):
    def test_catalog_has_the_spec_models_with_source_and_date(self):
        c = load_catalog()
        self.assertIn("LiteLLM", c.source)
        self.assertEqual(c.as_of, "2026-12-02")
        names = {(e.provider, e.model) for e in c.entries}
        for m in [("openai", "gpt-4"), ("openai", "gpt-4-turbo"), ("anthropic", "claude-opus-4"),
                  ("anthropic", "claude-sonnet-4"), ("bedrock", "anthropic.claude-instant-v1"),
                  ("bedrock", "anthropic.claude-v2")]:
            self.assertIn(m, names)
        self.assertEqual(c.get("openai", "gpt-4o-mini").input_micro_per_1m, 150000)   # $0.15 per 1M, exactly
        self.assertEqual(c.get("google", "gemini-1.5-flash").input_micro_per_1m, 75000)

    def test_dated_and_prefixed_model_ids_map_to_their_family(self):
        c = load_catalog()
        for mid, want in [("claude-sonnet-4-20250514", "claude-sonnet-4"), ("gpt-4o-2024-08-06", "gpt-4o"),
                          ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"), ("anthropic.claude-v2:1", "anthropic.claude-v2"),
                          ("openai/gpt-4o", "gpt-4o"), ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
                          ("claude-instant-v1", "anthropic.claude-instant-v1")]:
            self.assertEqual(c.find_model(mid).model, want, mid)
        self.assertIsNone(c.find_model("my-finetune-7b"))
        self.assertIsNone(c.find_model("gpt-4o-minimal"))

    def test_cost_rounds_half_up_exactly(self):
        e = load_catalog().get("openai", "gpt-4o")  # $2.50 / $10.00 per 1M
        self.assertEqual(cost_micro(e, 1000000, 100000), 3500000)
        self.assertEqual(format_micro(cost_micro(e, 1, 0)), "0.000003")  # 2.5 micro -> 3 (half up)
        self.assertEqual(format_micro(-1500000), "-1.500000")

    def test_prices_file_overrides_and_extends(self):
        path = self.path("p.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("provider,model,input_per_1m,output_per_1m,class\nopenai,gpt-4o,1.00,4.00,standard\n"
                    "acme,acme-large,0.5,1.5,economy\n")
        c = load_catalog(path)
        self.assertEqual(c.get("openai", "gpt-4o").output_micro_per_1m, 4000000)
        self.assertEqual(c.get("acme", "acme-large").input_micro_per_1m, 500000)
        out = self.path("calls.csv")
        r = run(["src/simulator/core.py", "--customers", "10", "--days", "2", "--prices", path, "--output", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, newline="", encoding="utf-8") as f:
            rows = [x for x in csv.DictReader(f) if x["model"] == "gpt-4o" and x["provider"] == "openai"]
        self.assertTrue(rows)
        x = rows[0]
        self.assertAlmostEqual(float(x["cost_usd"]), int(x["input_tokens"]) * 1e-6 + int(x["output_tokens"]) * 4e-6, places=6)


class CommandLineErrors(TempDir):
    def assert_user_error(self, args, needle):
        out = self.path("never.csv")
        r = run(["src/simulator/core.py"] + args + (["--output", out] if "--output" not in args else []))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn(needle, r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual([f for f in os.listdir(self.tmp) if f != "p.json"], [])  # no temp file left either

    def test_bad_flags(self):
        self.assert_user_error(["--days", "0"], "--days")
        self.assert_user_error(["--customers", "-1"], "--customers")
        self.assert_user_error(["--customers", "many"], "--customers")
        self.assert_user_error(["--unknown-flag"], "unrecognized")
        self.assert_user_error(["--start", "2026-02-30"], "--start")
        self.assert_user_error(["--scenario", "no_such_thing"], "no_such_thing")

    def test_unwritable_output(self):
        self.assert_user_error(["--output", "/proc/no/such/place.csv"], "place.csv")
        self.assert_user_error(["--output", self.tmp], "folder")

    def test_malformed_price_files(self):
        bad = self.path("p.json")
        for text, needle in [("{not json", "not valid JSON"), ('{"models": 3}', "expected"),
                             ('{"models": [{"provider": "x", "model": "y", "input_per_1m": -1, "output_per_1m": 1}]}', ">= 0"),
                             ('{"models": [{"provider": "x", "model": "y", "output_per_1m": 1}]}', "lacks input_per_1m"),
                             ('{"models": [{"provider": "x", "model": "a,b", "input_per_1m": 1, "output_per_1m": 1}]}', "commas")]:
            with open(bad, "w", encoding="utf-8") as f:
                f.write(text)
            self.assert_user_error(["--prices", bad], needle)
        self.assert_user_error(["--prices", self.path("missing.json")], "does not exist")


if __name__ == "__main__":
    unittest.main()
