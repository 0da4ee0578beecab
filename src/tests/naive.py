"""Helpers the tests share: hand-made rows and CSVs, the naive reading they recompute from, and the plumbing
(a temporary folder per test or per class, a script run with this interpreter).

Deliberately independent of the product: the field list is spelled out here, and files are written and read back
with the plain csv module, so a test that uses these compares the product against a second, simple computation.
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from collections import defaultdict

SRC = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
ROOT = os.path.dirname(SRC)
FIELDS = ["timestamp", "call_id", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "latency_ms",
          "customer_id", "subscription_tier", "organization_id", "product_id", "feature_id", "task_type",
          "environment", "request_id", "trace_id", "session_id", "user_agent"]


def row(ts, cost="0.001000", model="gpt-4o", provider="openai", inp=100, out=50, lat=500, cust="c1", org="org_a",
        prod="p1", feat="f1", task="chat", env="production"):
    return {"timestamp": ts, "call_id": "x", "provider": provider, "model": model, "input_tokens": str(inp),
            "output_tokens": str(out), "cost_usd": cost, "latency_ms": str(lat), "customer_id": cust,
            "subscription_tier": "pro", "organization_id": org, "product_id": prod, "feature_id": feat,
            "task_type": task, "environment": env, "request_id": "r", "trace_id": "t", "session_id": "s",
            "user_agent": "ua"}


def write_csv(path, rows, fields=FIELDS, drop=(), bom=False, crlf=False, tail=""):
    """Dict rows under the header `fields` less `drop` (other keys left out), then `tail` as is; returns the path."""
    eol = "\r\n" if crlf else "\n"
    with open(path, "w", encoding="utf-8", newline="") as f:
        if bom:
            f.write("\ufeff")
        w = csv.DictWriter(f, fieldnames=[c for c in fields if c not in drop], extrasaction="ignore",
                           lineterminator=eol)
        w.writeheader()
        for r in rows:
            w.writerow(r)
        f.write(tail)
    return path


def write_rows(path, rows):
    """Lists of cells, one line each (the header is the first list, if any); returns the path."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def write_text(path, text, mode="w"):
    """Text exactly as given, line ends untouched; mode "a" appends. Returns the path."""
    with open(path, mode, encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def naive_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def sums(rows, key):
    out = defaultdict(float)
    for r in rows:
        out[key(r)] += float(r["cost_usd"])
    return out


def run_py(args, cwd=None, timeout=None, env=None):
    """Run a Python script with this interpreter; the CompletedProcess carries stdout and stderr as text."""
    return subprocess.run([sys.executable] + list(args), cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)


class TempDir(unittest.TestCase):
    """A fresh folder for each test, self.tmp, removed after it (even if a subclass's setUp fails half way).

    A subclass that has its own setUp calls super().setUp() first.
    """

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix=type(self).__name__ + "-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def path(self, name="d.csv"):
        """A file name inside self.tmp."""
        return os.path.join(self.tmp, name)


class SharedTempDir(unittest.TestCase):
    """One folder for all the tests of a class, cls.tmp, made before the first test and removed after the last.

    A subclass that has its own setUpClass calls super().setUpClass() first; one with its own tearDownClass calls
    super().tearDownClass() last.
    """

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix=cls.__name__ + "-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
