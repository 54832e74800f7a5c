"""How the driver loop and the generated kernels talk: one calling convention.

Every kernel of a network (a population's update, a projection's
transmission or learning, a monitor's recording, a stop test) is its own
cached Numba function with the same signature::

    kernel(_step: int64, _dt: float64, _tab: int64[::1], _base: int64) -> int64

``_tab`` is the network's argument table: for each array a kernel reads,
three slots ``[data address, shape[0], shape[1]]`` (``shape[1]`` is 0 for a
1-D array), the kernel's slots starting at ``_base``. The kernel rebuilds its
arrays as views (:func:`numba.carray`, no reference counting) with the dtype
written in its source. The runtime fills the table from the live numpy
arrays before each call of the driver, checking each array's dtype, number
of dimensions and contiguity against what the kernel was generated for.

Why: Numba's compile time grows much faster than linearly with the number of
array arguments of one function (measured in benchmarks/compile_scaling.py:
a loop body of one statement per array takes 1.9 s with 60 arrays, 16 s
with 240, 33 s with 480, nearly all of it in LLVM). A fused loop over a
whole network takes every array of the network; kernels take four scalars.
Because every kernel has the same signature, the driver
(:mod:`engine.codegen.driver`) is one function compiled once per machine
that calls kernels through their addresses: changing a model recompiles
only the kernels whose text changed, and populations with the same model
share one kernel.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic

__all__ = ["KERNEL_SIGNATURE", "SLOTS_PER_ARRAY", "address_as_voidptr", "call_kernel"]

#: the signature every kernel is compiled for
KERNEL_SIGNATURE = types.int64(types.int64, types.float64, types.int64[::1], types.int64)

#: table slots per array argument: address, shape[0], shape[1]
SLOTS_PER_ARRAY = 3


@intrinsic
def address_as_voidptr(typingctx, addr):
    """An integer address as a ``void*`` (for :func:`numba.carray`)."""
    if not isinstance(addr, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(types.voidptr))

    return types.voidptr(addr), codegen


@intrinsic
def call_kernel(typingctx, addr, step, dt, tab, base):
    """Call the kernel at ``addr`` (its C wrapper, compiled for
    :data:`KERNEL_SIGNATURE`) with ``(step, dt, tab, base)``."""
    sig = types.int64(addr, types.int64, types.float64, tab, types.int64)

    def codegen(context, builder, signature, args):
        addr_v, step_v, dt_v, tab_v, base_v = args
        fnty = ir.FunctionType(
            context.get_value_type(types.int64),
            [context.get_value_type(t) for t in KERNEL_SIGNATURE.args],
        )
        fn = builder.inttoptr(addr_v, fnty.as_pointer())
        return builder.call(fn, [step_v, dt_v, tab_v, base_v])

    return sig, codegen
