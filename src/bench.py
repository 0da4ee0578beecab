#!/usr/bin/env python3
"""The benchmark: how fast the simulator and the analyzers are, as ratios against bare csv loops in the same run.

    python3 src/bench.py [--repeat 3] [--scale 4] [--quick] [--json]

Generates its own data (the default simulation: 100 customers x 30 days, seed 42) in a temporary folder, runs
each measurement --repeat times in fresh processes and reports medians:

- simulator rows/s vs a bare csv.writer loop writing the same number of 19-field rows (target >= 0.3x);
- the continuous generator (run_all_simulators.py) in MB/min (target: 50 MB in under a minute);
- all eight analyzers in one worker vs a bare csv.reader pass converting the four numeric columns, on a file
  --scale times the default (target <= 3x);
- 2 workers vs 1 on that file (target <= 0.65 on 2 cores);
- an incremental refresh after appending 1% more rows vs a full pass (target <= 0.15);
- peak RSS of the analyzers at 1x and 8x the default data (target <= 150 MiB).

Timings on a shared machine are noisy: compare the ratios, which are measured side by side. See
specs/requirements.md for the figures and how to reproduce them.
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

SRC = os.path.dirname(os.path.realpath(__file__))
TARGETS = {"simulator_vs_csv_writer": (">=", 0.30), "analyzers_vs_csv_reader": ("<=", 3.0),
           "workers2_vs_workers1": ("<=", 0.65), "incremental_vs_full": ("<=", 0.15), "peak_rss_mib_8x": ("<=", 150)}

_WRITER = """
import csv, sys, time
src, dst = sys.argv[1], sys.argv[2]
with open(src, newline="", encoding="utf-8") as f:
    rd = csv.reader(f); header = next(rd); row = next(rd); n = sum(1 for _ in rd) + 1
t0 = time.perf_counter()
with open(dst, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\\n")
    w.writerow(header)
    for i in range(n):
        row[1] = "call-%d" % i
        w.writerow(row)
print(time.perf_counter() - t0, n)
"""
_READER = """
import csv, sys, time
t0 = time.perf_counter()
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rd = csv.reader(f); next(rd); s = 0.0
    for r in rd:
        s += int(r[4]) + int(r[5]) + float(r[6]) + float(r[7])
print(time.perf_counter() - t0)
"""


def median(xs: List[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


# A child started from a big process inherits that process's peak RSS in its own ru_maxrss (Linux carries the
# high-water mark across fork/vfork + exec). So each command is started by this small launcher, whose own peak
# is a fresh interpreter's, and the figures are the command's, not the benchmark's.
_LAUNCHER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = p.stderr.read()
_, status, usage = os.wait4(p.pid, 0)
print(json.dumps({"seconds": time.perf_counter() - t0, "rss_mib": usage.ru_maxrss / 1024.0, "status": status,
                  "stderr": err.decode("utf-8", "replace")[-300:]}))
"""


def timed(args: List[str]) -> Dict[str, float]:
    """Run a command; its wall seconds and peak RSS (MiB), measured by a small launcher process."""
    out = subprocess.run([sys.executable, "-c", _LAUNCHER] + args, stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    fig = json.loads(out)
    if fig["status"] != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args[1:3]), fig["stderr"].strip()))
    return fig


def inline(code: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code] + list(args), stdout=subprocess.PIPE, check=True,
                          universal_newlines=True).stdout


def scale_file(src: str, dst: str, times: int) -> None:
    """dst = the header of src + its data rows `times` times."""
    with open(src, "rb") as f:
        header = f.readline()
        body = f.read()
    with open(dst, "wb") as f:
        f.write(header)
        for _ in range(times):
            f.write(body)


def analyzers(data: str, out: str, *extra: str) -> Dict[str, float]:
    return timed([sys.executable, os.path.join(SRC, "run_all_analyzers.py"), "--data", data, "--out", out, "--quiet"]
                 + list(extra))


def measure(tmp: str, repeat: int, scale: int, log) -> Dict[str, object]:
    fig = {}  # type: Dict[str, object]
    data = os.path.join(tmp, "calls.csv")
    sim = [timed([sys.executable, os.path.join(SRC, "simulator", "core.py"), "--output", data, "--quiet"])["seconds"]
           for _ in range(repeat)]
    rows = sum(1 for _ in open(data, "rb")) - 1
    writer = [float(inline(_WRITER, data, os.path.join(tmp, "w.csv")).split()[0]) for _ in range(repeat)]
    fig.update(rows=rows, data_mb=round(os.path.getsize(data) / 1e6, 1), simulator_s=median(sim),
               simulator_rows_per_s=round(rows / median(sim)), csv_writer_rows_per_s=round(rows / median(writer)),
               simulator_vs_csv_writer=round(median(writer) / median(sim), 3))
    log("simulator: %s rows in %.2fs = %s rows/s; bare csv.writer %s rows/s; ratio %.2fx" % (
        format(rows, ","), median(sim), format(fig["simulator_rows_per_s"], ","), format(fig["csv_writer_rows_per_s"], ","),
        fig["simulator_vs_csv_writer"]))
    gen = os.path.join(SRC, "run_all_simulators.py")
    if os.path.exists(gen):
        cont = os.path.join(tmp, "cont.csv")
        runs = [timed([sys.executable, gen, "--target-mb", "25", "--output", cont])["seconds"] for _ in range(repeat)]
        mb = os.path.getsize(cont) / 1e6
        fig.update(continuous_mb=round(mb, 1), continuous_s=round(median(runs), 2),
                   continuous_mb_per_min=round(mb / median(runs) * 60, 1))
        log("continuous generator: %.1f MB in %.2fs = %.0f MB/min (50 MB in %.0fs)" % (
            mb, median(runs), fig["continuous_mb_per_min"], 50 / (mb / median(runs))))
    big = os.path.join(tmp, "big.csv")
    scale_file(data, big, scale)
    floor = [float(inline(_READER, big).split()[0]) for _ in range(repeat)]
    one = [analyzers(big, os.path.join(tmp, "r1"), "--workers", "1") for _ in range(repeat)]
    two = [analyzers(big, os.path.join(tmp, "r2"), "--workers", "2") for _ in range(repeat)]
    t1, t2 = median([r["seconds"] for r in one]), median([r["seconds"] for r in two])
    fig.update(scale=scale, csv_reader_s=round(median(floor), 3), analyzers_1_worker_s=round(t1, 3),
               analyzers_2_workers_s=round(t2, 3), analyzers_vs_csv_reader=round(t1 / median(floor), 3),
               workers2_vs_workers1=round(t2 / t1, 3), analyzer_rows_per_s=round(rows * scale / t1))
    log("analyzers (all 8, %dx file, %s rows): 1 worker %.2fs = %.2fx a bare csv.reader pass (%.2fs); 2 workers %.2fs = %.2f of 1" % (
        scale, format(rows * scale, ","), t1, fig["analyzers_vs_csv_reader"], median(floor), t2, fig["workers2_vs_workers1"]))
    inc = os.path.join(tmp, "inc")
    extra = max(1, rows * scale // 100)
    with open(data, "rb") as f:
        f.readline()
        appended = b"".join(f.readline() for _ in range(extra))
    times = []
    for _ in range(repeat):
        shutil.copyfile(big, big + ".inc")
        shutil.rmtree(inc, ignore_errors=True)
        analyzers(big + ".inc", inc, "--incremental", "--workers", "1")
        with open(big + ".inc", "ab") as f:
            f.write(appended)
        times.append(analyzers(big + ".inc", inc, "--incremental", "--workers", "1")["seconds"])
    fig.update(incremental_s=round(median(times), 3), incremental_vs_full=round(median(times) / t1, 3))
    log("incremental refresh after +1%% rows: %.2fs = %.2f of a full pass" % (median(times), fig["incremental_vs_full"]))
    rss = {}
    for k in (1, 8):
        path = data if k == 1 else os.path.join(tmp, "x8.csv")
        if k != 1:
            scale_file(data, path, k)
        rss[k] = max(analyzers(path, os.path.join(tmp, "m%d" % k), "--workers", "1")["rss_mib"] for _ in range(1))
        if k != 1:
            os.unlink(path)
    fig.update(peak_rss_mib_1x=round(rss[1], 1), peak_rss_mib_8x=round(rss[8], 1))
    log("peak RSS of the analyzers: %.0f MiB at 1x, %.0f MiB at 8x" % (rss[1], rss[8]))
    return fig


def verdicts(fig: Dict[str, object]) -> Dict[str, str]:
    out = {}
    for k, (op, goal) in TARGETS.items():
        if k in fig:
            v = float(fig[k])  # type: ignore[arg-type]
            ok = v >= goal if op == ">=" else v <= goal
            out[k] = "%s (target %s %s)" % ("met" if ok else "MISSED", op, goal)
    return out


def main(argv: Optional[List[str]] = None) -> int:
    from utils.cli import ArgumentParser, positive_int
    p = ArgumentParser(prog="bench.py", description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=positive_int, default=3, help="runs per measurement (median reported)")
    p.add_argument("--scale", type=positive_int, default=4, help="size of the analysis file in default data sets")
    p.add_argument("--quick", action="store_true", help="--repeat 1 --scale 1: a smoke run")
    p.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    args = p.parse_args(argv)
    repeat, scale = (1, 1) if args.quick else (args.repeat, args.scale)
    log = (lambda s: sys.stderr.write(s + "\n")) if args.json else print
    log("Python %s on %s, %d CPUs" % (platform.python_version(), platform.machine(), os.cpu_count() or 1))
    tmp = tempfile.mkdtemp(prefix="bench-")
    try:
        fig = measure(tmp, repeat, scale, log)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    fig.update(python=platform.python_version(), cpus=os.cpu_count(), repeat=repeat, verdicts=verdicts(fig))
    if args.json:
        print(json.dumps(fig, indent=1, sort_keys=True))
    else:
        for k, v in fig["verdicts"].items():  # type: ignore[union-attr]
            print("  %-26s %-8s %s" % (k, fig[k], v))
    return 0


if __name__ == "__main__":
    from utils.cli import run_main
    sys.exit(run_main(main))
