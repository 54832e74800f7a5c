"""A fit's generations evaluated on dask.distributed workers.

``OptNeuron(..., client=client)`` splits each generation into one batch per
worker. A worker builds a :class:`~workbench.fit.batch.BatchEvaluator` from
the :class:`~workbench.fit.batch.FitJob` it receives the first time and keeps
it (its network compiled) for the next generations. A candidate's loss does
not depend on the batch it is in, so the search, and the result, are those
of a local fit (``tests/workbench/fit/test_distributed.py``).

The experiment class and the loss function travel with cloudpickle; those
defined in a script or a test module are sent by value (their module is not
importable on the workers).
"""

from __future__ import annotations

import sys

import numpy as np

from workbench.fit.batch import BatchEvaluator, FitJob
from workbench.fit.errors import FitError

__all__ = ["evaluate_on_client", "check_client", "evaluate_batch"]

#: on a worker: FitJob.key() -> BatchEvaluator (a few fits at most)
_EVALUATORS: dict = {}
_MAX_CACHED = 4


def check_client(client) -> None:
    """Refuse what is not a dask.distributed Client (or has no workers)."""
    if not (hasattr(client, "map") and hasattr(client, "gather")
            and hasattr(client, "scheduler_info")):
        raise FitError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    if not client.scheduler_info().get("workers"):
        raise FitError("the dask client has no workers")


def evaluate_batch(job: FitJob, values: dict) -> np.ndarray:
    """On a worker: the summed losses of one batch."""
    key = job.key()
    evaluator = _EVALUATORS.get(key)
    if evaluator is None:
        if len(_EVALUATORS) >= _MAX_CACHED:
            _EVALUATORS.pop(next(iter(_EVALUATORS)))
        evaluator = _EVALUATORS[key] = BatchEvaluator(job)
    return evaluator.evaluate(values)[0]


def evaluate_on_client(client, job: FitJob, values: dict) -> np.ndarray:
    """The generation ``values`` (name -> array (popsize,)) evaluated in one
    batch per worker; the last batch is padded with copies of its last
    candidate so that every batch has the same size (one network each)."""
    import cloudpickle

    for fn in (job.experiment, job.get_loss):
        module = sys.modules.get(getattr(fn, "__module__", ""), None)
        if module is not None and module.__name__ not in ("__main__",) and \
                not module.__name__.startswith(("workbench.", "engine.")):
            cloudpickle.register_pickle_by_value(module)
    n = len(next(iter(values.values())))
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    batches = min(workers, n)
    size = -(-n // batches)
    sized = FitJob(**{**job.__dict__, "size": size})
    parts = []
    for b in range(batches):
        idx = np.minimum(np.arange(b * size, (b + 1) * size), n - 1)
        parts.append({k: np.asarray(v)[idx] for k, v in values.items()})
    futures = client.map(evaluate_batch, [sized] * batches, parts, pure=False)
    losses = np.concatenate(client.gather(futures))
    return losses[:n]
