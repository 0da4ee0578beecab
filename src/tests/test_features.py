"""Feature economics against a naive recomputation of the CSV (csv.DictReader, Fraction, sorting).

Per feature: cost, calls, customers, adoption, the revenue attributed (each customer's revenue split over its
features by call share) and the quadrant from the stated thresholds; the sums reconcile exactly with the total cost,
the rows and the subscription revenue. Also: untagged calls, a missing feature_id column, a missing tier column.
"""
import csv
import datetime as dt
import unittest
from decimal import Decimal
from fractions import Fraction

from analyzers.ubr.features import FeaturesAnalyzer
from simulator.core import AICallSimulator

from naive import TempDir, write_csv

PRICE = {"starter": 29, "pro": 99, "enterprise": 299}
FIELDS = ["timestamp", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "customer_id",
          "subscription_tier", "feature_id"]


def row(day, cust, tier, feature, cost):
    return {"timestamp": "2026-01-%02dT10:00:00Z" % day, "provider": "openai", "model": "gpt-4o",
            "input_tokens": "10", "output_tokens": "5", "cost_usd": "%.6f" % cost, "customer_id": cust,
            "subscription_tier": tier, "feature_id": feature}


def naive(path):
    """{feature: {cost, calls, customers, revenue (exact Fraction)}}, customers, total revenue."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["timestamp"])
    day = lambda s: dt.date(int(s[:4]), int(s[5:7]), int(s[8:10]))  # noqa: E731
    days = (day(rows[-1]["timestamp"]) - day(rows[0]["timestamp"])).days + 1
    tier, calls, feats = {}, {}, {}
    for r in rows:
        f = r.get("feature_id") or "(untagged)"
        c = r["customer_id"]
        tier[c] = r.get("subscription_tier") or ""
        calls.setdefault(c, {})
        calls[c][f] = calls[c].get(f, 0) + 1
        v = feats.setdefault(f, {"cost": Decimal(0), "calls": 0, "users": set(), "revenue": Fraction(0)})
        v["cost"] += Decimal(r["cost_usd"])
        v["calls"] += 1
        v["users"].add(c)
    total = Fraction(0)
    for c, by in calls.items():
        rev = Fraction(PRICE.get(tier[c], 0) * days, 30)
        total += rev
        n = sum(by.values())
        for f, k in by.items():
            feats[f]["revenue"] += rev * k / n
    return feats, len(calls), total


class Features(TempDir):
    def check(self, path, **options):
        doc = FeaturesAnalyzer(path, options).analyze()
        m = doc["metrics"]
        truth, n_cust, total = naive(path)
        self.assertEqual(set(m["features"]), set(truth))
        for f, t in truth.items():
            v = m["features"][f]
            self.assertAlmostEqual(v["cost_usd"], float(t["cost"]), places=6)
            self.assertEqual(v["calls"], t["calls"])
            self.assertEqual(v["customers"], len(t["users"]))
            self.assertAlmostEqual(v["adoption_pct"], 100.0 * len(t["users"]) / n_cust, places=2)
            # largest-remainder rounding moves at most one nano-dollar per customer
            self.assertLessEqual(abs(Fraction(str(v["revenue_attributed_usd"])) - t["revenue"]),
                                 Fraction(len(t["users"]) + 1, 10 ** 6))
            self.assertAlmostEqual(v["cost_per_call_usd"], float(t["cost"]) / t["calls"], places=6)
        self.assertAlmostEqual(sum(v["cost_usd"] for v in m["features"].values()),
                               float(sum(t["cost"] for t in truth.values())), places=5)
        self.assertEqual(sum(v["calls"] for v in m["features"].values()), sum(t["calls"] for t in truth.values()))
        self.assertAlmostEqual(sum(v["revenue_attributed_usd"] for v in m["features"].values()), float(total), places=5)
        self.assertAlmostEqual(m["total_revenue_usd"], float(total), places=6)
        return doc, truth

    def test_simulated_reconciles_and_quadrants(self):
        path = self.path("sim.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(path)
        doc, truth = self.check(path)
        for f, t in truth.items():
            rev = t["revenue"]
            margin = float(100 * (rev - Fraction(t["cost"])) / rev) if rev else float("-inf")
            adoption = 100.0 * len(t["users"]) / 20
            want = (("invest" if margin >= 50 else "fix") if adoption >= 30 else
                    ("maintain" if margin >= 0 else "sunset"))
            if f == "(untagged)":
                want = None  # calls without a feature tag are no feature to invest in or sunset
            self.assertEqual(doc["metrics"]["features"][f]["quadrant"], want, f)
        self.assertIn("(untagged)", truth)
        self.assertTrue(doc["recommendations"])

    def test_hand_made_quadrants_and_thresholds(self):
        # 30 days; 4 starter customers ($29 each). chat: everyone, cheap. translate: one customer, expensive.
        rows = [row(1, c, "starter", "chat", 0.10) for c in "abcd"] + [row(30, "a", "starter", "translate", 20.0)]
        doc, _ = self.check(write_csv(self.path("q.csv"), rows, FIELDS))
        f = doc["metrics"]["features"]
        self.assertEqual(f["chat"]["quadrant"], "invest")
        self.assertEqual(f["translate"]["quadrant"], "sunset")  # 25% adoption < 30%, margin < 0
        self.assertAlmostEqual(f["translate"]["revenue_attributed_usd"], 14.5, places=6)  # a's $29 over 2 calls
        self.assertAlmostEqual(f["translate"]["margin_pct"], round(100 * (14.5 - 20) / 14.5, 2), places=2)
        fix, _ = self.check(write_csv(self.path("q.csv"), rows, FIELDS), adoption_threshold=20.0)
        self.assertEqual(fix["metrics"]["features"]["translate"]["quadrant"], "fix")
        self.assertAlmostEqual(fix["metrics"]["thresholds"]["adoption_pct"], 20.0)
        sunset = [r for r in doc["recommendations"] if r["title"].startswith("Sunset or reprice translate")]
        self.assertEqual(len(sunset), 1)
        self.assertEqual(sunset[0]["kind"], "risk")
        self.assertAlmostEqual(sunset[0]["impact_usd_per_month"], 20.0 - 14.5, places=6)  # its monthly loss
        self.assertIn("negative margin, 25% adoption", sunset[0]["title"])
        self.assertTrue(any(r["title"].startswith("Invest in chat") for r in doc["recommendations"]))

    def test_revenue_split_is_exact(self):
        # one pro customer over 1 day ($3.30) split 3 ways by equal calls: 1.1 each, and the parts sum exactly
        rows = [row(1, "a", "pro", f, 0.01) for f in ("x", "y", "z")]
        doc, _ = self.check(write_csv(self.path("s.csv"), rows, FIELDS))
        parts = [v["revenue_attributed_usd"] for v in doc["metrics"]["features"].values()]
        self.assertAlmostEqual(sum(parts), 3.3, places=9)
        self.assertTrue(all(abs(p - 1.1) < 1e-6 for p in parts))

    def test_untagged_and_missing_feature_column(self):
        rows = [row(1, "a", "pro", "", 1.0), row(2, "b", "starter", "chat", 2.0)]
        doc, _ = self.check(write_csv(self.path("u.csv"), rows, FIELDS))
        self.assertIn("(untagged)", doc["metrics"]["features"])
        doc, _ = self.check(write_csv(self.path("m.csv"), rows, FIELDS, drop=("feature_id",)))
        self.assertEqual(list(doc["metrics"]["features"]), ["(untagged)"])
        self.assertEqual(doc["metrics"]["features"]["(untagged)"]["adoption_pct"], 100.0)
        self.assertTrue(any("No feature_id column" in n for n in doc["notes"]), doc["notes"])

    def test_missing_tier_column(self):
        rows = [row(1, "a", "", "chat", 1.0), row(2, "b", "", "code", 2.0)]
        doc, _ = self.check(write_csv(self.path("t.csv"), rows, FIELDS, drop=("subscription_tier",)))
        f = doc["metrics"]["features"]
        self.assertEqual(f["code"]["revenue_attributed_usd"], 0.0)
        self.assertIsNone(f["code"]["quadrant"])
        self.assertTrue(any("no subscription tiers" in n for n in doc["notes"]), doc["notes"])


if __name__ == "__main__":
    unittest.main()
