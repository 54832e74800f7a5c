"""The text front end's declarations while a model is read: parameters and
variables (:class:`_Decl`), statements between the two passes, Python values
of the 5.x form, and the names a block sees (:class:`_ModelScope`). See
:mod:`engine.language.strings`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import sympy as sp

from engine.errors import ModelError
from engine.language.checks import Problem, unknown_name_hint
from engine.language.constants import is_constant_name
from engine.language.declarations import _dtype_name
from engine.language.expressions import LARGEST, Prepared, Scope, UserFunction
from engine.language.ir import SourceRef, VariableSpec
from engine.language.lines import Line, Segment
from engine.language.random_draws import RandomDistribution
from engine.language.symbols import (
    CONDUCTANCE, DT, LAST_SPIKE_TIME, T, global_op_symbol, post_symbol, pre_symbol, sum_symbol,
    symbol,
)

_CONDUCTANCE = CONDUCTANCE
_G_TARGET = "g_target"


@dataclass
class _Decl:
    """A parameter or variable while the model is being read (mutable)."""

    name: str
    kind: str
    source: SourceRef
    locality: str = "local"
    dtype: str = "float"
    init: sp.Basic | None = None
    min: sp.Basic | None = None
    max: sp.Basic | None = None
    defined_by: str | None = None  # 'ode', 'assign' or 'increment' (equations block)
    defined_line: int | None = None
    given: set = field(default_factory=set)  # flags already given (duplicates)

    def spec(self) -> VariableSpec:
        init = sp.Float(0.0) if self.init is None else self.init
        return VariableSpec(name=self.name, kind=self.kind, locality=self.locality,
                            dtype=self.dtype, init=init, min=self.min, max=self.max,
                            source=self.source)


@dataclass
class _Statement:
    """A statement of the equations block between the two passes."""

    line: Line
    block: str
    target: str
    kind: str  # 'ode' or 'assign'
    op: str
    lhs: Segment
    rhs: Segment
    lhs_prepared: Prepared | None
    method: str | None = None
    flags: frozenset = frozenset()


def _python_value(value) -> sp.Basic:
    """A Python value of the 5.x form (number, bool, distribution) as sympy.

    Distribution objects must hold plain numbers: their conversion must
    never see text.
    """
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, numbers.Integral):
        value = int(value)
        try:
            float(value)
        except OverflowError:
            raise Problem("number too large",
                          f"numbers must stay within the range of a double (at most "
                          f"{LARGEST!r} in magnitude)") from None
        return sp.Integer(value)
    if isinstance(value, numbers.Real):
        try:
            value = float(value)
        except OverflowError:
            raise Problem("number too large") from None
        if not math.isfinite(value):   # every finite double is fine (NEST's -DBL_MAX)
            raise Problem(f"{value} is not a finite number")
        return sp.Float(value)
    if isinstance(value, RandomDistribution):
        if not all(isinstance(p, numbers.Real) and not isinstance(p, bool)
                   for p in value.params):
            raise Problem(f"{value!r}: distribution parameters must be numbers here",
                          "write the draw as text, e.g. 'Uniform(0.0, v_max)'")
        return value._sympy_()
    if isinstance(value, sp.Number) and value.is_finite:
        return value
    raise Problem(f"unsupported value {value!r}",
                  "use a number, a random distribution or an expression string")


def _dtype(value) -> str:
    try:
        return _dtype_name(value)
    except ModelError as exc:
        raise Problem(str(exc)) from None


#: ANNarchy's built-in last-spike times, not available yet: how to do without them
_LAST_SPIKE_TIMES = {
    "t_pre": "t_pre (the last spike time of the pre-synaptic neuron) exists in synapse "
             "equations and events only",
    "t_post": "t_post (the last spike time of the post-synaptic neuron) exists in synapse "
              "equations and events only",
    "t_last": "ANNarchy's t_last (last spike time of the neuron) is not supported yet; keep "
              "it in a variable: 't_last = t_last : init=-1e9' in equations and "
              "'t_last = t : unless_refractory' in reset",
}


class _ModelScope(Scope):
    """Names as seen from one block of the model being built.

    ``mode='value'``: parameter values, ``init``/``min``/``max`` and the
    refractory period may use numbers, parameters and network constants.
    ``mode='equation'``: everything the model knows.
    """

    def __init__(self, builder, block: str, mode: str = "equation",
                 draws: bool = True, what: str = ""):
        self.b = builder
        self.block = block
        self.mode = mode
        self.allow_draws = draws
        self.what = what or block

    def name(self, name: str) -> sp.Basic:
        b = self.b
        value_mode = self.mode == "value"
        if name in ("t", "dt"):
            if value_mode:
                raise Problem(f"'{name}' cannot be used in {self.what}",
                              f"{self.what} may only use numbers and parameters")
            return T if name == "t" else DT
        decl = b.lookup(name)
        if decl is not None:
            if value_mode and decl.kind != "parameter":
                raise Problem(f"'{name}' is a variable and cannot be used in {self.what}",
                              f"{self.what} may only use numbers and parameters")
            return symbol(name)
        if name == "pi":  # the number, unless the model declares its own 'pi'
            return sp.pi
        if name == _G_TARGET and self.block in ("pre_spike", "post_spike"):
            return symbol(name)
        if not value_mode and b.spiking_neuron and _CONDUCTANCE.match(name):
            return b.conductance(name, self.block)
        if name == "r" and not value_mode and b.spiking_neuron and b.kind == "neuron":
            return b.firing_rate(self.block)
        if is_constant_name(name):
            b.constants.add(name)
            return symbol(name)
        if name in ("t_pre", "t_post") and b.kind == "synapse" and not value_mode:
            # ANNarchy's last spike times of the pre-/post-synaptic neuron (ms)
            return (pre_symbol if name == "t_pre" else post_symbol)(LAST_SPIKE_TIME)
        raise Problem(f"unknown name '{name}'", self.unknown_hint(name))

    def unknown_hint(self, name: str) -> str:
        """The hint of an unknown name, knowing what the model has."""
        b = self.b
        if name[:1] == "d" and b.lookup(name[1:]) is not None:
            return f"derivatives can only be written on the left-hand side: d{name[1:]}/dt = ..."
        if name in ("pre", "post"):
            return f"write {name}.<name>, e.g. {name}.r"
        if name == "sum":
            return "write sum(<target>), e.g. sum(exc)"
        if name in _LAST_SPIKE_TIMES:
            return _LAST_SPIKE_TIMES[name]
        if _CONDUCTANCE.match(name) and b.kind == "neuron" and not b.spiking_neuron:
            return "conductances g_<target> exist only in spiking neurons; use sum(<target>)"
        return unknown_name_hint(name, self.known_names())

    def known_names(self) -> list[str]:
        names = [n for n, d in self.b.all_decls() if self.mode != "value"
                 or d.kind == "parameter"]
        return names + ([] if self.mode == "value" else ["t", "dt"])

    def attribute(self, owner: str, attr: str) -> sp.Basic:
        if self.b.kind != "synapse":
            raise Problem(f"'{owner}.{attr}': pre. and post. are only available in synapses",
                          "a neuron reads its inputs with sum(<target>) or g_<target>")
        if self.mode == "value":
            raise Problem(f"'{owner}.{attr}' cannot be used in {self.what}")
        return pre_symbol(attr) if owner == "pre" else post_symbol(attr)

    def sum(self, target: str) -> sp.Basic:
        if self.b.kind != "neuron" or self.mode == "value":
            raise Problem(f"sum() cannot be used in {self.what}"
                          + (" of a synapse" if self.b.kind == "synapse" else ""),
                          "sum(target) is the weighted input of a neuron's equations")
        self.b.targets.add(target)
        return sum_symbol(target)

    def global_op(self, op: str, side: str, name: str) -> sp.Basic:
        b = self.b
        if self.mode == "value" or self.block not in ("equations", "psp", "pre_spike",
                                                       "post_spike", "spike", "reset"):
            raise Problem(f"{op}() cannot be used in {self.what}",
                          f"{op}(<variable>) is a value over the population, for equations")
        if b.kind == "synapse":
            if not side:
                raise Problem(f"{op}({name}): in a synapse, say which population",
                              f"write {op}(pre.{name}) or {op}(post.{name})")
            return global_op_symbol(op, name, side)
        if side:
            raise Problem(f"'{side}.{name}': pre. and post. are only available in synapses",
                          f"a neuron's {op}() is over its own population: {op}({name})")
        decl = b.lookup(name)
        if decl is None:
            raise Problem(f"{op}({name}): unknown name '{name}'",
                          unknown_name_hint(name, [n for n, _ in b.all_decls()]))
        return global_op_symbol(op, name)

    def draw(self) -> int:
        if not self.allow_draws:
            raise Problem(f"random draws are not allowed in {self.what}")
        return next(self.b.draws)

    def user_function(self, name: str) -> UserFunction | None:
        return self.b.functions.get(name)

    def function_names(self) -> list[str]:
        return super().function_names() + list(self.b.functions)
