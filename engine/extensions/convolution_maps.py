"""Where the synapses of a convolution or a pooling go: pure numpy, no network.

ANNarchy's shared-weight projections (``ANNarchy.extensions.convolution``)
generate one C++ loop per projection that walks the filter around a
"centre" pre-synaptic coordinate of each post-synaptic neuron. The engine
instead lists the synapses once, at connect time: for each post-synaptic
neuron, the pre-synaptic ranks under the filter and, for each, the index of
its filter element. :mod:`engine.extensions.convolution` hands these lists
to the engine's explicit connectivity, so the generated kernel is the
ordinary rate-coded weighted sum (with its delays, psp and operation).

The rules (ANNarchy's ``Convolve.py`` and ``Pooling.py``):

- the centre of a filter of ``n`` elements along an axis is ``n // 2`` for
  odd ``n`` and ``n // 2 - 1`` for even ``n``; element ``k`` of the filter
  reads the pre-synaptic coordinate ``centre_coord + k - centre``;
- post-synaptic neuron ``i`` along an axis of ``n_post`` neurons (from
  ``n_pre = s * n_post``) is centred on ``(s - 1) // 2 + s * i``;
- a pooling region starts at ``i * extent`` and spans ``extent`` neurons.

Everything here is a pure function of geometries and shapes, tested
without compiling anything.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

__all__ = ["filter_center", "subsampled_centres", "FilterMap", "filter_map", "pooling_map"]


def filter_center(n: int) -> int:
    """ANNarchy's centre of ``n`` filter elements: ``n // 2`` (odd), ``n // 2 - 1`` (even)."""
    return n // 2 if n % 2 == 1 else n // 2 - 1


def subsampled_centres(axes: list) -> np.ndarray:
    """All combinations (C order) of the per-axis coordinate lists ``axes``:
    an ``(n, len(axes))`` int64 array."""
    if not axes:
        return np.zeros((1, 0), dtype=np.int64)
    rows = list(itertools.product(*[list(a) for a in axes]))
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), len(axes))


@dataclass(frozen=True)
class FilterMap:
    """The synapses of a filter projection, sorted by (post rank, pre rank).

    ``post``, ``pre``: ranks of each synapse; ``element``: index of its
    filter element in the flattened weights; ``outside``: for each post
    rank, the flattened indices of the filter elements that fell outside
    the pre-synaptic population (as ``outside_post``/``outside_element``
    pairs), for a constant padding.
    """

    post: np.ndarray
    pre: np.ndarray
    element: np.ndarray
    outside_post: np.ndarray
    outside_element: np.ndarray


def filter_map(pre_geometry, centres: np.ndarray, kernel_shape, border: bool,
               element_offset: np.ndarray | None = None) -> FilterMap:
    """The synapses of a filter centred on ``centres`` (one row per post rank).

    The filter covers the first ``len(kernel_shape)`` axes of the
    pre-synaptic population; the remaining axes (``keep_last_dimension``)
    are read at the centre's coordinate. Positions outside the population
    are clamped onto its border (``border=True``, ANNarchy's
    ``padding='border'``) or left out and reported in ``outside_*``.
    ``element_offset`` (one per post rank) shifts the element index (a bank
    of filters: filter ``d`` starts at ``d * filter size``).
    """
    geom = np.asarray(pre_geometry, dtype=np.int64)
    kernel_shape = tuple(int(k) for k in kernel_shape)
    dk = len(kernel_shape)
    n_post = centres.shape[0]
    n_el = int(np.prod(kernel_shape))
    offsets = np.indices(kernel_shape).reshape(dk, -1).T - \
        np.array([filter_center(k) for k in kernel_shape], dtype=np.int64)
    coords = np.empty((n_post, n_el, geom.size), dtype=np.int64)
    coords[:, :, :dk] = centres[:, None, :dk] + offsets[None, :, :]
    coords[:, :, dk:] = centres[:, None, dk:]
    inside = np.all((coords >= 0) & (coords < geom), axis=2)
    element = np.broadcast_to(np.arange(n_el, dtype=np.int64), (n_post, n_el))
    if element_offset is not None:
        element = element + np.asarray(element_offset, dtype=np.int64)[:, None]
    post = np.broadcast_to(np.arange(n_post, dtype=np.int64)[:, None], (n_post, n_el))
    if border:
        coords = np.clip(coords, 0, geom - 1)
        keep = np.ones_like(inside)
    else:
        keep = inside
    pre = np.ravel_multi_index(tuple(np.moveaxis(coords[keep], -1, 0)), tuple(geom)) \
        if keep.any() else np.zeros(0, dtype=np.int64)
    post_k, element_k = post[keep], element[keep]
    order = np.lexsort((pre, post_k))   # stable: engine storage order (rows = post)
    out = ~keep
    return FilterMap(post_k[order], np.asarray(pre, dtype=np.int64)[order], element_k[order],
                     post[out], element[out])


def pooling_map(pre_geometry, post_geometry, extent) -> FilterMap:
    """The synapses of a pooling: post neuron ``(i, j, ...)`` pools the box of
    ``extent`` pre-synaptic neurons starting at ``(i * extent[0], j * extent[1],
    ...)``; the pre-synaptic axes beyond those of the post-synaptic population
    start at 0. Positions outside the population are left out (ANNarchy)."""
    geom = np.asarray(pre_geometry, dtype=np.int64)
    extent = np.asarray(extent, dtype=np.int64)
    dpost = len(post_geometry)
    axes = [[i * int(extent[d]) for i in range(int(post_geometry[d]))] for d in range(dpost)]
    axes += [[0]] * (geom.size - dpost)
    starts = subsampled_centres(axes)
    n_post, n_el = starts.shape[0], int(np.prod(extent))
    offsets = np.indices(tuple(extent)).reshape(geom.size, -1).T
    coords = starts[:, None, :] + offsets[None, :, :]
    inside = np.all(coords < geom, axis=2)
    post = np.broadcast_to(np.arange(n_post, dtype=np.int64)[:, None], (n_post, n_el))
    element = np.broadcast_to(np.arange(n_el, dtype=np.int64), (n_post, n_el))
    pre = np.ravel_multi_index(tuple(np.moveaxis(coords[inside], -1, 0)), tuple(geom)) \
        if inside.any() else np.zeros(0, dtype=np.int64)
    post_k = post[inside]
    order = np.lexsort((pre, post_k))
    return FilterMap(post_k[order], np.asarray(pre, dtype=np.int64)[order],
                     element[inside][order], post[~inside], element[~inside])
