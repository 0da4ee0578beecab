"""The viewer's log line and clock, shared by every part of the server."""
import sys
import time

from utils.timeutil import iso


def log(message: str) -> None:
    """One line on stderr, with the time: the server's whole log."""
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


def now_iso() -> str:
    return iso(int(time.time()))
