"""The analyzer base class: the seed's interface on top of the shared one-pass engine.

An analyzer is business logic only:
- `compute(view) -> {"metrics": {...}, "recommendations": [...], "notes": [...]}` from the shared cube
  (see cube.View) plus whatever the analyzer accumulated itself;
- optionally `add(call)` / `merge(other)` for state the cube does not keep (state must be picklable plain data);
- `render(doc) -> Markup`: the body of its HTML page, built from utils.html_generator components.

The seed's interface works on its own: `Analyzer(csv_file).load_data()`, `.analyze() -> dict`,
`.generate_html_report(path) -> str`. The orchestrator (run_all_analyzers.py) instead streams the file once and
feeds every analyzer.
"""
import datetime as dt
import os
import time
from typing import Any, Dict, List, Optional, Tuple

from analyzers.engine.cube import Cube, View
from analyzers.engine.reader import ReadStats, read_header, scan
from utils.paths import DEFAULT_DATA
from utils.timeutil import iso

Option = Tuple[str, Dict[str, Any]]  # ("--budget", {"type": float, "default": None, "help": ...})


class Analyzer(object):
    """Base class; subclasses set id, title, category, summary and implement compute() and render()."""

    id = ""
    title = ""
    category = "finops"  # "finops" or "ubr"
    summary = ""  # one line: the question this report answers
    OPTIONS = []  # type: List[Option]

    def __init__(self, csv_file: Optional[str] = None, options: Optional[Dict[str, Any]] = None) -> None:
        self.csv_file = csv_file or DEFAULT_DATA
        self.options = self.default_options()
        self.options.update(options or {})
        self._cube = None  # type: Optional[Cube]
        self._stats = None  # type: Optional[ReadStats]

    @classmethod
    def default_options(cls) -> Dict[str, Any]:
        return {flag.lstrip("-").replace("-", "_"): spec.get("default") for flag, spec in cls.OPTIONS}

    # ---- per-row hooks (override only when the cube does not hold what you need) ------------------------------
    def add(self, call) -> None:
        """Fold one call into this analyzer's own state (the shared cube is updated by the engine)."""

    def merge(self, other: "Analyzer") -> None:
        """Fold another instance's own state (from another byte range) into this one."""

    @classmethod
    def has_add(cls) -> bool:
        return cls.add is not Analyzer.add

    # ---- business logic ------------------------------------------------------------------------------------
    def compute(self, view: View) -> Dict[str, Any]:
        raise NotImplementedError

    def render(self, doc: Dict[str, Any]):
        raise NotImplementedError

    def document(self, view: View, generated_at: Optional[str] = None, data_file: Optional[str] = None) -> Dict[str, Any]:
        """The JSON contract of DESIGN.md for this analyzer over `view`."""
        result = {"metrics": {}, "recommendations": [], "notes": []}  # type: Dict[str, Any]
        if not view.empty:
            result.update(self.compute(view))
        else:
            result["notes"] = ["There is no data yet: the file has no usable rows."]
        recs = sorted(result.get("recommendations") or [], key=_impact_order)
        cube, stats = view.cube, view.stats
        return {
            "analyzer": self.id, "title": self.title, "category": self.category, "summary": self.summary,
            "generated_at": generated_at or now_iso(),
            "data": {
                "file": data_file or self.csv_file, "rows": stats.rows, "skipped_rows": stats.skipped_rows,
                "skipped_reasons": dict(sorted(stats.skipped.items())),
                "skipped_examples": [{"line": n, "reason": r} for n, r in stats.examples],
                "start": iso(cube.first_ts) if cube.first_ts is not None else None,
                "end": iso(cube.last_ts) if cube.last_ts is not None else None,
                "days": view.days, "columns": list(stats.columns),
            },
            "options": {k: v for k, v in sorted(self.options.items()) if _jsonable(v)},
            "metrics": result.get("metrics") or {},
            "recommendations": recs,
            "notes": result.get("notes") or [],
        }

    # ---- the seed's interface ------------------------------------------------------------------------------
    def load_data(self) -> "Analyzer":
        """Stream the CSV once through the shared reader into the cube and this analyzer's own state."""
        header = read_header(self.csv_file)
        stats = ReadStats()
        cube = Cube()
        if header is not None:
            stats.columns = header.present
            scan(self.csv_file, stats, header, cube, [self.add] if self.has_add() else [])
        self._cube, self._stats = cube, stats
        return self

    def analyze(self) -> Dict[str, Any]:
        """The analyzer's JSON document (loads the data first if needed)."""
        if self._cube is None:
            self.load_data()
        return self.document(View(self._cube, self._stats, self.options))

    def generate_html_report(self, output_file: str) -> str:
        """Write this analyzer's HTML page to `output_file` (atomically) and return its path."""
        from analyzers.engine.pages import analyzer_page
        from utils.fsutil import write_text
        write_text(output_file, analyzer_page(self, self.analyze()))
        return output_file


def _impact_order(rec: Dict[str, Any]) -> Tuple[int, float, str]:
    v = rec.get("impact_usd_per_month")
    return (1, 0.0, rec.get("title", "")) if v is None else (0, -float(v), rec.get("title", ""))


def _jsonable(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool, list, dict))


def now_iso() -> str:
    """Now (UTC) as ISO 8601, or SOURCE_DATE_EPOCH when set (reproducible reports)."""
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde and sde.strip().isdigit():
        return iso(int(sde))
    return iso(int(time.time()))


__all__ = ["Analyzer", "Option", "now_iso", "dt"]
