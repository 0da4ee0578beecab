"""Tests of the report components (utils/html_generator.py, utils/charts.py, utils/markup.py).

Hostile strings go through every component and must come out as visible text, never as markup; pages parse with
balanced tags and one <h1>; nothing refers to the network; CSV downloads are safe in a spreadsheet.
"""
import csv
import io
import json
import re
import unittest
from html.parser import HTMLParser

from utils import charts
from utils.charts import bar_chart, donut_chart, line_chart, share_bar
from utils.html_generator import (alert, badge, before_after, columns, data_quality_notice, empty_state, link_cards,
                                  metric_cards, not_available, p, recommendations, revenium_value, section, strong,
                                  subsection)
from utils.html_page import doc_meta, page, safe_href
from utils.html_table import csv_cell, table
from utils.markup import (Markup, escape, fmt_int, fmt_ms, fmt_num_compact, fmt_pct, fmt_tokens, fmt_usd,
                          fmt_usd_compact, join, script_json)

HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "</style><script>alert(3)</script>",
           "</script><script>alert(4)</script>", "' onmouseover='alert(5)", "a&b <i>x</i>", "${x} {{y}} $1 %s"]

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
OUR_TAGS = {"html", "head", "body", "meta", "title", "style", "script", "a", "header", "nav", "main", "footer",
            "div", "span", "p", "b", "strong", "ul", "ol", "li", "h1", "h2", "h3", "section", "figure",
            "figcaption", "table", "caption", "thead", "tbody", "tr", "th", "td", "button", "label", "input",
            "svg", "text", "rect", "line", "polyline", "polygon", "path", "circle"}
OUR_ATTRS = {"class", "id", "href", "lang", "charset", "name", "content", "aria-label", "aria-hidden", "focusable",
             "aria-current", "aria-live", "aria-expanded", "aria-controls", "aria-sort", "role", "scope", "type",
             "placeholder", "hidden", "tabindex", "colspan", "data-table", "data-top", "data-sort", "data-type",
             "data-csv", "data-file", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "width", "height",
             "d", "points", "viewbox", "preserveaspectratio", "overflow", "text-anchor", "stroke-dasharray",
             "stroke-dashoffset"}


class Parsed(HTMLParser):
    """Everything the browser would see: tags, attributes, text (outside script/style), script bodies."""

    def __init__(self, markup):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.stack, self.errors, self.tags, self.attrs, self.text, self.scripts = [], [], [], [], [], []
        self.feed(markup)
        self.close()
        if self.stack:
            self.errors.append("unclosed: %s" % self.stack)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes %s" % (tag, self.stack[-1:] or "nothing"))
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.scripts.append(data)
        elif not (self.stack and self.stack[-1] == "style"):
            self.text.append(data)

    def visible(self):
        return "".join(self.text)

    def attribute_values(self):
        return [v or "" for _, _, v in self.attrs]


def component_gallery(s):
    """Every component with `s` in each text slot it has."""
    items = [(s, 120.5), ("b", 30.0)]
    return {
        "section": section(s, p(s, strong(s)), intro=s),
        "subsection": subsection(s, s, intro=s),
        "columns": columns(s, badge(s, "bad")),
        "metric_cards": metric_cards([{"label": s, "value": s, "change": s, "context": s, "tone": "good"},
                                      {"label": s, "value": fmt_usd(12), "tone": "bad"}]),
        "table": table([s, "Cost"], [[s, 1.5], [(s, s), (s, 2)], ["x", None]], id=s, caption=s, top=1),
        "bar_chart": bar_chart(items + [("c%d" % i, i) for i in range(20)], s),
        "line_chart": line_chart({s: [(s, 1.0), ("b", 2.0)], "two": [(s, 3.0)]}, s, highlights=[s],
                                 highlight_label=s),
        "line_chart_many": line_chart({s: [("x%03d" % i, i) for i in range(200)]}, s),
        "donut_chart": donut_chart(items, s),
        "share_bar": share_bar(items, s),
        "alert": alert(s, s, impact=s, level="critical"),
        "recommendations": recommendations([{"title": s, "detail": s, "impact_usd_per_month": 5}]),
        "before_after": before_after(s, [s, (s, s)], s, [s]),
        "revenium_value": revenium_value([s], [s], intro=s),
        "data_quality_notice": data_quality_notice(3, {s: 3}, 10),
        "not_available": not_available(s, s),
        "empty_state": empty_state(s),
        "link_cards": link_cards([{"href": s, "title": s, "category": s, "figure": s, "description": s}]),
    }


def _demo_page(s="data"):
    body = join(component_gallery(s).values())
    nav = [("index.html", s, "summary", False), ("understanding.html", "Understanding", "finops", True),
           ("profitability.html", "Profitability", "ubr", False), (s, s, s, False)]
    meta = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-07T23:00:00Z", "days": 7, "rows": 1000,
            "skipped_rows": 2, "file": s, "generated_at": "2026-01-08T00:00:00Z"}
    return page(s, s, body, nav=nav, meta=meta, footer=s if s != "data" else None)


class Escaping(unittest.TestCase):

    def test_escape_and_markup(self):
        self.assertEqual(escape('<a href="x">&\''), "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;")
        self.assertEqual(escape(Markup("<b>ok</b>")), "<b>ok</b>")
        self.assertEqual(escape(None), "")
        self.assertEqual(escape(12.5), "12.5")
        self.assertIsInstance(escape("x"), Markup)
        self.assertEqual(Markup("<b>") + "<i>", "<b>&lt;i&gt;")
        self.assertEqual("<i>" + Markup("<b>"), "&lt;i&gt;<b>")
        self.assertEqual(join(["<", Markup("<br>"), None]), "&lt;\n<br>")

    def test_script_json_cannot_close_the_script(self):
        value = {"a": HOSTILE, "b": "\u2028&"}
        text = script_json(value)
        for bad in ("<", ">", "&", "\u2028"):
            self.assertNotIn(bad, text)
        self.assertEqual(json.loads(text), value)

    def test_every_component_escapes_every_hostile_string(self):
        for s in HOSTILE:
            for name, markup in component_gallery(s).items():
                with self.subTest(component=name, data=s):
                    self.assertIsInstance(markup, Markup)
                    self._assert_only_text(markup, s, scripts=markup.count('type="application/json"'))

    def test_a_page_escapes_every_hostile_string(self):
        for s in HOSTILE:
            with self.subTest(data=s):
                html = _demo_page(s)
                parsed = self._assert_only_text(html, s, scripts=2 + html.count('type="application/json"'))
                self.assertEqual(parsed.tags.count("style"), 1)
                self.assertIn(s, "".join(t for t in parsed.text))

    def _assert_only_text(self, markup, s, scripts):
        parsed = Parsed(markup)
        self.assertEqual(parsed.errors, [])
        self.assertLessEqual(set(parsed.tags), OUR_TAGS, "a tag came from the data")
        self.assertLessEqual({k for _, k, _ in parsed.attrs}, OUR_ATTRS, "an attribute came from the data")
        self.assertEqual(parsed.tags.count("script"), scripts)
        self.assertIn(s, parsed.visible())
        for body in parsed.scripts:
            self.assertNotIn("</", body)
            if body.lstrip().startswith('"'):  # a CSV payload: the data is there, as CSV text
                cells = [c for row in csv.reader(io.StringIO(json.loads(body))) for c in row]
                self.assertTrue(any(s in c for c in cells))
        outside = re.sub(r"(?is)<script\b[^>]*>.*?</script\s*>", "", markup)
        for bad in ("<img", "<i>", "alert(1)</script>", "</script><script>"):
            self.assertNotIn(bad, outside)
        return parsed


class PageStructure(unittest.TestCase):

    def setUp(self):
        self.html = _demo_page()
        self.parsed = Parsed(self.html)

    def test_a_document_with_one_h1_and_balanced_tags(self):
        self.assertTrue(self.html.startswith("<!DOCTYPE html>\n<html lang=\"en\">"))
        self.assertEqual(self.parsed.errors, [])
        self.assertEqual(self.parsed.tags.count("h1"), 1)
        self.assertEqual(self.parsed.tags.count("html"), 1)
        self.assertIn(("meta", "charset", "utf-8"), self.parsed.attrs)
        self.assertIn(("meta", "name", "viewport"), self.parsed.attrs)
        self.assertIn("main", self.parsed.tags)
        self.assertIn("footer", self.parsed.tags)

    def test_headings_in_order(self):
        levels = [int(t[1]) for t in self.parsed.tags if re.match(r"^h[1-6]$", t)]
        self.assertEqual(levels[0], 1)
        for a, b in zip(levels, levels[1:]):
            self.assertLessEqual(b, a + 1, levels)

    def test_nothing_from_the_network(self):
        self.assertNotRegex(self.html, r"(?i)https?://")
        self.assertNotIn("@import", self.html)
        self.assertNotRegex(self.html, r"url\(")
        for tag, k, v in self.parsed.attrs:
            if k in ("src", "href"):
                self.assertFalse(re.match(r"\s*([a-z]+:|//)", v or ""), (tag, k, v))
        for body in self.parsed.scripts:
            self.assertNotRegex(body, r"\beval\(|new Function|fetch\(|XMLHttpRequest|import\(")

    def test_navigation_groups_and_current_page(self):
        self.assertEqual(re.findall(r'class="nav-cat">([^<]*)<', self.html),
                         ["Summary", "FinOps", "Usage-Based Revenue", "data"])
        self.assertIn(("a", "aria-current", "page"), self.parsed.attrs)
        self.assertIn('href="understanding.html" aria-current="page"', self.html)

    def test_header_line_shows_period_rows_and_skips(self):
        text = self.parsed.visible()
        self.assertIn("2026-01-01 00:00 UTC \u2192 2026-01-07 23:00 UTC", text)
        self.assertIn("(7 days)", text)
        self.assertIn("1,000 calls analysed", text)
        self.assertIn("2 rows skipped", text)

    def test_charts_are_labelled_images(self):
        roles = [(t, k, v) for t, k, v in self.parsed.attrs if t == "svg" and k == "role"]
        self.assertGreaterEqual(len(roles), 4)
        labelled = [v for t, k, v in self.parsed.attrs if t == "svg" and k == "aria-label"]
        self.assertEqual(len(labelled), len(roles))

    def test_doc_meta_and_same_output_twice(self):
        doc = {"generated_at": "2026-01-08T00:00:00Z", "data": {"rows": 5}}
        self.assertEqual(doc_meta(doc), {"rows": 5, "generated_at": "2026-01-08T00:00:00Z"})
        self.assertEqual(_demo_page(), self.html)

    def test_a_page_without_tables_or_charts(self):
        html = page("Empty", None, empty_state("No data yet"))
        parsed = Parsed(html)
        self.assertEqual(parsed.errors, [])
        self.assertEqual(parsed.tags.count("script"), 2)
        self.assertIn("No data yet", parsed.visible())

    def test_links_stay_relative(self):
        for bad in ("javascript:alert(1)", "JaVa\tScRiPt:x", " \x01javascript:x", "http://evil", "https://evil",
                    "//evil", "\\\\evil", "/\\evil", "data:text/html,x", ""):
            self.assertEqual(safe_href(bad), "#", bad)
        for good in ("index.html", "reports/understanding.html", "#top", "?q=1", "../x.html"):
            self.assertEqual(safe_href(good), good)


class Tables(unittest.TestCase):

    def _rows(self, n):
        return [["cust-%03d" % i, ("$%d" % i, float(i)), i * 10] for i in range(n)]

    def test_every_row_is_in_the_html_and_only_a_class_hides_the_rest(self):
        html = table(["Customer", "Cost", "Calls"], self._rows(100), id="customers", top=25)
        parsed = Parsed(html)
        self.assertEqual(parsed.errors, [])
        body_rows = html.split("<tbody>")[1].count("<tr")
        self.assertEqual(body_rows, 100)
        self.assertEqual(html.count('<tr class="more">'), 75)
        self.assertNotIn("display:none", html)
        self.assertIn("Show all 100 rows", html)
        self.assertIn('data-top="25"', html)
        self.assertIn("cust-099", parsed.visible())

    def test_short_table_has_no_toggle(self):
        html = table(["Customer", "Cost", "Calls"], self._rows(5), id="t", top=25)
        self.assertNotIn("Show all", html)
        self.assertNotIn('class="more"', html)

    def test_structure_caption_scope_and_sort_values(self):
        html = table(["Customer", "Cost", "Calls"], self._rows(3), id="My table", caption="Cost per customer",
                     numeric={1: fmt_usd})
        parsed = Parsed(html)
        self.assertIn("caption", parsed.tags)
        scopes = [v for t, k, v in parsed.attrs if k == "scope"]
        self.assertEqual(scopes.count("col"), 3)
        self.assertEqual(scopes.count("row"), 3)
        self.assertIn('<td class="num" data-sort="2.0">$2</td>', html)  # display as given, raw to sort
        self.assertIn('<td class="num" data-sort="20">20</td>', html)  # numbers found without being told
        self.assertEqual(html.count('data-type="num"'), 2)
        self.assertIn('id="t-my-table"', html)
        self.assertIn("<button", html)

    def test_formatters_and_missing_values(self):
        html = table(["Model", "Cost"], [["a", 1234.5], ["b", None]], id="m", numeric={1: fmt_usd})
        self.assertIn('data-sort="1234.5">$1,234.50</td>', html)
        self.assertIn('data-sort="">\u2014</td>', html)

    def test_empty_table(self):
        html = table(["Model", "Cost"], [], id="m")
        self.assertEqual(Parsed(html).errors, [])
        self.assertIn("No rows.", html)

    def test_csv_download_is_raw_complete_and_safe(self):
        rows = [["=HYPERLINK(\"http://x\")", -12.5, "+1"], ["@SUM(A1)", 3, "-2"], ["\tx", ("$1", 1.0), "\rx"],
                ["plain, text", None, 'say "hi"']] + [["r%d" % i, i, "ok"] for i in range(50)]
        html = table(["Name", "Value", "Other"], rows, id="danger", top=5)
        payload = re.search(r'<script type="application/json" id="csv-danger">(.*?)</script>', html, re.S).group(1)
        text = json.loads(payload)
        parsed = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(parsed[0], ["Name", "Value", "Other"])
        self.assertEqual(len(parsed), 1 + len(rows))
        self.assertEqual(parsed[1], ["'=HYPERLINK(\"http://x\")", "-12.5", "'+1"])
        self.assertEqual(parsed[2], ["'@SUM(A1)", "3", "'-2"])
        self.assertEqual(parsed[3], ["'\tx", "1.0", "'\rx"])
        self.assertEqual(parsed[4], ["plain, text", "", 'say "hi"'])
        self.assertIn('"\'=HYPERLINK(""http://x"")"', text)  # neutralised cells are quoted too
        self.assertIn('data-csv="csv-danger"', html)

    def test_csv_cell(self):
        self.assertEqual(csv_cell("=1+1"), "\"'=1+1\"")
        self.assertEqual(csv_cell("-1"), "\"'-1\"")
        self.assertEqual(csv_cell(-1), "-1")
        self.assertEqual(csv_cell(0.1), "0.1")
        self.assertEqual(csv_cell(Markup("<b>a&amp;b</b>")), "a&b")
        self.assertEqual(csv_cell("a\nb"), '"a\nb"')


class Charts(unittest.TestCase):

    def test_zero_one_and_many_points(self):
        empty = line_chart({}, "Nothing")
        self.assertIn("No data to chart", empty)
        self.assertEqual(Parsed(empty).errors, [])
        one = line_chart({"cost": [("2026-01-01", 5.0)]}, "One")
        self.assertEqual(Parsed(one).errors, [])
        self.assertIn('x="50%"', one)
        self.assertIn("cost, 2026-01-01: $5.00", one)
        pts = [("2026-01-01T%02d" % (i % 24), float(i)) for i in range(500)]
        many = line_chart({"hourly": [("p%03d" % i, v) for i, (_, v) in enumerate(pts)]}, "Many")
        parsed = Parsed(many)
        self.assertEqual(parsed.errors, [])
        ticks = re.findall(r'<text[^>]*class="tick( minor)?"', many)
        self.assertLessEqual(len(ticks), charts.MAX_X_TICKS + 1)
        self.assertEqual(many.count("<title>"), 500)  # a tooltip per point, drawn as hover targets
        self.assertNotIn('class="mk', many)

    def test_series_differ_by_more_than_colour(self):
        html = line_chart({"a": [("x", 1)], "b": [("x", 2)], "c": [("x", 3)]}, "Three")
        for k in range(3):
            self.assertIn("line c%d d%d" % (k, k), html)
            self.assertIn('d="%s"' % charts.SHAPES[k], html)
        self.assertEqual(len(set(charts.DASHES[:3])), 3)

    def test_highlights(self):
        html = line_chart({"cost": [("d1", 1), ("d2", 9), ("d3", 1)]}, "Cost", highlights=["d2"])
        self.assertEqual(html.count('class="hl"'), 2)  # the ring and its legend key
        self.assertIn("Anomaly: cost, d2: $9.00", html)
        self.assertIn("Anomaly (1)", html)

    def test_gaps_and_unordered_labels(self):
        html = line_chart({"a": [("Mon", 1), ("Tue", None), ("Wed", 3)]}, "Gaps")
        self.assertEqual(Parsed(html).errors, [])
        self.assertNotIn("<polyline", html)  # no segment spans the missing point
        self.assertEqual(charts._x_labels({"a": [("b", 1), ("a", 2)]}), ["b", "a"])
        self.assertEqual(charts._x_labels({"a": [("2026-01-02", 1)], "b": [("2026-01-01", 1)]}),
                         ["2026-01-01", "2026-01-02"])

    def test_other_bar_keeps_the_total(self):
        items = [("m%02d" % i, float(i + 1)) for i in range(20)]
        rows = charts._top(charts._clean(items), 15, True)
        self.assertEqual(len(rows), 16)
        self.assertEqual(rows[-1][0], "Other (5 more)")
        self.assertAlmostEqual(sum(v for _, v, _ in rows), sum(v for _, v in items))
        self.assertEqual(rows[-1][1], 1 + 2 + 3 + 4 + 5)
        html = bar_chart(items, "Cost")
        self.assertIn("Other (5 more): $15.00", html)
        self.assertEqual(html.count('class="bar '), 16)

    def test_bars_with_zero_negative_and_no_items(self):
        self.assertIn("No data to chart", bar_chart([], "None"))
        for items in ([("a", 0)], [("a", -5), ("b", 10)], [("a", None), ("b", "x")]):
            html = bar_chart(items, "T")
            self.assertEqual(Parsed(html).errors, [])
            self.assertNotIn("nan", html.lower())

    def test_donut_and_share_bar(self):
        items = [("a", 50.0), ("b", 30.0), ("c", 20.0), ("neg", -5.0)]
        for chart in (donut_chart, share_bar):
            html = chart(items, "Shares")
            self.assertEqual(Parsed(html).errors, [])
            pcts = [float(x) for x in re.findall(r'class="lg-pct">([\d.]+)%', html)]
            self.assertAlmostEqual(sum(pcts), 100.0, places=6)
            self.assertIn("a: $50.00 (50.0%)", html)
        self.assertIn("No data to chart", donut_chart([("a", 0)], "Zero"))
        many = donut_chart([("m%d" % i, 1) for i in range(10)], "Many")
        self.assertIn("Other (4 more)", many)

    def test_nice_ticks(self):
        self.assertEqual(charts.nice_ticks(0, 48211), [0, 20000, 40000, 60000])
        self.assertEqual(charts.nice_ticks(0, 0), [0, 0.25, 0.5, 0.75, 1.0])
        self.assertEqual(charts.nice_ticks(-300, 1234)[0], -500)
        for lo, hi in ((0, 0.0042), (0, 7), (-1, 1), (3, 3), (0, 1e9)):
            t = charts.nice_ticks(lo, hi)
            self.assertLessEqual(t[0], min(lo, hi))
            self.assertGreaterEqual(t[-1], max(lo, hi))
            self.assertLessEqual(len(t), 7)

    def test_short_x(self):
        self.assertEqual(charts.short_x("2026-01-05"), "Jan 5")
        self.assertEqual(charts.short_x("2026-12-31T14"), "Dec 31 14:00")
        self.assertEqual(charts.short_x("week 3"), "week 3")


class Formats(unittest.TestCase):

    def test_usd(self):
        cases = [(12345.67, "$12,345.67"), (-1234, "-$1,234.00"), (0.0042, "$0.0042"), (0, "$0.00"),
                 (0.5, "$0.50"), (0.042, "$0.042"), (0.99996, "$1.00"), (0.123456, "$0.12"), (0.00001, "<$0.0001"),
                 (-0.001, "-$0.001"), (-0.0000001, "-<$0.0001"), (1e9, "$1,000,000,000.00"), (None, "\u2014"),
                 (float("nan"), "\u2014"), ("n/a", "n/a")]
        for value, want in cases:
            self.assertEqual(fmt_usd(value), want, value)

    def test_usd_compact(self):
        cases = [(1234, "$1.2K"), (3.4e6, "$3.4M"), (999960, "$1M"), (1e3, "$1K"), (950, "$950"), (12.5, "$12.50"),
                 (-2500, "-$2.5K"), (2.5e9, "$2.5B"), (0, "$0"), (999.4, "$999.40")]
        for value, want in cases:
            self.assertEqual(fmt_usd_compact(value), want, value)

    def test_pct_int_tokens_ms(self):
        self.assertEqual(fmt_pct(12.345), "12.3%")
        self.assertEqual(fmt_pct(-0.01), "0.0%")
        self.assertEqual(fmt_pct(4.5, signed=True), "+4.5%")
        self.assertEqual(fmt_pct(-4.5, signed=True), "-4.5%")
        self.assertEqual(fmt_int(12345.4), "12,345")
        self.assertEqual(fmt_int(True), "\u2014")
        self.assertEqual(fmt_tokens(1.2e6), "1.2M tokens")
        self.assertEqual(fmt_tokens(850000), "850K tokens")
        self.assertEqual(fmt_tokens(1), "1 token")
        self.assertEqual(fmt_tokens(12), "12 tokens")
        self.assertEqual(fmt_ms(1234.4), "1,234 ms")
        self.assertEqual(fmt_ms(850), "850 ms")
        self.assertEqual(fmt_ms(12345), "12.3 s")
        self.assertEqual(fmt_ms(2300, unit="s"), "2.3 s")
        self.assertEqual(fmt_num_compact(0.25), "0.25")
        self.assertEqual(fmt_num_compact(15000), "15K")


class Notices(unittest.TestCase):

    def test_recommendations_most_valuable_first(self):
        items = [{"title": "none-1", "impact_usd_per_month": None}, {"title": "small", "impact_usd_per_month": 10},
                 {"title": "big", "impact_usd_per_month": 1000.5}, {"title": "none-2"},
                 {"title": "mid", "impact_usd_per_month": 10}]
        html = recommendations(items)
        order = re.findall(r'class="alert-title">([^<]*)<', html)
        self.assertEqual(order, ["big", "small", "mid", "none-1", "none-2"])
        self.assertIn("$1,000.50/month", html)
        self.assertIn("<ol", html)
        self.assertIn("empty-state", recommendations([]))

    def test_alert_levels_have_words(self):
        for level, word in (("info", "Info"), ("warning", "Warning"), ("critical", "Critical"),
                            ("success", "Good news"), ("bogus", "Info")):
            self.assertIn(">%s<" % word, alert("t", "d", level=level))

    def test_data_quality_notice(self):
        self.assertEqual(data_quality_notice(0, {}, 100), "")
        html = data_quality_notice(5, {"bad cost_usd": 2, "missing timestamp": 3}, 995)
        text = Parsed(html).visible()
        self.assertIn("5 of 1,000 rows (0.50%) were skipped", text)
        self.assertLess(text.index("missing timestamp"), text.index("bad cost_usd"))
        self.assertIn("Warning", text)
        self.assertIn("(<0.01%)", Parsed(data_quality_notice(1, None, 10 ** 6)).visible())

    def test_revenium_value(self):
        html = revenium_value(["Report-specific pain"], ["Report-specific gain"])
        text = Parsed(html).visible()
        for phrase in ("With vs without Revenium", "Without Revenium", "With Revenium",
                       "Manual log parsing from multiple sources", "Real-time cost visibility",
                       "Report-specific pain", "Report-specific gain"):
            self.assertIn(phrase, text)
        # marks are inline SVG, not emoji (which draw as empty boxes where no emoji font is installed)
        self.assertEqual(html.count('<svg class="mark"'), 12)
        self.assertFalse(any(ord(ch) >= 0x1F000 or ch in "\u274c\u2705" for ch in html), "an emoji in the panel")
        self.assertNotIn("Manual log", revenium_value(["x"], ["y"], defaults=False))
        self.assertIn("<h2>", html)

    def test_print_shows_every_row_and_no_scroll_cue(self):
        from utils.html_page import _asset
        css = _asset("report.css")
        printed = css[css.index("@media print"):]
        self.assertRegex(printed, r"\.js \.tbl tr\.more, \.js \.tbl tr\.nomatch \{ display: table-row !important; \}")
        self.assertIn(".scroll-hint", printed)
        html = table(["a", "b"], [[str(i), i] for i in range(40)], id="t", top=5, key=1)
        self.assertEqual(html.count('class="num key"'), 41)  # header + 40 cells: the key column stays in view
        self.assertIn("scroll-hint", html)

    def test_small_components(self):
        self.assertIn("Not in this data: ", Parsed(not_available("latency", "no column")).visible())
        self.assertIn("card tone-neutral", metric_cards([{"label": "a", "value": "1", "tone": "weird"}]))
        self.assertIn("badge tone-neutral", badge("x", "nope"))
        self.assertIn('href="#"', link_cards([{"href": "javascript:x", "title": "t"}]))
        self.assertIn('class="pv"', before_after("a", [("k", "v")], "b", []))


if __name__ == "__main__":
    unittest.main()
