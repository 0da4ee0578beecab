"""What `--data` names, as files to read, and the plan that splits them into parts any engine can fold.

    sources = resolve("src/data/daily/")             # a file, a folder, a glob, or a URL (fsspec)
    parts = plan(sources, workers=4)                  # [Part(source, header, start, end, final)], in plan order
    result = fold(parts[0]); result.merge(fold(parts[1])) ...      (engine/fold.py)

- A **file**: plain CSV or gzip (told by its first two bytes, whatever its name).
- A **folder**: its `*.csv` and `*.csv.gz` files (not its subfolders), in name order.
- A **glob** (`*`, `?` or `[` in the path): the files it matches, in path order.
- A **URL** (`s3://bucket/calls/*.csv.gz`, `gs://...`, any fsspec protocol): the same three forms on remote
  storage, through fsspec when it is installed (`--storage-options` JSON: endpoint, profile, credentials). Only a
  URL imports fsspec; the default path needs nothing but Python.

Each file keeps its own header (files may order their columns differently). A plain file is split into byte ranges
at record starts when it is large next to the whole input; a gzip file is one part (it can only be read from its
start). The plan's order is the sources' order, then the byte order inside each file: merging results in that order
gives the same examples of skipped rows as one pass.
"""
import glob
import os
import re
import zlib
from collections import namedtuple
from typing import Any, BinaryIO, Dict, List, Optional, Sequence, Tuple

from utils.errors import ConfigError, DataFileError
from utils.paths import GENERATE_COMMAND

INSTALL_REMOTE = 'pip install "dask[distributed]" s3fs'
MIN_SPLIT_BYTES = 1 << 20  # a plain file smaller than this is one part, whatever the number of workers
_GLOB = frozenset("*?[")


class Source(namedtuple("Source", "name path compressed size mtime_ns fs")):
    """One input file: `name` as reports show it (the path as given, or the URL), the path to open, gzip or not,
    its size on disk, its modification time (0 when unknown), and the fsspec filesystem for a remote file (None
    for a local one; picklable, so a part can be sent to another machine)."""
    __slots__ = ()


Part = namedtuple("Part", "source header start end final")
Part.__doc__ = ("Bytes [start, end) of a source's CSV text (decompressed for gzip; end None: to the end), read with "
                "`header`; `final`: the end is the end of the data, so an unterminated last record is folded too.")


def is_url(spec: str) -> bool:
    """Whether `spec` is a URL (protocol://...), read through fsspec."""
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", spec) is not None


def resolve(spec: str, storage_options: Optional[Dict[str, Any]] = None) -> List[Source]:
    """The files `spec` names, in plan order. DataFileError when it names none."""
    if is_url(spec):
        return _remote(spec, storage_options or {})
    if storage_options is not None:
        raise ConfigError("--storage-options is for remote data (a URL such as s3://bucket/calls/); %s is local"
                          % spec)
    if any(c in _GLOB for c in spec):
        paths = sorted(p for p in glob.glob(spec) if os.path.isfile(p))
        if not paths:
            raise DataFileError("no file matches %s; check the pattern (quote it so the shell leaves it alone)"
                                % spec)
    elif os.path.isdir(spec):
        paths = [os.path.join(spec, n) for n in sorted(os.listdir(spec)) if n.endswith((".csv", ".csv.gz"))
                 and os.path.isfile(os.path.join(spec, n))]
        if not paths:
            raise DataFileError("the folder %s holds no *.csv or *.csv.gz file; put the data files there or pass "
                                "--data FILE" % spec)
    elif os.path.exists(spec):
        paths = [spec]
    else:
        raise DataFileError("data file %s does not exist; create it with `%s` (or pass --data PATH)"
                            % (spec, GENERATE_COMMAND))
    return [_local(p) for p in paths]


def _local(path: str) -> Source:
    try:
        st = os.stat(path)
        with open(path, "rb") as f:
            magic = f.read(2)
    except OSError as e:
        raise DataFileError("cannot read %s: %s" % (path, e.strerror or e))
    return Source(path, os.path.abspath(path), magic == b"\x1f\x8b", st.st_size, st.st_mtime_ns, None)


def _remote(url: str, options: Dict[str, Any]) -> List[Source]:
    try:
        from fsspec.core import url_to_fs  # only for a URL: the default path needs nothing but Python
        fs, path = url_to_fs(url, **options)
    except ImportError as e:
        raise ConfigError("reading %s needs fsspec and the filesystem for it (%s): %s" % (
            url, str(e).split("\n")[0][:120], INSTALL_REMOTE))
    except Exception as e:  # a bad option, an unknown protocol: one line, not a traceback
        raise ConfigError("cannot open %s: %s" % (url, str(e).split("\n")[0][:200]))
    try:
        if any(c in _GLOB for c in path):
            found = sorted(fs.glob(path))
        elif fs.isdir(path):
            found = sorted(p for p in fs.ls(path, detail=False) if p.endswith((".csv", ".csv.gz")))
        else:
            found = [path] if fs.exists(path) else []
        infos = [fs.info(p) for p in found]
    except Exception as e:
        raise DataFileError("cannot list %s: %s" % (url, str(e).split("\n")[0][:200]))
    files = [(p, i) for p, i in zip(found, infos) if i.get("type", "file") == "file"]
    if not files:
        raise DataFileError("no data file at %s (expected a CSV, a .csv.gz, a folder of them or a glob)" % url)
    return [Source(fs.unstrip_protocol(p), p, p.endswith(".gz"), int(i.get("size") or 0), 0, fs)
            for p, i in files]


def open_source(source: Source) -> BinaryIO:
    """The source's CSV bytes as a binary stream (decompressed for gzip), positioned at 0: the default opener."""
    raw = source.fs.open(source.path, "rb") if source.fs is not None else open(source.path, "rb")
    return GzipStream(raw) if source.compressed else raw  # type: ignore[return-value]


class GzipStream(object):
    """The decompressed bytes of a gzip file (one member or several, as `cat a.gz b.gz` makes), read forward.
    Unlike gzip.GzipFile, a file cut short gives every byte that decompresses, then ends with `cut_short` set, so
    the reader keeps those rows and counts the rest (a .gz still being written, or broken)."""
    RAW = 1 << 18

    def __init__(self, raw) -> None:
        self.raw, self.pos, self.cut_short = raw, 0, False
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._buf, self._done = b"", False

    def _fill(self, want: int) -> None:
        while len(self._buf) < want and not self._done:
            if self._z.eof:  # a member ended: the next one, if any
                data = self._z.unused_data or self.raw.read(self.RAW)
                if not data:
                    self._done = True  # a clean end
                    break
                self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                data = self.raw.read(self.RAW)
                if not data:
                    self._done = self.cut_short = True  # the file ends inside a member
                    break
            try:
                self._buf += self._z.decompress(data)
            except zlib.error:
                self._done = self.cut_short = True

    def read(self, n: int = -1) -> bytes:
        self._fill(n if n >= 0 else 1 << 62)
        out, self._buf = (self._buf, b"") if n < 0 else (self._buf[:n], self._buf[n:])
        self.pos += len(out)
        return out

    def seek(self, offset: int) -> int:
        """Forward only (parts of a gzip file start at its header's end)."""
        while self.pos < offset:
            if not self.read(min(offset - self.pos, 1 << 22)):
                break
        return self.pos

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> "GzipStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def plan(sources: Sequence[Source], headers: Sequence[Any], workers: int = 1, final: bool = True) -> List[Part]:
    """Parts of every source with a header, in plan order. A plain local file larger than its share of the
    input (total / workers) is cut at record starts into ranges of about that share."""
    from analyzers.engine.ranges import line_starts  # ranges reads bytes; this module only names them
    total = sum(s.size for s in sources) or 1
    share = max(MIN_SPLIT_BYTES, total // max(1, workers))
    parts = []  # type: List[Part]
    for src, header in zip(sources, headers):
        if header is None:  # empty or header-only
            continue
        n = -(-src.size // share)
        if workers > 1 and n > 1 and not src.compressed and src.fs is None:
            bounds = line_starts(src.path, header.data_offset, n, src.size)
            parts.extend(Part(src, header, a, b, final or b < src.size) for a, b in zip(bounds, bounds[1:]))
        else:
            parts.append(Part(src, header, header.data_offset, None if src.compressed else src.size,
                              final or src.compressed))  # a gzip file is whole: its last record is final
    return parts


def stamp(spec: str, storage_options: Optional[Dict[str, Any]] = None) -> Optional[Tuple[int, tuple]]:
    """(bytes on disk, a signature of every file's name, size and time) of what `spec` names, or None when it
    names nothing yet: what the viewer watches to know when to refresh."""
    try:
        sources = resolve(spec, storage_options)
    except (DataFileError, ConfigError):
        return None
    return sum(s.size for s in sources), tuple((s.name, s.size, s.mtime_ns) for s in sources)


def describe(sources: Sequence[Source]) -> str:
    """How the summary line names the input: the file, or how many files and their size."""
    if len(sources) == 1:
        return sources[0].name
    gz = sum(1 for s in sources if s.compressed)
    return "%d files (%s%.1f MB)" % (len(sources), "%d gzip, " % gz if gz else "",
                                     sum(s.size for s in sources) / 1e6)
