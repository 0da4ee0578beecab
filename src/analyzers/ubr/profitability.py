"""Customer profitability: who makes us money, who loses it, and what to do about the ones who lose it.

Every customer's revenue (tier price x D / 30), AI cost, margin and margin %; the unprofitable customers, the
revenue at risk and the loss they cause per month; margin by tier and how tier relates to margin; the margin
distribution; and recommendations with dollar figures (tier upgrades, usage caps, cheaper models for simple tasks).

Run from src/: python3 analyzers/ubr/profitability.py [--data CSV] [--out DIR] [--cap-share 0.5]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

from typing import Any, Dict, List

from analyzers.engine.base import Analyzer
from analyzers.engine.cube import CALLS, COST_NANO, INPUT, OUTPUT
from analyzers.ubr._revenue import CustomerMoney, customers, pct, spearman, tier_note, tiers_by_price
from utils import html_generator as H
from utils.cli import positive_float
from utils.errors import ConfigError
from utils.money import NANO
from utils.schema import DAYS_PER_MONTH

SIMPLE_TASKS = ("chat", "qa", "translation")  # tasks an economy model handles as well as a premium one
# Margin % histogram: [low, high) in percent; None is open-ended. 100% (a customer with no AI cost) is the top one.
BUCKETS = ((None, -100), (-100, -50), (-50, 0), (0, 25), (25, 50), (50, 75), (75, 90), (90, None))


class ProfitabilityAnalyzer(Analyzer):
    id = "profitability"
    title = "Customer profitability"
    category = "ubr"
    summary = "Which customers make us money, which lose it, and what would fix them?"
    OPTIONS = [("--cap-share", {"type": positive_float, "default": 0.5, "help": (
        "usage cap per customer as a share of its tier's monthly price: the AI cost a customer may use "
        "(default 0.5: half of what it pays, a 50%% margin floor)")})]

    def compute(self, view) -> Dict[str, Any]:
        rows = customers(view)
        share = view.options.get("cap_share")
        share = 0.5 if share is None else float(share)
        if share <= 0:
            raise ConfigError("--cap-share must be a positive share of the tier price, got %s" % share)
        known = [r for r in rows if r.known]
        bad = sorted((r for r in known if r.margin < 0), key=lambda r: (r.margin, r.customer_id))
        revenue, cost = sum(r.revenue for r in rows), sum(r.cost_nano for r in rows)
        loss = -sum(r.margin for r in bad)
        changes = view.tier_changes()
        upgrades = _tier_upgrades(view, known)
        caps = _usage_caps(view, known, share)
        routing = _routing(view, {r.customer_id for r in bad})
        metrics = {
            "customers": [_customer_json(view, r, changes) for r in sorted(rows, key=lambda r: (r.margin, r.customer_id))],
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
            "tier_changes": [{"customer_id": c, "tiers_seen": t, "current_tier": view.tier_of(c)}
                             for c, t in sorted(changes.items())],
            "tier_upgrades": upgrades, "usage_caps": caps, "routing": routing,
        }
        notes = [n for n in [tier_note(view, rows)] if n]
        if not view.has("task_type"):
            notes.append("No task_type column: the cheaper-model routing of simple tasks cannot be estimated.")
        return {"metrics": metrics, "recommendations": _recommendations(metrics, bad, view), "notes": notes}

    def render(self, doc) -> H.Markup:
        return _render(doc)


def _customer_json(view, r: CustomerMoney, changes: Dict[str, List[str]]) -> Dict[str, Any]:
    status = "unknown tier" if not r.known else ("unprofitable" if r.margin < 0 else "profitable")
    return {"customer_id": r.customer_id, "subscription_tier": r.tier_label, "revenue_usd": view.usd(r.revenue),
            "cost_usd": view.usd(r.cost_nano), "margin_usd": view.usd(r.margin),
            "margin_pct": pct(r.margin, r.revenue), "status": status, "calls": r.calls, "tokens": r.tokens,
            "cost_usd_per_month": view.per_month(r.cost_nano), "margin_usd_per_month": view.per_month(r.margin),
            "tier_changed": r.customer_id in changes}


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
    out = []
    for lo, hi in BUCKETS:
        n = 0
        for r in known:
            if r.revenue <= 0:
                continue
            m = 100.0 * r.margin / r.revenue
            if (lo is None or m >= lo) and (hi is None or m < hi):
                n += 1
        label = ("below %d%%" % hi if lo is None else "%d%% and above" % lo if hi is None else "%d%% to %d%%" % (lo, hi))
        out.append({"bucket": label, "min_pct": lo, "max_pct": hi, "customers": n})
    return out


def _tier_upgrades(view, known: List[CustomerMoney]) -> List[Dict[str, Any]]:
    """Customers whose AI cost per month is more than their tier's price: move them to the cheapest tier whose
    price covers that cost (or the top tier when none does); revenue gain = new price - current price."""
    tiers = tiers_by_price(view)
    out = []
    for r in known:
        monthly = view.per_month(r.cost_nano)
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
    """Per tier: a cap of `share` x tier price of AI cost per customer per month, and what it would save."""
    by_tier = {}  # type: Dict[str, Dict[str, Any]]
    for tier, price in tiers_by_price(view):
        cap = int(round(price * share * NANO * view.days / DAYS_PER_MONTH))  # over the data period
        members = [r for r in known if r.tier == tier]
        over = [r for r in members if r.cost_nano > cap]
        if not members:
            continue
        by_tier[tier] = {"cap_usd_per_month": round(price * share, 2), "customers": len(members),
                         "customers_over_cap": len(over),
                         "savings_usd_per_month": view.per_month(sum(r.cost_nano - cap for r in over))}
    total = sum(v["savings_usd_per_month"] for v in by_tier.values())
    return {"cap_share": share, "by_tier": by_tier, "savings_usd_per_month": round(total, 6),
            "assumption": "usage beyond the cap is not served (or is billed separately), so its AI cost is avoided"}


def _routing(view, bad_ids) -> Dict[str, Any]:
    """Unprofitable customers' simple tasks on premium models, repriced on the provider's cheapest economy model."""
    catalog = view.catalog
    economy = [e for e in catalog.models() if e.model_class == "economy"]
    moves = {}  # type: Dict[tuple, List[int]]
    for (cid, provider, model, task), m in view.cube.group("customer_id", "provider", "model", "task_type").items():
        entry = catalog.get(provider, model) if cid in bad_ids and task in SIMPLE_TASKS else None
        if entry is None or entry.model_class != "premium":
            continue
        pool = [e for e in economy if e.provider == entry.provider] or economy
        if not pool:
            continue

        def price(e):  # nano-dollars of these tokens at e's list prices (micro-dollars per 1M tokens)
            return (m[INPUT] * e.input_micro_per_1m + m[OUTPUT] * e.output_micro_per_1m) // 1000
        target = min(pool, key=lambda e: (price(e), e.model))
        acc = moves.setdefault((provider, model, target.model), [0, 0, 0])
        acc[0] += m[CALLS]
        acc[1] += m[COST_NANO]
        acc[2] += price(target)
    items = [{"provider": p, "from_model": a, "to_model": b, "calls": v[0], "cost_usd_per_month": view.per_month(v[1]),
              "new_cost_usd_per_month": view.per_month(v[2]), "savings_usd_per_month": view.per_month(max(0, v[1] - v[2]))}
             for (p, a, b), v in moves.items()]
    items.sort(key=lambda i: (-i["savings_usd_per_month"], i["provider"], i["from_model"]))
    return {"tasks": list(SIMPLE_TASKS), "moves": items, "prices": "%s (as of %s)" % (catalog.source, catalog.as_of),
            "savings_usd_per_month": round(sum(i["savings_usd_per_month"] for i in items), 6)}


def _recommendations(m: Dict[str, Any], bad: List[CustomerMoney], view) -> List[Dict[str, Any]]:
    return _margin_recs(m, bad, view) + _tier_recs(m) + _cap_and_routing_recs(m)


def _margin_recs(m: Dict[str, Any], bad: List[CustomerMoney], view) -> List[Dict[str, Any]]:
    recs = []
    n = m["customer_count"]
    if bad:
        worst = ", ".join("%s (%s, %s margin over the period)" % (r.customer_id, r.tier, H.fmt_usd(view.usd(r.margin)))
                          for r in bad[:3])
        recs.append({"level": "critical", "impact_usd_per_month": m["monthly_loss_usd"],
                     "title": "%s/month at risk from %d unprofitable customer%s" % (
                         H.fmt_usd(m["revenue_at_risk_usd_per_month"]), len(bad), "" if len(bad) == 1 else "s"),
                     "detail": "%d of %d customers cost more in AI than they pay: together they pay %s/month and "
                               "lose %s/month. Worst: %s. The actions below overlap; do not add them up."
                               % (len(bad), n, H.fmt_usd(m["revenue_at_risk_usd_per_month"]),
                                  H.fmt_usd(m["monthly_loss_usd"]), worst)})
    else:
        recs.append({"level": "success", "impact_usd_per_month": None,
                     "title": "All %d customers with a known tier are profitable" % len([c for c in m["customers"]
                                                                                       if c["status"] != "unknown tier"]),
                     "detail": "Margin over the period is %s (%s)." % (H.fmt_usd(m["total_margin_usd"]),
                                                                       H.fmt_pct(m["margin_pct"]))})
    return recs


def _tier_recs(m: Dict[str, Any]) -> List[Dict[str, Any]]:
    recs = []
    ups = [u for u in m["tier_upgrades"] if u["to_tier"]]
    if ups:
        gain = sum(u["revenue_gain_usd_per_month"] for u in ups)
        recs.append({"level": "warning", "impact_usd_per_month": round(gain, 6),
                     "title": "Upgrade %d customer%s whose AI cost exceeds their tier's price: +%s/month revenue" % (
                         len(ups), "" if len(ups) == 1 else "s", H.fmt_usd(gain)),
                     "detail": "Each moves to the cheapest tier whose price covers its AI cost per month (the top tier "
                               "when none does). " + "; ".join(
                         "%s: %s to %s (costs %s/month)" % (u["customer_id"], u["from_tier"], u["to_tier"],
                                                            H.fmt_usd(u["cost_usd_per_month"])) for u in ups[:5])
                               + ("; and %d more" % (len(ups) - 5) if len(ups) > 5 else "") + "."})
    stuck = [u for u in m["tier_upgrades"] if not u["covers_cost"]]
    if stuck:
        recs.append({"level": "warning", "impact_usd_per_month": None,
                     "title": "%d customer%s cost more than the top tier's price: offer custom or metered pricing" % (
                         len(stuck), "" if len(stuck) == 1 else "s"),
                     "detail": "No tier covers them: " + ", ".join("%s (%s/month)" % (u["customer_id"], H.fmt_usd(
                         u["cost_usd_per_month"])) for u in stuck[:5]) + ". See the pricing report."})
    return recs


def _cap_and_routing_recs(m: Dict[str, Any]) -> List[Dict[str, Any]]:
    recs = []
    caps = m["usage_caps"]
    for tier, c in caps["by_tier"].items():
        t = m["margin_by_tier"].get(tier) or {}
        if c["savings_usd_per_month"] <= 0:
            continue
        lead = ("%s tier: %s of customers have a negative margin" % (tier.capitalize(),
                                                                       H.fmt_pct(t.get("unprofitable_pct"), 0))
                if t.get("unprofitable") else "%s tier: %d customer%s above the cap" % (
                    tier.capitalize(), c["customers_over_cap"], "" if c["customers_over_cap"] == 1 else "s"))
        recs.append({"level": "warning" if t.get("unprofitable") else "info",
                     "impact_usd_per_month": c["savings_usd_per_month"],
                     "title": "%s - cap AI usage at %s/month per customer to save %s/month" % (
                         lead, H.fmt_usd(c["cap_usd_per_month"]), H.fmt_usd(c["savings_usd_per_month"])),
                     "detail": "%d of %d %s customers use more than %s of their %s/month price in AI cost; %d of them "
                               "lose money. Savings assume usage beyond the cap is not served or is billed as overage."
                               % (c["customers_over_cap"], c["customers"], tier, H.fmt_pct(100 * caps["cap_share"], 0),
                                  H.fmt_usd(t.get("price_usd_per_month")), t.get("unprofitable", 0))})
    r = m["routing"]
    if r["savings_usd_per_month"] > 0:
        top = r["moves"][0]
        recs.append({"level": "warning", "impact_usd_per_month": r["savings_usd_per_month"],
                     "title": "Route unprofitable customers' simple tasks to economy models to save %s/month"
                              % H.fmt_usd(r["savings_usd_per_month"]),
                     "detail": "Their %s calls on premium models, repriced at list prices on the provider's cheapest "
                               "economy model. Largest: %s to %s saves %s/month." % (
                                   "/".join(r["tasks"]), top["from_model"], top["to_model"],
                                   H.fmt_usd(top["savings_usd_per_month"]))})
    return recs


# ---- page ------------------------------------------------------------------------------------------------------
def _render(doc) -> H.Markup:
    m = doc["metrics"]
    days = doc["data"]["days"]
    tiers = m["margin_by_tier"]
    cards = H.metric_cards([
        {"label": "Revenue per month", "value": H.fmt_usd(m["revenue_usd_per_month"]),
         "context": "subscriptions of %s customers" % H.fmt_int(m["customer_count"])},
        {"label": "AI cost per month", "value": H.fmt_usd(m["cost_usd_per_month"])},
        {"label": "Margin", "value": H.fmt_pct(m["margin_pct"]), "context": "%s/month" % H.fmt_usd(
            m["margin_usd_per_month"]), "tone": "bad" if (m["margin_pct"] or 0) < 0 else "good"},
        {"label": "Unprofitable customers", "value": H.fmt_int(m["unprofitable_count"]),
         "change": "%s/month revenue at risk" % H.fmt_usd(m["revenue_at_risk_usd_per_month"]),
         "tone": "bad" if m["unprofitable_count"] else "good"},
        {"label": "Monthly loss from them", "value": H.fmt_usd(m["monthly_loss_usd"]),
         "tone": "bad" if m["monthly_loss_usd"] > 0 else "good"},
    ])
    corr = m["tier_margin_correlation"]
    tier_rows = [[t, (H.fmt_usd(v["revenue_usd_per_month"]), v["revenue_usd_per_month"]),
                  (H.fmt_usd(v["cost_usd_per_month"]), v["cost_usd_per_month"]),
                  (H.fmt_usd(v["margin_usd"]), v["margin_usd"]), (H.fmt_pct(v["margin_pct"]), v["margin_pct"]),
                  v["customers"], v["unprofitable"], (H.fmt_pct(v["unprofitable_pct"]), v["unprofitable_pct"])]
                 for t, v in tiers.items()]
    by_tier = H.section("Margin by tier", H.join([
        H.bar_chart([(t, v["margin_usd"]) for t, v in tiers.items()], "Margin by tier over the period", sort=False),
        H.table(["Tier", "Revenue/month", "AI cost/month", "Margin (period)", "Margin %", "Customers",
                 "Unprofitable", "Unprofitable %"], tier_rows, id="margin-by-tier", caption="Margin of every tier"),
        H.p("Tier vs margin %% (Spearman rank correlation over %d customers): %s, %s." % (
            corr["customers"], "n/a" if corr["value"] is None else "%.2f" % corr["value"], corr["reading"]))]))
    dist = H.section("Margin distribution", H.bar_chart(
        [(b["bucket"], b["customers"]) for b in m["margin_distribution"]], "Customers by margin %",
        value_format=H.fmt_int, sort=False), intro="Customers with a known tier, by margin % over the period.")
    cust_rows = [[c["customer_id"], c["subscription_tier"], (H.fmt_usd(c["revenue_usd"]), c["revenue_usd"]),
                  (H.fmt_usd(c["cost_usd"]), c["cost_usd"]), (H.fmt_usd(c["margin_usd"]), c["margin_usd"]),
                  (H.fmt_pct(c["margin_pct"]), c["margin_pct"]),
                  (H.badge(c["status"].capitalize(), _TONE[c["status"]]), c["status"]),
                  "yes" if c["tier_changed"] else "no"] for c in m["customers"]]
    table = H.section("Every customer", H.table(
        ["Customer", "Tier", "Revenue", "AI cost", "Margin", "Margin %", "Status", "Tier changed"], cust_rows,
        id="customers", caption="Every customer over the %g-day period, least profitable first" % days))
    parts = [cards, by_tier, dist, table]
    if m["tier_changes"]:
        parts.append(H.section("Customers whose tier changed", H.table(
            ["Customer", "Tiers seen", "Counted as"], [[c["customer_id"], ", ".join(c["tiers_seen"]), c["current_tier"]]
                                                        for c in m["tier_changes"]], id="tier-changes",
            caption="Counted under the tier of their most recent call")))
    parts.append(_actions(m))
    parts.append(H.section("Recommendations", H.recommendations(doc["recommendations"])))
    return H.join(parts)


_TONE = {"unprofitable": "bad", "profitable": "good", "unknown tier": "neutral"}


def _actions(m: Dict[str, Any]) -> H.Markup:
    ups = m["tier_upgrades"]
    up = H.table(["Customer", "From", "To", "AI cost/month", "Price/month", "New price/month", "Gain/month"],
                 [[u["customer_id"], u["from_tier"], u["to_tier"] or "none higher",
                   (H.fmt_usd(u["cost_usd_per_month"]), u["cost_usd_per_month"]),
                   (H.fmt_usd(u["price_usd_per_month"]), u["price_usd_per_month"]),
                   (H.fmt_usd(u["new_price_usd_per_month"]), u["new_price_usd_per_month"]),
                   (H.fmt_usd(u["revenue_gain_usd_per_month"]), u["revenue_gain_usd_per_month"])] for u in ups],
                 id="tier-upgrades", caption="Customers whose AI cost per month exceeds their tier's price")
    caps = m["usage_caps"]
    cap = H.table(["Tier", "Cap/month", "Customers", "Over the cap", "Savings/month"],
                  [[t, (H.fmt_usd(c["cap_usd_per_month"]), c["cap_usd_per_month"]), c["customers"],
                    c["customers_over_cap"], (H.fmt_usd(c["savings_usd_per_month"]), c["savings_usd_per_month"])]
                   for t, c in caps["by_tier"].items()], id="usage-caps",
                  caption="A cap of %s of the tier price in AI cost per customer" % H.fmt_pct(100 * caps["cap_share"], 0))
    r = m["routing"]
    route = H.table(["Provider", "From", "To", "Calls", "Cost/month", "New cost/month", "Savings/month"],
                    [[x["provider"], x["from_model"], x["to_model"], x["calls"],
                      (H.fmt_usd(x["cost_usd_per_month"]), x["cost_usd_per_month"]),
                      (H.fmt_usd(x["new_cost_usd_per_month"]), x["new_cost_usd_per_month"]),
                      (H.fmt_usd(x["savings_usd_per_month"]), x["savings_usd_per_month"])] for x in r["moves"]],
                    id="routing", caption="Unprofitable customers' %s calls on premium models" % "/".join(r["tasks"]))
    return H.section("Fixing unprofitable customers", H.join([
        H.subsection("Tier upgrades", up), H.subsection("Usage caps", cap, intro=caps["assumption"].capitalize() + "."),
        H.subsection("Cheaper models for simple tasks", route, intro="List prices: %s." % r["prices"])]))


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["profitability"], "profitability.py")))
