"""One pass over part of a CSV: the fold every way of running the analyzers shares (one process, local workers,
incremental refresh), and the mergeable result it produces.

    result = fold_range(path, header, start, end)     # bytes [start, end) of the file, cut at record starts
    result.merge(other)                                # results of other ranges, in file order

A PassResult holds only sums, maxima and minima (the cube) and counts (the read statistics), so merging the
results of a file's ranges gives exactly the result of one pass over the whole file.
"""
from typing import Optional, Sequence

from analyzers.engine.cube import Cube
from analyzers.engine.reader import Header, ReadStats, scan


class PassResult(object):
    """What a pass over a byte range produced: the cube and the read statistics."""

    def __init__(self, cube: Cube, stats: ReadStats) -> None:
        self.cube = cube
        self.stats = stats

    def merge(self, other: "PassResult") -> None:
        """Fold the result of the next range of the file into this one."""
        self.cube.merge(other.cube)
        self.stats.merge(other.stats)


def empty_result(columns: Sequence[str] = ()) -> PassResult:
    """The result of reading no rows (columns: those the file's header has)."""
    stats = ReadStats()
    stats.columns = tuple(columns)
    return PassResult(Cube(), stats)


def fold_range(path: str, header: Header, start: Optional[int], end: Optional[int], on_chunk=None,
               final: bool = True) -> PassResult:
    """Fold the rows of bytes [start, end) of `path` into a fresh PassResult (None: from the data / to the end).
    `final` False leaves an unterminated last record out (stats.end_offset says where whole records end)."""
    result = empty_result(header.present)
    scan(path, result.stats, header, result.cube, start, end, on_chunk, final)
    return result
