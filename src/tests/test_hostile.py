"""The worst row a pipeline sends: each case once crashed, froze or blew up a run, and is now a counted row.

Every figure is checked against the clean file's (the hostile row must change nothing but the skipped count), and
line numbers against the file's physical lines.
"""
import os
import pickle
import shutil
import unittest

from analyzers import passes, runner
from analyzers.engine import inputs
from analyzers.engine.fold import fold_range
from analyzers.engine.reader import read_header
from analyzers.finops.understanding import UnderstandingAnalyzer

from naive import FIELDS, SRC, TempDir, row, run_py, write_csv

GOOD = [row("2026-01-0%dT10:00:00Z" % d, "0.001000") for d in range(1, 6)]


def line(ts="2026-01-03T10:00:00Z", inp="10", out="10", cost="0.000010", lat="100", cust="c1", ua=""):
    return ",".join([ts, "x", "openai", "gpt-4o", inp, out, cost, lat, cust, "pro", "o1", "p1", "f1", "chat",
                     "production", "", "", "", ua])


class HostileRows(TempDir):
    def analyze(self, extra_lines, name="d.csv"):
        path = write_csv(self.path(name), GOOD, FIELDS)
        with open(path, "a", encoding="utf-8", newline="") as f:
            for text in extra_lines:
                f.write(text + "\n")
        return UnderstandingAnalyzer(path).analyze()

    def assert_skipped(self, extra_lines, reason):
        doc = self.analyze(extra_lines)
        self.assertEqual(doc["data"]["rows"], 5)
        self.assertEqual(doc["data"]["skipped_reasons"], {reason: len(extra_lines)}, extra_lines)
        self.assertAlmostEqual(doc["metrics"]["total_cost_usd"], 0.005, places=9)
        return doc

    def test_far_timestamps_are_out_of_range_and_cost_nothing(self):
        doc = self.assert_skipped([line(ts="1970-01-01T00:00:00Z"), line(ts="9999-12-31T23:00:00Z"),
                                   line(ts="0001-01-01T00:00:00Z"), line(ts="0000000000")], "timestamp out of range")
        self.assertEqual(doc["data"]["days"], 5.0)
        self.assertTrue(any("plausible window 2000-01-01 to 2100-01-01" in n for n in doc["notes"]), doc["notes"])

    def test_costs_no_call_can_have_are_bad_numbers(self):
        for cost in ("1e19", "1" + "0" * 300 + ".000000", "-1.000000", "-0.000001", "1_0.000000", "nan", "inf",
                     "100000.000001", "\u0661.000000"):
            self.assert_skipped([line(cost=cost)], "bad number")

    def test_token_and_latency_values_must_be_plain_ascii_numbers(self):
        for kw in ({"inp": "1_000"}, {"out": "\u0661\u0662"}, {"inp": "-5"}, {"inp": "+7"}, {"out": "1e3"},
                   {"inp": "100000001"}, {"lat": "-1"}, {"lat": "inf"}, {"lat": "86400001"}, {"lat": "1_0"}):
            self.assert_skipped([line(**kw)], "bad number")
        doc = self.analyze([line(inp="12.0", lat="250.4")])  # other tools write whole floats: still read
        self.assertEqual(doc["data"]["rows"], 6)

    def test_a_field_over_the_limit_and_a_nul_byte_are_counted(self):
        self.assert_skipped([line(ua="z" * (2 << 20))], "field too large")
        self.assert_skipped([line(cust="c\x001")], "NUL byte")


class Quoting(TempDir):
    def test_a_stray_quote_is_an_ordinary_character(self):
        path = write_csv(self.path(), GOOD + [dict(GOOD[0], task_type='chat 5" screen')], FIELDS)
        doc = UnderstandingAnalyzer(path).analyze()
        self.assertEqual((doc["data"]["rows"], doc["data"]["skipped_rows"]), (6, 0))
        self.assertIn('chat 5" screen', doc["metrics"]["cost_by_task_type"])

    def test_an_unclosed_quote_loses_only_its_own_line(self):
        big = [row("2026-01-0%dT%02d:00:00Z" % (1 + i % 5, i % 24), "0.001000") for i in range(9000)]
        path = write_csv(self.path(), big, FIELDS)
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        lines[5] = lines[5].replace(",chat,", ',"chat,', 1)  # a quoted field that never closes
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines))
        doc = UnderstandingAnalyzer(path).analyze()
        self.assertEqual(doc["data"]["skipped_reasons"], {"unclosed quote": 1})
        self.assertEqual(doc["data"]["skipped_examples"], [{"file": path, "line": 6, "reason": "unclosed quote"}])
        self.assertEqual(doc["data"]["rows"], 8999)


class LineNumbers(TempDir):
    def test_examples_name_the_physical_line_whatever_the_workers(self):
        rows = [row("2026-01-0%dT%02d:00:00Z" % (1 + i % 5, i % 24), "0.001000") for i in range(30000)]
        rows[3]["user_agent"] = "line one\nline two\nline three"  # one record, three physical lines
        path = write_csv(self.path(), rows, FIELDS)
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        bad = len(lines) - 40
        parts = lines[bad].split(",")
        parts[4] = "many"
        lines[bad] = ",".join(parts)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines))
        saved = inputs.MIN_SPLIT_BYTES
        inputs.MIN_SPLIT_BYTES = 0
        try:
            got = [passes.analyze_file(path, workers)[0].stats.examples for workers in (1, 2, 3)]
        finally:
            inputs.MIN_SPLIT_BYTES = saved
        self.assertEqual(got[0], [(path, bad + 1, "bad number")])  # 1-based physical line
        self.assertEqual(got[1], got[0])
        self.assertEqual(got[2], got[0])


class Incremental(TempDir):
    def run_all(self, data, out, *extra):
        p = run_py([os.path.join(SRC, "run_all_analyzers.py"), "--data", data, "--out", out, "--quiet"] + list(extra))
        self.assertEqual(p.returncode, 0, p.stderr)
        import json
        with open(os.path.join(out, "json", "understanding.json"), encoding="utf-8") as f:
            return json.load(f)["metrics"]

    def test_a_rewritten_file_with_the_same_head_is_read_again(self):
        rows = [row("2026-01-0%dT%02d:00:00Z" % (1 + i % 5, i % 24), "0.001000", cust="cust_%02d" % (i % 7))
                for i in range(3000)]
        data = write_csv(self.path(), rows, FIELDS)
        self.run_all(data, self.path("inc"), "--incremental")
        for r in rows[1500:]:
            r["customer_id"] = "cust_99"
        write_csv(data, rows + rows[:100], FIELDS)  # same head, longer, a middle rewritten
        inc = self.run_all(data, self.path("inc"), "--incremental")
        full = self.run_all(data, self.path("full"))
        self.assertEqual(inc["cost_by_customer"], full["cost_by_customer"])

    def test_a_snapshot_inside_a_quoted_field_loses_no_row(self):
        rows = [row("2026-01-01T%02d:00:00Z" % (i % 24), "0.001000") for i in range(50)]
        rows[-1]["user_agent"] = "first\nsecond"
        text_path = write_csv(self.path("whole.csv"), rows, FIELDS)
        with open(text_path, encoding="utf-8") as f:
            text = f.read()
        cut = text.index("first\n") + len("first\n")  # the writer stopped just after the break inside the quotes
        data = self.path()
        with open(data, "w", encoding="utf-8", newline="") as f:
            f.write(text[:cut])
        state = self.path("state")
        run = passes.analyze_file(data, 1, state)[2]
        run.save()
        with open(os.path.join(state, "state.pickle"), "rb") as f:
            saved = pickle.load(f)
        self.assertEqual(saved["result"].stats.rows, 49)  # the open record is not in the saved state
        with open(data, "a", encoding="utf-8", newline="") as f:
            f.write(text[cut:])
        result, how, _ = passes.analyze_file(data, 1, state)
        self.assertEqual((how, result.stats.rows, result.stats.skipped_rows), ("incremental", 50, 0))


class ReportSets(TempDir):
    def test_a_run_killed_while_writing_leaves_the_previous_set_whole(self):
        data = write_csv(self.path(), GOOD, FIELDS)
        out = self.path("out")
        header = read_header(data)
        result = fold_range(data, header, None, None)
        from pricing.catalog import load_catalog
        from analyzers.registry import IDS
        first = list(runner.render_reports(result, IDS, {}, load_catalog(), data, 1, "2026-01-01T00:00:00Z"))
        runner.write_outputs(out, result, first, data)
        second = list(runner.render_reports(result, IDS, {}, load_catalog(), data, 1, "2026-02-02T00:00:00Z"))
        calls = []
        real = runner.write_text

        def dying(path, text):  # the process dies after writing three files of the new set
            calls.append(path)
            if len(calls) > 3:
                raise KeyboardInterrupt
            real(path, text)
        runner.write_text = dying
        try:
            with self.assertRaises(KeyboardInterrupt):
                runner.write_outputs(out, result, second, data)
        finally:
            runner.write_text = real
        for name in os.listdir(os.path.join(out, "json")):
            with open(os.path.join(out, "json", name), encoding="utf-8") as f:
                self.assertIn("2026-01-01T00:00:00Z", f.read(), name)  # every page still of the first run
        runner.write_outputs(out, result, second, data)
        for name in os.listdir(os.path.join(out, "json")):
            with open(os.path.join(out, "json", name), encoding="utf-8") as f:
                self.assertIn("2026-02-02T00:00:00Z", f.read(), name)
        self.assertFalse(os.path.exists(os.path.join(out, ".writing")))
        shutil.rmtree(out)


if __name__ == "__main__":
    unittest.main()
