"""Organizational alignment: showback (each organization, product and feature sees the cost it caused) and
chargeback (the bill it is sent, with untagged shared cost allocated proportionally), tag coverage of the business
fields, and unit economics per organization (cost per customer, per call, per 1K tokens).

Allocation rule: cost whose organization (product, feature) is empty is shared cost; it is allocated to the tagged
organizations (products, features) in proportion to their own direct cost, exactly to the nano-dollar (largest
remainder, in whole micro-dollars), so each gets at least its own cost and the chargeback sums to the total cost. When nothing is tagged,
the whole cost stays under "(untagged)".

Run from src/: python3 analyzers/finops/alignment.py [--data CSV] [--out DIR]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

from typing import Any, Dict, List, Optional

from analyzers.engine.base import Analyzer
from analyzers.engine.cube import CALLS, COST_NANO, INPUT, OUTPUT
from analyzers.finops._common import allocate, by_cost, median, money_cell, pct, pct_cell, ratio
from analyzers.groups import groups
from utils import html_generator as H
from utils.schema import UNTAGGED

TAGS = (("organization", "organization_id", "Organization"), ("product", "product_id", "Product"),
        ("feature", "feature_id", "Feature"))
COVERAGE_FIELDS = ("organization_id", "product_id", "feature_id", "task_type", "environment")
OUTLIER_RATIO = 1.5  # an organization whose cost per call is 1.5x the median organization's or more
ALLOCATION_RULE = ("Untagged (shared) cost is allocated to the tagged groups in proportion to their own direct "
                   "cost; each group's chargeback = its direct cost + its share of the untagged cost")


def chargeback(direct: Dict[str, int]) -> Dict[str, int]:
    """Direct nano-dollar cost per group (with UNTAGGED) -> chargeback per tagged group, summing to the total."""
    tagged = {k: v for k, v in direct.items() if k != UNTAGGED}
    shared = direct.get(UNTAGGED, 0)
    if not tagged or sum(tagged.values()) <= 0:
        return dict(direct)  # nothing to allocate to: the cost stays untagged
    # in whole micro-dollars first (the CSV's precision), so the 6-decimal figures still add up to the total
    micro, rest = allocate(shared // 1000, tagged), allocate(shared % 1000, tagged)
    return {k: v + micro[k] * 1000 + rest[k] for k, v in tagged.items()}


def _sorted_usd(view, nano: Dict[str, int]) -> Dict[str, float]:
    return {k: view.usd(v) for k, v in sorted(nano.items(), key=lambda kv: (-kv[1], kv[0]))}


class AlignmentAnalyzer(Analyzer):
    id = "alignment"
    title = "Organizational alignment: showback & chargeback"
    category = "finops"
    summary = "Who owns each dollar of AI spend, how much is untagged, and what does each unit of work cost?"

    def compute(self, view) -> Dict[str, Any]:
        shared = groups(view)
        tot = shared.totals()
        m = {"total_cost_usd": view.usd(tot[COST_NANO]), "allocation_rule": ALLOCATION_RULE}  # type: Dict[str, Any]
        for name, dim, _ in TAGS:
            direct = {str(k): g[COST_NANO] for k, g in shared.group(dim).items()}
            charged = chargeback(direct)
            m["showback_by_" + name] = _sorted_usd(view, direct)
            m["chargeback_by_" + name] = _sorted_usd(view, charged)
            m["chargeback_by_%s_usd_per_month" % name] = {k: view.per_month(v) for k, v in
                                                         sorted(charged.items(), key=lambda kv: (-kv[1], kv[0]))}
            m.setdefault("untagged_cost_usd", {})[name] = view.usd(direct.get(UNTAGGED, 0))
        m["tag_coverage_pct"] = self._coverage(shared, tot[COST_NANO])
        m["tag_coverage_basis"] = "cost" if tot[COST_NANO] else "calls (the data has no cost)"
        any_nano = sum(c[COST_NANO] for k, c in shared.by_tags.items() if not (k[0] and k[1] and k[2]))
        m["untagged_any_usd"] = view.usd(any_nano)
        m["untagged_any_usd_per_month"] = view.per_month(any_nano)
        m["untagged_by_inferred_organization"] = self._inferred(view, shared)
        m["unit_economics_by_organization"] = self._unit_economics(view, shared)
        n = len(shared.group("customer_id"))
        m["unit_economics_overall"] = {
            "customers": n, "calls": tot[CALLS],
            "cost_per_customer_usd": ratio(tot[COST_NANO] / 1e9, n),
            "cost_per_customer_usd_per_month": ratio(view.per_month(tot[COST_NANO]), n),
            "cost_per_call_usd": ratio(tot[COST_NANO] / 1e9, tot[CALLS]),
            "cost_per_1k_tokens_usd": ratio(tot[COST_NANO] / 1e6, tot[INPUT] + tot[OUTPUT])}
        m["organization_product_cost"] = {"%s / %s" % k: view.usd(g[COST_NANO]) for k, g in
                                          by_cost(shared.group("organization_id", "product_id"), COST_NANO)}
        m["unit_cost_outliers"] = self._outliers(view, m["unit_economics_by_organization"])
        return {"metrics": m, "recommendations": self._recs(view, m), "notes": self._notes(view, m)}

    # ---- metrics ---------------------------------------------------------------------------------------------
    @staticmethod
    def _coverage(shared, total: int) -> Dict[str, Optional[float]]:
        """% of cost whose field is filled, per business field, and for all three tags at once; % of calls when the
        data has no cost at all (an absent or empty column covers 0%, never 100%). The tags are read from the
        groups by tags, task type and environment from the groups by usage (both hold raw values)."""
        measure = COST_NANO if total else CALLS
        filled = {f: 0 for f in COVERAGE_FIELDS}
        all_three = whole = 0
        for (org, product, feature), g in shared.by_tags.items():
            v = g[measure]
            whole += v
            filled["organization_id"] += v if org else 0
            filled["product_id"] += v if product else 0
            filled["feature_id"] += v if feature else 0
            all_three += v if org and product and feature else 0
        for (_, _, _, task, env), g in shared.by_usage.items():
            filled["task_type"] += g[measure] if task else 0
            filled["environment"] += g[measure] if env else 0
        out = {f: pct(v, whole) for f, v in filled.items()}  # type: Dict[str, Optional[float]]
        out["all_business_tags"] = pct(all_three, whole)
        return out

    @staticmethod
    def _inferred(view, shared) -> Dict[str, float]:
        """Cost with any business tag missing, by the organization its customer's tagged calls carry most (the
        customer's usual organization); (untagged) when the customer never tags one. Shows where the gaps are."""
        usual = {}  # type: Dict[str, tuple]  # customer -> (its tagged cost in the org, org)
        for (cust, org), cost in shared.customer_org_cost.items():
            if org != UNTAGGED and (cust not in usual or (cost, org) > usual[cust]):
                usual[cust] = (cost, org)
        out = {}  # type: Dict[str, int]
        for (cust, org), cost in shared.untagged_cost.items():  # the calls lacking a tag, by their raw organization
            org = org or (usual.get(cust) or (0, UNTAGGED))[1]
            out[org] = out.get(org, 0) + cost
        return _sorted_usd(view, out)

    @staticmethod
    def _unit_economics(view, shared) -> Dict[str, Dict[str, Any]]:
        customers = shared.distinct("organization_id")
        out = {}
        for org, g in by_cost(shared.group("organization_id"), COST_NANO):
            n = customers.get(org, 0)
            out[str(org)] = {"cost_usd": view.usd(g[COST_NANO]), "cost_usd_per_month": view.per_month(g[COST_NANO]),
                             "calls": g[CALLS], "customers": n, "tokens": g[INPUT] + g[OUTPUT],
                             "cost_per_customer_usd": ratio(g[COST_NANO] / 1e9, n),
                             "cost_per_customer_usd_per_month": ratio(view.per_month(g[COST_NANO]), n),
                             "cost_per_call_usd": ratio(g[COST_NANO] / 1e9, g[CALLS]),
                             "cost_per_1k_tokens_usd": ratio(g[COST_NANO] / 1e6, g[INPUT] + g[OUTPUT])}
        return out

    @staticmethod
    def _outliers(view, units) -> List[Dict[str, Any]]:
        """Tagged organizations whose cost per call is OUTLIER_RATIO x the median organization's or more; the excess
        is what their calls would save at the median cost per call."""
        tagged = {k: v for k, v in units.items() if k != UNTAGGED and v["calls"]}
        if len(tagged) < 3:
            return []
        per_call = {k: v["cost_usd"] / v["calls"] for k, v in tagged.items()}
        mid = median(list(per_call.values()))
        out = []
        for org, v in sorted(tagged.items()):
            if mid > 0 and per_call[org] >= OUTLIER_RATIO * mid:
                excess = v["cost_usd"] - v["calls"] * mid
                out.append({"organization": org, "cost_per_call_usd": v["cost_per_call_usd"],
                            "median_cost_per_call_usd": round(mid, 6), "ratio": round(per_call[org] / mid, 2),
                            "excess_usd": round(excess, 6),
                            "excess_usd_per_month": round(excess * 30 / view.days, 6) if view.days else 0.0})
        out.sort(key=lambda o: (-o["excess_usd"], o["organization"]))
        return out

    # ---- recommendations -------------------------------------------------------------------------------------
    @staticmethod
    def _recs(view, m) -> List[Dict[str, Any]]:
        recs = []
        cov = m["tag_coverage_pct"]
        untagged = m["untagged_cost_usd"]
        gaps = [(name, untagged[name]) for name, _, _ in TAGS if untagged.get(name)]
        if (cov["all_business_tags"] or 0) < 100 and not gaps:  # no cost to tag, but calls without tags
            recs.append({"kind": "info", "impact_usd_per_month": None, "assumptions": [], "level": "warning",
                         "title": "Tag the calls that lack a business tag",
                         "detail": "Only %s of calls carry an organization, a product and a feature (the data has "
                                   "no cost, so coverage is counted in calls)." % H.fmt_pct(cov["all_business_tags"])})
        elif gaps:
            worst = [(o, v) for o, v in m["untagged_by_inferred_organization"].items() if o != UNTAGGED][:3]
            recs.append({"kind": "info", "impact_usd_per_month": None, "assumptions": [],
                         "level": "critical" if (cov["all_business_tags"] or 0) < 80 else "warning",
                         "title": "Tag the %s/month of spend that lacks a business tag" % H.fmt_usd(
                             m["untagged_any_usd_per_month"]),
                         "detail": "%s. Untagged cost is shared out in proportion to each group's own spend, which no "
                                   "team can act on; add organization, product and feature to the metering metadata "
                                   "of every call.%s" % (
                                       "; ".join("%s/month without %s" % (H.fmt_usd(view.per_month(int(round(v * 1e9)))),
                                                                           n) for n, v in gaps),
                                       " The customers behind it belong mostly to %s." % ", ".join(
                                           "%s (%s)" % (o, H.fmt_usd(v)) for o, v in worst) if worst else "")})
        else:
            recs.append({"kind": "info", "impact_usd_per_month": None, "assumptions": [], "level": "success",
                         "title": "Every dollar carries an organization, a product and a feature",
                         "detail": "Tag coverage is %s of cost for all three business tags." % H.fmt_pct(
                             cov["all_business_tags"])})
        cb = m["chargeback_by_organization_usd_per_month"]
        tagged = [(k, v) for k, v in cb.items() if k != UNTAGGED]
        total_month = sum(cb.values())
        if tagged:
            top = tagged[:3]
            recs.append({"title": "Charge back %s/month to %s" % (
                             H.fmt_usd(sum(v for _, v in top)), ", ".join(k for k, _ in top)),
                         "detail": "%s; together %s of the total. Each amount is the organization's direct cost plus "
                                   "its share of untagged cost. Send it to the owning budget so each team sees and manages its "
                                   "AI spend; the amount moves between budgets, so no saving is claimed." % (
                                       "; ".join("%s %s/month (%s)" % (k, H.fmt_usd(v), H.fmt_pct(pct(v, total_month)))
                                                 for k, v in top), H.fmt_pct(pct(sum(v for _, v in top), total_month))),
                         "impact_usd_per_month": None, "level": "info", "kind": "info",
                         "assumptions": [ALLOCATION_RULE + "."]})
        for o in m["unit_cost_outliers"][:3]:
            recs.append({"title": "%s pays %.1fx the median cost per call: %s/month above the median" % (
                             o["organization"], o["ratio"], H.fmt_usd(o["excess_usd_per_month"])),
                         "detail": "%s per call against a median of %s across organizations. Review its model choice "
                                   "and prompt sizes (cost optimization prices cheaper models per task)." % (
                                       H.fmt_usd(o["cost_per_call_usd"]), H.fmt_usd(o["median_cost_per_call_usd"])),
                         "impact_usd_per_month": None, "level": "warning", "kind": "info", "assumptions": []})
        return recs

    @staticmethod
    def _notes(view, m) -> List[str]:
        notes = []
        for name, dim, label in TAGS:
            if not view.has(dim):
                notes.append("No %s column: all cost is untagged for %s showback and chargeback." % (dim, label.lower()))
            elif list(m["chargeback_by_" + name]) == [UNTAGGED]:
                notes.append("The %s column is empty in every row: there is no %s to charge cost back to." % (
                    dim, label.lower()))
        return notes

    # ---- page ------------------------------------------------------------------------------------------------
    def render(self, doc) -> H.Markup:
        m = doc["metrics"]
        cov, ue = m["tag_coverage_pct"], m["unit_economics_overall"]
        cb = m["chargeback_by_organization"]
        top = next(iter(cb.items()), ("\u2014", None))
        cards = [
            {"label": "AI spend to allocate", "value": H.fmt_usd(m["total_cost_usd"]),
             "context": "%s organizations charged" % H.fmt_int(len([k for k in cb if k != UNTAGGED]))},
            {"label": "Spend missing a business tag", "value": H.fmt_usd(m["untagged_any_usd"]),
             "context": "%s without an organization, allocated proportionally" % H.fmt_usd(
                 m["untagged_cost_usd"]["organization"]),
             "tone": "bad" if m["untagged_any_usd"] > 0 else "good"},
            {"label": "Tag coverage (all three tags)", "value": H.fmt_pct(cov["all_business_tags"]),
             "context": "of cost has organization, product and feature"},
            {"label": "Largest chargeback", "value": H.fmt_usd(top[1]), "context": top[0]},
            {"label": "Cost per customer per month", "value": H.fmt_usd(ue["cost_per_customer_usd_per_month"]),
             "context": "%s per call" % H.fmt_usd(ue["cost_per_call_usd"])},
        ]
        return H.join([H.metric_cards(cards), self._chargeback_section(m), self._coverage_section(m),
                       self._unit_section(m),
                       H.section("Recommendations", H.recommendations(doc["recommendations"]), id="recommendations")])

    @staticmethod
    def _chargeback_section(m) -> H.Markup:
        parts = [H.bar_chart(list(m["chargeback_by_organization"].items()), "Chargeback by organization")]
        for name, _, label in TAGS:
            show, charge = m["showback_by_" + name], m["chargeback_by_" + name]
            month = m["chargeback_by_%s_usd_per_month" % name]
            keys = list(charge) + [k for k in show if k not in charge]
            rows = [[k, money_cell(show.get(k, 0.0)), money_cell(charge.get(k, 0.0) - show.get(k, 0.0) if k in charge
                                                                   else -show.get(k, 0.0)),
                     money_cell(charge.get(k, 0.0)), money_cell(month.get(k, 0.0)),
                     pct_cell(pct(charge.get(k, 0.0), m["total_cost_usd"]))] for k in keys]
            parts.append(H.table([label, "Showback (direct)", "Allocated untagged", "Chargeback", "Chargeback/month",
                                  "Share"], rows, id="chargeback-" + name,
                                 caption="%s showback and chargeback (chargeback sums to the total)" % label))
        return H.section("Showback and chargeback", H.join(parts), id="chargeback",
                         intro=H.join(["Showback shows each team the cost its calls caused; chargeback is the amount "
                                       "billed to its budget. ", m["allocation_rule"], "."], ""))

    @staticmethod
    def _coverage_section(m) -> H.Markup:
        cov = m["tag_coverage_pct"]
        labels = {"organization_id": "Organization", "product_id": "Product", "feature_id": "Feature",
                  "task_type": "Task type", "environment": "Environment", "all_business_tags": "All three business tags"}
        rows = [[labels[k], pct_cell(v)] for k, v in cov.items()]
        gaps = [[k, money_cell(v)] for k, v in m["untagged_by_inferred_organization"].items()]
        return H.section("Tag coverage", H.join([H.columns(
            H.bar_chart([(labels[k], v) for k, v in cov.items() if v is not None],
                        "Share of %s with the field filled" % m["tag_coverage_basis"].split(" ")[0],
                        value_format=H.fmt_pct, sort=False, additive=False),
            H.table(["Field", "Covered"], rows, id="tag-coverage",
                    caption="Tag coverage by share of %s" % m["tag_coverage_basis"])),
            H.table(["Organization (the customer's usual one)", "Cost missing a tag"], gaps, id="tag-gaps",
                    caption="Where the cost missing a business tag comes from: each call is attributed to the "
                            "organization its customer's tagged calls carry most")]),
            id="coverage")

    @staticmethod
    def _unit_section(m) -> H.Markup:
        rows = [[k, money_cell(v["cost_usd"]), v["calls"], v["customers"], money_cell(v["cost_per_customer_usd_per_month"]),
                 money_cell(v["cost_per_call_usd"]), money_cell(v["cost_per_1k_tokens_usd"])]
                for k, v in m["unit_economics_by_organization"].items()]
        op = [[k, money_cell(v)] for k, v in m["organization_product_cost"].items()]
        return H.section("Unit economics by organization", H.join([
            H.bar_chart([(k, v["cost_per_call_usd"]) for k, v in m["unit_economics_by_organization"].items()
                         if v["cost_per_call_usd"] is not None], "Cost per call by organization", additive=False),
            H.table(["Organization", "Cost", "Calls", "Customers", "Per customer/month", "Per call", "Per 1K tokens"],
                    rows, id="unit-economics", caption="Unit economics of every organization (direct cost)"),
            H.table(["Organization / product", "Cost"], op, id="org-product", caption="Cost by organization and product"),
        ]), id="units")


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["alignment"], "alignment.py")))
