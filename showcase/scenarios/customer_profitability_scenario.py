"""A guided story on your data: which customers cost more in AI than they pay, why, and what each fix is worth.

What it teaches: the question usage-based revenue starts with. A flat subscription hides the fact that AI cost
grows with use: a few heavy customers can cost more than they pay while the average margin still looks fine.
The walk-through has three steps:

1. Find them: revenue (tier price x days / 30) against AI cost, per customer; the margin by tier.
2. Why: for each unprofitable customer, its usage against its tier's typical customer, and what drives its
   cost (the model and the feature that take most of it).
3. What to do: the profitability report's recommendations, each with its dollar value per month.

Every figure comes from the project's profitability analyzer (the same engine and money conventions as the
HTML report), so the story and the report always agree.

    python3 showcase/scenarios/customer_profitability_scenario.py --data src/data/simulated_calls.csv
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

from typing import Any, Dict, List, Optional, Tuple  # noqa: E402

from utils.errors import ShowcaseError  # noqa: E402


def money(v: float) -> str:
    return ("-$" if v < 0 else "$") + format(abs(v), ",.2f")


def profitability(data: str) -> Tuple[Dict[str, Any], Any]:
    """(the profitability JSON document, the view it was computed from)."""
    try:
        from analyzers.registry import analyzer_class
        cls = analyzer_class("profitability")
    except (ImportError, AttributeError, KeyError) as e:
        raise ShowcaseError("the profitability analyzer is not available in this checkout (%s)" % e)
    view = cls(data).view()
    return cls(data).document(view), view


def drivers(view: Any, customer: str) -> Tuple[str, float, str, float]:
    """The model and the feature taking most of a customer's AI cost, with their shares in percent."""
    from analyzers.engine.cube import COST_NANO
    out = []
    for dim in ("model", "feature_id"):
        costs_nano = {k[1]: m[COST_NANO] for k, m in view.cube.group("customer_id", dim).items() if k[0] == customer}
        total_nano = float(sum(costs_nano.values())) or 1.0
        name, cost_nano = sorted(costs_nano.items(), key=lambda kv: (-kv[1], kv[0]))[0] if costs_nano else ("-", 0)
        out += [name, 100.0 * cost_nano / total_nano]
    return out[0], out[1], out[2], out[3]


def story(doc: Dict[str, Any], view: Any, show: int = 5) -> List[str]:
    """The walk-through as lines of text."""
    m = doc["metrics"]
    d = doc["data"]
    customers = m.get("customers") or []
    lines = ["Customer profitability on %s: %s calls, %s to %s (%s days)"
             % (os.path.basename(d["file"]), format(d["rows"], ","), (d["start"] or "")[:10], (d["end"] or "")[:10],
                int(d["days"] or 0)), ""]
    if not customers:
        return lines + ["No customers with subscription tiers in this data: nothing to compare cost with."] + \
            ["Note: %s" % n for n in doc.get("notes", [])]
    losers = sorted([c for c in customers if c["margin_usd"] < 0], key=lambda c: (c["margin_usd"], c["customer_id"]))
    lines += ["Step 1 - find them."] + _find_them(m, customers)
    lines += ["", "Step 2 - why."] + _why(m, view, customers, losers, show)
    lines += ["", "Step 3 - what each fix is worth (per month; the options overlap, so do not add them up):"]
    lines += _fixes(doc.get("recommendations") or [])
    lines += ["", "The same figures are in the profitability report: python3 src/run_all_analyzers.py --data %s"
              % d["file"]]
    return lines


def _find_them(m: Dict[str, Any], customers: List[Dict[str, Any]]) -> List[str]:
    """Step 1: revenue against AI cost, overall and by tier, and what the unprofitable customers put at risk."""
    lines = ["  %d customers pay %s over the period and cost %s in AI: margin %s (%s%%)."
             % (len(customers), money(m["total_revenue_usd"]), money(m["total_cost_usd"]),
                money(m["total_margin_usd"]), m["margin_pct"]),
             "  By tier (revenue - AI cost = margin):"]
    for tier, t in m["margin_by_tier"].items():
        lines.append("    %-11s %3d customers  %12s - %12s = %12s (%s%%), %d unprofitable"
                     % (tier, t["customers"], money(t["revenue_usd"]), money(t["cost_usd"]), money(t["margin_usd"]),
                        t["margin_pct"], t.get("unprofitable", 0)))
    lines.append("  %d customer(s) cost more than they pay: %s/month of subscription revenue is at risk, and they "
                 "lose %s/month." % (m["unprofitable_count"], money(m["revenue_at_risk_usd_per_month"]),
                                     money(m.get("monthly_loss_usd", 0.0))))
    return lines


def _why(m: Dict[str, Any], view: Any, customers: List[Dict[str, Any]], losers: List[Dict[str, Any]],
         show: int) -> List[str]:
    """Step 2: each of the first `show` unprofitable customers against its tier's median, and its cost drivers."""
    lines = []  # type: List[str]
    if not losers:
        lines.append("  Every customer's AI cost is covered by its subscription: nothing to fix today.")
    by_tier = {}  # type: Dict[str, List[Dict[str, Any]]]
    for c in customers:
        by_tier.setdefault(c["subscription_tier"], []).append(c)
    for c in losers[:show]:
        peers = by_tier.get(c["subscription_tier"], [c])
        typical = sorted(p["cost_usd_per_month"] for p in peers)[len(peers) // 2]
        model, model_pct, feature, feature_pct = drivers(view, c["customer_id"])
        price = m["margin_by_tier"].get(c["subscription_tier"], {}).get("price_usd_per_month")
        lines.append("  %s (%s%s): costs %s/month in AI, %s the median %s customer (%s/month); its largest "
                     "costs are %s (%.0f%% of its spend) and the %s feature (%.0f%%). Margin over the period: %s."
                     % (c["customer_id"], c["subscription_tier"], ", pays $%s/month" % price if price else "",
                        money(c["cost_usd_per_month"]), "%.1fx" % (c["cost_usd_per_month"] / typical) if typical else "vs",
                        c["subscription_tier"], money(typical), model, model_pct, feature, feature_pct,
                        money(c["margin_usd"])))
    if len(losers) > show:
        lines.append("  ... and %d more (see the profitability report)." % (len(losers) - show))
    return lines


def _fixes(recs: List[Dict[str, Any]]) -> List[str]:
    """Step 3: the profitability report's recommendations with what each is worth per month."""
    lines = []
    for r in recs:
        worth = r.get("impact_usd_per_month")
        lines.append("  - %s%s" % (r["title"], "" if worth is None else "  [%s/month]" % money(worth)))
    if not recs:
        lines.append("  - nothing to do: no customer loses money.")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    from utils.cli import ArgumentParser, positive_int
    from utils.paths import DEFAULT_DATA
    p = ArgumentParser(prog="customer_profitability_scenario.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, help="calls CSV (default src/data/simulated_calls.csv)")
    p.add_argument("--show", type=positive_int, default=5, help="unprofitable customers to explain (default 5)")
    args = p.parse_args(argv)
    doc, view = profitability(args.data)
    print("\n".join(story(doc, view, args.show)))
    return 0


if __name__ == "__main__":
    from utils.cli import run_main
    sys.exit(run_main(main))
