"""The site around the analyzer pages: the navigation every page carries and the index (executive summary).

Each analyzer renders its own page (engine/base.Analyzer.page); everything here is built from the JSON documents,
so the index can be re-rendered from json/*.json alone.
"""
from typing import Any, Dict, List, Sequence, Tuple

from analyzers import summary_page
from utils import html_generator as H

NavItem = Tuple[str, str, str]  # (href, label, category)


def navigation(docs: Sequence[Dict[str, Any]]) -> List[NavItem]:
    """The reports every page links to: the summary, then each analyzer, with its category."""
    return [("index.html", "Executive summary", "summary")] + [
        (d["analyzer"] + ".html", d["title"], d["category"]) for d in docs]


def current(nav: Sequence[NavItem], href: str) -> List[Tuple[str, str, str, bool]]:
    """The navigation with the page at `href` marked as the current one."""
    return [(h, label, cat, h == href) for h, label, cat in nav]


def index_page(sdoc: Dict[str, Any], docs: List[Dict[str, Any]], nav: Sequence[NavItem]) -> str:
    """The executive summary from json/summary.json and the documents: spend, the three monthly figures,
    identified savings, revenue scenarios, risks, alerts, and links to every report."""
    meta = H.doc_meta(sdoc)
    body = summary_page.body(sdoc, docs) if sdoc["data"].get("rows") else H.join([
        H.data_quality_notice(meta.get("skipped_rows", 0), meta.get("skipped_reasons") or {}, meta.get("rows", 0)),
        H.empty_state("There is no data yet. Generate data with `python3 src/simulator/core.py`, then run "
                      "`python3 src/run_all_analyzers.py`."), summary_page.report_links(docs)])
    return str(H.page("Executive summary", "AI spend and what to do about it: savings found in the data, revenue "
                      "scenarios, money at risk and alerts, kept apart", H.join([body, H.revenium_value()]),
                      current(nav, "index.html"), meta))
