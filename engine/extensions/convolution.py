"""``ANNarchy.extensions.convolution``: convolution, pooling and copied projections.

ANNarchy stores one filter per projection and generates a C++ loop that
slides it over the pre-synaptic population. The engine lists the synapses
instead, once, at connect time (:mod:`engine.extensions.convolution_maps`):
every post-synaptic neuron gets one synapse per filter element that falls
inside the pre-synaptic population, with that element as its weight ``w``.
The projection is then an ordinary rate-coded one: the generated kernel is
the engine's weighted sum, with its psp, operation and delays, readable in
``net.generated_code()``.

What this costs and means:

- memory: one weight per synapse (``post.size * filter size`` at most)
  instead of one filter. ``proj.weights`` (and ``proj.get('weights')``)
  returns the filter; assigning a new filter of the same shape to
  ``proj.weights`` refreshes every synapse's copy. Writing ``proj.w``
  directly changes single synapses and leaves ``proj.weights`` stale.
- ``padding`` (sum and mean only, as ANNarchy): ``'border'`` repeats the
  border neurons (a border neuron can then appear several times in a
  dendrite); a number ``c`` extends the population with neurons of rate
  ``c``: each filter element outside adds ``psp(w, pre.r = c)``, a
  constant the engine folds into one synaptic parameter ``w_pad`` of the
  first synapse of each dendrite. ``c = 0`` adds nothing.
- ``operation='mean'`` divides by the number of filter (or pooling)
  elements, those outside the population included (ANNarchy); it is
  computed as a sum of ``psp / n``. ``'max'`` and ``'min'`` go to the
  engine's rate-coded reduction (``Synapse(operation=...)``) over the
  elements inside the population.

Differences with ANNarchy are listed in ``docs/convolution.md``.
"""

from __future__ import annotations

import numbers

import numpy as np

from engine.errors import NetworkError
from engine.extensions.convolution_copy import Copy
from engine.extensions.convolution_maps import (
    filter_center, filter_map, pooling_map, subsampled_centres,
)
from engine.language.models import Synapse
from engine.language.symbols import pre_symbol, symbol
from engine.runtime.population import Population
from engine.runtime.projection import Projection

__all__ = ["Convolution", "Pooling", "Copy"]

_MAX_DIMENSIONS = 4


def _shared_synapse(psp: str, operation: str, n_elements: int = 1, pad: bool = False,
                    kind: str = "Convolution") -> Synapse:
    """The synapse of a shared-weight projection: the user's psp, divided by
    the number of elements for a mean, plus ``w_pad`` for a constant padding.
    The user's text is handed to the parser, never evaluated."""
    text = psp if operation != "mean" else f"({psp}) / {n_elements}"
    params = ""
    if pad:
        text, params = f"({text}) + w_pad", "w_pad = 0.0"
    kwargs = {"operation": operation} if operation in ("max", "min") else {}
    return Synapse(parameters=params, psp=text, name=f"{kind}_{operation}", **kwargs)


def _check_psp(kind: str, psp, operation, allowed) -> None:
    if not isinstance(psp, str) or not psp.strip():
        raise NetworkError(f"{kind}: psp must be an expression such as 'w * pre.r', "
                           f"got {psp!r}")
    if operation not in allowed:
        raise NetworkError(f"{kind}: the operation must be one of "
                           f"{', '.join(repr(a) for a in allowed)}, got {operation!r}")
    # mistakes in the user's own text are reported against that text alone
    Synapse(psp=psp, name=kind)


def _check_delay(who: str, delays) -> float:
    if isinstance(delays, bool) or not isinstance(delays, numbers.Real):
        raise NetworkError(f"{who}: shared projections can only have one constant delay "
                           f"(a number of ms), got {delays!r}")
    if not np.isfinite(delays) or delays < 0:
        raise NetworkError(f"{who}: the delay must be a finite number of ms >= 0, got {delays}")
    return float(delays)


def _check_populations(kind: str, pre, post) -> None:
    """Whole populations (their geometry places the filter), rate-coded pre,
    at most 4 dimensions; checked before the projection joins the network."""
    for role, obj in (("pre", pre), ("post", post)):
        if not isinstance(obj, Population):
            raise NetworkError(f"{kind}: the {role}-synaptic side must be a whole population "
                               f"(its geometry places the filter), got {type(obj).__name__}")
    who = f"{kind} {pre.name!r} -> {post.name!r}"
    if pre.spiking:
        raise NetworkError(f"{who}: the pre-synaptic population must be rate-coded "
                           f"(model {pre.ir.name!r} spikes)")
    for role, pop in (("pre", pre), ("post", post)):
        if len(pop.geometry) > _MAX_DIMENSIONS:
            raise NetworkError(f"{who}: too many dimensions for the {role}-synaptic "
                               f"population (maximum {_MAX_DIMENSIONS}), geometry "
                               f"{pop.geometry}")


class _SharedProjection(Projection):
    """What Convolution and Pooling share: whole rate-coded populations,
    synapses listed at connect time, connector methods refused."""

    _kind = "Convolution"
    _connect_hint = "connect_filter() or connect_filters()"
    #: Copy refuses to copy it (its synapses are a filter's, not its own)
    _shares_weights = True

    @property
    def _who(self) -> str:
        return f"{self._kind} {self.pre_population.name!r} -> {self.post_population.name!r}"

    def _connect(self, method, /, **kwargs):
        raise NetworkError(f"{self._who}: connect it with {self._connect_hint}, "
                           f"not {method}()")

    def from_arrays(self, *args, **kwargs):
        raise NetworkError(f"{self._who}: connect it with {self._connect_hint}")

    def from_file(self, *args, **kwargs):
        raise NetworkError(f"{self._who}: connect it with {self._connect_hint}")

    connect_from_file = from_file

    def _before_connect(self):
        if self._row_ptr is not None:
            raise NetworkError(f"{self._who}: already connected")
        if self.network.compiled:
            raise NetworkError("cannot connect after compile()")

    def _install_map(self, fmap, weights, delay, synapse, pad=None):
        """Install the synapses of ``fmap`` (sorted by post, then pre) with
        ``synapse``; ``pad``: the value of ``w_pad`` of each synapse."""
        # the synapse depends on connect()'s arguments (mean size, padding)
        saved = self.synapse_type, self.ir
        self.synapse_type, self.ir = synapse, synapse.ir
        try:
            self._from_rank_arrays(fmap.pre, fmap.post, np.asarray(weights, dtype=float),
                                   np.full(fmap.pre.size, delay), self._who)
        except BaseException:
            self.synapse_type, self.ir = saved
            raise
        if not np.array_equal(self._col, fmap.pre):  # storage order = ours (stable sort)
            raise AssertionError("shared projection: synapses were reordered")
        if pad is not None:
            self._arrays["w_pad"][:] = pad
        self._post_order = None


class Convolution(_SharedProjection):
    r"""A filter slid over the pre-synaptic population (ANNarchy's ``Convolution``).

    As in computer vision, the operation is a cross-correlation: post neuron
    ``x`` receives ``sum_k w[k] * pre.r[c(x) + k - centre]``, where ``c(x)``
    is its centre in the pre-synaptic population and the centre of ``n``
    elements is ``n // 2`` (``n // 2 - 1`` when ``n`` is even)::

        inp = net.create(geometry=(100, 100), neuron=Neuron(parameters="r = 0.0"))
        pop = net.create(geometry=(100, 100), neuron=Neuron(equations="r = sum(exc)"))
        proj = net.connect(Convolution(inp, pop, 'exc'))
        proj.connect_filter([[-1., 0., 1.], [-1., 0., 1.], [-1., 0., 1.]])

    Parameters
    ----------
    pre, post : Population
        Whole rate-coded populations; their geometries place the filter.
    target : str
        The post-synaptic ``sum(target)``.
    psp : str
        Influence of one synapse (default ``'pre.r * w'``).
    operation : {'sum', 'max', 'min', 'mean'}
        How the psp of a dendrite are combined.
    name : str, optional

    Raises
    ------
    NetworkError
        Views or spiking pre-synaptic populations, more than 4 dimensions,
        an unknown operation.
    """

    _kind = "Convolution"
    _connect_hint = "connect_filter() or connect_filters()"

    def __init__(self, pre, post, target, psp="pre.r * w", operation="sum", name=None,
                 *, network=None):
        _check_psp("Convolution", psp, operation, ("sum", "max", "min", "mean"))
        _check_populations("Convolution", pre, post)
        super().__init__(pre, post, target, _shared_synapse(psp, operation), name,
                         network=network)
        self.psp, self.operation = psp, operation
        self._filter = None            # the filter (or bank), as connected
        self._element = None           # filter element of each synapse
        self._outside = None           # (post ranks, elements) outside the population
        self._bank = False
        self.padding = 0.0
        self.delays = 0.0

    # -- the filter ----------------------------------------------------------------
    @property
    def weights(self):
        """The filter (a copy); assign an array of the same shape to change it."""
        return None if self._filter is None else self._filter.copy()

    @weights.setter
    def weights(self, value):
        if self._filter is None:
            raise NetworkError(f"{self._who}: connect it with connect_filter() before "
                               "setting its weights")
        new = self._as_filter(value)
        if new.shape != self._filter.shape:
            raise NetworkError(f"{self._who}: the new filter has shape {new.shape}, the "
                               f"connected one {self._filter.shape}")
        self._filter = new
        self._arrays["w"][:] = new.ravel()[self._element]
        if "w_pad" in self._arrays:
            self._arrays["w_pad"][:] = self._pad_values()

    def _as_filter(self, weights) -> np.ndarray:
        try:
            arr = np.array(weights, dtype=float)
        except (TypeError, ValueError):
            raise NetworkError(f"{self._who}: the weights must be a numpy array or nested "
                               f"lists of numbers, got {type(weights).__name__}") from None
        if arr.ndim == 0 or arr.size == 0:
            raise NetworkError(f"{self._who}: the weights must be an array with at least "
                               f"one dimension, got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise NetworkError(f"{self._who}: the weights must be finite numbers")
        return arr

    # -- connecting ----------------------------------------------------------------
    def connect_filter(self, weights, delays=0.0, keep_last_dimension=False, padding=0.0,
                       subsampling=None):
        """Apply one filter to the pre-synaptic population.

        - same dimensions for the populations and the filter: ``(100, 100) *
          (3, 3) -> (100, 100)``;
        - the post-synaptic population has one dimension less, the filter's
          last matches the pre-synaptic one: ``(100, 100, 3) * (3, 3, 3) ->
          (100, 100)``;
        - the filter has one dimension less, the populations' last dimension
          is convolved in parallel (``keep_last_dimension=True``):
          ``(100, 100, 16) * (3, 3) -> (100, 100, 16)``.

        A post-synaptic axis of ``n`` neurons over ``s * n`` pre-synaptic ones
        subsamples by ``s``; ``subsampling`` gives instead the pre-synaptic
        centre of each post neuron (a list of ``post.size`` coordinates).

        Raises
        ------
        NetworkError
            Filter and geometries that do not fit, a bad padding, delay or
            subsampling list.
        """
        who = self._who
        self._before_connect()
        w = self._as_filter(weights)
        delay = _check_delay(who, delays)
        padding = self._check_padding(padding)
        pre_g, post_g = self.pre_population.geometry, self.post_population.geometry
        dk, dpre, dpost = w.ndim, len(pre_g), len(post_g)
        shapes = f"{pre_g} * {w.shape} -> {post_g}"
        if dk > _MAX_DIMENSIONS:
            raise NetworkError(f"{who}: too many dimensions for the filter (maximum "
                               f"{_MAX_DIMENSIONS}), got shape {w.shape}")
        if dk > dpre:
            raise NetworkError(f"{who}: {shapes}: the filter has more dimensions than the "
                               "pre-synaptic population; for a bank of filters use "
                               "connect_filters()")
        if dk < dpre:
            if not keep_last_dimension:
                raise NetworkError(f"{who}: {shapes}: if the filter has fewer dimensions "
                                   "than the pre-synaptic population, set "
                                   "keep_last_dimension=True")
            if dk != dpre - 1:
                raise NetworkError(f"{who}: {shapes}: with keep_last_dimension=True the "
                                   "filter has exactly one dimension less than the "
                                   "pre-synaptic population")
            if dpost != dpre or pre_g[-1] != post_g[-1]:
                raise NetworkError(f"{who}: {shapes}: with keep_last_dimension=True both "
                                   "populations have the same number of dimensions and of "
                                   "neurons in the last one")
        if dpost > dpre:
            raise NetworkError(f"{who}: {shapes}: the post-synaptic population has more "
                               "dimensions than the pre-synaptic one; for a bank of "
                               "filters use connect_filters()")
        if dpost < dpre and w.shape[-1] != pre_g[-1]:
            raise NetworkError(f"{who}: {shapes}: if the post-synaptic population has fewer "
                               "dimensions than the pre-synaptic one, the last dimension of "
                               "the filter must equal the last of the pre-synaptic population")
        if subsampling is not None and len(subsampling) > 0:
            centres = self._check_subsampling(subsampling, self.post_population.size)
        else:
            axes = self._sampled_axes(shapes, min(dpost, dpre))
            axes += [[filter_center(w.shape[d])] for d in range(dpost, dpre)]
            centres = subsampled_centres(axes)
        fmap = filter_map(pre_g, centres, w.shape,
                          border=padding == "border" and self.operation in ("sum", "mean"))
        self._finish(w, fmap, delay, padding, int(w.size), bank=False)
        return self

    def connect_filters(self, weights, delays=0.0, keep_last_dimension=False, padding=0.0,
                        subsampling=None):
        """Apply a bank of filters: ``weights[d]`` is filter ``d``, whose result
        is in the last dimension of the post-synaptic population:
        ``(100, 100) * (16, 3, 3) -> (100, 100, 16)``. ``subsampling`` lists
        one pre-synaptic centre per position (``post.size / n_filters``).

        Raises
        ------
        NetworkError
            As :meth:`connect_filter`; also a bank whose filters do not have
            the dimensions of the pre-synaptic population, or a post-synaptic
            last dimension that is not the number of filters.
        """
        who = self._who
        self._before_connect()
        w = self._as_filter(weights)
        delay = _check_delay(who, delays)
        padding = self._check_padding(padding)
        pre_g, post_g = self.pre_population.geometry, self.post_population.geometry
        dk, dpre, dpost = w.ndim, len(pre_g), len(post_g)
        shapes = f"{pre_g} * {w.shape} -> {post_g}"
        if dk > _MAX_DIMENSIONS + 1:
            raise NetworkError(f"{who}: too many dimensions for the bank of filters "
                               f"(maximum {_MAX_DIMENSIONS + 1}), got shape {w.shape}")
        if dk - 1 != dpre:
            raise NetworkError(f"{who}: {shapes}: each filter of the bank (weights[d]) must "
                               f"have the {dpre} dimension(s) of the pre-synaptic population")
        if keep_last_dimension:
            raise NetworkError(f"{who}: keep_last_dimension is not available with a bank of "
                               "filters (the last post-synaptic dimension indexes the filters)")
        if w.shape[0] != post_g[-1]:
            raise NetworkError(f"{who}: {shapes}: for multiple filters, the last dimension of "
                               "the post-synaptic population must have as many neurons as "
                               f"there are filters ({w.shape[0]})")
        if dpost - 1 > dpre:
            raise NetworkError(f"{who}: {shapes}: the post-synaptic population has too many "
                               "dimensions for this bank of filters")
        nb = w.shape[0]
        n_pos = self.post_population.size // nb
        if subsampling is not None and len(subsampling) > 0:
            pos = self._check_subsampling(subsampling, n_pos)
        else:
            axes = self._sampled_axes(shapes, dpost - 1)
            axes += [[filter_center(w.shape[d + 1])] for d in range(dpost - 1, dpre)]
            pos = subsampled_centres(axes)
        centres = np.repeat(pos, nb, axis=0)
        offsets = np.tile(np.arange(nb, dtype=np.int64), n_pos) * int(np.prod(w.shape[1:]))
        fmap = filter_map(pre_g, centres, w.shape[1:],
                          border=padding == "border" and self.operation in ("sum", "mean"),
                          element_offset=offsets)
        self._finish(w, fmap, delay, padding, int(np.prod(w.shape[1:])), bank=True)
        return self

    def _finish(self, w, fmap, delay, padding, n_elements, bank):
        pad = (self.operation in ("sum", "mean") and padding != "border"
               and float(padding) != 0.0 and fmap.outside_post.size > 0)
        missing = np.setdiff1d(np.arange(self.post_population.size), fmap.post)
        if missing.size:
            raise NetworkError(f"{self._who}: post-synaptic neuron {int(missing[0])} has no "
                               "pre-synaptic neuron under its filter (its centre is outside "
                               "the pre-synaptic population)")
        synapse = _shared_synapse(self.psp, self.operation, n_elements, pad)
        self._filter, self._element, self._bank = w, fmap.element, bank
        self._outside = (fmap.outside_post, fmap.outside_element)
        self.padding, self.delays = padding, delay
        self._n_elements = n_elements
        # every post rank has synapses (checked above): its first one carries w_pad
        self._first = np.searchsorted(fmap.post, np.arange(self.post_population.size))
        try:
            pad_values = self._pad_values() if pad else None
            self._install_map(fmap, w.ravel()[fmap.element], delay, synapse, pad_values)
        except BaseException:
            self._filter = None   # a refused connect leaves the projection unconnected
            raise
        self.connector_name = "Convolution"
        self.connector_args = {"weights": w.shape, "padding": padding, "bank": bank}

    def _pad_values(self) -> np.ndarray:
        """``w_pad`` of each synapse: the psp of the filter elements outside the
        population, at ``pre.r = padding``, summed on the first synapse of
        each dendrite (divided by the number of elements for a mean)."""
        import sympy as sp

        user = Synapse(psp=self.psp, name=self._kind).ir.psp
        flat = self._filter.ravel()
        per_element = np.empty(flat.size)
        c = float(self.padding)
        for k, wk in enumerate(flat):
            value = user.subs({symbol("w"): sp.Float(wk), pre_symbol("r"): sp.Float(c)})
            if not value.is_number or not value.is_real:
                names = ", ".join(sorted(str(s) for s in value.free_symbols)) or "a complex value"
                raise NetworkError(
                    f"{self._who}: padding={c} needs a psp that depends on w and pre.r only "
                    f"(psp {self.psp!r} also reads {names}); use padding=0.0 or 'border'")
            per_element[k] = float(value)
        if not np.isfinite(per_element).all():
            raise NetworkError(f"{self._who}: the psp at pre.r = padding ({c}) is not finite")
        post_out, el_out = self._outside
        per_post = np.bincount(post_out, weights=per_element[el_out],
                               minlength=self.post_population.size)
        if self.operation == "mean":
            per_post = per_post / self._n_elements
        values = np.zeros(self._element.size)
        values[self._first] = per_post
        return values

    # -- checks ----------------------------------------------------------------------
    def _check_padding(self, padding):
        if isinstance(padding, str):
            if padding != "border":
                raise NetworkError(f"{self._who}: padding is a number or 'border', got "
                                   f"{padding!r}")
            return padding
        if isinstance(padding, bool) or not isinstance(padding, numbers.Real) \
                or not np.isfinite(padding):
            raise NetworkError(f"{self._who}: padding is a finite number or 'border', got "
                               f"{padding!r}")
        return float(padding)

    def _sampled_axes(self, shapes, n_axes) -> list:
        """ANNarchy's centres along the first ``n_axes`` axes: ``(s - 1) // 2 + s * i``."""
        axes = []
        pre_g, post_g = self.pre_population.geometry, self.post_population.geometry
        for d in range(n_axes):
            s = pre_g[d] // post_g[d]
            if s == 0 or s * post_g[d] != pre_g[d]:
                raise NetworkError(f"{self._who}: {shapes}: the pre-synaptic dimensions must "
                                   "be a multiple of the post-synaptic ones for "
                                   f"down-sampling to work (axis {d}: {pre_g[d]} vs "
                                   f"{post_g[d]})")
            axes.append([(s - 1) // 2 + s * i for i in range(post_g[d])])
        return axes

    def _check_subsampling(self, subsampling, n) -> np.ndarray:
        pre_g = self.pre_population.geometry
        try:
            arr = np.array(subsampling)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.shape != (n, len(pre_g)) or arr.dtype.kind not in "iu":
            got = "a ragged list" if arr is None else f"shape {arr.shape} ({arr.dtype})"
            raise NetworkError(f"{self._who}: the sub-sampling list must have {n} elements "
                               f"of {len(pre_g)} whole-number coordinates, got {got}")
        bad = np.flatnonzero(np.any((arr < 0) | (arr >= np.asarray(pre_g)), axis=1))
        if bad.size:
            raise NetworkError(f"{self._who}: sub-sampling centre {arr[bad[0]].tolist()} "
                               f"(element {int(bad[0])}) is outside the pre-synaptic "
                               f"geometry {pre_g}")
        return arr.astype(np.int64)


class Pooling(_SharedProjection):
    """Max-, min- or mean-pooling of the pre-synaptic rates (ANNarchy's ``Pooling``).

    Post-synaptic neuron ``(i, j, ...)`` pools the box of ``extent``
    pre-synaptic neurons starting at ``(i * extent[0], j * extent[1], ...)``;
    pre-synaptic axes beyond those of the post-synaptic population start at
    0 (``(2, 3, 10) -> (2, 3)`` with ``extent=(1, 1, 10)`` pools the last
    axis)::

        inp = net.create(geometry=(100, 100), neuron=Neuron(parameters="r = 0.0"))
        pop = net.create(geometry=(50, 50), neuron=Neuron(equations="r = sum(exc)"))
        proj = net.connect(Pooling(inp, pop, 'exc', operation='max'))
        proj.pooling()          # extent (2, 2) from the geometries

    Parameters
    ----------
    pre, post : Population
    target : str
    psp : str
        The value pooled (default ``'pre.r'``).
    operation : {'max', 'min', 'mean'}
    name : str, optional

    Raises
    ------
    NetworkError
        Views or spiking pre-synaptic populations, more than 4 dimensions,
        an unknown operation.
    """

    _kind = "Pooling"
    _connect_hint = "pooling()"

    def __init__(self, pre, post, target, psp="pre.r", operation="max", name=None,
                 *, network=None):
        _check_psp("Pooling", psp, operation, ("max", "mean", "min"))
        _check_populations("Pooling", pre, post)
        super().__init__(pre, post, target, _shared_synapse(psp, operation, kind="Pooling"),
                         name, network=network)
        self.psp, self.operation = psp, operation
        self.extent = None
        self.delays = 0.0

    def connect_pooling(self, extent=None, delays=0.0):
        """ANNarchy 4's name of :meth:`pooling`."""
        return self.pooling(extent, delays)

    def pooling(self, extent=None, delays=0.0):
        """Connect: ``extent`` is the pooled box in pre-synaptic neurons (default:
        pre geometry / post geometry, axis by axis).

        Raises
        ------
        NetworkError
            An extent that is not a tuple of positive whole numbers, one per
            pre-synaptic axis; geometries that do not divide; a post-synaptic
            neuron whose box lies outside the pre-synaptic population.
        """
        who = self._who
        self._before_connect()
        delay = _check_delay(who, delays)
        pre_g, post_g = self.pre_population.geometry, self.post_population.geometry
        if len(post_g) > len(pre_g):
            raise NetworkError(f"{who}: the post-synaptic population {post_g} has more "
                               f"dimensions than the pre-synaptic one {pre_g}")
        if extent is None:
            if len(pre_g) != len(post_g):
                raise NetworkError(f"{who}: without an extent, the two populations must have "
                                   f"the same number of dimensions ({pre_g} vs {post_g})")
            if any(p % q for p, q in zip(pre_g, post_g)):
                raise NetworkError(f"{who}: unable to compute the extent of the pooling area: "
                                   f"the geometry {pre_g} is not a multiple of {post_g}")
            extent = tuple(p // q for p, q in zip(pre_g, post_g))
        if not isinstance(extent, (tuple, list)) or len(extent) != len(pre_g) or not all(
                isinstance(e, numbers.Integral) and not isinstance(e, bool) and e > 0
                for e in extent):
            raise NetworkError(f"{who}: the extent of the pooling is a tuple of {len(pre_g)} "
                               f"positive whole numbers (one per pre-synaptic axis), got "
                               f"{extent!r}")
        extent = tuple(int(e) for e in extent)
        fmap = pooling_map(pre_g, post_g, extent)
        missing = np.setdiff1d(np.arange(self.post_population.size), fmap.post)
        if missing.size:
            raise NetworkError(f"{who}: extent {extent}: the box of post-synaptic neuron "
                               f"{int(missing[0])} lies outside the pre-synaptic population "
                               f"{pre_g}")
        synapse = _shared_synapse(self.psp, self.operation, int(np.prod(extent)),
                                  kind="Pooling")
        self._install_map(fmap, np.ones(fmap.pre.size), delay, synapse)
        self.extent, self.delays = extent, delay
        self.connector_name = "Pooling"
        self.connector_args = {"extent": extent}
        return self
