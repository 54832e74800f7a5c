"""Reference outputs of ANNarchy 5 for the order of a spiking synapse's parts (test data).

Writes ``tests/data/annarchy_synapse_order.json``. Within one step ANNarchy
runs the pre-synaptic events (at the start, with transmission), the neurons,
then the synapse's **equations**, then the **post-synaptic events**, then
records (its SingleThreadBaseTemplate: ``update_synapse`` before
``post_event``). The engine ran ``post_spike`` before the equations until
stop 26: a trace set by ``post_spike`` was decayed once more at the spike
step, and an equation reading it saw the new value one step early. In
ANNarchy's SORF notebook (STDP with homeostasis, traces as continuous ODEs
set in ``pre_spike``/``post_spike``) that changed the weights by 1e-4
(relative) within 2.5 s and the firing rates by 8 % after 2,000 s; with this
order every spike of 200 s is the same as ANNarchy's.

tests/engine/runtime/test_peer_synapse_order.py builds the same network with
the engine (this module's ``build``, called with ``engine`` in place of
``ANNarchy``) and compares every recorded value to 1e-9.

Run by hand in the peers venv (benchmarks/install_peers.sh), not in CI:

    .venv-peers/bin/python benchmarks/peers/reference_synapse_order_annarchy.py

The network (one per dt, 1 and 0.5 ms): ``pre``, a SpikeSourceArray of 3
neurons; ``drive``, a SpikeSourceArray making the 2 ``post`` neurons
(``v = g_drive + g_exc``, spike ``v > 0.5``) spike at chosen times; two
all-to-all projections ``pre -> post`` on ``exc`` with tiny weights (they
never make ``post`` spike):

- ``A`` (SORF's rule): ``stdp = if t_post >= t_pre: ltp else: -ltd``,
  ``w += eta * stdp`` (bounded), traces ``ltp``/``ltd`` as exponential ODEs,
  set in ``pre_spike`` (``ltp = A_plus``) and ``post_spike`` (``ltd =
  A_minus``);
- ``B`` (online STDP with continuous traces): ``x``/``y`` explicit ODEs,
  ``pre_spike``: ``x += A_plus; w -= y``, ``post_spike``: ``y += A_minus;
  w += x``; a semiglobal ``m = post.v`` read by ``post_spike``.

Recorded every step: w, ltp, ltd of ``A``; w, x, y of ``B`` (every synapse);
the post neurons' spike steps.
"""
from __future__ import annotations

import os
import sys
from importlib.metadata import version

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _common import write_reference  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "tests", "data", "annarchy_synapse_order.json")

PRE_TIMES = [[3.0, 17.0, 30.0], [9.0, 10.0, 24.0], [15.0, 41.0]]
DRIVE_TIMES = [[8.0, 16.0, 31.0, 44.0], [12.0, 15.0, 38.0]]
T_MS = 60.0


def build(ann, dt: float):
    """The network above, built with the simulator module ``ann`` (ANNarchy or engine)."""
    net = ann.Network(dt=dt)
    Post = ann.Neuron(equations=["v = g_drive + g_exc"], spike="v > 0.5", reset="v = 0.0")
    rule_a = ann.Synapse(
        parameters=dict(tau_plus=20.0, tau_minus=30.0, A_plus=0.01, A_minus=0.012, eta=0.5),
        equations=[
            ann.Variable("stdp = if t_post >= t_pre: ltp else: - ltd"),
            ann.Variable("w += eta * stdp", min=0.0, max=1.0),
            ann.Variable("tau_plus * dltp/dt = -ltp", method="exponential"),
            ann.Variable("tau_minus * dltd/dt = -ltd", method="exponential"),
        ],
        pre_spike="""
            g_target += w
            ltp = A_plus
        """,
        post_spike="ltd = A_minus",
    )
    rule_b = ann.Synapse(
        parameters=dict(tau_plus=15.0, tau_minus=25.0, A_plus=0.02, A_minus=0.015),
        equations=[
            ann.Variable("tau_plus * dx/dt = -x"),
            ann.Variable("tau_minus * dy/dt = -y"),
            ann.Variable("m = post.v", locality="semiglobal"),
        ],
        pre_spike="""
            g_target += w
            x += A_plus
            w -= y
        """,
        post_spike="""
            y += A_minus
            w += x + 0.001 * m
        """,
    )
    pre = net.create(ann.SpikeSourceArray(spike_times=PRE_TIMES))
    drive = net.create(ann.SpikeSourceArray(spike_times=DRIVE_TIMES))
    post = net.create(2, Post)
    net.connect(drive, post, "drive").one_to_one(1.0)
    proj_a = net.connect(pre, post, "exc", rule_a)
    proj_a.all_to_all(ann.Uniform(0.001, 0.002))
    proj_b = net.connect(pre, post, "exc", rule_b)
    proj_b.all_to_all(ann.Uniform(0.001, 0.002))
    return net, post, proj_a, proj_b


def run(ann, dt: float) -> dict:
    """Build, set the weights, record and simulate; the recorded values as lists."""
    net, post, proj_a, proj_b = build(ann, dt)
    net.compile()
    proj_a.w = [[0.3, 0.5, 0.7], [0.2, 0.4, 0.6]]
    proj_b.w = [[0.5, 0.5, 0.5], [0.1, 0.2, 0.3]]
    mon_a = net.monitor(proj_a, ["w", "ltp", "ltd"])
    mon_b = net.monitor(proj_b, ["w", "x", "y"])
    mon_p = net.monitor(post, "spike")
    net.simulate(T_MS)
    out = {f"a_{k}": np.asarray(mon_a.get(k), dtype=float).tolist() for k in ("w", "ltp", "ltd")}
    out.update({f"b_{k}": np.asarray(mon_b.get(k), dtype=float).tolist()
                for k in ("w", "x", "y")})
    spikes = mon_p.get("spike")
    out["post_spikes"] = {str(int(k)): [int(s) for s in v] for k, v in spikes.items()}
    return out


def main() -> None:
    import ANNarchy as ann

    data = {"generator": "benchmarks/peers/reference_synapse_order_annarchy.py",
            "peer": f"ANNarchy {version('ANNarchy')}", "T_ms": T_MS, "runs": {}}
    for dt in (1.0, 0.5):   # two Networks in one process (as ANNarchy 5 allows)
        data["runs"][str(dt)] = run(ann, dt)
    write_reference(OUT, data)


if __name__ == "__main__":
    main()
