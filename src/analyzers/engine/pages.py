"""HTML pages of the reports: the shell around each analyzer's body, and the index (executive summary).

Every analyzer page is: header (data period, rows) -> data-quality notice (when rows were skipped) -> what the
data could not support -> the analyzer's own body (cards, charts, tables, recommendations) -> with vs without
Revenium. Everything comes from the JSON document, so a page can be re-rendered from json/<id>.json alone.
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

from analyzers.registry import CATEGORY_TITLES
from utils import html_generator as H

NavItem = Tuple[str, str, str, bool]


def navigation(docs: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """The reports every page links to: the summary, then each analyzer, with its category."""
    items = [{"href": "index.html", "label": "Executive summary", "category": "summary"}]
    items += [{"href": d["analyzer"] + ".html", "label": d["title"], "category": d["category"]} for d in docs]
    return items


def _nav(nav: Optional[List[Dict[str, str]]], current: str) -> List[NavItem]:
    return [(n["href"], n["label"], n["category"], n["href"] == current) for n in (nav or [])]


def frame(doc: Dict[str, Any], body: Any) -> H.Markup:
    """What every analyzer page carries around its own body: data quality, unsupported analyses, the notes."""
    data = doc.get("data") or {}
    parts = [H.data_quality_notice(data.get("skipped_rows", 0), data.get("skipped_reasons") or {}, data.get("rows", 0))]
    if not data.get("rows"):
        parts.append(H.empty_state("There is no data yet: %s has no usable rows. Generate data with "
                                   "`python3 src/simulator/core.py`, or wait for the simulator to write some."
                                   % (data.get("file") or "the data file")))
        return H.join(parts)
    for note in doc.get("notes") or []:
        parts.append(H.not_available("Not in this data", note))
    parts.append(body)
    return H.join(parts)


def analyzer_page(analyzer, doc: Dict[str, Any], nav: Optional[List[Dict[str, str]]] = None) -> str:
    """The complete HTML page of one analyzer from its JSON document."""
    body = analyzer.render(doc) if doc.get("data", {}).get("rows") else H.Markup("")
    value = H.revenium_value(*getattr(analyzer, "revenium_lines", lambda d: ((), ()))(doc))
    category = CATEGORY_TITLES.get(doc.get("category", ""), "")
    subtitle = "%s%s" % (category + " \u00b7 " if category else "", doc.get("summary") or "")
    return str(H.page(doc["title"], subtitle, H.join([frame(doc, body), value]), _nav(nav, doc["analyzer"] + ".html"),
                      H.doc_meta(doc)))


def index_page(docs: List[Dict[str, Any]], nav: Optional[List[Dict[str, str]]] = None) -> str:
    """The executive summary: spend, run rate and forecast, margin, the top actions, links to every report."""
    from analyzers.summary import summary_body
    meta = H.doc_meta(docs[0]) if docs else {}
    body = summary_body(docs) if docs and docs[0]["data"].get("rows") else H.join([
        H.data_quality_notice(meta.get("skipped_rows", 0), meta.get("skipped_reasons") or {}, meta.get("rows", 0)),
        H.empty_state("There is no data yet. Generate data with `python3 src/simulator/core.py`, then run "
                      "`python3 src/run_all_analyzers.py`."), report_links(docs)])
    return str(H.page("Executive summary", "AI spend, margin and the actions worth most, across all eight reports",
                      H.join([body, H.revenium_value()]), _nav(nav, "index.html"), meta))


def report_links(docs: Sequence[Dict[str, Any]]) -> H.Markup:
    """Cards linking the reports, grouped by category (FinOps, Usage-Based Revenue), each with its headline."""
    from analyzers.summary import report_links as links
    return links(list(docs))
