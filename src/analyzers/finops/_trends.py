"""Spend over time, as finance reads it: daily cost stacked by provider and by model, week-over-week and
month-over-month change, and the AI cost per active customer week by week. Used by the understanding analyzer.

Periods are built from complete days only (engine/cube.covered_period), so a partial last day never makes a week
look cheaper than it was.
"""
from typing import Any, Dict, List, Optional, Tuple

from analyzers.engine.cube import View
from analyzers.finops._common import pct
from analyzers.finops._forecast import complete_days
from analyzers.groups import groups
from utils.markup import fmt_days
from utils.timeutil import iso_day

PERIODS = (("week_over_week", 7), ("month_over_month", 30))


def stacked_daily(view: View) -> Dict[str, Dict[str, Dict[str, float]]]:
    """{"by_provider": {day: {provider: usd}}, "by_model": {day: {model: usd}}}, every day with calls."""
    by_provider, by_model = {}, {}  # type: Dict[int, Dict[str, int]], Dict[int, Dict[str, int]]
    for (provider, model), days in view.cube.model_daily().items():
        for day, (_, nano) in days.items():
            p = by_provider.setdefault(day, {})
            p[provider] = p.get(provider, 0) + nano
            m = by_model.setdefault(day, {})
            m[model] = m.get(model, 0) + nano

    def out(src: Dict[int, Dict[str, int]]) -> Dict[str, Dict[str, float]]:
        return {iso_day(d): {k: view.usd(v) for k, v in sorted(parts.items(), key=lambda kv: (-kv[1], kv[0]))}
                for d, parts in sorted(src.items())}
    return {"by_provider": out(by_provider), "by_model": out(by_model)}


def period_change(view: View) -> Dict[str, Optional[Dict[str, Any]]]:
    """The last 7 (30) complete days against the 7 (30) before them; None when the data has too few days."""
    days = complete_days(view.start_ts, view.end_ts)
    daily = view.cube.daily()
    out = {}  # type: Dict[str, Optional[Dict[str, Any]]]
    for name, n in PERIODS:
        if len(days) < 2 * n:
            out[name] = None
            continue
        cur, prev = days[-n:], days[-2 * n:-n]
        now = sum(daily.get(d, [0, 0])[1] for d in cur)
        before = sum(daily.get(d, [0, 0])[1] for d in prev)
        out[name] = {"days": n, "current_from": iso_day(cur[0]), "current_to": iso_day(cur[-1]),
                     "current_usd": view.usd(now), "previous_from": iso_day(prev[0]), "previous_to": iso_day(prev[-1]),
                     "previous_usd": view.usd(before), "change_usd": view.usd(now - before),
                     "change_pct": pct(now - before, before) if before else None}
    return out


Days = Dict[str, Dict[int, int]]


def customer_days(view: View) -> Tuple[Days, Dict[str, List[int]], Dict[str, int]]:
    """({customer: {epoch day: cost}}, {customer: [calls, cost] in the last 24 hours of the data}, {customer: cost
    in the 24 hours before}): one pass over the customer-hours, made once per run for this report and realtime."""
    def make() -> Tuple[Days, Dict[str, List[int]], Dict[str, int]]:
        last_h = view.cube.last_ts // 3600
        days = {}  # type: Days
        now, before = {}, {}  # type: Dict[str, List[int]], Dict[str, int]
        d, current = {}, None  # type: Dict[int, int], Optional[str]
        for (cust, hour), (n, nano) in view.cube.customer_hours():
            if cust != current:  # the hours come customer by customer
                current = cust
                d = days.get(cust)
                if d is None:
                    d = days[cust] = {}
            d[hour // 24] = d.get(hour // 24, 0) + nano
            if hour > last_h - 48:
                if hour > last_h - 24:
                    acc = now.setdefault(cust, [0, 0])
                    acc[0] += n
                    acc[1] += nano
                else:
                    before[cust] = before.get(cust, 0) + nano
        return days, now, before
    return groups(view).cached("customer_days", make)


def cost_per_customer_by_week(view: View) -> List[Dict[str, Any]]:
    """Per calendar week (Monday to Sunday, UTC): active customers, AI cost, cost per active customer, and the
    days of the week the data covers (a first or last week may be partial)."""
    cost, active = {}, {}  # type: Dict[int, int], Dict[int, int]  # monday -> cost, customers with calls
    for days in customer_days(view)[0].values():
        mine = set()
        for day, nano in days.items():
            monday = day - (day + 3) % 7  # 1970-01-01 was a Thursday
            cost[monday] = cost.get(monday, 0) + nano
            mine.add(monday)
        for monday in mine:
            active[monday] = active.get(monday, 0) + 1
    out = []
    for monday in sorted(cost):
        lo, hi = max(view.start_ts, monday * 86400), min(view.end_ts, (monday + 7) * 86400)
        n = active[monday]
        out.append({"week_of": iso_day(monday), "covered_days": round(max(0, hi - lo) / 86400.0, 2),
                    "active_customers": n, "cost_usd": view.usd(cost[monday]),
                    "cost_per_active_customer_usd": round(cost[monday] / 1e9 / n, 6) if n else None})
    return out


# ---- page ------------------------------------------------------------------------------------------------------
def partial_note(data: Dict[str, Any]) -> Optional[str]:
    """One sentence naming the partial days of the data, or None."""
    parts = data.get("partial_days") or []
    if not parts:
        return None
    return "Partial day%s: %s; %s counted for the hours covered (D = %s)." % (
        "" if len(parts) == 1 else "s", ", ".join("%s (%s h)" % (p["day"], ("%g" % p["covered_hours"]))
                                                  for p in parts),
        "it is" if len(parts) == 1 else "they are", fmt_days(data.get("days") or 0))


def render_section(m: Dict[str, Any], data: Dict[str, Any]):
    """Spend over time: stacked by provider and by model, period-over-period change, cost per active customer."""
    from utils import html_generator as H
    marked = [p["day"] for p in data.get("partial_days") or []]
    stacked = m["daily_cost_stacked"]
    change_rows = []
    for name, label in (("week_over_week", "Week over week"), ("month_over_month", "Month over month")):
        c = m["period_change"].get(name)
        if c is None:
            change_rows.append([label, "\u2014", "\u2014", "\u2014", "not enough complete days"])
            continue
        change_rows.append([label, ("%s (%s \u2013 %s)" % (H.fmt_usd(c["current_usd"]), c["current_from"],
                                                            c["current_to"]), c["current_usd"]),
                            ("%s (%s \u2013 %s)" % (H.fmt_usd(c["previous_usd"]), c["previous_from"],
                                                     c["previous_to"]), c["previous_usd"]),
                            (H.fmt_usd, c["change_usd"]),
                            (H.fmt_pct(c["change_pct"], signed=True) if c["change_pct"] is not None else "\u2014",
                             c["change_pct"])])
    weeks = [[w["week_of"], w["covered_days"], w["active_customers"], (H.fmt_usd, w["cost_usd"]),
              (H.fmt_usd, w["cost_per_active_customer_usd"])]
             for w in m["cost_per_active_customer_by_week"]]
    return H.section("Spend over time", H.join([
        H.stacked_columns(list(stacked["by_provider"].items()), "Daily cost by provider", marked=marked),
        H.stacked_columns(list(stacked["by_model"].items()), "Daily cost by model", marked=marked),
        H.table(["Comparison", "Last period", "Period before", "Change", "Change %"], change_rows,
                id="period-change", caption="Complete days only: the last 7 (30) against the 7 (30) before"),
        H.table(["Week of (Monday)", "Days covered", "Active customers", "AI cost", "Cost per active customer"],
                weeks, id="cost-per-customer-week", caption="AI cost per active customer, week by week"),
    ]), id="over-time", intro=partial_note(data))
