"""Byte ranges of a CSV file: reading whole records from an offset, and splitting a file at record starts.

A record ends at a line break outside quotes, so a quoted field that spans lines is never cut. These are what
let workers read parts of one file and incremental refreshes read only what was appended.
"""
import os
from typing import Iterator, List, Optional, Tuple

CHUNK_BYTES = 1 << 22


def _cut(buf: bytes) -> int:
    """Length of the longest prefix of `buf` made of whole CSV records (ending at a newline outside quotes)."""
    end = buf.rfind(b"\n")
    while end >= 0:
        if buf.count(b'"', 0, end) % 2 == 0:
            return end + 1
        end = buf.rfind(b"\n", 0, end)
    return 0


def iter_chunks(path: str, start: int, end: Optional[int], stats) -> Iterator[Tuple[str, bool]]:
    """Yield (text of whole records, is_final_partial_line) from byte `start` to `end` (None: end of file)."""
    with open(path, "rb") as f:
        f.seek(start)
        pos = start
        carry = b""
        while True:
            want = CHUNK_BYTES if end is None else min(CHUNK_BYTES, end - pos)
            block = f.read(want) if want > 0 else b""
            pos += len(block)
            stats.bytes_read += len(block)
            buf = carry + block if carry else block
            if not block:
                stats.end_offset = pos - len(carry)
                stats.read_to = pos
                if carry.strip():
                    yield carry.decode("utf-8", "replace"), True
                return
            n = _cut(buf)
            carry = buf[n:]
            if n:
                yield buf[:n].decode("utf-8", "replace"), False


def complete_end(path: str, start: int, end: int) -> int:
    """Offset just past the last line break in [start, end): where the file's complete lines end."""
    with open(path, "rb") as f:
        pos = end
        while pos > start:
            lo = max(start, pos - (1 << 20))
            f.seek(lo)
            block = f.read(pos - lo)
            i = block.rfind(b"\n")
            if i >= 0:
                return lo + i + 1
            pos = lo
    return start


def line_starts(path: str, start: int, parts: int, end: Optional[int] = None) -> List[int]:
    """Split [start, end) into about `parts` byte ranges whose boundaries are record starts: the first line
    break at or after each even split point that lies outside quotes (so a quoted field spanning lines is never
    cut). One sequential pass that only counts bytes, at C speed."""
    size = os.path.getsize(path) if end is None else end
    targets = [start + (size - start) * k // parts for k in range(1, parts)]
    bounds = [start]
    quotes = 0
    pos = start
    with open(path, "rb") as f:
        f.seek(start)
        while targets and pos < size:
            block = f.read(min(CHUNK_BYTES, size - pos))
            if not block:
                break
            i = 0
            while targets:
                t = max(targets[0] - pos, i)
                if t >= len(block):
                    break
                nl = block.find(b"\n", t)
                if nl < 0:
                    break
                if (quotes + block.count(b'"', 0, nl)) % 2 == 0:
                    if pos + nl + 1 < size and pos + nl + 1 > bounds[-1]:
                        bounds.append(pos + nl + 1)
                    targets.pop(0)
                i = nl + 1
            quotes += block.count(b'"')
            pos += len(block)
    bounds.append(size)
    return bounds
