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


def _price_at(r, ts: int, prices: Dict[str, float]) -> float:
    """Monthly price of the customer's tier at time ts, within its first..last call (0 for an unknown tier): the
    tier whose span started most recently. `prices` holds each tier's price (USD per month, as a float)."""
    tier = r.tier if r.spans is None else [x[2] for x in r.spans if x[0] <= ts][-1]
    return prices[tier] or 0.0


def mrr_movement(view, rows) -> Dict[str, Any]:
    """{"granularity", "periods": [{label, start, end, opening, new, expansion, contraction, churn, closing,
    customers}], "rules"}; money in USD per month. rows: _revenue.customers(view), sorted by id (each period's
    book is a list in that order: None where the customer is not subscribed)."""
    if view.days <= 0:
        return {"granularity": None, "periods": [], "churn_after_days": CHURN_DAYS}
    cutoff = view.end_ts - CHURN_DAYS * 86400
    prices = {}  # type: Dict[str, float]
    for r in rows:  # every tier a customer had, looked up once
        for tier in [x[2] for x in r.spans] if r.spans else (r.tier,):
            if tier not in prices:
                listed = view.tier_price(tier)
                prices[tier] = float(listed) if listed is not None else 0.0
    out = []
    prev = []  # type: List[Optional[float]]
    for i, (lo, hi, label) in enumerate(_periods(view.start_ts, view.end_ts)):
        now = [_price_at(r, min(hi - 1, r.last), prices)
               if r.first < hi and not (r.last < cutoff and r.last < lo) else None for r in rows]
        if i == 0:  # the opening book: customers already calling on the data's first day, at their first tier
            base = [_price_at(r, r.first, prices) if r.first < lo + 86400 else None for r in rows]
        else:
            base = prev
        new = expansion = contraction = 0.0
        for price, was in zip(now, base):
            if price is None:
                continue
            if was is None:
                new += price
            elif price > was:
                expansion += price - was
            elif price < was:
                contraction += was - price
        out.append({"period": label, "start": iso_day(lo // 86400), "end": iso_day((hi - 1) // 86400),
                    "opening_mrr_usd": round(sum(p for p in base if p is not None), 2),
                    "new_mrr_usd": round(new, 2), "expansion_mrr_usd": round(expansion, 2),
                    "contraction_mrr_usd": round(contraction, 2),
                    "churned_mrr_usd": round(sum(p for p, q in zip(base, now) if p is not None and q is None), 2),
                    "customers": len(now) - now.count(None),
                    "closing_mrr_usd": round(sum(p for p in now if p is not None), 2)})
        prev = now
    return {"granularity": "week" if (view.end_ts - view.start_ts) / 86400.0 < MONTHLY_FROM_DAYS else "month",
            "periods": out, "churn_after_days": CHURN_DAYS}
