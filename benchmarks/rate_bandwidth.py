"""Synaptic throughput of the rate-coded network as a fraction of memory bandwidth.

The rate network (issue 3: N units, p = 0.1, w ~ U(0, 1/(N p)), dt 1 ms, 1 s)
is bound by streaming its synapses: per step every synapse reads its weight
(8 B in float64) and its column index (4 B), plus a gather of ``r``. The
machine's bandwidth is measured here by copying a 1 GB array (bytes read +
written per second), so the fraction is measured on the same machine in the
same run.

Usage: python benchmarks/rate_bandwidth.py [--N 4000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")


def copy_bandwidth(n_bytes: int = 1 << 30, repeats: int = 3) -> float:
    src = np.ones(n_bytes // 8)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * src.nbytes / best  # read + write


def run_rate(n: int, seed: int = 42):
    import engine as ann

    net = ann.Network(dt=1.0, seed=seed)
    neuron = ann.Neuron(parameters="tau = 10.0 : population",
                        equations="tau * dr/dt + r = sum(exc) + Uniform(-1.0, 1.0) : min = 0.0")
    pop = net.create(n, neuron)
    proj = net.connect(pop, pop, "exc").fixed_probability(
        0.1, weights=ann.Uniform(0.0, 1.0 / (n * 0.1)), allow_self_connections=True)
    net.compile()
    t = time.perf_counter()
    net.simulate(1000.0)
    return time.perf_counter() - t, proj.nb_synapses, float(pop.r.mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=4000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    bw = copy_bandwidth()
    run_rate(args.N)  # compile / load the cache
    runs = [run_rate(args.N) for _ in range(args.repeats)]
    sim = min(r[0] for r in runs)
    nnz = runs[0][1]
    bytes_per_step = nnz * (8 + 4)  # weights + int32 indices; the gathered r stays in cache
    throughput = bytes_per_step * 1000 / sim
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| N | synapses | simulate (s) | synapses/s | stream GB/s | copy GB/s | fraction |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.N} | {nnz} | {sim:.3f} | {nnz * 1000 / sim:.3g} | {throughput / 1e9:.2f} | "
          f"{bw / 1e9:.2f} | {throughput / bw:.2f} |")
    print(f"mean r at the end: {runs[0][2]:.4f}")


if __name__ == "__main__":
    main()
