"""Cost optimization: where could the same AI work cost less, and how much per month?

Five opportunities, applied in a fixed order so that none is counted twice (see _savings.py): model right-sizing,
prompt caching, batch processing and reserved/provisioned capacity. Every figure comes from the data
and the price catalog's list prices; every assumption is listed in the JSON ("assumptions") and on the page.

Run from src/: python3 analyzers/finops/optimization.py [--data CSV] [--out DIR]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

import argparse
from typing import Any, Dict, List

from analyzers.engine.base import Analyzer
from analyzers.finops import _savings as S
from utils import html_generator as H
from utils.cli import positive_float

TOP_MOVES = 3  # right-sizing moves shown as recommendations of their own; the rest share one


def _pct_arg(text: str) -> float:
    """argparse type: a percentage above 0 and below 100."""
    value = positive_float(text)
    if value >= 100:
        raise argparse.ArgumentTypeError("must be below 100, got %s" % text)
    return value


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _assumed(m: Dict[str, Any], kind: str) -> List[str]:
    """The assumptions behind one kind of saving, as plain sentences (the order that keeps savings from overlapping
    is the page's and the summary's intro)."""
    return [a["text"] for a in m["assumptions"] if a["kind"] == kind]


def _names(items: List[str]) -> str:
    return items[0] if len(items) == 1 else "%s and %s" % (", ".join(items[:-1]), items[-1])


class OptimizationAnalyzer(Analyzer):
    id = "optimization"
    title = "Cost optimization"
    category = "finops"
    summary = "Where could the same AI work cost less, and how much would each change save per month?"
    OPTIONS = [
        ("--commit-discount-pct", {"type": _pct_arg, "default": 20.0,
                                   "help": "reserved capacity: committed-use discount in %% (20)"}),
        ("--commit-minimum-usd", {"type": positive_float, "default": 5000.0,
                                  "help": "reserved capacity: smallest steady spend per model and month that a "
                                          "commitment needs, in USD (5000)"}),
    ]

    def compute(self, view) -> Dict[str, Any]:
        o = view.options
        catalog = view.catalog
        s = S.Settings(float(o.get("commit_discount_pct") or 20.0),
                       float(o.get("commit_minimum_usd") or 5000.0), catalog.batch_discount_pct)
        cells = S.cells_of(view, catalog)
        total = sum(c.cost_nano for c in cells)
        rs, rs_rows = S.right_size(view, catalog, cells)
        steps = [("model_right_sizing", rs), ("prompt_caching", S.cache(cells)),
                 ("batch", S.batch(cells, s.batch_discount_pct))]
        base = S.steady_baseline(view)
        prov, prov_rows = S.provisioned(view, cells, s, base)
        steps.append(("provisioned_capacity", prov))
        saved = {k: sum(r[2] for r in acc.values()) for k, acc in steps}
        total_saved = sum(saved.values())
        notes = self._notes(view, cells, catalog)
        if total_saved != total - sum(c.left for c in cells) or total_saved > total:  # by construction never
            notes.append("The savings did not reconcile with the cost left; they were clamped to the run rate.")
            total_saved = min(total_saved, total)
        # a model id sold by two providers (gpt-4o: openai, azure) is named with its provider
        seen = {}  # type: Dict[str, set]
        for c in cells:
            seen.setdefault(c.model, set()).add(c.provider)
        dup = {mdl for mdl, provs in seen.items() if len(provs) > 1}
        opps = [op for kind, acc in steps for op in self._opportunities(view, kind, acc, s, dup)]
        opps.sort(key=lambda op: (-op["savings_usd_per_month"], op["kind"], op["title"]))
        run_rate = view.per_month(total)
        metrics = {
            "total_cost_usd": view.usd(total), "run_rate_usd_per_month": run_rate,
            "potential_savings_usd_per_month": view.per_month(total_saved),
            "potential_savings_pct_of_run_rate": _pct(total_saved, total),
            "cost_after_usd_per_month": view.per_month(total - total_saved),
            "savings_by_kind": {k: view.per_month(saved[k]) for k in S.KINDS},
            "application_order": list(S.KINDS),
            "opportunities": opps,
            "right_sizing": self._right_sizing_rows(view, rs_rows),
            "provisioned_capacity": self._provisioned_rows(view, prov_rows),
            "steady_baseline": {"days_used": base["days_used"], "lowest_day_usd": view.usd(base["min_nano"]),
                                "mean_day_usd": view.usd(base["sum_nano"] // max(1, base["days_used"])),
                                "baseline_share_pct": _pct(base["ratio_num"], base["ratio_den"])},
            "settings": {"commit_discount_pct": s.commit_discount_pct,
                         "commit_minimum_usd_per_month": s.commit_min_usd, "batch_discount_pct": s.batch_discount_pct,
                         "price_catalog": catalog.source, "prices_as_of": catalog.as_of},
            "assumptions": S.assumptions(s),
        }
        return {"metrics": metrics, "recommendations": self._recommendations(metrics, s), "notes": notes}

    # ---- compute helpers ---------------------------------------------------------------------------------------
    @staticmethod
    def _notes(view, cells, catalog) -> List[str]:
        notes = []
        if not any(c.task for c in cells):
            notes.append("No task types in this data: model right-sizing and batch processing depend on the kind "
                         "of work, so they are not computed; prompt caching assumes a %d%% repeated share."
                         % S.CACHE_SHARE_OTHER_PCT)
        if not any(c.env for c in cells):
            notes.append("No environments in this data: every call is treated as production, so only the "
                         "production share of analysis and summarization counts as work that can wait.")
        if view.days < S.MIN_BASELINE_DAYS:
            notes.append("Fewer than %d days of data: no steady daily baseline, so reserved capacity is not "
                         "assessed." % S.MIN_BASELINE_DAYS)
        return notes

    @staticmethod
    def _opportunities(view, kind: str, acc: Dict[Any, List[Any]], s, dup: set) -> List[Dict[str, Any]]:
        out = []
        for key, (calls, current, saved, extra) in sorted(acc.items(), key=lambda kv: str(kv[0])):
            if kind == "model_right_sizing":
                move = extra["to_model"] + ("" if extra["to_provider"] == extra["from_provider"]
                                            else " (%s)" % extra["to_provider"])
                title = "Move %s from %s to %s" % (extra["task_type"], _label(extra["from_provider"],
                                                                               extra["from_model"], dup), move)
            elif kind == "prompt_caching":
                title = "Cache repeated prompt prefixes on %s" % _label(extra["provider"], extra["model"], dup)
            elif kind == "batch":
                title = ("Send %d%% of production %s to the batch API" % (extra["share_pct"], extra["task_type"])
                         if extra["production"] else
                         "Send %d%% of non-production %s to the batch API" % (extra["share_pct"], extra["task_type"]))
            else:
                title = "Reserve capacity for %s" % _label(extra["provider"], extra["model"], dup)
            out.append(dict(extra, kind=kind, title=title, calls=calls, current_cost_usd=view.usd(current),
                            current_cost_usd_per_month=view.per_month(current),
                            savings_usd_per_month=view.per_month(saved)))
        return out

    @staticmethod
    def _right_sizing_rows(view, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        out = [{"task_type": r["task_type"], "from_provider": r["provider"], "from_model": r["model"],
                "to_provider": r["to_provider"], "to_model": r["to_model"], "same_provider": r["same_provider"],
                "calls": r["calls"], "avg_tokens_per_call": round((r["input"] + r["output"]) / float(r["calls"]), 1),
                "current_cost_usd_per_month": view.per_month(r["cost"]),
                "target_cost_usd_per_month": view.per_month(r["new"]),
                "savings_usd_per_month": view.per_month(r["cost"] - r["new"])} for r in rows]
        return sorted(out, key=lambda r: (-r["savings_usd_per_month"], r["from_model"], r["task_type"],
                                          r["from_provider"]))

    @staticmethod
    def _provisioned_rows(view, rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        out = []
        for r in rows:
            baseline, even = r["baseline_nano"], r["break_even_nano"]
            tokens = r["tokens"] * even // r["list_nano"] if r["list_nano"] else None  # at this model's token mix
            out.append({"provider": r["provider"], "model": r["model"], "offer": r["offer"], "calls": r["calls"],
                        "on_demand_usd_per_month": view.per_month(r["on_demand_nano"]),
                        "steady_baseline_usd_per_month": view.per_month(baseline),
                        "commitment_usd_per_month": view.per_month(r["commitment_nano"]),
                        "break_even_usd_per_month": view.per_month(even),
                        "break_even_tokens_per_month": (int(round(tokens * 30.0 / view.days))
                                                        if tokens is not None else None),
                        "volume_multiple_needed": round(even / float(baseline), 1) if baseline else None,
                        "worth_it": r["saved_nano"] > 0, "savings_usd_per_month": view.per_month(r["saved_nano"])})
        return sorted(out, key=lambda r: (-r["on_demand_usd_per_month"], r["provider"], r["model"], r["offer"]))

    def _recommendations(self, m: Dict[str, Any], s) -> List[Dict[str, Any]]:
        recs = self._right_sizing_recs(m)
        by_kind = {}  # type: Dict[str, List[Dict[str, Any]]]
        for op in m["opportunities"]:
            by_kind.setdefault(op["kind"], []).append(op)
        money = H.fmt_usd
        caching = by_kind.get("prompt_caching")
        if caching:
            top = ", ".join("%s (%s/month)" % (o["model"], money(o["savings_usd_per_month"])) for o in caching[:3])
            recs.append({"title": "Turn on prompt caching for long, repeated prompts to save %s/month"
                                  % money(m["savings_by_kind"]["prompt_caching"]),
                         "detail": "%s calls send prompts of 1,024 tokens or more. Reading their repeated part "
                                   "(system prompt, conversation so far) from the provider's prompt cache costs a "
                                   "fraction of the input price. Largest: %s." % (
                                       H.fmt_int(sum(o["calls"] for o in caching)), top),
                         "impact_usd_per_month": m["savings_by_kind"]["prompt_caching"], "kind": "saving",
                         "assumptions": _assumed(m, "prompt_caching")})
        batch = by_kind.get("batch")
        if batch:
            recs.append({"title": "Send work that can wait to batch APIs to save %s/month"
                                  % money(m["savings_by_kind"]["batch"]),
                         "detail": "%s calls of analysis and summarization (reports, digests, test runs) can wait "
                                   "up to 24 hours; batch APIs charge %d%% of list for them: %s." % (
                                       H.fmt_int(sum(o["calls"] for o in batch)), 100 - s.batch_discount_pct,
                                       "; ".join(o["title"] for o in batch[:4])),
                         "impact_usd_per_month": m["savings_by_kind"]["batch"], "kind": "saving",
                         "assumptions": _assumed(m, "batch")})
        recs += self._capacity_recs(m, s)
        return recs

    @staticmethod
    def _right_sizing_recs(m: Dict[str, Any]) -> List[Dict[str, Any]]:
        opps = m["opportunities"]
        moves = {}  # type: Dict[Tuple[str, ...], Dict[str, Any]]
        for o in opps:
            if o["kind"] == "model_right_sizing":
                mv = moves.setdefault((o["from_provider"], o["from_model"], o["to_provider"], o["to_model"]),
                                      {"tasks": [], "calls": 0, "now": 0.0, "saved": 0.0})
                mv["tasks"].append(o["task_type"])
                mv["calls"] += o["calls"]
                mv["now"] += o["current_cost_usd_per_month"]
                mv["saved"] += o["savings_usd_per_month"]
        recs = []
        ranked = sorted(moves.items(), key=lambda kv: (-kv[1]["saved"], kv[0]))
        for (fp, fm, tp, tm), mv in ranked[:TOP_MOVES]:
            how = ("a model-name change with the same provider" if fp == tp
                   else "a move from %s to %s (a new integration)" % (fp, tp))
            recs.append({"title": "Switch %s on %s to %s to save %s/month" % (
                _names(sorted(mv["tasks"])), fm if fp == tp else "%s (%s)" % (fm, fp), tm, H.fmt_usd(mv["saved"])),
                "detail": "%s calls cost %s/month today; the same tokens on %s cost %s/month at list prices: %s. "
                          "Check answer quality on a sample first." % (
                              H.fmt_int(mv["calls"]), H.fmt_usd(mv["now"]), tm,
                              H.fmt_usd(mv["now"] - mv["saved"]), how),
                "impact_usd_per_month": round(mv["saved"], 6), "kind": "saving",
                "assumptions": _assumed(m, "model_right_sizing")})
        rest = [mv for _, mv in ranked[TOP_MOVES:]]
        if rest:
            saved = round(sum(mv["saved"] for mv in rest), 6)
            recs.append({"title": "Right-size %d more model(s) on simple tasks to save %s/month" % (
                len(rest), H.fmt_usd(saved)), "detail": "Smaller moves of the same kind: %s." % "; ".join(
                    "%s to %s (%s/month)" % (k[1], k[3], H.fmt_usd(mv["saved"])) for k, mv in ranked[TOP_MOVES:]),
                "impact_usd_per_month": saved, "kind": "saving", "assumptions": _assumed(m, "model_right_sizing")})
        return recs

    @staticmethod
    def _capacity_recs(m: Dict[str, Any], s) -> List[Dict[str, Any]]:
        rows = m["provisioned_capacity"]
        best = {}  # type: Dict[Tuple[str, str], Dict[str, Any]]
        for r in rows:  # the best offer of each model
            k = (r["provider"], r["model"])
            if k not in best or r["savings_usd_per_month"] > best[k]["savings_usd_per_month"]:
                best[k] = r
        recs = []
        for r in sorted(best.values(), key=lambda r: (-r["savings_usd_per_month"], r["model"])):
            if not r["worth_it"]:
                continue
            what = ("Provisioned throughput (%s)" % r["offer"] if r["provider"].lower() == "bedrock"
                    else "Reserved capacity")
            recs.append({"title": "%s for %s could save %s of its steady spend (%s/month)" % (
                what, r["model"], H.fmt_pct(_pct(r["savings_usd_per_month"], r["steady_baseline_usd_per_month"]), 0),
                H.fmt_usd(r["savings_usd_per_month"])),
                "detail": "Its on-demand spend never drops below about %s/month; committing to that baseline costs "
                          "%s/month and the rest stays on demand." % (
                              H.fmt_usd(r["steady_baseline_usd_per_month"]),
                              H.fmt_usd(r["steady_baseline_usd_per_month"] - r["savings_usd_per_month"])),
                "impact_usd_per_month": r["savings_usd_per_month"], "kind": "saving",
                "assumptions": _assumed(m, "provisioned_capacity")})
        for r in sorted(best.values(), key=lambda r: (-r["on_demand_usd_per_month"], r["model"])):
            if r["worth_it"] or not r["on_demand_usd_per_month"]:
                continue
            if r["provider"].lower() == "bedrock":
                units = [x for x in rows if (x["provider"], x["model"]) == (r["provider"], r["model"])]
                recs.append({"title": "Provisioned throughput for %s is not worth it at this volume" % r["model"],
                             "detail": "Its steady on-demand spend is %s/month; one model unit costs %s. It breaks "
                                       "even at %s today's steady volume: stay on demand." % (
                                           H.fmt_usd(r["steady_baseline_usd_per_month"]),
                                           " or ".join("%s/month (%s)" % (H.fmt_usd(u["break_even_usd_per_month"]),
                                                                           u["offer"]) for u in units),
                                           _multiple(r["volume_multiple_needed"])),
                             "impact_usd_per_month": None, "kind": "info", "assumptions": []})
                break
        if not any(r["worth_it"] for r in rows):
            top = [r for r in sorted(best.values(), key=lambda r: (-r["on_demand_usd_per_month"], r["model"]))
                   if r["provider"].lower() != "bedrock" and r["on_demand_usd_per_month"]]
            if top:
                r = top[0]
                recs.append({"title": "Reserved capacity does not pay yet: stay on demand",
                             "detail": "The largest steady spend, %s at %s/month, is below the %s/month a %g%% "
                                       "commitment needs (%s today's volume)." % (
                                           r["model"], H.fmt_usd(r["steady_baseline_usd_per_month"]),
                                           H.fmt_usd(s.commit_min_usd), s.commit_discount_pct,
                                           _multiple(r["volume_multiple_needed"])),
                             "impact_usd_per_month": None, "kind": "info", "assumptions": []})
        return recs

    # ---- page ------------------------------------------------------------------------------------------------------
    def render(self, doc) -> H.Markup:
        m = doc["metrics"]
        run, saved, opps = m["run_rate_usd_per_month"], m["potential_savings_usd_per_month"], m["opportunities"]
        money, kinds = H.fmt_usd, [(S.KIND_LABELS[k], m["savings_by_kind"][k]) for k in S.KINDS]
        top = opps[0] if opps else None
        cards = H.metric_cards([
            {"label": "AI cost per month (run rate)", "value": money(run),
             "context": "period cost \u00d7 30 / %s days" % H.fmt_int(doc["data"]["days"])},
            {"label": "Potential savings per month", "value": money(saved), "tone": "good" if saved else None,
             "context": "%s of the run rate" % H.fmt_pct(m["potential_savings_pct_of_run_rate"])},
            {"label": "Cost per month after all changes", "value": money(m["cost_after_usd_per_month"])},
            {"label": "Top opportunity", "value": money(top["savings_usd_per_month"]) if top else "\u2014",
             "context": top["title"] if top else "nothing to save in this data"},
            {"label": "Opportunities", "value": H.fmt_int(len(opps)),
             "context": "of %d kinds, each listed below with its saving" % len({o["kind"] for o in opps})}])
        after = [("AI cost per month", money(m["cost_after_usd_per_month"]))]
        after += [(label, "\u2212" + money(v)) for label, v in kinds if v]
        less = H.fmt_pct(m["potential_savings_pct_of_run_rate"])
        compare = H.before_after("Today", [("AI cost per month", money(run)),
                                           ("Opportunities found", H.fmt_int(len(opps)))],
                                 "After all opportunities (%s less)" % less, after)
        table = H.table(["Kind", "Opportunity", "Calls", "Current cost (period)", "Savings per month"],
                        [[S.KIND_LABELS[o["kind"]], o["title"], o["calls"], (money(o["current_cost_usd"]),
                          o["current_cost_usd"]), (money(o["savings_usd_per_month"]), o["savings_usd_per_month"])]
                         for o in opps], id="opportunities", caption="Every opportunity, largest saving first")
        return H.join([
            cards,
            H.section("Before and after", compare, id="before-after",
                      intro="Monthly AI cost now and after every opportunity below, each applied to what the "
                            "previous ones leave (%s)." % " \u2192 ".join(label for label, _ in kinds)),
            H.section("Savings by kind", H.bar_chart(kinds, "Savings per month by kind", sort=False), id="by-kind"),
            H.section("Every opportunity", table, id="all"),
            H.section("Model right-sizing", self._rs_table(m["right_sizing"]), id="right-sizing",
                      intro="Simple task types on premium or standard models, moved to the cheapest model that fits; "
                            "the same tokens priced at the target's list prices."),
            H.section("Reserved and provisioned capacity: break-even", self._cap_table(m), id="capacity",
                      intro="What each model still spends on demand after the changes above, its steady baseline "
                            "(%s of spend on the lowest day, %d days used) and the spend a commitment needs to pay."
                            % (H.fmt_pct(m["steady_baseline"]["baseline_share_pct"]),
                               m["steady_baseline"]["days_used"])),
            H.section("Assumptions", H.table(
                ["Applies to", "Assumption"],
                [[S.KIND_LABELS.get(a["kind"], "All"), a["text"]] for a in m["assumptions"]],
                id="assumptions", caption="How the savings are estimated"), id="assumptions"),
            H.section("Recommendations", H.recommendations(doc["recommendations"])),
        ])

    @staticmethod
    def _rs_table(rows: List[Dict[str, Any]]) -> H.Markup:
        if not rows:
            return H.empty_state("No simple task runs on a model with a cheaper one that fits.")
        money = H.fmt_usd
        return H.table(["Task type", "From", "To", "Same provider", "Calls", "Avg tokens/call", "Cost/month now",
                        "Cost/month on target", "Savings/month"],
                       [[r["task_type"], "%s/%s" % (r["from_provider"], r["from_model"]),
                         "%s/%s" % (r["to_provider"], r["to_model"]), "yes" if r["same_provider"] else "no",
                         r["calls"], r["avg_tokens_per_call"],
                         (money(r["current_cost_usd_per_month"]), r["current_cost_usd_per_month"]),
                         (money(r["target_cost_usd_per_month"]), r["target_cost_usd_per_month"]),
                         (money(r["savings_usd_per_month"]), r["savings_usd_per_month"])] for r in rows],
                       id="right-sizing-moves", caption="Right-sizing moves by model and task type")

    @staticmethod
    def _cap_table(m: Dict[str, Any]) -> H.Markup:
        rows = m["provisioned_capacity"]
        if not rows:
            return H.empty_state("No model spend to assess.")
        money = H.fmt_usd
        return H.table(["Model", "Offer", "On demand/month", "Steady baseline/month", "Break-even spend/month",
                        "Volume needed", "Worth it", "Savings/month"],
                       [["%s/%s" % (r["provider"], r["model"]), r["offer"],
                         (money(r["on_demand_usd_per_month"]), r["on_demand_usd_per_month"]),
                         (money(r["steady_baseline_usd_per_month"]), r["steady_baseline_usd_per_month"]),
                         (money(r["break_even_usd_per_month"]), r["break_even_usd_per_month"]),
                         (_multiple(r["volume_multiple_needed"]) + " today", r["volume_multiple_needed"]),
                         H.badge("yes", "good") if r["worth_it"] else H.badge("no", "neutral"),
                         (money(r["savings_usd_per_month"]), r["savings_usd_per_month"])] for r in rows],
                       id="capacity-break-even", caption="Commitment break-even by model")


def _label(provider: str, model: str, dup: set) -> str:
    return "%s (%s)" % (model, provider) if model in dup else model


def _multiple(x) -> str:
    return "%sx" % format(x, ",.1f") if x is not None else "an unknown multiple of"


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["optimization"], "optimization.py")))
