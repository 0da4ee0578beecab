"""Incremental refresh: keep the pass result over the file's complete lines, read only what was appended.

State (DIR/state/state.pickle) holds the merged pass result (cube and read statistics), the byte offset where
whole records ended (a line break outside quotes), and a checksum of every byte before it. The next run checks the
checksum, reads [offset, size) and merges. It falls back to a full pass when the state is missing or from another
version of the reading code, or when the file shrank or any byte already read changed (a file rewritten in place,
or replaced by another). An unterminated last record is never folded into the saved state: it is read again,
complete, next time. The output is identical to a full pass (money is exact and merges are
order-free). The pass does not depend on the analyzers or their options, so changing an option reuses the state.

    run = incremental(path, header, state_dir, size, read)   # read(start, end, full, final) -> PassResult
    ... compute the reports from run.result ...
    run.save()                                               # once the reports are computed
"""
import hashlib
import os
import pickle
import sys
import zlib
from typing import Any, Callable, Dict, Optional

from analyzers.engine.fold import PassResult, fold_range
from analyzers.engine.ranges import CHUNK_BYTES
from analyzers.engine.reader import Header
from utils.fsutil import atomic_open

STATE_FILE = "state.pickle"
_CODE = (os.path.dirname(os.path.realpath(__file__)),  # engine/: the reader, the cube and this file
         os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "utils"))


def code_version() -> str:
    """A fingerprint of the code that reads and folds the file: state from another version is never reused."""
    h = hashlib.sha256(("%d.%d" % sys.version_info[:2]).encode())
    for folder in _CODE:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as f:
                    h.update(name.encode() + f.read())
    return h.hexdigest()


def prefix_checksum(path: str, upto: int) -> int:
    """CRC-32 of bytes [0, upto) of `path` (C speed: a few tenths of a second for 200 MB)."""
    crc, left = 0, upto
    with open(path, "rb") as f:
        while left > 0:
            block = f.read(min(CHUNK_BYTES, left))
            if not block:
                break
            crc = zlib.crc32(block, crc)
            left -= len(block)
    return crc


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


class IncrementalPass(object):
    """The result of an incremental pass, and the state to save once the reports are computed from it (saving
    after computing keeps the cube's memoized groups, so the next refresh starts warm)."""

    def __init__(self, result: PassResult, how: str, state_dir: str, pending: Optional[Dict[str, Any]]) -> None:
        self.result = result
        self.how = how  # "full" or "incremental"
        self.state_dir = state_dir
        self._pending = pending

    def save(self) -> None:
        if self._pending is not None:
            save(self.state_dir, self._pending)
            self._pending = None


def incremental(path: str, header: Header, state_dir: str, size: int,
                read: Callable[[int, int, bool, bool], PassResult]) -> IncrementalPass:
    """The pass result over `path` up to `size`, reusing saved state when it is valid. `read(start, end, full,
    final)` folds bytes [start, end) (with workers when `full`, a whole-file pass; the unterminated last record
    too when `final`)."""
    key = {"version": code_version(), "path": os.path.abspath(path), "header": header.names}
    old = load(state_dir)
    how, start, result = "full", header.data_offset, None
    if old and all(old.get(k) == v for k, v in key.items()) and start <= old["offset"] <= size:
        if prefix_checksum(path, old["offset"]) == old["checksum"]:
            result, start, how = old["result"], old["offset"], "incremental"
    part = read(start, size, how == "full", False)
    complete = max(start, part.stats.end_offset)  # where whole records end
    if result is None:
        result = part
    else:
        result.merge(part)
    result.stats.end_offset = complete
    state = dict(key, offset=complete, checksum=prefix_checksum(path, complete), result=result)
    pending = state  # type: Optional[Dict[str, Any]]
    if complete < size:  # an unterminated last record: in this run's output, not in the saved state
        save(state_dir, state)
        pending = None
        result = pickle.loads(pickle.dumps(result, protocol=4))
        result.merge(fold_range(path, header, complete, size))
    if result.stats.columns == () and header.present:
        result.stats.columns = header.present
    return IncrementalPass(result, how, state_dir, pending)
