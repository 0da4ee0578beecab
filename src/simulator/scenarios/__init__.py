"""The traffic scenarios: one small module each, sharing the core simulator through the hooks in base.py.

`run_all_simulators.py` cycles through them in the order of NAMES.
"""
import copy
import importlib
from typing import List, Tuple

from simulator.scenarios.base import Scenario
from utils.errors import ConfigError

NAMES = ("base_traffic", "seasonal_pattern", "burst_traffic", "multi_tenant", "model_migration", "weekend_effect",
         "timezone_pattern", "feature_launch", "cost_optimization", "gradual_decline", "steady_growth", "viral_spike")


def get_scenario(name: str) -> Scenario:
    """A fresh instance of the named scenario; a clear error lists the names when it is unknown."""
    if name not in NAMES:
        raise ConfigError("unknown scenario %r; choose one of: %s (see --list-scenarios)" % (name, ", ".join(NAMES)))
    module = importlib.import_module("simulator.scenarios." + name)
    return copy.copy(module.SCENARIO)  # prepare() state stays with one simulator


def list_scenarios() -> List[Tuple[str, str]]:
    """(name, one-line description) of every scenario, in cycle order."""
    return [(n, get_scenario(n).description) for n in NAMES]
