"""Incremental refresh: keep the pass result over the file's complete lines, read only what was appended.

State (DIR/state/state.pickle) holds the merged cube and analyzer states, the byte offset where complete lines
ended, and a fingerprint of the file head. The next run reads [offset, size) and merges. It falls back to a full
pass when the state is missing or from another version of the code or options, or when the file shrank or its
head changed (replaced by another file). A partial last line is never folded into the saved state: it is read
again, complete, next time. The output is identical to a full pass (money is exact and merges are order-free).
"""
import hashlib
import os
import pickle
import sys
from typing import Any, Dict, Optional, Sequence, Tuple

from analyzers.engine.ranges import complete_end
from analyzers.engine.reader import Header
from utils.fsutil import atomic_open

STATE_FILE = "state.pickle"
PENDING = {}  # type: Dict[str, Dict[str, Any]]  # state dir -> state to save once the reports are computed
HEAD_BYTES = 1 << 16


def code_version() -> str:
    """A fingerprint of the analysis code: state from another version is never reused."""
    h = hashlib.sha256(("%d.%d" % sys.version_info[:2]).encode())
    root = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # src/analyzers
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as f:
                    h.update(name.encode() + f.read())
    return h.hexdigest()


def head_fingerprint(path: str, upto: int) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read(min(HEAD_BYTES, upto))).hexdigest()


def load(state_dir: str) -> Optional[Dict[str, Any]]:
    path = os.path.join(state_dir, STATE_FILE)
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # missing, corrupt or from an incompatible version: a full pass rebuilds it
        return None


def save(state_dir: str, state: Dict[str, Any]) -> None:
    with atomic_open(os.path.join(state_dir, STATE_FILE), "wb") as f:
        pickle.dump(state, f, protocol=4)


def incremental(path: str, header: Header, ids: Sequence[str], options: Dict[str, Any], workers: int,
                state_dir: str, size: int, progress=None) -> Tuple[Any, str]:
    """The pass result over `path` up to `size`, reusing saved state when it is valid. Returns (result, how)."""
    from analyzers.engine.runner import analyze_range, new_result, run_range
    version = code_version()
    key = {"version": version, "ids": list(ids), "options": repr(sorted(options.items())), "path": os.path.abspath(path),
           "header": header.names}
    old = load(state_dir)
    how = "full"
    start = header.data_offset
    result = None
    if old and all(old.get(k) == v for k, v in key.items()) and start <= old["offset"] <= size:
        if head_fingerprint(path, old["offset"]) == old["head"]:
            result, start, how = old["result"], old["offset"], "incremental"
    complete = complete_end(path, start, size)
    part = analyze_range(path, header, ids, options, start, complete, workers if how == "full" else 1, progress)
    if result is None:
        result = part
    else:
        result.merge(part)
    state = dict(key, offset=complete, head=head_fingerprint(path, complete), result=result)
    if complete < size:  # a partial last line: in this run's output, not in the saved state
        save(state_dir, state)
        result = pickle.loads(pickle.dumps(result, protocol=4))
        result.merge(run_range(path, header, ids, options, complete, size))
    else:  # saved by the caller once the reports are computed, with the cube's memoized groups
        PENDING[state_dir] = state
    if result.stats.columns == () and header.present:
        result.stats.columns = header.present
    return result, how


def commit(state_dir: Optional[str]) -> None:
    """Save the state of this run's incremental pass (after the reports were computed from it)."""
    state = PENDING.pop(state_dir, None) if state_dir else None
    if state is not None:
        save(state_dir, state)


__all__ = ["incremental", "code_version"]
