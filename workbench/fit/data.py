"""Recorded data for a fit: traces from CSV or NPZ files, checked and resampled,
and the current-step protocol that produced them.

A recording is a time column and one trace per sweep (a current step each):

- CSV: a header row; the time column (``time_column``, by name or index,
  default the first) and one column per sweep (``columns``, default all the
  others). Read with pandas; nothing in it is executed.
- NPZ: arrays ``t`` (samples,) and ``v`` (sweeps, samples), read with
  ``allow_pickle=False``.
- ABF (Axon, read with ``pyabf``), NWB and the other electrophysiology
  formats that ``neo`` reads (the ``ephys`` extra; NWB also needs
  ``pynwb``): one sweep per episode (ABF) or segment (neo), the voltage
  channel ``channel`` (default the first); times and values in the file's
  own units (``time_unit``/``value_unit`` are not used), which must be a
  time and a voltage. ABF goes through pyabf, not neo: neo 0.14 reads an
  episodic ABF1 file without a synch array (as pyabf writes them) as one
  long sweep, silently.

:func:`load_traces` trusts nothing: the file size, that every value is a
finite number (the first bad one is named), that time increases with a
uniform step (within 1 %), the units (time in ``s`` or ``ms``; values in
``V`` or ``mV``), and that there are at least two samples. The traces are
then resampled to the simulation's ``dt`` by linear interpolation, on a grid
starting at 0 ms.

:class:`StepProtocol` describes the steps (when, how long, which amplitudes,
which parameter of the model receives them) and builds the matching
experiment; :func:`step_fit` gives everything ``OptNeuron`` needs to fit a
model to the recording::

    rec = load_traces("cell.csv", time_unit="s", value_unit="V", dt=0.1)
    steps = StepProtocol(start_ms=100, stop_ms=600, amplitudes=[0.2, 0.4, 0.6],
                         attribute="I_app")
    opt = OptNeuron(neuron_model=adex, variables_bounds=bounds, **step_fit(rec, steps))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import engine as ann
from workbench.compneuro import CompNeuroExp
from workbench.fit.errors import FitError

__all__ = ["Recording", "load_traces", "StepProtocol", "step_fit", "detect_spikes", "LOSSES"]

#: the largest recording file read (bytes)
MAX_FILE_BYTES = 200 * 2**20
_TIME_UNITS = {"ms": 1.0, "s": 1000.0}
_VALUE_UNITS = {"mV": 1.0, "V": 1000.0}


@dataclass(frozen=True)
class Recording:
    """Traces of several sweeps on a common grid ``t = 0, dt, 2 dt...`` (ms).

    ``traces``: (sweeps, samples) in mV; ``sweeps``: the sweeps' names
    (column names); ``source``: where they came from (for messages).
    """

    dt: float
    traces: np.ndarray
    sweeps: tuple[str, ...]
    source: str = ""
    spikes: tuple = field(default=(), compare=False)

    @property
    def samples(self) -> int:
        return self.traces.shape[1]

    @property
    def duration(self) -> float:
        """ms covered by the samples."""
        return self.samples * self.dt


def load_traces(path, dt: float, time_column=0, columns=None, time_unit: str = "ms",
                value_unit: str = "mV", spike_threshold: float = 0.0,
                channel: int = 0) -> Recording:
    """Read a recording (CSV or NPZ, see the module docstring), check it and
    resample it to ``dt`` (ms).

    ``spike_threshold`` (mV): upward crossings of it are the recording's
    spikes (:attr:`Recording.spikes`, ms, per sweep); a sweep that never
    reaches it has its resets as spikes (:func:`detect_spikes`).

    Raises
    ------
    FitError
        With what is wrong and where: the file, a column, a row, a unit.
    """
    path = Path(path)
    if not (isinstance(dt, (int, float)) and not isinstance(dt, bool) and math.isfinite(dt)
            and dt > 0):
        raise FitError(f"dt must be a positive number of ms, got {dt!r}")
    if time_unit not in _TIME_UNITS:
        raise FitError(f"time_unit must be one of {', '.join(_TIME_UNITS)}, got {time_unit!r}")
    if value_unit not in _VALUE_UNITS:
        raise FitError(f"value_unit must be one of {', '.join(_VALUE_UNITS)}, "
                       f"got {value_unit!r}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FitError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise FitError(f"{path} has {size:,} bytes; a recording may have at most "
                       f"{MAX_FILE_BYTES:,}")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        t, values, names = _read_npz(path)
    elif suffix in (".csv", ".txt", ".tsv", ""):
        t, values, names = _read_csv(path, time_column, columns)
    else:
        reader = _read_abf if suffix == ".abf" else _read_neo
        t, values, names = reader(path, channel)
        time_unit, value_unit = "ms", "mV"            # converted from the file's own units
    t = t * _TIME_UNITS[time_unit]
    values = values * _VALUE_UNITS[value_unit]
    _check_time(path, t)
    grid = np.arange(int(math.floor((t[-1] - t[0]) / dt + 1e-9)) + 1) * dt
    traces = np.vstack([np.interp(grid, t - t[0], v) for v in values])
    # spikes from the samples as recorded: resampled to a coarser dt, a peak
    # one sample wide falls between grid points and would be lost
    step = (t[-1] - t[0]) / (t.size - 1)
    spikes = tuple(detect_spikes(v, step, spike_threshold) for v in values)
    return Recording(float(dt), traces, tuple(names), str(path), spikes)


def detect_spikes(trace: np.ndarray, dt: float, threshold: float = 0.0,
                  reset_drop: float = 15.0) -> np.ndarray:
    """Spike times (ms) of a voltage trace (mV).

    The upward crossings of ``threshold``, linearly interpolated between
    samples. A trace that never crosses it may come from a model with a
    reset that was recorded after the reset (the peak never shows, as in
    the engine's and Brian2's monitors): its spikes are then the samples
    at which the voltage has dropped by more than ``reset_drop`` mV since
    the sample before (the step of the spike and its reset).
    """
    trace = np.asarray(trace, dtype=float)
    above = trace >= threshold
    idx = np.flatnonzero(~above[:-1] & above[1:])
    if idx.size or above.any():
        v0, v1 = trace[idx], trace[idx + 1]
        return (idx + (threshold - v0) / (v1 - v0)) * dt
    drops = np.flatnonzero(np.diff(trace) < -reset_drop) + 1
    return drops.astype(float) * dt


def _read_csv(path, time_column, columns):
    import pandas as pd

    try:
        # as text: a bad cell is shown as written ('n/a'), not as pandas' NaN
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise FitError(f"{path}: not a readable CSV file ({exc})") from None
    if frame.shape[1] < 2:
        raise FitError(f"{path}: needs a time column and at least one trace column, "
                       f"found {frame.shape[1]} column(s)")
    names = [str(c) for c in frame.columns]
    t_name = _column(path, names, time_column, "time_column")
    wanted = [n for n in names if n != t_name] if columns is None else \
        [_column(path, names, c, "columns") for c in columns]
    if not wanted:
        raise FitError(f"{path}: no trace columns besides the time column {t_name!r}")
    out = {}
    for name in [t_name] + wanted:
        col = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(col))
        if bad.size:
            raw = frame[name].iloc[bad[0]]
            raise FitError(f"{path}: column {name!r}, row {bad[0] + 2} (counting the header "
                           f"as row 1) holds {raw!r}, not a finite number "
                           f"({bad.size} such value(s) in the column)")
        out[name] = col
    return out[t_name], np.vstack([out[n] for n in wanted]), wanted


def _column(path, names, key, what):
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        if not -len(names) <= key < len(names):
            raise FitError(f"{path}: {what} {key} is out of range (the file has "
                           f"{len(names)} columns)")
        return names[key]
    if isinstance(key, str) and key in names:
        return key
    import difflib

    close = difflib.get_close_matches(str(key), names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise FitError(f"{path}: no column {key!r}{hint}; the columns are {', '.join(names)}")


def _read_neo(path, channel):
    """Sweeps of an ABF/NWB/... file through neo: (t ms, values mV, names)."""
    try:
        import neo
        import quantities as pq
    except ImportError:
        raise FitError(f"{path}: reading {path.suffix} files uses neo "
                       f"(pip install 'neuroworkbench[ephys]'); or export the sweeps as "
                       f"CSV or NPZ") from None
    try:
        io = neo.io.get_io(str(path))
    except (OSError, IOError, ValueError, IndexError, ImportError) as exc:
        raise FitError(f"{path}: not a recording neo can read ({exc}); "
                       f"CSV and NPZ are read without it") from None
    try:
        blocks = io.read(lazy=False)
    except Exception as exc:  # noqa: BLE001 - a third-party reader on an untrusted file
        raise FitError(f"{path}: neo could not read it ({type(exc).__name__}: {exc})") from None
    finally:
        close = getattr(io, "close", None)
        if callable(close):
            close()
    segments = [seg for block in blocks for seg in block.segments if seg.analogsignals]
    if not segments:
        raise FitError(f"{path}: no sweep with an analog signal in the file")
    times, values, names = None, [], []
    for i, seg in enumerate(segments):
        signals = [s for sig in seg.analogsignals for s in _channels(sig)]
        if not isinstance(channel, int) or not 0 <= channel < len(signals):
            raise FitError(f"{path}: sweep {i} has {len(signals)} channel(s); "
                           f"channel {channel!r} does not exist")
        sig = signals[channel]
        try:
            v = sig.rescale(pq.mV).magnitude.ravel().astype(float)
        except ValueError:
            raise FitError(f"{path}: channel {channel} is in {sig.units.dimensionality}, "
                           f"not a voltage; choose the voltage channel with channel=") from None
        t = sig.times.rescale(pq.ms).magnitude.astype(float)
        t = t - t[0]
        if times is None:
            times = t
        elif t.size != times.size or not np.allclose(t, times, rtol=0, atol=1e-9):
            raise FitError(f"{path}: sweep {i} has {t.size} samples at another sampling "
                           f"than sweep 0 ({times.size}); sweeps must share their times")
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise FitError(f"{path}: sweep {i}, sample {bad[0]} is not a finite number "
                           f"({bad.size} such value(s))")
        values.append(v)
        names.append(str(seg.name) if seg.name else f"sweep {i}")
    return times, np.vstack(values), names


def _read_abf(path, channel):
    """Sweeps of an ABF file through pyabf: (t ms, values mV, names)."""
    try:
        import pyabf
    except ImportError:
        raise FitError(f"{path}: reading ABF files uses pyabf (pip install "
                       f"'neuroworkbench[ephys]'); or export the sweeps as CSV or NPZ") from None
    try:
        abf = pyabf.ABF(str(path))
    except Exception as exc:  # noqa: BLE001 - a third-party reader on an untrusted file
        raise FitError(f"{path}: not a readable ABF file ({type(exc).__name__}: {exc})") \
            from None
    if not isinstance(channel, int) or not 0 <= channel < abf.channelCount:
        raise FitError(f"{path}: the file has {abf.channelCount} channel(s); channel "
                       f"{channel!r} does not exist")
    scale = {"mV": 1.0, "V": 1000.0, "uV": 1e-3, "µV": 1e-3}
    values, names = [], []
    for i in range(abf.sweepCount):
        abf.setSweep(i, channel=channel)
        unit = str(abf.sweepUnitsY).strip()
        if unit not in scale:
            raise FitError(f"{path}: channel {channel} is in {unit!r}, not a voltage; "
                           f"choose the voltage channel with channel=")
        v = np.asarray(abf.sweepY, dtype=float) * scale[unit]
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise FitError(f"{path}: sweep {i}, sample {bad[0]} is not a finite number")
        values.append(v)
        names.append(f"sweep {i}")
    t = (np.asarray(abf.sweepX, dtype=float) - float(abf.sweepX[0])) * 1000.0
    return t, np.vstack(values), names


def _channels(sig):
    """An AnalogSignal with several channels as one signal per channel."""
    return [sig[:, j] for j in range(sig.shape[1])] if sig.ndim == 2 else [sig]


def _read_npz(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise FitError(f"{path}: not a readable NPZ file ({exc})") from None
    missing = [k for k in ("t", "v") if k not in arrays]
    if missing:
        raise FitError(f"{path}: an NPZ recording holds arrays 't' (samples,) and 'v' "
                       f"(sweeps, samples); missing {', '.join(missing)} (found "
                       f"{', '.join(arrays) or 'nothing'})")
    t, v = np.asarray(arrays["t"]), np.asarray(arrays["v"])
    if v.ndim == 1:
        v = v[None, :]
    if t.ndim != 1 or v.ndim != 2 or v.shape[1] != t.size:
        raise FitError(f"{path}: 't' must have shape (samples,) and 'v' (sweeps, samples); "
                       f"got {t.shape} and {v.shape}")
    if t.dtype.kind not in "fiu" or v.dtype.kind not in "fiu":
        raise FitError(f"{path}: 't' and 'v' must hold numbers")
    for name, arr in (("t", t), ("v", v)):
        bad = np.argwhere(~np.isfinite(arr.astype(float)))
        if bad.size:
            raise FitError(f"{path}: '{name}' holds a non-finite value at index "
                           f"{tuple(int(i) for i in bad[0])}")
    return t.astype(float), v.astype(float), [f"sweep {i}" for i in range(v.shape[0])]


def _check_time(path, t):
    if t.size < 2:
        raise FitError(f"{path}: needs at least two samples, found {t.size}")
    steps = np.diff(t)
    if np.any(steps <= 0):
        i = int(np.flatnonzero(steps <= 0)[0])
        raise FitError(f"{path}: time must increase; sample {i + 1} is at {t[i + 1]:g} ms "
                       f"after {t[i]:g} ms")
    step = float(np.median(steps))
    worst = float(np.max(np.abs(steps - step)))
    if worst > 0.01 * step:
        raise FitError(f"{path}: the sampling is not uniform (step {step:g} ms, one step "
                       f"differs by {worst:g} ms); resample it first")


@dataclass(frozen=True)
class StepProtocol:
    """One current step per sweep: ``attribute`` of the model is
    ``baseline`` until ``start_ms``, the sweep's amplitude until ``stop_ms``,
    and ``baseline`` again until ``duration_ms`` (default: the recording's)."""

    start_ms: float
    stop_ms: float
    amplitudes: tuple
    attribute: str = "I_app"
    baseline: float = 0.0
    duration_ms: float | None = None

    def __post_init__(self):
        amps = tuple(float(a) for a in np.atleast_1d(np.asarray(self.amplitudes, dtype=float)))
        object.__setattr__(self, "amplitudes", amps)
        if not amps or not all(math.isfinite(a) for a in amps):
            raise FitError(f"StepProtocol: amplitudes must be finite numbers, got "
                           f"{self.amplitudes!r}")
        if not (0 <= self.start_ms < self.stop_ms):
            raise FitError(f"StepProtocol: need 0 <= start_ms < stop_ms, got {self.start_ms:g} "
                           f"and {self.stop_ms:g}")
        if self.duration_ms is not None and self.duration_ms < self.stop_ms:
            raise FitError(f"StepProtocol: duration_ms ({self.duration_ms:g}) ends before "
                           f"stop_ms ({self.stop_ms:g})")

    def segments(self, amplitude: float, duration: float):
        """``(length_ms, value)`` pieces of one sweep."""
        out = [(self.start_ms, self.baseline), (self.stop_ms - self.start_ms, amplitude),
               (duration - self.stop_ms, self.baseline)]
        return [(length, value) for length, value in out if length > 0]

    def experiment(self, duration_ms: float):
        """A CompNeuroExp subclass running the sweeps (one chunk each)."""
        protocol = self

        class StepExperiment(CompNeuroExp):
            def run(self, population_name):
                pop = ann.get_population(population_name)
                if protocol.attribute not in pop.attributes:
                    raise FitError(f"the model has no parameter {protocol.attribute!r} for the "
                                   f"steps (it has {', '.join(pop.attributes)})")
                self.monitors.start()
                for i, amplitude in enumerate(protocol.amplitudes):
                    if i:
                        self.reset()
                    for length, value in protocol.segments(amplitude, duration_ms):
                        setattr(pop, protocol.attribute, value)
                        ann.simulate(length)
                setattr(pop, protocol.attribute, protocol.baseline)
                self.data["population_name"] = population_name
                return self.results()

        StepExperiment.__name__ = "StepExperiment"
        return StepExperiment


#: the losses :func:`step_fit` offers
LOSSES = ("trace+spikes", "trace", "spikes", "features")


def step_fit(recording: Recording, protocol: StepProtocol, variable: str = "v",
             spike_weight: float = 10.0, loss: str = "trace+spikes",
             features=None) -> dict:
    """``OptNeuron`` arguments fitting a model to ``recording`` under
    ``protocol``: ``experiment``, ``get_loss_function``, ``results_soll``,
    ``time_step`` and ``record``.

    The loss, per sweep (``loss``):

    - ``"trace+spikes"`` (default): the RMSE (mV) between the model's
      ``variable`` and the trace, plus ``spike_weight`` per missing or extra
      spike and the mean difference (ms) of the spike times in order (the
      recording's spikes are its threshold crossings, the model's its spike
      events); ``spike_weight=0`` leaves the RMSE alone;
    - ``"trace"``: the RMSE alone;
    - ``"spikes"``: the spike count and timing term alone;
    - ``"features"``: eFEL features (``features``, default
      :data:`~workbench.compneuro.features.DEFAULT_FEATURES`) of the model's
      trace against the recording's, in the step's window
      (:func:`~workbench.compneuro.features.feature_loss`; needs eFEL).

    Raises
    ------
    FitError
        If the sweeps and the amplitudes differ in number, or the protocol
        outlasts the recording.
    """
    if loss not in LOSSES:
        raise FitError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    if loss == "trace":
        spike_weight = 0.0
    if len(protocol.amplitudes) != recording.traces.shape[0]:
        raise FitError(f"the recording has {recording.traces.shape[0]} sweep(s) "
                       f"({', '.join(recording.sweeps)}) but the protocol "
                       f"{len(protocol.amplitudes)} amplitude(s)")
    duration = protocol.duration_ms if protocol.duration_ms is not None else recording.duration
    samples = int(round(duration / recording.dt))
    if samples > recording.samples:
        raise FitError(f"the protocol lasts {duration:g} ms but the recording only "
                       f"{recording.duration:g} ms")
    target = recording.traces[:, :samples]
    spikes = [s[s < duration] for s in recording.spikes]
    weight = spike_weight if loss in ("trace+spikes", "spikes") else 0.0
    if loss == "spikes" and not weight:
        raise FitError("loss 'spikes' needs a spike_weight above 0")
    record = [variable, "spike"]            # spikes also for the result's comparison
    soll_features = None
    if loss == "features":
        from workbench.compneuro.features import DEFAULT_FEATURES, feature_loss, trace_features

        names = tuple(features or DEFAULT_FEATURES)
        t = np.arange(samples) * recording.dt
        soll_features = [trace_features(t, v, protocol.start_ms, protocol.stop_ms, names)
                         for v in target]

    def get_loss(results_ist, results_soll):
        pop = results_ist.data["population_name"]
        out = []
        for i, chunk in enumerate(results_ist.recordings):
            if soll_features is not None:
                out.append(feature_loss(results_ist, soll_features[i], protocol.start_ms,
                                        protocol.stop_ms, names, chunk=i))
                continue
            if loss != "spikes":
                trace = chunk[f"{pop};{variable}"][:, 0]
                n = min(trace.size, target.shape[1])
                out.append(float(np.sqrt(np.mean((trace[:n] - target[i, :n]) ** 2))))
            if weight:
                mine = np.asarray(chunk[f"{pop};spike"].get(0, []), dtype=float) * chunk["dt"]
                theirs = spikes[i]
                m = min(mine.size, theirs.size)
                timing = float(np.mean(np.abs(mine[:m] - theirs[:m]))) if m else 0.0
                out.append(weight * abs(mine.size - theirs.size) + timing)
        return out

    return {"experiment": protocol.experiment(duration), "get_loss_function": get_loss,
            "results_soll": target, "time_step": recording.dt, "record": record}
