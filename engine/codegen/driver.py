"""The simulation loop of every network: one function, compiled once.

A network is a list of kernels (see :mod:`engine.codegen.kernel_abi`), in
three groups called in this order at each step:

1. ``n_check`` capacity checks (a spike monitor whose buffer might not hold
   this step's spikes): a non-zero answer ends the call *before* the step,
   with status :data:`STATUS_GROW` and the kernel's index, so the runtime can
   grow the buffer and call again;
2. the body: transmission, neuron updates, learning, recording, in the
   order of engine.codegen.network_code; a non-zero answer (a non-finite
   value) ends the call after the step with that status and the kernel's
   index;
3. stop tests (``simulate_until``), only when ``until`` is 1 (all selected
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
def run(n_steps, step0, dt, until, addresses, bases, tab, n_check, n_body, selected):
    """Advance the network by ``n_steps`` steps (see the module docstring)."""
    n_kernels = addresses.shape[0]
    s = np.int64(0)
    while s < n_steps:
        step = np.int64(step0 + s)
        for k in range(n_check):
            if call_kernel(addresses[k], step, dt, tab, bases[k]) != 0:
                return s, np.int64(STATUS_GROW), np.int64(k)
        for k in range(n_check, n_check + n_body):
            status = call_kernel(addresses[k], step, dt, tab, bases[k])
            if status != 0:
                return s + 1, status, np.int64(k)
        if until > 0:
            all_met = True
            any_met = False
            for k in range(n_check + n_body, n_kernels):
                if selected[k]:
                    met = call_kernel(addresses[k], step, dt, tab, bases[k]) != 0
                    all_met = all_met and met
                    any_met = any_met or met
            if (until == 1 and all_met) or (until == 2 and any_met):
                return s + 1, np.int64(STATUS_STOP), np.int64(0)
        s += 1
    return s, np.int64(STATUS_DONE), np.int64(0)
