"""An asynchronous irregular E/I network (the README's network, measured).

4000 conductance-based LIF neurons (``IF_cond_exp`` with the potentials and
time constants of the COBA benchmark: 3200 excitatory, 800 inhibitory, 2 %
connectivity), each driven
just above its rheobase by a constant current, with inhibition stronger than
excitation. The network settles into the asynchronous irregular (AI) state
of balanced networks (Brunel 2000; Vogels & Abbott 2005):

- rates of a few Hz, with neurons firing at different times;
- irregular spike trains: the coefficient of variation (CV) of each neuron's
  inter-spike intervals near 1, as a Poisson process;
- no synchrony: the population spike count in 1 ms bins varies little more
  than for independent neurons (its Fano factor, variance / mean, is 1 for
  independent Poisson neurons and in the hundreds for a synchronous
  oscillation), and spike counts of pairs of neurons are nearly
  uncorrelated.

The script prints these numbers and saves a raster, the population rate and
the distributions of rates and CVs. The regime is the model's, not the
simulator's: the README's block (the same network) prints 7.8 Hz, CV 0.93,
Fano factor 5.4 on the engine and 7.8 Hz, CV 0.96, Fano factor 5.2 on
ANNarchy 5.0.4 (``import ANNarchy as ann``). Driven harder (0.7 to 1 nA),
with faster inhibition delayed by 2 ms, the same kind of network oscillates
at 48 Hz with all neurons together (CV 0.07, Fano factor over 1000).

    python examples/ei_network.py ei_network.png
"""

from __future__ import annotations

import argparse

import holoviews as hv
import numpy as np

import engine as ann
from workbench import plots

N, NE = 4000, 3200
DURATION = 1000.0   # ms
SKIP = 200.0        # ms of transient left out of the statistics


def build(seed: int = 1):
    """The network of the README, with a spike monitor."""
    net = ann.Network(dt=0.1, seed=seed)
    neuron = ann.IF_cond_exp(v_rest=-60.0, v_reset=-60.0, tau_refrac=5.0, tau_syn_I=10.0,
                             e_rev_I=-80.0)
    P = net.create(N, neuron=neuron)
    P.v = ann.Uniform(-60.0, -50.0)
    P.i_offset = 0.55                        # nA: the rheobase is 0.5 nA
    net.connect(P[:NE], P, "exc").fixed_probability(0.02, weights=0.006)
    net.connect(P[NE:], P, "inh").fixed_probability(0.02, weights=0.08)
    return net, net.monitor(P, "spike")


def pairwise_correlation(spikes, dt, window, bin=5.0, every=8) -> float:
    """Mean correlation coefficient of the spike counts (``bin`` ms) of pairs
    among every ``every``-th neuron (those that fire)."""
    edges = np.arange(window[0], window[1] + 1e-9, bin)
    counts = np.array([np.histogram(np.asarray(spikes[r]) * dt, edges)[0]
                       for r in range(0, N, every)], dtype=float)
    counts = counts[counts.std(axis=1) > 0]
    c = np.corrcoef(counts)
    return float(c[np.triu_indices_from(c, 1)].mean())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="an asynchronous irregular E/I network")
    parser.add_argument("output", nargs="?", default="ei_network.png",
                        help="the figure (.png, .svg, .pdf or .html)")
    args = parser.parse_args(argv)

    net, m = build()
    net.compile()
    net.simulate(DURATION)
    spikes = m.get("spike")
    dt = net.dt
    window = (SKIP, DURATION)
    rates = plots.firing_rates(spikes, dt, window=window)
    cv = np.array(m.coefficient_of_variation(
        {r: [s for s in v if s * dt >= SKIP] for r, v in spikes.items()}))
    _, pop_rate = plots.rate_in_bins(spikes, dt, bin=1.0, window=window)
    counts = pop_rate * N / 1000.0                     # spikes per 1 ms bin
    fano = counts.var() / counts.mean()
    corr = pairwise_correlation(spikes, dt, window)
    print(f"mean rate: {rates.mean():.1f} Hz (excitatory {rates[:NE].mean():.1f} Hz, "
          f"inhibitory {rates[NE:].mean():.1f} Hz), {np.mean(rates == 0):.0%} silent")
    print(f"irregularity: mean CV of the inter-spike intervals {np.nanmean(cv):.2f} "
          f"(median {np.nanmedian(cv):.2f}; Poisson: 1)")
    print(f"synchrony: Fano factor of the population count in 1 ms bins {fano:.1f} "
          f"(independent neurons: 1), pairwise count correlation (5 ms bins) {corr:.4f}")

    # 400 excitatory and 100 inhibitory neurons: a raster of all 4000 is a blur
    t, r = m.raster_plot(spikes)
    exc, inh = r < 400, (r >= NE) & (r < NE + 100)
    raster = (plots.raster((t[exc], r[exc]), n_neurons=400, label="excitatory")
              * plots.raster((t[inh], r[inh] - NE), n_neurons=100, offset=400,
                             label="inhibitory")).opts(
        title="500 of the 4000 neurons", legend_position="right", backend="matplotlib")
    rate = plots.population_rate(spikes, dt, bin=5.0, window=(0.0, DURATION)).opts(
        title="population rate (5 ms bins)", backend="matplotlib")
    step = 1000.0 / (DURATION - SKIP)                  # Hz per spike in the window
    rate_hist = hv.Histogram(np.histogram(rates, bins=np.arange(-step / 2, rates.max() + step,
                                                                 step)),
                             kdims=[("rate", "rate (Hz)")], vdims=[("count", "neurons")]).opts(
        title=f"firing rates after {SKIP:g} ms", backend="matplotlib")
    cv_hist = hv.Histogram(np.histogram(cv[np.isfinite(cv)], bins=40),
                           kdims=[("cv", "CV of the inter-spike intervals")],
                           vdims=[("neurons", "neurons")]).opts(
        title="irregularity (Poisson: 1)", backend="matplotlib")
    layout = (raster + rate + rate_hist + cv_hist).cols(2).opts(
        sublabel_format=None, fig_size=130, shared_axes=False, backend="matplotlib")
    print(f"figure: {plots.save(layout, args.output)}")


if __name__ == "__main__":
    main()
