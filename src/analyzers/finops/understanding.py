"""Understanding usage and cost: where the AI spend goes (provider, model, customer, organization, product,
feature, task type, day), where it is heading (30-day, 90-day and annual forecast with a range), and how
efficiently tokens are bought (cost per 1K tokens by model, output/input ratio by task type).

Run from src/: python3 analyzers/finops/understanding.py [--data CSV] [--out DIR]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

from typing import Any, Dict, List, Optional

from analyzers.engine.base import Analyzer
from analyzers.engine.cube import CALLS, COST_NANO, INPUT, OUTPUT
from analyzers.finops._common import by_cost, money_cell, pct, pct_cell, ratio, usd_dict
from analyzers.finops import _trends as T
from analyzers.finops._forecast import forecast
from analyzers.groups import groups
from utils import html_generator as H
from utils.timeutil import iso_day

ALLOCATIONS = (("provider", "provider", "Provider"), ("model", "model", "Model"), ("customer", "customer_id", "Customer"),
               ("organization", "organization_id", "Organization"), ("product", "product_id", "Product"),
               ("feature", "feature_id", "Feature"), ("task_type", "task_type", "Task type"),
               ("environment", "environment", "Environment"))
UNKNOWN = "(unknown)"  # an empty task type or environment (the column is absent or blank)
NON_PRODUCTION = ("development", "dev", "staging", "test", "testing", "qa-env", "sandbox")


def _named(groups: Dict[object, List[int]]) -> Dict[object, List[int]]:
    """Groups with an empty key renamed (task type and environment are not business tags, so not 'untagged')."""
    if "" not in groups:
        return groups  # shared, not copied: 100,000 customers are 100,000 groups
    out = {}  # type: Dict[object, List[int]]
    for k, m in groups.items():
        key = k if k != "" else UNKNOWN
        if key in out:
            out[key] = [a + b for a, b in zip(out[key], m)]
        else:
            out[key] = list(m)
    return out


class UnderstandingAnalyzer(Analyzer):
    id = "understanding"
    title = "Understanding usage & cost"
    category = "finops"
    summary = "Where does the AI spend go, and where is it heading?"

    def compute(self, view) -> Dict[str, Any]:
        cube, shared = view.cube, groups(view)
        tot = shared.totals()
        m = {"total_cost_usd": view.usd(tot[COST_NANO]), "total_calls": tot[CALLS], "total_input_tokens": tot[INPUT],
             "total_output_tokens": tot[OUTPUT], "run_rate_usd_per_month": view.per_month(tot[COST_NANO]),
             "cost_per_1k_tokens_usd": ratio(tot[COST_NANO] / 1e9 * 1000, tot[INPUT] + tot[OUTPUT])}
        by = {}  # type: Dict[str, Dict[object, List[int]]]
        for name, dim, _ in ALLOCATIONS:
            by[name] = _named(shared.group(dim))
            m["cost_by_" + name] = usd_dict(view, by[name], COST_NANO)
        daily = cube.daily()
        m["daily_cost"] = {iso_day(d): view.usd(v[1]) for d, v in sorted(daily.items())}
        m["daily_calls"] = {iso_day(d): v[0] for d, v in sorted(daily.items())}
        m.update(forecast({d: v[1] for d, v in daily.items()}, view.start_ts, view.end_ts, tot[COST_NANO]))
        m["daily_cost_stacked"] = T.stacked_daily(view)
        m["period_change"] = T.period_change(view)
        m["cost_per_active_customer_by_week"] = T.cost_per_customer_by_week(view)
        m["models"] = self._models(view, shared, by["model"], tot[COST_NANO])
        m["cost_per_1k_tokens_by_model"] = {k: v["cost_per_1k_tokens_usd"] for k, v in m["models"].items()}
        m["task_types"] = self._tasks(view, by["task_type"])
        m["output_input_ratio_by_task_type"] = {k: v["output_input_ratio"] for k, v in m["task_types"].items()}
        m["concentration"] = {name: self._top(m["cost_by_" + name], m["total_cost_usd"])
                              for name in ("provider", "model", "customer", "organization")}
        m["concentration"]["top5_customers_share_pct"] = pct(sum(list(m["cost_by_customer"].values())[:5]),
                                                             m["total_cost_usd"])
        recs = [r for r in (self._model_rec(m), self._customer_rec(view, m), self._trend_rec(m),
                            self._env_rec(view, by["environment"])) if r]
        return {"metrics": m, "recommendations": recs, "notes": self._notes(view, m)}

    # ---- metrics ---------------------------------------------------------------------------------------------
    @staticmethod
    def _models(view, shared, by_model, total: int) -> Dict[str, Dict[str, Any]]:
        providers = {}  # type: Dict[str, List[str]]
        for (prov, model) in sorted(shared.group("provider", "model")):
            providers.setdefault(model, []).append(prov)
        out = {}
        for model, g in by_cost(by_model, COST_NANO):
            tokens = g[INPUT] + g[OUTPUT]
            out[str(model)] = {"providers": providers.get(str(model), []), "calls": g[CALLS], "input_tokens": g[INPUT],
                               "output_tokens": g[OUTPUT], "cost_usd": view.usd(g[COST_NANO]),
                               "share_pct": pct(g[COST_NANO], total),
                               "cost_per_1k_tokens_usd": ratio(g[COST_NANO] / 1e9 * 1000, tokens),
                               "cost_per_call_usd": ratio(g[COST_NANO] / 1e9, g[CALLS])}
        return out

    @staticmethod
    def _tasks(view, groups) -> Dict[str, Dict[str, Any]]:
        out = {}
        for task, g in by_cost(groups, COST_NANO):
            out[str(task)] = {"calls": g[CALLS], "input_tokens": g[INPUT], "output_tokens": g[OUTPUT],
                              "cost_usd": view.usd(g[COST_NANO]),
                              "avg_input_tokens": ratio(g[INPUT], g[CALLS], 1),
                              "avg_output_tokens": ratio(g[OUTPUT], g[CALLS], 1),
                              "output_input_ratio": ratio(g[OUTPUT], g[INPUT], 4),
                              "cost_per_1k_tokens_usd": ratio(g[COST_NANO] / 1e9 * 1000, g[INPUT] + g[OUTPUT])}
        return out

    @staticmethod
    def _top(costs: Dict[str, float], total: float) -> Optional[Dict[str, Any]]:
        if not costs:
            return None
        name, usd = next(iter(costs.items()))
        return {"name": name, "cost_usd": usd, "share_pct": pct(usd, total)}

    # ---- recommendations -------------------------------------------------------------------------------------
    @staticmethod
    def _model_rec(m) -> Optional[Dict[str, Any]]:
        """The largest cost line, as a fact: what a cheaper model would save is priced once, by optimization."""
        top = m["concentration"]["model"]
        if not top or len(m["cost_by_model"]) < 2:
            return None
        return {"kind": "info", "title": "%s carries %s of AI spend" % (top["name"], H.fmt_pct(top["share_pct"])),
                "detail": "%s is the largest cost line (%s in the period). Which of its calls a cheaper model could "
                          "take, and what that saves at list prices, is in the cost optimization report (model "
                          "right-sizing); watch this concentration when negotiating prices."
                          % (top["name"], H.fmt_usd(top["cost_usd"])),
                "impact_usd_per_month": None, "assumptions": [], "level": "info"}

    @staticmethod
    def _customer_rec(view, m) -> Optional[Dict[str, Any]]:
        top = m["concentration"]["customer"]
        if not top or len(m["cost_by_customer"]) < 2:
            return None
        nano = int(round(top["cost_usd"] * 1e9))
        return {"kind": "info", "title": "Customer %s drives %s of AI spend (%s/month of AI cost)" % (
                    top["name"], H.fmt_pct(top["share_pct"]), H.fmt_usd(view.per_month(nano))),
                "detail": "The five largest customers account for %s of spend. Whether %s's plan covers its usage "
                          "is in the customer profitability report." % (
                              H.fmt_pct(m["concentration"]["top5_customers_share_pct"]), top["name"]),
                "impact_usd_per_month": None, "assumptions": [],
                "level": "warning" if top["share_pct"] >= 25 else "info"}

    @staticmethod
    def _trend_rec(m) -> Dict[str, Any]:
        growth = m["forecast_usd"]["30d"] - m["run_rate_usd_per_month"]
        rng = m["forecast_range_usd"]["30d"]
        text = ("Next 30 days: %s (80%% range %s to %s); next 90 days %s; next 12 months %s, against a run rate of "
                "%s/month. The run rate is the pace of the data period; the forecast projects its trend. Method: %s."
                % (H.fmt_usd(m["forecast_usd"]["30d"]), H.fmt_usd(rng["low"]), H.fmt_usd(rng["high"]),
                   H.fmt_usd(m["forecast_usd"]["90d"]), H.fmt_usd(m["forecast_usd"]["annual"]),
                   H.fmt_usd(m["run_rate_usd_per_month"]), m["forecast_method"]))
        change = m["period_change"].get("week_over_week")
        if change and change["change_pct"] is not None:
            text += " Week over week: %s (%s to %s against %s)." % (
                H.fmt_pct(change["change_pct"], signed=True), change["current_from"], change["current_to"],
                H.fmt_usd(change["previous_usd"]))
        if growth > 0.05 * m["run_rate_usd_per_month"]:
            title = "Spend is heading %s/month above the current run rate: budget for it" % H.fmt_usd(growth)
        elif growth < -0.05 * m["run_rate_usd_per_month"]:
            title = "Spend is forecast %s/month below the current run rate" % H.fmt_usd(-growth)
        else:
            title = "Spend is forecast at %s for the next 30 days, close to the run rate" % H.fmt_usd(
                m["forecast_usd"]["30d"])
        return {"kind": "info", "title": title, "detail": text, "impact_usd_per_month": None,
                "assumptions": ["The trend and weekday pattern of the complete days continue."],
                "level": "warning" if growth > 0.05 * m["run_rate_usd_per_month"] else "info"}

    @staticmethod
    def _env_rec(view, groups) -> Optional[Dict[str, Any]]:
        nano = sum(g[COST_NANO] for env, g in groups.items() if str(env).lower() in NON_PRODUCTION)
        if nano <= 0:
            return None
        envs = sorted(str(e) for e in groups if str(e).lower() in NON_PRODUCTION)
        return {"kind": "info", "title": "Non-production environments cost %s/month" % H.fmt_usd(view.per_month(nano)),
                "detail": "%s calls cost %s in the period. Test traffic is needed, but it rarely needs premium models: "
                          "check which models it uses (cost optimization prices cheaper ones)." % (
                              ", ".join(envs), H.fmt_usd(view.usd(nano))),
                "impact_usd_per_month": None, "assumptions": [], "level": "info"}

    @staticmethod
    def _notes(view, m) -> List[str]:
        notes = []
        for col, what in (("organization_id", "organizations"), ("product_id", "products"), ("feature_id", "features"),
                          ("task_type", "task types"), ("environment", "environments")):
            if not view.has(col):
                notes.append("No %s column: cost by %s cannot be split (all cost is shown under one label)." % (col, what))
        if m["forecast_fit"]["complete_days"] < 14:
            notes.append("Fewer than 14 complete days of data: the forecast is a flat run rate without trend or "
                         "weekday pattern.")
        return notes

    # ---- page ------------------------------------------------------------------------------------------------
    def render(self, doc) -> H.Markup:
        m = doc["metrics"]
        total = m["total_cost_usd"]
        fc, rng = m["forecast_usd"], m["forecast_range_usd"]
        prov = m["concentration"]["provider"] or {"name": "\u2014", "share_pct": None}
        cards = [
            {"label": "AI spend in the period", "value": H.fmt_usd(total),
             "context": "%s calls over %s" % (H.fmt_int(m["total_calls"]), H.fmt_days(doc["data"]["days"]))},
            {"label": "Run rate per month", "value": H.fmt_usd(m["run_rate_usd_per_month"]),
             "context": "period total \u00d7 30 / %s" % H.fmt_days(doc["data"]["days"])},
            {"label": "Forecast, next 30 days", "value": H.fmt_usd(fc["30d"]),
             "context": "80%% range %s \u2013 %s" % (H.fmt_usd(rng["30d"]["low"]), H.fmt_usd(rng["30d"]["high"]))},
            {"label": "Forecast, next 12 months", "value": H.fmt_usd(fc["annual"]),
             "context": "90 days: %s" % H.fmt_usd(fc["90d"])},
            {"label": "Largest provider", "value": prov["name"],
             "context": "%s of spend (%s)" % (H.fmt_pct(prov["share_pct"]),
                                              H.fmt_usd(prov.get("cost_usd")))},
            {"label": "Cost per 1K tokens", "value": H.fmt_usd(m["cost_per_1k_tokens_usd"]),
             "context": H.fmt_tokens(m["total_input_tokens"] + m["total_output_tokens"])},
        ]
        return H.join([H.metric_cards(cards), self._trend_section(m, doc["data"]), T.render_section(m, doc["data"]),
                       self._provider_model_sections(m, total),
                       self._allocation_section(m, total), self._efficiency_section(m),
                       H.section("Recommendations", H.recommendations(doc["recommendations"]), id="recommendations")])

    @staticmethod
    def _trend_section(m, data) -> H.Markup:
        fd = m["forecast_daily_usd"]
        series = {"Daily cost": sorted(m["daily_cost"].items()),
                  "Forecast": sorted((d, v["expected"]) for d, v in fd.items()),
                  "Forecast low (80%)": sorted((d, v["low"]) for d, v in fd.items()),
                  "Forecast high (80%)": sorted((d, v["high"]) for d, v in fd.items())}
        horizons = (("30d", "Next 30 days"), ("90d", "Next 90 days"), ("annual", "Next 12 months"))
        rows = [[name, (H.fmt_usd, m["forecast_usd"][k]),
                 money_cell(m["forecast_range_usd"][k]["low"]), money_cell(m["forecast_range_usd"][k]["high"])]
                for k, name in horizons]
        partial = {p["day"]: p["covered_hours"] for p in data.get("partial_days") or []}
        days = [[d, money_cell(v), m["daily_calls"].get(d),
                 ("partial (%g h)" % partial[d]) if d in partial else "whole"] for d, v in sorted(m["daily_cost"].items())]
        return H.section("Daily cost and forecast", H.join([
            H.line_chart(series, "Daily cost, then the 30-day forecast with its 80% range",
                         highlights=sorted(partial), highlight_label="Partial day"),
            H.p(H.strong("Forecast method: "), m["forecast_method"], "."),
            H.columns(H.table(["Horizon", "Expected", "Low (80%)", "High (80%)"], rows, id="forecast",
                              caption="Spend forecast"),
                      H.table(["Day", "Cost", "Calls", "Coverage"], days, id="daily-cost",
                              caption="Cost of every day with data", top=10, limit=None)),  # bounded by time
        ]), id="trend")

    @staticmethod
    def _provider_model_sections(m, total: float) -> H.Markup:
        prov_rows = [[k, money_cell(v), pct_cell(pct(v, total))] for k, v in m["cost_by_provider"].items()]
        model_rows = [[k, ", ".join(v["providers"]), v["calls"], (H.fmt_tokens(v["input_tokens"] + v["output_tokens"]),
                                                                  v["input_tokens"] + v["output_tokens"]),
                       money_cell(v["cost_usd"]), pct_cell(v["share_pct"]), money_cell(v["cost_per_1k_tokens_usd"]),
                       money_cell(v["cost_per_call_usd"])] for k, v in m["models"].items()]
        return H.join([
            H.section("Cost by provider", H.columns(
                H.donut_chart(list(m["cost_by_provider"].items()), "Share of spend by provider"),
                H.table(["Provider", "Cost", "Share"], prov_rows, id="by-provider", caption="Cost of every provider")),
                id="providers"),
            H.section("Cost by model", H.join([
                H.bar_chart(list(m["cost_by_model"].items()), "Cost by model"),
                H.table(["Model", "Providers", "Calls", "Tokens", "Cost", "Share", "Per 1K tokens", "Per call"],
                        model_rows, id="by-model", caption="Every model: volume, cost and unit cost")]), id="models"),
        ])

    @staticmethod
    def _allocation_section(m, total: float) -> H.Markup:
        parts = [H.bar_chart(list(m["cost_by_customer"].items()), "Cost by customer (largest 15)")]
        blocks = []
        for name, _, label in ALLOCATIONS:
            if name in ("provider", "model"):
                continue
            rows = [[k, money_cell(v), pct_cell(pct(v, total))] for k, v in m["cost_by_" + name].items()]
            blocks.append(H.table([label, "Cost", "Share"], rows, id="by-" + name.replace("_", "-"),
                                  caption="Cost by %s" % label.lower(), top=10))
        for i in range(0, len(blocks), 2):
            parts.append(H.columns(*blocks[i:i + 2]))
        return H.section("Cost allocation", H.join(parts), id="allocation",
                         intro="Every dollar of the period attributed to who and what incurred it; each table sums "
                               "to the total spend.")

    @staticmethod
    def _efficiency_section(m) -> H.Markup:
        per1k = [(k, v) for k, v in sorted(m["cost_per_1k_tokens_by_model"].items(), key=lambda kv: (-(kv[1] or 0), kv[0]))
                 if v is not None]
        rows = [[k, v["calls"], (H.fmt_tokens, v["avg_input_tokens"]),
                 (H.fmt_tokens, v["avg_output_tokens"]),
                 ("%.2f\u00d7" % v["output_input_ratio"] if v["output_input_ratio"] is not None else "\u2014",
                  v["output_input_ratio"]),
                 money_cell(v["cost_per_1k_tokens_usd"]), money_cell(v["cost_usd"])] for k, v in m["task_types"].items()]
        return H.section("Token efficiency", H.join([
            H.bar_chart(per1k, "Cost per 1K tokens (input + output) by model", additive=False),
            H.table(["Task type", "Calls", "Avg input per call", "Avg output per call", "Output / input", "Per 1K tokens",
                     "Cost"], rows, id="task-efficiency", caption="Tokens and unit cost by task type"),
        ]), id="efficiency", intro="Output tokens are priced several times higher than input tokens, so task types "
                                   "with a high output/input ratio cost more per token.")


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["understanding"], "understanding.py")))
