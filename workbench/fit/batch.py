"""One generation of a fit, simulated as one population.

A :class:`FitJob` is everything needed to evaluate candidates: the
experiment class, the loss function, the model (as its JSON-able spec), the
fitted and fixed names, what is recorded, the time step, the seed, the
target and the batch size. It is small and picklable, so a dask worker can
build its own :class:`BatchEvaluator` from it (:mod:`workbench.fit.distributed`).

A :class:`BatchEvaluator` owns a compiled network with one neuron per
candidate (the model made per neuron for the fitted names,
:func:`engine.localize`) and an experiment instance, and evaluates a batch:
the experiment runs once, and the loss function is called per candidate on
the results sliced so that the candidate is neuron rank 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

import engine as ann
from workbench.compneuro import CompNeuroExp, CompNeuroMonitors
from workbench.fit.columns import by_candidate
from workbench.fit.errors import FitError

__all__ = ["FitJob", "BatchEvaluator", "candidate_results", "POPULATION", "TARGET_POPULATION"]

POPULATION = "model_neuron"
TARGET_POPULATION = "target_neuron"


@dataclass(frozen=True)
class FitJob:
    experiment: type
    get_loss: object
    model_spec: dict
    names: tuple
    fixed: dict
    record: tuple
    time_step: float
    seed: int
    results_soll: object = field(repr=False)
    size: int = 1
    #: ms between records of ``record`` (None: every step)
    recording_period: float | None = None
    #: one per OptNeuron: a worker's cache key (the experiment class arrives
    #: as a new object with every generation, so it cannot be the key)
    token: str = ""

    def key(self) -> tuple:
        return (self.token, self.size)


class BatchEvaluator:
    """A compiled network of ``job.size`` candidates (or of the ``target``
    model, one neuron) and its experiment."""

    def __init__(self, job: FitJob, target=None):
        self.job = job
        if target is None:
            model = ann.localize(ann.model_from_spec(job.model_spec), job.names)
            name = POPULATION
        else:
            model, name = target, TARGET_POPULATION
        net = ann.Network(dt=job.time_step, seed=job.seed)
        # a candidate that diverges gets NaN in its own neuron only (its loss
        # is then infinite) instead of stopping the whole generation
        net.config(check_finite=False)
        pop = net.create(job.size, model, name=name)
        if target is None:
            for key, value in job.fixed.items():
                setattr(pop, key, value)
        monitors = CompNeuroMonitors({f"{name};{v}": job.recording_period
                                      for v in job.record}) if job.record else None
        net.compile()
        self.net, self.pop, self.exp = net, pop, job.experiment(monitors=monitors)

    def _run(self):
        with self.net:
            self.exp.reset()
            results = self.exp.run(self.pop.name)
        if not isinstance(results, CompNeuroExp._ResultsCl):
            raise FitError(f"{self.job.experiment.__name__}.run() must return self.results(), "
                           f"got {type(results).__name__}")
        return results

    def run_target(self):
        """The experiment's results with the target model (the fit's target)."""
        return self._run()

    def evaluate(self, values: dict) -> tuple[np.ndarray, list, CompNeuroExp._ResultsCl]:
        """Losses of the candidates ``values`` (name -> array (size,)): summed
        (inf where not finite), as the loss function returned them, and the
        raw results."""
        pop, exp = self.pop, self.exp
        with self.net:
            kept = {(pop.name, k): np.asarray(v, dtype=float) for k, v in values.items()}
            kept |= {(pop.name, k): v for k, v in self.job.fixed.items()}
            exp.keep_values(kept)
        results = self._run()
        n = pop.size
        losses, raw = np.full(n, math.inf), []
        columns, finite = _by_candidate(results, n)
        for k in range(n):
            if not finite[k]:               # diverged (NaN/inf in a recording): worst loss
                raw.append(math.inf)
                continue
            one = _candidate(results, columns, k, n)
            try:
                # a candidate near divergence overflows: its loss is inf, not a warning
                with np.errstate(over="ignore", invalid="ignore"):
                    loss = self.job.get_loss(one, self.job.results_soll)
            except Exception as exc:  # noqa: BLE001 - the user's function: say where
                point = {name: float(np.asarray(v)[k]) for name, v in values.items()}
                raise FitError(f"get_loss_function failed for {point}: "
                               f"{type(exc).__name__}: {exc}") from exc
            raw.append(loss)
            total = float(np.sum(np.asarray(loss, dtype=float)))
            losses[k] = total if math.isfinite(total) else math.inf
        return losses, raw, results


def candidate_results(results, k: int, n: int) -> CompNeuroExp._ResultsCl:
    """``results`` of a batch of ``n`` as if candidate ``k`` had been
    simulated alone (rank 0)."""
    return _candidate(results, _by_candidate(results, n)[0], k, n)


def _by_candidate(results, n: int):
    """Each (records, n) recording transposed once to (n, records), so that
    a candidate's column is contiguous (the loss functions read it n times
    per generation), and which candidates recorded only finite values."""
    finite = np.ones(n, dtype=bool)
    columns = []
    for chunk in results.recordings:
        out = {}
        for key, value in chunk.items():
            if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == n:
                out[key], ok = by_candidate(value)
                finite &= ok
        columns.append(out)
    return columns, finite


def _candidate(results, columns, k: int, n: int) -> CompNeuroExp._ResultsCl:
    out = CompNeuroExp._ResultsCl()
    out.recordings = [{key: (cols[key][k][:, None] if key in cols else
                             value if _shared(value) else _take(key, value, k, n))
                       for key, value in chunk.items()}
                      for chunk, cols in zip(results.recordings, columns)]
    out.recording_times = results.recording_times
    out.mon_dict = results.mon_dict
    out.data = results.data
    return out


def _shared(value) -> bool:
    """A value every candidate sees as it is (dt, times, names): no copy."""
    return isinstance(value, (int, float, str, bool, type(None)))


def _take(key: str, value, k: int, n: int):
    if key.endswith(";spike") and isinstance(value, dict):
        return {0: value.get(k, [])}
    if key.endswith(";parameter_dict") and isinstance(value, dict):
        return {name: _take("", v, k, n) for name, v in value.items()}
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.shape[0] == n and key == "":
        return value[k:k + 1]
    return value
