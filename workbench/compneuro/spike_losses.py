"""Losses between spike trains, for fitting spiking models with OptNeuron.

Voltage losses (:mod:`workbench.compneuro.losses`) punish a spike that is
one step late as much as a missing one; these compare *spike times*, with a
time scale the user chooses:

* :func:`spike_count_error`, :func:`rate_error`: only how many spikes;
* :func:`van_rossum_distance`: Euclidean distance of the trains filtered by
  a causal exponential of time constant ``tau_ms``;
* :func:`victor_purpura_distance`: cheapest edit of one train into the
  other (shift a spike by ``d`` ms for ``q*d``, add or delete one for 1);
* :func:`first_spike_latency_error`, :func:`isi_cv`: single features.

Spike times are in **ms**, 1-D arrays or lists, sorted or not (they are
sorted here: recordings merged from several periods need not be). NaN/inf
is an error rather than a silent NaN loss, as in
:mod:`~workbench.compneuro.losses`. :func:`spike_times_ms` turns a
CompNeuroPy-style result (spike *steps*) into such an array.

All functions are plain NumPy and vectorised: O(n + m) for van Rossum and
O(n m) in O(min(n, m)) Python iterations for Victor-Purpura, so they can be
called once per candidate and generation.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.compneuro import _resolve
from workbench.compneuro.errors import CompNeuroError

__all__ = [
    "first_spike_latency_error", "isi_cv", "rate_error", "spike_count_error",
    "spike_times_ms", "van_rossum_distance", "victor_purpura_distance",
]

#: van Rossum traces are summed in segments of at most this many time
#: constants, so that exp(t / tau) stays far from overflow (exp(709) is the
#: largest double) while the sums stay vectorised
_SEGMENT_TAU = 500.0


def _train(x, who: str, name: str) -> np.ndarray:
    """``x`` as a sorted 1-D float array of spike times, or a clear error."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CompNeuroError(f"{who}: the {name} spike train must be a 1-D array or list "
                             f"of spike times in ms ({exc})") from exc
    if arr.ndim != 1:
        raise CompNeuroError(f"{who}: the {name} spike train must be 1-D (spike times in "
                             f"ms), got shape {arr.shape}; select one neuron's spikes")
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr))
        raise CompNeuroError(f"{who}: the {name} spike train holds {bad.size} NaN/inf "
                             f"time(s), the first at index {int(bad[0])}")
    return np.sort(arr)


def _positive(value, who: str, name: str, allow_inf: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise CompNeuroError(f"{who}: {name} must be a number, got {value!r}") from exc
    if math.isnan(v) or v <= 0 or (math.isinf(v) and not allow_inf):
        raise CompNeuroError(f"{who}: {name} must be a positive "
                             f"{'' if allow_inf else 'finite '}number, got {value!r}")
    return v


def spike_count_error(a, b) -> int:
    """``|len(a) - len(b)|``: the coarsest spike loss, useful as a first term
    so that a candidate with the right number of spikes always wins.

    Raises
    ------
    CompNeuroError
        If a train is not 1-D or holds NaN/inf.
    """
    a = _train(a, "spike_count_error", "first")
    b = _train(b, "spike_count_error", "second")
    return abs(a.size - b.size)


def rate_error(a, b, duration_ms) -> float:
    """``|rate_a - rate_b|`` in Hz, both rates being counts over
    ``duration_ms`` (the same window for both, so that the loss of a count
    error does not depend on the recording length).

    Raises
    ------
    CompNeuroError
        As :func:`spike_count_error`, and if ``duration_ms`` is not positive.
    """
    duration = _positive(duration_ms, "rate_error", "duration_ms")
    return spike_count_error(a, b) * 1000.0 / duration


def _trace(s: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x[k] = sum_{i <= k} w[i] exp(-(s[k] - s[i]))`` for sorted ``s``
    (times in units of tau): the exponential trace just after each event.

    Written as ``exp(-s[k]) * cumsum(w exp(s))`` relative to the start of
    segments of at most ``_SEGMENT_TAU`` time constants, the trace carried
    across segments; all terms are positive, so the sums lose no precision.
    """
    out = np.empty_like(s)
    carry, start, n = 0.0, 0, s.size
    while start < n:
        ref = s[start]
        stop = max(int(np.searchsorted(s, ref + _SEGMENT_TAU, side="right")), start + 1)
        seg = s[start:stop] - ref
        if start:
            carry = out[start - 1] * math.exp(-(ref - s[start - 1]))
        out[start:stop] = (carry + np.cumsum(w[start:stop] * np.exp(seg))) * np.exp(-seg)
        start = stop
    return out


def _self_sum(s: np.ndarray) -> float:
    """``sum_{i,j} exp(-|s_i - s_j|)`` of one sorted train."""
    if s.size == 0:
        return 0.0
    return 2.0 * float(np.sum(_trace(s, np.ones_like(s)))) - s.size


def _cross_sum(sa: np.ndarray, sb: np.ndarray) -> float:
    """``sum_{i,j} exp(-|a_i - b_j|)``: every pair counted once, by merging
    the trains (a first, stable, so a tie is counted as "a before b" only)."""
    if sa.size == 0 or sb.size == 0:
        return 0.0
    s = np.concatenate([sa, sb])
    order = np.argsort(s, kind="stable")
    s = s[order]
    is_a = order < sa.size
    from_a = _trace(s, is_a.astype(float))        # a_i <= b_j, evaluated at the b's
    from_b = _trace(s, (~is_a).astype(float))     # b_j < a_i (ties went to a first)
    return float(np.sum(from_a[~is_a]) + np.sum(from_b[is_a]))


def van_rossum_distance(a, b, tau_ms) -> float:
    """van Rossum (2001) distance with a causal exponential kernel of time
    constant ``tau_ms``, in its exact closed form::

        D^2 = sum_ij e^(-|a_i-a_j|/tau) + sum_ij e^(-|b_i-b_j|/tau)
              - 2 sum_ij e^(-|a_i-b_j|/tau)

    **Normalisation: Elephant's** (``elephant.spike_train_dissimilarity.
    van_rossum_distance``), i.e. the distance between one spike and no spike
    is 1, and between ``n`` spikes far apart and none is ``sqrt(n)``. The
    paper's ``D^2 = (1/tau) * integral (f - g)^2 dt`` is this divided by
    ``sqrt(2)``. ``tau_ms = inf`` gives ``|len(a) - len(b)|`` (Elephant's
    limit); small ``tau_ms`` tends to ``sqrt(len(a) + len(b))`` minus
    coincident spikes.

    Computed in O(n + m) after sorting (the exponential-trace recursion of
    Houghton & Kreuz 2012, vectorised), so long trains are cheap.

    Raises
    ------
    CompNeuroError
        If a train is not 1-D or holds NaN/inf, or ``tau_ms`` is not positive.
    """
    who = "van_rossum_distance"
    a, b = _train(a, who, "first"), _train(b, who, "second")
    tau = _positive(tau_ms, who, "tau_ms", allow_inf=True)
    if math.isinf(tau):
        return float(abs(a.size - b.size))
    sa, sb = a / tau, b / tau
    d2 = _self_sum(sa) + _self_sum(sb) - 2.0 * _cross_sum(sa, sb)
    return math.sqrt(max(d2, 0.0))   # rounding can make identical trains slightly negative


def victor_purpura_distance(a, b, q_per_ms) -> float:
    """Victor & Purpura (1996) spike-time distance: the cheapest way to turn
    ``a`` into ``b`` when deleting or inserting a spike costs 1 and shifting
    one by ``d`` ms costs ``q_per_ms * d`` (so spikes more than
    ``2 / q_per_ms`` apart are cheaper deleted and re-inserted).

    ``q_per_ms = 0`` gives ``|len(a) - len(b)|``. The same definition as
    Elephant's ``victor_purpura_distance`` with ``cost_factor = q_per_ms /
    ms`` (i.e. ``1000 * q_per_ms`` Hz).

    The standard dynamic programme ``G[i][j] = min(G[i-1][j] + 1,
    G[i][j-1] + 1, G[i-1][j-1] + q |a_i - b_j|)``, computed row by row: the
    in-row insertion chain is a running minimum, ``G[i][j] = j + min_{k<=j}
    (c_k - k)``, so each row is one NumPy pass.

    Raises
    ------
    CompNeuroError
        If a train is not 1-D or holds NaN/inf, or ``q_per_ms`` is negative,
        NaN or infinite.
    """
    who = "victor_purpura_distance"
    a, b = _train(a, who, "first"), _train(b, who, "second")
    try:
        q = float(q_per_ms)
    except (TypeError, ValueError) as exc:
        raise CompNeuroError(f"{who}: q_per_ms must be a number, got {q_per_ms!r}") from exc
    if not (math.isfinite(q) and q >= 0):
        raise CompNeuroError(f"{who}: q_per_ms must be a finite number >= 0 (cost per ms "
                             f"of shifting a spike), got {q_per_ms!r}")
    if a.size < b.size:
        a, b = b, a                    # loop over the shorter train
    if b.size == 0 or q == 0:
        return float(abs(a.size - b.size))
    j = np.arange(b.size + 1, dtype=float)
    prev = j.copy()                    # G[0][j] = j insertions
    c = np.empty_like(prev)
    for i, t in enumerate(a, start=1):
        c[0] = i
        np.minimum(prev[1:] + 1.0, prev[:-1] + q * np.abs(t - b), out=c[1:])
        prev = j + np.minimum.accumulate(c - j)
    return float(prev[-1])


def first_spike_latency_error(a, b, t0_ms=0.0, missing_ms=math.inf) -> float:
    """``|latency_a - latency_b|`` in ms, each the time of the first spike at
    or after ``t0_ms`` (e.g. a current step's onset) minus ``t0_ms``.

    A train without a spike after ``t0_ms`` has no latency: if both have
    none the error is 0, if only one has none it is ``missing_ms``. The
    default ``inf`` makes such a candidate the worst in OptNeuron (which
    turns non-finite losses into ``inf``); give a finite penalty (e.g. the
    stimulus duration) to keep those candidates comparable.

    Raises
    ------
    CompNeuroError
        If a train is not 1-D or holds NaN/inf, or ``t0_ms`` is not finite.
    """
    who = "first_spike_latency_error"
    a, b = _train(a, who, "first"), _train(b, who, "second")
    try:
        t0 = float(t0_ms)
    except (TypeError, ValueError) as exc:
        raise CompNeuroError(f"{who}: t0_ms must be a number, got {t0_ms!r}") from exc
    if not math.isfinite(t0):
        raise CompNeuroError(f"{who}: t0_ms must be finite, got {t0_ms!r}")
    ia, ib = np.searchsorted(a, t0, side="left"), np.searchsorted(b, t0, side="left")
    has_a, has_b = ia < a.size, ib < b.size
    if not has_a and not has_b:
        return 0.0
    if not (has_a and has_b):
        return float(missing_ms)
    return float(abs(a[ia] - b[ib]))


def isi_cv(a) -> float:
    """Coefficient of variation of the inter-spike intervals, ``std / mean``
    with the population standard deviation (``ddof=0``, as Elephant's
    ``cv(isi(st))``; eFEL's ``ISI_CV`` uses ``ddof=1``): 0 for a regular
    train, about 1 for a Poisson one.

    Raises
    ------
    CompNeuroError
        If the train is not 1-D, holds NaN/inf, has fewer than 3 spikes (one
        interval has no variation to speak of), or all its spikes coincide.
    """
    a = _train(a, "isi_cv", "given")
    if a.size < 3:
        raise CompNeuroError(f"isi_cv: needs at least 3 spikes (2 intervals), got {a.size}; "
                             f"check spike_count_error first in a loss function")
    isi = np.diff(a)
    mean = float(isi.mean())
    if mean == 0:
        raise CompNeuroError("isi_cv: all spikes are at the same time, the CV is undefined")
    return float(isi.std() / mean)


def spike_times_ms(results, chunk: int = 0, pop: str | None = None, rank: int = 0) -> np.ndarray:
    """Spike times in ms of neuron ``rank`` of ``pop`` in one chunk of a
    CompNeuroPy-style result (``results.recordings[chunk]["pop;spike"]``
    holds *steps*, as ANNarchy's monitors; they are multiplied by the
    chunk's ``"dt"`` here so the losses above get ms).

    ``pop`` defaults to ``results.data["population_name"]``, which
    OptNeuron experiments set; ``rank`` 0 is the candidate in an OptNeuron
    loss function.

    Raises
    ------
    CompNeuroError
        If the chunk, the population's spike recording, the rank or ``"dt"``
        is missing, naming what is there instead.
    """
    rec, pop = _resolve.chunk_and_population(results, chunk, pop, "spike_times_ms")
    key = f"{pop};spike"
    if key not in rec:
        have = sorted(k for k in rec if isinstance(k, str) and k.endswith(";spike"))
        raise CompNeuroError(f"spike_times_ms: chunk {chunk} has no {key!r}; spike "
                             f"recordings there: {have or 'none'} (record 'spike' of "
                             f"{pop!r} in the monitors' mon_dict)")
    if "dt" not in rec:
        raise CompNeuroError(f"spike_times_ms: chunk {chunk} has no 'dt'")
    spikes = rec[key]
    if rank not in spikes:
        raise CompNeuroError(f"spike_times_ms: {key!r} of chunk {chunk} has no rank {rank!r}; "
                             f"recorded ranks: {sorted(spikes)[:10]}"
                             f"{' ...' if len(spikes) > 10 else ''}")
    steps = _train(spikes[rank], "spike_times_ms", f"{key}[{rank}]")
    return steps * float(rec["dt"])
