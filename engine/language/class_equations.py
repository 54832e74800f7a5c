"""The class front end's recorder: ``with Equations(self) as n:`` turns
attribute assignments on sympy symbols into equations, with the source line
of the user's code, and the values and declarations it reads from a model.
:func:`engine.language.classes.build_ir` runs a model's methods while it
records (see that module for the syntax).
"""

from __future__ import annotations

import difflib
import linecache
import re
import sys
import threading

import sympy as sp

from engine.errors import Diagnostic, EquationError
from engine.language.checks import Problem, check_method
from engine.language.constants import is_constant_name
from engine.language.functions import FUNCTIONS, ite
from engine.language.ir import METHOD_ALIASES, Equation, SourceRef, show
from engine.language.declarations import _Attribute
from engine.language.random_draws import RandomDistribution
from engine.language.symbols import (
    CONDUCTANCE,
    DT,
    GLOBAL_OPERATIONS,
    RESERVED_NAMES,
    T,
    classify,
    global_op_symbol,
    post_symbol,
    pre_symbol,
    sum_symbol,
    symbol,
)

__all__ = ["Equations", "format_expr"]

_ODE_NAME = re.compile(r"^d(?P<name>[A-Za-z]\w*)_dt$")
_CONDUCTANCE = CONDUCTANCE
_G_TARGET = "g_target"
#: stands for ``post.target`` while ``s.post.target += ...`` is evaluated
_POST_TARGET = sp.Symbol("post.target", real=True)


# --- printing ----------------------------------------------------------------------

def format_expr(expr) -> str:
    """Readable text of an IR expression (``ite``, ``Normal(0, 1)`` ...)."""
    return show(expr)


# --- where the user's code is ------------------------------------------------------

def _user_frame():
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename == __file__:
        f = f.f_back
    return f


def _here(model: str, block: str, name: str | None = None) -> SourceRef:
    """Source reference of the user's line calling into this module."""
    f = _user_frame()
    if f is None:
        return SourceRef(model=model, block=block)
    text = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    col = None
    if name is not None and text:
        i = text.find("." + name)
        col = i + 2 if i >= 0 else None
    return SourceRef(model=model, block=block, line=f.f_lineno, col=col, text=text)


def _diag(src: SourceRef, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(message=message, model=src.model, block=src.block, line=src.line,
                      col=src.col, text=src.text, hint=hint)


def _did_you_mean(name: str, known) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"did you mean '{close[0]}'?" if close else ""


# --- values -------------------------------------------------------------------------

def _to_sympy(value, attrs: dict | None = None):
    """A user's Python value as sympy, without ever parsing text.

    Numbers follow the text syntax (``sp.Float(python_float)``, ``sp.Integer``),
    distributions become draws, declared attributes their symbols.

    Raises
    ------
    TypeError
        For strings and other objects that have no sympy meaning.
    """
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(value)
    if isinstance(value, RandomDistribution):
        return value._sympy_()
    if isinstance(value, _Attribute) and attrs is not None:
        for name, a in attrs.items():
            if a is value:
                return symbol(name)
    if isinstance(value, str):
        raise TypeError("text is not accepted here: write a number or a sympy expression "
                        "(n.tau, not 'tau')")
    try:
        return sp.sympify(value, strict=True)  # numpy scalars
    except (sp.SympifyError, TypeError) as exc:
        raise TypeError(f"{value!r} is not a number or an expression") from exc


def _declared(model) -> dict:
    """Declared attributes of a model: ``{name: Value/Array/Weight}`` in order."""
    return {k: v for k, v in vars(model).items() if isinstance(v, _Attribute)
            and k != "refractory"}


def _defines(model, method: str) -> bool:
    return callable(getattr(type(model), method, None))


def _is_spiking_synapse(model) -> bool:
    return (_defines(model, "on_pre") or _defines(model, "on_post")
            or bool(getattr(model, "transmit_on_spike", False)))


# --- the recording session of build_ir ---------------------------------------------

_ACTIVE = threading.local()


class _Session:
    """What :func:`build_ir` records while one method of the model runs."""

    def __init__(self, model, label: str, block: str):
        self.model = model
        self.label = label
        self.block = block
        self.recorders: list[Equations] = []


def _current_session(model):
    stack = getattr(_ACTIVE, "stack", None)
    if stack and stack[-1].model is model:
        return stack[-1]
    return None


# --- the recorder -------------------------------------------------------------------

class _Side:
    """``s.pre`` / ``s.post`` inside a synapse's equations."""

    def __init__(self, owner: "Equations", side: str):
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_side", side)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        owner, side = self._owner, self._side
        if side == "post" and name == "target":
            return _POST_TARGET
        if not name.isidentifier() or name in RESERVED_NAMES:
            owner._problem(name, f"'{side}.{name}' is not a valid neuron attribute")
        return (pre_symbol if side == "pre" else post_symbol)(name)

    def __setattr__(self, name, value):
        owner, side = self._owner, self._side
        if side == "post" and name == "target":
            owner._transmit(value)
        elif side == "pre":
            owner._problem(name, f"a synapse cannot change 'pre.{name}'",
                           "only post.<name> and the synapse's own variables")
        else:
            owner._record(f"{side}.{name}", "assign", value, name=name)

    def sum(self, target: str):
        """``pre.sum(exc)`` / ``post.sum(exc)``: a neuron's summed input."""
        return symbol(f"{self._side}.sum({target})")


class Equations:
    """Record equations written as attribute assignments on sympy symbols.

    Parameters
    ----------
    model : Neuron or Synapse, optional
        The class-based model whose declared attributes become symbols.
    symbols : list of str, optional
        Standalone mode: the names available (instead of ``model``).
    method : str, optional
        Integration method of the ODEs written in this block.
    unless_refractory : bool
        Flag the statements of this block ``unless_refractory`` (see module
        docstring).

    Attributes
    ----------
    equations : tuple of Equation
        What was recorded, in written order.

    Raises
    ------
    EquationError
        In standalone mode (or outside :func:`build_ir`), at the end of the
        ``with`` block, for unknown names or bad assignments.

    Examples
    --------
    >>> with Equations(symbols=['v', 'tau']) as n:
    ...     n.dv_dt = (1 - n.v) / n.tau
    >>> print(n)
    dv/dt = (1 - v)/tau
    """

    def __init__(self, model=None, symbols=None, *, method: str | None = None,
                 unless_refractory: bool = False):
        set_ = object.__setattr__
        set_(self, "_model", model)
        # Brian2's and the prototype's euler is explicit (METHOD_ALIASES)
        set_(self, "_method", METHOD_ALIASES.get(method, method))
        set_(self, "_flags", frozenset({"unless_refractory"}) if unless_refractory
             else frozenset())
        set_(self, "_items", [])
        set_(self, "_problems", [])
        set_(self, "_reads", [])        # (name, SourceRef) of undeclared g_x read
        set_(self, "_sums", [])         # targets of n.sum()
        set_(self, "_constants", [])    # network constants read
        set_(self, "_transmits", [])    # (expr, SourceRef) of post.target writes
        set_(self, "_session", None)
        set_(self, "_started", False)
        if model is not None:
            label = f"{model._kind} '{model.model_name}'"
            names = _declared(model)
            kind = model._kind
            spiking = kind == "neuron" and _defines(model, "spike")
        else:
            label, kind, spiking = "equations", None, False
            names = {}
            for s in symbols or ():
                if not isinstance(s, str) or not s.isidentifier():
                    raise EquationError(Diagnostic(f"symbol names must be identifiers, got {s!r}"))
                names[s] = None
        set_(self, "_label", label)
        set_(self, "_kind", kind)
        set_(self, "_spiking", spiking)
        set_(self, "_names", names)
        set_(self, "_block", "equations")
        if method is not None:
            try:
                check_method(self._method)
            except Problem as p:
                self._problem(None, p.message, p.hint)
        if unless_refractory and model is not None and not spiking:
            self._problem(None, "flag 'unless_refractory' is only for spiking neurons",
                          "it needs a spike() condition and a refractory period")

    # -- context manager --------------------------------------------------------
    def __enter__(self):
        session = _current_session(self._model) if self._model is not None else None
        if session is not None:
            session.recorders.append(self)
            object.__setattr__(self, "_session", session)
            object.__setattr__(self, "_block", session.block)
        object.__setattr__(self, "_started", True)
        return self

    def __exit__(self, exc_type, exc, tb):
        object.__setattr__(self, "_started", False)
        if self._session is not None:
            return False  # build_ir gathers the problems of every block
        if self._problems:
            raise EquationError(self._problems) from exc
        return False

    # -- pickling (standalone results cross process boundaries) ---------------------
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_session"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    # -- reading ----------------------------------------------------------------------
    def __getattr__(self, name):
        # only called when normal lookup fails: model names, functions, errors
        if name.startswith("_"):
            raise AttributeError(name)
        names = self.__dict__.get("_names", {})
        if name in names:
            return symbol(name)
        if _ODE_NAME.match(name) and _ODE_NAME.match(name)["name"] in names:
            self._problem(name, f"'{name}' can only be assigned (it is the derivative of "
                          f"'{_ODE_NAME.match(name)['name']}')",
                          f"write n.{name} = expression, not n.{name} += ...")
            return symbol(name)
        if name in GLOBAL_OPERATIONS:
            return self._global_op(name)
        if name in FUNCTIONS:
            return _function(name)
        if self._spiking and _CONDUCTANCE.match(name) and name not in names:
            self._reads.append((name, self._src(name)))
            return symbol(name)
        if is_constant_name(name):
            self._constants.append(name)
            return symbol(name)
        hint = _did_you_mean(name, names)
        if not hint and self._kind == "neuron" and _CONDUCTANCE.match(name):
            hint = ("conductances g_<target> exist only in spiking neurons; "
                    "use n.sum('<target>')")
        elif not hint and self._model is not None:
            hint = (f"declare it in __init__ (self.{name} = self.Value(...) or "
                    f"self.Array(...)), or as a network constant before defining the model")
        self._problem(name, f"unknown name '{name}'", hint)
        return symbol(name)

    @property
    def t(self):
        """Time (ms) at the start of the step."""
        return T

    @property
    def dt(self):
        """The integration step (ms)."""
        return DT

    @property
    def pre(self):
        """The pre-synaptic neuron (synapses): ``s.pre.r``."""
        return _Side(self, "pre")

    @property
    def post(self):
        """The post-synaptic neuron (synapses): ``s.post.v``, ``s.post.target += ...``."""
        return _Side(self, "post")

    @property
    def equations(self) -> tuple:
        return tuple(self._items)

    def _global_op(self, op):
        return _global_op_call(self, op)

    def ite(self, cond, then, otherwise):
        """``ite(cond, a, b)``: ``a`` where ``cond`` holds, else ``b``."""
        return ite(cond, then, otherwise)

    def sum(self, target: str):
        """``sum(target)``: the weighted sum of the inputs of ``target``."""
        if not isinstance(target, str) or not target.isidentifier():
            self._problem(None, f"sum() needs a target name such as 'exc', got {target!r}")
            return sum_symbol(str(target))
        self._sums.append(target)
        return sum_symbol(target)

    # -- writing ----------------------------------------------------------------------
    def __setattr__(self, name, value):
        if name.startswith("_") or not self._started:
            object.__setattr__(self, name, value)
            return
        names = self._names
        m = _ODE_NAME.match(name)
        if name not in names and m is not None and (
                m["name"] in names or (self._spiking and _CONDUCTANCE.match(m["name"]))):
            self._record(m["name"], "ode", value, name=name)
        else:
            self._record(name, "assign", value, name=name)

    def _record(self, target: str, kind: str, value, name: str) -> None:
        src = self._src(name)
        try:
            rhs = _to_sympy(value, self._attrs())
        except TypeError as exc:
            self._items_problem(src, f"cannot assign to '{target}': {exc}")
            return
        if _POST_TARGET in rhs.free_symbols:
            self._items_problem(src, "post.target can only be modified as "
                                "s.post.target += expression")
            return
        plain = "." not in target
        if plain and target not in self._names:
            if not (self._spiking and _CONDUCTANCE.match(target)):
                hint = _did_you_mean(target, self._names) or (
                    f"declare it in __init__: self.{target} = self.Array(0.0)"
                    if self._model is not None else f"add '{target}' to symbols=[...]")
                self._items_problem(src, f"cannot assign to unknown name '{target}'", hint)
                return
        if plain and self._model is not None and target in self._names:
            attr = self._names[target]
            if getattr(attr, "kind", None) == "parameter":
                self._items_problem(src, f"'{target}' is declared as a parameter and cannot "
                                    "be assigned", "remove kind='parameter' to make it a "
                                    "variable")
                return
        method = None
        if kind == "ode":
            attr = self._names.get(target)
            method = self._method or getattr(attr, "method", None)
            method = METHOD_ALIASES.get(method, method)
        self._items.append(Equation(target, kind, rhs, method=method, flags=self._flags,
                                    source=src))

    def _transmit(self, value) -> None:
        src = self._src("target")
        try:
            expr = _to_sympy(value, self._attrs())
        except TypeError as exc:
            self._items_problem(src, f"cannot transmit: {exc}")
            return
        psp = sp.expand(expr - _POST_TARGET) if _POST_TARGET in expr.free_symbols else None
        if psp is None or _POST_TARGET in psp.free_symbols:
            self._items_problem(src, "write s.post.target += expression "
                                "(or -= for an inhibitory effect)")
            return
        # keep the user's expression, not its expansion, when it is a plain sum
        direct = expr.xreplace({_POST_TARGET: 0})
        if sp.expand(direct) == psp:
            psp = direct
        self._transmits.append((psp, src))
        g = symbol(_G_TARGET)
        self._items.append(Equation(_G_TARGET, "assign", g + psp, flags=self._flags, source=src))

    # -- helpers ---------------------------------------------------------------------
    def _attrs(self) -> dict:
        return {k: v for k, v in self._names.items() if v is not None}

    def _src(self, name: str | None) -> SourceRef:
        return _here(self._label, self._block, name)

    def _problem(self, name, message, hint="") -> None:
        self._problems.append(_diag(self._src(name), message, hint))

    def _items_problem(self, src, message, hint="") -> None:
        self._problems.append(_diag(src, message, hint))

    # -- display -----------------------------------------------------------------------
    def __str__(self) -> str:
        lines = []
        for e in self._items:
            lhs = f"d{e.target}/dt" if e.kind == "ode" else e.target
            lines.append(f"{lhs} = {format_expr(e.rhs)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Equations {self._label}: {len(self._items)} equation(s)>"


def _global_op_call(eqs, op: str):
    """``n.mean(n.r)``, ``s.max(s.post.r)``: a global operation (one argument);
    ``n.max(a, b)`` stays the element-wise function."""
    elementwise = _function(op) if op in FUNCTIONS else None

    def call(*args):
        if len(args) != 1 and elementwise is not None:
            return elementwise(*args)
        if len(args) != 1 or not isinstance(args[0], sp.Symbol):
            eqs._problem(op, f"{op}() takes one variable of the population, as in "
                         f"n.{op}(n.r) (in a synapse s.{op}(s.pre.r))")
            return sp.Integer(0)
        kind, name = classify(args[0])
        if eqs._kind == "synapse" and kind in ("pre", "post"):
            return global_op_symbol(op, name, kind)
        if eqs._kind != "synapse" and kind == "name" and name in eqs._names:
            return global_op_symbol(op, name)
        eqs._problem(op, f"{op}({args[0]}): not a variable of "
                     + ("the pre- or post-synaptic population" if eqs._kind == "synapse"
                        else "this population"),
                     f"write n.{op}(n.r)" if eqs._kind != "synapse"
                     else f"write s.{op}(s.pre.r) or s.{op}(s.post.r)")
        return sp.Integer(0)

    call.__name__ = op
    call.__doc__ = GLOBAL_OPERATIONS[op]
    return call


def _function(name: str):
    spec = FUNCTIONS[name]

    def call(*args):
        if len(args) not in spec.nargs:
            raise TypeError(f"{name}() takes {' or '.join(map(str, spec.nargs))} argument(s), "
                            f"got {len(args)}")
        return spec.build(*[_to_sympy(a) for a in args])

    call.__name__ = name
    call.__doc__ = spec.doc
    return call
