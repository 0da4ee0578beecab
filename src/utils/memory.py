"""Memory: the cyclic garbage collector paused while big acyclic structures are built, and one clear line when the
data holds more groups than the machine's memory.

The cube and the reports are dicts, lists and tuples of numbers and strings, never in a reference cycle, so the
collector finds nothing in them; but every collection walks all of them, so with it running a pass over many groups
(300,000 cells at 100,000 customers) slows down several times over.
"""
import contextlib
import gc
from typing import Iterator

from utils.errors import OutOfMemory

HOW_TO_FIX = ("run it on a machine with more memory, or with fewer distinct customer ids (an import can take "
              "customer_id from an account field: --customer-from)")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (restored after it, as it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def out_of_memory(what: str) -> OutOfMemory:
    """The one-line error for a MemoryError while doing `what`."""
    return OutOfMemory("not enough memory to %s: %s" % (what, HOW_TO_FIX))
