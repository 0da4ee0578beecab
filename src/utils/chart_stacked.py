"""A stacked column chart for the reports: one column per x label (days, weeks), one coloured segment per series
(providers, models), the largest series named and the rest summed into "Other". Same rules as utils/charts.py:
inline SVG, percent positions so it fills any width, a tooltip per segment, a legend, and a text summary for
screen readers; colour is never the only signal (the legend and the tooltips name every segment).
"""
from typing import Any, Callable, Dict, List, Sequence, Tuple

from utils.charts import PALETTE_SIZE, _empty, _figure, _grid_y, _n, _x_ticks, nice_ticks, short_x
from utils.markup import Markup, _number, escape, fmt_usd, plain_text, tag, tick_format, void

MAX_SERIES = 7  # named series; the others are summed into "Other"


def _series_order(columns: Sequence[Tuple[Any, Dict[Any, Any]]], max_series: int) -> Tuple[List[Any], bool]:
    totals = {}  # type: Dict[Any, float]
    for _, parts in columns:
        for name, v in parts.items():
            totals[name] = totals.get(name, 0.0) + (_number(v) or 0.0)
    names = sorted(totals, key=lambda k: (-totals[k], str(k)))
    return names[:max_series], len(names) > max_series


def stacked_columns(columns: Sequence[Tuple[Any, Dict[Any, Any]]], title: Any,
                    y_format: Callable[[Any], str] = fmt_usd, max_series: int = MAX_SERIES,
                    x_format: Callable[[Any], str] = short_x, marked: Sequence[Any] = (),
                    marked_label: str = "partial day") -> Markup:
    """columns: [(x label, {series: value})] in x order. `marked` x labels get a note in their tooltip and a
    hatched outline (e.g. partial days)."""
    if not columns:
        return _empty(title, "stacked")
    names, other = _series_order(columns, max_series)
    keys = names + (["Other"] if other else [])
    stacks = []
    for x, parts in columns:
        named = [(n, _number(parts.get(n)) or 0.0) for n in names]
        rest = sum(_number(v) or 0.0 for n, v in parts.items() if n not in names)
        stacks.append((x, named + ([("Other", rest)] if other else [])))
    top_value = max(sum(v for _, v in segs) for _, segs in stacks)
    ticks = nice_ticks(0.0, top_value)
    height, top, bottom = 260, 14, 232

    def ypx(v: float) -> float:
        return bottom - v / (ticks[-1] - ticks[0]) * (bottom - top)

    n = len(stacks)
    slot = 1000.0 / n
    marked_set = set(marked)
    rects = []
    for i, (x, segs) in enumerate(stacks):
        base = 0.0
        label = "%s%s" % (x, " (%s)" % marked_label if x in marked_set else "")
        for k, (name, v) in enumerate(segs):
            if v <= 0:
                continue
            y0, y1 = ypx(base), ypx(base + v)
            tip = tag("title", "%s, %s: %s" % (label, plain_text(name), y_format(v)))
            rects.append(tag("rect", tip, x=_n(i * slot + slot * 0.12), width=_n(slot * 0.76), y=_n(y1),
                             height=_n(max(0.5, y0 - y1)), class_="col c%d%s" % (k % PALETTE_SIZE,
                                                                               " marked" if x in marked_set else "")))
            base += v
    grid, tick_labels = _grid_y(ticks, ypx, tick_format(y_format))
    xs = [x for x, _ in stacks]
    parts = [grid, _x_ticks(xs, lambda i: (i + 0.5) * 100.0 / n, bottom, x_format),
             tag("svg", rects, class_="plot", width="100%", height=height, viewBox="0 0 1000 %d" % height,
                 preserveAspectRatio="none"), tick_labels]
    summary = "Stacked columns: %s, %d columns from %s to %s; largest: %s." % (
        plain_text(title), n, xs[0], xs[-1], ", ".join(plain_text(k) for k in keys[:4]))
    svg = tag("svg", parts, class_="svg-lines", width="100%", height=height, role="img", aria_label=summary)
    legend = tag("ul", [tag("li", [tag("svg", void("rect", x="0", y="0", width="12", height="12",
                                                   class_="col c%d" % (k % PALETTE_SIZE)),
                                       width="12", height="12", aria_hidden="true"), " ", escape(name)])
                        for k, name in enumerate(keys)] +
                 ([tag("li", "Outlined: %s" % marked_label)] if marked_set & set(xs) else []), class_="legend legend-lines")
    return _figure(title, svg, legend, kind="stacked")
