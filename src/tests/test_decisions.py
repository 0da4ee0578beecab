"""The figures a finance reader acts on, each against a naive recomputation: the covered period and partial days,
MRR movement, spend over time, and the commands that must not lose or hide what is already there."""
import csv
import datetime
import json
import os
import unittest
from collections import defaultdict

from analyzers.finops.understanding import UnderstandingAnalyzer
from analyzers.ubr.profitability import ProfitabilityAnalyzer

from naive import SRC, TempDir, row, run_py, write_csv

EPOCH = datetime.datetime(1970, 1, 1)
PRICE = {"starter": 29, "pro": 99, "enterprise": 299}


def ts(day, hour, minute=0):
    return "2026-03-%02dT%02d:%02d:00Z" % (day, hour, minute)


def epoch(text):
    return int((datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") - EPOCH).total_seconds())


class CoveredPeriod(TempDir):
    """Ten days of calls from 00:00 to 23:00 each day, the last day cut at 13:20 (a file still being written)."""

    def rows(self, last_hour=13):
        out = []
        for day in range(1, 11):
            for hour in range(0, 24 if day < 10 else last_hour + 1):
                out.append(row(ts(day, hour, 20), "0.100000"))
        return out

    def test_a_partial_last_day_counts_its_hours_everywhere(self):
        doc = UnderstandingAnalyzer(write_csv(self.path(), self.rows())).analyze()
        data, m = doc["data"], doc["metrics"]
        self.assertAlmostEqual(data["days"], 9 + 14 / 24.0, places=6)  # 00:00 to the end of the 13:00 hour
        self.assertEqual(data["partial_days"], [{"day": "2026-03-10", "covered_hours": 14.0}])
        total = 0.1 * (9 * 24 + 14)
        self.assertAlmostEqual(m["run_rate_usd_per_month"], total * 30 / (9 + 14 / 24.0), places=4)
        # every complete day cost $2.40: the forecast (complete days only) and the run rate now agree
        self.assertAlmostEqual(m["forecast_usd"]["30d"], 2.4 * 30, places=2)
        self.assertAlmostEqual(m["run_rate_usd_per_month"], 2.4 * 30, places=2)
        self.assertEqual(m["forecast_fit"]["complete_days"], 9)
        html = UnderstandingAnalyzer().page(doc)
        self.assertIn("partial (14 h)", html)

    def test_whole_days_and_sparse_data_are_not_partial(self):
        doc = UnderstandingAnalyzer(write_csv(self.path(), self.rows(last_hour=23))).analyze()
        self.assertEqual((doc["data"]["days"], doc["data"]["partial_days"]), (10.0, []))
        sparse = [row(ts(day, 10), "1.000000") for day in range(1, 8)]  # one call a day at 10:00
        doc = UnderstandingAnalyzer(write_csv(self.path("s.csv"), sparse)).analyze()
        self.assertEqual((doc["data"]["days"], doc["data"]["partial_days"]), (7.0, []))
        self.assertAlmostEqual(doc["metrics"]["run_rate_usd_per_month"], 30.0, places=6)

    def test_revenue_covers_the_same_period_as_cost(self):
        rows = self.rows()
        for r in rows:
            r["subscription_tier"] = "pro"
        doc = ProfitabilityAnalyzer(write_csv(self.path(), rows)).analyze()
        c = doc["metrics"]["customers"][0]
        self.assertAlmostEqual(c["revenue_usd"], 99 * (9 + 14 / 24.0) / 30, places=6)


class SpendOverTime(TempDir):
    def test_stacked_daily_and_period_change_against_a_naive_sum(self):
        rows = []
        for day in range(1, 17):  # 16 whole days, two providers, costs that grow
            for hour in (0, 12, 23):
                rows.append(row(ts(day, hour), "%.6f" % (0.01 * day), provider="openai", model="gpt-4o",
                                cust="c%d" % (day % 3)))
                rows.append(row(ts(day, hour, 30), "0.050000", provider="anthropic", model="claude-sonnet-4",
                                cust="c9"))
        path = write_csv(self.path(), rows)
        m = UnderstandingAnalyzer(path).analyze()["metrics"]
        by_provider, by_day = defaultdict(float), defaultdict(float)
        for r in csv.DictReader(open(path, encoding="utf-8")):
            by_provider[(r["timestamp"][:10], r["provider"])] += float(r["cost_usd"])
            by_day[r["timestamp"][:10]] += float(r["cost_usd"])
        got = {(d, p): v for d, parts in m["daily_cost_stacked"]["by_provider"].items() for p, v in parts.items()}
        self.assertEqual(set(got), set(by_provider))
        for k, v in by_provider.items():
            self.assertAlmostEqual(got[k], v, places=6)
        days = sorted(by_day)
        wow = m["period_change"]["week_over_week"]
        now, before = sum(by_day[d] for d in days[-7:]), sum(by_day[d] for d in days[-14:-7])
        self.assertAlmostEqual(wow["current_usd"], now, places=6)
        self.assertAlmostEqual(wow["previous_usd"], before, places=6)
        self.assertAlmostEqual(wow["change_pct"], round(100 * (now - before) / before, 2), places=2)
        self.assertIsNone(m["period_change"]["month_over_month"])  # 16 days: no two months to compare
        weeks = m["cost_per_active_customer_by_week"]
        self.assertAlmostEqual(sum(w["cost_usd"] for w in weeks), sum(by_day.values()), places=5)
        first = weeks[0]  # 2026-03-01 is a Sunday: the week of Monday Feb 23 holds one day of data
        self.assertEqual((first["week_of"], first["covered_days"], first["active_customers"]), ("2026-02-23", 1.0, 2))


class MRRMovement(TempDir):
    def test_new_expansion_contraction_churn_reconcile(self):
        rows = []
        for day in range(1, 29):  # 4 weeks from Sunday Mar 1; "a" upgrades on day 10, "b" downgrades on day 17,
            for cust, tier in (("a", "starter" if day < 10 else "pro"), ("b", "enterprise" if day < 17 else "pro")):
                rows.append(row(ts(day, 9), "0.010000", cust=cust))
                rows[-1]["subscription_tier"] = tier
            if day >= 12:  # "c" arrives on day 12
                rows.append(dict(row(ts(day, 10), "0.010000", cust="c"), subscription_tier="starter"))
            if day <= 5:  # "d" leaves after day 5
                rows.append(dict(row(ts(day, 11), "0.010000", cust="d"), subscription_tier="pro"))
        doc = ProfitabilityAnalyzer(write_csv(self.path(), rows)).analyze()
        mv = doc["metrics"]["mrr_movement"]
        self.assertEqual(mv["granularity"], "week")
        periods = mv["periods"]
        for p in periods:
            self.assertAlmostEqual(p["closing_mrr_usd"], p["opening_mrr_usd"] + p["new_mrr_usd"] + p["expansion_mrr_usd"]
                                   - p["contraction_mrr_usd"] - p["churned_mrr_usd"], places=2)
        for a, b in zip(periods, periods[1:]):
            self.assertEqual(b["opening_mrr_usd"], a["closing_mrr_usd"])
        self.assertEqual(periods[0]["opening_mrr_usd"], 29 + 299 + 99)  # a, b, d on the first day
        total = defaultdict(float)
        for p in periods:
            for k in ("new", "expansion", "contraction", "churned"):
                total[k] += p[k + "_mrr_usd"]
        self.assertEqual(dict(total), {"new": 29.0, "expansion": 99 - 29.0, "contraction": 299 - 99.0,
                                       "churned": 99.0})
        self.assertEqual(periods[-1]["closing_mrr_usd"], 99 + 99 + 29)


class ThinData(TempDir):
    """An import with $0 of cost (models the catalog lacks) and no organization column: nothing is claimed that the
    data cannot support."""

    def test_no_cost_no_organizations(self):
        from analyzers.finops.alignment import AlignmentAnalyzer
        from analyzers.ubr.pricing import PricingAnalyzer
        fields = ["timestamp", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "customer_id",
                  "subscription_tier", "feature_id"]
        rows = [dict(row(ts(1, h), "0.000000", cust="c%d" % (h % 3), feat="f1"), subscription_tier="pro")
                for h in range(10)]
        path = write_csv(self.path(), rows, fields)
        al = AlignmentAnalyzer(path).analyze()
        cov = al["metrics"]["tag_coverage_pct"]
        self.assertEqual((cov["organization_id"], cov["feature_id"], cov["all_business_tags"]), (0.0, 100.0, 0.0))
        self.assertEqual(al["metrics"]["tag_coverage_basis"], "calls (the data has no cost)")
        self.assertFalse(any("Every dollar" in r["title"] for r in al["recommendations"]))
        pr = PricingAnalyzer(path).analyze()
        self.assertIsNone(pr["metrics"]["recommended_model"]["model"])
        self.assertEqual([r["kind"] for r in pr["recommendations"]], ["info"])
        self.assertTrue(all(r["impact_usd_per_month"] is None for r in pr["recommendations"]))
        self.assertTrue(any("no AI cost" in n for n in pr["notes"]))


class Granularity(TempDir):
    def test_aggregated_data_says_so(self):
        from analyzers.finops.realtime import RealtimeAnalyzer
        hourly = write_csv(self.path("h.csv"), [row(ts(d, h), "0.500000") for d in range(1, 4) for h in range(24)])
        doc = RealtimeAnalyzer(hourly).analyze()
        self.assertEqual(doc["data"]["granularity"], "hour")
        self.assertTrue(any("aggregated to whole hours" in n for n in doc["notes"]), doc["notes"])
        calls = write_csv(self.path("c.csv"), [row(ts(1, 1, 3)[:-3] + "17Z", "0.5"), row(ts(1, 2), "0.5")])
        self.assertEqual(RealtimeAnalyzer(calls).analyze()["data"]["granularity"], "call")


class CommandsKeepWhatIsThere(TempDir):
    def test_one_analyzer_keeps_the_navigation_whole(self):
        data = write_csv(self.path(), [row(ts(1, h), "0.010000") for h in range(5)])
        out = self.path("reports")
        self.assertEqual(run_py([os.path.join(SRC, "run_all_analyzers.py"), "--data", data, "--out", out]).returncode, 0)
        p = run_py([os.path.join(SRC, "analyzers", "finops", "realtime.py"), "--data", data, "--out", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "html", "manifest.json"), encoding="utf-8") as f:
            ids = [r["id"] for r in json.load(f)["reports"]]
        self.assertEqual(ids, ["index", "understanding", "performance", "realtime", "optimization", "alignment",
                               "profitability", "pricing", "features"])
        with open(os.path.join(out, "html", "realtime.html"), encoding="utf-8") as f:
            page = f.read()
        for other in ("understanding.html", "features.html", "index.html"):
            self.assertIn('href="%s"' % other, page)

    def test_the_simulator_says_when_it_replaces_a_file(self):
        path = self.path("calls.csv")
        args = [os.path.join(SRC, "simulator", "core.py"), "--customers", "2", "--days", "1", "--output", path]
        first = run_py(args)
        self.assertNotIn("replaced", first.stdout)
        second = run_py(args)
        self.assertIn("it replaced the", second.stdout)
        self.assertIn("--output PATH", second.stdout)


if __name__ == "__main__":
    unittest.main()
