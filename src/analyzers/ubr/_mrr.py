"""MRR movement: how monthly recurring revenue moved over the data period, period by period (new, expansion,
contraction, churn), inferred from the calls. Used by the profitability report.

Rules (specs/analyzers.md, "profitability"):
- a customer subscribes from its first call to its last; its MRR at any time is the monthly price of its tier then,
  the tier being the one whose calls started most recently (cells keep each tier's first and last call);
- periods are calendar weeks (Monday, UTC) when the data covers under 62 days, else calendar months; each period
  closes at its end or at the end of the data;
- a customer whose last call is more than CHURN_DAYS before the end of the data has churned, in the period after
  its last call; one whose first call falls after the first period is new in that period;
- a customer in both periods whose tier price went up is expansion, down contraction.
So every period reconciles: closing = opening + new + expansion - contraction - churn.
"""
import calendar
import time
from typing import Any, Dict, List, Optional, Tuple

from analyzers.groups import FIRST, LAST, groups
from utils.timeutil import iso_day

CHURN_DAYS = 7
MONTHLY_FROM_DAYS = 62


def _periods(start_ts: int, end_ts: int) -> List[Tuple[int, int, str]]:
    """[(start, end, label)] covering [start_ts, end_ts): weeks or months (see the module docstring)."""
    out = []
    if (end_ts - start_ts) / 86400.0 < MONTHLY_FROM_DAYS:
        day = start_ts // 86400
        monday = day - (day + 3) % 7
        while monday * 86400 < end_ts:
            out.append((max(start_ts, monday * 86400), min(end_ts, (monday + 7) * 86400), "week of " + iso_day(monday)))
            monday += 7
        return out
    tm = time.gmtime(start_ts)
    y, mo = tm.tm_year, tm.tm_mon
    while True:
        lo = calendar.timegm((y, mo, 1, 0, 0, 0))
        if lo >= end_ts:
            return out
        y2, mo2 = (y + 1, 1) if mo == 12 else (y, mo + 1)
        hi = calendar.timegm((y2, mo2, 1, 0, 0, 0))
        out.append((max(start_ts, lo), min(end_ts, hi), "%04d-%02d" % (y, mo)))
        y, mo = y2, mo2


def _timelines(view) -> Dict[str, Dict[str, Any]]:
    """{customer: {"first", "last", "tiers": [(first_ts, last_ts, tier)] by start}} from the cube's cells."""
    spans = groups(view).by_tier  # (customer, tier) -> measures + [first call, last call]
    out = {}  # type: Dict[str, Dict[str, Any]]
    for key in sorted(spans):
        cust, tier = key
        a, b = spans[key][FIRST], spans[key][LAST]
        t = out.get(cust)
        if t is None:
            out[cust] = {"first": a, "last": b, "tiers": [(a, b, tier)]}
        else:
            t["first"], t["last"] = min(t["first"], a), max(t["last"], b)
            t["tiers"].append((a, b, tier))
            t["tiers"].sort(key=lambda x: (x[0], x[1], x[2]))
    return out


def _price_at(view, tl: Dict[str, Any], ts: int, prices: Dict[str, float]) -> Optional[float]:
    """Monthly price of the customer's tier at time ts (None when it is not subscribed then); `prices` keeps each
    tier's price once looked up (a run asks for every customer in every period)."""
    if ts < tl["first"] or ts > tl["last"]:
        return None
    tiers = tl["tiers"]
    tier = tiers[0][2] if len(tiers) == 1 else [x[2] for x in tiers if x[0] <= ts][-1]
    price = prices.get(tier)
    if price is None:
        listed = view.tier_price(tier)
        price = prices[tier] = float(listed) if listed is not None else 0.0
    return price


def mrr_movement(view) -> Dict[str, Any]:
    """{"granularity", "periods": [{label, start, end, opening, new, expansion, contraction, churn, closing,
    customers}], "rules"}; money in USD per month."""
    if view.days <= 0:
        return {"granularity": None, "periods": [], "churn_after_days": CHURN_DAYS}
    timelines = _timelines(view)
    cutoff = view.end_ts - CHURN_DAYS * 86400
    periods = _periods(view.start_ts, view.end_ts)
    rows = []
    prices = {}  # type: Dict[str, float]
    prev = {}  # type: Dict[str, float]
    for i, (lo, hi, label) in enumerate(periods):
        now = {}  # type: Dict[str, float]
        for cust, tl in timelines.items():
            churned = tl["last"] < cutoff and tl["last"] < lo
            if tl["first"] < hi and not churned:
                now[cust] = _price_at(view, tl, min(hi - 1, tl["last"]), prices) or 0.0
        if i == 0:  # the opening book: customers already calling on the data's first day, at their first tier
            base = {c: _price_at(view, tl, tl["first"], prices) or 0.0 for c, tl in timelines.items()
                    if tl["first"] < lo + 86400}
        else:
            base = prev
        row = {"period": label, "start": iso_day(lo // 86400), "end": iso_day((hi - 1) // 86400),
               "opening_mrr_usd": round(sum(base.values()), 2), "new_mrr_usd": 0.0, "expansion_mrr_usd": 0.0,
               "contraction_mrr_usd": 0.0, "churned_mrr_usd": 0.0, "customers": len(now)}
        for cust, price in now.items():
            if cust not in base:
                row["new_mrr_usd"] += price
            elif price > base[cust]:
                row["expansion_mrr_usd"] += price - base[cust]
            elif price < base[cust]:
                row["contraction_mrr_usd"] += base[cust] - price
        row["churned_mrr_usd"] = sum(p for c, p in base.items() if c not in now)
        for k in ("new_mrr_usd", "expansion_mrr_usd", "contraction_mrr_usd", "churned_mrr_usd"):
            row[k] = round(row[k], 2)
        row["closing_mrr_usd"] = round(sum(now.values()), 2)
        rows.append(row)
        prev = now
    return {"granularity": "week" if (view.end_ts - view.start_ts) / 86400.0 < MONTHLY_FROM_DAYS else "month",
            "periods": rows, "churn_after_days": CHURN_DAYS}
