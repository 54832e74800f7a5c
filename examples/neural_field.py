"""A rate-coded neural field (Amari 1977): a bump that follows its input and
stays when the input is gone.

100 rate-coded units on a ring, each ``tau du/dt + u = h + sum(lat) + I`` with
the rate ``r = 1 / (1 + exp(-beta u))``, connected all to all by a
"Mexican hat" of lateral weights that depend on the distance on the ring:
excitation between neighbours, inhibition at larger distances
(``w(d) = A exp(-d^2 / 2 sigma^2) - B``; the same idea as ANNarchy's
NeuralField example, whose field tracks a moving stimulus with
difference-of-Gaussians weights). A Gaussian input bump:

1. is shown at position 25 for 100 ms: a bump of activity forms under it;
2. moves to position 75 in 300 ms: the activity bump follows it, a little
   behind;
3. is removed: the bump stays where the input was last, held by its own
   lateral excitation (a working memory of the position).

The script prints where the bump is at the end of each phase and how wide
it is, and saves the activity against time and position, and the weights.

    python examples/neural_field.py neural_field.png
"""

from __future__ import annotations

import argparse

import holoviews as hv
import holoviews.plotting.mpl  # noqa: F401 - the matplotlib backend: options and PNG
import numpy as np

import engine as ann
from workbench import plots

N = 100                                   # units on the ring
A, SIGMA, B = 0.4, 3.0, 0.1               # lateral weights
INPUT, INPUT_WIDTH = 2.0, 3.0             # input bump: amplitude, width (units)
START, STOP = 25.0, 75.0                  # where the input starts and stops
SHOW, MOVE, HOLD = 100, 300, 300          # ms of each phase
STEP = 5                                  # ms between input updates

Field = ann.Neuron(
    parameters="""
        tau = 10.0 : population
        h = -0.3 : population
        beta = 10.0 : population
        I = 0.0
    """,
    equations="""
        tau * du/dt + u = h + sum(lat) + I : init = -0.3
        r = 1.0 / (1.0 + exp(-beta * u))
    """,
    name="AmariField",
)


def ring_distance(a, b):
    d = np.abs(np.subtract.outer(a, b))
    return np.minimum(d, N - d)


def bump(centre: float) -> np.ndarray:
    """The input: a Gaussian bump centred on ``centre``, on the ring."""
    return INPUT * np.exp(-ring_distance(np.arange(N), centre) ** 2 / (2 * INPUT_WIDTH ** 2))


def centre_of(r: np.ndarray) -> float:
    """Where on the ring the activity is (its circular mean position)."""
    angle = np.angle(np.sum(r * np.exp(2j * np.pi * np.arange(N) / N)))
    return float(angle % (2 * np.pi) * N / (2 * np.pi))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="an Amari neural field")
    parser.add_argument("output", nargs="?", default="neural_field.png",
                        help="the figure (.png, .svg, .pdf or .html)")
    args = parser.parse_args(argv)

    net = ann.Network(dt=1.0, seed=1)
    field = net.create(N, Field, name="field")
    lateral = net.connect(field, field, "lat")
    weights = A * np.exp(-ring_distance(np.arange(N), np.arange(N)) ** 2 / (2 * SIGMA ** 2)) - B
    lateral.all_to_all(weights=weights, allow_self_connections=True)   # (post, pre)
    m = net.monitor(field, "r")
    net.compile()

    inputs = []                                          # the input's centre, each step
    field.I = bump(START)
    net.simulate(SHOW)
    inputs += [START] * SHOW
    for k in range(MOVE // STEP):
        where = START + (STOP - START) * (k + 1) / (MOVE // STEP)
        field.I = bump(where)
        net.simulate(STEP)
        inputs += [where] * STEP
    at_move_end = np.asarray(field.r).copy()
    field.I = 0.0
    net.simulate(HOLD)
    at_end = np.asarray(field.r)

    r = m.get("r")
    width = lambda rates: int(np.sum(rates > 0.5))      # noqa: E731 - units above half rate
    print(f"input shown at {START:g}: bump at {centre_of(r[SHOW - 1]):.1f}, "
          f"{width(r[SHOW - 1])} units wide")
    print(f"input moved to {STOP:g}: bump at {centre_of(at_move_end):.1f} "
          f"(behind by {STOP - centre_of(at_move_end):.1f})")
    print(f"{HOLD} ms without input: bump at {centre_of(at_end):.1f}, {width(at_end)} units "
          f"wide, peak rate {at_end.max():.2f}")

    total = SHOW + MOVE + HOLD
    activity = hv.Image(r.T[::-1], bounds=(0, -0.5, total, N - 0.5),
                        kdims=[("t", "t (ms)"), ("x", "position")],
                        vdims=[("r", "r")]).opts(
        cmap="viridis", colorbar=True, aspect=1.6, title="activity r (line: input centre)",
        backend="matplotlib")
    line = hv.Curve((np.arange(len(inputs)), inputs), kdims=[("t", "t (ms)")],
                    vdims=[("x", "position")]).opts(color="white", linestyle="dashed",
                                                   backend="matplotlib")
    profile = hv.Curve((np.arange(N) - N // 2, weights[N // 2]),
                       kdims=[("d", "pre - post (units)")], vdims=[("w", "weight")]).opts(
        title="lateral weights of one unit", aspect=1.2, backend="matplotlib")
    matrix = plots.connectivity_matrix(lateral).opts(
        title="all weights (post, pre)", aspect=1, cmap="RdBu_r", symmetric=True,
        backend="matplotlib")
    layout = (activity * line + profile + matrix).cols(3).opts(
        sublabel_format=None, fig_size=140, backend="matplotlib")
    print(f"figure: {plots.save(layout, args.output)}")


if __name__ == "__main__":
    main()
