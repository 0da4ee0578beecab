"""burst_traffic: unpredictable platform-wide bursts of 5-20x the normal traffic, an hour or three at a time.

A batch job, a retry storm or a partner's launch: on about one day in three a burst starts at a random hour
(business hours likelier), lasts 1-3 hours and multiplies every customer's traffic in those hours by 5-20
(log-uniform). Each burst hour gets its extra calls on top of the day's usual ones: the day's volume grows by the
burst's share of the hour profile. The schedule is drawn from the seed and each day's date, so it is reproducible
and differs from period to period; every period gets at least one burst.
"""
import datetime as dt
import math
import random
from typing import Dict, List, Tuple

from simulator import profiles as P
from simulator.scenarios.base import Scenario

DAILY_CHANCE = 1.0 / 3
MIN_X, MAX_X = 5.0, 20.0
DURATIONS = (1, 1, 1, 2, 2, 3)  # hours, picked uniformly


def draw_bursts(rng: random.Random) -> Dict[int, float]:
    """One burst: {hour: multiplier}, starting at an hour weighted like base traffic, 1-3 hours long."""
    x = rng.random() * sum(P.BASE_HOURS)
    start = 23
    for hour, w in enumerate(P.BASE_HOURS):
        x -= w
        if x < 0:
            start = hour
            break
    factor = math.exp(rng.uniform(math.log(MIN_X), math.log(MAX_X)))
    return {start + k: factor for k in range(rng.choice(DURATIONS)) if start + k < 24}  # bursts end at midnight


class BurstTraffic(Scenario):
    name = "burst_traffic"
    description = "unpredictable bursts: 5-20x the normal traffic for 1-3 hours, on about one day in three"

    def prepare(self, sim) -> None:
        schedule = {}  # type: Dict[int, Dict[int, float]]
        for i in range(sim.num_days):
            date = sim.start + dt.timedelta(days=i)
            rng = random.Random("burst:%d:%s" % (sim.seed, date.isoformat()))
            if rng.random() < DAILY_CHANCE:
                schedule[i] = draw_bursts(rng)
        if not schedule:  # a period without any burst would not show the scenario at all
            rng = random.Random("burst:%d:%s:forced" % (sim.seed, sim.start.isoformat()))
            schedule[sim.num_days // 2] = draw_bursts(rng)
        self.schedule = schedule
        self._cache = {}  # type: Dict[Tuple[Tuple[float, ...], int], Tuple[float, List[float]]]

    def _day(self, customer, day_index: int) -> Tuple[float, List[float]]:
        """(volume factor, hour weights) of a customer on a burst day."""
        base = P.hour_profile(customer)
        key = (base, day_index)
        got = self._cache.get(key)
        if got is None:
            burst = self.schedule[day_index]
            weights = [w * burst.get(h, 1.0) for h, w in enumerate(base)]
            got = self._cache[key] = (sum(weights) / sum(base), weights)
        return got

    def volume(self, customer, day_index, n_days, date):
        return self._day(customer, day_index)[0] if day_index in self.schedule else 1.0

    def hour_weights(self, customer, day_index, n_days, date):
        return self._day(customer, day_index)[1] if day_index in self.schedule else None


SCENARIO = BurstTraffic()
