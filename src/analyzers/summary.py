"""The executive summary (index.html): total spend, run rate and forecast, margin, the top actions across all
reports ranked by monthly impact, and links to the eight reports."""
from typing import Any, Dict, List

from utils import html_generator as H

TOP_ACTIONS = 5


def _metrics(docs: List[Dict[str, Any]], analyzer_id: str) -> Dict[str, Any]:
    for d in docs:
        if d["analyzer"] == analyzer_id:
            return d.get("metrics") or {}
    return {}


def top_actions(docs: List[Dict[str, Any]], n: int = TOP_ACTIONS) -> List[Dict[str, Any]]:
    """The n recommendations worth most per month across all reports (each tagged with its report)."""
    recs = []
    for d in docs:
        for r in d.get("recommendations") or []:
            if r.get("impact_usd_per_month"):
                recs.append(dict(r, title="%s (%s)" % (r["title"], d["title"])))
    recs.sort(key=lambda r: (-float(r["impact_usd_per_month"]), r["title"]))
    return recs[:n]


def summary_body(docs: List[Dict[str, Any]]) -> H.Markup:
    from analyzers.engine.pages import report_links
    u = _metrics(docs, "understanding")
    pr = _metrics(docs, "profitability")
    data = docs[0]["data"]
    cards = []
    if "total_cost_usd" in u:
        cards.append({"label": "AI spend in the period", "value": H.fmt_usd(u["total_cost_usd"]),
                      "context": "%s calls over %d days" % (H.fmt_int(data["rows"]), data["days"])})
    if u.get("forecast_usd"):
        cards.append({"label": "Forecast, next 30 days", "value": H.fmt_usd(u["forecast_usd"]["30d"]),
                      "context": "annual %s" % H.fmt_usd(u["forecast_usd"]["annual"])})
    if "unprofitable_count" in pr:
        cards.append({"label": "Unprofitable customers", "value": H.fmt_int(pr["unprofitable_count"]),
                      "tone": "bad" if pr["unprofitable_count"] else "good",
                      "context": "%s/month of revenue at risk" % H.fmt_usd(pr.get("revenue_at_risk_usd_per_month", 0))})
    actions = top_actions(docs)
    return H.join([H.metric_cards(cards),
                   H.section("Top %d actions by monthly impact" % len(actions), H.recommendations(actions), id="actions"),
                   report_links(docs)])
