"""CompNeuroPy's ``CompNeuroSim``: a named, repeatable simulation protocol.

A protocol is any function that changes inputs and simulates (see
:mod:`workbench.compneuro.protocols`). Wrapping it keeps, for every run, the
start and end time, the keyword arguments used, what the function returned
and the monitor chunk it was recorded in -- the bookkeeping an analysis or an
optimiser needs to cut recordings into trials afterwards.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import engine as ann
from workbench.compneuro.errors import CompNeuroError
from workbench.compneuro.requirements import check_requirement_list, check_requirements

__all__ = ["CompNeuroSim", "SimInfo"]


@dataclass
class SimInfo:
    """What :meth:`CompNeuroSim.simulation_info` reports (CompNeuroPy's fields).

    Attributes
    ----------
    name, description : str
    simulation_function : str
        Name of the wrapped function.
    simulation_kwargs : dict or None
        The default keyword arguments given at construction.
    start, end : list of float
        Network time (ms) at the start and end of each run.
    info : list
        What the function returned, per run.
    kwargs : list of dict
        The keyword arguments of each run (defaults merged with overrides).
    monitor_chunk : list or None
        Chunk of the monitor object each run recorded into (None if it was
        not recording); None without a monitor object.
    """

    name: str
    description: str
    simulation_function: str
    simulation_kwargs: dict | None
    start: list = field(default_factory=list)
    end: list = field(default_factory=list)
    info: list = field(default_factory=list)
    kwargs: list = field(default_factory=list)
    monitor_chunk: list | None = None


class CompNeuroSim:
    """A simulation function with default arguments and a run log.

    Parameters
    ----------
    simulation_function : callable
        Simulates when called with the keyword arguments.
    simulation_kwargs : dict, optional
        Default keyword arguments; :meth:`run` may override some of them.
    name, description : str
        For the log; the default name ``"simulation"`` becomes
        ``"simulation<N>"`` with N counting the objects made so far, as in
        CompNeuroPy.
    requirements : list of dict, optional
        Checks run at construction and before each run, e.g.
        ``[{"req": ReqPopHasAttr, "pop": "simulation_kwargs.pop", "attr": "I_app"}]``
        (:mod:`workbench.compneuro.requirements`).
    kwargs_warning : bool
        Print a warning (once) when a run changes the kwargs while
        requirements are set, as CompNeuroPy does.
    monitor_object : CompNeuroMonitors, optional
        Its current chunk is logged for every run.

    Raises
    ------
    CompNeuroError
        If ``simulation_function`` is not callable or ``simulation_kwargs``
        not a dict.
    """

    _count = 0

    def __init__(self, simulation_function, simulation_kwargs=None, name="simulation",
                 description="", requirements=None, kwargs_warning=False,
                 monitor_object=None):
        if not callable(simulation_function):
            raise CompNeuroError(f"simulation_function must be callable, got "
                                 f"{type(simulation_function).__name__}")
        if simulation_kwargs is not None and not isinstance(simulation_kwargs, dict):
            raise CompNeuroError(f"simulation_kwargs must be a dict or None, got "
                                 f"{type(simulation_kwargs).__name__}")
        self.name = f"{name}{CompNeuroSim._count}" if name == "simulation" else name
        CompNeuroSim._count += 1
        self.description = description
        self.simulation_function = simulation_function
        self.simulation_kwargs = simulation_kwargs
        self.kwargs_warning = kwargs_warning
        self.monitor_object = monitor_object
        self.start: list[float] = []
        self.end: list[float] = []
        self.info: list = []
        self.kwargs: list[dict] = []
        self.monitor_chunk = [] if monitor_object is not None else None
        self.requirements = check_requirement_list(requirements, self.name)
        self._warned = not kwargs_warning
        check_requirements(self.requirements, dict(simulation_kwargs or {}), self.name)

    def _now(self) -> float:
        """Time of the network being simulated: the monitors' network when
        known (it may not be the active one), else the active network's."""
        net = getattr(self.monitor_object, "_network", None)
        return net.time if net is not None else ann.get_time()

    def run(self, simulation_kwargs=None):
        """Run once with the default kwargs updated by ``simulation_kwargs``.

        Returns what the simulation function returned (CompNeuroPy returns
        None; the value is also logged in :meth:`simulation_info`).
        """
        if simulation_kwargs is not None and not isinstance(simulation_kwargs, dict):
            raise CompNeuroError(f"{self.name}.run: simulation_kwargs must be a dict or None, "
                                 f"got {type(simulation_kwargs).__name__}")
        kwargs = dict(self.simulation_kwargs or {})
        kwargs.update(simulation_kwargs or {})
        if simulation_kwargs and self.requirements and not self._warned:
            print(f"\nWARNING! run {self.name} changed simulation kwargs, initial requirements "
                  f"may no longer be fulfilled!\n")
            self._warned = True
        check_requirements(self.requirements, kwargs, self.name)
        chunk = self.monitor_object.current_chunk() if self.monitor_object is not None else None
        start = self._now()
        result = self.simulation_function(**kwargs)
        # logged only once the run succeeded, so the lists stay aligned
        self.kwargs.append(kwargs)
        if self.monitor_object is not None:
            self.monitor_chunk.append(chunk)
        self.start.append(start)
        self.end.append(self._now())
        self.info.append(result)
        return result

    def simulation_info(self) -> SimInfo:
        """A snapshot of the log (later runs do not change it)."""
        return SimInfo(
            name=self.name, description=self.description,
            simulation_function=getattr(self.simulation_function, "__name__",
                                        repr(self.simulation_function)),
            simulation_kwargs=copy.deepcopy(self.simulation_kwargs),
            start=list(self.start), end=list(self.end), info=list(self.info),
            kwargs=[dict(k) for k in self.kwargs],
            monitor_chunk=None if self.monitor_chunk is None else list(self.monitor_chunk),
        )
