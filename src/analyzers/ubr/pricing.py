"""Pricing models: what revenue and margin the same usage would bring under four pricing models.

The usage in the data is replayed, customer by customer, under
- flat: today's subscriptions (tier price x D / 30);
- usage-based: AI cost x markup (or a price per 1K tokens when --price-per-1k is given);
- tiered: the tier price with a monthly token allowance, tokens beyond it billed per 1K;
- hybrid: a base fee (a share of the tier price) that includes usage up to the fee's value at usage-based rates;
  usage beyond it is metered at usage-based rates, i.e. max(base fee, usage-based charge).
Allowances and base fees are scaled by D / 30 for the data period. Revenue is exact (integer nano-dollars per
customer), so every model's margin is exactly its revenue minus the data's total AI cost.

Run from src/: python3 analyzers/ubr/pricing.py [--data CSV] [--out DIR] [--markup 3] [--price-per-1k P]
               [--overage-per-1k 0.02] [--allowance-starter N] [--allowance-pro N] [--allowance-enterprise N]
               [--hybrid-base 0.5]
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # noqa

from typing import Any, Dict, List, Tuple

from analyzers.engine.base import Analyzer
from analyzers.ubr._revenue import NO_TIER, CustomerMoney, customers, pct, tier_note, tiers_by_price
from utils import html_generator as H
from utils.cli import non_negative_float, positive_float
from utils.errors import ConfigError
from utils.money import per_month
from utils.schema import DAYS_PER_MONTH

MODELS = ("flat", "usage", "tiered", "hybrid")
NAMES = {"flat": "Flat (today's tiers)", "usage": "Usage-based", "tiered": "Tiered (allowance + overage)",
         "hybrid": "Hybrid (base fee + metered)"}
LIGHT_SHARE = 0.7  # "light" customers: the 70% of customers with a known tier that use the fewest tokens
DEFAULTS = {"markup": 3.0, "price_per_1k": None, "overage_per_1k": 0.02, "allowance_starter": 2000000,
            "allowance_pro": 5000000, "allowance_enterprise": 25000000, "hybrid_base": 0.5, "churn_above_pct": 50.0}


def _opt(flag: str, kind, help_text: str):
    return (flag, {"type": kind, "default": DEFAULTS[flag.lstrip("-").replace("-", "_")], "help": help_text})


class PricingAnalyzer(Analyzer):
    id = "pricing"
    title = "Pricing models"
    category = "ubr"
    summary = "What would flat, usage-based, tiered or hybrid pricing earn on the same usage?"
    OPTIONS = [
        _opt("--markup", positive_float, "usage-based price = AI cost x MARKUP (default 3.0)"),
        _opt("--price-per-1k", positive_float, "usage-based price per 1K tokens in USD, instead of cost x markup"),
        _opt("--overage-per-1k", non_negative_float, "tiered: price per 1K tokens beyond the allowance (default $0.02)"),
        _opt("--allowance-starter", non_negative_float, "tiered: tokens per month included in starter (default 2M)"),
        _opt("--allowance-pro", non_negative_float, "tiered: tokens per month included in pro (default 5M)"),
        _opt("--allowance-enterprise", non_negative_float,
             "tiered: tokens per month included in enterprise (default 25M)"),
        _opt("--hybrid-base", non_negative_float, "hybrid: base fee as a share of the tier price (default 0.5)"),
        _opt("--churn-above-pct", non_negative_float, "churn scenario: customers whose bill would rise by more than "
             "this %% leave (default 50)"),
    ]

    def compute(self, view) -> Dict[str, Any]:
        params = _parameters(view)
        rows = customers(view)
        cost = sum(r.cost_nano for r in rows)
        charges = _charges(view, rows, params)  # {model: [nano-dollars per customer, in the order of rows]}
        models = {}
        flat = sum(charges["flat"])
        for name in MODELS:
            rev = sum(charges[name])
            models[name] = {"name": NAMES[name], "revenue_usd": view.usd(rev), "cost_usd": view.usd(cost),
                            "margin_usd": view.usd(rev - cost), "margin_pct": pct(rev - cost, rev),
                            "revenue_usd_per_month": view.per_month(rev), "margin_usd_per_month": view.per_month(rev - cost),
                            "change_vs_flat_usd_per_month": view.per_month(rev - flat),
                            "rule": _rule(name, params)}
        churn, light = _churn(view, rows, charges)
        missing = [what for what, ok in (("no AI cost (every cost_usd is 0)", cost > 0),
                                         ("no subscription revenue (no known tiers)", flat > 0)) if not ok]
        best = _best(models, churn) if not missing else {"model": None, "gain_usd_per_month": 0.0,
                                                         "rule": "not compared: the data has " + " and ".join(missing)}
        metrics = {"models": models, "churn": churn, "recommended_model": best, "parameters": params,
                   "customers": _customer_rows(view, rows, charges, light)}
        del charges, light
        notes = [n for n in [tier_note(view, rows)] if n]
        if notes:
            notes.append("Customers without a known tier pay only the metered parts (usage-based charges, overage "
                         "from the first token, hybrid usage); they are left out of the pay-more/pay-less view.")
        if missing:
            notes.append("The data has %s, so pricing models cannot be compared: no model is recommended." %
                         " and ".join(missing))
            recs = [{"kind": "info", "level": "info", "impact_usd_per_month": None, "assumptions": [],
                     "title": "Pricing models are not compared on this data",
                     "detail": "It has %s; import costs (or a price catalog with --prices) and subscription tiers "
                               "to compare them." % " and ".join(missing)}]
        else:
            recs = _recommendations(models, churn, best)
        return {"metrics": metrics, "recommendations": recs, "notes": notes}

    def render(self, doc) -> H.Markup:
        return _render(doc)


def _parameters(view) -> Dict[str, Any]:
    o = view.options
    p = {k: (o.get(k) if o.get(k) is not None else v) for k, v in DEFAULTS.items()}
    for k, v in p.items():
        if v is not None and (not isinstance(v, (int, float)) or v < 0 or (k == "markup" and v <= 0)):
            raise ConfigError("pricing option %s must be a number >= 0 (markup > 0), got %r" % (k.replace("_", "-"), v))
    allowances = {t: float(p.get("allowance_" + t) or 0) for t, _ in tiers_by_price(view)}
    return {"markup": float(p["markup"]), "price_per_1k_usd": p["price_per_1k"],
            "overage_per_1k_usd": float(p["overage_per_1k"]), "allowance_tokens_per_month": allowances,
            "hybrid_base_share": float(p["hybrid_base"]), "light_share": LIGHT_SHARE, "days": round(view.days, 6),
            "churn_above_pct": float(p["churn_above_pct"]),
            "tier_prices_usd_per_month": dict(tiers_by_price(view)),
            "usage_basis": "price per 1K tokens" if p["price_per_1k"] else "AI cost x markup"}


def _charges(view, rows: List[CustomerMoney], p: Dict[str, Any]) -> Dict[str, List[int]]:
    """Each customer's charge under each model over the data period, in nano-dollars: {model: [charge per row]}."""
    scale = view.days / DAYS_PER_MONTH
    per_1k, markup, overage = p["price_per_1k_usd"], p["markup"], p["overage_per_1k_usd"]
    allowances, share = p["allowance_tokens_per_month"], p["hybrid_base_share"]
    out = {name: [] for name in MODELS}  # type: Dict[str, List[int]]
    flat, usage_of, tiered, hybrid = (out[name].append for name in MODELS)
    for r in rows:
        if per_1k:
            usage = int(round(r.tokens * per_1k * 1e6))  # USD per 1K tokens = 1e6 nano per token
        else:
            usage = int(round(r.cost_nano * markup))
        allowance = allowances.get(r.tier, 0.0) * scale if r.price is not None else 0.0
        over = max(0.0, r.tokens - allowance)
        flat(r.revenue)
        usage_of(usage)
        tiered(r.revenue + int(round(over * overage * 1e6)))
        hybrid(max(int(round(r.revenue * share)), usage))
    return out


def _rule(name: str, p: Dict[str, Any]) -> str:
    usage = ("$%g per 1K tokens" % p["price_per_1k_usd"] if p["price_per_1k_usd"]
             else "AI cost x %g" % p["markup"])
    return {"flat": "tier price x D/30",
            "usage": usage,
            "tiered": "tier price x D/30 + tokens beyond the allowance (x D/30) x $%g per 1K" % p["overage_per_1k_usd"],
            "hybrid": "max(base fee = %g x tier price x D/30, %s)" % (p["hybrid_base_share"], usage)}[name]


def _churn(view, rows: List[CustomerMoney], charges: Dict[str, List[int]]) -> Tuple[Dict[str, Any], List[bool]]:
    """Per model: how many customers (with a known tier) would pay more, less or the same as today, by how much;
    and whether each row is a light customer."""
    tokens = [r.tokens for r in rows]
    known = sorted((i for i, r in enumerate(rows) if r.price is not None), key=tokens.__getitem__)  # (tokens, id)
    n_light = max(1, int(len(known) * LIGHT_SHARE)) if known else 0
    light = [False] * len(rows)
    for i in known[:n_light]:
        light[i] = True
    out = {"customers": len(known), "light_customers": n_light,
           "light_rule": "the %d%% of customers with a known tier that use the fewest tokens" % (100 * LIGHT_SHARE),
           "by_model": {}}  # type: Dict[str, Any]
    revenue = charges["flat"]
    for name in MODELS[1:]:
        charge = charges[name]
        change = [charge[i] - revenue[i] for i in known]  # lightest first
        d = {}
        for group, diffs in (("all", sorted(change)), ("light", sorted(change[:n_light]))):
            more = [x for x in diffs if x > 0]
            less = [x for x in diffs if x < 0]
            d[group] = {"customers": len(diffs), "pay_more": len(more), "pay_less": len(less),
                        "pay_same": len(diffs) - len(more) - len(less),
                        "pay_more_pct": pct(len(more), len(diffs)),
                        "increase_usd_per_month": view.per_month(sum(more)),
                        "decrease_usd_per_month": view.per_month(-sum(less)),
                        "median_change_usd_per_month": view.per_month(_median(diffs)),
                        "max_increase_usd_per_month": view.per_month(more[-1] if more else 0)}
        d["if_churn"] = _churn_scenario(view, rows, known, revenue, charge, float(
            view.options.get("churn_above_pct") or DEFAULTS["churn_above_pct"]))
        out["by_model"][name] = d
    return out, light


def _churn_scenario(view, rows: List[CustomerMoney], known: List[int], revenue: List[int], charge: List[int],
                    above_pct: float) -> Dict[str, Any]:
    """The model's effect if every customer whose bill rises by more than `above_pct`% leaves: they pay nothing
    and cost nothing; everyone else pays the new price (known: the rows of customers with a known tier)."""
    leave = [i for i in known if revenue[i] > 0 and charge[i] - revenue[i] > revenue[i] * above_pct / 100]
    change = sum(charge[i] - revenue[i] for i in known) - sum(charge[i] for i in leave)
    cost_avoided = sum(rows[i].cost_nano for i in leave)
    return {"rise_above_pct": above_pct, "customers_leaving": len(leave),
            "revenue_change_usd_per_month": view.per_month(change),
            "margin_change_usd_per_month": view.per_month(change + cost_avoided)}


def _median(xs: List[int]) -> int:
    if not xs:
        return 0
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) // 2


def _best(models: Dict[str, Dict[str, Any]], churn: Dict[str, Any]) -> Dict[str, Any]:
    """The model with the largest margin gain over flat among those where at most half of the light customers
    would pay more; None when no model raises margin that way."""
    ok = [m for m in MODELS[1:] if models[m]["change_vs_flat_usd_per_month"] > 0 and
          (churn["by_model"][m]["light"]["pay_more_pct"] or 0) <= 50]
    ok.sort(key=lambda m: (-models[m]["change_vs_flat_usd_per_month"], m))
    rule = ("the largest monthly margin gain over flat among the models under which at most half of the light "
            "customers would pay more")
    if not ok:
        return {"model": None, "gain_usd_per_month": 0.0, "rule": rule}
    return {"model": ok[0], "gain_usd_per_month": models[ok[0]]["change_vs_flat_usd_per_month"], "rule": rule}


def _customer_rows(view, rows: List[CustomerMoney], charges: Dict[str, List[int]],
                   light: List[bool]) -> List[Dict[str, Any]]:
    """One JSON row per customer, heaviest users first (rows are sorted by id: ties by id)."""
    days = view.days
    flat_usd = {}  # type: Dict[int, float]  # the flat charge is the tier's revenue: converted once per tier
    flat, usage, tiered, hybrid = (charges[name] for name in MODELS)
    out = []
    for i in sorted(range(len(rows)), key=lambda i: -rows[i].tokens):
        r = rows[i]
        f = flat_usd.get(flat[i])
        if f is None:
            f = flat_usd[flat[i]] = per_month(flat[i], days, DAYS_PER_MONTH)
        out.append({"customer_id": r.customer_id, "subscription_tier": r.tier or NO_TIER, "tokens": r.tokens,
                    "calls": r.calls, "light": light[i], "cost_usd": r.cost_usd, "flat_usd_per_month": f,
                    "usage_usd_per_month": per_month(usage[i], days, DAYS_PER_MONTH),
                    "tiered_usd_per_month": per_month(tiered[i], days, DAYS_PER_MONTH),
                    "hybrid_usd_per_month": per_month(hybrid[i], days, DAYS_PER_MONTH)})
    return out


def _churn_text(ch: Dict[str, Any]) -> str:
    c = ch["if_churn"]
    return ("If the %d customer%s whose bill rises by more than %g%% left instead, revenue would change by %s/month and "
            "margin by %s/month." % (c["customers_leaving"], "" if c["customers_leaving"] == 1 else "s",
                                     c["rise_above_pct"], _signed_usd(c["revenue_change_usd_per_month"]),
                                     _signed_usd(c["margin_change_usd_per_month"])))


def _assumptions(ch: Dict[str, Any], rule: str) -> List[str]:
    c = ch["if_churn"]
    return ["No customer leaves or changes its usage (churn 0); the usage of the data period is replayed.",
            "If the %d customer%s whose bill rises by more than %g%% left (their AI cost with them), margin would "
            "change by %s/month instead." % (c["customers_leaving"], "" if c["customers_leaving"] == 1 else "s",
                                             c["rise_above_pct"], _signed_usd(c["margin_change_usd_per_month"])),
            "Rule: %s." % rule]


def _recommendations(models, churn, best) -> List[Dict[str, Any]]:
    recs = []
    flat = models["flat"]
    if best["model"]:
        m, ch = models[best["model"]], churn["by_model"][best["model"]]
        recs.append({"kind": "revenue", "level": "success", "impact_usd_per_month": best["gain_usd_per_month"],
                     "title": "%s pricing: +%s/month of margin if no customer leaves" % (
                         NAMES[best["model"]].split(" (")[0], H.fmt_usd(best["gain_usd_per_month"])),
                     "detail": "Margin %s instead of %s today (%s/month vs %s/month). %d of %d light customers would "
                               "pay more, %d less, %d the same; across all customers %d pay more (%s/month in total, "
                               "at most %s for one) and %d less. %s" % (
                                   H.fmt_pct(m["margin_pct"]), H.fmt_pct(flat["margin_pct"]),
                                   H.fmt_usd(m["margin_usd_per_month"]), H.fmt_usd(flat["margin_usd_per_month"]),
                                   ch["light"]["pay_more"], ch["light"]["customers"], ch["light"]["pay_less"],
                                   ch["light"]["pay_same"], ch["all"]["pay_more"],
                                   H.fmt_usd(ch["all"]["increase_usd_per_month"]),
                                   H.fmt_usd(ch["all"]["max_increase_usd_per_month"]), ch["all"]["pay_less"],
                                   _churn_text(ch)),
                     "assumptions": _assumptions(ch, m["rule"])})
    else:
        recs.append({"kind": "info", "level": "info", "impact_usd_per_month": None, "assumptions": [],
                     "title": "Keep flat pricing for now",
                     "detail": "No other model raises margin without raising the price for most light customers "
                               "with these parameters; try other values (--markup, --overage-per-1k, allowances)."})
    for name in MODELS[1:]:
        if name == best["model"]:
            continue
        m, ch = models[name], churn["by_model"][name]
        gain = m["change_vs_flat_usd_per_month"]
        if gain > 0:
            light = ch["light"]
            why = ("%s of light customers would pay more, so it is not the recommendation" % H.fmt_pct(
                light["pay_more_pct"], 0) if (light["pay_more_pct"] or 0) > 50 else
                "less than %s" % (NAMES[best["model"]].split(" (")[0] if best["model"] else "flat"))
            recs.append({"kind": "revenue", "level": "info", "impact_usd_per_month": gain,
                         "title": "%s pricing: +%s/month if no customer leaves" % (NAMES[name].split(" (")[0],
                                                                                  H.fmt_usd(gain)),
                         "detail": "%s. %d of %d light customers would pay more and %d less; across all customers %d "
                                   "would pay %s/month more in total. %s" % (
                                       why[0].upper() + why[1:], light["pay_more"], light["customers"],
                                       light["pay_less"], ch["all"]["pay_more"],
                                       H.fmt_usd(ch["all"]["increase_usd_per_month"]), _churn_text(ch)),
                         "assumptions": _assumptions(ch, m["rule"])})
        else:
            recs.append({"kind": "info", "level": "info", "impact_usd_per_month": None, "assumptions": [],
                         "title": "%s pricing would lose %s/month against today" % (NAMES[name].split(" (")[0],
                                                                                    H.fmt_usd(-gain)),
                         "detail": "Revenue %s/month instead of %s/month (%s)." % (
                             H.fmt_usd(m["revenue_usd_per_month"]), H.fmt_usd(flat["revenue_usd_per_month"]), m["rule"])})
    return recs


def _signed_usd(v: float) -> str:
    return ("+" if v > 0 else "") + H.fmt_usd(v)


# ---- page ------------------------------------------------------------------------------------------------------
def _render(doc) -> H.Markup:
    m = doc["metrics"]
    models, churn, best, params = m["models"], m["churn"], m["recommended_model"], m["parameters"]
    flat = models["flat"]
    cards = H.metric_cards([
        {"label": "Revenue today (flat)", "value": H.fmt_usd(flat["revenue_usd_per_month"]), "context": "per month"},
        {"label": "Margin today", "value": H.fmt_pct(flat["margin_pct"]),
         "context": "%s/month" % H.fmt_usd(flat["margin_usd_per_month"])},
        {"label": "Recommended model", "value": NAMES[best["model"]].split(" (")[0] if best["model"] else "Flat",
         "change": "+%s/month margin" % H.fmt_usd(best["gain_usd_per_month"]) if best["model"] else None,
         "tone": "good" if best["model"] else None},
        {"label": "Light customers", "value": H.fmt_int(churn["light_customers"]), "context": churn["light_rule"]},
    ])
    rows = [[models[k]["name"], (H.fmt_usd, models[k]["revenue_usd_per_month"]),
             (H.fmt_usd, models[k]["margin_usd_per_month"]),
             (H.fmt_pct, models[k]["margin_pct"]),
             (H.fmt_usd, models[k]["change_vs_flat_usd_per_month"]),
             models[k]["rule"]] for k in MODELS]
    compare = H.section("Revenue and margin by pricing model", H.join([
        H.columns(H.bar_chart([(models[k]["name"], models[k]["revenue_usd_per_month"]) for k in MODELS],
                              "Revenue per month", sort=False),
                  H.bar_chart([(models[k]["name"], models[k]["margin_usd_per_month"]) for k in MODELS],
                              "Margin per month", sort=False)),
        H.table(["Model", "Revenue/month", "Margin/month", "Margin %", "Change vs flat/month", "Rule"], rows,
                id="models", caption="The same usage under each pricing model")]))
    crow = []
    for k in MODELS[1:]:
        for g in ("light", "all"):
            c = churn["by_model"][k][g]
            crow.append([models[k]["name"], "light customers" if g == "light" else "all customers", c["customers"],
                         c["pay_more"], c["pay_less"], c["pay_same"],
                         (H.fmt_usd, c["increase_usd_per_month"]),
                         (H.fmt_usd, c["decrease_usd_per_month"]),
                         (H.fmt_usd, c["median_change_usd_per_month"])])
    lrow = []
    for k in MODELS[1:]:
        c = churn["by_model"][k]["if_churn"]
        lrow.append([models[k]["name"], (H.fmt_usd(models[k]["change_vs_flat_usd_per_month"]),
                                         models[k]["change_vs_flat_usd_per_month"]), c["customers_leaving"],
                     (H.fmt_usd, c["revenue_change_usd_per_month"]),
                     (H.fmt_usd, c["margin_change_usd_per_month"])])
    churn_sec = H.section("Churn risk: who would pay more", H.join([H.table(
        ["Model", "Group", "Customers", "Pay more", "Pay less", "Same", "Increase/month", "Decrease/month",
         "Median change/month"], crow, id="churn", caption="Compared with today's subscription"),
        H.table(["Model", "Revenue change if none leaves", "Customers who leave", "Revenue change if they leave",
                 "Margin change if they leave"], lrow, id="churn-scenario", key=4,
                caption="If every customer whose bill rises by more than %g%% leaves (--churn-above-pct)"
                        % params["churn_above_pct"])]),
        intro="Light customers: %s. A customer who leaves pays nothing and costs nothing." % churn["light_rule"])
    prow = [["Markup on AI cost (usage-based)", "%gx" % params["markup"], "--markup"],
            ["Price per 1K tokens (usage-based)", H.fmt_usd(params["price_per_1k_usd"]) if params["price_per_1k_usd"]
             else "not used", "--price-per-1k"],
            ["Overage per 1K tokens (tiered)", H.fmt_usd(params["overage_per_1k_usd"]), "--overage-per-1k"]]
    prow += [["Allowance %s (tokens/month)" % t, H.fmt_int(v), "--allowance-%s" % t]
             for t, v in params["allowance_tokens_per_month"].items()]
    prow += [["Hybrid base fee (share of tier price)", H.fmt_pct(100 * params["hybrid_base_share"], 0), "--hybrid-base"],
             ["Light customers (share by tokens)", H.fmt_pct(100 * params["light_share"], 0), "fixed"],
             ["Churn scenario: bill rise above which a customer leaves", H.fmt_pct(params["churn_above_pct"], 0),
              "--churn-above-pct"]]
    param_sec = H.section("Parameters", H.table(["Parameter", "Value", "Command-line flag"], prow, id="parameters",
                                                caption="Every parameter of the replay"),
                          intro="Allowances and base fees are scaled by D/30 for the %s period." % H.fmt_days(
                              params["days"]))
    cust = H.section("Every customer under each model", H.table(
        ["Customer", "Tier", "Tokens", "Light"] + [NAMES[k].split(" (")[0] + "/month" for k in MODELS],
        [[c["customer_id"], c["subscription_tier"], (H.fmt_tokens, c["tokens"]),
          "yes" if c["light"] else "no"] + [(H.fmt_usd, c[k + "_usd_per_month"])
                                            for k in MODELS] for c in m["customers"]],
        id="customers", caption="Monthly price per customer, heaviest users first"))
    recs = H.section("Recommendations", H.recommendations(doc["recommendations"]))
    return H.join([cards, compare, churn_sec, cust, param_sec, recs])


if __name__ == "__main__":
    import sys
    from analyzers.command import main
    from utils.cli import run_main
    sys.exit(run_main(lambda argv: main(argv, ["pricing"], "pricing.py")))
