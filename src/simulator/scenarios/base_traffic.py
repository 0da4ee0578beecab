"""base_traffic: the core simulator's standard behaviour, unchanged (the reference the other scenarios bend)."""
from simulator.scenarios.base import Scenario

SCENARIO = Scenario()
