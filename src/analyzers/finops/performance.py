"""Performance: how fast each model and provider answers (p50/p95/p99 latency, exact), how much speed costs
(cost vs latency per model, output tokens per second), and which models are beaten on the same task type by a
comparable model that is both faster and cheaper (a free win).

Run from src/: python3 analyzers/finops/performance.py [--data CSV] [--out DIR]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

import bisect
import itertools
import operator
from typing import Any, Dict, List, Optional

from analyzers.engine.base import Analyzer
from analyzers.engine.cube import CALLS, COST_NANO, INPUT, LAT_N, LAT_SUM, OUTPUT
from analyzers.finops._common import by_cost, money_cell, nearest_ranks, pct_cell, ratio
from analyzers.finops._dominance import MIN_CALLS, dominated as _dominated
from analyzers.groups import groups
from pricing.catalog import list_cost_nano
from utils import html_generator as H

PCTS = (50, 95, 99)


class _Sorted(object):
    """A {ms: calls} histogram as its latencies in order with their running count, its calls and its total ms."""

    __slots__ = ("values", "running", "calls", "total_ms")

    def __init__(self, hist: Dict[int, int]) -> None:
        self.values = sorted(hist)
        counts = list(map(hist.__getitem__, self.values))
        self.running = list(itertools.accumulate(counts))
        self.calls = self.running[-1]
        self.total_ms = sum(map(operator.mul, self.values, counts))

    def at_most(self, ms: int) -> int:
        """Calls of at most `ms`."""
        i = bisect.bisect_right(self.values, ms)
        return self.running[i - 1] if i else 0


def _latency_stats(hists: List[_Sorted]) -> Dict[str, Any]:
    """calls, mean and exact nearest-rank percentiles of the sum of histograms, without summing them: each
    percentile is the least latency whose count of calls at or below it, over the histograms, reaches its rank
    (a bisection over latencies, each histogram bisected in turn)."""
    n = sum(h.calls for h in hists)
    lo, hi = min(h.values[0] for h in hists), max(h.values[-1] for h in hists)
    out = []
    for rank in nearest_ranks(n, PCTS):
        a, b = lo, hi  # the answer is in [a, b]: at b the count reaches the rank
        while a < b:
            mid = (a + b) // 2
            if sum(h.at_most(mid) for h in hists) >= rank:
                b = mid
            else:
                a = mid + 1
        out.append(a)
    p50, p95, p99 = out
    return {"calls": n, "mean_ms": round(sum(h.total_ms for h in hists) / float(n), 2), "p50_ms": p50,
            "p95_ms": p95, "p99_ms": p99, "min_ms": lo, "max_ms": hi}


def _tokens_per_s(g: List[int]) -> Optional[float]:
    """Output tokens per second of latency, over the calls that have a latency (their share of the output)."""
    if not g[LAT_N] or not g[LAT_SUM]:
        return None
    return round(g[OUTPUT] * g[LAT_N] / float(g[CALLS]) / (g[LAT_SUM] / 1000.0), 2)


class PerformanceAnalyzer(Analyzer):
    id = "performance"
    title = "Performance: latency, throughput & cost"
    category = "finops"
    summary = "How fast is each model, what does speed cost, and which models are both slower and dearer?"

    def compute(self, view) -> Dict[str, Any]:
        cube, shared = view.cube, groups(view)
        latency = [(pm, _Sorted(h)) for pm, h in sorted(cube.latency.items())]  # every histogram with calls
        hists = {}  # type: Dict[str, List[_Sorted]]  # model -> its histograms at every provider
        for (_, model), h in latency:
            hists.setdefault(model, []).append(h)
        by_model = shared.group("model")
        m = {"latency_by_model": {k: _latency_stats(hists[k]) for k in sorted(hists)}}  # type: Dict[str, Any]
        m["models_without_latency"] = sorted(str(k) for k, g in by_model.items() if not g[LAT_N])
        m["overall_latency"] = _latency_stats([h for _, h in latency]) if latency else None
        m["latency_by_provider"] = self._providers(latency)
        m["latency_by_provider_model"] = {"%s/%s" % pm: _latency_stats([h]) for pm, h in latency}
        m["cost_latency_by_model"] = self._cost_latency(view, shared, by_model, m["latency_by_model"])
        m["throughput_tokens_per_s_by_model"] = {k: v["output_tokens_per_s"]
                                                 for k, v in m["cost_latency_by_model"].items()}
        m["efficient_frontier"] = self._frontier(m["cost_latency_by_model"])
        m["dominated_models"] = _dominated(view)
        m["dominated_upper_bound_usd_per_month"] = round(sum(d["upper_bound_usd_per_month"]
                                                             for d in m["dominated_models"]), 2)
        notes = []
        if not view.has("latency_ms"):
            notes.append("No latency_ms column: latency percentiles, throughput and the faster-and-cheaper comparison "
                         "need it. Cost per model is still shown.")
        elif not latency:
            notes.append("The latency_ms column is empty in every row: latency cannot be measured.")
        elif m["models_without_latency"]:
            notes.append("No latency recorded for %s: left out of the latency figures." % ", ".join(m["models_without_latency"]))
        return {"metrics": m, "recommendations": self._recs(view, m), "notes": notes}

    # ---- metrics ---------------------------------------------------------------------------------------------
    @staticmethod
    def _providers(latency) -> Dict[str, Dict[str, Any]]:
        """Per provider: calls with a latency, exact mean and exact percentiles from its (provider, model)
        histograms, and the models it serves."""
        by_provider = {}  # type: Dict[str, List[_Sorted]]
        models = {}  # type: Dict[str, List[str]]
        for (prov, model), h in latency:
            by_provider.setdefault(prov, []).append(h)
            models.setdefault(prov, []).append(model)
        out = {}
        for prov in sorted(by_provider):
            st = _latency_stats(by_provider[prov])
            out[str(prov)] = {"calls": st["calls"], "mean_ms": st["mean_ms"], "p50_ms": st["p50_ms"],
                              "p95_ms": st["p95_ms"], "p99_ms": st["p99_ms"], "models": models[prov]}
        return out

    @staticmethod
    def _cost_latency(view, shared, by_model, lat) -> Dict[str, Dict[str, Any]]:
        listed = {}  # type: Dict[str, Optional[int]]  # model -> its tokens at list price (None: not in the catalog)
        for (prov, model), g in shared.group("provider", "model").items():
            entry = view.catalog.get(prov, model)
            if model not in listed or listed[model] is not None:
                listed[model] = None if entry is None else (listed.get(model) or 0) + list_cost_nano(
                    entry, g[INPUT], g[OUTPUT])
        out = {}
        for model, g in by_cost(by_model, COST_NANO):
            st = lat.get(model) or {}
            tokens = g[INPUT] + g[OUTPUT]
            at_list = listed.get(model)
            out[str(model)] = {"calls": g[CALLS], "cost_usd": view.usd(g[COST_NANO]),
                               "cost_per_call_usd": ratio(g[COST_NANO] / 1e9, g[CALLS]),
                               "cost_per_1k_tokens_usd": ratio(g[COST_NANO] / 1e6, tokens),
                               "list_cost_per_1k_tokens_usd": ratio(at_list / 1e6, tokens) if at_list is not None else None,
                               "paid_vs_list_pct": ratio(100.0 * g[COST_NANO], at_list, 2) if at_list else None,
                               "mean_ms": st.get("mean_ms"), "p50_ms": st.get("p50_ms"), "p95_ms": st.get("p95_ms"),
                               "output_tokens_per_s": _tokens_per_s(g)}
        return out

    @staticmethod
    def _frontier(rows) -> List[str]:
        """Models no other model beats on both cost per 1K tokens and p50 latency (the efficient choices)."""
        pts = [(k, v["cost_per_1k_tokens_usd"], v["p50_ms"]) for k, v in rows.items()
               if v["cost_per_1k_tokens_usd"] is not None and v["p50_ms"] is not None]
        keep = [k for k, c, l in pts
                if not any(c2 <= c and l2 <= l and (c2 < c or l2 < l) for k2, c2, l2 in pts if k2 != k)]
        return sorted(keep, key=lambda k: (rows[k]["cost_per_1k_tokens_usd"], k))

    # ---- recommendations -------------------------------------------------------------------------------------
    @staticmethod
    def _recs(view, m) -> List[Dict[str, Any]]:
        recs = []
        dom = m["dominated_models"]
        if dom:
            top = "; ".join("%s on %s: %s (%s/%s) is %s faster, up to %s/month cheaper" % (
                d["task_type"] or "unlabelled", "%s/%s" % (d["provider"], d["model"]), d["dominated_by"],
                d["alternative_provider"], d["task_type"] or "unlabelled", H.fmt_pct(d["faster_pct"], 0),
                H.fmt_usd(d["upper_bound_usd_per_month"])) for d in dom[:3])
            recs.append({
                "kind": "info", "impact_usd_per_month": None, "level": "info",
                "title": "%d model-task pair%s have a faster and cheaper alternative: up to %s/month (an upper bound)"
                         % (len(dom), "" if len(dom) == 1 else "s", H.fmt_usd(m["dominated_upper_bound_usd_per_month"])),
                "detail": "Largest: %s. This ignores answer quality, so it is not a saving; cost optimization's model "
                          "right-sizing prices the moves it recommends, at the same list prices." % top,
                "assumptions": ["The alternative answers the same task as well (not checked).",
                                "The same tokens at the alternative's list price."]})
        lat = m["latency_by_model"]
        if not lat:
            recs.append({"kind": "info", "title": "Record latency on every call to manage performance",
                         "detail": "This data has no latency, so speed cannot be weighed against cost. Metering "
                                   "latency per call makes slow or overpriced models visible.",
                         "impact_usd_per_month": None, "assumptions": [], "level": "info"})
            return recs
        slow = sorted(((v["p95_ms"], k) for k, v in lat.items() if v["calls"] >= MIN_CALLS), reverse=True)
        if slow:
            p95, model = slow[0]
            cl = m["cost_latency_by_model"].get(model, {})
            recs.append({"kind": "info", "title": "%s is the slowest model: 1 call in 20 takes over %s" % (
                             model, _secs(p95)),
                         "detail": "p50 %s, p99 %s over %s calls (%s in the period). Use it for work that can wait "
                                   "(batch, background) or set a timeout and a faster fallback for interactive use." % (
                                       _secs(lat[model]["p50_ms"]), _secs(lat[model]["p99_ms"]),
                                       H.fmt_int(lat[model]["calls"]), H.fmt_usd(cl.get("cost_usd"))),
                         "impact_usd_per_month": None, "assumptions": [], "level": "info"})
        if not dom:
            recs.append({"kind": "info", "title": "No model is both slower and dearer than a comparable alternative",
                         "detail": "For every task type, each model with at least %d timed calls is either the "
                                   "fastest or the cheapest among the comparable models used for it." % MIN_CALLS,
                         "impact_usd_per_month": None, "assumptions": [], "level": "success"})
        return recs

    # ---- page ------------------------------------------------------------------------------------------------
    def render(self, doc) -> H.Markup:
        m = doc["metrics"]
        lat, overall = m["latency_by_model"], m["overall_latency"]
        fastest = min(((v["p50_ms"], k) for k, v in lat.items()), default=None)
        slowest = max(((v["p95_ms"], k) for k, v in lat.items()), default=None)
        tps = sorted(v for v in m["throughput_tokens_per_s_by_model"].values() if v is not None)
        cards = [
            {"label": "Median latency (p50)", "value": _secs(overall["p50_ms"]) if overall else "\u2014",
             "context": "p95 %s over %s timed calls" % (_secs(overall["p95_ms"]), H.fmt_int(overall["calls"]))
             if overall else "no latency in this data"},
            {"label": "Fastest model (p50)", "value": _secs(fastest[0]) if fastest else "\u2014",
             "context": fastest[1] if fastest else ""},
            {"label": "Slowest model (p95)", "value": _secs(slowest[0]) if slowest else "\u2014",
             "context": slowest[1] if slowest else ""},
            {"label": "Median throughput", "value": _per_s(tps[len(tps) // 2]) if tps else "\u2014",
             "context": "output tokens per second, across models"},
            {"label": "Faster and cheaper alternatives", "value": "up to %s/month" % H.fmt_usd(
                m["dominated_upper_bound_usd_per_month"]),
             "context": "an upper bound, quality not compared: %d model-task pair%s" % (
                 len(m["dominated_models"]), "" if len(m["dominated_models"]) == 1 else "s")},
        ]
        return H.join([H.metric_cards(cards), self._latency_section(m), self._tradeoff_section(m),
                       self._dominated_section(m),
                       H.section("Recommendations", H.recommendations(doc["recommendations"]), id="recommendations")])

    @staticmethod
    def _latency_section(m) -> H.Markup:
        lat = m["latency_by_model"]
        if not lat:
            return H.section("Latency", H.not_available("Latency percentiles", "No call in this data has a latency."),
                             id="latency")
        order = sorted(lat, key=lambda k: (-lat[k]["p95_ms"], k))
        rows = [[k, v["calls"], (_secs(v["mean_ms"]), v["mean_ms"]), (_secs(v["p50_ms"]), v["p50_ms"]),
                 (_secs(v["p95_ms"]), v["p95_ms"]), (_secs(v["p99_ms"]), v["p99_ms"]),
                 (_secs(v["max_ms"]), v["max_ms"])] for k, v in ((k, lat[k]) for k in order)]
        prov = [[k, v["calls"], (_secs(v["mean_ms"]), v["mean_ms"]),
                 (_secs(v["p50_ms"]), v["p50_ms"]), (_secs(v["p95_ms"]), v["p95_ms"]),
                 (_secs(v["p99_ms"]), v["p99_ms"])] for k, v in m["latency_by_provider"].items()]
        pm = [[k, v["calls"], (_secs(v["mean_ms"]), v["mean_ms"]), (_secs(v["p50_ms"]), v["p50_ms"]),
               (_secs(v["p95_ms"]), v["p95_ms"]), (_secs(v["p99_ms"]), v["p99_ms"])]
              for k, v in m["latency_by_provider_model"].items()]
        return H.section("Latency by model and provider", H.join([
            H.columns(H.bar_chart([(k, lat[k]["p50_ms"]) for k in order], "Median latency (p50) by model",
                                  value_format=_secs, additive=False),
                      H.bar_chart([(k, lat[k]["p95_ms"]) for k in order], "Tail latency (p95) by model",
                                  value_format=_secs, additive=False)),
            H.table(["Model", "Timed calls", "Mean", "p50", "p95", "p99", "Max"], rows, id="latency-by-model",
                    caption="Latency of every model (exact percentiles, nearest rank)"),
            H.table(["Provider", "Timed calls", "Mean", "p50", "p95", "p99"], prov, id="latency-by-provider",
                    caption="Latency by provider"),
            H.table(["Provider / model", "Timed calls", "Mean", "p50", "p95", "p99"], pm,
                    id="latency-by-provider-model", caption="Latency of every model at every provider serving it"),
        ]), id="latency", intro="p50 is the typical call; p95 and p99 are what the slowest 1 in 20 and 1 in 100 "
                                "users wait.")

    @staticmethod
    def _tradeoff_section(m) -> H.Markup:
        rows = m["cost_latency_by_model"]
        frontier = set(m["efficient_frontier"])
        table_rows = [[k, v["calls"], money_cell(v["cost_usd"]), money_cell(v["cost_per_1k_tokens_usd"]),
                       money_cell(v["list_cost_per_1k_tokens_usd"]), pct_cell(v["paid_vs_list_pct"]),
                       money_cell(v["cost_per_call_usd"]), (_secs(v["p50_ms"]), v["p50_ms"]),
                       (_secs(v["p95_ms"]), v["p95_ms"]),
                       (_per_s(v["output_tokens_per_s"]), v["output_tokens_per_s"]),
                       "yes" if k in frontier else "no"] for k, v in rows.items()]
        tps = [(k, v) for k, v in sorted(m["throughput_tokens_per_s_by_model"].items(),
                                         key=lambda kv: (-(kv[1] or 0), kv[0])) if v is not None]
        return H.section("Cost vs latency", H.join([
            H.bar_chart(tps, "Throughput: output tokens per second", value_format=_per_s, additive=False),
            H.table(["Model", "Calls", "Cost", "Per 1K tokens", "List per 1K", "Paid vs list", "Per call", "p50",
                     "p95", "Tokens/s", "Efficient"],
                    table_rows, id="cost-vs-latency", caption="Cost and speed of every model; what was paid against "
                                                             "the price catalog's list price for the same tokens"),
            H.p("Efficient models (no other model is both cheaper per 1K tokens and faster at p50): ",
                H.strong(", ".join(m["efficient_frontier"]) or "none measurable"), "."),
        ]), id="tradeoff")

    @staticmethod
    def _dominated_section(m) -> H.Markup:
        rows = [[d["task_type"], "%s/%s" % (d["provider"], d["model"]),
                 "%s/%s" % (d["alternative_provider"], d["dominated_by"]), d["calls"],
                 (_secs(d["mean_ms"]), d["mean_ms"]), (_secs(d["alternative_mean_ms"]), d["alternative_mean_ms"]),
                 pct_cell(d["faster_pct"], 0), money_cell(d["cost_usd"]), money_cell(d["cost_at_alternative_usd"]),
                 money_cell(d["upper_bound_usd_per_month"])] for d in m["dominated_models"]]
        return H.section("Slower and dearer: an upper bound", H.table(
            ["Task type", "Model", "Faster, cheaper alternative", "Calls", "Mean latency", "Alternative latency",
             "Faster by", "Cost", "Cost at alternative", "Up to/month"], rows, id="dominated", key=9,
            caption="Task types where a comparable model is faster and cheaper"), id="dominated",
            intro="Compared on the same task type, among models of the same or the next lower price class, with at "
                  "least %d timed calls each; the alternative's list price is applied to the same tokens. Quality "
                  "is not compared, so these figures are upper bounds, not savings." % MIN_CALLS)


def _secs(ms) -> str:
    """Latency in seconds throughout the page ("0.25 s", "14.7 s"), so bars and columns compare in one unit."""
    if ms is None or abs(ms) >= 1000:
        return H.fmt_ms(ms, unit="s")
    return "%.2f s" % (ms / 1000.0)


def _per_s(tokens_per_s) -> str:
    """Throughput: "74 tokens/s"."""
    return "%s tokens/s" % H.fmt_int(tokens_per_s) if tokens_per_s is not None else "\u2014"


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["performance"], "performance.py")))
