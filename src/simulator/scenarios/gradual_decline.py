"""gradual_decline: churn, customers going quiet and then inactive over the period.

45% of the customers churn (picked by a seeded draw, starter customers three times and pro customers twice as
likely as enterprise ones). Their churn moments are spread evenly between 10% and 95% of the period; in the 20% of
the period before it their use tapers to a fifth, after it they make no calls. The customers who stay lose some
engagement too: their volume drifts down 15% over the period.
"""

from simulator.scenarios.base import Scenario, progress, ramp

CHURN_SHARE = 0.45
FIRST, LAST, TAPER = 0.10, 0.95, 0.20
TIER_RISK = {"starter": 3.0, "pro": 2.0, "enterprise": 1.0}
DRIFT = 0.15


class GradualDecline(Scenario):
    name = "gradual_decline"
    description = "customer churn: a growing share of customers taper off and go inactive"

    def prepare(self, sim) -> None:
        rng = self.rng(sim)
        # weighted sampling without replacement (Efraimidis-Spirakis): the largest u ** (1 / weight) are picked
        keys = [(rng.random() ** (1.0 / TIER_RISK.get(c.tier, 1.0)), c.index, c) for c in sim.customers]
        keys.sort(key=lambda k: (-k[0], k[1]))
        churners = [c for _, _, c in keys[:int(round(CHURN_SHARE * len(keys)))]]
        rng.shuffle(churners)
        n = len(churners)
        self.churn_at = {c.index: FIRST + (LAST - FIRST) * (i + 0.5) / n for i, c in enumerate(churners)}  # type: Dict[int, float]

    def volume(self, customer, day_index, n_days, date):
        t = progress(day_index, n_days)
        at = self.churn_at.get(customer.index)
        if at is None:
            return 1.0 - DRIFT * t
        if t >= at:
            return 0.0
        return 1.0 - 0.8 * ramp(t, at - TAPER, at)


SCENARIO = GradualDecline()
