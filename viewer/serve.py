#!/usr/bin/env python3
"""The live viewer: serves the reports on 127.0.0.1 and refreshes them while the data file grows.

    python3 viewer/serve.py [--host 127.0.0.1] [--port 8000] [--data CSV] [--reports DIR] [--interval 10]
                            [--target-mb MB] [--demo]

Only these URLs exist: `/` and `/viewer/index.html` (the viewer), `/reports/<id>.html`, `/reports/index.html`
and `/manifest.json`; nothing else of the disk is reachable. Pages are served from an in-memory copy that is
swapped in whole after each refresh, so a reader never gets a half-written page. Every `--interval` seconds the
server looks at the data file's size and modification time; when it changed, the analyzers run again in a
background process (`run_all_analyzers.py --incremental`: only the appended bytes are read), one refresh at a
time, requests arriving meanwhile folded into one follow-up refresh.

`--demo` is the one-command tour: it creates a small data set when there is none, serves the first reports within
seconds, then lets the continuous generator (`run_all_simulators.py`) grow the file towards `--target-mb`
(default 50) at a pace a person can watch. See specs/workflows.md.
"""
import argparse
import errno
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote

VIEWER_DIR = os.path.dirname(os.path.realpath(__file__))
REPO_DIR = os.path.dirname(VIEWER_DIR)
SRC_DIR = os.path.join(REPO_DIR, "src")
if SRC_DIR not in sys.path:  # the viewer lives beside src/, not in it
    sys.path.insert(0, SRC_DIR)

from analyzers.registry import ANALYZERS, CATEGORY_TITLES, IDS, analyzer_class  # noqa: E402
from utils.cli import ArgumentParser, positive_float, run_main  # noqa: E402
from utils.errors import ConfigError  # noqa: E402
from utils.paths import DEFAULT_DATA, DEFAULT_REPORTS  # noqa: E402
from utils.timeutil import iso  # noqa: E402

ANALYZE = os.path.join(SRC_DIR, "run_all_analyzers.py")
SIMULATE = os.path.join(SRC_DIR, "simulator", "core.py")
GENERATE = os.path.join(SRC_DIR, "run_all_simulators.py")
VIEWER_PAGE = os.path.join(VIEWER_DIR, "index.html")
REPORT_NAMES = tuple(IDS) + ("index",)
MAX_URL = 2048
DEMO_TARGET_MB = 50.0
DEMO_SECONDS = 150.0   # the demo's generator reaches its target in about this time: fast enough to see, slow enough to watch
DEMO_STEP_SECONDS = 2.0

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
NOT_FOUND = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>"
             b"<body><h1>Not found</h1><p>This server only serves the reports viewer: open <a href=\"/\">/</a>."
             b"</p></body></html>\n")
_REPORT_URL = re.compile(r"^/reports/([a-z_]+)\.html$")


def log(message: str) -> None:
    """One line on stderr, with the time: the server's whole log."""
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


def now_iso() -> str:
    return iso(int(time.time()))


# ---- what is served ----------------------------------------------------------------------------------------------

class Page(object):
    """One response body held in memory, with its content type and a validator for conditional GETs."""

    __slots__ = ("body", "ctype", "etag")

    def __init__(self, body: bytes, ctype: str) -> None:
        self.body = body
        self.ctype = ctype
        self.etag = '"%s"' % hashlib.sha1(body).hexdigest()[:20]


class ReportStore(object):
    """The reports and the analyzers' manifest, read whole from DIR/html into memory and replaced in one step."""

    def __init__(self, reports_dir: str) -> None:
        self.html_dir = os.path.realpath(os.path.join(reports_dir, "html"))
        self.pages = {}  # type: Dict[str, Page]
        self.manifest = None  # type: Optional[Dict[str, Any]]
        self.manifest_stamp = None  # type: Optional[Tuple[int, int]]

    def _read(self, name: str) -> Optional[bytes]:
        path = os.path.join(self.html_dir, name)
        # A symlink (or anything resolving outside the folder) is never followed: only our own files are served.
        if os.path.islink(path) or os.path.dirname(os.path.realpath(path)) != self.html_dir:
            return None
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def stamp(self) -> Optional[Tuple[int, int]]:
        try:
            st = os.stat(os.path.join(self.html_dir, "manifest.json"))
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def load(self) -> bool:
        """Read the manifest and every report; swap them in together. False when there is no manifest yet."""
        stamp = self.stamp()
        raw = self._read("manifest.json")
        try:
            manifest = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            manifest = None
        if not isinstance(manifest, dict):
            return False
        pages = {}
        for name in REPORT_NAMES:
            body = self._read(name + ".html")
            if body is not None:
                pages[name] = Page(body, "text/html; charset=utf-8")
        self.pages, self.manifest, self.manifest_stamp = pages, manifest, stamp  # the swap: readers see old or new
        return True


# ---- refreshing --------------------------------------------------------------------------------------------------

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


class Children(object):
    """The subprocesses the server started (analyzers, simulators): tracked so that shutdown stops them all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.procs = []  # type: List[subprocess.Popen]
        self.closed = False

    def run(self, args: List[str], timeout: Optional[float] = None) -> Tuple[int, str, str]:
        """Run a Python script to completion (output captured); (exit code, stdout, stderr)."""
        with self.lock:
            if self.closed:
                return -1, "", "stopped"
            p = subprocess.Popen([sys.executable] + args, cwd=REPO_DIR, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
            self.procs.append(p)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            err += "\ntimed out after %ds" % timeout
        finally:
            with self.lock:
                self.procs.remove(p)
        return p.returncode, out, err

    def stop_all(self) -> None:
        """Ctrl+C to each child (they finish their current write and exit), then kill what is left after 5 s."""
        with self.lock:
            self.closed = True
            procs = list(self.procs)
        for p in procs:
            try:
                p.send_signal(signal.SIGINT)
            except OSError:
                pass
        deadline = time.time() + 5
        for p in procs:
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()


def report_list() -> List[Dict[str, str]]:
    """The reports as the manifest lists them, for the viewer's navigation before the first manifest exists."""
    items = [{"id": "index", "title": "Executive summary", "category": "summary", "href": "index.html"}]
    for aid, category, _, _ in ANALYZERS:
        try:
            title = analyzer_class(aid).title or aid
        except Exception:  # an analyzer that does not import yet: its refresh will say why
            title = aid.capitalize()
        items.append({"id": aid, "title": title, "category": category,
                      "category_title": CATEGORY_TITLES.get(category, category), "href": aid + ".html"})
    return items


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:500] if lines else ""


# ---- the server --------------------------------------------------------------------------------------------------

class Viewer(object):
    """The state behind the HTTP handler: the data file, the report store, the refresher, the demo status."""

    def __init__(self, data: str, reports: str, interval: float, target_bytes: Optional[int]) -> None:
        self.data = data
        self.reports = reports
        self.interval = interval
        self.target_bytes = target_bytes
        self.store = ReportStore(reports)
        self.children = Children()
        self.refresher = Refresher(self.analyze)
        self.seen = None  # type: Optional[Tuple[int, int]]
        self.next_check = 0.0
        self.demo = None  # type: Optional[Dict[str, Any]]
        self.started = now_iso()
        self.default_reports = report_list()

    def data_stamp(self) -> Optional[Tuple[int, int]]:
        try:
            st = os.stat(self.data)
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def analyze(self) -> Optional[str]:
        """One refresh: run the analyzers (incremental) in a subprocess, then load their output into memory."""
        if self.data_stamp() is None:
            return "the data file %s does not exist yet" % self.data
        args = [ANALYZE, "--data", self.data, "--out", self.reports, "--incremental", "--quiet"]
        if self.target_bytes:
            args += ["--target-mb", "%.6f" % (self.target_bytes / 1e6)]
        log("refresh: analyzing %s (%.1f MB)" % (self.data, os.path.getsize(self.data) / 1e6))
        t0 = time.time()
        code, out, err = self.children.run(args)
        if self.children.closed:
            return None
        if code != 0:
            error = "the analyzers failed (exit %d): %s" % (code, last_line(err) or last_line(out) or "no message")
            log("refresh failed: %s; still serving the previous reports" % error)
            return error
        if not self.store.load():
            return "the analyzers wrote no manifest.json in %s" % self.store.html_dir
        m = self.store.manifest or {}
        log("refresh done in %.1fs: %s rows, %.1f MB" % (time.time() - t0, format(m.get("rows") or 0, ","),
                                                         (m.get("data_size_bytes") or 0) / 1e6))
        return None

    def watch(self) -> None:
        """Called from the serve loop: every interval, refresh when the data file changed; pick up reports that
        someone else rewrote (e.g. `run_all_analyzers.py` run by hand)."""
        now = time.time()
        if now < self.next_check:
            return
        self.next_check = now + self.interval
        stamp = self.data_stamp()
        if stamp is not None and stamp != self.seen:
            self.seen = stamp
            self.refresher.request()
        elif self.refresher.idle() and self.store.stamp() != self.store.manifest_stamp:
            self.store.load()

    def manifest(self) -> Dict[str, Any]:
        """The analyzers' manifest merged with the server's live status."""
        m = dict(self.store.manifest or {"generated_at": None, "data_file": self.data, "data_size_bytes": 0,
                                          "rows": 0, "skipped_rows": 0, "reports": []})
        if not m.get("reports"):
            m["reports"] = self.default_reports
        stamp = self.data_stamp()
        m["data_size_bytes_now"] = stamp[0] if stamp else 0
        if self.target_bytes:
            m["target_size_bytes"] = self.target_bytes
        m["refresh"] = self.refresher.status()
        m["refresh"]["interval_s"] = self.interval
        m["available"] = sorted(self.store.pages)
        m["server_started"] = self.started
        if self.demo is not None:
            m["demo"] = dict(self.demo)
        return m


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


# ---- the demo ----------------------------------------------------------------------------------------------------

def demo_seed_data(viewer: Viewer) -> Optional[str]:
    """A small first data set (100 customers, 3 days, ~5 MB) when there is none: the first reports in seconds."""
    stamp = viewer.data_stamp()
    if stamp is not None and stamp[0] > 0:
        return None
    viewer.demo["state"] = "creating a first small data set"
    log("demo: no data yet; simulating 3 days of 100 customers into %s" % viewer.data)
    code, out, err = viewer.children.run([SIMULATE, "--customers", "100", "--days", "3", "--quiet",
                                          "--output", viewer.data])
    if code != 0:
        return "the simulator failed (exit %d): %s" % (code, last_line(err) or last_line(out))
    return None


def _complete_tail(path: str) -> Tuple[bytes, bytes]:
    """(header line, last complete line) of a CSV; a partial last line (a writer stopped mid-row) is cut off."""
    with open(path, "rb+") as f:
        header = f.readline()
        size = f.seek(0, os.SEEK_END)
        f.seek(max(len(header), size - 65536))
        tail = f.read()
        if tail and not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            f.truncate(size - len(tail) + cut + 1 if cut >= 0 else len(header))
            tail = tail[:cut + 1] if cut >= 0 else b""
    lines = tail.splitlines(True)
    return header, (lines[-1] if lines and size > len(header) else b"")


def demo_generate(viewer: Viewer, stop: threading.Event) -> Optional[str]:
    """Grow the data file to the target with the continuous generator, at a pace a person can watch.

    The generator (run_all_simulators.py --append) writes the rest of the story into a staging file that starts
    with the data file's header and last row, so that the timeline and the call numbering continue; its rows are
    then appended to the data file a block of whole lines every DEMO_STEP_SECONDS seconds."""
    target = viewer.target_bytes or 0
    size = os.path.getsize(viewer.data)
    if size >= target:
        viewer.demo["state"] = "done: the data file is already at the target"
        log("demo: %s is already %.1f MB, at or above --target-mb %.1f: nothing to generate (raise --target-mb to "
            "watch it grow)" % (viewer.data, size / 1e6, target / 1e6))
        return None
    header, last = _complete_tail(viewer.data)
    size = os.path.getsize(viewer.data)
    staging = viewer.data + ".demo.tmp"
    try:
        with open(staging, "wb") as f:
            f.write(header + last)
        viewer.demo["state"] = "generating traffic"
        log("demo: generating traffic from %.1f MB up to %.1f MB" % (size / 1e6, target / 1e6))
        goal = target - size + len(header) + len(last)
        code, out, err = viewer.children.run([GENERATE, "--append", "--output", staging,
                                              "--target-mb", "%.6f" % (goal / 1e6)])
        if stop.is_set():
            return None
        if code != 0:
            return "the generator failed (exit %d): %s" % (code, last_line(err) or last_line(out))
        step = max(256 << 10, int((target - size) * DEMO_STEP_SECONDS / DEMO_SECONDS))
        viewer.demo["state"] = "appending generated traffic"
        with open(staging, "rb") as src, open(viewer.data, "ab") as dst:
            src.seek(len(header) + len(last))
            while not stop.is_set():
                block = src.read(step)
                if not block:
                    break
                rest = src.readline()  # whole lines only: a reader never sees a partial row for long
                dst.write(block + rest)
                dst.flush()
                stop.wait(DEMO_STEP_SECONDS)
    finally:
        try:
            os.unlink(staging)
        except OSError:
            pass
    if not stop.is_set():
        viewer.demo["state"] = "done: the data file reached the target"
        log("demo: the data file reached %.1f MB" % (os.path.getsize(viewer.data) / 1e6))
    return None


def demo_thread(viewer: Viewer, stop: threading.Event) -> None:
    try:
        error = demo_seed_data(viewer)
        if error is None and not stop.is_set():
            viewer.seen = viewer.data_stamp()
            viewer.refresher.request()
            error = demo_generate(viewer, stop)
    except OSError as e:
        error = "cannot write %s: %s" % (viewer.data, e.strerror or e)
    if error and not stop.is_set():
        viewer.demo["state"] = "failed"
        viewer.demo["error"] = error
        log("demo: %s" % error)
    viewer.demo["running"] = False


# ---- command line ------------------------------------------------------------------------------------------------

def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a port number" % text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 to 65535, got %d" % value)
    return value


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="serve.py", description="Serve the reports viewer on this machine and refresh the reports "
                                                    "while the data file grows.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to your network)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--data", default=DEFAULT_DATA, help="the CSV to watch (default src/data/simulated_calls.csv)")
    p.add_argument("--reports", default=DEFAULT_REPORTS, help="the analyzers' output folder (default src/reports)")
    p.add_argument("--interval", type=positive_float, default=10.0,
                   help="seconds between looks at the data file (default 10)")
    p.add_argument("--target-mb", type=positive_float, default=None,
                   help="size the data file is growing to, for the progress bar (--demo: the size to generate, "
                        "default %d)" % DEMO_TARGET_MB)
    p.add_argument("--demo", action="store_true",
                   help="create data if there is none, then keep generating traffic up to --target-mb while serving")
    return p


def local_url(host: str, port: int) -> str:
    if host in ("", "0.0.0.0", "::", "127.0.0.1", "localhost"):
        return "http://127.0.0.1:%d/" % port
    return "http://%s:%d/" % ("[%s]" % host if ":" in host else host, port)


def bind(host: str, port: int, viewer: Viewer) -> Server:
    try:
        return Server((host, port), viewer)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise ConfigError("port %d is already in use (another server?); try --port %d" % (port, port + 1))
        if e.errno == errno.EACCES:
            raise ConfigError("not allowed to listen on port %d; try --port 8000" % port)
        raise ConfigError("cannot listen on %s port %d: %s; check --host" % (host, port, e.strerror or e))


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    data, reports = os.path.abspath(args.data), os.path.abspath(args.reports)
    if not args.demo and not os.path.isfile(data):
        raise ConfigError("no data file at %s; create one with `python3 src/simulator/core.py`, or run "
                          "`python3 viewer/serve.py --demo` to generate data and watch it live" % args.data)
    target_mb = args.target_mb or (DEMO_TARGET_MB if args.demo else None)
    viewer = Viewer(data, reports, args.interval, int(target_mb * 1e6) if target_mb else None)
    server = bind(args.host, args.port, viewer)
    stop = threading.Event()
    demo = None  # type: Optional[threading.Thread]
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background (SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: _interrupt())
    try:
        viewer.store.load()  # the last reports, if any, are served while the first refresh runs
        viewer.refresher.start()
        if args.demo:
            viewer.demo = {"running": True, "state": "starting", "target_size_bytes": viewer.target_bytes}
            demo = threading.Thread(target=demo_thread, args=(viewer, stop), name="demo", daemon=True)
            demo.start()
            viewer.next_check = time.time() + args.interval
        else:
            viewer.seen = viewer.data_stamp()
            viewer.refresher.request()  # reports from an older file, options or code are brought up to date
        port = server.server_address[1]
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            log("warning: listening on %s: anyone who can reach this machine can read the reports" % args.host)
        print("Serving the reports viewer at %s  (data: %s; Ctrl+C to stop)" % (local_url(args.host, port), args.data),
              flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        viewer.refresher.stop()
        server.server_close()
        viewer.children.stop_all()
        if demo is not None:
            demo.join(10)  # it removes its staging file
    log("stopped")
    return 0


def _interrupt() -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(run_main(main))
