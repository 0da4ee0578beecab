"""One pass over one part of the input: the fold every engine shares (one process, local workers, an incremental
refresh, a Dask cluster, or any other scheduler), and the mergeable result it produces.

    parts = inputs.plan(sources, headers, workers)     # files -> byte ranges, in plan order
    result = fold(parts[0])                            # any part, anywhere its file can be opened
    result.merge(fold(parts[1]))                       # results merged in plan order

A PassResult holds only sums, maxima and minima (the cube) and counts (the read statistics), so merging the
results of the parts gives exactly the result of one pass over everything, examples of skipped rows included.
"""
from typing import Optional, Sequence

from analyzers.engine.cube import Cube
from analyzers.engine.inputs import Part, open_source
from analyzers.engine.reader import Header, ReadStats, local_part, scan_part


class PassResult(object):
    """What a pass over a part produced: the cube and the read statistics."""

    def __init__(self, cube: Cube, stats: ReadStats) -> None:
        self.cube = cube
        self.stats = stats

    def merge(self, other: "PassResult") -> None:
        """Fold the result of the next part into this one."""
        self.cube.merge(other.cube)
        self.stats.merge(other.stats)


def empty_result(columns: Sequence[str] = ()) -> PassResult:
    """The result of reading no rows (columns: those the file's header has)."""
    stats = ReadStats()
    stats.columns = tuple(columns)
    return PassResult(Cube(), stats)


def fold(part: Part, opener=open_source, on_chunk=None) -> PassResult:
    """Fold the rows of one part into a fresh PassResult. `opener(source)` gives the source's bytes (the default
    opens a local file, a gzip file or an fsspec URL); `on_chunk(stats)` is called after each chunk."""
    result = empty_result(part.header.present)
    scan_part(part, result.stats, result.cube, opener, on_chunk)
    return result


def fold_range(path: str, header: Header, start: Optional[int], end: Optional[int], on_chunk=None,
               final: bool = True) -> PassResult:
    """fold over bytes [start, end) of the local file `path` (None: from the data / to the end). `final` False
    leaves an unterminated last record out (stats.end_offset says where whole records end)."""
    return fold(local_part(path, header, start, end, final), on_chunk=on_chunk)
