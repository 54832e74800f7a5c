"""On-disk cache of generated modules, keyed by content.

Generated source is written to ``<cache>/nwb_<hash>.py`` and imported with
importlib, so Numba's ``cache=True`` has a real file to key its machine-code
cache on (numba cannot cache functions built by ``exec``). The hash covers the
source text and the versions of Python, Numba and the engine's static kernels,
so anything that changes the machine code changes the file name. Writes are
atomic (temporary file + rename), so parallel processes (parallel_run, dask
workers) never see half a file.

The cache is not trusted: a file whose text is not exactly the source it is
named after (edited, truncated, emptied) is written again before it is
imported, which also invalidates Numba's machine code for it (Numba keys that
on the file's time stamp and size). A folder that cannot be written (read
only, or under a regular file) is replaced by a private temporary folder, with
one warning.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from types import ModuleType

import numba

__all__ = ["cache_dir", "load_source", "source_key"]


_FALLBACK: dict[str, Path] = {}   # unwritable folder -> the private one used instead
_USABLE: set[str] = set()          # folders found writable in this process


def cache_dir() -> Path:
    """Folder of generated code: ``$NEUROWORKBENCH_CACHE_DIR``, else the XDG cache
    (or a private temporary folder when that one cannot be written)."""
    env = os.environ.get("NEUROWORKBENCH_CACHE_DIR")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        path = Path(base) / "neuroworkbench"
    fallback = _FALLBACK.get(str(path))
    if fallback is not None:
        return fallback
    if str(path) in _USABLE and path.is_dir():
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, suffix=".probe", delete=True)
        probe.close()
        _USABLE.add(str(path))
        return path
    except OSError as exc:
        fallback = Path(tempfile.mkdtemp(prefix="neuroworkbench-cache-"))
        _FALLBACK[str(path)] = fallback
        warnings.warn(f"the code cache folder {path} cannot be used ({exc.strerror or exc}); "
                      f"compiled code goes to {fallback} for this process (set "
                      "NEUROWORKBENCH_CACHE_DIR to a writable folder to keep it)",
                      RuntimeWarning, stacklevel=2)
        return fallback


def _static_fingerprint() -> str:
    """Hash of the engine's static kernel modules that generated code imports."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("rng.py", "jit.py", "intrinsics.py", "kernel_abi.py"):
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


def _write_if_needed(path: Path, source: str, warn: bool) -> None:
    """Make ``path`` hold exactly ``source`` (atomic write)."""
    try:
        intact = path.read_text(encoding="utf-8") == source
    except (OSError, UnicodeDecodeError):
        intact = False
    if intact:
        return
    if warn and path.exists():
        warnings.warn(f"cached module {path.name} did not hold the code it is named after "
                      "(edited or damaged); it was written again", RuntimeWarning, stacklevel=4)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(source)
    os.replace(tmp, path)


def load_source(source: str) -> tuple[ModuleType, Path]:
    """Write ``source`` to the cache (if new) and import it as a module."""
    with _LOCK:
        return _load_locked(source)


def _load_locked(source: str) -> tuple[ModuleType, Path]:
    key = source_key(source)
    modname = f"nwb_{key}"
    folder = cache_dir()
    path = folder / f"{modname}.py"
    if modname in sys.modules:
        # already imported (perhaps from another cache folder): the current
        # folder still gets the file, so it holds the code of every network
        _write_if_needed(path, source, warn=False)
        return sys.modules[modname], path
    _write_if_needed(path, source, warn=True)
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    return mod, path
