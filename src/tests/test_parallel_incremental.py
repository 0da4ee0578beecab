"""Parallel workers and incremental refreshes give exactly the output of one full pass, on odd files too."""
import json
import os
import unittest

from analyzers import passes, runner
from analyzers.engine import inputs
from analyzers.registry import IDS
from pricing.catalog import load_catalog
from simulator.core import AICallSimulator

from naive import SRC, SharedTempDir, TempDir, run_py, write_text

STAMP = "2026-01-01T00:00:00Z"


def docs_of(path, workers=1, state_dir=None, options=None):
    """The eight documents through the production path (read, render, then save the incremental state)."""
    result, how, inc = passes.analyze_file(path, workers, state_dir)
    rendered = runner.render_reports(result, IDS, options or {}, load_catalog(), "data.csv", workers, STAMP)
    if inc is not None:
        inc.save()  # as run_all_analyzers does once the reports are computed
    return [json.dumps(d, sort_keys=True) for d, _, _ in rendered], how, result


class OddFile(SharedTempDir):
    """A data file with CRLF line ends, bad rows scattered (some at range edges) and a truncated last line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        clean = os.path.join(cls.tmp, "clean.csv")
        AICallSimulator(num_customers=15, num_days=4, seed=21).write_csv(clean)
        with open(clean, encoding="utf-8") as f:
            cls.header, lines = f.readline(), f.readlines()
        bad = ["not,a,row\n", "\n", lines[0].replace(",", ";"), lines[1].replace(",0.", ",x.", 1)]
        odd = []
        for i, line in enumerate(lines):
            odd.append(line.replace("\n", "\r\n") if i % 3 == 0 else line)
            if i % 997 == 0:
                odd.append(bad[(i // 997) % len(bad)])
        cls.lines = odd
        cls.path = os.path.join(cls.tmp, "odd.csv")
        write_text(cls.path, cls.header + "".join(odd) + lines[-1][:17])
        cls.saved = inputs.MIN_SPLIT_BYTES
        inputs.MIN_SPLIT_BYTES = 0  # let small test files be split like big ones

    @classmethod
    def tearDownClass(cls):
        inputs.MIN_SPLIT_BYTES = cls.saved
        super().tearDownClass()

    def test_workers_equal_one_pass(self):
        one, _, r1 = docs_of(self.path, 1)
        self.assertGreater(r1.stats.skipped_rows, 4)
        self.assertIn("truncated last line", r1.stats.skipped)
        for n in (2, 3):
            many, _, rn = docs_of(self.path, n)
            self.assertEqual(dict(rn.stats.skipped), dict(r1.stats.skipped))
            self.assertEqual(many, one, "%d workers differ from one" % n)

    def test_ranges_cut_at_bad_rows_still_equal(self):
        from analyzers.engine.ranges import line_starts
        from analyzers.engine.reader import read_header
        header = read_header(self.path)
        bounds = line_starts(self.path, header.data_offset, 7)
        with open(self.path, "rb") as f:
            data = f.read()
        self.assertTrue(all(data[b - 1:b] == b"\n" for b in bounds[1:-1]))
        one, _, _ = docs_of(self.path, 1)
        seven, _, _ = docs_of(self.path, 7)
        self.assertEqual(seven, one)


class Incremental(TempDir):
    def setUp(self):
        super().setUp()
        self.state = self.path("state")
        full = self.path("full.csv")
        AICallSimulator(num_customers=12, num_days=4, seed=8).write_csv(full)
        with open(full, encoding="utf-8") as f:
            self.header, self.lines = f.readline(), f.readlines()
        self.data = self.path("data.csv")
        self.write(self.lines[: len(self.lines) // 2])

    def write(self, lines, tail=""):
        write_text(self.data, self.header + "".join(lines) + tail)

    def check_equal(self, expect_how):
        inc, how, _ = docs_of(self.data, 1, self.state)
        full, _, _ = docs_of(self.data, 1)
        self.assertEqual(how, expect_how)
        self.assertEqual(inc, full)

    def test_appends_read_only_new_bytes_and_equal_a_full_pass(self):
        self.check_equal("full")
        half = len(self.lines) // 2
        write_text(self.data, "".join(self.lines[half:half + 300]), "a")
        self.check_equal("incremental")
        write_text(self.data, "garbage,row\n" + "".join(self.lines[half + 300:]), "a")
        self.check_equal("incremental")

    def test_partial_last_line_is_not_committed(self):
        half = len(self.lines) // 2
        line = self.lines[half]
        self.write(self.lines[:half], line[:40])   # the simulator is mid-write
        self.check_equal("full")
        write_text(self.data, line[40:], "a")      # now the line is complete
        self.check_equal("incremental")
        _, _, r = docs_of(self.data, 1, self.state)
        self.assertEqual(r.stats.skipped_rows, 0)
        self.assertEqual(r.stats.rows, half + 1)

    def test_replaced_shorter_or_changed_file_falls_back_to_full(self):
        self.check_equal("full")
        self.write(self.lines[:100])                        # replaced by a shorter file
        self.check_equal("full")
        self.write(self.lines[1:len(self.lines) // 2 + 50])  # same size class, other head
        self.check_equal("full")

    def test_other_options_reuse_state_and_corrupt_state_falls_back_to_full(self):
        docs_of(self.data, 1, self.state)
        inc, how, _ = docs_of(self.data, 1, self.state, {"budget": 123.0})  # the pass does not depend on options
        self.assertEqual(how, "incremental")
        self.assertEqual(inc, docs_of(self.data, 1, None, {"budget": 123.0})[0])
        with open(os.path.join(self.state, "state.pickle"), "wb") as f:
            f.write(b"not a pickle")
        self.check_equal("full")


class CommandLine(TempDir):
    def setUp(self):
        super().setUp()
        self.data = self.path("calls.csv")
        AICallSimulator(num_customers=8, num_days=3, seed=2).write_csv(self.data)

    def run_all(self, *args, **env):
        e = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", **env)
        return run_py([os.path.join(SRC, "run_all_analyzers.py"), "--data", self.data] + list(args), timeout=180, env=e)

    def tree(self, out):
        files = {}
        for folder in ("json", "html"):
            for name in sorted(os.listdir(os.path.join(out, folder))):
                with open(os.path.join(out, folder, name), encoding="utf-8") as f:
                    files[folder + "/" + name] = f.read()
        return files

    def test_incremental_and_workers_write_identical_files(self):
        a, b = self.path("a"), self.path("b")
        self.assertEqual(self.run_all("--out", a, "--workers", "1").returncode, 0)
        r = self.run_all("--out", b, "--workers", "2", "--incremental")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[full]", r.stdout)
        r = self.run_all("--out", b, "--workers", "2", "--incremental")
        self.assertIn("[incremental]", r.stdout)
        ta, tb = self.tree(a), self.tree(b)
        self.assertEqual(sorted(ta), sorted(tb))
        for name in ta:
            if name != "html/manifest.json":
                self.assertEqual(ta[name], tb[name], name)

    def test_missing_file_empty_file_and_bad_flags(self):
        r = run_py([os.path.join(SRC, "run_all_analyzers.py"), "--data", self.path("nope.csv"), "--out", self.tmp],
                   timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn("simulator/core.py", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        open(self.data, "w").close()
        out = self.path("empty")
        r = self.run_all("--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "html", "manifest.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["rows"], 0)
        with open(os.path.join(out, "html", "understanding.html"), encoding="utf-8") as f:
            self.assertIn("no data yet", f.read())
        r = self.run_all("--out", out, "--workers", "-1")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
