"""The server's state: the data file it watches, the reports it serves, the refresher, the demo's status.

`Viewer.watch()` is called from the serve loop; a change of the data file's size or modification time asks the
refresher for a run of `Viewer.analyze()`, which runs the analyzers incrementally in a subprocess.
"""
import os
import time
from typing import Any, Dict, List, Optional, Tuple

from analyzers.engine.inputs import stamp
from analyzers.registry import ANALYZERS, CATEGORY_TITLES, analyzer_class
from viewer import SRC_DIR
from viewer.children import Children, last_line
from viewer.common import log, now_iso
from viewer.refresher import Refresher
from viewer.store import ReportStore

ANALYZE = os.path.join(SRC_DIR, "run_all_analyzers.py")
RETRY_SECONDS = 30  # after a failed refresh, try again this often even when the data file did not change


def report_list() -> List[Dict[str, str]]:
    """The reports as the manifest lists them, for the viewer's navigation before the first manifest exists."""
    items = [{"id": "index", "title": "Executive summary", "category": "summary", "href": "index.html"}]
    for aid, category, _, _ in ANALYZERS:
        try:
            title = analyzer_class(aid).title or aid
        except Exception:  # an analyzer that does not import yet: its refresh will say why
            title = aid.capitalize()
        items.append({"id": aid, "title": title, "category": category,
                      "category_title": CATEGORY_TITLES.get(category, category), "href": aid + ".html"})
    return items


class Viewer(object):
    """The state behind the HTTP handler: the data file, the report store, the refresher, the demo status."""

    def __init__(self, data: str, reports: str, interval: float, target_bytes: Optional[int]) -> None:
        self.data = data
        self.reports = reports
        self.interval = interval
        self.target_bytes = target_bytes
        self.store = ReportStore(reports)
        self.children = Children()
        self.refresher = Refresher(self.analyze)
        self.seen = None  # type: Optional[Tuple[int, int]]
        self.next_check = 0.0
        self.last_retry = 0.0
        self.demo = None  # type: Optional[Dict[str, Any]]
        self.started = now_iso()
        self.default_reports = report_list()

    def data_stamp(self) -> Optional[Tuple[int, Any]]:
        """(bytes on disk, what changes when any file of the data changes), None when there is no data yet: the
        data is a file, a folder of daily files or a glob (engine/inputs)."""
        return stamp(self.data)

    def analyze(self) -> Optional[str]:
        """One refresh: run the analyzers (incremental) in a subprocess, then load their output into memory."""
        if self.data_stamp() is None:
            return "the data file %s does not exist yet" % self.data
        args = [ANALYZE, "--data", self.data, "--out", self.reports, "--incremental", "--quiet"]
        if self.target_bytes:
            args += ["--target-mb", "%.6f" % (self.target_bytes / 1e6)]
        log("refresh: analyzing %s (%.1f MB)" % (self.data, (self.data_stamp() or (0,))[0] / 1e6))
        t0 = time.time()
        code, out, err = self.children.run(args)
        if self.children.closed:
            return None
        if code != 0:
            error = "the analyzers failed (exit %d): %s" % (code, last_line(err) or last_line(out) or "no message")
            log("refresh failed: %s; still serving the previous reports" % error)
            return error
        if not self.store.load():
            return "the analyzers wrote no manifest.json in %s" % self.store.html_dir
        m = self.store.manifest or {}
        log("refresh done in %.1fs: %s rows, %.1f MB" % (time.time() - t0, format(m.get("rows") or 0, ","),
                                                         (m.get("data_size_bytes") or 0) / 1e6))
        return None

    def watch(self) -> None:
        """Called from the serve loop: every interval, refresh when the data file changed; pick up reports that
        someone else rewrote (e.g. `run_all_analyzers.py` run by hand)."""
        now = time.time()
        if now < self.next_check:
            return
        self.next_check = now + self.interval
        stamp = self.data_stamp()
        if stamp is not None and stamp != self.seen:
            self.seen = stamp
            self.refresher.request()
        elif self.refresher.idle() and self.refresher.last_error and now - self.last_retry >= RETRY_SECONDS:
            self.last_retry = now  # a failed refresh never stops later ones: try again even if nothing changed
            self.refresher.request()
        elif self.refresher.idle() and self.store.stamp() != self.store.manifest_stamp:
            self.store.load()

    def manifest(self) -> Dict[str, Any]:
        """The analyzers' manifest merged with the server's live status."""
        m = dict(self.store.manifest or {"generated_at": None, "data_file": self.data, "data_size_bytes": 0,
                                          "rows": 0, "skipped_rows": 0, "reports": []})
        if not m.get("reports"):
            m["reports"] = self.default_reports
        stamp = self.data_stamp()
        m["data_size_bytes_now"] = stamp[0] if stamp else 0
        if self.target_bytes:
            m["target_size_bytes"] = self.target_bytes
        m["refresh"] = self.refresher.status()
        m["refresh"]["interval_s"] = self.interval
        m["available"] = sorted(self.store.pages)
        m["server_started"] = self.started
        if self.demo is not None:
            m["demo"] = dict(self.demo)
        return m
