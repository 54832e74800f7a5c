"""How the driver loop and the generated kernels talk: one calling convention.

Every kernel of a network (a population's update, a projection's
transmission or learning, a monitor's recording, a stop test) is its own
cached Numba function with the same signature::

    kernel(_step: int64, _dt: float64, _tab: int64[::1], _base: int64) -> int64

``_tab`` is the network's argument table: for each array a kernel reads,
three slots ``[data address, shape[0], shape[1]]`` (``shape[1]`` is 0 for a
1-D array), the kernel's slots starting at ``_base``. The kernel rebuilds its
arrays as views (:func:`table_view`: C-contiguous, no reference counting)
with the dtype written in its source. The runtime fills the table from the live numpy
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
from numba.np.arrayobj import make_array, populate_array

__all__ = ["KERNEL_SIGNATURE", "SLOTS_PER_ARRAY", "call_kernel", "table_view"]

#: the signature every kernel is compiled for
KERNEL_SIGNATURE = types.int64(types.int64, types.float64, types.int64[::1], types.int64)

#: table slots per array argument: address, shape[0], shape[1]
SLOTS_PER_ARRAY = 3


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


@intrinsic
def table_view(typingctx, tab, slot, dtype, ndim):
    """``table_view(_tab, slot, np.float64, 1)``: the C-contiguous array whose
    address and shape are at ``_tab[slot:slot + 3]`` (a view without reference
    counting). One typed call per array: :func:`numba.carray` costs about
    three times more type inference, and kernels are many and small."""
    if not (isinstance(tab, types.Array) and isinstance(dtype, types.NumberClass)
            and isinstance(ndim, types.IntegerLiteral) and ndim.literal_value in (1, 2)):
        return None
    n = ndim.literal_value
    retty = types.Array(dtype.dtype, n, "C")

    def codegen(context, builder, signature, args):
        tab_v, slot_v = args[0], args[1]
        table = make_array(signature.args[0])(context, builder, value=tab_v)

        def at(k):
            index = builder.add(slot_v, context.get_constant(types.int64, k))
            return builder.load(builder.gep(table.data, [index]))

        shape = [at(1)] + ([at(2)] if n == 2 else [])
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(
            context.get_data_type(retty.dtype)))
        strides = [builder.mul(itemsize, shape[1]), itemsize] if n == 2 else [itemsize]
        data = builder.inttoptr(at(0), context.get_data_type(retty.dtype).as_pointer())
        out = make_array(retty)(context, builder)
        populate_array(out, data=data, shape=shape, strides=strides, itemsize=itemsize,
                       meminfo=None)
        return out._getvalue()

    return retty(tab, slot, dtype, ndim), codegen
