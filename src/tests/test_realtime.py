"""The realtime analyzer: hourly cost, anomalies, customer spikes, budget alerts, projection and the last 24 hours
against naive recomputations from the CSV and hand-built series; odd files; the script with --budget."""
import calendar
import json
import os
import unittest
from collections import defaultdict

from analyzers.finops.realtime import RealtimeAnalyzer
from simulator.core import AICallSimulator

from naive import FIELDS, ROOT, SRC, SharedTempDir, TempDir, naive_rows, row, run_py, sums, write_csv


def epoch_hour(ts):
    return calendar.timegm((int(ts[:4]), int(ts[5:7]), int(ts[8:10]), int(ts[11:13]), 0, 0)) // 3600


class OnSimulatedData(SharedTempDir):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.path = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(cls.path)
        cls.rows = naive_rows(cls.path)
        cls.doc = RealtimeAnalyzer(cls.path).analyze()
        cls.m = cls.doc["metrics"]
        cls.hourly = sums(cls.rows, lambda r: r["timestamp"][:13])

    def test_hourly_cost_sums_to_total(self):
        got = self.m["hourly_cost"]
        self.assertEqual(sorted(got), sorted(self.hourly))
        for k, v in self.hourly.items():
            self.assertAlmostEqual(got[k], v, places=5)
        self.assertAlmostEqual(sum(got.values()), sum(float(r["cost_usd"]) for r in self.rows), places=4)

    def test_default_budget_alerts_and_projection(self):
        hours = {epoch_hour(k + ":00:00Z"): v for k, v in self.hourly.items()}
        first, last = min(hours), max(hours)
        span = min(168, last - first + 1)
        budget = sum(v for h, v in hours.items() if h < first + span) / (span / 24.0) * 30 * 1.1
        b = self.m["budget"]
        self.assertAlmostEqual(b["monthly_budget_usd"], budget, places=1)
        mtd = sum(hours.values())  # the 7 days are all in January 2026
        self.assertAlmostEqual(b["month_to_date_usd"], mtd, places=4)
        rate = sum(v for h, v in hours.items() if h > last - 168) / 7.0
        end_of_month = calendar.timegm((2026, 2, 1, 0, 0, 0)) // 3600
        self.assertAlmostEqual(b["projected_month_usd"], mtd + rate * (end_of_month - last - 1) / 24.0, places=1)
        self.assertEqual([a["threshold_pct"] for a in b["alerts"]], [50, 80, 100])
        self.assertTrue(all(a["crossed_at"] is None for a in b["alerts"]))  # 7 days of a 31-day month

    def test_top_customers_last_24h(self):
        last = max(self.hourly)
        last_h = epoch_hour(last + ":00:00Z")
        want = defaultdict(float)
        for r in self.rows:
            if last_h - 24 < epoch_hour(r["timestamp"]) <= last_h:
                want[r["customer_id"]] += float(r["cost_usd"])
        got = self.m["top_customers_last_24h"]
        self.assertEqual(sorted(c["customer_id"] for c in got), sorted(want))
        for c in got:
            self.assertAlmostEqual(c["cost_usd"], want[c["customer_id"]], places=5)
        self.assertEqual([c["cost_usd"] for c in got], sorted((c["cost_usd"] for c in got), reverse=True))
        self.assertAlmostEqual(self.m["last_24h_cost_usd"], sum(want.values()), places=5)

    def test_anomalies_are_above_their_baseline(self):
        for a in self.m["anomalies"]:
            self.assertAlmostEqual(a["cost_usd"], self.hourly[a["period"]], places=5)
            self.assertGreater(a["cost_usd"], a["expected_usd"])
            self.assertGreaterEqual(a["score"], 3.5)
        self.assertTrue(self.doc["recommendations"])

    def test_page_renders_from_the_json_alone(self):
        html = RealtimeAnalyzer().page(json.loads(json.dumps(self.doc)))
        for text in ("Hourly cost and anomalies", "Budget", "Top customers in the last 24 hours", "Recommendations",
                     "<svg", "<table"):
            self.assertIn(text, html)


class HandBuilt(TempDir):
    def analyze(self, rows, options=None):
        return RealtimeAnalyzer(write_csv(self.path("h.csv"), rows), options).analyze()

    def test_one_spike_hour_is_the_only_anomaly(self):
        rows = [row("2026-01-%02dT%02d:10:00Z" % (5 + d, h), "0.010000") for d in range(3) for h in range(24)]
        rows.append(row("2026-01-06T13:40:00Z", "0.990000"))
        a = self.analyze(rows)["metrics"]["anomalies"]
        self.assertEqual(len(a), 1)
        self.assertEqual(a[0]["period"], "2026-01-06T13")
        self.assertAlmostEqual(a[0]["cost_usd"], 1.0, places=6)
        self.assertAlmostEqual(a[0]["expected_usd"], 0.01, places=6)

    def test_customer_spike(self):
        rows = [row("2026-01-%02dT10:00:00Z" % (5 + d), "0.100000", cust="a") for d in range(5)]
        rows.append(row("2026-01-07T11:00:00Z", "0.900000", cust="a"))
        rows += [row("2026-01-%02dT10:00:00Z" % (5 + d), "0.100000", cust="b") for d in range(5)]
        spikes = self.analyze(rows)["metrics"]["customer_spikes"]
        self.assertEqual(len(spikes), 1)
        s = spikes[0]
        self.assertEqual((s["customer_id"], s["day"]), ("a", "2026-01-07"))
        self.assertAlmostEqual(s["cost_usd"], 1.0)
        self.assertAlmostEqual(s["expected_usd"], 0.1)
        self.assertAlmostEqual(s["ratio"], 10.0)

    def test_budget_flag_thresholds_cross_at_the_right_hours(self):
        # $1 per hour from 2026-01-10T00: budget $10 -> 50% at hour 4 (cum 5), 80% at hour 7, 100% at hour 9
        rows = [row("2026-01-10T%02d:00:00Z" % h, "1.000000") for h in range(12)]
        doc = self.analyze(rows, {"budget": 10.0})
        b = doc["metrics"]["budget"]
        self.assertEqual(b["monthly_budget_usd"], 10.0)
        self.assertEqual([a["crossed_at"] for a in b["alerts"]], ["2026-01-10T04", "2026-01-10T07", "2026-01-10T09"])
        remaining = (calendar.timegm((2026, 2, 1, 0, 0, 0)) - calendar.timegm((2026, 1, 10, 12, 0, 0))) / 86400.0
        self.assertAlmostEqual(b["projected_month_usd"], 12 + 24.0 * remaining, places=2)
        rec = doc["recommendations"][0]
        self.assertEqual(rec["level"], "critical")
        self.assertAlmostEqual(rec["impact_usd_per_month"], b["projected_month_usd"] - 10, places=2)

    def test_budget_counts_only_the_current_month(self):
        rows = [row("2026-01-31T22:00:00Z", "5.000000"), row("2026-02-01T01:00:00Z", "1.000000")]
        b = self.analyze(rows, {"budget": 2.0})["metrics"]["budget"]
        self.assertEqual(b["month"], "2026-02")
        self.assertAlmostEqual(b["month_to_date_usd"], 1.0)
        self.assertEqual([a["crossed_at"] for a in b["alerts"]], ["2026-02-01T01", None, None])

    def test_one_row_and_header_only(self):
        m = self.analyze([row("2026-01-05T10:15:00Z", "0.012000")])["metrics"]
        self.assertEqual(m["hourly_cost"], {"2026-01-05T10": 0.012})
        self.assertEqual(m["anomalies"], [])
        self.assertEqual(m["top_customers_last_24h"][0]["customer_id"], "c1")
        self.assertEqual(self.analyze([])["metrics"], {})

    def test_missing_optional_columns_bom_crlf_bad_rows(self):
        fields = [f for f in reversed(FIELDS) if f not in ("latency_ms", "organization_id", "feature_id")] + ["extra"]
        rows = [row("2026-01-05T10:00:00Z", "0.100000"), row("2026-01-05T11:30:00Z", "0.200000"), row("x", "0.1")]
        doc = RealtimeAnalyzer(write_csv(self.path("o.csv"), rows, fields=fields, bom=True, crlf=True,
                                         tail="2026-01-05T12:00:00Z,")).analyze()
        self.assertEqual((doc["data"]["rows"], doc["data"]["skipped_rows"]), (2, 2))
        self.assertEqual(doc["metrics"]["hourly_cost"], {"2026-01-05T10": 0.1, "2026-01-05T11": 0.2})


class Script(TempDir):
    def test_script_with_budget_from_root_and_src(self):
        data = write_csv(self.path("d.csv"), [row("2026-01-05T10:00:00Z", "0.100000")])
        for cwd, script in ((ROOT, "src/analyzers/finops/realtime.py"), (SRC, "analyzers/finops/realtime.py")):
            out = self.path("out-" + os.path.basename(cwd))
            p = run_py([script, "--data", data, "--out", out, "--budget", "250"], cwd=cwd, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "json", "realtime.json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f)["metrics"]["budget"]["monthly_budget_usd"], 250.0)
            self.assertTrue(os.path.getsize(os.path.join(out, "html", "realtime.html")) > 1000)
        p = run_py(["src/analyzers/finops/realtime.py", "--data", data, "--out", self.tmp, "--budget", "-5"], cwd=ROOT,
                   timeout=120)
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr)


if __name__ == "__main__":
    unittest.main()
