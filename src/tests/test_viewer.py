"""The live viewer (viewer/serve.py): a real server in a subprocess on a free port, talked to with http.client.

The server binds port 0 (`--port 0`: the system picks a free port, so two runs never race for one) and the test
reads the port it got from the URL line the server prints.

Routes, traversal attempts, methods, headers, 20 concurrent clients during a live refresh, refresh after appended
rows, coalescing of refresh requests, a failed refresh, port in use, Ctrl+C, and the --demo mode.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
SERVE = os.path.join(ROOT, "viewer", "serve.py")
sys.path[:0] = [p for p in (os.path.join(ROOT, "src"), ROOT) if p not in sys.path]  # src/, and the viewer package

from simulator.core import AICallSimulator  # noqa: E402
from viewer.refresher import Refresher as ViewerRefresher  # noqa: E402
from viewer.store import ReportStore  # noqa: E402

SERVING = re.compile(r"^Serving the reports viewer at http://127\.0\.0\.1:(\d+)/ ", re.M)

TRAVERSALS = [
    "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/reports/../../../../etc/passwd",
    "/reports/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/viewer/serve.py", "/viewer/../viewer/serve.py",
    "/src/data/simulated_calls.csv", "/reports/../json/understanding.json/../../../calls.csv", "//etc/passwd",
    "/reports/..%2f..%2f..%2fetc%2fpasswd", "/reports/%252e%252e/x.html", "/reports/understanding.json",
    "/reports/manifest.json", "/reports/", "/viewer/", "/src/", "/reports/UNDERSTANDING.html",
    "/reports\\..\\serve.py", "/reports/understanding.html%00.txt", "/" + "a" * 5000,
]


def request(port, path, method="GET", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.putrequest(method, path, skip_accept_encoding=True,
                     skip_host=any(k.lower() == "host" for k in (headers or {})))
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


def manifest(port):
    return json.loads(request(port, "/manifest.json")[2].decode("utf-8"))


def wait_for(predicate, timeout, step=0.2):
    """predicate() until it returns something true, at most `timeout` seconds; returns its last value."""
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        try:
            value = predicate()
        except (OSError, ValueError, http.client.HTTPException):
            value = None
        if value:
            return value
        time.sleep(step)
    return value


class Server(object):
    """serve.py in a subprocess (its own process group, so that everything it started can be killed)."""

    def __init__(self, data, reports, *extra):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([sys.executable, SERVE, "--port", "0", "--data", data,
                                      "--reports", reports, "--interval", "1"] + list(extra),
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.port = self.bound_port()
        except BaseException:
            self.kill()
            raise

    def bound_port(self, timeout=30):
        """The port the server bound, read from the URL line it prints once it listens."""
        def printed():
            m = SERVING.search(self.output())
            if m is None and self.proc.poll() is not None:
                raise AssertionError("the server exited (%s) before listening: %s"
                                     % (self.proc.returncode, self.output()[-800:]))
            return m and int(m.group(1))
        port = wait_for(printed, timeout, 0.05)
        if not port:
            raise AssertionError("the server printed no URL after %ds: %s" % (timeout, self.output()[-800:]))
        return port

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def wait_rows(self, timeout=40):
        def ready():
            m = manifest(self.port)
            if m["refresh"]["last_error"] and not m.get("available"):
                raise AssertionError("the first refresh failed: %s" % m["refresh"]["last_error"])
            return m if m.get("rows") and "understanding" in m.get("available", []) else None
        m = wait_for(ready, timeout)
        if not m:
            raise AssertionError("the server had no reports after %ds: %s" % (timeout, self.output()[-800:]))
        return m

    def interrupt(self, timeout=15):
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.log.close()


def append_copy(data, n):
    """Append n existing data rows again (valid rows: the row count grows by exactly n)."""
    with open(data, encoding="utf-8") as f:
        rows = f.read().splitlines(True)[1:n + 1]
    with open(data, "a", encoding="utf-8") as f:
        f.writelines(rows)
    return len(rows)


class RunningServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="viewer-test-")
        cls.data = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=15, num_days=5, seed=1).write_csv(cls.data)
        cls.server = Server(cls.data, os.path.join(cls.tmp, "reports"))
        try:
            cls.server.wait_rows()
        except Exception:
            cls.tearDownClass()
            raise
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_only_its_own_host_names_dns_rebinding(self):
        for host in ("evil.example", "evil.example:%d" % self.port, "127.0.0.1.evil.example"):
            status, headers, _ = request(self.port, "/manifest.json", headers={"Host": host})
            self.assertEqual(status, 421, host)
            self.assertIn("content-security-policy", headers)
        for host in ("127.0.0.1:%d" % self.port, "localhost:%d" % self.port, "localhost", "[::1]:%d" % self.port):
            self.assertEqual(request(self.port, "/manifest.json", headers={"Host": host})[0], 200, host)

    def test_malformed_requests_get_headers_and_an_escaped_log_line(self):
        for raw, code in ((b"BLAH\r\n\r\n", b"400"), (b"GET / HTTP/9.9\r\n\r\n", b"505"),
                          (b"GET /\x1b[31mred HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"404")):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            try:
                s.sendall(raw)
                answer = s.recv(65536)
            finally:
                s.close()
            self.assertTrue(answer.startswith(b"HTTP/1.1 " + code), answer[:60])
            self.assertIn(b"X-Content-Type-Options: nosniff", answer)
            self.assertIn(b"Content-Security-Policy:", answer)
        self.assertTrue(wait_for(lambda: "\\x1b[31mred" in self.server.output(), 5))
        self.assertNotIn("\x1b", self.server.output())

    def test_routes(self):
        for path in ("/", "/viewer/index.html", "/reports/index.html", "/manifest.json", "/reports/understanding.html",
                     "/reports/features.html", "/manifest.json?t=1"):
            status, headers, body = request(self.port, path)
            self.assertEqual(status, 200, path)
            self.assertTrue(body, path)
        self.assertIn(b"id=\"frame\"", request(self.port, "/")[2])
        self.assertIn(b"</html>", request(self.port, "/reports/understanding.html")[2])
        m = manifest(self.port)
        for key in ("generated_at", "rows", "data_size_bytes", "data_size_bytes_now", "reports", "refresh"):
            self.assertIn(key, m)
        self.assertEqual(m["rows"], _count_rows(self.data))
        for key in ("running", "pending", "refreshes", "last_started", "last_finished", "last_error"):
            self.assertIn(key, m["refresh"])

    def test_traversal_and_unknown_paths_are_refused(self):
        for path in TRAVERSALS:
            status, headers, body = request(self.port, path)
            self.assertIn(status, (400, 404, 414), path[:60])
            self.assertNotIn(b"root:x:0", body)
            self.assertNotIn(b"import ", body)
            self.assertNotIn(b"timestamp,call_id", body)
            self.assertNotIn(b"<title>Index of", body, "a directory listing")

    def test_symlinked_report_is_not_followed(self):
        secret = os.path.join(self.tmp, "secret.txt")
        with open(secret, "w") as f:
            f.write("TOP SECRET")
        folder = tempfile.mkdtemp(dir=self.tmp)
        os.makedirs(os.path.join(folder, "html"))
        with open(os.path.join(folder, "html", "manifest.json"), "w") as f:
            f.write("{}")
        os.symlink(secret, os.path.join(folder, "html", "understanding.html"))
        store = ReportStore(folder)
        self.assertTrue(store.load())
        self.assertNotIn("understanding", store.pages)

    def test_methods(self):
        status, headers, body = request(self.port, "/manifest.json", "HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertGreater(int(headers["content-length"]), 0)
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status, headers, _ = request(self.port, "/manifest.json", method)
            self.assertEqual(status, 405, method)
            self.assertEqual(headers.get("allow"), "GET, HEAD", method)

    def test_headers(self):
        status, h, _ = request(self.port, "/manifest.json")
        self.assertEqual(h["content-type"], "application/json; charset=utf-8")
        self.assertEqual(h["cache-control"], "no-store")
        for path in ("/", "/reports/understanding.html", "/nope"):
            status, h, _ = request(self.port, path)
            self.assertEqual(h["content-type"], "text/html; charset=utf-8", path)
            self.assertEqual(h["x-content-type-options"], "nosniff", path)
            csp = h["content-security-policy"]
            self.assertIn("default-src 'none'", csp)
            self.assertIn("frame-ancestors 'self'", csp)
            self.assertNotIn("http", csp)
            self.assertNotIn("Python", h.get("server", ""))
        status, h, _ = request(self.port, "/reports/understanding.html")
        status, _, body = request(self.port, "/reports/understanding.html", headers={"If-None-Match": h["etag"]})
        self.assertEqual((status, body), (304, b""))

    def test_z_live_refresh_with_concurrent_clients(self):
        before = manifest(self.port)
        added = append_copy(self.data, 1500)
        errors, served, done = [], [], threading.Event()

        def client():
            k = 0
            while (k < 5 or not done.is_set()) and len(errors) < 10:
                k += 1
                try:
                    status, _, body = request(self.port, "/reports/understanding.html")
                    if status != 200 or not body.rstrip().endswith(b"</html>"):
                        errors.append("status %d, %d bytes" % (status, len(body)))
                except Exception as e:  # any failure to be served counts
                    errors.append(repr(e))
                served.append(1)
                time.sleep(0.05)
        threads = [threading.Thread(target=client) for _ in range(20)]
        for t in threads:
            t.start()
        try:
            after = wait_for(lambda: (lambda m: m if m["rows"] == before["rows"] + added else None)(manifest(self.port)),
                             30, 0.5)
        finally:
            done.set()
            for t in threads:
                t.join(30)
        self.assertEqual(errors, [])
        self.assertGreater(len(served), 100)
        self.assertTrue(after, "the manifest did not reach %d rows" % (before["rows"] + added))
        self.assertNotEqual(after["generated_at"] + str(after["refresh"]["refreshes"]),
                            before["generated_at"] + str(before["refresh"]["refreshes"]))
        self.assertGreater(after["data_size_bytes"], before["data_size_bytes"])
        # several appends in quick succession: refreshes are coalesced, the result covers every row
        start = after["refresh"]["refreshes"]
        total = after["rows"]
        for _ in range(6):
            total += append_copy(self.data, 50)
            time.sleep(0.15)
        final = wait_for(lambda: (lambda m: m if m["rows"] == total and not m["refresh"]["running"]
                                  and not m["refresh"]["pending"] else None)(manifest(self.port)), 30, 0.5)
        self.assertTrue(final, "rows did not reach %d" % total)
        self.assertLessEqual(final["refresh"]["refreshes"] - start, 3, "six appends within a second")

    def test_port_in_use(self):
        p = subprocess.run([sys.executable, SERVE, "--port", str(self.port), "--data", self.data,
                            "--reports", os.path.join(self.tmp, "other")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=20)
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn(str(self.port), lines[0])
        self.assertIn("--port", lines[0])


def _count_rows(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for _ in f) - 1


class Refresher(unittest.TestCase):
    def test_requests_during_a_refresh_are_coalesced(self):
        gate, runs = threading.Event(), []

        def job():
            runs.append(time.time())
            gate.wait(10)
            return None
        r = ViewerRefresher(job)
        r.start()
        try:
            r.request()
            self.assertTrue(wait_for(lambda: r.status()["running"], 5, 0.01))
            for _ in range(10):
                r.request()
            self.assertTrue(r.status()["pending"])
            gate.set()
            self.assertTrue(wait_for(lambda: r.idle() and r.status()["refreshes"] == 2, 5, 0.01))
            time.sleep(0.2)
            self.assertEqual(len(runs), 2)
        finally:
            gate.set()
            r.stop()

    def test_a_failing_refresh_is_reported_and_counted(self):
        r = ViewerRefresher(lambda: "the analyzers failed (exit 2): bad header")
        r.start()
        try:
            r.request()
            st = wait_for(lambda: (lambda s: s if s["refreshes"] == 1 and not s["running"] else None)(r.status()), 5, 0.01)
            self.assertEqual(st["last_error"], "the analyzers failed (exit 2): bad header")
            self.assertEqual(st["failures"], 1)
        finally:
            r.stop()


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="viewer-test-")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_failed_refresh_keeps_last_reports_then_ctrl_c(self):
        data = os.path.join(self.tmp, "calls.csv")
        AICallSimulator(num_customers=5, num_days=2, seed=2).write_csv(data)
        self.server = Server(data, os.path.join(self.tmp, "reports"))
        good = self.server.wait_rows()
        with open(data, "w") as f:
            f.write("this,is,not,our,header\n1,2,3,4,5\n")
        m = wait_for(lambda: (lambda m: m if m["refresh"]["last_error"] else None)(manifest(self.server.port)), 20)
        self.assertTrue(m, "a refresh over a bad file did not report an error")
        self.assertEqual(m["rows"], good["rows"])
        self.assertEqual(request(self.server.port, "/reports/understanding.html")[0], 200)
        self.assertEqual(self.server.interrupt(), 0)
        out = self.server.output()
        self.assertNotIn("Traceback", out)
        self.assertIn("refresh failed", out)
        self.assertIn("http://127.0.0.1:%d/" % self.server.port, out)
        self.assertLessEqual(sum(1 for line in out.splitlines() if "manifest.json" in line), 1, "polls are not logged")

    def test_help_documents_port_0(self):
        p = subprocess.run([sys.executable, SERVE, "--help"], cwd=self.tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=20)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        self.assertIn("--port", p.stdout)
        self.assertIn("0 picks a free one", " ".join(p.stdout.split()))

    def test_missing_data_without_demo_is_a_clear_error(self):
        p = subprocess.run([sys.executable, SERVE, "--data", os.path.join(self.tmp, "none.csv"), "--port", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=20)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("--demo", p.stderr)

    def test_demo_creates_data_and_keeps_it_growing(self):
        data = os.path.join(self.tmp, "demo", "calls.csv")
        self.server = Server(data, os.path.join(self.tmp, "reports"), "--demo", "--target-mb", "7")
        first = self.server.wait_rows(60)
        later = wait_for(lambda: (lambda m: m if m["rows"] > first["rows"] else None)(manifest(self.server.port)), 40, 0.5)
        self.assertTrue(later, "the demo's rows did not grow: %s" % self.server.output()[-600:])
        self.assertEqual(later["target_size_bytes"], 7000000)
        self.assertIn(self.server.interrupt(), (0, 130))
        self.assertNotIn("Traceback", self.server.output())
        self.assertFalse(os.path.exists(data + ".demo.tmp"), "the demo's staging file was left behind")
        with open(data, "rb") as f:
            f.seek(-1, os.SEEK_END)
            self.assertEqual(f.read(), b"\n", "the data file must end with a complete row")


if __name__ == "__main__":
    unittest.main()
