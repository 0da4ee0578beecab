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

`--port 0` binds a free port; the "Serving the reports viewer at URL" line shows the port actually bound.
This file is the command; the server's parts are the modules beside it (see viewer/__init__.py).
"""
if __name__ == "__main__" and not __package__:  # run as a script: make the viewer package (and src/) importable
    import os, sys; sys.path[0] = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # noqa: E401,E702

import argparse
import errno
import os
import signal
import sys
import threading
from typing import List, Optional

from viewer.common import log  # the viewer package first: importing it puts src/ on sys.path
from viewer.demo import DEMO_TARGET_MB, start_demo
from viewer.httpd import Server
from viewer.live import Viewer
from analyzers.engine.inputs import stamp
from utils.cli import ArgumentParser, positive_float, run_main
from utils.errors import ConfigError
from utils.paths import DEFAULT_DATA, DEFAULT_REPORTS


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
    p.add_argument("--data", default=DEFAULT_DATA, help="the data to watch: a CSV, a folder of daily .csv/.csv.gz files or a glob "
                        "(default src/data/simulated_calls.csv)")
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


def make_viewer(args: argparse.Namespace) -> Viewer:
    """The server's state from the flags; a missing data file without --demo is a one-line error."""
    data, reports = os.path.abspath(args.data), os.path.abspath(args.reports)
    if not args.demo and stamp(data) is None:  # a file, a folder of daily files or a glob (engine/inputs)
        raise ConfigError("no data file at %s; create one with `python3 src/simulator/core.py`, or run "
                          "`python3 viewer/serve.py --demo` to generate data and watch it live" % args.data)
    if args.demo and not os.path.isfile(data) and stamp(data) is not None:
        raise ConfigError("--demo generates one CSV file, and %s is a folder or a glob: pass --data FILE.csv, or "
                          "serve the folder without --demo" % args.data)
    target_mb = args.target_mb or (DEMO_TARGET_MB if args.demo else None)
    return Viewer(data, reports, args.interval, int(target_mb * 1e6) if target_mb else None)


def start(args: argparse.Namespace, viewer: Viewer, stop: threading.Event) -> Optional[threading.Thread]:
    """Load the last reports, start the refresher, and the demo or a first refresh; the demo's thread, if any."""
    viewer.store.load()  # the last reports, if any, are served while the first refresh runs
    viewer.refresher.start()
    if args.demo:
        return start_demo(viewer, stop, args.interval)
    viewer.seen = viewer.data_stamp()
    viewer.refresher.request()  # reports from an older file, options or code are brought up to date
    return None


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    viewer = make_viewer(args)
    server = bind(args.host, args.port, viewer)
    stop = threading.Event()
    demo = None  # type: Optional[threading.Thread]
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background (SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: _interrupt())
    try:
        demo = start(args, viewer, stop)
        port = server.server_address[1]  # the port actually bound: --port 0 picks one
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
