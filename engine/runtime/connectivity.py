"""Connector methods: ANNarchy's connection patterns built as CSR, fast.

``build_connectivity(method, pre_geometry, post_geometry, rows, rng, ...)``
validates the arguments of one connector method (names and arguments as in
ANNarchy: ``all_to_all``, ``one_to_one``, ``fixed_probability``,
``fixed_number_pre``, ``fixed_number_post``, ``gaussian``, ``dog``,
``from_matrix``, ``from_sparse``, ``from_function``), runs the static Numba
kernels of :mod:`engine.codegen.connect_kernels` and returns a :class:`CSR`.

Cost. Random patterns cost O(synapses) in time and memory, never
O(N_pre x N_post): ``fixed_probability`` uses geometric skipping (one draw per
synapse, a counting pass then a filling pass over the same streams, so no
buffer is ever over-allocated); ``fixed_number_*`` uses Floyd's algorithm (k
draws per row). ``all_to_all``, ``gaussian``, ``dog`` and ``from_matrix`` are
dense by nature. Weights and delays drawn from the engine's distributions
(``Uniform``, ``Normal``, ``LogNormal``, ``Exponential``, ``DiscreteUniform``)
are sampled inside Numba straight into arrays of the requested precision.

Threads. ``num_threads`` workers run the same ``nogil`` Numba kernel at the
same time, each on every n-th block of rows (Python threads: the kernels
release the GIL). Numba's own thread pool is not used, nor changed: compiled
with ``parallel=True`` (``prange``) the same kernels cost 2 to 4 s more each
to compile cold, for no speed once running.

Determinism. One 64-bit key is drawn from ``rng`` per build. Kernels cut the
work into fixed blocks of rows (or of values) and block ``b`` draws from its
own stream seeded from ``(key, stream, b)``; threads only decide who computes
a block. The same ``rng`` state therefore gives a bit-identical CSR with
``num_threads=1`` or ``2`` (or any number). Distributions that are not one of
the engine's five (user subclasses with their own ``sample``) are sampled with
``dist.sample(rng, n)``: deterministic too, single-threaded.

Orientation. ``rows='pre'`` stores row i = pre-synaptic neuron i with columns
= post ranks; ``rows='post'`` the reverse. Every pattern is built directly in
the requested orientation except ``fixed_number_pre`` (natural: rows = post)
and ``fixed_number_post`` (natural: rows = pre), which are built naturally
and passed through :func:`csr_transpose` (O(nnz) counting sort).

Modules. This one holds the registry of connector methods and the entry
point; :mod:`engine.runtime.csr` the result, its transpose and the thread and
memory helpers; :mod:`engine.runtime.connect_args` the argument checks, the
build context and the weights and delays; the methods themselves live in
:mod:`engine.runtime.connect_rules` (all_to_all, one_to_one, gaussian, dog,
from_matrix, from_sparse), :mod:`engine.runtime.connect_random`
(fixed_probability, fixed_number_*) and :mod:`engine.runtime.connect_function`
(from_function, :class:`LILConnectivity`).
"""

from __future__ import annotations

import inspect

import numpy as np

from engine.errors import NetworkError
from engine.runtime.connect_args import _Context, _err, _float_dtype, _geometry, _integer
from engine.runtime.connect_function import LILConnectivity, _from_function
from engine.runtime.connect_random import _fixed_number_post, _fixed_number_pre, \
    _fixed_probability
from engine.runtime.connect_rules import _all_to_all, _dog, _from_matrix, _from_sparse, \
    _gaussian, _one_to_one, normalized_coordinates
from engine.runtime.csr import CSR, _available_cpus, csr_transpose, empty_array

__all__ = ["CSR", "build_connectivity", "csr_transpose", "CONNECTORS", "LILConnectivity",
           "empty_array", "normalized_coordinates"]


#: connector name -> implementation (ANNarchy's argument names)
CONNECTORS = {
    "all_to_all": _all_to_all,
    "one_to_one": _one_to_one,
    "fixed_probability": _fixed_probability,
    "fixed_number_pre": _fixed_number_pre,
    "fixed_number_post": _fixed_number_post,
    "gaussian": _gaussian,
    "dog": _dog,
    "from_matrix": _from_matrix,
    "from_sparse": _from_sparse,
    "from_function": _from_function,
}
_ANNARCHY4 = {"connect_" + k: k for k in CONNECTORS} | {"connect_with_func": "from_function"}


def _signature_text(func) -> str:
    params = list(inspect.signature(func).parameters.values())[1:]
    return ", ".join(str(p) for p in params if p.name not in ("storage_format", "storage_order"))


# ---------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------


def build_connectivity(method, /, pre_geometry, post_geometry, rows, rng, same_population,
                       precision=np.float64, num_threads=1, *, pre=None, post=None,
                       **kwargs) -> CSR:
    """Build the synapses of one connector method as a :class:`CSR`.

    Parameters
    ----------
    method : str
        Connector name (``fixed_probability``...; ANNarchy 4's ``connect_*``
        names are accepted too). Positional-only, so that ``from_function``'s
        own ``method=`` argument can travel in ``kwargs``.
    pre_geometry, post_geometry : tuple of int (or int)
        Shapes of the two sides; ranks are C-order indices into them.
    rows : 'pre' or 'post'
        Orientation of the result.
    rng : numpy.random.Generator
        All randomness comes from it: the same state gives the same CSR.
    same_population : bool
        Pre and post are the same neurons (rank i on both sides is one
        neuron): ``allow_self_connections`` then matters.
    precision : np.float32 or np.float64
        dtype of weight arrays.
    num_threads : int
        Threads that run the kernels (clipped to the CPUs available); the
        result does not depend on it.
    pre, post : optional
        The population objects, handed to ``from_function``'s callable as its
        first two arguments (the geometries when omitted).
    **kwargs
        The connector's arguments, named as in ANNarchy.
    """
    if not isinstance(method, str):
        raise NetworkError(f"connector method must be a name such as 'fixed_probability', got "
                           f"{method!r}")
    name = _ANNARCHY4.get(method, method)
    func = CONNECTORS.get(name)
    if func is None:
        import difflib

        close = difflib.get_close_matches(name, list(CONNECTORS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise NetworkError(f"unknown connector method {method!r}{hint}; known: "
                           f"{', '.join(CONNECTORS)}")
    try:
        inspect.signature(func).bind(None, **kwargs)
    except TypeError as exc:
        raise _err(name, f"{exc}; its arguments are ({_signature_text(func)})") from None
    pre_geo = _geometry(pre_geometry, "pre")
    post_geo = _geometry(post_geometry, "post")
    if rows not in ("pre", "post"):
        raise NetworkError(f"rows must be 'pre' or 'post', got {rows!r}")
    if not isinstance(rng, np.random.Generator):
        raise NetworkError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                           f"got {type(rng).__name__}")
    dtype = _float_dtype(precision)
    threads = _integer(name, "num_threads", num_threads, "pass a thread count >= 1")
    if threads < 1:
        raise _err(name, f"num_threads must be >= 1, got {threads}")
    threads = min(threads, _available_cpus())
    ctx = _Context(name, pre_geo, post_geo, rows, rng, bool(same_population), dtype, threads,
                   pre, post)
    return func(ctx, **kwargs)
