"""The scenario hooks: how a traffic scenario bends the core simulator's behaviour.

A scenario subclasses `Scenario` and overrides only the hooks it needs. Hooks are called per customer-day or
when a customer's mix is rebuilt, never per call, so scenarios cost the hot loop nothing.
"""
import datetime as dt
from typing import Hashable, Optional, Sequence


class Scenario(object):
    """Base traffic: every hook returns the neutral value."""

    name = "base_traffic"
    description = "standard usage: customer archetypes, business hours, weekends, the market mix of models"

    def prepare(self, sim) -> None:
        """Called once when a simulator adopts this scenario (e.g. to reshape organizations or customers)."""

    def volume(self, customer, day_index: int, n_days: int, date: dt.date) -> float:
        """Multiplier of the customer's calls on this day (0 = inactive)."""
        return 1.0

    def hour_weights(self, customer, day_index: int, n_days: int, date: dt.date) -> Optional[Sequence[float]]:
        """24 hourly weights (UTC) for this customer-day, or None for the customer's usual profile."""
        return None

    def mix_version(self, day_index: int, n_days: int) -> Hashable:
        """A value that changes when feature_weight/model_weight change; the customer's mix is rebuilt then."""
        return 0

    def feature_weight(self, customer, feature_id: str, day_index: int, n_days: int) -> float:
        """Multiplier of a feature's share of the customer's calls."""
        return 1.0

    def model_weight(self, customer, entry, task: str, day_index: int, n_days: int) -> float:
        """Multiplier of a model's share within a task (entry is a simulator.domain.PriceEntry)."""
        return 1.0
