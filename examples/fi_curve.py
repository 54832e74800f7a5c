"""f-I curve of a leaky integrate-and-fire neuron, against its closed form.

One population of 60 ``IF_curr_exp`` neurons, each with its own constant
current ``i_offset`` (0 to 3 nA): one simulation measures the whole curve.
A LIF neuron driven by a constant current I fires at

    f(I) = 1 / (t_ref + tau_m * ln(R I / (R I - (v_thresh - v_reset))))

above the rheobase I_th = (v_thresh - v_rest) / R (R = tau_m / cm), and not
at all below it. The script prints the measured rheobase and the largest
gap between the measured rates and the formula, and saves the figure.

    python examples/fi_curve.py fi_curve.png
"""

from __future__ import annotations

import argparse

import holoviews as hv
import numpy as np

import engine as ann
from workbench import plots

DURATION = 1000.0   # ms
PARAMS = dict(cm=1.0, tau_m=20.0, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0, tau_refrac=2.0)


def theory(current: np.ndarray) -> np.ndarray:
    """The closed-form rate (Hz) of the LIF neuron for each current (nA)."""
    p = PARAMS
    r_in = p["tau_m"] / p["cm"]                        # MOhm: mV per nA
    drive = r_in * current                             # mV above v_rest at rest
    gap = p["v_thresh"] - p["v_reset"]
    with np.errstate(divide="ignore", invalid="ignore"):
        period = p["tau_refrac"] + p["tau_m"] * np.log(drive / (drive - gap))
    return np.where(drive > gap, 1000.0 / period, 0.0)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="f-I curve of a LIF neuron")
    parser.add_argument("output", nargs="?", default="fi_curve.png",
                        help="the figure (.png, .svg, .pdf or .html)")
    args = parser.parse_args(argv)

    current = np.linspace(0.0, 3.0, 61)
    net = ann.Network(dt=0.1, seed=1)
    pop = net.create(current.size, neuron=ann.IF_curr_exp(**PARAMS))
    pop.i_offset = current
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(DURATION)

    rate = plots.firing_rates(m)                       # spikes / s, per neuron
    expected = theory(current)
    rheobase = current[np.flatnonzero(rate > 0)[0]]
    p = PARAMS
    closed_form = (p["v_thresh"] - p["v_rest"]) * p["cm"] / p["tau_m"]
    # counting spikes in 1 s rounds a rate down by up to 1 Hz; threshold
    # crossings are seen at the end of a step, which lengthens each period
    # by up to dt
    print(f"rheobase: measured {rheobase:.2f} nA (first current that fires), "
          f"closed form {closed_form:.2f} nA")
    print(f"rate at 3 nA: {rate[-1]:.0f} Hz (closed form {expected[-1]:.1f} Hz)")
    print(f"largest gap to the closed form: {np.max(np.abs(rate - expected)):.1f} Hz")

    fine = np.linspace(0.0, 3.0, 601)
    fig = (plots.fi_curve(current, rate, label="simulated")
           * hv.Curve((fine, theory(fine)), kdims=[("I", "I (nA)")],
                      vdims=[("rate", "rate (Hz)")], label="closed form").opts(
               color="black", linestyle="dashed", backend="matplotlib")
           ).opts(title="f-I curve of a LIF neuron (IF_curr_exp)", legend_position="top_left",
                  backend="matplotlib")
    print(f"figure: {plots.save(fig, args.output)}")


if __name__ == "__main__":
    main()
