"""Byte ranges of a CSV file: reading whole records from an offset, and splitting a file at record starts.

A record ends at a line break that is not inside a quoted field, with the csv module's rules: a field is quoted
only when its first character is a quote, so a stray quote inside a field (`5" screen`) is an ordinary character.
Finding record ends costs one C-speed search per block when the block has no quoted field, and a regular
expression over the records that have one, so reading stays linear whatever the quoting. A quoted field that is
still open after MAX_RECORD_BYTES cannot be a real record: its first line is handed on as a broken record (counted
as `unclosed quote`) and reading goes on after it, so one stray quote never swallows the rest of a file.
"""
import os
import re
from typing import BinaryIO, Iterator, List, Optional, Tuple

CHUNK_BYTES = 1 << 20
MAX_RECORD_BYTES = 1 << 20  # the longest record (quoted line breaks included) read as one: 1 MiB
RECORDS, FINAL, BROKEN = 0, 1, 2  # kinds of piece: whole records, the unterminated end, a broken record

_QUOTED_FIELD_START = re.compile(rb'(?:^|[,\n])"')
# quoted ("" escapes; written unrolled so a field that never closes fails in linear time) | unquoted | empty
_FIELD = rb'(?:"[^"]*(?:""[^"]*)*"[^,\n]*|[^,\n"][^,\n]*|)'
_RECORD = re.compile(_FIELD + rb'(?:,' + _FIELD + rb')*\n')


def _cut(buf: bytes) -> int:
    """Length of the longest prefix of `buf` made of whole CSV records."""
    limit = buf.rfind(b"\n") + 1
    pos = 0
    while pos < limit:
        q = buf.find(b'"', pos, limit)  # memchr speed: most blocks have no quote at all
        if q < 0:
            return limit
        m = _QUOTED_FIELD_START.search(buf, max(0, q - 1), limit)  # q - 1: the separator before a quoted field
        if m is None:
            return limit  # no quoted field from here on: every line break ends a record
        rec = buf.rfind(b"\n", 0, m.end() - 1) + 1  # the start of the record holding that quoted field
        r = _RECORD.match(buf, rec)
        if r is None:
            return rec  # its quoted field runs past the last line break: the record is not whole yet
        pos = r.end()
    return limit


def record_blocks(f: BinaryIO, start: int, end: Optional[int], stats,
                  last: bool = False) -> Iterator[Tuple[bytes, int]]:
    """(bytes, kind) from `start` (where `f` is positioned) to `end` (None: the end of the stream): pieces of
    whole records (RECORDS), a broken record (BROKEN), and last the unterminated end, if any (FINAL). `last`: the
    end is the end of the data (nothing will ever close a quote still open there, so the record holding it is
    broken and the lines after it are read); otherwise the open record is handed on whole, as FINAL."""
    pos, carry = start, b""
    while True:
        want = CHUNK_BYTES if end is None else min(CHUNK_BYTES, end - pos)
        block = f.read(want) if want > 0 else b""
        pos += len(block)
        stats.bytes_read += len(block)
        buf = carry + block if carry else block
        if not block:
            if last:  # nothing will close a quote still open at the end of the data
                pieces, carry = _split_broken(carry, 0)
                for piece in pieces:
                    yield piece
            stats.end_offset = pos - len(carry)
            stats.read_to = pos
            if carry.strip():
                yield carry, FINAL
            return
        n = _cut(buf)
        if n:
            yield buf[:n], RECORDS
        pieces, carry = _split_broken(buf[n:], MAX_RECORD_BYTES)
        for piece in pieces:
            yield piece


def _split_broken(carry: bytes, longer_than: int) -> Tuple[List[Tuple[bytes, int]], bytes]:
    """(pieces, what is left) of an open record: while it is longer than `longer_than` bytes and spans lines, its
    quoted field cannot be real: its first line is a BROKEN piece and the lines after it are read as records again."""
    pieces = []  # type: List[Tuple[bytes, int]]
    while len(carry) > longer_than and b"\n" in carry.rstrip(b"\n"):
        nl = carry.find(b"\n")
        pieces.append((carry[:nl + 1], BROKEN))
        carry = carry[nl + 1:]
        n = _cut(carry)
        if n:
            pieces.append((carry[:n], RECORDS))
            carry = carry[n:]
    return pieces, carry


def iter_chunks(f: BinaryIO, start: int, end: Optional[int], stats, last: bool = True) -> Iterator[Tuple[str, int]]:
    """(text, kind) of the stream `f` (a file, or a gzip stream) from byte `start` to `end` (None: the end); see
    record_blocks."""
    if start:
        f.seek(start)  # a gzip stream seeks forward by reading: parts of a gzip file start at its header's end
    for block, kind in record_blocks(f, start, end, stats, last):
        yield block.decode("utf-8", "replace"), kind


class _Offsets(object):
    """A stand-in for ReadStats when only the offsets matter."""
    bytes_read = end_offset = read_to = 0


def line_starts(path: str, start: int, parts: int, end: Optional[int] = None) -> List[int]:
    """Split [start, end) into about `parts` byte ranges whose boundaries are record starts (record_blocks' cuts,
    so a quoted field spanning lines is never cut). One sequential pass that only finds record ends, up to the
    last cut."""
    size = os.path.getsize(path) if end is None else end
    targets = [start + (size - start) * k // parts for k in range(1, parts)]
    bounds = [start]
    with open(path, "rb") as f:
        f.seek(start)
        pos = start
        for block, kind in record_blocks(f, start, size, _Offsets()):
            pos += len(block)
            if kind != FINAL and targets and pos >= targets[0] and pos < size:
                bounds.append(pos)
                while targets and targets[0] <= pos:
                    targets.pop(0)
            if not targets:
                break  # the last cut is found: the rest need not be read
    bounds.append(size)
    return bounds
