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
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import csv  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import zlib  # noqa: E402
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from typing import Any, Dict, List, Optional, Tuple  # noqa: E402

from pricing.catalog import Catalog, cost_micro, format_micro, load_catalog  # noqa: E402
from utils.errors import ConfigError  # noqa: E402
from utils.schema import FIELDS  # noqa: E402
from utils.timeutil import iso, parse_ts  # noqa: E402

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_TEXT = 255
METERING_PATH, OTLP_PATH = "/v2/ai/completions", "/v1/traces"
# Required by the metering API (see the reference in specs/integration.md); camelCase as on the wire.
REQUIRED = ("transactionId", "provider", "model", "inputTokenCount", "outputTokenCount", "totalTokenCount",
            "requestTime", "responseTime", "completionStartTime", "requestDuration", "isStreamed", "stopReason",
            "costType")
STOP_REASONS = ("END", "END_SEQUENCE", "TIMEOUT", "TOKEN_LIMIT", "COST_LIMIT", "COMPLETION_LIMIT", "ERROR", "CANCELLED")
# Provider names as senders spell them -> the provider ids of our catalog and CSV.
PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "aws bedrock": "bedrock", "aws.bedrock": "bedrock",
             "bedrock": "bedrock", "amazon bedrock": "bedrock", "google": "google", "gemini": "google",
             "gcp.gemini": "google", "gcp.vertex_ai": "google", "gcp.gen_ai": "google", "vertex ai": "google",
             "azure": "azure", "azure openai": "azure", "azure.ai.openai": "azure", "mistral": "mistral",
             "mistral_ai": "mistral", "mistral ai": "mistral", "cohere": "cohere"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class Invalid(Exception):
    """A request the collector refuses; the message goes back to the client as {"error": message}."""

    def __init__(self, message: str, status: int = 400) -> None:
        super(Invalid, self).__init__(message)
        self.status = status


# ---- validation and mapping: metering records -------------------------------------------------------------------
def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def _text(rec: Dict[str, Any], key: str, where: str, required: bool = False) -> str:
    v = rec.get(key)
    if v is None or v == "":
        if required:
            raise Invalid("%s: %s must not be empty" % (where, key))
        return ""
    if not isinstance(v, str):
        raise Invalid("%s: %s must be a string, got %s" % (where, key, type(v).__name__))
    if len(v) > MAX_TEXT or _CONTROL.search(v):
        raise Invalid("%s: %s must be at most %d printable characters" % (where, key, MAX_TEXT))
    return v


def _count(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("%s: %s must be a whole number, got %r" % (where, key, value))
    if value < 0:
        raise Invalid("%s: %s must not be negative, got %d" % (where, key, value))
    return value


def _usd_micro(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Invalid("%s: %s must be a number of USD" % (where, key))
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise Invalid("%s: %s must be a number of USD, got %r" % (where, key, value))
    if not d.is_finite() or d < 0:
        raise Invalid("%s: %s must be a number >= 0, got %r" % (where, key, value))
    return int((d * 1000000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _time(value: Any, key: str, where: str) -> int:
    if not isinstance(value, str):
        raise Invalid("%s: %s must be an ISO 8601 timestamp string" % (where, key))
    try:
        return parse_ts(value)
    except ValueError:
        raise Invalid("%s: %s is not an ISO 8601 timestamp: %r" % (where, key, value[:40]))


def provider_id(name: str) -> str:
    """Our provider id for a sender's spelling: 'OpenAI' -> openai, 'AWS Bedrock' -> bedrock."""
    key = name.strip().lower()
    return PROVIDERS.get(key, key.replace(" ", "_"))


def _price(catalog: Catalog, provider: str, model: str, inp: int, out: int, where: str) -> Tuple[str, int]:
    """(model id for the CSV, cost in micro-dollars) from the catalog; dated ids map to their catalog entry."""
    entry = catalog.get(provider, model)
    if entry is None:
        raise Invalid("%s: model %r of provider %r is not in the price catalog: send totalCost, or start the "
                      "collector with --prices FILE listing it" % (where, model, provider))
    return entry.model, cost_micro(entry, inp, out)


def metering_row(raw: Any, catalog: Catalog, where: str) -> Dict[str, str]:
    """One CSV row (our schema) from one metering record, or Invalid saying what is wrong."""
    if not isinstance(raw, dict):
        raise Invalid("%s: a metering record must be a JSON object" % where)
    rec = {_camel(k): v for k, v in raw.items()}
    missing = [k for k in REQUIRED if rec.get(k) is None]
    if missing:
        raise Invalid("%s: missing required field(s): %s" % (where, ", ".join(missing)))
    call_id = _text(rec, "transactionId", where, True)
    provider = provider_id(_text(rec, "provider", where, True))
    model = _text(rec, "model", where, True)
    inp = _count(rec["inputTokenCount"], "inputTokenCount", where)
    out = _count(rec["outputTokenCount"], "outputTokenCount", where)
    _count(rec["totalTokenCount"], "totalTokenCount", where)
    started = _time(rec["requestTime"], "requestTime", where)
    _time(rec["responseTime"], "responseTime", where)
    _time(rec["completionStartTime"], "completionStartTime", where)
    dur = rec["requestDuration"]
    if isinstance(dur, bool) or not isinstance(dur, (int, float)) or not dur >= 0 or dur == float("inf"):
        raise Invalid("%s: requestDuration must be a number of milliseconds >= 0, got %r" % (where, dur))
    if not isinstance(rec["isStreamed"], bool):
        raise Invalid("%s: isStreamed must be true or false" % where)
    if rec["stopReason"] not in STOP_REASONS:
        raise Invalid("%s: stopReason must be one of %s" % (where, ", ".join(STOP_REASONS)))
    if rec["costType"] != "AI":
        raise Invalid("%s: costType must be \"AI\"" % where)
    sub = rec.get("subscriber")
    if sub is not None and not (isinstance(sub, dict) and isinstance(sub.get("id", ""), str)):
        raise Invalid("%s: subscriber must be an object like {\"id\": \"...\", \"email\": \"...\"}" % where)
    customer = _text(sub or {}, "id", where + " subscriber") or _text(rec, "subscriptionId", where) \
        or _text(rec, "organizationName", where)
    if not customer:
        raise Invalid("%s: nobody to bill: give subscriber.id, subscriptionId or organizationName" % where)
    model_id, micro = model, None  # type: str, Optional[int]
    if rec.get("totalCost") is not None:
        micro = _usd_micro(rec["totalCost"], "totalCost", where)
        entry = catalog.get(provider, model)
        model_id = entry.model if entry else model
    elif rec.get("inputTokenCost") is not None and rec.get("outputTokenCost") is not None:
        micro = _usd_micro(rec["inputTokenCost"], "inputTokenCost", where) + \
            _usd_micro(rec["outputTokenCost"], "outputTokenCost", where)
    if micro is None:
        model_id, micro = _price(catalog, provider, model, inp, out, where)
    return {
        "timestamp": iso(started), "call_id": call_id, "provider": provider, "model": model_id,
        "input_tokens": str(inp), "output_tokens": str(out), "cost_usd": format_micro(micro),
        "latency_ms": str(int(round(dur))), "customer_id": customer,
        "subscription_tier": _text(rec, "subscriptionTier", where),
        "organization_id": _text(rec, "organizationName", where), "product_id": _text(rec, "productName", where),
        "feature_id": _text(rec, "agent", where) or _text(rec, "feature", where),
        "task_type": _text(rec, "taskType", where), "environment": _text(rec, "environment", where),
        "request_id": _text(rec, "requestId", where) or _text(rec, "responseId", where),
        "trace_id": _text(rec, "traceId", where), "session_id": _text(rec, "sessionId", where),
        "user_agent": _text(rec, "userAgent", where),
    }


# ---- validation and mapping: OTLP/JSON GenAI spans --------------------------------------------------------------
def _any_value(v: Any, where: str) -> Any:
    """An OTLP AnyValue as a Python value (intValue is a JSON string of the integer in the official mapping)."""
    if not isinstance(v, dict):
        raise Invalid("%s: an attribute value must be an object like {\"stringValue\": ...}" % where)
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        iv = v["intValue"]
        if isinstance(iv, bool) or not (isinstance(iv, int) or (isinstance(iv, str) and re.match(r"^-?\d{1,19}$", iv))):
            raise Invalid("%s: intValue must be an integer (a JSON string of digits), got %r" % (where, iv))
        return int(iv)
    if "doubleValue" in v:
        return v["doubleValue"]
    if "boolValue" in v:
        return v["boolValue"]
    if "arrayValue" in v:
        vals = (v["arrayValue"] or {}).get("values", []) if isinstance(v["arrayValue"], dict) else None
        if not isinstance(vals, list):
            raise Invalid("%s: arrayValue must be {\"values\": [...]}" % where)
        return [_any_value(x, where) for x in vals]
    return None


def _attributes(raw: Any, where: str) -> Dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise Invalid("%s: attributes must be a list of {\"key\", \"value\"}" % where)
    out = {}
    for a in raw:
        if not isinstance(a, dict) or not isinstance(a.get("key"), str):
            raise Invalid("%s: every attribute needs a string \"key\"" % where)
        out[a["key"]] = _any_value(a.get("value"), "%s attribute %s" % (where, a["key"]))
    return out


def _list(obj: Any, key: str, where: str) -> List[Any]:
    v = obj.get(key, []) if isinstance(obj, dict) else None
    if not isinstance(v, list):
        raise Invalid("%s: %s must be a list" % (where, key))
    return v


def _nanos(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise Invalid("%s: %s must be nanoseconds since the epoch (digits)" % (where, key))
    return int(value)


def span_row(span: Any, resource: Dict[str, Any], catalog: Catalog, where: str) -> Optional[Dict[str, str]]:
    """One CSV row from a GenAI span (None for a span that is not an AI call), or Invalid."""
    if not isinstance(span, dict):
        raise Invalid("%s: a span must be an object" % where)
    a = dict(resource)
    a.update(_attributes(span.get("attributes"), where))
    provider = a.get("gen_ai.provider.name") or a.get("gen_ai.system")  # gen_ai.system: deprecated, still read
    if not provider and "gen_ai.operation.name" not in a:
        return None  # not an AI call (e.g. the app's own HTTP span): nothing to meter
    for key in ("traceId", "spanId"):
        if not (isinstance(span.get(key), str) and _HEX.match(span[key])):
            raise Invalid("%s: %s must be a hex string" % (where, key))
    start = _nanos(span.get("startTimeUnixNano"), "startTimeUnixNano", where)
    end = _nanos(span.get("endTimeUnixNano"), "endTimeUnixNano", where)
    if end < start:
        raise Invalid("%s: endTimeUnixNano is before startTimeUnixNano" % where)
    rec = {k: v for k, v in a.items() if isinstance(v, str)}
    if not isinstance(provider, str) or not provider:
        raise Invalid("%s: gen_ai.provider.name is missing" % where)
    model = rec.get("gen_ai.response.model") or rec.get("gen_ai.request.model")
    if not model:
        raise Invalid("%s: gen_ai.request.model is missing" % where)
    tokens = []
    for key in ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"):
        if key not in a:
            raise Invalid("%s: %s is missing" % (where, key))
        tokens.append(_count(a[key], key, where))
    customer = rec.get("revenium.subscriber.id") or rec.get("revenium.subscription.id") or rec.get("revenium.organization.name")
    if not customer:
        raise Invalid("%s: nobody to bill: set revenium.subscriber.id or revenium.organization.name" % where)
    pid = provider_id(provider)
    model_id, micro = _price(catalog, pid, model, tokens[0], tokens[1], where)
    row = {
        "timestamp": iso(start // 1000000000), "call_id": span["spanId"].lower(), "provider": pid, "model": model_id,
        "input_tokens": str(tokens[0]), "output_tokens": str(tokens[1]), "cost_usd": format_micro(micro),
        "latency_ms": str((end - start + 500000) // 1000000), "customer_id": customer,
        "subscription_tier": rec.get("revenium.subscription.tier", ""),
        "organization_id": rec.get("revenium.organization.name", ""), "product_id": rec.get("revenium.product.name", ""),
        "feature_id": rec.get("revenium.feature") or rec.get("revenium.agent", ""),
        "task_type": rec.get("revenium.task_type") or rec.get("gen_ai.operation.name", ""),
        "environment": rec.get("deployment.environment.name") or rec.get("deployment.environment", ""),
        "request_id": rec.get("gen_ai.response.id", ""), "trace_id": span["traceId"].lower(),
        "session_id": rec.get("gen_ai.conversation.id", ""), "user_agent": rec.get("user_agent.original", ""),
    }
    for k, v in row.items():
        if len(v) > MAX_TEXT or _CONTROL.search(v):
            raise Invalid("%s: %s must be at most %d printable characters" % (where, k, MAX_TEXT))
    return row


def otlp_rows(doc: Any, catalog: Catalog) -> List[Dict[str, str]]:
    """The CSV rows of an OTLP/JSON ExportTraceServiceRequest (all valid, or Invalid)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans"), list):
        raise Invalid("OTLP/JSON body must be {\"resourceSpans\": [...]}")
    rows = []
    for i, rs in enumerate(doc["resourceSpans"]):
        where = "resourceSpans[%d]" % i
        if not isinstance(rs, dict):
            raise Invalid("%s must be an object" % where)
        res = rs.get("resource") or {}
        resource = _attributes(res.get("attributes") if isinstance(res, dict) else None, where + ".resource")
        for j, ss in enumerate(_list(rs, "scopeSpans", where)):
            for k, span in enumerate(_list(ss, "spans", "%s.scopeSpans[%d]" % (where, j))):
                row = span_row(span, resource, catalog, "%s.scopeSpans[%d].spans[%d]" % (where, j, k))
                if row is not None:
                    rows.append(row)
    return rows


def metering_rows(doc: Any, catalog: Catalog) -> List[Dict[str, str]]:
    """The CSV rows of one metering record or a list of them (all valid, or Invalid)."""
    records = doc if isinstance(doc, list) else [doc]
    if not records:
        raise Invalid("the batch is empty")
    return [metering_row(r, catalog, "record %d" % (i + 1) if isinstance(doc, list) else "record")
            for i, r in enumerate(records)]


# ---- the CSV sink -----------------------------------------------------------------------------------------------
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


# ---- HTTP ---------------------------------------------------------------------------------------------------------
class CollectorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: Tuple[str, int], sink: CsvSink, catalog: Catalog, quiet: bool = False) -> None:
        ThreadingHTTPServer.__init__(self, address, Handler)
        self.sink, self.catalog, self.quiet = sink, catalog, quiet


class Handler(BaseHTTPRequestHandler):
    server_version = "LocalMeteringCollector/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # one line per request, unless --quiet
        if not self.server.quiet:  # type: ignore[attr-defined]
            sys.stderr.write("collector: %s\n" % (fmt % args))

    def _reply(self, status: int, doc: Dict[str, Any], close: bool = False) -> None:
        body = (json.dumps(doc) + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/health":
            self._reply(200, {"status": "ok", "rows": self.server.sink.rows})  # type: ignore[attr-defined]
        else:
            self._reply(404, {"error": "not found: use POST %s, POST %s or GET /health" % (METERING_PATH, OTLP_PATH)})

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        if path not in (METERING_PATH, OTLP_PATH):
            self._reply(404, {"error": "not found: POST to %s or %s" % (METERING_PATH, OTLP_PATH)}, close=True)
            return
        try:
            doc = self._read_json()
            catalog = self.server.catalog  # type: ignore[attr-defined]
            rows = metering_rows(doc, catalog) if path == METERING_PATH else otlp_rows(doc, catalog)
        except Invalid as e:
            self._reply(e.status, {"error": str(e)}, close=e.status != 400)
            return
        written, dup = self.server.sink.append(rows)  # type: ignore[attr-defined]
        self._reply(202, {"status": "accepted", "received": len(rows), "written": written, "duplicate": dup})

    def _read_json(self) -> Any:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise Invalid("send the body with a Content-Length (chunked encoding is not supported)", 411)
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise Invalid("a Content-Length header is required", 411)
        if length < 0:
            raise Invalid("bad Content-Length", 400)
        if length > MAX_BODY_BYTES:
            if length <= 4 * MAX_BODY_BYTES:  # read it away so the client sees our answer, not a reset
                left = length
                while left > 0:
                    chunk = self.rfile.read(min(left, 1 << 16))
                    if not chunk:
                        break
                    left -= len(chunk)
            raise Invalid("body of %d bytes is over the %d-byte limit: send smaller batches" % (length, MAX_BODY_BYTES), 413)
        ctype = self.headers.get("Content-Type", "application/json").split(";")[0].strip().lower()
        body = self.rfile.read(length)
        if ctype not in ("application/json", "text/json", ""):
            raise Invalid("Content-Type %s is not supported: send JSON (OTLP/JSON for traces)" % ctype, 415)
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                body = d.decompress(body, MAX_BODY_BYTES + 1)
            except zlib.error:
                raise Invalid("body is not valid gzip")
            if len(body) > MAX_BODY_BYTES or d.unconsumed_tail:
                raise Invalid("uncompressed body is over the %d-byte limit" % MAX_BODY_BYTES, 413)
        try:
            return json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise Invalid("body is not UTF-8")
        except RecursionError:  # "[[[[..." nested thousands deep: refuse it, do not crash the thread
            raise Invalid("body is not usable JSON: nested too deeply")
        except ValueError as e:
            raise Invalid("body is not valid JSON: %s" % e)


def serve(host: str, port: int, output: str, prices: Optional[str] = None, quiet: bool = False) -> CollectorServer:
    """A started-but-not-serving collector (call serve_forever(); tests run it in a thread)."""
    catalog = load_catalog(prices)
    try:
        return CollectorServer((host, port), CsvSink(output), catalog, quiet)
    except OSError as e:
        raise ConfigError("cannot listen on %s:%d: %s (try another --port)" % (host, port, e.strerror or e))


def main(argv: Optional[List[str]] = None) -> int:
    from utils.cli import ArgumentParser
    p = ArgumentParser(prog="local_collector.py", description=__doc__.split("\n\n")[0],
                       epilog="Endpoints: POST %s, POST %s, GET /health." % (METERING_PATH, OTLP_PATH))
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)")
    p.add_argument("--output", default=os.path.join(_REPO, "src", "data", "metered_calls.csv"),
                   help="CSV to append to (created with a header; default src/data/metered_calls.csv)")
    p.add_argument("--prices", default=None, help="price catalog JSON/CSV to use over the built-in one")
    p.add_argument("--quiet", action="store_true", help="do not log one line per request")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error("--port must be between 0 and 65535")
    server = serve(args.host, args.port, args.output, args.prices, args.quiet)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write("collector: warning: listening on %s: other machines can post records\n" % args.host)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
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
