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

Modules: :mod:`engine.language.string_decls` (declarations, values, the
names a block sees), :mod:`engine.language.string_equations` (equations,
events, spike/psp/refractory); this one reads functions, parameters and
flags and assembles the IR.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import replace

import sympy as sp

from engine.errors import Diagnostic, EquationError
from engine.language.checks import (
    LOCALITY_FLAGS,
    Problem,
    check_argument_name,
    check_flag,
    check_locality,
    check_method,
    check_numeric,
    check_user_name,
    find_cycles,
)
from engine.language.expressions import (
    MAX_CHARS,
    Prepared,
    Scope,
    UserFunction,
    convert,
    prepare,
)
from engine.language.function_registry import HEADER, global_functions
from engine.language.functions import FUNCTIONS
from engine.language.ir import METHOD_ALIASES, METHODS, REDUCTIONS, ModelIR, SourceRef
from engine.language.lines import (
    Flag,
    Line,
    Segment,
    parse_flags,
    split_assignment,
    split_lines,
)
from engine.language.declarations import Parameter, Variable
from engine.language.random_draws import DISTRIBUTIONS, renumber_draws
from engine.language.string_decls import _Decl, _dtype, _ModelScope, _python_value, _Statement
from engine.language.string_equations import _EquationReader
from engine.language.symbols import conductance_targets, symbol

__all__ = ["build_ir"]

_FUNCTION_HEADER = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*\((?P<args>[^()]*)\)$")
_NAME = re.compile(r"^[A-Za-z_]\w*$")
_UNSUPPORTED = ("axon_spike", "axon_reset", "pre_axon_spike")
_BRIAN2_UNLESS = re.compile(r"\(\s*unless[\s_]+refractory\s*\)")


class _Builder(_EquationReader):
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
        self.operation = "sum"
        self.auto_conductances: dict[str, _Decl] = {}
        #: ``r`` read by a spiking neuron that does not define it: ANNarchy's
        #: firing rate, filled by pop.compute_firing_rate(window), else 0
        self.auto_rate: _Decl | None = None
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
        if self.auto_rate is not None:
            yield "r", self.auto_rate

    def lookup(self, name: str) -> _Decl | None:
        if name == "w" and self.auto_w is not None:
            return self.auto_w
        return (self.params.get(name) or self.variables.get(name)
                or self.auto_conductances.get(name)
                or (self.auto_rate if name == "r" else None))

    def true_parameters(self) -> set[str]:
        return {n for n, d in self.params.items() if d.kind == "parameter"}

    def firing_rate(self, block: str) -> sp.Basic:
        """``r`` in a spiking neuron that does not define it (ANNarchy's)."""
        if self.auto_rate is None:
            self.auto_rate = _Decl("r", "variable", SourceRef(self.label, block))
        return symbol("r")

    def conductance(self, name: str, block: str) -> sp.Basic:
        if name not in self.auto_conductances:
            self.auto_conductances[name] = _Decl(name, "variable",
                                                 SourceRef(self.label, block))
        return symbol(name)

    # -- diagnostics --------------------------------------------------------------------
    def report(self, block: str, line: Line | None, problem: Problem) -> None:
        number, text, col = None, "", problem.col
        if line is not None:  # the physical line of a statement over several lines
            number, text, col = line.locate(col)
        col = None if col is None else col + 1
        diag = Diagnostic(problem.message, model=self.label, block=block,
                          line=number, col=col, text=text, hint=problem.hint)
        key = (self.rank.get(block, len(self.rank)), diag.line or 10**9, col or 0,
               len(self.diagnostics))
        self.diagnostics.append((key, diag))

    def source(self, block: str, line: Line, col: int | None = None) -> SourceRef:
        number, text, col = line.locate(col)
        return SourceRef(self.label, block, number, None if col is None else col + 1, text)

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
                line = self.brian2_unless_refractory(block, line)
                try:
                    flags = parse_flags(line.flags) if line.flags is not None else []
                except Problem as p:
                    self.report(block, line, p)
                    flags = []
                out.append((line, flags + extra))
        return out

    def brian2_unless_refractory(self, block: str, line: Line) -> Line:
        """Brian2's ``(unless refractory)``: reported with its ANNarchy spelling, then dropped."""
        for part in ("body", "flags"):
            seg = getattr(line, part)
            m = None if seg is None else _BRIAN2_UNLESS.search(seg.text)
            if m is None:
                continue
            rest = seg.sub(0, m.start())
            if part == "flags":
                fixed = f"{line.body.text} : {rest.text + ', ' if rest else ''}unless_refractory"
            else:
                fixed = f"{rest.text} : unless_refractory"
            self.report(block, line, Problem(
                "'(unless refractory)' is Brian2's flag",
                f"write it as a flag after ':', as ANNarchy does: '{fixed}'",
                col=seg.col + m.start()))
            if part == "flags":
                line = replace(line, flags=rest if rest else None)
            else:
                line = replace(line, body=rest)
        return line

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
        """A flag or parameter value: text (Segment or str) or a Python object.

        ``true``/``false`` (C's spelling, which ANNarchy's parameters and ``init=``
        accept beside Python's) are the booleans."""
        text = value.text if isinstance(value, Segment) else value
        if isinstance(text, str) and text.strip() in ("true", "false"):
            value = text.strip() == "true"
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
        own = self.lines(block, self.model.functions)
        for line, _ in own + self.lines(block, self.global_functions(own)):
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
                    check_argument_name(a)
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

    def global_functions(self, own) -> str:
        """The ``add_function`` definitions this model calls (its own names win)."""
        names = {m.group(1) for line, _ in own if (m := HEADER.match(line.body.text))}
        texts = [getattr(self.model, f, None) for f in self.model._text_fields]
        texts += [v.equation if isinstance(v, Variable) else v
                  for v in (self.model.equations if isinstance(self.model.equations, list)
                            else [])]
        return global_functions(texts, exclude=names)

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
        value = flag.value
        if isinstance(value, Segment) and name in ("locality", "type"):
            # written in text ('r = 0 : locality=local'): the word, quotes allowed
            value = value.text.strip("'\"")
            if name == "type":
                value = {"int": int, "bool": bool, "float": float}.get(value, value)
        if name == "locality":  # 5.x keyword argument
            check_locality(value, self.kind)
            self.set_locality(decl, value, "locality")
            return
        if name == "type":  # 5.x keyword argument
            self.once(decl, "dtype")
            decl.dtype = _dtype(value)
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
        elif name == "method" or name in METHODS or name in METHOD_ALIASES:
            method = METHOD_ALIASES.get(name, name)
            if name == "method":
                method = flag.value.text if isinstance(flag.value, Segment) else flag.value
                if not isinstance(method, str):
                    raise Problem(f"method must be a name, got {method!r}")
                try:
                    method = check_method(method)
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
            self.operation = self.read_operation(getattr(model, "operation", "sum"), pre, post)
        self.resolve_flag_values()
        if self.diagnostics:
            raise EquationError([d for _, d in sorted(self.diagnostics, key=lambda x: x[0])])
        return self.assemble(equations, spike, reset, refractory, psp, pre, post)

    def read_operation(self, operation, pre, post) -> str:
        """ANNarchy's ``operation=``: how a rate-coded dendrite combines its psp."""
        if operation is None:
            return "sum"
        if operation not in REDUCTIONS:
            self.report("operation", None, Problem(
                f"operation must be one of {', '.join(map(repr, REDUCTIONS))}, "
                f"got {operation!r}", "'sum' (the default) adds the psp of the synapses"))
            return "sum"
        if operation != "sum" and (pre or post):
            self.report("operation", None, Problem(
                f"operation={operation!r} applies to rate-coded synapses (psp), not to "
                "pre_spike/post_spike events", "spikes always add to g_target"))
            return "sum"
        return operation

    def assemble(self, equations, spike, reset, refractory, psp, pre, post) -> ModelIR:
        conductances = sorted(self.auto_conductances)
        decls = list(self.params.values())
        if self.auto_w is not None:
            decls.append(self.auto_w)
        decls += list(self.variables.values()) + [self.auto_conductances[n] for n in conductances]
        if self.auto_rate is not None:
            decls.append(self.auto_rate)
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
            operation=self.operation,
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
