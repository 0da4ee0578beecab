"""run_all_simulators.py: target size, whole rows, one header, one timeline, append, Ctrl+C, flag errors."""
import io
import os
import signal
import subprocess
import sys
import time
import unittest

import run_all_simulators as R
from simulator import profiles as P
from utils.schema import FIELDS

from naive import SRC, TempDir, run_py

SCRIPT = os.path.join(SRC, "run_all_simulators.py")
CORE = os.path.join(SRC, "simulator", "core.py")
HEADER = ",".join(FIELDS) + "\n"


def cmd(*args, **kw):
    return run_py(args, timeout=kw.get("timeout", 120))


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


class Continuous(TempDir):
    def setUp(self):
        super().setUp()
        self.out = self.path("calls.csv")

    def generate(self, *extra):
        p = cmd(SCRIPT, "--customers", "20", "--seed", "3", "--days-per-scenario", "1", "--output", self.out, *extra)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def check_file(self, text):
        """Whole rows, one header, unique call ids, one non-decreasing timeline; returns the rows."""
        self.assertTrue(text.startswith(HEADER))
        self.assertTrue(text.endswith("\n"))
        self.assertEqual(text.count("timestamp,call_id"), 1)
        rows = [line.split(",") for line in text[len(HEADER):].splitlines()]
        self.assertEqual({len(r) for r in rows}, {19})
        ids = [r[1] for r in rows]
        self.assertEqual(len(set(ids)), len(ids))
        stamps = [r[0] for r in rows]
        self.assertTrue(all(a <= b for a, b in zip(stamps, stamps[1:])), "timestamps go back in time")
        return rows

    def test_target_size_whole_rows_one_timeline(self):
        p = self.generate("--target-mb", "3", "--start", "2026-03-01")
        text = read(self.out)
        rows = self.check_file(text)
        size = os.path.getsize(self.out)
        last_line = len(text) - text.rstrip("\n").rfind("\n") - 1
        self.assertTrue(3000000 <= size < 3000000 + last_line, size)  # stops at the row that reaches the target
        days = sorted({r[0][:10] for r in rows})
        self.assertEqual(days[0], "2026-03-01")
        self.assertGreaterEqual(len(days), 5)  # 1-day periods: several scenario boundaries crossed
        self.assertEqual(len(days), int(days[-1][8:]) - int(days[0][8:]) + 1, "a gap in the timeline")
        self.assertIn(self.out, p.stdout)
        self.assertEqual(len(p.stdout.strip().splitlines()), 1)

    def test_reproducible_and_first_period_is_core_output(self):
        self.generate("--target-mb", "1.5")
        first = read(self.out)
        self.generate("--target-mb", "1.5")
        self.assertEqual(read(self.out), first)
        core_out = self.path("core.csv")
        p = cmd(CORE, "--customers", "20", "--seed", "3", "--days", "1", "--output", core_out, "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        day_one = read(core_out)
        self.assertGreater(len(day_one), 100000)
        self.assertTrue(first.startswith(day_one))

    def test_append_continues_without_second_header(self):
        self.generate("--target-mb", "1")
        before = read(self.out)
        last_day = before.rstrip("\n").rsplit("\n", 1)[1][:10]
        self.generate("--target-mb", "2", "--append")
        text = read(self.out)
        self.assertTrue(text.startswith(before))
        rows = self.check_file(text)
        appended = rows[before.count("\n") - 1:]
        self.assertTrue(appended)
        self.assertGreater(appended[0][0][:10], last_day)  # the timeline resumes the day after the last row
        self.assertGreaterEqual(os.path.getsize(self.out), 2000000)

    def test_append_drops_a_cut_last_line(self):
        self.generate("--target-mb", "0.5")
        with open(self.out, "a", encoding="utf-8") as f:
            f.write("2026-01-09T10:00:00Z,call_99,openai,gp")
        p = self.generate("--target-mb", "1", "--append")
        self.assertIn("partial last line", p.stderr)
        self.check_file(read(self.out))

    def test_append_at_target_does_nothing(self):
        self.generate("--target-mb", "0.5")
        before = read(self.out)
        p = self.generate("--target-mb", "0.5", "--append")
        self.assertIn("nothing to append", p.stdout)
        self.assertEqual(read(self.out), before)

    def test_append_to_a_foreign_file_is_refused(self):
        with open(self.out, "w") as f:
            f.write("date,amount\n2026-01-01,3\n")
        p = cmd(SCRIPT, "--append", "--output", self.out, "--target-mb", "1")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        self.assertEqual(read(self.out), "date,amount\n2026-01-01,3\n")

    def test_bad_flags_one_line_exit_2(self):
        for args in (["--target-mb", "0"], ["--target-mb", "lots"], ["--days-per-scenario", "0"],
                     ["--customers", "-3"], ["--start", "2026-02-30"], ["--frobnicate"]):
            p = cmd(SCRIPT, "--output", self.out, *args)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertNotIn("Traceback", p.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_progress_without_a_terminal_is_plain_lines(self):
        p = self.generate("--target-mb", "2")
        self.assertNotIn("\r", p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertTrue(1 <= len(lines) <= 12, p.stderr)
        self.assertTrue(lines[-1].startswith("100%"), lines[-1])
        self.assertIn("MB", lines[-1])
        self.assertIn("rows/s", lines[-1])
        self.assertIn("ETA", lines[-1])

    @unittest.skipIf(os.name == "nt", "SIGINT to a child process is POSIX")
    def test_ctrl_c_stops_cleanly(self):
        proc = subprocess.Popen([sys.executable, SCRIPT, "--target-mb", "100000", "--customers", "30",
                                 "--output", self.out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True)
        try:
            deadline = time.time() + 20
            while time.time() < deadline and (not os.path.exists(self.out) or os.path.getsize(self.out) < 200000):
                time.sleep(0.05)
            time.sleep(1.0)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 130, err)
        self.assertNotIn("Traceback", err)
        self.assertIn("Interrupted", out)
        text = read(self.out)
        self.assertTrue(text.endswith("\n"))
        self.assertEqual({len(line.split(",")) for line in text.splitlines()}, {19})


class Pieces(unittest.TestCase):
    def test_output_stops_at_the_row_that_reaches_the_target(self):
        buf = io.BytesIO()
        out = R.Output(buf, 0, 25, lambda o: None)
        self.assertFalse(out.write_lines(["aaaaaaaaa\n"]))  # 10 bytes
        self.assertTrue(out.write_lines(["bbbbbbbbb\n"] * 5))
        self.assertEqual(buf.getvalue(), b"aaaaaaaaa\n" + b"bbbbbbbbb\n" * 2)
        self.assertEqual((out.size, out.rows), (30, 3))
        self.assertTrue(out.write_lines(["c\n"]))
        self.assertEqual(out.size, 30)

    def test_ctrl_c_during_a_write_waits_for_the_whole_block(self):
        class Slow(io.BytesIO):
            def write(self, data):
                out.interrupted = True  # as the SIGINT handler does while a block is being written
                return io.BytesIO.write(self, data)
        buf = Slow()
        out = R.Output(buf, 0, 10 ** 9, lambda o: None)
        with self.assertRaises(KeyboardInterrupt):
            out.write_lines(["x,y\n"] * 3)
        self.assertEqual(buf.getvalue(), b"x,y\n" * 3)

    def test_auto_days_fill_the_target_with_one_cycle(self):
        import random
        customers = P.make_customers(100, random.Random(42))
        self.assertEqual(R.auto_days(1000000, customers), 1)
        self.assertEqual(R.auto_days(10 ** 11, customers), R.MAX_DAYS_PER_SCENARIO)
        days = R.auto_days(50000000, customers)
        per_day = sum(c.calls_per_day for c in customers) * R.BYTES_PER_ROW
        self.assertLessEqual(days * per_day * len(R.NAMES), 50000000)
        self.assertGreater((days + 1) * per_day * len(R.NAMES), 50000000)


if __name__ == "__main__":
    unittest.main()
