"""NESTML expressions as model-language text.

An expression is printed in a context (:class:`_Env`) that says what it may
read and how it reads: NESTML's ``t``, the values of a Runge-Kutta stage, the
arguments inside an engine function, the initial values in a parameter's
default. Units become factors (:mod:`workbench.nest.nestml.units`), functions
the engine lacks are written out (``floor`` with ``modulo``), and NESTML
functions are inlined where they are called.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from workbench.nest.nestml.errors import _Unsupported
from workbench.nest.nestml.printing import (
    _ADD, _AND, _ATOM, _CMP, _INF, _MUL, _NOT, _OR, _POW, _UNARY, _factor, _floor, _num, _wrap)
from workbench.nest.nestml.units import unit_factor

#: NESTML functions written the same way in the engine's language (name -> arity)
_SAME_FUNCTIONS = {"exp": 1, "sin": 1, "cos": 1, "tan": 1, "tanh": 1, "abs": 1, "min": 2,
                   "max": 2, "clip": 3}


@dataclass
class _Env:
    """How names read in one context: time, what is allowed, stage values."""

    what: str  # for messages: 'a parameter value', 'an ODE', ...
    time: str | None = None  # text of NESTML's t; None: t not allowed
    dt: bool = True  # resolution()/timestep() allowed
    dt_text: str = "dt"  # and how they read
    body: bool = False  # the body of an engine function: names read as its arguments
    state: bool = True  # state and local variables allowed
    internals: bool = True  # internals allowed (as the step's values)
    ports: bool = True  # spike ports allowed
    random: bool = True
    init: bool = False  # initial values: internals and state read as their expressions
    stage: float = 0.0  # kernels: offset of the stage, in steps
    h_text: str = "0"  # the same, in ms (text)
    cache: bool = False  # kernel values: one helper per stage offset, shared in the step
    delta: str | None = None  # value of convolve(delta kernel, port); None: not allowed
    overrides: dict = field(default_factory=dict)  # nestml key -> text
    args: dict = field(default_factory=dict)  # function arguments -> text


class _Expressions:
    """The expression printer of :class:`~workbench.nest.nestml.translator._Translator`."""

    _last_prec = _ATOM

    def number(self, node, env: _Env) -> str:
        text, _, prec = self._x(node, env, number=True)
        self._last_prec = prec
        return text

    def boolean(self, node, env: _Env) -> str:
        return self._bool(node, env)[0]

    def _bool(self, node, env: _Env) -> tuple[str, int]:
        text, kind, prec = self._x(node, env)
        if kind == "bool":
            return text, prec
        return f"{_wrap(text, prec, _CMP + 1)} != 0", _CMP

    def _x(self, node, env: _Env, number: bool = False) -> tuple[str, str, int]:
        """(text, 'num' or 'bool', precedence) of a NESTML expression;
        ``number``: a condition becomes ``if c then 1 else 0``."""
        text, kind, prec = self._x_(node, env)
        if number and kind == "bool":
            return f"(if {text} then 1 else 0)", "num", _ATOM
        return text, kind, prec

    def _x_(self, node, env: _Env) -> tuple[str, str, int]:
        kind = type(node).__name__
        if kind == "ASTSimpleExpression":
            return self._simple(node, env)
        if node.is_encapsulated:
            return self._x_(node.get_expression(), env)
        if node.is_logical_not:
            text, prec = self._bool(node.get_expression(), env)
            return f"not {_wrap(text, prec, _NOT)}", "bool", _NOT
        if node.is_unary_operator():
            op = node.get_unary_operator()
            text, _, prec = self._x(node.get_expression(), env, number=True)
            if op.is_unary_minus:
                return f"-{_wrap(text, prec, _UNARY)}", "num", _UNARY
            if op.is_unary_plus:
                return text, "num", prec
            raise _Unsupported(node, "the bitwise operator '~' is not supported")
        if node.is_ternary_operator():
            c = self.boolean(node.get_condition(), env)
            return (f"(if {c} then {self.number(node.get_if_true(), env)} else "
                    f"{self.number(node.get_if_not(), env)})"), "num", _ATOM
        if node.is_compound_expression():
            op = node.get_binary_operator()
            op_kind = type(op).__name__
            if op_kind == "ASTArithmeticOperator":
                a, _, pa = self._x(node.get_lhs(), env, number=True)
                b, _, pb = self._x(node.get_rhs(), env, number=True)
                if op.is_pow_op:
                    return f"{_wrap(a, pa, _ATOM)}**{_wrap(b, pb, _UNARY)}", "num", _POW
                if (op.is_times_op or op.is_div_op) and b == "1":  # x * mV, x / mV
                    return a, "num", pa
                if op.is_times_op and a == "1":
                    return b, "num", pb
                for flag, sym, p in (("is_plus_op", " + ", _ADD), ("is_minus_op", " - ", _ADD),
                                     ("is_times_op", "*", _MUL), ("is_div_op", "/", _MUL),
                                     ("is_modulo_op", " % ", _MUL)):
                    if getattr(op, flag):
                        return f"{_wrap(a, pa, p)}{sym}{_wrap(b, pb, p + 1)}", "num", p
                raise _Unsupported(node, "integer division '//' is not supported",
                                   "write a division and floor() it")
            if op_kind == "ASTComparisonOperator":
                a, _, pa = self._x(node.get_lhs(), env, number=True)
                b, _, pb = self._x(node.get_rhs(), env, number=True)
                for flag, sym in (("is_lt", "<"), ("is_le", "<="), ("is_eq", "=="),
                                  ("is_ne", "!="), ("is_ne2", "!="), ("is_ge", ">="),
                                  ("is_gt", ">")):
                    if getattr(op, flag, False):
                        return (f"{_wrap(a, pa, _ADD)} {sym} {_wrap(b, pb, _ADD)}", "bool",
                                _CMP)
            if op_kind == "ASTLogicalOperator":
                p = _AND if op.is_logical_and else _OR
                a, pa = self._bool(node.get_lhs(), env)
                b, pb = self._bool(node.get_rhs(), env)
                word = " and " if op.is_logical_and else " or "
                return f"{_wrap(a, pa, p)}{word}{_wrap(b, pb, p + 1)}", "bool", p
            if op_kind == "ASTBitOperator":
                raise _Unsupported(node, "bitwise operators are not supported")
        if node.is_expression():
            return self._x_(node.get_expression(), env)
        raise _Unsupported(node, f"expression {str(node).strip()!r} is not supported")

    def _simple(self, node, env: _Env) -> tuple[str, str, int]:
        if node.is_function_call():
            return self._call(node.get_function_call(), env), "num", _ATOM
        literal = node.get_boolean_literal()
        if literal is not None:
            return ("1 > 0" if literal else "1 < 0"), "bool", _CMP
        if node.is_numeric_literal():
            value = node.get_numeric_literal()
            if getattr(node, "unitType", None) is not None:
                value = float(value) * self._literal_unit(node)
            text = _num(value)
            return text, "num", _UNARY if text.startswith("-") else _ATOM
        if node.is_inf_literal:
            return _INF, "num", _ATOM
        if node.is_string():
            raise _Unsupported(node, "strings are not supported")
        return self._variable(node.get_variable(), node, env)

    def _literal_unit(self, node) -> float:
        """Factor of the unit written after a number (``30 mV``, ``1 mV/ms``)."""
        unit_type = node.unitType
        symbol = unit_type.get_type_symbol()
        unit = getattr(getattr(symbol, "unit", None), "unit", None)
        if unit is not None:
            return unit_factor(unit)
        if getattr(unit_type, "unit", None):
            from pynestml.symbols.predefined_units import PredefinedUnits

            if PredefinedUnits.is_unit(unit_type.unit):
                return unit_factor(PredefinedUnits.get_unit(unit_type.unit).get_unit())
        raise _Unsupported(node, f"cannot read the unit of {str(node).strip()!r}")

    def _unit_of(self, var, node) -> float:
        from pynestml.symbols.predefined_units import PredefinedUnits

        name = var.get_name()
        if not PredefinedUnits.is_unit(name):
            raise _Unsupported(node, f"unknown name {name!r}")
        return unit_factor(PredefinedUnits.get_unit(name).get_unit())

    def _variable(self, var, node, env: _Env) -> tuple[str, str, int]:
        name = var.get_name()
        order = var.get_differential_order()
        if var.get_vector_parameter() is not None:
            raise _Unsupported(node, "vector variables are not supported")
        if getattr(node, "has_delay", False) and var.get_delay_parameter() is not None:
            raise _Unsupported(node, "delayed variables are not supported")
        if name in env.args and not order:
            return env.args[name], "num", _ATOM
        for scope in reversed(self.scopes):
            if name in scope and not order:
                return self.read(scope[name]), "num", _ATOM
        key = name + "__d" * order
        if key in self.state:
            if env.init:
                if key in env.overrides:
                    return env.overrides[key], "num", _ATOM
                raise _Unsupported(node, f"{env.what} uses {var.get_complete_name()!r}, a state "
                                   "variable declared later")
            if not env.state:
                raise _Unsupported(node, f"{env.what} cannot use the state variable "
                                   f"{var.get_complete_name()!r}")
            return env.overrides.get(key, self.read(key)), "num", _ATOM
        if order:
            raise _Unsupported(node, f"{var.get_complete_name()!r} is not a state variable")
        if name in self.params:
            return self.names[name], "num", _ATOM
        if name in self.internals:
            if name in self.internal_params:
                return self.names[name], "num", _ATOM
            if env.init:
                decl = self.internals[name][0]
                text, _, prec = self._x(decl.get_expression(), env, number=True)
                return _wrap(text, prec, _ATOM), "num", _ATOM
            if not env.internals:
                raise _Unsupported(node, f"{env.what} cannot use the internal {name!r}")
            return env.overrides.get(name, self.read(name)), "num", _ATOM
        if name in self.inlines:
            key = "\x00inline:" + name
            if key in env.overrides:
                return env.overrides[key], "num", _ATOM
            if name in self.inline_stack:
                raise _Unsupported(node, f"inline expression {name!r} refers to itself")
            self.inline_stack.append(name)
            try:
                text, kind, prec = self._x_(self.inlines[name].get_expression(), env)
            finally:
                self.inline_stack.pop()
            return _wrap(text, prec, _ATOM), kind, _ATOM
        if name in self.spike_ports:
            if not env.ports:
                raise _Unsupported(node, f"{env.what} cannot read the spike port {name!r}",
                                   "use convolve(kernel, port) in equations, or the port "
                                   "in an onReceive block")
            port = self.spike_ports[name]
            return f"{_factor(port.factor)}*{port.raw}", "num", _MUL
        if name in self.cont_ports:
            if env.init or not env.state:
                raise _Unsupported(node, f"{env.what} cannot read the input port {name!r}")
            factor = self.cont_ports[name][1]
            ename = self.names[name]
            if factor == 1.0:
                return ename, "num", _ATOM
            return f"{_factor(factor)}*{ename}", "num", _MUL
        if name in self.kernels:
            raise _Unsupported(node, f"kernel {name!r} can only be used in convolve()")
        if name == "t":
            if env.time is None:
                raise _Unsupported(node, f"{env.what} cannot use the time t")
            return env.time, "num", _ATOM
        if name == "e":
            return repr(math.e), "num", _ATOM
        if name == "pi":
            return repr(math.pi), "num", _ATOM
        return _factor(self._unit_of(var, node)), "num", _ATOM

    def _call(self, call, env: _Env) -> str:
        name = call.get_name()
        args = call.get_args()
        if name == "convolve":
            kernel, port = self._convolve_args(call)
            if not env.state or env.init:
                raise _Unsupported(call, f"{env.what} cannot use convolve()")
            key = "\x00delta:" + kernel + ":" + port
            if key in env.overrides:
                return env.overrides[key]
            conv = self.convs[(kernel, port)]
            if env.body and not conv.delta:
                return self.fn_conv[(kernel, port)]
            return self._conv_value(conv, env)
        if name in ("resolution", "timestep"):
            if not env.dt:
                raise _Unsupported(call, f"{env.what} cannot use {name}()",
                                   "compute it in the internals block")
            return env.dt_text
        if name == "steps":
            if not env.dt:
                raise _Unsupported(call, f"{env.what} cannot use steps()",
                                   "compute it in the internals block")
            x = self.number(args[0], env)
            # NEST: the duration rounded to its time grid, in whole steps
            return _floor(f"{_wrap(x, self._last_prec, _MUL + 1)}/{env.dt_text} + 1e-6")
        if name in ("random_normal", "random_uniform"):
            if not env.random:
                raise _Unsupported(call, f"random numbers in {env.what} are not supported")
            xs = [self.number(a, env) for a in args]
            return f"{'Normal' if name == 'random_normal' else 'Uniform'}({xs[0]}, {xs[1]})"
        if name in self.functions:
            return self._user_function(call, env)
        xs = [self.number(a, env) for a in args]
        if name in _SAME_FUNCTIONS and len(xs) == _SAME_FUNCTIONS[name]:
            return f"{name}({', '.join(xs)})"
        if len(xs) == 1:
            x = xs[0]
            simple = {
                "ln": f"log({x})",
                "log10": f"(log({x})/{math.log(10.0)!r})",
                "expm1": f"(exp({x}) - 1)",
                "sinh": f"((exp({x}) - exp(-({x})))/2)",
                "cosh": f"((exp({x}) + exp(-({x})))/2)",
                "floor": _floor(x),
                "ceil": f"(-{_floor(f'-({x})')})",
                "round": _floor(f"({x}) + 0.5"),
            }
            if name in simple:
                return simple[name]
        if name == "pow" and len(xs) == 2:
            return f"(({xs[0]})**({xs[1]}))"
        if name in ("integrate_odes", "emit_spike"):
            raise _Unsupported(call, f"{name}() can only be called as a statement")
        raise _Unsupported(call, f"function {name}() is not supported")

    def _user_function(self, call, env: _Env) -> str:
        """A NESTML function, inlined: its body is local declarations and a
        final ``return``, each local substituted where it is used."""
        name = call.get_name()
        function = self.functions[name]
        stmts = list(function.get_stmts_body().get_stmts())
        if name in self.function_stack:
            raise _Unsupported(call, f"function {name}() is recursive")
        params = [p.get_name() for p in function.get_parameters()]
        values = [self.number(a, env) for a in call.get_args()]
        args = {p: v if re.fullmatch(r"[\w.]+", v) else f"({v})" for p, v in zip(params, values)}
        inner = _Env(env.what, time=env.time, dt=env.dt, state=False, internals=False,
                     ports=False, random=env.random, init=False, stage=env.stage,
                     dt_text=env.dt_text, args=args)
        self.function_stack.append(name)
        saved, self.scopes = self.scopes, []
        try:
            for k, stmt in enumerate(stmts):
                small = stmt.small_stmt if stmt.is_small_stmt() else None
                last = k == len(stmts) - 1
                if small is not None and last and small.is_return_stmt() and \
                        small.get_return_stmt().has_expression():
                    return "(" + self.number(small.get_return_stmt().get_expression(), inner) + ")"
                if small is not None and not last and small.is_declaration():
                    decl = small.get_declaration()
                    if decl.has_size_parameter() or not decl.has_expression():
                        break
                    text = self.number(decl.get_expression(), inner)
                    for var in decl.get_variables():
                        inner.args[var.get_name()] = f"({text})"
                    continue
                break
            raise _Unsupported(function, f"function {name}(): only bodies made of local "
                               "declarations and a final 'return expression' are supported")
        finally:
            self.scopes = saved
            self.function_stack.pop()
