"""The streaming CSV reader: maps columns by header name, yields typed calls, counts every row it cannot use.

Reads the file once, in binary chunks cut at record boundaries, so it can start and stop at byte offsets
(parallel workers, incremental refresh). Accepts a UTF-8 BOM, CRLF, extra columns, columns in any order, absent
optional columns, quoted fields, and a missing or truncated last line (a file still being written).
Memory is bounded by the chunk size, never by the file.
"""
import csv
import io
import os
from collections import Counter
from operator import itemgetter
from typing import Iterator, List, Optional

from analyzers.engine.cube import (CALLS, COST_NANO, DAILY, FIRST_TS, HIST, INPUT, LAST_TS, LAT_N, LAT_SUM, LONG_CALLS,
                                   LONG_INPUT, OUTPUT, SERIES, Cube)
from analyzers.engine.ranges import BROKEN, CHUNK_BYTES, FINAL, iter_chunks
from analyzers.engine.values import cost_nano as cost_nano_of, latency_ms, minute_base, tokens
from utils.errors import DataFileError
from utils.paths import GENERATE_COMMAND
from utils.schema import EARLIEST_TS, FIELDS, LATEST_TS, MAX_FIELD_BYTES, REQUIRED
from utils.timeutil import parse_ts


MAX_EXAMPLES = 5
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


_CALL_FIELDS = ("ts", "hour", "input_tokens", "output_tokens", "cost_nano", "latency_ms", "provider", "model", "customer_id",
                "tier", "organization_id", "product_id", "feature_id", "task_type", "environment", "session_id",
                "trace_id", "call_id", "request_id", "user_agent")
# The text columns of a Call, in order after the six converted values.
_TEXT_COLUMNS = ("provider", "model", "customer_id", "subscription_tier", "organization_id", "product_id", "feature_id",
                 "task_type", "environment", "session_id", "trace_id", "call_id", "request_id", "user_agent")


class Call(tuple):
    """One AI API call as the reader validated it (a tuple, for speed; read it by attribute): what `iter_calls`
    yields to tools such as the per-call FOCUS export. The analyzers read the cube instead.

    ts: UTC epoch seconds; hour: epoch hour; cost_nano: integer nano-dollars; latency_ms: -1 when unknown.
    Text fields are as in the file; absent optional columns read as "". Empty organization/product/feature
    values are reported as "(untagged)" by the cube's queries (see cube.label)."""
    __slots__ = ()

    def __new__(cls, values):
        return tuple.__new__(cls, values)

    def __repr__(self) -> str:
        return "Call(%s)" % ", ".join("%s=%r" % (k, v) for k, v in zip(_CALL_FIELDS, self))


for _i, _name in enumerate(_CALL_FIELDS):
    setattr(Call, _name, property(itemgetter(_i), doc="field %d of the call" % _i))


class ReadStats(object):
    """What a pass read: good rows, skipped rows by reason (with a few examples), bytes, the header."""

    def __init__(self) -> None:
        self.rows = 0
        self.skipped = Counter()  # type: Counter
        self.examples = []  # type: List[Tuple[int, str]]
        self.columns = ()  # type: Tuple[str, ...]
        self.bytes_read = 0
        self.end_offset = 0  # offset just past the last complete line consumed
        self.read_to = 0  # offset just past the last byte read (a partial last line included)

    def skip(self, reason: str, line_no: int) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((line_no, reason))

    def merge(self, other: "ReadStats") -> None:
        self.rows += other.rows
        self.skipped.update(other.skipped)
        self.examples = sorted(self.examples + other.examples)[:MAX_EXAMPLES]
        self.bytes_read += other.bytes_read
        self.columns = self.columns or other.columns
        self.end_offset = max(self.end_offset, other.end_offset)
        self.read_to = max(self.read_to, other.read_to)

    @property
    def skipped_rows(self) -> int:
        return sum(self.skipped.values())


class Header(object):
    """The file's header: where each of our columns is, and where the data starts (byte offset)."""

    def __init__(self, names: List[str], data_offset: int) -> None:
        self.names = names
        self.data_offset = data_offset
        self.width = len(names)
        index = {}  # type: Dict[str, int]
        for i, n in enumerate(names):
            index.setdefault(n.strip().strip('"').lower(), i)
        self.index = {f: index[f] for f in FIELDS if f in index}
        self.present = tuple(f for f in FIELDS if f in self.index)
        self.missing_required = [f for f in REQUIRED if f not in self.index]


def read_header(path: str) -> Optional[Header]:
    """The header of `path`, or None for an empty file. DataFileError when missing or unusable."""
    if not os.path.exists(path):
        raise DataFileError("data file %s does not exist; create it with `%s` (or pass --data PATH)" % (path, GENERATE_COMMAND))
    if os.path.isdir(path):
        raise DataFileError("%s is a folder, not a CSV file" % path)
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError as e:
        raise DataFileError("cannot read %s: %s" % (path, e.strerror or e))
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    end = head.find(b"\n", bom)
    if end < 0:
        if len(head) >= 65536:
            raise DataFileError("%s: no line break in the first 64 KiB; is it a CSV file?" % path)
        if not head[bom:].strip():
            return None
        end = len(head)  # header only, without a line break
    try:
        line = head[bom:end].decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError("%s: the header is not UTF-8 text; is it a CSV file?" % path)
    names = next(csv.reader([line.rstrip("\r")]), [])
    h = Header(names, min(end + 1, len(head)) if end < len(head) else end)
    if h.missing_required:
        raise DataFileError("%s lacks required column(s) %s; expected a header like: %s" % (
            path, ", ".join(h.missing_required), ",".join(FIELDS)))
    return h


LONG_PROMPT_TOKENS = 1024  # the minimum prompt the providers cache; such calls are counted per cell


class _Scanner(object):
    """The hot loop, fed one chunk of whole records at a time (see `scan`)."""

    def __init__(self, stats: ReadStats, header: Header, cube: Cube, sink=None) -> None:
        ix = header.index
        self.stats, self.header, self.cube, self.sink = stats, header, cube, sink
        pad = header.width  # absent optional columns read the "" appended at this index
        self.padded = any(f not in ix for f in _TEXT_COLUMNS)
        self.texts = itemgetter(*[ix.get(f, pad) for f in _TEXT_COLUMNS])
        self.keys = itemgetter(*[ix.get(f, pad) for f in _TEXT_COLUMNS[:9]])
        self.required = tuple(ix[f] for f in REQUIRED)
        self.ilat = ix.get("latency_ms", pad)
        self.minute_cache = {}  # type: Dict[str, int]  # "YYYY-MM-DDTHH:MM" -> epoch seconds of that minute
        self.hour_cache = {}  # type: Dict[str, int]  # "YYYY-MM-DDTHH" -> epoch seconds of that hour
        self.line_no = 0  # physical lines of this range read so far; examples are shifted to file lines by `scan`
        csv.field_size_limit(MAX_FIELD_BYTES)  # larger fields are counted ("field too large"), never read

    def feed(self, text: str, kind: int) -> None:
        """Fold the records of `text` (a piece from ranges.record_blocks: whole records, the unterminated end of
        the range, or a broken record).

        One long function on purpose: this loop is where the time goes, so every name it uses is a local (the
        cube's cell layout included, bound from cube.py so the two cannot drift apart). Line numbers are
        physical lines (csv's line_num), computed only for a skipped row."""
        stats = self.stats
        if kind == BROKEN:
            stats.skip(UNCLOSED_QUOTE, self.line_no + 1)
            self.line_no += text.count("\n")
            return
        final = kind == FINAL
        width, padded, texts, keys = self.header.width, self.padded, self.texts, self.keys
        its, iprov, imod, iin, iout, icost, icust = self.required
        ilat, minute_cache, hour_cache, sink, cube = self.ilat, self.minute_cache, self.hour_cache, self.sink, self.cube
        new = tuple.__new__
        cells, new_cell, cust_hourly = cube.cells, cube.new_cell, cube.customer_hourly
        first, last = cube.first_ts, cube.last_ts
        c_calls, c_in, c_out, c_cost, c_lsum, c_ln, c_long, c_long_in, c_last, c_first, c_series = (
            CALLS, INPUT, OUTPUT, COST_NANO, LAT_SUM, LAT_N, LONG_CALLS, LONG_INPUT, LAST_TS, FIRST_TS, SERIES)
        s_hist, s_daily = HIST, DAILY
        lo, hi = EARLIEST_TS, LATEST_TS
        checked = not text.isascii() or "\x00" in text  # rows then get the character checks the fast path skips
        base = self.line_no
        reader = csv.reader(_lines(text))
        rows = 0
        while True:
            try:
                for row in reader:
                    if len(row) != width:
                        stats.skip(EMPTY_LINE if not row else TRUNCATED if final else WRONG_COLUMNS,
                                   base + reader.line_num - _breaks(row))
                        continue
                    if checked:
                        why = _characters(row, (its, iin, iout, icost, ilat))
                        if why:
                            stats.skip(TRUNCATED if final else why, base + reader.line_num - _breaks(row))
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
                        stats.skip(TRUNCATED if final else BAD_TIMESTAMP, base + reader.line_num - _breaks(row))
                        continue
                    if ts < lo or ts >= hi:
                        stats.skip(TRUNCATED if final else OUT_OF_RANGE, base + reader.line_num - _breaks(row))
                        continue
                    if not (row[iprov] and row[imod] and row[icust]):
                        stats.skip(TRUNCATED if final else MISSING_FIELD, base + reader.line_num - _breaks(row))
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
                        stats.skip(TRUNCATED if final else BAD_NUMBER, base + reader.line_num - _breaks(row))
                        continue
                    rows += 1
                    # ---- fold into the cube (see cube.Cube for what each structure holds) ----
                    key = keys(row)
                    cell = cells.get(key)
                    if cell is None:
                        cell = new_cell(key, ts)
                    elif ts > cell[c_last]:
                        cell[c_last] = ts
                    elif ts < cell[c_first]:
                        cell[c_first] = ts
                    cell[c_calls] += 1
                    cell[c_in] += inp
                    cell[c_out] += out
                    cell[c_cost] += cost_nano
                    series = cell[c_series]
                    if lat >= 0:
                        cell[c_lsum] += lat
                        cell[c_ln] += 1
                        hist = series[s_hist]
                        hist[lat] = hist.get(lat, 0) + 1
                    if inp >= LONG_PROMPT_TOKENS:
                        cell[c_long] += 1
                        cell[c_long_in] += inp
                    hour = ts // 3600
                    daily = series[s_daily]
                    d = daily.get(hour // 24)
                    if d is None:
                        daily[hour // 24] = [1, cost_nano]
                    else:
                        d[0] += 1
                        d[1] += cost_nano
                    ch = (key[2], hour)
                    h = cust_hourly.get(ch)
                    if h is None:
                        cust_hourly[ch] = [1, cost_nano]
                    else:
                        h[0] += 1
                        h[1] += cost_nano
                    if first is None or ts < first:
                        first = ts
                    if last is None or ts > last:
                        last = ts
                    if sink is not None:
                        sink(new(Call, (ts, hour, inp, out, cost_nano, lat) + texts(row)))
                break
            except csv.Error as e:  # a field over the size limit, or a NUL byte on Python < 3.11
                stats.skip(FIELD_TOO_LARGE if "larger" in str(e) else NUL_BYTE, base + reader.line_num)
        stats.rows += rows
        cube.first_ts, cube.last_ts = first, last
        self.line_no = base + reader.line_num


def scan(path: str, stats: ReadStats, header: Header, cube: Cube, start: Optional[int] = None,
         end: Optional[int] = None, on_chunk=None, final: bool = True) -> None:
    """Read bytes [start, end) of `path`, validate each row and fold it into `cube` (see cube.Cube). Unusable
    rows are counted in `stats` by reason. `final` False leaves out an unterminated last record (an incremental
    pass saves its state where whole records end: stats.end_offset).

    Reading and aggregating are one loop on purpose: this is where all the time goes (specs/architecture.md)."""
    first = header.data_offset if start is None else start
    known = len(stats.examples)
    scanner = _Scanner(stats, header, cube)
    for text, kind in iter_chunks(path, first, end, stats, final):
        if kind == FINAL and not final:
            break
        scanner.feed(text, kind)
        if on_chunk is not None:
            on_chunk(stats)
    _number_examples(path, first, stats, known)


def _number_examples(path: str, first: int, stats: ReadStats, known: int) -> None:
    """Turn the range-relative record numbers of new examples into file line numbers (lines before the range
    are counted only when there is an example to number, so clean data costs nothing)."""
    if len(stats.examples) <= known:
        return
    base = 0
    with open(path, "rb") as f:
        left = first
        while left > 0:
            block = f.read(min(CHUNK_BYTES, left))
            if not block:
                break
            base += block.count(b"\n")
            left -= len(block)
    stats.examples[known:] = [(base + n, reason) for n, reason in stats.examples[known:]]


def iter_calls(path: str, stats: ReadStats, header: Header, start: Optional[int] = None,
               end: Optional[int] = None) -> Iterator[Call]:
    """Yield a Call per usable row, chunk by chunk, validated exactly as the analyzers' pass validates it (for
    tools such as the per-call FOCUS export; the analyzers use `scan`)."""
    batch = []  # type: List[Call]
    first = header.data_offset if start is None else start
    known = len(stats.examples)
    scanner = _Scanner(stats, header, Cube(), batch.append)
    for text, kind in iter_chunks(path, first, end, stats):
        scanner.feed(text, kind)
        for call in batch:
            yield call
        del batch[:]
    _number_examples(path, first, stats, known)


def _lines(text: str):
    """The lines of a chunk for csv.reader: a fast split when no field is quoted, else a stream that keeps line
    breaks inside quoted fields."""
    if '"' in text:
        return io.StringIO(text, newline="")
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
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
