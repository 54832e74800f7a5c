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
are checked; parameters are checked when they are assigned. Integer
variables cannot hold NaN: the generated code stores
:data:`~engine.codegen.population_code.INT_INVALID` instead of a value an
integer cannot hold (NaN from ``modulo(k, 0)``, inf, beyond int64; see
engine.codegen.synapse_code), and that sentinel is reported here, as are the
integer variables of post-synaptic neurons written by ``post.k = ...``.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from engine.codegen.population_code import INT_INVALID
from engine.errors import NumericalError
from engine.language.symbols import classify

__all__ = ["synaptic_nonfinite"]


def _written_float_arrays(proj):
    for spec in proj.ir.variables:
        if spec.kind != "variable":
            continue
        arr = proj._arrays.get(spec.name)
        if arr is None or arr.dtype.kind != "f" or arr.size == 0:
            continue
        yield spec, arr


def _written_int_arrays(proj):
    for spec in proj.ir.variables:
        if spec.kind != "variable" or spec.dtype != "int":
            continue
        arr = proj._arrays.get(spec.name)
        if arr is not None and arr.size:
            yield spec, arr


def _post_ints_written(proj):
    """``(name, array)`` of the integer variables of the post-synaptic
    population that the synapse's events write (``post.k += 1``)."""
    post = proj.post_population
    seen = set()
    for eq in tuple(proj.ir.pre_spike or ()) + tuple(proj.ir.post_spike or ()):
        kind, name = classify(sp.Symbol(eq.target))
        if kind != "post" or name in seen:
            continue
        seen.add(name)
        spec = next((v for v in post.ir.variables if v.name == name), None)
        arr = post._arrays.get(name)
        if spec is not None and spec.dtype == "int" and arr is not None and arr.size:
            yield name, arr


def _where(proj, spec, i: int) -> str:
    if spec.locality == "global":
        return ""
    if spec.locality == "semiglobal":
        return f" of post-synaptic neuron {i}"
    pre = int(proj._pre_of_synapses()[i])
    post = int(proj._post_of_synapses()[i])
    return f" of the synapse {pre} -> {post} (pre -> post rank)"


_INT_WHAT = ("was given a value an integer cannot hold (NaN, e.g. modulo(k, 0), infinite, "
             "or beyond +-9.2e18)")


def _when(t_start, t_stop, during) -> tuple[str, str]:
    """When it happened, and how to narrow it down."""
    if during is not None:
        return during, ""
    return (f"between t = {t_start:g} and {t_stop:g} ms",
            "; to find the step, run that interval in shorter simulate() calls")


def _int_error(proj, what_var: str, n_bad: int, t_start, t_stop, during=None) -> NumericalError:
    when, narrow = _when(t_start, t_stop, during)
    return NumericalError(
        f"projection {proj.name!r}: {what_var} {_INT_WHAT} {when}; {n_bad} value(s) "
        "affected. Check the synapse's equations and parameters (a modulo or division by "
        f"zero, an overflow){narrow}.")


def synaptic_nonfinite(projections, t_start: float, t_stop: float,
                       during: str | None = None) -> NumericalError | None:
    """The error for the first synaptic variable holding NaN or inf (or, for
    an integer variable, the value stored in place of one), else None.

    ``t_start``/``t_stop``: the times (ms) of the chunk just run; ``during``
    replaces them when the values were written elsewhere (``"in proj.apply()
    at t = 5 ms"``).
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
            when, narrow = _when(t_start, t_stop, during)
            return NumericalError(
                f"projection {proj.name!r}: synaptic variable '{spec.name}'"
                f"{_where(proj, spec, i)} became {what} {when}; {bad.size} value(s) "
                "affected. Check the synapse's equations and parameters (a division by "
                f"zero, an exp() overflow, a learning rate too large for dt){narrow}.")
        for spec, arr in _written_int_arrays(proj):
            if arr.min() != INT_INVALID:
                continue
            bad = np.flatnonzero(arr == INT_INVALID)
            where = _where(proj, spec, int(bad[0]))
            return _int_error(proj, f"synaptic integer variable '{spec.name}'{where}",
                              bad.size, t_start, t_stop, during)
        for name, arr in _post_ints_written(proj):
            if arr.min() != INT_INVALID:
                continue
            bad = np.flatnonzero(arr == INT_INVALID)
            return _int_error(
                proj, f"integer variable 'post.{name}' of post-synaptic neuron {int(bad[0])} "
                f"(population {proj.post_population.name!r})", bad.size, t_start, t_stop,
                during)
    return None
