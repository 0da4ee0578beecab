"""steady_growth: traffic grows linearly from 100% to 200% over the period.

The line passes through 1.0 at 1/8 of the period and 2.0 at 7/8 of it, so on a four-week run the first week
averages 100% of the base traffic and the last week 200%: every customer grows alike, the mix stays the same.
"""
from simulator.scenarios.base import Scenario, progress

START_AT, END_AT = 0.125, 0.875


def growth(t: float) -> float:
    """Volume multiplier at progress t (0..1): 1.0 at 1/8 of the period, 2.0 at 7/8."""
    return 1.0 + (t - START_AT) / (END_AT - START_AT)


class SteadyGrowth(Scenario):
    name = "steady_growth"
    description = "linear growth: traffic doubles over the period (first week 100%, last week 200%)"

    def volume(self, customer, day_index, n_days, date):
        return growth(progress(day_index, n_days))


SCENARIO = SteadyGrowth()
