"""The HTML component library of the reports: every analyzer page and the index are built only from these.

Each component returns `Markup` (trusted HTML) and escapes every value it is given, unless that value is Markup
built by another component. Pages are self-contained: the CSS and JS in templates/ and the SVG charts are
inlined, nothing is loaded from a network, and a page reads the same without JavaScript. See specs/reports.md.
The page shell lives in html_page.py, tables in html_table.py, charts in charts.py, escaping and number formats
in markup.py; analyzers import them all from here:

    from utils import html_generator as H
    html = H.page("Cost overview", "Where the AI spend goes", H.section("Cost by model", H.bar_chart(items, "Cost")))
"""
from typing import Any, Dict, Iterable, Optional, Tuple

# The components analyzers use as H.<name>, wherever they are defined:
from utils.charts import bar_chart, donut_chart, line_chart, share_bar  # noqa: F401
from utils.chart_stacked import stacked_columns  # noqa: F401
from utils.html_page import NAV_GROUPS, PageFiles, doc_meta, page, safe_href  # noqa: F401
from utils.html_table import downloads, slug, table  # noqa: F401
from utils.markup import DASH, Markup, _number, escape, fmt_days, fmt_int, fmt_ms, fmt_pct, fmt_tokens, fmt_usd, join, tag  # noqa: F401

# ---- layout and text ----

def section(title: Any, body: Any, id: Optional[str] = None, intro: Any = None, level: int = 2) -> Markup:
    """A titled part of a page (<h2>; level=3 gives a sub-section with <h3>), with an optional intro line."""
    heading = tag("h%d" % level, title)
    return tag("section", [heading, tag("p", intro, class_="intro") if intro else None, escape(body)],
               id=slug(id or title), class_="block lvl%d" % level)


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


# Inline SVG marks, not emoji: they draw the same everywhere, with or without an emoji font, and print in colour.
_CROSS = Markup('<svg class="mark" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
                '<circle cx="8" cy="8" r="7.5"/><path d="M5 5l6 6M11 5l-6 6"/></svg>')
_TICK = Markup('<svg class="mark" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
               '<circle cx="8" cy="8" r="7.5"/><path d="M4.5 8.3l2.3 2.3 4.7-5"/></svg>')


def _checks(items: Iterable[Any], mark: Markup, word: str) -> Markup:
    return tag("ul", [tag("li", [mark, tag("span", word + ": ", class_="sr-only"), tag("span", text)])
                      for text in items])


def revenium_value(items_without: Iterable[Any] = (), items_with: Iterable[Any] = (), defaults: bool = True,
                   intro: Any = None) -> Markup:
    """The "With vs without Revenium" section: the standard lines (unless defaults=False) plus the report's own."""
    without = (list(WITHOUT_REVENIUM) if defaults else []) + list(items_without)
    with_ = (list(WITH_REVENIUM) if defaults else []) + list(items_with)
    body = tag("div", [
        tag("div", [tag("p", "Without Revenium", class_="panel-title"), _checks(without, _CROSS, "Without")],
            class_="panel checks without"),
        tag("div", "\u2192", class_="compare-arrow", aria_hidden="true"),
        tag("div", [tag("p", "With Revenium", class_="panel-title"), _checks(with_, _TICK, "With")],
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


def data_note(text: Any) -> Markup:
    """A neutral note on what this data cannot support, or supports only partly (an analyzer's `notes`)."""
    return tag("div", [tag("b", "About this data: "), text], class_="notice-na", role="note")


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
