"""Jit policy in one place.

Every kernel of the engine, static or generated, is compiled with these
options: cached on disk (a second process loads machine code), numpy error
model (division by zero gives inf, caught by the finiteness check, instead of
raising inside the hot loop), no fastmath (bit-for-bit reproducible results
that match a plain numpy reference).
"""

from __future__ import annotations

JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}

#: the decorator line used in generated modules (kept in sync with JIT_OPTIONS)
JIT_DECORATOR = (
    "@numba.njit(cache=True, nogil=True, error_model='numpy', boundscheck=False)"
)

__all__ = ["JIT_OPTIONS", "JIT_DECORATOR"]
