"""The HTTP side of the viewer: only allow-listed URLs, security headers on every answer, conditional GETs.

`/` and `/viewer/index.html` (the viewer), `/reports/<id>.html`, `/reports/index.html` and `/manifest.json`;
everything else is a 404 page, other methods a 405. Pages come from the in-memory `ReportStore`. A request whose
Host header is not a name of this server (localhost, an IP address, the --host given, this machine's name) gets a
421: a web page on another site cannot read the reports by pointing its own domain name at 127.0.0.1 (DNS
rebinding). Error pages carry the same security headers as every answer; the log escapes control characters.
"""
import ipaddress
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
from viewer.store import REPORT_NAMES, TABLE_FILE, Page

VIEWER_PAGE = os.path.join(VIEWER_DIR, "index.html")
MAX_URL = 2048
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
NOT_FOUND = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>"
             b"<body><h1>Not found</h1><p>This server only serves the reports viewer: open <a href=\"/\">/</a>."
             b"</p></body></html>\n")
_REPORT_URL = re.compile(r"^/reports/([a-z_]+)\.html$")
_TABLE_URL = re.compile(r"^/reports/([a-z_]+-[a-z0-9-]+\.csv)$")  # a report's full table (store.TABLE_FILE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def host_names(listen_host: str) -> frozenset:
    """The Host header values (without a port) this server answers to, besides any IP address."""
    names = {"localhost", listen_host.strip("[]").lower()}
    for name in (socket.gethostname(), socket.getfqdn()):
        if name:
            names.add(name.lower())
    return frozenset(n for n in names if n)


def host_allowed(header: Optional[str], names: frozenset) -> bool:
    """Whether a Host header names this server: an IP address (a rebinding attack needs a domain name) or one of
    `names`; a request without one (HTTP/1.0) is allowed."""
    if header is None:
        return True
    host = header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        host = host[1:host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return host in names


def printable(text: str) -> str:
    """Text with control characters escaped (\\xNN), for the log."""
    return _CONTROL.sub(lambda m: "\\x%02x" % ord(m.group(0)), text)


class Handler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD of the allow-listed URLs; 404 for everything else, 405 for other methods."""

    server_version = "ReveniumShowcaseViewer/1.0"
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so an answer to a malformed request line has headers too (not HTTP/0.9)
    timeout = 30  # an idle keep-alive connection is closed after this
    viewer = None  # type: Viewer
    hosts = frozenset()  # type: frozenset

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
        hosts = self.headers.get_all("Host") or [None]
        if len(hosts) > 1 or not host_allowed(hosts[0], self.hosts):
            return 421, Page(b"Misdirected request: this server answers to localhost and its own addresses only.\n",
                             "text/plain; charset=utf-8"), {}
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
        m = _TABLE_URL.match(decoded)
        if m and TABLE_FILE.match(m.group(1)):
            page = self.viewer.store.pages.get(m.group(1))
            if page is not None:
                return 200, page, {"Cache-Control": "no-cache",
                                   "Content-Disposition": 'attachment; filename="%s"' % m.group(1)}
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

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """http.server's own errors (a malformed request line, an unsupported version) with our headers too."""
        text = "%d %s\n" % (code, printable(message or self.responses.get(code, ("Error",))[0]))
        self.send(code, Page(text.encode("utf-8", "replace"), "text/plain; charset=utf-8"),
                  getattr(self, "command", "") == "HEAD", {})

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # The viewer polls the manifest every few seconds: those lines would drown the log.
        if getattr(self, "quiet", False) and str(code) in ("200", "304"):
            return
        self.log_message('"%s" %s', self.requestline[:200], code)

    def log_message(self, fmt: str, *args: Any) -> None:
        log(printable("%s %s" % (self.address_string(), fmt % args)))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # many clients at once must queue, not be refused

    def __init__(self, address: Tuple[str, int], viewer: Viewer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.viewer = viewer
        handler = type("BoundHandler", (Handler,), {"viewer": viewer, "hosts": host_names(address[0])})
        super(Server, self).__init__(address, handler)

    def service_actions(self) -> None:  # called by serve_forever between requests (every 0.5 s)
        self.viewer.watch()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout)):
            return  # a client that hung up or idled out
        log("error while answering %s: %s: %s" % (client_address[0], type(exc).__name__, exc))
