"""The shared one-pass accumulator: every analyzer's group-bys come from here, computed once per row.

A *cell* is one combination of the categorical columns (customer, tier, organization, product, feature, task,
provider, model, environment) with its measures; the number of cells is bounded by the business (customers x
features x models ...), never by the number of rows. Besides cells the cube keeps each customer's calls and cost
per hour, and per (provider, model) an exact integer-millisecond latency histogram and the calls and cost per day.

Everything is mergeable (`merge`) and independent of row order, so parallel workers and incremental refreshes
give byte-identical results. Money is integer nano-dollars.

Memory per group is kept small because groups, not rows, are what grows with real data (many customers): the
strings of cell keys are shared (one object per distinct value), and the calls and cost of a customer-hour or a
model-day are one packed integer, cost_nano << PACK_SHIFT | calls, so adding a call is one addition and a merge
is a sum (`unpack` reads it).
"""
from operator import itemgetter
from typing import Dict, Iterator, List, Optional, Tuple

from pricing.catalog import Catalog, load_catalog
from utils.money import per_month, usd
from utils.schema import DAYS_PER_MONTH, TIER_PRICES_USD, UNTAGGED

# The order of the call's text fields 6..14 (reader.Call), so that a cell's key is one slice of the call.
DIMENSIONS = ("provider", "model", "customer_id", "tier", "organization_id", "product_id", "feature_id", "task_type",
              "environment")
_DIM_INDEX = {d: i for i, d in enumerate(DIMENSIONS)}
_TAGS = frozenset(("organization_id", "product_id", "feature_id"))  # empty values are reported as "(untagged)"
# Measures of a cell, by position: calls, input tokens, output tokens, cost (nano-USD), latency sum (ms) and the
# calls with a latency, and the calls whose prompt is long enough to cache (>= 1024 tokens) with their input tokens.
CALLS, INPUT, OUTPUT, COST_NANO, LAT_SUM, LAT_N, LONG_CALLS, LONG_INPUT = range(8)
MEASURES = 8
# After the measures a cell keeps the times of its latest and first call (the customer's tier at any time is its
# cells' tiers ordered by time), a reference to its (provider, model) series, shared by every cell of that model,
# and one to its customer's hours, shared by every cell of that customer: the hot loop reaches them without a
# lookup.
LAST_TS, FIRST_TS, SERIES, HOURS = 8, 9, 10, 11
HIST, DAILY = 0, 1  # a series: [{latency ms: calls}, {epoch day: packed calls and cost}]
PACK_SHIFT = 40  # packed = cost_nano << 40 | calls (a customer-hour or a model-day never has 2**40 calls)
_CALLS_MASK = (1 << PACK_SHIFT) - 1


def unpack(packed: int) -> Tuple[int, int]:
    """(calls, cost_nano) of a packed count."""
    return packed & _CALLS_MASK, packed >> PACK_SHIFT


def _add_packed(dest: Dict, items) -> None:
    """Add (key, packed) items into dest {key: packed}."""
    for k, v in items:
        dest[k] = dest.get(k, 0) + v


def add_measures(a: List[int], m: List[int]) -> None:
    """a's MEASURES += m's (m: a cell or a measure list)."""
    a[0] += m[0]
    a[1] += m[1]
    a[2] += m[2]
    a[3] += m[3]
    a[4] += m[4]
    a[5] += m[5]
    a[6] += m[6]
    a[7] += m[7]


def sum_measures(pairs) -> Dict[object, List[int]]:
    """{key: the MEASURES summed} of (key, cell or measure list) pairs: the one loop every group-by runs."""
    out = {}  # type: Dict[object, List[int]]
    for k, m in pairs:
        a = out.get(k)
        if a is None:
            out[k] = m[:MEASURES]
        else:  # add_measures written out: most pairs of a rollup land here, and a call each costs ~20%
            a[0] += m[0]
            a[1] += m[1]
            a[2] += m[2]
            a[3] += m[3]
            a[4] += m[4]
            a[5] += m[5]
            a[6] += m[6]
            a[7] += m[7]
    return out


def label(value: str) -> str:
    """How an organization, product or feature value is reported: empty means untagged."""
    return value if value else UNTAGGED


class Cube(object):
    """Cells, hourly series, latency histograms and latest tiers; see the module docstring."""

    def __init__(self) -> None:
        self.cells = {}  # type: Dict[Tuple[str, ...], list]   # key -> measures + [latest, first, series, hours]
        self.series = {}  # type: Dict[Tuple[str, str], list]  # (provider, model) -> [histogram, daily]
        self.hours = {}  # type: Dict[str, Dict[int, int]]  # customer -> {epoch hour: packed calls and cost}
        self.first_ts = None  # type: Optional[int]
        self.last_ts = None  # type: Optional[int]
        self._strings = {}  # type: Dict[str, str]  # one object per distinct key value
        self._hourly = None  # type: Optional[Dict[int, List[int]]]
        self._last_tier = None  # type: Optional[Dict[str, Tuple[int, str]]]
        self._groups = {}  # type: Dict[Tuple[str, ...], Dict[object, List[int]]]

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_hourly"] = d["_last_tier"] = None  # derived: rebuilt on demand (the memoized groups are kept)
        return d

    @property
    def hourly(self) -> Dict[int, List[int]]:
        """{epoch hour: [calls, cost]} over all customers."""
        if self._hourly is None:
            total = {}  # type: Dict[int, int]
            for hours in self.hours.values():
                _add_packed(total, hours.items())
            self._hourly = {h: list(unpack(v)) for h, v in sorted(total.items())}
        return self._hourly

    def customer_hours(self) -> Iterator[Tuple[Tuple[str, int], Tuple[int, int]]]:
        """((customer, epoch hour), (calls, cost_nano)) of every customer-hour with calls."""
        mask, shift = _CALLS_MASK, PACK_SHIFT
        for customer, hours in self.hours.items():
            for hour, v in hours.items():
                yield (customer, hour), (v & mask, v >> shift)

    def new_cell(self, key: Tuple[str, ...], ts: int) -> list:
        """A cell for `key` with no calls yet (the reader fills it), attached to its model's series and its
        customer's hours. The key's strings are shared with every other key holding the same values."""
        strings = self._strings
        key = tuple([strings.setdefault(v, v) for v in key])
        pm = (key[0], key[1])
        series = self.series.get(pm)
        if series is None:
            series = self.series[pm] = [{}, {}]
        hours = self.hours.get(key[2])
        if hours is None:
            hours = self.hours[key[2]] = {}
        cell = self.cells[key] = [0] * MEASURES + [ts, ts, series, hours]
        return cell

    @property
    def latency(self) -> Dict[Tuple[str, str], Dict[int, int]]:
        """{(provider, model): {latency ms: calls}}, exact."""
        return {pm: s[HIST] for pm, s in self.series.items() if s[HIST]}

    def latency_by_model(self) -> Dict[str, Dict[int, int]]:
        """{model: {latency ms: calls}} over every provider serving it."""
        out = {}  # type: Dict[str, Dict[int, int]]
        for (_, model), s in sorted(self.series.items()):
            mine = out.setdefault(model, {})
            for ms, n in s[HIST].items():
                mine[ms] = mine.get(ms, 0) + n
        return out

    def model_daily(self) -> Dict[Tuple[str, str], Dict[int, List[int]]]:
        """{(provider, model): {epoch day: [calls, cost_nano]}}."""
        return {pm: {day: list(unpack(v)) for day, v in s[DAILY].items()} for pm, s in self.series.items()}

    @property
    def last_tier(self) -> Dict[str, Tuple[int, str]]:
        """{customer: (time of its latest call, the tier on it)}; a tie in time goes to the greater tier name."""
        if self._last_tier is None:
            out = {}  # type: Dict[str, Tuple[int, str]]
            for key, m in self.cells.items():
                t = (m[LAST_TS], key[3])
                prev = out.get(key[2])
                if prev is None or t > prev:
                    out[key[2]] = t
            self._last_tier = out
        return self._last_tier

    def merge(self, other: "Cube") -> None:
        """Fold another cube (another byte range of the file) into this one."""
        self._hourly = self._last_tier = None
        for dims, cached in self._groups.items():  # keep memoized groups current: sums merge exactly
            for k, m in other._group(dims).items():
                acc = cached.get(k)
                if acc is None:
                    cached[k] = list(m)
                else:
                    for i in range(MEASURES):
                        acc[i] += m[i]
        for key, m in other.cells.items():
            cell = self.cells.get(key)
            if cell is None:
                cell = self.new_cell(key, m[LAST_TS])
                cell[FIRST_TS] = m[FIRST_TS]
            else:
                cell[LAST_TS] = max(cell[LAST_TS], m[LAST_TS])
                cell[FIRST_TS] = min(cell[FIRST_TS], m[FIRST_TS])
            for i in range(MEASURES):
                cell[i] += m[i]
        for pm, (hist, daily) in other.series.items():  # every series and hours dict has a cell: made above
            mine = self.series[pm]
            for ms, n in hist.items():
                mine[HIST][ms] = mine[HIST].get(ms, 0) + n
            _add_packed(mine[DAILY], daily.items())
        for customer, hours in other.hours.items():
            _add_packed(self.hours[customer], hours.items())
        for ts in (other.first_ts, other.last_ts):
            if ts is not None:
                self.first_ts = ts if self.first_ts is None or ts < self.first_ts else self.first_ts
                self.last_ts = ts if self.last_ts is None or ts > self.last_ts else self.last_ts

    # ---- queries ---------------------------------------------------------------------------------------------
    def group(self, *dims: str) -> Dict[object, List[int]]:
        """Measures summed by the given dimensions: {value (or tuple of values): [CALLS, INPUT, ... LONG_INPUT]}.

        Empty organization/product/feature values come back as "(untagged)". Results are memoized until the
        next merge; each call returns fresh lists, so callers may change them."""
        cached = self._groups.get(dims)
        if cached is None:
            cached = self._groups[dims] = self._group(dims)
        return {k: list(v) for k, v in cached.items()}

    def _group(self, dims: Tuple[str, ...]) -> Dict[object, List[int]]:
        getter = itemgetter(*[_DIM_INDEX[d] for d in dims])
        out = sum_measures(zip(map(getter, self.cells), self.cells.values()))
        tags = [i for i, d in enumerate(dims) if d in _TAGS]
        if not tags:
            return out
        labelled = {}  # type: Dict[object, List[int]]
        for k, m in out.items():  # relabel the (few) result keys, not every cell
            if len(dims) == 1:
                k = label(k)
            elif any(not k[i] for i in tags):
                k = tuple(label(v) if i in tags else v for i, v in enumerate(k))
            prev = labelled.get(k)
            if prev is None:
                labelled[k] = m
            else:
                for i in range(MEASURES):
                    prev[i] += m[i]
        return labelled

    def distinct(self, dim: str, by: str) -> Dict[str, int]:
        """How many distinct values of `dim` each value of `by` has (e.g. customers per feature)."""
        i, j = _DIM_INDEX[dim], _DIM_INDEX[by]
        seen = {}  # type: Dict[str, set]
        for key in self.cells:
            seen.setdefault(label(key[j]) if by in _TAGS else key[j], set()).add(key[i])
        return {k: len(v) for k, v in seen.items()}

    def totals(self) -> List[int]:
        """The cell measures (CALLS, INPUT, ... LONG_INPUT) summed over everything."""
        t = [0] * MEASURES
        for m in self.cells.values():
            for i in range(MEASURES):
                t[i] += m[i]
        return t

    def daily(self) -> Dict[int, List[int]]:
        """{epoch day: [calls, cost]} from the hourly series."""
        out = {}  # type: Dict[int, List[int]]
        for hour, (n, cost) in self.hourly.items():
            d = out.setdefault(hour // 24, [0, 0])
            d[0] += n
            d[1] += cost
        return out


def covered_period(first_ts: Optional[int], last_ts: Optional[int], hours=()) -> Tuple[int, int]:
    """[start, end) in epoch seconds of the time the data covers. Whole calendar days, except that a first (last)
    day is partial when its first (last) call comes later (earlier) in the day than on the typical day of the data
    (the median over the days strictly inside the period, when there are at least 3): then it counts from the first
    call's hour (to the end of the last call's hour). So a file still being written, or data that starts mid-day,
    counts for the hours it covers, while sparse data (one call a day at 10:00) still counts whole days. Every
    per-month figure divides by this period's length in days, D (`hours`: the epoch hours with calls)."""
    if first_ts is None or last_ts is None:
        return 0, 0
    first_day, last_day = first_ts // 86400, last_ts // 86400
    start, end = first_day * 86400, (last_day + 1) * 86400
    span = {}  # type: Dict[int, List[int]]  # day -> [its first hour with calls, its last]
    for h in hours:
        d = h // 24
        if first_day < d < last_day:
            v = span.get(d)
            if v is None:
                span[d] = [h % 24, h % 24]
            else:
                v[0], v[1] = min(v[0], h % 24), max(v[1], h % 24)
    if len(span) >= 3:
        firsts, lasts = sorted(v[0] for v in span.values()), sorted(v[1] for v in span.values())
        if first_ts // 3600 % 24 > firsts[len(firsts) // 2]:
            start = first_ts // 3600 * 3600
        if last_ts // 3600 % 24 < lasts[(len(lasts) - 1) // 2]:
            end = (last_ts // 3600 + 1) * 3600
    return start, end


class View(object):
    """What an analyzer computes from: the cube, the read statistics, the options, the price catalog of the run,
    and the money conventions (specs/analyzers.md) in one place."""

    def __init__(self, cube: Cube, stats, options: Optional[dict] = None,
                 catalog: Optional[Catalog] = None) -> None:
        self.cube = cube
        self.stats = stats
        self.options = options or {}
        # list prices value alternatives (the spend itself is always the data's cost_usd: what was paid)
        self.catalog = catalog if catalog is not None else load_catalog(self.options.get("prices"))
        self.columns = set(stats.columns)
        self.start_ts, self.end_ts = covered_period(cube.first_ts, cube.last_ts, cube.hourly)
        self.days = (self.end_ts - self.start_ts) / 86400.0  # D: see covered_period
        self._granularity = None  # type: Optional[str]

    @property
    def granularity(self) -> str:
        """How finely the data is timed: "call" (times to the second), "minute", "hour" or "day" when every call
        falls on the start of one (aggregated usage, such as an import of daily or hourly buckets)."""
        if self._granularity is None:
            self._granularity = "call"
            for unit, name in ((86400, "day"), (3600, "hour"), (60, "minute")):
                if self.cube.cells and all(c[FIRST_TS] % unit == 0 and c[LAST_TS] % unit == 0
                                           for c in self.cube.cells.values()):
                    self._granularity = name
                    break
        return self._granularity

    @property
    def partial_days(self) -> List[Tuple[int, float]]:
        """[(epoch day, hours of it the data covers)] for a first or last day the data does not cover whole."""
        out = []
        if self.days <= 0:
            return out
        first, last = self.start_ts // 86400, (self.end_ts - 1) // 86400
        for day in sorted({first, last}):
            covered = min(self.end_ts, (day + 1) * 86400) - max(self.start_ts, day * 86400)
            if covered < 86400:
                out.append((day, covered / 3600.0))
        return out

    def has(self, column: str) -> bool:
        """Whether the data file has this column (optional columns may be absent)."""
        return column in self.columns

    @property
    def empty(self) -> bool:
        return not self.cube.cells

    def usd(self, nano: int) -> float:
        return usd(nano)

    def per_month(self, nano: int) -> float:
        """A period total in USD per month (x 30 / D)."""
        return per_month(nano, self.days, DAYS_PER_MONTH)

    def tier_of(self, customer: str) -> str:
        """The tier on the customer's most recent call."""
        t = self.cube.last_tier.get(customer)
        return t[1] if t else ""

    def tier_price(self, tier: str) -> Optional[int]:
        """Monthly price of a tier in USD, or None when the tier is unknown."""
        prices = self.options.get("tier_prices") or TIER_PRICES_USD
        return prices.get(tier)

    def revenue_nano(self, customer: str) -> int:
        """Subscription revenue of the customer over the covered period: tier price x D / 30 (0 if tier unknown)."""
        return self.tier_revenue_nano(self.tier_of(customer))

    def tier_revenue_nano(self, tier: str) -> int:
        """revenue_nano of a customer on `tier` (the same for every customer of the tier)."""
        price = self.tier_price(tier)
        if price is None:
            return 0
        return int(round(price * 1e9 * self.days / DAYS_PER_MONTH))

    def tier_changes(self) -> Dict[str, List[str]]:
        """Customers seen with more than one tier: {customer: tiers seen, sorted}."""
        seen = {}  # type: Dict[str, set]
        for key in self.cube.cells:
            seen.setdefault(key[2], set()).add(key[3])
        return {c: sorted(t) for c, t in sorted(seen.items()) if len(t) > 1}
