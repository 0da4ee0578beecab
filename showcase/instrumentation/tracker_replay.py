"""Replay a spool: deliver the records an app could not, each once. Used by `revenium_basic.py --replay`."""
import json
import os
from typing import Any, Dict, List, Tuple

from instrumentation.tracker import ReveniumTracker
from instrumentation.tracker_delivery import CircuitBreaker
from utils.errors import ConfigError


def replay(spool_path: str, endpoint: str, api_key_env: str, batch_size: int = 100,
           timeout: float = 5.0) -> Dict[str, int]:
    """Deliver a spool: each record once (the service ignores ids it has); what still fails is kept in the spool."""
    claim = _claim(spool_path)
    records, bad = _read_spool(claim)
    tracker = ReveniumTracker(endpoint, api_key_env, timeout=timeout, spool_path=spool_path,
                              breaker=CircuitBreaker(3, 3600.0), background=False)  # we deliver here, in order
    left = []  # type: List[Dict[str, Any]]
    for i in range(0, len(records), batch_size):
        left.extend(tracker.deliver(records[i:i + batch_size]))
    tracker.spool.write(left)
    if bad:
        with open(spool_path, "a", encoding="utf-8") as f:
            f.writelines(bad)
    os.remove(claim)
    tracker.close()
    c = tracker.counts
    return {"records": len(records), "delivered": c["delivered"], "duplicate": c["duplicate"],
            "rejected": c["rejected"], "kept": len(left) + len(bad)}


def _claim(spool_path: str) -> str:
    """Take the spool atomically (renamed to SPOOL.replaying): the app may keep spooling into a new file."""
    claim = spool_path + ".replaying"
    if not os.path.exists(spool_path) and not os.path.exists(claim):
        raise ConfigError("spool %s does not exist" % spool_path)
    if os.path.exists(spool_path):
        if os.path.exists(claim):  # an interrupted replay: its records come first
            with open(spool_path, encoding="utf-8") as src, open(claim, "a", encoding="utf-8") as dst:
                dst.write(src.read())
            os.remove(spool_path)
        else:
            os.replace(spool_path, claim)
    return claim


def _read_spool(path: str) -> Tuple[List[Dict[str, Any]], List[str]]:
    """(records, lines that are not JSON): a bad line is kept as it is, never dropped."""
    records, bad = [], []  # type: List[Dict[str, Any]], List[str]
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    bad.append(line if line.endswith("\n") else line + "\n")
    return records, bad
