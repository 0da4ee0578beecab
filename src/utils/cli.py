"""Command-line plumbing shared by every script: one-line errors, exit codes, quiet Ctrl+C."""
import argparse
import sys
from typing import Callable, List, Optional

from utils.errors import ShowcaseError


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (what is wrong, and --help) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, "%s: error: %s (see --help)\n" % (self.prog, message))


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, got %d" % value)
    return value


def positive_float(text: str) -> float:
    """argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number, got %s" % text)
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be zero or more, got %s" % text)
    return value


def run_main(main: Callable[[Optional[List[str]]], int], argv: Optional[List[str]] = None) -> int:
    """Run a script's main: a ShowcaseError becomes one stderr line and exit 2; Ctrl+C exits 130 quietly."""
    prog = (sys.argv[0].replace("\\", "/").split("/")[-1]) if sys.argv and sys.argv[0] else "command"
    try:
        return main(argv)
    except ShowcaseError as e:
        sys.stderr.write("%s: error: %s\n" % (prog, e))
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\n%s: interrupted\n" % prog)
        return 130
    except BrokenPipeError:  # e.g. `... | head`: not an error of ours
        return 0
