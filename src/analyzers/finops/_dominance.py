"""Slower and dearer: per (provider, model, task type), a comparable model that answered the same task type faster
in this data and would cost less at list price for the same tokens. Used by the performance analyzer.

The figure is an upper bound, not a saving (utils/definitions.py, "upper_bound"): it ignores answer quality. The
alternative is priced exactly as cost optimization prices a move (pricing.catalog.list_cost_nano over the same
cells, at the same provider's list price when it sells the model), so a move both reports name has one price.
"""
import itertools
from typing import Any, Dict, List, Optional, Tuple

from analyzers.engine.cube import CALLS, COST_NANO, INPUT, LAT_N, LAT_SUM, OUTPUT
from analyzers.finops._common import comparable_models
from analyzers.groups import groups
from pricing.catalog import list_cost_nano

MIN_CALLS = 10  # calls with a latency a model needs on a task type before it is compared on that task
CELL_DIMS = ("provider", "model", "customer_id", "task_type", "environment")  # optimization's cells
ROUNDING_NANO = 500  # half a micro-dollar: how far a call's 6-decimal cost may be from its exact list price


def _entry(catalog, provider: str, model: str, main: Dict[str, str]):
    """The list price of `model` as `provider` sells it, else as the provider carrying most of its calls here."""
    e = catalog.get(provider, model)
    if e is None or e.provider != provider:
        e = catalog.get(main.get(model, ""), model) or e
    return e


def _price(cells: Tuple[List[int], List[int]], entry, alt: List[int]) -> Tuple[Optional[int], str]:
    """The cells' tokens (their input and output tokens, cell by cell) at the alternative's price."""
    ins, outs = cells
    if entry is not None:
        return sum(map(list_cost_nano, itertools.repeat(entry, len(ins)), ins, outs)), "list price"
    if alt[INPUT] + alt[OUTPUT]:
        tokens = sum(ins) + sum(outs)
        return alt[COST_NANO] * tokens // (alt[INPUT] + alt[OUTPUT]), "observed rate"
    return None, ""


def _best(g: List[int], cells: Tuple[List[int], List[int]], faster: List[Tuple[str, List[int], Any]]):
    """(saving, index, alternative's cost, price basis) of the alternative in `faster` that saves most on these
    cells (the first of equals), if it saves more than the data's rounding; else None.

    Pricing an alternative is a sum over the cells (each cell rounded on its own, as optimization prices it), so
    the alternatives are tried largest possible saving first: list_cost_nano prices tokens linearly and rounds
    each cell once, so pricing the cells' total tokens at once is within n + 1 nano-dollars of the sum over the
    n cells, and an alternative that cannot beat the best so far even by that much is never summed."""
    cost, noise = g[COST_NANO], g[CALLS] * ROUNDING_NANO  # the data's costs are rounded per call: less is no gain
    ins, outs = cells
    total_in, total_out, slack = sum(ins), sum(outs), len(ins) + 1
    tries = []  # (largest saving possible, index, exact cost or None, basis)
    for i, (_, a, entry) in enumerate(faster):
        if entry is None:  # the observed rate: exact at once
            alt_nano, basis = _price(cells, None, a)
            if alt_nano is not None:
                tries.append((cost - alt_nano, i, alt_nano, basis))
        else:
            tries.append((cost - list_cost_nano(entry, total_in, total_out) + slack, i, None, "list price"))
    tries.sort(key=lambda t: (-t[0], t[1]))
    best = None  # type: Optional[Tuple[int, int, int, str]]
    for most, i, alt_nano, basis in tries:
        if most <= noise or (best is not None and (most, -i) < (best[0], -best[1])):
            break  # neither this one nor any after it can be chosen
        if alt_nano is None:
            alt_nano = _price(cells, faster[i][2], faster[i][1])[0]
        saving = cost - alt_nano
        if saving > noise and (best is None or (saving, -i) > (best[0], -best[1])):
            best = (saving, i, alt_nano, basis)
    return best


def _cell_tokens(shared) -> Dict[Tuple[str, str, str], Tuple[List[int], List[int]]]:
    """{(provider, model, task type): ([input tokens], [output tokens]) of its cells}, in one pass."""
    out = {}  # type: Dict[Tuple[str, str, str], Tuple[List[int], List[int]]]
    for (prov, model, _, task, _), g in shared.by_usage.items():
        t = out.get((prov, model, task))
        if t is None:
            t = out[(prov, model, task)] = ([], [])
        t[0].append(g[INPUT])
        t[1].append(g[OUTPUT])
    return out


def dominated(view) -> List[Dict[str, Any]]:
    """The best faster-and-cheaper alternative of every (provider, model, task type) that has one."""
    shared, catalog = groups(view), view.catalog
    timing = shared.group("task_type", "model")
    used = {}  # type: Dict[str, set]  # task type -> the models that served it
    for t, mo in timing:
        used.setdefault(t, set()).add(mo)
    main = {}  # type: Dict[str, str]
    for (p, mo), g in sorted(shared.group("provider", "model").items(), key=lambda kv: (-kv[1][CALLS], kv[0])):
        main.setdefault(mo, p)
    cells = _cell_tokens(shared)
    out = []
    for (prov, model, task), g in sorted(shared.group("provider", "model", "task_type").items()):
        if g[LAT_N] < MIN_CALLS:
            continue
        mean = g[LAT_SUM] / float(g[LAT_N])
        faster = [(alt, timing[(task, alt)], _entry(catalog, prov, alt, main))
                  for alt in sorted(comparable_models(catalog, model, used[task]))
                  if timing[(task, alt)][LAT_N] >= MIN_CALLS
                  and timing[(task, alt)][LAT_SUM] / float(timing[(task, alt)][LAT_N]) < mean]
        best = _best(g, cells[(prov, model, task)], faster)
        if best:
            saving, i, alt_nano, basis = best
            alt, a, entry = faster[i]
            alt_prov, alt_mean = entry.provider if entry else main.get(alt, ""), a[LAT_SUM] / float(a[LAT_N])
            out.append({"provider": prov, "task_type": task, "model": model, "dominated_by": alt,
                        "alternative_provider": alt_prov, "calls": g[CALLS], "cost_usd": view.usd(g[COST_NANO]),
                        "cost_at_alternative_usd": view.usd(alt_nano), "price_basis": basis,
                        "mean_ms": round(mean, 2), "alternative_mean_ms": round(alt_mean, 2),
                        "faster_pct": round(100.0 * (1 - alt_mean / mean), 2),
                        "upper_bound_usd_per_month": view.per_month(saving)})
    out.sort(key=lambda d: (-d["upper_bound_usd_per_month"], d["task_type"], d["model"], d["provider"]))
    return out
