"""The command line of run_all_analyzers.py and of each analyzer's own script.

    run_all_analyzers.py [--data CSV] [--out DIR] [--workers N] [--incremental] [--prices FILE [--prices-alone]]
                         [analyzer options]

Builds the price catalog once (built-in + --prices), reads the file once (analyzers/runner.py), computes and
writes the reports, and prints one summary line.
"""
import argparse
import json
import os
import sys
import time
from typing import List, Optional, Sequence

from analyzers.engine.fold import PassResult
from analyzers.engine.reader import ReadStats
from analyzers.registry import IDS, analyzer_classes
from analyzers.engine.inputs import describe, resolve
from analyzers.passes import ENGINES, analyze_file, auto_workers
from analyzers.runner import existing_reports, render_reports, write_outputs
from pricing.cli import add_price_arguments, catalog_from_args
from utils.cli import ArgumentParser
from utils.errors import ConfigError
from utils.paths import DEFAULT_DATA, DEFAULT_REPORTS, GENERATE_COMMAND

# how to run, not what to compute
RUN_FLAGS = ("data", "out", "workers", "incremental", "target_mb", "quiet", "prices_alone", "engine", "scheduler",
             "storage_options")


class Progress(object):
    """Bytes read of the file, rows/s and ETA on stderr, redrawn in place; silent when stderr is not a terminal."""

    def __init__(self, total_bytes: int, enabled: Optional[bool] = None) -> None:
        self.total = max(1, total_bytes)
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.t0 = time.time()
        self.drawn = False

    def __call__(self, stats: ReadStats) -> None:
        if not self.enabled:
            return
        secs = max(1e-6, time.time() - self.t0)
        frac = min(1.0, stats.bytes_read / float(self.total))
        eta = secs * (1 - frac) / frac if frac > 0 else 0
        bar = "#" * int(frac * 30)
        sys.stderr.write("\r[%-30s] %5.1f%%  %.1f/%.1f MB  %s rows  %s rows/s  ETA %ds " % (
            bar, 100 * frac, stats.bytes_read / 1e6, self.total / 1e6, format(stats.rows, ","),
            format(int(stats.rows / secs), ","), eta))
        sys.stderr.flush()
        self.drawn = True

    def done(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")


def build_parser(ids: Sequence[str], prog: str) -> ArgumentParser:
    what = "all eight analyzers" if len(ids) > 1 else "the %s analyzer" % ids[0]
    p = ArgumentParser(prog=prog, description="Read the AI-call CSV once and write the reports of %s." % what)
    p.add_argument("--data", default=DEFAULT_DATA,
                   help="the AI calls: a CSV file (or .csv.gz), a folder of them, a glob ('logs/*.csv.gz'), or a URL "
                        "such as s3://bucket/calls/ (needs fsspec) (default src/data/simulated_calls.csv)")
    p.add_argument("--out", default=DEFAULT_REPORTS, help="output folder: json/, html/ (default src/reports)")
    p.add_argument("--workers", type=int, default=0,
                   help="processes reading parts of the data (0 = automatic); with --engine dask and no --scheduler, "
                        "the size of the local cluster")
    p.add_argument("--engine", choices=ENGINES, default="local",
                   help="who runs the pass: local processes (default) or a Dask cluster (needs dask[distributed])")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: a running cluster's scheduler, e.g. tcp://HOST:8786 (default: start a "
                        "local cluster)")
    p.add_argument("--storage-options", metavar="JSON", type=_json_object,
                   help='for a URL in --data: fsspec options as JSON, e.g. \'{"profile": "analytics"}\' or '
                        '\'{"endpoint_url": "http://127.0.0.1:9000"}\'')
    p.add_argument("--incremental", action="store_true",
                   help="keep state in OUT/state/ and read only the rows appended since the last run")
    add_price_arguments(p, "values the alternatives every report prices (the spend itself is the CSV's cost_usd)")
    p.add_argument("--target-mb", type=float, default=None, help="size the data file is growing to (for the viewer)")
    p.add_argument("--quiet", action="store_true", help="no summary line")
    seen = set()
    for cls in analyzer_classes(ids):
        for flag, spec in cls.OPTIONS:
            if flag not in seen:
                seen.add(flag)
                p.add_argument(flag, **spec)
    return p


def _summary_line(result: PassResult, data_file: str, secs: float, how: str, reports: int, where: str) -> str:
    s = result.stats
    skipped = ": " + ", ".join("%d %s" % (n, r) for r, n in sorted(s.skipped.items())) if s.skipped else ""
    return "Analyzed %s rows (%s skipped%s) of %s in %.1fs [%s]; wrote %d report(s) to %s" % (
        format(s.rows, ","), format(s.skipped_rows, ","), skipped, data_file, secs, how, reports, where)


def _json_object(text: str) -> dict:
    """--storage-options: a JSON object."""
    try:
        value = json.loads(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError("not JSON (%s); expected an object such as '{\"profile\": \"p\"}'" % e)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object such as '{\"profile\": \"p\"}'")
    return value


def main(argv: Optional[List[str]], ids: Sequence[str] = IDS, prog: str = "run_all_analyzers.py") -> int:
    """Run the analyzers `ids` over --data and write their reports (and, for all of them, the summary)."""
    args = build_parser(ids, prog).parse_args(argv)
    if args.workers < 0:
        raise ConfigError("--workers must be 0 (automatic) or more")
    if args.scheduler and args.engine != "dask":
        raise ConfigError("--scheduler is for --engine dask: add --engine dask, or drop --scheduler")
    options = {k: v for k, v in vars(args).items() if k not in RUN_FLAGS}
    catalog = catalog_from_args(args)  # once per run: every analyzer values alternatives with the same prices
    t0 = time.time()
    remote = "://" in args.data
    data = args.data if remote else os.path.abspath(args.data)
    sources = resolve(data, args.storage_options)
    size = sum(s.size for s in sources)
    progress = Progress(size)
    state_dir = os.path.join(args.out, "state") if args.incremental else None
    try:
        result, how, inc = analyze_file(data, args.workers, state_dir, progress, args.engine, args.scheduler,
                                        args.storage_options)
    finally:
        progress.done()
    if args.engine != "local":
        how += ", %s engine" % args.engine
    nav_ids = IDS if len(ids) == len(IDS) else [i for i in IDS if i in ids or i in existing_reports(args.out)]
    rendered = render_reports(result, ids, options, catalog, args.data, args.workers or auto_workers(size),
                              nav_ids=nav_ids)  # made one at a time, as write_outputs writes them
    target = int(args.target_mb * 1e6) if args.target_mb else None
    docs = write_outputs(args.out, result, rendered, args.data, target, with_index=len(ids) > 1)
    if inc is not None:
        inc.save()  # after the reports: the state keeps the groups they memoized
    if not args.quiet:
        where = os.path.join(args.out, "html", "index.html" if len(ids) > 1 else ids[0] + ".html")
        named = args.data if len(sources) == 1 else "%s: %s" % (args.data, describe(sources))
        print(_summary_line(result, named, time.time() - t0, how, len(docs), where))
        if result.stats.rows == 0:
            print("The data file has no usable rows yet: the reports say so. Generate data with `%s`."
                  % GENERATE_COMMAND)
    return 0
