"""Reading the input once: resolve what --data names, plan its parts, fold them with an engine, merge in plan order.

    result, how, inc = analyze_file("src/data/daily/", workers=0, state_dir=None, engine="local")

An engine is anything with `read(parts, full) -> (PassResult, [end offset of each part])`: it folds every part
(engine/fold.fold) wherever it likes and merges the results in plan order. Two are built in:

- `local` (the default): the parts in this process, or with N workers in N processes (multiprocessing: fork on
  Linux when the process has no other thread, spawn otherwise; the work is passed to each worker, never through
  module state);
- `dask` (analyzers/dask_engine.py, only when asked for): the same parts on a Dask cluster.

Money is exact and merges are order-free sums, so every engine and every number of workers gives the same result
as one pass over one file. With a state folder (engine/state.py) only what was added since the last run is read.
"""
import multiprocessing
import os
import sys
import threading
from typing import Any, Dict, List, Optional, Tuple

from analyzers.engine.fold import PassResult, empty_result, fold
from analyzers.engine.inputs import Part, plan, resolve
from analyzers.engine.reader import header_of
from analyzers.engine.state import IncrementalPass, incremental
from utils.errors import ConfigError
from utils.memory import gc_paused, out_of_memory

ENGINES = ("local", "dask")
AUTO_WORKER_BYTES = 64 << 20  # inputs below this are read by one process: starting workers would cost more


def auto_workers(size: int) -> int:
    """1 for small inputs; up to the CPU count (at most 8) for large ones."""
    cpus = os.cpu_count() or 1
    if size < AUTO_WORKER_BYTES or cpus < 2:
        return 1
    return max(1, min(cpus, 8, size // (AUTO_WORKER_BYTES // 2)))


def context():
    """How worker processes start. Everything a worker needs is picklable and importable (spawn-safe); on Linux,
    a process with no other thread forks instead, which spares each worker re-importing the code."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def merge_in_order(results) -> Tuple[PassResult, List[int]]:
    """Merge an iterable of part results in plan order: (merged result, each part's end offset as read)."""
    merged, ends = None, []  # type: Optional[PassResult], List[int]
    for r in results:
        ends.append(r.stats.end_offset)
        if merged is None:
            merged = r
        else:
            merged.merge(r)
    return (merged if merged is not None else empty_result()), ends


class _Progress(object):
    """Bytes and rows over every part read in this process, for the progress line."""

    def __init__(self, progress) -> None:
        self.progress, self.bytes_read, self.rows, self._base = progress, 0, 0, (0, 0)

    def part(self) -> None:
        self._base = (self.bytes_read, self.rows)

    def __call__(self, stats) -> None:
        self.bytes_read, self.rows = self._base[0] + stats.bytes_read, self._base[1] + stats.rows
        self.progress(self)


class LocalEngine(object):
    """The parts in this process (1 worker) or in a pool of `workers` processes."""

    def __init__(self, workers: int = 1, progress=None) -> None:
        self.workers, self.progress = workers, progress

    def read(self, parts: List[Part], full: bool) -> Tuple[PassResult, List[int]]:
        n = min(self.workers if full else 1, len(parts))
        if n <= 1:
            tick = _Progress(self.progress) if self.progress is not None else None

            def one(part: Part) -> PassResult:
                if tick is not None:
                    tick.part()
                return fold(part, on_chunk=tick)
            return merge_in_order(one(p) for p in parts)
        with context().Pool(n) as pool:
            return merge_in_order(pool.imap(fold, parts, chunksize=1))


def make_engine(name: str, workers: int, progress=None, scheduler: Optional[str] = None):
    """The engine called `name` (ENGINES)."""
    if name == "local":
        if scheduler:
            raise ConfigError("--scheduler is for --engine dask: add --engine dask, or drop --scheduler")
        return LocalEngine(workers, progress)
    if name == "dask":
        from analyzers.dask_engine import DaskEngine  # only when asked for: Dask is optional
        return DaskEngine(workers, scheduler)
    raise ConfigError("--engine %s: choose one of %s" % (name, ", ".join(ENGINES)))


def analyze_file(spec: str, workers: int = 0, state_dir: Optional[str] = None, progress=None,
                 engine: str = "local", scheduler: Optional[str] = None,
                 storage_options: Optional[Dict[str, Any]] = None) -> Tuple[PassResult, str, Optional[IncrementalPass]]:
    """Read what `spec` names once: (result, how it was read: 'full' / 'incremental' / 'empty', the incremental
    pass whose state to save once the reports are computed, or None). Files are read up to the size they have
    now: a file still growing is read next time."""
    sources = resolve(spec, storage_options)
    headers = [header_of(s) for s in sources]
    total = sum(s.size for s in sources)
    n = workers or auto_workers(total)
    if all(h is None for h in headers):  # empty files: reports that say there is no data yet
        return empty_result(), "empty", None
    runner = make_engine(engine, n, progress, scheduler)
    try:
        with gc_paused():  # the cube is acyclic: collections would only walk it, more slowly as it grows
            result, how, run = _read(runner, spec, sources, headers, state_dir, n)
    except MemoryError:
        raise out_of_memory("read %s: it holds more groups (customer x model x tag cells, customer-hours) than "
                            "fit" % spec)
    finally:
        close = getattr(runner, "close", None)
        if close is not None:
            close()
    result.stats.read_to = total  # what the manifest reports as read (the viewer's progress)
    return result, how, run


def _read(runner, spec: str, sources, headers, state_dir: Optional[str], n: int):
    if state_dir:
        key = spec if "://" in spec else os.path.abspath(spec)
        run = incremental(key, sources, headers, state_dir, runner.read, n)
        return run.result, run.how, run
    return runner.read(plan(sources, headers, n), True)[0], "full", None
