"""One row's text values as numbers, strictly: the reader's slow paths for everything its fast paths do not take.

A CSV's numbers are ASCII digits (int() would also read "1_000", "١٢" or " 12"), within the limits of a plausible
call (utils/schema.py): anything else is a ValueError, which the reader counts as a bad number.
"""
from typing import Dict, Optional

from utils.money import parse_cost_nano
from utils.schema import MAX_CALL_COST_USD, MAX_LATENCY_MS, MAX_TOKENS_PER_CALL
from utils.timeutil import parse_ts

_DIGITS = frozenset("0123456789")


def tokens(text: str) -> int:
    """A token count: ASCII digits (other tools write "12.0": a whole float is read too), at most the limit."""
    s = text.strip()
    if s and set(s) <= _DIGITS:
        n = int(s)
    else:
        head, dot, tail = s.partition(".")
        if not (head and set(head) <= _DIGITS and dot and set(tail) <= {"0"}):
            raise ValueError("not a token count: %r" % text[:40])
        n = int(head)
    if n > MAX_TOKENS_PER_CALL:
        raise ValueError("more tokens than one call can have: %r" % text[:40])
    return n


def cost_nano(text: str) -> int:
    """The cost of one call in nano-dollars (see utils.money.parse_cost_nano)."""
    return parse_cost_nano(text, MAX_CALL_COST_USD)


def latency_ms(text: str) -> int:
    """Milliseconds, rounded to a whole ms; -1 when empty; ValueError when negative, over a day or not a number."""
    s = text.strip()
    if not s:
        return -1
    if not s.isascii() or "_" in s:
        raise ValueError("bad latency %r" % text[:40])
    v = float(s)
    if not 0 <= v <= MAX_LATENCY_MS:
        raise ValueError("bad latency %r" % text[:40])
    return int(v + 0.5)


def minute_base(t: str, minute_cache: Dict[str, int], hour_cache: Dict[str, int]) -> Optional[int]:
    """Epoch seconds of the minute of a timestamp in our own format (YYYY-MM-DDTHH:MM:SSZ), cached; None for any
    other format (then the general parser reads it). Only the first call of each hour pays for the full parse."""
    if len(t) != 20 or t[10] != "T" or t[13] != ":":
        return None
    hb = hour_cache.get(t[:13])
    if hb is None:
        hb = parse_ts(t[:13] + ":00:00Z")
        if len(hour_cache) > 200000:
            hour_cache.clear()
        hour_cache[t[:13]] = hb
    mm = t[14:16]
    if not (mm.isascii() and mm.isdigit()) or mm > "59":
        raise ValueError("bad minutes in %r" % t)
    if len(minute_cache) > 500000:
        minute_cache.clear()
    mb = minute_cache[t[:16]] = hb + int(mm) * 60
    return mb
