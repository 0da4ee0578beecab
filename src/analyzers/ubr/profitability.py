"""Customer profitability: who makes us money, who loses it, and what to do about the ones who lose it.

Every customer's revenue (tier price x D / 30), AI cost, margin and margin %; the unprofitable customers, the
revenue at risk and the loss they cause per month; margin by tier and how tier relates to margin; the margin
distribution; how recurring revenue moved (new, expansion, contraction, churn); and recommendations, each with its
kind of money: the revenue at risk, tier upgrades and the usage-cap policy (revenue scenarios with their
assumptions). What cheaper models would save is priced once, by the optimization report.

Run from src/: python3 analyzers/ubr/profitability.py [--data CSV] [--out DIR] [--usage-cap-pct 100]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

from typing import Any, Dict, List

from analyzers.engine.base import Analyzer
from analyzers.ubr._mrr import mrr_movement
from analyzers.ubr._profitability_page import render
from analyzers.ubr._revenue import NO_TIER, CustomerMoney, customers, pct, spearman, tier_note, tiers_by_price
from utils import html_generator as H
from utils.cli import positive_float
from utils.errors import ConfigError
from utils.money import NANO, per_month, usd
from utils.definitions import DEFINITIONS
from utils.schema import DAYS_PER_MONTH

# Margin % histogram: [low, high) in percent; None is open-ended. 100% (a customer with no AI cost) is the top one.
BUCKETS = ((None, -100), (-100, -50), (-50, 0), (0, 25), (25, 50), (50, 75), (75, 90), (90, None))


class ProfitabilityAnalyzer(Analyzer):
    id = "profitability"
    title = "Customer profitability"
    category = "ubr"
    summary = "Which customers make us money, which lose it, and what would fix them?"
    OPTIONS = [("--usage-cap-pct", {"type": positive_float, "default": 100.0, "help": (
        "the one usage-cap policy: a customer's AI cost per month is capped at this %% of its plan's price; usage "
        "beyond it is billed as overage at cost (default 100: no customer costs more than it pays)")})]

    def compute(self, view) -> Dict[str, Any]:
        rows = customers(view)
        cap_pct = view.options.get("usage_cap_pct")
        share = (100.0 if cap_pct is None else float(cap_pct)) / 100.0
        if share <= 0:
            raise ConfigError("--usage-cap-pct must be a positive percentage of the plan price, got %s" % cap_pct)
        known = [r for r in rows if r.known]
        by_margin = sorted(rows, key=_margin)  # rows are sorted by id: (margin, customer_id)
        bad = [r for r in by_margin if r.margin < 0 and r.known]
        revenue, cost = sum(r.revenue for r in rows), sum(r.cost_nano for r in rows)
        loss = -sum(r.margin for r in bad)
        upgrades = _tier_upgrades(view, known)
        caps = _usage_caps(view, known, share)
        metrics = {
            "customers": _customer_rows(view, by_margin),
            "customer_count": len(rows),
            "unprofitable_count": len(bad),
            "revenue_at_risk_usd_per_month": float(sum(r.price for r in bad)),
            "monthly_loss_usd": view.per_month(loss),
            "total_revenue_usd": view.usd(revenue), "total_cost_usd": view.usd(cost),
            "total_margin_usd": view.usd(revenue - cost), "margin_pct": pct(revenue - cost, revenue),
            "revenue_usd_per_month": view.per_month(revenue), "cost_usd_per_month": view.per_month(cost),
            "margin_usd_per_month": view.per_month(revenue - cost),
            "margin_by_tier": _by_tier(view, rows),
            "tier_margin_correlation": _correlation(view, known),
            "margin_distribution": _distribution(known),
            "tier_changes": [{"customer_id": r.customer_id, "tiers_seen": r.tiers_seen(), "current_tier": r.tier}
                             for r in rows if r.spans],
            "tier_upgrades": upgrades, "usage_caps": caps, "mrr_movement": mrr_movement(view, rows),
        }
        notes = [n for n in [tier_note(view, rows)] if n]
        return {"metrics": metrics, "recommendations": _recommendations(metrics, bad, view), "notes": notes}

    def render(self, doc) -> H.Markup:
        return render(doc)


def _margin(r: CustomerMoney) -> int:
    return r.margin


def _customer_rows(view, rows: List[CustomerMoney]) -> List[Dict[str, Any]]:
    """One JSON row per customer, in the order given (its revenue in USD is its tier's: converted once per tier)."""
    days, usd_of = view.days, {}  # type: float, Dict[int, float]
    out = []
    for r in rows:
        revenue = usd_of.get(r.revenue)
        if revenue is None:
            revenue = usd_of[r.revenue] = usd(r.revenue)
        status = "unknown tier" if r.price is None else ("unprofitable" if r.margin < 0 else "profitable")
        out.append({"customer_id": r.customer_id, "subscription_tier": r.tier or NO_TIER, "revenue_usd": revenue,
                    "cost_usd": r.cost_usd, "margin_usd": usd(r.margin), "margin_pct": pct(r.margin, r.revenue),
                    "status": status, "calls": r.calls, "tokens": r.tokens,
                    "cost_usd_per_month": r.cost_usd_per_month,
                    "margin_usd_per_month": per_month(r.margin, days, DAYS_PER_MONTH),
                    "tier_changed": r.spans is not None})
    return out


def _by_tier(view, rows: List[CustomerMoney]) -> Dict[str, Dict[str, Any]]:
    """Revenue, cost, margin and unprofitable customers per tier (known tiers cheapest first, then the rest)."""
    order = [t for t, _ in tiers_by_price(view)]
    groups = {}  # type: Dict[str, List[CustomerMoney]]
    for r in rows:
        groups.setdefault(r.tier_label, []).append(r)
    out = {}
    for tier in [t for t in order if t in groups] + sorted(t for t in groups if t not in order):
        g = groups[tier]
        rev, cost = sum(r.revenue for r in g), sum(r.cost_nano for r in g)
        bad = [r for r in g if r.known and r.margin < 0]
        out[tier] = {"revenue_usd": view.usd(rev), "cost_usd": view.usd(cost), "margin_usd": view.usd(rev - cost),
                     "margin_pct": pct(rev - cost, rev), "customers": len(g), "unprofitable": len(bad),
                     "unprofitable_pct": pct(len(bad), len(g)) if g[0].known else None,
                     "monthly_loss_usd": view.per_month(-sum(r.margin for r in bad)),
                     "revenue_usd_per_month": view.per_month(rev), "cost_usd_per_month": view.per_month(cost),
                     "price_usd_per_month": g[0].price}
    return out


def _correlation(view, known: List[CustomerMoney]) -> Dict[str, Any]:
    """Spearman rank correlation of tier rank (by price) with margin %, over customers with revenue."""
    rank = {t: i + 1 for i, (t, _) in enumerate(tiers_by_price(view))}
    pts = [(rank[r.tier], 100.0 * r.margin / r.revenue) for r in known if r.revenue > 0]
    rho = spearman([p[0] for p in pts], [p[1] for p in pts])
    if rho is None:
        reading = "not defined: it needs at least 3 customers on at least 2 tiers"
    else:
        strength = "strong" if abs(rho) >= 0.5 else "moderate" if abs(rho) >= 0.3 else "weak"
        reading = "%s %s: %s" % (strength, "positive" if rho > 0 else "negative" if rho < 0 else "none",
                                 "higher tiers earn a higher margin %" if rho > 0 else
                                 "higher tiers earn a lower margin %" if rho < 0 else "tier does not predict margin %")
    return {"method": "spearman", "x": "tier rank by price (1 = cheapest)", "y": "customer margin %",
            "value": rho, "customers": len(pts), "reading": reading}


def _distribution(known: List[CustomerMoney]) -> List[Dict[str, Any]]:
    margins = [100.0 * r.margin / r.revenue for r in known if r.revenue > 0]
    out = []
    for lo, hi in BUCKETS:
        n = sum(1 for m in margins if (lo is None or m >= lo) and (hi is None or m < hi))
        label = ("below %d%%" % hi if lo is None else "%d%% and above" % lo if hi is None else "%d%% to %d%%" % (lo, hi))
        out.append({"bucket": label, "min_pct": lo, "max_pct": hi, "customers": n})
    return out


def _tier_upgrades(view, known: List[CustomerMoney]) -> List[Dict[str, Any]]:
    """Customers whose AI cost per month is more than their tier's price: move them to the cheapest tier whose
    price covers that cost (or the top tier when none does); revenue gain = new price - current price."""
    tiers = tiers_by_price(view)
    out = []
    for r in known:
        monthly = r.cost_usd_per_month
        if monthly <= r.price:
            continue
        higher = [(t, p) for t, p in tiers if p > r.price]
        covering = [(t, p) for t, p in higher if p >= monthly]
        target = covering[0] if covering else (higher[-1] if higher else None)
        out.append({"customer_id": r.customer_id, "from_tier": r.tier, "to_tier": target[0] if target else None,
                    "cost_usd_per_month": monthly, "price_usd_per_month": float(r.price),
                    "new_price_usd_per_month": float(target[1]) if target else None,
                    "revenue_gain_usd_per_month": float(target[1] - r.price) if target else 0.0,
                    "covers_cost": bool(covering)})
    return sorted(out, key=lambda u: (-u["cost_usd_per_month"], u["customer_id"]))


def _usage_caps(view, known: List[CustomerMoney], share: float) -> Dict[str, Any]:
    """The one usage-cap policy (utils/definitions.py, "usage_cap"): per tier, a cap of `share` x the plan price of
    AI cost per customer per month; usage beyond it billed as overage at cost. Per tier: customers over the cap
    and the overage per month; plus what margin those customers would leave if they left instead."""
    by_tier = {}  # type: Dict[str, Dict[str, Any]]
    for tier, price in tiers_by_price(view):
        cap = int(round(price * share * NANO * view.days / DAYS_PER_MONTH))  # over the data period
        members = [r for r in known if r.tier == tier]
        over = [r for r in members if r.cost_nano > cap]
        if not members:
            continue
        by_tier[tier] = {"cap_usd_per_month": round(price * share, 2), "customers": len(members),
                         "customers_over_cap": len(over),
                         "overage_usd_per_month": view.per_month(sum(r.cost_nano - cap for r in over)),
                         "margin_if_they_leave_usd_per_month": view.per_month(sum(-r.margin for r in over))}
    total = sum(v["overage_usd_per_month"] for v in by_tier.values())
    return {"cap_pct": round(share * 100, 4), "by_tier": by_tier, "overage_usd_per_month": round(total, 6),
            "margin_if_they_leave_usd_per_month": round(sum(v["margin_if_they_leave_usd_per_month"]
                                                            for v in by_tier.values()), 6),
            "policy": DEFINITIONS["usage_cap"]}


def _recommendations(m: Dict[str, Any], bad: List[CustomerMoney], view) -> List[Dict[str, Any]]:
    return _margin_recs(m, bad, view) + _tier_recs(m) + _cap_recs(m)


REVENUE_BASIS = "Revenue is each customer's tier price x D / 30, the tier being the one on its most recent call."


def _margin_recs(m: Dict[str, Any], bad: List[CustomerMoney], view) -> List[Dict[str, Any]]:
    n = m["customer_count"]
    if not bad:
        return [{"kind": "info", "level": "success", "impact_usd_per_month": None, "assumptions": [REVENUE_BASIS],
                 "title": "All %d customers with a known tier are profitable" % len(
                     [c for c in m["customers"] if c["status"] != "unknown tier"]),
                 "detail": "Margin over the period is %s (%s)." % (H.fmt_usd(m["total_margin_usd"]),
                                                                   H.fmt_pct(m["margin_pct"]))}]
    worst = ", ".join("%s (%s, %s margin over the period)" % (r.customer_id, r.tier, H.fmt_usd(view.usd(r.margin)))
                      for r in bad[:3])
    return [{"kind": "risk", "level": "critical", "impact_usd_per_month": m["revenue_at_risk_usd_per_month"],
             "title": "%s/month of revenue at risk: %d unprofitable customer%s" % (
                 H.fmt_usd(m["revenue_at_risk_usd_per_month"]), len(bad), "" if len(bad) == 1 else "s"),
             "detail": "%d of %d customers cost more in AI than they pay: together they pay %s/month and lose %s/month "
                       "(their AI cost beyond their revenue). Worst: %s. Fixing their price risks their revenue; the "
                       "tier upgrades and the usage-cap policy below are alternatives, not additive."
                       % (len(bad), n, H.fmt_usd(m["revenue_at_risk_usd_per_month"]), H.fmt_usd(m["monthly_loss_usd"]),
                          worst),
             "assumptions": [REVENUE_BASIS, "The revenue at risk is what these customers pay per month today."]}]


def _tier_recs(m: Dict[str, Any]) -> List[Dict[str, Any]]:
    recs = []
    ups = [u for u in m["tier_upgrades"] if u["to_tier"]]
    if ups:
        gain = sum(u["revenue_gain_usd_per_month"] for u in ups)
        leave = sum(u["cost_usd_per_month"] - u["price_usd_per_month"] for u in ups)
        recs.append({"kind": "revenue", "level": "warning", "impact_usd_per_month": round(gain, 6),
                     "title": "Upgrade %d customer%s whose AI cost exceeds their tier's price: +%s/month revenue" % (
                         len(ups), "" if len(ups) == 1 else "s", H.fmt_usd(gain)),
                     "detail": "Each moves to the cheapest tier whose price covers its AI cost per month (the top tier "
                               "when none does): " + "; ".join(
                         "%s: %s to %s (costs %s/month)" % (u["customer_id"], u["from_tier"], u["to_tier"],
                                                            H.fmt_usd(u["cost_usd_per_month"])) for u in ups[:5])
                               + ("; and %d more" % (len(ups) - 5) if len(ups) > 5 else "") +
                               ". If all of them left instead, margin would still improve by %s/month: they cost "
                               "more than they pay." % H.fmt_usd(leave),
                     "assumptions": ["Every customer accepts the higher tier and none leaves (churn 0).",
                                     "If they all left, revenue falls by their price and AI cost by their cost.",
                                     REVENUE_BASIS]})
    stuck = [u for u in m["tier_upgrades"] if not u["covers_cost"]]
    if stuck:
        recs.append({"kind": "info", "level": "warning", "impact_usd_per_month": None, "assumptions": [],
                     "title": "%d customer%s cost more than the top tier's price: offer custom or metered pricing" % (
                         len(stuck), "" if len(stuck) == 1 else "s"),
                     "detail": "No tier covers them: " + ", ".join("%s (%s/month)" % (u["customer_id"], H.fmt_usd(
                         u["cost_usd_per_month"])) for u in stuck[:5]) + ". See the pricing report."})
    return recs


def _cap_recs(m: Dict[str, Any]) -> List[Dict[str, Any]]:
    caps = m["usage_caps"]
    over = [(t, c) for t, c in caps["by_tier"].items() if c["overage_usd_per_month"] > 0]
    if not over:
        return []
    n = sum(c["customers_over_cap"] for _, c in over)
    return [{"kind": "revenue", "level": "warning", "impact_usd_per_month": caps["overage_usd_per_month"],
             "title": "Bill AI usage beyond %s of the plan price as overage: +%s/month from %d customer%s" % (
                 H.fmt_pct(caps["cap_pct"], 0), H.fmt_usd(caps["overage_usd_per_month"]), n, "" if n == 1 else "s"),
             "detail": "%s. Customers over the cap: %s. If they left rather than pay, margin would change by %s/month "
                       "(their revenue lost, their AI cost avoided)." % (
                           caps["policy"], "; ".join("%s %d of %d (%s/month)" % (
                               t, c["customers_over_cap"], c["customers"], H.fmt_usd(c["overage_usd_per_month"]))
                               for t, c in over),
                           _signed(caps["margin_if_they_leave_usd_per_month"])),
             "assumptions": ["Customers over the cap keep their usage and pay the overage at cost (churn 0).",
                             "The cap is --usage-cap-pct %g%% of the plan price per month." % caps["cap_pct"],
                             REVENUE_BASIS]}]


def _signed(v: float) -> str:
    return ("+" if v > 0 else "") + H.fmt_usd(v)


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["profitability"], "profitability.py")))
