"""A network's compiled kernels and the argument table that feeds them.

:func:`engine.codegen.network_code.generate_network_code` writes one small
module per kernel; here each is loaded through the on-disk cache
(:func:`engine.codegen.cache.load_source`, keyed by its text: two
populations of one model share one module), compiled for the one kernel
signature (:data:`engine.codegen.kernel_abi.KERNEL_SIGNATURE`, or loaded
from Numba's cache) and called by the generic driver
(:func:`engine.codegen.driver.run`) through its address.

The argument table holds raw addresses of numpy arrays, so this module
checks every array against the dtype, number of dimensions and layout its
kernel was written for before a call: a mismatch raises
:class:`KernelMismatch` (the network regenerates the kernels) instead of
letting compiled code read memory as the wrong type.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from engine.codegen.cache import load_source
from engine.codegen.driver import run as _run_driver
from engine.codegen.kernel_abi import KERNEL_SIGNATURE, SLOTS_PER_ARRAY
from engine.codegen.network_code import ROLE_BODY, GeneratedCode, Kernel

__all__ = ["CompiledKernels", "KernelMismatch", "compile_kernel", "compile_files",
           "terminal_progress"]

#: with this many kernels to compile (not cached), a second process compiles
#: some of them meanwhile (it starts in about 2 s: import, Numba's set-up)
HELPER_MIN_KERNELS = 5
#: seconds a helper process's start costs, in units of an average kernel
_HELPER_START_KERNELS = 2.5

log = logging.getLogger("engine.compile")
_driver_checked = False   # the driver loaded (or compiled) once in this process


def terminal_progress(total: int):
    """A tqdm bar on a terminal's stderr that appears only after a second
    (cached kernels load faster than that), else None."""
    import sys

    if total < 2 or not getattr(sys.stderr, "isatty", lambda: False)():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="compiling kernels", unit="kernel", delay=1.0,
                leave=False, file=sys.stderr)


class KernelMismatch(Exception):
    """An array no longer has the type its kernel was compiled for."""


def compile_kernel(kernel: Kernel):
    """``(dispatcher, address, path, how, seconds)`` of one kernel; ``how``:
    ``'memory'`` (already in this process), ``'disk'`` (machine code from
    Numba's cache) or ``'compiled'``."""
    t0 = time.perf_counter()
    module, path = load_source(kernel.source)
    fn = module.kernel
    sig = KERNEL_SIGNATURE.args
    how = "memory"
    if sig not in fn.overloads:
        misses = fn._cache_misses[sig]
        try:
            fn.compile(sig)
        except Exception:
            # a damaged Numba cache (index or data) fails every later run:
            # empty this kernel's index and compile it again; a real
            # compile error fails again and is raised
            fn._cache.flush()
            log.warning("the machine-code cache of %s was unreadable; compiled again",
                        Path(module.__file__).name)
            fn.compile(sig)
        how = "compiled" if fn._cache_misses[sig] > misses else "disk"
    cres = fn.overloads[sig]
    address = cres.library.get_pointer_to_function(cres.fndesc.llvm_cfunc_wrapper_name)
    return fn, int(address), path, how, time.perf_counter() - t0


class _Binding:
    """The arrays of a list of kernels, laid out in one argument table."""

    def __init__(self, kernels: list[Kernel]):
        self.names: list[str] = []
        self.expected: list[tuple[np.dtype, int]] = []
        self.bases = np.zeros(len(kernels), dtype=np.int64)
        for n, k in enumerate(kernels):
            self.bases[n] = SLOTS_PER_ARRAY * len(self.names)
            self.names += list(k.args)
            self.expected += [(np.dtype(d), nd) for d, nd in k.dtypes]
        self.table = np.zeros(SLOTS_PER_ARRAY * max(1, len(self.names)), dtype=np.int64)
        self._held: list = [None] * len(self.names)  # the arrays the table points into

    def fill(self, arrays: dict) -> np.ndarray:
        """The table for the current arrays (only changed entries are redone)."""
        held, table = self._held, self.table
        for i, name in enumerate(self.names):
            a = arrays.get(name)
            if a is held[i] and a is not None:
                continue
            if a is None:
                raise KernelMismatch(f"no array {name!r}")
            dtype, ndim = self.expected[i]
            if a.dtype != dtype or a.ndim != ndim or not a.flags.c_contiguous:
                raise KernelMismatch(f"array {name!r} is {a.dtype}, {a.ndim}-D"
                                     f"{'' if a.flags.c_contiguous else ', not contiguous'}; "
                                     f"its kernel was written for {dtype}, {ndim}-D")
            s = SLOTS_PER_ARRAY * i
            table[s] = a.ctypes.data
            table[s + 1] = a.shape[0]
            table[s + 2] = a.shape[1] if ndim == 2 else 0
            held[i] = a
        return table


def _needs_compiling(kernel: Kernel) -> bool:
    """Neither in this process nor (by its index file) in Numba's disk cache."""
    module, _ = load_source(kernel.source)
    fn = module.kernel
    if KERNEL_SIGNATURE.args in fn.overloads:
        return False
    index = getattr(getattr(fn._cache, "_cache_file", None), "_index_path", None)
    return index is None or not os.path.exists(index)


def compile_files(paths) -> None:
    """Compile the kernel modules at ``paths`` into Numba's disk cache (what a
    helper process runs)."""
    import importlib.util

    for path in paths:
        path = Path(path)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        module.kernel.compile(KERNEL_SIGNATURE.args)


_HELPER_CODE = ("import sys; from engine.runtime.kernels import compile_files; "
                "compile_files(sys.argv[1:])")


def _start_helper(kernels: list[Kernel]):
    """A process compiling ``kernels`` into the disk cache, or None."""
    paths = [str(load_source(k.source)[1]) for k in kernels]
    try:
        return subprocess.Popen([sys.executable, "-c", _HELPER_CODE, *paths],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
    except OSError as exc:  # no process could be started: compile everything here
        log.debug("no helper process (%s)", exc)
        return None


def _split_for_helper(pending: list[Kernel]) -> list[Kernel]:
    """The kernels to give a helper: the heaviest (by text length) until its
    share, start-up included, matches what this process keeps."""
    if len(pending) < HELPER_MIN_KERNELS or (os.cpu_count() or 1) < 2:
        return []
    weights = {id(k): len(k.source) for k in pending}
    mean = sum(weights.values()) / len(pending)
    helper, here = [], list(pending)
    load_helper, load_here = _HELPER_START_KERNELS * mean, sum(weights.values())
    for k in sorted(pending, key=lambda k: -weights[id(k)]):
        w = weights[id(k)]
        if load_helper + w > load_here - w:
            continue
        helper.append(k)
        here.remove(k)
        load_helper += w
        load_here -= w
    return helper


class CompiledKernels:
    """Every kernel of one network, compiled, with their addresses.

    Kernels already compiled (in this process or in Numba's disk cache) are
    loaded. When many are new, a helper process compiles the heaviest of
    them into the disk cache while this process compiles the others (Numba
    compiles one function at a time in a process; the machine has two
    cores); this process then loads the helper's work from the cache.
    """

    def __init__(self, code: GeneratedCode, progress=None):
        self.code = code
        kernels = code.kernels
        self._functions = {}
        self.paths = {}               # kernel source -> its file in the cache
        #: how many kernels were found in memory, loaded from disk, compiled
        self.counts = {"memory": 0, "disk": 0, "compiled": 0, "helper": 0}
        addresses = []
        everything = kernels + list(code.applies.values())
        distinct = list({k.source: k for k in everything}.values())
        share = _split_for_helper([k for k in distinct if _needs_compiling(k)])
        helper = _start_helper(share) if share else None
        later = {k.source for k in share} if helper is not None else set()
        if helper is not None:
            log.info("a helper process compiles %d of the new kernels", len(share))
        # this process's kernels first, the helper's last (loaded from the cache)
        order = [k for k in everything if k.source not in later] + \
            [k for k in everything if k.source in later]
        done = {}
        for n, k in enumerate(order):
            if k.source in later and helper is not None:
                _wait(helper)
                helper = None
            fn, address, path, how, seconds = compile_kernel(k)
            if k.source in later and how == "disk":
                how = "helper"
            self._functions[k.source] = fn   # keeps the machine code alive
            self.paths[k.source] = path
            self.counts[how] += 1
            done[id(k)] = address
            log.debug("kernel %d/%d (%s, %s): %s, %.3f s", n + 1, len(everything), k.label,
                      k.owner, how, seconds)
            if progress is not None:
                progress(n + 1, len(everything), k)
        addresses = [done[id(k)] for k in everything]
        self.addresses = np.array(addresses[:len(kernels)], dtype=np.int64)
        self.n_body = code.count(ROLE_BODY)
        self._binding = _Binding(kernels)
        self._apply_bindings = {name: _Binding([k]) for name, k in code.applies.items()}
        self.unique = len(self._functions)

    def stop_kernels(self) -> list[Kernel]:
        return self.code.kernels[self.n_body:]

    def run(self, arrays: dict, n_steps: int, step0: int, dt: float, until: int,
            selected: np.ndarray):
        table = self._binding.fill(arrays)
        args = (np.int64(n_steps), np.int64(step0), float(dt), np.int64(until),
                self.addresses, self._binding.bases, table, np.int64(self.n_body), selected)
        global _driver_checked
        if not _driver_checked:
            try:
                _run_driver(np.int64(0), *args[1:])
            except Exception:  # a damaged machine-code cache of the driver
                _run_driver._cache.flush()
                log.warning("the machine-code cache of the driver loop was unreadable; "
                            "compiled again")
            _driver_checked = True
        return _run_driver(*args)

    def apply(self, name: str, arrays: dict, step: int, dt: float) -> None:
        binding = self._apply_bindings[name]
        table = binding.fill(arrays)
        fn = self._functions[self.code.applies[name].source]
        fn(np.int64(step), float(dt), table, np.int64(0))


def _wait(helper, timeout: float = 600.0) -> None:
    """Wait for a helper process; whatever it failed to compile, this process
    compiles (its kernels are simply not in the cache)."""
    try:
        _, err = helper.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        helper.kill()
        helper.communicate()
        log.warning("the helper process compiling kernels took too long; stopped")
        return
    if helper.returncode != 0:
        log.warning("the helper process compiling kernels failed (%s); compiling here",
                    (err or b"").decode(errors="replace").strip().splitlines()[-1:] or "?")

