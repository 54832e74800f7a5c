"""CompNeuroPy's simulation functions: set an attribute, simulate, restore.

Each function sets attribute(s) of one population, simulates that
population's network, and puts the previous values back afterwards, so a
protocol leaves the model as it found it (CompNeuroPy's rule). ``pop`` is a
population name (looked up in the active network) or a
:class:`engine.Population`. Durations are in ms and should be whole numbers
of time steps (the engine rounds them to steps).

Return values follow CompNeuroPy (``current_step`` returns ``duration`` and
``current_arr``, the value at each time step); some functions add keys
(``durations``, ``amplitudes``) that CompNeuroPy lacks.
"""

from __future__ import annotations

import numpy as np

from workbench.compneuro import _resolve
from workbench.compneuro.errors import CompNeuroError

__all__ = [
    "attr_sim", "attribute_step", "attr_ramp", "increasing_attr",
    "current_stim", "current_step", "current_ramp", "increasing_current",
]


def _steps(pop, t, who) -> int:
    dt = pop.network.dt
    if isinstance(t, bool) or not isinstance(t, (int, float, np.number)) or not np.isfinite(t) \
            or t < 0:
        raise CompNeuroError(f"{who}: duration must be a finite number of ms >= 0, got {t!r}")
    return int(round(t / dt))


def attr_sim(pop, attr_dict, t=500):
    """Simulate ``t`` ms with the attributes of ``attr_dict`` set, then
    restore their previous values.

    Parameters
    ----------
    pop : str or engine.Population
    attr_dict : dict
        ``{attribute: value}``; a value may be one number or one per neuron.
    t : float
        Duration, ms.

    Returns
    -------
    dict
        ``{attribute: [value] * steps}``: the value at every time step.

    Raises
    ------
    CompNeuroError
        If the population lacks one of the attributes (nothing is simulated).
    """
    p = _resolve.population(pop)
    if not isinstance(attr_dict, dict):
        raise CompNeuroError(f"attr_sim: attr_dict must be a dict {{attribute: value}}, got "
                             f"{type(attr_dict).__name__}")
    for attr in attr_dict:
        _resolve.require_attribute(p, attr, "attr_sim")
    n = _steps(p, t, "attr_sim")
    previous = {attr: np.copy(getattr(p, attr)) for attr in attr_dict}
    try:
        for attr, value in attr_dict.items():
            setattr(p, attr, value)
        p.network.simulate(t)
    finally:
        for attr, value in previous.items():
            setattr(p, attr, value)
    return {attr: [value] * n for attr, value in attr_dict.items()}


def attribute_step(pop, attr, t1=500, t2=500, v1=0, v2=100):
    """``attr`` = ``v1`` for ``t1`` ms, then ``v2`` for ``t2`` ms.

    Returns ``{"duration": t1 + t2, "v_arr": value per step, "durations":
    [t1, t2], "values": [v1, v2]}``.
    """
    first = attr_sim(pop, {attr: v1}, t=t1)[attr]
    second = attr_sim(pop, {attr: v2}, t=t2)[attr]
    return {"duration": t1 + t2, "v_arr": np.array(first + second),
            "durations": [t1, t2], "values": [v1, v2]}


def attr_ramp(pop, attr, v0, v1, dur, n):
    """``n`` equal stimulations of ``dur / n`` ms each, ``attr`` going
    linearly from ``v0`` (first) to ``v1`` (last).

    Returns ``{"dv": step of the value, "dur_stim": dur / n, "v_arr": value
    per step}``.

    Raises
    ------
    CompNeuroError
        If ``n < 2`` (a ramp needs two ends) or ``dur / n`` is not a whole
        number of time steps.
    """
    p = _resolve.population(pop)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise CompNeuroError(f"attr_ramp: n must be an integer >= 2 (the first stimulation has "
                             f"v0, the last v1), got {n!r}")
    dt = p.network.dt
    dur_stim = dur / n
    if abs(round(dur_stim / dt) * dt - dur_stim) > 1e-9 * max(1.0, dur_stim):
        raise CompNeuroError(f"attr_ramp: dur / n = {dur}/{n} = {dur_stim} ms is not a whole "
                             f"number of time steps (dt = {dt} ms)")
    dv = (v1 - v0) / (n - 1)
    values = []
    for i in range(n):
        values.extend(attr_sim(p, {attr: v0 + i * dv}, t=dur_stim)[attr])
    return {"dv": dv, "dur_stim": dur_stim, "v_arr": np.array(values)}


def increasing_attr(pop, attr, v0, dv, nr_steps, dur_step):
    """``nr_steps`` stimulations of ``dur_step`` ms, ``attr`` = ``v0``,
    ``v0 + dv``, ...

    Returns ``{"attr_list": value of each stimulation, "v_arr": value per step}``.
    """
    if isinstance(nr_steps, bool) or not isinstance(nr_steps, (int, np.integer)) \
            or nr_steps < 0:
        raise CompNeuroError(f"increasing_attr: nr_steps must be an integer >= 0, got "
                             f"{nr_steps!r}")
    p = _resolve.population(pop)
    attr_list, values = [], []
    for i in range(nr_steps):
        v = v0 + i * dv
        attr_list.append(v)
        values.extend(attr_sim(p, {attr: v}, t=dur_step)[attr])
    return {"attr_list": attr_list, "v_arr": np.array(values)}


def current_stim(pop, t=500, a=100):
    """``I_app`` = ``a`` for ``t`` ms; returns the current at every step."""
    return np.array(attr_sim(pop, {"I_app": a}, t=t)["I_app"])


def current_step(pop, t1=500, t2=500, a1=0, a2=100):
    """``I_app`` = ``a1`` for ``t1`` ms, then ``a2`` for ``t2`` ms.

    The neuron model needs an ``I_app`` attribute (CompNeuroPy's convention).

    Returns
    -------
    dict
        ``duration`` (t1 + t2), ``current_arr`` (current per step),
        ``durations`` ([t1, t2]) and ``amplitudes`` ([a1, a2]).
    """
    out = attribute_step(pop, "I_app", t1=t1, t2=t2, v1=a1, v2=a2)
    return {"duration": out["duration"], "current_arr": out["v_arr"],
            "durations": [t1, t2], "amplitudes": [a1, a2]}


def current_ramp(pop, a0, a1, dur, n):
    """``n`` stimulations over ``dur`` ms, ``I_app`` from ``a0`` to ``a1``.

    Returns ``{"da", "dur_stim", "current_arr"}`` (see :func:`attr_ramp`).
    """
    out = attr_ramp(pop, "I_app", a0, a1, dur, n)
    return {"da": out["dv"], "dur_stim": out["dur_stim"], "current_arr": out["v_arr"]}


def increasing_current(pop, a0, da, nr_steps, dur_step):
    """``nr_steps`` stimulations of ``dur_step`` ms, ``I_app`` = a0, a0+da, ...

    Returns ``{"current_list", "current_arr"}``.
    """
    out = increasing_attr(pop, "I_app", a0, da, nr_steps, dur_step)
    return {"current_list": out["attr_list"], "current_arr": out["v_arr"]}
