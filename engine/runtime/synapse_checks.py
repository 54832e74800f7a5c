"""Non-finite values in synaptic variables, found between chunks of a run.

Neurons are checked inside the compiled loop, at every step (the population
kernels return ``STATUS_NONFINITE``). Synaptic variables are checked here,
after each chunk of a run (about 50 ms of wall time): a check per synapse and
step inside the loop would cost as much as a plasticity rule itself, while
one pass over the written arrays per chunk costs a sum (about 0.5 ms per
million synapses). The price is precision in time: the error names the chunk
in which the value went wrong (run shorter ``simulate()`` calls to narrow
it), the projection, the variable and the synapse (its pre- and
post-synaptic ranks).

Only variables (``kind == "variable"``: what equations and events write)
are checked; parameters are checked when they are assigned.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NumericalError

__all__ = ["synaptic_nonfinite"]


def _written_float_arrays(proj):
    for spec in proj.ir.variables:
        if spec.kind != "variable":
            continue
        arr = proj._arrays.get(spec.name)
        if arr is None or arr.dtype.kind != "f" or arr.size == 0:
            continue
        yield spec, arr


def synaptic_nonfinite(projections, t_start: float, t_stop: float) -> NumericalError | None:
    """The error for the first synaptic variable holding NaN or inf, else None.

    ``t_start``/``t_stop``: the times (ms) of the chunk just run.
    """
    for proj in projections:
        if getattr(proj, "_col", None) is None:        # not connected
            continue
        for spec, arr in _written_float_arrays(proj):
            # a sum is non-finite when any element is (or when finite values
            # overflow it: then the exact test below finds nothing)
            with np.errstate(over="ignore", invalid="ignore"):
                total = arr.sum(dtype=np.float64)
            if np.isfinite(total):
                continue
            bad = np.flatnonzero(~np.isfinite(arr))
            if not bad.size:
                continue
            i = int(bad[0])
            what = "NaN" if np.isnan(arr[i]) else "infinite"
            if spec.locality == "global":
                where = ""
            elif spec.locality == "semiglobal":
                where = f" of post-synaptic neuron {i}"
            else:
                pre = int(proj._pre_of_synapses()[i])
                post = int(proj._post_of_synapses()[i])
                where = f" of the synapse {pre} -> {post} (pre -> post rank)"
            return NumericalError(
                f"projection {proj.name!r}: synaptic variable '{spec.name}'{where} became "
                f"{what} between t = {t_start:g} and {t_stop:g} ms; {bad.size} value(s) "
                "affected. Check the synapse's equations and parameters (a division by "
                "zero, an exp() overflow, a learning rate too large for dt); to find the "
                "step, run that interval in shorter simulate() calls.")
    return None
