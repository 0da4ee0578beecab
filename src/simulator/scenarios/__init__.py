"""The traffic scenarios: one small module each, sharing the core simulator through the hooks in base.py."""
import importlib
from typing import List, Tuple

from simulator.scenarios.base import Scenario
from utils.errors import ConfigError

NAMES = ("base_traffic",)


def get_scenario(name: str) -> Scenario:
    """An instance of the named scenario; a clear error lists the names when it is unknown."""
    if name not in NAMES:
        raise ConfigError("unknown scenario %r; choose one of: %s (see --list-scenarios)" % (name, ", ".join(NAMES)))
    module = importlib.import_module("simulator.scenarios." + name)
    return module.SCENARIO


def list_scenarios() -> List[Tuple[str, str]]:
    """(name, one-line description) of every scenario, in cycle order."""
    return [(n, get_scenario(n).description) for n in NAMES]
