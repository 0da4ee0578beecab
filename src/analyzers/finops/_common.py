"""Small helpers shared by the FinOps analyzers: sorted money dicts, shares, medians, nearest-rank percentiles,
exact proportional allocation. Business logic stays in each analyzer; these are plain arithmetic."""
import bisect
import functools
import itertools
import math
from fractions import Fraction
from typing import Dict, List, Optional, Sequence, Tuple

from pricing.catalog import CLASSES
from utils import html_generator as H


def by_cost(groups: Dict[object, List[int]], index: int) -> List[Tuple[object, List[int]]]:
    """Groups sorted by the measure at `index` descending, then by name (deterministic)."""
    return sorted(groups.items(), key=lambda kv: (-kv[1][index], str(kv[0])))


def usd_dict(view, groups: Dict[object, List[int]], index: int) -> Dict[str, float]:
    """{name: USD} of one money measure, largest first, over every group."""
    return {str(k): view.usd(m[index]) for k, m in by_cost(groups, index)}


def pct(part: float, whole: float) -> float:
    """part / whole in percent units, 2 decimals; 0 when whole is 0."""
    return round(100.0 * part / whole, 2) if whole else 0.0


def ratio(num: float, den: float, places: int = 6) -> Optional[float]:
    """num / den rounded, or None when den is 0 (JSON null: 'not defined', never a fake zero)."""
    return round(num / den, places) if den else None


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence (mean of the middle two for an even count)."""
    s = sorted(values)
    n = len(s)
    if n == 0:
        return 0.0
    mid = n // 2
    return float(s[mid]) if n % 2 else (s[mid - 1] + s[mid]) / 2.0


def mad(values: Sequence[float], center: float) -> float:
    """Median absolute deviation around `center`."""
    return median([abs(v - center) for v in values])


def nearest_rank(hist: Dict[int, int], pcts: Sequence[float]) -> List[int]:
    """Exact percentiles by nearest rank (the ceil(p/100 x N)-th smallest value) of a {value: count} histogram."""
    values = sorted(hist)
    return nearest_rank_sorted(values, list(map(hist.__getitem__, values)), pcts)


def nearest_rank_sorted(values: Sequence[int], counts: Sequence[int], pcts: Sequence[float]) -> List[int]:
    """nearest_rank of a histogram given as its values in ascending order and their counts: the smallest value
    whose running count reaches each rank, found by bisection (a histogram has thousands of latencies)."""
    running = list(itertools.accumulate(counts))
    total = running[-1] if running else 0
    if total == 0:
        return [0 for _ in pcts]
    return [values[bisect.bisect_left(running, r)] for r in nearest_ranks(total, pcts)]


def nearest_ranks(total: int, pcts: Sequence[float]) -> List[int]:
    """The rank of each percentile among `total` values, by nearest rank: ceil(p/100 x N), at least 1."""
    return [max(1, int(math.ceil(Fraction(str(p)) * total / 100))) for p in pcts]  # exact: no float rounding


def allocate(amount: int, weights: Dict[str, int]) -> Dict[str, int]:
    """Split integer `amount` across keys in proportion to `weights` exactly (largest remainder; ties by name)."""
    total = sum(weights.values())
    if total <= 0 or amount == 0:
        return {k: 0 for k in weights}
    shares = {k: amount * w // total for k, w in weights.items()}
    left = amount - sum(shares.values())
    order = sorted(weights, key=lambda k: (-(amount * weights[k] % total), k))
    for k in order[:left]:
        shares[k] += 1
    return shares


def money_cell(v: Optional[float]):
    """A table cell showing USD and sorting by the number (formatted only if its row is shown: see H.table)."""
    return (H.fmt_usd, v) if v is not None else ("\u2014", None)


_PCT_FORMATS = {d: functools.partial(H.fmt_pct, decimals=d) for d in (0, 1, 2)}


def pct_cell(v: Optional[float], decimals: int = 1):
    """A table cell showing a percentage and sorting by the number."""
    if v is None:
        return ("\u2014", None)
    return (_PCT_FORMATS.get(decimals) or functools.partial(H.fmt_pct, decimals=decimals), v)


def comparable_models(catalog, model: str, models) -> set:
    """Models of the same catalog price class as `model` or one class cheaper (premium -> standard -> economy):
    a credible like-for-like replacement. Models not in the catalog are compared with everything."""

    def rank(name: str) -> Optional[int]:
        e = catalog.find_model(name)
        return CLASSES.index(e.model_class) if e is not None and e.model_class in CLASSES else None

    mine = rank(model)
    return {o for o in models if o != model and (mine is None or rank(o) is None or mine <= rank(o) <= mine + 1)}
