"""The HTML component library of the reports: every analyzer page and the index are built only from these.

Each component returns `Markup` (trusted HTML) and escapes every value it is given, unless that value is Markup
built by another component. Pages are self-contained: the CSS and JS in templates/ and the SVG charts are
inlined, nothing is loaded from a network, and a page reads the same without JavaScript. See specs/reports.md.

    from utils.html_generator import page, section, metric_cards, table, bar_chart, fmt_usd
    html = page("Cost overview", "Where the AI spend goes", section("Cost by model", bar_chart(items, "Cost")))
"""
import functools
import os
import re
from string import Template
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from utils.charts import bar_chart, donut_chart, line_chart, nice_ticks, share_bar, short_x  # noqa: F401 (API)
from utils.markup import (DASH, Markup, attrs, escape, fmt_int, fmt_ms, fmt_num_compact, fmt_pct,  # noqa: F401
                          fmt_tokens, fmt_usd, fmt_usd_compact, join, plain_text, script_json, tag, void, _number)

__all__ = [
    "Markup", "escape", "join", "tag", "script_json",
    "fmt_usd", "fmt_usd_compact", "fmt_pct", "fmt_int", "fmt_tokens", "fmt_ms", "fmt_num_compact",
    "page", "doc_meta", "section", "subsection", "p", "strong", "columns", "badge", "metric_cards", "table",
    "bar_chart", "line_chart", "donut_chart", "share_bar", "alert", "recommendations", "before_after",
    "revenium_value", "data_quality_notice", "not_available", "empty_state", "link_cards",
]

TEMPLATES = os.path.join(os.path.dirname(os.path.realpath(__file__)), "templates")
BRAND = "Revenium FinOps Showcase"
NAV_GROUPS = (("summary", "Summary"), ("finops", "FinOps"), ("ubr", "Usage-Based Revenue"))

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="$brand">
<title>$doc_title</title>
<style>
$css</style>
<script>document.documentElement.className += " js";</script>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="top"><div class="wrap"><div class="brand">$brand</div>
$nav</div></header>
<main id="content" class="wrap">
<div class="page-head">
<h1>$title</h1>
$subtitle
$meta
</div>
$body
</main>
<footer class="foot"><div class="wrap">$footer</div></footer>
<script>
$js</script>
</body>
</html>
""")


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> str:
    with open(os.path.join(TEMPLATES, name), encoding="utf-8") as f:
        return f.read()


def page(title: Any, subtitle: Any, body: Any, nav: Optional[Sequence[tuple]] = None,
         meta: Optional[Dict[str, Any]] = None, footer: Any = None) -> Markup:
    """A complete HTML document: one <h1>, navigation between reports, the data period line, body, footer.

    nav: [(href, label, category, current)] with category "summary", "finops" or "ubr".
    meta: the JSON "data" block ({start, end, days, rows, skipped_rows, file}) plus optional generated_at.
    """
    meta = meta or {}
    if footer is None:
        footer = _default_footer(meta)
    return Markup(_PAGE.substitute(
        brand=escape(BRAND), doc_title=escape("%s \u00b7 %s" % (plain_text(title), BRAND)), title=escape(title),
        subtitle=tag("p", subtitle, class_="subtitle") if subtitle else "", meta=_meta_line(meta),
        nav=_nav(nav or []), body=escape(body), footer=escape(footer),
        css=_asset("report.css"), js=_asset("report.js")))


def doc_meta(doc: Dict[str, Any]) -> Dict[str, Any]:
    """The `meta` for page() from an analyzer's JSON document: its "data" block plus generated_at."""
    meta = dict(doc.get("data") or {})
    if doc.get("generated_at"):
        meta["generated_at"] = doc["generated_at"]
    return meta


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


def safe_href(href: Any) -> str:
    """A relative link, or "#": schemes (javascript:, http:, data:...) and protocol-relative // are refused,
    so a report never links out or loads anything."""
    text = re.sub(r"^[\x00-\x20]+", "", re.sub(r"[\t\r\n]", "", str(href or "")))  # as browsers read it
    if _SCHEME.match(text) or text.startswith(("//", "\\", "/\\")):
        return "#"
    return text or "#"


def _nav(items: Sequence[tuple]) -> Markup:
    if not items:
        return Markup("")
    known = [key for key, _ in NAV_GROUPS]
    groups = list(NAV_GROUPS) + [(c, str(c)) for c in sorted({str(i[2]) for i in items} - set(known))]
    out = []
    for key, name in groups:
        links = [tag("li", tag("a", label, href=safe_href(href), aria_current="page" if current else None))
                 for href, label, category, current in items if str(category) == key]
        if links:
            out.append(tag("div", [tag("span", name, class_="nav-cat"), tag("ul", links)], class_="nav-group"))
    return tag("nav", out, class_="nav", aria_label="Reports")


_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]00:?00)?$")


def fmt_time(value: Any) -> str:
    """"2026-01-05T14:03:22Z" -> "2026-01-05 14:03 UTC"; other text unchanged."""
    m = _ISO_TIME.match(str(value))
    if not m:
        return str(value)
    return "%s %s%s" % (m.group(1), m.group(2), " UTC" if m.group(3) else "")


def _meta_line(meta: Dict[str, Any]) -> Markup:
    parts = []
    if meta.get("start") and meta.get("end"):
        days = _number(meta.get("days"))
        span = "" if days is None else " (%s day%s)" % (("%d" % round(days)) if abs(days - round(days)) < 0.05
                                                       else "%.1f" % days, "" if round(days, 1) == 1 else "s")
        parts.append(["Data period ", tag("b", "%s \u2192 %s" % (fmt_time(meta["start"]), fmt_time(meta["end"]))),
                      span])
    if meta.get("rows") is not None:
        parts.append([tag("b", fmt_int(meta["rows"])), " calls analysed"])
    if _number(meta.get("skipped_rows")):
        parts.append([tag("b", fmt_int(meta["skipped_rows"])), " rows skipped"])
    if meta.get("file"):
        parts.append(["Source ", tag("b", os.path.basename(str(meta["file"])))])
    if meta.get("generated_at"):
        parts.append(["Generated ", fmt_time(meta["generated_at"])])
    if not parts:
        return Markup("")
    return tag("p", [tag("span", p) for p in parts], class_="meta")


def _default_footer(meta: Dict[str, Any]) -> Markup:
    source = os.path.basename(str(meta["file"])) if meta.get("file") else "the data file"
    return join([tag("p", "Generated by the %s from %s. Money in US dollars; totals are computed from unrounded "
                          "values, only the display rounds." % (BRAND, source)),
                 tag("p", "A self-contained page: it works offline and prints cleanly; tables can be sorted, "
                          "filtered and downloaded as CSV.")])


# ---- layout and text ----

def _slug(text: Any) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", plain_text(text).lower()).strip("-")
    return slug or "section"


def section(title: Any, body: Any, id: Optional[str] = None, intro: Any = None, level: int = 2) -> Markup:
    """A titled part of a page (<h2>; level=3 gives a sub-section with <h3>), with an optional intro line."""
    heading = tag("h%d" % level, title)
    return tag("section", [heading, tag("p", intro, class_="intro") if intro else None, escape(body)],
               id=_slug(id or title), class_="block lvl%d" % level)


def subsection(title: Any, body: Any, id: Optional[str] = None, intro: Any = None) -> Markup:
    """A sub-section (<h3>) inside a section."""
    return section(title, body, id=id, intro=intro, level=3)


def p(*parts: Any) -> Markup:
    """A paragraph of text and inline fragments."""
    return tag("p", list(parts))


def strong(text: Any) -> Markup:
    """Bold inline text."""
    return tag("strong", text)


def columns(*blocks: Any) -> Markup:
    """Blocks side by side on wide screens, stacked on phones."""
    return tag("div", [tag("div", b) for b in blocks if b], class_="cols")


TONES = ("good", "bad", "warn", "neutral")


def badge(text: Any, tone: str = "neutral") -> Markup:
    """A small labelled pill (for example "unprofitable"); the word carries the meaning, colour only helps."""
    return tag("span", text, class_="badge tone-%s" % (tone if tone in TONES else "neutral"))


# ---- metric cards ----

_TONE_ICONS = {"good": ("\u2713", "Good"), "bad": ("!", "Needs attention")}


_UNITS = ("/month", "/day", "/hour", "/s")


def _card_value(value: Any) -> Any:
    """A trailing rate unit ("$1,234.56/month") set smaller and kept whole, so a narrow card wraps before it."""
    if isinstance(value, str) and not isinstance(value, Markup):
        for unit in _UNITS:
            if value.endswith(unit) and len(value) > len(unit):
                return [value[:-len(unit)], tag("span", unit, class_="card-unit")]
    return value


def metric_cards(cards: Iterable[Dict[str, Any]]) -> Markup:
    """Headline figures in a responsive grid: {label, value (formatted), change?, context?, tone?}."""
    out = []
    for card in cards:
        tone = card.get("tone") if card.get("tone") in ("good", "bad") else "neutral"
        icon = _TONE_ICONS.get(tone)
        out.append(tag("div", [
            tag("span", icon[0], class_="tone-icon", aria_hidden="true") if icon else None,
            tag("div", card.get("label"), class_="card-label"),
            tag("div", _card_value(card.get("value", DASH)), class_="card-value"),
            tag("div", [tag("span", icon[1] + ": ", class_="sr-only") if icon else None, card["change"]],
                class_="card-change") if card.get("change") else None,
            tag("div", card.get("context"), class_="card-context") if card.get("context") else None,
        ], class_="card tone-%s" % tone))
    return tag("div", out, class_="cards n%d" % len(out))




# ---- tables ----

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _split(cell: Any) -> Tuple[Any, Any]:
    """(display, raw) of a cell: a (display, raw) pair as given, else the value for both."""
    if isinstance(cell, tuple) and len(cell) == 2:
        return cell[0], cell[1]
    return cell, cell


def _raw_text(value: Any) -> str:
    """A raw value as plain text for data-sort and the CSV: numbers unformatted, Markup without tags."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return repr(value) if isinstance(value, float) else str(value)
    return plain_text(value)


def csv_cell(value: Any) -> str:
    """One CSV field: numbers raw; text quoted when needed, and text a spreadsheet would run as a formula
    (starting with = + - @, tab or CR) gets a leading ' and quotes."""
    text = _raw_text(value)
    if _is_number(value):
        return text
    quote = False
    if text[:1] in _FORMULA_START and text:
        text, quote = "'" + text, True
    if quote or any(c in text for c in ',"\r\n'):
        return '"%s"' % text.replace('"', '""')
    return text


def csv_text(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """The CSV of a table: a header line, then the raw value of every cell of every row (CRLF line ends)."""
    lines = [",".join(csv_cell(c) for c in columns)]
    lines.extend(",".join(csv_cell(_split(c)[1]) for c in r) for r in rows)
    return "\r\n".join(lines) + "\r\n"


def _column_formats(n_cols: int, rows: List[list], numeric: Any) -> Dict[int, Optional[Callable[[Any], str]]]:
    """{index: formatter or None} of the numeric columns: those given, plus those whose raw values are all numbers."""
    found = {}  # type: Dict[int, Optional[Callable[[Any], str]]]
    for i in range(n_cols):
        raws = [_split(r[i])[1] for r in rows if i < len(r)]
        raws = [v for v in raws if v is not None]
        if raws and all(_is_number(v) for v in raws):
            found[i] = None
    if isinstance(numeric, dict):
        found.update(numeric)
    elif numeric is not None:
        found.update((i, found.get(i)) for i in numeric)
    return found


def _cell(cell: Any, numeric: bool, fmt: Optional[Callable[[Any], str]], header: bool) -> Markup:
    display, raw = _split(cell)
    if cell is display and not isinstance(cell, Markup):  # a plain value: format it here
        if raw is None:
            display = DASH
        elif fmt is not None:
            display = fmt(raw)
        elif _is_number(raw):
            display = fmt_int(raw) if isinstance(raw, int) else "{:,.2f}".format(raw)
    sort = None
    if numeric:
        sort = _raw_text(raw) if _number(raw) is not None else ""
    elif isinstance(cell, tuple) or isinstance(display, Markup):
        sort = _raw_text(raw)
    # Built by hand rather than with tag(): a table can have 10,000 rows. Both parts are escaped.
    sort_attr = "" if sort is None else ' data-sort="%s"' % escape(sort)
    if header:
        return Markup('<th scope="row"%s>%s</th>' % (sort_attr, escape(display)))
    return Markup('<td%s%s>%s</td>' % (' class="num"' if numeric else "", sort_attr, escape(display)))


def table(columns: Sequence[Any], rows: Iterable[Sequence[Any]], id: str, caption: Any = None,
          numeric: Union[None, Iterable[int], Dict[int, Callable[[Any], str]]] = None, top: int = 25) -> Markup:
    """A sortable, filterable table showing the top `top` rows first (every row is in the page), with CSV download.

    A cell is a value, Markup, or a (display, raw) pair; raw values sort the column and fill the CSV.
    numeric: column indexes, or {index: formatter} (e.g. {2: fmt_usd}), on top of the all-number columns.
    """
    rows = [list(r) for r in rows]
    tid = _slug(id)
    formats = _column_formats(len(columns), rows, numeric)
    row_head = 0 not in formats
    head = tag("tr", [tag("th", tag("button", c, type="button", class_="sort"), scope="col",
                          class_="num" if i in formats else None, data_type="num" if i in formats else "text")
                      for i, c in enumerate(columns)])
    body = [tag("tr", [_cell(c, i in formats, formats.get(i), row_head and i == 0) for i, c in enumerate(r)],
                class_="more" if 0 < top <= n else None) for n, r in enumerate(rows)]
    if not rows:
        body = [tag("tr", tag("td", "No rows.", colspan=max(1, len(columns))))]
    caption = caption if caption is not None else plain_text(id).replace("_", " ").capitalize()
    grid = tag("table", [tag("caption", caption), tag("thead", head), tag("tbody", body)], id="t-" + tid)
    wrap = tag("div", grid, class_="table-wrap", tabindex="0", role="region", aria_label=plain_text(caption))
    if not rows:
        return tag("div", wrap, class_="tbl")
    return tag("div", [_table_tools(tid, len(rows), top), wrap,
                       tag("script", script_json(csv_text(columns, rows)), type="application/json", id="csv-" + tid)],
               class_="tbl", id="tbl-" + tid, data_table=True, data_top=top)


def _table_tools(tid: str, n_rows: int, top: int) -> Markup:
    """Filter box, row count, "Show all" and "Download CSV": hidden until the script shows them."""
    return tag("div", [
        tag("label", [tag("span", "Filter rows", class_="sr-only"),
                      void("input", type="search", class_="table-filter", placeholder="Filter rows\u2026",
                           aria_controls="t-" + tid)]),
        tag("span", "", class_="table-status", aria_live="polite"),
        tag("button", "Show all %d rows" % n_rows, type="button", class_="btn table-toggle", aria_expanded="false",
            aria_controls="t-" + tid) if 0 < top < n_rows else None,
        tag("button", "Download CSV", type="button", class_="btn", data_csv="csv-" + tid, data_file=tid + ".csv"),
    ], class_="table-tools", hidden=True)


# ---- alerts, recommendations and notices ----

LEVELS = {"info": ("i", "Info"), "warning": ("!", "Warning"), "critical": ("!!", "Critical"),
          "success": ("\u2713", "Good news")}


def alert(title: Any, detail: Any = None, impact: Any = None, level: str = "info") -> Markup:
    """A highlighted finding: a level word and icon (not only a colour), title, detail and optional impact."""
    level = level if level in LEVELS else "info"
    icon, word = LEVELS[level]
    return tag("div", [
        tag("span", icon, class_="alert-icon", aria_hidden="true"),
        tag("div", [tag("div", word, class_="alert-level"), tag("p", title, class_="alert-title"),
                    tag("div", detail, class_="alert-detail") if detail else None,
                    tag("p", ["Impact: ", tag("strong", impact)], class_="alert-impact") if impact else None],
            class_="alert-body"),
    ], class_="alert alert-%s" % level)


def _impact_key(item: Tuple[int, Dict[str, Any]]) -> Tuple[int, float, int]:
    value = _number(item[1].get("impact_usd_per_month"))
    return (1, 0.0, item[0]) if value is None else (0, -value, item[0])


def recommendations(items: Iterable[Dict[str, Any]], empty: str = "No recommendations: nothing in this data "
                                                                  "calls for action.") -> Markup:
    """Recommendations ({title, detail, impact_usd_per_month or None, level?}) as a numbered list, the most
    valuable first (those without an impact last, in their given order)."""
    ranked = [item for _, item in sorted(enumerate(items), key=_impact_key)]
    if not ranked:
        return empty_state(empty)
    out = []
    for item in ranked:
        value = _number(item.get("impact_usd_per_month"))
        impact = "%s/month" % fmt_usd(value) if value is not None else None
        out.append(tag("li", alert(item.get("title"), item.get("detail"), impact, item.get("level") or "info")))
    return tag("ol", out, class_="recs")


def _panel_items(items: Iterable[Any]) -> Markup:
    """List items: text, or (label, value) pairs shown with the value on the right."""
    out = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            out.append(tag("li", [tag("span", item[0]), tag("span", item[1], class_="pv")]))
        else:
            out.append(tag("li", item))
    return tag("ul", out)


def before_after(before_title: Any, before_items: Iterable[Any], after_title: Any,
                 after_items: Iterable[Any]) -> Markup:
    """Two panels, today and after a change; items are text or (label, value) pairs."""
    return tag("div", [
        tag("div", [tag("p", before_title, class_="panel-title"), _panel_items(before_items)], class_="panel before"),
        tag("div", "\u2192", class_="compare-arrow", aria_hidden="true"),
        tag("div", [tag("p", after_title, class_="panel-title"), _panel_items(after_items)], class_="panel after"),
    ], class_="compare")


WITHOUT_REVENIUM = (
    "Manual log parsing from multiple sources",
    "Delayed cost visibility (hours or days)",
    "Complex ETL pipelines to join usage with business data",
    "No standardized metadata schema",
    "Provider-specific integration code",
)
WITH_REVENIUM = (
    "Automatic capture of every AI call",
    "Real-time cost visibility",
    "Standardized metadata across providers",
    "A single integration point",
    "Built-in aggregation and analysis",
)


def _checks(items: Iterable[Any], mark: str, word: str) -> Markup:
    return tag("ul", [tag("li", [tag("span", mark, class_="mark", aria_hidden="true"),
                                 tag("span", word + ": ", class_="sr-only"), tag("span", text)]) for text in items])


def revenium_value(items_without: Iterable[Any] = (), items_with: Iterable[Any] = (), defaults: bool = True,
                   intro: Any = None) -> Markup:
    """The "With vs without Revenium" section: the standard lines (unless defaults=False) plus the report's own."""
    without = (list(WITHOUT_REVENIUM) if defaults else []) + list(items_without)
    with_ = (list(WITH_REVENIUM) if defaults else []) + list(items_with)
    body = tag("div", [
        tag("div", [tag("p", "Without Revenium", class_="panel-title"), _checks(without, "\u274c", "Without")],
            class_="panel checks without"),
        tag("div", "\u2192", class_="compare-arrow", aria_hidden="true"),
        tag("div", [tag("p", "With Revenium", class_="panel-title"), _checks(with_, "\u2705", "With")],
            class_="panel checks with"),
    ], class_="compare")
    return section("With vs without Revenium", body, id="revenium-value", intro=intro)


def data_quality_notice(skipped_rows: Any, skipped_reasons: Optional[Dict[str, Any]], total_rows: Any) -> Markup:
    """A warning when rows were skipped (how many, and why); empty Markup otherwise.
    total_rows: the rows analysed (the JSON's data.rows), so the share is of all rows read."""
    skipped = int(_number(skipped_rows) or 0)
    if skipped <= 0:
        return Markup("")
    read = skipped + int(_number(total_rows) or 0)
    reasons = sorted((skipped_reasons or {}).items(), key=lambda kv: (-(_number(kv[1]) or 0), str(kv[0])))
    detail = [tag("p", "These rows are left out of every figure on this page; the other %s rows are analysed. "
                       "Fix the source data and run again to include them." % fmt_int(read - skipped))]
    if reasons:
        detail.append(tag("ul", [tag("li", [tag("strong", fmt_int(n)), " \u00d7 ", reason]) for reason, n in reasons]))
    share = 100.0 * skipped / read
    title = "%s of %s rows (%s) were skipped" % (fmt_int(skipped), fmt_int(read),
                                                  fmt_pct(share, 2) if share >= 0.01 else "<0.01%")
    return alert(title, join(detail, ""), level="warning")


def not_available(what: Any, reason: Any) -> Markup:
    """A neutral note for an analysis this data cannot support ("Not in this data: ...")."""
    return tag("div", [tag("b", ["Not in this data: ", what]), ". ", reason], class_="notice-na", role="note")


def empty_state(message: Any) -> Markup:
    """A placeholder where there is nothing to show yet."""
    return tag("div", tag("p", message), class_="empty-state")


def link_cards(items: Iterable[Dict[str, Any]]) -> Markup:
    """Cards linking to reports (the index page): {href, title, category?, figure?, description?}."""
    names = dict(NAV_GROUPS)
    out = []
    for item in items:
        category = item.get("category")
        out.append(tag("li", tag("a", [
            tag("span", names.get(category, category), class_="link-cat") if category else None,
            tag("span", item.get("title"), class_="link-title"),
            tag("span", item.get("figure"), class_="link-figure") if item.get("figure") else None,
            tag("span", item.get("description"), class_="link-desc") if item.get("description") else None,
        ], href=safe_href(item.get("href")), class_="link-card")))
    return tag("ul", out, class_="links")
