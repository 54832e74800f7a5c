"""CompNeuroPy's simulation requirements: checks a :class:`CompNeuroSim`
runs before each run, so a protocol fails before it changes anything.

``CompNeuroSim(current_step, {"pop": "izh", ...}, requirements=[{"req":
ReqPopHasAttr, "pop": "simulation_kwargs.pop", "attr": "I_app"}])``: each
entry names a requirement class (``"req"``) and its arguments; an argument
written ``"simulation_kwargs.<name>"`` takes the value of the run's keyword
argument ``<name>`` (``"simulation_kwargs.model.populations"`` then reads
attributes of it: plain attribute access, nothing is evaluated), and
``"simulation_kwargs"`` alone passes all of them. A requirement is any class
whose ``run()`` raises when it is not met.
"""

from __future__ import annotations

from workbench.compneuro import _resolve
from workbench.compneuro.errors import CompNeuroError

__all__ = ["ReqPopHasAttr", "check_requirement_list", "check_requirements", "req_pop_attr"]

_PREFIX = "simulation_kwargs"


class ReqPopHasAttr:
    """Population(s) ``pop`` (names) have the attribute(s) ``attr``
    (parameters or variables)."""

    def __init__(self, pop, attr):
        self.pop_name_list = pop if isinstance(pop, list) else [pop]
        self.attr_name_list = attr if isinstance(attr, list) else [attr]

    def run(self):
        """Raises CompNeuroError (a ValueError, as CompNeuroPy's) naming
        the population and the attribute it lacks."""
        for attr in self.attr_name_list:
            for name in self.pop_name_list:
                _resolve.require_attribute(_resolve.population(name), attr, "ReqPopHasAttr")


#: CompNeuroPy's older name
req_pop_attr = ReqPopHasAttr


def _resolved(value, kwargs: dict, sim_name: str):
    if not (isinstance(value, str) and value.split(".")[0] == _PREFIX):
        return value
    parts = value.split(".")
    if len(parts) == 1:
        return kwargs
    if parts[1] not in kwargs:
        raise CompNeuroError(f"{sim_name}: a requirement reads {value!r}, but the run has no "
                             f"keyword argument {parts[1]!r} (it has: "
                             f"{', '.join(kwargs) or 'none'})")
    obj = kwargs[parts[1]]
    for attr in parts[2:]:
        if attr.startswith("_") or not hasattr(obj, attr):
            raise CompNeuroError(f"{sim_name}: a requirement reads {value!r}: "
                                 f"{type(obj).__name__} has no attribute {attr!r}")
        obj = getattr(obj, attr)
    return obj


def check_requirements(requirements: list, kwargs: dict, sim_name: str) -> None:
    """Run each requirement with its arguments taken from ``kwargs`` where
    they refer to them (CompNeuroPy's ``_test_req``)."""
    for entry in requirements:
        args = {k: v for k, v in entry.items() if k != "req"}
        if any(v == _PREFIX for v in args.values()):
            args = dict(kwargs)                      # CompNeuroPy: all the run's kwargs
        else:
            args = {k: _resolved(v, kwargs, sim_name) for k, v in args.items()}
        entry["req"](**args).run()


def check_requirement_list(requirements, sim_name: str) -> list:
    """``requirements`` as a list of dicts with a ``"req"`` class, or None."""
    if requirements is None:
        return []
    if not isinstance(requirements, (list, tuple)) or not all(
            isinstance(r, dict) and callable(r.get("req")) for r in requirements):
        raise CompNeuroError(f"{sim_name}: requirements is a list of dicts such as "
                             f"{{'req': ReqPopHasAttr, 'pop': 'izh', 'attr': 'I_app'}}, "
                             f"got {requirements!r}")
    return list(requirements)
