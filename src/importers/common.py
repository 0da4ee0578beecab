"""What every importer shares: input errors, value checks, splitting aggregates into calls, pricing, the CSV writer.

An importer reads its files and hands the `Import` either single calls (`add_call`) or aggregated buckets
(`add_bucket`: n requests over a time window). Nothing is expanded until `write`, which streams the calls out in
time order, so memory is bounded by the number of source records, not by the number of calls they stand for.

Splitting a bucket of n requests (see specs/data-schema.md, "Importing usage exports"):
- call i (0-based) is at start + i x (end - start) // n: evenly spread over [start, end), deterministic;
- each token count T is split equally, T mod n calls getting one token more (largest remainder with equal
  weights; see _Bucket.calls for how cached and uncached input share out), so every total is exact;
- the bucket is priced once at list price (integer micro-dollars, rounded half up), and that cost is split over
  the calls by cumulative rounding in proportion to each call's exact list price: every call gets the floor or
  the ceiling of its exact share and the calls sum exactly to the bucket's cost.
"""
import csv
import hashlib
import json
import os
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from heapq import heappop, heappush
from typing import Any, Dict, Iterator, List, Optional, Tuple

from pricing.catalog import Catalog
from utils.errors import ShowcaseError
from utils.fsutil import atomic_open
from utils.money import parse_usd
from utils.schema import FIELDS
from utils.timeutil import iso, parse_ts

UNKNOWN = "(unknown)"
# Our text columns an importer may fill (timestamp, call_id, tokens, cost and latency are filled by `Import`).
TEXT_COLUMNS = ("provider", "model", "customer_id", "subscription_tier", "organization_id", "product_id",
                "feature_id", "task_type", "environment", "request_id", "trace_id", "session_id", "user_agent")
# Provider names as the simulator writes them, from the names other tools use.
PROVIDERS = {
    "openai": "openai", "text-completion-openai": "openai", "anthropic": "anthropic", "bedrock": "bedrock",
    "aws.bedrock": "bedrock", "aws_bedrock": "bedrock", "bedrock_converse": "bedrock", "azure": "azure",
    "azure_ai": "azure", "azure.ai.openai": "azure", "azure.ai.inference": "azure", "az.ai.openai": "azure",
    "az.ai.inference": "azure", "google": "google", "gemini": "google", "vertex_ai": "google",
    "vertex_ai_beta": "google", "gcp.gemini": "google", "gcp.vertex_ai": "google", "gcp.gen_ai": "google",
    "mistral": "mistral", "mistral_ai": "mistral", "cohere": "cohere", "cohere_chat": "cohere",
}
_FRACTION = re.compile(r"\d[T ]\d{1,2}:\d{2}:\d{2}[.,](\d+)")


class InputFormatError(ShowcaseError):
    """An input file cannot be imported: missing, not JSON/CSV, not the documented shape, or a wrong value."""


def provider_name(raw: Any) -> str:
    """Our lowercase provider name for another tool's provider name ('' when none)."""
    s = str(raw or "").strip().lower()
    return PROVIDERS.get(s, s)


def short_hash(value: Any) -> str:
    """A short stable id of a JSON-able value (deterministic call ids for records that carry none)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def count(value: Any, what: str, where: str, default: Optional[int] = 0) -> int:
    """A whole number >= 0 (int, whole float, or a string of one); `default` when absent; InputFormatError else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            raise InputFormatError("%s: %s is missing; expected a whole number >= 0" % (where, what))
        return default
    n = None  # type: Optional[int]
    if isinstance(value, bool):
        n = None
    elif isinstance(value, int):
        n = value
    elif isinstance(value, float) and value == value and value == int(value):
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
    return n


def epoch_ms(value: Any, what: str, where: str) -> int:
    """UTC epoch milliseconds of an ISO 8601 timestamp (fractions kept) or an epoch number in seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0 or value != value:
            raise InputFormatError("%s: %s is %r; expected a timestamp" % (where, what, value))
        return int(round(value * 1000))
    text = str(value or "").strip()
    try:
        seconds = parse_ts(text)
    except ValueError:
        raise InputFormatError("%s: %s is %s; expected an ISO 8601 timestamp such as 2026-03-01T10:00:00Z" % (
            where, what, json.dumps(value)[:40]))
    m = _FRACTION.search(text)
    return seconds * 1000 + (int((m.group(1) + "00")[:3]) if m else 0)


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
    rows = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(rows, [])]
    missing = [c for c in required if c.lower() not in header]
    if missing:
        raise InputFormatError("%s lacks column(s) %s; expected a CSV with a header like %s" % (
            path, ", ".join(missing), ",".join(required)))
    for line_no, row in enumerate(rows, 2):
        if not any(v.strip() for v in row):
            continue
        if len(row) != len(header):
            raise InputFormatError("%s line %d: %d values for %d columns" % (path, line_no, len(row), len(header)))
        yield line_no, dict(zip(header, row))


class _Bucket(object):
    """n calls over [start, end) with their token components, prices and context (expanded at write time)."""
    __slots__ = ("start", "end", "n", "parts", "prices", "scale", "cost_text", "latency_ms", "fields", "call_id")

    def __init__(self, start, end, n, parts, prices, scale, cost_text, latency_ms, fields, call_id):
        self.start, self.end, self.n, self.parts, self.prices, self.scale = start, end, n, parts, prices, scale
        self.cost_text, self.latency_ms, self.fields, self.call_id = cost_text, latency_ms, fields, call_id

    def calls(self) -> Iterator[Tuple[int, str, List[str]]]:
        """(timestamp, call_id, row) of each call, in time order."""
        n, span = self.n, self.end - self.start
        # Components: uncached, cache read, cache write, output. Each is split equally and its remainder r goes
        # one token each to r consecutive calls; the input components' runs follow each other around the
        # calls, so a call's total input is also within one token of every other call's.
        splits, off = [], 0
        for k, t in enumerate(self.parts):
            splits.append((t // n, t % n, off if k < 3 else 0))
            off = (off + t % n) % n
        exact = sum(t * p for t, p in zip(self.parts, self.prices))
        total = (exact * self.scale[0] // self.scale[1] + 500000) // 1000000 if self.cost_text is None else 0
        done = cum = 0
        f = self.fields
        for i in range(n):
            tok = [q + (1 if (i - o) % n < r else 0) for q, r, o in splits]
            if self.cost_text is not None:
                cost = self.cost_text
            else:
                cum += sum(t * p for t, p in zip(tok, self.prices))
                upto = (2 * total * cum + exact) // (2 * exact) if exact else 0  # round half up of total x cum / exact
                cost = "%d.%06d" % divmod(upto - done, 1000000)
                done = upto
            ts = self.start + i * span // n
            cid = self.call_id if n == 1 else "%s-%d-%d" % (self.call_id, i + 1, n)
            yield ts, cid, [iso(ts), cid, f[0], f[1], str(tok[0] + tok[1] + tok[2]), str(tok[3]), cost,
                            self.latency_ms, f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12]]


class Import(object):
    """The calls read from a source's files, with what the summary reports about them."""

    def __init__(self, source: str, catalog: Catalog) -> None:
        self.source = source
        self.catalog = catalog
        self.buckets = []  # type: List[_Bucket]
        self.records = 0  # source records read (rows, results, spans)
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cost_nano = 0
        self.filled = Counter()  # type: Counter  # column -> calls where it is not empty
        self.fallbacks = Counter()  # type: Counter  # (column, source field used instead) -> calls
        self.unknown_models = Counter()  # type: Counter  # (provider, model) -> calls priced at 0
        self.duplicates = 0
        self.ignored = Counter()  # type: Counter  # reason -> records not imported
        self.notes = []  # type: List[str]
        self._seen = set()  # type: set
        self._pending = []  # type: List[Tuple[str, str]]

    def seen(self, key: Any) -> bool:
        """True (and counted as a duplicate) when a record with this key was already imported."""
        if key in self._seen:
            self.duplicates += 1
            return True
        self._seen.add(key)
        return False

    def pick(self, column: str, candidates: List[Tuple[str, Any]], real: int = 1) -> str:
        """The first non-empty candidate value for `column`; the first `real` candidates are genuine values of
        it, any later one is a stand-in (counted, to be reported). UNKNOWN when none is set."""
        for k, (label, value) in enumerate(candidates):
            if value not in (None, "") and str(value).strip():
                if k >= real:
                    self._pending.append((column, label))
                return str(value).strip()
        self._pending.append((column, UNKNOWN))
        return UNKNOWN

    def begin(self) -> None:
        """Start a record: stand-ins picked from now on are charged to it."""
        self._pending = []

    def add_call(self, ts_ms: int, input_tokens: int, output_tokens: int, fields: Dict[str, str], call_id: str,
                 cost_text: Optional[str] = None, latency_ms: Optional[int] = None, cache_read: int = 0,
                 cache_write: int = 0) -> None:
        """One call at `ts_ms`; its cost is `cost_text` (USD from the source) or the model's list price."""
        cache_read = min(cache_read, input_tokens)
        cache_write = min(cache_write, input_tokens - cache_read)
        self._add(ts_ms // 1000, ts_ms // 1000 + 1, 1, (input_tokens - cache_read - cache_write, cache_read,
                  cache_write, output_tokens), fields, call_id, cost_text,
                  "" if latency_ms is None or latency_ms < 0 else str(latency_ms))

    def add_bucket(self, start: int, end: int, n: int, uncached: int, cache_read: int, cache_write: int,
                   output: int, fields: Dict[str, str], call_id: str, discount_pct: int = 0) -> None:
        """n requests over [start, end) epoch seconds, priced at list price less `discount_pct` (batch)."""
        self._add(start, max(end, start + 1), n, (uncached, cache_read, cache_write, output), fields, call_id, None,
                  "", discount_pct)

    def _add(self, start, end, n, parts, fields, call_id, cost_text, latency, discount_pct=0) -> None:
        if n <= 0:
            return
        f = [str(fields.get(c) or "").replace("\r", " ").replace("\n", " ").strip() for c in TEXT_COLUMNS]
        f[0] = provider_name(f[0]) or UNKNOWN
        f[1] = f[1] or UNKNOWN
        f[2] = f[2] or UNKNOWN
        prices = (0, 0, 0, 0)
        if cost_text is None:
            e = self.catalog.get(f[0], f[1]) if f[1] != UNKNOWN else None
            if e is None:
                self.unknown_models[(f[0], f[1])] += n
            else:
                cached = e.cached_input_micro_per_1m if e.cached_input_micro_per_1m is not None else e.input_micro_per_1m
                write = e.cache_write_micro_per_1m if e.cache_write_micro_per_1m is not None else e.input_micro_per_1m
                prices = (e.input_micro_per_1m, cached, write, e.output_micro_per_1m)
        b = _Bucket(start, end, n, parts, prices, (100 - discount_pct, 100), cost_text, latency, f, call_id)
        self.buckets.append(b)
        self.calls += n
        self.input_tokens += parts[0] + parts[1] + parts[2]
        self.output_tokens += parts[3]
        if cost_text is not None:
            self.cost_nano += parse_usd(cost_text) * n
        else:
            exact = sum(t * p for t, p in zip(parts, prices))
            self.cost_nano += (exact * b.scale[0] // b.scale[1] + 500000) // 1000000 * 1000
        for c, v in zip(TEXT_COLUMNS, f):
            if v and v != UNKNOWN:
                self.filled[c] += n
        if latency:
            self.filled["latency_ms"] += n
        for key in self._pending:
            self.fallbacks[key] += n
        self._pending = []

    def rows(self) -> Iterator[List[str]]:
        """Every call as a CSV row, in time order (ties: by call id), expanding buckets lazily."""
        order = sorted(self.buckets, key=lambda b: (b.start, b.call_id))
        heap = []  # type: List[Any]
        k = seq = 0
        while k < len(order) or heap:
            if k < len(order) and (not heap or order[k].start <= heap[0][0]):
                it = order[k].calls()
                k += 1
            else:
                row, it = heappop(heap)[3:]
                yield row
            nxt = next(it, None)
            if nxt is not None:
                seq += 1  # never compare rows or iterators, even if two calls shared a time and an id
                heappush(heap, (nxt[0], nxt[1], seq, nxt[2], it))

    def write(self, path: str) -> None:
        """Write our CSV atomically: a failure leaves no file behind."""
        with atomic_open(path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(FIELDS)
            w.writerows(self.rows())
