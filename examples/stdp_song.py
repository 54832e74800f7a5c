"""STDP with Poisson inputs (Song, Miller & Abbott 2000).

1000 Poisson inputs at 15 Hz drive one leaky integrate-and-fire neuron
through excitatory synapses with pair-based STDP (the engine's ``STDP``:
online traces, depression slightly stronger than potentiation, weights
bounded in [0, w_max]). Weights start uniform in [0, w_max]. Competition
between the synapses drives them apart, towards the bounds: after 100 s of
simulated time the distribution is U-shaped (the weights within 10 % of 0
and of w_max, 10 % each at the start, are about a quarter and a fifth), and
the output rate falls from over 30 Hz to about 20 Hz. The model and its
constants are those of Brian2's example of the paper, which gives the same
numbers (24 % and 19 %, 26.6 Hz over the 100 s: ``benchmarks/README.md``).

The script prints the output rate at the start and at the end and the
fractions of weights near the bounds, and saves the weight distributions and
the output rate.

    python examples/stdp_song.py stdp.png
"""

from __future__ import annotations

import argparse

import numpy as np

import engine as ann
from workbench import plots

N_INPUTS, RATE = 1000, 15.0        # Poisson inputs, Hz
W_MAX = 0.01                       # in units of the leak conductance
DURATION = 100_000.0               # ms

SongLIF = ann.Neuron(
    parameters="""
        taum = 10.0 : population
        Ee = 0.0 : population
        El = -74.0 : population
        taue = 5.0 : population
        vt = -54.0 : population
        vr = -60.0 : population
    """,
    equations="""
        taum * dv/dt = g_e * (Ee - v) + El - v : init = -74.0
        taue * dg_e/dt = -g_e
    """,
    spike="v > vt",
    reset="v = vr",
    name="SongLIF",
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="STDP with Poisson inputs (Song et al. 2000)")
    parser.add_argument("output", nargs="?", default="stdp_song.png",
                        help="the figure (.png, .svg, .pdf or .html)")
    parser.add_argument("--duration", type=float, default=DURATION / 1000.0,
                        help="simulated time in s (default 100)")
    args = parser.parse_args(argv)
    duration = args.duration * 1000.0

    net = ann.Network(dt=0.1, seed=1)
    inputs = net.create(ann.PoissonPopulation(N_INPUTS, rates=RATE))
    out = net.create(1, SongLIF)
    proj = net.connect(inputs, out, "e",
                       synapse=ann.STDP(A_plus=0.01, A_minus=0.0105, w_max=W_MAX))
    proj.all_to_all(weights=ann.Uniform(0.0, W_MAX))
    m = net.monitor(out, "spike")
    net.compile()
    before = plots.weight_histogram(proj, bins=20, range=(0, W_MAX), label="at the start")
    net.simulate(duration)

    w = np.concatenate(proj.w) / W_MAX
    _, rate = plots.rate_in_bins(m, bin=5000.0)        # Hz, in 5 s bins
    print(f"output rate: {rate[0]:.1f} Hz in the first 5 s, {rate[-1]:.1f} Hz in the last 5 s")
    print(f"weights after {duration / 1000:g} s: {np.mean(w < 0.1):.0%} below 0.1 w_max, "
          f"{np.mean(w > 0.9):.0%} above 0.9 w_max, {np.mean((w >= 0.1) & (w <= 0.9)):.0%} "
          f"between")

    after = plots.weight_histogram(proj, bins=20, range=(0, W_MAX), label="after learning")
    weights = (before.opts(alpha=0.5, backend="matplotlib")
               * after.opts(alpha=0.5, backend="matplotlib")).opts(
        legend_position="top", backend="matplotlib")
    output = plots.population_rate(m, bin=5000.0).opts(
        title="output rate (5 s bins)", backend="matplotlib").redim.label(t="t (ms)")
    layout = (weights + output).opts(sublabel_format=None, fig_size=130, shared_axes=False,
                                     backend="matplotlib")
    print(f"figure: {plots.save(layout, args.output)}")


if __name__ == "__main__":
    main()
