"""The executive summary: json/summary.json and index.html, built from the eight analyzers' JSON documents only.

It keeps apart what the data says you can save (identified savings, one de-duplicated ledger), what pricing or
packaging could earn (revenue scenarios, with their assumptions), the money at risk, and what needs attention now
(alerts); each headline names the definition it uses (utils/definitions.py). Every recommendation carries its kind,
set by the analyzer that made it; nothing here infers a kind from a title.
"""
from typing import Any, Dict, List, Optional

from utils.definitions import DEFINITIONS, HEADLINE_TERMS, KINDS

KIND_ORDER = {k: i for i, k in enumerate(KINDS)}


def _doc(docs: List[Dict[str, Any]], analyzer_id: str) -> Optional[Dict[str, Any]]:
    for d in docs:
        if d.get("analyzer") == analyzer_id:
            return d
    return None


def _metrics(docs: List[Dict[str, Any]], analyzer_id: str) -> Dict[str, Any]:
    d = _doc(docs, analyzer_id)
    return (d.get("metrics") or {}) if d else {}


def actions(docs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Every recommendation of every report: kind, source, title, detail, impact, assumptions and its page; by kind
    (saving, revenue, risk, alert, info), then largest monthly impact, then title."""
    out = []
    for d in docs:
        for r in d.get("recommendations") or []:
            out.append({"kind": r["kind"], "source": d["analyzer"], "report": d.get("title"),
                        "href": d["analyzer"] + ".html", "title": r.get("title"), "detail": r.get("detail"),
                        "impact_usd_per_month": r.get("impact_usd_per_month"),
                        "assumptions": list(r.get("assumptions") or []), "level": r.get("level")})
    out.sort(key=lambda a: (KIND_ORDER[a["kind"]], -(a["impact_usd_per_month"] or 0.0), str(a["title"])))
    return out


def ledger(acts: List[Dict[str, Any]], run_rate: float) -> Dict[str, Any]:
    """The identified savings: every action of kind "saving", each counted once (the same title from the same
    report is one change), and their total, never above the run rate."""
    seen, entries = set(), []
    for a in acts:
        if a["kind"] == "saving" and (a["source"], a["title"]) not in seen:
            seen.add((a["source"], a["title"]))
            entries.append(a)
    total = round(sum(a["impact_usd_per_month"] or 0.0 for a in entries), 2)
    return {"entries": entries, "total_usd_per_month": min(total, round(run_rate, 2)),
            "clamped": total > round(run_rate, 2)}


def summary_doc(docs: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The executive summary's figures (json/summary.json)."""
    u, rt, op = _metrics(docs, "understanding"), _metrics(docs, "realtime"), _metrics(docs, "optimization")
    pr, perf = _metrics(docs, "profitability"), _metrics(docs, "performance")
    first = docs[0] if docs else {}
    run_rate = u.get("run_rate_usd_per_month") or 0.0
    acts = actions(docs)
    led = ledger(acts, run_rate)
    budget = rt.get("budget") or {}
    m = {
        "total_cost_usd": u.get("total_cost_usd"), "run_rate_usd_per_month": run_rate,
        "forecast_30d_usd": (u.get("forecast_usd") or {}).get("30d"),
        "forecast_30d_range_usd": (u.get("forecast_range_usd") or {}).get("30d"),
        "month_end_projection_usd": budget.get("projected_month_usd"), "month": budget.get("month"),
        "monthly_budget_usd": budget.get("monthly_budget_usd"),
        "identified_savings_usd_per_month": led["total_usd_per_month"],
        "identified_savings_pct_of_run_rate": round(100.0 * led["total_usd_per_month"] / run_rate, 2) if run_rate else None,
        "optimization_total_usd_per_month": op.get("potential_savings_usd_per_month"),
        "upper_bound_faster_cheaper_usd_per_month": perf.get("dominated_upper_bound_usd_per_month"),
        "revenue_usd_per_month": pr.get("revenue_usd_per_month"), "margin_usd_per_month": pr.get("margin_usd_per_month"),
        "margin_pct": pr.get("margin_pct"), "revenue_at_risk_usd_per_month": pr.get("revenue_at_risk_usd_per_month"),
        "actions": acts,
        "counts_by_kind": {k: sum(1 for a in acts if a["kind"] == k) for k in KINDS},
        "headline_definitions": {"run_rate_usd_per_month": "run_rate", "forecast_30d_usd": "forecast",
                                 "month_end_projection_usd": "month_end_projection",
                                 "identified_savings_usd_per_month": "identified_savings"},
    }
    return {"analyzer": "summary", "title": "Executive summary", "generated_at": first.get("generated_at"),
            "data": first.get("data") or {}, "definitions": dict(DEFINITIONS), "metrics": m,
            "savings_ledger_clamped": led["clamped"]}


def headline_terms() -> List[str]:
    return list(HEADLINE_TERMS)
