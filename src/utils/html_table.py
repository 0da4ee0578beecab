"""Report tables: sortable, filterable, the top rows first, and a CSV download whose cells are raw numbers (a
spreadsheet reads them as numbers) and never run as formulas. See specs/reports.md.

A page stays small whatever the number of groups (customers, customer x model...): a table holds at most `limit`
rows, the top ones by the measure it is about, says how many of how many it holds, and its CSV download has every
row. The CSV of such a long table is a file next to the page when the page is rendered inside `downloads()` (the
runner does, and writes the files with the page); otherwise, as for every short table, it is embedded in the page.
"""
import contextlib
import heapq
import re
import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from utils.markup import DASH, Markup, _number, escape, fmt_int, plain_text, script_json, tag, void

LIMIT = 100  # the most rows a table puts in its page; the CSV download has them all
Rank = Union[None, int, Callable[[Sequence[Any]], Any]]


def slug(text: Any) -> str:
    """An id fragment from a title ("Cost by model" -> "cost-by-model")."""
    s = re.sub(r"[^a-z0-9]+", "-", plain_text(text).lower()).strip("-")
    return s or "section"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_CARE = re.compile(r'^[=+\-@\t\r]|[,"\r\n]')  # text csv_cell would change: a formula start or a special
_FORMULA_START_SET = frozenset(_FORMULA_START)
_SPECIAL = re.compile(r'[,"\r\n]')


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _split(cell: Any) -> Tuple[Any, Any]:
    """(display, raw) of a cell: a (display, raw) pair as given, else the value for both. The display may be a
    formatter, applied to raw only when the row is shown (so a long table formats only the rows its page holds)."""
    if isinstance(cell, tuple) and len(cell) == 2:
        return cell[0], cell[1]
    return cell, cell


def _raw_text(value: Any) -> str:
    """A raw value as plain text for data-sort and the CSV: numbers unformatted, Markup without tags."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return repr(value) if isinstance(value, float) else str(value)
    return plain_text(value)


def csv_cell(value: Any) -> str:
    """One CSV field: numbers raw; text quoted when needed, and text a spreadsheet would run as a formula
    (starting with = + - @, tab or CR) gets a leading ' and quotes."""
    text = _raw_text(value)
    if _is_number(value):
        return text
    quote = False
    if text[:1] in _FORMULA_START and text:
        text, quote = "'" + text, True
    if quote or any(c in text for c in ',"\r\n'):
        return '"%s"' % text.replace('"', '""')
    return text


def _csv_column(values: List[Any]) -> List[str]:
    """csv_cell of every value, a whole column at a time: one type test for a column of floats, ints or plain
    text rather than one per cell (a table of 100,000 customers has a million cells)."""
    types = set(map(type, values))
    if types <= {float}:
        return list(map(float.__repr__, values))
    if types <= {int}:
        return list(map(int.__repr__, values))
    if types <= {str}:
        if not _FORMULA_START_SET.intersection([v[:1] for v in values]) and not _SPECIAL.search("".join(values)):
            return values  # the usual column of names: nothing to quote, checked in two C-level passes
        return [csv_cell(v) if _NEEDS_CARE.search(v) else v for v in values]
    return [csv_cell(v) for v in values]


def _raw_column(cells: List[Any]) -> List[Any]:
    """The raw values of a column of cells (see _split), the cells themselves when none is a (display, raw) pair."""
    if not any(issubclass(t, tuple) for t in set(map(type, cells))):
        return cells
    return [c[1] if isinstance(c, tuple) and len(c) == 2 else c for c in cells]


def csv_text(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """The CSV of a table: a header line, then the raw value of every cell of every row (CRLF line ends)."""
    n = len(columns)
    if n and all(len(r) == n for r in rows):  # column by column (see _csv_column), then zipped into lines
        fields = [_csv_column(_raw_column(list(col))) for col in zip(*rows)] if rows else [[] for _ in range(n)]
        lines = list(map(",".join, zip(*fields)))
    else:
        lines = [",".join(csv_cell(_split(c)[1]) for c in r) for r in rows]
    return "\r\n".join([",".join(csv_cell(c) for c in columns)] + lines) + "\r\n"


def top_rows(rows: Sequence[Sequence[Any]], k: int, rank: Rank = None) -> List[Sequence[Any]]:
    """The first k rows by `rank`, ties in the given order: None keeps the given order; a column index ranks by
    that column's raw value, largest first, blanks last; a function is a sort key (smallest first). heapq does
    it in O(n log k): a long table is never sorted whole to show its top rows."""
    if rank is None:
        return list(rows[:k])
    if callable(rank):
        fn = rank

        def key(i: int) -> Any:
            return fn(rows[i]), i
    else:
        col = rank

        def key(i: int) -> Any:
            v = _number(_split(rows[i][col])[1]) if col < len(rows[i]) else None
            return (1, 0.0, i) if v is None else (0, -v, i)
    return [rows[i] for i in heapq.nsmallest(k, range(len(rows)), key=key)]


# ---- where the CSV of a long table goes ------------------------------------------------------------------------
_SINK = threading.local()  # the files of the page being rendered in this thread, if any


@contextlib.contextmanager
def downloads(prefix: str) -> Iterator[Dict[str, str]]:
    """Collect the CSV files of the long tables of the page rendered inside: yields {file name: CSV text}, each
    named <prefix>-<table id>.csv, the relative name the page links to (the caller writes them beside the page)."""
    if not re.match(r"^[a-z0-9_]+$", prefix):
        raise ValueError("a downloads prefix is an analyzer id, got %r" % prefix)
    files = {}  # type: Dict[str, str]
    outer = getattr(_SINK, "current", None)
    _SINK.current = (prefix, files)
    try:
        yield files
    finally:
        _SINK.current = outer


def _csv_file(tid: str, text: str) -> Optional[str]:
    """Hand a long table's CSV to the page's downloads: its file name, or None outside downloads()."""
    sink = getattr(_SINK, "current", None)
    if sink is None:
        return None
    name = "%s-%s.csv" % (sink[0], tid)
    sink[1][name] = text
    return name


# ---- the table -------------------------------------------------------------------------------------------------
def _column_formats(n_cols: int, rows: List[list], numeric: Any) -> Dict[int, Optional[Callable[[Any], str]]]:
    """{index: formatter or None} of the numeric columns: those given, plus those whose raw values are all numbers."""
    found = {}  # type: Dict[int, Optional[Callable[[Any], str]]]
    for i in range(n_cols):
        raws = [_split(r[i])[1] for r in rows if i < len(r)]
        raws = [v for v in raws if v is not None]
        if raws and all(_is_number(v) for v in raws):
            found[i] = None
    if isinstance(numeric, dict):
        found.update(numeric)
    elif numeric is not None:
        found.update((i, found.get(i)) for i in numeric)
    return found


def _cell(cell: Any, numeric: bool, fmt: Optional[Callable[[Any], str]], header: bool, key: bool = False,
          wide: bool = False) -> Markup:
    display, raw = _split(cell)
    if callable(display):  # a (formatter, raw) pair
        display = display(raw)
    elif cell is display and not isinstance(cell, Markup):  # a plain value: format it here
        if raw is None:
            display = DASH
        elif fmt is not None:
            display = fmt(raw)
        elif _is_number(raw):
            display = fmt_int(raw) if isinstance(raw, int) else "{:,.2f}".format(raw)
    sort = None
    if numeric:
        sort = _raw_text(raw) if _number(raw) is not None else ""
    elif isinstance(cell, tuple) or isinstance(display, Markup):
        sort = _raw_text(raw)
    # Built by hand rather than with tag(): it is the inner loop of every table. Both parts are escaped.
    sort_attr = "" if sort is None else ' data-sort="%s"' % escape(sort)
    classes = " ".join(c for c in ("num" if numeric else "", "key" if key else "", "wide" if wide else "") if c)
    class_attr = ' class="%s"' % classes if classes else ""
    if header:
        return Markup('<th scope="row"%s%s>%s</th>' % (class_attr, sort_attr, escape(display)))
    return Markup('<td%s%s>%s</td>' % (class_attr, sort_attr, escape(display)))


def table(columns: Sequence[Any], rows: Iterable[Sequence[Any]], id: str, caption: Any = None,
          numeric: Union[None, Iterable[int], Dict[int, Callable[[Any], str]]] = None, top: int = 25,
          key: Optional[int] = None, wide: Sequence[int] = (), limit: Optional[int] = LIMIT,
          rank: Rank = None) -> Markup:
    """A sortable, filterable table showing its top `top` rows first, with a CSV download of every row.
    `limit`: the most rows the page holds (None: all); a longer table holds its top `limit` rows by `rank` (see
    top_rows; None: the order given, which is then the order of the measure the table is about), says so, and
    its CSV download has every row in the given order. Search and sorting work on the rows the page holds.
    `key`: the column that matters most (e.g. the saving): it stays in view when the table scrolls sideways.
    `wide`: columns of long text (assumptions, details), given room on a narrow screen.

    A cell is a value, Markup, or a (display, raw) pair; raw values sort the column and fill the CSV; the display
    may be a formatter (fmt_usd), applied only to the rows shown. numeric: column indexes, or {index: formatter}
    (e.g. {2: fmt_usd}), on top of the all-number columns.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    total = len(rows)
    cut = limit is not None and 0 < limit < total
    shown = [list(r) for r in (top_rows(rows, limit if cut else total, rank) if cut or rank is not None else rows)]
    tid = slug(id)
    formats = _column_formats(len(columns), shown, numeric)
    row_head = 0 not in formats
    head = tag("tr", [tag("th", tag("button", c, type="button", class_="sort"), scope="col",
                          class_=" ".join(x for x in ("num" if i in formats else "", "key" if i == key else "") if x)
                          or None, data_type="num" if i in formats else "text")
                      for i, c in enumerate(columns)])
    body = [tag("tr", [_cell(c, i in formats, formats.get(i), row_head and i == 0, i == key, i in wide)
                       for i, c in enumerate(r)],
                class_="more" if 0 < top <= n else None) for n, r in enumerate(shown)]
    if not rows:
        body = [tag("tr", tag("td", "No rows.", colspan=max(1, len(columns))))]
    caption = caption if caption is not None else plain_text(id).replace("_", " ").capitalize()
    grid = tag("table", [tag("caption", caption), tag("thead", head), tag("tbody", body)], id="t-" + tid)
    wrap = tag("div", grid, class_="table-wrap", tabindex="0", role="region", aria_label=plain_text(caption))
    if not rows:
        return tag("div", wrap, class_="tbl")
    hint = tag("p", "Scroll sideways for more columns \u2192", class_="scroll-hint", aria_hidden="true")
    text = csv_text(columns, rows)
    name = _csv_file(tid, text) if cut else None
    embedded = None if name else tag("script", script_json(text), type="application/json", id="csv-" + tid)
    note = _cut_note(columns, len(shown), total, rank, name) if cut else None
    return tag("div", [_table_tools(tid, len(shown), total, top, name), hint, wrap, note, embedded],
               class_="tbl", id="tbl-" + tid, data_table=True, data_top=top, data_total=total if cut else None)


def _cut_note(columns: Sequence[Any], shown: int, total: int, rank: Rank, name: Optional[str]) -> Markup:
    """What a long table holds, and where every row is (shown in print and without JavaScript too)."""
    which = ("The %s rows with the largest %s, of %s," % (fmt_int(shown), plain_text(columns[rank]).lower(),
                                                           fmt_int(total))
             if isinstance(rank, int) and not isinstance(rank, bool) and rank < len(columns)
             else "The first %s of %s rows" % (fmt_int(shown), fmt_int(total)))
    where = (["every row is in ", tag("a", name, href=name, download=name), " (CSV) and in the report's JSON."]
             if name else ["every row is in the CSV download and in the report's JSON."])
    return tag("p", [which, " are on this page; search and sorting work on them; "] + where, class_="table-note")


def _table_tools(tid: str, n_rows: int, total: int, top: int, file_name: Optional[str]) -> Markup:
    """Filter box, row count, "Show all" and "Download CSV": hidden until the script shows them."""
    cut = total > n_rows
    if file_name:
        download = tag("a", "Download CSV (all %s rows)" % fmt_int(total), href=file_name, download=file_name,
                       class_="btn")
    else:
        download = tag("button", "Download CSV", type="button", class_="btn", data_csv="csv-" + tid,
                       data_file=tid + ".csv")
    return tag("div", [
        tag("label", [tag("span", "Filter rows", class_="sr-only"),
                      void("input", type="search", class_="table-filter", placeholder="Filter rows\u2026",
                           aria_controls="t-" + tid)]),
        tag("span", "", class_="table-status", aria_live="polite"),
        tag("button", ("Show top %d rows" if cut else "Show all %d rows") % n_rows, type="button",
            class_="btn table-toggle", aria_expanded="false", aria_controls="t-" + tid) if 0 < top < n_rows else None,
        download,
    ], class_="table-tools", hidden=True)
