"""The nine report pages end to end: hostile data through the whole pipeline, well-formed offline HTML, figures
that equal their JSON, safe CSV downloads, the data-quality notice, and the empty data file.

Each case runs `run_all_analyzers.py` in a subprocess on a small simulated data set (20 customers x 7 days).
"""
import csv
import html
import json
import os
import re
import sys
import unittest
from html.parser import HTMLParser

from naive import ROOT, SRC, SharedTempDir, run_py, write_rows

if SRC not in sys.path:
    sys.path.insert(0, SRC)

from simulator.core import AICallSimulator  # noqa: E402
from utils import html_generator as H  # noqa: E402

PAGES = ("index", "understanding", "performance", "realtime", "optimization", "alignment", "profitability",
         "pricing", "features")
HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', '</style><script>alert(3)</script>',
           '</script><script>alert(4)</script>', "' onmouseover='alert(5)", 'a&b <i>x</i>', '${x} {{y}} $1 %s',
           '=HYPERLINK("http://x")', "+cmd|' /C calc'!A0"]
TEXT_COLUMNS = ("customer_id", "subscription_tier", "organization_id", "product_id", "feature_id", "task_type",
                "provider", "model", "environment", "request_id", "trace_id", "session_id", "user_agent", "call_id")
# Every element our components emit; anything else came from data.
OUR_TAGS = {"html", "head", "meta", "title", "style", "script", "body", "a", "header", "div", "nav", "span", "ul",
            "li", "ol", "main", "h1", "h2", "h3", "p", "b", "strong", "section", "figure", "figcaption", "svg",
            "text", "line", "rect", "path", "circle", "polyline", "polygon", "g", "table", "caption", "thead",
            "tbody", "tr", "th", "td", "button", "label", "input", "footer", "dl", "dt", "dd"}
VOID = {"meta", "input", "br", "img", "hr", "link"}


class Page(HTMLParser):
    """Structure of one page: elements, attributes, headings, scripts, visible text, tables and cards."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.attrs = [], [], set(), []
        self.headings, self.scripts, self.text, self.style = [], [], [], []
        self.tables = {}  # id -> [[(text, data-sort)]]
        self._table, self._row, self._cell = None, None, None
        self.feed(markup)
        self.close()
        if self.stack:
            self.errors.append("unclosed: %s" % self.stack)

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs)

    def _start(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        a = dict(attrs)
        if re.match(r"^h[1-6]$", tag):
            self.headings.append(int(tag[1]))
        if tag == "script":
            self.scripts.append([a, ""])
        if tag == "table":
            self._table = self.tables.setdefault(a.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ["", a.get("data-sort")]
            self._row.append(self._cell)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s> (open: %s)" % (tag, self.stack[-3:]))
            return
        self.stack.pop()
        if tag == "table":
            self._table = None
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        top = self.stack[-1] if self.stack else ""
        if top == "script":
            self.scripts[-1][1] += data
        elif top == "style":
            self.style.append(data)
        else:
            self.text.append(data)
            if self._cell is not None:
                self._cell[0] += data

    def visible(self):
        return "".join(self.text)

    def rows(self, table_id):
        """Body rows of a table as [(text, data-sort)], header row left out."""
        return [[(t.strip(), s) for t, s in r] for r in self.tables["t-" + table_id][1:]]


def cards(markup):
    """{label: value} of a page's metric cards."""
    pairs = re.findall(r'<div class="card-label">(.*?)</div><div class="card-value">(.*?)</div>', markup)
    return {html.unescape(k): html.unescape(re.sub(r"<[^>]*>", "", v)) for k, v in pairs}


def run_pipeline(csv_path, out):
    return run_py([os.path.join(SRC, "run_all_analyzers.py"), "--data", csv_path, "--out", out])


def load(out, name):
    with open(os.path.join(out, "html", name + ".html"), encoding="utf-8") as f:
        return f.read()


def load_json(out, name):
    with open(os.path.join(out, "json", name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def simulate(path):
    AICallSimulator(num_customers=20, num_days=7, seed=1).write_csv(path)


def make_hostile(src, dst):
    """Copy the CSV with each hostile string in every text column of a few rows."""
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for k, s in enumerate(HOSTILE):
        for j in range(3):
            row = rows[20 + 97 * k + j]
            for col in TEXT_COLUMNS:
                row[header.index(col)] = s
    write_rows(dst, rows)


class HostilePipelineTest(SharedTempDir):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        clean = os.path.join(cls.tmp, "clean.csv")
        simulate(clean)
        cls.data = os.path.join(cls.tmp, "hostile.csv")
        make_hostile(clean, cls.data)
        cls.out = os.path.join(cls.tmp, "out")
        cls.proc = run_pipeline(cls.data, cls.out)
        cls.html = {n: load(cls.out, n) for n in PAGES} if cls.proc.returncode == 0 else {}
        cls.parsed = {n: Page(h) for n, h in cls.html.items()}

    def test_pipeline_ran(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(load_json(self.out, "understanding")["data"]["skipped_rows"], 0)

    def test_no_element_or_attribute_from_data(self):
        for name, page in self.parsed.items():
            self.assertLessEqual(page.tags, OUR_TAGS, name)
            self.assertNotIn("img", page.tags, name)
            self.assertNotIn("i", page.tags, name)
            for tag, attr, value in page.attrs:
                self.assertFalse(attr.startswith("on"), "%s: <%s %s=%r>" % (name, tag, attr, value))
            own = [a for a, _ in page.scripts if not a]
            data = [a for a, _ in page.scripts if a]
            self.assertEqual(len(own), 2, name)  # the "js" class flag and the table script
            for a in data:
                self.assertEqual(a.get("type"), "application/json", name)
                self.assertTrue(a.get("id", "").startswith("csv-"), name)
            self.assertEqual(len(page.style), 1, name)

    def test_hostile_text_is_visible_as_text(self):
        shown = {n: p.visible() for n, p in self.parsed.items()}
        for s in HOSTILE:  # customers, models, providers... are displayed on these pages
            for name in ("understanding", "profitability", "alignment"):
                self.assertIn(s, shown[name], "%s: %r" % (name, s))

    def test_well_formed(self):
        for name, page in self.parsed.items():
            self.assertEqual(page.errors, [], name)
            self.assertEqual(page.headings.count(1), 1, name)
            self.assertEqual(page.headings[0], 1, name)
            for prev, cur in zip(page.headings, page.headings[1:]):
                self.assertLessEqual(cur, prev + 1, "%s: h%d after h%d" % (name, cur, prev))

    def test_no_external_resources(self):
        for name, page in self.parsed.items():
            for tag, attr, value in page.attrs:
                if attr in ("src", "href", "action", "xlink:href", "srcset"):
                    self.assertNotRegex(value or "", r"(?i)^\s*(https?:|//|javascript:|data:)", name)
            css = "".join(page.style)
            self.assertNotIn("@import", css, name)
            self.assertNotRegex(css, r"url\(", name)
            for a, body in page.scripts:
                if not a:
                    self.assertNotRegex(body, r"https?://", name)

    def test_csv_downloads_are_safe(self):
        seen_hostile = 0
        for name, page in self.parsed.items():
            for a, body in page.scripts:
                if not a:
                    continue
                text = json.loads(body)
                self.assertIsInstance(text, str)
                for row in csv.reader(text.splitlines()):
                    for cell in row:
                        if cell[:1] in ("=", "+", "@", "\t", "\r"):
                            self.fail("%s %s: formula cell %r" % (name, a["id"], cell))
                        if cell[:1] == "-":
                            float(cell)  # only numbers may start with "-"
                        seen_hostile += cell in ("'" + HOSTILE[7], "'" + HOSTILE[8])
        self.assertGreater(seen_hostile, 0)  # the formula strings reached the CSV, neutralised


class FiguresTest(SharedTempDir):
    """Figures on the pages equal the JSON they came from, formatted with the same formatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = os.path.join(cls.tmp, "calls.csv")
        simulate(cls.data)
        cls.out = os.path.join(cls.tmp, "out")
        proc = run_pipeline(cls.data, cls.out)
        assert proc.returncode == 0, proc.stderr
        cls.html = {n: load(cls.out, n) for n in PAGES}
        cls.json = {n: load_json(cls.out, n) for n in PAGES if n != "index"}

    def test_cards(self):
        u = self.json["understanding"]["metrics"]
        pr, op = self.json["profitability"]["metrics"], self.json["optimization"]["metrics"]
        rt = self.json["realtime"]["metrics"]["budget"]
        self.assertEqual(cards(self.html["understanding"])["AI spend in the period"], H.fmt_usd(u["total_cost_usd"]))
        index = cards(self.html["index"])
        self.assertEqual(index["AI spend in the period"], H.fmt_usd(u["total_cost_usd"]))
        self.assertEqual(index["Run rate"], H.fmt_usd(u["run_rate_usd_per_month"]) + "/month")
        self.assertEqual(index["Forecast, next 30 days"], H.fmt_usd(u["forecast_usd"]["30d"]))
        self.assertEqual(index["Month-end projection, %s" % rt["month"]], H.fmt_usd(rt["projected_month_usd"]))
        self.assertEqual(index["Gross margin after AI cost"], H.fmt_pct(pr["margin_pct"]))
        self.assertEqual(index["Identified savings"], H.fmt_usd(op["potential_savings_usd_per_month"]) + "/month")
        self.assertEqual(cards(self.html["profitability"])["Unprofitable customers"], H.fmt_int(pr["unprofitable_count"]))
        self.assertEqual(cards(self.html["optimization"])["Potential savings per month"],
                         H.fmt_usd(op["potential_savings_usd_per_month"]))
        for name in PAGES:
            self.assertTrue(3 <= len(cards(self.html[name])) <= 6, name)

    def test_page_header_has_period_and_rows(self):
        for name in PAGES:
            data = self.json.get(name, self.json["understanding"])["data"]
            text = Page(self.html[name]).visible()
            self.assertIn("%s calls analysed" % H.fmt_int(data["rows"]), text, name)
            self.assertIn(data["start"][:10], text, name)
            self.assertIn(data["end"][:10], text, name)

    def test_latency_table(self):
        lat = self.json["performance"]["metrics"]["latency_by_model"]
        rows = {r[0][0]: r for r in Page(self.html["performance"]).rows("latency-by-model")}
        self.assertEqual(set(rows), set(lat))
        for model, v in lat.items():
            p95 = rows[model][4]
            self.assertEqual(float(p95[1]), v["p95_ms"])
            self.assertAlmostEqual(float(p95[0].split()[0].replace(",", "")), v["p95_ms"] / 1000.0, delta=0.051)

    def test_chargeback_table(self):
        charge = self.json["alignment"]["metrics"]["chargeback_by_organization"]
        show = self.json["alignment"]["metrics"]["showback_by_organization"]
        rows = {r[0][0]: r for r in Page(self.html["alignment"]).rows("chargeback-organization")}
        self.assertEqual(set(rows), set(charge) | set(show))  # the untagged row shows its direct cost, charged out
        self.assertEqual(rows["(untagged)"][3][0], H.fmt_usd(0.0))
        for org, usd in charge.items():
            self.assertEqual(rows[org][3][0], H.fmt_usd(usd))
            self.assertAlmostEqual(float(rows[org][3][1]), usd, places=6)

    def test_customers_table_has_every_customer(self):
        customers = self.json["profitability"]["metrics"]["customers"]
        rows = Page(self.html["profitability"]).rows("customers")
        self.assertEqual([r[0][0] for r in rows], [c["customer_id"] for c in customers])
        for r, c in zip(rows, customers):
            self.assertEqual(r[4][0], H.fmt_usd(c["margin_usd"]))

    def test_summary_keeps_money_kinds_apart(self):
        with open(os.path.join(self.out, "json", "summary.json"), encoding="utf-8") as f:
            summary = json.load(f)
        m = summary["metrics"]
        docs = [self.json[n] for n in PAGES if n != "index"]
        recs = [(d["analyzer"], r) for d in docs for r in d["recommendations"]]
        # every recommendation once, with the kind its analyzer gave it
        self.assertEqual(sorted((a["source"], a["title"], a["kind"]) for a in m["actions"]),
                         sorted((src, r["title"], r["kind"]) for src, r in recs))
        u = self.json["understanding"]["metrics"]
        self.assertEqual(m["run_rate_usd_per_month"], u["run_rate_usd_per_month"])
        savings = [a for a in m["actions"] if a["kind"] == "saving"]
        self.assertTrue(savings)
        self.assertEqual({a["source"] for a in savings}, {"optimization"})  # found in the data, priced once
        total = sum(a["impact_usd_per_month"] for a in savings)
        self.assertAlmostEqual(m["identified_savings_usd_per_month"], total, delta=0.011)
        self.assertAlmostEqual(total, self.json["optimization"]["metrics"]["potential_savings_usd_per_month"],
                               delta=0.011)
        self.assertLessEqual(m["identified_savings_usd_per_month"], m["run_rate_usd_per_month"])
        for key in ("run_rate", "forecast", "month_end_projection", "identified_savings"):
            self.assertIn(summary["definitions"][key], Page(self.html["index"]).visible())
        page = Page(self.html["index"])
        ledger = {r[0][0]: r for r in page.rows("savings-ledger")}
        self.assertEqual(set(ledger), {a["title"] for a in savings})
        for a in savings:
            self.assertEqual(ledger[a["title"]][2][0], H.fmt_usd(a["impact_usd_per_month"]))
        for kind in ("revenue", "risk", "alert"):  # a kind without actions has no table
            titles = {r[0][0] for r in page.rows("actions-" + kind)} if "t-actions-" + kind in page.tables else set()
            self.assertEqual(titles, {a["title"] for a in m["actions"] if a["kind"] == kind}, kind)
        for d in docs:  # every report linked from the index
            self.assertIn('href="%s.html"' % d["analyzer"], self.html["index"])


class DefinitionsTest(unittest.TestCase):
    def test_specs_carry_every_definition_word_for_word(self):
        from utils.definitions import DEFINITIONS
        with open(os.path.join(ROOT, "specs", "analyzers.md"), encoding="utf-8") as f:
            spec = " ".join(f.read().split())
        for key, text in DEFINITIONS.items():
            self.assertIn(" ".join(text.split()), spec, key)


class DataQualityAndEmptyTest(SharedTempDir):
    def test_notice_with_count_and_reasons(self):
        path = os.path.join(self.tmp, "bad.csv")
        simulate(path)
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        n_good = len(rows) - 1
        bad_number, bad_ts = list(rows[5]), list(rows[6])
        bad_number[rows[0].index("input_tokens")] = "lots"
        bad_ts[rows[0].index("timestamp")] = "yesterday"
        rows[10:10] = [bad_number, list(bad_number), bad_ts]
        write_rows(path, rows)
        out = os.path.join(self.tmp, "out-bad")
        proc = run_pipeline(path, out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        reasons = load_json(out, "understanding")["data"]["skipped_reasons"]
        self.assertEqual(reasons, {"bad number": 2, "bad timestamp": 1})
        for name in PAGES:
            text = re.sub(r"\s+", " ", Page(load(out, name)).visible())
            self.assertIn("3 of %s rows" % H.fmt_int(n_good + 3), text, name)
            self.assertIn("were skipped", text, name)
            self.assertIn("2 \u00d7 bad number", text, name)
            self.assertIn("1 \u00d7 bad timestamp", text, name)

    def test_no_notice_without_bad_rows(self):
        path = os.path.join(self.tmp, "good.csv")
        simulate(path)
        out = os.path.join(self.tmp, "out-good")
        self.assertEqual(run_pipeline(path, out).returncode, 0)
        for name in PAGES:
            self.assertNotIn("were skipped", Page(load(out, name)).visible(), name)

    def test_header_only_file_says_no_data(self):
        path = os.path.join(self.tmp, "empty.csv")
        simulate(path)
        with open(path, encoding="utf-8") as f:
            header = f.readline()
        with open(path, "w", encoding="utf-8") as f:
            f.write(header)
        out = os.path.join(self.tmp, "out-empty")
        proc = run_pipeline(path, out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("Traceback", proc.stderr)
        for name in PAGES:
            page = Page(load(out, name))
            self.assertEqual(page.errors, [], name)
            self.assertIn("no data yet", page.visible().lower(), name)


if __name__ == "__main__":
    unittest.main()
