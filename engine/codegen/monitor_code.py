"""Kernels of monitors: recording variables and spikes into their buffers."""

from __future__ import annotations

from engine.codegen.driver import STATUS_GROW
from engine.codegen.layout import MonitorLayout

__all__ = ["emit_monitor"]


def target_conductances(ml: MonitorLayout, ir) -> tuple[str, ...]:
    """The recorded inputs of targets: the ``g_<target>`` variables of a
    spiking population, the weighted sums ``sum(<target>)`` of a rate-coded one.

    ANNarchy records these right after the step's transmission (spikes
    delivered, weighted sums computed) and before the neurons are updated
    (its ``record_targets``), so a monitor of ``g_exc`` shows each spike's
    full increment and ``sum(exc)`` is the sum the update of the same step
    reads; every other variable is recorded after the update. The engine
    records at the same two points.
    """
    if ir is None:
        return ()
    if not ir.spiking:
        return tuple(f"sum({t})" for t in ml.sum_targets)
    conductances = {f"g_{t}" for t in ir.targets}
    return tuple(v for v in ml.local_vars if v in conductances)


def _names(m: str, src: str, v: str) -> tuple[str, str]:
    """(buffer, recorded array) of ``v``: ``_m0_v`` and ``_p0_v`` for an
    attribute, ``_m0__sum_exc`` and ``_p0__sum_exc`` for ``sum(exc)`` (an
    internal array of the population: two underscores, no parentheses)."""
    if v.startswith("sum(") and v.endswith(")"):
        return f"{m}__sum_{v[4:-1]}", f"{src}__sum_{v[4:-1]}"
    return f"{m}_{v}", f"{src}_{v}"


def emit_monitor(w, ml: MonitorLayout, src: str, pc=None, only=None, skip=()):
    """Recording code; ``src`` is the array prefix of the recorded object
    (``_p0`` for a population, ``_j0`` for a projection whose "ranks" are
    synapse indices). A recorded variable ``v`` has the buffer ``_m0_v``;
    the monitor's own arrays have two underscores (``_m0__rows``), so no
    variable name can meet them; a weighted sum ``sum(exc)`` has the buffer
    ``_m0__sum_exc``.

    ``only``: record just these local variables (or ``sum(<target>)``) into
    the current row, without advancing it and without spikes (the inputs of
    targets, recorded earlier in the step: see :func:`target_conductances`);
    ``skip``: what the main recording leaves to that earlier piece (it still
    advances the row).
    """
    m = f"_{ml.key}"
    condition = (f"if {m}__active[0] and _step >= {m}__offset[0] and "
                 f"(_step - {m}__offset[0]) % {m}__period[0] == 0:")
    if only is not None:
        w(condition)
        w.indent()
        w(f"_row = {m}__rows[0]")
        for v in only:
            buf, arr = _names(m, src, v)
            w(f"for _k in range({m}__ranks.shape[0]):")
            w(f"    {buf}[_row, _k] = {arr}[{m}__ranks[_k]]")
        w.dedent()
        return
    if ml.local_vars or ml.global_vars or ml.semi_vars or ml.sum_targets:
        w(condition)
        w.indent()
        w(f"_row = {m}__rows[0]")
        for v in ml.local_vars + tuple(f"sum({t})" for t in ml.sum_targets):
            if v in skip:
                continue
            buf, arr = _names(m, src, v)
            w(f"for _k in range({m}__ranks.shape[0]):")
            w(f"    {buf}[_row, _k] = {arr}[{m}__ranks[_k]]")
        for v in ml.semi_vars:
            w(f"for _k in range({m}__pranks.shape[0]):")
            w(f"    {m}_{v}[_row, _k] = {src}_{v}[{m}__pranks[_k]]")
        for v in ml.global_vars:
            w(f"{m}_{v}[_row] = {src}_{v}[0]")
        w(f"{m}__rows[0] = _row + 1")
        w.dedent()
    if ml.spikes:
        w(f"if {m}__active[0]:")
        w.indent()
        w(f"_n = {m}__spk_n[0]")
        w(f"for _k in range({pc.own('nspk')}[0]):")
        w.indent()
        w(f"_j = {pc.own('spk')}[_k]")
        w(f"if {m}__mask[_j]:")
        w(f"    {m}__spk_t[_n] = _step")
        w(f"    {m}__spk_i[_n] = _j")
        w("    _n += 1")
        w.dedent()
        w(f"{m}__spk_n[0] = _n")
        # the next step's spikes might not fit: the driver ends the call
        # after this step and the runtime grows the buffer
        w(f"if _n + {pc.own('refr')}.shape[0] > {m}__spk_t.shape[0]:")
        w(f"    return {STATUS_GROW}")
        w.dedent()
