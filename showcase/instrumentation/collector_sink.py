"""The local collector's CSV sink: rows in our schema, appended as whole lines, each call id once.

Idempotent across restarts: the call ids already in the file are loaded at start, so a retried or replayed
record is acknowledged but not written twice. Used by local_collector.py.
"""
import csv
import io
import os
import threading
from typing import Dict, List, Tuple

from utils.errors import ConfigError
from utils.schema import FIELDS


class CsvSink(object):
    """Appends rows in our schema as whole lines, once per call id, safe with concurrent requests."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.seen = set()  # call ids already in the file: a retried or replayed record is not written twice
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ConfigError("folder %s for --output does not exist" % folder)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            self._load_existing()
        else:
            with open(path, "w", newline="", encoding="utf-8") as f:
                f.write(",".join(FIELDS) + "\n")
        self.rows = len(self.seen)

    def _load_existing(self) -> None:
        with open(self.path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            if header != FIELDS:
                raise ConfigError("%s exists with another header; give a new --output file" % self.path)
            for row in reader:
                if len(row) == len(FIELDS):
                    self.seen.add(row[1])
        with open(self.path, "rb+") as f:  # a line cut short by a crash must not glue onto our first row
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")

    def append(self, rows: List[Dict[str, str]]) -> Tuple[int, int]:
        """Write the rows not seen before; (written, duplicates)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        with self.lock:
            fresh = []
            for r in rows:
                if r["call_id"] not in self.seen:
                    self.seen.add(r["call_id"])
                    fresh.append(r)
            for r in fresh:
                w.writerow([r[f] for f in FIELDS])
            if fresh:
                with open(self.path, "a", newline="", encoding="utf-8") as f:
                    f.write(buf.getvalue())  # one write of whole lines, then flushed by close
            self.rows += len(fresh)
        return len(fresh), len(rows) - len(fresh)
