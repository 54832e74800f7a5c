"""Weights of a projection: their histogram and the (post, pre) matrix."""

from __future__ import annotations

import numpy as np

from engine import Projection
from workbench.plots._inputs import weights_of
from workbench.plots._style import style
from workbench.plots.errors import PlotError

__all__ = ["weight_histogram", "connectivity_matrix"]

#: cells a connectivity matrix holds at most (a 4000 x 4000 projection is
#: 16 million; its image would not show them all anyway)
MAX_CELLS = 4_000_000


def weight_histogram(weights, bins=30, *, range=None, label=None):
    """A histogram of the weights of every synapse.

    Parameters
    ----------
    weights : Projection, proj.w or array
        A projection (every synapse), its ``w`` (a list of arrays, one per
        dendrite) or any array of weights.
    bins : int or array
        As :func:`numpy.histogram`.
    range : (low, high), optional
        As :func:`numpy.histogram` (e.g. ``(0, w_max)`` for learned weights).

    Returns
    -------
    holoviews.Histogram
        Edges on key dimension ``w``, counts on ``synapses``.

    Raises
    ------
    PlotError
        For weights that are not numbers, or no synapses.
    """
    import holoviews as hv

    w = weights_of(weights, who="weight_histogram")
    if not w.size:
        raise PlotError("weight_histogram: the projection has no synapses (connect it first)")
    counts, edges = np.histogram(w, bins=bins, range=range)
    return style(hv.Histogram((edges, counts), kdims=[("w", "weight")],
                              vdims=[("synapses", "synapses")], label=label or ""),
                 "histogram")


def connectivity_matrix(weights, *, label=None):
    """The weight of every (post, pre) pair as an image; pairs without a
    synapse are blank (NaN).

    Parameters
    ----------
    weights : Projection or 2-d array
        A projection (``proj.connectivity_matrix(fill=nan)``) or a
        (post, pre) matrix.

    Returns
    -------
    holoviews.Image
        Key dimensions ``pre`` (x) and ``post`` (y), one cell per neuron
        centred on its rank: ``image[pre, post]`` is the weight.

    Raises
    ------
    PlotError
        For a matrix that is not 2-d, or larger than :data:`MAX_CELLS`
        cells (plot a part: ``proj.connectivity_matrix()[:500, :500]``).
    """
    import holoviews as hv

    if isinstance(weights, Projection):
        n = weights.post_population.size * weights.pre_population.size
        if n > MAX_CELLS:
            raise PlotError(f"connectivity_matrix: projection {weights.name!r} has {n:,} "
                            f"(post, pre) pairs, more than {MAX_CELLS:,}: plot a part, e.g. "
                            f"connectivity_matrix(proj.connectivity_matrix(fill=np.nan)"
                            f"[:500, :500])")
        m = weights.connectivity_matrix(fill=np.nan)
    else:
        try:
            m = np.asarray(weights, dtype=float)
        except (TypeError, ValueError):
            raise PlotError(f"connectivity_matrix: give a Projection or a (post, pre) "
                            f"matrix of numbers, got {type(weights).__name__}") from None
        if m.ndim != 2:
            raise PlotError(f"connectivity_matrix: the matrix must be 2-d (post, pre), "
                            f"got shape {m.shape}")
        if m.size > MAX_CELLS:
            raise PlotError(f"connectivity_matrix: {m.size:,} cells, more than "
                            f"{MAX_CELLS:,}: plot a part, e.g. matrix[:500, :500]")
    post, pre = m.shape
    # an Image's first row is its top: flip so that post rank 0 is at the bottom
    image = hv.Image(m[::-1], bounds=(-0.5, -0.5, pre - 0.5, post - 0.5),
                     kdims=[("pre", "pre-synaptic neuron"), ("post", "post-synaptic neuron")],
                     vdims=[("w", "weight")], label=label or "")
    return style(image, "image")
