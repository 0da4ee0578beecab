"""The group-bys the eight reports share, summed once per report run from one pass over the cube's cells.

The reports ask for some twenty group-bys, and each cube.group() of a new set of dimensions is a pass over every
cell; with many customers the cells are many (100,000 customers: 300,000 cells). So the reports ask here: one pass
over the cells sums a few bases, each as small as what reads it, and every other group-by is summed from the
smallest base that holds its dimensions (a pass over groups, not cells):

- by_usage: (provider, model, customer_id, task_type, environment) -> the eight measures (a group of one cell:
  that cell's list, read by position): optimization's cells;
  by_model: (provider, model, task_type, environment), summed from it: a few hundred groups;
- by_tier: (customer_id, tier) -> the measures + [last call, first call] (FIRST, LAST: as in a cell);
- by_tags: (organization_id, product_id, feature_id) -> the measures, raw values (an empty tag is "");
- customer_org_cost: (customer_id, organization_id) -> cost, customer_feature_calls: (customer_id, feature_id) ->
  calls (tags labelled "(untagged)"), and untagged_cost: (customer_id, organization_id as in the data) -> the cost
  of the calls that lack a business tag: one number per pair, not eight (at 100,000 customers there are ~300,000).

`group(*dims)` equals view.cube.group(*dims) (tags labelled "(untagged)", keys in the same order), memoized: the
dicts and lists it returns are shared by every report, so callers must not change them.

    g = groups(view)  # one per View (one per report run)
    g.group("organization_id", "product_id")
"""
import weakref
from operator import itemgetter
from typing import Any, Callable, Dict, List, Tuple

from analyzers.engine.cube import FIRST_TS, LAST_TS, MEASURES, View, add_measures, sum_measures
from utils.schema import UNTAGGED

USAGE_DIMS = ("provider", "model", "customer_id", "task_type", "environment")
MODEL_DIMS = ("provider", "model", "task_type", "environment")
TIER_DIMS = ("customer_id", "tier")
TAG_DIMS = ("organization_id", "product_id", "feature_id")
LAST, FIRST = LAST_TS, FIRST_TS  # by_tier: the last and first call after the measures, as in a cell
TIER_ITEMS = MEASURES + 2
Base = Dict[Tuple[str, ...], List[int]]

_OF_VIEW = weakref.WeakKeyDictionary()  # type: weakref.WeakKeyDictionary


def groups(view: View) -> "Groups":
    """The shared group-bys of this view (made on first use)."""
    g = _OF_VIEW.get(view)
    if g is None:
        g = _OF_VIEW[view] = Groups(view)
    return g


class Groups(object):
    """The bases (see the module docstring) and every group-by derived from them."""

    def __init__(self, view: View) -> None:
        self.by_usage, self.by_tier, self.by_tags = {}, {}, {}  # type: Base, Base, Base
        self.customer_org_cost = {}  # type: Dict[Tuple[str, str], int]
        self.customer_feature_calls = {}  # type: Dict[Tuple[str, str], int]
        self.untagged_cost = {}  # type: Dict[Tuple[str, str], int]
        _fold_cells(view.cube.cells, self)
        self.by_model = _rollup(self.by_usage, itemgetter(0, 1, 3, 4))
        self._cube = view.cube
        self._memo = {}  # type: Dict[Any, Any]

    def group(self, *dims: str) -> Dict[Any, List[int]]:
        """cube.group(*dims), shared (do not change it)."""
        got = self._memo.get(dims)
        if got is None:
            got = self._memo[dims] = self._derive(dims)
        return got

    def _derive(self, dims: Tuple[str, ...]) -> Dict[Any, List[int]]:
        for names, base in ((MODEL_DIMS, self.by_model), (TAG_DIMS, self.by_tags), (TIER_DIMS, self.by_tier),
                            (USAGE_DIMS, self.by_usage)):
            if all(d in names for d in dims):
                return _rollup(base, _key([names.index(d) for d in dims], [d in TAG_DIMS for d in dims]))
        return self._cube.group(*dims)

    def totals(self) -> List[int]:
        """cube.totals(): the measures summed over everything."""
        return self.cached("totals", lambda: _rollup(self.by_model, lambda k: None).get(None, [0] * MEASURES))

    def distinct(self, by: str) -> Dict[str, int]:
        """cube.distinct("customer_id", by) for by = organization_id or feature_id: customers per value."""
        pairs = {"organization_id": self.customer_org_cost, "feature_id": self.customer_feature_calls}[by]

        def count() -> Dict[str, int]:
            out = {}  # type: Dict[str, int]
            for _, v in pairs:
                out[v] = out.get(v, 0) + 1
            return out
        return self.cached(("distinct", by), count)

    def tier_changes(self) -> Dict[str, List[str]]:
        """View.tier_changes(): customers seen with more than one tier, {customer: tiers seen, sorted}."""
        def changes() -> Dict[str, List[str]]:
            seen = {}  # type: Dict[str, List[str]]
            for cust, tier in self.by_tier:
                seen.setdefault(cust, []).append(tier)
            return {c: sorted(t) for c, t in sorted(seen.items()) if len(t) > 1}
        return self.cached("tier_changes", changes)

    def cached(self, name: Any, make: Callable[[], Any]) -> Any:
        """A value a report derives from these groups, made once per run (name it after its module)."""
        key = ("cached", name)
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]


def _fold_cells(cells: Dict[Tuple[str, ...], list], g: Groups) -> None:
    """The one pass over the cells that fills every base of g.

    Each cell is added twice: to its usage group and to its (customer, tier, organization, product, feature)
    group, from which the tier, tag and customer-pair bases are then summed (fewer groups than cells when a
    customer's calls spread over models). A group of one cell (nearly every one, when customers are many) is that
    cell's own list, whose first items are the measures and then the last and first call: no copy of 300,000
    lists. The second cell of a group replaces it by a copy (SHORT items long) before adding, so a cell is never
    changed. Keys come in the order cube.group() gives: a group's first cell decides its place."""
    by_usage, by_tier, by_tags = g.by_usage, g.by_tier, g.by_tags
    org_cost, feature_calls, untagged = g.customer_org_cost, g.customer_feature_calls, g.untagged_cost
    usage_key, tagged_key = itemgetter(0, 1, 2, 7, 8), itemgetter(2, 3, 4, 5, 6)
    tagged = {}  # type: Base  # (customer, tier, organization, product, feature) -> measures + [last, first]
    for key, m in cells.items():
        k = usage_key(key)
        a = by_usage.get(k)
        if a is None:
            by_usage[k] = m
        else:
            if len(a) > MEASURES:
                a = by_usage[k] = a[:MEASURES]
            add_measures(a, m)
        k = tagged_key(key)
        t = tagged.get(k)
        if t is None:
            tagged[k] = m
        else:
            if len(t) > TIER_ITEMS:
                t = tagged[k] = t[:TIER_ITEMS]
            _add_span(t, m)
    by_tags.update(sum_measures(zip(map(itemgetter(2, 3, 4), tagged), tagged.values())))
    for (cust, tier, org, product, feature), m in tagged.items():
        k = (cust, tier)
        t = by_tier.get(k)
        if t is None:
            by_tier[k] = m
        else:
            if len(t) > TIER_ITEMS:
                t = by_tier[k] = t[:TIER_ITEMS]
            _add_span(t, m)
        cost = m[3]
        k = (cust, org or UNTAGGED)
        org_cost[k] = org_cost.get(k, 0) + cost
        k = (cust, feature or UNTAGGED)
        feature_calls[k] = feature_calls.get(k, 0) + m[0]
        if not (org and product and feature):
            k = (cust, org)
            untagged[k] = untagged.get(k, 0) + cost


def _add_span(t: List[int], m: List[int]) -> None:
    """t's measures += m's, and t's first and last call widened to m's."""
    add_measures(t, m)
    if m[FIRST] < t[FIRST]:
        t[FIRST] = m[FIRST]
    if m[LAST] > t[LAST]:
        t[LAST] = m[LAST]


def _key(positions: List[int], tags: List[bool]) -> Callable[[Tuple[str, ...]], Any]:
    """The group key of a base key: the values at `positions` (one value: itself), an empty tag as "(untagged)"."""
    if not any(tags):
        return itemgetter(*positions)
    if len(positions) == 1:
        p = positions[0]
        return lambda k: k[p] or UNTAGGED
    spec = list(zip(positions, tags))
    return lambda k: tuple([(k[p] or UNTAGGED) if t else k[p] for p, t in spec])


def _rollup(base: Base, key: Callable[[Any], Any]) -> Dict[Any, List[int]]:
    """The base's measures summed by key(base key)."""
    return sum_measures(zip(map(key, base), base.values()))
