"""Money per customer for the usage-based-revenue analyzers (profitability, pricing, features).

All three start from the same table: every customer with its tier (the one on its most recent call), its
subscription revenue for the data period (tier price x D / 30, exact integer nano-dollars, from cube.View), its AI
cost, calls and tokens. Keeping it in one place is what makes the three reports (and the FinOps ones, which read
the same cube) agree to the nano-dollar.
"""
from typing import Dict, List, Optional, Tuple

from analyzers.engine.cube import CALLS, COST_NANO, INPUT, OUTPUT
from analyzers.groups import groups
from utils.schema import TIER_ORDER, TIER_PRICES_USD

NO_TIER = "(none)"  # how a customer without any subscription_tier value is shown


class CustomerMoney(object):
    """One customer over the data period: tier, revenue and cost in nano-dollars, margin (revenue - cost), calls and
    tokens."""

    __slots__ = ("customer_id", "tier", "price", "revenue", "cost_nano", "calls", "tokens", "margin")

    def __init__(self, customer_id: str, tier: str, price: Optional[int], revenue: int, cost_nano: int, calls: int,
                 tokens: int) -> None:
        self.customer_id = customer_id
        self.tier = tier
        self.price = price  # monthly tier price in USD; None when the tier is unknown
        self.revenue = revenue
        self.cost_nano = cost_nano
        self.calls = calls
        self.tokens = tokens
        self.margin = revenue - cost_nano  # read a dozen times per customer: kept, not recomputed

    @property
    def known(self) -> bool:
        return self.price is not None

    @property
    def tier_label(self) -> str:
        return self.tier or NO_TIER


def customers(view) -> List[CustomerMoney]:
    """Every customer in the data, sorted by id: made once per report run and shared by the three reports (do not
    change it)."""
    return groups(view).cached("ubr.customers", lambda: _customers(view))


def _customers(view) -> List[CustomerMoney]:
    out = []
    revenue = {}  # type: Dict[str, int]  # tier -> revenue over the period: the same for every customer of a tier
    for cid, m in sorted(groups(view).group("customer_id").items()):
        tier = view.tier_of(cid)
        if tier not in revenue:
            revenue[tier] = view.revenue_nano(cid)
        out.append(CustomerMoney(cid, tier, view.tier_price(tier), revenue[tier], m[COST_NANO], m[CALLS],
                                 m[INPUT] + m[OUTPUT]))
    return out


def tier_prices(view) -> Dict[str, int]:
    """Monthly price of every known tier (USD)."""
    return dict(view.options.get("tier_prices") or TIER_PRICES_USD)


def tiers_by_price(view) -> List[Tuple[str, int]]:
    """Known tiers from the cheapest up (ties: the usual starter/pro/enterprise order, then name)."""
    order = {t: i for i, t in enumerate(TIER_ORDER)}
    return sorted(tier_prices(view).items(), key=lambda kv: (kv[1], order.get(kv[0], len(order)), kv[0]))


def tier_note(view, rows: List[CustomerMoney]) -> Optional[str]:
    """What the data cannot say about revenue: no tier column, or customers whose tier has no known price."""
    unknown = [r for r in rows if not r.known]
    if not unknown:
        return None
    if not view.has("subscription_tier") or all(not r.tier for r in rows):
        return ("The data has no subscription tiers (the subscription_tier column is %s): the revenue of all %d "
                "customers is unknown and counted as $0, so margins cannot be judged; AI costs are complete."
                % ("absent" if not view.has("subscription_tier") else "empty", len(rows)))
    seen = sorted({r.tier_label for r in unknown})
    return ("%d customers have no known subscription tier (%s; priced tiers are %s): their revenue is unknown and "
            "counted as $0, and they are not judged profitable or unprofitable; their AI cost is counted."
            % (len(unknown), ", ".join(seen[:5]) + (", ..." if len(seen) > 5 else ""),
               ", ".join(t for t, _ in tiers_by_price(view))))


def pct(part: float, whole: float) -> Optional[float]:
    """part / whole in percent, 2 decimals; None when whole is 0."""
    if not whole:
        return None
    return round(100.0 * part / whole, 2)


def split_by_weight(total: int, weights: Dict[str, int]) -> Dict[str, int]:
    """Split an integer amount over keys in proportion to integer weights, exactly (largest remainder).

    Each key gets floor(total x w / W); the units left over go one each to the largest remainders (ties: key
    name), so the parts always sum to `total`.
    """
    whole = sum(weights.values())
    if whole <= 0:
        return {k: 0 for k in weights}
    parts, rems = {}, []
    for k, w in weights.items():
        q, r = divmod(total * w, whole)
        parts[k] = q
        rems.append((-r, k))
    for _, k in sorted(rems)[:total - sum(parts.values())]:
        parts[k] += 1
    return parts


def spearman(xs: List[float], ys: List[float]) -> Optional[float]:
    """Spearman rank correlation (Pearson on average ranks, so ties count fairly); None when undefined."""
    if len(xs) < 3:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    n = float(len(xs))
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return round(sxy / (sxx * syy) ** 0.5, 4)


def _ranks(values: List[float]) -> List[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    return ranks
