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

The code: tracker.py (ReveniumTracker: the app-facing API and the background worker), tracker_delivery.py
(the POST, the circuit breaker, the spool), tracker_replay.py (--replay); this file is the demo app's command.
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import argparse  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402
from typing import List, Optional  # noqa: E402

from instrumentation.demo_app import Completion, FEATURES, SimulatedAI, feature_call, summary, workload  # noqa: E402
from instrumentation.tracker import STOP_REASONS, ReveniumTracker  # noqa: E402
from instrumentation.tracker_replay import replay  # noqa: E402
from utils.cli import ArgumentParser, positive_float, positive_int  # noqa: E402


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


def _parser() -> ArgumentParser:
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
    return p


def _replay(args: argparse.Namespace) -> int:
    r = replay(args.replay, args.endpoint, args.api_key_env, timeout=args.timeout)
    print("Replayed %s: %d records, %d delivered, %d already there, %d refused, %d kept in the spool"
          % (args.replay, r["records"], r["delivered"], r["duplicate"], r["rejected"], r["kept"]))
    return 0 if r["kept"] == 0 else 1


def main(argv: Optional[List[str]] = None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    if args.replay:
        if not args.endpoint:
            p.error("--replay needs --endpoint")
        return _replay(args)
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
