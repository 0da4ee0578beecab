"""Beyond one file and one machine: a folder of daily files, a glob of .csv.gz, local workers over many files, an
incremental refresh of a folder, and (where $SCALEOUT_VENV names a venv with dask[distributed], s3fs and
moto[server], as .ci/run makes) a Dask LocalCluster, a scheduler with two workers started as separate processes,
and S3 served by moto: every way gives the metrics of one pass over one file."""
import csv
import gzip
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
from contextlib import redirect_stderr

from analyzers import passes
from analyzers.engine import inputs
from analyzers.registry import IDS
from analyzers.runner import ReportWork
from pricing.catalog import load_catalog
from simulator.core import AICallSimulator

from naive import ROOT, SharedTempDir, TempDir, run_py, write_text

VENV = os.environ.get("SCALEOUT_VENV", "")
VENV_PY = os.path.join(VENV, "bin", "python")
HOW_TO_INSTALL = ('Dask tests skipped: make a venv with Python 3.13 (`python3.13 -m venv DIR && DIR/bin/pip install '
                  '"dask[distributed]" s3fs "moto[server]"`) and set SCALEOUT_VENV=DIR (.ci/run does)')


def documents(spec, workers=1, state_dir=None):
    """(the eight documents' metrics, the read statistics, how it was read) through the production path."""
    result, how, inc = passes.analyze_file(spec, workers, state_dir)
    work = ReportWork(result, IDS, {}, load_catalog(), "data", "t")
    metrics = {a.id: json.dumps(a.document(work.view, "t", "data")["metrics"], sort_keys=True)
               for a in work.analyzers}
    if inc is not None:
        inc.save()
    return metrics, result.stats, how


def metrics_of(out_dir):
    return {a: json.dumps(json.load(open(os.path.join(out_dir, "json", a + ".json"), encoding="utf-8"))["metrics"],
                          sort_keys=True) for a in IDS}


def skipped_of(out_dir):
    data = json.load(open(os.path.join(out_dir, "json", "understanding.json"), encoding="utf-8"))["data"]
    return data["rows"], data["skipped_reasons"], data["skipped_examples"]


def split_by_day(header, records, folder, gz=False, names=None):
    """Write records (raw text, each with its day) into one file per day: plain or gzip, byte for byte."""
    os.makedirs(folder, exist_ok=True)
    days = {}
    for day, text in records:
        days.setdefault(day, []).append(text)
    for day, texts in sorted(days.items()):
        name = (names or {}).get(day, day + (".csv.gz" if gz else ".csv"))
        body = (header + "".join(texts)).encode("utf-8")
        path = os.path.join(folder, name)
        if name.endswith(".gz"):
            with gzip.open(path, "wb") as f:
                f.write(body)
        else:
            with open(path, "wb") as f:
                f.write(body)
    return folder


def odd_records(lines):
    """The simulator's lines with CRLF ends, bad numbers, and a multi-line quoted record right before a bad row,
    each as (day, raw text); a row's day is that of the good rows around it."""
    out = []
    for i, line in enumerate(lines):
        day = line[:10]
        text = line.replace("\n", "\r\n") if i % 4 == 0 else line
        out.append((day, text))
        if i % 300 == 7:
            f = line.rstrip("\n").split(",")
            quoted = f[:18] + ['"an agent\nover two lines"']
            out.append((day, ",".join(quoted) + "\n"))
            bad = list(f)
            bad[4] = "12x"
            out.append((day, ",".join(bad) + "\n"))
        if i % 450 == 11:
            f = line.rstrip("\n").split(",")
            f[6] = "-1.000000"
            out.append((day, ",".join(f) + "\n"))
    return out


class Layouts(SharedTempDir):
    """The same calls as one file, daily files, daily .csv.gz, and a folder mixing both."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        one = os.path.join(cls.tmp, "one.csv")
        AICallSimulator(num_customers=15, num_days=6, seed=11).write_csv(one)
        with open(one, encoding="utf-8", newline="") as f:
            cls.header, lines = f.readline(), f.readlines()
        cls.one = one
        recs = [(ln[:10], ln) for ln in lines]
        cls.daily = split_by_day(cls.header, recs, os.path.join(cls.tmp, "daily"))
        cls.gz = split_by_day(cls.header, recs, os.path.join(cls.tmp, "gz"), gz=True)
        days = sorted({d for d, _ in recs})
        mixed = {d: d + (".csv.gz" if k % 2 else ".csv") for k, d in enumerate(days)}
        cls.mixed = split_by_day(cls.header, recs, os.path.join(cls.tmp, "mixed"), names=mixed)
        odd = odd_records(lines)
        cls.odd_one = os.path.join(cls.tmp, "odd.csv")
        write_text(cls.odd_one, cls.header + "".join(t for _, t in odd))
        cls.odd_daily = split_by_day(cls.header, odd, os.path.join(cls.tmp, "odd_daily"))
        cls.odd_gz = split_by_day(cls.header, odd, os.path.join(cls.tmp, "odd_gz"), gz=True)
        cls.ref = documents(one)

    def test_folder_glob_gzip_and_mixed_equal_one_file(self):
        ref, ref_stats, _ = self.ref
        self.assertGreater(ref_stats.rows, 1000)
        for spec in (self.daily, os.path.join(self.gz, "*.csv.gz"), self.mixed, os.path.join(self.daily, "2026*")):
            got, stats, _ = documents(spec)
            self.assertEqual(got, ref, spec)
            self.assertEqual((stats.rows, dict(stats.skipped)), (ref_stats.rows, {}), spec)

    def test_odd_rows_give_the_same_figures_in_every_layout(self):
        ref, ref_stats, _ = documents(self.odd_one)
        self.assertEqual(set(ref_stats.skipped), {"bad number"})
        for spec in (self.odd_daily, os.path.join(self.odd_gz, "*.gz")):
            got, stats, _ = documents(spec)
            self.assertEqual(got, ref, spec)
            self.assertEqual((stats.rows, dict(stats.skipped)), (ref_stats.rows, dict(ref_stats.skipped)))
        plain = documents(self.odd_daily)[1].examples
        packed = documents(os.path.join(self.odd_gz, "*.gz"))[1].examples
        self.assertEqual([(os.path.basename(f), n, r) for f, n, r in plain],
                         [(os.path.basename(f).replace(".gz", ""), n, r) for f, n, r in packed])

    def test_examples_name_the_file_and_its_physical_line(self):
        _, stats, _ = documents(self.odd_daily)
        first_day = sorted(os.listdir(self.odd_daily))[0]
        path = os.path.join(self.odd_daily, first_day)
        with open(path, encoding="utf-8", newline="") as f:
            physical = f.read().split("\n")
        bad = [i + 1 for i, text in enumerate(physical) if ",12x," in text or ",-1.000000," in text]
        name, line, reason = stats.examples[0]
        self.assertEqual((name, line, reason), (path, bad[0], "bad number"))  # after a two-line quoted record
        self.assertEqual(sorted(stats.examples), stats.examples)

    def test_workers_over_many_files_equal_one(self):
        saved = inputs.MIN_SPLIT_BYTES
        inputs.MIN_SPLIT_BYTES = 0  # small files split like big ones
        try:
            one = documents(self.odd_daily, 1)
            for n in (2, 3):
                many = documents(self.odd_daily, n)
                self.assertEqual((many[0], many[1].examples, dict(many[1].skipped)),
                                 (one[0], one[1].examples, dict(one[1].skipped)), n)
        finally:
            inputs.MIN_SPLIT_BYTES = saved


class IncrementalFolder(TempDir):
    """A folder read with --incremental: new daily files and an appended last file are read alone; a changed
    older file triggers a full pass; each refresh equals a full pass."""

    def test_new_appended_and_changed_files(self):
        one = self.path("one.csv")
        AICallSimulator(num_customers=10, num_days=5, seed=4).write_csv(one)
        with open(one, encoding="utf-8", newline="") as f:
            header, lines = f.readline(), f.readlines()
        days = sorted({ln[:10] for ln in lines})
        folder, state = self.path("logs"), self.path("state")
        os.makedirs(folder)

        def write(day, rows, mode="w", gz=False):
            path = os.path.join(folder, day + (".csv.gz" if gz else ".csv"))
            opener = gzip.open if gz else open
            with opener(path, mode + "t", encoding="utf-8", newline="") as f:
                if mode == "w":
                    f.write(header)
                f.write("".join(rows))

        of_day = {d: [ln for ln in lines if ln[:10] == d] for d in days}
        write(days[0], of_day[days[0]], gz=True)
        write(days[1], of_day[days[1]])
        self.assertEqual(documents(folder, 1, state)[2], "full")
        steps = [("a new daily file", lambda: write(days[2], of_day[days[2]][:40]), "incremental"),
                 ("the last file grows", lambda: write(days[2], of_day[days[2]][40:], "a"), "incremental"),
                 ("another new file", lambda: write(days[3], of_day[days[3]]), "incremental"),
                 ("an older file rewritten", lambda: write(days[1], of_day[days[1]][::-1]), "full"),
                 ("an older file gone", lambda: os.unlink(os.path.join(folder, days[1] + ".csv")), "full"),
                 ("a gzip file replaced", lambda: write(days[0], of_day[days[0]][:-1], gz=True), "full")]
        for label, change, expected in steps:
            change()
            got, stats, how = documents(folder, 1, state)
            full, full_stats, _ = documents(folder, 1)
            self.assertEqual(how, expected, label)
            self.assertEqual(got, full, label)
            self.assertEqual(stats.rows, full_stats.rows, label)

    def test_gzip_cut_short_keeps_what_decompresses(self):
        one = self.path("one.csv")
        AICallSimulator(num_customers=5, num_days=2, seed=4).write_csv(one)
        with open(one, "rb") as f:
            body = f.read()
        packed = gzip.compress(body)
        with open(self.path("cut.csv.gz"), "wb") as f:
            f.write(packed[:len(packed) * 2 // 3])
        _, stats, _ = documents(self.path("cut.csv.gz"))
        rows = body.count(b"\n") - 1
        self.assertIn("gzip file cut short", stats.skipped)
        self.assertGreater(stats.rows, rows // 3)  # the rows before the cut are kept, not lost with the file
        self.assertLess(stats.rows, rows)


class ViewerOnAFolder(TempDir):
    """The live viewer watches a folder: a new daily file or a grown one changes what it watches, and its
    refresh (run_all_analyzers.py --incremental on the folder) reads it."""

    def test_stamp_changes_with_the_folder_and_a_refresh_reads_it(self):
        sys.path.insert(0, ROOT)  # the viewer package
        from viewer.live import Viewer
        one = self.path("one.csv")
        AICallSimulator(num_customers=4, num_days=2, seed=2).write_csv(one)
        with open(one, encoding="utf-8", newline="") as f:
            header, lines = f.readline(), f.readlines()
        folder = self.path("logs")
        os.makedirs(folder)
        viewer = Viewer(folder, self.path("reports"), 1.0, None)
        self.assertIsNone(viewer.data_stamp())  # no data yet
        days = sorted({ln[:10] for ln in lines})
        write_text(os.path.join(folder, days[0] + ".csv"), header + "".join(ln for ln in lines if ln[:10] == days[0]))
        first = viewer.data_stamp()
        with redirect_stderr(io.StringIO()):  # the viewer logs each refresh
            self.assertIsNone(viewer.analyze())
        self.assertEqual(viewer.store.manifest["rows"], sum(1 for ln in lines if ln[:10] == days[0]))
        write_text(os.path.join(folder, days[1] + ".csv"), header + "".join(ln for ln in lines if ln[:10] == days[1]))
        self.assertNotEqual(viewer.data_stamp(), first)
        with redirect_stderr(io.StringIO()):
            self.assertIsNone(viewer.analyze())
        self.assertEqual(viewer.store.manifest["rows"], len(lines))


class Errors(TempDir):
    def run_cmd(self, *args):
        p = run_py([os.path.join(ROOT, "src", "run_all_analyzers.py"), "--out", self.path("out")] + list(args))
        return p.returncode, p.stderr.strip()

    def test_one_line_errors(self):
        os.makedirs(self.path("empty"))
        cases = [(["--data", self.path("empty")], "no *.csv or *.csv.gz"),
                 (["--data", self.path("nothing*.csv")], "no file matches"),
                 (["--data", self.path("none.csv")], "does not exist"),
                 (["--data", self.path("x.csv"), "--storage-options", "{}"], "for remote data"),
                 (["--storage-options", "[1]"], "JSON object"),
                 (["--scheduler", "tcp://127.0.0.1:1"], "--engine dask")]
        write_text(self.path("x.csv"), "timestamp,provider,model,input_tokens,output_tokens,cost_usd,customer_id\n")
        for args, words in cases:
            code, err = self.run_cmd(*args)
            self.assertEqual(code, 2, args)
            self.assertIn(words, err, args)
            self.assertNotIn("Traceback", err)

    def test_optional_engines_say_what_to_install(self):
        write_text(self.path("x.csv"), "timestamp,provider,model,input_tokens,output_tokens,cost_usd,customer_id\n")
        for module, args in (("distributed", ["--engine", "dask", "--data", self.path("x.csv")]),
                             ("fsspec", ["--data", "s3://bucket/calls/"])):
            if subprocess.run([sys.executable, "-c", "import " + module], stderr=subprocess.DEVNULL).returncode == 0:
                continue  # installed here: nothing to say
            code, err = self.run_cmd(*args)
            self.assertEqual(code, 2)
            self.assertIn('pip install "dask[distributed]" s3fs', err)
            self.assertEqual(len(err.splitlines()), 1, err)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@unittest.skipUnless(VENV and os.path.exists(VENV_PY), HOW_TO_INSTALL)
class OnDaskAndS3(SharedTempDir):
    """The product run by the venv's Python with Dask and s3fs; compared with one in-process pass over one file."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.procs = []
        one = os.path.join(cls.tmp, "one.csv")
        AICallSimulator(num_customers=12, num_days=4, seed=8).write_csv(one)
        with open(one, encoding="utf-8", newline="") as f:
            header, lines = f.readline(), f.readlines()
        cls.ref = documents(one)
        odd = odd_records(lines)
        cls.odd_one = os.path.join(cls.tmp, "odd.csv")
        write_text(cls.odd_one, header + "".join(t for _, t in odd))
        cls.odd_ref = documents(cls.odd_one)
        cls.gz = split_by_day(header, [(ln[:10], ln) for ln in lines], os.path.join(cls.tmp, "gz"), gz=True)
        cls.odd_daily = split_by_day(header, odd, os.path.join(cls.tmp, "odd_daily"))

    @classmethod
    def tearDownClass(cls):
        for p in reversed(cls.procs):
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        super().tearDownClass()

    @classmethod
    def start(cls, *args):
        log = open(os.path.join(cls.tmp, "services.log"), "a")
        p = subprocess.Popen(list(args), cwd=cls.tmp, stdout=log, stderr=subprocess.STDOUT)  # not the repo: no code
        cls.procs.append(p)
        return p

    def product(self, out, *args):
        p = subprocess.run([VENV_PY, os.path.join(ROOT, "src", "run_all_analyzers.py"), "--out", out] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr[-500:])
        return metrics_of(out), skipped_of(out)

    def check(self, got, ref, label):
        metrics, (rows, skipped, _) = got
        self.assertEqual(metrics, ref[0], label)
        self.assertEqual((rows, skipped), (ref[1].rows, dict(ref[1].skipped)), label)

    def test_local_cluster(self):
        got = self.product(os.path.join(self.tmp, "local"), "--engine", "dask", "--workers", "2",
                           "--data", os.path.join(self.gz, "*.csv.gz"))
        self.check(got, self.ref, "LocalCluster, gzip glob")
        got = self.product(os.path.join(self.tmp, "local_odd"), "--engine", "dask", "--workers", "2",
                           "--data", self.odd_daily)
        self.check(got, self.odd_ref, "LocalCluster, odd rows")
        plain = self.product(os.path.join(self.tmp, "plain_odd"), "--data", self.odd_daily)
        self.assertEqual(got[1][2], plain[1][2])  # the same examples of skipped rows: file and line

    def test_scheduler_and_two_worker_processes(self):
        port = free_port()
        bin_dir = os.path.dirname(VENV_PY)
        self.start(os.path.join(bin_dir, "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                   "--dashboard-address", ":0")
        address = "tcp://127.0.0.1:%d" % port
        self.start(os.path.join(bin_dir, "dask"), "worker", address, "--nworkers", "2", "--nthreads", "1",
                   "--dashboard-address", ":0")
        wait = ("from distributed import Client; c = Client(%r, timeout=60); c.wait_for_workers(2, timeout=60); "
                "print(len(c.scheduler_info()['workers']))" % address)
        p = subprocess.run([VENV_PY, "-c", wait], stdout=subprocess.PIPE, universal_newlines=True, timeout=120)
        self.assertEqual(p.stdout.strip(), "2")
        got = self.product(os.path.join(self.tmp, "remote"), "--engine", "dask", "--scheduler", address,
                           "--data", os.path.join(self.gz, "*.csv.gz"))
        self.check(got, self.ref, "scheduler + 2 workers")
        got = self.product(os.path.join(self.tmp, "remote_odd"), "--engine", "dask", "--scheduler", address,
                           "--data", self.odd_one)
        self.check(got, self.odd_ref, "scheduler + 2 workers, odd rows in one file")

    def test_s3_through_moto(self):
        port = free_port()
        self.start(os.path.join(os.path.dirname(VENV_PY), "moto_server"), "-H", "127.0.0.1", "-p", str(port))
        options = {"key": "test", "secret": "test", "endpoint_url": "http://127.0.0.1:%d" % port}
        upload = ("import glob, os, sys, time, s3fs\n"
                  "for _ in range(100):\n"
                  "    try:\n"
                  "        fs = s3fs.S3FileSystem(**%r); fs.mkdir('calls'); break\n"
                  "    except Exception:\n"
                  "        time.sleep(0.2)\n"
                  "for p in sorted(glob.glob(%r)):\n"
                  "    fs.put(p, 'calls/daily/' + os.path.basename(p))\n"
                  "fs.put(%r, 'calls/odd.csv')\n" % (options, os.path.join(self.gz, "*.gz"), self.odd_one))
        p = subprocess.run([VENV_PY, "-c", upload], stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-500:])
        opts = json.dumps(options)
        got = self.product(os.path.join(self.tmp, "s3"), "--data", "s3://calls/daily/*.csv.gz",
                           "--storage-options", opts)
        self.check(got, self.ref, "S3 glob, local engine")
        got = self.product(os.path.join(self.tmp, "s3_dask"), "--engine", "dask", "--workers", "2",
                           "--data", "s3://calls/daily/", "--storage-options", opts)
        self.check(got, self.ref, "S3 folder, Dask")
        got = self.product(os.path.join(self.tmp, "s3_odd"), "--data", "s3://calls/odd.csv", "--storage-options", opts)
        self.check(got, self.odd_ref, "S3, odd rows")


if __name__ == "__main__":
    unittest.main()
