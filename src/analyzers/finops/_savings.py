"""The savings model of the optimization report: four opportunities applied one after the other to what is left
of each cell's cost, so that no dollar is saved twice. Each lowers cost at equal usage (the same calls and
tokens served), which is what makes them savings (utils/definitions.py); usage caps, which serve less, are a
packaging scenario of the profitability report instead.

Order (each step works on the cost the previous steps left):
1. model right-sizing: simple task types on premium/standard models -> the cheapest catalog model that fits,
   the same tokens priced at the target's list prices;
2. prompt caching: a share of long prompts (>= 1024 input tokens) read from the cache at the model's cached price;
3. batch: a share of work that can wait sent to the provider's batch API at 50% of list;
4. reserved / provisioned capacity: a commitment sized to the steady baseline of what is still on demand.

Everything is integer nano-dollars over the data period, computed from cube queries only (deterministic, independent
of row order); the analyzer converts to USD per month. The figures that are assumptions live in the constants
below and in `assumptions()`, which the report prints.
"""
from typing import Any, Dict, List, Tuple

from analyzers.engine.cube import CALLS, COST_NANO, INPUT, LONG_CALLS, LONG_INPUT, OUTPUT
from analyzers.groups import groups
from pricing.catalog import list_cost_nano
from utils.money import NANO
from utils.timeutil import iso_day

KINDS = ("model_right_sizing", "prompt_caching", "batch", "provisioned_capacity")  # applied in this order
KIND_LABELS = {"model_right_sizing": "Model right-sizing", "prompt_caching": "Prompt caching",
               "batch": "Batch processing", "provisioned_capacity": "Reserved capacity"}

SIMPLE_TASKS = ("chat", "qa", "translation", "summarization")  # work an economy model does well
CONTEXT_HEADROOM = 4  # a target must hold 4x the average call (input + output): room for the longer calls
# Share (%) of long-prompt input tokens that is a repeated prefix (system prompt, conversation, shared document).
CACHE_SHARE_PCT = {"chat": 50, "qa": 50, "code_generation": 50, "analysis": 30, "translation": 10,
                   "summarization": 10}
CACHE_SHARE_OTHER_PCT = 25  # unknown or other task types
CACHE_READS_PER_WRITE = 10  # a cached prefix is written once (at the cache-write price, if any) per 10 reads
# Share (%) of calls that can wait for a batch API: (in production, in other environments).
BATCH_SHARE_PCT = {"analysis": (25, 100), "summarization": (25, 100)}
BATCH_PROVIDERS = ("anthropic", "azure", "bedrock", "google", "mistral", "openai")  # providers with a batch API
PRODUCTION = ("production", "prod", "")  # an empty or absent environment counts as production (the cautious case)
# Bedrock provisioned throughput: USD per second per model unit (the reference's claude-v2 rates, used for every
# Bedrock model).
BEDROCK_TERMS = (("1-month term", 0.0175), ("6-month term", 0.00972))
SECONDS_PER_DAY = 86400
MIN_BASELINE_DAYS = 3  # fewer days than this: no steady baseline, so no commitment is recommended


class Settings(object):
    """The tunable assumptions (command-line options of the analyzer)."""

    def __init__(self, commit_discount_pct: float = 20.0, commit_min_usd: float = 5000.0,
                 batch_discount_pct: int = 50) -> None:
        self.commit_discount_pct = commit_discount_pct
        self.commit_min_usd = commit_min_usd
        self.batch_discount_pct = batch_discount_pct


class Cell(object):
    """One (provider, model, customer, task type, environment) group and what is left of its cost."""
    __slots__ = ("provider", "model", "customer", "task", "env", "calls", "inp", "out", "cost_nano", "long_calls",
                 "long_input", "entry", "now", "on_demand", "batched")

    def __init__(self, key: Tuple[str, ...], m: List[int], entry) -> None:
        self.provider, self.model, self.customer, self.task, self.env = key
        self.calls, self.inp, self.out, self.cost_nano = m[CALLS], m[INPUT], m[OUTPUT], m[COST_NANO]
        self.long_calls, self.long_input = m[LONG_CALLS], m[LONG_INPUT]
        self.entry = entry  # catalog entry of the model used today (None: not in the catalog)
        self.now = entry  # the model after right-sizing
        self.on_demand = m[COST_NANO]  # cost left at on-demand prices (nano-USD over the period)
        self.batched = 0  # cost left in the batch API

    @property
    def left(self) -> int:
        return self.on_demand + self.batched


def _pct_of(amount: int, pct: float) -> int:
    return int(round(amount * pct / 100.0))


def _add(acc: Dict[Any, List[Any]], key: Any, calls: int, current: int, saved: int, extra: Dict[str, Any]) -> None:
    row = acc.get(key)
    if row is None:
        acc[key] = [calls, current, saved, extra]
    else:
        row[0] += calls
        row[1] += current
        row[2] += saved


def cells_of(view, catalog) -> List[Cell]:
    """The cells of the data, with their catalog entries, in the order of the shared groups (no figure depends on
    it: every step sums integers, and every table made from the cells is sorted on its own, so 300,000 cells are
    not sorted for nothing)."""
    entries = {}  # type: Dict[Tuple[str, str], Any]  # one catalog look-up per model, not per customer
    for k in groups(view).by_model:
        if (k[0], k[1]) not in entries:
            entries[(k[0], k[1])] = catalog.get(k[0], k[1])
    return [Cell(k, m, entries[(k[0], k[1])]) for k, m in groups(view).by_usage.items()]


# ---- 1. model right-sizing ------------------------------------------------------------------------------------
def choose_target(catalog, src, inp: int, out: int, calls: int, cost: int, day: str = ""):
    """The cheapest model on sale on `day` (the data's last day; YYYY-MM-DD, "" for any day) that fits these calls
    and costs less than today, preferring the same provider."""
    need = CONTEXT_HEADROOM * (inp + out) / float(max(1, calls))
    classes = ("economy",) if src.model_class == "standard" else ("economy", "standard")
    for cls in classes:  # a premium model may step down to standard only when no economy model fits
        fits = [e for e in sorted(catalog.entries, key=lambda e: (e.provider, e.model)) if e.model_class == cls
                and e.context_window >= need and (e.provider, e.model) != (src.provider, src.model)
                and (not day or e.on_sale(day))]
        priced = sorted((list_cost_nano(e, inp, out), e.provider != src.provider, e.provider, e.model, e) for e in fits)
        cheaper = [p for p in priced if p[0] < cost]
        same = [p for p in cheaper if not p[1]]
        pick = same[0] if same else (cheaper[0] if cheaper else None)
        if pick is not None:
            return pick[4]
    return None


def right_size(view, catalog, cells: List[Cell]) -> Tuple[Dict[Any, List[Any]], List[Dict[str, Any]]]:
    """Move simple tasks off premium/standard models; returns (opportunities, one table row per move)."""
    targets = {}  # (provider, model, task) -> entry
    day = iso_day(view.cube.last_ts // 86400) if view.cube.last_ts is not None else ""  # recommend what is on sale
    for (prov, model, task), m in sorted(groups(view).group("provider", "model", "task_type").items()):
        src = catalog.get(prov, model)
        if task in SIMPLE_TASKS and src is not None and src.model_class in ("premium", "standard"):
            t = choose_target(catalog, src, m[INPUT], m[OUTPUT], m[CALLS], m[COST_NANO], day)
            if t is not None:
                targets[(prov, model, task)] = t
    opps = {}  # type: Dict[Any, List[Any]]
    rows = {}  # type: Dict[Any, Dict[str, int]]
    for c in cells:
        t = targets.get((c.provider, c.model, c.task))
        if t is None:
            continue
        new = list_cost_nano(t, c.inp, c.out)
        if new >= c.cost_nano:
            continue
        key = (c.provider, c.model, c.task)
        _add(opps, key, c.calls, c.cost_nano, c.cost_nano - new, {"task_type": c.task, "from_provider": c.provider,
                                                          "from_model": c.model, "to_provider": t.provider,
                                                          "to_model": t.model})
        r = rows.setdefault(key, {"calls": 0, "input": 0, "output": 0, "cost": 0, "new": 0})
        for k, v in (("calls", c.calls), ("input", c.inp), ("output", c.out), ("cost", c.cost_nano), ("new", new)):
            r[k] += v
        c.now, c.on_demand = t, new
    table = []
    for key, r in rows.items():
        t = targets[key]
        table.append(dict(r, provider=key[0], model=key[1], task_type=key[2], to_provider=t.provider,
                          to_model=t.model, same_provider=t.provider == catalog.get(key[0], key[1]).provider))
    return opps, table


# ---- 2. prompt caching ----------------------------------------------------------------------------------------
def cache_saving(entry, long_input: int, share_pct: int) -> int:
    """Nano-USD saved when share_pct% of these long-prompt tokens are read from the cache (net of cache writes)."""
    if entry is None or entry.cached_input_micro_per_1m is None or entry.cached_input_micro_per_1m >= entry.input_micro_per_1m:
        return 0
    write_extra = max(0, (entry.cache_write_micro_per_1m or 0) - entry.input_micro_per_1m)  # a write premium (Anthropic: 125%)
    per_token = (entry.input_micro_per_1m - entry.cached_input_micro_per_1m) * CACHE_READS_PER_WRITE - write_extra
    den = 100 * 1000 * CACHE_READS_PER_WRITE
    return max(0, (long_input * share_pct * per_token + den // 2) // den)


def cache(cells: List[Cell]) -> Dict[Any, List[Any]]:
    """Read the repeated part of long prompts from the prompt cache, on the model each cell now uses."""
    opps = {}  # type: Dict[Any, List[Any]]
    for c in cells:
        share = CACHE_SHARE_PCT.get(c.task, CACHE_SHARE_OTHER_PCT)
        saved = min(c.on_demand, cache_saving(c.now, c.long_input, share))
        if saved <= 0:
            continue
        today = (c.long_input * c.entry.input_micro_per_1m + 500) // 1000  # the long prompts' input cost today
        _add(opps, (c.now.provider, c.now.model), c.long_calls, today, saved,
             {"provider": c.now.provider, "model": c.now.model})
        c.on_demand -= saved
    return opps


# ---- 3. batch -------------------------------------------------------------------------------------------------
def batch(cells: List[Cell], discount_pct: int) -> Dict[Any, List[Any]]:
    """Send the share of analysis/summarization work that can wait through the batch API."""
    opps = {}  # type: Dict[Any, List[Any]]
    for c in cells:
        provider = (c.now.provider if c.now is not None else c.provider).lower()
        shares = BATCH_SHARE_PCT.get(c.task)
        if shares is None or provider not in BATCH_PROVIDERS:
            continue
        prod = c.env.lower() in PRODUCTION
        share = shares[0] if prod else shares[1]
        moved = _pct_of(c.on_demand, share)
        saved = _pct_of(moved, discount_pct)
        if saved <= 0:
            continue
        _add(opps, (c.task, prod), _pct_of(c.calls, share), _pct_of(c.cost_nano, share), saved,
             {"task_type": c.task, "production": prod, "share_pct": share})
        c.on_demand -= moved
        c.batched += moved - saved
    return opps


def _take(cells: List[Cell], amount: int, fields: Tuple[str, ...] = ("on_demand", "batched")) -> None:
    """Remove `amount` nano-USD from these cells' remaining cost in proportion to it (exact, largest remainder)."""
    parts = [(c, f) for f in fields for c in cells]
    values = [getattr(c, f) for c, f in parts]
    total = sum(values)
    cuts = [amount * v // total for v in values]
    order = sorted(range(len(values)), key=lambda i: (-(amount * values[i] % total), i))
    for i in order[:amount - sum(cuts)]:
        cuts[i] += 1
    for (c, f), cut in zip(parts, cuts):
        setattr(c, f, getattr(c, f) - cut)


# ---- 4. reserved / provisioned capacity ------------------------------------------------------------------------
def _model_key(c: Cell) -> Tuple[str, str]:
    return (c.now.provider, c.now.model) if c.now is not None else (c.provider, c.model)


def steady_baseline(view) -> Dict[str, Any]:
    """The lowest day's cost over the mean day's: the share of spend that never goes away (days strictly inside
    the period, so that a partial first or last day does not count)."""
    cube = view.cube
    first, last = cube.first_ts // 86400, cube.last_ts // 86400
    daily = cube.daily()
    if last - first + 1 < MIN_BASELINE_DAYS:
        return {"days_used": 0, "min_nano": 0, "sum_nano": 0, "ratio_num": 0, "ratio_den": 1}
    days = range(first + 1, last)
    costs = [daily.get(d, [0, 0])[1] for d in days]
    lo, total = min(costs), sum(costs)
    return {"days_used": len(costs), "min_nano": lo, "sum_nano": total, "ratio_num": lo * len(costs),
            "ratio_den": max(1, total)}


def provisioned(view, cells: List[Cell], s: Settings, base: Dict[str, Any]) -> Tuple[Dict[Any, List[Any]],
                                                                                     List[Dict[str, Any]]]:
    """Commit to the steady baseline of each model's remaining on-demand spend where that beats on demand."""
    models = {}  # (provider, model) -> [calls, on-demand nano, today's cost nano, tokens, list nano]
    members = {}  # type: Dict[Tuple[str, str], List[Cell]]  # (provider, model) -> its cells, in order
    for c in cells:
        key = _model_key(c)
        members.setdefault(key, []).append(c)
        m = models.setdefault(key, [0, 0, 0, 0, 0])
        m[0] += c.calls
        m[1] += c.on_demand
        m[2] += c.cost_nano
        if c.now is not None:
            m[3] += c.inp + c.out
            m[4] += list_cost_nano(c.now, c.inp, c.out)
    period = view.days * NANO  # USD/day -> nano-USD over the period
    opps = {}  # type: Dict[Any, List[Any]]
    rows = []
    for (prov, model), (calls, on_demand, today, tokens, listed) in sorted(models.items()):
        baseline = on_demand * base["ratio_num"] // base["ratio_den"]
        if prov.lower() == "bedrock":
            offers = [(name, int(round(rate * SECONDS_PER_DAY * period)), None) for name, rate in BEDROCK_TERMS]
        else:
            offers = [("committed-use discount %g%%" % s.commit_discount_pct,
                       int(round(s.commit_min_usd * period / 30.0)), s.commit_discount_pct)]
        best = 0
        for name, price, disc in offers:
            if disc is None:  # one model unit replaces the baseline's on-demand spend
                saved = max(0, baseline - price)
                commit = price
            else:  # commit the baseline (at least the minimum) and pay (100 - disc)% of it
                saved = _pct_of(baseline, disc) if baseline >= price else 0
                commit = max(baseline, price)
            rows.append({"provider": prov, "model": model, "calls": calls, "offer": name,
                         "on_demand_nano": on_demand, "baseline_nano": baseline, "commitment_nano": commit,
                         "break_even_nano": price, "saved_nano": saved, "tokens": tokens, "list_nano": listed})
            best = max(best, saved)
        if best > 0:
            _add(opps, (prov, model), calls, today, best, {"provider": prov, "model": model})
            _take(members[(prov, model)], best, ("on_demand",))
    return opps, rows


def assumptions(s: Settings) -> List[Dict[str, str]]:
    """Every assumption behind the figures, in words (printed on the page and saved in the JSON)."""
    cache_shares = ", ".join("%s %d%%" % (t, p) for t, p in sorted(CACHE_SHARE_PCT.items()))
    batch_shares = ", ".join("%s %d%% in production and %d%% elsewhere" % (t, a, b)
                             for t, (a, b) in sorted(BATCH_SHARE_PCT.items()))
    return [
        {"kind": "all", "text": "Opportunities are applied in this order, each to the cost the previous ones leave: "
         "right-sizing, prompt caching, batch, reserved capacity; so no dollar is counted twice and "
         "the total can never exceed the monthly run rate (period cost x 30 / days)."},
        {"kind": "model_right_sizing", "text": "Simple task types (%s) on premium or standard models move to the "
         "cheapest economy model of the price catalog on sale on the data's last day (a premium model may step "
         "down to standard when no economy model fits) whose context window holds %dx the average call (input "
         "+ output tokens); a cheaper model of the same provider is preferred (a smaller migration). The same "
         "tokens are priced at the target's list prices; answer quality must be checked on a sample before "
         "switching." % (", ".join(SIMPLE_TASKS), CONTEXT_HEADROOM)},
        {"kind": "prompt_caching", "text": "Of the input tokens of long prompts (1,024 tokens or more), a share is "
         "a repeated prefix read from the cache: %s, %d%% for other tasks. Cached tokens cost the model's cached "
         "input price; where the catalog has a cache-write price above the input price (Anthropic), each prefix is "
         "written once per %d reads. Only models with a cached price in the catalog count; the data's costs are "
         "assumed not to include caching yet." % (cache_shares, CACHE_SHARE_OTHER_PCT, CACHE_READS_PER_WRITE)},
        {"kind": "batch", "text": "Work that can wait up to 24 hours goes to the provider's batch API at %d%% off "
         "list: %s; interactive task types stay on demand. Providers with a batch API: %s. A missing environment "
         "counts as production." % (s.batch_discount_pct, batch_shares, ", ".join(BATCH_PROVIDERS))},
        {"kind": "provisioned_capacity", "text": "The steady baseline of a model is its remaining on-demand spend "
         "x (lowest day / mean day) of the whole data's daily cost, over the days strictly inside the period (at "
         "least %d days of data). Bedrock: one provisioned-throughput model unit at %s USD per second (%s), "
         "against the baseline's on-demand cost. Other providers: a committed-use discount of %g%% on the "
         "baseline, available from %s USD/month of steady spend per model." % (
             MIN_BASELINE_DAYS, " / ".join("%g" % r for _, r in BEDROCK_TERMS),
             " / ".join(n for n, _ in BEDROCK_TERMS), s.commit_discount_pct, format(s.commit_min_usd, ",.0f"))},
    ]
