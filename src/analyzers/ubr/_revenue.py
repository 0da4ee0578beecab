"""Money per customer for the usage-based-revenue analyzers (profitability, pricing, features).

All three start from the same table: every customer with its tier (the one on its most recent call), its
subscription revenue for the data period (tier price x D / 30, exact integer nano-dollars, from cube.View), its AI
cost, calls and tokens. Keeping it in one place is what makes the three reports (and the FinOps ones, which read
the same cube) agree to the nano-dollar.
"""
from typing import Dict, List, Optional, Tuple

from analyzers.engine.cube import CALLS, COST_NANO, INPUT, OUTPUT
from analyzers.groups import FIRST, LAST, groups
from utils.money import per_month, usd
from utils.schema import DAYS_PER_MONTH, TIER_ORDER, TIER_PRICES_USD

NO_TIER = "(none)"  # how a customer without any subscription_tier value is shown


class CustomerMoney(object):
    """One customer over the data period: tier, revenue and cost in nano-dollars, margin (revenue - cost), calls and
    tokens; when it had more than one tier, its tier spans [(first call, last call, tier)] by start (else None: its
    one tier spans first..last). cost_usd and cost_usd_per_month are the figures every report writes, made once."""

    __slots__ = ("customer_id", "tier", "price", "revenue", "cost_nano", "calls", "tokens", "margin", "first", "last",
                 "spans", "cost_usd", "cost_usd_per_month")

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
        self.first = self.last = 0
        self.spans = None  # type: Optional[List[Tuple[int, int, str]]]
        self.cost_usd = self.cost_usd_per_month = 0.0

    @property
    def known(self) -> bool:
        return self.price is not None

    @property
    def tier_label(self) -> str:
        return self.tier or NO_TIER

    def tiers_seen(self) -> List[str]:
        """Every tier of the customer's calls, sorted (View.tier_changes)."""
        return sorted(s[2] for s in self.spans) if self.spans else [self.tier]


def customers(view) -> List[CustomerMoney]:
    """Every customer in the data, sorted by id: made once per report run and shared by the three reports (do not
    change it)."""
    return groups(view).cached("ubr.customers", lambda: _customers(view))


def _customers(view) -> List[CustomerMoney]:
    """One pass over the (customer, tier) spans: totals, tier spans and the tier of the latest call (View.tier_of:
    the greatest (last call, tier), so a tie in time goes to the greater tier name)."""
    acc = {}  # type: Dict[str, list]  # customer -> [calls, cost, tokens, span, span...]
    for (cid, tier), m in groups(view).by_tier.items():
        a = acc.get(cid)
        if a is None:
            acc[cid] = [m[CALLS], m[COST_NANO], m[INPUT] + m[OUTPUT], (m[FIRST], m[LAST], tier)]
        else:
            a[0] += m[CALLS]
            a[1] += m[COST_NANO]
            a[2] += m[INPUT] + m[OUTPUT]
            a.append((m[FIRST], m[LAST], tier))
    out = []
    tiers = {}  # type: Dict[str, Tuple[Optional[int], int]]  # tier -> (price, revenue): the same for all its customers
    days = view.days
    for cid in sorted(acc):
        a = acc.pop(cid)
        spans = a[3:]
        if len(spans) == 1:
            first, last, tier = spans[0]
            spans = None
        else:
            spans.sort()
            first, last = min(s[0] for s in spans), max(s[1] for s in spans)
            tier = max((s[1], s[2]) for s in spans)[1]
        t = tiers.get(tier)
        if t is None:
            t = tiers[tier] = (view.tier_price(tier), view.tier_revenue_nano(tier))
        r = CustomerMoney(cid, tier, t[0], t[1], a[1], a[0], a[2])
        r.first, r.last, r.spans = first, last, spans
        r.cost_usd, r.cost_usd_per_month = usd(a[1]), per_month(a[1], days, DAYS_PER_MONTH)
        out.append(r)
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
    left = total - sum(parts.values())  # >= 0: each part is a floor
    if left:
        for _, k in sorted(rems)[:left]:
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
