"""The local collector's HTTP side (standard library `http.server`): routes, request bodies, JSON answers.

`POST /v2/ai/completions` (metering records), `POST /v1/traces` (OTLP/JSON), `GET /health`. A request is all or
nothing: an Invalid record gets its status (400, 411, 413, 415) with {"error": ...} and nothing is written;
accepted rows go to the CsvSink and the answer is 202 with {"written": n, "duplicate": d}.
Used by local_collector.py; tests run `serve(..., port=0)` in a thread.
"""
import json
import sys
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional, Tuple

from instrumentation.collector_checks import Invalid
from instrumentation.collector_metering import metering_rows
from instrumentation.collector_otlp import otlp_rows
from instrumentation.collector_sink import CsvSink
from pricing.catalog import Catalog, load_catalog
from utils.errors import ConfigError

MAX_BODY_BYTES = 5 * 1024 * 1024
METERING_PATH, OTLP_PATH = "/v2/ai/completions", "/v1/traces"


class CollectorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of posts (100 at once) waits in the queue instead of timing out
    def __init__(self, address: Tuple[str, int], sink: CsvSink, catalog: Catalog, quiet: bool = False) -> None:
        ThreadingHTTPServer.__init__(self, address, Handler)
        self.sink, self.catalog, self.quiet = sink, catalog, quiet


def serve(host: str, port: int, output: str, prices: Optional[str] = None, quiet: bool = False,
          prices_alone: bool = False) -> CollectorServer:
    """A bound but not yet serving collector (call serve_forever(); tests run it in a thread). With port 0 the
    system picks a free port: read it from `server.server_address[1]`."""
    catalog = load_catalog(prices, prices_alone)
    try:
        return CollectorServer((host, port), CsvSink(output), catalog, quiet)
    except OSError as e:
        raise ConfigError("cannot listen on %s:%d: %s (try another --port)" % (host, port, e.strerror or e))


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
        except (ArithmeticError, ValueError, TypeError, RecursionError) as e:  # a value no check foresaw: never retried
            self._reply(400, {"error": "a record cannot be read: %s" % str(e)[:200]})
            return
        written, dup = self.server.sink.append(rows)  # type: ignore[attr-defined]
        self._reply(202, {"status": "accepted", "received": len(rows), "written": written, "duplicate": dup})

    def _read_json(self) -> Any:
        length = self._content_length()
        ctype = self.headers.get("Content-Type", "application/json").split(";")[0].strip().lower()
        body = self.rfile.read(length)
        if ctype not in ("application/json", "text/json", ""):
            raise Invalid("Content-Type %s is not supported: send JSON (OTLP/JSON for traces)" % ctype, 415)
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            body = _gunzip(body)
        try:
            return json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise Invalid("body is not UTF-8")
        except RecursionError:  # "[[[[..." nested thousands deep: refuse it, do not crash the thread
            raise Invalid("body is not usable JSON: nested too deeply")
        except ValueError as e:
            raise Invalid("body is not valid JSON: %s" % e)

    def _content_length(self) -> int:
        """The body's declared length, within MAX_BODY_BYTES; a body over the limit is read away first."""
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
                self._discard(length)
            raise Invalid("body of %d bytes is over the %d-byte limit: send smaller batches"
                          % (length, MAX_BODY_BYTES), 413)
        return length

    def _discard(self, length: int) -> None:
        left = length
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            left -= len(chunk)


def _gunzip(body: bytes) -> bytes:
    """A gzip body, decompressed within the same MAX_BODY_BYTES limit."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(body, MAX_BODY_BYTES + 1)
    except zlib.error:
        raise Invalid("body is not valid gzip")
    if len(out) > MAX_BODY_BYTES or d.unconsumed_tail:
        raise Invalid("uncompressed body is over the %d-byte limit" % MAX_BODY_BYTES, 413)
    return out
