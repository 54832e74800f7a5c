"""On-disk cache of generated modules, keyed by content.

Generated source is written to ``<cache>/nwb_<hash>.py`` and imported with
importlib, so Numba's ``cache=True`` has a real file to key its machine-code
cache on (numba cannot cache functions built by ``exec``). The hash covers the
source text and the versions of Python, Numba and the engine's static kernels,
so anything that changes the machine code changes the file name. Writes are
atomic (temporary file + rename), so parallel processes (parallel_run, dask
workers) never see half a file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType

import numba

__all__ = ["cache_dir", "load_source", "source_key"]


def cache_dir() -> Path:
    """Folder of generated code: ``$NEUROWORKBENCH_CACHE_DIR``, else the XDG cache."""
    env = os.environ.get("NEUROWORKBENCH_CACHE_DIR")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        path = Path(base) / "neuroworkbench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _static_fingerprint() -> str:
    """Hash of the engine's static kernel modules that generated code imports."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("rng.py", "jit.py", "intrinsics.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


_STATIC = None
_LOCK = threading.RLock()  # one import at a time: sys.modules must never hold half a module


def source_key(source: str) -> str:
    global _STATIC
    if _STATIC is None:
        _STATIC = _static_fingerprint()
    h = hashlib.sha256()
    for part in (source, numba.__version__, sys.version, _STATIC):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def load_source(source: str) -> tuple[ModuleType, Path]:
    """Write ``source`` to the cache (if new) and import it as a module."""
    with _LOCK:
        return _load_locked(source)


def _load_locked(source: str) -> tuple[ModuleType, Path]:
    key = source_key(source)
    modname = f"nwb_{key}"
    if modname in sys.modules:
        mod = sys.modules[modname]
        return mod, Path(mod.__file__)
    folder = cache_dir()
    path = folder / f"{modname}.py"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    return mod, path
