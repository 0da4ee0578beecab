"""Report tables: sortable, filterable, the top rows first with every row in the page, and a CSV download whose
cells are raw numbers (a spreadsheet reads them as numbers) and never run as formulas. See specs/reports.md."""
import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from utils.markup import DASH, Markup, _number, escape, fmt_int, plain_text, script_json, tag, void


def slug(text: Any) -> str:
    """An id fragment from a title ("Cost by model" -> "cost-by-model")."""
    s = re.sub(r"[^a-z0-9]+", "-", plain_text(text).lower()).strip("-")
    return s or "section"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _split(cell: Any) -> Tuple[Any, Any]:
    """(display, raw) of a cell: a (display, raw) pair as given, else the value for both."""
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


def csv_text(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """The CSV of a table: a header line, then the raw value of every cell of every row (CRLF line ends)."""
    lines = [",".join(csv_cell(c) for c in columns)]
    lines.extend(",".join(csv_cell(_split(c)[1]) for c in r) for r in rows)
    return "\r\n".join(lines) + "\r\n"


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
    if cell is display and not isinstance(cell, Markup):  # a plain value: format it here
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
    # Built by hand rather than with tag(): a table can have 10,000 rows. Both parts are escaped.
    sort_attr = "" if sort is None else ' data-sort="%s"' % escape(sort)
    classes = " ".join(c for c in ("num" if numeric else "", "key" if key else "", "wide" if wide else "") if c)
    class_attr = ' class="%s"' % classes if classes else ""
    if header:
        return Markup('<th scope="row"%s%s>%s</th>' % (class_attr, sort_attr, escape(display)))
    return Markup('<td%s%s>%s</td>' % (class_attr, sort_attr, escape(display)))


def table(columns: Sequence[Any], rows: Iterable[Sequence[Any]], id: str, caption: Any = None,
          numeric: Union[None, Iterable[int], Dict[int, Callable[[Any], str]]] = None, top: int = 25,
          key: Optional[int] = None, wide: Sequence[int] = ()) -> Markup:
    """A sortable, filterable table showing the top `top` rows first (every row is in the page), with CSV download.
    `key`: the column that matters most (e.g. the saving): it stays in view when the table scrolls sideways.
    `wide`: columns of long text (assumptions, details), given room on a narrow screen.

    A cell is a value, Markup, or a (display, raw) pair; raw values sort the column and fill the CSV.
    numeric: column indexes, or {index: formatter} (e.g. {2: fmt_usd}), on top of the all-number columns.
    """
    rows = [list(r) for r in rows]
    tid = slug(id)
    formats = _column_formats(len(columns), rows, numeric)
    row_head = 0 not in formats
    head = tag("tr", [tag("th", tag("button", c, type="button", class_="sort"), scope="col",
                          class_=" ".join(x for x in ("num" if i in formats else "", "key" if i == key else "") if x)
                          or None, data_type="num" if i in formats else "text")
                      for i, c in enumerate(columns)])
    body = [tag("tr", [_cell(c, i in formats, formats.get(i), row_head and i == 0, i == key, i in wide)
                       for i, c in enumerate(r)],
                class_="more" if 0 < top <= n else None) for n, r in enumerate(rows)]
    if not rows:
        body = [tag("tr", tag("td", "No rows.", colspan=max(1, len(columns))))]
    caption = caption if caption is not None else plain_text(id).replace("_", " ").capitalize()
    grid = tag("table", [tag("caption", caption), tag("thead", head), tag("tbody", body)], id="t-" + tid)
    wrap = tag("div", grid, class_="table-wrap", tabindex="0", role="region", aria_label=plain_text(caption))
    if not rows:
        return tag("div", wrap, class_="tbl")
    hint = tag("p", "Scroll sideways for more columns \u2192", class_="scroll-hint", aria_hidden="true")
    return tag("div", [_table_tools(tid, len(rows), top), hint, wrap,
                       tag("script", script_json(csv_text(columns, rows)), type="application/json", id="csv-" + tid)],
               class_="tbl", id="tbl-" + tid, data_table=True, data_top=top)


def _table_tools(tid: str, n_rows: int, top: int) -> Markup:
    """Filter box, row count, "Show all" and "Download CSV": hidden until the script shows them."""
    return tag("div", [
        tag("label", [tag("span", "Filter rows", class_="sr-only"),
                      void("input", type="search", class_="table-filter", placeholder="Filter rows\u2026",
                           aria_controls="t-" + tid)]),
        tag("span", "", class_="table-status", aria_live="polite"),
        tag("button", "Show all %d rows" % n_rows, type="button", class_="btn table-toggle", aria_expanded="false",
            aria_controls="t-" + tid) if 0 < top < n_rows else None,
        tag("button", "Download CSV", type="button", class_="btn", data_csv="csv-" + tid, data_file=tid + ".csv"),
    ], class_="table-tools", hidden=True)
