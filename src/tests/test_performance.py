"""The performance analyzer: exact latency percentiles (nearest rank) against sorted lists from the CSV, the
faster-and-cheaper comparison against list prices read straight from prices.json, odd files, the script."""
import json
import math
import os
import unittest
from collections import defaultdict

from analyzers.finops.performance import PerformanceAnalyzer
from simulator.core import AICallSimulator
from utils.markup import fmt_usd

from naive import FIELDS, ROOT, SRC, SharedTempDir, TempDir, naive_rows, row, run_py, write_csv


def nearest(values, p):
    s = sorted(values)
    return s[max(1, int(math.ceil(p / 100.0 * len(s)))) - 1]


class OnSimulatedData(SharedTempDir):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.path = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(cls.path)
        cls.rows = naive_rows(cls.path)
        cls.doc = PerformanceAnalyzer(cls.path).analyze()
        cls.m = cls.doc["metrics"]

    def test_latency_by_model_exact(self):
        lat = defaultdict(list)
        for r in self.rows:
            if r["latency_ms"] != "":
                lat[r["model"]].append(int(r["latency_ms"]))
        got = self.m["latency_by_model"]
        self.assertEqual(sorted(got), sorted(lat))
        for model, vals in lat.items():
            g = got[model]
            self.assertEqual(g["calls"], len(vals))
            self.assertAlmostEqual(g["mean_ms"], sum(vals) / float(len(vals)), places=1)
            for p in (50, 95, 99):
                self.assertEqual(g["p%d_ms" % p], nearest(vals, p), (model, p))

    def test_provider_latency_and_throughput(self):
        lat, out, models = defaultdict(list), defaultdict(int), defaultdict(set)
        for r in self.rows:
            lat[r["provider"]].append(int(r["latency_ms"]))
            models[r["model"]].add(r["provider"])
        for prov, vals in lat.items():
            g = self.m["latency_by_provider"][prov]
            self.assertEqual(g["calls"], len(vals))
            self.assertAlmostEqual(g["mean_ms"], sum(vals) / float(len(vals)), places=1)
            if all(models[mo] == {prov} for mo in g["models"]):
                self.assertEqual(g["p95_ms"], nearest(vals, 95))
        secs, out = defaultdict(float), defaultdict(int)
        for r in self.rows:
            secs[r["model"]] += int(r["latency_ms"]) / 1000.0
            out[r["model"]] += int(r["output_tokens"])
        for model, v in self.m["throughput_tokens_per_s_by_model"].items():
            self.assertAlmostEqual(v, out[model] / secs[model], places=1)

    def test_cost_vs_latency_per_model(self):
        cost = defaultdict(float)
        calls = defaultdict(int)
        for r in self.rows:
            cost[r["model"]] += float(r["cost_usd"])
            calls[r["model"]] += 1
        for model, v in self.m["cost_latency_by_model"].items():
            self.assertAlmostEqual(v["cost_usd"], cost[model], places=5)
            self.assertEqual(v["calls"], calls[model])

    def test_dominated_pairs_are_slower_and_dearer(self):
        for d in self.m["dominated_models"]:
            self.assertGreater(d["mean_ms"], d["alternative_mean_ms"])
            self.assertGreater(d["cost_usd"], d["cost_at_alternative_usd"])
            self.assertAlmostEqual(d["upper_bound_usd_per_month"],
                                   (d["cost_usd"] - d["cost_at_alternative_usd"]) * 30 / 7, places=3)
        self.assertTrue(self.doc["recommendations"])
        # an upper bound (quality ignored) is a fact, never a saving
        self.assertTrue(all(r["kind"] == "info" and r["impact_usd_per_month"] is None for r in self.doc["recommendations"]))

    def test_latency_by_provider_has_exact_percentiles(self):
        lat = defaultdict(list)
        for r in self.rows:
            lat[r["provider"]].append(int(r["latency_ms"]))
        for prov, vals in lat.items():
            vals.sort()
            got = self.m["latency_by_provider"][prov]
            self.assertEqual(got["calls"], len(vals))
            for p in (50, 95, 99):
                self.assertEqual(got["p%d_ms" % p], nearest(vals, p), (prov, p))

    def test_a_move_in_both_reports_has_one_price(self):
        from analyzers.finops.optimization import OptimizationAnalyzer
        opt = OptimizationAnalyzer(self.path).analyze()["metrics"]["right_sizing"]
        moves = {(r["from_provider"], r["from_model"], r["task_type"], r["to_provider"], r["to_model"]): r for r in opt}
        shared = 0
        for d in self.m["dominated_models"]:
            key = (d["provider"], d["model"], d["task_type"], d["alternative_provider"], d["dominated_by"])
            if key in moves:
                shared += 1
                self.assertAlmostEqual(d["upper_bound_usd_per_month"], moves[key]["savings_usd_per_month"], places=6)
        self.assertGreater(shared, 0)

    def test_page_renders_from_the_json_alone(self):
        html = PerformanceAnalyzer().page(json.loads(json.dumps(self.doc)))
        for text in ("Latency by model and provider", "Cost vs latency", "Recommendations", "<svg", "<table"):
            self.assertIn(text, html)


class Dominance(TempDir):
    """gpt-4 (slow) and gpt-4-turbo (fast) on the same task: the move is priced at gpt-4-turbo's list price."""

    def test_move_is_priced_from_the_catalog(self):
        with open(os.path.join(SRC, "pricing", "prices.json"), encoding="utf-8") as f:
            prices = {(e["provider"], e["model"]): e for e in json.load(f)["models"]}
        turbo = prices[("openai", "gpt-4-turbo")]
        rows = []
        for i in range(12):
            ts = "2026-01-05T%02d:%02d:00Z" % (i, 10)
            rows.append(row(ts, "0.006000", model="gpt-4", inp=100, out=50, lat=3000 + i, task="analysis"))
            rows.append(row(ts, "0.002500", model="gpt-4-turbo", inp=100, out=50, lat=1000 + i, task="analysis"))
        doc = PerformanceAnalyzer(write_csv(self.path("d.csv"), rows)).analyze()
        dom = doc["metrics"]["dominated_models"]
        self.assertEqual(len(dom), 1)
        d = dom[0]
        self.assertEqual((d["task_type"], d["model"], d["dominated_by"]), ("analysis", "gpt-4", "gpt-4-turbo"))
        alt = 12 * (100 * turbo["input_per_1m"] + 50 * turbo["output_per_1m"]) / 1e6
        self.assertAlmostEqual(d["cost_at_alternative_usd"], alt, places=6)
        self.assertAlmostEqual(d["upper_bound_usd_per_month"], (12 * 0.006 - alt) * 30, places=4)  # 1 day of data
        self.assertAlmostEqual(d["faster_pct"], 100 * (1 - 1005.5 / 3005.5), places=1)
        rec = doc["recommendations"][0]
        self.assertIn("gpt-4-turbo", rec["detail"])
        self.assertIn("an upper bound", rec["title"])
        self.assertIn(fmt_usd(d["upper_bound_usd_per_month"]), rec["title"])
        self.assertEqual((rec["kind"], rec["impact_usd_per_month"]), ("info", None))


class OddFiles(TempDir):
    def analyze(self, name, rows, **kw):
        return PerformanceAnalyzer(write_csv(self.path(name), rows, **kw)).analyze()

    def test_one_row(self):
        m = self.analyze("one.csv", [row("2026-01-05T10:15:00Z", lat=777)])["metrics"]
        self.assertEqual(m["latency_by_model"]["gpt-4o"], {"calls": 1, "mean_ms": 777.0, "p50_ms": 777, "p95_ms": 777,
                                                           "p99_ms": 777, "min_ms": 777, "max_ms": 777})

    def test_header_only(self):
        self.assertEqual(self.analyze("e.csv", [])["metrics"], {})

    def test_no_latency_column(self):
        fields = [f for f in FIELDS if f not in ("latency_ms", "organization_id", "feature_id")]
        doc = self.analyze("nolat.csv", [row("2026-01-05T10:00:00Z"), row("2026-01-05T11:00:00Z", model="b")],
                           fields=fields)
        self.assertEqual(doc["metrics"]["latency_by_model"], {})
        self.assertEqual(doc["metrics"]["models_without_latency"], ["b", "gpt-4o"])
        self.assertTrue(any("latency_ms" in n for n in doc["notes"]))
        self.assertTrue(doc["recommendations"])
        self.assertIn("<table", PerformanceAnalyzer().page(doc))

    def test_some_models_without_latency(self):
        rows = [row("2026-01-05T10:00:00Z", lat=100), row("2026-01-05T10:00:00Z", model="b", lat="")]
        doc = self.analyze("part.csv", rows)
        self.assertEqual(sorted(doc["metrics"]["latency_by_model"]), ["gpt-4o"])
        self.assertEqual(doc["metrics"]["models_without_latency"], ["b"])

    def test_reordered_bom_crlf_bad_rows(self):
        fields = list(reversed(FIELDS)) + ["extra"]
        rows = [row("2026-01-05T10:00:00Z", lat=10), row("2026-01-05T10:01:00Z", lat=30), row("bad", lat=5),
                row("2026-01-05T10:02:00Z", lat=20), row("2026-01-05T10:03:00Z", lat="-4")]
        doc = self.analyze("x.csv", rows, fields=fields, bom=True, crlf=True, tail="2026-01-05T10:04")
        self.assertEqual(doc["data"]["rows"], 3)
        self.assertEqual(doc["data"]["skipped_rows"], 3)
        g = doc["metrics"]["latency_by_model"]["gpt-4o"]
        self.assertEqual((g["p50_ms"], g["p95_ms"], g["mean_ms"]), (20, 30, 20.0))


class Script(TempDir):
    def test_script_writes_json_and_html_from_root_and_src(self):
        data = write_csv(self.path("d.csv"), [row("2026-01-05T10:00:00Z", lat=250)])
        for cwd, script in ((ROOT, "src/analyzers/finops/performance.py"), (SRC, "analyzers/finops/performance.py")):
            out = self.path("out-" + os.path.basename(cwd))
            p = run_py([script, "--data", data, "--out", out], cwd=cwd, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "json", "performance.json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f)["metrics"]["latency_by_model"]["gpt-4o"]["p99_ms"], 250)
            self.assertTrue(os.path.getsize(os.path.join(out, "html", "performance.html")) > 1000)


if __name__ == "__main__":
    unittest.main()
