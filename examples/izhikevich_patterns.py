"""Izhikevich (2003) firing patterns: five cell classes in one population.

One population of 5 ``Izhikevich`` neurons whose parameters a, b, c, d are
set per neuron to the values of Izhikevich (2003, Fig. 2): regular spiking
(RS), intrinsically bursting (IB), chattering (CH), fast spiking (FS) and
low-threshold spiking (LTS). All receive the same current step (I = 10 from
t = 20 ms); the parameters alone make the patterns. The script prints, for
each neuron, its rate, its first and last inter-spike intervals (RS and LTS
adapt, IB bursts once then fires tonically, FS does not adapt) and the CV of
its intervals (above 1 for the repeated bursts of CH), and saves the
membrane potentials.

    python examples/izhikevich_patterns.py izhikevich.png
"""

from __future__ import annotations

import argparse

import holoviews as hv
import numpy as np

import engine as ann
from workbench import plots

#: Izhikevich (2003), Fig. 2: a, b, c, d
CELLS = {
    "RS": (0.02, 0.2, -65.0, 8.0),
    "IB": (0.02, 0.2, -55.0, 4.0),
    "CH": (0.02, 0.2, -50.0, 2.0),
    "FS": (0.1, 0.2, -65.0, 2.0),
    "LTS": (0.02, 0.25, -65.0, 2.0),
}
ONSET, DURATION, CURRENT = 20.0, 300.0, 10.0


def resting_potential(b):
    """The stable fixed point of dv/dt = 0.04 v^2 + 5 v + 140 - u, u = b v."""
    return (-(5.0 - b) - np.sqrt((5.0 - b) ** 2 - 4 * 0.04 * 140.0)) / (2 * 0.04)

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Izhikevich firing patterns")
    parser.add_argument("output", nargs="?", default="izhikevich.png",
                        help="the figure (.png, .svg, .pdf or .html)")
    args = parser.parse_args(argv)

    a, b, c, d = (np.array(column) for column in zip(*CELLS.values()))
    net = ann.Network(dt=0.1, seed=1)
    pop = net.create(len(CELLS), neuron=ann.Izhikevich)
    pop.a, pop.b, pop.c, pop.d = a, b, c, d            # one value per neuron
    rest = resting_potential(b)
    pop.v, pop.u = rest, b * rest                      # each cell at its rest
    m = net.monitor(pop, ["spike", "v"])
    net.compile()
    net.simulate(ONSET)
    pop.i_offset = CURRENT
    net.simulate(DURATION - ONSET)

    spikes = m.get("spike", keep=True)
    v = m.get("v", keep=True)
    times = m.recorded_times()
    panels = []
    print(f"{'cell':<4} {'rate (Hz)':>9} {'first ISI':>10} {'last ISI':>9} {'CV of ISI':>9}")
    for k, name in enumerate(CELLS):
        t = np.asarray(spikes[k]) * net.dt
        isi = np.diff(t)
        rate = t.size / ((DURATION - ONSET) / 1000.0)
        cv = isi.std() / isi.mean()
        print(f"{name:<4} {rate:9.0f} {isi[0]:7.1f} ms {isi[-1]:6.1f} ms {cv:9.2f}")
        trace = v[:, k].copy()
        trace[np.isin(np.round(times / net.dt), spikes[k])] = 30.0   # draw spikes to the peak
        panels.append(plots.traces(trace, "v", times=times).relabel(
            f"{name}: a={a[k]:g}, b={b[k]:g}, c={c[k]:g}, d={d[k]:g}").opts(
            ylim=(-90, 40), aspect=4, backend="matplotlib"))
    layout = hv.Layout(panels).cols(1).opts(sublabel_format=None, fig_size=200,
                                            backend="matplotlib")
    print(f"figure: {plots.save(layout, args.output)}")


if __name__ == "__main__":
    main()
