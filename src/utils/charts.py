"""Inline SVG charts for the HTML reports: bars, lines, a donut and a share bar.

Every chart is a `<figure>` holding an `<svg role="img" aria-label=...>`; each mark carries a `<title>` tooltip.
Horizontal positions are percentages and text sizes are CSS pixels, so a chart fills any width (a 390 px phone or a
wide screen) with readable labels. Colours come from CSS classes (c0..c7, light and dark themes); series also
differ by dash pattern and marker shape, and values are always written out, so colour is never the only signal.
Public functions are re-exported by utils/html_generator.py.
"""
import math
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from utils.markup import (DASH, Markup, _number, escape, fmt_int, fmt_pct, fmt_usd, join, plain_text, tag, tick_format,
                          void)

Items = Sequence[Tuple[Any, Any]]
PALETTE_SIZE = 8
DASHES = ("", "7 4", "2 3", "10 3 2 3")  # solid, dashed, dotted, dash-dot (also in the CSS as d0..d3)
SHAPES = ("M-3.5,0a3.5,3.5 0 1,0 7,0a3.5,3.5 0 1,0 -7,0Z",  # circle
          "M-3.2,-3.2h6.4v6.4h-6.4Z",  # square
          "M0,-4.2L4,3L-4,3Z",  # triangle
          "M0,-4.5L4.5,0L0,4.5L-4.5,0Z")  # diamond
MARKERS_UP_TO = 60  # more points than this: invisible hover targets instead of visible markers
MAX_X_TICKS = 12


def _n(v: Any) -> str:
    """A coordinate for an SVG attribute: short and locale-free."""
    return ("%.2f" % v).rstrip("0").rstrip(".") or "0"


def nice_ticks(lo: float, hi: float, count: int = 5) -> List[float]:
    """Round axis ticks (steps of 1, 2, 2.5 or 5 x 10^k) covering [lo, hi]."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(1, count - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * 0.999999)
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    return [round(start + i * step, 12) for i in range(int(round((end - start) / step)) + 1)]


def _figure(title: Any, svg: Markup, legend: Optional[Markup] = None, kind: str = "") -> Markup:
    return tag("figure", [tag("figcaption", title), svg, legend], class_=("chart " + kind).strip())


def _empty(title: Any, kind: str) -> Markup:
    return _figure(title, tag("p", "No data to chart.", class_="chart-empty"), kind=kind)


def _clean(items: Items) -> List[Tuple[Any, float]]:
    """(label as plain text, value as a float; missing or non-numeric values count as 0)."""
    return [(plain_text(label), _number(v) or 0.0) for label, v in items]


def _top(items: List[Tuple[Any, float]], max_items: int, sort: bool) -> List[Tuple[Any, float, bool]]:
    """The first max_items items (largest first when sort), then one "Other (N more)" item summing the rest."""
    if sort:
        items = sorted(items, key=lambda kv: (-kv[1], str(kv[0])))
    shown = [(label, v, False) for label, v in items[:max_items]]
    rest = items[max_items:]
    if rest:
        shown.append(("Other (%d more)" % len(rest), sum(v for _, v in rest), True))
    return shown


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def _share(value: float, total: float) -> str:
    return " (%s)" % fmt_pct(100.0 * value / total) if total > 0 else ""


def bar_chart(items: Items, title: Any, value_format: Callable[[Any], str] = fmt_usd, max_items: int = 15,
              sort: bool = True, additive: bool = True) -> Markup:
    """Horizontal bars: label and value above each bar, an axis below; items past max_items become one
    "Other (N more)" bar, so the bars always add up to the data total.

    additive=False is for values that do not add up (latencies, rates, unit costs, percentages): the items past
    max_items are left out, and a note under the chart says how many are shown, instead of a meaningless sum."""
    cleaned = _clean(items)
    rows = _top(cleaned, max_items, sort) if additive else \
        [(label, v, False) for label, v in (sorted(cleaned, key=lambda kv: (-kv[1], str(kv[0]))) if sort
                                             else cleaned)[:max_items]]
    if not rows:
        return _empty(title, "bars")
    values = [v for _, v, _ in rows]
    ticks = nice_ticks(min(0.0, min(values)), max(0.0, max(values)))
    lo, hi = ticks[0], ticks[-1]

    def pos(v: float) -> float:
        return 100.0 * (v - lo) / (hi - lo)

    total = sum(values) if min(values) >= 0 else 0.0
    row_h, top = 40, 4
    bottom = top + row_h * len(rows)
    parts = [_grid_x(ticks, pos, top, bottom, tick_format(value_format))]
    for i, (label, v, other) in enumerate(rows):
        y = top + i * row_h
        x0, x1 = sorted((pos(0.0), pos(v)))
        tip = "%s: %s%s" % (label, value_format(v), _share(v, total))
        parts.append(tag("text", _shorten(str(label), 40), x="0", y=y + 13, class_="lbl"))
        parts.append(tag("text", value_format(v), x="100%", y=y + 13, class_="val", text_anchor="end"))
        parts.append(tag("rect", tag("title", tip), x=_n(x0) + "%", y=y + 19, width=_n(max(x1 - x0, 0.15)) + "%",
                         height="14", rx="2", class_="bar " + ("other" if other else "c0")))
    biggest = max(rows, key=lambda r: r[1])
    label = "Bar chart: %s. %d bar%s; largest %s at %s." % (
        plain_text(title), len(rows), "" if len(rows) == 1 else "s", biggest[0], value_format(biggest[1]))
    svg = tag("svg", parts, class_="svg-bars", width="100%", height=bottom + 24, role="img", aria_label=label)
    note = None
    if len(rows) < len(cleaned):
        note = tag("p", "Showing the %s %s of %s; the table's CSV download lists all." % (
            "first" if not sort else "highest", fmt_int(len(rows)), fmt_int(len(cleaned))), class_="chart-note")
    return _figure(title, svg, note, kind="bars")


def _grid_x(ticks: List[float], pos: Callable[[float], float], top: int, bottom: int,
            fmt: Callable[[Any], str]) -> Markup:
    """Vertical gridlines with their labels under the plot (the first and last label kept inside)."""
    out = []
    for i, t in enumerate(ticks):
        x = _n(pos(t)) + "%"
        cls = "axis" if t == 0 else "grid"
        out.append(void("line", x1=x, x2=x, y1=top, y2=bottom, class_=cls))
        anchor = "start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
        out.append(tag("text", fmt(t), x=x, y=bottom + 16, class_="tick", text_anchor=anchor))
    return join(out, "")


# ---- line chart ----

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2}))?)?")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_x(label: Any) -> str:
    """A short axis label: "2026-01-05" -> "Jan 5", "2026-01-05T14" -> "Jan 5 14:00"; anything else unchanged."""
    m = _ISO_DAY.match(str(label))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return str(label)
    text = "%s %d" % (_MONTHS[int(m.group(2)) - 1], int(m.group(3)))
    if m.group(4) is not None:
        text += " %s:%s" % (m.group(4), m.group(5) or "00")
    return text


def _x_labels(series: Dict[Any, Items]) -> List[Any]:
    """Every x label once: sorted when each series is in order (dates), else in order of first appearance."""
    seen = {}  # type: Dict[Any, int]
    in_order = True
    for points in series.values():
        xs = [x for x, _ in points]
        in_order = in_order and all(str(a) <= str(b) for a, b in zip(xs, xs[1:]))
        for x in xs:
            seen.setdefault(x, len(seen))
    return sorted(seen, key=str) if in_order else sorted(seen, key=seen.get)


def line_chart(series: Dict[Any, Items], title: Any, y_format: Callable[[Any], str] = fmt_usd, area: bool = False,
               highlights: Optional[Sequence[Any]] = None, highlight_label: str = "Anomaly",
               x_format: Callable[[Any], str] = short_x) -> Markup:
    """Lines over shared x labels (dates...): axes, gridlines, thinned tick labels, a tooltip per point.
    Series differ by colour, dash pattern and marker; `highlights` (x labels) ring the first series' points."""
    xs = _x_labels(series)
    if not xs:
        return _empty(title, "lines")
    index = {x: i for i, x in enumerate(xs)}
    values = [v for pts in series.values() for v in (_number(p[1]) for p in pts) if v is not None]
    ticks = nice_ticks(min([0.0] + values), max([0.0] + values))
    height, top, bottom = 260, 14, 232

    def ypx(v: float) -> float:
        return bottom - (v - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

    def xpct(i: int) -> float:
        return 50.0 if len(xs) == 1 else 1.5 + 97.0 * i / (len(xs) - 1)

    geo = (xpct, ypx, index, bottom)
    grid, tick_labels = _grid_y(ticks, ypx, tick_format(y_format))
    parts = [grid, _x_ticks(xs, xpct, bottom, x_format)]
    plot, marks = [], []
    for k, (name, points) in enumerate(series.items()):
        pts = [(x, _number(v)) for x, v in points if _number(v) is not None and x in index]
        plot.append(_series_path(pts, k, geo, area and k == 0))
        marks.append(_series_marks(pts, k, name, geo, y_format, len(xs) <= MARKERS_UP_TO))
    if highlights and series:
        name, points = next(iter(series.items()))
        marks.append(_highlights(points, set(highlights), geo, y_format,
                                 "%s: %s" % (highlight_label, plain_text(name))))
    parts.append(tag("svg", plot, class_="plot", width="100%", height=height, overflow="visible",
                     viewBox="0 0 1000 %d" % height, preserveAspectRatio="none"))
    parts.append(tick_labels)  # above the lines, with a halo, so a line never hides a value
    parts.extend(marks)
    svg = tag("svg", parts, class_="svg-lines", width="100%", height=height, role="img",
              aria_label=_line_summary(title, series, xs, y_format))
    return _figure(title, svg, _line_legend(series, highlights, highlight_label), kind="lines")


def _grid_y(ticks: List[float], ypx: Callable[[float], float],
            fmt: Callable[[Any], str]) -> Tuple[Markup, Markup]:
    """Horizontal gridlines, and their labels (drawn later, on top of the lines, just above each gridline)."""
    lines, labels = [], []
    for t in ticks:
        y = _n(ypx(t))
        lines.append(void("line", x1="0", x2="100%", y1=y, y2=y, class_="axis" if t == ticks[0] else "grid"))
        labels.append(tag("text", fmt(t), x="0", y=_n(ypx(t) - 4), class_="tick ytick"))
    return join(lines, ""), join(labels, "")


def _x_ticks(xs: List[Any], xpct: Callable[[int], float], bottom: int, fmt: Callable[[Any], str]) -> Markup:
    """Evenly spaced labels, fewer when they are long (at most MAX_X_TICKS); every other one is 'minor'
    (hidden by the CSS on narrow screens)."""
    longest = max(len(fmt(x)) for x in xs[::max(1, len(xs) // 50)])
    budget = max(2, min(MAX_X_TICKS, 80 // (longest + 2)))
    step = int(math.ceil(len(xs) / float(budget)))
    picks = list(range(0, len(xs), step))
    minor = [j % 2 == 1 for j in range(len(picks))]
    if len(xs) - 1 - picks[-1] >= step / 2.0:  # label the last point too, and make room for it on phones
        picks.append(len(xs) - 1)
        minor.append(False)
        minor[-2 if not minor[-2] else -3] = True
    out = []
    for j, i in enumerate(picks):
        x = xpct(i)
        anchor = "start" if x < 6 and len(xs) > 1 else "end" if x > 94 else "middle"
        out.append(void("line", x1=_n(x) + "%", x2=_n(x) + "%", y1=bottom, y2=bottom + 4, class_="axis"))
        out.append(tag("text", fmt(xs[i]), x=_n(x) + "%", y=bottom + 18, text_anchor=anchor,
                       class_="tick" + (" minor" if minor[j] else "")))
    return join(out, "")


def _series_path(pts: List[Tuple[Any, float]], k: int, geo: tuple, area: bool) -> Markup:
    """The line (and optional area) in a 1000-wide stretched plot box; gaps where x labels are missing."""
    xpct, ypx, index, bottom = geo
    cls = "c%d d%d" % (k % PALETTE_SIZE, k % len(DASHES))
    runs, run, last = [], [], None  # type: List[list], list, Optional[int]
    for x, v in pts:
        i = index[x]
        if run and last is not None and i != last + 1:
            runs.append(run)
            run = []
        run.append("%s,%s" % (_n(10 * xpct(i)), _n(ypx(v))))
        last = i
    runs.append(run)
    out = []
    for r in runs:
        if area and len(r) > 1:
            base = _n(min(bottom, ypx(0.0)))
            ends = [r[-1].split(",")[0] + "," + base, r[0].split(",")[0] + "," + base]
            out.append(void("polygon", points=" ".join(r + ends), class_="area " + cls))
        if len(r) > 1:
            out.append(void("polyline", points=" ".join(r), class_="line " + cls))
    return join(out, "")


def _series_marks(pts: List[Tuple[Any, float]], k: int, name: Any, geo: tuple, fmt: Callable[[Any], str],
                  visible: bool) -> Markup:
    """One marker per point (shape by series) with a tooltip; many points get invisible hover targets."""
    xpct, ypx, index, _ = geo
    out = []
    for x, v in pts:
        tip = tag("title", "%s, %s: %s" % (plain_text(name), x, fmt(v)))
        x_at, y_at = _n(xpct(index[x])) + "%", _n(ypx(v))
        if visible:
            shape = tag("path", tip, d=SHAPES[k % len(SHAPES)])
            out.append(tag("svg", shape, x=x_at, y=y_at, overflow="visible", class_="mk c%d" % (k % PALETTE_SIZE)))
        else:
            out.append(tag("circle", tip, cx=x_at, cy=y_at, r="5", class_="hit"))
    return join(out, "")


def _highlights(points: Items, wanted: set, geo: tuple, fmt: Callable[[Any], str], label: str) -> Markup:
    xpct, ypx, index, _ = geo
    out = []
    for x, v in points:
        num = _number(v)
        if x in wanted and x in index and num is not None:
            tip = tag("title", "%s, %s: %s" % (label, x, fmt(num)))
            out.append(tag("circle", tip, cx=_n(xpct(index[x])) + "%", cy=_n(ypx(num)), r="8", class_="hl"))
    return join(out, "")


def _line_legend(series: Dict[Any, Items], highlights: Optional[Sequence[Any]], highlight_label: str) -> Markup:
    if len(series) < 2 and not highlights:
        return Markup("")
    items = []
    for k, name in enumerate(series):
        key = tag("svg", [void("line", x1="1", x2="27", y1="6", y2="6", class_="line c%d d%d" % (
            k % PALETTE_SIZE, k % len(DASHES))),
            tag("svg", void("path", d=SHAPES[k % len(SHAPES)]), x="14", y="6", overflow="visible",
                class_="mk c%d" % (k % PALETTE_SIZE))], width="28", height="12", aria_hidden="true")
        items.append(tag("li", [key, " ", escape(name)]))
    if highlights:
        ring = tag("svg", void("circle", cx="8", cy="7", r="5", class_="hl"), width="16", height="14",
                   aria_hidden="true")
        items.append(tag("li", [ring, " %s (%d)" % (highlight_label, len(highlights))]))
    return tag("ul", items, class_="legend legend-lines")


def _line_summary(title: Any, series: Dict[Any, Items], xs: List[Any], fmt: Callable[[Any], str]) -> str:
    parts = ["Line chart: %s, %d points from %s to %s." % (plain_text(title), len(xs), xs[0], xs[-1])]
    for name, points in list(series.items())[:4]:
        vals = [v for v in (_number(p[1]) for p in points) if v is not None]
        if vals:
            parts.append("%s: min %s, max %s, last %s." % (plain_text(name), fmt(min(vals)), fmt(max(vals)),
                                                            fmt(vals[-1])))
    return " ".join(parts)


# ---- shares: donut and share bar ----

def _shares(items: Items, max_items: int) -> Tuple[List[Tuple[Any, float, str]], float]:
    """(label, value, colour class) for each slice, largest first with "Other" last; and the positive total."""
    rows = _top(_clean(items), max_items, True)
    out = [(label, v, "other" if other else "c%d" % (i % PALETTE_SIZE)) for i, (label, v, other) in enumerate(rows)]
    return out, sum(v for _, v, _ in out if v > 0)


def _share_legend(rows: List[Tuple[Any, float, str]], total: float, fmt: Callable[[Any], str]) -> Markup:
    items = []
    for label, v, cls in rows:
        pct = fmt_pct(100.0 * v / total) if total > 0 and v > 0 else DASH
        items.append(tag("li", [tag("span", "", class_="sw " + cls, aria_hidden="true"),
                                tag("span", label, class_="lg-label"), tag("span", fmt(v), class_="lg-val"),
                                tag("span", pct, class_="lg-pct")]))
    return tag("ul", items, class_="legend legend-share")


def _share_label(kind: str, title: Any, rows: List[Tuple[Any, float, str]], total: float,
                 fmt: Callable[[Any], str]) -> str:
    top = ["%s %s%s" % (label, fmt(v), _share(v, total)) for label, v, _ in rows[:3] if v > 0]
    return "%s: %s. Total %s. %s." % (kind, plain_text(title), fmt(total), "; ".join(top))


def donut_chart(items: Items, title: Any, value_format: Callable[[Any], str] = fmt_usd,
                max_items: int = 6) -> Markup:
    """A donut of shares (largest first from 12 o'clock) with a legend of label, value and percent."""
    rows, total = _shares(items, max_items)
    if total <= 0:
        return _empty(title, "donut")
    circles, start = [], 0.0
    gap = 0.3 if sum(1 for _, v, _ in rows if v > 0) > 1 else 0.0
    for label, v, cls in rows:
        if v <= 0:
            continue
        pct = 100.0 * v / total
        dash = max(pct - gap, 0.05)
        circles.append(tag("circle", tag("title", "%s: %s%s" % (label, value_format(v), _share(v, total))),
                           cx="21", cy="21", r="15.9155", class_="seg " + cls,
                           stroke_dasharray="%s %s" % (_n(dash), _n(100 - dash)), stroke_dashoffset=_n(25 - start)))
        start += pct
    center = [tag("text", tick_format(value_format)(total), x="21", y="21.5", class_="donut-total"),
              tag("text", "total", x="21", y="26", class_="donut-sub")]
    svg = tag("svg", [void("circle", cx="21", cy="21", r="15.9155", class_="donut-track")] + circles + center,
              viewBox="0 0 42 42", width="180", height="180", class_="svg-donut", role="img",
              aria_label=_share_label("Donut chart", title, rows, total, value_format))
    body = tag("div", [svg, _share_legend(rows, total, value_format)], class_="donut-wrap")
    return _figure(title, body, kind="donut")


def share_bar(items: Items, title: Any, value_format: Callable[[Any], str] = fmt_usd, max_items: int = 6) -> Markup:
    """One 100% stacked bar of shares (largest first) with a legend of label, value and percent."""
    rows, total = _shares(items, max_items)
    if total <= 0:
        return _empty(title, "share")
    rects, start = [], 0.0
    for label, v, cls in rows:
        if v <= 0:
            continue
        pct = 100.0 * v / total
        rects.append(tag("rect", tag("title", "%s: %s%s" % (label, value_format(v), _share(v, total))),
                         x=_n(start) + "%", y="0", width=_n(pct) + "%", height="28", class_="seg-bar " + cls))
        start += pct
    svg = tag("svg", rects, width="100%", height="28", class_="svg-share", role="img",
              aria_label=_share_label("Share bar", title, rows, total, value_format))
    return _figure(title, join([svg, _share_legend(rows, total, value_format)], ""), kind="share")
