"""import_usage.py --from openmeter: the query API's JSON next to the CSV, hourly spreading, exports without a model.

Expected figures are worked out by hand or naively (Decimal list prices read straight from prices.json).
"""
import unittest

from test_importers import Base, list_price, micro


def point(value, kind, start="2026-03-01T00:00:00Z", end="2026-03-02T00:00:00Z", subject="cust-1", **group):
    g = {"model": "gpt-4o", "type": kind}
    g.update(group)
    return {"value": value, "windowStart": start, "windowEnd": end, "subject": subject, "groupBy": g}


def query(points, size="DAY"):
    return {"from": "2026-03-01T00:00:00Z", "to": "2026-03-03T00:00:00Z", "windowSize": size, "data": points}


class QueryJSON(Base):
    def test_daily_windows_prompt_completion(self):
        doc = query([point(24000.0, "prompt"), point(2401, "completion"),
                     point(300, "input", "2026-03-02T05:00:00Z", "2026-03-02T06:00:00Z", subject=None,
                           model="claude-3-5-haiku-20241022"),
                     point(7, "requests")])
        rows, out, err = self.imp("openmeter", self.write("q.json", doc))
        day = [r for r in rows if r["model"] == "gpt-4o"]
        self.assertEqual(len(day), 24)  # a daily window: one call at the top of each hour
        self.assertEqual(day[1]["timestamp"], "2026-03-01T01:00:00Z")
        self.assertEqual((self.total(day, "input_tokens"), self.total(day, "output_tokens")), (24000, 2401))
        self.assertEqual({r["customer_id"] for r in day}, {"cust-1"})
        hour = [r for r in rows if r["model"] != "gpt-4o"]
        self.assertEqual([(r["timestamp"], r["customer_id"], r["provider"]) for r in hour],
                         [("2026-03-02T05:00:00Z", "(unknown)", "anthropic")])
        self.assertEqual(self.cost(rows), micro(list_price("gpt-4o", 24000, 2401)) + micro(
            list_price("claude-3-5-haiku", 300, 0)))
        self.assertIn("rows of type other than input/output (e.g. requests): 1", err)
        self.assertIn("one call per hour", out)

    def test_pages_with_overlap_and_customer_from(self):
        a = query([point(100, "input", customer="acme"), point(10, "output", customer="acme")])
        b = query([point(10, "output", customer="acme"), point(5, "input", subject="cust-2")])
        rows, _, err = self.imp("openmeter", self.write("a.json", [a, b]), args=["--customer-from", "customer"])
        self.assertEqual((self.total(rows, "input_tokens"), self.total(rows, "output_tokens")), (105, 10))
        self.assertEqual(sorted({r["customer_id"] for r in rows}), ["acme", "cust-2"])
        self.assertIn("skipped 1 record(s) already read", err)
        self.assertIn("used subject (24 calls)", err)

    def test_bad_json(self):
        self.fails("openmeter", self.write("t.json", query([{"value": 1, "windowStart": "2026-03-01T00:00:00Z",
                                                            "windowEnd": "2026-03-01T01:00:00Z", "groupBy": {}}])),
                   want="groupBy has no type")
        self.fails("openmeter", self.write("v.json", query([point(1.5, "input")])), want="data[0]: value is 1.5")
        self.fails("openmeter", self.write("w.json", {"rows": []}), want="not an OpenMeter query result")


class NoModel(Base):
    def test_csv_grouped_by_subject_only(self):
        text = ("window_start,window_end,subject,type,value\n"
                "2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,cust-1,input,5000\n"
                "2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,cust-1,output,700\n")
        rows, _, err = self.imp("openmeter", self.write("m.csv", text))
        self.assertEqual([(r["input_tokens"], r["output_tokens"], r["cost_usd"]) for r in rows],
                         [("5000", "700", "0.000000")])
        line = [ln for ln in err.splitlines() if "no model" in ln][0]
        self.assertIn("1 call(s) have no model", line)
        self.assertIn("group the meter (and the query) by model", line)
        self.assertNotIn("--prices", err)


if __name__ == "__main__":
    unittest.main()
