"""The page shell of every report: the document, the navigation between reports, the data-period line and the
footer, with the CSS and JS of templates/ inlined (read as package resources). See specs/reports.md."""
import functools
import os
import pkgutil
import re
from string import Template
from typing import Any, Dict, Optional, Sequence

from utils.markup import Markup, _number, escape, fmt_int, join, plain_text, tag

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


class PageFiles(str):
    """A rendered page (its HTML text) with the files it links to, {name: text}, to be written beside it: the CSV
    of each table too long to hold every row (html_table.downloads collects them while the page renders)."""

    def __new__(cls, text: str = "", files: Optional[Dict[str, str]] = None) -> "PageFiles":
        page = str.__new__(cls, text)
        page.files = dict(files or {})
        return page


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> str:
    """A file of templates/ (read as a package resource, so it loads from a zip too)."""
    data = pkgutil.get_data("utils", "templates/" + name)
    if data is None:
        raise FileNotFoundError("utils/templates/" + name)
    return data.decode("utf-8")


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
