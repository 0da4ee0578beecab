"""Meter every AI call of an app with Revenium, in the background, without ever slowing or breaking the app.

What it teaches:
- the metering record Revenium expects for one AI call (`POST {endpoint}/v2/ai/completions`, camelCase JSON:
  transactionId, provider, model, token counts, timings, stopReason ...) joined with the business context
  (organization -> product -> feature (agent) -> subscriber, subscription, task type);
- three ways to attach it: a direct `tracker.track_ai_call(...)`, a decorator `@tracker.metered(...)`, and a
  context manager `with tracker.track(...) as call:`;
- delivery that can never hurt the app: `track_ai_call` only puts the record on a bounded queue (if the queue
  is full the record goes to the spool file); a background worker sends batches (a JSON list) with a timeout,
  retries with exponential backoff and jitter, and a circuit breaker that stops trying for a while after
  repeated failures; at exit whatever could not be delivered is written to a spool file (JSON lines), and
  `--replay SPOOL` sends it later. Nothing is lost, and nothing is counted twice: each record carries a unique
  `transactionId` and the service ignores one it already has, so retries and replays are safe.

    python3 showcase/instrumentation/revenium_basic.py --calls 3                  # no endpoint: print the records
    python3 showcase/instrumentation/local_collector.py --output /tmp/m.csv &      # a local metering endpoint
    python3 showcase/instrumentation/revenium_basic.py --endpoint http://127.0.0.1:8787 --calls 200
    python3 showcase/instrumentation/revenium_basic.py --endpoint http://127.0.0.1:9 --spool /tmp/s.jsonl  # down
    python3 showcase/instrumentation/revenium_basic.py --endpoint http://127.0.0.1:8787 --replay /tmp/s.jsonl

A metering API key, if the endpoint needs one, is read from the environment variable REVENIUM_METERING_API_KEY
(see --api-key-env), sent in the `x-api-key` header, and never printed, logged or spooled.
With the real service, the endpoint is Revenium's metering host; the record shape is the same.
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import atexit  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import queue  # noqa: E402
import random  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
import uuid  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import Any, Callable, Dict, Iterator, List, Optional  # noqa: E402

from instrumentation.demo_app import (Completion, FEATURES, SimulatedAI, feature_call, iso_ms, summary,  # noqa: E402
                                      workload)
from metadata.metadata_builder import MeteringMetadata  # noqa: E402

log = logging.getLogger("revenium.metering")
COMPLETIONS_PATH = "/v2/ai/completions"
# Provider finish reasons -> Revenium stopReason values.
STOP_REASONS = {"stop": "END", "end_turn": "END", "stop_sequence": "END_SEQUENCE", "length": "TOKEN_LIMIT",
                "max_tokens": "TOKEN_LIMIT", "content_filter": "ERROR", "error": "ERROR", "cancelled": "CANCELLED"}
_STOP = object()  # tells the worker to finish


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
        left = self._deliver(batch)
        with self._lock:
            self._inflight = []
            if self._abandoned:  # close() gave up waiting and already spooled this batch
                return
        self._to_spool(left, "metering endpoint unavailable")

    def _deliver(self, batch: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Send with retries; returns the records still undelivered (refused records go to the reject file)."""
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
                left.extend(self._deliver([r]))
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


# ---- replay ---------------------------------------------------------------------------------------------------
def replay(spool_path: str, endpoint: str, api_key_env: str, batch_size: int = 100, timeout: float = 5.0) -> Dict[str, int]:
    """Deliver a spool: each record once (the service ignores ids it has); what still fails is kept in the spool."""
    from utils.errors import ConfigError
    claim = spool_path + ".replaying"  # take the spool atomically: the app may keep spooling into a new file
    if not os.path.exists(spool_path) and not os.path.exists(claim):
        raise ConfigError("spool %s does not exist" % spool_path)
    if os.path.exists(spool_path):
        if os.path.exists(claim):  # an interrupted replay: its records come first
            with open(spool_path, encoding="utf-8") as src, open(claim, "a", encoding="utf-8") as dst:
                dst.write(src.read())
            os.remove(spool_path)
        else:
            os.replace(spool_path, claim)
    records, bad = [], []  # type: List[Dict[str, Any]], List[str]
    with open(claim, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    bad.append(line if line.endswith("\n") else line + "\n")
    tracker = ReveniumTracker(endpoint, api_key_env, timeout=timeout, spool_path=spool_path,
                              breaker=CircuitBreaker(3, 3600.0), background=False)  # we deliver here, in order
    left = []  # type: List[Dict[str, Any]]
    for i in range(0, len(records), batch_size):
        left.extend(tracker._deliver(records[i:i + batch_size]))
    tracker.spool.write(left)
    if bad:
        with open(spool_path, "a", encoding="utf-8") as f:
            f.writelines(bad)
    os.remove(claim)
    tracker.close()
    c = tracker.counts
    return {"records": len(records), "delivered": c["delivered"], "duplicate": c["duplicate"],
            "rejected": c["rejected"], "kept": len(left) + len(bad)}


# ---- the demo app ---------------------------------------------------------------------------------------------
def run_app(tracker: ReveniumTracker, calls: int, seed: int) -> List[Completion]:
    """The app: each request uses one feature; the three metering styles are used in turn."""
    ai = SimulatedAI(seed)

    @tracker.metered(agent="ticket-summary", taskType="summarization")  # style 2: a decorator
    def summarize_ticket() -> Completion:
        return feature_call(ai, "ticket-summary")

    done = []
    for n, (meta, feature) in enumerate(workload(calls, seed)):
        with tracker.business_context(meta):  # who this request is for: set once, used by every call inside
            if feature == "ticket-summary":
                done.append(summarize_ticket())
            elif n % 2:
                with tracker.track(agent=feature, taskType=FEATURES[feature][0]) as call:  # style 3
                    call.completion = feature_call(ai, feature)
                done.append(call.completion)
            else:
                c = feature_call(ai, feature)  # style 1: explicit
                tracker.track_ai_call(c.provider, c.model, c.input_tokens, c.output_tokens, c.started, c.ended,
                                      c.first_token, STOP_REASONS.get(c.finish_reason, "END"), c.streamed,
                                      agent=feature, taskType=FEATURES[feature][0], requestId=c.id)
                done.append(c)
    return done


def main(argv: Optional[List[str]] = None) -> int:
    from utils.cli import ArgumentParser, positive_float, positive_int
    p = ArgumentParser(prog="revenium_basic.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", help="metering base URL, e.g. http://127.0.0.1:8787 (none: print the records)")
    p.add_argument("--calls", type=positive_int, default=20, help="AI calls the demo app makes (default 20)")
    p.add_argument("--seed", type=int, default=7, help="seed of the simulated traffic (default 7)")
    p.add_argument("--spool", default="metering-spool.jsonl",
                   help="where undelivered records go, JSON lines (default ./metering-spool.jsonl)")
    p.add_argument("--replay", metavar="SPOOL", help="deliver the records of a spool file to --endpoint, then exit")
    p.add_argument("--api-key-env", default="REVENIUM_METERING_API_KEY",
                   help="environment variable holding the metering API key (default REVENIUM_METERING_API_KEY)")
    p.add_argument("--batch-size", type=positive_int, default=20, help="records per POST (default 20)")
    p.add_argument("--timeout", type=positive_float, default=2.0, help="seconds per POST (default 2)")
    p.add_argument("-v", "--verbose", action="store_true", help="log each delivery attempt")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    if args.replay:
        if not args.endpoint:
            p.error("--replay needs --endpoint")
        r = replay(args.replay, args.endpoint, args.api_key_env, timeout=args.timeout)
        print("Replayed %s: %d records, %d delivered, %d already there, %d refused, %d kept in the spool"
              % (args.replay, r["records"], r["delivered"], r["duplicate"], r["rejected"], r["kept"]))
        return 0 if r["kept"] == 0 else 1
    tracker = ReveniumTracker(args.endpoint, args.api_key_env, batch_size=args.batch_size, timeout=args.timeout,
                              spool_path=args.spool)
    t0 = time.time()
    done = run_app(tracker, args.calls, args.seed)
    elapsed = time.time() - t0
    c = tracker.close()
    err = sys.stderr if not args.endpoint else sys.stdout
    err.write(summary(done, elapsed) + "\n")
    if args.endpoint:
        print("Metering: %d delivered, %d already there, %d spooled to %s, %d refused"
              % (c["delivered"], c["duplicate"], c["spooled"], args.spool, c["rejected"]))
        if c["spooled"]:
            print("Deliver them later: python3 showcase/instrumentation/revenium_basic.py --endpoint %s --replay %s"
                  % (args.endpoint, args.spool))
    return 0  # the app succeeded, whatever happened to metering


if __name__ == "__main__":
    from utils.cli import run_main
    sys.exit(run_main(main))
