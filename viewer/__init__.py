"""The live viewer's package: `python3 viewer/serve.py` (the command) and the parts it is built from.

    serve.py      the command: flags, binding the port, start and orderly stop
    httpd.py      the HTTP server and handler: allow-listed URLs, security headers, conditional GETs
    live.py       the server's state: watches the data file, runs one refresh, builds the live manifest
    store.py      the reports held in memory, swapped in whole after each refresh
    refresher.py  one background refresh at a time, requests made meanwhile coalesced
    children.py   the subprocesses the server started, stopped together at shutdown
    demo.py       --demo: a first small data set, then the continuous generator at a pace a person can watch
    common.py     the log line and the clock

Importing the package puts src/ on sys.path: the viewer lives beside src/, not in it.
"""
import os
import sys

VIEWER_DIR = os.path.dirname(os.path.realpath(__file__))
REPO_DIR = os.path.dirname(VIEWER_DIR)
SRC_DIR = os.path.join(REPO_DIR, "src")
if SRC_DIR not in sys.path:
    sys.path.insert(0, SRC_DIR)
