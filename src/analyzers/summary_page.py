"""The executive summary page (index.html), rendered from json/summary.json and the eight documents alone.

Headline cards, then why the three monthly figures differ, then the money kept apart by kind: identified savings
(one ledger with its total), revenue scenarios, risks, alerts; then spend over time, the reports, the definitions.
"""
from typing import Any, Dict, List, Optional

from analyzers.registry import CATEGORY_TITLES
from utils import html_generator as H
from utils.definitions import DEFINITIONS

SECTIONS = (  # kind, title, item column, impact column, intro
    ("revenue", "Revenue scenarios", "Scenario", "Revenue/month",
     "Pricing and packaging options, each under its stated assumptions (churn included). They are alternatives and "
     "overlap, so they do not add up, and none of them is a saving."),
    ("risk", "Money at risk", "Risk", "At risk/month", "What the business loses or may lose each month if nothing is done."),
    ("alert", "Alerts", "Alert", "Excess/month", "What needs attention now: budget, anomalies and spikes."),
)


def _metrics(docs: List[Dict[str, Any]], analyzer_id: str) -> Dict[str, Any]:
    for d in docs:
        if d.get("analyzer") == analyzer_id:
            return d.get("metrics") or {}
    return {}


def cards(s: Dict[str, Any]) -> List[Dict[str, Any]]:
    m, data = s["metrics"], s["data"]
    out = [{"label": "AI spend in the period", "value": H.fmt_usd(m["total_cost_usd"]),
            "context": "%s calls over %s" % (H.fmt_int(data.get("rows")), H.fmt_days(data.get("days")))},
           {"label": "Run rate", "value": "%s/month" % H.fmt_usd(m["run_rate_usd_per_month"]),
            "context": "period spend \u00d7 30 / %s (looks back)" % H.fmt_days(data.get("days"))}]
    if m.get("forecast_30d_usd") is not None:
        out.append({"label": "Forecast, next 30 days", "value": H.fmt_usd(m["forecast_30d_usd"]),
                    "context": "trend of the complete days (looks ahead)"})
    if m.get("month_end_projection_usd") is not None:
        out.append({"label": "Month-end projection, %s" % m["month"], "value": H.fmt_usd(m["month_end_projection_usd"]),
                    "context": "%s of a %s budget" % (H.fmt_pct(100.0 * m["month_end_projection_usd"] /
                                                                 m["monthly_budget_usd"]) if m["monthly_budget_usd"]
                                                       else "\u2014", H.fmt_usd(m["monthly_budget_usd"])),
                    "tone": "bad" if (m["monthly_budget_usd"] or 0) and m["month_end_projection_usd"] >
                    m["monthly_budget_usd"] else None})
    out.append({"label": "Identified savings", "value": "%s/month" % H.fmt_usd(m["identified_savings_usd_per_month"]),
                "context": "%s of the run rate, each counted once" % H.fmt_pct(m["identified_savings_pct_of_run_rate"]),
                "tone": "good" if m["identified_savings_usd_per_month"] else None})
    if m.get("margin_pct") is not None:
        out.append({"label": "Gross margin after AI cost", "value": H.fmt_pct(m["margin_pct"]),
                    "tone": "good" if m["margin_pct"] >= 0 else "bad",
                    "context": "%s/month on %s/month of subscription revenue" % (
                        H.fmt_usd(m["margin_usd_per_month"]), H.fmt_usd(m["revenue_usd_per_month"]))})
    return out


def _why(s: Dict[str, Any], docs: List[Dict[str, Any]]) -> H.Markup:
    """The run rate, the forecast and the month-end projection side by side, with what makes them differ here."""
    m, u, b = s["metrics"], _metrics(docs, "understanding"), _metrics(docs, "realtime").get("budget") or {}
    days = s["data"].get("days") or 0
    per_day = m["run_rate_usd_per_month"] / 30.0
    fit = u.get("forecast_fit") or {}
    trend = fit.get("trend_usd_per_day")
    rows = [["Run rate", (H.fmt_usd(m["run_rate_usd_per_month"]) + "/month", m["run_rate_usd_per_month"]),
             DEFINITIONS["run_rate"], "%s a day on average over %s." % (H.fmt_usd(per_day), H.fmt_days(days))]]
    if m.get("forecast_30d_usd") is not None:
        rows.append(["Forecast, next 30 days", (H.fmt_usd(m["forecast_30d_usd"]), m["forecast_30d_usd"]),
                     DEFINITIONS["forecast"], "Fitted on %s complete day%s%s." % (
                         H.fmt_int(fit.get("complete_days")), "" if fit.get("complete_days") == 1 else "s",
                         "; trend %s a day" % H.fmt_usd(trend) if trend else "")])
    if m.get("month_end_projection_usd") is not None:
        rows.append(["Month-end projection, %s" % m["month"], (H.fmt_usd(m["month_end_projection_usd"]),
                                                               m["month_end_projection_usd"]),
                     DEFINITIONS["month_end_projection"],
                     "%s spent in %s so far, then %s a day (the last 7 days) for %s more days." % (
                         H.fmt_usd(b.get("month_to_date_usd")), m["month"], H.fmt_usd(b.get("run_rate_last_7d_usd_per_day")),
                         "%.1f" % (b.get("remaining_days") or 0))])
    partial = s["data"].get("partial_days") or []
    note = ("Partial day%s in the data: %s, counted for the hours covered." % (
        "" if len(partial) == 1 else "s", ", ".join("%s (%g h)" % (p["day"], p["covered_hours"]) for p in partial))
            if partial else "The data covers whole days.")
    blocks = [H.tag("div", [H.tag("p", [H.tag("span", name, class_="explain-name"), " ",
                                         H.tag("span", value[0], class_="explain-value")]),
                             H.tag("p", here, class_="explain-here"), H.tag("p", definition, class_="explain-def")],
                    class_="explain") for name, value, definition, here in rows]
    return H.section("Three monthly figures, and why they differ", H.tag("div", blocks, class_="explains"),
                     id="monthly-figures", intro=note)


def _brief(assumptions: List[str]) -> str:
    """The first sentence of each assumption: the summary's short form (the report gives them whole)."""
    return " ".join(a.split(". ")[0].rstrip(".") + "." for a in assumptions)


def _ledger(s: Dict[str, Any]) -> H.Markup:
    m = s["metrics"]
    entries = [a for a in m["actions"] if a["kind"] == "saving"]
    if not entries:
        return H.section("Identified savings", H.empty_state("No saving at equal usage was found in this data."),
                         id="savings")
    rows = [[(H.tag("a", a["title"], href=a["href"]), a["title"]), a["report"],
             (H.fmt_usd(a["impact_usd_per_month"]), a["impact_usd_per_month"]), _brief(a["assumptions"])]
            for a in entries]
    return H.section("Identified savings: %s/month" % H.fmt_usd(m["identified_savings_usd_per_month"]), H.table(
        ["Saving", "Report", "Saving/month", "Assumptions"], rows, id="savings-ledger", key=2, top=10, wide=(3,),
        caption="Each saving once; together %s of the run rate" % H.fmt_pct(m["identified_savings_pct_of_run_rate"])),
        id="savings", intro=DEFINITIONS["identified_savings"])


def _kind_section(s: Dict[str, Any], kind: str, title: str, item: str, column: str,
                  intro: str) -> Optional[H.Markup]:
    items = [a for a in s["metrics"]["actions"] if a["kind"] == kind]
    if not items:
        return None
    rows = [[(H.tag("a", a["title"], href=a["href"]), a["title"]), a["report"],
             (H.fmt_usd(a["impact_usd_per_month"]), a["impact_usd_per_month"]), _brief(a["assumptions"])]
            for a in items]
    return H.section(title, H.table([item, "Report", column, "Assumptions"], rows, id="actions-" + kind, key=2, top=10, wide=(3,),
                                    caption="%s, largest first" % title), id=kind, intro=intro)


def _facts(s: Dict[str, Any]) -> Optional[H.Markup]:
    items = [a for a in s["metrics"]["actions"] if a["kind"] == "info"]
    if not items:
        return None
    lis = [H.tag("li", [H.tag("a", a["title"], href=a["href"]), " \u2014 ", a["report"]]) for a in items[:10]]
    return H.section("Worth knowing", H.tag("ul", lis, class_="facts"), id="info",
                     intro=DEFINITIONS["info"] + " " + DEFINITIONS["upper_bound"])


def headline(doc: Dict[str, Any]) -> str:
    """The one figure a report's link card shows (from its JSON)."""
    m, aid = doc.get("metrics") or {}, doc.get("analyzer")
    try:
        figure = {
            "understanding": lambda: "%s AI spend" % H.fmt_usd(m["total_cost_usd"]),
            "performance": lambda: "p95 latency %s" % H.fmt_ms(m["overall_latency"]["p95_ms"], unit="s"),
            "realtime": lambda: "%s projected for %s" % (H.fmt_usd(m["budget"]["projected_month_usd"]),
                                                         m["budget"]["month"]),
            "optimization": lambda: "%s/month identified savings" % H.fmt_usd(m["potential_savings_usd_per_month"]),
            "alignment": lambda: "%s of spend fully tagged" % H.fmt_pct(m["tag_coverage_pct"]["all_business_tags"]),
            "profitability": lambda: "%s of %s customers unprofitable" % (H.fmt_int(m["unprofitable_count"]),
                                                                          H.fmt_int(m["customer_count"])),
            "pricing": lambda: "%s pricing: +%s/month if none leaves" % (
                m["models"][m["recommended_model"]["model"]]["name"].split(" (")[0],
                H.fmt_usd(m["recommended_model"]["gain_usd_per_month"])),
            "features": lambda: "%s features, %s margin" % (H.fmt_int(m["feature_count"]), H.fmt_pct(m["margin_pct"])),
        }[aid]()
        return figure
    except (KeyError, TypeError, IndexError):
        recs = doc.get("recommendations") or []
        return "%d recommendation%s" % (len(recs), "" if len(recs) == 1 else "s")


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


def _definitions(s: Dict[str, Any]) -> H.Markup:
    items = []
    for key, text in s["definitions"].items():
        items += [H.tag("dt", key.replace("_", " ").capitalize()), H.tag("dd", text)]
    return H.section("Definitions", H.tag("dl", items, class_="defs"), id="definitions",
                     intro="Every page uses these; json/summary.json carries them too.")


def body(s: Dict[str, Any], docs: List[Dict[str, Any]]) -> H.Markup:
    """The body of index.html."""
    data = s["data"]
    u = _metrics(docs, "understanding")
    stacked = (u.get("daily_cost_stacked") or {}).get("by_provider") or {}
    marked = [p["day"] for p in data.get("partial_days") or []]
    return H.join([
        H.data_quality_notice(data.get("skipped_rows", 0), data.get("skipped_reasons") or {}, data.get("rows", 0)),
        H.metric_cards(cards(s)),
        _why(s, docs),
        _ledger(s),
        H.join([_kind_section(s, *sec) for sec in SECTIONS]),
        _facts(s),
        H.section("AI spend over time", H.stacked_columns(list(stacked.items()), "Daily AI spend by provider",
                                                          marked=marked), id="daily-spend",
                  intro=H.join(["By model, week over week and per customer in ",
                                H.tag("a", "Understanding usage & cost", href="understanding.html#over-time"), "."],
                               "")) if stacked else None,
        report_links(docs),
        _definitions(s),
    ])
