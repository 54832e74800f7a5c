"""NESTML statements (``update``, ``onReceive``, ``onCondition`` blocks) as
assignments of the step program.

Each statement becomes writes (:mod:`workbench.nest.nestml.program`) under
the condition of the branch it is in. The branches of an ``if`` each read the
values the ``if`` started with, so that branches doing the same work (an
integration) can share it.
"""

from __future__ import annotations

import re

from workbench.nest.nestml.errors import _Unsupported
from workbench.nest.nestml.printing import _ADD, _MUL, _wrap


class _Statements:
    """The statements of :class:`~workbench.nest.nestml.translator._Translator`."""

    def stmts(self, body, pred, ctx):
        self.scopes.append({})
        try:
            for stmt in body.get_stmts():
                if stmt.is_small_stmt():
                    self.small(stmt.small_stmt, pred, ctx)
                else:
                    compound = stmt.compound_stmt
                    if compound.is_if_stmt():
                        self.if_stmt(compound.get_if_stmt(), pred, ctx)
                    else:
                        what = "for" if compound.is_for_stmt() else "while"
                        raise _Unsupported(compound, f"{what} loops are not supported")
        finally:
            self.scopes.pop()

    def if_stmt(self, node, pred, ctx):
        env = self.stmt_env()
        clauses = [(node.get_if_clause().get_condition(), node.get_if_clause().get_stmts_body())]
        clauses += [(c.get_condition(), c.get_stmts_body()) for c in node.get_elif_clauses()]
        conds = [self.cond(self.boolean(c, env)) for c, _ in clauses]
        if node.has_else_clause():
            clauses.append((None, node.get_else_clause().get_stmts_body()))
        # each branch reads the values the if started with (a version written by an
        # earlier branch equals them whenever this branch runs), so that branches
        # doing the same work can share it; writes keep the earlier branches' versions
        entry = dict(self.cur)
        for i, (c, body) in enumerate(clauses):
            p = list(pred) + [(conds[j], False) for j in range(i)]
            if c is not None:
                p.append((conds[i], True))
            self.cur = dict(entry)
            self.stmts(body, p, ctx)
        self.cur = {**entry, **self.latest}

    def small(self, stmt, pred, ctx):
        if stmt.is_assignment():
            self.assignment(stmt.get_assignment(), pred)
        elif stmt.is_declaration():
            self.local(stmt.get_declaration(), pred)
        elif stmt.is_function_call():
            self.call_stmt(stmt.get_function_call(), pred, ctx)
        else:
            raise _Unsupported(stmt, f"'return' in the {ctx} block is not supported")

    def local(self, decl, pred):
        if decl.has_size_parameter():
            raise _Unsupported(decl, "vector variables are not supported")
        env = self.stmt_env()
        dtype = self._dtype(decl)
        for var in decl.get_variables():
            key = self.helper(var.get_name(), dtype)
            value = self.number(decl.get_expression(), env) if decl.has_expression() else "0"
            self.write(key, value, self.pred_text(pred), otherwise="0")
            self.scopes[-1][var.get_name()] = key

    def _target_key(self, var, node) -> str:
        name = var.get_name()
        if var.get_vector_parameter() is not None:
            raise _Unsupported(node, "vector variables are not supported")
        for scope in reversed(self.scopes):
            if name in scope and not var.get_differential_order():
                return scope[name]
        key = name + "__d" * var.get_differential_order()
        if key in self.state:
            return key
        raise _Unsupported(node, f"cannot assign {var.get_complete_name()!r}: only state and "
                           "local variables can be assigned")

    def assignment(self, node, pred):
        key = self._target_key(node.get_variable(), node)
        env = self.stmt_env()
        text, _, prec = self._x(node.get_expression(), env, number=True)
        if node.is_direct_assignment:
            value = text
        else:
            cur = self.read(key)
            for flag, sym, p in (("is_compound_sum", "+", _ADD), ("is_compound_minus", "-", _ADD),
                                 ("is_compound_product", "*", _MUL),
                                 ("is_compound_quotient", "/", _MUL)):
                if getattr(node, flag):
                    value = f"{cur} {sym} {_wrap(text, prec, p + 1)}"
                    break
            else:
                raise _Unsupported(node, "integer division '//=' is not supported")
        self.write(key, value, self.pred_text(pred))

    def call_stmt(self, call, pred, ctx):
        name = call.get_name()
        if name == "integrate_odes":
            if ctx != "update":
                raise _Unsupported(call, f"integrate_odes() in an {ctx} block is not supported",
                                   "call integrate_odes() in the update block")
            keys = []
            for arg in call.get_args():
                simple = arg if type(arg).__name__ == "ASTSimpleExpression" else None
                if simple is None or not simple.is_variable():
                    raise _Unsupported(call, "integrate_odes() takes state variable names")
                base = simple.get_variable().get_name()
                keys += [k for k in self.odes
                         if re.fullmatch(re.escape(base) + "(__d)*", k) and k not in keys]
            self.integrate(keys if call.get_args() else list(self.odes), pred)
        elif name == "emit_spike":
            if call.get_args():
                raise _Unsupported(call, "emit_spike() with arguments (a synapse model) is not "
                                   "supported", "only neuron models are translated")
            if self.spiked is None:
                self.spiked = self.helper("nestml_spike", "bool")
                self.write(self.spiked, "1", self.pred_text(pred), otherwise="0")
            else:
                self.write(self.spiked, "1", self.pred_text(pred))
        elif name in ("print", "println", "info", "warning"):
            return  # output only: no effect on the dynamics
        else:
            raise _Unsupported(call, f"calling {name}() as a statement is not supported")
