"""``proj.delay = ...``: ANNarchy's way to change the delays of a projection.

Before ``compile()`` any delays can be given: one number (a uniform delay) or
one value per synapse, as the getter returns them (a list per dendrite) or
flat in storage order. After ``compile()`` the kernels are generated for a
delay mode (none, uniform, per synapse) and the pre-synaptic history is sized
for the longest delay; new delays that keep the mode and fit in that history
are written in place, others are refused with the reason (ANNarchy resizes its
buffers instead). Without this the assignment used to be stored as a plain
Python attribute, silently leaving the delays unchanged.
"""

from __future__ import annotations

import numpy as np

from engine.errors import NetworkError

__all__ = ["set_delays"]


def _per_synapse_ms(proj, value) -> float | np.ndarray:
    """``value`` as one number or an array of ms in storage order."""
    # (np.ndim of a ragged list, one list per dendrite, raises in numpy)
    if not isinstance(value, (list, tuple)) and np.ndim(value) == 0:
        return float(value)
    order, row_ptr, ranks = proj._dendrite_index()
    nnz = proj._col.shape[0]
    if len(value) == len(ranks) and all(np.ndim(v) == 1 for v in value):
        sizes = [int(row_ptr[r + 1] - row_ptr[r]) for r in ranks]
        if [len(v) for v in value] != sizes:
            raise NetworkError(f"projection {proj.name!r}: delay lists must have one value per "
                               f"synapse of each dendrite (sizes {sizes[:10]}), got "
                               f"{[len(v) for v in value][:10]}")
        flat = np.concatenate([np.asarray(v, dtype=float) for v in value]) if value else \
            np.zeros(0)
        out = np.empty(nnz)
        out[order] = flat      # dendrite order -> storage order
        return out
    flat = np.asarray(value, dtype=float).ravel()
    if flat.size != nnz:
        raise NetworkError(f"projection {proj.name!r}: give one delay, a list per dendrite or "
                           f"{nnz} values (one per synapse), got {flat.size} values")
    return flat


def _capacity(proj) -> int:
    """The longest delay (steps) the compiled history of the pre-synaptic population holds."""
    pre = proj.pre_population
    histories = [a for k, a in pre._internals.items() if k.startswith("rhist")]
    if not pre.spiking and histories:
        return int(histories[0].shape[0])
    return proj.max_delay_steps


def set_delays(proj, value) -> None:
    proj._require_connected()
    net = proj.network
    new_ms = _per_synapse_ms(proj, value)
    for bound in (np.min(new_ms), np.max(new_ms)) if np.size(new_ms) else ():
        proj._to_steps(float(bound), net.dt)   # finite, >= 0, within the int32 range
    if not net.compiled:
        proj._delays_ms = new_ms
        proj._delays_to_steps(net.dt)
        return
    mode = net._delay_mode(proj)
    steps = np.maximum(1, np.rint(np.asarray(new_ms) / net.dt)).astype(np.int32)
    longest = int(steps.max()) if steps.size else 1
    who = f"projection {proj.name!r}"
    if mode == "none" and longest > 1:
        raise NetworkError(f"{who} was compiled without delays: set delays longer than dt "
                           f"before compile() (or connect with delays=...)")
    if mode == "uniform" and steps.size and np.ndim(new_ms) and steps.min() != steps.max():
        raise NetworkError(f"{who} was compiled with one delay for all synapses: per-synapse "
                           f"delays must be set before compile()")
    if mode != "none" and longest > _capacity(proj):
        raise NetworkError(f"{who}: a delay of {longest * net.dt:g} ms exceeds the "
                           f"{_capacity(proj) * net.dt:g} ms the compiled network keeps in "
                           f"its history; set the longest delay before compile()")
    proj._delays_ms = new_ms
    if proj._delays is None:              # compiled uniform (or none)
        proj._delay_steps = longest
    else:                                 # compiled per synapse: in place, same array
        proj._delays[...] = np.broadcast_to(steps, proj._delays.shape)
        proj._delay_steps = longest
