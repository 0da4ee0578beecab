"""One pass over the CSV feeds every analyzer; then JSON, HTML, the index and the manifest are written.

    run_all_analyzers.py [--data CSV] [--out DIR] [--workers N] [--incremental] [analyzer options]

With N workers the file is split into byte ranges at line starts, each range is folded into its own cube and
analyzer states in a separate process, and the partial results are merged: money is exact, so the output is
identical to one worker. `--incremental` (see engine/state.py) reads only the bytes appended since last time.
"""
import multiprocessing
import os
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Sequence

from analyzers.engine import state as state_mod
from analyzers.engine.base import now_iso
from analyzers.engine.cube import Cube, View
from analyzers.engine.ranges import line_starts
from analyzers.engine.reader import Header, ReadStats, read_header, scan
from analyzers.registry import CATEGORY_TITLES, IDS, analyzer_classes
from utils.fsutil import write_text
from utils.paths import DEFAULT_DATA, DEFAULT_REPORTS

AUTO_WORKER_BYTES = 64 << 20  # files below this are read by one process: starting workers would cost more
MIN_SPLIT_BYTES = 1 << 20  # a range smaller than this is never split, whatever --workers says


class PassResult(object):
    """What a pass over a byte range produced: the cube, each analyzer's own state, the read statistics."""

    def __init__(self, cube: Cube, analyzers: List, stats: ReadStats) -> None:
        self.cube = cube
        self.analyzers = analyzers
        self.stats = stats

    def merge(self, other: "PassResult") -> None:
        self.cube.merge(other.cube)
        for mine, theirs in zip(self.analyzers, other.analyzers):
            mine.merge(theirs)
        self.stats.merge(other.stats)


def new_result(ids: Sequence[str], options: Dict[str, Any], columns=()) -> PassResult:
    stats = ReadStats()
    stats.columns = tuple(columns)
    return PassResult(Cube(), [cls(None, options) for cls in analyzer_classes(ids)], stats)


def run_range(path: str, header: Header, ids: Sequence[str], options: Dict[str, Any], start: Optional[int],
              end: Optional[int], on_chunk=None) -> PassResult:
    """Fold the rows of bytes [start, end) of `path` into a fresh PassResult."""
    result = new_result(ids, options, header.present)
    adders = [a.add for a in result.analyzers if a.has_add()]
    scan(path, result.stats, header, result.cube, adders, start, end, on_chunk)
    return result


def _run_range_job(job):  # a top-level function: picklable for multiprocessing's spawn start method
    return run_range(*job)


def _context():
    """How worker processes start. Everything a worker needs is picklable and importable (spawn-safe); on Linux,
    a process with no other thread forks instead, which spares each worker re-importing the code."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def auto_workers(size: int) -> int:
    """1 for small files; up to the CPU count (at most 8) for large ones."""
    cpus = os.cpu_count() or 1
    if size < AUTO_WORKER_BYTES or cpus < 2:
        return 1
    return max(1, min(cpus, 8, size // (AUTO_WORKER_BYTES // 2)))


def analyze_range(path: str, header: Header, ids: Sequence[str], options: Dict[str, Any], start: int, end: int,
                  workers: int, progress=None) -> PassResult:
    """Bytes [start, end) with `workers` processes (1 = in this process), merged in file order."""
    if workers <= 1 or end - start < MIN_SPLIT_BYTES:
        return run_range(path, header, ids, options, start, end, progress)
    bounds = line_starts(path, start, workers, end)
    jobs = [(path, header, list(ids), options, a, b, None) for a, b in zip(bounds, bounds[1:])]
    if len(jobs) == 1:
        return run_range(path, header, ids, options, start, end, progress)
    with _context().Pool(len(jobs)) as pool:
        parts = pool.map(_run_range_job, jobs, chunksize=1)
    result = parts[0]
    for p in parts[1:]:
        result.merge(p)
    return result


def analyze_file(path: str, ids: Sequence[str] = IDS, options: Optional[Dict[str, Any]] = None, workers: int = 0,
                 state_dir: Optional[str] = None, progress=None):
    """Read `path` once for the analyzers `ids`; returns (PassResult, how it was read: 'full'/'incremental')."""
    options = options or {}
    header = read_header(path)
    if header is None:  # an empty file: reports that say there is no data yet
        return new_result(ids, options), "empty"
    size = os.path.getsize(path)  # read up to the size seen now: a file still growing is read next time
    n = workers or auto_workers(size)
    if state_dir:
        return state_mod.incremental(path, header, ids, options, n, state_dir, size, progress)
    result = analyze_range(path, header, ids, options, header.data_offset, size, n, progress)
    return result, "full"


def documents(result: PassResult, options: Dict[str, Any], data_file: str,
              generated_at: Optional[str] = None) -> List[Dict[str, Any]]:
    """Every analyzer's JSON document over the pass result."""
    view = View(result.cube, result.stats, options)
    stamp = generated_at or now_iso()
    return [a.document(view, stamp, data_file) for a in result.analyzers]


_SHARED = None  # (result, options, data file, stamp, nav) while the report pool runs: forked workers inherit it


def _report(i: int):
    """Analyzer i's JSON document, its JSON text and its HTML page (in a worker, or in this process)."""
    from analyzers.engine import pages
    from analyzers.engine.json_io import dumps
    result, options, data_file, stamp, nav = _SHARED
    analyzer = result.analyzers[i]
    doc = analyzer.document(View(result.cube, result.stats, options), stamp, data_file)
    return doc, dumps(doc), pages.analyzer_page(analyzer, doc, nav)


def render_reports(result: PassResult, options: Dict[str, Any], data_file: str, workers: int = 1,
                   generated_at: Optional[str] = None) -> List[tuple]:
    """[(doc, json text, html page)] per analyzer. With several workers on Linux, the reports are computed and
    rendered in forked processes that inherit the merged result (nothing to pickle but the pages coming back);
    the output is the same as in one process."""
    global _SHARED
    from analyzers.engine import pages
    nav = pages.navigation([{"analyzer": a.id, "title": a.title, "category": a.category} for a in result.analyzers])
    _SHARED = (result, options, data_file, generated_at or now_iso(), nav)
    n = len(result.analyzers)
    try:
        ctx = _context()
        if workers > 1 and n > 1 and ctx.get_start_method() == "fork":
            with ctx.Pool(min(workers, n)) as pool:
                return pool.map(_report, range(n), chunksize=1)
        return [_report(i) for i in range(n)]
    finally:
        _SHARED = None


def write_outputs(out_dir: str, result: PassResult, rendered: List[tuple], data_file: str,
                  target_size_bytes: Optional[int] = None, with_index: bool = True) -> str:
    """Write json/<id>.json and html/<id>.html of each rendered report, then index.html, then the manifest (last,
    so a viewer that sees a new manifest finds every report in place). Each file is replaced atomically."""
    from analyzers.engine import pages
    from analyzers.engine.json_io import dumps
    html_dir, json_dir = os.path.join(out_dir, "html"), os.path.join(out_dir, "json")
    docs = [doc for doc, _, _ in rendered]
    for doc, json_text, page in rendered:
        write_text(os.path.join(json_dir, doc["analyzer"] + ".json"), json_text)
        write_text(os.path.join(html_dir, doc["analyzer"] + ".html"), page)
    if with_index:
        write_text(os.path.join(html_dir, "index.html"), pages.index_page(docs, pages.navigation(docs)))
    manifest = {
        "generated_at": docs[0]["generated_at"] if docs else now_iso(), "data_file": data_file,
        "data_size_bytes": result.stats.read_to, "rows": result.stats.rows, "skipped_rows": result.stats.skipped_rows,
        "skipped_reasons": dict(sorted(result.stats.skipped.items())), "target_size_bytes": target_size_bytes,
        "start": docs[0]["data"]["start"] if docs else None, "end": docs[0]["data"]["end"] if docs else None,
        "days": docs[0]["data"]["days"] if docs else 0,
        "reports": [{"id": "index", "title": "Executive summary", "category": "summary", "href": "index.html"}] +
                   [{"id": d["analyzer"], "title": d["title"], "category": d["category"],
                     "category_title": CATEGORY_TITLES.get(d["category"], d["category"]), "href": d["analyzer"] + ".html"}
                    for d in docs],
    }
    write_text(os.path.join(html_dir, "manifest.json"), dumps(manifest))
    return os.path.join(html_dir, "index.html")


class Progress(object):
    """Bytes read of the file, rows/s and ETA on stderr, redrawn in place; silent when stderr is not a terminal."""

    def __init__(self, total_bytes: int, enabled: Optional[bool] = None) -> None:
        self.total = max(1, total_bytes)
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.t0 = time.time()
        self.drawn = False

    def __call__(self, stats: ReadStats) -> None:
        if not self.enabled:
            return
        secs = max(1e-6, time.time() - self.t0)
        frac = min(1.0, stats.bytes_read / float(self.total))
        eta = secs * (1 - frac) / frac if frac > 0 else 0
        bar = "#" * int(frac * 30)
        sys.stderr.write("\r[%-30s] %5.1f%%  %.1f/%.1f MB  %s rows  %s rows/s  ETA %ds " % (
            bar, 100 * frac, stats.bytes_read / 1e6, self.total / 1e6, format(stats.rows, ","),
            format(int(stats.rows / secs), ","), eta))
        sys.stderr.flush()
        self.drawn = True

    def done(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")


def build_parser(ids: Sequence[str], prog: str):
    from utils.cli import ArgumentParser
    what = "all eight analyzers" if len(ids) > 1 else "the %s analyzer" % ids[0]
    p = ArgumentParser(prog=prog, description="Read the AI-call CSV once and write the reports of %s." % what)
    p.add_argument("--data", default=DEFAULT_DATA, help="the CSV of AI calls (default src/data/simulated_calls.csv)")
    p.add_argument("--out", default=DEFAULT_REPORTS, help="output folder: json/, html/ (default src/reports)")
    p.add_argument("--workers", type=int, default=0, help="processes reading byte ranges of the file (0 = automatic)")
    p.add_argument("--incremental", action="store_true",
                   help="keep state in OUT/state/ and read only the rows appended since the last run")
    p.add_argument("--target-mb", type=float, default=None, help="size the data file is growing to (for the viewer)")
    p.add_argument("--quiet", action="store_true", help="no summary line")
    seen = set()
    for cls in analyzer_classes(ids):
        for flag, spec in cls.OPTIONS:
            if flag not in seen:
                seen.add(flag)
                p.add_argument(flag, **spec)
    return p


def main(argv: Optional[List[str]], ids: Sequence[str] = IDS, prog: str = "run_all_analyzers.py") -> int:
    """The command line of run_all_analyzers.py and of each analyzer script."""
    from utils.errors import ConfigError
    args = build_parser(ids, prog).parse_args(argv)
    if args.workers < 0:
        raise ConfigError("--workers must be 0 (automatic) or more")
    options = {k: v for k, v in vars(args).items()
               if k not in ("data", "out", "workers", "incremental", "target_mb", "quiet")}
    t0 = time.time()
    data = os.path.abspath(args.data)
    progress = Progress(os.path.getsize(data) if os.path.isfile(data) else 0)
    state_dir = os.path.join(args.out, "state") if args.incremental else None
    try:
        result, how = analyze_file(data, ids, options, args.workers, state_dir, progress)
    finally:
        progress.done()
    size = os.path.getsize(data) if os.path.isfile(data) else 0
    rendered = render_reports(result, options, args.data, args.workers or auto_workers(size))
    docs = [doc for doc, _, _ in rendered]
    state_mod.commit(state_dir)
    target = int(args.target_mb * 1e6) if args.target_mb else None
    index = write_outputs(args.out, result, rendered, args.data, target, with_index=len(ids) > 1)
    if not args.quiet:
        where = index if len(ids) > 1 else os.path.join(args.out, "html", ids[0] + ".html")
        s = result.stats
        print("Analyzed %s rows (%s skipped%s) of %s in %.1fs [%s]; wrote %d report(s) to %s" % (
            format(s.rows, ","), format(s.skipped_rows, ","),
            ": " + ", ".join("%d %s" % (n, r) for r, n in sorted(s.skipped.items())) if s.skipped else "",
            args.data, time.time() - t0, how, len(docs), where))
        if s.rows == 0:
            print("The data file has no usable rows yet: the reports say so. Generate data with "
                  "`python3 src/simulator/core.py`.")
    return 0
