"""Reference traces of NEST's integrate-and-fire models for the catalogue tests.

Runs in the NEST venv, never in the main one::

    /work/nest-venv/bin/python benchmarks/peers/nest_catalogue_iaf.py [--out tests/data/nest]

For each of ``iaf_psc_delta``, ``iaf_psc_exp``, ``iaf_psc_alpha``,
``iaf_cond_exp``, ``iaf_cond_alpha`` and ``parrot_neuron`` it simulates one
neuron at ``dt = 0.1`` ms for 300 ms under a fixed protocol and writes
``<out>/<model>.json``:

- ``nest_version``, ``model``, ``dt``, ``duration``;
- ``defaults``: ``nest.GetDefaults(model)`` restricted to the user-settable
  parameters and state variables the catalogue exposes (``keywords``), and
  ``nest_defaults``: every numeric or boolean entry of ``GetDefaults``;
- ``protocol``: the inputs, in NEST's terms. ``spike_inputs`` is a list of
  spike generators, each connected to the neuron with one static synapse
  (``times`` in ms, ``weight`` with NEST's sign: negative is inhibitory,
  ``delay`` in ms); ``step_current`` is one ``step_current_generator``
  (``amplitude_times``/``amplitude_values``, pA) connected with ``delay``;
- ``runs``: one entry per parameter set (``params`` as given to
  ``nest.Create``; the first run uses the defaults), with ``V_m`` recorded by
  a multimeter at every step (``interval = dt``: sample ``i`` is the state at
  ``(i + 1) * dt``, rounded to 1e-9 mV) and the ``spike_times`` of a
  spike_recorder (ms). ``parrot_neuron`` has no ``V_m``.

Everything in the files comes from NEST; the catalogue tests
(tests/workbench/nest/test_iaf.py) rebuild the protocol in the engine from
the file. Re-running this script rewrites the files identically (NEST is
deterministic here: no noise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

DT = 0.1
DURATION = 300.0
ROUND = 9  # decimals of V_m (1e-9 mV)

# user-settable parameters, then state variables, as NEST's status dictionary
# has them (iaf_psc_exp/alpha's I_syn_ex/I_syn_in are recordables only: NEST
# cannot set them, so they are not listed)
KEYWORDS = {
    "iaf_psc_delta": ["E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "I_e", "V_min",
                      "refractory_input", "V_m"],
    "iaf_psc_exp": ["E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "tau_syn_ex",
                    "tau_syn_in", "I_e", "rho", "delta", "V_m"],
    "iaf_psc_alpha": ["E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "tau_syn_ex",
                      "tau_syn_in", "I_e", "V_min", "V_m"],
    "iaf_cond_exp": ["E_L", "C_m", "g_L", "t_ref", "V_th", "V_reset", "E_ex", "E_in",
                     "tau_syn_ex", "tau_syn_in", "I_e", "V_m", "g_ex", "g_in"],
    "iaf_cond_alpha": ["E_L", "C_m", "g_L", "t_ref", "V_th", "V_reset", "E_ex", "E_in",
                       "tau_syn_ex", "tau_syn_in", "I_e", "V_m", "g_ex", "g_in",
                       "dg_ex", "dg_in"],
    "parrot_neuron": [],
}

# spike times (ms, NEST's): a few isolated PSPs, summation, excitation and
# inhibition at the same time, a train at the minimal delay, then input while
# the DC step makes the neuron fire (including spikes that land in
# refractory periods: the 0.5 ms train at 205-215 ms)
EXC_TIMES = [10.0, 20.0, 22.0, 24.0, 40.0, 60.0, 120.0, 135.0, 150.3, 170.0,
             *[round(205.0 + 0.5 * i, 1) for i in range(21)], 270.0]
EXC_FAST_TIMES = [30.0, 30.1, 30.2, 60.9, 125.0, 180.7, 210.2, 280.0]
INH_TIMES = [50.0, 58.7, 130.0, 160.0, 190.0, 212.0, 275.0]
# (60.0 + 1.0 = 60.9 + 0.1 = 58.7 + 2.3 = 61.0: two excitatory and one
#  inhibitory spike arrive in the same step)

# weights (NEST units: mV for delta, pA for psc, nS for cond) giving PSPs of
# a few mV, and a DC step strong enough for several spikes
PROTOCOL_SCALE = {
    "iaf_psc_delta": dict(w_exc=2.0, w_inh=-3.0, dc=500.0),
    "iaf_psc_exp": dict(w_exc=600.0, w_inh=-900.0, dc=500.0),
    "iaf_psc_alpha": dict(w_exc=150.0, w_inh=-220.0, dc=500.0),
    "iaf_cond_exp": dict(w_exc=40.0, w_inh=-20.0, dc=400.0),
    "iaf_cond_alpha": dict(w_exc=15.0, w_inh=-8.0, dc=400.0),
    "parrot_neuron": dict(w_exc=1.0, w_inh=-1.0, dc=0.0),
}

# the runs: defaults first, then parameter sets exercising the other branches
# (refractory input, V_min, the singular propagator tau_syn == tau_m, E_L
# moved, an initial V_m, a base I_e)
RUNS = {
    "iaf_psc_delta": [
        {},
        {"refractory_input": True},
        {"E_L": -65.0, "C_m": 200.0, "tau_m": 15.0, "t_ref": 3.0, "V_th": -52.0,
         "V_reset": -67.0, "I_e": 40.0, "V_min": -66.5, "V_m": -60.0},
    ],
    "iaf_psc_exp": [
        {},
        {"E_L": -65.0, "C_m": 200.0, "tau_m": 10.0, "t_ref": 1.5, "V_th": -52.0,
         "V_reset": -67.0, "tau_syn_ex": 10.0, "tau_syn_in": 5.0, "I_e": 40.0,
         "V_m": -60.0},
    ],
    "iaf_psc_alpha": [
        {},
        {"E_L": -65.0, "C_m": 200.0, "tau_m": 12.0, "t_ref": 1.5, "V_th": -52.0,
         "V_reset": -67.0, "tau_syn_ex": 3.0, "tau_syn_in": 12.0, "I_e": 40.0,
         "V_min": -66.0, "V_m": -60.0},
    ],
    "iaf_cond_exp": [
        {},
        {"E_L": -65.0, "C_m": 300.0, "g_L": 25.0, "t_ref": 1.0, "V_th": -50.0,
         "V_reset": -65.0, "E_ex": 10.0, "E_in": -80.0, "tau_syn_ex": 1.5,
         "tau_syn_in": 5.0, "I_e": 60.0, "V_m": -55.0},
    ],
    "iaf_cond_alpha": [
        {},
        {"E_L": -65.0, "C_m": 300.0, "g_L": 25.0, "t_ref": 1.0, "V_th": -50.0,
         "V_reset": -65.0, "E_ex": 10.0, "E_in": -80.0, "tau_syn_ex": 1.5,
         "tau_syn_in": 5.0, "I_e": 60.0, "V_m": -55.0},
    ],
    "parrot_neuron": [{}],
}


def protocol(model: str) -> dict:
    s = PROTOCOL_SCALE[model]
    return {
        "spike_inputs": [
            {"times": EXC_TIMES, "weight": s["w_exc"], "delay": 1.0},
            {"times": EXC_FAST_TIMES, "weight": s["w_exc"], "delay": DT},
            {"times": INH_TIMES, "weight": s["w_inh"], "delay": 2.3},
        ],
        "step_current": (None if model == "parrot_neuron" else
                         {"amplitude_times": [100.0, 230.0],
                          "amplitude_values": [s["dc"], 0.0], "delay": 0.5}),
    }


def _plain(value):
    """JSON-ready copy of a NEST value (numpy scalars to Python numbers)."""
    if isinstance(value, bool):
        return value
    try:
        import numpy as np
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return float(value)
    except ImportError:  # pragma: no cover
        pass
    return value


def run(nest, model: str, params: dict, proto: dict) -> dict:
    nest.ResetKernel()
    nest.resolution = DT
    neuron = nest.Create(model, params=params)
    for inp in proto["spike_inputs"]:
        gen = nest.Create("spike_generator", params={"spike_times": inp["times"]})
        nest.Connect(gen, neuron, syn_spec={"weight": inp["weight"], "delay": inp["delay"]})
    sc = proto["step_current"]
    if sc is not None:
        gen = nest.Create("step_current_generator", params={
            "amplitude_times": sc["amplitude_times"], "amplitude_values": sc["amplitude_values"]})
        nest.Connect(gen, neuron, syn_spec={"delay": sc["delay"]})
    rec = nest.Create("spike_recorder")
    nest.Connect(neuron, rec)
    mm = None
    if model != "parrot_neuron":
        mm = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
        nest.Connect(mm, neuron)
    # a multimeter hands over its samples one min-delay late: simulate a bit
    # longer and keep (0, DURATION]
    nest.Simulate(DURATION + 5.0)
    end = DURATION + DT / 2
    out = {"params": params,
           "spike_times": [round(float(t), 10) for t in rec.events["times"] if t < end]}
    if mm is not None:
        ev = mm.events
        keep = [i for i, t in enumerate(ev["times"]) if t < end]
        times = [float(ev["times"][i]) for i in keep]
        n = round(DURATION / DT)
        assert len(times) == n and abs(times[0] - DT) < 1e-9 and abs(times[-1] - DURATION) < 1e-9
        assert all(abs(t - (i + 1) * DT) < 1e-9 for i, t in enumerate(times))
        out["V_m"] = [round(float(ev["V_m"][i]), ROUND) for i in keep]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "nest"))
    ap.add_argument("--models", nargs="*", default=list(KEYWORDS))
    args = ap.parse_args(argv)

    import nest
    nest.verbosity = nest.VerbosityLevel.ERROR
    os.makedirs(args.out, exist_ok=True)
    for model in args.models:
        proto = protocol(model)
        nest.ResetKernel()
        all_defaults = {k: _plain(v) for k, v in nest.GetDefaults(model).items()
                        if isinstance(_plain(v), (bool, int, float))}
        keys = KEYWORDS[model]
        missing = [k for k in keys if k not in all_defaults]
        assert not missing, (model, missing)
        data = {
            "generator": "benchmarks/peers/nest_catalogue_iaf.py",
            "nest_version": nest.__version__,
            "model": model,
            "dt": DT,
            "duration": DURATION,
            "keywords": keys,
            "defaults": {k: all_defaults[k] for k in keys},
            "nest_defaults": all_defaults,
            "protocol": proto,
            "runs": [run(nest, model, params, proto) for params in RUNS[model]],
        }
        path = os.path.join(args.out, f"{model}.json")
        with open(path, "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        spikes = [len(r["spike_times"]) for r in data["runs"]]
        print(f"{model}: {os.path.getsize(path) / 1000:.1f} kB, output spikes per run {spikes}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
