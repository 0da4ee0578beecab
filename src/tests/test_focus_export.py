"""export_focus.py: FOCUS 1.2 rows per SKU price (model x token type), exact cost reconciliation and split, list
prices, per-call rows, nulls, errors; and the FinOps Foundation's validator when it is installed.

The expectations are recomputed naively from the source CSV (csv.DictReader, Decimal, Fraction) and from
prices.json read with the json module, never from the exporter's own output.
"""
import csv
import io
import json
import os
import random
import unittest
from collections import defaultdict
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import export_focus
import fvcheck
from simulator.core import AICallSimulator
from utils.money import split_exactly
from utils.schema import FIELDS

from naive import SRC, SharedTempDir, run_py, write_text

MANDATORY = ["BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
             "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
             "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost",
             "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"]
PRICE_COLUMNS = ["ListUnitPrice", "SkuId", "SkuPriceId", "SkuMeter", "SkuPriceDetails", "ConsumedQuantity",
                 "ConsumedUnit", "InvoiceId"]
METERS = {"Input Tokens": "input", "Output Tokens": "output"}  # our CSV has no cached or cache-write counts
MILLION = Decimal(1000000)
with open(os.path.join(SRC, "pricing", "prices.json"), encoding="utf-8") as _f:
    PRICES = {(m["provider"], m["model"]): {"input": Decimal(str(m["input_per_1m"])),
                                            "output": Decimal(str(m["output_per_1m"]))}
              for m in json.load(_f)["models"]}


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def tags(r):
    return json.loads(r["Tags"])


def source_groups(src):
    """Naive: calls, cost and tokens per (day, provider, model, customer, org, product, feature, task, tier)."""
    groups = defaultdict(lambda: {"calls": 0, "cost": Decimal(0), "input": 0, "output": 0})
    for r in src:
        g = groups[(r["timestamp"][:10], r["provider"], r["model"], r["customer_id"], r["organization_id"],
                    r["product_id"], r["feature_id"], r["task_type"], r["subscription_tier"])]
        g["calls"] += 1
        g["cost"] += Decimal(r["cost_usd"])
        g["input"] += int(r["input_tokens"])
        g["output"] += int(r["output_tokens"])
    return groups


def next_second(ts):
    """'YYYY-MM-DDTHH:MM:SSZ' one second later."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return (datetime.strptime(ts, fmt) + timedelta(seconds=1)).strftime(fmt)


def row_group(r):
    """The source group key of an aggregated FOCUS row."""
    provider, model = r["SkuId"].split("/", 1)
    t = tags(r)
    return (r["ChargePeriodStart"][:10], provider, model) + tuple(
        t.get(k, "") for k in ("customer_id", "organization_id", "product_id", "feature_id", "task_type",
                               "subscription_tier"))


class FocusExportTest(SharedTempDir):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(cls.data)
        cls.src = read(cls.data)

    def export(self, data, *extra):
        out = os.path.join(self.tmp, "focus-%d.csv" % len(os.listdir(self.tmp)))
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            self.assertEqual(export_focus.main(["--data", data, "--output", out] + list(extra)), 0)
        self.stderr = err.getvalue()
        return read(out)

    def by(self, rows, key, value):
        sums = defaultdict(Decimal)
        for r in rows:
            sums[key(r)] += Decimal(value(r))
        return dict(sums)

    def check_price_columns(self, r, tokens):
        """One row's SKU price columns against prices.json and its own token count."""
        kind = METERS[r["SkuMeter"]]
        price = PRICES[tuple(r["SkuId"].split("/", 1))][kind]
        self.assertEqual((r["SkuPriceId"], json.loads(r["SkuPriceDetails"])), (r["SkuId"] + "/" + kind,
                                                                               {"x_TokenType": kind}))
        self.assertEqual((Decimal(r["ConsumedQuantity"]), r["ConsumedUnit"]), (tokens, "Tokens"))
        self.assertEqual((Decimal(r["PricingQuantity"]), r["PricingUnit"]), (tokens / MILLION, "1000000 Tokens"))
        self.assertTrue("." in r["PricingQuantity"] and "." in r["ConsumedQuantity"])  # decimals, not integers
        self.assertEqual(Decimal(r["ListUnitPrice"]), price)
        self.assertEqual(Decimal(r["ListCost"]), tokens * price / MILLION)
        self.assertEqual(Decimal(r["ListUnitPrice"]) * Decimal(r["PricingQuantity"]), Decimal(r["ListCost"]))
        self.assertEqual((r["PricingCurrencyListUnitPrice"], r["PricingCurrencyEffectiveCost"]),
                         (r["ListUnitPrice"], r["EffectiveCost"]))
        self.assertEqual(r["EffectiveCost"], r["BilledCost"])
        self.assertEqual(r["ContractedCost"], r["BilledCost"])

    def test_daily_rows_per_sku_price(self):
        rows = self.export(self.data)
        self.assertTrue(all(c in rows[0] for c in MANDATORY + PRICE_COLUMNS))
        groups = source_groups(self.src)
        self.assertEqual(len(rows), sum((g["input"] > 0) + (g["output"] > 0) for g in groups.values()))
        got = defaultdict(list)
        for r in rows:
            got[row_group(r)].append(r)
        self.assertEqual(set(got), set(groups))
        for key, g in groups.items():
            mine = {METERS[r["SkuMeter"]]: r for r in got[key]}
            self.assertEqual(set(mine), {k for k in ("input", "output") if g[k]}, key)
            self.assertEqual(sum(Decimal(r["BilledCost"]) for r in mine.values()), g["cost"])
            self.assertEqual(sum(int(r["x_Calls"]) for r in mine.values()), g["calls"])
            price = PRICES[key[1:3]]
            weights = {k: g[k] * price[k] for k in mine}
            for kind, r in mine.items():
                self.check_price_columns(r, g[kind])
                exact = Fraction(g["cost"]) * Fraction(weights[kind]) / Fraction(sum(weights.values()))
                self.assertLess(abs(Fraction(Decimal(r["BilledCost"])) - exact), Fraction(1, 10 ** 9), key)

    def test_daily_rows_reconcile_by_customer_and_columns(self):
        rows = self.export(self.data)
        total = sum(Decimal(r["cost_usd"]) for r in self.src)
        self.assertEqual(sum(Decimal(r["BilledCost"]) for r in rows), total)
        tag = lambda r: tags(r)["customer_id"]
        customer = lambda r: r["customer_id"]
        self.assertEqual(self.by(rows, tag, lambda r: r["BilledCost"]),
                         self.by(self.src, customer, lambda r: r["cost_usd"]))
        self.assertEqual(self.by(rows, tag, lambda r: r["x_InputTokens"]),
                         self.by(self.src, customer, lambda r: r["input_tokens"]))
        self.assertEqual(self.by(rows, tag, lambda r: r["x_OutputTokens"]),
                         self.by(self.src, customer, lambda r: r["output_tokens"]))
        self.assertEqual(self.by(rows, tag, lambda r: r["PricingQuantity"]),
                         self.by(self.src, customer,
                                 lambda r: (int(r["input_tokens"]) + int(r["output_tokens"])) / MILLION))
        self.assertEqual(sum(int(r["x_Calls"]) for r in rows), len(self.src))
        for r in rows:
            self.assertEqual((r["ChargePeriodStart"][10:], r["ChargePeriodEnd"][10:]), ("T00:00:00Z", "T00:00:00Z"))
            self.assertLess(r["ChargePeriodStart"], r["ChargePeriodEnd"])
            self.assertEqual(r["BillingPeriodStart"][:7], r["ChargePeriodStart"][:7])
            self.assertEqual(r["BillingPeriodStart"][7:], "-01T00:00:00Z")
            self.assertEqual((r["ChargeCategory"], r["ChargeClass"], r["BillingCurrency"], r["ServiceCategory"],
                              r["ChargeFrequency"], r["InvoiceId"], r["CommitmentDiscountStatus"]),
                             ("Usage", "", "USD", "AI and Machine Learning", "Usage-Based", "", ""))
            self.assertTrue(set(tags(r)) <= {"customer_id", "organization_id", "product_id", "feature_id",
                                             "task_type", "subscription_tier"})
            self.assertNotIn("", tags(r).values())
            self.assertEqual(r["SubAccountId"], tags(r).get("organization_id", ""))
            self.assertFalse([v for v in r.values() if "(untagged)" in v or "Unknown" in v], r)

    def test_per_call(self):
        rows = self.export(self.data, "--per-call", "--billing-account", "acct-1")
        by_call = defaultdict(list)
        for r in rows:
            by_call[r["x_CallId"]].append(r)
        order = []
        for r in rows:
            if not order or order[-1] != r["x_CallId"]:
                order.append(r["x_CallId"])
        self.assertEqual(order, [s["call_id"] for s in self.src])
        for s in self.src:
            mine = {METERS[r["SkuMeter"]]: r for r in by_call[s["call_id"]]}
            self.assertEqual(set(mine), {k for k in ("input", "output") if int(s[k + "_tokens"])})
            self.assertEqual(sum(Decimal(r["BilledCost"]) for r in mine.values()), Decimal(s["cost_usd"]))
            self.assertEqual(sum(int(r["x_Calls"]) for r in mine.values()), 1)
            for kind, r in mine.items():
                self.check_price_columns(r, int(s[kind + "_tokens"]))
                self.assertEqual((r["ChargePeriodStart"], r["ResourceName"], r["BillingAccountId"]),
                                 (s["timestamp"], s["model"], "acct-1"))
                self.assertEqual(r["ChargePeriodEnd"], next_second(s["timestamp"]))

    def test_fine_costs_month_boundary_hostile_text_and_unpriced_model(self):
        path = os.path.join(self.tmp, "fine.csv")
        write_text(path, "\ufefftimestamp,provider,model,input_tokens,output_tokens,cost_usd,customer_id,extra\r\n"
                   "2026-01-31T23:59:59Z,bedrock,anthropic.claude-v2,10,1,0.0000001234,\"a,\"\"b\"\"\",x\r\n"
                   "2026-01-31T12:00:00+00:00,bedrock,anthropic.claude-v2,5,5,0.1000000001,\"a,\"\"b\"\"\",y\r\n"
                   "2026-02-01T00:00:00Z,newcloud,llama-x,3,1,0.000004,c,z\r\n")
        rows = self.export(path)
        # 100000123 nano-dollars split 15 x $8 : 6 x $24 per 1M tokens = 120 : 144, the last nano to the output
        self.assertEqual([(r["SkuMeter"], r["BilledCost"], r["ListCost"], r["ListUnitPrice"]) for r in rows],
                         [("Input Tokens", "0.045454601", "0.000120", "8.000000"),
                          ("Output Tokens", "0.054545522", "0.000144", "24.000000"),
                          ("Input Tokens", "0.000003", "0.000003", ""), ("Output Tokens", "0.000001", "0.000001", "")])
        self.assertEqual(json.loads(rows[0]["Tags"]), {"customer_id": 'a,"b"'})
        self.assertEqual([rows[0][c] for c in ("ProviderName", "PublisherName", "ServiceName", "SkuPriceId")],
                         ["AWS", "Anthropic", "Amazon Bedrock", "bedrock/anthropic.claude-v2/input"])
        self.assertEqual((rows[0]["BillingPeriodStart"], rows[0]["BillingPeriodEnd"]),
                         ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"))
        self.assertEqual((rows[2]["BillingPeriodStart"], rows[2]["ProviderName"], rows[2]["PublisherName"]),
                         ("2026-02-01T00:00:00Z", "Newcloud", "Meta"))
        self.assertEqual((rows[2]["SubAccountId"], rows[2]["PricingCurrencyListUnitPrice"]), ("", ""))
        self.assertIn("no list price", rows[2]["ChargeDescription"])
        self.assertIn("newcloud/llama-x", self.stderr)
        self.assertIn("--prices", self.stderr)

    def test_prices_file_gives_a_list_price(self):
        path = write_text(os.path.join(self.tmp, "one.csv"), "timestamp,provider,model,input_tokens,output_tokens,"
                          "cost_usd,customer_id\n2026-03-01T10:00:00Z,newcloud,llama-x,2000000,500000,1.5,c\n")
        prices = write_text(os.path.join(self.tmp, "prices.csv"),
                            "provider,model,input_per_1m,output_per_1m\nnewcloud,llama-x,0.25,1\n")
        rows = self.export(path, "--prices", prices)
        self.assertEqual([(r["ListUnitPrice"], r["PricingQuantity"], r["ListCost"], r["BilledCost"]) for r in rows],
                         [("0.250000", "2.000000", "0.500000", "0.750000"),
                          ("1.000000", "0.500000", "0.500000", "0.750000")])
        self.assertEqual(self.stderr, "")

    def test_group_without_tokens_keeps_its_cost(self):
        path = write_text(os.path.join(self.tmp, "zero.csv"), "timestamp,provider,model,input_tokens,output_tokens,"
                          "cost_usd,customer_id\n2026-03-01T10:00:00Z,openai,gpt-4o,0,0,0.01,c\n")
        rows = self.export(path)
        self.assertEqual([(r["SkuMeter"], r["PricingQuantity"], r["ListCost"], r["BilledCost"], r["x_Calls"])
                          for r in rows], [("Input Tokens", "0.000000", "0.000000", "0.010000", "1")])

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
        self.assertEqual(len(rows), 4)
        tag = lambda r: tags(r)["customer_id"]
        self.assertEqual(self.by(rows, tag, lambda r: r["BilledCost"]),
                         self.by(src_rows, lambda r: r["customer_id"], lambda r: r["cost_usd"]))
        self.assertEqual(self.by(rows, tag, lambda r: r["x_OutputTokens"]), {"u1": 7, "u2": 5})
        self.assertEqual(sum(int(r["x_Calls"]) for r in rows), len(src_rows))

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


class ExactArithmeticTest(unittest.TestCase):
    def test_split_exactly_against_fractions(self):
        rng = random.Random(7)
        for _ in range(500):
            weights = [rng.choice([0, rng.randint(1, 10 ** 12)]) for _ in range(rng.randint(1, 4))]
            total = rng.randint(0, 10 ** 10)
            shares = split_exactly(total, list(weights))
            self.assertEqual(sum(shares), total)
            whole = sum(weights) or len(weights)
            for w, s in zip(weights, shares):
                exact = Fraction(total * (w if sum(weights) else 1), whole)
                self.assertLess(abs(s - exact), 1)
        self.assertEqual(split_exactly(10, [1, 1, 1]), [4, 3, 3])
        self.assertEqual(split_exactly(5, [0, 0]), [3, 2])

    def test_decimal_text(self):
        cases = [((123, 9), "0.000000123"), ((120000000, 9), "0.120000"), ((0, 9), "0.000000"),
                 ((35632500000, 12), "0.0356325"), ((14253, 0, 1), "14253.0"), ((14253, 6), "0.014253"),
                 ((-5, 6), "-0.000005"), ((2500000, 6, 2), "2.50")]
        for args, text in cases:
            self.assertEqual(export_focus.decimal_text(*args), text)
            self.assertEqual(Decimal(text), Decimal(args[0]).scaleb(-args[1]))


class ValidatorVerdictTest(unittest.TestCase):
    """How fvcheck reads the validator's console output (no validator needed)."""

    TEXT = ("=== Validation Results ===\nTotal: 578 | Pass: 136 | Fail: 1 | Skipped: 441\n"
            "\u2705 InvoiceId-C-003-C: PASS  (violations=0)\n\u274c InvoiceId-C-005-C: FAIL  (violations=9)\n")

    def test_known_defect_only_while_its_guard_passes(self):
        self.assertEqual(fvcheck.Verdict(self.TEXT).unexpected(), [])
        broken = self.TEXT.replace("C-003-C: PASS", "C-003-C: FAIL")
        self.assertEqual(fvcheck.Verdict(broken).unexpected(), ["InvoiceId-C-003-C", "InvoiceId-C-005-C"])
        other = self.TEXT + "[FAIL] PricingQuantity-C-001-M: FAIL  (violations=3)\n"
        self.assertEqual(fvcheck.Verdict(other).unexpected(), ["PricingQuantity-C-001-M"])
        self.assertEqual(fvcheck.Verdict("Traceback ...\nboom").unexpected(), ["no summary"])


class FocusValidatorTest(SharedTempDir):
    """The FinOps Foundation's FOCUS 1.2 validator on an aggregated and a per-call export, claiming what our data
    has (list prices, unit pricing, usage, tags, sub accounts). Runs when $FOCUS_VALIDATOR_VENV names the
    validator's venv (.ci/run sets it); otherwise skipped with how to install it."""

    @classmethod
    def setUpClass(cls):
        cls.venv = fvcheck.venv_from_env()
        if cls.venv is None:
            raise unittest.SkipTest(fvcheck.HOW_TO_INSTALL)
        super().setUpClass()
        cls.data = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=10, num_days=3, seed=5).write_csv(cls.data)

    def validate(self, *extra):
        out = os.path.join(self.tmp, "focus%s.csv" % "".join(extra))
        with redirect_stdout(io.StringIO()):
            self.assertEqual(export_focus.main(["--data", self.data, "--output", out] + list(extra)), 0)
        verdict = fvcheck.validate(self.venv, out, fvcheck.CLAIMS)
        self.assertEqual(verdict.unexpected(), [], verdict.summary)
        self.assertGreater(verdict.passed, 200, verdict.summary)

    def test_aggregated_export_passes(self):
        self.validate()

    def test_per_call_export_passes(self):
        self.validate("--per-call")


if __name__ == "__main__":
    unittest.main()
