"""Pricing models against a naive replay of the CSV (csv.DictReader, Decimal, sorting).

Proves for every model that margin = revenue - total AI cost, that flat revenue equals the subscription revenue,
that each model's revenue follows its documented rule with the default and with changed parameters, and the
pay-more / pay-less counts; also a tier change, an unknown tier, a missing tier column and the CLI flags.
"""
import csv
import datetime as dt
import json
import os
import unittest
from decimal import Decimal

from analyzers.ubr.pricing import PricingAnalyzer
from simulator.core import AICallSimulator

from naive import ROOT, TempDir, run_py, write_csv

PRICE = {"starter": 29, "pro": 99, "enterprise": 299}
ALLOW = {"starter": 2000000, "pro": 5000000, "enterprise": 25000000}
FIELDS = ["timestamp", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "customer_id",
          "subscription_tier", "feature_id"]


def row(day, cust, tier, cost, tokens=1000):
    return {"timestamp": "2026-01-%02dT10:00:00Z" % day, "provider": "openai", "model": "gpt-4o",
            "input_tokens": str(tokens), "output_tokens": "0", "cost_usd": "%.6f" % cost, "customer_id": cust,
            "subscription_tier": tier, "feature_id": "chat"}


def naive(path, markup=3.0, per_1k=None, overage=0.02, allow=None, base=0.5):
    """Per customer: tier, tokens, cost and the charge under each model (USD, Decimal-free floats are enough)."""
    allow = allow or ALLOW
    with open(path, newline="", encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["timestamp"])
    day = lambda s: dt.date(int(s[:4]), int(s[5:7]), int(s[8:10]))  # noqa: E731
    days = (day(rows[-1]["timestamp"]) - day(rows[0]["timestamp"])).days + 1
    cust = {}
    for r in rows:
        c = cust.setdefault(r["customer_id"], {"cost": Decimal(0), "tokens": 0})
        c["cost"] += Decimal(r["cost_usd"])
        c["tokens"] += int(r["input_tokens"]) + int(r["output_tokens"])
        c["tier"] = r.get("subscription_tier") or ""
    for c in cust.values():
        known = c["tier"] in PRICE
        flat = PRICE.get(c["tier"], 0) * days / 30.0
        usage = c["tokens"] / 1000.0 * per_1k if per_1k else float(c["cost"]) * markup
        allowance = allow.get(c["tier"], 0) * days / 30.0 if known else 0
        c.update(known=known, flat=flat, usage=usage, tiered=flat + max(0, c["tokens"] - allowance) / 1000.0 * overage,
                 hybrid=max(base * flat, usage))
    return cust, days


class Pricing(TempDir):
    def sim(self):
        path = self.path("sim.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(path)
        return path

    def check(self, path, options, **params):
        doc = PricingAnalyzer(path, options).analyze()
        models = doc["metrics"]["models"]
        cust, days = naive(path, **params)
        cost = float(sum(c["cost"] for c in cust.values()))
        n = len(cust)
        for name in ("flat", "usage", "tiered", "hybrid"):
            m = models[name]
            self.assertAlmostEqual(m["margin_usd"], m["revenue_usd"] - cost, delta=2e-6, msg=name)
            self.assertAlmostEqual(m["revenue_usd"], sum(c[name] for c in cust.values()), delta=1e-5 * n, msg=name)
            if m["revenue_usd"]:
                self.assertAlmostEqual(m["margin_pct"], round(100 * (m["revenue_usd"] - cost) / m["revenue_usd"], 2),
                                       places=2, msg=name)
            else:
                self.assertIsNone(m["margin_pct"])
        for c in doc["metrics"]["customers"]:
            t = cust[c["customer_id"]]
            for name in ("flat", "usage", "tiered", "hybrid"):
                self.assertAlmostEqual(c[name + "_usd_per_month"], t[name] * 30 / days, delta=1e-5, msg=name)
        return doc, cust

    def test_defaults_reconcile(self):
        path = self.sim()
        doc, cust = self.check(path, {})
        models = doc["metrics"]["models"]
        subscription = sum(PRICE[c["tier"]] for c in cust.values()) * doc["data"]["days"] / 30.0
        self.assertAlmostEqual(models["flat"]["revenue_usd"], subscription, places=6)
        self.assertEqual(len({round(m["revenue_usd"], 2) for m in models.values()}), 4)
        # churn: who pays more or less than today, over all customers and over the 70% lightest by tokens
        known = sorted(cust.items(), key=lambda kv: (kv[1]["tokens"], kv[0]))
        light = {k for k, _ in known[:int(len(known) * 0.7)]}
        churn = doc["metrics"]["churn"]["by_model"]
        for name in ("usage", "tiered", "hybrid"):
            for group, ids in (("all", set(cust)), ("light", light)):
                diffs = [cust[k][name] - cust[k]["flat"] for k in ids]
                c = churn[name][group]
                self.assertEqual(c["customers"], len(ids))
                self.assertEqual(c["pay_more"], sum(1 for d in diffs if d > 1e-9), (name, group))
                self.assertEqual(c["pay_less"], sum(1 for d in diffs if d < -1e-9), (name, group))
                self.assertAlmostEqual(c["increase_usd_per_month"], sum(d for d in diffs if d > 0) * 30 / doc["data"]["days"],
                                       delta=1e-4)
        best = doc["metrics"]["recommended_model"]
        rec = doc["recommendations"][0]
        if best["model"]:
            self.assertAlmostEqual(rec["impact_usd_per_month"],
                                   doc["metrics"]["models"][best["model"]]["change_vs_flat_usd_per_month"])
            self.assertLessEqual(churn[best["model"]]["light"]["pay_more_pct"], 50)
        for r in doc["recommendations"]:
            self.assertTrue(r["title"] and r["detail"])

    def test_changed_parameters(self):
        path = self.sim()
        opts = {"markup": 1.7, "overage_per_1k": 0.05, "allowance_starter": 100000.0, "allowance_pro": 300000.0,
                "allowance_enterprise": 1000000.0, "hybrid_base": 0.25}
        doc, _ = self.check(path, opts, markup=1.7, overage=0.05, base=0.25,
                            allow={"starter": 100000, "pro": 300000, "enterprise": 1000000})
        p = doc["metrics"]["parameters"]
        self.assertEqual(p["markup"], 1.7)
        self.assertEqual(p["allowance_tokens_per_month"]["pro"], 300000.0)
        doc, _ = self.check(path, {"price_per_1k": 0.03}, per_1k=0.03)
        self.assertEqual(doc["metrics"]["parameters"]["usage_basis"], "price per 1K tokens")

    def test_tier_change_unknown_tier_and_no_tier_column(self):
        rows = [row(1, "a", "starter", 1.0, 3000000), row(10, "a", "pro", 2.0, 4000000), row(5, "b", "gold", 3.0),
                row(10, "c", "enterprise", 0.0, 0)]
        path = write_csv(self.path("t.csv"), rows, FIELDS)
        doc, cust = self.check(path, {})
        self.assertEqual(cust["a"]["tier"], "pro")
        self.assertAlmostEqual(doc["metrics"]["models"]["flat"]["revenue_usd"], (99 + 299) * 10 / 30.0, places=6)
        self.assertTrue(doc["notes"])
        self.assertEqual(doc["metrics"]["churn"]["customers"], 2)  # "gold" has no known price
        path = write_csv(self.path("n.csv"), rows, FIELDS, drop=("subscription_tier",))
        doc, _ = self.check(path, {})
        self.assertEqual(doc["metrics"]["models"]["flat"]["revenue_usd"], 0.0)
        self.assertAlmostEqual(doc["metrics"]["models"]["usage"]["revenue_usd"], 18.0, places=6)
        self.assertTrue(any("no subscription tiers" in n for n in doc["notes"]))

    def test_cli_flags(self):
        path = write_csv(self.path("t.csv"), [row(1, "a", "starter", 1.0), row(2, "b", "pro", 5.0)], FIELDS)
        out = self.path("out")
        p = run_py(["src/analyzers/ubr/pricing.py", "--data", path, "--out", out, "--markup", "2.5",
                    "--overage-per-1k", "0.1", "--allowance-pro", "1000", "--hybrid-base", "0.3"], cwd=ROOT)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "json", "pricing.json"), encoding="utf-8") as f:
            params = json.load(f)["metrics"]["parameters"]
        self.assertEqual((params["markup"], params["overage_per_1k_usd"], params["hybrid_base_share"]), (2.5, 0.1, 0.3))
        self.assertEqual(params["allowance_tokens_per_month"]["pro"], 1000.0)
        p = run_py(["src/analyzers/ubr/pricing.py", "--data", path, "--out", out, "--markup", "-1"], cwd=ROOT)
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr)


if __name__ == "__main__":
    unittest.main()
