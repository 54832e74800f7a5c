"""The ANNarchy-style text front end: ``build_ir(model) -> ModelIR``.

Reads the blocks of a text-defined :class:`~engine.language.models.Neuron` or
:class:`~engine.language.models.Synapse` in both ANNarchy generations:

- 4.x strings: ``parameters="tau = 10.0 : population"``,
  ``equations="tau*dv/dt + v = I : init=-65.0, exponential"``;
- 5.x objects: ``parameters=dict(tau=10.0, x=Parameter(1.0, locality='local'))``,
  ``equations=["r = sum(exc)", Variable("dv/dt = -v/tau", init=-65.0)]``.

Every problem of a model is collected, then one
:class:`~engine.errors.EquationError` lists them in source order (block
order of the constructor, then line, then column), each with the line, the
1-based column in the user's text and a hint.

Conventions (shared with the class front end, :mod:`engine.language.classes`)
-----------------------------------------------------------------------------
- Locality: 4.x neuron parameters are ``local`` unless flagged ``population``;
  synapse parameters ``local`` unless ``projection`` (global) or
  ``postsynaptic`` (semiglobal). 5.x plain values and ``Parameter`` objects
  default to ``global``. Variables are ``local`` unless flagged.
- Order of ``ModelIR.variables``: parameters as written; then, in synapses,
  ``w`` when it was not declared; then the variables in the order their
  first equation appears; then the implicit conductances ``g_<target>`` of
  spiking neurons, sorted.
- ``w`` is always a local *variable* of a synapse, even when given a value
  in ``parameters``.
- Equations block: each target has at most one *definition* (an ODE or an
  ``=`` assignment), written before any increment of it. Increments
  (``x += e``) may follow an assignment, or stand alone (then ``x`` keeps
  its value between steps and the increments are its update), but not an
  ODE: mixing integration and in-place updates of one variable is
  ill-defined for multi-stage methods.
- User functions may use only their arguments, numbers, built-in functions
  and other user functions (in any order, without cycles); calls are
  inlined.
- ``min=``/``max=`` on a ``pre_spike``/``post_spike`` statement bound the
  synapse variable it changes (as ANNarchy does), so they land on its
  :class:`~engine.language.ir.VariableSpec`.
"""

from __future__ import annotations

import ast
import itertools
import math
import numbers
import re
from dataclasses import dataclass, field, replace

import sympy as sp

from engine.errors import Diagnostic, EquationError, ModelError
from engine.language.checks import (
    LOCALITY_FLAGS,
    Problem,
    check_condition,
    check_flag,
    check_locality,
    check_method,
    check_not_parameter,
    check_numeric,
    check_refractory,
    check_user_name,
    find_cycles,
    unknown_name_hint,
)
from engine.language.constants import is_constant_name
from engine.language.expressions import (
    DERIVATIVE_PREFIX,
    LARGEST,
    MAX_CHARS,
    Prepared,
    Scope,
    UserFunction,
    combine,
    convert,
    prepare,
    solve_linear,
)
from engine.language.functions import FUNCTIONS
from engine.language.ir import METHODS, Equation, ModelIR, SourceRef, VariableSpec
from engine.language.lines import (
    Flag,
    Line,
    Segment,
    find_assignment,
    parse_flags,
    split_assignment,
    split_lines,
)
from engine.language.declarations import Parameter, Variable, _dtype_name
from engine.language.random_draws import DISTRIBUTIONS, RandomDistribution, renumber_draws
from engine.language.symbols import (
    CONDUCTANCE, DT, T, conductance_targets, post_symbol, pre_symbol, sum_symbol, symbol,
)

__all__ = ["build_ir"]

_CONDUCTANCE = CONDUCTANCE
_FUNCTION_HEADER = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*\((?P<args>[^()]*)\)$")
_NAME = re.compile(r"^[A-Za-z_]\w*$")
_G_TARGET = "g_target"
_EVIDENT_TARGET = re.compile(
    r"^(?:d(?P<ode>[A-Za-z]\w*)\s*/\s*dt|(?P<name>[A-Za-z]\w*))\s*[-+*/]?=")
_UNSUPPORTED = ("axon_spike", "axon_reset", "pre_axon_spike")


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


class _ModelScope(Scope):
    """Names as seen from one block of the model being built.

    ``mode='value'``: parameter values, ``init``/``min``/``max`` and the
    refractory period may use numbers, parameters and network constants.
    ``mode='equation'``: everything the model knows.
    """

    def __init__(self, builder: "_Builder", block: str, mode: str = "equation",
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
        if is_constant_name(name):
            b.constants.add(name)
            return symbol(name)
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

    def draw(self) -> int:
        if not self.allow_draws:
            raise Problem(f"random draws are not allowed in {self.what}")
        return next(self.b.draws)

    def user_function(self, name: str) -> UserFunction | None:
        return self.b.functions.get(name)

    def function_names(self) -> list[str]:
        return super().function_names() + list(self.b.functions)


class _Builder:
    """Reads one text model, collecting diagnostics, then assembles the IR."""

    def __init__(self, model):
        self.model = model
        self.kind = model._kind
        self.label = f"{self.kind} '{model.model_name}'"
        self.rank = {name: i for i, name in enumerate(model._text_fields)}
        self.diagnostics: list[tuple] = []
        self.params: dict[str, _Decl] = {}
        self.variables: dict[str, _Decl] = {}
        self.auto_w: _Decl | None = None
        self.auto_conductances: dict[str, _Decl] = {}
        self.functions: dict[str, UserFunction] = {}
        #: (line, decl, value) of parameters, converted once all names are known
        self.parameter_values: list[tuple] = []
        #: (block, line, decl, flag, value) of init/min/max flags, converted last
        self.flag_values: list[tuple] = []
        self.function_order: list[str] = []
        self.constants: set[str] = set()
        self.targets: set[str] = set()
        self.draws = itertools.count()
        spike = getattr(model, "spike", None)
        self.spiking_neuron = self.kind == "neuron" and bool(
            spike if not isinstance(spike, str)
            else any(ln.split("#")[0].strip() for ln in spike.splitlines()))

    # -- declarations -----------------------------------------------------------------
    def all_decls(self):
        yield from self.params.items()
        if self.auto_w is not None:
            yield "w", self.auto_w
        yield from self.variables.items()
        yield from self.auto_conductances.items()

    def lookup(self, name: str) -> _Decl | None:
        if name == "w" and self.auto_w is not None:
            return self.auto_w
        return (self.params.get(name) or self.variables.get(name)
                or self.auto_conductances.get(name))

    def true_parameters(self) -> set[str]:
        return {n for n, d in self.params.items() if d.kind == "parameter"}

    def conductance(self, name: str, block: str) -> sp.Basic:
        if name not in self.auto_conductances:
            self.auto_conductances[name] = _Decl(name, "variable",
                                                 SourceRef(self.label, block))
        return symbol(name)

    # -- diagnostics --------------------------------------------------------------------
    def report(self, block: str, line: Line | None, problem: Problem) -> None:
        col = None if problem.col is None else problem.col + 1
        diag = Diagnostic(problem.message, model=self.label, block=block,
                          line=None if line is None else line.line, col=col,
                          text="" if line is None else line.source, hint=problem.hint)
        key = (self.rank.get(block, len(self.rank)), diag.line or 10**9, col or 0,
               len(self.diagnostics))
        self.diagnostics.append((key, diag))

    def source(self, block: str, line: Line, col: int | None = None) -> SourceRef:
        return SourceRef(self.label, block, line.line, None if col is None else col + 1,
                         line.source)

    # -- reading blocks -----------------------------------------------------------------
    def lines(self, block: str, value) -> list[tuple[Line, list[Flag]]]:
        """Statements of a text block (str or list of str/Variable) with their flags."""
        if value is None:
            return []
        items = value if isinstance(value, (list, tuple)) else [value]
        texts = (v.equation if isinstance(v, Variable) else v for v in items)
        size = sum(len(t) for t in texts if isinstance(t, str))
        if size > MAX_CHARS:
            self.report(block, None, Problem(
                f"the {block} block is too long ({size} characters, at most {MAX_CHARS})",
                "split the model or use user functions"))
            return []
        out = []
        for index, item in enumerate(items):
            first = index + 1 if isinstance(value, (list, tuple)) else 1
            if isinstance(item, Variable):
                text, extra = item.equation, self.variable_flags(item)
            elif isinstance(item, str):
                text, extra = item, []
            else:
                self.report(block, None, Problem(
                    f"item {index + 1} of {block} is a {type(item).__name__}",
                    "give strings (or Variable objects in equations)"))
                continue
            if not isinstance(text, str):
                self.report(block, None, Problem(f"Variable equation must be a string, "
                                                 f"got {type(text).__name__}"))
                continue
            for line in split_lines(text, first):
                try:
                    flags = parse_flags(line.flags) if line.flags is not None else []
                except Problem as p:
                    self.report(block, line, p)
                    flags = []
                out.append((line, flags + extra))
        return out

    def variable_flags(self, var: Variable) -> list[Flag]:
        """The keyword arguments of an ANNarchy 5 ``Variable`` as flags."""
        flags = [Flag(k, getattr(var, k)) for k in ("init", "min", "max", "method")
                 if getattr(var, k) is not None]
        if var.type not in ("float", float):
            flags.append(Flag("type", var.type))
        if var.locality != "local":
            flags.append(Flag("locality", var.locality))
        flags += [Flag(f) for f in var.flags]
        return flags

    def expression(self, seg: Segment, scope: Scope, prepared: Prepared | None = None,
                   **kw) -> sp.Basic:
        """Convert a text segment, placing any problem in the user's line."""
        try:
            return convert(prepared or prepare(seg.text), scope, **kw)
        except Problem as p:
            raise (p.shifted(seg.col) if p.col is not None else p.at(seg.col))

    def value(self, value, scope: Scope, what: str) -> sp.Basic:
        """A flag or parameter value: text (Segment or str) or a Python object."""
        if isinstance(value, Segment):
            expr = self.expression(value, scope)
        elif isinstance(value, str):  # a 5.x keyword argument: no column to show
            try:
                expr = convert(prepare(value), scope)
            except Problem as p:
                p.col = None
                raise
        else:
            expr = _python_value(value)
        check_numeric(expr, what)
        return expr

    # -- functions ---------------------------------------------------------------------
    def read_functions(self) -> None:
        block = "functions"
        pending: list[tuple[Line, str, tuple, Prepared, Segment]] = []
        for line, _ in self.lines(block, self.model.functions):
            try:
                if line.flags is not None:
                    raise Problem("functions take no flags", col=line.flags.col)
                asg = split_assignment(line.body)
                m = _FUNCTION_HEADER.match(asg.lhs.text)
                if asg.op != "=" or m is None:
                    raise Problem("a function is written 'name(x, y) = expression'",
                                  col=asg.lhs.col)
                name = m["name"]
                if name in FUNCTIONS or name in DISTRIBUTIONS or name == "sum":
                    raise Problem(f"'{name}' is a built-in function", "choose another name",
                                  col=asg.lhs.col)
                check_user_name(name, "function name")
                if name in self.functions or any(p[1] == name for p in pending):
                    raise Problem(f"function '{name}' is defined twice", col=asg.lhs.col)
                args = tuple(a.strip() for a in m["args"].split(",")) if m["args"].strip() else ()
                for a in args:
                    check_user_name(a, "argument name")
                if len(set(args)) != len(args):
                    raise Problem(f"function '{name}' repeats an argument name", col=asg.lhs.col)
                try:
                    body = prepare(asg.rhs.text)
                except Problem as p:
                    raise p.shifted(asg.rhs.col)
            except Problem as p:
                self.report(block, line, p.at(line.body.col))
                continue
            pending.append((line, name, args, body, asg.rhs))
        names = {p[1] for p in pending}
        graph = {name: [n.func.id for n in ast.walk(body.tree) if isinstance(n, ast.Call)
                        and isinstance(n.func, ast.Name) and n.func.id in names]
                 for _, name, _, body, _ in pending}
        broken = set()
        lines = {name: line for line, name, *_ in pending}
        for cycle in find_cycles(graph):
            broken.update(cycle)
            line = lines[cycle[0]]
            self.report(block, line, Problem("circular definition: " + " -> ".join(cycle),
                                             "a function cannot call itself, even indirectly",
                                             col=line.body.col))
        for line, name, args, body, _ in pending:
            self.functions[name] = UserFunction(name, args, None if name in broken else body)
        for line, name, args, body, rhs in pending:
            if name in broken:
                continue
            scope = _ModelScope(self, block, what="functions")
            try:
                expr = self.expression(rhs, scope, body, function=name,
                                       bindings={a: symbol(a) for a in args})
            except Problem as p:
                self.functions[name] = UserFunction(name, args, None)
                self.report(block, line, p)
                continue
            self.functions[name] = UserFunction(name, args, body, expr)
            self.function_order.append(name)

    # -- parameters ----------------------------------------------------------------------
    def read_parameters(self) -> None:
        block = "parameters"
        raw = self.model.parameters
        entries: list[tuple[Line, str, object, list[Flag]]] = []
        if isinstance(raw, dict):
            if len(raw) > MAX_CHARS // 10:
                self.report(block, None, Problem(f"too many parameters ({len(raw)})"))
                return
            for index, (name, value) in enumerate(raw.items()):
                shown = value.value if isinstance(value, Parameter) else value
                text = f"{name} = {shown}" if isinstance(shown, str) else f"{name} = {shown!r}"
                line = Line(index + 1, text, Segment(text, 0))
                if not isinstance(name, str):
                    self.report(block, line, Problem(f"parameter names must be strings, "
                                                     f"got {name!r}"))
                    continue
                # 5.x: global unless said otherwise; the weight w is always local
                locality = value.locality if isinstance(value, Parameter) else "global"
                flags = [] if name == "w" else [Flag("locality", locality)]
                if isinstance(value, Parameter) and value.type not in ("float", float):
                    flags.append(Flag("type", value.type))
                if isinstance(shown, str):
                    shown = Segment(shown, len(name) + 3)
                entries.append((line, name, shown, flags))
        elif isinstance(raw, (str, list, tuple)) or raw is None:
            for line, flags in self.lines(block, raw):
                try:
                    asg = split_assignment(line.body)
                    if asg.op != "=" or not _NAME.match(asg.lhs.text):
                        raise Problem("a parameter is declared as 'name = value'",
                                      col=asg.lhs.col)
                except Problem as p:
                    self.report(block, line, p)
                    continue
                entries.append((line, asg.lhs.text, asg.rhs, flags))
        else:
            self.report(block, None, Problem(
                f"parameters must be a string or a dict, not {type(raw).__name__}"))
            return
        for line, name, value, flags in entries:
            try:
                check_user_name(name, "parameter name")
                if name in self.params:
                    raise Problem(f"parameter '{name}' is declared twice")
            except Problem as p:
                self.report(block, line, p.at(line.body.col))
                continue
            kind = "variable" if name == "w" and self.kind == "synapse" else "parameter"
            decl = _Decl(name, kind, self.source(block, line, line.body.col))
            self.params[name] = decl
            for flag in flags:
                try:
                    self.apply_flag(decl, flag, block, is_ode=False)
                except Problem as p:
                    self.report(block, line, p.at(flag.col))
            self.parameter_values.append((line, decl, value))

    def resolve_parameters(self) -> None:
        """Parameter values, once every name of the model is declared."""
        block = "parameters"
        values = self.parameter_values
        scope = _ModelScope(self, block, mode="value", what="parameter values")
        graph = {}
        for line, decl, value in values:
            try:
                decl.init = self.value(value, scope, "a parameter value")
            except Problem as p:
                self.report(block, line, p)
                continue
            graph[decl.name] = sorted(s.name for s in decl.init.free_symbols
                                      if s.name in self.params)
        for cycle in find_cycles(graph):
            decl = self.params[cycle[0]]
            line = next(v[0] for v in values if v[1] is decl)
            self.report(block, line, Problem("circular definition: " + " -> ".join(cycle),
                                             "a parameter value cannot depend on itself",
                                             col=line.body.col))

    # -- flags ---------------------------------------------------------------------------
    def apply_flag(self, decl: _Decl, flag: Flag, block: str, is_ode: bool,
                   statement: _Statement | None = None, line: Line | None = None) -> None:
        """Check one flag and record its effect on a declaration or statement."""
        name = flag.name
        if name == "locality":  # 5.x keyword argument
            check_locality(flag.value, self.kind)
            self.set_locality(decl, flag.value, "locality")
            return
        if name == "type":  # 5.x keyword argument
            self.once(decl, "dtype")
            decl.dtype = _dtype(flag.value)
            return
        check_flag(name, flag.value is not None, kind=self.kind, block=block,
                   is_ode=is_ode, spiking=self.spiking_neuron)
        if name in LOCALITY_FLAGS[self.kind]:
            self.set_locality(decl, LOCALITY_FLAGS[self.kind][name], name)
        elif name in ("int", "bool", "float"):
            self.once(decl, "dtype")
            decl.dtype = name
        elif name in ("init", "min", "max"):
            self.once(decl, name)
            self.flag_values.append((block, line, decl, name, flag.value))
        elif name == "method" or name in METHODS:
            method = name
            if name == "method":
                method = flag.value.text if isinstance(flag.value, Segment) else flag.value
                if not isinstance(method, str):
                    raise Problem(f"method must be a name, got {method!r}")
                try:
                    check_method(method)
                except Problem as p:
                    raise p.at(flag.value.col if isinstance(flag.value, Segment) else None)
            if statement.method is not None:
                raise Problem("two integration methods are given",
                              f"keep one of '{statement.method}' and '{method}'")
            statement.method = method
        elif name == "unless_refractory":
            statement.flags = statement.flags | {"unless_refractory"}

    def resolve_flag_values(self) -> None:
        """``init``/``min``/``max`` values, once every name of the model is declared."""
        for block, line, decl, name, value in self.flag_values:
            scope = _ModelScope(self, block, mode="value", draws=name == "init",
                                what=f"{name}=")
            try:
                setattr(decl, name, self.value(value, scope, f"{name}="))
            except Problem as p:
                self.report(block, line, p)

    @staticmethod
    def once(decl: _Decl, what: str) -> None:
        if what in decl.given:
            raise Problem(f"'{what}' of '{decl.name}' is given twice")
        decl.given.add(what)

    def set_locality(self, decl: _Decl, locality: str, flag: str) -> None:
        self.once(decl, "locality")
        if decl.name == "w" and self.kind == "synapse" and locality != "local":
            raise Problem(f"'{flag}' on w: the weight is always local (one per synapse)",
                          "remove the flag, or use another name for a shared value")
        decl.locality = locality

    # -- equations -----------------------------------------------------------------------
    def read_equations(self) -> list[_Statement]:
        block = "equations"
        raw = self.model.equations
        if hasattr(raw, "equation") and hasattr(raw, "method"):
            raw = [raw]  # a single Variable (ANNarchy 5 accepts it)
        if raw is not None and not isinstance(raw, (str, list, tuple)):
            self.report(block, None, Problem(
                f"equations must be a string or a list, not {type(raw).__name__}"))
            return []
        statements = []
        for line, flags in self.lines(block, raw):
            try:
                st = self.declare_statement(line, block)
            except Problem as p:
                self.report(block, line, p.at(line.body.col))
                self.salvage_target(line, block)
                continue
            decl = self.lookup(st.target)
            for flag in flags:
                try:
                    self.apply_flag(decl, flag, block, st.kind == "ode", st, line)
                except Problem as p:
                    self.report(block, line, p.at(flag.col))
            statements.append(st)
        return statements

    def declare_statement(self, line: Line, block: str) -> _Statement:
        """First pass over an equation: its target and kind, registering the variable."""
        asg = split_assignment(line.body)
        lhs = self.prepare_lhs(asg.lhs)
        derivatives = lhs.derivatives
        if derivatives:
            target, col = derivatives[0][0], asg.lhs.col + derivatives[0][1]
            kind = "ode"
        elif isinstance(lhs.tree.body, ast.Name):
            target, col, kind = lhs.tree.body.id, asg.lhs.col, "assign"
        else:
            raise Problem("the left-hand side must be a variable name or contain d<name>/dt",
                          "write 'x = expression', 'dx/dt = expression' or "
                          "'tau*dx/dt + x = expression'", col=asg.lhs.col)
        try:
            check_user_name(target, "variable name")
            what = "ODE" if kind == "ode" else "assignment"
            check_not_parameter(target, self.true_parameters(), what)
        except Problem as p:
            raise p.at(col)
        # declare the target first, so a later mistake on this line does not
        # turn every use of the variable into an "unknown name"
        decl = self.lookup(target)
        if decl is None:
            decl = _Decl(target, "variable", self.source(block, line, col))
            self.variables[target] = decl
        if len(derivatives) > 1:
            raise Problem("the derivative appears twice on the left-hand side",
                          "write one derivative per equation",
                          col=asg.lhs.col + derivatives[1][1])
        if kind == "ode" and asg.op != "=":
            raise Problem(f"an ODE is written with '=', not '{asg.op}'", col=asg.op_col)
        defines = "increment" if asg.op != "=" else kind
        previous = decl.defined_by
        if previous is None:
            decl.defined_by, decl.defined_line = defines, line.line
        elif defines != "increment" and previous == "increment":
            raise Problem(f"'{target}' is defined after being incremented on line "
                          f"{decl.defined_line}",
                          "write the definition before the increments", col=col)
        elif defines != "increment":
            raise Problem(f"'{target}' is defined twice (first on line {decl.defined_line})",
                          "give each variable one equation; use += to add to it", col=col)
        elif previous == "ode":
            raise Problem(f"'{target}' is integrated by an ODE and cannot be "
                          "incremented in the same block",
                          "add the term to the ODE's right-hand side", col=col)
        return _Statement(line, block, target, kind, asg.op, asg.lhs, asg.rhs, lhs)

    def salvage_target(self, line: Line, block: str) -> None:
        """Declare the evident target of a broken statement (``r = `` declares ``r``).

        Without it, one mistake would also turn every use of the variable
        into an "unknown name" error.
        """
        m = _EVIDENT_TARGET.match(line.body.text)
        if m is None:
            return
        name = m["ode"] or m["name"]
        if self.lookup(name) is None and name not in self.true_parameters():
            try:
                check_user_name(name)
            except Problem:
                return
            self.variables[name] = _Decl(name, "variable", self.source(block, line))

    def prepare_lhs(self, seg: Segment) -> Prepared:
        try:
            return prepare(seg.text, lhs=True)
        except Problem as p:
            raise p.shifted(seg.col)

    def convert_statement(self, st: _Statement) -> Equation:
        """Second pass: the right-hand side, solved for the derivative if needed."""
        scope = _ModelScope(self, st.block)
        rhs = self.expression(st.rhs, scope)
        check_numeric(rhs, "the right-hand side")
        if st.kind == "ode":
            body = st.lhs_prepared.tree.body
            if not (isinstance(body, ast.Name) and body.id.startswith(DERIVATIVE_PREFIX)):
                unknown = sp.Dummy("derivative")
                lhs = self.expression(st.lhs, scope, st.lhs_prepared,
                                      bindings={DERIVATIVE_PREFIX + "0": unknown})
                try:
                    rhs = solve_linear(lhs, rhs, unknown)
                except Problem as p:
                    raise p.at(st.lhs.col)
        elif st.op != "=":
            try:
                rhs = combine(st.op[0], self.target_symbol(st.target), rhs)
            except Problem as p:
                raise p.at(st.rhs.col)
        return Equation(st.target, st.kind, rhs, method=st.method, flags=st.flags,
                        source=self.source(st.block, st.line, st.lhs.col))

    def target_symbol(self, target: str) -> sp.Basic:
        if target.startswith("post."):
            return post_symbol(target[5:])
        return symbol(target)

    # -- events (reset, pre_spike, post_spike) -----------------------------------------
    def read_events(self, block: str, raw) -> list[Equation]:
        if raw is not None and not isinstance(raw, (str, list, tuple)):
            self.report(block, None, Problem(f"{block} must be a string, "
                                             f"not {type(raw).__name__}"))
            return []
        out = []
        for line, flags in self.lines(block, raw):
            try:
                out.append(self.event_statement(line, flags, block))
            except Problem as p:
                self.report(block, line, p.at(line.body.col))
        return out

    def event_statement(self, line: Line, flags: list[Flag], block: str) -> Equation:
        asg = split_assignment(line.body)
        lhs = self.prepare_lhs(asg.lhs)
        node = lhs.tree.body
        if lhs.derivatives:
            raise Problem(f"ODEs are not allowed in {block}",
                          "move the ODE to the equations block", col=asg.lhs.col)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner, attr = node.value.id, node.attr
            if self.kind != "synapse" or block == "reset":
                raise Problem(f"'{owner}.{attr}' can only be changed by synapses",
                              col=asg.lhs.col)
            if owner == "pre":
                raise Problem(f"a synapse cannot change 'pre.{attr}'",
                              "only post.<name> and the synapse's own variables",
                              col=asg.lhs.col)
            if attr.startswith("_"):
                raise Problem(f"names starting with '_' are not allowed ('{attr}')",
                              col=asg.lhs.col)
            target = f"post.{attr}"
        elif isinstance(node, ast.Name):
            target = node.id
        else:
            raise Problem("the left-hand side must be a variable name",
                          col=asg.lhs.col)
        if "." not in target and not (target == _G_TARGET and block != "reset"):
            check_not_parameter(target, self.true_parameters(), f"assignment in {block}")
            if self.lookup(target) is None:
                if self.spiking_neuron and _CONDUCTANCE.match(target):
                    self.conductance(target, block)
                else:
                    raise Problem(f"unknown name '{target}'",
                                  _ModelScope(self, block).unknown_hint(target), col=asg.lhs.col)
        statement = _Statement(line, block, target, "assign", asg.op, asg.lhs, asg.rhs, lhs)
        decl = self.lookup(target)
        for flag in flags:
            try:
                if flag.name in ("min", "max") and decl is None:
                    raise Problem(f"bounds apply only to the synapse's own variables, "
                                  f"not '{target}'")
                self.apply_flag(decl, flag, block, False, statement, line)
            except Problem as p:
                self.report(block, line, p.at(flag.col))
        return self.convert_statement(statement)

    # -- single expressions ----------------------------------------------------------
    def single(self, block: str, raw, what: str) -> tuple[sp.Basic | None, Line | None]:
        """A block holding one expression (``spike``, ``psp``)."""
        if raw is None:
            return None, None
        if not isinstance(raw, str):
            self.report(block, None, Problem(f"{block} must be a string, "
                                             f"not {type(raw).__name__}"))
            return None, None
        lines = self.lines(block, raw)
        if not lines:
            return None, None
        if len(lines) > 1:
            self.report(block, lines[1][0], Problem(f"{block} must be a single {what}",
                                                    col=lines[1][0].body.col))
            return None, None
        line = lines[0][0]
        try:
            if line.flags is not None:
                raise Problem(f"{block} takes no flags", col=line.flags.col)
            found = find_assignment(line.body)
            if found is not None:
                raise Problem(f"{block} must be a {what}, not an assignment",
                              "use '==' to compare" if block == "spike" else "",
                              col=line.body.col + found[0])
            return self.expression(line.body, _ModelScope(self, block)), line
        except Problem as p:
            self.report(block, line, p.at(line.body.col))
            return None, line

    def read_spike(self) -> sp.Basic | None:
        expr, line = self.single("spike", self.model.spike, "condition")
        if expr is None:
            return None
        try:
            check_condition(expr)
        except Problem as p:
            self.report("spike", line, p.at(line.body.col))
            return None
        return expr

    def read_refractory(self) -> sp.Basic | None:
        raw = self.model.refractory
        if raw is None:
            return None
        block = "refractory"
        line = None
        try:
            if not self.spiking_neuron:
                raise Problem("a refractory period needs a spike condition",
                              "add spike=..., or remove refractory")
            if isinstance(raw, str):
                lines = self.lines(block, raw)
                if len(lines) != 1 or lines[0][0].flags is not None:
                    raise Problem("refractory must be one number or expression")
                line = lines[0][0]
                scope = _ModelScope(self, block, mode="value", draws=False,
                                    what="the refractory period")
                expr = self.expression(line.body, scope)
            else:
                if isinstance(raw, bool):
                    raise Problem("refractory must be a number of milliseconds")
                expr = _python_value(raw)
            check_refractory(expr)
            return expr
        except Problem as p:
            self.report(block, line, p.at(None if line is None else line.body.col))
            return None

    # -- assembling ----------------------------------------------------------------------
    def build(self) -> ModelIR:
        model = self.model
        for name in _UNSUPPORTED:
            if name in model._text_fields and getattr(model, name, None):
                self.report(name, None, Problem(f"{name} is not supported yet"))
        self.read_functions()
        self.read_parameters()
        if self.kind == "synapse" and "w" not in self.params:
            self.auto_w = _Decl("w", "variable", SourceRef(self.label, "parameters"))
        statements = self.read_equations()
        self.resolve_parameters()
        equations = []
        for st in statements:
            try:
                equations.append(self.convert_statement(st))
            except Problem as p:
                self.report(st.block, st.line, p.at(st.rhs.col))
        spike = refractory = psp = None
        reset, pre, post = [], [], []
        if self.kind == "neuron":
            spike = self.read_spike()
            if model.reset and not self.spiking_neuron:
                self.report("reset", None, Problem("reset needs a spike condition",
                                                   "add spike=..., or move the statements "
                                                   "to equations"))
            else:
                reset = self.read_events("reset", model.reset)
            refractory = self.read_refractory()
            if not self.spiking_neuron and self.lookup("r") is None:
                self.report("equations", None, Problem(
                    "rate-coded neurons must define the firing rate r",
                    "add an equation for r, e.g. 'r = pos(v)', or a spike condition"))
        else:
            psp, _ = self.single("psp", model.psp, "expression")
            pre = self.read_events("pre_spike", model.pre_spike)
            post = self.read_events("post_spike", model.post_spike)
        self.resolve_flag_values()
        if self.diagnostics:
            raise EquationError([d for _, d in sorted(self.diagnostics, key=lambda x: x[0])])
        return self.assemble(equations, spike, reset, refractory, psp, pre, post)

    def assemble(self, equations, spike, reset, refractory, psp, pre, post) -> ModelIR:
        conductances = sorted(self.auto_conductances)
        decls = list(self.params.values())
        if self.auto_w is not None:
            decls.append(self.auto_w)
        decls += list(self.variables.values()) + [self.auto_conductances[n] for n in conductances]
        variables = [d.spec() for d in decls]
        targets = set(self.targets)
        if self.spiking_neuron:
            targets |= conductance_targets(variables, equations)
        flat = ([v.init for v in variables] + [e.rhs for e in equations] + [spike]
                + [e.rhs for e in reset] + [refractory, psp]
                + [e.rhs for e in pre] + [e.rhs for e in post])
        it = iter(renumber_draws(flat))
        variables = [replace(v, init=next(it)) for v in variables]
        equations = [replace(e, rhs=next(it)) for e in equations]
        spike = next(it)
        reset = [replace(e, rhs=next(it)) for e in reset]
        refractory, psp = next(it), next(it)
        pre = [replace(e, rhs=next(it)) for e in pre]
        post = [replace(e, rhs=next(it)) for e in post]
        return ModelIR(
            name=self.model.model_name,
            kind=self.kind,
            spiking=self.spiking_neuron if self.kind == "neuron" else bool(pre or post),
            variables=tuple(variables),
            equations=tuple(equations),
            spike=spike,
            reset=tuple(reset),
            refractory=refractory,
            psp=psp,
            pre_spike=tuple(pre),
            post_spike=tuple(post),
            targets=tuple(sorted(targets)),
            conductances=tuple(conductances),
            constants=tuple(sorted(self.constants)),
            functions=tuple((n, self.functions[n].args, self.functions[n].expr)
                            for n in self.function_order),
            description=getattr(self.model, "description", "") or "",
        )


def build_ir(model) -> ModelIR:
    """Parse a text-defined neuron or synapse into a :class:`ModelIR`.

    Parameters
    ----------
    model : Neuron or Synapse
        A model created with text blocks (``Neuron(parameters=..., equations=...)``).

    Returns
    -------
    ModelIR

    Raises
    ------
    EquationError
        With every problem of the model, in source order.
    """
    return _Builder(model).build()
