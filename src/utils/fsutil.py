"""Atomic file writing: a reader never sees a half-written file."""
import io
import os
import tempfile
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def atomic_open(path: str, mode: str = "w", encoding: str = "utf-8", newline: str = "") -> Iterator[io.IOBase]:
    """Open a temporary file beside `path`; on success rename it over `path`, on failure delete it."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        if "b" in mode:
            f = os.fdopen(fd, mode)
        else:
            f = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        with f:
            yield f
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text(path: str, text: str) -> None:
    """Write `text` to `path` atomically (UTF-8)."""
    with atomic_open(path, "w") as f:
        f.write(text)


def check_writable(path: str, what: str = "output") -> None:
    """Raise ConfigError early when `path` cannot be created (missing folder we cannot make, read-only place)."""
    from utils.errors import ConfigError
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise ConfigError("%s path %s is a folder; give a file name" % (what, path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise ConfigError("cannot create the folder for %s %s: %s" % (what, path, e.strerror or e))
    if not os.access(folder, os.W_OK):
        raise ConfigError("cannot write %s %s: folder %s is not writable" % (what, path, folder))
