"""The process supervisor: the subprocesses the server starts (analyzers, simulators), stopped together."""
import signal
import subprocess
import sys
import threading
import time
from typing import List, Optional, Tuple

from viewer import REPO_DIR


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


def last_line(text: str) -> str:
    """The last non-blank line of a child's output (at most 500 characters): its error message, usually."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:500] if lines else ""
