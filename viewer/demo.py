"""`--demo`: a first small data set when there is none, then the continuous generator grows the data file towards
the target at a pace a person can watch, while the server refreshes the reports. See specs/workflows.md."""
import os
import threading
import time
from typing import Optional, Tuple

from viewer import SRC_DIR
from viewer.children import last_line
from viewer.common import log
from viewer.live import Viewer

SIMULATE = os.path.join(SRC_DIR, "simulator", "core.py")
GENERATE = os.path.join(SRC_DIR, "run_all_simulators.py")
DEMO_TARGET_MB = 50.0
DEMO_SECONDS = 150.0   # the demo's generator reaches its target in about this time: fast enough to see, slow enough to watch
DEMO_STEP_SECONDS = 2.0


def start_demo(viewer: Viewer, stop: threading.Event, interval: float) -> threading.Thread:
    """Start the demo in a background thread; the serve loop's first look at the data file waits one interval."""
    viewer.demo = {"running": True, "state": "starting", "target_size_bytes": viewer.target_bytes}
    demo = threading.Thread(target=demo_thread, args=(viewer, stop), name="demo", daemon=True)
    demo.start()
    viewer.next_check = time.time() + interval
    return demo


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
        _append_in_steps(staging, len(header) + len(last), viewer.data, step, stop)
    finally:
        _remove(staging)
    if not stop.is_set():
        viewer.demo["state"] = "done: the data file reached the target"
        log("demo: the data file reached %.1f MB" % (os.path.getsize(viewer.data) / 1e6))
    return None


def _append_in_steps(staging: str, skip: int, data: str, step: int, stop: threading.Event) -> None:
    """Append the staging file, after its first `skip` bytes, to the data file: about `step` bytes of whole lines
    every DEMO_STEP_SECONDS seconds, until done or stopped."""
    with open(staging, "rb") as src, open(data, "ab") as dst:
        src.seek(skip)
        while not stop.is_set():
            block = src.read(step)
            if not block:
                break
            rest = src.readline()  # whole lines only: a reader never sees a partial row for long
            dst.write(block + rest)
            dst.flush()
            stop.wait(DEMO_STEP_SECONDS)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


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
