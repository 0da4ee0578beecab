"""One pass over the CSV feeds every analyzer; then JSON, HTML, the index and the manifest are written.

    result, how, inc = analyze_file(path, workers=0, state_dir=None)
    rendered = render_reports(result, ids, options, catalog, data_file, workers)
    write_outputs(out_dir, result, rendered, data_file)

With N workers the file is split into byte ranges at record starts, each range is folded (engine/fold.py) in a
separate process, and the partial results are merged in file order: money is exact, so the output is identical
to one worker. With a state folder (engine/state.py) only the bytes appended since the last run are read.
"""
import multiprocessing
import os
import shutil
import sys
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

from analyzers.engine.base import CATEGORY_TITLES, now_iso
from analyzers.engine.cube import View
from analyzers.engine.fold import PassResult, empty_result, fold_range
from analyzers.engine.ranges import line_starts
from analyzers.engine.reader import Header, read_header
from analyzers.engine.state import IncrementalPass, incremental
from analyzers.pages import current, index_page, navigation
from analyzers.registry import IDS, analyzer_classes
from analyzers.summary import summary_doc
from pricing.catalog import Catalog
from utils.fsutil import write_text
from utils.json_io import dumps

AUTO_WORKER_BYTES = 64 << 20  # files below this are read by one process: starting workers would cost more
MIN_SPLIT_BYTES = 1 << 20  # a range smaller than this is never split, whatever --workers says
Rendered = Tuple[Dict[str, Any], str, str]  # (JSON document, its JSON text, its HTML page)


def _fold_job(job: Tuple[str, Header, int, int, None, bool]) -> PassResult:  # top level: picklable for spawn
    return fold_range(*job)


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


def read_range(path: str, header: Header, start: int, end: int, workers: int, progress=None,
               final: bool = True) -> PassResult:
    """Bytes [start, end) with `workers` processes (1 = in this process), merged in file order (`final`: see
    engine/fold.fold_range; only the last range can end in an unterminated record)."""
    if workers <= 1 or end - start < MIN_SPLIT_BYTES:
        return fold_range(path, header, start, end, progress, final)
    bounds = line_starts(path, start, workers, end)
    jobs = [(path, header, a, b, None, final or b < end) for a, b in zip(bounds, bounds[1:])]
    if len(jobs) == 1:
        return fold_range(path, header, start, end, progress, final)
    with _context().Pool(len(jobs)) as pool:
        parts = pool.map(_fold_job, jobs, chunksize=1)
    result = parts[0]
    for p in parts[1:]:
        result.merge(p)
    return result


def analyze_file(path: str, workers: int = 0, state_dir: Optional[str] = None,
                 progress=None) -> Tuple[PassResult, str, Optional[IncrementalPass]]:
    """Read `path` once: (result, how it was read: 'full' / 'incremental' / 'empty', the incremental pass whose
    state to save once the reports are computed, or None)."""
    header = read_header(path)
    if header is None:  # an empty file: reports that say there is no data yet
        return empty_result(), "empty", None
    size = os.path.getsize(path)  # read up to the size seen now: a file still growing is read next time
    n = workers or auto_workers(size)
    if state_dir:
        run = incremental(path, header, state_dir, size, lambda start, end, full, final: read_range(
            path, header, start, end, n if full else 1, progress, final))
        return run.result, run.how, run
    return read_range(path, header, header.data_offset, size, n, progress), "full", None


class ReportWork(object):
    """Everything the eight reports are computed from: handed to each report, in this process or a worker."""

    def __init__(self, result: PassResult, ids: Sequence[str], options: Dict[str, Any], catalog: Catalog,
                 data_file: str, generated_at: str, nav_ids: Optional[Sequence[str]] = None) -> None:
        self.analyzers = [cls(None, options) for cls in analyzer_classes(ids)]
        self.view = View(result.cube, result.stats, options, catalog)
        self.data_file = data_file
        self.generated_at = generated_at
        self.nav = navigation([{"analyzer": c.id, "title": c.title, "category": c.category}
                               for c in analyzer_classes(nav_ids or ids)])

    def report(self, i: int) -> Rendered:
        """Analyzer i's JSON document, its JSON text and its HTML page."""
        analyzer = self.analyzers[i]
        doc = analyzer.document(self.view, self.generated_at, self.data_file)
        return doc, dumps(doc), analyzer.page(doc, current(self.nav, analyzer.id + ".html"))


_WORKER_WORK = None  # type: Optional[ReportWork]  # set only inside a forked report worker, by its initializer


def _init_report_worker(work: ReportWork) -> None:
    global _WORKER_WORK
    _WORKER_WORK = work


def _report_in_worker(i: int) -> Rendered:
    assert _WORKER_WORK is not None
    return _WORKER_WORK.report(i)


def render_reports(result: PassResult, ids: Sequence[str], options: Dict[str, Any], catalog: Catalog,
                   data_file: str, workers: int = 1, generated_at: Optional[str] = None,
                   nav_ids: Optional[Sequence[str]] = None) -> List[Rendered]:
    """[(doc, json text, html page)] per analyzer (pages link to the reports `nav_ids`, default `ids`). With several
    workers on Linux, the reports are computed and rendered in forked processes that receive the work through the
    pool's initializer (inherited memory, nothing pickled but the pages coming back); the output is the same as in
    one process."""
    work = ReportWork(result, ids, options, catalog, data_file, generated_at or now_iso(), nav_ids)
    n = len(work.analyzers)
    ctx = _context()
    if workers > 1 and n > 1 and ctx.get_start_method() == "fork":
        with ctx.Pool(min(workers, n), initializer=_init_report_worker, initargs=(work,)) as pool:
            return pool.map(_report_in_worker, range(n), chunksize=1)
    return [work.report(i) for i in range(n)]


def existing_reports(out_dir: str) -> List[str]:
    """The analyzer ids whose page is already in OUT/html (what a single-analyzer run keeps in the navigation)."""
    return [i for i in IDS if os.path.exists(os.path.join(out_dir, "html", i + ".html"))]


def write_outputs(out_dir: str, result: PassResult, rendered: List[Rendered], data_file: str,
                  target_size_bytes: Optional[int] = None, with_index: bool = True) -> str:
    """Write the reports as one set: json/<id>.json and html/<id>.html of each rendered report, then (for a run of
    every analyzer) json/summary.json and index.html, then the manifest, all into a new folder (OUT/.writing)
    that then replaces OUT/json and OUT/html, each in one rename. A run killed on the way leaves the previous set
    whole; a reader never sees pages of two runs. A run of some analyzers carries the other reports already in
    OUT over, so the viewer's navigation stays whole."""
    staging = os.path.join(out_dir, ".writing")
    shutil.rmtree(staging, ignore_errors=True)  # what a killed run left
    for sub in ("json", "html"):
        old = os.path.join(out_dir, sub)
        if os.path.isdir(old):
            shutil.copytree(old, os.path.join(staging, sub), symlinks=True)
    _write_set(staging, out_dir, result, rendered, data_file, target_size_bytes, with_index)
    for sub in ("json", "html"):
        live = os.path.join(out_dir, sub)
        if os.path.isdir(live):
            os.replace(live, os.path.join(staging, sub + ".previous"))
        os.replace(os.path.join(staging, sub), live)
    shutil.rmtree(staging, ignore_errors=True)
    return os.path.join(out_dir, "html", "index.html")


def _write_set(staging: str, out_dir: str, result: PassResult, rendered: List[Rendered], data_file: str,
               target_size_bytes: Optional[int], with_index: bool) -> None:
    html_dir, json_dir = os.path.join(staging, "html"), os.path.join(staging, "json")
    docs = [doc for doc, _, _ in rendered]
    for doc, json_text, page in rendered:
        write_text(os.path.join(json_dir, doc["analyzer"] + ".json"), json_text)
        write_text(os.path.join(html_dir, doc["analyzer"] + ".html"), page)
    if with_index:
        sdoc = summary_doc(docs)
        write_text(os.path.join(json_dir, "summary.json"), dumps(sdoc))
        write_text(os.path.join(html_dir, "index.html"), index_page(sdoc, docs, navigation(docs)))
    listed = {d["analyzer"]: (d["title"], d["category"]) for d in docs}
    for cls in analyzer_classes([i for i in existing_reports(out_dir) if i not in listed]):
        listed[cls.id] = (cls.title, cls.category)
    stats = result.stats
    manifest = {
        "generated_at": docs[0]["generated_at"] if docs else now_iso(), "data_file": data_file,
        "data_size_bytes": stats.read_to, "rows": stats.rows, "skipped_rows": stats.skipped_rows,
        "skipped_reasons": dict(sorted(stats.skipped.items())), "target_size_bytes": target_size_bytes,
        "start": docs[0]["data"]["start"] if docs else None, "end": docs[0]["data"]["end"] if docs else None,
        "days": docs[0]["data"]["days"] if docs else 0,
        "reports": ([{"id": "index", "title": "Executive summary", "category": "summary", "href": "index.html"}]
                    if os.path.exists(os.path.join(html_dir, "index.html")) else []) +
                   [{"id": i, "title": listed[i][0], "category": listed[i][1],
                     "category_title": CATEGORY_TITLES.get(listed[i][1], listed[i][1]), "href": i + ".html"}
                    for i in IDS if i in listed],
    }
    write_text(os.path.join(html_dir, "manifest.json"), dumps(manifest))
