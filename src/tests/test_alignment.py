"""The alignment analyzer: showback, chargeback with proportional allocation of untagged cost, tag coverage and
unit economics against naive recomputations from the CSV; the same total across understanding, realtime and
alignment; odd files; the script."""
import json
import os
import unittest
from collections import defaultdict

from analyzers.finops.alignment import AlignmentAnalyzer
from analyzers.finops.realtime import RealtimeAnalyzer
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
        cls.doc = AlignmentAnalyzer(cls.path).analyze()
        cls.m = cls.doc["metrics"]
        cls.total = sum(float(r["cost_usd"]) for r in cls.rows)

    def test_showback_and_chargeback_by_org_product_feature(self):
        for name, col in (("organization", "organization_id"), ("product", "product_id"), ("feature", "feature_id")):
            want = sums(self.rows, lambda r: r[col] or "(untagged)")
            self.assertIn("(untagged)", want)  # the simulator leaves some calls untagged, as real apps do
            got = self.m["showback_by_" + name]
            self.assertEqual(sorted(got), sorted(want))
            for k, v in want.items():
                self.assertAlmostEqual(got[k], v, places=5)
            # chargeback: the untagged cost shared out in proportion to each tagged group's own cost
            shared = want.pop("(untagged)")
            tagged = sum(want.values())
            charged = self.m["chargeback_by_" + name]
            self.assertEqual(sorted(charged), sorted(want))
            for k, v in want.items():
                self.assertAlmostEqual(charged[k], v + shared * v / tagged, places=5)
            self.assertAlmostEqual(sum(charged.values()), self.total, places=4)
            self.assertAlmostEqual(self.m["untagged_cost_usd"][name], shared, places=5)

    def test_unit_economics_by_organization(self):
        cost, calls, custs = defaultdict(float), defaultdict(int), defaultdict(set)
        for r in self.rows:
            o = r["organization_id"] or "(untagged)"
            cost[o] += float(r["cost_usd"])
            calls[o] += 1
            custs[o].add(r["customer_id"])
        for org, u in self.m["unit_economics_by_organization"].items():
            self.assertEqual(u["calls"], calls[org])
            self.assertEqual(u["customers"], len(custs[org]))
            self.assertAlmostEqual(u["cost_per_call_usd"], cost[org] / calls[org], places=5)
            self.assertAlmostEqual(u["cost_per_customer_usd"], cost[org] / len(custs[org]), places=5)
        tagged = sum(float(r["cost_usd"]) for r in self.rows if r["organization_id"])
        self.assertAlmostEqual(self.m["tag_coverage_pct"]["organization_id"], 100 * tagged / self.total, delta=0.006)
        missing = sum(float(r["cost_usd"]) for r in self.rows
                      if not (r["organization_id"] and r["product_id"] and r["feature_id"]))
        self.assertAlmostEqual(self.m["untagged_any_usd"], missing, places=5)
        self.assertAlmostEqual(sum(self.m["untagged_by_inferred_organization"].values()), missing, places=5)

    def test_outliers_are_at_least_one_and_a_half_times_the_median(self):
        for o in self.m["unit_cost_outliers"]:
            self.assertGreaterEqual(o["ratio"], 1.5)
            self.assertAlmostEqual(o["excess_usd_per_month"], o["excess_usd"] * 30 / 7, places=4)
        self.assertTrue(self.doc["recommendations"])

    def test_the_same_total_in_understanding_realtime_and_alignment(self):
        u = UnderstandingAnalyzer(self.path).analyze()["metrics"]
        r = RealtimeAnalyzer(self.path).analyze()["metrics"]
        self.assertAlmostEqual(u["total_cost_usd"], self.total, places=5)
        self.assertAlmostEqual(sum(r["hourly_cost"].values()), u["total_cost_usd"], places=4)
        self.assertAlmostEqual(sum(self.m["chargeback_by_organization"].values()), u["total_cost_usd"], places=4)
        self.assertAlmostEqual(sum(u["daily_cost"].values()), u["total_cost_usd"], places=4)

    def test_page_renders_from_the_json_alone(self):
        html = AlignmentAnalyzer().page(json.loads(json.dumps(self.doc)))
        for text in ("Showback and chargeback", "Tag coverage", "Unit economics", "Recommendations", "<svg", "<table"):
            self.assertIn(text, html)


class HandBuilt(TempDir):
    def analyze(self, rows, **kw):
        return AlignmentAnalyzer(write_csv(self.path("h.csv"), rows, **kw)).analyze()

    def test_untagged_cost_is_allocated_proportionally(self):
        rows = [row("2026-01-05T10:00:00Z", "3.000000", org="A", prod="p1", feat="f1"),
                row("2026-01-05T11:00:00Z", "1.000000", org="B", prod="", feat="f1"),
                row("2026-01-05T12:00:00Z", "2.000000", org="", prod="p1", feat="")]
        doc = self.analyze(rows)
        m = doc["metrics"]
        self.assertEqual(m["showback_by_organization"], {"A": 3.0, "(untagged)": 2.0, "B": 1.0})
        self.assertEqual(m["chargeback_by_organization"], {"A": 4.5, "B": 1.5})
        self.assertEqual(m["chargeback_by_product"], {"p1": 6.0})
        self.assertEqual(m["chargeback_by_feature"], {"f1": 6.0})
        self.assertEqual(m["untagged_cost_usd"], {"organization": 2.0, "product": 1.0, "feature": 2.0})
        cov = m["tag_coverage_pct"]
        self.assertEqual((cov["organization_id"], cov["product_id"], cov["feature_id"], cov["all_business_tags"]),
                         (66.67, 83.33, 66.67, 50.0))
        self.assertEqual(m["untagged_any_usd"], 3.0)  # rows 2 and 3 each lack a tag
        # customer c1's tagged calls carry A most ($3 vs $1): its call with no organization is A's gap
        self.assertEqual(m["untagged_by_inferred_organization"], {"A": 2.0, "B": 1.0})
        rec = [r for r in doc["recommendations"] if "lacks a business tag" in r["title"]][0]
        self.assertIn("$90.00/month", rec["title"])  # $3 in one day
        self.assertEqual((rec["kind"], rec["impact_usd_per_month"]), ("info", None))

    def test_allocation_is_exact_to_the_nano_dollar(self):
        rows = [row("2026-01-05T10:00:00Z", "0.000001", org=o) for o in ("A", "B", "C")]
        rows.append(row("2026-01-05T10:00:00Z", "0.000001", org=""))
        m = self.analyze(rows)["metrics"]
        self.assertAlmostEqual(sum(m["chargeback_by_organization"].values()), 0.000004, places=9)
        for v in m["chargeback_by_organization"].values():
            self.assertGreaterEqual(v, 0.000001)

    def test_nothing_tagged_and_missing_columns(self):
        fields = [f for f in FIELDS if f not in ("latency_ms", "organization_id", "feature_id")]
        doc = self.analyze([row("2026-01-05T10:00:00Z", "0.500000")], fields=fields)
        m = doc["metrics"]
        self.assertEqual(m["chargeback_by_organization"], {"(untagged)": 0.5})
        self.assertEqual(m["chargeback_by_product"], {"p1": 0.5})
        self.assertEqual(m["tag_coverage_pct"]["organization_id"], 0.0)
        self.assertTrue(any("organization_id" in n for n in doc["notes"]))

    def test_header_only_reordered_bom_crlf_bad_rows(self):
        self.assertEqual(self.analyze([])["metrics"], {})
        fields = list(reversed(FIELDS)) + ["extra"]
        rows = [row("2026-01-05T10:00:00Z", "0.100000", org="A"), row("2026-01-05T10:00:00Z", "zz", org="A"),
                row("2026-01-05T11:00:00Z", "0.300000", org="B")]
        doc = self.analyze(rows, fields=fields, bom=True, crlf=True, tail="x,y")
        self.assertEqual((doc["data"]["rows"], doc["data"]["skipped_rows"]), (2, 2))
        self.assertEqual(doc["metrics"]["chargeback_by_organization"], {"B": 0.3, "A": 0.1})

    def test_hostile_names_are_escaped(self):
        bad = "\"><img src=x onerror=alert(2)>"
        doc = self.analyze([row("2026-01-05T10:00:00Z", "0.1", org=bad, prod=bad, feat=bad, cust=bad)])
        html = AlignmentAnalyzer().page(doc)
        self.assertNotIn("<img src=x", html)


class Script(TempDir):
    def test_script_writes_json_and_html_from_root_and_src(self):
        data = write_csv(self.path("d.csv"), [row("2026-01-05T10:00:00Z", "0.100000")])
        for cwd, script in ((ROOT, "src/analyzers/finops/alignment.py"), (SRC, "analyzers/finops/alignment.py")):
            out = self.path("out-" + os.path.basename(cwd))
            p = run_py([script, "--data", data, "--out", out], cwd=cwd, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(out, "json", "alignment.json"), encoding="utf-8") as f:
                self.assertEqual(json.load(f)["metrics"]["chargeback_by_organization"], {"org_a": 0.1})
            self.assertTrue(os.path.getsize(os.path.join(out, "html", "alignment.html")) > 1000)


if __name__ == "__main__":
    unittest.main()
