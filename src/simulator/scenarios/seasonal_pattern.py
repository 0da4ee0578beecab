"""seasonal_pattern: weekly and monthly business cycles on top of the base traffic.

Weekly: Mondays start strong and Fridays taper off (on top of the base weekday/weekend factors). Monthly: a cosine
over the calendar month with its peak at the month-end close (reports, invoicing, forecasts) and its trough in
mid-month, +-35%.
"""
import calendar
import datetime as dt
import math

from simulator.scenarios.base import Scenario

# Monday..Sunday, multiplied with profiles.DAY_OF_WEEK_FACTOR (which already carries the weekend dip).
WEEKLY = (1.20, 1.10, 1.00, 0.95, 0.80, 1.00, 1.00)
MONTHLY_AMPLITUDE = 0.35


def monthly_factor(date: dt.date) -> float:
    """1 + 0.35 x cos(2 pi (day - last day) / days in month): 1.35 on the last day, 0.65 mid-month."""
    length = calendar.monthrange(date.year, date.month)[1]
    return 1.0 + MONTHLY_AMPLITUDE * math.cos(2.0 * math.pi * (date.day - length) / length)


class SeasonalPattern(Scenario):
    name = "seasonal_pattern"
    description = "weekly and monthly cycles: strong Mondays, quiet Fridays, a month-end peak and a mid-month lull"

    def volume(self, customer, day_index, n_days, date):
        return WEEKLY[date.weekday()] * monthly_factor(date)


SCENARIO = SeasonalPattern()
