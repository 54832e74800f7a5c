"""Read a CompNeuroPy monitor dictionary into one spec per compartment.

Three spellings are accepted, and may be mixed:

* CompNeuroPy 1.0's: ``{"name": ["v", "spike"], "name;2.0": [...]}`` -- key
  ``compartment[;period_ms]``, value the list of variables; whether the
  compartment is a population or a projection is found by its name when the
  monitors are made.
* CompNeuroPy 0.x's: ``{"pop;name": [...], "pop;name;2.0": [...],
  "proj;name": ["w"]}`` -- the kind written in the key. A two-part key whose
  second part is a number is 1.0's ``name;period``: ``"pop;2"`` records the
  compartment ``pop`` every 2 ms.
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
    kind: str | None = None           # "pop", "proj", or None: found by name
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
    if spec.kind is None:
        spec.kind = kind
    elif kind is not None and spec.kind != kind:
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


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def _list_key(parts: list[str], key: str):
    """``(kind or None, compartment, period or None)`` of a key whose value
    is a list of variables."""
    if all(parts) and len(parts) == 1:
        return None, parts[0], None
    if all(parts) and len(parts) == 2 and _number(parts[1]) is not None:
        return None, parts[0], _period(_number(parts[1]), key)        # CompNeuroPy 1.0
    if all(parts) and parts[0] in _KINDS and len(parts) in (2, 3):     # CompNeuroPy 0.x
        period = None
        if len(parts) == 3:
            if _number(parts[2]) is None:
                raise CompNeuroError(f"monitor key {key!r}: the period {parts[2]!r} is not "
                                     f"a number of ms")
            period = _period(_number(parts[2]), key)
        return parts[0], parts[1], period
    raise CompNeuroError(
        f"monitor key {key!r}: with a list of variables the key is 'name' or "
        f"'name;period_ms' (a population or projection of that name), or "
        f"'pop;name', 'pop;name;period_ms', 'proj;name'")


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
            kind, name, period = _list_key(parts, key)
            _merge(specs, name, kind, period, list(value), key)
        else:
            if len(parts) != 2 or not all(parts):
                raise CompNeuroError(
                    f"monitor key {key!r}: with a period (or None) as value the key is "
                    f"'compartment;variable', e.g. 'pop0;v'; to record several "
                    f"variables give {{'pop0': ['v', 'spike']}}")
            _merge(specs, parts[0], None, _period(value, key), [parts[1]], key)
    for spec in specs.values():
        if not spec.variables:
            raise CompNeuroError(f"monitor entry for {spec.name!r} lists no variables")
    return specs
