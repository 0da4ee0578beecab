"""The HTTP side of the viewer: only allow-listed URLs, security headers on every answer, conditional GETs.

`/` and `/viewer/index.html` (the viewer), `/reports/<id>.html`, `/reports/index.html` and `/manifest.json`;
everything else is a 404 page, other methods a 405. Pages come from the in-memory `ReportStore`.
"""
import http.server
import json
import os
import re
import socket
import sys
from typing import Any, Dict, Optional, Tuple
from urllib.parse import unquote

from viewer import VIEWER_DIR
from viewer.common import log
from viewer.live import Viewer
from viewer.store import REPORT_NAMES, Page

VIEWER_PAGE = os.path.join(VIEWER_DIR, "index.html")
MAX_URL = 2048
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
NOT_FOUND = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>"
             b"<body><h1>Not found</h1><p>This server only serves the reports viewer: open <a href=\"/\">/</a>."
             b"</p></body></html>\n")
_REPORT_URL = re.compile(r"^/reports/([a-z_]+)\.html$")


class Handler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD of the allow-listed URLs; 404 for everything else, 405 for other methods."""

    server_version = "ReveniumShowcaseViewer/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is closed after this
    viewer = None  # type: Viewer

    def version_string(self) -> str:
        return self.server_version  # no Python version in the headers

    def do_GET(self) -> None:
        self.respond(head=False)

    def do_HEAD(self) -> None:
        self.respond(head=True)

    def refuse_method(self) -> None:
        self.quiet = False
        self.send(405, Page(b"Method not allowed: only GET and HEAD.\n", "text/plain; charset=utf-8"), False,
                  {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = refuse_method

    def route(self) -> Tuple[int, Optional[Page], Dict[str, str]]:
        raw = self.path
        if len(raw) > MAX_URL:
            return 414, Page(b"URL too long.\n", "text/plain; charset=utf-8"), {}
        path = raw.split("#", 1)[0].split("?", 1)[0]
        decoded = unquote(path, errors="replace")
        if (not path.startswith("/") or any(bad in s for s in (path, decoded) for bad in ("..", "//", "\\", "\x00"))
                or "%" in decoded):  # double encoding (%252e) is refused too
            return 404, None, {}
        if decoded in ("/", "/viewer/index.html"):
            return 200, self.viewer_page(), {"Cache-Control": "no-cache"}
        if decoded == "/manifest.json":
            self.quiet = True
            body = json.dumps(self.viewer.manifest(), indent=1, sort_keys=True).encode("utf-8")
            return 200, Page(body, "application/json; charset=utf-8"), {"Cache-Control": "no-store"}
        m = _REPORT_URL.match(decoded)
        if m and m.group(1) in REPORT_NAMES:
            page = self.viewer.store.pages.get(m.group(1))
            if page is not None:
                return 200, page, {"Cache-Control": "no-cache"}
        return 404, None, {}

    def viewer_page(self) -> Optional[Page]:
        try:
            with open(VIEWER_PAGE, "rb") as f:
                return Page(f.read(), "text/html; charset=utf-8")
        except OSError:
            return None

    def respond(self, head: bool) -> None:
        self.quiet = False
        status, page, headers = self.route()
        if page is None:
            status, page = 404, Page(NOT_FOUND, "text/html; charset=utf-8")
        if status == 200 and page.etag in (self.headers.get("If-None-Match") or ""):
            self.send(304, page, True, dict(headers, ETag=page.etag))
            return
        if status == 200 and headers.get("Cache-Control") != "no-store":
            headers["ETag"] = page.etag
        self.send(status, page, head, headers)

    def send(self, status: int, page: Page, head: bool, headers: Dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", page.ctype)
        self.send_header("Content-Length", str(0 if status == 304 else len(page.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Cache-Control", "no-store")
        for k, v in sorted(headers.items()):
            self.send_header(k, v)
        if status >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not head and status != 304:
            try:
                self.wfile.write(page.body)
            except (BrokenPipeError, ConnectionResetError):  # the client went away: nothing to tell
                self.close_connection = True

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # The viewer polls the manifest every few seconds: those lines would drown the log.
        if getattr(self, "quiet", False) and str(code) in ("200", "304"):
            return
        self.log_message('"%s" %s', self.requestline[:200], code)

    def log_message(self, fmt: str, *args: Any) -> None:
        log("%s %s" % (self.address_string(), fmt % args))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # many clients at once must queue, not be refused

    def __init__(self, address: Tuple[str, int], viewer: Viewer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.viewer = viewer
        handler = type("BoundHandler", (Handler,), {"viewer": viewer})
        super(Server, self).__init__(address, handler)

    def service_actions(self) -> None:  # called by serve_forever between requests (every 0.5 s)
        self.viewer.watch()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout)):
            return  # a client that hung up or idled out
        log("error while answering %s: %s: %s" % (client_address[0], type(exc).__name__, exc))
