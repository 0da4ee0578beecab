"""The executive summary (index.html): total spend, run rate and forecast, revenue and margin, the top actions
across all reports ranked by monthly impact (each labelled with what kind of money it is), a daily spend chart,
and links to the eight reports grouped by category, each with its headline figure.

Every figure comes from the analyzers' JSON documents (the `docs` list); nothing is recomputed here.
"""
import re
from typing import Any, Dict, List, Optional

from analyzers.registry import CATEGORY_TITLES
from utils import html_generator as H

TOP_ACTIONS = 5

# What an action's monthly impact is, so the ranking never passes revenue or exposure off as savings.
SAVES, REVENUE, AT_RISK, EXCESS = "saves", "adds revenue", "at risk", "above normal"
KIND_TEXT = {SAVES: "Saves %s/month", REVENUE: "Adds %s/month of revenue", AT_RISK: "%s/month at risk",
             EXCESS: "%s/month above normal"}
_KIND_RULES = (  # (analyzer id or None for any, pattern on the title, kind): the first match wins
    (None, r"\bat risk\b", AT_RISK),
    ("pricing", r".", REVENUE),
    (None, r"revenue|increases margin", REVENUE),
    ("understanding", r"^customer .* drives", AT_RISK),
    (None, r"above the median|above the usual|more than those customers|anomal|spike", EXCESS),
    (None, r"\bsave|\bcut\b|\bcap\b|\bfix\b", SAVES),
)


def _doc(docs: List[Dict[str, Any]], analyzer_id: str) -> Optional[Dict[str, Any]]:
    for d in docs:
        if d.get("analyzer") == analyzer_id:
            return d
    return None


def _metrics(docs: List[Dict[str, Any]], analyzer_id: str) -> Dict[str, Any]:
    d = _doc(docs, analyzer_id)
    return (d.get("metrics") or {}) if d else {}


def action_kind(analyzer_id: str, rec: Dict[str, Any]) -> str:
    """"saves", "adds revenue", "at risk" or "above normal": what the recommendation's monthly impact measures.
    Anything else that carries a cost figure (e.g. the whole cost of non-production environments) counts as
    "saves" at most that amount."""
    title = str(rec.get("title") or "").lower()
    for aid, pattern, kind in _KIND_RULES:
        if (aid is None or aid == analyzer_id) and re.search(pattern, title):
            return kind
    return SAVES


def top_actions(docs: List[Dict[str, Any]], n: int = TOP_ACTIONS) -> List[Dict[str, Any]]:
    """The n actions worth most per month across all reports: each report's most valuable recommendation (a
    report's alternatives, such as three pricing models, are not stacked), ranked by monthly impact. Each item is
    the recommendation plus "report" (title), "href", "analyzer" and "kind"."""
    best = []
    for d in docs:
        recs = [r for r in d.get("recommendations") or [] if r.get("impact_usd_per_month")]
        if not recs:
            continue
        r = sorted(recs, key=lambda r: (-float(r["impact_usd_per_month"]), str(r.get("title"))))[0]
        best.append(dict(r, report=d.get("title"), href=d["analyzer"] + ".html", analyzer=d["analyzer"],
                         kind=action_kind(d["analyzer"], r)))
    best.sort(key=lambda r: (-float(r["impact_usd_per_month"]), str(r.get("title"))))
    return best[:n]


def headline(doc: Dict[str, Any]) -> str:
    """The one figure a report's link card shows (from its JSON)."""
    m, aid = doc.get("metrics") or {}, doc.get("analyzer")
    try:
        if aid == "understanding":
            return "%s AI spend" % H.fmt_usd(m["total_cost_usd"])
        if aid == "performance" and m.get("overall_latency"):
            return "p95 latency %s" % H.fmt_ms(m["overall_latency"]["p95_ms"])
        if aid == "realtime":
            return "%s projected for %s" % (H.fmt_usd(m["budget"]["projected_month_usd"]), m["budget"]["month"])
        if aid == "optimization":
            return "%s/month to save" % H.fmt_usd(m["potential_savings_usd_per_month"])
        if aid == "alignment":
            return "%s of spend tagged" % H.fmt_pct(m["tag_coverage_pct"]["all_business_tags"])
        if aid == "profitability":
            return "%s of %s customers unprofitable" % (H.fmt_int(m["unprofitable_count"]),
                                                       H.fmt_int(m["customer_count"]))
        if aid == "pricing" and m.get("recommended_model", {}).get("model"):
            rec = m["recommended_model"]
            return "%s: %s/month margin" % (m["models"][rec["model"]]["name"].split(" (")[0],
                                            _signed_usd(rec["gain_usd_per_month"]))
        if aid == "features":
            return "%s features, %s margin" % (H.fmt_int(m["feature_count"]), H.fmt_pct(m["margin_pct"]))
    except (KeyError, TypeError, IndexError):
        pass
    recs = doc.get("recommendations") or []
    return "%d recommendation%s" % (len(recs), "" if len(recs) == 1 else "s")


def _signed_usd(v: Any) -> str:
    return ("+" if (v or 0) > 0 else "") + H.fmt_usd(v)


def cards(docs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The headline figures: spend, run rate, forecast, margin, unprofitable customers, savings (those present)."""
    u, pr, op = _metrics(docs, "understanding"), _metrics(docs, "profitability"), _metrics(docs, "optimization")
    data = docs[0].get("data") or {}
    days = H.fmt_int(data.get("days"))
    out = []
    if "total_cost_usd" in u:
        out.append({"label": "AI spend in the period", "value": H.fmt_usd(u["total_cost_usd"]),
                    "context": "%s calls over %s days" % (H.fmt_int(u.get("total_calls", data.get("rows"))), days)})
    if "run_rate_usd_per_month" in u:
        out.append({"label": "Monthly run rate", "value": "%s/month" % H.fmt_usd(u["run_rate_usd_per_month"]),
                    "context": "period spend \u00d7 30 / %s days" % days})
    if u.get("forecast_usd"):
        rng = (u.get("forecast_range_usd") or {}).get("30d") or {}
        out.append({"label": "Forecast, next 30 days", "value": H.fmt_usd(u["forecast_usd"]["30d"]),
                    "context": "80%% range %s \u2013 %s" % (H.fmt_usd(rng.get("low")), H.fmt_usd(rng.get("high")))
                    if rng else "next 12 months %s" % H.fmt_usd(u["forecast_usd"].get("annual"))})
    if pr.get("revenue_usd_per_month") is not None and pr.get("margin_pct") is not None:
        out.append({"label": "Gross margin after AI cost", "value": H.fmt_pct(pr["margin_pct"]),
                    "tone": "good" if pr["margin_pct"] >= 0 else "bad",
                    "context": "%s/month on %s/month of subscription revenue" % (
                        H.fmt_usd(pr.get("margin_usd_per_month")), H.fmt_usd(pr["revenue_usd_per_month"]))})
    if "unprofitable_count" in pr:
        out.append({"label": "Unprofitable customers", "value": "%s of %s" % (
            H.fmt_int(pr["unprofitable_count"]), H.fmt_int(pr.get("customer_count"))),
            "tone": "bad" if pr["unprofitable_count"] else "good",
            "context": "%s/month of revenue at risk" % H.fmt_usd(pr.get("revenue_at_risk_usd_per_month", 0))})
    if "potential_savings_usd_per_month" in op:
        out.append({"label": "Potential savings", "value": "%s/month" % H.fmt_usd(op["potential_savings_usd_per_month"]),
                    "context": "%s of the run rate, all optimizations together" % H.fmt_pct(
                        op.get("potential_savings_pct_of_run_rate"))})
    return out[:6]


def _actions_section(actions: List[Dict[str, Any]]) -> H.Markup:
    if not actions:
        return H.section("Top actions", H.empty_state("No recommendation in this data carries a monthly impact."),
                         id="actions")
    items = []
    for i, a in enumerate(actions, 1):
        impact = KIND_TEXT[a["kind"]] % H.fmt_usd(a["impact_usd_per_month"])
        items.append(H.tag("li", [
            H.tag("div", [H.tag("span", "#%d" % i, class_="action-rank"),
                          H.tag("span", impact, class_="action-impact"),
                          H.badge(a["kind"], {SAVES: "good", REVENUE: "good", AT_RISK: "bad"}.get(a["kind"], "warn"))],
                  class_="action-head"),
            H.tag("p", a.get("title"), class_="action-title"),
            H.tag("p", a.get("detail"), class_="action-detail") if a.get("detail") else None,
            H.tag("p", ["From ", H.tag("a", a["report"], href=a["href"]), " \u2192"], class_="action-from"),
        ], class_="action"))
    return H.section("Top %d actions by monthly impact" % len(actions), H.tag("ol", items, class_="actions"),
                     id="actions", intro="The most valuable recommendation of each report, largest monthly impact "
                                         "first. The impacts are of different kinds (savings, added revenue, money at "
                                         "risk) and some overlap across reports, so they do not add up.")


def _spend_section(u: Dict[str, Any]) -> Optional[H.Markup]:
    daily = sorted((u.get("daily_cost") or {}).items())
    if not daily:
        return None
    return H.section("Daily AI spend", H.line_chart({"Daily cost": daily}, "AI spend per day", area=True),
                     id="daily-spend", intro=H.join(["Details, forecast and cost allocation in ",
                                                     H.tag("a", "Understanding usage & cost", href="understanding.html"),
                                                     "."], ""))


def report_links(docs: List[Dict[str, Any]]) -> H.Markup:
    """Cards linking the reports, grouped by category (FinOps, Usage-Based Revenue), each with its headline."""
    parts = []
    for cat, title in CATEGORY_TITLES.items():
        items = [{"href": d["analyzer"] + ".html", "title": d["title"], "description": d.get("summary") or "",
                  "figure": headline(d) if (d.get("data") or {}).get("rows") else None}
                 for d in docs if d.get("category") == cat]
        if items:
            parts.append(H.section(title + " reports", H.link_cards(items), id="reports-" + cat))
    return H.join(parts)


def summary_body(docs: List[Dict[str, Any]]) -> H.Markup:
    """The body of index.html from the eight JSON documents."""
    data = docs[0].get("data") or {}
    return H.join([
        H.data_quality_notice(data.get("skipped_rows", 0), data.get("skipped_reasons") or {}, data.get("rows", 0)),
        H.metric_cards(cards(docs)),
        _actions_section(top_actions(docs)),
        _spend_section(_metrics(docs, "understanding")),
        report_links(docs),
    ])
