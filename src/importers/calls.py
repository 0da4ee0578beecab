"""The calls of an import: single calls and aggregated buckets, split exactly into calls at write time, and priced.

An importer hands the `Import` either single calls (`add_call`) or aggregated buckets (`add_bucket`: n calls over a
time window). Nothing is expanded until `write`, which streams the calls out in time order, so memory is bounded by
the number of source records, not by the number of calls they stand for.

Splitting a bucket into n calls (see specs/data-schema.md, "Importing usage exports"):
- call i (0-based) is at start + i x (end - start) // n: evenly spread over [start, end), deterministic;
- each count T (every token kind, web searches) is split equally, T mod n calls getting one more (largest
  remainder with equal weights; the input kinds' extra units follow each other around the calls, so a call's total
  input is within one token of every other call's), so every total is exact;
- the bucket's cost (its list price, rounded half up to the micro-dollar once, or an amount fixed by the source or
  by --costs) is split over the calls by cumulative rounding in proportion to each call's exact list price (equally
  when the list price is 0): every call gets the floor or the ceiling of its exact share, and they sum exactly.
"""
import csv
from collections import Counter, namedtuple
from heapq import heappop, heappush
from typing import Any, Dict, Iterator, List, Optional, Tuple

from importers.common import UNKNOWN, InputFormatError, Pages, provider_name
from pricing.catalog import Catalog
from utils.fsutil import atomic_open
from utils.money import parse_usd
from utils.schema import FIELDS, MAX_TOKENS_PER_CALL
from utils.timeutil import iso

# Our text columns an importer may fill (timestamp, call_id, tokens, cost and latency are filled here).
TEXT_COLUMNS = ("provider", "model", "customer_id", "subscription_tier", "organization_id", "product_id",
                "feature_id", "task_type", "environment", "request_id", "trace_id", "session_id", "user_agent")
# What a bucket counts. The first four are input tokens (our one input_tokens column is their sum).
Usage = namedtuple("Usage", "uncached cache_read cache_write cache_write_1h output searches")
Usage.__new__.__defaults__ = (0, 0, 0, 0, 0, 0)
# Prices are carried as integers in 1/Q micro-dollar per 1M units: x40 for Anthropic's 1.25x and 0.1x rules, x100
# for a whole-percent discount. A bucket's exact cost in micro-dollars is sum(count x price) / UNIT.
Q = 4000
UNIT = Q * 1000000
HOUR = 3600


def hourly_calls(start: int, end: int) -> int:
    """Calls for a token-only bucket with no request count: one per whole hour of its window, at least one."""
    return max(1, (end - start) // HOUR)


class Bucket(object):
    """n calls over [start, end) with their counts, prices and context (expanded at write time)."""
    __slots__ = ("start", "end", "n", "parts", "prices", "fixed", "cost_text", "latency_ms", "fields", "call_id",
                 "scope", "billed")

    def __init__(self, start, end, n, parts, prices, fixed, cost_text, latency_ms, fields, call_id, scope):
        self.start, self.end, self.n, self.parts, self.prices = start, end, n, parts, prices
        self.fixed, self.cost_text, self.latency_ms, self.fields = fixed, cost_text, latency_ms, fields
        self.call_id, self.scope, self.billed = call_id, scope, None  # type: Any

    def list_exact(self) -> int:
        return sum(t * p for t, p in zip(self.parts, self.prices))

    def list_micro(self) -> int:
        """The bucket's list price in micro-dollars, rounded half up once."""
        return (self.list_exact() + UNIT // 2) // UNIT

    def cost_nano(self) -> int:
        """What the bucket's calls cost in the CSV, in nano-dollars."""
        if self.cost_text is not None:
            return parse_usd(self.cost_text) * self.n
        if self.fixed is not None:
            return self.fixed[0] * 10 ** (9 - self.fixed[1])
        return self.list_micro() * 1000

    def tokens(self) -> int:
        return sum(self.parts[:5])

    def calls(self) -> Iterator[Tuple[int, str, List[str]]]:
        """(timestamp, call_id, row) of each call, in time order."""
        n, span = self.n, self.end - self.start
        splits, off = [], 0
        for k, t in enumerate(self.parts):
            splits.append((t // n, t % n, off if k < 4 else 0))
            if k < 4:
                off = (off + t % n) % n
        total, digits = self.fixed if self.fixed is not None else (self.list_micro(), 6)
        exact = self.list_exact()
        weigh = exact > 0
        whole = exact if weigh else n
        done = cum = 0
        f = self.fields
        for i in range(n):
            tok = [q + (1 if (i - o) % n < r else 0) for q, r, o in splits]
            if self.cost_text is not None:
                cost = self.cost_text
            else:
                cum += sum(t * p for t, p in zip(tok, self.prices)) if weigh else 1
                upto = (2 * total * cum + whole) // (2 * whole)  # round half up of total x cum / whole
                cost = ("%d.%06d" if digits == 6 else "%d.%09d") % divmod(upto - done, 10 ** digits)
                done = upto
            ts = self.start + i * span // n
            cid = self.call_id if n == 1 else "%s-%d-%d" % (self.call_id, i + 1, n)
            yield ts, cid, [iso(ts), cid, f[0], f[1], str(tok[0] + tok[1] + tok[2] + tok[3]), str(tok[4]), cost,
                            self.latency_ms, f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12]]


def _count(acc: Dict[Any, List[int]], key: Any, counts: Tuple[int, int, int]) -> None:
    row = acc.setdefault(key, [0, 0, 0])
    for i, v in enumerate(counts):
        row[i] += v


class Import(object):
    """The calls read from a source's files, with what the summary reports about them."""

    def __init__(self, source: str, catalog: Catalog, customer_from: Optional[str] = None) -> None:
        self.source = source
        self.catalog = catalog
        self.customer_from = customer_from
        self.buckets = []  # type: List[Bucket]
        self.records = 0  # source records read (rows, results, spans)
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.searches = 0  # web searches priced into the calls
        self.filled = Counter()  # type: Counter  # column -> calls where it is not empty
        self.fallbacks = Counter()  # type: Counter  # (column, source field used instead) -> calls
        self.unknown_models = {}  # type: Dict[Tuple[str, str], List[int]]  # -> [calls, input, output] priced at 0
        self.approximated = {}  # type: Dict[Tuple[str, str, str, str], List[int]]  # priced at a base or other
        # provider's list price: (provider, model, how, catalog provider/model) -> [calls, input, output]
        self.duplicates = 0
        self.ignored = Counter()  # type: Counter  # reason -> records (or tokens, calls: the reason says)
        self.credits = [0, 0]  # records with a negative cost left out, and their total in nano-dollars (>= 0)
        self.pages = Pages("usage export", "import it too")
        self._seen = set()  # type: set
        self._pending = []  # type: List[Tuple[str, str]]

    @property
    def cost_nano(self) -> int:
        return sum(b.cost_nano() for b in self.buckets)

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

    def customer(self, values: Dict[str, Any], order: Tuple[str, ...], real: int) -> str:
        """customer_id from the first set field of `order` (the first `real` being genuine customer ids), or of
        --customer-from first: a field the user chose is genuine, the default order stands in when it is empty."""
        if self.customer_from:
            order = (self.customer_from,) + tuple(f for f in order if f != self.customer_from)
            real = max(real, 1)
        return self.pick("customer_id", [(f, values.get(f)) for f in order], real)

    def begin(self) -> None:
        """Start a record: stand-ins picked from now on are charged to it."""
        self._pending = []

    def add_call(self, ts_ms: int, input_tokens: int, output_tokens: int, fields: Dict[str, str], call_id: str,
                 cost_text: Optional[str] = None, latency_ms: Optional[int] = None, cache_read: int = 0,
                 cache_write: int = 0, where: str = "") -> None:
        """One call at `ts_ms`; its cost is `cost_text` (USD from the source) or the model's list price."""
        cache_read = min(cache_read, input_tokens)
        cache_write = min(cache_write, input_tokens - cache_read)
        usage = Usage(input_tokens - cache_read - cache_write, cache_read, cache_write, 0, output_tokens)
        latency = "" if latency_ms is None or latency_ms < 0 else str(latency_ms)
        self._add(ts_ms // 1000, ts_ms // 1000 + 1, 1, usage, fields, call_id, cost_text=cost_text, latency=latency,
                  where=where)

    def add_bucket(self, start: int, end: int, n: int, usage: Usage, fields: Dict[str, str], call_id: str,
                   discount_pct: int = 0, fixed: Optional[Tuple[int, int]] = None, scope: str = "",
                   search_micro: int = 0, where: str = "") -> None:
        """n calls over [start, end) epoch seconds. Cost: `fixed` (amount, decimals: 6 micro-, 9 nano-dollars) when
        the source gives it, else list price with tokens `discount_pct` off (batch) and web searches at
        `search_micro` each. `scope` is the project or workspace that --costs matches on; `where` names the
        record in messages."""
        self._add(start, max(end, start + 1), n, usage, fields, call_id, discount_pct, fixed, scope=scope,
                  search_micro=search_micro, where=where)

    def provider_of(self, model: Any) -> str:
        """The provider of the catalog entry a model id resolves to ('' when none): for records without one."""
        r = self.catalog.resolve("", str(model or ""))
        return r.entry.provider if r is not None else ""

    def batch_pct(self, provider: str, model: str) -> int:
        """The batch discount (percent off list) of this model in the catalog; 0 when it has none."""
        r = self.catalog.resolve(provider_name(provider), model or "")
        return (self.catalog.batch_pct(r.entry) or 0) if r is not None else 0

    def _prices(self, provider: str, model: str, n: int, usage: Usage, discount_pct: int,
                search_micro: int) -> Tuple[int, ...]:
        """Prices in 1/Q micro-dollar per 1M units of each Usage field (tokens `discount_pct` off); a model the
        catalog prices only approximately (a fine-tuned id at its base price, another provider's price) or not at
        all is counted, with its calls and tokens, for the summary."""
        search = search_micro * 1000000 * Q
        r = self.catalog.resolve("" if provider == UNKNOWN else provider, model) if model != UNKNOWN else None
        counts = (n, sum(usage[:4]), usage.output)
        if r is None:
            _count(self.unknown_models, (provider, model), counts)
            return (0, 0, 0, 0, 0, search)
        if r.fine_tuned or "other provider" in r.steps:
            how = "fine-tuned" if r.fine_tuned else "other provider"
            _count(self.approximated, (provider, model, how, "%s/%s" % (r.entry.provider, r.entry.model)), counts)
        e = r.entry
        k = Q // 100 * (100 - discount_pct)
        inp = e.input_micro_per_1m * k
        anthropic = "claude" in e.model.lower()  # Anthropic's documented multipliers stand in for missing prices
        cached = e.cached_input_micro_per_1m * k if e.cached_input_micro_per_1m is not None else (
            inp // 10 if anthropic else inp)
        write = e.cache_write_micro_per_1m * k if e.cache_write_micro_per_1m is not None else (
            inp * 5 // 4 if anthropic else inp)
        return (inp, cached, write, 2 * inp, e.output_micro_per_1m * k, search)

    def _add(self, start, end, n, usage, fields, call_id, discount_pct=0, fixed=None, cost_text=None, latency="",
             scope="", search_micro=0, where="") -> None:
        if n <= 0:
            return
        biggest = max(-(-sum(usage[:4]) // n), -(-usage.output // n))
        if biggest > MAX_TOKENS_PER_CALL:  # the CSV reader would refuse such rows: refuse the record instead
            raise InputFormatError("%s: %s tokens per call (over %s calls); the analyses accept at most %s" % (
                where or call_id, format(biggest, ","), format(n, ","), format(MAX_TOKENS_PER_CALL, ",")))
        f = [str(fields.get(c) or "").replace("\r", " ").replace("\n", " ").strip() for c in TEXT_COLUMNS]
        f[0] = provider_name(f[0]) or UNKNOWN
        f[1] = f[1] or UNKNOWN
        f[2] = f[2] or UNKNOWN
        prices = (0,) * 6 if cost_text is not None else self._prices(f[0], f[1], n, usage, discount_pct, search_micro)
        self.buckets.append(Bucket(start, end, n, tuple(usage), prices, fixed, cost_text, latency, f, call_id,
                                    str(scope or "")))
        self.calls += n
        self.input_tokens += usage.uncached + usage.cache_read + usage.cache_write + usage.cache_write_1h
        self.output_tokens += usage.output
        self.searches += usage.searches
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
