"""The declarations a model is written with, before it is a model.

ANNarchy 5's ``Parameter``/``Variable`` (text front end) and the class
syntax's ``Value``/``Array``/``Weight`` placeholders. A leaf module: both
front ends (:mod:`engine.language.strings`, :mod:`engine.language.classes`)
read these, and :mod:`engine.language.models` builds on both, so the
declarations cannot live there without a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.errors import ModelError

__all__ = ["Parameter", "Variable", "Value", "Array", "Weight"]


# --- ANNarchy 5 dataclasses ----------------------------------------------------

@dataclass
class Parameter:
    """A parameter in the ANNarchy 5 ``parameters=dict(...)`` form.

    ``locality`` is ``'global'`` (one value per population; the default, as in
    ANNarchy 5), ``'local'`` (one per neuron or synapse) or ``'semiglobal'``
    (one per post-synaptic neuron, synapses only). ``value`` may be a number,
    a bool or a random distribution (sampled when the population is created).
    """

    value: Any
    locality: str = "global"
    type: Any = "float"


@dataclass
class Variable:
    """An equation with its flags in the ANNarchy 5 ``equations=[...]`` form.

    ``Variable("tau * dv/dt = -v", init=-65.0, min=-90.0, method='exponential')``
    """

    equation: str
    init: Any = None
    min: Any = None
    max: Any = None
    method: str | None = None
    type: Any = "float"
    locality: str = "local"
    flags: tuple = field(default_factory=tuple)


# --- class-based API placeholders (the prototype's Value/Array) -----------------

class _Attribute:
    """A declared attribute of a class-based model (before instantiation)."""

    locality = "local"

    def __init__(self, init=0.0, dtype="float", *, min=None, max=None, method=None,
                 kind=None, flags=()):
        self.init = init
        self.dtype = _dtype_name(dtype)
        self.min = min
        self.max = max
        self.method = method
        self.kind = kind  # None: inferred (assigned by an equation -> variable)
        self.flags = tuple(flags)

    def __repr__(self):
        return f"{type(self).__name__}({self.init!r})"


class Value(_Attribute):
    """One value for the whole population (``locality='global'``)."""

    locality = "global"


class Array(_Attribute):
    """One value per neuron (or per synapse)."""

    locality = "local"


class Weight(Array):
    """The synaptic weight ``w`` of a class-based synapse."""


def _dtype_name(dtype) -> str:
    import numpy as np

    if dtype in ("float", "int", "bool"):
        return dtype
    if dtype in (float, np.float32, np.float64):
        return "float"
    if dtype in (int, np.int32, np.int64):
        return "int"
    if dtype in (bool, np.bool_):
        return "bool"
    raise ModelError(f"unsupported dtype {dtype!r}: use float, int or bool")
