"""feature_launch: a new `code` feature launches and is adopted along an S-curve.

Nobody uses `code` before the launch at 25% of the period. Then 80% of the customers adopt it (developer-tool
products first: every one of them adopts), each at its own moment drawn from a logistic distribution centred at 50%
of the period (scale 6% of it), so adopters add up to an S-curve; a customer's own use ramps up from 30% to full
over 15% of the period after it adopts. The mix is rebuilt at 1/14 steps of the period.
"""
import math
from typing import List, Optional

from simulator.scenarios.base import Scenario, ramp, stepped

FEATURE = "code"
LAUNCH, MIDPOINT, SCALE = 0.25, 0.50, 0.06
ADOPTERS = 0.80
RAMP = 0.15


class FeatureLaunch(Scenario):
    name = "feature_launch"
    description = "launch of a new 'code' feature: S-curve adoption from nobody to most customers"

    def prepare(self, sim) -> None:
        rng = self.rng(sim)
        self.adopts_at = {}  # type: Dict[int, float]
        for c in sim.customers:
            if c.product_id == "prod_devtools" or rng.random() < ADOPTERS:
                u = min(max(rng.random(), 1e-9), 1 - 1e-9)
                self.adopts_at[c.index] = max(LAUNCH, MIDPOINT + SCALE * math.log(u / (1 - u)))

    def _use(self, customer, day_index: int, n_days: int) -> float:
        """How much of its eventual `code` use the customer has reached (0 = not adopted yet)."""
        at = self.adopts_at.get(customer.index)
        t = stepped(day_index, n_days)
        if at is None or t < at:
            return 0.0
        return 0.3 + 0.7 * ramp(t, at, at + RAMP)

    def mix_version(self, day_index, n_days):
        return stepped(day_index, n_days)

    def features(self, customer, day_index, n_days) -> Optional[List[str]]:
        if FEATURE in customer.features or self._use(customer, day_index, n_days) <= 0:
            return None
        return list(customer.features) + [FEATURE]

    def feature_weight(self, customer, feature_id, day_index, n_days):
        return self._use(customer, day_index, n_days) if feature_id == FEATURE else 1.0


SCENARIO = FeatureLaunch()
