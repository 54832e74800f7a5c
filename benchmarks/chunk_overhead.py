"""What chunked runs cost: the same simulate() in ~50 ms chunks and in one piece.

``Network.simulate`` returns to Python between chunks of about
``engine.runtime.live.CHUNK_SECONDS`` of wall time (for stop(), Ctrl-C,
progress and streaming). This script times the COBA (4,000 LIF, 320k
synapses, dt 0.1 ms) and rate (4,000 units, 1.6M synapses, dt 1 ms) networks
of benchmarks/compare.py for 1 s of simulated time, alternating chunked runs
and runs in one piece (chunk target set to 10^9 s) in the same process, so
both see the same machine load, and prints medians.

Usage: python benchmarks/chunk_overhead.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import engine as ann
from engine.runtime import live


def coba():
    net = ann.Network(dt=0.1, seed=42)
    neuron = ann.Neuron(
        parameters="""
            El = -60.0 : population
            Vr = -60.0 : population
            Ee = 0.0 : population
            Ei = -80.0 : population
            Vt = -50.0 : population
            taum = 20.0 : population
            taue = 5.0 : population
            taui = 10.0 : population
            I = 20.0 : population
        """,
        equations="""
            taum * dv/dt = g_exc * (Ee - v) + g_inh * (Ei - v) - (v - El) + I
            taue * dg_exc/dt = - g_exc
            taui * dg_inh/dt = - g_inh
        """,
        spike="v > Vt", reset="v = Vr", refractory=5.0)
    P = net.create(4000, neuron)
    P.v = np.random.default_rng(42).uniform(-60.0, -50.0, 4000)
    net.connect(P[:3200], P, "exc").fixed_probability(0.02, weights=0.6)
    net.connect(P[3200:], P, "inh").fixed_probability(0.02, weights=6.7)
    net.monitor(P, "spike")
    net.compile()
    return net, 1000.0


def rate():
    net = ann.Network(dt=1.0, seed=42)
    neuron = ann.Neuron(parameters="tau = 10.0 : population\nbaseline = 0.1",
                        equations="tau * dr/dt + r = baseline + sum(exc) - sum(inh) : min = 0.0")
    P = net.create(4000, neuron)
    net.connect(P[:3200], P, "exc").fixed_probability(0.1, weights=0.001)
    net.connect(P[3200:], P, "inh").fixed_probability(0.1, weights=0.004)
    net.compile()
    return net, 1000.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args(argv)
    target = live.CHUNK_SECONDS
    print("| network | one piece (s) | chunked (s) | chunks per run | cost |")
    print("|---|---|---|---|---|")
    for name, build in (("COBA 4k, 1 s", coba), ("rate 4k, 1 s", rate)):
        net, T = build()
        net.simulate(T)                       # warm up (first call)
        times = {"one": [], "chunked": []}
        chunks = []
        counter = net.on("chunk", lambda e: chunks.append(e))
        for _ in range(args.repeats):
            for mode in ("one", "chunked"):
                live.CHUNK_SECONDS = 1e9 if mode == "one" else target
                net._live._steps_per_chunk = 1 << 24 if mode == "one" else 64
                chunks.clear()
                t0 = time.perf_counter()
                net.simulate(T)
                times[mode].append(time.perf_counter() - t0)
                if mode == "chunked":
                    n_chunks = len(chunks)
        net.off("chunk", counter)
        live.CHUNK_SECONDS = target
        one, ch = statistics.median(times["one"]), statistics.median(times["chunked"])
        print(f"| {name} | {one:.3f} | {ch:.3f} | {n_chunks} | {100 * (ch / one - 1):+.1f} % |")


if __name__ == "__main__":
    main()
