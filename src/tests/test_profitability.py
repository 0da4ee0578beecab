"""Customer profitability against a naive recomputation from the CSV (csv.DictReader, Decimal, sorting).

Revenue = tier price x D / 30 (D = calendar days from the first to the last call, inclusive); tier = the tier on the
customer's latest call by timestamp. Covers simulated data, a tier change, a zero-cost customer, an unknown tier, a
missing subscription_tier column, the recommendation figures, escaping, and the scripts from the root and from src/.
"""
import csv
import datetime as dt
import os
import unittest
from decimal import Decimal

from analyzers.ubr.profitability import ProfitabilityAnalyzer
from simulator.core import AICallSimulator

from naive import ROOT, SRC, TempDir, run_py, write_csv

PRICE = {"starter": 29, "pro": 99, "enterprise": 299}


def row(day, cust, tier, cost, model="gpt-4o", task="chat", feature="chat", inp=100, out=50, hour=10, provider="openai"):
    return {"timestamp": "2026-01-%02dT%02d:00:00Z" % (day, hour), "call_id": "c", "provider": provider,
            "model": model, "input_tokens": str(inp), "output_tokens": str(out), "cost_usd": "%.6f" % cost,
            "latency_ms": "100", "customer_id": cust, "subscription_tier": tier, "organization_id": "org",
            "product_id": "prod", "feature_id": feature, "task_type": task, "environment": "production",
            "request_id": "r", "trace_id": "t", "session_id": "s", "user_agent": "u"}


def naive(path):
    """{customer: {tier, revenue, cost}}, days: an independent recomputation."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    stamps = sorted(r["timestamp"] for r in rows)
    d0 = dt.date(int(stamps[0][:4]), int(stamps[0][5:7]), int(stamps[0][8:10]))
    d1 = dt.date(int(stamps[-1][:4]), int(stamps[-1][5:7]), int(stamps[-1][8:10]))
    days = (d1 - d0).days + 1
    out = {}
    for r in sorted(rows, key=lambda r: r["timestamp"]):
        c = out.setdefault(r["customer_id"], {"cost": Decimal(0), "tiers": set()})
        c["cost"] += Decimal(r["cost_usd"])
        c["tier"] = r.get("subscription_tier") or ""  # the latest row wins
        c["tiers"].add(c["tier"])
    for c in out.values():
        c["revenue"] = Decimal(PRICE.get(c["tier"], 0)) * days / 30
    return out, days


def spearman(xs, ys):
    def ranks(v):
        s = sorted(v)
        return [(s.index(x) + 1 + s.index(x) + s.count(x)) / 2.0 for x in v]
    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    num = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    return num / (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5


class Base(TempDir):
    def run_on(self, rows, drop=(), **options):
        path = write_csv(self.path("calls.csv"), rows, drop=drop)
        return ProfitabilityAnalyzer(path, options).analyze(), path


class Simulated(Base):
    def test_every_figure_matches_naive(self):
        path = self.path("sim.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(path)
        doc = ProfitabilityAnalyzer(path).analyze()
        m = doc["metrics"]
        truth, days = naive(path)
        self.assertEqual(doc["data"]["days"], days)
        custs = {c["customer_id"]: c for c in m["customers"]}
        self.assertEqual(set(custs), set(truth))
        bad, at_risk, loss = 0, 0, Decimal(0)
        for cid, t in truth.items():
            c = custs[cid]
            margin = t["revenue"] - t["cost"]
            self.assertEqual(c["subscription_tier"], t["tier"])
            self.assertAlmostEqual(c["revenue_usd"], float(t["revenue"]), places=6)
            self.assertAlmostEqual(c["cost_usd"], float(t["cost"]), places=6)
            self.assertAlmostEqual(c["margin_usd"], float(margin), places=6)
            self.assertAlmostEqual(c["margin_pct"], float(100 * margin / t["revenue"]), places=2)
            if margin < 0:
                bad += 1
                at_risk += PRICE[t["tier"]]
                loss -= margin
        self.assertEqual(m["unprofitable_count"], bad)
        self.assertAlmostEqual(m["revenue_at_risk_usd_per_month"], at_risk, places=6)
        self.assertAlmostEqual(m["monthly_loss_usd"], float(loss * 30 / days), places=5)
        self.assertAlmostEqual(m["total_cost_usd"], float(sum(t["cost"] for t in truth.values())), places=6)
        for tier, v in m["margin_by_tier"].items():
            mine = [t for t in truth.values() if t["tier"] == tier]
            self.assertEqual(v["customers"], len(mine))
            self.assertAlmostEqual(v["revenue_usd"], float(sum(t["revenue"] for t in mine)), places=5)
            self.assertAlmostEqual(v["cost_usd"], float(sum(t["cost"] for t in mine)), places=5)
            self.assertEqual(v["unprofitable"], sum(1 for t in mine if t["revenue"] < t["cost"]))
        self.assertEqual(sum(b["customers"] for b in m["margin_distribution"]), len(truth))
        rank = {"starter": 1, "pro": 2, "enterprise": 3}
        ids = sorted(truth)
        rho = spearman([rank[truth[c]["tier"]] for c in ids],
                       [float(100 * (truth[c]["revenue"] - truth[c]["cost"]) / truth[c]["revenue"]) for c in ids])
        self.assertAlmostEqual(m["tier_margin_correlation"]["value"], rho, places=3)
        self.assertEqual(m["tier_margin_correlation"]["method"], "spearman")
        self.assertTrue(doc["recommendations"])


class HandMade(Base):
    def test_tier_change_counts_latest_tier(self):
        doc, path = self.run_on([row(1, "a", "starter", 1.0), row(2, "b", "starter", 0.5),
                                 row(3, "a", "pro", 2.0), row(3, "b", "starter", 0.5)])
        m = doc["metrics"]
        a = [c for c in m["customers"] if c["customer_id"] == "a"][0]
        self.assertEqual(a["subscription_tier"], "pro")
        self.assertAlmostEqual(a["revenue_usd"], 99 * 3 / 30.0, places=6)  # 3 days: Jan 1 to Jan 3 inclusive
        self.assertAlmostEqual(a["cost_usd"], 3.0, places=6)
        self.assertTrue(a["tier_changed"])
        self.assertEqual(m["tier_changes"], [{"customer_id": "a", "tiers_seen": ["pro", "starter"], "current_tier": "pro"}])
        self.assertEqual(m["margin_by_tier"]["pro"]["customers"], 1)
        self.assertEqual(m["margin_by_tier"]["starter"]["customers"], 1)
        truth, _ = naive(path)
        self.assertEqual(truth["a"]["tier"], "pro")

    def test_zero_cost_customer(self):
        doc, _ = self.run_on([row(1, "free_rider", "pro", 0.0), row(2, "b", "starter", 40.0)])
        c = {x["customer_id"]: x for x in doc["metrics"]["customers"]}
        self.assertEqual(c["free_rider"]["cost_usd"], 0.0)
        self.assertEqual(c["free_rider"]["margin_pct"], 100.0)
        self.assertEqual(c["free_rider"]["status"], "profitable")
        self.assertEqual(c["b"]["status"], "unprofitable")
        self.assertEqual(doc["metrics"]["unprofitable_count"], 1)

    def test_unknown_tier(self):
        doc, _ = self.run_on([row(1, "a", "free", 5.0), row(1, "b", "pro", 1.0)])
        m = doc["metrics"]
        a = [c for c in m["customers"] if c["customer_id"] == "a"][0]
        self.assertEqual(a["revenue_usd"], 0.0)
        self.assertEqual(a["cost_usd"], 5.0)
        self.assertEqual(a["status"], "unknown tier")
        self.assertEqual(m["unprofitable_count"], 0)
        self.assertTrue(any("1 customers have no known subscription tier" in n for n in doc["notes"]), doc["notes"])
        self.assertAlmostEqual(m["total_cost_usd"], 6.0, places=6)

    def test_missing_tier_column(self):
        doc, _ = self.run_on([row(1, "a", "", 5.0), row(2, "b", "", 1.0)], drop=("subscription_tier",))
        m = doc["metrics"]
        self.assertEqual([c["revenue_usd"] for c in m["customers"]], [0.0, 0.0])
        self.assertAlmostEqual(sum(c["cost_usd"] for c in m["customers"]), 6.0, places=6)
        self.assertEqual(m["unprofitable_count"], 0)
        self.assertTrue(any("no subscription tiers" in n for n in doc["notes"]), doc["notes"])

    def test_recommendation_figures(self):
        # 30 days (Jan 1 to Jan 30): per month = period. "s" (starter, $29) costs $60 on premium gpt-4 chat calls.
        rows = [row(1, "s", "starter", 30.0, model="gpt-4", inp=1000000, out=0),
                row(30, "s", "starter", 30.0, model="gpt-4", inp=0, out=500000),
                row(15, "p", "pro", 10.0)]
        doc, _ = self.run_on(rows)
        m = doc["metrics"]
        self.assertEqual(m["unprofitable_count"], 1)
        self.assertAlmostEqual(m["revenue_at_risk_usd_per_month"], 29.0)
        self.assertAlmostEqual(m["monthly_loss_usd"], 31.0, places=6)
        up = m["tier_upgrades"]
        self.assertEqual([(u["customer_id"], u["to_tier"], u["revenue_gain_usd_per_month"]) for u in up],
                         [("s", "pro", 70.0)])  # pro's $99 covers $60/month
        # the one usage-cap policy, default 100% of the plan price: s costs $60 on a $29 plan, $31 above the cap
        caps = m["usage_caps"]["by_tier"]
        self.assertAlmostEqual(caps["starter"]["overage_usd_per_month"], 60 - 29, places=6)
        self.assertAlmostEqual(caps["starter"]["margin_if_they_leave_usd_per_month"], 60 - 29, places=6)
        self.assertAlmostEqual(caps["pro"]["overage_usd_per_month"], 0.0)  # $10 < $99
        self.assertNotIn("routing", m)  # cheaper models are priced once, by the optimization report
        kinds = {r["title"]: r["kind"] for r in doc["recommendations"]}
        self.assertEqual(kinds["$29.00/month of revenue at risk: 1 unprofitable customer"], "risk")
        upgrade = [r for r in doc["recommendations"] if "+$70.00/month" in r["title"]][0]
        self.assertEqual(upgrade["kind"], "revenue")
        self.assertTrue(any("none leaves" in a for a in upgrade["assumptions"]))
        cap = [r for r in doc["recommendations"] if r["title"].startswith("Bill AI usage beyond")][0]
        self.assertEqual((cap["kind"], cap["impact_usd_per_month"]), ("revenue", 31.0))
        for r in doc["recommendations"]:
            self.assertTrue(r["title"] and r["detail"])
            self.assertIn(r["kind"], ("revenue", "risk", "info"))
        doc2, _ = self.run_on(rows, usage_cap_pct=50.0)
        self.assertAlmostEqual(doc2["metrics"]["usage_caps"]["by_tier"]["starter"]["overage_usd_per_month"],
                               60 - 14.5, places=6)

    def test_one_row(self):
        doc, _ = self.run_on([row(1, "a", "pro", 0.0)])
        self.assertEqual(doc["metrics"]["customer_count"], 1)
        self.assertIsNone(doc["metrics"]["tier_margin_correlation"]["value"])

    def test_hostile_strings_are_escaped(self):
        evil = '<script>alert(1)</script>'
        doc, _ = self.run_on([row(1, evil, "starter", 50.0), row(2, "b", evil, 1.0)])
        page = ProfitabilityAnalyzer().page(doc)
        self.assertNotIn(evil, page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn("http://", page)


class Scripts(Base):
    def test_scripts_from_root_and_src(self):
        path = write_csv(self.path("calls.csv"), [row(1, "a", "starter", 50.0), row(2, "b", "pro", 1.0)])
        for cwd, prefix in ((ROOT, "src/"), (SRC, "")):
            for name in ("profitability", "pricing", "features"):
                out = self.path("out-" + name)
                p = run_py([prefix + "analyzers/ubr/%s.py" % name, "--data", path, "--out", out], cwd=cwd)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertTrue(os.path.exists(os.path.join(out, "html", name + ".html")))
                self.assertTrue(os.path.exists(os.path.join(out, "json", name + ".json")))
        p = run_py(["src/analyzers/ubr/profitability.py", "--data", path + ".missing"], cwd=ROOT)
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr)


if __name__ == "__main__":
    unittest.main()
