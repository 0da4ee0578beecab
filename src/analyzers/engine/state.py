"""Incremental refresh: keep the pass result over what was read, read only what was added since.

State (DIR/state/state.pickle) holds the merged pass result (cube and read statistics) and, per input file, the
byte offset where its whole records ended (a line break outside quotes), a checksum of every byte before it, and
its header. The next run, for every file of the input (engine/inputs: a file, a folder, a glob):

- a file read before whose bytes up to its offset are unchanged: only [offset, size) is read (an appended last
  file, or a log still being written); a gzip file must be unchanged as a whole;
- a file not read before (a new daily file): read whole;
- a file read before that changed (a byte rewritten, shorter, another header, a gzip file replaced) or is gone,
  state from another version of the reading code, or another input: a full pass.

An unterminated last record is never folded into the saved state: it is read again, complete, next time. The
output is identical to a full pass (money is exact and merges are order-free). The pass does not depend on the
analyzers or their options, so changing an option reuses the state.

    run = incremental(spec, sources, headers, state_dir, read)  # read(parts, full) -> (result, part end offsets)
    ... compute the reports from run.result ...
    run.save()                                                  # once the reports are computed
"""
import hashlib
import os
import pickle
import sys
import zlib
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from analyzers.engine.fold import PassResult, fold
from analyzers.engine.inputs import Part, Source, open_source, plan
from analyzers.engine.ranges import CHUNK_BYTES
from utils.fsutil import atomic_open

STATE_FILE = "state.pickle"
_CODE = (os.path.dirname(os.path.realpath(__file__)),  # engine/: the reader, the cube and this file
         os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "utils"))
Read = Callable[[List[Part], bool], Tuple[PassResult, List[int]]]


def code_version() -> str:
    """A fingerprint of the code that reads and folds the file: state from another version is never reused."""
    h = hashlib.sha256(("%d.%d" % sys.version_info[:2]).encode())
    for folder in _CODE:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as f:
                    h.update(name.encode() + f.read())
    return h.hexdigest()


def prefix_checksum(source: Source, upto: Optional[int], known: Optional[Tuple[int, int]] = None) -> int:
    """CRC-32 of the source's first `upto` bytes as stored (None: all of them; C speed: a few tenths of a second
    for 200 MB). `known` (offset, crc): the CRC of the first `offset` bytes, already checked; only the bytes after
    it are read."""
    start, crc = known if known is not None else (0, 0)
    left = None if upto is None else upto - start
    raw = source._replace(compressed=False)  # a gzip file is compared as stored
    with open_source(raw) as f:
        if start:
            f.seek(start)
        while left is None or left > 0:
            block = f.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
            if not block:
                break
            crc = zlib.crc32(block, crc)
            if left is not None:
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


def _delta(src: Source, header, old: Optional[Dict[str, Any]]) -> Any:
    """What to read of one file given its saved entry: a Part, None (nothing new), or "full" (it changed)."""
    names = header.names if header is not None else None
    if old is None:  # a new file
        if header is None:
            return None
        return Part(src, header, header.data_offset, None if src.compressed else src.size, src.compressed)
    if old["header"] != names or old["compressed"] != src.compressed:
        return "full"
    if src.compressed:
        same = old["size"] == src.size and prefix_checksum(src, None) == old["checksum"]
        return None if same else "full"
    if header is None:
        return None if old["offset"] == 0 else "full"
    if not old["offset"] <= src.size or prefix_checksum(src, old["offset"]) != old["checksum"]:
        return "full"
    return Part(src, header, old["offset"], src.size, False) if src.size > old["offset"] else None


def incremental(spec: str, sources: Sequence[Source], headers: Sequence[Any], state_dir: str, read: Read,
                workers: int = 1) -> IncrementalPass:
    """The pass result over `sources` (what `spec` names), reusing saved state when it is valid. `read(parts,
    full)` folds the parts (with `workers` when `full`, a pass over everything) and returns the merged result and
    each part's end offset."""
    key = {"version": code_version(), "spec": spec}
    old = load(state_dir)
    how, parts = "full", None  # type: str, Optional[List[Part]]
    if old and all(old.get(k) == v for k, v in key.items()):
        saved = {e["name"]: e for e in old["files"]}
        deltas = [_delta(s, h, saved.pop(s.name, None)) for s, h in zip(sources, headers)]
        if not saved and "full" not in deltas:  # no file gone, none changed
            how, parts = "incremental", [d for d in deltas if d is not None]
    if parts is None:
        parts = plan(sources, headers, workers, final=False)
    got, part_ends = read(parts, how == "full")
    if how == "incremental":
        result = old["result"]  # type: PassResult
        result.merge(got)
    else:
        result = got
    ends = {}  # type: Dict[str, int]  # plain file -> where its whole records end now
    for part, end in zip(parts, part_ends):
        if not part.source.compressed:
            ends[part.source.name] = max(ends.get(part.source.name, 0), end, part.start)
    previous = {e["name"]: e for e in old["files"]} if how == "incremental" else {}
    files = [_entry(src, h, ends, previous.get(src.name)) for src, h in zip(sources, headers)]
    tails = [Part(src, h, e["offset"], src.size, True) for src, h, e in zip(sources, headers, files)
             if h is not None and not src.compressed and e["offset"] < src.size]
    state = dict(key, files=files, result=result)
    pending = state  # type: Optional[Dict[str, Any]]
    if tails:  # unterminated last records: in this run's output, not in the saved state
        save(state_dir, state)
        pending = None
        result = pickle.loads(pickle.dumps(result, protocol=4))
        for part in tails:
            result.merge(fold(part))
    present = [h.present for h in headers if h is not None]
    if present and result.stats.columns == ():
        result.stats.columns = present[0]
    return IncrementalPass(result, how, state_dir, pending)


def _entry(src: Source, header, ends: Dict[str, int], before: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The saved entry of one file after this pass (`before`: its entry in the state this pass started from)."""
    names = header.names if header is not None else None
    if src.compressed:
        return {"name": src.name, "header": names, "compressed": True, "size": src.size, "offset": src.size,
                "checksum": prefix_checksum(src, None)}
    if header is None:
        offset = 0
    elif src.name in ends:
        offset = ends[src.name]
    else:  # not read this time: unchanged since the state this pass started from
        offset = before["offset"] if before is not None else header.data_offset
    known = None  # the bytes up to the saved offset were checked against the saved CRC by _delta
    if before is not None and not before["compressed"] and before["header"] == names and before["offset"] <= offset:
        known = (before["offset"], before["checksum"])
    return {"name": src.name, "header": names, "compressed": False, "size": src.size, "offset": offset,
            "checksum": prefix_checksum(src, offset, known)}
