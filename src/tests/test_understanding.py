"""The understanding analyzer: every contract metric against a naive recomputation from the CSV (csv.DictReader,
float sums), the forecast against hand-built series, odd files, and the script end to end."""
import json
import math
import os
import unittest
from collections import defaultdict

from analyzers.finops.understanding import UnderstandingAnalyzer
from simulator.core import AICallSimulator

from naive import FIELDS, ROOT, SRC, SharedTempDir, TempDir, naive_rows, row, run_py, sums, write_csv


class OnSimulatedData(SharedTempDir):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.path = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(cls.path)
        cls.rows = naive_rows(cls.path)
        cls.doc = UnderstandingAnalyzer(cls.path).analyze()
        cls.m = cls.doc["metrics"]

    def assertDictClose(self, got, want, places=5):
        self.assertEqual(sorted(got), sorted(want))
        for k in want:
            self.assertAlmostEqual(got[k], want[k], places=places, msg=k)

    def test_total_and_every_allocation(self):
        total = sum(float(r["cost_usd"]) for r in self.rows)
        self.assertAlmostEqual(self.m["total_cost_usd"], total, places=5)
        untag = lambda v: v or "(untagged)"  # noqa: E731
        for name, key in (("provider", lambda r: r["provider"]), ("model", lambda r: r["model"]),
                          ("customer", lambda r: r["customer_id"]), ("task_type", lambda r: r["task_type"]),
                          ("organization", lambda r: untag(r["organization_id"])),
                          ("product", lambda r: untag(r["product_id"])), ("feature", lambda r: untag(r["feature_id"]))):
            got = self.m["cost_by_" + name]
            self.assertDictClose(got, sums(self.rows, key))
            self.assertAlmostEqual(sum(got.values()), total, places=4)
            values = list(got.values())
            self.assertEqual(values, sorted(values, reverse=True), name)

    def test_daily_cost_every_day_summing_to_total(self):
        want = sums(self.rows, lambda r: r["timestamp"][:10])
        self.assertDictClose(self.m["daily_cost"], want)
        self.assertAlmostEqual(sum(self.m["daily_cost"].values()), self.m["total_cost_usd"], places=4)

    def test_cost_per_1k_tokens_by_model(self):
        cost, tok = defaultdict(float), defaultdict(int)
        for r in self.rows:
            cost[r["model"]] += float(r["cost_usd"])
            tok[r["model"]] += int(r["input_tokens"]) + int(r["output_tokens"])
        self.assertDictClose(self.m["cost_per_1k_tokens_by_model"], {k: cost[k] / tok[k] * 1000 for k in cost})

    def test_output_input_ratio_by_task(self):
        i, o = defaultdict(int), defaultdict(int)
        for r in self.rows:
            i[r["task_type"]] += int(r["input_tokens"])
            o[r["task_type"]] += int(r["output_tokens"])
        self.assertDictClose(self.m["output_input_ratio_by_task_type"], {k: o[k] / i[k] for k in i}, places=3)

    def test_forecast_flat_run_rate_under_14_days(self):
        # 7 days from 00:xx to 23:59: every day complete, so the forecast is the mean day x horizon
        days = sums(self.rows, lambda r: r["timestamp"][:10])
        mean = sum(days.values()) / len(days)
        sd = math.sqrt(sum((v - mean) ** 2 for v in days.values()) / (len(days) - 1))
        fc, rng = self.m["forecast_usd"], self.m["forecast_range_usd"]
        for k, h in (("30d", 30), ("90d", 90), ("annual", 365)):
            self.assertAlmostEqual(fc[k], mean * h, delta=0.011)
            self.assertAlmostEqual(rng[k]["high"] - fc[k], 1.2816 * sd * math.sqrt(h), delta=0.011)
        self.assertTrue(0 < fc["30d"] < fc["90d"] < fc["annual"])
        self.assertIn("Flat run rate", self.m["forecast_method"])
        run_rate = self.m["total_cost_usd"] * 30 / 7
        self.assertAlmostEqual(self.m["run_rate_usd_per_month"], run_rate, places=4)
        self.assertLess(abs(fc["30d"] - run_rate), 0.25 * run_rate)

    def test_recommendations_are_facts_not_savings(self):
        # understanding states where the money goes; what a change saves is priced once, by optimization
        recs = self.doc["recommendations"]
        self.assertTrue(recs)
        for r in recs:
            self.assertTrue(r["title"] and r["detail"])
            self.assertEqual((r["kind"], r["impact_usd_per_month"]), ("info", None), r["title"])

    def test_page_renders_from_the_json_alone(self):
        doc = json.loads(json.dumps(self.doc))
        html = UnderstandingAnalyzer().page(doc)
        for text in ("Daily cost and forecast", "Cost by provider", "Cost by model", "Recommendations", "<svg",
                     "<table"):
            self.assertIn(text, html)


class Forecast(TempDir):
    """A series built exactly as trend + weekday pattern is reproduced; a partial last day changes nothing."""

    @staticmethod
    def series(n=21):
        # epoch day of 2026-01-05 (a Monday) = 20458; cost(t) = 2 + 0.1 t + weekend bump
        rows, want = [], []
        for t in range(n):
            day = 20458 + t
            dow = (day + 3) % 7
            cost = 2 + 0.1 * t + (1.0 if dow >= 5 else 0.0)
            want.append(cost)
            date = "2026-01-%02d" % (5 + t) if t < 27 else "2026-02-%02d" % (t - 26)
            rows.append(row(date + "T00:30:00Z", "%.6f" % (cost / 2)))
            rows.append(row(date + "T23:30:00Z", "%.6f" % (cost / 2)))
        return rows, want

    def expected(self, n, h):
        total = 0.0
        for j in range(1, h + 1):
            t = min(n - 1 + j, 2 * n - 1)
            dow = (20458 + n - 1 + j + 3) % 7
            total += 2 + 0.1 * t + (1.0 if dow >= 5 else 0.0)
        return total

    def test_trend_and_weekday_pattern_are_recovered(self):
        rows, _ = self.series()
        m = UnderstandingAnalyzer(write_csv(self.path("a.csv"), rows)).analyze()["metrics"]
        for k, h in (("30d", 30), ("90d", 90), ("annual", 365)):
            self.assertAlmostEqual(m["forecast_usd"][k], self.expected(21, h), delta=0.02)
        self.assertAlmostEqual(m["forecast_fit"]["trend_usd_per_day"], 0.1, places=4)
        self.assertLess(m["forecast_fit"]["residual_sd_usd"], 1e-3)
        self.assertIn("Least-squares linear trend", m["forecast_method"])

    def test_partial_last_day_does_not_drag_the_forecast(self):
        rows, _ = self.series()
        a = UnderstandingAnalyzer(write_csv(self.path("a.csv"), rows)).analyze()["metrics"]
        b = UnderstandingAnalyzer(write_csv(self.path("b.csv"), rows + [
            row("2026-01-26T05:00:00Z", "0.000100")])).analyze()["metrics"]
        self.assertEqual(b["forecast_fit"]["complete_days"], 21)
        for k in ("30d", "90d", "annual"):
            self.assertAlmostEqual(a["forecast_usd"][k], b["forecast_usd"][k], delta=0.5)
        self.assertAlmostEqual(b["total_cost_usd"], a["total_cost_usd"] + 0.0001, places=6)

    def test_steep_decline_is_never_negative(self):
        rows = []
        for t in range(20):
            c = "%.6f" % max(0.000001, (20 - t) * 0.05)
            rows += [row("2026-01-%02dT00:10:00Z" % (1 + t), c), row("2026-01-%02dT23:50:00Z" % (1 + t), c)]
        m = UnderstandingAnalyzer(write_csv(self.path("d.csv"), rows)).analyze()["metrics"]
        for k in ("30d", "90d", "annual"):
            self.assertGreaterEqual(m["forecast_usd"][k], 0)
            self.assertGreaterEqual(m["forecast_range_usd"][k]["low"], 0)
        self.assertLessEqual(m["forecast_usd"]["30d"], m["forecast_usd"]["90d"])


class OddFiles(TempDir):
    def analyze(self, name, rows, **kw):
        return UnderstandingAnalyzer(write_csv(self.path(name), rows, **kw)).analyze()

    def test_one_row(self):
        m = self.analyze("one.csv", [row("2026-01-05T10:15:00Z", "0.012000")])["metrics"]
        self.assertAlmostEqual(m["total_cost_usd"], 0.012, places=9)
        self.assertEqual(m["daily_cost"], {"2026-01-05": 0.012})
        # one day of data, counted whole (nothing to tell it is partial): the forecast is the mean day x 30, which is
        # also the run rate
        self.assertAlmostEqual(m["forecast_usd"]["30d"], 0.012 * 30, places=2)
        self.assertAlmostEqual(m["run_rate_usd_per_month"], 0.012 * 30, places=6)
        self.assertTrue(m["forecast_usd"]["30d"] < m["forecast_usd"]["90d"] < m["forecast_usd"]["annual"])
        self.assertEqual(m["cost_per_1k_tokens_by_model"], {"gpt-4o": round(0.012 / 150 * 1000, 6)})

    def test_header_only(self):
        doc = self.analyze("empty.csv", [])
        self.assertEqual(doc["metrics"], {})
        self.assertEqual(doc["data"]["rows"], 0)

    def test_reordered_and_extra_columns(self):
        fields = list(reversed(FIELDS)) + ["extra"]
        rows = [dict(row("2026-01-05T10:00:00Z", "0.100000", model="a"), extra="z"),
                row("2026-01-05T11:00:00Z", "0.300000", model="b")]
        m = self.analyze("re.csv", rows, fields=fields)["metrics"]
        self.assertEqual(m["cost_by_model"], {"b": 0.3, "a": 0.1})

    def test_missing_optional_columns(self):
        fields = [f for f in FIELDS if f not in ("latency_ms", "organization_id", "feature_id", "task_type")]
        doc = self.analyze("opt.csv", [row("2026-01-05T10:00:00Z", "0.100000"), row("2026-01-06T10:00:00Z", "0.200000")],
                           fields=fields)
        m = doc["metrics"]
        self.assertEqual(m["cost_by_organization"], {"(untagged)": 0.3})
        self.assertEqual(m["cost_by_feature"], {"(untagged)": 0.3})
        self.assertEqual(m["cost_by_task_type"], {"(unknown)": 0.3})
        self.assertTrue(any("organization_id" in n for n in doc["notes"]))

    def test_bom_crlf_bad_rows_and_truncated_last_line(self):
        rows = [row("2026-01-05T10:00:00Z", "0.100000"), row("not a time", "0.5"),
                row("2026-01-05T12:00:00Z", "abc"), row("2026-01-05T13:00:00Z", "0.200000", org="")]
        doc = self.analyze("bom.csv", rows, bom=True, crlf=True, tail="2026-01-05T14:00:00Z,x,openai,gpt")
        self.assertEqual(doc["data"]["rows"], 2)
        self.assertEqual(doc["data"]["skipped_rows"], 3)
        self.assertIn("truncated last line", doc["data"]["skipped_reasons"])
        m = doc["metrics"]
        self.assertAlmostEqual(m["total_cost_usd"], 0.3, places=9)
        self.assertEqual(m["cost_by_organization"], {"(untagged)": 0.2, "org_a": 0.1})

    def test_hostile_names_are_escaped(self):
        bad = "<script>alert(1)</script>"
        doc = self.analyze("x.csv", [row("2026-01-05T10:00:00Z", "0.1", model=bad, cust=bad, org=bad, task=bad)])
        html = UnderstandingAnalyzer().page(doc)
        self.assertNotIn(bad, html)
        self.assertIn("&lt;script&gt;", html)


class Script(TempDir):
    def test_script_writes_json_and_html_from_root_and_src(self):
        data = write_csv(self.path("d.csv"), [row("2026-01-05T10:00:00Z", "0.100000")])
        for cwd, script in ((ROOT, "src/analyzers/finops/understanding.py"), (SRC, "analyzers/finops/understanding.py")):
            out = self.path("out-" + os.path.basename(cwd))
            p = run_py([script, "--data", data, "--out", out], cwd=cwd, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "json", "understanding.json"), encoding="utf-8") as f:
                self.assertAlmostEqual(json.load(f)["metrics"]["total_cost_usd"], 0.1)
            self.assertTrue(os.path.getsize(os.path.join(out, "html", "understanding.html")) > 1000)
        p = run_py(["src/analyzers/finops/understanding.py", "--data", self.path("missing.csv"), "--out", self.tmp],
                   cwd=ROOT, timeout=120)
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr)


if __name__ == "__main__":
    unittest.main()
