"""The streaming CSV reader: maps columns by header name, yields typed calls, counts every row it cannot use.

Reads the file once, in binary chunks cut at record boundaries, so it can start and stop at byte offsets
(parallel workers, incremental refresh). Accepts a UTF-8 BOM, CRLF, extra columns, columns in any order, absent
optional columns, quoted fields, and a missing or truncated last line (a file still being written).
Memory is bounded by the chunk size, never by the file.
"""
import csv
import os
from collections import Counter
from operator import itemgetter
from typing import Dict, Iterator, List, Optional, Tuple

from analyzers.engine.cube import Cube
from analyzers.engine.inputs import Part, Source, open_source, resolve
from analyzers.engine.ranges import CHUNK_BYTES, FINAL, iter_chunks
from analyzers.engine.scanner import OUT_OF_RANGE, Scanner  # noqa: F401  (OUT_OF_RANGE: the reports name it)
from utils.errors import DataFileError
from utils.schema import FIELDS, REQUIRED

MAX_EXAMPLES = 5
GZIP_CUT_SHORT = "gzip file cut short"  # a .gz file that ends mid-stream (still being written, or broken)

_CALL_FIELDS = ("ts", "hour", "input_tokens", "output_tokens", "cost_nano", "latency_ms", "provider", "model", "customer_id",
                "tier", "organization_id", "product_id", "feature_id", "task_type", "environment", "session_id",
                "trace_id", "call_id", "request_id", "user_agent")


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
        self.examples = []  # type: List[tuple]  # (file, physical line, reason); (line, reason) while scanning
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
        if other.columns != self.columns:  # files of a folder may differ: the data has a column if any file has
            have = set(self.columns) | set(other.columns)
            self.columns = tuple(f for f in FIELDS if f in have)
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
    """The header of the local file `path` (plain or gzip), or None for an empty file. DataFileError when it is
    missing or unusable."""
    if os.path.isdir(path):
        raise DataFileError("%s is a folder, not a CSV file" % path)
    sources = resolve(path)
    return header_of(sources[0])


def header_of(source: Source, opener=open_source) -> Optional[Header]:
    """The header of one input file, or None when it is empty. DataFileError when it is unusable."""
    name = source.name
    try:
        with opener(source) as f:
            head = f.read(65536)
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
        raise DataFileError("cannot read %s: %s" % (name, getattr(e, "strerror", None) or e))
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    end = head.find(b"\n", bom)
    if end < 0:
        if len(head) >= 65536:
            raise DataFileError("%s: no line break in the first 64 KiB; is it a CSV file?" % name)
        if not head[bom:].strip():
            return None
        end = len(head)  # header only, without a line break
    try:
        line = head[bom:end].decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError("%s: the header is not UTF-8 text; is it a CSV file?" % name)
    names = next(csv.reader([line.rstrip("\r")]), [])
    h = Header(names, min(end + 1, len(head)) if end < len(head) else end)
    if h.missing_required:
        raise DataFileError("%s lacks required column(s) %s; expected a header like: %s" % (
            name, ", ".join(h.missing_required), ",".join(FIELDS)))
    return h


def scan_part(part: Part, stats: ReadStats, cube: Cube, opener=open_source, on_chunk=None, sink=None) -> None:
    """Read one part (engine/inputs.Part), validate each row and fold it into `cube` (see cube.Cube), or hand
    it to `sink` (a tuple per good row, then the cube stays empty). Unusable rows are counted in `stats` by
    reason, the first few as examples naming the file and its physical line. A part that is not `final` leaves
    out an unterminated last record (an incremental pass saves its state where whole records end:
    stats.end_offset).

    Reading and aggregating are one loop on purpose: this is where all the time goes (specs/architecture.md)."""
    known = len(stats.examples)
    scanner = Scanner(stats, part.header, cube, sink)
    with opener(part.source) as f:
        for text, kind in iter_chunks(f, part.start, part.end, stats, part.final):
            if kind == FINAL and not part.final:
                break
            scanner.feed(text, kind)
            if on_chunk is not None:
                on_chunk(stats)
        if getattr(f, "cut_short", False):  # every row that decompressed is in; what follows cannot be read
            stats.skip(GZIP_CUT_SHORT, scanner.line_no + 1)
    if len(stats.examples) > known:
        base = _lines_before(part, opener)
        stats.examples[known:] = [(part.source.name, base + n, why) for n, why in stats.examples[known:]]


def _lines_before(part: Part, opener) -> int:
    """Line breaks before the part in its file (counted only when there is an example to number, so clean data
    costs nothing)."""
    base, left = 0, part.start
    with opener(part.source) as f:
        while left > 0:
            block = f.read(min(CHUNK_BYTES, left))
            if not block:
                break
            base += block.count(b"\n")
            left -= len(block)
    return base


def local_part(path: str, header: Header, start: Optional[int] = None, end: Optional[int] = None,
               final: bool = True) -> Part:
    """A part of the local file `path` (start None: from the data; end None: to the end)."""
    src = resolve(path)[0]
    return Part(src, header, header.data_offset if start is None else start, end, final)


def scan(path: str, stats: ReadStats, header: Header, cube: Cube, start: Optional[int] = None,
         end: Optional[int] = None, on_chunk=None, final: bool = True) -> None:
    """scan_part over bytes [start, end) of the local file `path`."""
    scan_part(local_part(path, header, start, end, final), stats, cube, on_chunk=on_chunk)


def iter_calls(path: str, stats: ReadStats, header: Header, start: Optional[int] = None,
               end: Optional[int] = None) -> Iterator[Call]:
    """Yield a Call per usable row of the local file `path`, validated exactly as the analyzers' pass validates
    it (for tools such as the per-call FOCUS export; the analyzers fold into the cube instead)."""
    for call in iter_part_calls(local_part(path, header, start, end), stats):
        yield call


def iter_input_calls(spec: str, stats: ReadStats) -> Iterator[Call]:
    """Yield a Call per usable row of everything `spec` names (a file, a folder, a glob: engine/inputs), in plan
    order."""
    sources = resolve(spec)
    for src in sources:
        header = header_of(src)
        if header is not None:
            stats.columns = stats.columns or header.present
            part = Part(src, header, header.data_offset, None if src.compressed else src.size, True)
            for call in iter_part_calls(part, stats):
                yield call


def iter_part_calls(part: Part, stats: ReadStats, opener=open_source) -> Iterator[Call]:
    """Yield a Call per usable row of one part, chunk by chunk."""
    batch = []  # type: List[tuple]
    new = tuple.__new__
    known = len(stats.examples)
    scanner = Scanner(stats, part.header, Cube(), batch.append)
    with opener(part.source) as f:
        for text, kind in iter_chunks(f, part.start, part.end, stats, part.final):
            scanner.feed(text, kind)
            for values in batch:
                yield new(Call, values)
            del batch[:]
    if len(stats.examples) > known:
        base = _lines_before(part, opener)
        stats.examples[known:] = [(part.source.name, base + n, why) for n, why in stats.examples[known:]]
