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
import uuid
from pathlib import Path

import numpy as np
from deap import tools
from tqdm import tqdm

import engine as ann
from workbench.compneuro import CompNeuroExp
from workbench.fit.batch import BatchEvaluator, FitJob, candidate_results
from workbench.fit.bounds import SearchSpace
from workbench.fit.distributed import check_client, evaluate_on_client
from workbench.fit.errors import FitError
from workbench.fit.strategies import make_search

__all__ = ["OptNeuron"]

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
        ``{name: [low, high]}`` to fit, ``{name: value}`` to fix,
        ``{name: "a + 2*b"}`` to compute from the fitted and fixed ones for
        each candidate (CompNeuroPy's string bounds; parsed, never run:
        :mod:`workbench.fit.derived`).
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
        Variables of the model recorded (``"spike"`` for spikes).
    recording_period : float, optional
        Record them every ``recording_period`` ms (a multiple of
        ``time_step``; default every step). Spikes are recorded at every step.
    popsize : int, optional
        Candidates per generation (the method's default otherwise).
    seed : int
        Seed of the search and of the network.
    client : dask.distributed.Client, optional
        Evaluate each generation in batches on its workers (the experiment
        class and the loss function are sent to them with cloudpickle); the
        result is the same as locally.
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
                 record=(), popsize=None, seed=0, verbose=False, client=None,
                 recording_period=None, **unused):
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
        self.recording_period = _recording_period(recording_period, self.time_step)
        self.verbose = verbose
        self._token = uuid.uuid4().hex
        self.search = make_search(method, self.space.dim, popsize, self.seed)
        self.popsize = self.search.popsize
        unused_attrs = [a for a in _attributes(neuron_model) if a not in variables_bounds]
        if unused_attrs:
            print(f"OptNeuron: WARNING: attributes {unused_attrs} are not used/initialized.")
        if target_neuron_model is not None:
            results_soll = self._target_results(target_neuron_model)
        self.results_soll = results_soll
        self.client = client
        if client is not None:
            check_client(client)
        self.generations_done, self.stopped = 0, False
        self._last_results = None
        self._local = BatchEvaluator(self._job(self.popsize))

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
        for name in list(self.space.varying) + list(self.space.fixed):
            if name not in known:
                raise FitError(f"variables_bounds: the model has no parameter {name!r}"
                               + _did_you_mean(name, known) + f"; it has {', '.join(known)}")
        for name in record:
            if name != "spike" and name not in known:
                raise FitError(f"record: the model has no variable {name!r}"
                               + _did_you_mean(name, known))
            if name == "spike" and not model.ir.spiking:
                raise FitError("record: 'spike' asked of a model that does not spike")

    # -- evaluation ---------------------------------------------------------------------
    def _target_results(self, target):
        try:
            evaluator = BatchEvaluator(self._job(size=1), target=target)
        except ann.NeuroWorkbenchError as exc:
            raise FitError(f"target_neuron_model: {exc}") from exc
        return evaluator.run_target()

    def _job(self, size: int) -> FitJob:
        return FitJob(experiment=self.experiment, get_loss=self.get_loss,
                      model_spec=self.neuron_model.to_spec(), names=self.space.varying,
                      fixed=dict(self.space.fixed), record=tuple(self.record),
                      recording_period=self.recording_period,
                      time_step=self.time_step, seed=self.seed,
                      results_soll=getattr(self, "results_soll", None), size=size,
                      token=self._token)

    def evaluate(self, values: dict) -> tuple[np.ndarray, list, CompNeuroExp._ResultsCl]:
        """Run the experiment once with one candidate per neuron (locally).

        ``values``: name -> array (popsize,) of the fitted parameters.
        Returns the summed losses (inf where the loss is not finite), each
        candidate's loss as the function returned it, and the raw results.
        """
        return self._local.evaluate(values)

    def _evaluate_generation(self, values: dict) -> np.ndarray:
        """The losses of a generation: locally, or in batches on the dask
        workers of ``client`` (each keeps its compiled network between
        generations); a candidate's loss does not depend on its batch."""
        if self.client is None:
            losses, _, self._last_results = self.evaluate(values)
            return losses
        self._last_results = None                 # the workers keep theirs
        return evaluate_on_client(self.client, self._job(self.popsize), values)

    # -- the fit --------------------------------------------------------------------------
    def run(self, max_evals: int, results_file_name: str = "best", resume: bool = False,
            progress: bool = True, on_generation=None, should_stop=None,
            deap_plot_file=None) -> dict:
        """Search for ``max_evals`` generations (as CompNeuroPy's deap method
        counts them: "number of runs (here generations)"); each evaluates
        ``popsize`` candidates in one simulation.

        Returns CompNeuroPy's dict: the fitted (and fixed) values, ``logbook``,
        ``deap_pop`` (the last generation with its losses), ``loss`` (best),
        ``all_loss`` (the best's loss as the function returned it), ``std``
        (of the best's loss over a generation of copies of it: 0 for a
        deterministic model), ``results`` (the experiment's results for the
        best, as the loss function saw them) and ``results_soll``. After it,
        ``self.generations_done`` says how many generations the fit has, and
        ``self.stopped`` whether ``should_stop`` ended it early.
        ``parameters`` holds every name of ``variables_bounds`` with its
        value (fitted, fixed or computed), as CompNeuroPy's.

        ``deap_plot_file`` (optional, CompNeuroPy's argument): save the
        logbook (best and mean loss per generation) as a figure there.

        ``on_generation(info)`` (optional) is called after each generation
        with a dict: ``gen`` (generations done), ``generations`` (asked),
        ``min`` (this generation's best loss), ``best_loss``, ``best`` (the
        best values so far), ``evaluations``, and ``best_results`` (the
        experiment's results of the new best, as the loss function saw them)
        when this generation found a better one (local fits only);
        ``should_stop()`` (optional)
        is asked after each generation: True ends the fit there, with the
        best found so far (the checkpoint lets ``resume=True`` go on).
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
        stopped = False
        points = losses = None
        try:
            while state["gen"] < generations:
                points = self.space.repair(self.search.ask())
                losses = self._evaluate_generation(self.space.to_values(points))
                self.search.tell(points, losses)
                i = int(np.argmin(losses))
                improved = bool(losses[i] < state["best_loss"])
                if improved:
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
                if on_generation is not None:
                    info = self._progress(state, generations)
                    if improved and self._last_results is not None:
                        info["best_results"] = candidate_results(self._last_results, i,
                                                                 self.popsize)
                    on_generation(info)
                if should_stop is not None and should_stop():
                    stopped = True
                    break
        finally:
            bar.close()
        if state["best_point"] is None:                   # resumed a finished fit: nothing new
            raise FitError(f"{checkpoint} holds no generation; start without resume=True")
        self.generations_done, self.stopped = state["gen"], stopped
        fit = self._result(state, points, losses, results_file_name)
        if deap_plot_file is not None:
            _save_logbook_figure(fit["logbook"], Path(deap_plot_file))
        return fit

    def _progress(self, state: dict, generations: int) -> dict:
        best = state["best_point"]
        values = {} if best is None else {
            name: float(v[0]) for name, v in self.space.to_values(best[None, :]).items()}
        return {"gen": state["gen"], "generations": generations,
                "min": state["log"][-1]["min"], "best_loss": state["best_loss"],
                "best": values | dict(self.space.fixed),
                "evaluations": state["gen"] * self.popsize}

    def _result(self, state, points, losses, results_file_name) -> dict:
        best = state["best_point"]
        values = self.space.to_values(np.tile(best, (self.popsize, 1)))
        copies, raw, results = self.evaluate(values)
        fit = {name: float(values[name][0]) for name in self.space.varying}
        fit |= dict(self.space.fixed)
        logbook = tools.Logbook()
        logbook.header = ["gen", "nevals", "min", "avg", "std"]
        for row in state["log"]:
            logbook.record(**row)
        # the last generation of this call (none when a finished fit is resumed)
        final = {} if points is None else self.space.to_values(points)
        fit.update({
            "logbook": logbook,
            "deap_pop": [] if points is None else [
                dict({n: float(final[n][k]) for n in self.space.names}, loss=float(losses[k]))
                for k in range(len(losses))],
            "loss": float(copies[0]),
            "all_loss": raw[0],
            # about the first copy: exactly 0 when the copies agree (numpy 2.4's
            # std of equal values can be 1e-24 off)
            "std": float(np.std(np.asarray(copies) - copies[0])),
            "results": candidate_results(results, 0, self.popsize),
            "results_soll": self.results_soll,
            "parameters": {name: fit[name] for name in self.variables_bounds},
        })
        summary = dict(fit["parameters"])
        text = json.dumps(summary | {"loss": fit["loss"], "generations": state["gen"],
                                     "evaluations": state["gen"] * self.popsize,
                                     "method": self.search.name}, indent=4)
        _atomic_write(Path(f"{results_file_name}.json"), lambda out: out.write(text.encode()))
        return fit

    # -- checkpoints ---------------------------------------------------------------------
    def _fingerprint(self) -> str:
        return json.dumps({"names": self.space.names, "low": self.space.low.tolist(),
                           "high": self.space.high.tolist(), "fixed": self.space.fixed,
                           "derived": {k: v.text for k, v in self.space.derived.items()},
                           "method": self.search.name, "popsize": self.popsize,
                           "seed": self.seed, "time_step": self.time_step}, sort_keys=True)

    def _save_checkpoint(self, path: Path, state: dict) -> None:
        arrays = {f"search_{k}": v for k, v in self.search.state().items()}
        arrays["meta"] = np.array(json.dumps({
            "format": CHECKPOINT_FORMAT, "fingerprint": self._fingerprint(), "gen": state["gen"],
            "best_loss": state["best_loss"], "log": state["log"]}))
        arrays["best_point"] = np.asarray(state["best_point"], dtype=float)
        _atomic_write(path, lambda out: np.savez(out, **arrays))

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


def _atomic_write(path: Path, write) -> None:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then
    rename it over ``path``: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _recording_period(period, time_step: float):
    """CompNeuroPy's ``recording_period``: None, or a multiple of the time step."""
    if period is None:
        return None
    if isinstance(period, bool) or not isinstance(period, (int, float)) or \
            not math.isfinite(period) or period <= 0:
        raise FitError(f"recording_period must be a positive number of ms, got {period!r}")
    steps = round(period / time_step)
    if steps < 1 or abs(steps * time_step - period) > 1e-9 * period:
        raise FitError(f"recording_period = {period} ms is not a multiple of "
                       f"time_step = {time_step} ms")
    return float(period)


def _save_logbook_figure(logbook, path: Path) -> None:
    """Best and mean loss per generation, written atomically (any format
    matplotlib writes: the suffix decides)."""
    from matplotlib.figure import Figure

    gen, best, mean = logbook.select("gen", "min", "avg")
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(gen, best, label="best of the generation")
    ax.plot(gen, mean, label="mean of the finite losses")
    ax.set(xlabel="generation", ylabel="loss", yscale="log" if min(best) > 0 else "linear")
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _atomic_write(path, lambda out: fig.savefig(out, format=path.suffix.lstrip(".") or "png",
                                                    dpi=100))
    except ValueError as exc:
        raise FitError(f"deap_plot_file {str(path)!r}: {exc}") from None
