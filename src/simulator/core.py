"""Simulate realistic AI API traffic and write it as the showcase's CSV (one row per call, 19 fields).

Run from the repo root or from src/:

    python3 src/simulator/core.py [--customers 100] [--days 30] [--seed 42] [--start 2026-01-01]
                                  [--output src/data/simulated_calls.csv] [--prices FILE [--prices-alone]]
                                  [--scenario NAME]
    python3 src/simulator/core.py --list-scenarios

Or from Python (the seed's entry point):

    sim = AICallSimulator(num_customers=200, num_days=60, seed=42)
    sim.write_csv("calls.csv")          # or: for call in sim.iter_calls(): ...

Same arguments give a byte-identical file. See specs/simulators.md for the model behind the numbers.
"""
if __name__ == "__main__" and not __package__:  # run as a script: make src/ importable (see specs/architecture.md)
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # noqa: E401,E702

import dataclasses
import datetime as dt
import os
import random
import sys
import time
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from simulator import profiles as P
from pricing.catalog import Catalog, PriceEntry, load_catalog
from pricing.cli import catalog_from_args
from simulator.domain import Customer, SimulatedCall
from simulator.scenarios.base import Scenario
from utils.errors import ConfigError
from utils.schema import FIELDS

DEFAULT_START = dt.date(2026, 1, 1)
SLOT_BITS = 10                      # per-customer table of 1024 (feature, task, model) slots
POOL_BITS = 13                      # 8192 pre-drawn token samples per task type
LINES_PER_BATCH = 10000             # iter_lines hands over at most this many lines at a time
_EPOCH = dt.date(1970, 1, 1)

# One CSV line; the fields are in utils.schema.FIELDS order. Our values never contain a comma or quote
# (the catalog and the generated ids are validated), so no quoting is needed.
_LINE = "%s%s,call_%010d,%s,%d,%d,%d.%06d,%d,%s,%s,req_%024x,%s,%s,%s\n"
_HMS = None  # type: Optional[List[str]]


def _hms() -> List[str]:
    """'HH:MM:SSZ' for every second of a day, built once (formatting is the simulator's hot spot)."""
    global _HMS
    if _HMS is None:
        _HMS = ["%02d:%02d:%02dZ" % (s // 3600, s // 60 % 60, s % 60) for s in range(86400)]
    return _HMS


_SAMPLES = {}  # type: Dict[int, Tuple[Dict[str, List[Tuple[int, int]]], List[float]]]


def _samples(seed: int) -> Tuple[Dict[str, List[Tuple[int, int]]], List[float]]:
    """The seed's pre-drawn token pools and latency jitter, kept for the next simulator with the same seed
    (the continuous generator builds one per scenario period; drawing them costs ~0.15 s)."""
    got = _SAMPLES.get(seed)
    if got is None:
        if len(_SAMPLES) >= 4:
            _SAMPLES.clear()
        got = _SAMPLES[seed] = (P.token_pools(random.Random(seed * 7919 + 17), 1 << POOL_BITS),
                                P.latency_jitter(random.Random(seed * 104729 + 3), 1 << POOL_BITS))
    return got


class _Slot(object):
    """One precomputed (feature, task, model) choice of a customer, with its CSV fragments."""
    __slots__ = ("provider_model", "entry", "pool", "task", "context_limit", "mid_fields", "user_agent",
                 "in_price_micro", "out_price_micro", "ttft", "ms_per_token", "feature_id")

    def __init__(self, customer: Customer, feature_id: str, task: str, entry: PriceEntry, pool: list,
                 tag_mode: str = "tagged") -> None:
        self.provider_model = "%s,%s" % (entry.provider, entry.model)
        self.entry = entry
        self.pool = pool
        self.task = task
        self.feature_id = feature_id
        self.context_limit = entry.context_window
        self.in_price_micro = entry.input_micro_per_1m
        self.out_price_micro = entry.output_micro_per_1m
        self.ttft = entry.ttft_ms
        self.ms_per_token = 1000.0 / entry.tokens_per_s
        org, product, feature = customer.organization_id, customer.product_id, feature_id
        if tag_mode == "untagged":  # metered without business tags (see profiles.UNTAGGED_SHARES)
            org = product = feature = ""
        elif tag_mode == "no_feature":
            feature = ""
        self.mid_fields = "%s,%s,%s,%s,%s,%s" % (customer.customer_id, customer.tier, org, product, feature, task)
        self.user_agent = P.user_agent(customer, entry.provider)


class AICallSimulator(object):
    """Generates the calls of `num_customers` customers over `num_days` days from `start`, reproducibly."""

    def __init__(self, num_customers: int = 100, num_days: int = 30, seed: int = 42,
                 start: Optional[dt.date] = None, catalog: Optional[Catalog] = None,
                 scenario: Optional[Scenario] = None, customers: Optional[List[Customer]] = None,
                 first_call_number: int = 0, rng: Optional[random.Random] = None) -> None:
        if num_customers < 1 and not customers:
            raise ConfigError("the number of customers must be at least 1")
        if num_days < 1:
            raise ConfigError("the number of days must be at least 1")
        self.num_days = int(num_days)
        self.seed = int(seed)
        self.start = start or DEFAULT_START
        self.catalog = catalog or load_catalog()
        self.scenario = scenario or Scenario()
        # `rng` continues another simulator's random stream (the continuous generator's next period)
        self.rng = rng if rng is not None else random.Random(self.seed)
        self.customers = customers if customers is not None else P.make_customers(int(num_customers), self.rng)
        self.num_customers = len(self.customers)
        self.scenario.prepare(self)
        self.next_call_number = first_call_number
        self.rows_written = 0
        self.cost_micro_written = 0
        self.current_date = self.start
        self._pools, self._jitter = _samples(self.seed)
        self._tables = {}  # type: Dict[Tuple[int, object, Tuple[int, ...]], List[_Slot]]
        self._menus = {}  # type: Dict[str, Tuple[Tuple[int, ...], List[Tuple[int, float]]]]
        self._menu(0)  # fail now, not half-way through a file, when nothing is on sale on the first day
        self._hour_tables = {}  # type: Dict[Tuple[float, ...], List[int]]

    # ---- the mix: which (feature, task, model) a customer's call goes to -------------------------------------
    def _menu(self, day_index: int) -> Tuple[Tuple[int, ...], List[Tuple[int, float]]]:
        """The models on sale on this day (profiles.model_menu) and a key that changes when they change."""
        day = (self.start + dt.timedelta(days=day_index)).isoformat()
        got = self._menus.get(day)
        if got is None:
            menu = P.model_menu(self.catalog, day, self.scenario.keep_models)
            if not menu:
                raise ConfigError("no model of the price catalog is on sale on %s (see available_from and retired in "
                                  "the catalog): choose another --start, or add models with --prices FILE" % day)
            got = self._menus[day] = (tuple(i for i, _ in menu), menu)
        return got

    def _slot_table(self, customer: Customer, day_index: int) -> List[_Slot]:
        version = self.scenario.mix_version(day_index, self.num_days)
        on_sale, menu = self._menu(day_index)
        key = (customer.index, version, on_sale)
        table = self._tables.get(key)
        if table is None:
            features = self.scenario.features(customer, day_index, self.num_days)
            who = customer if features is None else dataclasses.replace(customer, features=list(features))
            weights = P.mix_weights(who, self.catalog, self.scenario, day_index, self.num_days, menu)
            slots = {}  # type: Dict[Tuple[str, str, int, str], _Slot]
            table = []
            for slot_key, count in P.apportion(weights, 1 << SLOT_BITS):
                s = slots.get(slot_key)
                if s is None:
                    feature_id, task, ei, mode = slot_key
                    s = slots[slot_key] = _Slot(customer, feature_id, task, self.catalog.entries[ei],
                                                self._pools[task], mode)
                table.extend([s] * count)
            if len(self._tables) > 20000:  # bounded: long continuous runs with many mix versions
                self._tables.clear()
            self._tables[key] = table
        return table

    def _hour_table(self, weights: Sequence[float]) -> List[int]:
        key = tuple(weights)
        table = self._hour_tables.get(key)
        if table is None:
            table = []
            for hour, count in P.apportion([(h, w) for h, w in enumerate(weights)], 1024):
                table.extend([hour] * count)
            self._hour_tables[key] = table
        return table

    # ---- generation ----------------------------------------------------------------------------------------------
    def iter_lines(self) -> Iterator[List[str]]:
        """Yield the CSV lines (without header) in time order, a day (or 10,000 lines of a busy day) at a time;
        `current_date` is the day being written.

        One long function on purpose: this loop writes every row, so what it uses is bound to locals."""
        rng = self.rng
        rand, bits = rng.random, rng.getrandbits
        hms = _hms()
        jitter = self._jitter
        jmask = (1 << POOL_BITS) - 1
        pmask = (1 << POOL_BITS) - 1
        smask = (1 << SLOT_BITS) - 1
        trace_lengths = P.TRACE_LENGTHS
        envs = P.ENVIRONMENT_TABLE
        for day_index in range(self.num_days):
            date = self.start + dt.timedelta(days=day_index)
            prefix = date.isoformat() + "T"
            dow = P.DAY_OF_WEEK_FACTOR[date.weekday()]
            events = []  # (second of day, sequence, slot, trace id, session id, environment, input tokens seed)
            seq = 0
            for cust in self.customers:
                factor = self.scenario.volume(cust, day_index, self.num_days, date)
                if factor <= 0:
                    continue
                expected = cust.calls_per_day * dow * factor * rng.lognormvariate(-0.03125, 0.25)
                n = int(expected + rand())
                if n <= 0:
                    continue
                table = self._slot_table(cust, day_index)
                weights = self.scenario.hour_weights(cust, day_index, self.num_days, date) or P.hour_profile(cust)
                hours = self._hour_table(weights)
                sessions = {}  # type: Dict[int, str]
                while n > 0:
                    k = trace_lengths[bits(3)]
                    if k > n:
                        k = n
                    n -= k
                    slot = table[bits(SLOT_BITS) & smask]
                    sec = hours[bits(10)] * 3600 + int(rand() * 3600)
                    window = sec // 10800
                    sess = sessions.get(window)
                    if sess is None:
                        sess = sessions[window] = "sess_%016x" % bits(64)
                    trace = "%032x" % bits(128)
                    env = envs[bits(6)]
                    inp, out = slot.pool[bits(POOL_BITS) & pmask]
                    for _ in range(k):
                        events.append((sec if sec < 86400 else 86399, seq, slot, trace, sess, env, inp, out))
                        seq += 1
                        # the next call of the trace re-sends the conversation so far plus a new message
                        sec += 2 + int(rand() * 25) + int(out * slot.ms_per_token / 1000)
                        nin, out = slot.pool[bits(POOL_BITS) & pmask]
                        inp = inp + out + nin // 4
            events.sort()
            self.current_date = date
            lines = []
            number = self.next_call_number
            cost_micro_total = 0
            for sec, _, slot, trace, sess, env, inp, out in events:
                if len(lines) >= LINES_PER_BATCH:  # bounded memory on a 50x viral day: hand over whole lines
                    self.next_call_number, self.rows_written = number, self.rows_written + len(lines)
                    self.cost_micro_written += cost_micro_total
                    cost_micro_total = 0
                    yield lines
                    lines = []
                limit = slot.context_limit
                if inp + out > limit:  # clip to the model's context window, keeping room for the answer
                    if out > limit // 4:
                        out = limit // 4
                    inp = limit - out
                cost_micro = (inp * slot.in_price_micro + out * slot.out_price_micro + 500000) // 1000000
                cost_micro_total += cost_micro
                latency = int(slot.ttft * jitter[bits(POOL_BITS) & jmask] + out * slot.ms_per_token) + 1
                lines.append(_LINE % (prefix, hms[sec], number, slot.provider_model, inp, out,
                                      cost_micro // 1000000, cost_micro % 1000000, latency, slot.mid_fields, env,
                                      bits(96), trace, sess, slot.user_agent))
                number += 1
            self.next_call_number = number
            self.rows_written += len(lines)
            self.cost_micro_written += cost_micro_total
            yield lines

    def iter_calls(self) -> Iterator[SimulatedCall]:
        """Yield every call as a `SimulatedCall` dataclass (slower than write_csv; for tests and notebooks)."""
        for lines in self.iter_lines():
            for line in lines:
                v = line.rstrip("\n").split(",")
                yield SimulatedCall(v[0], v[1], v[2], v[3], int(v[4]), int(v[5]), v[6], int(v[7]), v[8], v[9], v[10], v[11],
                                    v[12], v[13], v[14], v[15], v[16], v[17], v[18])

    def write_csv(self, path: str, append: bool = False,
                  on_progress: Optional[Callable[[int, int], None]] = None) -> int:
        """Write the CSV (atomically: a temp file renamed into place), or append whole days to `path`.

        Returns the number of rows written; `on_progress(rows, bytes)` is called after each day."""
        from utils.fsutil import atomic_open, check_writable
        check_writable(path, "output")
        if append:
            needs_header = not os.path.exists(path) or os.path.getsize(path) == 0
            with open(path, "a", encoding="utf-8", newline="") as f:
                return self._write(f, needs_header, on_progress)
        with atomic_open(path, "w") as f:
            return self._write(f, True, on_progress)

    def _write(self, f, header: bool, on_progress: Optional[Callable[[int, int], None]]) -> int:
        written = 0
        size = 0
        if header:
            head = ",".join(FIELDS) + "\n"
            f.write(head)
            size += len(head)
        for lines in self.iter_lines():
            chunk = "".join(lines)
            f.write(chunk)
            written += len(lines)
            size += len(chunk)
            if on_progress is not None:
                f.flush()
                on_progress(written, size)
        return written


def parse_date(text: str) -> dt.date:
    """argparse type: a YYYY-MM-DD date."""
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        import argparse
        raise argparse.ArgumentTypeError("%r is not a date like 2026-01-01" % text)


def build_parser():
    from pricing.cli import add_price_arguments
    from utils.cli import ArgumentParser, positive_int
    from utils.paths import DEFAULT_DATA
    p = ArgumentParser(prog="core.py", description="Simulate AI API calls with business metadata and write them as CSV.")
    p.add_argument("--customers", type=positive_int, default=100, help="number of customers (default 100)")
    p.add_argument("--days", type=positive_int, default=30, help="days of traffic (default 30)")
    p.add_argument("--seed", type=int, default=42, help="random seed; same arguments give the same file (default 42)")
    p.add_argument("--start", type=parse_date, default=DEFAULT_START, help="first day, YYYY-MM-DD (default %s)" % DEFAULT_START)
    p.add_argument("--output", default=DEFAULT_DATA, help="CSV to write (default src/data/simulated_calls.csv)")
    add_price_arguments(p, "prices the simulated calls; the built-in catalog lends class, speed and dates to the "
                           "models it also has")
    p.add_argument("--scenario", default=None, help="a traffic scenario (see --list-scenarios)")
    p.add_argument("--list-scenarios", action="store_true", help="list the traffic scenarios and exit")
    p.add_argument("--quiet", action="store_true", help="no summary line")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    from simulator.scenarios import get_scenario, list_scenarios
    args = build_parser().parse_args(argv)
    if args.list_scenarios:
        for name, description in list_scenarios():
            print("%-18s %s" % (name, description))
        return 0
    catalog = catalog_from_args(args)
    scenario = get_scenario(args.scenario) if args.scenario else None
    t0 = time.time()
    sim = AICallSimulator(args.customers, args.days, args.seed, args.start, catalog, scenario)
    before = os.path.getsize(args.output) if os.path.isfile(args.output) else 0
    rows = sim.write_csv(args.output)
    if not args.quiet:
        print("Wrote %s calls ($%s of AI cost, %d customers, %d days%s) to %s in %.1fs%s" % (
            format(rows, ","), format(sim.cost_micro_written / 1e6, ",.2f"), sim.num_customers, args.days,
            ", scenario " + args.scenario if args.scenario else "", args.output, time.time() - t0,
            "; it replaced the %.1f MB file that was there (pass --output PATH to keep a file)" % (before / 1e6)
            if before else ""))
    return 0


if __name__ == "__main__":
    from utils.cli import run_main
    from simulator.core import main as _main  # the importable module, not this __main__ copy
    sys.exit(run_main(_main))
