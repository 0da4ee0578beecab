"""What the viewer serves: the reports and the analyzers' manifest, held in memory and replaced in one step."""
import hashlib
import json
import os
import re
from typing import Any, Dict, Optional, Tuple  # noqa: F401 (type comments)

from analyzers.registry import IDS

REPORT_NAMES = tuple(IDS) + ("index",)
# a report's full table, written beside its page when the page holds only the top rows (utils/html_table.py)
TABLE_FILE = re.compile(r"^(%s)-[a-z0-9]+(?:-[a-z0-9]+)*\.csv$" % "|".join(IDS))


class Page(object):
    """One response body held in memory, with its content type and a validator for conditional GETs."""

    __slots__ = ("body", "ctype", "etag")

    def __init__(self, body: bytes, ctype: str) -> None:
        self.body = body
        self.ctype = ctype
        self.etag = '"%s"' % hashlib.sha1(body).hexdigest()[:20]


class ReportStore(object):
    """The reports and the analyzers' manifest, read whole from DIR/html into memory and replaced in one step."""

    def __init__(self, reports_dir: str) -> None:
        self.html_dir = os.path.realpath(os.path.join(reports_dir, "html"))
        self.pages = {}  # type: Dict[str, Page]
        self.manifest = None  # type: Optional[Dict[str, Any]]
        self.manifest_stamp = None  # type: Optional[Tuple[int, int]]

    def _read(self, name: str) -> Optional[bytes]:
        path = os.path.join(self.html_dir, name)
        # A symlink (or anything resolving outside the folder) is never followed: only our own files are served.
        if os.path.islink(path) or os.path.dirname(os.path.realpath(path)) != self.html_dir:
            return None
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def stamp(self) -> Optional[Tuple[int, int]]:
        try:
            st = os.stat(os.path.join(self.html_dir, "manifest.json"))
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def load(self) -> bool:
        """Read the manifest and every report; swap them in together. False when there is no manifest yet.
        A set replaced while it is being read (the analyzers swap OUT/html in one rename) is read again."""
        for _ in range(3):
            stamp = self.stamp()
            loaded = self._load(stamp)
            if not loaded or self.stamp() == stamp:
                return loaded
        return True

    def _load(self, stamp: Optional[Tuple[int, int]]) -> bool:
        raw = self._read("manifest.json")
        try:
            manifest = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            manifest = None
        if not isinstance(manifest, dict):
            return False
        pages = {}
        for name in REPORT_NAMES:
            body = self._read(name + ".html")
            if body is not None:
                pages[name] = Page(body, "text/html; charset=utf-8")
        try:
            names = sorted(os.listdir(self.html_dir))
        except OSError:  # the set is being swapped: the load is retried (see load())
            names = []
        for name in names:
            body = self._read(name) if TABLE_FILE.match(name) else None
            if body is not None:  # keyed by file name: "profitability-customers.csv"
                pages[name] = Page(body, "text/csv; charset=utf-8")
        self.pages, self.manifest, self.manifest_stamp = pages, manifest, stamp  # the swap: readers see old or new
        return True
