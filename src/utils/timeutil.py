"""Fast, dependency-free timestamp parsing to UTC epoch seconds, and formatting back to ISO 8601.

Accepts `2026-01-05T14:03:22Z`, a space instead of `T`, fractional seconds (`.123456`, dropped), an explicit
offset (`+00:00`, `+0530`, `-08`, converted to UTC), no zone (taken as UTC), a bare date, `/` as date separator,
and Unix epoch numbers in seconds, milliseconds, microseconds or nanoseconds.
(Python 3.7's fromisoformat cannot read `Z`, and parsing by hand is faster anyway.)
"""
import re
import time
from typing import Dict

_ISO = re.compile(
    r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$", re.ASCII)  # ASCII digits only: int() would read others
_EPOCH = re.compile(r"^\s*(\d{9,19})(?:\.(\d+))?\s*$", re.ASCII)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_day_cache = {}  # type: Dict[str, int]


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def epoch_day(date_text: str) -> int:
    """Epoch day of 'YYYY-MM-DD' (validated, cached)."""
    v = _day_cache.get(date_text)
    if v is None:
        m = _ISO.match(date_text)
        if not m or m.group(4) is not None:
            raise ValueError("not a date: %r" % date_text)
        v = _valid_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if len(_day_cache) < 100000:
            _day_cache[date_text] = v
    return v


def _valid_day(y: int, mo: int, d: int) -> int:
    if not (1 <= mo <= 12 and 1 <= d <= _DAYS_IN_MONTH[mo - 1]) or (mo == 2 and d == 29 and not _leap(y)):
        raise ValueError("no such date %04d-%02d-%02d" % (y, mo, d))
    return days_from_civil(y, mo, d)


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def parse_ts(text: str) -> int:
    """UTC epoch seconds of a timestamp in any accepted form; ValueError otherwise."""
    m = _ISO.match(text)
    if m is None:
        e = _EPOCH.match(text)
        if e is None:
            raise ValueError("not a timestamp: %r" % text[:40])
        digits = e.group(1)
        scale = {10: 1, 9: 1, 13: 1000, 16: 1000000, 19: 1000000000}.get(len(digits))
        if scale is None:
            raise ValueError("ambiguous epoch number: %r" % text[:40])
        return int(digits) // scale
    y, mo, d, hh, mi, ss, _, zone = m.groups()
    day = _valid_day(int(y), int(mo), int(d))
    h, mn, s = int(hh or 0), int(mi or 0), int(ss or 0)
    if h > 23 or mn > 59 or s > 60:
        raise ValueError("time out of range: %r" % text[:40])
    t = day * 86400 + h * 3600 + mn * 60 + min(s, 59)
    if zone and zone[0] in "+-":
        z = zone[1:].replace(":", "")
        off = int(z[:2]) * 3600 + (int(z[2:4]) * 60 if len(z) >= 4 else 0)
        if off > 14 * 3600:
            raise ValueError("offset out of range: %r" % text[:40])
        t -= off if zone[0] == "+" else -off
    return t


def iso(epoch_s: int) -> str:
    """'YYYY-MM-DDTHH:MM:SSZ' of UTC epoch seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))


def iso_day(epoch_day_: int) -> str:
    """'YYYY-MM-DD' of an epoch day."""
    return time.strftime("%Y-%m-%d", time.gmtime(epoch_day_ * 86400))


def iso_hour(epoch_hour: int) -> str:
    """'YYYY-MM-DDTHH' of an epoch hour (the realtime report's hourly keys)."""
    return time.strftime("%Y-%m-%dT%H", time.gmtime(epoch_hour * 3600))
