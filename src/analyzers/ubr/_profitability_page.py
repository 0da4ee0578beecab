"""The customer profitability page, built from its JSON document alone (see profitability.py)."""
from typing import Any, Dict

from utils import html_generator as H


def render(doc) -> H.Markup:
    """The profitability page from its JSON document."""
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
    tier_rows = [[t, (H.fmt_usd, v["revenue_usd_per_month"]),
                  (H.fmt_usd, v["cost_usd_per_month"]),
                  (H.fmt_usd, v["margin_usd"]), (H.fmt_pct, v["margin_pct"]),
                  v["customers"], v["unprofitable"], (H.fmt_pct, v["unprofitable_pct"])]
                 for t, v in tiers.items()]
    by_tier = H.section("Margin by tier", H.join([
        H.bar_chart([(t, v["margin_usd"]) for t, v in tiers.items()], "Margin by tier over the period", sort=False),
        H.table(["Tier", "Revenue/month", "AI cost/month", "Margin (period)", "Margin %", "Customers",
                 "Unprofitable", "Unprofitable %"], tier_rows, id="margin-by-tier", caption="Margin of every tier"),
        H.p("Tier vs margin %% (Spearman rank correlation over %s customers): %s, %s." % (
            format(corr["customers"], ","), "n/a" if corr["value"] is None else "%.2f" % corr["value"], corr["reading"]))]))
    dist = H.section("Margin distribution", H.bar_chart(
        [(b["bucket"], b["customers"]) for b in m["margin_distribution"]], "Customers by margin %",
        value_format=H.fmt_int, sort=False), intro="Customers with a known tier, by margin % over the period.")
    cust_rows = [[c["customer_id"], c["subscription_tier"], (H.fmt_usd, c["revenue_usd"]),
                  (H.fmt_usd, c["cost_usd"]), (H.fmt_usd, c["margin_usd"]),
                  (H.fmt_pct, c["margin_pct"]),
                  (_status_badge, c["status"]),
                  "yes" if c["tier_changed"] else "no"] for c in m["customers"]]
    table = H.section("Every customer", H.table(
        ["Customer", "Tier", "Revenue", "AI cost", "Margin", "Margin %", "Status", "Tier changed"], cust_rows,
        id="customers", caption="Every customer over the %s period, least profitable first" % H.fmt_days(days)))
    parts = [cards, by_tier, dist, table]
    if m["tier_changes"]:
        parts.append(H.section("Customers whose tier changed", H.table(
            ["Customer", "Tiers seen", "Counted as"], [[c["customer_id"], ", ".join(c["tiers_seen"]), c["current_tier"]]
                                                        for c in m["tier_changes"]], id="tier-changes",
            caption="Counted under the tier of their most recent call")))
    parts.append(_mrr(m))
    parts.append(_actions(m))
    parts.append(H.section("Recommendations", H.recommendations(doc["recommendations"])))
    return H.join(parts)


_TONE = {"unprofitable": "bad", "profitable": "good", "unknown tier": "neutral"}


def _status_badge(status: str) -> H.Markup:
    return H.badge(status.capitalize(), _TONE[status])


def _actions(m: Dict[str, Any]) -> H.Markup:
    ups = m["tier_upgrades"]
    up = H.table(["Customer", "From", "To", "AI cost/month", "Price/month", "New price/month", "Gain/month"],
                 [[u["customer_id"], u["from_tier"], u["to_tier"] or "none higher",
                   (H.fmt_usd, u["cost_usd_per_month"]),
                   (H.fmt_usd, u["price_usd_per_month"]),
                   (H.fmt_usd, u["new_price_usd_per_month"]),
                   (H.fmt_usd, u["revenue_gain_usd_per_month"])] for u in ups],
                 id="tier-upgrades", caption="Customers whose AI cost per month exceeds their tier's price")
    caps = m["usage_caps"]
    cap = H.table(["Tier", "Cap/month", "Customers", "Over the cap", "Overage/month", "Margin if they leave/month"],
                  [[t, (H.fmt_usd, c["cap_usd_per_month"]), c["customers"],
                    c["customers_over_cap"], (H.fmt_usd, c["overage_usd_per_month"]),
                    (H.fmt_usd, c["margin_if_they_leave_usd_per_month"])]
                   for t, c in caps["by_tier"].items()], id="usage-caps", key=4,
                  caption="A cap of %s of the plan price in AI cost per customer per month" % H.fmt_pct(caps["cap_pct"], 0))
    return H.section("Fixing unprofitable customers: revenue scenarios", H.join([
        H.subsection("Tier upgrades", up), H.subsection("The usage-cap policy", cap, intro=caps["policy"])]),
        intro="Alternatives, not additive: a customer is either upgraded or billed overage. What cheaper models would "
              "save on these customers' calls is in the cost optimization report (model right-sizing).")


def _mrr(m: Dict[str, Any]) -> H.Markup:
    mv = m["mrr_movement"]
    rows = [[p["period"], (H.fmt_usd, p["opening_mrr_usd"]),
             (H.fmt_usd, p["new_mrr_usd"]), (H.fmt_usd, p["expansion_mrr_usd"]),
             (H.fmt_usd, -p["contraction_mrr_usd"]),
             (H.fmt_usd, -p["churned_mrr_usd"]),
             (H.fmt_usd, p["closing_mrr_usd"]), p["customers"]] for p in mv["periods"]]
    return H.section("MRR movement", H.table(
        ["Period", "Opening MRR", "New", "Expansion", "Contraction", "Churn", "Closing MRR", "Customers"], rows,
        id="mrr-movement", caption="Monthly recurring revenue by %s, inferred from the calls" % (mv["granularity"] or
                                                                                               "period")),
        intro="A customer subscribes from its first call to its last, at the price of its tier at the time; one whose "
              "last call is more than %d days before the end of the data has churned. Closing = opening + new + "
              "expansion - contraction - churn." % mv["churn_after_days"])
