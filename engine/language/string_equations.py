"""The text front end's statements: the equations block (two passes:
declare the targets, then convert the right-hand sides, solved for the
derivative), the event blocks (``reset``, ``pre_spike``, ``post_spike``) and
the single expressions (``spike``, ``psp``, ``refractory``).

:class:`_EquationReader` is a base class of the builder of
:mod:`engine.language.strings`.
"""

from __future__ import annotations

import ast
import re

import sympy as sp

from engine.language.checks import (
    Problem,
    check_condition,
    check_not_parameter,
    check_numeric,
    check_refractory,
    check_user_name,
)
from engine.language.expressions import (
    DERIVATIVE_PREFIX,
    Prepared,
    combine,
    prepare,
    solve_linear,
)
from engine.language.ir import Equation
from engine.language.random_draws import is_draw
from engine.language.lines import Flag, Line, Segment, find_assignment, split_assignment
from engine.language.string_decls import _CONDUCTANCE, _G_TARGET, _Decl, _ModelScope, \
    _python_value, _Statement
from engine.language.symbols import post_symbol, symbol

_EVIDENT_TARGET = re.compile(
    r"^(?:d(?P<ode>[A-Za-z]\w*)\s*/\s*dt|(?P<name>[A-Za-z]\w*))\s*[-+*/]?=")


class _EquationReader:
    """Equations, events and single expressions of a text model."""

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
                scope = _ModelScope(self, block, mode="value", draws=True,
                                    what="the refractory period")
                expr = self.expression(line.body, scope)
            else:
                if isinstance(raw, bool):
                    raise Problem("refractory must be a number of milliseconds")
                expr = _python_value(raw)
            check_refractory(expr)
            if expr.free_symbols and any(is_draw(n) for n in sp.preorder_traversal(expr)):
                raise Problem("a random refractory period is drawn once per neuron when the "
                              "population is created: its parameters must be numbers",
                              "write e.g. refractory=Uniform(1.0, 5.0), or set "
                              "pop.refractory to an array of ms after creating the population")
            return expr
        except Problem as p:
            self.report(block, line, p.at(None if line is None else line.body.col))
            return None
