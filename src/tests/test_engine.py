"""The engine: the reader on odd files, exact money and time, and the cube's merge/order properties."""
import csv
import datetime
import os
import random
import shutil
import tempfile
import unittest
from collections import defaultdict

from analyzers.engine.cube import COST_NANO, CALLS, Cube, View
from analyzers.engine.ranges import line_starts
from analyzers.engine.fold import fold_range
from analyzers.engine.reader import ReadStats, iter_calls, read_header, scan
from simulator.core import AICallSimulator
from utils.errors import DataFileError
from utils.money import parse_usd, per_month
from utils.schema import FIELDS
from utils.timeutil import iso, parse_ts

from naive import TempDir, write_rows, write_text

ROW = ["2026-01-05T14:03:22Z", "c1", "openai", "gpt-4o", "100", "50", "0.000750", "812", "cust_1", "pro", "org_a",
       "prod_x", "chat", "chat", "production", "r1", "t1", "s1", "sdk/1"]


def read_all(path):
    stats = ReadStats()
    header = read_header(path)
    calls = list(iter_calls(path, stats, header)) if header else []
    return calls, stats


def cube_of(path, start=None, end=None):
    stats = ReadStats()
    header = read_header(path)
    cube = Cube()
    scan(path, stats, header, cube, start, end)
    return cube, stats


def snapshot(cube):
    return (sorted(cube.cells.items()), sorted(cube.customer_hours()), sorted(
        (m, sorted(h.items())) for m, h in cube.latency.items()), cube.first_ts, cube.last_ts,
        sorted(cube.last_tier.items()), sorted(cube.hourly.items()))


EPOCH = datetime.datetime(1970, 1, 1)


class ReaderOddFiles(TempDir):
    def test_columns_by_name_any_order_extra_columns(self):
        order = list(reversed(FIELDS)) + ["extra"]
        row = dict(zip(FIELDS, ROW), extra="x,y")
        write_rows(self.path(), [[c.upper() if c == "model" else c for c in order], [row[c] for c in order]])
        calls, stats = read_all(self.path())
        self.assertEqual(stats.rows, 1)
        c = calls[0]
        self.assertEqual((c.model, c.input_tokens, c.output_tokens, c.cost_nano, c.latency_ms, c.customer_id, c.tier),
                         ("gpt-4o", 100, 50, 750000, 812, "cust_1", "pro"))
        self.assertEqual(c.ts, parse_ts("2026-01-05T14:03:22Z"))

    def test_bom_crlf_and_no_final_newline(self):
        text = "\ufeff" + ",".join(FIELDS) + "\r\n" + ",".join(ROW) + "\r\n" + ",".join(ROW)
        write_text(self.path(), text)
        calls, stats = read_all(self.path())
        self.assertEqual(stats.rows, 2)   # a complete last line without a line break is a row
        self.assertEqual(stats.skipped_rows, 0)
        self.assertEqual(calls[1].user_agent, "sdk/1")

    def test_missing_optional_columns(self):
        keep = ["timestamp", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "customer_id"]
        vals = dict(zip(FIELDS, ROW))
        write_text(self.path(), ",".join(keep) + "\n" + ",".join(vals[k] for k in keep) + "\n")
        calls, stats = read_all(self.path())
        self.assertEqual(stats.rows, 1)
        c = calls[0]
        self.assertEqual((c.latency_ms, c.tier, c.organization_id, c.feature_id, c.task_type), (-1, "", "", "", ""))
        cube, _ = cube_of(self.path())
        self.assertEqual(list(cube.group("organization_id")), ["(untagged)"])
        self.assertEqual(cube.latency, {})

    def test_missing_required_column_is_a_clear_error(self):
        write_text(self.path(), "timestamp,model,cost_usd\n2026-01-01T00:00:00Z,x,1\n")
        with self.assertRaises(DataFileError) as e:
            read_header(self.path())
        self.assertIn("provider", str(e.exception))
        self.assertIn("input_tokens", str(e.exception))

    def test_missing_file_names_the_command(self):
        with self.assertRaises(DataFileError) as e:
            read_header(self.path("nope.csv"))
        self.assertIn("does not exist", str(e.exception))
        self.assertIn("simulator/core.py", str(e.exception))

    def test_empty_and_header_only(self):
        write_text(self.path(), "")
        self.assertIsNone(read_header(self.path()))
        write_text(self.path(), ",".join(FIELDS))
        calls, stats = read_all(self.path())
        self.assertEqual((len(calls), stats.rows, stats.skipped_rows), (0, 0, 0))

    def test_bad_rows_counted_by_reason_good_rows_kept(self):
        bad_num = list(ROW)
        bad_num[4] = "abc"
        bad_ts = list(ROW)
        bad_ts[0] = "yesterday"
        bad_sec = list(ROW)
        bad_sec[0] = "2026-01-05T14:03:x2Z"  # a minute already seen, garbage seconds
        bad_sec2 = list(ROW)
        bad_sec2[0] = "2026-01-05T14:03:75Z"
        no_cust = list(ROW)
        no_cust[8] = ""
        neg = list(ROW)
        neg[5] = "-3"
        lines = [",".join(FIELDS), ",".join(ROW), "not,a,row", "", ",".join(bad_num), ",".join(bad_ts),
                 ",".join(no_cust), ",".join(neg), ";".join(ROW), ",".join(ROW), ",".join(bad_sec),
                 ",".join(bad_sec2), ",".join(ROW)[:25]]
        write_text(self.path(), "\n".join(lines))
        calls, stats = read_all(self.path())
        self.assertEqual(stats.rows, 2)
        self.assertEqual(dict(stats.skipped), {"wrong column count": 2, "empty line": 1, "bad number": 2,
                                               "bad timestamp": 3, "missing required field": 1,
                                               "truncated last line": 1})
        self.assertEqual(stats.examples[0], (self.path(), 3, "wrong column count"))  # file and physical line

    def test_quoted_fields_with_commas_quotes_and_newlines(self):
        row = list(ROW)
        row[18] = 'agent "x", v2\nline two'
        row[8] = "cust, with comma"
        write_rows(self.path(), [FIELDS, row, ROW])
        calls, stats = read_all(self.path())
        self.assertEqual(stats.rows, 2)
        self.assertEqual(calls[0].user_agent, 'agent "x", v2\nline two')
        self.assertEqual(calls[0].customer_id, "cust, with comma")

    def test_other_tools_number_styles(self):
        row = list(ROW)
        row[4], row[5], row[6], row[7] = "100.0", "50", "7.5e-4", "812.6"
        write_text(self.path(), ",".join(FIELDS) + "\n" + ",".join(row) + "\n")
        calls, stats = read_all(self.path())
        self.assertEqual(stats.rows, 1)
        self.assertEqual((calls[0].input_tokens, calls[0].cost_nano, calls[0].latency_ms), (100, 750000, 813))

    def test_invalid_utf8_is_replaced_not_fatal(self):
        data = (",".join(FIELDS) + "\n" + ",".join(ROW) + "\n").encode("utf-8").replace(b"sdk/1", b"sdk\xff/1")
        write_text(self.path(), data.decode("latin-1"), "w")
        with open(self.path(), "wb") as f:
            f.write(data)
        calls, stats = read_all(self.path())
        self.assertEqual(stats.rows, 1)
        self.assertIn("\ufffd", calls[0].user_agent)


class TimeAndMoney(unittest.TestCase):
    def test_timestamp_forms(self):
        base = parse_ts("2026-01-05T14:03:22Z")
        self.assertEqual(iso(base), "2026-01-05T14:03:22Z")
        for text in ("2026-01-05T14:03:22+00:00", "2026-01-05 14:03:22", "2026-01-05T14:03:22.123456Z",
                     "2026-01-05T19:33:22+05:30", "2026-01-05T06:03:22-0800", "2026-01-05T14:03:22,5",
                     "1767621802", "1767621802000", "2026/01/05 14:03:22"):
            self.assertEqual(parse_ts(text), base, text)
        self.assertEqual(parse_ts("2026-01-05"), base - (14 * 3600 + 3 * 60 + 22))
        for bad in ("2026-02-30T00:00:00Z", "2026-01-05T25:00:00Z", "yesterday", "", "2026-01-05T14:03:22+99:00"):
            with self.assertRaises(ValueError):
                parse_ts(bad)

    def test_leap_day_and_epoch(self):
        self.assertEqual(iso(parse_ts("2028-02-29T00:00:00Z")), "2028-02-29T00:00:00Z")
        self.assertEqual(parse_ts("1970-01-01T00:00:00Z"), 0)

    def test_parse_usd_exact(self):
        self.assertEqual(parse_usd("0.012345"), 12345000)
        self.assertEqual(parse_usd("0.0123456789"), 12345679)  # half up at the nano-dollar
        self.assertEqual(parse_usd("1.5e-05"), 15000)
        self.assertEqual(parse_usd("-0.500000"), -500000000)
        self.assertEqual(parse_usd("$1,234.50"), 1234500000000)
        for bad in ("abc", "nan", "inf", "1.2.3"):
            with self.assertRaises(ValueError):
                parse_usd(bad)
        self.assertEqual(per_month(10 * 10 ** 9, 15.0), 20.0)


class CubeProperties(TempDir):
    @classmethod
    def setUpClass(cls):
        cls.data_dir = tempfile.mkdtemp(prefix="cube-")
        cls.data = os.path.join(cls.data_dir, "calls.csv")
        AICallSimulator(num_customers=25, num_days=6, seed=9).write_csv(cls.data)
        with open(cls.data, newline="", encoding="utf-8") as f:
            cls.rows = list(csv.DictReader(f))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.data_dir, ignore_errors=True)

    def test_cube_equals_naive_group_by(self):
        cube, stats = cube_of(self.data)
        self.assertEqual(stats.rows, len(self.rows))
        naive = defaultdict(float)
        calls = defaultdict(int)
        for r in self.rows:
            naive[(r["customer_id"], r["model"])] += float(r["cost_usd"])
            calls[r["model"]] += 1
        got = cube.group("customer_id", "model")
        self.assertEqual(set(got), set(naive))
        for k, v in naive.items():
            self.assertAlmostEqual(got[k][COST_NANO] / 1e9, v, places=6)
        self.assertEqual({m: v[CALLS] for m, v in cube.group("model").items()}, dict(calls))
        self.assertEqual(sum(h[1] for h in cube.hourly.values()), cube.totals()[COST_NANO])
        total = sum(int(r["cost_usd"].replace(".", "")) for r in self.rows) * 1000
        self.assertEqual(cube.totals()[COST_NANO], total)  # exact, not approximately
        lat, lat_pm = defaultdict(list), defaultdict(list)
        for r in self.rows:
            lat[r["model"]].append(int(r["latency_ms"]))
            lat_pm[(r["provider"], r["model"])].append(int(r["latency_ms"]))
        by_model = cube.latency_by_model()
        for m, vals in lat.items():
            self.assertEqual(sorted(v for v, n in by_model[m].items() for _ in range(n)), sorted(vals))
        for pm, vals in lat_pm.items():
            self.assertEqual(sorted(v for v, n in cube.latency[pm].items() for _ in range(n)), sorted(vals))
        daily = defaultdict(int)
        for r in self.rows:
            day = (datetime.datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%SZ") - EPOCH).days
            daily[(r["provider"], r["model"], day)] += int(r["cost_usd"].replace(".", "")) * 1000
        got = {(p, m, d): v[1] for (p, m), days in cube.model_daily().items() for d, v in days.items()}
        self.assertEqual(got, dict(daily))

    def test_any_split_into_byte_ranges_merges_to_the_whole(self):
        whole, _ = cube_of(self.data)
        header = read_header(self.data)
        for parts in (2, 3, 7):
            bounds = line_starts(self.data, header.data_offset, parts)
            merged = Cube()
            for a, b in zip(bounds, bounds[1:]):
                part, _ = cube_of(self.data, a, b)
                merged.merge(part)
            self.assertEqual(snapshot(merged), snapshot(whole), parts)

    def test_column_path_equals_row_path_with_odd_rows_sprinkled(self):
        """The column path (clean batches) and the row path (every row checked) give the same cube, counts and
        examples, whatever mixes of clean and odd rows the batches hold."""
        rnd = random.Random(3)
        odd = [lambda r: r[:5], lambda r: r[:6] + ["-1.000000"] + r[7:], lambda r: ["1970-01-01T00:00:00Z"] + r[1:],
               lambda r: r[:4] + ["1_000"] + r[5:], lambda r: r[:7] + [""] + r[8:], lambda r: r[:2] + [""] + r[3:],
               lambda r: [r[0][:19] + ".5Z"] + r[1:], lambda r: r[:6] + ["0.0000005"] + r[7:], lambda r: []]
        with open(self.data, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        out = [rows[0]]
        for r in rows[1:]:
            out.append(rnd.choice(odd)(r) if rnd.random() < 0.01 else r)
        path = os.path.join(self.tmp, "odd.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(out)
        from analyzers.engine import scanner
        fast, fast_stats = cube_of(path)
        original = scanner.Scanner.bulk
        scanner.Scanner.bulk = lambda self, lines: False
        try:
            slow, slow_stats = cube_of(path)
        finally:
            scanner.Scanner.bulk = original
        self.assertGreater(sum(fast_stats.skipped.values()), 10)
        self.assertEqual(snapshot(fast), snapshot(slow))
        self.assertEqual((fast_stats.rows, fast_stats.skipped, fast_stats.examples),
                         (slow_stats.rows, slow_stats.skipped, slow_stats.examples))
        self.assertEqual(fast_stats.rows + sum(fast_stats.skipped.values()), len(out) - 1)

    def test_ranges_never_cut_a_quoted_multiline_field(self):
        rows = [FIELDS]
        for i in range(400):
            row = list(ROW)
            row[1] = "c%d" % i
            row[18] = "line one\nline two, with \"quotes\"\n" * (i % 3)
            rows.append(row)
        write_rows(self.path("q.csv"), rows)
        whole, stats = cube_of(self.path("q.csv"))
        self.assertEqual((stats.rows, stats.skipped_rows), (400, 0))
        header = read_header(self.path("q.csv"))
        for parts in (2, 5, 13):
            bounds = line_starts(self.path("q.csv"), header.data_offset, parts)
            merged = Cube()
            for a, b in zip(bounds, bounds[1:]):
                part, st = cube_of(self.path("q.csv"), a, b)
                self.assertEqual(st.skipped_rows, 0)
                merged.merge(part)
            self.assertEqual(snapshot(merged), snapshot(whole), parts)

    def test_row_order_changes_nothing(self):
        whole, _ = cube_of(self.data)
        with open(self.data, encoding="utf-8") as f:
            head, body = f.readline(), f.readlines()
        random.Random(4).shuffle(body)
        write_text(self.path("shuffled.csv"), head + "".join(body))
        shuffled, _ = cube_of(self.path("shuffled.csv"))
        self.assertEqual(snapshot(shuffled), snapshot(whole))

    def test_latest_tier_wins_and_changes_are_listed(self):
        rows = [list(ROW), list(ROW), list(ROW)]
        rows[0][0], rows[0][9] = "2026-01-05T10:00:00Z", "starter"
        rows[1][0], rows[1][9] = "2026-01-07T10:00:00Z", "enterprise"
        rows[2][0], rows[2][9] = "2026-01-06T10:00:00Z", "pro"
        write_text(self.path(), ",".join(FIELDS) + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
        cube, stats = cube_of(self.path())
        view = View(cube, stats)
        self.assertEqual(view.tier_of("cust_1"), "enterprise")
        self.assertEqual(view.days, 3.0)  # too few days to tell a partial first or last day: whole days
        self.assertEqual(view.partial_days, [])
        self.assertEqual(view.tier_changes(), {"cust_1": ["enterprise", "pro", "starter"]})
        self.assertEqual(view.revenue_nano("cust_1"), 299 * 10 ** 9 * 3 // 30)

    def test_whole_records_end_where_no_quoted_field_is_open(self):
        # the file ends just after a line break inside a quoted field: that record is not whole yet
        row = list(ROW)
        row[18] = "first line\nsecond"
        text = ",".join(FIELDS) + "\n" + ",".join(ROW) + "\n" + ",".join(row[:18]) + ',"first line\n'
        write_text(self.path(), text)
        header = read_header(self.path())
        part = fold_range(self.path(), header, header.data_offset, None, final=False)
        with open(self.path(), "rb") as f:
            data = f.read()
        self.assertEqual(part.stats.end_offset, len((",".join(FIELDS) + "\n" + ",".join(ROW) + "\n").encode()))
        self.assertEqual((part.stats.rows, part.stats.skipped_rows), (1, 0))
        self.assertLess(part.stats.end_offset, len(data))


if __name__ == "__main__":
    unittest.main()
