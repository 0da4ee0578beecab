"""The background refresher: one run of a job at a time, requests made during a run coalesced into one more."""
import threading
import time
from typing import Any, Callable, Dict, Optional

from viewer.common import now_iso


class Refresher(object):
    """Runs `job` in a background thread, one run at a time; requests made during a run are coalesced into one
    follow-up run. Keeps the status the manifest reports."""

    def __init__(self, job: Callable[[], Optional[str]]) -> None:
        self.job = job  # returns None on success, else a one-line error
        self.cond = threading.Condition()
        self.pending = False
        self.running = False
        self.stopping = False
        self.refreshes = 0
        self.failures = 0
        self.last_started = None  # type: Optional[str]
        self.last_finished = None  # type: Optional[str]
        self.last_error = None  # type: Optional[str]
        self.last_seconds = None  # type: Optional[float]
        self.thread = threading.Thread(target=self._loop, name="refresher", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def request(self) -> None:
        with self.cond:
            self.pending = True
            self.cond.notify()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify()

    def status(self) -> Dict[str, Any]:
        with self.cond:
            return {"running": self.running, "pending": self.pending, "refreshes": self.refreshes,
                    "failures": self.failures, "last_started": self.last_started,
                    "last_finished": self.last_finished, "last_error": self.last_error,
                    "last_seconds": self.last_seconds}

    def idle(self) -> bool:
        with self.cond:
            return not self.running and not self.pending

    def _loop(self) -> None:
        while True:
            with self.cond:
                while not self.pending and not self.stopping:
                    self.cond.wait()
                if self.stopping:
                    return
                self.pending, self.running = False, True
                self.last_started = now_iso()
            t0 = time.time()
            try:
                error = self.job()
            except Exception as e:  # a bug in a refresh must not stop the server: show it, keep the last reports
                error = "%s: %s" % (type(e).__name__, e)
            with self.cond:
                self.running = False
                self.refreshes += 1
                self.failures += error is not None
                self.last_finished = now_iso()
                self.last_seconds = round(time.time() - t0, 2)
                self.last_error = error
                self.cond.notify_all()

