"""A local stand-in for the Revenium metering endpoint: receive metered AI calls, validate, append CSV rows.

What it teaches: what a metering service must check before it trusts a record, and how the records map to the
one-row-per-call CSV our analyzers read. It makes the whole pipeline visible on one machine, offline:

    python3 showcase/instrumentation/local_collector.py --output /tmp/metered.csv      # terminal 1
    python3 showcase/instrumentation/revenium_basic.py --endpoint http://127.0.0.1:8787 --calls 200
    python3 showcase/instrumentation/revenium_otel.py --endpoint http://127.0.0.1:8787 --calls 100
    python3 src/run_all_analyzers.py --data /tmp/metered.csv --out /tmp/reports
    python3 viewer/serve.py --data /tmp/metered.csv --reports /tmp/reports           # the reports, live

Endpoints (loopback only by default; standard library `http.server`):
- `POST /v2/ai/completions`: one metering record or a JSON list of them (a batch), camelCase as on the wire
  (`transactionId`, `inputTokenCount` ...) or snake_case as in the Python SDK (`transaction_id` ...).
- `POST /v1/traces`: OTLP/JSON with OpenTelemetry GenAI spans (`gen_ai.*` + `revenium.*` attributes).
- `GET /health`: `{"status": "ok", "rows": N}`.

A request is all or nothing: if any record in it is invalid (malformed JSON, a missing required field, a
negative token count, a wrong type, a body over the size limit) the answer is 400 (413 for size) with
`{"error": "..."}` and nothing is written. Accepted requests get 202 with `{"written": n, "duplicate": d}`:
a `transactionId` (span id for OTLP) already in the CSV is not written again, so a client may retry or replay
safely. Cost comes from the record's `totalCost` when it has one, else from the price catalog
(src/pricing/prices.json, or --prices FILE). Rows are appended as whole lines under a lock, so concurrent
posts never interleave.

With `--port 0` the system picks a free port; the first line printed names the URL bound
("Collecting on http://127.0.0.1:PORT/v2/ai/completions ..."), so a script can start the collector and read it.

The code: collector_server.py (HTTP), collector_metering.py and collector_otlp.py (records -> CSV rows),
collector_checks.py (the field checks both share), collector_sink.py (the CSV); this file is the command.
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import signal  # noqa: E402
from typing import Any, List, Optional  # noqa: E402

from instrumentation.collector_server import METERING_PATH, OTLP_PATH, serve  # noqa: E402
from pricing.cli import add_price_arguments  # noqa: E402
from utils.cli import ArgumentParser  # noqa: E402


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog="local_collector.py", description=__doc__.split("\n\n")[0],
                       epilog="Endpoints: POST %s, POST %s, GET /health." % (METERING_PATH, OTLP_PATH))
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8787,
                   help="port (default 8787; 0 picks a free one, and the first line printed gives the URL bound)")
    p.add_argument("--output", default=os.path.join(_REPO, "src", "data", "metered_calls.csv"),
                   help="CSV to append to (created with a header; default src/data/metered_calls.csv)")
    add_price_arguments(p, "prices the records that carry no cost")
    p.add_argument("--quiet", action="store_true", help="do not log one line per request")
    return p


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the collector as Ctrl+C does


def main(argv: Optional[List[str]] = None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error("--port must be between 0 and 65535")
    server = serve(args.host, args.port, args.output, args.prices, args.quiet, args.prices_alone)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write("collector: warning: listening on %s: other machines can post records\n" % args.host)
    signal.signal(signal.SIGTERM, _stop)
    host, port = server.server_address[:2]
    print("Collecting on http://%s:%d%s and %s -> %s (%d rows so far); Ctrl+C to stop"
          % (host, port, METERING_PATH, OTLP_PATH, args.output, server.sink.rows), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("Stopped; %s holds %d rows" % (args.output, server.sink.rows), flush=True)
    return 0


if __name__ == "__main__":
    from utils.cli import run_main
    sys.exit(run_main(main))
