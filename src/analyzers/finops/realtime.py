"""Real-time cost monitoring: cost per hour, anomaly management (hours far above a robust baseline, and customers
spending far above their usual day), budget alerts at 50/80/100% with the projected month-end spend, and the
customers spending most in the last 24 hours of the data.

Run from src/: python3 analyzers/finops/realtime.py [--data CSV] [--out DIR] [--budget USD]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

import calendar
import time
from typing import Any, Dict, List, Optional

from analyzers.engine.base import Analyzer
from analyzers.finops import _trends as T
from analyzers.finops._common import mad, median, money_cell, pct, pct_cell
from utils import html_generator as H
from utils.cli import positive_float
from utils.timeutil import iso_day, iso_hour

K = 3.5  # robust z-score above which an hour is an anomaly (Iglewicz & Hoaglin's cut-off)
MAD_SCALE = 1.4826  # MAD x 1.4826 estimates a standard deviation for normal data
SPIKE_RATIO = 3.0  # a customer-day at 3x the customer's median active day or more is a spike
MIN_ACTIVE_DAYS = 3
THRESHOLDS = (50, 80, 100)
WINDOW_DAYS = 92  # anomalies are looked for in the last 92 days: a quarter of baseline, work bounded by the window
BUDGET_RULE = ("110% of the monthly run rate of the first 7 days of data (their cost / their length in days x 30 "
               "x 1.1); pass --budget USD to set the real monthly budget")


def _budget_from_first_week(hourly: Dict[int, List[int]], first_hour: int, last_hour: int) -> float:
    span = min(168, last_hour - first_hour + 1)
    nano = sum(v[1] for h, v in hourly.items() if h < first_hour + span)
    return round(nano / 1e9 / (span / 24.0) * 30 * 1.1, 2)


class RealtimeAnalyzer(Analyzer):
    id = "realtime"
    title = "Real-time cost monitoring"
    category = "finops"
    summary = "Is spend on track right now: anomalies, budget alerts and who is spending in the last 24 hours?"
    OPTIONS = [("--budget", {"type": positive_float, "default": None, "metavar": "USD",
                             "help": "monthly AI budget in USD (default: %s)" % BUDGET_RULE.split(";")[0].replace("%", "%%")})]

    def compute(self, view) -> Dict[str, Any]:
        cube = view.cube
        hourly = cube.hourly
        first_h, last_h = cube.first_ts // 3600, cube.last_ts // 3600
        m = {"hourly_cost": {iso_hour(h): view.usd(v[1]) for h, v in hourly.items()},
             "hourly_calls": {iso_hour(h): v[0] for h, v in hourly.items()},
             "total_cost_usd": view.usd(sum(v[1] for v in hourly.values()))}  # type: Dict[str, Any]
        window_h = max(first_h, last_h - WINDOW_DAYS * 24 + 1)  # the baseline's work is bounded by the window
        m.update(self._anomalies(hourly, window_h, last_h))
        m["anomaly_window"] = {"from": iso_hour(window_h), "to": iso_hour(last_h), "days": WINDOW_DAYS}
        days, now, before = T.customer_days(view)
        m["customer_spikes"] = self._customer_spikes(days)
        m["budget"] = self._budget(hourly, first_h, last_h, self.options.get("budget"))
        m["top_customers_last_24h"] = self._last_24h(now, before)
        m["last_24h_cost_usd"] = view.usd(sum(v[1] for h, v in hourly.items() if last_h - 24 < h <= last_h))
        m["previous_24h_cost_usd"] = view.usd(sum(v[1] for h, v in hourly.items() if last_h - 48 < h <= last_h - 24))
        notes = []
        if window_h > first_h:
            notes.append("Anomalies are looked for in the last %d days of the data (from %s); earlier hours are in "
                         "the hourly cost only." % (WINDOW_DAYS, iso_hour(window_h)))
        if view.granularity in ("hour", "day"):
            notes.append("The data is aggregated to whole %ss (every call at the start of one, as usage exports "
                         "are): cost within a %s cannot be seen, so anomalies and spikes are found between %ss only."
                         % ((view.granularity,) * 3))
        if last_h - first_h + 1 < 48:
            notes.append("Less than two days of data: the hourly baseline has few samples per hour of day, so "
                         "anomaly scores are indicative only.")
        return {"metrics": m, "recommendations": self._recs(view, m), "notes": notes}

    # ---- anomaly management ----------------------------------------------------------------------------------
    @staticmethod
    def _anomalies(hourly, first_h: int, last_h: int) -> Dict[str, Any]:
        """Hours whose cost exceeds median + K x scale of their hour-of-week (or hour-of-day) bucket."""
        hours = list(range(first_h, last_h + 1))
        cost = {h: hourly[h][1] / 1e9 if h in hourly else 0.0 for h in hours}  # an hour without calls cost $0
        weekly = len(hours) >= 14 * 24
        key = (lambda h: (h // 24 + 3) % 7 * 24 + h % 24) if weekly else (lambda h: h % 24)
        buckets = {}  # type: Dict[int, List[float]]
        for h in hours:
            buckets.setdefault(key(h), []).append(cost[h])
        centre = {b: median(v) for b, v in buckets.items()}
        spread = {b: mad(v, centre[b]) for b, v in buckets.items()}
        # pooled spread: every hour's deviation from its bucket median, less one zero per odd-sized bucket (its
        # median point deviates by 0 by construction; with 2-3 weeks of data that would shrink the scale by a third)
        devs = []  # type: List[float]
        for b, vals in buckets.items():
            d = sorted(abs(v - centre[b]) for v in vals)
            devs.extend(d[1:] if len(d) % 2 else d)
        pooled = median(devs) if devs else 0.0
        mean_hour = sum(cost.values()) / len(hours)
        out = []
        for h in hours:
            b = key(h)
            scale = max(MAD_SCALE * spread[b], MAD_SCALE * pooled, 0.1 * centre[b], 0.05 * mean_hour, 1e-9)
            score = (cost[h] - centre[b]) / scale
            if score >= K:
                out.append({"period": iso_hour(h), "cost_usd": round(cost[h], 6), "expected_usd": round(centre[b], 6),
                            "score": round(score, 2), "excess_usd": round(cost[h] - centre[b], 6)})
        expected = {iso_hour(h): round(centre[key(h)], 6) for h in hours}
        return {"anomalies": out, "anomaly_excess_usd": round(sum(a["excess_usd"] for a in out), 6),
                "expected_hourly_cost": expected,
                "anomaly_method": "Each hour's cost against the median of the same hour of the %s over the data "
                                  "(hours without calls count as $0); anomaly when cost - median >= %.1f x scale, "
                                  "scale = the largest of 1.4826 x MAD of that hour, 1.4826 x MAD of all hours' "
                                  "deviations, 10%% of the median and 5%% of the mean hourly cost (floors that keep "
                                  "quiet hours from flagging cents)" % ("week (hour-of-week)" if weekly else
                                                                       "day (hour-of-day, less than 2 weeks of data)", K)}

    @staticmethod
    def _customer_spikes(days: Dict[str, Dict[int, int]]) -> List[Dict[str, Any]]:
        """Customer-days at SPIKE_RATIO x the customer's median active day or more (at least MIN_ACTIVE_DAYS days)."""
        total_days = len({day for d in days.values() for day in d}) or 1
        floor = sum(sum(d.values()) for d in days.values()) / 1e9 / total_days * 0.01  # 1% of an average day
        out = []
        for cust in sorted(days):
            d = days[cust]
            if len(d) < MIN_ACTIVE_DAYS:
                continue
            base = median([v / 1e9 for v in d.values()])
            top = max(d.values()) / 1e9  # both tests rise with the day's cost: no day passes if the costliest fails
            if not (base > 0 and top >= SPIKE_RATIO * base and top - base >= floor):
                continue
            for day, nano in sorted(d.items()):
                v = nano / 1e9
                if base > 0 and v >= SPIKE_RATIO * base and v - base >= floor:
                    out.append({"customer_id": cust, "day": iso_day(day), "cost_usd": round(v, 6),
                                "expected_usd": round(base, 6), "ratio": round(v / base, 2),
                                "excess_usd": round(v - base, 6)})
        out.sort(key=lambda s: (-s["excess_usd"], s["customer_id"], s["day"]))
        return out

    # ---- budget ----------------------------------------------------------------------------------------------
    @staticmethod
    def _budget(hourly, first_h: int, last_h: int, given: Optional[float]) -> Dict[str, Any]:
        tm = time.gmtime(last_h * 3600)
        month_start_h = calendar.timegm((tm.tm_year, tm.tm_mon, 1, 0, 0, 0)) // 3600
        days_in_month = calendar.monthrange(tm.tm_year, tm.tm_mon)[1]
        month_end_h = month_start_h + days_in_month * 24
        budget = float(given) if given else _budget_from_first_week(hourly, first_h, last_h)
        cum = 0
        alerts = {}  # type: Dict[int, str]
        for h in sorted(hourly):
            if h < month_start_h:
                continue
            cum += hourly[h][1]
            for t in THRESHOLDS:
                if t not in alerts and budget > 0 and cum / 1e9 >= budget * t / 100.0:
                    alerts[t] = iso_hour(h)
        window = min(168, last_h - first_h + 1)  # the last 7 days (fewer when the data is shorter)
        rate_nano = sum(v[1] for h, v in hourly.items() if h > last_h - window) / (window / 24.0)
        remaining = (month_end_h - last_h - 1) / 24.0
        projected = cum / 1e9 + rate_nano / 1e9 * remaining
        return {"monthly_budget_usd": round(budget, 2),
                "budget_source": "--budget" if given else "default rule: " + BUDGET_RULE,
                "month": "%04d-%02d" % (tm.tm_year, tm.tm_mon),
                "month_to_date_usd": round(cum / 1e9, 6),
                "month_covered_from": iso_hour(max(first_h, month_start_h)),
                "run_rate_last_7d_usd_per_day": round(rate_nano / 1e9, 6),
                "remaining_days": round(remaining, 4),
                "projected_month_usd": round(projected, 2),
                "projected_pct_of_budget": pct(projected, budget),
                "alerts": [{"threshold_pct": t, "amount_usd": round(budget * t / 100.0, 2),
                            "crossed_at": alerts.get(t),
                            "status": "crossed" if t in alerts else (
                                "projected" if projected >= budget * t / 100.0 else "ok")} for t in THRESHOLDS]}

    @staticmethod
    def _last_24h(now: Dict[str, List[int]], before: Dict[str, int]) -> List[Dict[str, Any]]:
        total = sum(v[1] for v in now.values())
        return [{"customer_id": c, "cost_usd": round(v[1] / 1e9, 6), "calls": v[0], "share_pct": pct(v[1], total),
                 "previous_24h_usd": round(before.get(c, 0) / 1e9, 6)}
                for c, v in sorted(now.items(), key=lambda kv: (-kv[1][1], kv[0]))]

    # ---- recommendations -------------------------------------------------------------------------------------
    @staticmethod
    def _recs(view, m) -> List[Dict[str, Any]]:
        recs = []
        b = m["budget"]
        over = b["projected_month_usd"] - b["monthly_budget_usd"]
        crossed = [a for a in b["alerts"] if a["crossed_at"]]
        if over > 0:
            recs.append({"title": "Month-end spend is projected %s over the %s budget" % (
                             H.fmt_usd(over), H.fmt_usd(b["monthly_budget_usd"])),
                         "detail": "%s: %s spent so far%s, plus %s/day (last 7 days' rate) for %.1f more days = %s. "
                                   "Budget: %s." % (
                                       b["month"], H.fmt_usd(b["month_to_date_usd"]),
                                       "; %d%% threshold crossed at %s" % (crossed[-1]["threshold_pct"],
                                                                           crossed[-1]["crossed_at"]) if crossed else "",
                                       H.fmt_usd(b["run_rate_last_7d_usd_per_day"]), b["remaining_days"],
                                       H.fmt_usd(b["projected_month_usd"]), b["budget_source"]),
                         "impact_usd_per_month": round(over, 2), "kind": "alert",
                         "assumptions": ["The last 7 days' daily rate continues to the end of the month.",
                                         "Budget: %s." % b["budget_source"]],
                         "level": "critical" if any(a["threshold_pct"] == 100 for a in crossed) else "warning"})
        else:
            recs.append({"title": "Spend is on track: %s projected against a %s budget" % (
                             H.fmt_usd(b["projected_month_usd"]), H.fmt_usd(b["monthly_budget_usd"])),
                         "detail": "Projected at %s of the budget for %s. Budget: %s." % (
                             H.fmt_pct(b["projected_pct_of_budget"]), b["month"], b["budget_source"]),
                         "impact_usd_per_month": None, "kind": "info", "level": "success",
                         "assumptions": ["The last 7 days' daily rate continues to the end of the month."]})
        an = m["anomalies"]
        if an:
            worst = sorted(an, key=lambda a: (-a["excess_usd"], a["period"]))[:3]
            recs.append({"title": "Investigate %d cost anomal%s: %s above the usual hourly cost" % (
                             len(an), "y" if len(an) == 1 else "ies", H.fmt_usd(m["anomaly_excess_usd"])),
                         "detail": "Largest: %s. The impact assumes spikes like these recur at the same rate each "
                                   "month; a rate limit or an alert per hour catches them early." % "; ".join(
                                       "%s %s vs %s expected" % (a["period"], H.fmt_usd(a["cost_usd"]),
                                                                 H.fmt_usd(a["expected_usd"])) for a in worst),
                         "impact_usd_per_month": view.per_month(int(round(m["anomaly_excess_usd"] * 1e9))),
                         "kind": "alert", "level": "warning",
                         "assumptions": ["Anomalies like these recur at the rate seen in the data period."]})
        spikes = m["customer_spikes"]
        if spikes:
            excess = sum(s["excess_usd"] for s in spikes)
            s = spikes[0]
            recs.append({"title": "%d customer-day spike%s cost %s more than those customers' usual day" % (
                             len(spikes), "" if len(spikes) == 1 else "s", H.fmt_usd(excess)),
                         "detail": "Largest: %s on %s spent %s, %.1fx its median day of %s. Contact the customer or "
                                   "set a per-customer daily cap." % (s["customer_id"], s["day"],
                                                                      H.fmt_usd(s["cost_usd"]), s["ratio"],
                                                                      H.fmt_usd(s["expected_usd"])),
                         "impact_usd_per_month": view.per_month(int(round(excess * 1e9))), "level": "warning",
                         "kind": "alert",
                         "assumptions": ["Spikes like these recur at the rate seen in the data period."]})
        if not an and not spikes:
            recs.append({"title": "No cost anomalies or customer spikes in this data",
                         "detail": "Every hour stayed within the robust range of its baseline.",
                         "impact_usd_per_month": None, "kind": "info", "assumptions": [], "level": "success"})
        return recs

    # ---- page ------------------------------------------------------------------------------------------------
    @staticmethod
    def _cards(m) -> List[Dict[str, Any]]:
        b = m["budget"]
        top = m["top_customers_last_24h"]
        crossed = [a for a in b["alerts"] if a["crossed_at"]]
        return [
            {"label": "Last 24 hours", "value": H.fmt_usd(m["last_24h_cost_usd"]),
             "context": "previous 24 hours %s" % H.fmt_usd(m["previous_24h_cost_usd"])},
            {"label": "Projected month-end (%s)" % b["month"], "value": H.fmt_usd(b["projected_month_usd"]),
             "context": "%s of a %s budget" % (H.fmt_pct(b["projected_pct_of_budget"]), H.fmt_usd(b["monthly_budget_usd"])),
             "tone": "bad" if b["projected_pct_of_budget"] > 100 else "good"},
            {"label": "Budget alerts", "value": "%d of 3" % len(crossed),
             "context": "highest crossed: %d%%" % crossed[-1]["threshold_pct"] if crossed else "no threshold crossed",
             "tone": "bad" if crossed and crossed[-1]["threshold_pct"] == 100 else None},
            {"label": "Anomalous hours", "value": H.fmt_int(len(m["anomalies"])),
             "context": "%s above baseline" % H.fmt_usd(m["anomaly_excess_usd"]),
             "tone": "bad" if m["anomalies"] else "good"},
            {"label": "Top customer, last 24 hours", "value": H.fmt_usd(top[0]["cost_usd"]) if top else "\u2014",
             "context": "%s (%s)" % (top[0]["customer_id"], H.fmt_pct(top[0]["share_pct"])) if top else ""},
        ]

    def render(self, doc) -> H.Markup:
        m = doc["metrics"]
        b = m["budget"]
        top = m["top_customers_last_24h"]
        cards = self._cards(m)
        hourly = sorted((h, m["hourly_cost"].get(h, 0.0)) for h in m["expected_hourly_cost"])  # quiet hours: $0
        series = {"Hourly cost": hourly, "Expected (baseline median)": sorted(m["expected_hourly_cost"].items())}
        an_rows = [[(_hour(a["period"]), a["period"]), money_cell(a["cost_usd"]), money_cell(a["expected_usd"]),
                    money_cell(a["excess_usd"]), a["score"]] for a in sorted(m["anomalies"], key=lambda a: (-a["excess_usd"], a["period"]))]
        sp_rows = [[s["customer_id"], s["day"], money_cell(s["cost_usd"]), money_cell(s["expected_usd"]),
                    ("%.1fx" % s["ratio"], s["ratio"]), money_cell(s["excess_usd"])] for s in m["customer_spikes"]]
        al_rows = [["%d%%" % a["threshold_pct"], money_cell(a["amount_usd"]),
                   (_hour(a["crossed_at"]), a["crossed_at"]) if a["crossed_at"] else "not crossed",
                    a["status"]] for a in b["alerts"]]
        top_rows = [[c["customer_id"], money_cell(c["cost_usd"]), c["calls"], pct_cell(c["share_pct"]),
                     money_cell(c["previous_24h_usd"])] for c in top]
        return H.join([
            H.metric_cards(cards),
            H.section("Hourly cost and anomalies", H.join([
                H.line_chart(series, "Cost per hour, anomalies ringed", highlights=[a["period"] for a in m["anomalies"]]),
                H.p(H.strong("Method: "), m["anomaly_method"], "."),
                H.table(["Hour (UTC)", "Cost", "Expected", "Excess", "Score"], an_rows, id="anomalies",
                        caption="Anomalous hours, largest excess first"),
            ]), id="hourly"),
            H.section("Customer spikes", H.table(
                ["Customer", "Day", "Cost", "Usual day (median)", "Ratio", "Excess"], sp_rows, id="customer-spikes",
                caption="Customer-days at %.0fx the customer's median active day or more" % SPIKE_RATIO),
                id="spikes", intro="Customers with at least %d active days; a spike must also exceed 1%% of an average "
                                   "day's total cost." % MIN_ACTIVE_DAYS),
            H.section("Budget", H.join([
                H.share_bar([("Spent month to date", b["month_to_date_usd"]),
                             ("Projected rest of month", max(0.0, b["projected_month_usd"] - b["month_to_date_usd"]))],
                            "Projected month-end spend for %s" % b["month"]),
                H.p("Monthly budget ", H.strong(H.fmt_usd(b["monthly_budget_usd"])), " (", b["budget_source"],
                    "). Month to date counts the data from ", b["month_covered_from"], "; the projection adds the "
                    "last 7 days' daily rate (", H.fmt_usd(b["run_rate_last_7d_usd_per_day"]), "/day) for the ",
                    "%.1f" % b["remaining_days"], " remaining days."),
                H.table(["Threshold", "Amount", "Crossed at (UTC hour)", "Status"], al_rows, id="budget-alerts",
                        caption="Budget alerts at 50, 80 and 100%"),
            ]), id="budget"),
            H.section("Top customers in the last 24 hours", H.join([
                H.bar_chart([(c["customer_id"], c["cost_usd"]) for c in top], "Cost by customer, last 24 hours"),
                H.table(["Customer", "Cost", "Calls", "Share", "Previous 24 hours"], top_rows, id="top-24h",
                        caption="Every customer active in the 24 hours ending at the last call's hour"),
            ]), id="last24h"),
            H.section("Recommendations", H.recommendations(doc["recommendations"]), id="recommendations"),
        ])


def _hour(iso_hour: str) -> str:
    """"2026-01-22T12" -> "2026-01-22 12:00" (UTC hours read as times, not codes)."""
    return iso_hour.replace("T", " ") + ":00" if len(iso_hour) == 13 else iso_hour


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["realtime"], "realtime.py")))
