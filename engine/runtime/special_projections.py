"""Special projections between rate-coded and spiking populations (ANNarchy's).

- :class:`CurrentInjection`: the ``r`` of a rate-coded population is added to
  the conductance ``g_target`` of a spiking one, neuron by neuron, every step.
- :class:`DecodingProjection`: the spikes of a spiking population become a
  firing rate (Hz) in ``sum(target)`` of a rate-coded one, averaged over a
  sliding window.

Both bring their own loop code (:class:`engine.codegen.network_code.CustomCode`)
and keep their arrays in ``Projection._extra``. Timing is that of every
projection: what a projection delivers at step ``n`` comes from the state of
the pre-synaptic population after step ``n - 1`` (its ``r``, or the spikes
it emitted then), and the post-synaptic update of step ``n`` sees it.
"""

from __future__ import annotations

import numpy as np

from engine.codegen.network_code import CustomCode
from engine.errors import NetworkError
from engine.runtime.projection import Projection

__all__ = ["CurrentInjection", "DecodingProjection"]


def _size(obj) -> int:
    return int(obj.size)


class CurrentInjection(Projection):
    """Inject the firing rate of a rate-coded population into a spiking one.

    At every step, post-synaptic neuron ``i`` gets ``g_target[i] += r[i]`` of
    the pre-synaptic neuron with the same rank (``r`` as it was after the
    previous step; weights are not used, as ANNarchy). Pre and post (or
    their views) must have the same size. Connect with
    :meth:`connect_current` (one to one, no delay)::

        inp = net.create(10, Neuron(equations="r = 2*sin(t)"))
        pop = net.create(10, Izhikevich)
        proj = net.connect(projection=CurrentInjection(inp, pop, 'exc'))
        proj.connect_current()

    With the auto-reset conductance ``g_exc`` of a spiking model, ``g_exc``
    then equals the pre-synaptic ``r`` during each step.
    """

    def __init__(self, pre, post, target, name=None, *, network=None):
        super().__init__(pre, post, target, None, name, network=network)

    def _check_compatible(self, spiking):
        pre, post = self.pre_population, self.post_population
        who = f"CurrentInjection {pre.name!r} -> {post.name!r} ({self.target!r})"
        if pre.spiking:
            raise NetworkError(f"{who}: the pre-synaptic population must be rate-coded "
                               f"(model {pre.ir.name!r} spikes)")
        if not post.spiking:
            raise NetworkError(f"{who}: the post-synaptic population must be spiking "
                               f"(model {post.ir.name!r} is rate-coded)")
        if _size(self.pre) != _size(self.post):
            raise NetworkError(f"{who}: pre and post must have the same size "
                               f"({_size(self.pre)} vs {_size(self.post)})")
        super()._check_compatible(spiking)

    def _delivers_to_conductance(self, spiking: bool) -> bool:
        return True  # rates into g_target

    def connect_current(self):
        """One to one, without delay (ANNarchy's ``connect_current()``)."""
        return self.one_to_one(weights=1.0)

    def _connect(self, method, /, **kwargs):
        who = f"CurrentInjection {self.name!r}"
        if method != "one_to_one":
            raise NetworkError(f"{who} connects neuron i to neuron i: call "
                               f"proj.connect_current() instead of {method}()")
        delays = kwargs.get("delays", 0.0)
        if np.ndim(delays) != 0 or float(delays) != 0.0:
            raise NetworkError(f"{who}: a current injection has no delay")
        w = kwargs.get("weights", 1.0)
        if np.ndim(w) != 0 or float(w) != 1.0:
            raise NetworkError(f"{who}: the pre-synaptic r is injected unscaled (as ANNarchy); "
                               "scale r in the pre-synaptic model instead of using weights")
        return super()._connect(method, **kwargs)

    def from_file(self, *args, **kwargs):
        raise NetworkError(f"CurrentInjection {self.name!r}: connect it with "
                           "proj.connect_current()")

    connect_from_file = from_file

    def _custom_code(self):
        # rows are post-synaptic neurons (the pre-synaptic population is rate-coded)
        return CustomCode(
            code=("for _post in range({j}__row.shape[0] - 1):\n"
                  "    for _syn in range({j}__row[_post], {j}__row[_post + 1]):\n"
                  "        {post}_g_{target}[_post] += {pre}_r[{j}__col[_syn]]\n"),
            args=("row", "col"),
        )


class DecodingProjection(Projection):
    """Turn spikes into a firing rate (ANNarchy's DecodingProjection).

    At every step, each post-synaptic neuron ``i`` adds to ``sum(target)``::

        (sum of w over the pre-synaptic spikes it received in the last W steps)
            / W * 1000 / dt / (number of its synapses)

    with ``W = round(window / dt)`` steps (``window = 0``: one step). A
    weight of 1 gives the mean rate (Hz) of the connected pre-synaptic
    neurons; ``w = 1/100`` makes 100 Hz read as 1.0. Any connector works
    (all-to-all or many-to-one make most sense); delays are ignored.

    The spikes used at step ``n`` are those of steps ``n - W ... n - 1``.
    """

    #: ANNarchy would add an unread target to the post population; here the
    #: decoded rate must reach something the readout model reads
    _sums_unread_targets = False

    def __init__(self, pre, post, target, window=0.0, name=None, *, network=None):
        try:
            window = float(window)
        except (TypeError, ValueError):
            raise NetworkError(f"DecodingProjection: window must be a number of ms, "
                               f"got {window!r}") from None
        if not np.isfinite(window) or window < 0:
            raise NetworkError(f"DecodingProjection: window must be >= 0 ms, got {window}")
        super().__init__(pre, post, target, None, name, network=network)
        dt = self.network.dt
        self.window = window if window > 0 else dt
        self._window_steps = max(1, int(round(self.window / dt)))

    def _check_compatible(self, spiking):
        pre, post = self.pre_population, self.post_population
        who = f"DecodingProjection {pre.name!r} -> {post.name!r} ({self.target!r})"
        if not pre.spiking:
            raise NetworkError(f"{who}: the pre-synaptic population must be spiking "
                               f"(model {pre.ir.name!r} is rate-coded)")
        if post.spiking:
            raise NetworkError(f"{who}: the post-synaptic population must be rate-coded, "
                               f"reading sum({self.target}) (model {post.ir.name!r} spikes)")
        super()._check_compatible(spiking)

    def _delivers_to_conductance(self, spiking: bool) -> bool:
        return False  # spikes into sum(target)

    def _install(self, csr):
        super()._install(csr)
        # delays are ignored (ANNarchy): spikes are counted as they come
        self._delay_steps, self._delays = 1, None
        post_n = self.post_population.size
        self._extra["npre"] = np.bincount(self._col, minlength=post_n).astype(np.int64)
        self._extra["hist"] = np.zeros((self._window_steps, post_n),
                                       dtype=self.network._float_dtype)
        self._extra["head"] = np.zeros(1, dtype=np.int64)

    def _custom_code(self):
        return CustomCode(
            code=(
                "_dp_slot = {j}__head[0]\n"
                "_dp_W = {j}__hist.shape[0]\n"
                "for _post in range({j}__hist.shape[1]):\n"
                "    {j}__hist[_dp_slot, _post] = 0.0\n"
                "_dp_multi = {j}_w.shape[0] > 1\n"
                "for _k in range({pre}__nspk[0]):\n"
                "    _pre = {pre}__spk[_k]\n"
                "    for _syn in range({j}__row[_pre], {j}__row[_pre + 1]):\n"
                "        {j}__hist[_dp_slot, {j}__col[_syn]] += {j}_w[_syn if _dp_multi else 0]\n"
                "for _post in range({j}__hist.shape[1]):\n"
                "    if {j}__npre[_post] > 0:\n"
                "        _acc = 0.0\n"
                "        for _dp_s in range(_dp_W):\n"
                "            _acc += {j}__hist[_dp_s, _post]\n"
                "        {post}__sum_{target}[_post] += _acc / _dp_W * 1000.0 / _dt / "
                "{j}__npre[_post]\n"
                "{j}__head[0] = (_dp_slot + 1) % _dp_W\n"
            ),
            args=("row", "col", "w", "hist", "head", "npre"),
        )
