"""What the showcase's tests share: paths, temporary folders, small files, commands, a collector in a thread.

Import it before any project module: like the scripts' bootstrap, it puts src/ and showcase/ on sys.path.
Servers bind port 0 and the tests read the port the system gave them; an endpoint that must be down is a socket
bound but never listening, held for the whole test, so no other server can take its port in the meantime.
"""
import contextlib
import csv
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest
from typing import Any, Dict, Iterator, List, Optional, Tuple

HERE = os.path.dirname(os.path.realpath(__file__))
SHOWCASE = os.path.dirname(HERE)
REPO = os.path.dirname(SHOWCASE)
SRC = os.path.join(REPO, "src")
sys.path[:0] = [p for p in (SRC, SHOWCASE) if p not in sys.path]


def new_temp_dir(prefix: str = "showcase-") -> str:
    """A fresh folder; the caller removes it with remove_dir()."""
    return tempfile.mkdtemp(prefix=prefix)


def remove_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


class TempDirCase(unittest.TestCase):
    """A test case with `self.tmp`: a fresh folder for each test, removed after it."""
    tmp_prefix = "showcase-"

    def setUp(self) -> None:
        self.tmp = new_temp_dir(self.tmp_prefix)
        self.addCleanup(remove_dir, self.tmp)

    def path(self, name: str) -> str:
        return os.path.join(self.tmp, name)


def write(path: str, text: str) -> str:
    """Write `text` (UTF-8) to `path`; returns the path."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def read_rows(path: str) -> List[Dict[str, str]]:
    """The rows of a CSV file, as dictionaries."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def run(*args: str, timeout: float = 120, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Run `python3 ARGS...` from the repository root, as a user would; output captured as text."""
    full_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    return subprocess.run([sys.executable] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout, cwd=REPO, env=full_env)


def request(port: int, method: str, path: str, body: Any = None,
            headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
    """One HTTP request to 127.0.0.1:port; (status, the JSON answer). The answer is read in full before the
    connection closes (closing with unread data would reset the connection under the server)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        c.request(method, path, body=data, headers=headers or {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read().decode("utf-8"))
    finally:
        c.close()


class Collector(object):
    """A real local collector on port 0, serving in a thread until stop()."""

    def __init__(self, output: str) -> None:
        from instrumentation.collector_server import serve
        self.output = output
        self.server = serve("127.0.0.1", 0, output, quiet=True)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and close the port (again: nothing)."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(5)
        self.server.server_close()

    def post(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
        return request(self.port, "POST", path, body, headers)

    def rows(self) -> List[Dict[str, str]]:
        return read_rows(self.output)


@contextlib.contextmanager
def dead_endpoint() -> Iterator[str]:
    """The URL of a port where nothing listens, for the duration of the block: connections are refused."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))  # bound, never listening: the port is ours and refuses every connection
        yield "http://127.0.0.1:%d" % s.getsockname()[1]
    finally:
        s.close()
