"""The metering tracker: meters an app's AI calls in the background, never slowing or breaking the app.

`track_ai_call()` (or the decorator `metered()`, or the context manager `track()`) builds the record and puts it
on a bounded queue; a worker thread sends batches with retries, backoff and a circuit breaker; what cannot be
delivered goes to the spool file (see specs/integration.md, "The tracker's delivery guarantees").
Used by revenium_basic.py; importing does nothing.
"""
import atexit
import functools
import json
import logging
import os
import queue
import random
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional

from instrumentation.demo_app import Completion, iso_ms
from instrumentation.tracker_delivery import CircuitBreaker, DeliveryError, Spool, post_records
from metadata.metadata_builder import MeteringMetadata

log = logging.getLogger("revenium.metering")
COMPLETIONS_PATH = "/v2/ai/completions"
# Provider finish reasons -> Revenium stopReason values.
STOP_REASONS = {"stop": "END", "end_turn": "END", "stop_sequence": "END_SEQUENCE", "length": "TOKEN_LIMIT",
                "max_tokens": "TOKEN_LIMIT", "content_filter": "ERROR", "error": "ERROR", "cancelled": "CANCELLED"}
_STOP = object()  # tells the worker to finish


class ReveniumTracker(object):
    """Meters AI calls asynchronously: track_ai_call() enqueues, a worker thread batches and delivers."""

    def __init__(self, endpoint: Optional[str] = None, api_key_env: str = "REVENIUM_METERING_API_KEY",
                 batch_size: int = 20, flush_interval: float = 1.0, queue_size: int = 1000,
                 spool_path: str = "metering-spool.jsonl", timeout: float = 2.0, max_retries: int = 3,
                 backoff: float = 0.2, breaker: Optional[CircuitBreaker] = None, shutdown_timeout: float = 5.0,
                 out: Any = None, background: bool = True) -> None:
        self.url = endpoint.rstrip("/") + COMPLETIONS_PATH if endpoint else None
        self._api_key = os.environ.get(api_key_env) or None  # kept private: never printed, logged or spooled
        self.batch_size, self.flush_interval = batch_size, flush_interval
        self.timeout, self.max_retries, self.backoff = timeout, max_retries, backoff
        self.breaker = breaker or CircuitBreaker()
        self.shutdown_timeout = shutdown_timeout
        self.spool = Spool(spool_path)
        self.out = out or sys.stdout
        self.counts = {"tracked": 0, "delivered": 0, "duplicate": 0, "spooled": 0, "rejected": 0}
        self._lock = threading.Lock()
        self._queue = queue.Queue(maxsize=queue_size)  # type: queue.Queue
        self._inflight = []  # type: List[Dict[str, Any]]
        self._abandoned = False
        self._closed = False
        self._local = threading.local()
        self._worker = None  # type: Optional[threading.Thread]
        if self.url and background:
            self._worker = threading.Thread(target=self._run, name="revenium-metering", daemon=True)
            self._worker.start()
        atexit.register(self.close)

    def __repr__(self) -> str:  # no key in here, ever
        return "ReveniumTracker(url=%r, api_key=%s)" % (self.url, "set" if self._api_key else "unset")

    # ---- the app-facing API -----------------------------------------------------------------------------------
    @contextmanager
    def business_context(self, metadata: MeteringMetadata) -> Iterator[None]:
        """Every AI call metered inside this block (on this thread) is attributed to `metadata`."""
        prev = getattr(self._local, "metadata", None)
        self._local.metadata = metadata
        try:
            yield
        finally:
            self._local.metadata = prev

    def track_ai_call(self, provider: str, model: str, input_tokens: int, output_tokens: int, request_time: float,
                      response_time: float, completion_start_time: Optional[float] = None,
                      stop_reason: str = "END", is_streamed: bool = False,
                      metadata: Optional[MeteringMetadata] = None, transaction_id: Optional[str] = None,
                      **extra: Any) -> str:
        """Meter one AI call (times are epoch seconds). Returns at once; never raises into the app."""
        try:
            meta = metadata or getattr(self._local, "metadata", None)
            record = {
                "transactionId": transaction_id or uuid.uuid4().hex, "provider": provider, "model": model,
                "inputTokenCount": input_tokens, "outputTokenCount": output_tokens,
                "totalTokenCount": input_tokens + output_tokens, "requestTime": iso_ms(request_time),
                "responseTime": iso_ms(response_time),
                "completionStartTime": iso_ms(completion_start_time or response_time),
                "requestDuration": int(round((response_time - request_time) * 1000)), "isStreamed": is_streamed,
                "stopReason": stop_reason, "costType": "AI",
            }
            if meta is not None:
                record.update(meta.to_wire())
            record.update(extra)  # e.g. taskType, agent, traceId, requestId for this call
            self._submit(record)
            return record["transactionId"]
        except Exception as e:  # metering must never break the app's AI call
            log.error("metering: could not record a call: %s", e)
            return ""

    def track_completion(self, c: Completion, **extra: Any) -> str:
        """Meter a provider response object (what the decorator and the context manager do)."""
        return self.track_ai_call(c.provider, c.model, c.input_tokens, c.output_tokens, c.started, c.ended,
                                  c.first_token, STOP_REASONS.get(c.finish_reason, "END"), c.streamed,
                                  requestId=c.id, **extra)

    def metered(self, **extra: Any) -> Callable:
        """Decorator: meter the Completion the function returns, e.g. @tracker.metered(agent="ticket-summary")."""
        def wrap(fn: Callable) -> Callable:
            @functools.wraps(fn)
            def inner(*args: Any, **kwargs: Any) -> Any:
                result = fn(*args, **kwargs)
                if isinstance(result, Completion):
                    self.track_completion(result, **extra)
                return result
            return inner
        return wrap

    @contextmanager
    def track(self, **extra: Any) -> Iterator["_CallScope"]:
        """Context manager: `with tracker.track(agent=...) as call: call.completion = client.chat(...)`."""
        scope = _CallScope()
        yield scope
        if scope.completion is not None:  # an exception in the block propagates; nothing is metered
            self.track_completion(scope.completion, **extra)

    # ---- delivery ---------------------------------------------------------------------------------------------
    def _submit(self, record: Dict[str, Any]) -> None:
        with self._lock:
            self.counts["tracked"] += 1
            closed = self._closed
        if self.url is None:  # no endpoint: show what would be sent
            self.out.write(json.dumps(record, sort_keys=True) + "\n")
            return
        if closed:
            self._to_spool([record], "tracker closed")
            return
        try:
            self._queue.put_nowait(record)
        except queue.Full:  # never block the app: the record waits in the spool for --replay
            self._to_spool([record], "queue full")

    def _run(self) -> None:
        while True:
            batch, stop = self._next_batch()
            if batch:
                self._ship(batch)
            if stop:
                return

    def _next_batch(self):
        """Up to batch_size records, waiting at most flush_interval for the first; (batch, stop seen)."""
        batch = []  # type: List[Dict[str, Any]]
        deadline = time.monotonic() + self.flush_interval
        while len(batch) < self.batch_size:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic())) if not batch \
                    else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _ship(self, batch: List[Dict[str, Any]]) -> None:
        with self._lock:
            if self._abandoned:
                self.spool.write(batch)
                self.counts["spooled"] += len(batch)
                return
            self._inflight = batch
        left = self.deliver(batch)
        with self._lock:
            self._inflight = []
            if self._abandoned:  # close() gave up waiting and already spooled this batch
                return
        self._to_spool(left, "metering endpoint unavailable")

    def deliver(self, batch: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Send one batch now, on this thread, with retries; the records still undelivered (refused records go
        to the reject file). The worker calls it; so does a replay."""
        for attempt in range(self.max_retries + 1):
            if not self.breaker.allow():
                return batch
            try:
                answer = post_records(self.url, batch, self._api_key, self.timeout)
            except DeliveryError as e:
                if not e.retryable:  # the service is up and answered: these records are the problem
                    return self._refused(batch, e)
                self.breaker.failure()
                log.info("metering: attempt %d of %d failed: %s", attempt + 1, self.max_retries + 1, e)
                if attempt < self.max_retries and self.breaker.allow():
                    delay = min(5.0, self.backoff * (2 ** attempt))
                    time.sleep(delay / 2 + random.uniform(0, delay / 2))  # "equal jitter": retries spread out
                continue
            self.breaker.success()
            with self._lock:
                self.counts["delivered"] += int(answer.get("written", len(batch)))
                self.counts["duplicate"] += int(answer.get("duplicate", 0))
            return []
        return batch

    def _refused(self, batch: List[Dict[str, Any]], err: DeliveryError) -> List[Dict[str, Any]]:
        if len(batch) > 1:  # one bad record refuses the whole batch: find it, deliver the rest
            left = []  # type: List[Dict[str, Any]]
            for r in batch:
                left.extend(self.deliver([r]))
            return left
        log.warning("metering: the service refused record %s: %s", batch[0].get("transactionId"), err)
        Spool(self.spool.path + ".rejected").write([dict(batch[0], _error=str(err))])
        with self._lock:
            self.counts["rejected"] += 1
        return []

    def _to_spool(self, records: List[Dict[str, Any]], why: str) -> None:
        if records:
            self.spool.write(records)
            with self._lock:
                self.counts["spooled"] += len(records)
            log.info("metering: %d record(s) spooled to %s (%s)", len(records), self.spool.path, why)

    def close(self) -> Dict[str, int]:
        """Deliver what can be delivered within shutdown_timeout; spool the rest. Safe to call twice."""
        with self._lock:
            if self._closed:
                return dict(self.counts)
            self._closed = True
        if self._worker is not None:
            self._queue.put(_STOP)
            self._worker.join(self.shutdown_timeout)
            with self._lock:
                self._abandoned = self._worker.is_alive()
                left = list(self._inflight) if self._abandoned else []
                self._inflight = []
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not _STOP:
                    left.append(item)
            self._to_spool(left, "shutting down")
        return dict(self.counts)


class _CallScope(object):
    """What `tracker.track()` yields: set .completion to the provider's response."""
    completion = None  # type: Optional[Completion]
