"""CompNeuroPy's ``CompNeuroMonitors`` on engine monitors.

Recordings are split in *chunks*: :meth:`CompNeuroMonitors.reset` ends the
current chunk (usually together with a model reset, so the next chunk starts
again at t = 0 ms). Within a chunk, :meth:`~CompNeuroMonitors.pause` and
:meth:`~CompNeuroMonitors.start` make *periods*; a variable's array holds the
records of all periods of its chunk one after the other, and
:class:`~workbench.compneuro.recording_times.RecordingTimes` tells which rows
belong to which period.

Layout of one chunk of :meth:`CompNeuroMonitors.get_recordings` (as
CompNeuroPy's):

``"name;v"``
    array (records, neurons); ``(records,)`` for a population-wide variable.
``"name;spike"``
    ``{rank: [step, ...]}``: spike times in **steps** of ``dt``, as ANNarchy's
    ``Monitor.get('spike')`` and therefore CompNeuroPy return them; multiply by
    ``chunk["dt"]`` for ms.
``"name;period"``
    the recording period actually used, ms.
``"name;parameter_dict"``
    the population's parameter values when the chunk ended
    (``"name;parameters"`` for a projection, CompNeuroPy's key).
``"dt"``
    the time step, ms.

Row ``k`` of a variable recorded every step holds the state after the update
of step ``k`` of its chunk, i.e. at ``k * dt`` ms (the engine's and
ANNarchy's convention).
"""

from __future__ import annotations

import copy

import numpy as np

import engine as ann
from workbench.compneuro import _resolve
from workbench.compneuro._mon_dict import parse_mon_dict
from workbench.compneuro.errors import CompNeuroError
from workbench.compneuro.recording_times import RecordingTimes

__all__ = ["CompNeuroMonitors"]


class CompNeuroMonitors:
    """Several engine monitors driven as one, with recording chunks.

    Parameters
    ----------
    mon_dict : dict
        What to record; ``{"name": ["v", "spike"]}`` (CompNeuroPy's
        spelling: a population or projection name, optional period as
        ``"name;2.0"``; CompNeuroPy 0.x's ``"pop;name"``/``"proj;name"``
        too) or ``{"name;v": period_ms_or_None}``. See
        ``workbench.compneuro._mon_dict``.

    Notes
    -----
    The engine monitors are made at the first :meth:`start`, not here, so the
    object can be built before the populations exist (as OptNeuron does).
    They live in the network of the recorded populations; names are looked
    up in the active network.

    Raises
    ------
    CompNeuroError
        For a malformed ``mon_dict`` (at once) or, at the first
        :meth:`start`, an unknown compartment or a period that is not a
        multiple of dt.
    """

    def __init__(self, mon_dict=None):
        self.mon_dict = {} if mon_dict is None else mon_dict
        self._specs = parse_mon_dict(self.mon_dict)
        self._monitors: dict = {}          # compartment name -> engine Monitor
        self._objects: dict = {}           # compartment name -> Population/Projection
        self._network = None
        self._period_steps: dict[str, int] = {}
        self._init_internals()

    def _init_internals(self):
        """Forget all chunks; every compartment paused (CompNeuroPy's state
        after ``get_recordings_and_clear``)."""
        self._chunks: list[dict] = []
        self._chunk_times: list[dict] = []
        # per compartment, the periods of the current chunk: [start_step, stop_step | None]
        self._periods: dict[str, list[list]] = {name: [] for name in self._specs}

    # -- engine side -----------------------------------------------------------
    def _ensure_monitors(self):
        if self._monitors or not self._specs:
            return
        objects, network = {}, None
        for name, spec in self._specs.items():
            if spec.kind is None:
                spec.kind = _resolve.kind_of(name)
            obj = (_resolve.population(name) if spec.kind == "pop"
                   else _resolve.projection(name))
            if network is not None and obj.network is not network:
                raise CompNeuroError(f"{name!r} is in another network than "
                                     f"{next(iter(objects))!r}: one CompNeuroMonitors records "
                                     f"one network")
            objects[name], network = obj, obj.network
        dt = network.dt
        monitors, period_steps = {}, {}
        for name, spec in self._specs.items():
            period = spec.period if spec.period is not None else \
                (dt if spec.kind == "pop" else 1000.0 * dt)
            steps = int(round(period / dt))
            if steps < 1 or abs(steps * dt - period) > 1e-9 * max(1.0, period):
                raise CompNeuroError(f"monitor of {name!r}: period {period} ms is not a "
                                     f"positive multiple of dt = {dt} ms")
            monitors[name] = ann.Monitor(objects[name], list(spec.variables),
                                         period=steps * dt, start=False)
            period_steps[name] = steps
        self._monitors, self._objects, self._network = monitors, objects, network
        self._period_steps = period_steps

    def _step(self) -> int:
        return self._network.current_step if self._network is not None else 0

    def _names(self, compartment_list) -> list[str]:
        if compartment_list is None:
            return list(self._specs)
        unknown = [c for c in compartment_list if c not in self._specs]
        if unknown:
            raise CompNeuroError(f"not recorded by this CompNeuroMonitors: {unknown} "
                                 f"(it records {list(self._specs)})")
        return list(compartment_list)

    def _running(self, name) -> bool:
        periods = self._periods[name]
        return bool(periods) and periods[-1][1] is None

    # -- control -------------------------------------------------------------------
    def start(self, compartment_list=None):
        """Start or resume recording ``compartment_list`` (default: all).

        The first call creates the engine monitors. Starting a running
        compartment does nothing.
        """
        self._ensure_monitors()
        step = self._step()
        for name in self._names(compartment_list):
            if not self._running(name):
                self._monitors[name].start()
                self._periods[name].append([step, None])

    def pause(self, compartment_list=None):
        """Pause recording ``compartment_list`` (default: all); data is kept."""
        step = self._step()
        for name in self._names(compartment_list):
            if self._running(name):
                self._monitors[name].pause()
                period = self._periods[name][-1]
                period[1] = step
                if period[1] == period[0]:   # started and paused at once: no period
                    self._periods[name].pop()

    def current_chunk(self):
        """Index of the chunk being recorded, or None when nothing records."""
        if any(self._running(n) for n in self._specs):
            return len(self._chunks)
        return None

    def reset(self, populations=True, projections=False, synapses=False, monitors=True,
              model=True, parameters=True):
        """End the current chunk and, with ``model=True``, reset the network
        (time back to 0; what is reset as in ``Network.reset``).

        Compartments that were recording keep recording in the new chunk.
        ``parameters=False`` keeps the parameters of every population as they
        are now instead of returning them to their compile-time values.
        """
        self._end_chunk()
        running = [n for n in self._specs if self._running(n)]
        self._periods = {name: [] for name in self._specs}
        if model:
            net = self._network if self._network is not None else _resolve.active_network()
            kept = _parameters(net) if not parameters else None
            net.reset(populations=populations, projections=projections, monitors=monitors,
                      synapses=synapses)
            if kept is not None:
                _set_parameters(net, kept)
        step = self._step()
        for name in running:
            self._periods[name].append([step, None])

    # -- data ------------------------------------------------------------------
    def get_recordings(self) -> list[dict]:
        """One dict per chunk, the current one included (read without being
        emptied, so calling this twice gives the same data)."""
        out = list(self._chunks)
        if self._chunk_has_records():
            out.append(self._collect(keep=True))
        return out

    def get_recording_times(self) -> RecordingTimes:
        """The recording times of the chunks :meth:`get_recordings` returns."""
        times = list(self._chunk_times)
        if self._chunk_has_records():
            times.append(self._timings())
        return RecordingTimes(times)

    def get_recordings_and_clear(self):
        """``(recordings, recording_times)`` of all chunks, then forget them
        and pause every compartment: call :meth:`start` to record again (as
        CompNeuroPy; ``CompNeuroExp.results`` uses this so that each run of an
        experiment returns only its own chunks)."""
        self._end_chunk()
        for name in self._specs:
            if self._running(name):
                self._monitors[name].pause()
        result = (list(self._chunks), RecordingTimes(self._chunk_times))
        self._init_internals()
        return result

    # -- chunks ------------------------------------------------------------------
    def _end_chunk(self):
        """Move the records of the current chunk out of the engine monitors."""
        if self._chunk_has_records():
            self._chunk_times.append(self._timings())
            self._chunks.append(self._collect(keep=False))
        elif self._monitors:
            for mon in self._monitors.values():
                mon.get(keep=False)     # drop nothing-worth-keeping leftovers

    def _record_steps(self, name):
        """Per period of the current chunk: (first, last) recorded step, or
        None when the period made no record."""
        period_steps = self._period_steps.get(name, 1)
        now = self._step()
        out = []
        for a, b in self._periods[name]:
            b = now if b is None else b
            first = -(-a // period_steps) * period_steps
            last = ((b - 1) // period_steps) * period_steps
            out.append((first, last) if b > a and last >= first else None)
        return out, period_steps

    def _chunk_has_records(self) -> bool:
        return any(r is not None for name in self._specs for r in self._record_steps(name)[0])

    def _timings(self) -> dict:
        dt = self._network.dt
        decimals = max(0, int(np.ceil(-np.log10(dt))) + 3)
        table = {}
        for name in self._specs:
            steps, period = self._record_steps(name)
            start = {"ms": [], "idx": []}
            stop = {"ms": [], "idx": []}
            row = 0
            for lims in steps:
                if lims is None:
                    continue
                first, last = lims
                n = (last - first) // period + 1
                start["ms"].append(round(first * dt, decimals))
                stop["ms"].append(round(last * dt, decimals))
                start["idx"].append(row)
                stop["idx"].append(row + n - 1)
                row += n
            table[name] = {"start": start, "stop": stop}
        return table

    def _collect(self, keep: bool) -> dict:
        chunk = {}
        for name, spec in self._specs.items():
            mon, obj = self._monitors[name], self._objects[name]
            chunk[f"{name};period"] = self._period_steps[name] * self._network.dt
            params = {p: copy.deepcopy(getattr(obj, p)) for p in obj.parameters}
            # CompNeuroPy's keys: 'parameter_dict' for populations, 'parameters' for projections
            chunk[f"{name};{'parameter_dict' if spec.kind == 'pop' else 'parameters'}"] = params
            data = mon.get(list(spec.variables), keep=keep, reshape=False)  # CompNeuroPy: flat
            for var in spec.variables:
                chunk[f"{name};{var}"] = data[var]
        chunk["dt"] = self._network.dt
        return chunk


def _parameters(net) -> dict:
    return {(p.name, k): np.copy(getattr(p, k)) for p in net.get_populations()
            for k in p.parameters}


def _set_parameters(net, values: dict):
    for (pop_name, attr), value in values.items():
        setattr(net.get_population(pop_name), attr, value)
