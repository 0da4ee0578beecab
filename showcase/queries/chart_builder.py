"""Chart definitions as data, rendered to standalone SVG files: the cost picture without a charting library.

What it teaches: a usage chart is a small definition - chart type (line, bar, column, pie; plus treemap here),
mode (`time` series or `aggregate`), a metric (`totalCost`, `requestCount`, `tokenCount`), a dimension to group
by (provider, model, organization, product, subscriber, agent, taskType), a date range and a top N - the shape
of chart definitions in Revenium's product. Keep definitions as data (dataclasses, printable as JSON with
--print-definitions) and a renderer turns any of them into a picture. The SVG files are self-contained: no
script, no external font or URL, labels escaped, so they open offline in any browser and paste into documents.

    python3 showcase/queries/chart_builder.py --data src/data/simulated_calls.csv --out /tmp/charts
    python3 showcase/queries/chart_builder.py --print-definitions

Default charts: cost treemap by provider -> model, cost by customer (top 12 + Other), daily cost line,
calls by task type (pie). Rows are loaded with the same rules as query_patterns.py.
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import json  # noqa: E402
import math  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from html import escape  # noqa: E402
from typing import Dict, Iterable, List, Optional, Tuple  # noqa: E402

from queries.query_patterns import LoadStats, normalised_rows  # noqa: E402

CHART_TYPES = ("line", "bar", "column", "pie", "treemap")
MODES = ("time", "aggregate")
METRICS = ("totalCost", "requestCount", "tokenCount")
# dimension name in a chart definition -> column of the calls table (see query_patterns.COLUMNS)
DIMENSIONS = {"provider": 3, "model": 4, "subscriber": 5, "organization": 7, "product": 8, "agent": 9, "taskType": 10}
PALETTE = ("#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c",
           "#4f46e5", "#0d9488", "#9333ea")
FONT = "font-family=\"Helvetica, Arial, sans-serif\""


@dataclass(frozen=True)
class ChartDefinition:
    """What to draw (not how): the renderer turns it into SVG."""
    name: str
    title: str
    chart_type: str  # line | bar | column | pie | treemap
    mode: str  # time | aggregate
    metric: str  # totalCost | requestCount | tokenCount
    group_by: Optional[str] = None  # a DIMENSIONS key; treemap: "provider>model"
    start: Optional[str] = None  # YYYY-MM-DD, inclusive
    end: Optional[str] = None
    top_n: int = 12

    def validate(self) -> None:
        from utils.errors import ConfigError
        if self.chart_type not in CHART_TYPES or self.mode not in MODES or self.metric not in METRICS:
            raise ConfigError("chart %s: type/mode/metric must be one of %s / %s / %s" % (
                self.name, CHART_TYPES, MODES, METRICS))
        for dim in (self.group_by or "").split(">"):
            if dim and dim not in DIMENSIONS:
                raise ConfigError("chart %s: cannot group by %r (use %s)" % (self.name, dim, ", ".join(DIMENSIONS)))


DEFAULT_CHARTS = (
    ChartDefinition("cost_treemap", "AI cost by provider and model", "treemap", "aggregate", "totalCost",
                    "provider>model"),
    ChartDefinition("cost_by_customer", "AI cost by customer", "bar", "aggregate", "totalCost", "subscriber", top_n=12),
    ChartDefinition("daily_cost", "Daily AI cost", "line", "time", "totalCost"),
    ChartDefinition("calls_by_task", "Calls by task type", "pie", "aggregate", "requestCount", "taskType", top_n=6),
)


# ---- data ---------------------------------------------------------------------------------------------------------
def _metric(row: tuple, metric: str) -> int:
    if metric == "totalCost":
        return row[13]  # nano-dollars: exact sums
    if metric == "tokenCount":
        return row[11] + row[12]
    return 1


def chart_data(defs: List[ChartDefinition], rows: Iterable[tuple]) -> Dict[str, Dict[Tuple[str, ...], int]]:
    """One pass over the rows for every definition: {name: {key: metric total}}; key is (day,) in time mode,
    else the group-by values. Memory is bounded by the groups, not the rows."""
    plans = []
    out = {}  # type: Dict[str, Dict[Tuple[str, ...], int]]
    for d in defs:
        d.validate()
        out[d.name] = {}
        plans.append((d, out[d.name], [DIMENSIONS[x] for x in (d.group_by or "").split(">") if x]))
    for r in rows:
        for d, acc, dims in plans:
            if (d.start and r[1] < d.start) or (d.end and r[1] > d.end):
                continue
            key = (r[1],) if d.mode == "time" else tuple(r[i] or "(untagged)" for i in dims)
            acc[key] = acc.get(key, 0) + _metric(r, d.metric)
    return out


def fmt(value: float, metric: str) -> str:
    if metric == "totalCost":
        usd = value / 1e9
        return "$%s" % (format(usd, ",.0f") if usd >= 1000 else format(usd, ",.2f"))
    return format(int(value), ",")


def top(items: Dict[str, int], n: int) -> List[Tuple[str, int]]:
    """The n largest (value desc, then name) and the rest as "Other"."""
    ranked = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) <= n:
        return ranked
    return ranked[:n - 1] + [("Other (%d)" % (len(ranked) - n + 1), sum(v for _, v in ranked[n - 1:]))]


# ---- SVG ----------------------------------------------------------------------------------------------------------
def _svg(width: int, height: int, title: str, desc: str, body: List[str]) -> str:
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>',
                      '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">'
                      % (width, height, width, height),
                      "<title>%s</title>" % escape(title), "<desc>%s</desc>" % escape(desc),
                      '<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (width, height),
                      '<text x="16" y="28" font-size="18" font-weight="bold" %s fill="#111827">%s</text>'
                      % (FONT, escape(title))] + body + ["</svg>", ""])


def _text(x: float, y: float, s: str, size: int = 12, anchor: str = "start", fill: str = "#374151") -> str:
    return '<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" %s fill="%s">%s</text>' % (
        x, y, size, anchor, FONT, fill, escape(s))


def render_treemap(defn: ChartDefinition, data: Dict[Tuple[str, ...], int]) -> str:
    """Slice-and-dice treemap: providers as columns sized by value, their models stacked inside."""
    w, h, top_y = 900, 560, 48
    tree = {}  # type: Dict[str, Dict[str, int]]
    for key, v in data.items():
        tree.setdefault(key[0], {})[key[1] if len(key) > 1 else key[0]] = v
    total = float(sum(data.values())) or 1.0
    body, x = [], 16.0
    for i, (prov, value) in enumerate(top({k: sum(m.values()) for k, m in tree.items()}, 99)):
        cw = (w - 32) * value / total
        color = PALETTE[i % len(PALETTE)]
        y = float(top_y)
        for j, (model, mv) in enumerate(top(tree[prov], 99)):
            rh = (h - top_y - 16) * mv / float(value or 1)
            label = "%s / %s: %s (%.1f%%)" % (prov, model, fmt(mv, defn.metric), 100.0 * mv / total)
            body.append('<g><title>%s</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" '
                        'fill-opacity="%.2f" stroke="#ffffff" stroke-width="1.5"/></g>'
                        % (escape(label), x, y, max(cw, 0.5), max(rh, 0.5), color, 0.95 - 0.12 * (j % 5)))
            if cw > 70 and rh > 30:
                body.append(_text(x + 6, y + 16, model[:int(cw / 7)], 11, fill="#ffffff"))
                body.append(_text(x + 6, y + 30, fmt(mv, defn.metric), 11, fill="#ffffff"))
            y += rh
        if cw > 40:
            body.append(_text(x + 4, top_y - 4, "%s %.0f%%" % (prov, 100.0 * value / total), 11))
        x += cw
    return _svg(w, h, defn.title, "Treemap of %s by provider then model; total %s" % (
        defn.metric, fmt(total, defn.metric)), body)


def render_bars(defn: ChartDefinition, data: Dict[Tuple[str, ...], int]) -> str:
    """Horizontal bars, largest first, top N and Other."""
    items = top({k[0]: v for k, v in data.items()}, defn.top_n)
    row_h, left = 26, 190
    w, h = 900, 60 + row_h * max(1, len(items))
    peak = float(max([v for _, v in items] or [1])) or 1.0
    body = []
    for i, (label, v) in enumerate(items):
        y = 44 + i * row_h
        bw = (w - left - 120) * v / peak
        body.append(_text(left - 8, y + 15, label[:28], 12, "end"))
        body.append('<rect x="%d" y="%d" width="%.1f" height="%d" rx="3" fill="%s"><title>%s: %s</title></rect>'
                    % (left, y + 3, max(bw, 1.0), row_h - 8, PALETTE[0] if not label.startswith("Other") else "#9ca3af",
                       escape(label), escape(fmt(v, defn.metric))))
        body.append(_text(left + bw + 6, y + 15, fmt(v, defn.metric), 12))
    return _svg(w, h, defn.title, "Bar chart of %s by %s" % (defn.metric, defn.group_by), body)


def render_line(defn: ChartDefinition, data: Dict[Tuple[str, ...], int]) -> str:
    """A time series with axes, gridlines and a point per day (a column chart for chart_type column)."""
    pts = sorted((k[0], v) for k, v in data.items())
    w, h, left, right, top_y, bottom = 900, 420, 80, 24, 48, 60
    pw, ph = w - left - right, h - top_y - bottom
    peak = float(max([v for _, v in pts] or [1])) or 1.0
    body = []
    for g in range(5):  # gridlines and y labels
        y = top_y + ph - ph * g / 4.0
        body.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e7eb"/>' % (left, y, w - right, y))
        body.append(_text(left - 6, y + 4, fmt(peak * g / 4.0, defn.metric), 11, "end"))
    n = max(1, len(pts) - 1)
    step = max(1, int(math.ceil(len(pts) / 10.0)))
    coords = []
    for i, (day, v) in enumerate(pts):
        x = left + (pw * i / n if len(pts) > 1 else pw / 2.0)
        y = top_y + ph - ph * v / peak
        coords.append((x, y))
        tip = "<title>%s: %s</title>" % (escape(day), escape(fmt(v, defn.metric)))
        if defn.chart_type == "column":
            bw = max(2.0, pw / max(1, len(pts)) * 0.7)
            body.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">%s</rect>'
                        % (x - bw / 2, y, bw, top_y + ph - y, PALETTE[0], tip))
        else:
            body.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s">%s</circle>' % (x, y, PALETTE[0], tip))
        if i % step == 0:
            body.append(_text(x, top_y + ph + 18, day[5:], 11, "middle"))
    if defn.chart_type != "column" and coords:
        body.insert(0, '<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                    % (PALETTE[0], " ".join("%.1f,%.1f" % c for c in coords)))
    body.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#6b7280"/>' % (left, top_y + ph, w - right, top_y + ph))
    total = sum(v for _, v in pts)
    body.append(_text(left, h - 16, "%d days, total %s" % (len(pts), fmt(total, defn.metric)), 12))
    return _svg(w, h, defn.title, "Daily %s from %s to %s" % (defn.metric, pts[0][0] if pts else "-",
                                                             pts[-1][0] if pts else "-"), body)


def render_pie(defn: ChartDefinition, data: Dict[Tuple[str, ...], int]) -> str:
    """A donut with a legend (top N and Other)."""
    items = top({k[0]: v for k, v in data.items()}, defn.top_n)
    w, h, cx, cy, r, r0 = 700, 360, 180, 200, 130, 70
    total = float(sum(v for _, v in items)) or 1.0
    body, angle = [], -math.pi / 2
    for i, (label, v) in enumerate(items):
        frac = v / total
        a2 = angle + 2 * math.pi * min(frac, 0.99999)
        big = 1 if frac > 0.5 else 0
        p = [(cx + r * math.cos(angle), cy + r * math.sin(angle)), (cx + r * math.cos(a2), cy + r * math.sin(a2)),
             (cx + r0 * math.cos(a2), cy + r0 * math.sin(a2)), (cx + r0 * math.cos(angle), cy + r0 * math.sin(angle))]
        d = "M%.1f,%.1f A%d,%d 0 %d 1 %.1f,%.1f L%.1f,%.1f A%d,%d 0 %d 0 %.1f,%.1f Z" % (
            p[0][0], p[0][1], r, r, big, p[1][0], p[1][1], p[2][0], p[2][1], r0, r0, big, p[3][0], p[3][1])
        color = PALETTE[i % len(PALETTE)]
        body.append('<path d="%s" fill="%s"><title>%s: %s (%.1f%%)</title></path>'
                    % (d, color, escape(label), escape(fmt(v, defn.metric)), 100 * frac))
        ly = 70 + i * 24
        body.append('<rect x="360" y="%d" width="14" height="14" fill="%s"/>' % (ly - 11, color))
        body.append(_text(382, ly, "%s  %s (%.1f%%)" % (label[:30], fmt(v, defn.metric), 100 * frac), 12))
        angle = a2
    body.append(_text(cx, cy + 5, fmt(total, defn.metric), 14, "middle", "#111827"))
    return _svg(w, h, defn.title, "Share of %s by %s" % (defn.metric, defn.group_by), body)


def render(defn: ChartDefinition, data: Dict[Tuple[str, ...], int]) -> str:
    """The SVG document of one definition over its data (see chart_data)."""
    if defn.chart_type == "treemap":
        return render_treemap(defn, data)
    if defn.mode == "time" or defn.chart_type in ("line", "column"):
        return render_line(defn, data)
    if defn.chart_type == "pie":
        return render_pie(defn, data)
    return render_bars(defn, data)


def main(argv: Optional[List[str]] = None) -> int:
    from utils.cli import ArgumentParser
    from utils.fsutil import write_text
    from utils.paths import DEFAULT_DATA
    p = ArgumentParser(prog="chart_builder.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, help="calls CSV (default src/data/simulated_calls.csv)")
    p.add_argument("--out", default="charts", help="folder for the SVG files (default ./charts)")
    p.add_argument("--print-definitions", action="store_true", help="print the chart definitions as JSON and exit")
    args = p.parse_args(argv)
    if args.print_definitions:
        print(json.dumps([asdict(d) for d in DEFAULT_CHARTS], indent=1))
        return 0
    datas = chart_data(list(DEFAULT_CHARTS), normalised_rows(args.data, LoadStats()))
    os.makedirs(args.out, exist_ok=True)
    for defn in DEFAULT_CHARTS:
        path = os.path.join(args.out, defn.name + ".svg")
        write_text(path, render(defn, datas[defn.name]))
        print("Wrote %s (%s %s of %s)" % (path, defn.mode, defn.chart_type, defn.metric))
    write_text(os.path.join(args.out, "charts.json"), json.dumps([asdict(d) for d in DEFAULT_CHARTS], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    from utils.cli import run_main
    sys.exit(run_main(main))
