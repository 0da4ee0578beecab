"""The twelve traffic scenarios: registry, reproducibility, and each one's signature in the data it generates.

Each signature is measured on 40 customers x 28 days from Monday 2026-02-02 (the viral spike on 12 customers: it
multiplies the volume ~7x), generated in memory with iter_lines.
"""
import datetime as dt
import hashlib
import statistics
import unittest
from collections import Counter, defaultdict

from simulator.core import AICallSimulator
from simulator.scenarios import NAMES, get_scenario, list_scenarios
from simulator.scenarios.base import Scenario
from simulator.scenarios.weekend_effect import easter, holiday_factor, nth_weekday
from utils.errors import ConfigError

START = dt.date(2026, 2, 2)  # a Monday; four weeks end on Sunday 2026-03-01
FIRST_WEEK_END, LAST_WEEK_START = "2026-02-09", "2026-02-23"
_RUNS = {}


class Run(object):
    """One scenario's calls, reduced to the columns the signatures use."""

    def __init__(self, name, customers=40, seed=5, days=28):
        self.sim = AICallSimulator(customers, days, seed, START, scenario=get_scenario(name))
        self.rows = []  # (YYYY-MM-DDTHH, model, cost micro-dollars, customer, organization, feature)
        for lines in self.sim.iter_lines():
            for line in lines:
                v = line.split(",", 13)
                whole, frac = v[6].split(".")
                self.rows.append((v[0][:13], v[3], int(whole) * 1000000 + int(frac), v[8], v[10], v[12]))

    def first_week(self):
        return [r for r in self.rows if r[0] < FIRST_WEEK_END]

    def last_week(self):
        return [r for r in self.rows if r[0] >= LAST_WEEK_START]

    def per_day(self):
        return Counter(r[0][:10] for r in self.rows)


def run(name, **kw):
    key = (name,) + tuple(sorted(kw.items()))
    if key not in _RUNS:
        _RUNS[key] = Run(name, **kw)
    return _RUNS[key]


def share(rows, pred):
    return sum(1 for r in rows if pred(r)) / float(max(1, len(rows)))


def day(text):
    return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))


def digest(sim):
    h = hashlib.sha256()
    for lines in sim.iter_lines():
        h.update("".join(lines).encode())
    return h.hexdigest()


class Registry(unittest.TestCase):
    def test_twelve_in_cycle_order(self):
        self.assertEqual(NAMES, ("base_traffic", "seasonal_pattern", "burst_traffic", "multi_tenant", "model_migration",
                                 "weekend_effect", "timezone_pattern", "feature_launch", "cost_optimization",
                                 "gradual_decline", "steady_growth", "viral_spike"))
        for name, description in list_scenarios():
            s = get_scenario(name)
            self.assertIsInstance(s, Scenario)
            self.assertEqual(s.name, name)
            self.assertTrue(20 < len(description) < 120 and "\n" not in description, name)

    def test_unknown_name_is_a_config_error(self):
        with self.assertRaises(ConfigError) as cm:
            get_scenario("nope")
        self.assertIn("base_traffic", str(cm.exception))

    def test_instances_do_not_share_prepared_state(self):
        a, b = get_scenario("multi_tenant"), get_scenario("multi_tenant")
        self.assertIsNot(a, b)
        AICallSimulator(8, 1, 1, START, scenario=a)
        self.assertFalse(hasattr(b, "org_factor"))


class Reproducible(unittest.TestCase):
    def test_same_seed_same_bytes_other_seed_other_bytes(self):
        def make(seed):
            return AICallSimulator(10, 7, seed, START, scenario=get_scenario("burst_traffic"))
        self.assertEqual(digest(make(3)), digest(make(3)))
        self.assertNotEqual(digest(make(3)), digest(make(4)))

    def test_base_traffic_is_the_plain_simulator(self):
        self.assertEqual(digest(AICallSimulator(10, 3, 2, START)),
                         digest(AICallSimulator(10, 3, 2, START, scenario=get_scenario("base_traffic"))))


class Signatures(unittest.TestCase):
    def test_seasonal_pattern_weekly_and_monthly_cycles(self):
        per_day = run("seasonal_pattern").per_day()
        mondays = sum(n for d, n in per_day.items() if day(d).weekday() == 0)
        fridays = sum(n for d, n in per_day.items() if day(d).weekday() == 4)
        self.assertGreater(mondays / float(fridays), 1.3)  # expected 1.2/0.8 x 1.16/1.12 = 1.55
        # the same weekdays (Mon-Wed) near the month's turn and in mid-month: expected 1.74
        month_turn = sum(per_day["2026-02-0%d" % d] for d in (2, 3, 4))
        mid_month = sum(per_day["2026-02-%d" % d] for d in (16, 17, 18))
        self.assertGreater(month_turn / float(mid_month), 1.4)

    def test_burst_traffic_hours_are_5_to_20x_their_usual(self):
        burst = run("burst_traffic")
        per_hour = Counter(x[0] for x in burst.rows)
        schedule = burst.sim.scenario.schedule
        self.assertTrue(schedule)
        quiet = [START + dt.timedelta(days=i) for i in range(28) if i not in schedule]
        for i, hours in schedule.items():
            date = START + dt.timedelta(days=i)
            for hour, factor in hours.items():
                self.assertTrue(5 <= factor <= 20)
                usual = statistics.median(per_hour["%sT%02d" % (d, hour)] for d in quiet
                                          if (d.weekday() >= 5) == (date.weekday() >= 5))
                seen = per_hour["%sT%02d" % (date, hour)] / float(max(1, usual))
                self.assertTrue(0.5 * factor <= seen <= 2.0 * factor, "%s %02dh: %.1fx, want ~%.1fx" % (date, hour, seen, factor))
        self.assertGreaterEqual(max(per_hour.values()) / statistics.median(per_hour.values()), 5)

    def test_multi_tenant_org_sizes_3_and_10x_apart(self):
        r = run("multi_tenant")
        size = r.sim.scenario.org_size
        self.assertEqual(set(size.values()), {"small", "medium", "large"})
        expected = defaultdict(float)  # calls the customers of each size would make at base volume
        for c in r.sim.customers:
            expected[size[c.organization_id]] += c.calls_per_day * 28
        org = {c.customer_id: c.organization_id for c in r.sim.customers}  # untagged calls still have a customer
        seen = Counter(size[org[row[3]]] for row in r.rows)
        rate = {k: seen[k] / expected[k] for k in expected}
        self.assertTrue(2.3 <= rate["medium"] / rate["small"] <= 3.9, rate)
        self.assertTrue(7.5 <= rate["large"] / rate["small"] <= 13, rate)
        base = len(run("base_traffic").rows)
        self.assertTrue(0.5 <= len(r.rows) / float(base) <= 2.0)  # the spread, not the total, changes

    def test_model_migration_gpt4_to_claude_sonnet_4(self):
        r = run("model_migration")
        first, last = r.first_week(), r.last_week()
        g4 = lambda x: x[1] == "gpt-4"  # noqa: E731
        sonnet = lambda x: x[1] == "claude-sonnet-4"  # noqa: E731
        self.assertGreater(share(first, g4), 0.15)
        self.assertLess(share(last, g4), 0.25 * share(first, g4))
        self.assertGreater(share(last, sonnet), 2 * share(first, sonnet) + 0.1)

    def test_weekend_effect_weekends_and_holidays(self):
        r = run("weekend_effect")
        per_day = r.per_day()
        weekend = [n for d, n in per_day.items() if day(d).weekday() >= 5]
        weekday = [n for d, n in per_day.items() if day(d).weekday() < 5]
        self.assertLess((sum(weekend) / 8.0) / (sum(weekday) / 20.0), 0.3)  # base traffic: ~0.39
        region = {c.customer_id: c.region for c in r.sim.customers}
        # Presidents' Day (Mon 16 Feb 2026) for the Americas, Lunar New Year (17-19 Feb) in APAC
        for reg, holidays, usual in (("americas", ["2026-02-16"], ["2026-02-09", "2026-02-23"]),
                                     ("apac", ["2026-02-17", "2026-02-18", "2026-02-19"],
                                      ["2026-02-10", "2026-02-11", "2026-02-12", "2026-02-24", "2026-02-25", "2026-02-26"])):
            days = Counter(x[0][:10] for x in r.rows if region[x[3]] == reg)
            if not days:
                continue
            ratio = (sum(days[d] for d in holidays) / float(len(holidays))) / (sum(days[d] for d in usual) / float(len(usual)))
            self.assertLess(ratio, 0.45, reg)  # expected 0.25

    def test_holiday_calendar(self):
        self.assertEqual(easter(2026), dt.date(2026, 4, 5))
        self.assertEqual(easter(2024), dt.date(2024, 3, 31))
        self.assertEqual(nth_weekday(2026, 11, 3, 4), dt.date(2026, 11, 26))  # Thanksgiving
        self.assertEqual(nth_weekday(2026, 5, 0, -1), dt.date(2026, 5, 25))  # Memorial Day
        self.assertEqual(holiday_factor("europe", dt.date(2026, 4, 6)), 0.25)  # Easter Monday
        self.assertEqual(holiday_factor("americas", dt.date(2026, 4, 6)), 1.0)

    def test_timezone_pattern_traffic_never_sleeps(self):
        def quiet_to_busy(rows):
            hours = Counter(int(x[0][11:13]) for x in rows)
            return min(hours[h] for h in range(24)) / float(max(hours.values()))
        self.assertGreater(quiet_to_busy(run("timezone_pattern").rows), 0.3)
        self.assertLess(quiet_to_busy(run("base_traffic").rows), 0.15)  # one market's night is nearly empty

    def test_feature_launch_s_curve(self):
        r = run("feature_launch")
        code = lambda x: x[5] == "code"  # noqa: E731
        self.assertEqual(share(r.first_week(), code), 0.0)  # not launched yet
        self.assertGreater(share(r.last_week(), code), 0.15)
        adopters = []  # customers using the feature, week by week: an S-curve rises in the middle
        for w in range(4):
            lo, hi = str(START + dt.timedelta(days=7 * w)), str(START + dt.timedelta(days=7 * w + 7))
            adopters.append(len({x[3] for x in r.rows if lo <= x[0] < hi and code(x)}))
        self.assertEqual(adopters, sorted(adopters))
        self.assertGreater(adopters[3], 0.6 * len(r.sim.customers))

    def test_cost_optimization_cheaper_per_call(self):
        r = run("cost_optimization")
        first, last = r.first_week(), r.last_week()
        per_call = lambda rows: sum(x[2] for x in rows) / float(len(rows))  # noqa: E731
        self.assertLess(per_call(last) / per_call(first), 0.5)
        self.assertTrue(0.8 <= len(last) / float(len(first)) <= 1.25)  # same traffic, cheaper models

    def test_gradual_decline_customers_go_inactive(self):
        r = run("gradual_decline")
        first, last = r.first_week(), r.last_week()
        active = len({x[3] for x in last}) / float(len({x[3] for x in first}))
        self.assertLess(active, 0.75)
        gone = {c.customer_id for c in r.sim.customers if r.sim.scenario.churn_at.get(c.index, 1) < 0.75}
        self.assertTrue(gone)
        self.assertFalse(gone & {x[3] for x in last})
        self.assertLess(len(last) / float(len(first)), 0.85)

    def test_steady_growth_doubles(self):
        r = run("steady_growth")
        ratio = len(r.last_week()) / float(len(r.first_week()))
        self.assertTrue(1.7 <= ratio <= 2.3, ratio)

    def test_viral_spike_1x_50x_5x(self):
        r = run("viral_spike", customers=12)
        per_day = r.per_day()
        days = sorted(per_day)
        before = statistics.mean(per_day[d] for d in days[:7])
        peak = max(days, key=lambda d: per_day[d])
        self.assertEqual(peak, str(START + dt.timedelta(days=11)))  # 40% into the period
        self.assertGreater(per_day[peak] / before, 30)
        plateau = statistics.mean(per_day[d] for d in days[-7:]) / before
        self.assertTrue(3 <= plateau <= 7.5, plateau)
        self.assertGreaterEqual(per_day[peak] / statistics.median(per_day.values()), 5)


class HookCost(unittest.TestCase):
    def test_mix_rebuilds_are_bounded(self):
        sim = AICallSimulator(5, 28, 1, START, scenario=get_scenario("feature_launch"))
        for _ in sim.iter_lines():
            pass
        # one table per customer and mix version, and per change of the models on sale (a release or a shutdown)
        menus = len({on_sale for on_sale, _ in sim._menus.values()})
        self.assertLessEqual(len(sim._tables), 5 * (14 + menus - 1))


if __name__ == "__main__":
    unittest.main()
