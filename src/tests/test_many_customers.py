"""Many customers, not copies of the same rows: the shared group-bys equal the cube's own, a report set of 100,000
customers keeps every page under 5 MB with every customer in its JSON and its CSV files, the viewer serves those
files (and nothing else), and running out of memory is one clear line, not a traceback."""
import csv
import itertools
import json
import os
import random
import sys
import unittest

from naive import SRC, FIELDS, TempDir, row, write_csv, write_text

if SRC not in sys.path:
    sys.path.insert(0, SRC)

from analyzers import runner  # noqa: E402
from analyzers.engine.cube import DIMENSIONS, View  # noqa: E402
from analyzers.groups import groups  # noqa: E402
from analyzers.passes import analyze_file  # noqa: E402
from analyzers.registry import IDS  # noqa: E402
from pricing.catalog import load_catalog  # noqa: E402
from utils.errors import OutOfMemory  # noqa: E402

STAMP = "2026-01-01T00:00:00Z"


def mixed_rows(n, seed=4):
    """Rows with empty tags, literal "(untagged)" values, several tiers per customer and two providers."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        r = row("2026-01-%02dT%02d:%02d:00Z" % (1 + rnd.randrange(9), rnd.randrange(24), rnd.randrange(60)),
                cost="%.6f" % rnd.uniform(0, 0.05), model=rnd.choice(["gpt-4o", "gpt-4o-mini", "claude-x"]),
                provider=rnd.choice(["openai", "azure"]), inp=rnd.randrange(5000), out=rnd.randrange(900),
                lat=rnd.choice(["", str(rnd.randrange(100, 9000))]), cust="c%d" % rnd.randrange(40),
                org=rnd.choice(["", "org_a", "org_b", "(untagged)"]), prod=rnd.choice(["", "p1", "p2"]),
                feat=rnd.choice(["", "f1", "(untagged)", "f2"]), task=rnd.choice(["", "chat", "qa"]),
                env=rnd.choice(["", "production", "staging"]))
        r["subscription_tier"] = rnd.choice(["starter", "pro", "enterprise", ""])
        out.append(r)
    return out


class SharedGroupsEqualTheCube(TempDir):
    def test_every_group_by_equals_cube_group(self):
        path = write_csv(self.path(), mixed_rows(3000))
        result, _, _ = analyze_file(path, 1)
        cube = result.cube
        view = View(cube, result.stats, {}, load_catalog())
        g = groups(view)
        for r in (1, 2, 3):
            for dims in itertools.permutations(DIMENSIONS, r):
                got, want = g.group(*dims), cube.group(*dims)
                self.assertEqual(list(got.items()), list(want.items()), dims)  # same keys, same order
        self.assertEqual(g.totals(), cube.totals())
        for by in ("organization_id", "feature_id"):
            self.assertEqual(g.distinct(by), cube.distinct("customer_id", by))
        self.assertEqual(g.tier_changes(), view.tier_changes())
        by_org, by_feature = cube.group("customer_id", "organization_id"), cube.group("customer_id", "feature_id")
        self.assertEqual(list(g.customer_org_cost.items()), [(k, v[3]) for k, v in by_org.items()])
        self.assertEqual(list(g.customer_feature_calls.items()), [(k, v[0]) for k, v in by_feature.items()])
        untagged = {}
        for k, c in cube.cells.items():
            if not (k[4] and k[5] and k[6]):
                untagged[(k[2], k[4])] = untagged.get((k[2], k[4]), 0) + c[3]
        self.assertEqual(g.untagged_cost, untagged)
        self.assertIs(groups(view), g)  # once per view


def write_many(path, n):
    """n calls, one per distinct customer (user_000000...), over three days: the shape of end users as customers."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FIELDS)
        for i in range(n):
            w.writerow(["2026-01-%02dT%02d:%02d:%02dZ" % (1 + i % 3, i % 24, i % 60, i % 59), "call-%d" % i, "openai",
                        ("gpt-4o", "gpt-4o-mini")[i % 2], 100 + i % 900, 20 + i % 300, "%.6f" % (0.0001 * (1 + i % 97)),
                        200 + i % 5000, "user_%06d" % i, ("starter", "pro", "enterprise")[i % 3], "org_%d" % (i % 50),
                        "prod_%d" % (i % 4), "feat_%d" % (i % 6), ("chat", "qa", "analysis")[i % 3], "production",
                        "r", "t", "s", "ua"])


class HundredThousandCustomers(TempDir):
    def test_pages_stay_small_and_every_customer_is_downloadable(self):
        n = 100000
        data = self.path("many.csv")
        write_many(data, n)
        result, _, _ = analyze_file(data, 1)
        ids = ["understanding", "realtime", "profitability", "pricing"]
        rendered = list(runner.render_reports(result, ids, {}, load_catalog(), data, 1, STAMP))
        out = self.path("out")
        runner.write_outputs(out, result, rendered, data, with_index=False)
        html = os.path.join(out, "html")
        for name in ids:
            size = os.path.getsize(os.path.join(html, name + ".html"))
            self.assertLess(size, 5 << 20, name)
        with open(os.path.join(out, "json", "profitability.json"), encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(len(doc["metrics"]["customers"]), n)  # the JSON keeps every row
        with open(os.path.join(html, "profitability-customers.csv"), encoding="utf-8", newline="") as f:
            table = list(csv.reader(f))
        self.assertEqual(len(table), n + 1)
        self.assertEqual([r[0] for r in table[1:]], [c["customer_id"] for c in doc["metrics"]["customers"]])
        self.assertEqual([float(r[4]) for r in table[1:6]], [c["margin_usd"] for c in doc["metrics"]["customers"][:5]])
        with open(os.path.join(html, "profitability.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertIn('href="profitability-customers.csv"', page)
        self.assertIn("of %s rows" % format(n, ","), page)
        for name in ("understanding-by-customer.csv", "pricing-customers.csv"):
            with open(os.path.join(html, name), encoding="utf-8") as f:
                self.assertEqual(sum(1 for _ in f), n + 1, name)

    def test_the_index_reads_nothing_of_the_row_tables_it_does_not_keep(self):
        # write_outputs keeps each written report without its tables of rows; the summary and the index made
        # from those must be the ones made from the whole documents
        from analyzers.pages import index_page, navigation
        from analyzers.summary import summary_doc
        from utils.json_io import dumps
        data = self.path("few.csv")
        write_many(data, 300)
        result, _, _ = analyze_file(data, 1)
        docs = [d for d, _, _ in runner.render_reports(result, IDS, {}, load_catalog(), data, 1, STAMP)]
        kept = [runner._for_summary(d) for d in docs]
        self.assertTrue(any(len(k["metrics"]) < len(d["metrics"]) for k, d in zip(kept, docs)))  # tables dropped
        whole, slim = summary_doc(docs), summary_doc(kept)
        self.assertEqual(dumps(slim), dumps(whole))
        self.assertEqual(index_page(slim, kept, navigation(kept)), index_page(whole, docs, navigation(docs)))
        out = self.path("out")
        runner.write_outputs(out, result, iter(list(zip(docs, map(dumps, docs), [""] * len(docs)))), data)
        with open(os.path.join(out, "json", "summary.json"), encoding="utf-8") as f:
            self.assertEqual(f.read(), dumps(whole))

    def test_a_new_set_drops_the_old_sets_tables(self):
        data = self.path("few.csv")
        write_many(data, 150)
        result, _, _ = analyze_file(data, 1)
        out = self.path("out")
        runner.write_outputs(out, result, runner.render_reports(result, IDS, {}, load_catalog(), data, 1, STAMP), data)
        self.assertTrue(os.path.exists(os.path.join(out, "html", "profitability-customers.csv")))
        write_many(data, 20)
        result, _, _ = analyze_file(data, 1)
        runner.write_outputs(out, result, runner.render_reports(result, IDS, {}, load_catalog(), data, 1, STAMP), data)
        self.assertEqual([n for n in os.listdir(os.path.join(out, "html")) if n.endswith(".csv")], [])


class ViewerServesTheTables(TempDir):
    def test_only_report_tables_are_loaded(self):
        from viewer.httpd import _TABLE_URL
        from viewer.store import ReportStore
        html = os.path.join(self.tmp, "html")
        os.makedirs(html)
        write_text(os.path.join(html, "manifest.json"), "{}")
        for name in ("profitability-customers.csv", "nosuch-customers.csv", "profitability-.csv", "calls.csv",
                     "profitability-a.csv.bak"):
            write_text(os.path.join(html, name), "a,b\r\n1,2\r\n")
        store = ReportStore(self.tmp)
        self.assertTrue(store.load())
        self.assertEqual(sorted(k for k in store.pages if k.endswith(".csv")), ["profitability-customers.csv"])
        self.assertEqual(store.pages["profitability-customers.csv"].ctype, "text/csv; charset=utf-8")
        self.assertTrue(_TABLE_URL.match("/reports/profitability-customers.csv"))
        for bad in ("/reports/../profitability-customers.csv", "/reports/x/profitability-a.csv",
                    "/reports/profitability-customers.csv/x", "/reports/Profitability-a.csv"):
            self.assertFalse(_TABLE_URL.match(bad), bad)


class FasterAndCheaperChoice(unittest.TestCase):
    """The performance report's choice of alternative, priced cell by cell, against trying every one in turn."""

    class Entry(object):
        def __init__(self, name, inp, out):
            self.provider, self.model = "p", name
            self.input_micro_per_1m, self.output_micro_per_1m = inp, out

    def naive(self, g, cells, faster):
        from pricing.catalog import list_cost_nano
        best = None
        for i, (_, a, e) in enumerate(faster):
            if e is not None:
                alt = sum(list_cost_nano(e, x, y) for x, y in zip(*cells))
            elif a[1] + a[2]:
                alt = a[3] * (sum(cells[0]) + sum(cells[1])) // (a[1] + a[2])
            else:
                continue
            if g[3] - alt > g[0] * 500 and (best is None or g[3] - alt > best[0]):
                best = (g[3] - alt, i, alt)
        return best

    def test_the_same_choice_as_pricing_every_alternative(self):
        from analyzers.finops._dominance import _best
        rnd = random.Random(8)
        for _ in range(3000):
            n = rnd.randint(1, 6)
            cells = ([rnd.randrange(3000) for _ in range(n)], [rnd.randrange(900) for _ in range(n)])
            listed = sum(cells[0]) * 2 + sum(cells[1]) * 8  # the cells at a price near the alternatives'
            g = [rnd.randint(1, 3), 0, 0, listed + rnd.randint(-3000, 3000)]
            faster = []
            for k in range(rnd.randint(0, 5)):
                if rnd.random() < 0.2:
                    faster.append(("m%d" % k, [5, rnd.randrange(100), rnd.randrange(100), rnd.randrange(9000)], None))
                else:  # equal prices now and then: the first of equals wins
                    faster.append(("m%d" % k, [5, 0, 0, 0], self.Entry("m%d" % k, rnd.choice([1900, 2000, 2100]),
                                                                          rnd.choice([7900, 8000]))))
            got = _best(g, cells, faster)
            want = self.naive(g, cells, faster)
            self.assertEqual(None if got is None else got[:3], want, (g, cells, faster))


class OutOfMemoryIsOneLine(TempDir):
    def test_memory_error_becomes_a_showcase_error(self):
        data = write_csv(self.path(), mixed_rows(50))
        result, _, _ = analyze_file(data, 1)
        work = runner.ReportWork(result, ["profitability"], {}, load_catalog(), data, STAMP)

        def no_memory(*args, **kwargs):
            raise MemoryError()
        work.analyzers[0].document = no_memory
        with self.assertRaises(OutOfMemory) as caught:
            work.report(0)
        self.assertIn("not enough memory to make the profitability report", str(caught.exception))
        self.assertEqual(caught.exception.exit_code, 2)


if __name__ == "__main__":
    unittest.main()
