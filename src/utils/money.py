"""Exact money: amounts are summed as integer nano-dollars (1e-9 USD), so the order of summation, merges of
partial results and incremental updates can never change a printed figure. Only display rounds.

Our CSV carries 6 decimals (micro-dollars); nano-dollars leave room for other tools' finer costs
(e.g. LiteLLM's `spend`), each rounded half-up to the nano-dollar.
"""
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

NANO = 1000000000


def parse_usd(text: str) -> int:
    """Nano-dollars of a decimal USD string ('0.012345', '1.5e-05', '-3', '$1,234.50'); ValueError otherwise."""
    s = text.strip()
    if len(s) > 7 and s[-7] == "." and s[-6:].isdigit():  # our own 6-decimal format: the fast path
        return int(s[:-7] + s[-6:]) * 1000
    s = s.replace(",", "").replace("$", "")
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError("not a number: %r" % text[:40])
    if not d.is_finite():
        raise ValueError("not a finite number: %r" % text[:40])
    return int((d * NANO).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def usd(nano: int, places: int = 6) -> float:
    """Nano-dollars as a float USD rounded for JSON (6 decimals by default)."""
    return round(nano / 1e9, places)


def per_month(nano: int, days: float, month_days: int = 30) -> float:
    """A period total as USD per month: total x 30 / D."""
    if days <= 0:
        return 0.0
    return round(nano * month_days / days / 1e9, 6)
