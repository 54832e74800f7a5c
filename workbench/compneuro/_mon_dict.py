"""Read a CompNeuroPy monitor dictionary into one spec per compartment.

Two spellings are accepted, and may be mixed:

* CompNeuroPy's own: ``{"pop;name": ["v", "spike"], "pop;name;2.0": [...],
  "proj;name": ["w"]}`` -- key ``kind;compartment[;period_ms]``, value the
  list of variables. A bare ``{"name": ["v"]}`` means a population.
* one key per variable: ``{"name;v": 2.0, "name;spike": None}`` -- value the
  recording period in ms (``None``: every step).

Either way one engine monitor is made per compartment, so all variables of a
compartment share one period: an entry without a period (``None``, e.g.
``"name;spike": None``) takes the one given elsewhere, and two different
periods for one compartment are an error rather than a silent choice. Spikes
are recorded at every step whatever the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Real

from workbench.compneuro.errors import CompNeuroError

__all__ = ["CompartmentSpec", "parse_mon_dict"]

_KINDS = ("pop", "proj")


@dataclass
class CompartmentSpec:
    """What to record of one population or projection."""

    name: str
    kind: str = "pop"
    period: float | None = None       # ms; None: the default (dt, or 1000*dt for projections)
    variables: list[str] = field(default_factory=list)


def _period(value, key):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real) or not value > 0:
        raise CompNeuroError(f"monitor key {key!r}: the period must be a number of ms > 0 "
                             f"or None, got {value!r}")
    return float(value)


def _merge(specs: dict, name, kind, period, variables, key):
    spec = specs.setdefault(name, CompartmentSpec(name, kind, period))
    if spec.kind != kind:
        raise CompNeuroError(f"monitor key {key!r}: {name!r} is used both as a population "
                             f"and as a projection")
    if spec.period is None:
        spec.period = period          # None means "no preference": any given period wins
    elif period is not None and abs(spec.period - period) > 1e-12:
        raise CompNeuroError(
            f"monitor key {key!r}: {name!r} is recorded with two periods "
            f"({spec.period} and {period} ms); one monitor per compartment has one period")
    for v in variables:
        if not isinstance(v, str) or not v:
            raise CompNeuroError(f"monitor key {key!r}: variable names must be strings, got {v!r}")
        if v in spec.variables:
            raise CompNeuroError(f"monitor key {key!r}: {name};{v} is recorded twice")
        spec.variables.append(v)


def parse_mon_dict(mon_dict) -> dict[str, CompartmentSpec]:
    """``{compartment name: CompartmentSpec}`` in the order of ``mon_dict``.

    Raises
    ------
    CompNeuroError
        For a key of neither spelling, a bad period, a variable recorded twice
        or a compartment given two periods, e.g. ``{"pop;p": "v"}`` (the
        variables must be a list) or ``{"p;v": -1}``.
    """
    if mon_dict is None:
        return {}
    if not isinstance(mon_dict, dict):
        raise CompNeuroError(f"mon_dict must be a dict, got {type(mon_dict).__name__}")
    specs: dict[str, CompartmentSpec] = {}
    for key, value in mon_dict.items():
        if not isinstance(key, str) or not key:
            raise CompNeuroError(f"monitor keys are strings, got {key!r}")
        parts = key.split(";")
        if isinstance(value, (list, tuple)):
            if len(parts) == 1:
                kind, name, period = "pop", parts[0], None
            elif parts[0] in _KINDS and len(parts) in (2, 3):
                kind, name = parts[0], parts[1]
                period = None
                if len(parts) == 3:
                    try:
                        period = float(parts[2])
                    except ValueError:
                        raise CompNeuroError(
                            f"monitor key {key!r}: the period {parts[2]!r} is not a number "
                            f"of ms") from None
                    period = _period(period, key)
            else:
                raise CompNeuroError(
                    f"monitor key {key!r}: with a list of variables the key is "
                    f"'pop;name', 'pop;name;period_ms', 'proj;name' or 'name'")
            _merge(specs, name, kind, period, list(value), key)
        else:
            if len(parts) != 2 or not all(parts):
                raise CompNeuroError(
                    f"monitor key {key!r}: with a period (or None) as value the key is "
                    f"'population_name;variable', e.g. 'pop0;v'; to record several "
                    f"variables give {{'pop;name': ['v', 'spike']}}")
            _merge(specs, parts[0], "pop", _period(value, key), [parts[1]], key)
    for spec in specs.values():
        if not spec.variables:
            raise CompNeuroError(f"monitor entry for {spec.name!r} lists no variables")
    return specs
