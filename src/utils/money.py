"""Exact money: amounts are summed as integer nano-dollars (1e-9 USD), so the order of summation, merges of
partial results and incremental updates can never change a printed figure. Only display rounds.

Our CSV carries 6 decimals (micro-dollars); nano-dollars leave room for other tools' finer costs
(e.g. LiteLLM's `spend`), each rounded half-up to the nano-dollar.
"""
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP
from typing import List

MICRO = 1000000
NANO = 1000000000


def parse_usd(text: str) -> int:
    """Nano-dollars of a decimal USD string ('0.012345', '1.5e-05', '-3', '$1,234.50'); ValueError otherwise."""
    s = text.strip()
    if len(s) > 7 and s[-7] == "." and s[-6:].isdigit() and s.isascii():  # our own 6-decimal format: fast path
        whole = s[:-7][1:] if s[0] == "-" else s[:-7]
        if whole.isdigit():  # int() would also read "1_0"
            return int(s[:-7] + s[-6:]) * 1000
    return _whole_units(text, NANO)


def parse_usd_micro(text: str) -> int:
    """Micro-dollars (the CSV's unit) of a decimal USD string read as parse_usd reads it, rounded half up once
    (going through nano-dollars would round twice); ValueError otherwise."""
    return _whole_units(text, MICRO)


def _whole_units(text: str, per_usd: int) -> int:
    """`text` in USD as a whole number of 1/per_usd dollars, rounded half up; ValueError when it is none."""
    s = text.strip().replace(",", "").replace("$", "")
    if not s.isascii() or "_" in s:  # Decimal would read "1_0" and other scripts' digits: a CSV's numbers do not
        raise ValueError("not a number: %r" % text[:40])
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError("not a number: %r" % text[:40])
    if not d.is_finite():
        raise ValueError("not a finite number: %r" % text[:40])
    try:
        return int((d * per_usd).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except ArithmeticError:  # more digits than a decimal context holds (1e19 USD): no cost, a bad value
        raise ValueError("too large: %r" % text[:40])


def parse_cost_nano(text: str, max_usd: int) -> int:
    """Nano-dollars of the cost of one call: a decimal USD amount >= 0 and <= max_usd; ValueError otherwise
    (a negative cost, a credit, or one no single call can have)."""
    nano = parse_usd(text)
    if nano < 0 or nano > max_usd * NANO:
        raise ValueError("not a call's cost: %r" % text[:40])
    return nano


def usd(nano: int, places: int = 6) -> float:
    """Nano-dollars as a float USD rounded for JSON (6 decimals by default)."""
    return round(nano / 1e9, places)


def per_month(nano: int, days: float, month_days: int = 30) -> float:
    """A period total as USD per month: total x 30 / D."""
    if days <= 0:
        return 0.0
    return round(nano * month_days / days / 1e9, 6)


def split_exactly(total: int, weights: List[int]) -> List[int]:
    """`total` split in proportion to `weights` (largest remainder): integer shares that sum to `total` exactly.
    Each share is the floor of its exact share; the units left go to the largest remainders (ties: the earlier
    weight). Equal shares when every weight is 0."""
    if not any(weights):
        weights = [1] * len(weights)
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    ranked = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in ranked[:total - sum(shares)]:
        shares[i] += 1
    return shares
