"""Reference outputs of ANNarchy 5 for the order of events within a step (test data).

Writes ``tests/data/annarchy_event_order.json``: what ANNarchy records, step
by step, for small networks whose only purpose is to pin down *when* things
happen: spike delivery with the default and longer delays, a spike emitted by
a neuron reaching the next one, refractoriness, rate-coded sums reading the
previous step, ``CurrentInjection``, and what a monitor with a period and an
offset records. tests/engine/runtime/test_peer_event_order.py builds the same
networks with the engine (this module's ``build``, called with ``engine`` in
place of ``ANNarchy``: the same script with only the import changed) and
compares every recorded value (to 1e-9) and every spike step.

Run by hand in the peers venv (benchmarks/install_peers.sh), not in CI:

    .venv-peers/bin/python benchmarks/peers/reference_event_order_annarchy.py

The networks (all in one ``Network`` per dt, dt = 1 and 0.5 ms):

- ``src``: a SpikeSourceArray of 3 neurons (spike times below, in ms).
- ``cur``: ``tau dv/dt = -v + g_exc - g_inh``, ``tau_s dg/dt = -g`` for both
  targets (no spikes). ``src -> cur`` one-to-one on ``exc`` with the default
  delay (one step) and weight 1; on ``inh`` with a 3 ms delay and weight 0.5.
  Recorded every step: v, g_exc, g_inh.
- ``lif``: ``dv/dt = (-v + g_exc) / tau``, spikes when ``v > 0.5``, reset
  ``v = 0``, refractory 2 ms, driven one-to-one by ``src`` with weight 2
  (``g_exc`` decays with tau_s). ``lif -> cur2`` (``v = g_exc`` instantly,
  decaying g_exc) with per-synapse delays 0 (one step), 1 and 2.5 ms.
  Recorded: lif's spike steps and v every step; cur2's v every step.
- ``inp``: InputArray(2), r set from Python (1.0 before the first run, 3.0
  after ``steps_a`` steps). ``ra``: ``r = sum(exc)`` (no ODE); ``rb``:
  ``tau dr/dt = -r + sum(exc)`` fed by ``ra``. Recorded every step: r of both.
- ``ci``: ``CurrentInjection(inp -> inj, 'exc')`` into a spiking population
  ``inj`` with ``v = g_exc`` (and a threshold never reached). Recorded: v.
- monitor ``mp`` on ``cur`` v with ``period = 2 ms`` and ``period_offset =
  1 ms``: its values and ``times()``.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from importlib.metadata import version

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "data", "annarchy_event_order.json")

SRC_TIMES = [[2.0, 10.0, 11.0], [5.0, 6.0, 7.0], [4.0, 20.0]]
LIF_DELAYS = [0.0, 1.0, 2.5]        # ms; 0 means ANNarchy's minimum, one step
T_A_MS, T_B_MS = 15.0, 25.0          # two runs; inp.r changes between them
TAU, TAU_S = 10.0, 5.0


def build(ann, dt: float):
    """The networks above, built with the simulator module ``ann`` (ANNarchy or engine)."""
    net = ann.Network(dt=dt)
    Cur = ann.Neuron(parameters=dict(tau=TAU, tau_s=TAU_S), equations=[
        "tau * dv/dt = -v + g_exc - g_inh",
        "tau_s * dg_exc/dt = -g_exc",
        "tau_s * dg_inh/dt = -g_inh",
    ], spike="v > 1000.0", reset="v = 0.0")
    Lif = ann.Neuron(parameters=dict(tau=TAU, tau_s=TAU_S), equations=[
        "tau * dv/dt = -v + g_exc",
        "tau_s * dg_exc/dt = -g_exc",
    ], spike="v > 0.5", reset="v = 0.0", refractory=2.0)
    Instant = ann.Neuron(parameters=dict(tau_s=TAU_S), equations=[
        "v = g_exc",
        "tau_s * dg_exc/dt = -g_exc",
    ], spike="v > 1000.0", reset="v = 0.0")
    RateSum = ann.Neuron(equations="r = sum(exc)")
    RateOde = ann.Neuron(parameters=dict(tau=TAU), equations="tau * dr/dt = -r + sum(exc)")
    Injected = ann.Neuron(equations="v = g_exc", spike="v > 1000.0", reset="v = 0.0")

    src = net.create(ann.SpikeSourceArray(spike_times=SRC_TIMES))
    cur = net.create(3, Cur)
    lif = net.create(3, Lif)
    cur2 = net.create(3, Instant)
    inp = net.create(ann.InputArray(geometry=2))
    ra = net.create(2, RateSum)
    rb = net.create(2, RateOde)
    inj = net.create(2, Injected)

    net.connect(src, cur, "exc").one_to_one(weights=1.0)
    net.connect(src, cur, "inh").one_to_one(weights=0.5, delays=3.0)
    net.connect(src, lif, "exc").one_to_one(weights=2.0)
    for i, d in enumerate(LIF_DELAYS):      # one synapse per neuron, each with its own delay
        net.connect(lif[i], cur2[i], "exc").one_to_one(weights=1.0, delays=max(d, dt))
    net.connect(inp, ra, "exc").one_to_one(weights=1.0)
    net.connect(ra, rb, "exc").one_to_one(weights=1.0)
    net.connect(ann.CurrentInjection(inp, inj, "exc")).connect_current()

    monitors = {
        "cur": net.monitor(cur, ["v", "g_exc", "g_inh"]),
        "lif": net.monitor(lif, ["v", "spike"]),
        "cur2": net.monitor(cur2, "v"),
        "ra": net.monitor(ra, "r"),
        "rb": net.monitor(rb, "r"),
        "inj": net.monitor(inj, "v"),
        "periodic": net.monitor(cur, "v", period=2.0, period_offset=1.0),
    }
    if ann.__name__.startswith("ANNarchy"):
        net.compile(directory=tempfile.mkdtemp(prefix="annarchy_order_"))
    else:
        net.compile()
    inp.r = 1.0
    net.simulate(T_A_MS)
    inp.r = 3.0
    net.simulate(T_B_MS - T_A_MS)
    out = {}
    for name, m in monitors.items():
        if name == "periodic":
            out["periodic_v"] = np.asarray(m.get("v")).tolist()
            times = m.times()["v"]
            out["periodic_times"] = [times["start"], times["stop"]]
        elif name == "lif":
            data = m.get(["v", "spike"])
            out["lif_v"] = np.asarray(data["v"]).tolist()
            out["lif_spike_steps"] = {str(k): [int(round(t)) for t in v]
                                      for k, v in data["spike"].items()}
        else:
            for var, arr in m.get().items():
                out[f"{name}_{var}"] = np.asarray(arr).tolist()
    return out


def main() -> int:
    import ANNarchy as ann
    result = {
        "generator": "benchmarks/peers/reference_event_order_annarchy.py",
        "peer": f"ANNarchy {version('ANNarchy')}",
        "convention": ("ANNarchy's: monitors record after the step's update (the value at t = "
                       "(k+1) dt is row k); spike steps are ANNarchy's recorded steps."),
        "cases": [],
    }
    for dt in (1.0, 0.5):
        result["cases"].append({"dt": dt, **build(ann, dt)})
    with open(OUT, "w") as f:
        json.dump(result, f)
    print("wrote", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
