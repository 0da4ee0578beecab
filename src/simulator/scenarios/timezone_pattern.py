"""timezone_pattern: a global customer base, each customer working its own local business hours.

Customers are dealt round-robin over the Americas, Europe and APAC in order of volume, so that each region carries
about a third of the traffic (a base built for one market would leave the night empty), and each gets a UTC offset
of its region (Americas UTC-8..-3, Europe UTC+0..+3, APAC UTC+5..+10). Its day follows the base business-hours
profile in local time: in UTC the Americas' afternoon meets APAC's morning, so the quietest UTC hour still has
real traffic (on 60 customers about half of the busiest hour's).
"""
from typing import Tuple

from simulator import profiles as P
from simulator.scenarios.base import Scenario

REGIONS = ("americas", "europe", "apac")
OFFSETS = {"americas": (-8, -7, -6, -5, -5, -4, -3), "europe": (0, 1, 1, 2, 3), "apac": (5, 7, 8, 8, 9, 10)}


def local_profile(offset: int) -> Tuple[float, ...]:
    """24 UTC hourly weights of a customer whose local time is UTC+offset."""
    return tuple(P.BASE_HOURS[(h + offset) % 24] for h in range(24))


class TimezonePattern(Scenario):
    name = "timezone_pattern"
    description = "global timezones: Americas, Europe and APAC customers in their own business hours, 24h coverage"

    def prepare(self, sim) -> None:
        rng = self.rng(sim)
        by_volume = sorted(sim.customers, key=lambda c: (-c.calls_per_day, c.index))
        self.region = {}  # type: Dict[int, str]
        self.offset = {}  # type: Dict[int, int]
        for i, c in enumerate(by_volume):
            region = REGIONS[i % len(REGIONS)]
            self.region[c.index] = region
            self.offset[c.index] = rng.choice(OFFSETS[region])
        self.profiles = {o: local_profile(o) for offsets in OFFSETS.values() for o in offsets}

    def hour_weights(self, customer, day_index, n_days, date):
        offset = self.offset.get(customer.index)
        return None if offset is None else self.profiles[offset]


SCENARIO = TimezonePattern()
