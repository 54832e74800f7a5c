"""The simulation loop of every network: one function, compiled once.

A network is a list of kernels (see :mod:`engine.codegen.kernel_abi`), in
two groups called in this order at each step:

1. the body (``n_body`` kernels): transmission, neuron updates, learning,
   recording, in the order of engine.codegen.network_code. A kernel answers
   0 (go on), :data:`STATUS_NONFINITE` (a non-finite value appeared: the
   call ends after this kernel) or :data:`STATUS_GROW` (a spike monitor's
   buffer might not hold the next step's spikes: the call ends after this
   step, and the runtime grows the buffer before calling again);
2. stop tests (``simulate_until``), only when ``until`` is 1 (all selected
   populations meet their condition) or 2 (any): ``selected[k]`` says which
   stop kernels take part.

``run`` returns ``(steps_done, status, kernel_index)``.
"""

from __future__ import annotations

import numba
import numpy as np

from engine.codegen.jit import JIT_OPTIONS
from engine.codegen.kernel_abi import call_kernel

__all__ = ["run", "STATUS_DONE", "STATUS_GROW", "STATUS_NONFINITE", "STATUS_STOP"]

STATUS_DONE, STATUS_GROW, STATUS_NONFINITE, STATUS_STOP = 0, 1, 2, 3


@numba.njit(**JIT_OPTIONS)
def run(n_steps, step0, dt, until, addresses, bases, tab, n_body, selected):
    """Advance the network by ``n_steps`` steps (see the module docstring)."""
    n_kernels = addresses.shape[0]
    s = np.int64(0)
    while s < n_steps:
        step = np.int64(step0 + s)
        grow = np.int64(-1)
        for k in range(n_body):
            status = call_kernel(addresses[k], step, dt, tab, bases[k])
            if status == STATUS_GROW:
                grow = k
            elif status != 0:
                return s + 1, status, np.int64(k)
        s += 1
        if until > 0:
            all_met = True
            any_met = False
            for k in range(n_body, n_kernels):
                if selected[k]:
                    met = call_kernel(addresses[k], step, dt, tab, bases[k]) != 0
                    all_met = all_met and met
                    any_met = any_met or met
            if (until == 1 and all_met) or (until == 2 and any_met):
                return s, np.int64(STATUS_STOP), np.int64(0)
        if grow >= 0:
            return s, np.int64(STATUS_GROW), grow
    return s, np.int64(STATUS_DONE), np.int64(0)
