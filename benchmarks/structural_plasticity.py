"""What a structural plasticity step costs, per synapse (Engine IV).

A rate-coded population of N units, projecting onto itself with probability
0.1 (nnz ~ 0.1 N^2), with a pruning and a creating rule. For each N the
script times, in the same process and each as the median of several calls:

* ``step``: one ordinary simulation step (the compiled loop), for scale;
* ``prune, none``: a pruning pass whose condition removes nothing (the
  condition evaluated on every synapse): cost per stored synapse;
* ``prune, 1%``: a pass removing ~1% of the synapses (evaluation plus the
  CSR and every per-synapse array rebuilt);
* ``create, none`` / ``create, 1%``: a creating pass over every (dendrite,
  pre) pair, creating nothing / ~1% of nnz new synapses: cost per pair
  examined (dendrites x pre size).

The passes are the ones ``simulate()`` runs at the end of a due step
(``engine.runtime.structural``), called directly so that the numbers hold
only the structural work.

Usage: python benchmarks/structural_plasticity.py [--sizes 300,1000,3000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import engine as ann
from engine.runtime import structural

NEURON = ann.Neuron(parameters=dict(baseline=ann.Parameter(0.0, locality="local")),
                    equations="r = baseline\nx = sum(exc)")


def _network(n, prune, create, seed=1):
    net = ann.Network(seed=seed)
    pop = net.create(n, NEURON)
    syn = ann.Synapse(psp="w * pre.r", pruning=ann.Pruning(prune, proba=1.0),
                      creating=ann.Creating(create, proba=1.0, w=0.5))
    proj = net.connect(pop, pop, "exc", syn)
    proj.fixed_probability(0.1, weights=ann.Uniform(0.0, 1.0))
    net.compile()
    pop.baseline = np.random.default_rng(seed).uniform(0.0, 1.0, n)
    return net, pop, proj


def _median(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(n, repeats):
    rows = []
    # conditions that select nothing, or ~1% (of synapses / of nnz new pairs)
    net, pop, proj = _network(n, "w > 2.0", "pre.r * post.r > 2.0")
    st = structural.state(proj)
    nnz = proj.nb_synapses
    pairs = int(st.dendrites.sum()) * n
    net.simulate(1.0)
    rows.append(("step", nnz, _median(lambda: net.simulate(1.0), repeats) / nnz))
    rows.append(("prune, none", nnz,
                 _median(lambda: structural._pruning(proj, st, 0), repeats) / nnz))
    rows.append(("create, none", pairs,
                 _median(lambda: structural._creating(proj, st, 0), repeats) / pairs))
    # ~1%: pruning the weights above the 99th percentile of a fresh copy each time
    times_p, times_c = [], []
    for k in range(repeats):
        net, pop, proj = _network(n, "w > 0.99", "pre.r * post.r > 0.99", seed=10 + k)
        st = structural.state(proj)
        pairs = int(st.dendrites.sum()) * n
        net.simulate(1.0)
        r = pop.r.copy()
        # creating threshold giving about 1% of nnz new pairs
        prod = np.sort(np.outer(r, r).ravel())[::-1]
        thr = prod[int(0.01 * proj.nb_synapses / 0.9)]
        pop.baseline = r / np.sqrt(thr)        # now pre.r * post.r > 1 for those pairs
        net.simulate(1.0)
        st.rules = dict(st.rules, creating=structural.rules_of(ann.Synapse(
            psp="w * pre.r", creating=ann.Creating("pre.r * post.r > 1.0", w=0.5)))["creating"])
        before = proj.nb_synapses
        t0 = time.perf_counter()
        structural._pruning(proj, st, 0)
        times_p.append((time.perf_counter() - t0) / before)
        removed = before - proj.nb_synapses
        before = proj.nb_synapses
        t0 = time.perf_counter()
        structural._creating(proj, st, 0)
        times_c.append((time.perf_counter() - t0) / pairs)
        added = proj.nb_synapses - before
    rows.append((f"prune, {100 * removed / (before + removed):.1f}%", nnz,
                 statistics.median(times_p)))
    rows.append((f"create, {100 * added / before:.1f}%", pairs, statistics.median(times_c)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="300,1000,3000")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"{'N':>6} {'synapses':>10} {'what':<16} {'per item (ns)':>14} {'per pass (ms)':>14}")
    for n in [int(s) for s in args.sizes.split(",")]:
        for what, items, per in measure(n, args.repeats):
            print(f"{n:>6} {items:>10,} {what:<16} {per * 1e9:>14.2f} {per * items * 1e3:>14.3f}")


if __name__ == "__main__":
    main()
