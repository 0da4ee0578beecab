"""Continuous generation: cycle through the twelve traffic scenarios on one timeline until the CSV reaches a size.

    python3 src/run_all_simulators.py [--target-mb 50] [--seed 42] [--output src/data/simulated_calls.csv]
                                      [--customers 100] [--start 2026-01-01] [--days-per-scenario N] [--append]
                                      [--prices FILE [--prices-alone]]

Each scenario runs for a period of days that starts the day after the previous one ends, with the same customers,
one random stream and one call numbering, so the file is one continuous, reproducible story. Whole rows are
appended (flushed block by block, so a live reader only ever sees a partial row at the very end) until the file
reaches the target; the last block is cut at a line boundary. Ctrl+C stops cleanly: the file ends with a complete
row, the summary is printed, exit code 130. See specs/simulators.md.
"""
import datetime as dt
import os
import random
import re
import shutil
import signal
import sys
import time
from typing import List, Optional, Tuple

from simulator import profiles as P
from pricing.catalog import Catalog
from pricing.cli import add_price_arguments, catalog_from_args
from simulator.core import DEFAULT_START, AICallSimulator, parse_date
from simulator.scenarios import NAMES, get_scenario
from utils.cli import ArgumentParser, positive_float, positive_int, run_main
from utils.errors import ConfigError, DataFileError
from utils.fsutil import check_writable
from utils.paths import DEFAULT_DATA
from utils.schema import FIELDS

HEADER = (",".join(FIELDS) + "\n").encode("utf-8")
BLOCK_LINES = 4096     # rows per write (~1.1 MB): the unit of flushing, progress and Ctrl+C
BYTES_PER_ROW = 273    # a simulated row on average, to size the default scenario period
MAX_DAYS_PER_SCENARIO = 7
_CALL_ID = re.compile(r"call_(\d+)$")


class Output(object):
    """The CSV being grown: whole-row blocks, its size, and Ctrl+C deferred while a block is being written."""

    def __init__(self, f, size: int, target: int, on_write) -> None:
        self.f = f
        self.size = size
        self.target = target
        self.rows = 0
        self.bytes = 0
        self.on_write = on_write
        self.writing = False
        self.interrupted = False

    def write_lines(self, lines: List[str]) -> bool:
        """Append the lines in blocks; stop at the line that brings the file to the target. True once there."""
        if self.size >= self.target:
            return True
        for i in range(0, len(lines), BLOCK_LINES):
            block = lines[i:i + BLOCK_LINES]
            data = "".join(block).encode("utf-8")
            if self.size + len(data) >= self.target:
                block = _first_lines(block, self.target - self.size)
                self.write_block("".join(block).encode("utf-8"), len(block))
                return True
            self.write_block(data, len(block))
        return self.size >= self.target

    def write_block(self, data: bytes, rows: int) -> None:
        """Write and flush whole rows; a Ctrl+C that came meanwhile is raised once they are on disk."""
        self.writing = True  # a Ctrl+C now only sets self.interrupted (see defer_sigint)
        self.f.write(data)
        self.f.flush()
        self.size += len(data)
        self.bytes += len(data)
        self.rows += rows
        self.writing = False
        if self.interrupted:
            raise KeyboardInterrupt
        self.on_write(self)


def _first_lines(lines: List[str], need: int) -> List[str]:
    """The shortest prefix of the lines whose UTF-8 size reaches `need` bytes."""
    total = 0
    for j, line in enumerate(lines):
        total += len(line.encode("utf-8"))
        if total >= need:
            return lines[:j + 1]
    return lines


def defer_sigint(out: Output):
    """Install a SIGINT handler that raises KeyboardInterrupt at once, except during a write (then after it).
    Returns the previous handler, or None when signals cannot be handled here (not the main thread)."""
    def handler(signum, frame):
        if out.writing:
            out.interrupted = True
        else:
            raise KeyboardInterrupt
    try:
        return signal.signal(signal.SIGINT, handler)
    except ValueError:
        return None


class Progress(object):
    """The progress bar on stderr: redrawn in place on a terminal, plain lines (every 10% or 2 s) otherwise."""

    def __init__(self, stream, target: int, start_size: int) -> None:
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.width = max(40, shutil.get_terminal_size((120, 24)).columns - 1)
        self.target = target
        self.start_size = start_size
        self.t0 = self.last_draw = time.time()
        self.last_step = start_size * 10 // target
        self.label = ""
        self.drawn = False

    def update(self, out: Output) -> None:
        if not out.rows:
            return
        now = time.time()
        if self.tty:
            if now - self.last_draw >= 0.1 or out.size >= self.target:
                self.stream.write("\r" + self.line(out, now).ljust(self.width)[:self.width])
                self.stream.flush()
                self.last_draw, self.drawn = now, True
            return
        step = out.size * 10 // self.target
        if step > self.last_step or now - self.last_draw >= 2.0:
            self.stream.write(self.line(out, now) + "\n")
            self.stream.flush()
            self.last_draw, self.last_step = now, step

    def line(self, out: Output, now: float) -> str:
        frac = min(1.0, out.size / float(self.target))
        secs = max(1e-6, now - self.t0)
        rate = out.bytes / secs
        eta = (self.target - out.size) / rate if rate > 0 and out.size < self.target else 0.0
        bar = "#" * int(frac * 20)
        return "%3d%% [%-20s] %s/%s MB  %s rows  %s rows/s  ETA %s  %s" % (
            int(frac * 100), bar, _mb(out.size), _mb(self.target), format(out.rows, ","),
            format(int(out.rows / secs), ","), _duration(eta), self.label)

    def finish(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _mb(n: int) -> str:
    return "%.1f" % (n / 1e6)


def _duration(secs: float) -> str:
    secs = int(secs + 0.5)
    return "%ds" % secs if secs < 60 else "%dm%02ds" % (secs // 60, secs % 60)


def read_tail(path: str) -> Tuple[int, Optional[dt.date], Optional[int]]:
    """(size, date of the last row, next free call number) of an existing CSV we append to.

    A partial last line (a writer killed mid-row) is cut off first, so the file ends with a complete row."""
    try:
        return _read_tail(path)
    except OSError as e:
        raise DataFileError("cannot append to %s: %s" % (path, e.strerror or e))


def _read_tail(path: str) -> Tuple[int, Optional[dt.date], Optional[int]]:
    with open(path, "rb+") as f:
        head = f.readline()
        if head.rstrip(b"\r\n") != HEADER.rstrip(b"\n"):
            raise DataFileError("%s does not start with the simulator's header (%s...); append only to a file "
                                "this tool wrote, or drop --append to start a fresh one" % (path, HEADER[:40].decode()))
        size = f.seek(0, os.SEEK_END)
        if not head.endswith(b"\n"):  # a header and nothing else, without its line end
            f.write(b"\n")
            return size + 1, None, 0
        f.seek(max(len(head), size - 65536))
        tail = f.read()
        if tail and not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            keep = size - len(tail) + cut + 1 if cut >= 0 else len(head)
            f.truncate(keep)
            sys.stderr.write("note: dropped a partial last line (%d bytes) of %s\n" % (size - keep, path))
            tail, size = tail[:cut + 1] if cut >= 0 else b"", keep
    lines = tail.splitlines()
    last = lines[-1].decode("utf-8", "replace").split(",") if lines else []
    if len(last) < 2 or size <= len(head):
        return size, None, 0 if size <= len(head) else _count_rows(path)
    try:
        last_date = dt.datetime.strptime(last[0][:10], "%Y-%m-%d").date()  # type: Optional[dt.date]
    except ValueError:
        last_date = None
    m = _CALL_ID.match(last[1])
    return size, last_date, int(m.group(1)) + 1 if m else _count_rows(path)


def _count_rows(path: str) -> int:
    """Data rows of the file (its line count minus the header): call numbers beyond them are free."""
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return max(0, n - 1)


def auto_days(target_bytes: int, customers) -> int:
    """Days per scenario so that one cycle through the scenarios about fills the target (1 to 7)."""
    per_day = sum(c.calls_per_day for c in customers) * BYTES_PER_ROW
    return max(1, min(MAX_DAYS_PER_SCENARIO, int(target_bytes / (per_day * len(NAMES)))))


def generate(out: Output, progress: Progress, customers, rng: random.Random, seed: int, start: dt.date,
             days: int, first_call_number: int, catalog: Optional[Catalog] = None) -> None:
    """Run the scenarios one period after another until the output reaches its target."""
    day, number, idle = start, first_call_number, 0
    k = 0
    while True:
        name = NAMES[k % len(NAMES)]
        sim = AICallSimulator(len(customers), days, seed, day, catalog=catalog, scenario=get_scenario(name),
                              customers=customers, first_call_number=number, rng=rng)
        before = out.rows
        for lines in sim.iter_lines():
            progress.label = "%s %s" % (name, sim.current_date)
            if out.write_lines(lines):
                return
        idle = idle + 1 if out.rows == before else 0
        if idle >= len(NAMES):  # a whole cycle without a row would loop for ever
            raise ConfigError("the scenarios produced no calls; use more --customers")
        rng, number, day = sim.rng, sim.next_call_number, day + dt.timedelta(days=days)
        k += 1


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="run_all_simulators.py",
                       description="Cycle through the traffic scenarios on one timeline, appending rows until the "
                                   "CSV reaches a target size.")
    p.add_argument("--target-mb", type=positive_float, default=50.0, help="stop at this file size in MB (default 50)")
    p.add_argument("--seed", type=int, default=42, help="random seed; same arguments give the same file (default 42)")
    p.add_argument("--output", default=DEFAULT_DATA, help="CSV to write (default src/data/simulated_calls.csv)")
    p.add_argument("--customers", type=positive_int, default=100, help="number of customers (default 100)")
    p.add_argument("--start", type=parse_date, default=DEFAULT_START, help="first day, YYYY-MM-DD (default %s)" % DEFAULT_START)
    p.add_argument("--days-per-scenario", type=positive_int, default=None,
                   help="days of each scenario's period (default: sized so one cycle through the %d scenarios about "
                        "fills the target, 1 to %d)" % (len(NAMES), MAX_DAYS_PER_SCENARIO))
    add_price_arguments(p, "prices the simulated calls")
    p.add_argument("--append", action="store_true",
                   help="continue an existing file: no second header, the timeline resumes after its last row")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    path = args.output
    check_writable(path, "output")
    target = int(args.target_mb * 1e6)
    catalog = catalog_from_args(args)
    rng = random.Random(args.seed)
    customers = P.make_customers(args.customers, rng)  # as AICallSimulator does: the first period equals core.py's
    start, number, size = args.start, 0, 0
    appending = args.append and os.path.exists(path) and os.path.getsize(path) > 0
    if appending:
        size, last_date, number = read_tail(path)
        if last_date is not None and last_date >= start:
            start = last_date + dt.timedelta(days=1)
        rng = random.Random("continue:%d:%s" % (args.seed, start.isoformat()))  # not a replay of an earlier run
        if size >= target:
            print("%s is already %s MB, at or above the target of %s MB: nothing to append" % (path, _mb(size), _mb(target)))
            return 0
    days = args.days_per_scenario or auto_days(target - size, customers)
    progress = Progress(sys.stderr, target, size)
    t0 = time.time()
    interrupted = False
    with open(path, "ab" if appending else "wb") as f:
        out = Output(f, size, target, progress.update)
        previous = defer_sigint(out)
        try:
            if not appending:
                out.write_block(HEADER, 0)
            generate(out, progress, customers, rng, args.seed, start, days, number, catalog)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
    progress.finish()
    verb = "appended" if appending else "wrote"
    print("%s %s rows (%s MB%s) in %.1fs to %s: %d-day periods from %s, ending in %s" % (
        "Interrupted: " + verb if interrupted else verb.capitalize(), format(out.rows, ","), _mb(out.bytes),
        ", the file is now %s MB" % _mb(out.size) if appending else "", time.time() - t0, path, days, start,
        progress.label or "-"))
    if interrupted:
        sys.stderr.write("run_all_simulators.py: interrupted; %s ends with a complete row\n" % path)
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(run_main(main))
