"""Reference outputs of NEST 3 for its ``stdp_synapse`` (test data, not a benchmark).

Writes ``tests/data/nest_stdp_synapse.json``: the final weights NEST gives
its ``stdp_synapse`` for fixed pre- and post-synaptic spike times, which
tests/engine/runtime/test_peer_stdp_synapse.py compares with the engine's
``engine.models.stdp_synapse``. Run by hand (not in CI) with NEST's venv:

    /work/nest-venv/bin/python benchmarks/peers/reference_stdp_synapse_nest.py

Each case (resolution ``dt``, synaptic delay ``delay_ms``) is one network of
independent connections ``pre[i] -> post[i]``, both ``parrot_neuron``s fed
by ``spike_generator``s (generator -> parrot delay: one step, so a parrot
spikes at step ``n`` when its generator fires at ``n - 1``). The plastic
connection targets receptor 1 of the post parrot, where spikes are not
repeated, so the post spikes are exactly the chosen ones. The recorded
spike steps (``spike_recorder``, ``t/dt``) are stored and are what the
weights belong to.

Connections ``0 .. n_pairs-1`` see one pre spike at 100 ms and one post
spike ``offset_ms[i]`` later (the pair curve); the others see independent
20 Hz Poisson trains (fixed NumPy seed) in [50, 1050) ms, without the
post spikes that would make a ``Delta = 0`` pair (below). Every pre train
ends with a spike at ``t_last_pre_ms`` (1500 ms): NEST applies the
facilitation of a post spike only at the next pre spike, so this last spike
makes every post spike count in the weight read by ``GetConnections``
(its own depression is ~1e-10 of a step, and the engine sees it too).

NEST's convention (models/stdp_synapse.h, nestkernel/archiving_node.cpp):
the whole delay is dendritic. At a pre spike at ``t``: facilitation for each
post spike at ``t_post`` with ``t_last < t_post + d <= t``, by
``Kplus(t_post + d)`` (pre trace without the spike at ``t``); then
depression by ``Kminus(t - d)``, the post trace of spikes strictly before
``t - d``. So a pre spike and a post spike interact through
``Delta = t_post + d - t_pre``: potentiation ``exp(-Delta/tau_plus)`` for
``Delta > 0``, depression ``exp(Delta/tau_minus)`` for ``Delta < 0``, none
for ``Delta = 0``.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from _common import write_reference  # noqa: E402  (benchmarks/peers, beside this script)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "data", "nest_stdp_synapse.json")

#: parameter sets: NEST's defaults (multiplicative) and an additive variant
PARAMS = {
    "multiplicative": dict(tau_plus=20.0, tau_minus=20.0, lambda_=0.01, alpha=1.0,
                           mu_plus=1.0, mu_minus=1.0, Wmax=100.0),
    "additive": dict(tau_plus=15.0, tau_minus=30.0, lambda_=0.02, alpha=1.2,
                     mu_plus=0.0, mu_minus=0.0, Wmax=100.0),
}
W0 = 50.0
T_PAIR_PRE_MS = 100.0
T_LAST_PRE_MS = 1500.0
T_END_MS = 1600.0
N_TRAINS = 8
OFFSETS_MS = [-60.0, -40.0, -25.0, -15.0, -10.0, -6.0, -4.0, -3.0, -2.0, -1.5, -1.0, -0.5,
              -0.3, -0.1, 0.0, 0.1, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0, 15.0,
              25.0, 40.0, 60.0]


def spike_steps(dt: float, delay_ms: float):
    """Pre and post spike steps (``t/dt``) per connection, and the pair offsets
    in steps. The pair offsets include ``-delay`` (``Delta = 0``)."""
    offsets = sorted({int(round(o / dt)) for o in OFFSETS_MS + [-delay_ms]})
    p0 = int(round(T_PAIR_PRE_MS / dt))
    last = int(round(T_LAST_PRE_MS / dt))
    pre = [[p0, last] for _ in offsets]
    post = [[p0 + k] for k in offsets]
    rng = np.random.default_rng(310)
    n_steps = int(round(1000.0 / dt))
    start = int(round(50.0 / dt))
    for _ in range(N_TRAINS):
        trains = [sorted(int(x) + start for x in np.flatnonzero(rng.random(n_steps)
                                                                  < 20.0 * dt / 1000.0))
                  for _ in range(2)]
        D = int(round(delay_ms / dt))
        pre.append(trains[0] + [last])
        # no post spike that NEST's synapse sees in the step of a pre spike
        # (Delta = 0): the two simulators treat that pair differently on
        # purpose (the pair curve has one such pair)
        post.append([m for m in trains[1] if m + D not in trains[0]])
    return offsets, pre, post


def run_case(nest, dt: float, delay_ms: float, params: dict, pre_steps, post_steps):
    nest.ResetKernel()
    nest.set(resolution=dt, print_time=False)
    n = len(pre_steps)
    pre = nest.Create("parrot_neuron", n)
    post = nest.Create("parrot_neuron", n, params={"tau_minus": params["tau_minus"]})
    gen_pre = nest.Create("spike_generator", n)
    gen_post = nest.Create("spike_generator", n)
    for i in range(n):
        gen_pre[i].set(spike_times=[(s - 1) * dt for s in pre_steps[i]])
        gen_post[i].set(spike_times=[(s - 1) * dt for s in post_steps[i]])
    nest.Connect(gen_pre, pre, "one_to_one", syn_spec={"delay": dt})
    nest.Connect(gen_post, post, "one_to_one", syn_spec={"delay": dt})
    syn = {"synapse_model": "stdp_synapse", "weight": W0, "delay": delay_ms, "receptor_type": 1,
           "tau_plus": params["tau_plus"], "lambda": params["lambda_"],
           "alpha": params["alpha"], "mu_plus": params["mu_plus"],
           "mu_minus": params["mu_minus"], "Wmax": params["Wmax"]}
    nest.Connect(pre, post, "one_to_one", syn_spec=syn)
    rec_pre = nest.Create("spike_recorder")
    rec_post = nest.Create("spike_recorder")
    nest.Connect(pre, rec_pre)
    nest.Connect(post, rec_post)
    nest.Simulate(T_END_MS)

    def steps(rec, nodes):
        ev = rec.get("events")
        first = nodes[0].global_id
        out = [[] for _ in range(n)]
        for s, t in zip(ev["senders"], ev["times"]):
            out[int(s) - first].append(int(round(t / dt)))
        return [sorted(x) for x in out]

    weights = []
    for i in range(n):
        conn = nest.GetConnections(pre[i], post[i], synapse_model="stdp_synapse")
        weights.append(float(conn.get("weight")))
    return steps(rec_pre, pre), steps(rec_post, post), weights


def main():
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    cases = []
    for dt in (1.0, 0.1):
        for delay_ms in (1.0, 3.0):
            offsets, pre_steps, post_steps = spike_steps(dt, delay_ms)
            case = {"dt": dt, "delay_ms": delay_ms, "pair_offsets": offsets,
                    "n_pairs": len(offsets), "pre_steps": pre_steps, "post_steps": post_steps,
                    "weights": {}}
            for name, params in PARAMS.items():
                print(f"NEST: dt={dt}, delay={delay_ms}, {name}", file=sys.stderr)
                got_pre, got_post, w = run_case(nest, dt, delay_ms, params,
                                                pre_steps, post_steps)
                if got_pre != pre_steps or got_post != post_steps:
                    raise RuntimeError("NEST's parrots did not spike at the chosen steps")
                case["weights"][name] = w
            cases.append(case)
    out = {
        "generator": "benchmarks/peers/reference_stdp_synapse_nest.py",
        "peer": f"NEST {nest.__version__}",
        "model": "stdp_synapse (pre and post: parrot_neuron, plastic synapse on receptor 1)",
        "params": PARAMS, "w0": W0, "t_end_ms": T_END_MS, "t_last_pre_ms": T_LAST_PRE_MS,
        "convention": (
            "steps are integers t/dt of NEST's spike stamps (recorded, equal to the chosen "
            "ones). NEST's delay d = D*dt is dendritic: the synapse sees a pre spike at its "
            "step n_pre and a post spike at n_post + D; a pair interacts through "
            "Delta = n_post + D - n_pre (potentiation if > 0, depression if < 0, nothing if 0). "
            "The engine's delay is axonal (pre_spike at k_pre + D, post_spike at k_post), so "
            "the engine sees the same event steps with delay D, k_pre = n_pre - D and "
            "k_post = n_post + D. Pair offsets are n_post - n_pre. Every pre train ends "
            "with a spike at t_last_pre_ms so that NEST has applied all facilitations."),
        "cases": cases,
    }
    write_reference(OUT, out)


if __name__ == "__main__":
    main()
