"""What every importer shares: input errors, value checks, file readers, page bookkeeping, provider names.

The calls themselves are collected by `calls.Import` (aggregates split exactly into calls, list prices), and billed
costs (--costs) are matched to them by `billing`. See specs/data-schema.md, "Importing usage exports".
"""
import csv
import hashlib
import io
import json
import math
import os
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Dict, Iterator, List, Optional, Tuple

from pricing.resolve import PROVIDER_ALIASES, provider_id
from utils.errors import ShowcaseError
from utils.schema import EARLIEST_TS, LATEST_TS
from utils.timeutil import parse_ts

UNKNOWN = "(unknown)"
MAX_CALLS = 100000000  # calls one source record may stand for (num_model_requests, api_requests)
# Our text columns an importer may fill (timestamp, call_id, tokens, cost and latency are filled by `Import`).
TEXT_COLUMNS = ("provider", "model", "customer_id", "subscription_tier", "organization_id", "product_id",
                "feature_id", "task_type", "environment", "request_id", "trace_id", "session_id", "user_agent")
# Provider names as the simulator writes them, from the names other tools use (one map, in pricing.resolve).
PROVIDERS = PROVIDER_ALIASES
_FRACTION = re.compile(r"\d[T ]\d{1,2}:\d{2}:\d{2}[.,](\d+)")


class InputFormatError(ShowcaseError):
    """An input file cannot be imported: missing, not JSON/CSV, not the documented shape, or a wrong value."""


def provider_name(raw: Any) -> str:
    """Our lowercase provider name for another tool's provider name ('' when none)."""
    return provider_id(raw)


def short_hash(value: Any) -> str:
    """A short stable id of a JSON-able value (deterministic call ids for records that carry none)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def count(value: Any, what: str, where: str, default: Optional[int] = 0, most: Optional[int] = None) -> int:
    """A whole number >= 0 (and <= `most`: int, whole float, or a string of one); `default` when absent;
    InputFormatError else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            raise InputFormatError("%s: %s is missing; expected a whole number >= 0" % (where, what))
        return default
    n = None  # type: Optional[int]
    if isinstance(value, bool):
        n = None
    elif isinstance(value, int):
        n = value
    elif isinstance(value, float) and math.isfinite(value) and value == int(value):
        n = int(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
            if d.is_finite() and d == d.to_integral_value():
                n = int(d)
        except InvalidOperation:
            n = None
    if n is None or n < 0:
        raise InputFormatError("%s: %s is %s; expected a whole number >= 0" % (where, what, json.dumps(value)[:40]))
    if most is not None and n > most:
        raise InputFormatError("%s: %s is %s; at most %s are accepted" % (where, what, n, format(most, ",")))
    return n


def in_range(seconds: int, what: str, where: str) -> int:
    """`seconds` when it is a time the analyses accept (this century, as the CSV reader does); InputFormatError else."""
    if not EARLIEST_TS <= seconds < LATEST_TS:
        raise InputFormatError("%s: %s is %s; expected a time between 2000 and 2099 (UTC epoch seconds or ISO 8601)"
                               % (where, what, seconds))
    return seconds


def epoch_s(value: Any, what: str, where: str) -> int:
    """UTC epoch seconds given as a number (OpenAI's start_time), in range; InputFormatError else."""
    return in_range(count(value, what, where, None), what, where)


def epoch_ms(value: Any, what: str, where: str) -> int:
    """UTC epoch milliseconds of an ISO 8601 timestamp (fractions kept) or an epoch number in seconds, in range."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not EARLIEST_TS <= value < LATEST_TS:  # also NaN and infinities
            raise InputFormatError("%s: %s is %r; expected a time between 2000 and 2099" % (where, what, value))
        return int(round(value * 1000))
    text = str(value or "").strip()
    try:
        seconds = parse_ts(text)
    except ValueError:
        raise InputFormatError("%s: %s is %s; expected an ISO 8601 timestamp such as 2026-03-01T10:00:00Z" % (
            where, what, json.dumps(value)[:40]))
    m = _FRACTION.search(text)
    return in_range(seconds, what, where) * 1000 + (int((m.group(1) + "00")[:3]) if m else 0)


def usd_text(value: Any, what: str, where: str) -> str:
    """A cost in USD as a plain decimal string (at least 6 decimals, the source's own digits kept)."""
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        d = Decimal("NaN")
    if isinstance(value, bool) or not d.is_finite() or d < 0:
        raise InputFormatError("%s: %s is %s; expected an amount in USD >= 0" % (where, what, json.dumps(value)[:40]))
    text = format(d, "f")
    whole, _, frac = text.partition(".")
    return "%s.%s" % (whole, frac.ljust(6, "0"))


def data_documents(path: str, what: str, shape: str) -> List[Tuple[str, Dict[str, Any]]]:
    """(where, document) of each {"data": [...]} document in a JSON file holding one or a list of them (the pages
    of a paginated export); InputFormatError naming `what` and the expected `shape` otherwise."""
    doc = load_json(path)
    docs = doc if isinstance(doc, list) and all(isinstance(d, dict) and "data" in d for d in doc) else [doc]
    out = []
    for k, body in enumerate(docs):
        where = path if len(docs) == 1 else "%s page %d" % (path, k + 1)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise InputFormatError("%s is not %s: %s" % (where, what, shape))
        out.append((where, body))
    return out


def load_json(path: str) -> Any:
    """The JSON document of `path` (JSON Lines: a list of its documents); InputFormatError when unreadable."""
    text = read_text(path)
    try:
        return json.loads(text)
    except ValueError as e:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) > 1:
            try:
                return [json.loads(ln) for ln in lines]
            except ValueError:
                pass
        raise InputFormatError("%s is not valid JSON (%s); export the file again" % (path, e))


def read_text(path: str) -> str:
    if not os.path.exists(path):
        raise InputFormatError("input file %s does not exist" % path)
    if os.path.isdir(path):
        raise InputFormatError("%s is a folder; pass the export files themselves" % path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return f.read()
    except UnicodeDecodeError:
        raise InputFormatError("%s is not UTF-8 text; is it an export file?" % path)
    except OSError as e:
        raise InputFormatError("cannot read %s: %s" % (path, e.strerror or e))


def read_csv(path: str, required: Tuple[str, ...]) -> Iterator[Tuple[int, Dict[str, str]]]:
    """(line number, row with lowercase stripped keys) of a CSV file that has the `required` columns."""
    text = read_text(path)
    rows = csv.reader(io.StringIO(text))  # not splitlines(): a quoted value may hold a line break
    header = [h.strip().lower() for h in next(rows, [])]
    missing = [c for c in required if c.lower() not in header]
    if missing:
        raise InputFormatError("%s lacks column(s) %s; expected a CSV with a header like %s" % (
            path, ", ".join(missing), ",".join(required)))
    for row in rows:
        line_no = rows.line_num
        if not any(v.strip() for v in row):
            continue
        if len(row) != len(header):
            raise InputFormatError("%s line %d: %d values for %d columns" % (path, line_no, len(row), len(header)))
        yield line_no, dict(zip(header, row))


def decimal(value: Any, what: str, where: str) -> Decimal:
    """A finite decimal number (int, float as printed, or a string of one), negative allowed; InputFormatError else."""
    try:
        d = Decimal(str(value).strip()) if not isinstance(value, bool) and value is not None else Decimal("NaN")
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite():
        raise InputFormatError("%s: %s is %s; expected a number" % (where, what, json.dumps(value)[:40]))
    return d


def micro_of(usd: Decimal, where: str) -> int:
    """Whole micro-dollars of an amount in USD, rounded half up (away from zero for a credit)."""
    try:
        return int((usd * 1000000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except ArithmeticError:  # more digits than a decimal context holds: a bad value, not a crash
        raise InputFormatError("%s: amount %s is too large" % (where, usd))


class Pages(object):
    """The has_more / next_page of the pages read: an export is incomplete when some page says more follows and no
    page given ends it (pages do not name themselves, so a page missing between two given ones goes unseen)."""

    def __init__(self, what: str, how: str) -> None:
        self.what, self.how = what, how
        self.more = []  # type: List[Tuple[str, Any]]
        self.final = 0

    def saw(self, where: str, page: Dict[str, Any]) -> None:
        if page.get("has_more") is True:
            self.more.append((where, page.get("next_page")))
        elif "has_more" in page:
            self.final += 1

    def incomplete(self) -> Optional[str]:
        """A warning when the export is incomplete, else None."""
        if not self.more or self.final:
            return None
        where, nxt = self.more[-1]
        return ("the %s is incomplete: %s says has_more: true and no page given ends the export; fetch the next "
                "page with page=%s and %s (what was given was imported)" % (self.what, where, nxt, self.how))
