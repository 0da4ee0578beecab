"""The reports of one pass (analyzers/passes.py reads the input): JSON, HTML, the index and the manifest.

    result, how, inc = passes.analyze_file(spec, workers=0, state_dir=None)
    rendered = render_reports(result, ids, options, catalog, data_file, workers)
    write_outputs(out_dir, result, rendered, data_file)
"""
import os
import shutil
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from analyzers.engine.base import CATEGORY_TITLES, now_iso
from analyzers.engine.cube import View
from analyzers.engine.fold import PassResult
from analyzers.passes import context as _context
from analyzers.pages import current, index_page, navigation
from analyzers.registry import IDS, analyzer_classes
from analyzers.summary import summary_doc
from pricing.catalog import Catalog
from utils.fsutil import write_text
from utils.html_generator import PageFiles, downloads
from utils.json_io import dumps
from utils.memory import gc_paused, out_of_memory

Rendered = Tuple[Dict[str, Any], str, str]  # (JSON document, its JSON text, its HTML page)


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
        try:
            with gc_paused():
                doc = analyzer.document(self.view, self.generated_at, self.data_file)
                with downloads(analyzer.id) as files:  # the full CSV of each table too long for its page
                    page = analyzer.page(doc, current(self.nav, analyzer.id + ".html"))
                return doc, dumps(doc), PageFiles(page, files)
        except MemoryError:  # one clear line, not a traceback (the partial report is dropped before the message)
            doc = page = files = None
            raise out_of_memory("make the %s report of data with %s groups (customer x model x tag cells)"
                                % (analyzer.id, format(len(self.view.cube.cells), ",")))


_WORKER_WORK = None  # type: Optional[ReportWork]  # set only inside a forked report worker, by its initializer


def _init_report_worker(work: ReportWork) -> None:
    global _WORKER_WORK
    _WORKER_WORK = work


def _report_in_worker(i: int) -> Rendered:
    assert _WORKER_WORK is not None
    return _WORKER_WORK.report(i)


def render_reports(result: PassResult, ids: Sequence[str], options: Dict[str, Any], catalog: Catalog,
                   data_file: str, workers: int = 1, generated_at: Optional[str] = None,
                   nav_ids: Optional[Sequence[str]] = None) -> Iterator[Rendered]:
    """(doc, json text, html page) of each analyzer in turn, made as they are taken (pages link to the reports
    `nav_ids`, default `ids`), so that a writer holds one report's text and page at a time. With several workers
    on Linux, the reports are computed and rendered in forked processes that receive the work through the pool's
    initializer (inherited memory, nothing pickled but the pages coming back); the output is the same as in one
    process."""
    work = ReportWork(result, ids, options, catalog, data_file, generated_at or now_iso(), nav_ids)
    n = len(work.analyzers)
    ctx = _context()
    if workers > 1 and n > 1 and ctx.get_start_method() == "fork":
        with ctx.Pool(min(workers, n), initializer=_init_report_worker, initargs=(work,)) as pool:
            for rendered in pool.imap(_report_in_worker, range(n), chunksize=1):
                yield rendered
        return
    for i in range(n):
        yield work.report(i)


def existing_reports(out_dir: str) -> List[str]:
    """The analyzer ids whose page is already in OUT/html (what a single-analyzer run keeps in the navigation)."""
    return [i for i in IDS if os.path.exists(os.path.join(out_dir, "html", i + ".html"))]


def write_outputs(out_dir: str, result: PassResult, rendered: Iterable[Rendered], data_file: str,
                  target_size_bytes: Optional[int] = None, with_index: bool = True) -> List[Dict[str, Any]]:
    """Write the reports as one set: json/<id>.json and html/<id>.html of each rendered report, then (for a run of
    every analyzer) json/summary.json and index.html, then the manifest, all into a new folder (OUT/.writing)
    that then replaces OUT/json and OUT/html, each in one rename. A run killed on the way leaves the previous set
    whole; a reader never sees pages of two runs. A run of some analyzers carries the other reports already in
    OUT over, so the viewer's navigation stays whole. Each report is written as it comes (`rendered` may be
    render_reports' iterator): only its document stays, for the index, without its tables of rows. Returns the
    documents as the index kept them."""
    staging = os.path.join(out_dir, ".writing")
    shutil.rmtree(staging, ignore_errors=True)  # what a killed run left
    for sub in ("json", "html"):
        old = os.path.join(out_dir, sub)
        if os.path.isdir(old):
            shutil.copytree(old, os.path.join(staging, sub), symlinks=True)
    docs = _write_set(staging, out_dir, result, rendered, data_file, target_size_bytes, with_index)
    for sub in ("json", "html"):
        live = os.path.join(out_dir, sub)
        if os.path.isdir(live):
            os.replace(live, os.path.join(staging, sub + ".previous"))
        os.replace(os.path.join(staging, sub), live)
    shutil.rmtree(staging, ignore_errors=True)
    return docs


def _for_summary(doc: Dict[str, Any]) -> Dict[str, Any]:
    """What the index and summary.json read of a written report: the document without its tables of rows
    (metrics that are lists: at 100,000 customers, 100,000 rows each; they are in json/<id>.json), so that the
    reports already written do not stay in memory while the next is made."""
    metrics = doc.get("metrics")
    if not isinstance(metrics, dict):
        return doc
    return dict(doc, metrics={k: v for k, v in metrics.items() if not isinstance(v, list)})


def _write_set(staging: str, out_dir: str, result: PassResult, rendered: Iterable[Rendered], data_file: str,
               target_size_bytes: Optional[int], with_index: bool) -> List[Dict[str, Any]]:
    html_dir, json_dir = os.path.join(staging, "html"), os.path.join(staging, "json")
    os.makedirs(html_dir, exist_ok=True)
    docs = []  # type: List[Dict[str, Any]]
    for doc, json_text, page in rendered:
        docs.append(_for_summary(doc))
        write_text(os.path.join(json_dir, doc["analyzer"] + ".json"), json_text)
        write_text(os.path.join(html_dir, doc["analyzer"] + ".html"), page)
        for name in os.listdir(html_dir):  # the previous set's tables of this page, if it had any
            if name.startswith(doc["analyzer"] + "-") and name.endswith(".csv"):
                os.unlink(os.path.join(html_dir, name))
        for name, text in sorted(getattr(page, "files", {}).items()):
            write_text(os.path.join(html_dir, name), text)
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
    return docs
