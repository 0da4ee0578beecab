"""The scenario hooks: how a traffic scenario bends the core simulator's behaviour.

A scenario subclasses `Scenario` and overrides only the hooks it needs. Hooks are called per customer-day or
when a customer's mix is rebuilt, never per call, so scenarios cost the hot loop nothing.

State a scenario needs (a burst schedule, org sizes, churn days) is computed in `prepare(sim)` from `sim.seed`
with its own `random.Random`, never from the global random module, so the output stays byte-reproducible.
`get_scenario` hands out a copy of the module's instance, so that state never leaks from one simulator to the next.
"""
import datetime as dt
import random
from typing import Hashable, Optional, Sequence


class Scenario(object):
    """Base traffic: every hook returns the neutral value."""

    name = "base_traffic"
    description = "standard usage: customer archetypes, business hours, weekends, the market mix of models"
    # Models this scenario keeps in heavy use whatever newer models are on sale (no recency decay, see
    # profiles.model_menu); a model still leaves the mix on the day it is retired.
    keep_models = ()  # type: Sequence[str]

    def prepare(self, sim) -> None:
        """Called once when a simulator adopts this scenario (e.g. to reshape organizations or customers)."""

    def volume(self, customer, day_index: int, n_days: int, date: dt.date) -> float:
        """Multiplier of the customer's calls on this day (0 = inactive)."""
        return 1.0

    def hour_weights(self, customer, day_index: int, n_days: int, date: dt.date) -> Optional[Sequence[float]]:
        """24 hourly weights (UTC) for this customer-day, or None for the customer's usual profile."""
        return None

    def mix_version(self, day_index: int, n_days: int) -> Hashable:
        """A value that changes when features/feature_weight/model_weight change; the customer's mix is rebuilt then."""
        return 0

    def features(self, customer, day_index: int, n_days: int) -> Optional[Sequence[str]]:
        """The feature ids the customer uses in this mix version, or None for its own (customer.features)."""
        return None

    def feature_weight(self, customer, feature_id: str, day_index: int, n_days: int) -> float:
        """Multiplier of a feature's share of the customer's calls."""
        return 1.0

    def model_weight(self, customer, entry, task: str, day_index: int, n_days: int) -> float:
        """Multiplier of a model's share within a task (entry is a pricing.catalog.PriceEntry)."""
        return 1.0

    # ---- helpers for subclasses ----------------------------------------------------------------------------------
    def rng(self, sim) -> random.Random:
        """A random stream private to this scenario and seed (string seeds hash the same on every Python)."""
        return random.Random("scenario:%s:%d" % (self.name, sim.seed))


def progress(day_index: int, n_days: int) -> float:
    """Where the day's midpoint lies in the period, from 0 (start) to 1 (end)."""
    return (day_index + 0.5) / float(max(1, n_days))


def stepped(day_index: int, n_days: int, steps: int = 14) -> float:
    """progress() rounded down to 1/steps, so that mixes that follow it are rebuilt at most `steps` times."""
    return int(progress(day_index, n_days) * steps) / float(steps)


def ramp(x: float, start: float, end: float) -> float:
    """0 before `start`, 1 after `end`, linear in between."""
    if x <= start:
        return 0.0
    if x >= end:
        return 1.0
    return (x - start) / (end - start)
