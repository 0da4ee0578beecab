"""weekend_effect: a business product that rests on weekends and public holidays.

Weekends carry half of the base weekend traffic again (0.45 x 0.5 of an average day, about a fifth of a weekday)
and each customer's regional public holidays a quarter of the day's traffic (bridge days such as the Friday after
Thanksgiving a half). The calendar below covers the Americas (US), Europe and APAC; the moving feasts are computed
(Easter, the n-th weekday of a month), Lunar New Year comes from a table for 2024-2030.
"""
import datetime as dt
from functools import lru_cache
from typing import Dict

from simulator.scenarios.base import Scenario

WEEKEND = 0.5        # on top of profiles.DAY_OF_WEEK_FACTOR's weekend dip
HOLIDAY, BRIDGE = 0.25, 0.5
LUNAR_NEW_YEAR = {2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13),
                  2030: (2, 3)}


def easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own name)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (0 = Monday) of the month; n = -1 is the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


@lru_cache(maxsize=16)
def holidays(year: int) -> Dict[str, Dict[dt.date, float]]:
    """{region: {date: traffic factor}} of the year's public holidays and bridge days."""
    d = dt.date
    e = easter(year)
    thanksgiving = nth_weekday(year, 11, 3, 4)
    americas = {d(year, 1, 1): HOLIDAY, nth_weekday(year, 1, 0, 3): HOLIDAY, nth_weekday(year, 2, 0, 3): HOLIDAY,
                nth_weekday(year, 5, 0, -1): HOLIDAY, d(year, 6, 19): HOLIDAY, d(year, 7, 4): HOLIDAY,
                nth_weekday(year, 9, 0, 1): HOLIDAY, thanksgiving: HOLIDAY,
                thanksgiving + dt.timedelta(days=1): BRIDGE, d(year, 12, 24): BRIDGE, d(year, 12, 25): HOLIDAY,
                d(year, 12, 31): BRIDGE}
    europe = {d(year, 1, 1): HOLIDAY, e - dt.timedelta(days=2): HOLIDAY, e + dt.timedelta(days=1): HOLIDAY,
              d(year, 5, 1): HOLIDAY, e + dt.timedelta(days=39): HOLIDAY, e + dt.timedelta(days=50): HOLIDAY,
              d(year, 12, 24): BRIDGE, d(year, 12, 25): HOLIDAY, d(year, 12, 26): HOLIDAY, d(year, 12, 31): BRIDGE}
    apac = {d(year, 1, 1): HOLIDAY, d(year, 5, 1): HOLIDAY, d(year, 10, 1): HOLIDAY, d(year, 12, 25): BRIDGE}
    if year in LUNAR_NEW_YEAR:
        lny = d(year, *LUNAR_NEW_YEAR[year])
        apac.update({lny - dt.timedelta(days=1): BRIDGE, lny: HOLIDAY, lny + dt.timedelta(days=1): HOLIDAY,
                     lny + dt.timedelta(days=2): HOLIDAY})
    return {"americas": americas, "europe": europe, "apac": apac}


def holiday_factor(region: str, date: dt.date) -> float:
    """The traffic factor of a public holiday or bridge day in the region, else 1."""
    return holidays(date.year).get(region, {}).get(date, 1.0)


class WeekendEffect(Scenario):
    name = "weekend_effect"
    description = "weekend and holiday dips: quiet weekends, regional public holidays (US, Europe, APAC)"

    def volume(self, customer, day_index, n_days, date):
        factor = WEEKEND if date.weekday() >= 5 else 1.0
        return factor * holiday_factor(customer.region, date)


SCENARIO = WeekendEffect()
