#!/usr/bin/env python3
"""Run every test of the project, then an end-to-end workflow on a small simulated data set.

    python3 test_workflow.py            # everything; ends with one line "N passed, N failed"
    python3 test_workflow.py -v         # one line per test
    python3 test_workflow.py reader     # only test modules whose name contains "reader"

Unit and integration tests live in src/tests/ and showcase/tests/ (stdlib unittest only). The end-to-end stage
runs the README commands as a user would (simulate -> analyze -> reports) through subprocesses and checks the
figures against an independent recomputation from the CSV.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.realpath(__file__))
SRC = os.path.join(ROOT, "src")
SUITES = [os.path.join(ROOT, "src", "tests"), os.path.join(ROOT, "showcase", "tests")]


class EndToEnd(unittest.TestCase):
    """The seed's workflow on a small data set: simulate, analyze, and reconcile every report with the CSV."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="e2e-")
        cls.data = os.path.join(cls.tmp, "calls.csv")
        cls.out = os.path.join(cls.tmp, "reports")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_cmd(self, *args):
        p = subprocess.run([sys.executable] + list(args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=300)
        self.assertEqual(p.returncode, 0, "%s failed: %s" % (" ".join(args), p.stderr[-500:]))
        return p

    def test_1_simulate(self):
        self.run_cmd("src/simulator/core.py", "--customers", "25", "--days", "7", "--seed", "3", "--output", self.data)
        with open(self.data, newline="", encoding="utf-8") as f:
            self.assertGreater(sum(1 for _ in f), 1000)

    def test_2_analyze_and_reconcile(self):
        if not os.path.exists(self.data):
            self.skipTest("simulation step failed")
        self.run_cmd("src/run_all_analyzers.py", "--data", self.data, "--out", self.out)
        total, rows = 0.0, 0
        with open(self.data, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                total += float(r["cost_usd"])
                rows += 1
        ids = ["understanding", "performance", "realtime", "optimization", "alignment", "profitability", "pricing",
               "features"]
        for a in ids:
            with open(os.path.join(self.out, "json", a + ".json"), encoding="utf-8") as f:
                doc = json.load(f)
            self.assertEqual(doc["data"]["rows"], rows, a)
            self.assertTrue(doc["recommendations"], "%s has no recommendations" % a)
            self.assertTrue(os.path.getsize(os.path.join(self.out, "html", a + ".html")) > 1000, a)
        with open(os.path.join(self.out, "json", "understanding.json"), encoding="utf-8") as f:
            self.assertAlmostEqual(json.load(f)["metrics"]["total_cost_usd"], total, places=4)
        with open(os.path.join(self.out, "html", "manifest.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["rows"], rows)


class _Result(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super(_Result, self).__init__(*args, **kwargs)
        self.passed = 0

    def addSuccess(self, test):
        super(_Result, self).addSuccess(test)
        self.passed += 1


def _load(patterns):
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for folder in SUITES:
        if not os.path.isdir(folder):
            continue
        for path in (folder, os.path.dirname(folder)):
            if path not in sys.path:
                sys.path.insert(0, path)
        found = loader.discover(start_dir=folder, pattern="test*.py", top_level_dir=folder)
        suite.addTests(_filter(found, patterns))
    if not patterns or any(p in "end_to_end" for p in patterns):
        suite.addTests(loader.loadTestsFromTestCase(EndToEnd))
    return suite


def _filter(suite, patterns):
    if not patterns:
        return [suite]
    out = []
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            out.extend(_filter(t, patterns))
        elif any(p in t.id() for p in patterns):
            out.append(t)
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    verbose = "-v" in argv
    patterns = [a for a in argv if not a.startswith("-")]
    if SRC not in sys.path:
        sys.path.insert(0, SRC)
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    t0 = time.time()
    suite = _load(patterns)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2 if verbose else 1, resultclass=_Result)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + len(getattr(result, "unexpectedSuccesses", []))
    skipped = len(result.skipped)
    for test, reason in result.skipped:
        sys.stderr.write("skipped: %s: %s\n" % (test.id(), reason))
    sys.stderr.write("python %s, %.1fs\n" % (sys.version.split()[0], time.time() - t0))
    line = "%d passed, %d failed" % (result.passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
