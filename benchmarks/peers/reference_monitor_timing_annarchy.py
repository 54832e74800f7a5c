"""Reference outputs of ANNarchy 5 for *when* monitors record (test data).

Writes ``tests/data/annarchy_monitor_timing.json``: what ANNarchy's monitors
return (rows, values, spike steps and ``times()``) for monitors with periods
and period offsets, views, ``start=False`` then ``start()``, ``pause()`` and
``resume()``, ``reset()``, ``get()`` between runs (draining, ``keep=True``,
one variable of two) and a monitor created after ``compile()`` in mid-run,
over four ``simulate()`` calls whose durations are not multiples of the
periods. (``start(period=...)`` is left out: in ANNarchy 5.0.4 it raises
``AttributeError: 'PopRecorder0_wrapper' object has no attribute 'period'``.)
tests/engine/runtime/test_monitor_timing.py builds the same network with the
engine (this module's ``build``, called with ``engine`` in place of
``ANNarchy``) and compares every row and value.

Run by hand in the peers venv (benchmarks/install_peers.sh), not in CI:

    .venv-peers/bin/python benchmarks/peers/reference_monitor_timing_annarchy.py

The models make every recorded value a closed form of the step ``s`` it was
recorded at (forward Euler, exact in binary at dt = 1 and 0.5):

- ``clk`` (4 rate-coded neurons): ``r = t`` (``s dt``), ``dc/dt = 1`` (``c =
  (s + 1) dt``, the state after the step's update), ``g = t : population``.
- ``tk`` (4 spiking neurons): ``dv/dt = 1``, spike when ``v >= thr``, reset
  ``v = 0``, ``thr = 2, 3, 5, 7`` ms: neuron ``i`` spikes every
  ``n_i = thr_i / dt`` steps, at steps ``n_i - 1, 2 n_i - 1, ...``.

Schedule (ms): compile at 0; simulate 7; [pause ``paused`` and ``spk``,
``start()`` ``late``, create ``after``];
simulate 5; [``get()`` ``midget``, ``spk``; ``get('r')`` ``partial``; resume
``paused``, ``spk``]; simulate 4; [``reset()`` ``reset``, ``get(keep=True)``
``every``]; simulate 9; get everything.

Convention: ANNarchy's ``times()`` returns steps (its docstring says ms);
the engine's returns ms (``ms = steps * dt``). Spike times are steps in both.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from importlib.metadata import version

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "data", "annarchy_monitor_timing.json")

THRESHOLDS = [2.0, 3.0, 5.0, 7.0]     # ms
RUNS = [7.0, 5.0, 4.0, 9.0]           # ms: the four simulate() calls


def _data(value):
    """JSON form of what get() returned: arrays as lists, spike dicts with str keys."""
    if isinstance(value, dict):
        return {str(k): [int(round(t)) for t in v] for k, v in value.items()}
    return np.asarray(value, dtype=float).tolist()


def build(ann, dt: float, probe=None, with_reset=True):
    """The network and schedule above, built with ``ann`` (ANNarchy or engine).

    ``with_reset=False`` leaves out the ``reset()`` call (the data of the
    ``reset`` monitor then differs; every other monitor's is the same).

    ``probe(label, monitor)`` (optional) is called right before every
    ``get()`` and ``reset()``: the engine's test reads ``recorded_times()``
    there. Returns ``{label: data}``; labels are ``<monitor>@<ms>``.
    """
    net = ann.Network(dt=dt)
    Clock = ann.Neuron(equations=[
        "r = t",
        "dc/dt = 1.0",
        "g = t : population",
    ])
    Ticker = ann.Neuron(parameters="thr = 2.0", equations="dv/dt = 1.0",
                        spike="v >= thr", reset="v = 0.0")
    clk = net.create(4, Clock)
    tk = net.create(4, Ticker)
    tk.thr = np.array(THRESHOLDS)

    m = {
        "every": net.monitor(clk, ["r", "c", "g"]),
        "periodic": net.monitor(clk, ["r", "c"], period=3.0, period_offset=1.0),
        "view": net.monitor(clk[1:3], "r", period=2.0),
        "paused": net.monitor(clk, "r", period=2.0),
        "late": net.monitor(clk, "r", start=False),
        "midget": net.monitor(clk, ["r", "c"], period=2.0),
        "partial": net.monitor(clk, ["r", "c"]),
        "reset": net.monitor(clk, "r", period=2.0, period_offset=1.0),
        "spk": net.monitor(tk, "spike"),
        "spkview": net.monitor(tk[2:4], ["spike", "v"]),
        "tkv": net.monitor(tk, "v", period=2.0, period_offset=1.0),
    }
    if ann.__name__.startswith("ANNarchy"):
        net.compile(directory=tempfile.mkdtemp(prefix="annarchy_montime_"))
    else:
        net.compile()

    out = {}

    def get(name, variables=None, keep=False):
        label = f"{name}@{net.time:g}"
        if probe is not None:
            probe(label, m[name])
        # reshape=False: ANNarchy's default reshape=True fails on a population-wide
        # variable ("cannot reshape array of size 25 into shape (4)")
        data = m[name].get(variables, keep=keep, reshape=False)
        if isinstance(variables, str):
            data = {variables: data}
        out[label] = {var: _data(v) for var, v in data.items()}
        out[label]["times"] = {var: {k: list(v) for k, v in tv.items()}
                               for var, tv in m[name].times(list(data)).items()}

    net.simulate(RUNS[0])                                     # t = 7
    m["paused"].pause()
    m["spk"].pause()
    m["late"].start()
    m["after"] = net.monitor(clk, "r", period=2.0)
    net.simulate(RUNS[1])                                     # t = 12
    get("midget")
    get("spk")
    get("partial", "r")
    m["paused"].resume()
    m["spk"].resume()
    net.simulate(RUNS[2])                                     # t = 16
    if with_reset:
        if probe is not None:
            probe(f"reset@{net.time:g}", m["reset"])
        m["reset"].reset()
    get("every", keep=True)
    net.simulate(RUNS[3])                                     # t = 25
    for name in m:
        get(name)
    return out


def main() -> int:
    import ANNarchy as ann
    result = {
        "generator": "benchmarks/peers/reference_monitor_timing_annarchy.py",
        "peer": f"ANNarchy {version('ANNarchy')}",
        "convention": ("ANNarchy's: row k of a variable is the state after the update of its "
                       "k-th recorded step; spike times and times() are in steps."),
        "cases": [],
    }
    for dt in (1.0, 0.5):
        result["cases"].append({"dt": dt, "data": build(ann, dt)})
    with open(OUT, "w") as f:
        json.dump(result, f)
    print("wrote", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
