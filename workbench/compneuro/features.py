"""Electrophysiology feature losses with eFEL (the feature library of
BluePyOpt), for fitting a neuron to the *features* of a recording (spike
count, latency, AP height, AHP depth...) rather than to the trace point by
point, which a small phase shift makes useless.

eFEL is optional (``pip install neuroworkbench[ephys]``) and is imported
only when a function here is called, so ``import workbench`` does not
need it.

Conventions (chosen to make a loss that never stops an optimisation):

* a feature eFEL cannot compute for a trace (``None``, e.g.
  ``time_to_first_spike`` without spikes, or an empty array) is **NaN** in
  :func:`trace_features`, not an error;
* a feature with several values (``AP_amplitude``, one per spike) is
  reduced to their **mean**, as BluePyOpt's ``eFELFeature`` does;
* :func:`feature_loss` sums ``|ist - soll| / scale`` (BluePyOpt's z-score
  form), gives ``missing_penalty`` (BluePyOpt's default ``max_score``,
  250) for a feature present on one side only, and 0 for one missing on
  both sides.

eFEL keeps its settings (``Threshold``...) in module-wide state; ``settings``
below are applied for one call and restored afterwards, so do not call
these functions from several threads at once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np

from workbench.compneuro import _resolve
from workbench.compneuro.errors import CompNeuroError

__all__ = ["DEFAULT_FEATURES", "feature_loss", "results_features", "trace_features"]

#: spike count, latency, regularity, spike shape, after-hyperpolarisation
#: and rate: a small set that identifies most firing patterns. eFEL 5.7
#: calls the count ``spike_count`` and warns that ``Spikecount`` is
#: deprecated (both still work if asked for by name)
DEFAULT_FEATURES = ("spike_count", "time_to_first_spike", "ISI_CV", "AP_amplitude",
                    "AHP_depth", "mean_frequency")


def _efel():
    try:
        import efel
    except ImportError as exc:
        raise CompNeuroError("eFEL is needed for feature losses: pip install efel "
                             "(or neuroworkbench[ephys])") from exc
    return efel


def _names(names) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    try:
        names = tuple(names)
    except TypeError as exc:
        raise CompNeuroError(f"feature names must be a list of strings, got {names!r}") from exc
    if not names or not all(isinstance(n, str) for n in names):
        raise CompNeuroError(f"feature names must be a non-empty list of strings, got {names!r}")
    return names


class _Settings:
    """Apply eFEL settings for one call and put the previous values back."""

    def __init__(self, efel, settings: Mapping | None):
        self.efel, self.settings, self.old = efel, dict(settings or {}), {}

    def __enter__(self):
        current = dataclasses.asdict(self.efel.get_settings())
        for key, value in self.settings.items():
            if key not in current:
                raise CompNeuroError(f"unknown eFEL setting {key!r}; known: "
                                     f"{', '.join(sorted(current))}")
            self.old[key] = current[key]
            self.efel.set_setting(key, value)
        return self

    def __exit__(self, *exc):
        for key, value in self.old.items():
            self.efel.set_setting(key, value)
        return False


def trace_features(t_ms, v_mv, stim_start_ms, stim_end_ms, names=DEFAULT_FEATURES,
                   settings: Mapping | None = None) -> dict[str, float]:
    """eFEL features of one voltage trace, ``{name: float}``.

    Parameters
    ----------
    t_ms, v_mv : 1-D arrays of the same length
        Times (ms, increasing) and membrane potential (mV).
    stim_start_ms, stim_end_ms : float
        The stimulus window eFEL measures in (``stim_start``/``stim_end``).
    names : sequence of str
        eFEL feature names (:data:`DEFAULT_FEATURES` by default).
    settings : mapping, optional
        eFEL settings for this call only, e.g. ``{"Threshold": 0.0}`` for a
        model whose spikes peak below eFEL's default -20 mV threshold. By
        eFEL's default, ``spike_count`` counts the spikes of the *whole*
        trace; ``{"strict_stiminterval": True}`` counts those in the
        stimulus window only.

    Returns
    -------
    dict
        Each feature's value, the mean if eFEL gives several, **NaN** if
        eFEL gives none (see the module docstring for why not an error).

    Raises
    ------
    CompNeuroError
        If eFEL is not installed, a name is not an eFEL feature, the trace
        is not two 1-D finite arrays of the same length with increasing
        times, or the stimulus window is empty.
    """
    efel = _efel()
    names = _names(names)
    unknown = [n for n in names if not efel.feature_name_exists(n)]
    if unknown:
        raise CompNeuroError(f"trace_features: not eFEL features: {unknown} "
                             f"(see efel.get_feature_names())")
    try:
        t = np.asarray(t_ms, dtype=float)
        v = np.asarray(v_mv, dtype=float)
        start, end = float(stim_start_ms), float(stim_end_ms)
    except (TypeError, ValueError) as exc:
        raise CompNeuroError(f"trace_features: times, voltages and the stimulus window "
                             f"must be numbers ({exc})") from exc
    if t.ndim != 1 or v.shape != t.shape or t.size < 2:
        raise CompNeuroError(f"trace_features: t_ms and v_mv must be 1-D of the same length "
                             f">= 2, got shapes {t.shape} and {v.shape} (select one neuron, "
                             f"e.g. rec[:, 0])")
    if not (np.isfinite(t).all() and np.isfinite(v).all()):
        raise CompNeuroError("trace_features: the trace holds NaN/inf (a diverged simulation?)")
    if not (np.diff(t) > 0).all():
        raise CompNeuroError("trace_features: t_ms must be strictly increasing")
    if not (math.isfinite(start) and math.isfinite(end) and start < end):
        raise CompNeuroError(f"trace_features: need stim_start_ms < stim_end_ms, got "
                             f"{stim_start_ms!r} and {stim_end_ms!r}")
    trace = {"T": t, "V": v, "stim_start": [start], "stim_end": [end]}
    with _Settings(efel, settings):
        values = efel.get_feature_values([trace], list(names), raise_warnings=False)[0]
    out = {}
    for name in names:
        value = values.get(name)
        arr = np.asarray(value, dtype=float).ravel() if value is not None else np.zeros(0)
        out[name] = float(arr.mean()) if arr.size else math.nan
    return out


def results_features(results, stim_start_ms, stim_end_ms, names=DEFAULT_FEATURES, chunk=0,
                     pop: str | None = None, rank: int = 0, variable: str = "v",
                     period: int | None = None, settings: Mapping | None = None) -> dict:
    """:func:`trace_features` of neuron ``rank`` of ``pop`` (default
    ``results.data["population_name"]``, as OptNeuron experiments set it)
    in one chunk of a CompNeuroPy-style result.

    The times are rebuilt from the chunk's recording times and period. A
    chunk whose recording was paused has several periods, which eFEL cannot
    take as one trace: choose one with ``period``.

    Raises
    ------
    CompNeuroError
        If the chunk, the recording, the rank or the period is missing, and
        as :func:`trace_features`.
    """
    rec, pop = _resolve.chunk_and_population(results, chunk, pop, "results_features")
    key = f"{pop};{variable}"
    if key not in rec:
        have = sorted(k for k in rec if isinstance(k, str) and k.startswith(f"{pop};"))
        raise CompNeuroError(f"results_features: chunk {chunk} has no {key!r} (recorded for "
                             f"{pop!r}: {have or 'nothing'})")
    arr = np.asarray(rec[key], dtype=float)
    if arr.ndim != 2 or not 0 <= rank < arr.shape[1]:
        raise CompNeuroError(f"results_features: {key!r} has shape {arr.shape}, no neuron "
                             f"rank {rank!r} in it")
    times = results.recording_times
    n_periods = times.nr_periods(chunk, pop)
    if period is None and n_periods > 1:
        raise CompNeuroError(f"results_features: {pop!r} was recorded in {n_periods} periods "
                             f"in chunk {chunk}; choose one with period=0..{n_periods - 1}")
    first_ms, _ = times.time_lims(chunk, pop, period)
    first, last = times.idx_lims(chunk, pop, period)
    step = float(rec.get(f"{pop};period", rec["dt"]))
    v = arr[first:last + 1, rank]
    t = first_ms + step * np.arange(v.size)
    return trace_features(t, v, stim_start_ms, stim_end_ms, names, settings)


def feature_loss(results_ist, soll, stim_start_ms, stim_end_ms, names=DEFAULT_FEATURES,
                 scales: Mapping | None = None, missing_penalty: float = 250.0,
                 **where) -> float:
    """Summed feature distance of a candidate from a target, for an
    OptNeuron loss function::

        soll = results_features(target_results, 100, 600)      # once
        def get_loss(results_ist, results_soll):
            return feature_loss(results_ist, results_soll, 100, 600)

    Parameters
    ----------
    results_ist : results object or mapping
        The candidate's results (its features are computed with
        :func:`results_features`, ``**where`` selecting chunk, pop, rank,
        variable, period, settings), or already computed features.
    soll : mapping or results object
        The target features (e.g. from :func:`trace_features` of data), or
        results to compute them from in the same way.
    scales : mapping, optional
        ``{name: scale}`` dividing each difference (e.g. the target's
        standard deviation across trials); 1 where not given.
    missing_penalty : float
        The term of a feature present on one side only.

    Returns
    -------
    float
        ``sum |ist - soll| / scale``; 0 for identical features.

    Raises
    ------
    CompNeuroError
        If a scale is not positive, a target feature is missing from
        ``soll``, and as :func:`results_features`.
    """
    names = _names(names)
    ist = _features(results_ist, "results_ist", stim_start_ms, stim_end_ms, names, where)
    soll = _features(soll, "soll", stim_start_ms, stim_end_ms, names, where)
    scales = dict(scales or {})
    total = 0.0
    for name in names:
        scale = float(scales.get(name, 1.0))
        if not (math.isfinite(scale) and scale > 0):
            raise CompNeuroError(f"feature_loss: scale of {name!r} must be positive, "
                                 f"got {scales[name]!r}")
        a, b = ist[name], soll[name]
        if math.isnan(a) and math.isnan(b):
            continue
        if math.isnan(a) or math.isnan(b):
            total += float(missing_penalty)
        else:
            total += abs(a - b) / scale
    return total


def _features(obj, who, start, end, names: Sequence[str], where: dict) -> dict:
    if isinstance(obj, Mapping):
        missing = [n for n in names if n not in obj]
        if missing:
            raise CompNeuroError(f"feature_loss: {who} has no value for {missing}; compute it "
                                 f"with trace_features(..., names=...) including them")
        return {n: math.nan if obj[n] is None else float(obj[n]) for n in names}
    return results_features(obj, start, end, names, **where)
