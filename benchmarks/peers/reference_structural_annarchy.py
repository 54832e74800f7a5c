"""Reference outputs of ANNarchy 5 for structural plasticity (test data, not a benchmark).

Writes ``tests/data/annarchy_structural.json``: what ANNarchy 5.0.4.1 does with
``pruning=``/``creating=`` rules at ``proba=1.0`` (deterministic) and with
``Dendrite.create_synapse``/``prune_synapse``. The engine's tests
(tests/engine/runtime/test_structural_plasticity.py) call the same functions
below with ``import engine as ann`` and must give the same numbers.

Run by hand in the peers venv (benchmarks/install_peers.sh), not in CI:

    .venv-peers/bin/python benchmarks/peers/reference_structural_annarchy.py

Cases:

- ``notebook``: the StructuralPlasticity tutorial's network (50 leaky
  integrators, the ``age`` synapse, pruning ``age > T``, creating
  ``pre.r * post.r > 1.0``, both every 100 ms) with T = 300, a fixed initial
  pattern (``from_matrix``) and deterministic inputs (``linspace`` instead of
  ``Uniform``): synapse counts every 100 ms of input and after every
  pause, connectivity matrices, ages; then ``create_synapse`` and
  ``prune_synapse`` by hand, and their errors. ``baseline`` is a local
  parameter here: the tutorial declares it ``Parameter(0.0)`` (global in
  ANNarchy 5) and then sets it on views, which ANNarchy 5.0.4.1 refuses
  ("Global attributes can only have one value in a population").
- ``schedule``: rules started at t = 37 ms and 67 ms with a 20 ms period,
  stopped, restarted every step: the synapse count after every step.

Spiking projections are not here: ANNarchy 5.0.4.1 does not compile structural
plasticity for them (its generated ``proj*.hpp`` uses ``post``, ``pre`` and
``idx`` undeclared in ``_add_at_position``/``_erase_at_position``, whatever
the rule). The engine's spiking case is checked against an independent
computation instead.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile

import numpy as np


def _compile(ann, net, kw, name):
    if "directory" in kw:
        net.compile(directory=os.path.join(kw["directory"], name))
    else:
        net.compile()


def _matrix(W):
    """A (post, pre) matrix with NaN for no synapse, as ANNarchy's from_matrix wants it."""
    return [[None if np.isnan(x) else float(x) for x in row] for row in W]


def _error(fn) -> str:
    try:
        fn()
    except Exception as exc:  # the type and message are what is compared
        return f"{type(exc).__name__}: {exc}"
    return "no error"


def notebook(ann, kw):
    Leaky = ann.Neuron(
        parameters=dict(tau=10.0, baseline=ann.Parameter(0.0, locality="local")),
        equations=[ann.Variable("tau * dr/dt + r = baseline", min=0.0)])
    net = ann.Network()
    pop = net.create(50, Leaky)
    Syn = ann.Synapse(
        parameters=dict(T=ann.Parameter(300, type="int")),
        equations=ann.Variable("age = if pre.r * post.r > 1.0 : 0 else : age + 1",
                               init=0, type=int),
        pruning=ann.Pruning("age > T", proba=1.0),
        creating=ann.Creating("pre.r * post.r > 1.0", proba=1.0, w=0.02),
    )
    proj = net.connect(pop, pop, "exc", Syn)
    post, pre = np.meshgrid(np.arange(50), np.arange(50), indexing="ij")
    proj.from_matrix(_matrix(np.where((post * 7 + pre * 3) % 10 == 0, 0.01, np.nan)))
    _compile(ann, net, kw, "notebook")
    out = {"initial_matrix": proj.connectivity_matrix().tolist()}
    proj.start_creating(period=100.0)
    proj.start_pruning(period=100.0)
    counts, mats, every_100ms = [], [], []
    for trial in range(3):
        for half in (slice(None, 25), slice(25, None)):
            pop[half].baseline = np.linspace(0.5, 1.5, 25)[::1 if half.start is None else -1]
            for _ in range(10):
                net.simulate(100.0)
                every_100ms.append(int(proj.nb_synapses))
            counts.append(int(proj.nb_synapses))
            pop.baseline = 0.0
            net.simulate(100.0)
            counts.append(int(proj.nb_synapses))
        mats.append(proj.connectivity_matrix().tolist())
    out.update(counts=counts, matrices=mats, counts_every_100ms=every_100ms,
               age_d10=[int(a) for a in proj.dendrite(10).age],
               pre_d10=[int(r) for r in proj.dendrite(10).pre_ranks],
               post_ranks=[int(r) for r in proj.post_ranks],
               sizes=[int(proj.dendrite(int(r)).size) for r in proj.post_ranks])
    d = proj.dendrite(10)
    missing = [r for r in range(50) if r not in d.pre_ranks][0]
    d.create_synapse(rank=missing, w=0.5)
    out.update(created_rank=missing,
               after_create_pre=[int(r) for r in proj.dendrite(10).pre_ranks],
               after_create_w=[float(x) for x in proj.dendrite(10).w],
               after_create_age=[int(x) for x in proj.dendrite(10).age])
    out["dup_create_error"] = _error(lambda: proj.dendrite(10).create_synapse(missing, 0.5))
    proj.dendrite(10).prune_synapse(rank=missing)
    out["after_prune_pre"] = [int(r) for r in proj.dendrite(10).pre_ranks]
    out["double_prune_error"] = _error(lambda: proj.dendrite(10).prune_synapse(missing))
    return out


def schedule(ann, kw):
    N = ann.Neuron(parameters=dict(baseline=ann.Parameter(0.0, locality="local")),
                   equations="r = baseline\nx = sum(exc)")
    net = ann.Network()
    pop = net.create(10, N)
    Syn = ann.Synapse(psp="w * pre.r",
                      pruning=ann.Pruning("w > 1.5", proba=1.0),
                      creating=ann.Creating("pre.r > 0.5", proba=1.0, w=1.0))
    proj = net.connect(pop, pop, "exc", Syn)
    post, pre = np.meshgrid(np.arange(10), np.arange(10), indexing="ij")
    proj.from_matrix(_matrix(np.where(pre == 0, np.where(post < 5, 2.0, 0.1), np.nan)))
    _compile(ann, net, kw, "schedule")
    net.simulate(37.0)
    proj.start_pruning(period=20.0)
    counts = []
    for _ in range(30):
        net.simulate(1.0)
        counts.append(int(proj.nb_synapses))
    proj.stop_pruning()
    proj.start_creating(period=20.0)   # at t = 67 ms
    pop.baseline = np.array([0, 1, 0, 1, 0, 0, 0, 0, 0, 0], dtype=float)
    for _ in range(30):
        net.simulate(1.0)
        counts.append(int(proj.nb_synapses))
    proj.stop_creating()
    pop.baseline = np.array([0, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=float)
    net.simulate(50.0)
    counts.append(int(proj.nb_synapses))
    proj.start_creating()              # default period: every step
    net.simulate(1.0)
    counts.append(int(proj.nb_synapses))
    return {"counts": counts, "post_ranks": [int(r) for r in proj.post_ranks],
            "sizes": [int(proj.dendrite(int(r)).size) for r in proj.post_ranks]}


CASES = {"notebook": notebook, "schedule": schedule}


def main(argv):
    if "--engine" in argv:   # the same cases on the engine (for a look by hand)
        import engine as ann
        out = {k: f(ann, {}) for k, f in CASES.items()}
        print("notebook, synapses every 100 ms:", out["notebook"]["counts_every_100ms"])
        print("schedule, synapses every step:", out["schedule"]["counts"])
        return
    import ANNarchy as ann

    out = {"annarchy": ann.__version__}
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in CASES.items():
            out[name] = fn(ann, {"directory": tmp})
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data",
                        "annarchy_structural.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main(sys.argv[1:])
