"""Delivery of metering records: one POST, the circuit breaker, the spool file. Used by tracker.py.

`post_records` sends a JSON list of records (the API key in the `x-api-key` header, never in a URL) and tells a
retryable failure (connection, timeout, 408/425/429, 5xx) from a refusal of the records themselves (other 4xx).
"""
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional

log = logging.getLogger("revenium.metering")


class DeliveryError(Exception):
    """A failed POST; `retryable` is False when the service refused the records themselves (4xx)."""

    def __init__(self, message: str, retryable: bool, status: Optional[int] = None) -> None:
        super(DeliveryError, self).__init__(message)
        self.retryable, self.status = retryable, status


def post_records(url: str, records: List[Dict[str, Any]], api_key: Optional[str], timeout: float) -> Dict[str, Any]:
    """POST a JSON list of metering records; the service's JSON answer, or DeliveryError."""
    headers = {"Content-Type": "application/json", "User-Agent": "revenium-showcase/1.0"}
    if api_key:
        headers["x-api-key"] = api_key  # a header, so it never shows in URLs or access logs
    req = urllib.request.Request(url, data=json.dumps(records).encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
    except urllib.error.HTTPError as e:
        detail = e.read()[:300].decode("utf-8", "replace")
        retry = e.code in (408, 425, 429) or e.code >= 500
        raise DeliveryError("HTTP %d %s" % (e.code, detail.strip()), retry, e.code)
    except (urllib.error.URLError, OSError, ValueError) as e:  # refused, DNS, timeout, reset, bad URL
        raise DeliveryError(str(getattr(e, "reason", e)), True)
    try:
        return json.loads(body.decode("utf-8") or "{}")
    except ValueError:
        return {}


class CircuitBreaker(object):
    """Closed: calls go through. After `threshold` consecutive failures it opens for `cooldown` seconds
    (calls fail fast, nothing is tried); then one trial call decides whether it closes again."""

    def __init__(self, threshold: int = 5, cooldown: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold, self.cooldown, self.clock = threshold, cooldown, clock
        self.failures = 0
        self.opened_at = None  # type: Optional[float]

    def allow(self) -> bool:
        return self.opened_at is None or self.clock() - self.opened_at >= self.cooldown

    def success(self) -> None:
        self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            if self.opened_at is None:
                log.warning("metering: %d failures in a row: pausing delivery for %.0f s", self.failures, self.cooldown)
            self.opened_at = self.clock()


class Spool(object):
    """Undelivered records, one JSON object per line, appended under a lock (whole lines, flushed)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()

    def write(self, records: List[Dict[str, Any]]) -> None:
        if not records:
            return
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
        with self.lock:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())

