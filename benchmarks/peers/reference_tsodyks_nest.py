"""Reference outputs of NEST 3 for ``tsodyks_synapse`` and ``tsodyks2_synapse``
(test data, not a benchmark).

Writes ``tests/data/nest_tsodyks.json``: what each of NEST's two
Tsodyks-Markram synapses transmits at every pre-synaptic spike (the
event's weight, ``weight * u * x``, the jump the post-synaptic neuron
receives) for fixed spike trains, and the synapse's state after the last
spike. tests/engine/runtime/test_peer_tsodyks.py compares them with the
engine's ``engine.models.tsodyks_synapse`` / ``tsodyks2_synapse``. Run by
hand (not in CI) with NEST's venv:

    /work/nest-venv/bin/python benchmarks/peers/reference_tsodyks_nest.py

Each case (resolution ``dt``, synaptic delay ``delay_ms``) is one network:
one ``parrot_neuron`` per spike train, fed by a ``spike_generator``
(generator -> parrot delay: one step, so a parrot spikes at step ``n`` when
its generator fires at ``n - 1``; the recorded steps are checked), and per
parameter set one post-synaptic ``iaf_psc_delta`` per train (one-to-one),
which never fires (``V_th`` 1e9) and does not leak (``tau_m`` 1e20 ms), so
its ``V_m`` is the running sum of what it received.

What is recorded: a ``weight_recorder`` on each synapse model (NEST records
the weight of the event the synapse sent, ``Connector::send_weight_event``,
for every model, so also for these two) gives the transmitted amplitude per
spike, stamped with the pre-synaptic spike time. As an independent check of
"what the post side receives", a ``multimeter`` reads ``V_m`` every step:
its jumps must equal the recorded weights, at step ``n + D`` (``D`` = delay
in steps) for a pre spike at step ``n``; the script stops if not.

Trains (pre-synaptic spike steps ``n = t/dt``): regular trains of 10 spikes
at 5, 20, 50 and 200 Hz from 50 ms, each followed by a recovery test spike
500 ms after its last spike; then three random trains (fixed NumPy seed):
two 20 Hz Bernoulli trains in [50, 1050) ms and one 100 Hz in [50, 250) ms.

Conventions (models/tsodyks_synapse.h, models/tsodyks2_synapse.h): the
synapse runs ``send`` when the pre-synaptic neuron spikes, with
``t_spike`` = that spike's stamp ``n*dt``; the whole delay comes after
(the post neuron gets the event at ``n + D``). ``tsodyks_synapse`` starts
with ``t_lastspike = 0`` (the first interval is ``h = n*dt``, which matters
only when the initial state is not at rest: ``x + y < 1``, ``y > 0``, or
``u > 0`` with ``tau_fac > 0``); ``tsodyks2_synapse`` starts with
``t_lastspike = -1`` ("no spike yet": the first spike is sent with the
initial ``x`` and ``u``). The ``*_off_rest`` parameter sets pin these two.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from _common import write_reference  # noqa: E402  (benchmarks/peers, beside this script)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "data", "nest_tsodyks.json")

#: parameter sets: NEST model and its synapse parameters (initial state too)
PARAMS = {
    "tsodyks_depressing": {"model": "tsodyks_synapse", "params": dict(
        U=0.5, tau_rec=800.0, tau_fac=0.0, tau_psc=3.0)},
    "tsodyks_facilitating": {"model": "tsodyks_synapse", "params": dict(
        U=0.1, tau_fac=1000.0, tau_rec=100.0, tau_psc=3.0)},
    # y inactivates slowly: the y -> z -> x route delays the recovery
    "tsodyks_slow_psc": {"model": "tsodyks_synapse", "params": dict(
        U=0.4, tau_psc=30.0, tau_rec=100.0, tau_fac=50.0)},
    # not at rest at t = 0: the first interval (t_lastspike = 0) matters
    "tsodyks_off_rest": {"model": "tsodyks_synapse", "params": dict(
        U=0.3, tau_psc=10.0, tau_rec=200.0, tau_fac=300.0, x=0.6, y=0.2, u=0.3)},
    "tsodyks2_depressing": {"model": "tsodyks2_synapse", "params": dict(
        U=0.5, u=0.5, tau_rec=800.0, tau_fac=0.0)},
    # NEST's u does not follow U (default u = 0.5): u = U starts at rest
    "tsodyks2_facilitating": {"model": "tsodyks2_synapse", "params": dict(
        U=0.1, u=0.1, tau_fac=1000.0, tau_rec=100.0)},
    # the first spike is sent with the initial x*u = 0.18 (t_lastspike = -1)
    "tsodyks2_off_rest": {"model": "tsodyks2_synapse", "params": dict(
        U=0.2, u=0.3, x=0.6, tau_rec=300.0, tau_fac=200.0)},
}
STATE = {"tsodyks_synapse": ("x", "y", "u"), "tsodyks2_synapse": ("x", "u")}
W0 = 2.0
T0_MS = 50.0
REGULAR_HZ = (5.0, 20.0, 50.0, 200.0)
N_REGULAR = 10
RECOVERY_MS = 500.0
#: random trains: (rate Hz, start ms, length ms)
RANDOM = ((20.0, 50.0, 1000.0), (20.0, 50.0, 1000.0), (100.0, 50.0, 200.0))
T_END_MS = 2400.0
POST = {"tau_m": 1e20, "V_th": 1e9, "E_L": 0.0, "V_m": 0.0, "V_reset": 0.0, "I_e": 0.0}


def spike_trains(dt: float):
    """Pre-synaptic spike steps per train, and a label per train."""
    trains, labels = [], []
    for hz in REGULAR_HZ:
        times = [T0_MS + i * 1000.0 / hz for i in range(N_REGULAR)]
        times.append(times[-1] + RECOVERY_MS)
        trains.append([int(round(t / dt)) for t in times])
        labels.append(f"regular {hz:g} Hz + recovery")
    rng = np.random.default_rng(2511)
    for hz, start, length in RANDOM:
        n = int(round(length / dt))
        first = int(round(start / dt))
        trains.append([first + int(k) for k in np.flatnonzero(rng.random(n) < hz * dt / 1000.0)])
        labels.append(f"random {hz:g} Hz")
    assert all(t[-1] * dt < T_END_MS - 10.0 for t in trains)
    return trains, labels


def run_case(nest, dt: float, delay_ms: float, trains):
    """Amplitudes per parameter set and train (checked against the post
    neurons' ``V_m`` jumps) and the final synapse states."""
    nest.ResetKernel()
    nest.set(resolution=dt, print_time=False)
    n = len(trains)
    D = int(round(delay_ms / dt))
    pre = nest.Create("parrot_neuron", n)
    gen = nest.Create("spike_generator", n)
    for i in range(n):
        gen[i].set(spike_times=[(s - 1) * dt for s in trains[i]])
    nest.Connect(gen, pre, "one_to_one", syn_spec={"delay": dt})
    rec_pre = nest.Create("spike_recorder")
    nest.Connect(pre, rec_pre)
    posts, recorders = {}, {}
    for name, spec in PARAMS.items():
        recorders[name] = nest.Create("weight_recorder")
        nest.CopyModel(spec["model"], f"{name}_rec", {"weight_recorder": recorders[name]})
        posts[name] = nest.Create("iaf_psc_delta", n, params=POST)
        syn = {"synapse_model": f"{name}_rec", "weight": W0, "delay": delay_ms, **spec["params"]}
        nest.Connect(pre, posts[name], "one_to_one", syn_spec=syn)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": dt})
    for p in posts.values():
        nest.Connect(mm, p)
    nest.Simulate(T_END_MS)

    first_pre = pre[0].global_id
    got = [[] for _ in range(n)]
    ev = rec_pre.get("events")
    for s, t in zip(ev["senders"], ev["times"]):
        got[int(s) - first_pre].append(int(round(t / dt)))
    if [sorted(g) for g in got] != trains:
        raise RuntimeError("NEST's parrots did not spike at the chosen steps")

    mev = mm.get("events")
    amplitudes, final = {}, {}
    for name, spec in PARAMS.items():
        first_post = posts[name][0].global_id
        wev = recorders[name].get("events")
        amp = [[] for _ in range(n)]
        order = np.lexsort((wev["targets"], wev["times"]))
        for k in order:
            i = int(wev["targets"][k]) - first_post
            if int(wev["senders"][k]) - first_pre != i:
                raise RuntimeError("weight_recorder: unexpected sender/target pair")
            step = int(round(wev["times"][k] / dt))
            if step != trains[i][len(amp[i])]:
                raise RuntimeError("weight_recorder: event at an unexpected step")
            amp[i].append(float(wev["weights"][k]))
        for i in range(n):
            if len(amp[i]) != len(trains[i]):
                raise RuntimeError(f"{name}: {len(amp[i])} events for {len(trains[i])} spikes")
            # what the post neuron received: jumps of V_m, one step per row
            sel = mev["senders"] == first_post + i
            steps = np.rint(mev["times"][sel] / dt).astype(int)
            v = mev["V_m"][sel]
            jumps = np.diff(np.concatenate([[0.0], v]))
            where = np.flatnonzero(jumps)
            if not np.array_equal(steps[where], np.array(trains[i]) + D):
                raise RuntimeError(f"{name}: V_m jumps not at n + D")
            if np.abs(jumps[where] - amp[i]).max() > 1e-12:
                raise RuntimeError(f"{name}: V_m jumps differ from the recorded weights")
        amplitudes[name] = amp
        state = {k: [] for k in STATE[spec["model"]]}
        for i in range(n):
            conn = nest.GetConnections(pre[i], posts[name][i])
            for k in state:
                state[k].append(float(conn.get(k)))
        final[name] = state
    return amplitudes, final


def main():
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    cases = []
    for dt in (1.0, 0.1):
        trains, labels = spike_trains(dt)
        for delay_ms in (1.0, 3.0):
            print(f"NEST: dt={dt}, delay={delay_ms}", file=sys.stderr)
            amplitudes, final = run_case(nest, dt, delay_ms, trains)
            cases.append({"dt": dt, "delay_ms": delay_ms, "train_labels": labels,
                          "pre_steps": trains, "amplitudes": amplitudes,
                          "final_state": final})
    out = {
        "generator": "benchmarks/peers/reference_tsodyks_nest.py",
        "peer": f"NEST {nest.__version__}",
        "model": ("tsodyks_synapse and tsodyks2_synapse from parrot_neuron to iaf_psc_delta "
                  "(tau_m 1e20 ms, V_th 1e9 mV: V_m sums the received weights)"),
        "recorded": ("amplitudes: weight of each event sent (weight_recorder), = weight*u*x, "
                     "in the order of the pre spikes; checked equal (1e-12) to the V_m jumps "
                     "of the post neuron at step n + D. final_state: x, u (and y) of the "
                     "connection after the run (GetConnections)."),
        "params": PARAMS, "w0": W0, "t_end_ms": T_END_MS,
        "convention": (
            "steps are integers n = t/dt of NEST's pre-synaptic spike stamps (recorded, equal "
            "to the chosen ones). NEST's synapse runs at the pre spike with t_spike = n*dt and "
            "the post neuron receives the event at step n + D (delay D*dt). tsodyks_synapse "
            "starts with t_lastspike = 0 (first interval h = n*dt); tsodyks2_synapse with "
            "t_lastspike = -1 (first spike sent with the initial x and u). The engine runs "
            "pre_spike at arrival, t = (n + D)*dt, for a pre spike emitted at step n: same "
            "intervals, same arrival step n + D; only tsodyks_synapse's first interval "
            "differs, by D*dt, unless the engine's t_last starts at the delay."),
        "cases": cases,
    }
    write_reference(OUT, out)


if __name__ == "__main__":
    main()
