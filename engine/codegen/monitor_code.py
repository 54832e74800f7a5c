"""Kernels of monitors: recording variables and spikes into their buffers."""

from __future__ import annotations

from engine.codegen.driver import STATUS_GROW
from engine.codegen.layout import MonitorLayout

__all__ = ["emit_monitor"]


def emit_monitor(w, ml: MonitorLayout, src: str, pc=None):
    """Recording code; ``src`` is the array prefix of the recorded object
    (``_p0`` for a population, ``_j0`` for a projection whose "ranks" are
    synapse indices)."""
    m = f"_{ml.key}"
    if ml.local_vars or ml.global_vars or ml.semi_vars:
        w(f"if {m}_active[0] and _step >= {m}_offset[0] and "
          f"(_step - {m}_offset[0]) % {m}_period[0] == 0:")
        w.indent()
        w(f"_row = {m}_rows[0]")
        for v in ml.local_vars:
            w(f"for _k in range({m}_ranks.shape[0]):")
            w(f"    {m}_{v}[_row, _k] = {src}_{v}[{m}_ranks[_k]]")
        for v in ml.semi_vars:
            w(f"for _k in range({m}_pranks.shape[0]):")
            w(f"    {m}_{v}[_row, _k] = {src}_{v}[{m}_pranks[_k]]")
        for v in ml.global_vars:
            w(f"{m}_{v}[_row] = {src}_{v}[0]")
        w(f"{m}_rows[0] = _row + 1")
        w.dedent()
    if ml.spikes:
        w(f"if {m}_active[0]:")
        w.indent()
        w(f"_n = {m}_spk_n[0]")
        w(f"for _k in range({pc.arr('nspk')}[0]):")
        w.indent()
        w(f"_j = {pc.arr('spk')}[_k]")
        w(f"if {m}_mask[_j]:")
        w(f"    {m}_spk_t[_n] = _step")
        w(f"    {m}_spk_i[_n] = _j")
        w("    _n += 1")
        w.dedent()
        w(f"{m}_spk_n[0] = _n")
        # the next step's spikes might not fit: the driver ends the call
        # after this step and the runtime grows the buffer
        w(f"if _n + {pc.arr('refr')}.shape[0] > {m}_spk_t.shape[0]:")
        w(f"    return {STATUS_GROW}")
        w.dedent()
