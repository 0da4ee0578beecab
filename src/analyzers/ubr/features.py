"""Feature economics: which features pay for themselves, and which to invest in, maintain, fix or sunset.

Per feature: AI cost, calls, customers, adoption (% of all customers using it), revenue attributed, margin %, cost
per call, and a quadrant from adoption x margin. Revenue attribution rule: each customer's subscription revenue for
the period is split over the features it used in proportion to its calls, exactly (integer nano-dollars, largest
remainder), so the features' revenue sums to the total subscription revenue.

Run from src/: python3 analyzers/ubr/features.py [--data CSV] [--out DIR] [--adoption-threshold 30]
               [--margin-threshold 50]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

from typing import Any, Dict, List, Optional

from analyzers.engine.base import Analyzer
from analyzers.engine.cube import CALLS, COST_NANO
from analyzers.groups import groups
from analyzers.ubr._revenue import customers, pct, split_by_weight, tier_note
from utils import html_generator as H
from utils.cli import non_negative_float
from utils.errors import ConfigError
from utils.schema import UNTAGGED

QUADRANTS = ("invest", "fix", "maintain", "sunset")
ATTRIBUTION = ("A feature's revenue is its users' subscription revenue split by their calls (each customer's "
               "revenue over the features it used, in proportion to its calls).")
RULES = {"invest": "adoption >= {a} and margin >= {m}", "fix": "adoption >= {a} and margin < {m}",
         "maintain": "adoption < {a} and margin >= 0%", "sunset": "adoption < {a} and margin < 0%"}
TONES = {"invest": "good", "maintain": "neutral", "fix": "warn", "sunset": "bad"}


class FeaturesAnalyzer(Analyzer):
    id = "features"
    title = "Feature economics"
    category = "ubr"
    summary = "Which features pay for themselves, and which should we invest in, fix or sunset?"
    OPTIONS = [
        ("--adoption-threshold", {"type": non_negative_float, "default": 30.0, "help": (
            "features: adoption (%% of customers) at or above which a feature counts as widely adopted (default 30)")}),
        ("--margin-threshold", {"type": float, "default": 50.0, "help": (
            "features: margin %% at or above which a widely adopted feature is worth investing in (default 50)")}),
    ]

    def compute(self, view) -> Dict[str, Any]:
        a_min = float(_option(view, "adoption_threshold", 30.0))
        m_min = float(_option(view, "margin_threshold", 50.0))
        if not 0 <= a_min <= 100 or m_min != m_min:
            raise ConfigError("--adoption-threshold must be between 0 and 100, got %s" % a_min)
        rows = customers(view)
        shared = groups(view)
        revenue = {f: 0 for f in shared.group("feature_id")}
        calls_by = {}  # type: Dict[str, Dict[str, int]]
        for (cid, feat), calls in shared.customer_feature_calls.items():
            calls_by.setdefault(cid, {})[feat] = calls
        for r in rows:  # each customer's revenue, split over its features by call share
            for feat, part in split_by_weight(r.revenue, calls_by.get(r.customer_id, {})).items():
                revenue[feat] += part
        users = shared.distinct("feature_id")
        known_revenue = any(r.known for r in rows)
        feats = {}
        for feat, m in shared.group("feature_id").items():
            rev, cost = revenue[feat], m[COST_NANO]
            adoption = pct(users.get(feat, 0), len(rows)) or 0.0
            margin = pct(rev - cost, rev)
            feats[feat] = {"cost_usd": view.usd(cost), "calls": m[CALLS], "customers": users.get(feat, 0),
                           "adoption_pct": adoption, "revenue_attributed_usd": view.usd(rev),
                           "margin_usd": view.usd(rev - cost), "margin_pct": margin,
                           "cost_per_call_usd": round(cost / 1e9 / m[CALLS], 6) if m[CALLS] else None,
                           "cost_usd_per_month": view.per_month(cost), "revenue_usd_per_month": view.per_month(rev),
                           "margin_usd_per_month": view.per_month(rev - cost),
                           "quadrant": _quadrant(adoption, margin, cost, a_min, m_min)
                           if known_revenue and feat != UNTAGGED else None}
        order = sorted(feats, key=lambda f: (-feats[f]["cost_usd"], f))
        total_cost = sum(m[COST_NANO] for m in shared.group("feature_id").values())
        total_rev = sum(revenue.values())
        metrics = {
            "features": {f: feats[f] for f in order},
            "feature_count": len(feats), "customers": len(rows),
            "total_cost_usd": view.usd(total_cost), "total_calls": sum(f["calls"] for f in feats.values()),
            "total_revenue_usd": view.usd(total_rev), "margin_pct": pct(total_rev - total_cost, total_rev),
            "quadrants": {q: [f for f in order if feats[f]["quadrant"] == q] for q in QUADRANTS},
            "thresholds": {"adoption_pct": a_min, "margin_pct": m_min,
                           "rules": {q: RULES[q].format(a="%g%%" % a_min, m="%g%%" % m_min) for q in QUADRANTS}},
            "attribution_rule": ("each customer's subscription revenue for the period is split over the features it "
                                 "used in proportion to its calls (exact, largest remainder)"),
        }
        notes = [n for n in [tier_note(view, rows)] if n]
        if not known_revenue:
            notes.append("Without known tiers no revenue can be attributed, so features get no quadrant; costs, calls "
                         "and adoption are complete.")
        if not view.has("feature_id"):
            notes.append("No feature_id column: every call is grouped as %s, so per-feature economics need feature "
                         "tags on the calls." % UNTAGGED)
        elif UNTAGGED in feats:
            notes.append("%s calls have no feature_id; they are grouped as %s." % (
                H.fmt_int(feats[UNTAGGED]["calls"]), UNTAGGED))
        return {"metrics": metrics, "recommendations": _recommendations(metrics), "notes": notes}

    def render(self, doc) -> H.Markup:
        return _render(doc)


def _option(view, key: str, default: float) -> float:
    v = view.options.get(key)
    return default if v is None else v


def _quadrant(adoption: float, margin: Optional[float], cost: int, a_min: float, m_min: float) -> str:
    """Invest / fix / maintain / sunset from adoption x margin (a feature with cost but no revenue: margin < 0)."""
    if margin is None:
        margin = float("-inf") if cost > 0 else 0.0
    if adoption >= a_min:
        return "invest" if margin >= m_min else "fix"
    return "maintain" if margin >= 0 else "sunset"


def _describe(name: str, f: Dict[str, Any]) -> str:
    margin = ("no attributed revenue" if f["margin_pct"] is None else "negative margin" if f["margin_pct"] < 0
              else "%s margin" % H.fmt_pct(f["margin_pct"], 0))
    return "%s feature (%s, %s adoption)" % (name, margin, H.fmt_pct(f["adoption_pct"], 0))


def _recommendations(m: Dict[str, Any]) -> List[Dict[str, Any]]:
    feats, t = m["features"], m["thresholds"]
    recs = []
    for f in m["quadrants"]["invest"]:
        v = feats[f]
        recs.append({"kind": "info", "assumptions": [ATTRIBUTION], "level": "success", "impact_usd_per_month": None,
                     "title": "Invest in %s" % _describe(f, v),
                     "detail": "Used by %d of %d customers and earns %s/month of margin on %s/month of AI cost (%s "
                               "per call). Growing its adoption grows profit." % (
                                   v["customers"], m["customers"], H.fmt_usd(v["margin_usd_per_month"]),
                                   H.fmt_usd(v["cost_usd_per_month"]), H.fmt_usd(v["cost_per_call_usd"]))})
    for f in m["quadrants"]["fix"]:
        v = feats[f]
        target = v["cost_usd_per_month"] - (1 - t["margin_pct"] / 100.0) * v["revenue_usd_per_month"]
        recs.append({"kind": "info", "assumptions": [ATTRIBUTION], "level": "warning", "impact_usd_per_month": None,
                     "title": "Fix %s" % _describe(f, v),
                     "detail": "Widely used but below a %s margin: it would take %s/month less AI cost (of %s/month) "
                               "or an add-on price to reach %s. A target, not a saving: cost optimization prices "
                               "what cheaper models would save." % (
                                   H.fmt_pct(t["margin_pct"], 0), H.fmt_usd(max(0.0, target)),
                                   H.fmt_usd(v["cost_usd_per_month"]), H.fmt_pct(t["margin_pct"], 0))})
    for f in m["quadrants"]["sunset"]:
        v = feats[f]
        recs.append({"kind": "risk", "level": "critical", "impact_usd_per_month": max(0.0, -v["margin_usd_per_month"]),
                     "title": "Sunset or reprice %s: it loses %s/month" % (_describe(f, v),
                                                                         H.fmt_usd(-v["margin_usd_per_month"])),
                     "detail": "Used by %d of %d customers and costs %s/month in AI against %s/month of attributed "
                               "revenue. Retiring it would stop its AI cost, but its users may value it: ask them "
                               "before you do." % (v["customers"], m["customers"], H.fmt_usd(v["cost_usd_per_month"]),
                                                    H.fmt_usd(v["revenue_usd_per_month"])),
                     "assumptions": [ATTRIBUTION, "The loss continues at the data period's pace."]})
    keep = m["quadrants"]["maintain"]
    if keep:
        recs.append({"kind": "info", "assumptions": [ATTRIBUTION], "level": "info", "impact_usd_per_month": None,
                     "title": "Maintain %s: profitable but used by few" % ", ".join(keep),
                     "detail": "Adoption below %s with a positive margin: %s." % (H.fmt_pct(t["adoption_pct"], 0), "; ".join(
                         _describe(f, feats[f]) for f in keep))})
    return recs


# ---- page ------------------------------------------------------------------------------------------------------
def _render(doc) -> H.Markup:
    m = doc["metrics"]
    feats, q, t = m["features"], m["quadrants"], m["thresholds"]
    cards = H.metric_cards([
        {"label": "Features", "value": H.fmt_int(m["feature_count"]), "context": "%s customers" % H.fmt_int(m["customers"])},
        {"label": "Overall margin", "value": H.fmt_pct(m["margin_pct"])},
        {"label": "Invest", "value": H.fmt_int(len(q["invest"])), "context": ", ".join(q["invest"]) or "none",
         "tone": "good" if q["invest"] else None},
        {"label": "Fix", "value": H.fmt_int(len(q["fix"])), "context": ", ".join(q["fix"]) or "none"},
        {"label": "Sunset", "value": H.fmt_int(len(q["sunset"])), "context": ", ".join(q["sunset"]) or "none",
         "tone": "bad" if q["sunset"] else None},
    ])
    rules = H.p("Quadrants: " + "; ".join("%s when %s" % (k, v) for k, v in t["rules"].items()) +
                ". Revenue attributed: " + m["attribution_rule"] + ".")
    panels = H.columns(*[H.subsection(name.capitalize(), H.p(", ".join(q[name]) or "none")) for name in QUADRANTS])
    charts = H.columns(
        H.bar_chart([(f, v["margin_pct"]) for f, v in feats.items() if v["margin_pct"] is not None],
                    "Margin % by feature", value_format=H.fmt_pct, additive=False),
        H.bar_chart([(f, v["adoption_pct"]) for f, v in feats.items()], "Adoption by feature (% of customers)",
                    value_format=H.fmt_pct, additive=False))
    rows = [[f, (H.badge((v["quadrant"] or "n/a").capitalize(), TONES.get(v["quadrant"], "neutral")), v["quadrant"] or ""),
             (H.fmt_pct, v["adoption_pct"]), (H.fmt_pct, v["margin_pct"]),
             (H.fmt_usd, v["cost_usd_per_month"]),
             (H.fmt_usd, v["revenue_usd_per_month"]), v["calls"], v["customers"],
             (H.fmt_usd, v["cost_per_call_usd"])] for f, v in feats.items()]
    table = H.table(["Feature", "Quadrant", "Adoption", "Margin %", "AI cost/month", "Revenue/month", "Calls",
                     "Customers", "Cost per call"], rows, id="features", caption="Every feature, costliest first")
    return H.join([cards, H.section("Invest, maintain, fix or sunset", H.join([rules, panels, charts, table])),
                   H.section("Recommendations", H.recommendations(doc["recommendations"]))])


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["features"], "features.py")))
