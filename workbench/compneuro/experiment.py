"""CompNeuroPy's ``CompNeuroExp``: simulations + recordings as one experiment.

Subclass it and write ``run()``; call :meth:`CompNeuroExp.reset` between
parts that must start from the same state (each reset starts a new
recording chunk) and return :meth:`CompNeuroExp.results` at the end.

Values that must survive every reset
------------------------------------
A reset returns the network to its compile-time state. Two ways keep
chosen values instead (OptNeuron needs this: it sets the fitted parameters,
then the experiment resets between its trials):

* :meth:`CompNeuroExp.store_model_state` (CompNeuroPy's): snapshot every
  attribute of the named populations now; each reset restores it.
* :meth:`CompNeuroExp.keep_values` (ours): ``{(population_name, attribute):
  value}``, stored in ``exp._keep_values`` and written after every reset
  (after the stored model state, so it wins). Cheaper than a snapshot and
  explicit about what is kept, e.g. ``exp.keep_values({("pop", "a"): 0.8})``.

With ``parameters=False`` neither touches parameters: they stay as they were
before the reset.
"""

from __future__ import annotations

from copy import deepcopy

import numpy as np

from workbench.compneuro import _resolve
from workbench.compneuro.errors import CompNeuroError
from workbench.compneuro.monitors import CompNeuroMonitors
from workbench.compneuro.recording_times import RecordingTimes

__all__ = ["CompNeuroExp"]


class CompNeuroExp:
    """Base class of an experiment; subclasses implement :meth:`run`.

    Parameters
    ----------
    monitors : CompNeuroMonitors, optional
        The recordings of the experiment.

    Attributes
    ----------
    monitors : CompNeuroMonitors or None
    data : dict
        Free-form data of the run, copied into the results.
    """

    def __init__(self, monitors: CompNeuroMonitors | None = None):
        if monitors is not None and not isinstance(monitors, CompNeuroMonitors):
            raise CompNeuroError(f"monitors must be a CompNeuroMonitors or None, got "
                                 f"{type(monitors).__name__}")
        self.monitors = monitors
        self.data: dict = {}
        self._model_state: dict | None = None
        self._keep_values: dict = {}

    # -- values kept across resets ------------------------------------------
    def store_model_state(self, compartment_list):
        """Snapshot all attributes of the populations named in
        ``compartment_list``; later resets return them to this snapshot
        instead of the compile-time state."""
        state = {}
        for name in compartment_list:
            pop = _resolve.population(name)
            for attr in pop.attributes:
                state[(pop.name, attr)] = np.copy(getattr(pop, attr))
        self._model_state = state

    def reset_model_state(self):
        """Forget the snapshot of :meth:`store_model_state`."""
        self._model_state = None

    def keep_values(self, values: dict):
        """Add ``{(population_name, attribute): value}`` to the values written
        after every reset (see the module docstring).

        Raises
        ------
        CompNeuroError
            If a key is not a (population name, attribute) pair of an
            existing population and attribute.
        """
        for key in values:
            if not (isinstance(key, tuple) and len(key) == 2):
                raise CompNeuroError(f"keep_values: keys are (population_name, attribute) "
                                     f"pairs, got {key!r}")
            pop = _resolve.population(key[0])
            _resolve.require_attribute(pop, key[1], "keep_values")
        self._keep_values.update(values)

    def _apply(self, values: dict, parameters: bool):
        for (pop_name, attr), value in values.items():
            pop = _resolve.population(pop_name)
            if not parameters and attr in pop.parameters:
                continue
            setattr(pop, attr, value)

    # -- reset / results ----------------------------------------------------
    def reset(self, populations=True, projections=False, synapses=False, model=True,
              model_state=True, parameters=True):
        """Reset the network and start a new recording chunk.

        Parameters
        ----------
        populations, projections, synapses : bool
            What the network reset restores (as ``Network.reset``).
        model : bool
            False: only start a new chunk; the network is left as it is.
        model_state : bool
            Restore the :meth:`store_model_state` snapshot after the reset.
        parameters : bool
            False: parameters keep their current values through the reset.
        """
        if self.monitors is not None:
            self.monitors.reset(populations=populations, projections=projections,
                                synapses=synapses, monitors=True, model=model,
                                parameters=parameters)
        elif model:
            net = _resolve.active_network()
            kept = {(p.name, k): np.copy(getattr(p, k)) for p in net.get_populations()
                    for k in p.parameters} if not parameters else {}
            net.reset(populations=populations, projections=projections, monitors=True,
                      synapses=synapses)
            self._apply(kept, parameters=True)
        if model:
            if model_state and self._model_state is not None:
                self._apply(self._model_state, parameters)
            self._apply(self._keep_values, parameters)

    def results(self) -> "CompNeuroExp._ResultsCl":
        """The results of this run; empties the monitors' chunks, so the next
        run of the experiment returns only its own (the network itself is
        not reset: call :meth:`reset` at the start of ``run`` for that)."""
        obj = self._ResultsCl()
        if self.monitors is not None:
            obj.recordings, obj.recording_times = self.monitors.get_recordings_and_clear()
            obj.mon_dict = self.monitors.mon_dict
        else:
            obj.recordings, obj.recording_times, obj.mon_dict = [], RecordingTimes([]), {}
        obj.data = deepcopy(self.data)
        return obj

    class _ResultsCl:
        """Results of one run of an experiment.

        Attributes
        ----------
        recordings : list of dict
            One dict per chunk (see :mod:`workbench.compneuro.monitors`).
        recording_times : RecordingTimes
        mon_dict : dict
            The monitors' ``mon_dict``.
        data : dict
            A deep copy of the experiment's ``data``.
        """

        def __init__(self):
            self.recordings: list = []
            self.recording_times: RecordingTimes = RecordingTimes([])
            self.mon_dict: dict = {}
            self.data: dict = {}

    def run(self, *args, **kwargs) -> "CompNeuroExp._ResultsCl":
        """The experiment itself: to be written in a subclass."""
        raise NotImplementedError(
            f"{type(self).__name__}.run() is not implemented: subclass CompNeuroExp and "
            f"write a run() that starts the monitors, simulates (e.g. with CompNeuroSim), "
            f"calls self.reset() between parts and returns self.results()")
