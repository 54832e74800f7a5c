"""Reference outputs of ANNarchy 5 for spike-timing rules (test data, not a benchmark).

Writes ``tests/data/annarchy_event_driven.json``: what ANNarchy computes for
the built-in ``STDP`` and ``STP`` synapses given the same pre- and
post-synaptic spike steps, for dt = 1 and 0.1 ms, with the default delay
(one step), a uniform delay and per-synapse delays. The engine's tests
(tests/engine/runtime/test_peer_event_driven.py) rebuild each case and must
give the same post-synaptic spike steps and the same numbers (to 1e-9).

Run by hand in the peers venv (benchmarks/install_peers.sh), not in CI:

    .venv-peers/bin/python benchmarks/peers/reference_stdp_annarchy.py

Each case is one network:

- ``pre``: a SpikeSourceArray; neuron i emits at the steps ``pre_steps[i]``.
- ``post``: ``v = g_teach; x = g_exc``, spiking when ``v > 0.5``; a teacher
  SpikeSourceArray drives ``g_teach`` one-to-one with weight 1, so post
  neuron i spikes one step after each of its teacher's spikes (the
  recorded post spike steps are stored and checked).
- ``stdp``: ``pre -> post``, target ``exc``, one-to-one, ANNarchy's ``STDP``
  (tau 20/20 ms, A+ 0.01, A- 0.0105, w in [0, 1]), w0 = 0.5. Stored: the
  final weights and the traces x, y.
- ``stp``: ``pre -> post_stp`` (``x = g_exc``), one-to-one, ANNarchy's
  ``STP`` (tau_rec 100, tau_facil 50, U 0.2), w = 1. Stored: ``x`` of
  ``post_stp`` at every step (the transmitted ``w*u*x``, 0 elsewhere).

Neurons 0..n_pairs-1 see one pre and one post spike (the pair curve),
``t_post - t_pre = k*dt`` for k in ``pair_k``; the others see Poisson-like
trains (a fixed NumPy seed) at 20 Hz for 1 s.
"""
from __future__ import annotations

import os
import sys
import tempfile
from importlib.metadata import version

import numpy as np

from _common import write_reference  # noqa: E402  (benchmarks/peers, beside this script)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "data", "annarchy_event_driven.json")

STDP_PARAMS = dict(tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.0105,
                   w_min=0.0, w_max=1.0)
STP_PARAMS = dict(tau_rec=100.0, tau_facil=50.0, U=0.2)
W0 = 0.5
N_TRAINS = 12
T_END_MS = 1100.0


def pair_k(dt: float) -> list[int]:
    """Post minus pre, in steps."""
    if dt == 1.0:
        return list(range(-30, 31))
    return [-400, -200, -100, -50, -20, -10, -5, -3, -2, -1, 0, 1, 2, 3, 5, 10, 20,
            50, 100, 200, 400]


def spike_steps(dt: float, delay_case: str):
    """Pre and post spike steps per neuron, the same for every simulator."""
    ks = pair_k(dt)
    p0 = int(round(500.0 / dt))
    pre = [[p0] for _ in ks]
    post = [[p0 + k] for k in ks]
    rng = np.random.default_rng(2026)
    n_steps = int(round(1000.0 / dt))
    for _ in range(N_TRAINS):
        for out in (pre, post):
            s = np.flatnonzero(rng.random(n_steps) < 20.0 * dt / 1000.0) + int(round(20.0 / dt))
            out.append(sorted(set(int(x) for x in s)))
    return pre, post


def delays_for(dt: float, delay_case: str, n: int):
    """Delays in ms per synapse (None: ANNarchy's default, one step)."""
    if delay_case == "default":
        return None
    if delay_case == "uniform":
        return [2.0] * n
    rng = np.random.default_rng(7)
    steps = rng.integers(1, int(round(4.0 / dt)) + 1, n)
    return [float(s * dt) for s in steps]


def run_case(dt: float, delay_case: str, workdir: str) -> dict:
    import ANNarchy as ann

    pre_steps, post_steps = spike_steps(dt, delay_case)
    n = len(pre_steps)
    delays = delays_for(dt, delay_case, n)
    net = ann.Network(dt=dt, seed=1)
    Post = ann.Neuron(equations="""
        v = g_teach
        x = g_exc
    """, spike="v > 0.5", reset="v = 0.0")
    PostSTP = ann.Neuron(equations="x = g_exc", spike="x > 1000.0")
    pre = net.create(ann.SpikeSourceArray(spike_times=[[s * dt for s in row] for row in pre_steps]))
    # the teacher spikes one step before the wanted post-synaptic spike
    teach = net.create(ann.SpikeSourceArray(
        spike_times=[[(s - 1) * dt for s in row] for row in post_steps]))
    post = net.create(n, Post)
    post_stp = net.create(n, PostSTP)
    net.connect(teach, post, "teach").one_to_one(weights=1.0)
    stdp = net.connect(pre, post, "exc", synapse=ann.STDP(**STDP_PARAMS))
    stp = net.connect(pre, post_stp, "exc", synapse=ann.STP(**STP_PARAMS))
    if delays is None:
        stdp.one_to_one(weights=W0)
        stp.one_to_one(weights=1.0)
    elif delay_case == "uniform":
        stdp.one_to_one(weights=W0, delays=delays[0])
        stp.one_to_one(weights=1.0, delays=delays[0])
    else:
        for proj, w in ((stdp, W0), (stp, 1.0)):
            W = np.full((n, n), None, dtype=object)   # post x pre; None: no synapse
            D = np.zeros((n, n))
            for i in range(n):
                W[i, i] = w
                D[i, i] = delays[i]
            proj.from_matrix(W, delays=D)
    m_pre = net.monitor(pre, "spike")
    m_post = net.monitor(post, "spike")
    m_stp = net.monitor(post_stp, "x")
    net.compile(directory=os.path.join(workdir, f"ann_{dt}_{delay_case}"), silent=True)
    net.simulate(T_END_MS)

    def steps_of(mon):
        sp = mon.get("spike")
        return [sorted(int(s) for s in sp.get(i, [])) for i in range(n)]

    got_pre, got_post = steps_of(m_pre), steps_of(m_post)
    x_stp = np.asarray(m_stp.get("x"))
    nz = np.nonzero(x_stp)
    return {
        "dt": dt,
        "delay_case": delay_case,
        "delays_ms": delays,
        "n_pairs": len(pair_k(dt)),
        "pair_k": pair_k(dt),
        "pre_steps": pre_steps,
        "post_steps": post_steps,
        "recorded_pre_steps": got_pre,
        "recorded_post_steps": got_post,
        "stdp_w": [float(stdp.dendrite(i).w[0]) for i in range(n)],
        "stdp_x": [float(stdp.dendrite(i).x[0]) for i in range(n)],
        "stdp_y": [float(stdp.dendrite(i).y[0]) for i in range(n)],
        # sparse: (step, neuron, value) where the transmitted w*u*x is nonzero
        "stp_psp": [[int(a), int(b), float(x_stp[a, b])] for a, b in zip(*nz)],
    }


def main():
    import ANNarchy  # noqa: F401

    cases = []
    with tempfile.TemporaryDirectory() as wd:
        for dt in (1.0, 0.1):
            for delay_case in ("default", "uniform", "synapse"):
                print(f"ANNarchy: dt={dt}, delays={delay_case}", file=sys.stderr)
                cases.append(run_case(dt, delay_case, wd))
    out = {
        "generator": "benchmarks/peers/reference_stdp_annarchy.py",
        "peer": f"ANNarchy {version('annarchy')}",
        "stdp": STDP_PARAMS, "stp": STP_PARAMS, "w0": W0, "t_end_ms": T_END_MS,
        "convention": ("steps are integers t/dt; the teacher spikes one step before "
                       "each post spike; recorded_* are what ANNarchy's monitors saw"),
        "cases": cases,
    }
    write_reference(OUT, out)


if __name__ == "__main__":
    main()
