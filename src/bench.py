#!/usr/bin/env python3
"""The benchmark: how fast the simulator and the analyzers are, as ratios against bare csv loops in the same run.

    python3 src/bench.py [--repeat 3] [--scale 4] [--quick] [--json] [--cardinality | --cardinality-only]
    DASK_VENV/bin/python src/bench.py --engine dask [--repeat 3] [--scale 4]

Generates its own data (the default simulation: 100 customers x 30 days, seed 42) in a temporary folder, runs
each measurement --repeat times in fresh processes and reports medians:

- simulator rows/s vs a bare csv.writer loop writing the same number of 19-field rows (target >= 0.3x);
- the continuous generator (run_all_simulators.py) in MB/min (target: 50 MB in under a minute);
- all eight analyzers in one worker vs a bare csv.reader pass converting the four numeric columns, on a file
  --scale times the default (target <= 3x);
- 2 workers vs 1 on that file (target <= 0.65 on 2 cores);
- an incremental refresh after appending 1% more rows vs a full pass (target <= 0.15);
- peak RSS of the analyzers at 1x and 8x the default data (target <= 150 MiB);
- the time of each phase of a run (read+fold, compute, render, write) against the bare csv.reader pass.

With --cardinality, the case where real data grows, more customers rather than copies of the same rows:
1,000 customers x 20 days (target <= 3x the bare pass, <= 200 MiB), and 100,000 distinct customer ids in its
first 300,000 rows (end users as customers, as a LiteLLM import gives: target <= 6x, <= 600 MiB, no page over
5 MB), each with its phases.

With --engine dask (run by a Python that has dask[distributed]), only the scale-out case: the --scale file as one
file and as daily .csv.gz files, read by 2 local workers and by a Dask LocalCluster of 2 workers: the overhead of
the cluster over local processes, and whether the eight reports' metrics are identical (they must be).

Timings on a shared machine are noisy: compare the ratios, which are measured side by side. See
specs/requirements.md for the figures and how to reproduce them.
"""
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

SRC = os.path.dirname(os.path.realpath(__file__))
TARGETS = {"simulator_vs_csv_writer": (">=", 0.30), "analyzers_vs_csv_reader": ("<=", 3.0),
           "workers2_vs_workers1": ("<=", 0.65), "incremental_vs_full": ("<=", 0.15), "peak_rss_mib_8x": ("<=", 150),
           "customers_1k_vs_csv_reader": ("<=", 3.0), "customers_1k_rss_mib": ("<=", 200),
           "customers_100k_vs_csv_reader": ("<=", 6.0), "customers_100k_rss_mib": ("<=", 600),
           "customers_100k_largest_page_mb": ("<=", 5.0)}
PHASES = ("read_fold_s", "compute_s", "render_s", "write_s")

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


# One run of all eight analyzers with one worker, as run_all_analyzers.py makes it, timed phase by phase: read and
# fold the file; compute each JSON document; render each page and its JSON text; write the report set.
_PHASES = """
import gc, json, os, sys, time
sys.path.insert(0, sys.argv[1])
from analyzers import runner
from analyzers.pages import current
from analyzers.passes import analyze_file
from analyzers.registry import IDS
from pricing.catalog import load_catalog
from utils import html_generator as H
from utils.json_io import dumps
data, out = sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
result, _, _ = analyze_file(data, 1)
t1 = time.perf_counter()
work = runner.ReportWork(result, IDS, {}, load_catalog(), data, "2026-01-01T00:00:00Z")
compute = render = 0.0
rendered = []
gc.disable()  # as runner.ReportWork.report does
for a in work.analyzers:
    c0 = time.perf_counter()
    doc = a.document(work.view, work.generated_at, data)
    c1 = time.perf_counter()
    with H.downloads(a.id) as files:
        page = a.page(doc, current(work.nav, a.id + ".html"))
    rendered.append((doc, dumps(doc), H.PageFiles(page, files)))
    compute, render = compute + c1 - c0, render + time.perf_counter() - c1
gc.enable()
t2 = time.perf_counter()
runner.write_outputs(out, result, rendered, data)
t3 = time.perf_counter()
html = os.path.join(out, "html")
pages = [os.path.getsize(os.path.join(html, n)) for n in os.listdir(html) if n.endswith(".html")]
print(json.dumps({"read_fold_s": t1 - t0, "compute_s": compute, "render_s": render, "write_s": t3 - t2,
                  "largest_page_mb": max(pages) / 1e6, "cells": len(result.cube.cells)}))
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


def phases(data: str, out: str, repeat: int) -> Dict[str, float]:
    """Median time of each phase of a one-worker run over `data` (and the largest page it wrote, in MB)."""
    runs = [json.loads(timed_output([sys.executable, "-c", _PHASES, SRC, data, out])) for _ in range(repeat)]
    return {k: median([r[k] for r in runs]) for k in runs[0]}


def timed_output(args: List[str]) -> str:
    return subprocess.run(args, stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout


def phase_line(name: str, ph: Dict[str, float], bare: float) -> str:
    return "  phases (%s): %s; bare csv.reader %.2fs" % (name, ", ".join(
        "%s %.2fs = %.2fx" % (k[:-2].replace("_", "+"), ph[k], ph[k] / bare) for k in PHASES), bare)


def ids_file(src: str, dst: str, customers: int = 100000, rows: int = 300000, seed: int = 7) -> None:
    """The first `rows` rows of src with customer_id drawn from `customers` ids (user_000042): many distinct
    customers each seen a few times, as end users imported as customers are."""
    rnd = random.Random(seed)
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        header = f.readline()
        out.write(header)
        cols = header.strip().split(",")
        ci, n = cols.index("customer_id"), 0
        for line in f:
            fields = line.rstrip("\n").split(",")
            if len(fields) != len(cols):
                continue  # a quoted field with a comma (none in simulated data)
            fields[ci] = "user_%06d" % rnd.randrange(customers)
            out.write(",".join(fields) + "\n")
            n += 1
            if n >= rows:
                break


def cardinality(tmp: str, repeat: int, log) -> Dict[str, object]:
    """1,000 customers x 20 days, then 100,000 distinct customer ids in 300,000 of its rows."""
    fig = {}  # type: Dict[str, object]
    many = os.path.join(tmp, "many.csv")
    timed([sys.executable, os.path.join(SRC, "simulator", "core.py"), "--customers", "1000", "--days", "20",
           "--seed", "42", "--start", "2026-01-01", "--output", many, "--quiet"])
    ids = os.path.join(tmp, "ids.csv")
    ids_file(many, ids)
    for name, data in (("1k", many), ("100k", ids)):
        bare = median([float(inline(_READER, data).split()[0]) for _ in range(repeat)])
        runs = [analyzers(data, os.path.join(tmp, "c" + name), "--workers", "1") for _ in range(repeat)]
        t = median([r["seconds"] for r in runs])
        ph = phases(data, os.path.join(tmp, "p" + name), repeat)
        rows = sum(1 for _ in open(data, "rb")) - 1
        key = "customers_" + name
        fig.update({key + "_rows": rows, key + "_cells": int(ph["cells"]), key + "_csv_reader_s": round(bare, 3),
                    key + "_s": round(t, 3), key + "_vs_csv_reader": round(t / bare, 3),
                    key + "_rss_mib": round(max(r["rss_mib"] for r in runs), 1),
                    key + "_largest_page_mb": round(ph["largest_page_mb"], 2)})
        fig.update({"%s_%s" % (key, k): round(ph[k], 3) for k in PHASES})
        log("%s customers (%s rows, %s cells): %.2fs = %.2fx a bare csv.reader pass (%.2fs); peak %.0f MiB; largest "
            "page %.2f MB" % (name, format(rows, ","), format(int(ph["cells"]), ","), t, t / bare, bare,
                              fig[key + "_rss_mib"], ph["largest_page_mb"]))
        log(phase_line(name + " customers", ph, bare))
    return fig


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
    ph = phases(big, os.path.join(tmp, "ph"), repeat)
    fig.update({"analyzers_" + k: round(ph[k], 3) for k in PHASES})
    log(phase_line("%dx file" % scale, ph, median(floor)))
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


def daily_gz(src: str, folder: str) -> int:
    """src split into one .csv.gz per day (its header on each), as a logger rotates them; the number of files."""
    import gzip
    os.makedirs(folder)
    with open(src, "rb") as f:
        header = f.readline()
        days = {}  # type: Dict[bytes, List[bytes]]
        for line in f:
            days.setdefault(line[:10], []).append(line)
    for day, lines in days.items():
        with gzip.open(os.path.join(folder, day.decode() + ".csv.gz"), "wb", compresslevel=6) as out:
            out.write(header + b"".join(lines))
    return len(days)


def metrics_of(out: str) -> str:
    """The eight reports' metrics, as one text to compare."""
    docs = []
    for name in sorted(os.listdir(os.path.join(out, "json"))):
        if name != "summary.json":
            with open(os.path.join(out, "json", name), encoding="utf-8") as f:
                docs.append(json.dumps(json.load(f)["metrics"], sort_keys=True))
    return "\n".join(docs)


def scaleout(tmp: str, repeat: int, scale: int, log) -> Dict[str, object]:
    """Local workers vs a Dask LocalCluster on the --scale file, one file and daily gzip files."""
    data, big, gz = os.path.join(tmp, "calls.csv"), os.path.join(tmp, "big.csv"), os.path.join(tmp, "gz")
    timed([sys.executable, os.path.join(SRC, "simulator", "core.py"), "--output", data, "--quiet"])
    scale_file(data, big, scale)
    files = daily_gz(big, gz)
    fig = {"scale": scale, "data_mb": round(os.path.getsize(big) / 1e6, 1), "gzip_files": files}  # type: Dict[str, object]
    for name, spec in (("file", big), ("gzip_folder", gz)):
        local = [analyzers(spec, os.path.join(tmp, "l" + name), "--workers", "2") for _ in range(repeat)]
        dask = [analyzers(spec, os.path.join(tmp, "d" + name), "--workers", "2", "--engine", "dask")
                for _ in range(repeat)]
        tl, td = median([r["seconds"] for r in local]), median([r["seconds"] for r in dask])
        same = metrics_of(os.path.join(tmp, "l" + name)) == metrics_of(os.path.join(tmp, "d" + name))
        fig.update({"local2_%s_s" % name: round(tl, 3), "dask2_%s_s" % name: round(td, 3),
                    "dask_vs_local_%s" % name: round(td / tl, 3), "dask_metrics_equal_%s" % name: same})
        log("%s (%.0f MB%s): 2 local workers %.2fs, Dask LocalCluster of 2 %.2fs = %.2fx; metrics %s" % (
            name.replace("_", " "), fig["data_mb"], ", %d files" % files if name != "file" else "", tl, td, td / tl,
            "identical" if same else "DIFFER"))
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
    p.add_argument("--cardinality", action="store_true",
                   help="also measure many customers: 1,000 x 20 days, and 100,000 distinct ids (a few minutes)")
    p.add_argument("--cardinality-only", action="store_true", help="only the --cardinality case")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="dask: only the scale-out case, local workers vs a Dask LocalCluster (needs dask[distributed])")
    args = p.parse_args(argv)
    repeat, scale = (1, 1) if args.quick else (args.repeat, args.scale)
    log = (lambda s: sys.stderr.write(s + "\n")) if args.json else print
    log("Python %s on %s, %d CPUs" % (platform.python_version(), platform.machine(), os.cpu_count() or 1))
    tmp = tempfile.mkdtemp(prefix="bench-")
    try:
        if args.engine == "dask":
            from analyzers.dask_engine import _distributed
            _distributed()  # one line naming what to install when Dask is absent
            fig = scaleout(tmp, repeat, scale, log)
        else:
            fig = {} if args.cardinality_only else measure(tmp, repeat, scale, log)
        if args.engine == "local" and (args.cardinality or args.cardinality_only):
            fig.update(cardinality(tmp, repeat, log))
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
