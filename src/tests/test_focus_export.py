"""export_focus.py: mandatory FOCUS 1.2 columns, exact cost reconciliation, a round trip by customer, per-call rows.

The expectations are recomputed naively from the source CSV with csv.DictReader and Decimal.
"""
import csv
import io
import json
import os
import unittest
from collections import defaultdict
from contextlib import redirect_stdout
from decimal import Decimal

import export_focus
from simulator.core import AICallSimulator
from utils.schema import FIELDS

from naive import SRC, SharedTempDir, run_py, write_text

MANDATORY = ["BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
             "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
             "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost",
             "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class FocusExportTest(SharedTempDir):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(cls.data)
        cls.src = read(cls.data)

    def export(self, data, *extra):
        out = os.path.join(self.tmp, "focus-%d.csv" % len(os.listdir(self.tmp)))
        with redirect_stdout(io.StringIO()):
            self.assertEqual(export_focus.main(["--data", data, "--output", out] + list(extra)), 0)
        return read(out)

    def by_customer(self, rows, key, value):
        sums = defaultdict(Decimal)
        for r in rows:
            sums[key(r)] += Decimal(value(r))
        return dict(sums)

    def test_daily_rows_round_trip(self):
        rows = self.export(self.data)
        self.assertTrue(all(c in rows[0] for c in MANDATORY))
        self.assertEqual(sum(Decimal(r["BilledCost"]) for r in rows), sum(Decimal(r["cost_usd"]) for r in self.src))
        tag = lambda r: json.loads(r["Tags"])["customer_id"]
        self.assertEqual(self.by_customer(rows, tag, lambda r: r["BilledCost"]),
                         self.by_customer(self.src, lambda r: r["customer_id"], lambda r: r["cost_usd"]))
        self.assertEqual(self.by_customer(rows, tag, lambda r: r["x_InputTokens"]),
                         self.by_customer(self.src, lambda r: r["customer_id"], lambda r: r["input_tokens"]))
        self.assertEqual(self.by_customer(rows, tag, lambda r: r["PricingQuantity"]),
                         self.by_customer(self.src, lambda r: r["customer_id"],
                                          lambda r: int(r["input_tokens"]) + int(r["output_tokens"])))
        self.assertEqual(sum(int(r["x_Calls"]) for r in rows), len(self.src))
        groups = {(r["timestamp"][:10], r["provider"], r["model"], r["customer_id"], r["organization_id"],
                   r["product_id"], r["feature_id"], r["task_type"], r["subscription_tier"]) for r in self.src}
        self.assertEqual(len(rows), len(groups))
        for r in rows:
            self.assertEqual(r["ChargePeriodStart"][10:], "T00:00:00Z")
            self.assertEqual(r["ChargePeriodEnd"][10:], "T00:00:00Z")
            self.assertLess(r["ChargePeriodStart"], r["ChargePeriodEnd"])
            self.assertEqual(r["BillingPeriodStart"][:7], r["ChargePeriodStart"][:7])
            self.assertEqual(r["BillingPeriodStart"][7:], "-01T00:00:00Z")
            self.assertEqual((r["ChargeCategory"], r["ChargeClass"], r["BillingCurrency"], r["ServiceCategory"]),
                             ("Usage", "", "USD", "AI and Machine Learning"))
            self.assertEqual(r["ListCost"], r["BilledCost"])
            self.assertEqual(r["EffectiveCost"], r["BilledCost"])
            tags = json.loads(r["Tags"])
            self.assertTrue(set(tags) <= {"customer_id", "organization_id", "product_id", "feature_id", "task_type",
                                          "subscription_tier"})
            self.assertEqual(r["SubAccountId"], tags.get("organization_id", ""))

    def test_per_call(self):
        rows = self.export(self.data, "--per-call", "--billing-account", "acct-1")
        self.assertEqual(len(rows), len(self.src))
        self.assertEqual([r["x_CallId"] for r in rows], [r["call_id"] for r in self.src])
        r, s = rows[0], self.src[0]
        self.assertEqual((r["ChargePeriodStart"], r["BilledCost"], r["ResourceName"]), (s["timestamp"], s["cost_usd"], s["model"]))
        self.assertEqual(r["ChargePeriodEnd"][:17], s["timestamp"][:17])
        self.assertEqual(r["BillingAccountId"], "acct-1")

    def test_fine_costs_month_boundary_and_hostile_text(self):
        path = os.path.join(self.tmp, "fine.csv")
        write_text(path, "\ufefftimestamp,provider,model,input_tokens,output_tokens,cost_usd,customer_id,extra\r\n"
                   "2026-01-31T23:59:59Z,bedrock,anthropic.claude-v2,10,1,0.0000001234,\"a,\"\"b\"\"\",x\r\n"
                   "2026-01-31T12:00:00+00:00,bedrock,anthropic.claude-v2,5,5,0.1000000001,\"a,\"\"b\"\"\",y\r\n"
                   "2026-02-01T00:00:00Z,newcloud,llama-x,1,1,0,c,z\r\n")
        rows = self.export(path)
        self.assertEqual([r["BilledCost"] for r in rows], ["0.100000123", "0.000000"])
        self.assertEqual(json.loads(rows[0]["Tags"]), {"customer_id": 'a,"b"'})
        self.assertEqual((rows[0]["ProviderName"], rows[0]["PublisherName"], rows[0]["ServiceName"]),
                         ("AWS", "Anthropic", "Amazon Bedrock"))
        self.assertEqual((rows[0]["BillingPeriodStart"], rows[0]["BillingPeriodEnd"]),
                         ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"))
        self.assertEqual((rows[1]["BillingPeriodStart"], rows[1]["ProviderName"], rows[1]["PublisherName"]),
                         ("2026-02-01T00:00:00Z", "Newcloud", "Meta"))

    def test_imported_data_round_trip(self):
        imported = os.path.join(self.tmp, "imported.csv")
        page = {"object": "page", "data": [{"start_time": 1772323200, "end_time": 1772409600, "results": [
            {"input_tokens": 1001, "output_tokens": 7, "num_model_requests": 3, "model": "gpt-4o", "user_id": "u1"},
            {"input_tokens": 50, "output_tokens": 5, "num_model_requests": 2, "model": "o1", "user_id": "u2"}]}]}
        src = os.path.join(self.tmp, "page.json")
        with open(src, "w", encoding="utf-8") as f:
            json.dump(page, f)
        p = run_py([os.path.join(SRC, "import_usage.py"), "--from", "openai", src, "--output", imported], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = self.export(imported)
        src_rows = read(imported)
        self.assertEqual(len(rows), 2)
        tag = lambda r: json.loads(r["Tags"])["customer_id"]
        self.assertEqual(self.by_customer(rows, tag, lambda r: r["BilledCost"]),
                         self.by_customer(src_rows, lambda r: r["customer_id"], lambda r: r["cost_usd"]))
        self.assertEqual(self.by_customer(rows, tag, lambda r: r["x_OutputTokens"]), {"u1": 7, "u2": 5})

    def test_errors_and_empty(self):
        out = os.path.join(self.tmp, "none.csv")
        p = run_py([os.path.join(SRC, "export_focus.py"), "--data", os.path.join(self.tmp, "missing.csv"), "--output",
                    out], timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr)
        self.assertFalse(os.path.exists(out))
        empty = os.path.join(self.tmp, "empty.csv")
        with open(empty, "w", encoding="utf-8") as f:
            f.write(",".join(FIELDS) + "\n")
        self.assertEqual(self.export(empty), [])


if __name__ == "__main__":
    unittest.main()
