"""`--engine dask`: the same fold over the same plan, scheduled by Dask distributed. Imported only when asked for.

    python3 src/run_all_analyzers.py --engine dask --data 'logs/*.csv.gz'                 # a local cluster
    python3 src/run_all_analyzers.py --engine dask --scheduler tcp://HOST:8786 --data ...  # a running cluster

Without --scheduler a LocalCluster of --workers processes (default: the CPU count), one thread each, is started
and stopped with the run. With --scheduler the cluster is someone else's: the code reaches its workers as a zip of
src/ sent with `Client.upload_file` (the price catalog and the report templates load from a zip, so nothing needs
installing there), and the data must be where the workers can open it: a shared path, or a URL (s3://...) that
they open with fsspec. Each part (engine/inputs.Part) is one task running engine/fold.fold; the results come
back in plan order and are merged here, as the local engine merges them, so the reports are the same.
"""
import os
import tempfile
import zipfile
from typing import Any, List, Optional, Tuple

from analyzers.engine.fold import PassResult, fold
from analyzers.engine.inputs import INSTALL_REMOTE, Part
from analyzers.passes import merge_in_order
from utils.errors import ConfigError
from utils.paths import SRC_DIR

PACKAGES = ("analyzers", "importers", "pricing", "simulator", "utils")  # what a worker may import, zipped


def _distributed():
    try:
        import distributed  # only for --engine dask: the default path needs nothing but Python
    except ImportError:
        raise ConfigError("--engine dask needs Dask: %s (or run without --engine dask)" % INSTALL_REMOTE)
    return distributed


def code_zip(folder: str) -> str:
    """A zip of the packages of src/ (Python files and package resources, no tests), written into `folder`."""
    path = os.path.join(folder, "revenium_showcase_src.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for package in PACKAGES:
            root = os.path.join(SRC_DIR, package)
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", "tests"))
                for name in sorted(filenames):
                    if not name.endswith((".pyc", ".pyo")):
                        full = os.path.join(dirpath, name)
                        z.write(full, os.path.relpath(full, SRC_DIR))
    return path


class DaskEngine(object):
    """Folds the parts on a Dask cluster (a local one, or the one at `scheduler`)."""

    def __init__(self, workers: int = 0, scheduler: Optional[str] = None) -> None:
        distributed = _distributed()
        self.cluster = None  # type: Any
        try:
            if scheduler:
                self.client = distributed.Client(scheduler, timeout="20s")
            else:
                self.cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                                        threads_per_worker=1, processes=True,
                                                        dashboard_address=None)
                self.client = distributed.Client(self.cluster)
        except (OSError, TimeoutError) as e:
            raise ConfigError("cannot reach the Dask scheduler %s: %s; start one with `dask scheduler` and workers "
                              "with `dask worker %s`" % (scheduler or "(local)", str(e).split("\n")[0][:160],
                                                          scheduler or "tcp://HOST:8786"))
        if scheduler:  # workers elsewhere have none of our code: send it the cluster's own way
            with tempfile.TemporaryDirectory(prefix="showcase-dask-") as tmp:
                self.client.upload_file(code_zip(tmp))

    def read(self, parts: List[Part], full: bool) -> Tuple[PassResult, List[int]]:
        """Fold every part as one task; merge the results here, in plan order, as they are needed."""
        if not parts:
            return merge_in_order([])
        futures = self.client.map(fold, parts, pure=False)
        return merge_in_order(_results(futures))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _results(futures):
    """The futures' results in order, each released once taken (the client holds one result at a time)."""
    for i, f in enumerate(futures):
        yield f.result()
        futures[i] = None
        f.release()
