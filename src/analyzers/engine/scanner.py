"""The hot loop: chunks of whole CSV records in, validated rows folded into the cube.

Two ways through a chunk, one result:

- **Column path** (`Scanner.bulk`): a chunk that is plain ASCII with no quote, no carriage return, no NUL and
  no overlong line is taken BATCH lines at a time: split with `str.split`, turned into columns (`zip(*rows)`)
  and checked column by column at C speed: every row has the header's width, every timestamp is in our own
  format and inside the plausible window, every number is in our own format, the required fields are set. If
  anything fails, nothing has been touched and the batch takes the row path, which finds and counts the bad rows.
- **Row path** (`Scanner.rows`): csv.reader (or a split, when nothing is quoted) and every check per row, each
  bad row counted under its reason with its physical line.

Both give the same result for the same rows (a test holds them to it); both hand the good rows' values to
`Scanner.fold`, the one place rows become cube cells, written with the cube's
positions as literals (faster than names) that an import-time check ties to the cube's named layout, so the reader
and the cube cannot drift apart. This module is long functions
on purpose: it is where the time goes.
"""
import csv
import io
import re
from itertools import count, repeat
from operator import add, itemgetter, methodcaller, mul
from typing import Dict, List, Optional, Tuple

from analyzers.engine.cube import (CALLS, COST_NANO, DAILY, FIRST_TS, HIST, HOURS, INPUT, LAST_TS, LAT_N, LAT_SUM,
                                   LONG_CALLS, LONG_INPUT, OUTPUT, PACK_SHIFT, SERIES, Cube)
from analyzers.engine.ranges import BROKEN, FINAL
from analyzers.engine.values import cost_nano as cost_nano_of, latency_ms, minute_base, tokens
from utils.schema import EARLIEST_TS, FIELDS, LATEST_TS, MAX_FIELD_BYTES, REQUIRED
from utils.timeutil import parse_ts

# Reasons a row is skipped (shown in every report's data-quality notice).
WRONG_COLUMNS = "wrong column count"
BAD_NUMBER = "bad number"
BAD_TIMESTAMP = "bad timestamp"
MISSING_FIELD = "missing required field"
TRUNCATED = "truncated last line"
EMPTY_LINE = "empty line"
OUT_OF_RANGE = "timestamp out of range"
FIELD_TOO_LARGE = "field too large"
NUL_BYTE = "NUL byte"
UNCLOSED_QUOTE = "unclosed quote"
REPEATED_HEADER = "repeated header"  # files joined with cat: each one's header line

LONG_PROMPT_TOKENS = 1024  # the minimum prompt the providers cache; such calls are counted per cell
# The text columns of a Call, in order after the six converted values (the first nine are a cell's key).
TEXT_COLUMNS = ("provider", "model", "customer_id", "subscription_tier", "organization_id", "product_id",
                "feature_id", "task_type", "environment", "session_id", "trace_id", "call_id", "request_id",
                "user_agent")
# Our own formats, checked a whole column at a time: costs with 6 decimals under $100,000, latencies in whole ms
# (or empty). Timestamps (YYYY-MM-DDTHH:MM:SSZ) are checked by their end (":SSZ") and, once per distinct minute,
# by values.minute_base.
_OUR_COSTS = re.compile(r"(?:[0-9]{1,5}\.[0-9]{6}\n)*\Z")
_OUR_LATENCIES = re.compile(r"(?:[0-9]{0,7}\n)*\Z")
_MINUTE, _SECOND_Z = itemgetter(slice(0, 16)), itemgetter(slice(16, 20))
_SECONDS = {":%02dZ" % s: s for s in range(60)}  # the end of one of our timestamps -> its seconds
# The positions Scanner.fold writes as literals, by name: a change of the cube's layout fails here, at import.
_LAYOUT = ((CALLS, 0), (INPUT, 1), (OUTPUT, 2), (COST_NANO, 3), (LAT_SUM, 4), (LAT_N, 5), (LONG_CALLS, 6),
           (LONG_INPUT, 7), (LAST_TS, 8), (FIRST_TS, 9), (SERIES, 10), (HOURS, 11), (HIST, 0), (DAILY, 1),
           (LONG_PROMPT_TOKENS, 1024))
if any(name != at for name, at in _LAYOUT):
    raise ImportError("scanner.fold's literal positions no longer match the cube's layout")
BATCH = 256  # lines checked and folded column by column at a time: small enough to stay in the CPU's caches
_NO_DOT = methodcaller("replace", ".", "")


class _Rows(object):
    """The rows of a chunk as (k, row), and the physical line where row k starts (asked only for a skipped row).

    A chunk with no quote, no carriage return and no line longer than a field may be is split with str.split: the
    same rows csv.reader gives there (an empty line is [""] instead of []). Any other chunk goes through csv.reader
    over a stream that keeps line breaks inside quoted fields."""
    __slots__ = ("rows", "_csv", "_lines")

    def __init__(self, text: str) -> None:
        self._csv = None
        lines = _plain_lines(text)
        if lines is None:
            self._csv = csv.reader(io.StringIO(text, newline=""))
            self.rows = zip(count(1), self._csv)
            self._lines = 0
        else:
            self.rows = zip(count(1), map(str.split, lines, repeat(",", len(lines))))
            self._lines = len(lines)

    def line_of(self, k: int, row: List[str]) -> int:
        """The physical line (1-based, in this chunk) where row k, the row just read, starts."""
        return k if self._csv is None else self._csv.line_num - _breaks(row)

    @property
    def line_num(self) -> int:
        """Physical lines read so far."""
        return self._lines if self._csv is None else self._csv.line_num


def _plain_lines(text: str) -> Optional[List[str]]:
    """The lines of a chunk that str.split reads as csv.reader would (nothing quoted, no CR, no field over the
    limit); None otherwise."""
    if '"' in text or "\r" in text:
        return None
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
    if lines and max(map(len, lines)) > MAX_FIELD_BYTES:
        return None
    return lines


def _breaks(row: List[str]) -> int:
    """Line breaks inside a row's quoted fields (a skipped row is numbered by its first physical line)."""
    return sum(f.count("\n") for f in row) if row else 0


def _characters(row: List[str], numeric) -> str:
    """The reason a row with unusual characters cannot be read ("" when it can): a NUL byte anywhere, or a
    timestamp or number that is not ASCII (int() and Decimal read other scripts' digits; a CSV's are ASCII)."""
    if any("\x00" in f for f in row):
        return NUL_BYTE
    for i in numeric:
        if i < len(row) and not row[i].isascii():
            return BAD_NUMBER
    return ""


class Scanner(object):
    """Folds chunks of whole records into a cube and counts what it cannot use (see the module docstring).
    `sink`, when given, receives a tuple per good row: (ts, hour, input, output, cost_nano, latency) + the text
    columns (reader.Call is built from it)."""

    def __init__(self, stats, header, cube: Cube, sink=None) -> None:
        ix = header.index
        self.stats, self.header, self.cube, self.sink = stats, header, cube, sink
        self.width = header.width
        pad = self.width  # absent optional columns read the "" appended at this index
        self.padded = any(f not in ix for f in TEXT_COLUMNS)
        self.key_index = [ix.get(f, pad) for f in TEXT_COLUMNS[:9]]
        self.texts = itemgetter(*[ix.get(f, pad) for f in TEXT_COLUMNS])
        self.keys = itemgetter(*self.key_index)
        self.required = tuple(ix[f] for f in REQUIRED)
        self.ilat = ix.get("latency_ms", pad)
        self.minute_cache = {}  # type: Dict[str, int]  # "YYYY-MM-DDTHH:MM" -> epoch seconds of that minute
        self.hour_cache = {}  # type: Dict[str, int]  # "YYYY-MM-DDTHH" -> epoch seconds of that hour
        self.hour_ints = {}  # type: Dict[int, int]  # epoch hour -> one shared int object of it
        self.hour_of_minute = {}  # type: Dict[str, int]  # "YYYY-MM-DDTHH:MM" -> its shared epoch hour
        self.line_no = 0  # physical lines of this range read so far; examples are shifted to file lines by `scan`
        assert REQUIRED[0] == "timestamp" and FIELDS[0] == "timestamp"
        csv.field_size_limit(MAX_FIELD_BYTES)  # larger fields are counted ("field too large"), never read

    def feed(self, text: str, kind: int) -> None:
        """Fold the records of `text`, a piece from ranges.record_blocks: whole records (RECORDS), the
        unterminated end of the range (FINAL), or one broken record (BROKEN: a quoted field that never closes)."""
        if kind == BROKEN:
            self.stats.skip(UNCLOSED_QUOTE, self.line_no + 1)
            self.line_no += text.count("\n")
            return
        if kind == FINAL or self.sink is not None:
            self.rows(text, kind == FINAL)
            return
        lines = _plain_lines(text) if text.isascii() and "\x00" not in text else None
        if lines is None:
            self.rows(text, False)
            return
        for i in range(0, len(lines), BATCH):
            part = lines[i:i + BATCH]
            if not self.bulk(part):
                self.rows("\n".join(part) + "\n", False)

    # ---- the column path --------------------------------------------------------------------------------------
    def bulk(self, lines: List[str]) -> bool:
        """Fold a batch of clean lines column by column; False (and nothing done) when any row needs the row
        path."""
        n, width = len(lines), self.width
        rows = list(map(str.split, lines, repeat(",", n)))
        if min(map(len, rows)) != width or max(map(len, rows)) != width:
            return False
        cols = list(zip(*rows))
        del rows
        its, iprov, imod, iin, iout, icost, icust = self.required
        if not (all(cols[iprov]) and all(cols[imod]) and all(cols[icust])):
            return False
        times = self._times(cols[its])
        if times is None:
            return False
        tss, hours = times
        numbers = [cols[iin], cols[iout]]
        if not all(all(map(str.isdigit, c)) and max(map(len, c)) < 9 for c in numbers):  # < 1e8: within the limit
            return False
        costs = cols[icost]
        if not _OUR_COSTS.match("\n".join(costs) + "\n"):
            return False
        lats = self._latencies(cols[self.ilat] if self.ilat < width else None, n)
        if lats is None:
            return False
        keys = zip(*[cols[i] if i < width else repeat("", n) for i in self.key_index])
        self.fold(keys, tss, hours, list(map(int, numbers[0])), list(map(int, numbers[1])),
                  list(map(mul, map(int, map(_NO_DOT, costs)), repeat(1000))), lats)
        self.stats.rows += n
        self.line_no += n
        return True

    def _times(self, times) -> Optional[Tuple[List[int], List[int]]]:
        """Epoch seconds and epoch hours of a column of timestamps in our own format, all in the plausible window;
        else None."""
        if min(map(len, times)) != 20 or max(map(len, times)) != 20:
            return None
        seconds = _SECONDS
        if not set(map(_SECOND_Z, times)).issubset(seconds):
            return None
        minutes = list(map(_MINUTE, times))
        cache, hour_of = self.minute_cache, self.hour_of_minute
        bases = {}  # type: Dict[str, int]
        for m in set(minutes):
            b = cache.get(m)
            if b is None:
                try:
                    b = minute_base(m + ":00Z", cache, self.hour_cache)
                except ValueError:
                    return None
                if b is None:
                    return None
            bases[m] = b
            if m not in hour_of:
                hour_of[m] = self.hour_int(b // 3600)
        tss = list(map(add, map(bases.__getitem__, minutes), map(seconds.__getitem__, map(_SECOND_Z, times))))
        if min(tss) < EARLIEST_TS or max(tss) >= LATEST_TS:
            return None
        return tss, list(map(hour_of.__getitem__, minutes))

    def hour_int(self, hour: int) -> int:
        """The one int object of this epoch hour (customer-hour keys share it: 32 bytes each, 100,000s of them)."""
        return self.hour_ints.setdefault(hour, hour)

    @staticmethod
    def _latencies(column, n: int):
        """Whole milliseconds of a latency column in our own format (-1 where empty); None when any needs the
        row path. `column` None: the file has no latency column."""
        if column is None:
            return repeat(-1, n)
        if all(map(str.isdigit, column)) and max(map(len, column)) < 8:
            return list(map(int, column))
        if not _OUR_LATENCIES.match("\n".join(column) + "\n"):
            return None
        return [int(v) if v else -1 for v in column]

    # ---- the row path ------------------------------------------------------------------------------------------
    def rows(self, text: str, final: bool) -> None:
        """Check every row of `text`, count the bad ones by reason and line, fold the good ones."""
        stats, width, padded = self.stats, self.width, self.padded
        its, iprov, imod, iin, iout, icost, icust = self.required
        ilat, minute_cache, hour_cache, keys, sink, texts = (
            self.ilat, self.minute_cache, self.hour_cache, self.keys, self.sink, self.texts)
        lo, hi = EARLIEST_TS, LATEST_TS
        checked = not text.isascii() or "\x00" in text  # rows then get the character checks
        good_keys, good_ts, good_hour = [], [], []  # type: ignore
        good_in, good_out, good_cost, good_lat = [], [], [], []  # type: ignore
        hour_int = self.hour_int
        base = self.line_no
        reader = _Rows(text)
        while True:
            try:
                for k, row in reader.rows:
                    if len(row) != width:
                        stats.skip(EMPTY_LINE if row == [] or row == [""] else TRUNCATED if final else WRONG_COLUMNS,
                                   base + reader.line_of(k, row))
                        continue
                    if checked:
                        why = _characters(row, (its, iin, iout, icost, ilat))
                        if why:
                            stats.skip(TRUNCATED if final else why, base + reader.line_of(k, row))
                            continue
                    if padded:
                        row.append("")
                    t = row[its]
                    try:
                        mb = minute_cache.get(t[:16])
                        if mb is None:
                            mb = minute_base(t, minute_cache, hour_cache)
                        if mb is not None and t[16::3] == ":Z":  # a known minute + ":SSZ"
                            sec = int(t[17:19])
                            if not 0 <= sec < 60 or not t[17:19].isdigit():
                                raise ValueError("bad seconds")
                            ts = mb + sec
                        else:
                            ts = parse_ts(t)  # any other accepted form: fractions, offsets, no zone, epoch numbers
                    except ValueError:
                        why = REPEATED_HEADER if row[:width] == self.header.names else BAD_TIMESTAMP
                        stats.skip(TRUNCATED if final else why, base + reader.line_of(k, row))
                        continue
                    if ts < lo or ts >= hi:
                        stats.skip(TRUNCATED if final else OUT_OF_RANGE, base + reader.line_of(k, row))
                        continue
                    if not (row[iprov] and row[imod] and row[icust]):
                        stats.skip(TRUNCATED if final else MISSING_FIELD, base + reader.line_of(k, row))
                        continue
                    try:
                        a, b, c, lt = row[iin], row[iout], row[icost], row[ilat]
                        inp = int(a) if a.isdigit() and len(a) < 9 else tokens(a)  # < 1e8: within the limit
                        out = int(b) if b.isdigit() and len(b) < 9 else tokens(b)
                        if len(c) > 7 and c[-7] == "." and len(c) < 13 and c[:-7].isdigit() and c[-6:].isdigit():
                            cost_nano = int(c[:-7] + c[-6:]) * 1000  # our 6-decimal format, under $100,000
                        else:
                            cost_nano = cost_nano_of(c)
                        lat = int(lt) if lt.isdigit() and len(lt) < 8 else latency_ms(lt)
                    except (ValueError, OverflowError, ArithmeticError):
                        stats.skip(TRUNCATED if final else BAD_NUMBER, base + reader.line_of(k, row))
                        continue
                    good_keys.append(keys(row))
                    good_ts.append(ts)
                    good_hour.append(hour_int(ts // 3600))
                    good_in.append(inp)
                    good_out.append(out)
                    good_cost.append(cost_nano)
                    good_lat.append(lat)
                    if sink is not None:
                        sink((ts, ts // 3600, inp, out, cost_nano, lat) + texts(row))
                break
            except csv.Error as e:  # a field over the size limit, or a NUL byte on Python < 3.11
                stats.skip(FIELD_TOO_LARGE if "larger" in str(e) else NUL_BYTE, base + reader.line_num)
        self.fold(good_keys, good_ts, good_hour, good_in, good_out, good_cost, good_lat)
        stats.rows += len(good_ts)
        self.line_no = base + reader.line_num

    # ---- the fold ----------------------------------------------------------------------------------------------
    def fold(self, keys, tss: List[int], hours, ins, outs, costs, lats) -> None:
        """Add good rows (parallel sequences: cell key, epoch seconds, epoch hour (a shared int: hour_int), tokens
        in and out, cost_nano, latency ms or -1) to the cube; see cube.Cube for what each structure holds."""
        if not tss:
            return
        cube = self.cube
        cells, new_cell, shift = cube.cells, cube.new_cell, PACK_SHIFT
        # Literal positions run faster than named ones; _LAYOUT (checked at import) ties them to the cube's names.
        for key, ts, hour, inp, out, cost, lat in zip(keys, tss, hours, ins, outs, costs, lats):
            cell = cells.get(key)
            if cell is None:
                cell = new_cell(key, ts)
            elif ts > cell[8]:  # LAST_TS
                cell[8] = ts
            elif ts < cell[9]:  # FIRST_TS
                cell[9] = ts
            cell[0] += 1  # CALLS
            cell[1] += inp  # INPUT
            cell[2] += out  # OUTPUT
            cell[3] += cost  # COST_NANO
            series = cell[10]  # SERIES
            if lat >= 0:
                cell[4] += lat  # LAT_SUM
                cell[5] += 1  # LAT_N
                hist = series[0]  # HIST
                hist[lat] = hist.get(lat, 0) + 1
            if inp >= 1024:  # LONG_PROMPT_TOKENS
                cell[6] += 1  # LONG_CALLS
                cell[7] += inp  # LONG_INPUT
            packed = (cost << shift) + 1  # one call and its cost in one int (cube.PACK_SHIFT)
            day = hour // 24
            daily = series[1]  # DAILY
            daily[day] = daily.get(day, 0) + packed
            by_hour = cell[11]  # HOURS
            by_hour[hour] = by_hour.get(hour, 0) + packed
        first, last = min(tss), max(tss)
        if cube.first_ts is None or first < cube.first_ts:
            cube.first_ts = first
        if cube.last_ts is None or last > cube.last_ts:
            cube.last_ts = last
