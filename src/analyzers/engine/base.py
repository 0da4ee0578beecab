"""The analyzer base class: the seed's interface on top of the shared one-pass engine.

An analyzer is business logic only:
- `compute(view) -> {"metrics": {...}, "recommendations": [...], "notes": [...]}` from the shared cube and the
  run's price catalog (see cube.View): pure, no I/O, no HTML;
- `render(doc) -> Markup`: the body of its HTML page, built from utils.html_generator components.

The seed's interface works on its own: `Analyzer(csv_file).load_data()`, `.analyze() -> dict`,
`.generate_html_report(path) -> str`. The runner (analyzers/runner.py) instead reads the file once into one cube
and hands the same View to every analyzer.
"""
import os
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from analyzers.engine.cube import CALLS, INPUT, OUTPUT, View
from analyzers.engine.fold import empty_result, fold
from analyzers.engine.inputs import plan, resolve
from pricing import unpriced as U
from pricing.catalog import load_catalog
from utils.definitions import KINDS
from analyzers.engine.reader import OUT_OF_RANGE, header_of
from analyzers.groups import groups as shared_groups
from utils import html_generator as H
from utils.paths import DEFAULT_DATA, GENERATE_COMMAND
from utils.schema import EARLIEST_TS, LATEST_TS
from utils.timeutil import iso, iso_day

Option = Tuple[str, Dict[str, Any]]  # ("--budget", {"type": float, "default": None, "help": ...})
CATEGORY_TITLES = {"finops": "FinOps", "ubr": "Usage-Based Revenue"}  # an analyzer's `category`, as shown


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
        self._result = None  # set by load_data()

    @classmethod
    def default_options(cls) -> Dict[str, Any]:
        return {flag.lstrip("-").replace("-", "_"): spec.get("default") for flag, spec in cls.OPTIONS}

    # ---- business logic ------------------------------------------------------------------------------------
    def compute(self, view: View) -> Dict[str, Any]:
        raise NotImplementedError

    def render(self, doc: Dict[str, Any]):
        raise NotImplementedError

    def document(self, view: View, generated_at: Optional[str] = None, data_file: Optional[str] = None) -> Dict[str, Any]:
        """This analyzer's JSON document over `view` (the contract in specs/analyzers.md)."""
        result = {"metrics": {}, "recommendations": [], "notes": []}  # type: Dict[str, Any]
        if not view.empty:
            result.update(self.compute(view))
        else:
            result["notes"] = ["There is no data yet: the file has no usable rows."]
        recs = sorted((_checked(self.id, r) for r in result.get("recommendations") or []), key=_impact_order)
        cube, stats = view.cube, view.stats
        if stats.skipped.get(OUT_OF_RANGE):
            result["notes"] = list(result.get("notes") or []) + [
                "%d row(s) have a timestamp outside the plausible window %s to %s (an epoch of 0, a year 1 or "
                "9999): they are skipped and counted, not allowed to stretch every series." % (
                    stats.skipped[OUT_OF_RANGE], iso(EARLIEST_TS)[:10], iso(LATEST_TS)[:10])]
        unpriced = _unpriced(view)
        if unpriced:  # every report names the models its prices cannot value, and how to price them
            result["notes"] = list(result.get("notes") or []) + [U.report_note(unpriced)]
        return {
            "analyzer": self.id, "title": self.title, "category": self.category, "summary": self.summary,
            "generated_at": generated_at or now_iso(),
            "data": {
                "file": data_file or self.csv_file, "rows": stats.rows, "skipped_rows": stats.skipped_rows,
                "skipped_reasons": dict(sorted(stats.skipped.items())),
                "skipped_examples": [{"file": f, "line": n, "reason": r} for f, n, r in stats.examples],
                "start": iso(cube.first_ts) if cube.first_ts is not None else None,
                "end": iso(cube.last_ts) if cube.last_ts is not None else None,
                "days": round(view.days, 6), "columns": list(stats.columns),
                "period_start": iso(view.start_ts) if view.days else None,
                "period_end": iso(view.end_ts) if view.days else None,
                "partial_days": [{"day": iso_day(d), "covered_hours": round(h, 2)} for d, h in view.partial_days],
                "granularity": view.granularity if not view.empty else None,
                "unpriced_models": unpriced,
            },
            "options": {k: v for k, v in sorted(self.options.items()) if _jsonable(v)},
            "metrics": result.get("metrics") or {},
            "recommendations": recs,
            "notes": result.get("notes") or [],
        }

    def page(self, doc: Dict[str, Any], nav: Optional[Sequence[Tuple[str, str, str, bool]]] = None) -> str:
        """The complete HTML page of this analyzer from its JSON document: header, data-quality notice, what the
        data could not support, the analyzer's own body, then "with vs without Revenium". A page can be
        re-rendered from json/<id>.json alone. nav: [(href, label, category, current)]."""
        data = doc.get("data") or {}
        parts = [H.data_quality_notice(data.get("skipped_rows", 0), data.get("skipped_reasons") or {},
                                       data.get("rows", 0))]
        if not data.get("rows"):
            parts.append(H.empty_state("There is no data yet: %s has no usable rows. Generate data with `%s`, or "
                                       "wait for the simulator to write some." % (data.get("file") or "the data file",
                                                                                   GENERATE_COMMAND)))
        else:
            parts += [H.data_note(note) for note in doc.get("notes") or []]
            parts.append(self.render(doc))
        parts.append(H.revenium_value())
        category = CATEGORY_TITLES.get(doc.get("category", ""), "")
        subtitle = "%s%s" % (category + " \u00b7 " if category else "", doc.get("summary") or "")
        return str(H.page(doc["title"], subtitle, H.join(parts), nav, H.doc_meta(doc)))

    # ---- the seed's interface ------------------------------------------------------------------------------
    def load_data(self) -> "Analyzer":
        """Stream the data (a CSV file, a folder or a glob of them: engine/inputs) once through the shared reader
        into a cube."""
        sources = resolve(self.csv_file)
        result = empty_result()
        for part in plan(sources, [header_of(s) for s in sources]):
            result.merge(fold(part))
        self._result = result
        return self

    def view(self) -> View:
        """What this analyzer computes from (loads the data first if needed)."""
        if self._result is None:
            self.load_data()
        catalog = load_catalog(self.options.get("prices"), bool(self.options.get("prices_alone")))
        return View(self._result.cube, self._result.stats, self.options, catalog)

    def analyze(self) -> Dict[str, Any]:
        """The analyzer's JSON document (loads the data first if needed)."""
        return self.document(self.view())

    def generate_html_report(self, output_file: str) -> str:
        """Write this analyzer's HTML page to `output_file` (atomically) and return its path."""
        from utils.fsutil import write_text
        write_text(output_file, self.page(self.analyze()))
        return output_file


def _unpriced(view: View) -> List[Dict[str, Any]]:
    """The data's models that the run's price catalog cannot resolve, with calls, tokens and their --prices line."""
    if view.empty:
        return []
    by_model = shared_groups(view).group("provider", "model")
    return U.unpriced(view.catalog, ((p, m, g[CALLS], g[INPUT], g[OUTPUT]) for (p, m), g in sorted(by_model.items())))


def _checked(analyzer_id: str, rec: Dict[str, Any]) -> Dict[str, Any]:
    """A recommendation as every page and the summary read it: its kind of money (set by the analyzer that made it,
    see utils/definitions.py), its monthly impact (a number >= 0, or None for a fact) and its assumptions (plain
    sentences; empty only for measured facts). A recommendation without them is a bug in the analyzer."""
    kind, impact, assumptions = rec.get("kind"), rec.get("impact_usd_per_month"), rec.get("assumptions")
    if kind not in KINDS or not isinstance(assumptions, list) or not all(isinstance(a, str) for a in assumptions):
        raise ValueError("%s: recommendation %r lacks a kind in %s or a list of assumptions"
                         % (analyzer_id, rec.get("title"), "/".join(KINDS)))
    if impact is not None and (not isinstance(impact, (int, float)) or isinstance(impact, bool) or impact < 0):
        raise ValueError("%s: recommendation %r has impact %r" % (analyzer_id, rec.get("title"), impact))
    return dict(rec, source=analyzer_id)


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


