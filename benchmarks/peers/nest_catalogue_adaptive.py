"""Reference traces of NEST's adaptive and nonlinear models, for the catalogue.

Run with NEST's own interpreter (NEST is not in the project's venv)::

    /work/nest-venv/bin/python benchmarks/peers/nest_catalogue_adaptive.py [--out DIR] [--only NAME]

For each case below (a NEST model, its NEST defaults or a few documented
overrides) one neuron is simulated at dt = 0.1 ms for 300 ms under the same
kind of protocol:

- excitatory input spikes (``spike_generator``, positive weight) and
  inhibitory ones (a second generator, negative weight), delay 1.0 ms,
  weights chosen so that each PSP is a few mV;
- a DC step (``step_current_generator``, delay 0.1 ms) from 100 to 250 ms,
  strong enough for several output spikes;
- more input spikes of both kinds while the neuron fires.

For ``izhikevich`` a second neuron (NEST defaults) receives the first one's
spikes (weight 20 mV, delay 1.5 ms): its V_m and spikes are stored under
``chain``, to check that a NEST connection delay is the same engine delay.

A multimeter (interval 0.1 ms) records ``V_m`` and the adaptation variable(s)
at every step; a spike recorder the output spikes. Each case is stored in
``tests/data/nest/<case>.json`` with the NEST version, the protocol itself,
the model's user-settable defaults (``nest.GetDefaults``) and the recorded
data (values rounded to 1e-6). The files are generated here and never edited
by hand; tests/workbench/nest/test_adaptive.py rebuilds every protocol in the
engine from them.

NEST's timing, for the record (checked by the tests against the engine):
a spike_generator spike at time T with delay d changes the neuron's state in
the update step that ends at T + d (izhikevich: the jump of V_m is in the
sample at T + d; aeif/hh/glif: the synaptic state is incremented at the end of
that step, so V_m moves from the sample at T + d + 0.1 on); a
step_current_generator amplitude time T with delay d_c first enters the
update step that ends at T + d_c + 0.1. Output spikes are stamped with the end
of the step in which they were detected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import nest
import numpy as np

DT = 0.1
DURATION = 300.0
SPIKE_DELAY = 1.0
DC_DELAY = 0.1
DC_ON, DC_OFF = 100.0, 250.0
EXC_TIMES = [20.0, 50.0, 120.0, 165.0, 210.0, 270.0]
INH_TIMES = [35.0, 70.0, 140.0, 190.0, 230.0, 285.0]

#: keys of GetDefaults that are not the model's own parameters or state
#: (node bookkeeping, structural plasticity, STDP archiving, ignore_and_spike)
NOT_MODEL = {
    "Ca", "beta_Ca", "tau_Ca", "tau_minus", "tau_minus_triplet", "post_trace",
    "archiver_length", "available", "capacity", "element_type", "elementsize",
    "frozen", "global_id", "instantiations", "local", "model", "model_id",
    "node_uses_wfr", "recordables", "synaptic_elements", "t_spike", "thread",
    "thread_local_id", "type_id", "vp", "ignore_and_spike",
    "ignore_and_spike_interval", "ignore_and_spike_offset", "has_connections",
}

#: state variables (settable like parameters, as initial values), per model
STATE = {
    "aeif_cond_alpha": ["V_m", "w", "g_ex", "dg_ex", "g_in", "dg_in"],
    "aeif_cond_exp": ["V_m", "w", "g_ex", "g_in"],
    "izhikevich": ["V_m", "U_m"],
    "hh_psc_alpha": ["V_m", "Act_m", "Act_n", "Inact_h"],
    "glif_psc": ["V_m", "ASCurrents", "threshold_spike", "threshold_voltage"],
}

_GLIF_LEVELS = {
    "lif": (False, False, False),
    "lif_r": (True, False, False),
    "lif_asc": (False, True, False),
    "lif_r_asc": (True, True, False),
    "lif_r_asc_a": (True, True, True),
}


def _glif(level: str) -> dict:
    sdt, asc, at = _GLIF_LEVELS[level]
    return {"spike_dependent_threshold": sdt, "after_spike_currents": asc,
            "adapting_threshold": at}


#: case name -> (model, Create params, exc weight, inh weight (< 0), DC amplitude,
#:               recorded variables, note)
CASES = {
    "aeif_cond_alpha": ("aeif_cond_alpha", {}, 20.0, -20.0, 1000.0, ["V_m", "w"],
                        "NEST defaults; weights in nS"),
    "aeif_cond_exp": ("aeif_cond_exp", {}, 50.0, -25.0, 1000.0, ["V_m", "w"],
                      "NEST defaults; weights in nS"),
    "aeif_cond_exp_t_ref": ("aeif_cond_exp", {"t_ref": 2.0, "V_peak": -20.0}, 50.0, -25.0, 1000.0,
                            ["V_m", "w"], "refractory period and a lower V_peak"),
    "aeif_cond_alpha_delta_t_0": ("aeif_cond_alpha", {"Delta_T": 0.0, "t_ref": 1.0}, 20.0, -20.0,
                                  1000.0, ["V_m", "w"],
                                  "Delta_T = 0 (integrate-and-fire, spike at V_th), t_ref 1 ms"),
    "izhikevich": ("izhikevich", {}, 3.0, -3.0, 15.0, ["V_m", "U_m"],
                   "NEST defaults (consistent_integration); weights are jumps of V_m in mV"),
    "izhikevich_published": ("izhikevich", {"consistent_integration": False}, 30.0, -30.0, 15.0,
                             ["V_m", "U_m"], "the numerics of Izhikevich (2003)"),
    "izhikevich_v_min": ("izhikevich", {"V_min": -72.0, "a": 0.1, "d": 2.0}, 3.0, -30.0, 15.0,
                         ["V_m", "U_m"], "a lower bound of V_m that strong inhibition reaches"),
    "hh_psc_alpha": ("hh_psc_alpha", {}, 500.0, -150.0, 1000.0, ["V_m", "Act_n"],
                     "NEST defaults; weights in pA"),
    "hh_psc_alpha_t_ref": ("hh_psc_alpha", {"t_ref": 1.33, "V_m": -60.0}, 500.0, -150.0, 1500.0,
                           ["V_m"], "t_ref not a multiple of dt (NEST rounds it up), V_m given"),
    "glif_psc": ("glif_psc", {}, 60.0, -60.0, 300.0, ["V_m"],
                 "NEST defaults (level 1, LIF); weights in pA, receptor port 1"),
    "glif_psc_lif_r": ("glif_psc", _glif("lif_r"), 60.0, -60.0, 300.0, ["V_m", "threshold"],
                       "level 2 (LIF_R)"),
    "glif_psc_lif_asc": ("glif_psc", _glif("lif_asc"), 60.0, -60.0, 400.0,
                         ["V_m", "ASCurrents_sum"], "level 3 (LIF_ASC)"),
    "glif_psc_lif_r_asc": ("glif_psc", _glif("lif_r_asc"), 60.0, -60.0, 400.0,
                           ["V_m", "threshold", "ASCurrents_sum"], "level 4 (LIF_R_ASC)"),
    "glif_psc_lif_r_asc_a": ("glif_psc", _glif("lif_r_asc_a"), 60.0, -60.0, 400.0,
                             ["V_m", "threshold", "ASCurrents_sum"], "level 5 (LIF_R_ASC_A)"),
    "glif_psc_singular": ("glif_psc", {**_glif("lif_r_asc_a"), "g": 29.36}, 60.0, -60.0, 1500.0,
                          ["V_m", "threshold"],
                          "level 5 with tau_m = C_m/g = tau_syn (the propagators' singular case)"),
    "glif_psc_3_asc": ("glif_psc", {**_glif("lif_asc"), "asc_decay": [0.003, 0.1, 0.05],
                                    "asc_amps": [-9.18, -198.94, 30.0], "asc_r": [1.0, 0.5, 0.8],
                                    "asc_init": [0.0, 0.0, 0.0], "ASCurrents": [1.0, -2.0, 3.0],
                                    "t_ref": 2.0},
                       60.0, -60.0, 400.0, ["V_m", "ASCurrents_sum"],
                       "level 3 with three after-spike currents and their initial values"),
}


#: cases with a second neuron of the same model driven by the first one
#: (weight, delay): checks that a NEST connection delay d is an engine delay d
CHAIN = {"izhikevich": (20.0, 1.5)}


def _plain(value):
    """A GetDefaults value as JSON (numpy arrays as lists of floats)."""
    if isinstance(value, np.ndarray):
        return [float(x) for x in value.ravel()]
    if isinstance(value, (list, tuple)):
        return [_plain(x) for x in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


def model_defaults(model: str) -> dict:
    d = nest.GetDefaults(model)
    return {k: _plain(v) for k, v in sorted(d.items()) if k not in NOT_MODEL}


def run_case(name: str) -> dict:
    model, params, w_exc, w_inh, amp, record, note = CASES[name]
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    defaults = model_defaults(model)
    neuron = nest.Create(model, params=params)
    port = 1 if model.startswith("glif") else 0
    exc = nest.Create("spike_generator", params={"spike_times": EXC_TIMES})
    inh = nest.Create("spike_generator", params={"spike_times": INH_TIMES})
    dc = nest.Create("step_current_generator",
                     params={"amplitude_times": [DC_ON, DC_OFF], "amplitude_values": [amp, 0.0]})
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": record})
    sr = nest.Create("spike_recorder")
    for gen, weight in ((exc, w_exc), (inh, w_inh)):
        nest.Connect(gen, neuron, syn_spec={"weight": weight, "delay": SPIKE_DELAY,
                                            "receptor_type": port})
    nest.Connect(dc, neuron, syn_spec={"weight": 1.0, "delay": DC_DELAY})
    nest.Connect(mm, neuron)
    nest.Connect(neuron, sr)
    chain = None
    if name in CHAIN:
        w_chain, d_chain = CHAIN[name]
        post = nest.Create(model)
        mm_post = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
        sr_post = nest.Create("spike_recorder")
        nest.Connect(neuron, post, syn_spec={"weight": w_chain, "delay": d_chain})
        nest.Connect(mm_post, post)
        nest.Connect(post, sr_post)
    # the multimeter hands over a slice's data one min-delay later: run past the end
    nest.Simulate(DURATION + 2 * SPIKE_DELAY)
    ev = mm.get("events")
    times = np.asarray(ev["times"], dtype=float)
    keep = times <= DURATION + 1e-9
    times = times[keep]
    n = int(round(DURATION / DT))
    assert len(times) == n and abs(times[0] - DT) < 1e-9, (len(times), times[:2])
    spikes = np.asarray(sr.get("events")["times"], dtype=float)
    spikes = spikes[spikes <= DURATION + 1e-9]
    if name in CHAIN:
        ev_post = mm_post.get("events")
        t_post = np.asarray(ev_post["times"], dtype=float)
        s_post = np.asarray(sr_post.get("events")["times"], dtype=float)
        chain = {"model": model, "params": {}, "weight": w_chain, "delay": d_chain,
                 "V_m": [round(float(x), 6) for x in
                         np.asarray(ev_post["V_m"], dtype=float)[t_post <= DURATION + 1e-9]],
                 "spike_times": [round(float(t), 6) for t in s_post[s_post <= DURATION + 1e-9]]}
    return {
        "case": name,
        "model": model,
        "note": note,
        "nest_version": nest.__version__,
        "generated_by": "benchmarks/peers/nest_catalogue_adaptive.py",
        "resolution": DT,
        "duration": DURATION,
        "params": {k: _plain(v) for k, v in params.items()},
        "defaults": defaults,
        "state": STATE[model],
        "protocol": {
            "exc": {"device": "spike_generator", "spike_times": EXC_TIMES, "weight": w_exc,
                    "delay": SPIKE_DELAY, "receptor_type": port},
            "inh": {"device": "spike_generator", "spike_times": INH_TIMES, "weight": w_inh,
                    "delay": SPIKE_DELAY, "receptor_type": port},
            "dc": {"device": "step_current_generator", "amplitude_times": [DC_ON, DC_OFF],
                   "amplitude_values": [amp, 0.0], "delay": DC_DELAY, "weight": 1.0},
        },
        "record": {
            "interval": DT,
            "first_time": DT,
            "n": n,
            **{var: [round(float(x), 6) for x in np.asarray(ev[var], dtype=float)[keep]]
               for var in record},
        },
        "spike_times": [round(float(t), 6) for t in spikes],
        **({"chain": chain} if chain else {}),
    }


def main(argv=None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "nest"))
    ap.add_argument("--only", action="append", choices=sorted(CASES),
                    help="generate only this case (repeatable)")
    args = ap.parse_args(argv)
    nest.verbosity = nest.VerbosityLevel.ERROR
    os.makedirs(args.out, exist_ok=True)
    for name in args.only or CASES:
        data = run_case(name)
        path = os.path.join(args.out, f"{name}.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        os.replace(tmp, path)
        print(f"{name}: {len(data['spike_times'])} spikes, "
              f"{os.path.getsize(path) / 1000:.0f} kB -> {os.path.normpath(path)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
