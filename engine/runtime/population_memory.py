"""How much memory a population needs, checked before anything is allocated.

``create(10**12, ...)`` would otherwise end in a raw numpy MemoryError after a
long wait, or in swapping: :func:`check_memory` compares the population's
peak (its arrays, twice: compile() keeps a copy for reset()) with the memory
available now and refuses with the numbers.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NetworkError
from engine.runtime import connect_args
from engine.runtime.values import NUMPY_DTYPES

__all__ = ["population_bytes", "memory_need", "memory_error", "check_memory", "gib"]


def population_bytes(ir, size: int, float_dtype) -> tuple[int, int]:
    """``(bytes per neuron, bytes per population)`` of a population's arrays:
    every attribute of the model in its dtype (population-wide ones once),
    the summed inputs of each target and, for spiking models, the refractory
    countdown and period, the last spike step, the spike list and flags.
    (Specific populations, delays and monitors add their own.)"""
    fsize = np.dtype(float_dtype).itemsize
    per, once = 0, 0
    for spec in ir.variables:
        item = np.dtype(NUMPY_DTYPES.get(spec.dtype, float_dtype)).itemsize
        if spec.locality == "global":
            once += item
        else:
            per += item
    per += len(ir.targets) * fsize
    if ir.spiking:  # refr int32, refractory, last_spike int64, spk int32, flag uint8
        per += 4 + fsize + 8 + 4 + 1
        once += 8       # nspk
    return per, once + 32  # + the random generator's state (uint64[4])


def memory_need(ir, size: int, float_dtype) -> tuple[int, int]:
    """``(bytes, bytes per neuron)`` a population holds at its peak, from
    create() to the first simulate(): its arrays twice, as compile() keeps a
    copy of them for reset() (initial values drawn from a distribution add a
    float64 array for the time of the draw, under the same bound)."""
    per, once = population_bytes(ir, size, float_dtype)
    return 2 * (per * size + once), 2 * per


def memory_error(ir, size: int, float_dtype, name, failed=False) -> NetworkError:
    need, per = memory_need(ir, size, float_dtype)
    have = connect_args.available_memory()
    who = f"population {name!r}" if name is not None else "a population"
    return NetworkError(
        f"{who} of {size:,} {ir.name!r} neurons would need about {gib(need)} ({per} B per "
        f"neuron: every attribute and internal array in {np.dtype(float_dtype).name}, twice "
        f"since compile() keeps a copy for reset()), "
        + ("and numpy could not allocate it (" if failed else "more than the ")
        + f"{gib(have)} of memory available now" + (")" if failed else "")
        + "; create fewer neurons (or use precision='float32')")


def gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**27 else f"{n / 2**20:,.1f} MiB"


def check_memory(ir, size: int, float_dtype, name) -> None:
    """Refuse, before allocating anything, a population that cannot fit in
    the memory available now (numpy would fail with a raw MemoryError after
    a long wait, or the machine would swap)."""
    need, _ = memory_need(ir, size, float_dtype)
    if need > connect_args.available_memory():
        raise memory_error(ir, size, float_dtype, name)
