"""``OptNeuron``: fit a neuron model's parameters with CompNeuroPy's interface,
every candidate of a generation simulated at once.

CompNeuroPy simulates one candidate at a time. Here a generation of the
search (:mod:`workbench.fit.strategies`) is one population of the model,
one neuron per candidate: the experiment runs once per generation, and the
user's loss function gets, for each candidate, the results sliced so that
the candidate is neuron rank 0, which is what a CompNeuroPy loss function
reads. Fitted parameters that the model declares population-wide are made
per neuron first (:func:`engine.localize`).

The experiment (a :class:`~workbench.compneuro.CompNeuroExp` subclass) runs
in the fit's own network, entered with ``with net:``, so the global-style
calls it makes (``get_population``, ``dt()``, ``simulate``) act on it and a
user's own default network is left alone.

Checks happen before any simulation: the bounds (:mod:`workbench.fit.bounds`),
that the fitted and recorded names exist in the model, the time step, the
method. Each generation is written to ``<results_file_name>.checkpoint.npz``
(atomically); ``run(..., resume=True)`` continues from it with the same
random stream, so a killed fit loses at most the generation it was in.
"""

from __future__ import annotations

import difflib
import inspect
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
from deap import tools
from tqdm import tqdm

import engine as ann
from workbench.compneuro import CompNeuroExp, CompNeuroMonitors
from workbench.fit.bounds import SearchSpace
from workbench.fit.columns import by_candidate
from workbench.fit.errors import FitError
from workbench.fit.strategies import make_search

__all__ = ["OptNeuron"]

POPULATION = "model_neuron"
TARGET_POPULATION = "target_neuron"
CHECKPOINT_FORMAT = "neuroworkbench.fit-checkpoint/1"


class OptNeuron:
    """Fit ``variables_bounds`` of ``neuron_model`` so that ``experiment``
    gives results close to ``results_soll`` (or to those of
    ``target_neuron_model``), as ``get_loss_function`` measures.

    Parameters
    ----------
    experiment : CompNeuroExp subclass
        Its ``run(population_name)`` must work for a population of several
        neurons (one per candidate) and return ``self.results()``.
    get_loss_function : callable
        ``get_loss(results_ist, results_soll)`` -> a loss, or a list of
        losses (summed), for neuron rank 0 of ``results_ist``.
    variables_bounds : dict
        ``{name: [low, high]}`` to fit, ``{name: value}`` to fix.
    neuron_model : engine.Neuron
    results_soll : any, optional
        The target data, handed to the loss function as it is.
    target_neuron_model : engine.Neuron, optional
        Instead of ``results_soll``: the experiment's results with this
        model (one neuron) are the target.
    time_step : float
        dt of the simulations (ms); data recorded at another step must be
        resampled first (:mod:`workbench.fit.data`).
    method : str
        ``"cmaes"`` (default; ``"deap"`` as in CompNeuroPy), ``"ga"`` or ``"de"``.
    record : list of str
        Variables of the model recorded every step (``"spike"`` for spikes).
    popsize : int, optional
        Candidates per generation (the method's default otherwise).
    seed : int
        Seed of the search and of the network.
    compile_folder_name, num_rep_loss, verbose :
        Accepted for CompNeuroPy scripts; the engine caches compiled code by
        itself, and the loss is computed once per candidate.

    Raises
    ------
    FitError
        Anything wrong with the arguments, before any simulation.
    """

    def __init__(self, experiment, get_loss_function, variables_bounds, neuron_model,
                 results_soll=None, target_neuron_model=None, time_step=1.0,
                 compile_folder_name="annarchy_OptNeuron", num_rep_loss=1, method="cmaes",
                 record=(), popsize=None, seed=0, verbose=False, **unused):
        print("OptNeuron: Initialize OptNeuron... do not create anything with ANNarchy before!")
        self._check_arguments(experiment, get_loss_function, neuron_model, results_soll,
                              target_neuron_model, time_step, record, unused)
        self.space = SearchSpace.parse(variables_bounds)
        self.variables_bounds = dict(variables_bounds)
        self._check_names(neuron_model, record)
        self.experiment = experiment
        self.get_loss = get_loss_function
        self.neuron_model = neuron_model
        self.time_step = float(time_step)
        self.method = method
        self.seed = int(seed)
        self.record = list(record)
        self.verbose = verbose
        self.search = make_search(method, self.space.dim, popsize, self.seed)
        self.popsize = self.search.popsize
        unused_attrs = [a for a in _attributes(neuron_model) if a not in variables_bounds]
        if unused_attrs:
            print(f"OptNeuron: WARNING: attributes {unused_attrs} are not used/initialized.")
        if target_neuron_model is not None:
            results_soll = self._target_results(target_neuron_model)
        self.results_soll = results_soll
        self._net, self._pop, self._exp = self._build(self.popsize)

    # -- checks ------------------------------------------------------------------------
    @staticmethod
    def _check_arguments(experiment, get_loss, model, results_soll, target, time_step,
                         record, unused):
        if unused:
            raise FitError(f"OptNeuron got unknown arguments: {', '.join(sorted(unused))}")
        if not (inspect.isclass(experiment) and issubclass(experiment, CompNeuroExp)):
            raise FitError("experiment must be a CompNeuroExp subclass (the class, not an "
                           f"instance), got {experiment!r}")
        if experiment.run is CompNeuroExp.run:
            raise FitError(f"{experiment.__name__} does not define run(population_name)")
        if not callable(get_loss):
            raise FitError("get_loss_function must be a function "
                           "get_loss(results_ist, results_soll)")
        if not isinstance(model, ann.Neuron):
            raise FitError(f"neuron_model must be an engine Neuron, got {type(model).__name__}")
        if (results_soll is None) == (target is None):
            raise FitError("give either results_soll (data) or target_neuron_model, not "
                           + ("both" if results_soll is not None else "neither"))
        if target is not None and not isinstance(target, ann.Neuron):
            raise FitError("target_neuron_model must be an engine Neuron, got "
                           f"{type(target).__name__}")
        if isinstance(time_step, bool) or not isinstance(time_step, (int, float)) or \
                not math.isfinite(time_step) or time_step <= 0:
            raise FitError(f"time_step must be a positive number of ms, got {time_step!r}")
        if isinstance(record, str) or not all(isinstance(r, str) for r in record):
            raise FitError(f"record must be a list of variable names, got {record!r}")

    def _check_names(self, model, record):
        known = _attributes(model)
        for name in list(self.space.names) + list(self.space.fixed):
            if name not in known:
                raise FitError(f"variables_bounds: the model has no parameter {name!r}"
                               + _did_you_mean(name, known) + f"; it has {', '.join(known)}")
        for name in record:
            if name != "spike" and name not in known:
                raise FitError(f"record: the model has no variable {name!r}"
                               + _did_you_mean(name, known))
            if name == "spike" and not model.ir.spiking:
                raise FitError("record: 'spike' asked of a model that does not spike")

    # -- networks ---------------------------------------------------------------------
    def _build(self, size, target=None):
        """A compiled network with ``size`` neurons of the model (its fitted
        parameters per neuron, its fixed ones set), or of the ``target``
        model as it is, with monitors and an experiment instance."""
        if target is None:
            model, name = ann.localize(self.neuron_model, self.space.names), POPULATION
        else:
            model, name = target, TARGET_POPULATION
        net = ann.Network(dt=self.time_step, seed=self.seed)
        # a candidate that diverges gets NaN in its own neuron only (its loss
        # is then infinite) instead of stopping the whole generation
        net.config(check_finite=False)
        pop = net.create(size, model, name=name)
        if target is None:
            for key, value in self.space.fixed.items():
                setattr(pop, key, value)
        monitors = CompNeuroMonitors({f"{name};{v}": None for v in self.record}) \
            if self.record else None
        net.compile()
        return net, pop, self.experiment(monitors=monitors)

    def _target_results(self, target):
        try:
            net, pop, exp = self._build(1, target=target)
        except ann.NeuroWorkbenchError as exc:
            raise FitError(f"target_neuron_model: {exc}") from exc
        with net:
            exp.reset()
            return exp.run(pop.name)

    # -- one generation ------------------------------------------------------------------
    def evaluate(self, values: dict) -> tuple[np.ndarray, list, CompNeuroExp._ResultsCl]:
        """Run the experiment once with one candidate per neuron.

        ``values``: name -> array (popsize,) of the fitted parameters.
        Returns the summed losses (inf where the loss is not finite), each
        candidate's loss as the function returned it, and the raw results.
        """
        pop, exp = self._pop, self._exp
        with self._net:
            kept = {(pop.name, k): np.asarray(v, dtype=float) for k, v in values.items()}
            kept |= {(pop.name, k): v for k, v in self.space.fixed.items()}
            exp.keep_values(kept)
            exp.reset()
            results = exp.run(pop.name)
        if not isinstance(results, CompNeuroExp._ResultsCl):
            raise FitError(f"{self.experiment.__name__}.run() must return self.results(), "
                           f"got {type(results).__name__}")
        losses, raw = np.full(pop.size, math.inf), []
        columns, finite = _by_candidate(results, pop.size)
        for k in range(pop.size):
            if not finite[k]:               # diverged (NaN/inf in a recording): worst loss
                raw.append(math.inf)
                continue
            one = _candidate(results, columns, k, pop.size)
            try:
                # a candidate near divergence overflows: its loss is inf, not a warning
                with np.errstate(over="ignore", invalid="ignore"):
                    loss = self.get_loss(one, self.results_soll)
            except Exception as exc:  # noqa: BLE001 - the user's function: say where
                point = {n: float(np.asarray(v)[k]) for n, v in values.items()}
                raise FitError(f"get_loss_function failed for {point}: "
                               f"{type(exc).__name__}: {exc}") from exc
            raw.append(loss)
            total = float(np.sum(np.asarray(loss, dtype=float)))
            losses[k] = total if math.isfinite(total) else math.inf
        return losses, raw, results

    # -- the fit --------------------------------------------------------------------------
    def run(self, max_evals: int, results_file_name: str = "best", resume: bool = False,
            progress: bool = True) -> dict:
        """Search for ``max_evals`` generations (as CompNeuroPy's deap method
        counts them: "number of runs (here generations)"); each evaluates
        ``popsize`` candidates in one simulation.

        Returns CompNeuroPy's dict: the fitted (and fixed) values, ``logbook``,
        ``deap_pop`` (the last generation with its losses), ``loss`` (best),
        ``all_loss`` (the best's loss as the function returned it), ``std``
        (of the best's loss over a generation of copies of it: 0 for a
        deterministic model), ``results`` (the experiment's results for the
        best, as the loss function saw them) and ``results_soll``.
        """
        if isinstance(max_evals, bool) or not isinstance(max_evals, int) or max_evals < 1:
            raise FitError(f"max_evals must be a whole number >= 1, got {max_evals!r}")
        checkpoint = Path(f"{results_file_name}.checkpoint.npz")
        generations = max_evals
        state = {"gen": 0, "best_point": None, "best_loss": math.inf, "log": []}
        if resume and checkpoint.exists():
            state = self._load_checkpoint(checkpoint)
        bar = tqdm(total=generations, initial=min(state["gen"], generations), unit="gen",
                   disable=not progress)
        try:
            while state["gen"] < generations:
                points = self.space.repair(self.search.ask())
                losses, _, _ = self.evaluate(self.space.to_values(points))
                self.search.tell(points, losses)
                i = int(np.argmin(losses))
                if losses[i] < state["best_loss"]:
                    state["best_loss"], state["best_point"] = float(losses[i]), points[i].copy()
                finite = losses[np.isfinite(losses)]
                state["log"].append({"gen": state["gen"], "nevals": len(losses),
                                     "min": float(losses.min()),
                                     "avg": float(finite.mean()) if finite.size else math.inf,
                                     "std": float(finite.std()) if finite.size else math.inf})
                state["gen"] += 1
                self._save_checkpoint(checkpoint, state)
                bar.update(1)
                bar.set_postfix_str(f"best loss: {state['best_loss']:.5f}")
        finally:
            bar.close()
        return self._result(state, points, losses, results_file_name)

    def _result(self, state, points, losses, results_file_name) -> dict:
        best = state["best_point"]
        values = self.space.to_values(np.tile(best, (self.popsize, 1)))
        copies, raw, results = self.evaluate(values)
        fit = {name: float(values[name][0]) for name in self.space.names}
        fit |= dict(self.space.fixed)
        logbook = tools.Logbook()
        logbook.header = ["gen", "nevals", "min", "avg", "std"]
        for row in state["log"]:
            logbook.record(**row)
        final = self.space.to_values(points)
        fit.update({
            "logbook": logbook,
            "deap_pop": [dict({n: float(final[n][k]) for n in self.space.names},
                              loss=float(losses[k])) for k in range(len(losses))],
            "loss": float(copies[0]),
            "all_loss": raw[0],
            "std": float(np.std(copies)),
            "results": _candidate(results, _by_candidate(results, self._pop.size)[0], 0,
                                  self._pop.size),
            "results_soll": self.results_soll,
        })
        summary = {k: fit[k] for k in list(self.space.names) + list(self.space.fixed)}
        _atomic_write_text(Path(f"{results_file_name}.json"), json.dumps(
            summary | {"loss": fit["loss"], "generations": state["gen"],
                       "evaluations": state["gen"] * self.popsize, "method": self.search.name},
            indent=4))
        return fit

    # -- checkpoints ---------------------------------------------------------------------
    def _fingerprint(self) -> str:
        return json.dumps({"names": self.space.names, "low": self.space.low.tolist(),
                           "high": self.space.high.tolist(), "fixed": self.space.fixed,
                           "method": self.search.name, "popsize": self.popsize,
                           "seed": self.seed, "time_step": self.time_step}, sort_keys=True)

    def _save_checkpoint(self, path: Path, state: dict) -> None:
        arrays = {f"search_{k}": v for k, v in self.search.state().items()}
        arrays["meta"] = np.array(json.dumps({
            "format": CHECKPOINT_FORMAT, "fingerprint": self._fingerprint(), "gen": state["gen"],
            "best_loss": state["best_loss"], "log": state["log"]}))
        arrays["best_point"] = np.asarray(state["best_point"], dtype=float)
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _load_checkpoint(self, path: Path) -> dict:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            meta = json.loads(str(arrays.pop("meta")))
        except (OSError, ValueError, KeyError) as exc:
            raise FitError(f"{path}: not a readable fit checkpoint ({exc})") from None
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise FitError(f"{path}: not a fit checkpoint of this version")
        if meta.get("fingerprint") != self._fingerprint():
            raise FitError(f"{path} belongs to another fit (bounds, method, popsize, seed or "
                           "time step differ): delete it or give another results_file_name")
        best = arrays.pop("best_point")
        try:
            self.search.restore({k[len("search_"):]: v for k, v in arrays.items()})
        except (KeyError, ValueError, TypeError) as exc:
            raise FitError(f"{path}: the search state is incomplete ({exc})") from None
        return {"gen": int(meta["gen"]), "best_loss": float(meta["best_loss"]),
                "best_point": best if best.ndim == 1 else None, "log": list(meta["log"])}


# -- helpers ----------------------------------------------------------------------------
def _attributes(model) -> list[str]:
    return [v.name for v in model.ir.variables if v.kind in ("parameter", "variable")]


def _did_you_mean(name, known) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


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
                out[key] = by_candidate(value)
                if value.dtype.kind == "f":
                    finite &= np.isfinite(out[key]).all(axis=1)
        columns.append(out)
    return columns, finite


def _candidate(results, columns, k: int, n: int) -> CompNeuroExp._ResultsCl:
    """``results`` as if candidate ``k`` had been simulated alone (rank 0)."""
    out = CompNeuroExp._ResultsCl()
    out.recordings = [{key: (cols[key][k][:, None] if key in cols else _take(key, value, k, n))
                       for key, value in chunk.items()}
                      for chunk, cols in zip(results.recordings, columns)]
    out.recording_times = results.recording_times
    out.mon_dict = results.mon_dict
    out.data = results.data
    return out


def _take(key: str, value, k: int, n: int):
    if key.endswith(";spike") and isinstance(value, dict):
        return {0: value.get(k, [])}
    if key.endswith(";parameter_dict") and isinstance(value, dict):
        return {name: _take("", v, k, n) for name, v in value.items()}
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.shape[0] == n and key == "":
        return value[k:k + 1]
    return value


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
