"""Slower and dearer: per (provider, model, task type), a comparable model that answered the same task type faster
in this data and would cost less at list price for the same tokens. Used by the performance analyzer.

The figure is an upper bound, not a saving (utils/definitions.py, "upper_bound"): it ignores answer quality. The
alternative is priced exactly as cost optimization prices a move (pricing.catalog.list_cost_nano over the same
cells, at the same provider's list price when it sells the model), so a move both reports name has one price.
"""
from typing import Any, Dict, List, Optional, Tuple

from analyzers.engine.cube import CALLS, COST_NANO, INPUT, LAT_N, LAT_SUM, OUTPUT
from analyzers.finops._common import comparable_models
from pricing.catalog import list_cost_nano

MIN_CALLS = 10  # calls with a latency a model needs on a task type before it is compared on that task
CELL_DIMS = ("provider", "model", "customer_id", "task_type", "environment")  # optimization's cells


def _entry(catalog, provider: str, model: str, main: Dict[str, str]):
    """The list price of `model` as `provider` sells it, else as the provider carrying most of its calls here."""
    e = catalog.get(provider, model)
    if e is None or e.provider != provider:
        e = catalog.get(main.get(model, ""), model) or e
    return e


def _price(view, cells: List[List[int]], entry, alt: List[int]) -> Tuple[Optional[int], str]:
    if entry is not None:
        return sum(list_cost_nano(entry, c[INPUT], c[OUTPUT]) for c in cells), "list price"
    if alt[INPUT] + alt[OUTPUT]:
        tokens = sum(c[INPUT] + c[OUTPUT] for c in cells)
        return alt[COST_NANO] * tokens // (alt[INPUT] + alt[OUTPUT]), "observed rate"
    return None, ""


def dominated(view) -> List[Dict[str, Any]]:
    """The best faster-and-cheaper alternative of every (provider, model, task type) that has one."""
    cube, catalog = view.cube, view.catalog
    timing = cube.group("task_type", "model")
    main = {}  # type: Dict[str, str]
    for (p, mo), g in sorted(cube.group("provider", "model").items(), key=lambda kv: (-kv[1][CALLS], kv[0])):
        main.setdefault(mo, p)
    cells = {}  # type: Dict[Tuple[str, str, str], List[List[int]]]
    for (prov, model, _, task, _), g in cube.group(*CELL_DIMS).items():
        cells.setdefault((prov, model, task), []).append(g)
    out = []
    for (prov, model, task), g in sorted(cube.group("provider", "model", "task_type").items()):
        if g[LAT_N] < MIN_CALLS:
            continue
        mean = g[LAT_SUM] / float(g[LAT_N])
        best = None
        for alt in sorted(comparable_models(catalog, model, {mo for (t, mo) in timing if t == task})):
            a = timing[(task, alt)]
            if a[LAT_N] < MIN_CALLS or a[LAT_SUM] / float(a[LAT_N]) >= mean:
                continue
            entry = _entry(catalog, prov, alt, main)
            alt_nano, basis = _price(view, cells[(prov, model, task)], entry, a)
            if alt_nano is not None and g[COST_NANO] - alt_nano > 0 and (best is None or g[COST_NANO] - alt_nano > best[0]):
                best = (g[COST_NANO] - alt_nano, alt, entry.provider if entry else main.get(alt, ""), alt_nano,
                        a[LAT_SUM] / float(a[LAT_N]), basis)
        if best:
            saving, alt, alt_prov, alt_nano, alt_mean, basis = best
            out.append({"provider": prov, "task_type": task, "model": model, "dominated_by": alt,
                        "alternative_provider": alt_prov, "calls": g[CALLS], "cost_usd": view.usd(g[COST_NANO]),
                        "cost_at_alternative_usd": view.usd(alt_nano), "price_basis": basis,
                        "mean_ms": round(mean, 2), "alternative_mean_ms": round(alt_mean, 2),
                        "faster_pct": round(100.0 * (1 - alt_mean / mean), 2),
                        "upper_bound_usd_per_month": view.per_month(saving)})
    out.sort(key=lambda d: (-d["upper_bound_usd_per_month"], d["task_type"], d["model"], d["provider"]))
    return out
