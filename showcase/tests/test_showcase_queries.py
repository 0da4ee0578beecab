"""SQL patterns equal the analyzers and a naive recomputation; charts are well-formed SVG; the scenario's
figures match the profitability report; the metadata builder validates; every example has --help."""
import csv
import json
import os
import unittest
import xml.etree.ElementTree as ET
from collections import defaultdict

from helpers import SHOWCASE, new_temp_dir, remove_dir, run

SCRIPTS = ["instrumentation/revenium_basic.py", "instrumentation/revenium_otel.py", "instrumentation/local_collector.py",
           "metadata/metadata_builder.py", "queries/query_patterns.py", "queries/chart_builder.py",
           "scenarios/customer_profitability_scenario.py"]
TIER_PRICE = {"starter": 29.0, "pro": 99.0, "enterprise": 299.0}


def naive(path):
    """Figures straight from the CSV with the csv module and plain sums (independent of the code under test)."""
    t = {"total": 0.0, "customer": defaultdict(float), "model": defaultdict(float), "day": defaultdict(float),
         "latest": {}}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            c = float(r["cost_usd"])
            t["total"] += c
            t["customer"][r["customer_id"]] += c
            t["model"][r["model"]] += c
            t["day"][r["timestamp"][:10]] += c
            prev = t["latest"].get(r["customer_id"])
            if prev is None or (r["timestamp"], r["subscription_tier"]) > prev:
                t["latest"][r["customer_id"]] = (r["timestamp"], r["subscription_tier"])
    days = sorted(t["day"])
    import datetime
    d0, d1 = (datetime.date(*map(int, d.split("-"))) for d in (days[0], days[-1]))
    n_days = (d1 - d0).days + 1
    tiers = defaultdict(lambda: [0, 0.0, 0.0])  # customers, revenue, cost
    for cust, (_, tier) in t["latest"].items():
        tiers[tier][0] += 1
        tiers[tier][1] += TIER_PRICE[tier] * n_days / 30.0
        tiers[tier][2] += t["customer"][cust]
    t["tiers"] = tiers
    return t


class TestQueriesAgainstAnalyzers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = new_temp_dir("queries-")
        cls.data = os.path.join(cls.tmp, "calls.csv")
        from simulator.core import AICallSimulator
        AICallSimulator(num_customers=20, num_days=9, seed=5).write_csv(cls.data)
        p = run("showcase/queries/query_patterns.py", "--data", cls.data, "--json")
        assert p.returncode == 0, p.stderr
        cls.q = json.loads(p.stdout)
        cls.reports = os.path.join(cls.tmp, "reports")
        p = run("src/run_all_analyzers.py", "--data", cls.data, "--out", cls.reports)
        assert p.returncode == 0, p.stderr
        cls.t = naive(cls.data)

    @classmethod
    def tearDownClass(cls):
        remove_dir(cls.tmp)

    def doc(self, analyzer):
        with open(os.path.join(self.reports, "json", analyzer + ".json"), encoding="utf-8") as f:
            return json.load(f)

    def test_sql_equals_naive_recomputation(self):
        q, t = self.q, self.t
        self.assertAlmostEqual(q["total_cost_usd"], t["total"], places=5)
        self.assertEqual(set(q["cost_by_customer"]), set(t["customer"]))
        for k, v in t["customer"].items():
            self.assertAlmostEqual(q["cost_by_customer"][k], v, places=5, msg=k)
        for k, v in t["model"].items():
            self.assertAlmostEqual(q["cost_by_model"][k], v, places=5, msg=k)
        for k, v in t["day"].items():
            self.assertAlmostEqual(q["cost_by_day"][k], v, places=5, msg=k)
        for tier, (n, revenue, cost) in t["tiers"].items():
            m = q["margin_by_tier"][tier]
            self.assertEqual(m["customers"], n)
            self.assertAlmostEqual(m["revenue_usd"], revenue, places=4)
            self.assertAlmostEqual(m["cost_usd"], cost, places=5)
            self.assertAlmostEqual(m["margin_usd"], revenue - cost, places=4)
        top = sorted(t["customer"].items(), key=lambda kv: (-round(kv[1], 6), kv[0]))[:10]
        self.assertEqual([c["customer_id"] for c in q["top_customers"]], [k for k, _ in top])
        self.assertAlmostEqual(sum(w["cost_usd"] for w in q["week_over_week"]), t["total"], places=5)

    def test_sql_equals_the_analyzers(self):
        u = self.doc("understanding")["metrics"]
        self.assertEqual(self.q["total_cost_usd"], u["total_cost_usd"])
        self.assertEqual(self.q["cost_by_customer"], u["cost_by_customer"])
        models = {k: (v["cost_usd"] if isinstance(v, dict) else v) for k, v in u["cost_by_model"].items()}
        self.assertEqual(self.q["cost_by_model"], models)
        self.assertEqual(self.q["cost_by_day"], u["daily_cost"])
        p = self.doc("profitability")["metrics"]["margin_by_tier"]
        self.assertEqual(set(self.q["margin_by_tier"]), set(p))
        for tier, m in p.items():
            mine = self.q["margin_by_tier"][tier]
            for key in ("customers", "cost_usd"):
                self.assertEqual(mine[key], m[key], (tier, key))
            for key in ("revenue_usd", "margin_usd", "margin_pct"):
                self.assertAlmostEqual(mine[key], m[key], places=2, msg=(tier, key))

    def test_same_query_text_on_duckdb(self):
        try:
            import duckdb  # noqa: F401 - optional: CI may install it to prove the SQL is portable
        except ImportError:
            self.skipTest("duckdb is not installed (optional)")
        p = run("showcase/queries/query_patterns.py", "--data", self.data, "--json", "--engine", "duckdb")
        self.assertEqual(p.returncode, 0, p.stderr)
        duck = json.loads(p.stdout)
        for key, value in self.q.items():
            if key != "engine":
                self.assertEqual(duck[key], value, key)

    def test_anomalous_days_by_hand(self):
        vals = list(self.t["day"].values())
        mean = sum(vals) / len(vals)
        var = sum((v - mean) ** 2 for v in vals) / len(vals)
        want = sorted(d for d, v in self.t["day"].items() if v > mean and (v - mean) ** 2 > 4 * var)
        self.assertEqual([a["day"] for a in self.q["anomalous_days"]], want)

    def test_scenario_matches_the_profitability_report(self):
        p = run("showcase/scenarios/customer_profitability_scenario.py", "--data", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertGreaterEqual(len(lines), 10)
        m = self.doc("profitability")["metrics"]
        text = p.stdout
        self.assertIn("%d customer(s) cost more than they pay" % m["unprofitable_count"], text)
        self.assertIn("$" + format(m["revenue_at_risk_usd_per_month"], ",.2f"), text)
        for tier, t in m["margin_by_tier"].items():
            self.assertIn("$" + format(t["cost_usd"], ",.2f"), text, tier)
        for rec in self.doc("profitability")["recommendations"]:
            self.assertIn(rec["title"], text)

    def test_charts_are_standalone_svg(self):
        out = os.path.join(self.tmp, "charts")
        p = run("showcase/queries/chart_builder.py", "--data", self.data, "--out", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        svgs = sorted(f for f in os.listdir(out) if f.endswith(".svg"))
        self.assertGreaterEqual(len(svgs), 3)
        for f in svgs:
            with open(os.path.join(out, f), encoding="utf-8") as fh:
                text = fh.read()
            root = ET.fromstring(text.encode("utf-8"))
            self.assertTrue(root.tag.endswith("svg"))
            self.assertGreater(len(list(root.iter())), 10, f)
            self.assertNotIn("http://", text.replace("http://www.w3.org/2000/svg", ""))
            self.assertNotIn("<script", text)
        with open(os.path.join(out, "cost_by_customer.svg"), encoding="utf-8") as fh:
            bars = fh.read()
        top = max(self.t["customer"].items(), key=lambda kv: kv[1])
        self.assertIn(top[0], bars)

    def test_hostile_labels_are_escaped(self):
        path = os.path.join(self.tmp, "hostile.csv")
        with open(self.data, newline="", encoding="utf-8") as src, open(path, "w", newline="", encoding="utf-8") as dst:
            rd, w = csv.DictReader(src), None
            for i, r in enumerate(rd):
                if w is None:
                    w = csv.DictWriter(dst, rd.fieldnames, lineterminator="\n")
                    w.writeheader()
                if i < 50:
                    r["customer_id"] = '<script>alert("x")</script>&co'
                    r["model"] = "m<&>\"'"
                w.writerow(r)
                if i > 400:
                    break
        out = os.path.join(self.tmp, "hostile-charts")
        p = run("showcase/queries/chart_builder.py", "--data", path, "--out", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        for f in os.listdir(out):
            if f.endswith(".svg"):
                with open(os.path.join(out, f), encoding="utf-8") as fh:
                    text = fh.read()
                ET.fromstring(text.encode("utf-8"))
                self.assertNotIn("<script", text)


class TestExamples(unittest.TestCase):
    def test_every_example_has_help_and_a_docstring(self):
        for s in SCRIPTS:
            p = run(os.path.join("showcase", s), "--help", timeout=30)
            self.assertEqual(p.returncode, 0, s + p.stderr)
            self.assertIn("usage", p.stdout.lower(), s)
            with open(os.path.join(SHOWCASE, s), encoding="utf-8") as f:
                self.assertTrue(f.read().startswith('"""'), s)

    def test_missing_data_file_is_a_one_line_error(self):
        for s in ("queries/query_patterns.py", "queries/chart_builder.py", "scenarios/customer_profitability_scenario.py"):
            p = run(os.path.join("showcase", s), "--data", "/nonexistent/calls.csv", "--out", "/tmp/x-unused")
            self.assertEqual(p.returncode, 2, s + p.stderr)
            self.assertNotIn("Traceback", p.stderr)

    def test_metadata_builder(self):
        from metadata.metadata_builder import MetadataError, MeteringMetadata
        meta = (MeteringMetadata.builder().organization("acme").product("helpdesk").feature("search")
                .subscriber("cust-1", email="a@acme.example", credential_name="k", credential_value="s3cret")
                .subscription("sub-1", tier="pro").task_type("qa").build())
        wire = meta.to_wire()
        self.assertEqual((wire["organizationName"], wire["productName"], wire["agent"], wire["subscriptionId"],
                          wire["subscriber"]["id"], wire["taskType"]), ("acme", "helpdesk", "search", "sub-1", "cust-1", "qa"))
        self.assertEqual(meta.to_usage_metadata()["organization_name"], "acme")
        otel = meta.to_otel_attributes()
        self.assertEqual((otel["revenium.organization.name"], otel["revenium.subscriber.id"]), ("acme", "cust-1"))
        self.assertNotIn("s3cret", json.dumps(otel) + repr(meta))
        with self.assertRaises(MetadataError) as cm:
            MeteringMetadata.builder().feature("search").subscription("s", tier="gold").task_type("Bad Task").build()
        problems = " ".join(cm.exception.problems)
        for word in ("no product", "gold", "Bad Task"):
            self.assertIn(word, problems)
        p = run("showcase/metadata/metadata_builder.py", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["wire_json"]["subscriber"]["credential"]["value"], "***")
        self.assertNotIn("s3cr3t", p.stdout)


if __name__ == "__main__":
    unittest.main()
