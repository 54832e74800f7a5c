"""One kernel's module: the text Numba compiles, and what the runtime binds to it.

Emitters write a kernel's lines with the network's array names (``_p0_v``);
:class:`KernelPiece` renames them to the kernel's own (``_P_v``, ``_PRE_``,
``_POST_``, ``_J_``, ``_M_``), so that two populations of one model give
the same text, one file in the cache and one compile, and records which
network array each name is bound to. The module's function follows the one
calling convention of engine.codegen.kernel_abi.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.codegen.jit import JIT_DECORATOR
from engine.codegen.kernel_abi import SLOTS_PER_ARRAY
from engine.codegen.writer import Writer
from engine.errors import ModelError

__all__ = ["Kernel", "GeneratedCode", "KernelPiece", "ROLE_BODY", "ROLE_STOP"]

#: kernel roles, in call order (engine.codegen.driver)
ROLE_BODY, ROLE_STOP = "body", "stop"


@dataclass(frozen=True)
class Kernel:
    """One compiled piece of a network's step (see engine.codegen.kernel_abi)."""

    role: str                     # ROLE_BODY or ROLE_STOP
    owner: str                    # the key of what it belongs to: "p0", "j1", "m2"
    label: str                    # what it does, for the generated file
    source: str                   # a module defining ``kernel``
    params: tuple[str, ...]       # its arrays, by its own names (``_P_v``), table order
    args: tuple[str, ...]         # the network's arrays bound to them (``_p3_v``)
    dtypes: tuple[tuple[str, int], ...]  # (dtype, ndim) the source is written for
    parallel: bool = False        # compiled with parallel=True (a prange inside)


@dataclass
class GeneratedCode:
    kernels: list[Kernel] = field(default_factory=list)   # in call order
    #: ``apply_j0``: the kernels of ``proj.apply()``
    applies: dict[str, Kernel] = field(default_factory=dict)
    #: scratch arrays the runtime allocates: name -> (dtype, array whose length it has)
    scratch: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def parallel(self) -> bool:
        return any(k.parallel for k in self.kernels)

    def count(self, role: str) -> int:
        return sum(k.role == role for k in self.kernels)

    @property
    def source(self) -> str:
        """Every kernel's text, in call order (readable; what generated_code() shows)."""
        parts = []
        for n, k in enumerate(self.kernels + list(self.applies.values())):
            parts.append(f"# ==== kernel {n}: {k.label} [{k.owner}], "
                         f"arrays: {', '.join(f'{p}={a}' for p, a in zip(k.params, k.args))}\n"
                         + k.source)
        return "\n".join(parts)



class KernelPiece:
    """One kernel being written: its lines use the network's array names
    (``_p0_v``), renamed to the kernel's own (``_P_v``) when it is closed, so
    that two populations of one model give the same text (one compile)."""

    def __init__(self, role: str, owner: str, label: str, renames: dict[str, str],
                 binds: dict[str, str] | None = None):
        self.role, self.owner, self.label, self.renames = role, owner, label, renames
        # kernel prefix -> the network's prefix of the arrays bound to it
        self.binds = binds or {own: net for net, own in renames.items()}
        self.w = Writer()
        self.w.level = 1
        self.pro = Writer()  # once per call, before the body (views, constants)
        self.pro.level = 1
        self.scratch: dict[str, tuple[str, str]] = {}
        self.parallel = False

    def kernel(self, types: dict) -> Kernel:
        body = "\n".join(self.pro.lines + self.w.lines)
        for net, own in sorted(self.renames.items(), key=lambda kv: -len(kv[0])):
            body = re.sub(rf"\b_{net}_", f"_{own}_", body)
        left = sorted(set(_NETWORK_NAME.findall(body)))
        if left:  # pragma: no cover - an emitter used another object's arrays
            raise ModelError(f"internal: kernel {self.label!r} reads arrays of other objects: "
                             f"{', '.join(left)}")
        params = sorted(set(_KERNEL_NAME.findall(body)))
        args = []
        for name in params:
            prefix, _, rest = name[1:].partition("_")
            args.append(name if prefix == "c" else f"_{self.binds[prefix]}_{rest}")
        dtypes = []
        for arg in args:
            if arg in self.scratch:
                dtypes.append((self.scratch[arg][0], 1))
            else:
                dtype, ndim = types.get(arg, ("float64", 1))
                dtypes.append((str(dtype), int(ndim)))
        parallel = "numba.prange" in body
        source = _kernel_module(self.label, body, params, dtypes, parallel)
        return Kernel(role=self.role, owner=self.owner, label=self.label, source=source,
                      params=tuple(params), args=tuple(args), dtypes=tuple(dtypes),
                      parallel=parallel)


#: array names of the network (``_p0_v``, ``_j3_w``, ``_m1_spk_t``)
_NETWORK_NAME = re.compile(r"\b_[pqjm]\d+_\w+")
#: array names inside a kernel (``_P_v``, ``_PRE_r``, ``_POST_g_exc``, ``_J_w``,
#: ``_M_v``, ``_c_tau``)
_KERNEL_NAME = re.compile(r"\b_(?:P|PRE|POST|J|M|c)_\w+")


def _kernel_module(label: str, body: str, params, dtypes, parallel: bool) -> str:
    """The text of one kernel's module: imports (only those used), the array
    views from the argument table, the body."""
    w = Writer()
    w(f"# Generated by neuroworkbench: one kernel ({label}).")
    w("# Edit nothing here: the file is keyed by its content and regenerated.")
    if "math." in body:
        w("import math")
    w("import numba")
    w("import numpy as np")
    w("from engine.codegen.kernel_abi import table_view as _view")
    draws = [n for n in ("uniform", "normal", "lognormal", "exponential", "discrete_uniform")
             if f"_rng_{n}(" in body]
    if draws:
        w("from engine.codegen.rng import " + ", ".join(f"{n} as _rng_{n}" for n in draws))
    if "_ZKN" in body:
        w("from engine.codegen.rng import _KN as _ZKN, _WN as _ZWN, "
          "_normal_tail_or_wedge as _rng_normal_slow")
    if "_prefetch(" in body:
        w("from engine.codegen.intrinsics import prefetch as _prefetch")
    if "_RU" in body:
        w("_RU5, _RU7, _RU9, _RU11, _RU17, _RU19, _RU32, _RU45, _RU57 = (np.uint64(5), "
          "np.uint64(7), np.uint64(9), np.uint64(11), np.uint64(17), np.uint64(19), "
          "np.uint64(32), np.uint64(45), np.uint64(57))")
    w("")
    w("")
    # repr(): a model name may hold quotes or backslashes
    doc = repr(f"{label[0].upper() + label[1:]} (calling convention: engine.codegen.kernel_abi).")
    if parallel:
        # Numba's parallel passes mistake array views built from raw
        # addresses (carray, table_view) for one another: the parallel body
        # takes its arrays as arguments from a serial kernel that builds them
        w(JIT_DECORATOR[:-1] + ", parallel=True)")
        w(f"def _body(_step, _dt, _t, {', '.join(params)}):")
        w.indent()
        w(doc)
        w.dedent()
        w.lines.append(body)
        w.indent()
        w("return 0")
        w.dedent()
        w("")
        w("")
    w(JIT_DECORATOR)
    w("def kernel(_step, _dt, _tab, _base):")
    w.indent()
    w(doc)
    w("_t = _step * _dt")
    for n, (name, (dtype, ndim)) in enumerate(zip(params, dtypes)):
        slot = f"_base + {SLOTS_PER_ARRAY * n}" if n else "_base"
        w(f"{name} = _view(_tab, {slot}, np.{dtype}, {ndim})")
    if parallel:
        w(f"return _body(_step, _dt, _t, {', '.join(params)})")
        return w.text()
    w.dedent()
    w.lines.append(body)
    w.indent()
    w("return 0")
    return w.text()
