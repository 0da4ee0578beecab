"""viral_spike: a viral event multiplies traffic 1x -> 50x -> 5x.

Quiet base traffic until 40% of the period, then four days of exponential growth (x2.7 a day) to a 50x peak day,
a fast decay (half of the excess gone every ~17 hours) and a new plateau at 5x: the users who stayed. Every
customer's traffic follows the curve (the product went viral, not one tenant). On a 4-week run the whole period
carries ~7x the base volume (60 customers: ~0.7M calls).
"""
import math

from simulator.scenarios.base import Scenario

PEAK_AT = 0.4          # where the peak day falls in the period
PEAK, PLATEAU = 50.0, 5.0
RAMP_DAYS = 4          # days of exponential growth before the peak
DECAY_DAYS = 1.0       # e-folding time of the decay from the peak to the plateau


def viral_factor(day_index: int, n_days: int) -> float:
    """Traffic multiplier of the day: 1 before the event, PEAK on the peak day, decaying towards PLATEAU."""
    peak = int(PEAK_AT * n_days)
    d = day_index - peak
    if d < -RAMP_DAYS:
        return 1.0
    if d <= 0:
        return PEAK ** ((RAMP_DAYS + d) / float(RAMP_DAYS))
    return PLATEAU + (PEAK - PLATEAU) * math.exp(-d / DECAY_DAYS)


class ViralSpike(Scenario):
    name = "viral_spike"
    description = "a viral event: traffic grows exponentially to 50x in four days, then settles at 5x"

    def volume(self, customer, day_index, n_days, date):
        return viral_factor(day_index, n_days)


SCENARIO = ViralSpike()
