"""Tables whose rows grow with the data (customers, customer x model, features): the page holds the top rows by the
measure the table is about, says how many of how many, keeps search, sort and print over them, and the CSV
download has every row, numbers as numbers; plus the exact JSON writer those long documents go through.

Every expectation is recomputed here the simple way: a full sort, csv_cell cell by cell, json.dumps with indent.
"""
import csv
import io
import json
import math
import os
import random
import re
import sys
import unittest

from naive import SRC

if SRC not in sys.path:
    sys.path.insert(0, SRC)

from utils import html_generator as H  # noqa: E402
from utils.html_table import LIMIT, csv_cell, csv_text, downloads, table, top_rows  # noqa: E402
from utils.json_io import clean, dumps  # noqa: E402


def body_rows(html):
    """The body rows of a table as lists of cell texts (tags dropped, entities kept as text)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]*>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body)]


def customers(n, seed=1):
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        cost = rnd.choice([None, 0.0, 1.5, 2.25]) if i % 17 == 0 else round(rnd.uniform(-50, 500), 6)
        rows.append(["cust-%05d" % i, rnd.choice(["starter", "pro", "=cmd"]), cost, rnd.randint(0, 10 ** 6)])
    return rows


class TopRows(unittest.TestCase):
    def test_the_largest_by_a_column_in_order_ties_as_given(self):
        rows = customers(5000)
        naive = sorted(range(len(rows)), key=lambda i: (rows[i][2] is None, -(rows[i][2] or 0), i))
        got = top_rows(rows, 50, rank=2)
        self.assertEqual(got, [rows[i] for i in naive[:50]])
        self.assertEqual(top_rows(rows, 50), rows[:50])  # no rank: the order given is the order of the measure
        by_name = top_rows(rows, 7, rank=lambda r: r[0])
        self.assertEqual(by_name, sorted(rows, key=lambda r: r[0])[:7])
        blank_last = top_rows([["a", None], ["b", 1.0], ["c", ("x", None)], ["d", -1]], 4, rank=1)
        self.assertEqual([r[0] for r in blank_last], ["b", "d", "a", "c"])

    def test_the_page_holds_the_top_rows_in_that_order(self):
        rows = customers(3000)
        html = table(["Customer", "Tier", "Margin", "Tokens"], rows, id="customers", rank=2,
                     numeric={2: H.fmt_usd})
        shown = body_rows(html)
        naive = sorted(rows, key=lambda r: (r[2] is None, -(r[2] or 0)))[:LIMIT]
        self.assertEqual([r[0] for r in shown], [r[0] for r in naive])
        self.assertEqual(shown[0][2], H.fmt_usd(naive[0][2]))
        self.assertIn("The %d rows with the largest margin, of 3,000," % LIMIT, html)
        self.assertIn('data-total="3000"', html)

    def test_a_short_table_is_whole_and_unchanged(self):
        rows = customers(LIMIT)
        html = table(["Customer", "Tier", "Cost", "Tokens"], rows, id="t")
        self.assertEqual(len(body_rows(html)), LIMIT)
        self.assertNotIn("data-total", html)
        self.assertNotIn("table-note", html)
        self.assertIn('<script type="application/json" id="csv-t">', html)


class FullTableDownload(unittest.TestCase):
    def setUp(self):
        self.rows = customers(2500)
        with downloads("profitability") as files:
            self.html = table(["Customer", "Tier", "Margin", "Tokens"], self.rows, id="Every customer", top=25,
                              key=2)
        self.files = files

    def test_one_file_with_every_row_numbers_as_numbers(self):
        self.assertEqual(list(self.files), ["profitability-every-customer.csv"])
        parsed = list(csv.reader(io.StringIO(self.files["profitability-every-customer.csv"], newline="")))
        self.assertEqual(parsed[0], ["Customer", "Tier", "Margin", "Tokens"])
        self.assertEqual(len(parsed), 1 + len(self.rows))
        for got, want in zip(parsed[1:], self.rows):
            self.assertEqual(got[0], want[0])
            self.assertEqual(got[1], "'=cmd" if want[1] == "=cmd" else want[1])  # a formula never runs
            self.assertEqual(got[2], "" if want[2] is None else repr(want[2]))
            self.assertEqual(float(got[2]) if got[2] else None, want[2])
            self.assertEqual(int(got[3]), want[3])

    def test_the_page_links_it_and_does_not_embed_it(self):
        self.assertIn('href="profitability-every-customer.csv" download="profitability-every-customer.csv"',
                      self.html)
        self.assertIn("Download CSV (all 2,500 rows)", self.html)
        self.assertNotIn('type="application/json"', self.html)
        self.assertIn("The first %d of 2,500 rows are on this page" % LIMIT, self.html)
        self.assertLess(len(self.html), 60000)

    def test_search_box_and_print_show_every_row_the_page_holds(self):
        self.assertIn('<input type="search" class="table-filter"', self.html)
        self.assertEqual(len(body_rows(self.html)), LIMIT)
        self.assertEqual(self.html.count('<tr class="more">'), LIMIT - 25)  # hidden on screen only (.js)
        from utils.html_page import _asset
        printed = _asset("report.css")[_asset("report.css").index("@media print"):]
        self.assertIn(".js .tbl tr.more, .js .tbl tr.nomatch { display: table-row !important; }", printed)
        self.assertIn("data-total", _asset("report.js"))  # the status counts every row, not only those held

    def test_outside_a_report_set_the_full_csv_stays_in_the_page(self):
        html = table(["Customer", "Tier", "Margin", "Tokens"], self.rows, id="c")
        payload = re.search(r'<script type="application/json" id="csv-c">(.*?)</script>', html, re.S).group(1)
        self.assertEqual(json.loads(payload), csv_text(["Customer", "Tier", "Margin", "Tokens"], self.rows))
        self.assertEqual(len(body_rows(html)), LIMIT)

    def test_csv_text_equals_cell_by_cell(self):
        rnd = random.Random(5)
        pool = [None, 0, -3, 2 ** 70, 1.5, -0.0, float("nan"), True, "", "a", "=x", "-1", "@a", "\tx", 'q"q',
                "a,b", "l\nm", H.Markup("<b>a&amp;b</b>"), ("$1", 1.0), (H.fmt_usd, 2.5), ("y", "=z")]
        for _ in range(500):
            width = rnd.randint(1, 4)
            rows = [[rnd.choice(pool) for _ in range(width if rnd.random() < 0.9 else rnd.randint(0, 5))]
                    for _ in range(rnd.randint(0, 8))]
            want = "\r\n".join([",".join(csv_cell(c) for c in ["A"] * width)] + [
                ",".join(csv_cell(c[1] if isinstance(c, tuple) else c) for c in r) for r in rows]) + "\r\n"
            self.assertEqual(csv_text(["A"] * width, rows), want, rows)

    def test_formatter_cells_are_formatted_only_when_shown(self):
        calls = []

        def fmt(v):
            calls.append(v)
            return H.fmt_usd(v)
        table(["Customer", "Cost"], [["c%d" % i, (fmt, float(i))] for i in range(1000)], id="x")
        self.assertEqual(len(calls), LIMIT)


class ExactJson(unittest.TestCase):
    def reference(self, doc):
        return json.dumps(clean(doc), indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def test_equals_the_standard_library_byte_for_byte(self):
        rnd = random.Random(3)
        leaves = [None, True, False, 0, -1, 2 ** 65, 1.5, -0.0, float("nan"), float("inf"), "", 'a"\\\n\u2028é<}{',
                  "},\x00{", 1e300]

        def gen(depth):
            r = rnd.random()
            if depth > 3 or r < 0.3:
                return rnd.choice(leaves)
            if r < 0.55:
                keys = ["a", "b", "é", "", "}"] if rnd.random() < 0.8 else ["a", 1, True, None, 2.5, (1, 2)]
                return {rnd.choice(keys): gen(depth + 1) for _ in range(rnd.randint(0, 4))}
            if r < 0.8:  # a list of records, the shape of a long table
                return [{rnd.choice(["a", "b", "}{"]): rnd.choice(leaves) for _ in range(rnd.randint(0, 3))}
                        for _ in range(rnd.randint(1, 4))]
            return (tuple if rnd.random() < 0.2 else list)(gen(depth + 1) for _ in range(rnd.randint(0, 4)))
        for _ in range(5000):
            doc = gen(0)
            self.assertEqual(dumps(doc), self.reference(doc), doc)

    def test_many_records(self):
        doc = {"metrics": {"customers": [{"customer_id": "c%d" % i, "cost_usd": i / 7.0, "margin_pct": None,
                                          "nan": float("nan") if i == 3 else 1.0, "ok": i % 2 == 0}
                                         for i in range(2000)], "n": 2000}}
        self.assertEqual(dumps(doc), self.reference(doc))
        self.assertTrue(math.isnan(doc["metrics"]["customers"][3]["nan"]))  # the document itself is untouched


if __name__ == "__main__":
    unittest.main()
