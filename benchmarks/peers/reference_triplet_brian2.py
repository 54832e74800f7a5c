"""Reference outputs of Brian2 for triplet STDP (test data, not a benchmark).

Writes ``tests/data/brian2_triplet_stdp.json``: the final weights Brian2
computes for Pfister & Gerstner's (2006) triplet rule, written as the
engine's ``TripletSTDP`` is (online traces r1, r2, o1, o2; the triplet terms
read r2/o2 before their own increment; all-to-all, or nearest-spike with
the traces set to 1), for fixed pre- and post-synaptic spike steps.
tests/engine/runtime/test_peer_triplet_stdp.py compares the engine with it.
Run by hand (not in CI) in the peers venv:

    .venv-peers/bin/python benchmarks/peers/reference_triplet_brian2.py

Each case (``dt``, pre-synaptic delay) is one Brian2 network of independent
synapses ``pre[i] -> post[i]``: two ``SpikeGeneratorGroup``s (spike steps
``t/dt``) and one ``Synapses`` per parameter set, one-to-one, w0 = 0.5 in
[0, 1], numpy runtime target. Protocols, one synapse each (steps are
``t/dt``):

- pairs: one pre spike at 100 ms, one post spike ``offset`` later;
- pre-post-pre ``(t1, t2)``: pre at 100 ms, post at +t1, pre at +t1+t2;
- post-pre-post ``(t1, t2)``: post at 100 ms, pre at +t1, post at +t1+t2;
- pairings: ``n`` pre-post pairs (post ``+10`` or ``-10`` ms after pre) at
  a frequency ``f`` (the Sjöström protocol of the paper's Fig. 5).

Brian2's timing: a spike of step ``n`` runs ``on_pre`` at step ``n + D``
(pre-synaptic delay ``D`` steps) and ``on_post`` at step ``n``; in a step
``on_pre`` runs before ``on_post`` (the pre pathway's order is -1); both
bring the event-driven traces exactly to the step's time ``t``.
"""
from __future__ import annotations

import os
import sys
from importlib.metadata import version

import numpy as np

from _common import write_reference  # noqa: E402  (benchmarks/peers, beside this script)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "data", "brian2_triplet_stdp.json")

BASE = dict(tau_plus=16.8, tau_minus=33.7, w_min=0.0, w_max=1.0)
#: Pfister & Gerstner's visual-cortex sets (Table 3) and one with all four
#: amplitudes of comparable size, so each term shows in the weights
PARAMS = {
    "full_all_to_all": dict(BASE, A2_plus=5e-10, A3_plus=6.2e-3, A2_minus=7e-3,
                            A3_minus=2.3e-4, tau_x=101.0, tau_y=125.0, nearest=False),
    "all_terms": dict(BASE, A2_plus=5e-3, A3_plus=6e-3, A2_minus=7e-3, A3_minus=2.3e-3,
                      tau_x=101.0, tau_y=125.0, nearest=False),
    "minimal_nearest": dict(BASE, A2_plus=0.0, A3_plus=5e-2, A2_minus=8e-3, A3_minus=0.0,
                            tau_x=101.0, tau_y=40.0, nearest=True),
}
W0 = 0.5
T0_MS = 100.0
PAIR_OFFSETS_MS = [-50.0, -30.0, -20.0, -10.0, -5.0, -2.0, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5,
                   1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 50.0]
TRIPLET_MS = [(5.0, 5.0), (10.0, 10.0), (15.0, 5.0), (5.0, 15.0), (2.0, 10.0), (10.0, 2.0),
              (1.0, 1.0), (25.0, 25.0)]
PAIRINGS = [(f, dt_pair) for f in (5.0, 10.0, 20.0, 40.0, 50.0) for dt_pair in (10.0, -10.0)]
N_PAIRINGS = 10


def protocols(dt: float):
    """(label, pre steps, post steps) per synapse."""
    s = lambda ms: int(round(ms / dt))  # noqa: E731
    t0 = s(T0_MS)
    out = []
    for o in sorted({s(o) for o in PAIR_OFFSETS_MS}):
        out.append((f"pair {o * dt:+g}", [t0], [t0 + o]))
    for a, b in TRIPLET_MS:
        out.append((f"pre-post-pre {a:g},{b:g}", [t0, t0 + s(a) + s(b)], [t0 + s(a)]))
        out.append((f"post-pre-post {a:g},{b:g}", [t0 + s(a)], [t0, t0 + s(a) + s(b)]))
    for f, d in PAIRINGS:
        starts = [t0 + s(1000.0 / f) * i for i in range(N_PAIRINGS)]
        out.append((f"pairing {f:g} Hz {d:+g}", starts, [x + s(d) for x in starts]))
    return out


def run_case(dt: float, delay_steps: int, prot):
    import brian2 as b2

    b2.start_scope()
    b2.defaultclock.dt = dt * b2.ms
    n = len(prot)
    pre_i = [i for i, (_, pre, _) in enumerate(prot) for _ in pre]
    pre_t = [k * dt for _, pre, _ in prot for k in pre]
    post_i = [i for i, (_, _, post) in enumerate(prot) for _ in post]
    post_t = [k * dt for _, _, post in prot for k in post]
    pre = b2.SpikeGeneratorGroup(n, pre_i, pre_t * b2.ms)
    post = b2.SpikeGeneratorGroup(n, post_i, post_t * b2.ms)
    mon_pre, mon_post = b2.SpikeMonitor(pre), b2.SpikeMonitor(post)
    weights = {}
    synapses = []
    for name, p in PARAMS.items():
        bump = "= 1" if p["nearest"] else "+= 1"
        S = b2.Synapses(pre, post, model="""
            w : 1
            dr1/dt = -r1 / tau_plus : 1 (event-driven)
            dr2/dt = -r2 / tau_x : 1 (event-driven)
            do1/dt = -o1 / tau_minus : 1 (event-driven)
            do2/dt = -o2 / tau_y : 1 (event-driven)
            """, on_pre=f"""
            w = clip(w - o1 * (A2_minus + A3_minus * r2), w_min, w_max)
            r1 {bump}
            r2 {bump}
            """, on_post=f"""
            w = clip(w + r1 * (A2_plus + A3_plus * o2), w_min, w_max)
            o1 {bump}
            o2 {bump}
            """, namespace={**{k: v for k, v in p.items() if k != "nearest"},
                            **{k: p[k] * b2.ms for k in ("tau_plus", "tau_minus", "tau_x",
                                                          "tau_y")}},
            name=f"syn_{name}")
        S.connect(j="i")
        S.w = W0
        S.pre.delay = delay_steps * dt * b2.ms
        synapses.append((name, S))
    t_end = (max(max(pre + post) for _, pre, post in prot) + delay_steps + 10) * dt
    net = b2.Network(pre, post, mon_pre, mon_post, *[S for _, S in synapses])
    net.run(t_end * b2.ms)
    for name, S in synapses:
        weights[name] = [float(x) for x in np.asarray(S.w)]

    def steps(mon):
        tr = mon.spike_trains()
        return [sorted(int(round(float(t / b2.ms) / dt)) for t in tr[i]) for i in range(n)]

    return steps(mon_pre), steps(mon_post), weights, t_end


def main():
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"
    b2.prefs.logging.console_log_level = "WARNING"
    cases = []
    for dt in (1.0, 0.1):
        for delay_steps in (1, int(round(2.0 / dt))):
            print(f"Brian2: dt={dt}, delay={delay_steps} steps", file=sys.stderr)
            prot = protocols(dt)
            got_pre, got_post, weights, t_end = run_case(dt, delay_steps, prot)
            if got_pre != [p[1] for p in prot] or got_post != [p[2] for p in prot]:
                raise RuntimeError("Brian2's generators did not spike at the chosen steps")
            cases.append({"dt": dt, "delay_steps": delay_steps, "t_end_ms": t_end,
                          "labels": [p[0] for p in prot],
                          "pre_steps": got_pre, "post_steps": got_post, "weights": weights})
    out = {
        "generator": "benchmarks/peers/reference_triplet_brian2.py",
        "peer": f"Brian2 {version('brian2')} (numpy target)",
        "params": PARAMS, "w0": W0,
        "convention": (
            "steps are integers t/dt; Brian2 runs on_pre at n_pre + D (S.pre.delay = D*dt) and "
            "on_post at n_post, on_pre first within a step, traces exact at t. The engine with "
            "delay D*dt and the same spike steps runs pre_spike at k_pre + D (before the "
            "neurons) and post_spike at k_post (after them): the same event steps and order. "
            "It differs only in its trace reading: a pre-synaptic event reads the traces one "
            "step earlier and marks its own step as the synapse's last event."),
        "cases": cases,
    }
    write_reference(OUT, out)


if __name__ == "__main__":
    main()
