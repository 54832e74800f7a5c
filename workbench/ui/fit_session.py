"""A fit against uploaded data, for one browser session (App II's Fit tab).

A :class:`FitSession` holds what the Fit tab shows and does, testable
without a browser:

1. the data: :meth:`load` takes an uploaded file's name and bytes (CSV, NPZ,
   ABF, NWB; size checked before anything is written), reads it with
   :func:`workbench.fit.load_traces` (every check of the loader) and keeps
   the :class:`~workbench.fit.Recording`; the sweeps to fit are chosen in
   ``selected``;
2. the protocol: one current step per sweep (``start_ms``, ``stop_ms``,
   ``amplitudes`` typed per sweep, or read from sweep names such as
   ``I=0.5``; ``attribute``, the model's parameter that receives them);
3. the model and its parameters (:meth:`use_model`): a table of the model's
   parameters with, per row, whether it is fitted, its bounds, or its fixed
   value;
4. the search (``method``, ``popsize``, ``generations``, ``seed``; where
   the batches run: this process, or a ``dask.distributed`` scheduler);
5. :meth:`start` runs :class:`~workbench.fit.OptNeuron` on a worker thread;
   after each generation the worker appends to ``history`` (best loss, the
   best values, evaluations/s, the time left); :meth:`cancel` ends the fit
   after the generation in progress (the best so far is kept, and the
   checkpoint in :attr:`folder` lets it go on). When it ends, ``result``
   holds the fitted values, the loss per sweep and the best fit's traces.

Threads: the worker writes ``history`` (appending only), the progress
numbers and, at the end, ``result`` and ``status``; the UI thread reads
them in a periodic callback. Nothing else is shared.

A fit outlives its page: a started session is kept in a small process-wide
table under its random ``token`` (:meth:`FitSession.find`), so a reloaded
page (``?fit=<token>``) shows the same fit again; only someone with the
token can reach it. The table keeps at most ``KEEP_FITS`` sessions and
forgets ended fits after ``KEEP_ENDED_S`` (their folders are removed).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile
import secrets
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import param

from engine.errors import NeuroWorkbenchError
from workbench.errors import WorkbenchError
from workbench.fit import FitError, OptNeuron
from workbench.fit.data import LOSSES, Recording, StepProtocol, load_traces, step_fit

__all__ = ["FitSession", "FIT_STATUSES", "UPLOAD_LIMIT_BYTES", "spec_with_values", "EXAMPLE",
           "EXAMPLE_TRUE_VALUES"]

#: the Fit lab's recording (written by examples/make_fit_example.py) and the
#: values it was made with (the lab states them after the fit)
EXAMPLE = Path(__file__).resolve().parent / "data" / "fit_example.csv"
EXAMPLE_TRUE_VALUES = {"a": 6.0, "b": 0.1}
EXAMPLE_SETTINGS = {"model": "EIF_cond_exp_isfa_ista", "start_ms": 50.0, "stop_ms": 450.0,
                    "dt": 0.05, "bounds": {"a": (0.0, 20.0), "b": (0.0, 0.3)},
                    "generations": 40, "popsize": 16}

FIT_STATUSES = ("empty", "ready", "starting", "running", "finished", "cancelled", "failed")
#: the largest recording a user may upload
UPLOAD_LIMIT_BYTES = 50 * 2**20
#: file types the loader reads
SUFFIXES = (".csv", ".txt", ".npz", ".abf", ".nwb")
#: a fit's budget: candidates x generations x sweeps x samples, at most
MAX_WORK = 4e10
_METHODS = ("cmaes", "ga", "de")
#: fits a process keeps for reattaching, and how long an ended one stays
KEEP_FITS = 16
KEEP_ENDED_S = 3600.0
_KEPT: dict[str, "FitSession"] = {}
_KEPT_LOCK = threading.Lock()
_COLUMNS = ["parameter", "fit", "low", "high", "value"]
_AMPLITUDE_IN_NAME = re.compile(r"=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


class FitSession(param.Parameterized):
    """Data, protocol, model, search and progress of one session's fit."""

    # -- data ----------------------------------------------------------------------
    dt = param.Number(default=0.1, bounds=(0.001, 1.0),
                      doc="Time step of the fit's simulations (ms); the data is resampled to it.")
    time_unit = param.Selector(default="ms", objects=["ms", "s"],
                               doc="Unit of a CSV/NPZ time column (ABF/NWB carry theirs).")
    value_unit = param.Selector(default="mV", objects=["mV", "V"],
                                doc="Unit of a CSV/NPZ voltage (ABF/NWB carry theirs).")
    spike_threshold = param.Number(default=0.0, doc="Upward crossings are spikes (mV).")
    data_name = param.String(default="", constant=True)
    selected = param.ListSelector(default=[], objects=[], doc="Sweeps to fit.")
    # -- protocol --------------------------------------------------------------------
    start_ms = param.Number(default=100.0, bounds=(0, None), doc="Step onset (ms).")
    stop_ms = param.Number(default=600.0, bounds=(0, None), doc="Step end (ms).")
    attribute = param.String(default="I_app", doc="The model's parameter the steps set.")
    amplitudes = param.Dict(default={}, doc="Step amplitude per sweep name.")
    # -- model and search -------------------------------------------------------------
    model_name = param.String(default="", constant=True)
    parameters = param.DataFrame(default=pd.DataFrame(columns=_COLUMNS),
                                 doc="Per parameter: fit?, low, high, or its fixed value.")
    loss = param.Selector(default="trace+spikes", objects=list(LOSSES), doc=(
        "trace+spikes: voltage RMSE plus spike count and timing; trace: the RMSE; spikes: "
        "count and timing; features: eFEL features in the step's window."))
    method = param.Selector(default="cmaes", objects=list(_METHODS))
    popsize = param.Integer(default=16, bounds=(4, 2000))
    generations = param.Integer(default=30, bounds=(1, 10_000))
    seed = param.Integer(default=0, bounds=(0, None))
    scheduler = param.String(default="", doc=(
        "Where the batches run: empty for this process, 'local' for a local dask "
        "cluster, or a dask scheduler's address (tcp://host:8786)."))
    # -- progress (the worker writes these) ------------------------------------------
    status = param.Selector(default="empty", objects=list(FIT_STATUSES), constant=True)
    message = param.String(default="Upload a recording (CSV, NPZ, ABF or NWB).", constant=True)

    def __init__(self, **params):
        super().__init__(**params)
        self.recording: Recording | None = None
        self.model = None
        self.history: list[dict] = []          # appended by the worker
        self.best_traces: dict = {}            # sweep -> the best fit's trace so far (worker)
        self.result: dict | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="nwb-fit-"))
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._started_at = 0.0
        self._ended_at: float | None = None
        self.token = secrets.token_urlsafe(9)

    # -- reattaching ------------------------------------------------------------------------
    @classmethod
    def find(cls, token) -> "FitSession | None":
        """The kept session of ``token`` (a started fit), or None."""
        if not isinstance(token, str):
            return None
        with _KEPT_LOCK:
            return _KEPT.get(token)

    def _keep(self) -> None:
        now = time.monotonic()
        with _KEPT_LOCK:
            _KEPT[self.token] = self
            old = [s for s in _KEPT.values() if s is not self and not s.busy and
                   s._ended_at is not None and now - s._ended_at > KEEP_ENDED_S]
            ended = sorted((s for s in _KEPT.values() if s is not self and not s.busy),
                           key=lambda s: s._ended_at or 0.0)
            while len(_KEPT) - len(old) > KEEP_FITS and ended:
                old.append(ended.pop(0))
            for s in old:
                _KEPT.pop(s.token, None)
        for s in old:
            shutil.rmtree(s.folder, ignore_errors=True)

    # -- status ---------------------------------------------------------------------------
    def _set(self, status: str, message: str) -> None:
        with param.edit_constant(self):
            self.param.update(status=status, message=message)

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _refuse_while_busy(self, what: str) -> None:
        if self.busy:
            raise WorkbenchError(f"{what}: a fit is running; cancel it first")

    # -- 1. data ------------------------------------------------------------------------
    def load(self, filename: str, data: bytes) -> Recording:
        """Read an uploaded recording (nothing changes if it is refused).

        Raises
        ------
        FitError
            The file is too large, of an unknown type, or the loader refuses
            it (the message says where and why).
        """
        self._refuse_while_busy("a new recording")
        name = Path(str(filename or "recording")).name
        suffix = Path(name).suffix.lower()
        if suffix not in SUFFIXES:
            raise FitError(f"{name}: a recording is a {', '.join(SUFFIXES)} file")
        if not isinstance(data, (bytes, bytearray)) or not data:
            raise FitError(f"{name}: the file is empty")
        if len(data) > UPLOAD_LIMIT_BYTES:
            raise FitError(f"{name} has {len(data):,} bytes; a recording may have at most "
                           f"{UPLOAD_LIMIT_BYTES:,}")
        with tempfile.TemporaryDirectory(prefix="nwb-upload-") as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(data)
            rec = load_traces(path, dt=self.dt, time_unit=self.time_unit,
                              value_unit=self.value_unit, spike_threshold=self.spike_threshold)
        self.recording = rec
        self.param.selected.objects = list(rec.sweeps)
        found = {s: _amplitude_in(s) for s in rec.sweeps}
        self.amplitudes = {s: (a if a is not None else 0.0) for s, a in found.items()}
        self.selected = list(rec.sweeps)
        with param.edit_constant(self):
            self.data_name = name
        missing = [s for s, a in found.items() if a is None]
        note = (" Type the step amplitude of each sweep." if missing else
                " Step amplitudes read from the sweep names.")
        spikes = ", ".join(str(len(s)) for s in rec.spikes)
        self._set("ready" if self.model is not None else "empty",
                  f"{name}: {len(rec.sweeps)} sweep(s) of {rec.duration:g} ms at dt "
                  f"{rec.dt:g} ms; spikes per sweep: {spikes}.{note}")
        return rec

    def load_example(self) -> None:
        """The Fit lab: the example recording, the AdEx model, a and b ticked
        with wide bounds, the steps' times (the true values are in
        ``EXAMPLE_TRUE_VALUES``)."""
        from engine.models import EIF_cond_exp_isfa_ista

        cfg = EXAMPLE_SETTINGS
        self.param.update(dt=cfg["dt"], time_unit="ms", value_unit="mV", start_ms=cfg["start_ms"],
                          stop_ms=cfg["stop_ms"], generations=cfg["generations"],
                          popsize=cfg["popsize"], method="cmaes")
        self.load(EXAMPLE.name, EXAMPLE.read_bytes())
        self.use_model(EIF_cond_exp_isfa_ista(), cfg["model"])
        table = self.parameters.copy()
        for name, (low, high) in cfg["bounds"].items():
            table.loc[table.parameter == name, ["fit", "low", "high"]] = [True, low, high]
        self.parameters = table

    # -- 3. model --------------------------------------------------------------------------
    def use_model(self, model, name: str = "") -> None:
        """Fit ``model`` (an engine Neuron): its parameters fill the table,
        none fitted yet, bounds from half to twice the value."""
        self._refuse_while_busy("another model")
        from engine import Neuron

        if not isinstance(model, Neuron):
            raise FitError(f"a fit needs a neuron model, got {type(model).__name__}")
        rows = []
        for var in model.ir.variables:
            if var.kind != "parameter" or var.dtype != "float":
                continue
            try:
                value = float(var.init)
            except (TypeError, ValueError):
                continue                            # a random draw or an expression: not fitted
            low, high = sorted((value * 0.5, value * 2.0)) if value else (-1.0, 1.0)
            rows.append({"parameter": var.name, "fit": False, "low": low, "high": high,
                         "value": value})
        self.model = model
        self.parameters = pd.DataFrame(rows, columns=_COLUMNS)
        with param.edit_constant(self):
            self.model_name = name or model.model_name
        if self.attribute not in self.parameters["parameter"].tolist():
            for guess in ("I_app", "i_offset", "I_ext", "I"):
                if guess in self.parameters["parameter"].tolist():
                    self.attribute = guess
                    break
        self._set("ready" if self.recording is not None else "empty",
                  f"model {self.model_name!r}: tick the parameters to fit and set their bounds")

    def bounds(self) -> dict:
        """``variables_bounds`` for OptNeuron from the table (checked)."""
        table = self.parameters
        if table is None or table.empty:
            raise FitError("choose a model first")
        names = table["parameter"].tolist()
        out = {}
        for _, row in table.iterrows():
            name = str(row["parameter"])
            if name == self.attribute:
                continue                            # set by the protocol
            if bool(row["fit"]):
                low, high = _number(row["low"], name, "low"), _number(row["high"], name, "high")
                if not low < high:
                    raise FitError(f"{name}: low ({low:g}) must be below high ({high:g})")
                out[name] = [low, high]
            else:
                out[name] = _number(row["value"], name, "value")
        if not any(isinstance(v, list) for v in out.values()):
            raise FitError("tick at least one parameter to fit (the 'fit' column)")
        if self.attribute not in names:
            raise FitError(f"the model has no parameter {self.attribute!r} for the steps; "
                           f"its parameters: {', '.join(names)}")
        return out

    # -- 5. the fit -----------------------------------------------------------------------
    def _protocol(self) -> tuple[Recording, StepProtocol]:
        rec = self.recording
        if rec is None:
            raise FitError("upload a recording first")
        chosen = [s for s in rec.sweeps if s in self.selected]
        if not chosen:
            raise FitError("choose at least one sweep to fit")
        idx = [rec.sweeps.index(s) for s in chosen]
        subset = Recording(rec.dt, rec.traces[idx], tuple(chosen), rec.source,
                           tuple(rec.spikes[i] for i in idx))
        amps = []
        for s in chosen:
            a = self.amplitudes.get(s)
            if not isinstance(a, (int, float)) or isinstance(a, bool) or not math.isfinite(a):
                raise FitError(f"sweep {s!r}: its step amplitude must be a number, got {a!r}")
            amps.append(float(a))
        if self.stop_ms > rec.duration:
            raise FitError(f"the step ends at {self.stop_ms:g} ms, after the recording "
                           f"({rec.duration:g} ms)")
        return subset, StepProtocol(self.start_ms, self.stop_ms, amps, attribute=self.attribute)

    def start(self) -> None:
        """Check everything, then fit on a worker thread (returns at once).

        Raises
        ------
        FitError
            What is missing or wrong (data, sweeps, amplitudes, bounds, a
            budget too large), before anything runs.
        """
        self._refuse_while_busy("start")
        if self.model is None:
            raise FitError("choose a model first")
        rec, protocol = self._protocol()
        bounds = self.bounds()
        work = float(self.popsize) * self.generations * rec.traces.shape[0] * rec.samples
        if work > MAX_WORK:
            raise FitError(f"this fit would simulate {work:.2g} neuron steps; at most "
                           f"{MAX_WORK:.0g}: fewer generations, candidates, sweeps or a "
                           f"larger dt")
        args = step_fit(rec, protocol, loss=self.loss)
        self.history, self.result, self.best_traces = [], None, {}
        self._cancel.clear()
        self._set("starting", "compiling the model for the fit...")
        self._ended_at = None
        self._thread = threading.Thread(target=self._work, args=(args, bounds, rec),
                                        name="fit", daemon=True)
        self._thread.start()
        self._keep()

    def cancel(self, wait: float = 1.0) -> None:
        """End the fit after the generation in progress; waits up to
        ``wait`` seconds for it."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(wait)

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self, args, bounds, rec):
        client = None
        try:
            client = self._client()
            opt = OptNeuron(neuron_model=self.model, variables_bounds=bounds,
                            method=self.method, popsize=self.popsize, seed=self.seed,
                            client=client, **args)
            self._started_at = time.monotonic()
            self._set("running", f"fitting: {self.generations} generations of {opt.popsize}")
            fit = opt.run(max_evals=self.generations, results_file_name=str(self.folder / "fit"),
                          progress=False, on_generation=self._generation,
                          should_stop=self._cancel.is_set)
            self.result = self._summary(fit, opt, rec)
            done = opt.generations_done * opt.popsize
            word = "cancelled" if opt.stopped else "finished"
            self._set(word, f"{word} after {opt.generations_done} generation(s) "
                            f"({done:,} evaluations); best loss {fit['loss']:.4g}")
        except (WorkbenchError, NeuroWorkbenchError) as exc:
            self._set("failed", f"the fit stopped: {exc}")
        except Exception as exc:  # noqa: BLE001 - the worker must report, not vanish
            self._set("failed", f"the fit stopped: {type(exc).__name__}: {exc}")
        finally:
            self._ended_at = time.monotonic()
            if client is not None:
                _close_client(client)

    def _client(self):
        address = self.scheduler.strip()
        if not address:
            return None
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise FitError("running on dask needs dask.distributed (pip install "
                           "'neuroworkbench[distributed]')") from None
        if address == "local":
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
            client._nwb_cluster = cluster
            return client
        try:
            return Client(address, timeout=5)
        except (OSError, TimeoutError, ValueError) as exc:
            raise FitError(f"no dask scheduler at {address!r}: {exc}") from None

    def _generation(self, info: dict) -> None:
        elapsed = max(time.monotonic() - self._started_at, 1e-9)
        rate = info["evaluations"] / elapsed
        left = (info["generations"] - info["gen"]) * elapsed / max(info["gen"], 1)
        results = info.pop("best_results", None)
        if results is not None:                 # a new best: its traces, for the plots
            pop = results.data["population_name"]
            names = [s for s in self.recording.sweeps if s in self.selected]
            self.best_traces = {s: np.asarray(results.recordings[i][f"{pop};v"][:, 0])
                                for i, s in enumerate(names)}
        self.history.append(info | {"evals_per_s": rate, "seconds_left": left})

    def _summary(self, fit: dict, opt: OptNeuron, rec: Recording) -> dict:
        names = list(opt.space.names)
        per = fit["all_loss"]
        k = len(per) // max(len(rec.sweeps), 1)
        sweep_loss = {s: float(sum(per[i * k:(i + 1) * k])) for i, s in enumerate(rec.sweeps)}
        results = fit["results"]
        pop = results.data["population_name"]
        traces = {s: np.asarray(results.recordings[i][f"{pop};v"][:, 0], dtype=float)
                  for i, s in enumerate(rec.sweeps)}
        spikes = {}
        for i, s in enumerate(rec.sweeps):
            chunk = results.recordings[i]
            mine = np.asarray(chunk[f"{pop};spike"].get(0, []), dtype=float) * chunk["dt"]
            theirs = rec.spikes[i][rec.spikes[i] < rec.duration]
            worst = float(np.max(np.abs(mine - theirs))) if mine.size == theirs.size \
                and mine.size else None
            spikes[s] = {"data": int(theirs.size), "fit": int(mine.size),
                         "largest_time_difference_ms": worst}
        return {"fitted": {n: fit[n] for n in names},
                "fixed": {n: v for n, v in opt.space.fixed.items()},
                "loss": float(fit["loss"]), "loss_per_sweep": sweep_loss, "spikes": spikes,
                "generations": opt.generations_done, "method": opt.search.name,
                "popsize": opt.popsize, "traces": traces, "dt": rec.dt}

    # -- results ---------------------------------------------------------------------
    def result_json(self) -> str:
        """The fitted values, the loss per sweep and the settings, as JSON."""
        if self.result is None:
            raise FitError("no fit has ended yet")
        keep = {k: v for k, v in self.result.items() if k != "traces"}
        return json.dumps(keep | {"model": self.model_name, "data": self.data_name,
                                  "attribute": self.attribute, "start_ms": self.start_ms,
                                  "stop_ms": self.stop_ms, "amplitudes": self.amplitudes},
                          indent=2)

    def history_csv(self) -> str:
        rows = [{"generation": h["gen"], "best_loss": h["best_loss"], "generation_min": h["min"],
                 "evaluations": h["evaluations"]} | {f"best_{k}": v for k, v in h["best"].items()}
                for h in list(self.history)]
        return pd.DataFrame(rows).to_csv(index=False)

    def fitted_spec(self) -> dict:
        """The model's spec with the fitted values as its parameters' values
        (for the Models tab), named ``<model>_fit``."""
        if self.result is None or self.model is None:
            raise FitError("no fit has ended yet")
        spec = spec_with_values(self.model.to_spec(), self.result["fitted"])
        spec["name"] = f"{self.model_name}_fit"
        return spec

    def close(self) -> None:
        """Cancel a running fit and remove the session's checkpoint folder."""
        self.cancel(wait=2.0)
        with _KEPT_LOCK:
            _KEPT.pop(self.token, None)
        shutil.rmtree(self.folder, ignore_errors=True)

    def page_closed(self) -> None:
        """The page showing this session went away: a started fit goes on
        and stays reachable with its token (a reloaded page reattaches);
        a session that never started a fit is closed."""
        if self.find(self.token) is None:      # never started: nothing to come back to
            self.close()


def spec_with_values(spec: dict, values: dict) -> dict:
    """``spec`` (a model's ``to_spec()``) with the value of each parameter in
    ``values`` replaced in its ``parameters`` block (flags kept).

    Raises
    ------
    FitError
        A name the block does not define.
    """
    lines = (spec.get("parameters") or "").splitlines()
    left = dict(values)
    out = []
    for line in lines:
        head, sep, rest = line.partition("=")
        name = head.strip()
        if sep and name in left:
            flags = ""
            if ":" in rest:
                flags = " :" + rest.split(":", 1)[1]
            out.append(f"{name} = {float(left.pop(name))!r}{flags}")
        else:
            out.append(line)
    if left:
        raise FitError(f"the model's parameters block does not define {', '.join(left)}")
    return dict(spec) | {"parameters": "\n".join(out)}


def _amplitude_in(name: str):
    m = _AMPLITUDE_IN_NAME.search(str(name))
    return float(m.group(1)) if m else None


def _number(x, name, column) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise FitError(f"{name}: {column} must be a number, got {x!r}") from None
    if not math.isfinite(value):
        raise FitError(f"{name}: {column} must be a finite number, got {x!r}")
    return value


def _close_client(client) -> None:
    cluster = getattr(client, "_nwb_cluster", None)
    try:
        client.close()
        if cluster is not None:
            cluster.close()
    except Exception:  # noqa: BLE001 - closing a cluster must not hide the fit's own result
        pass
