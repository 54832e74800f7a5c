"""Stop conditions of populations (``"r > 1.0 : any"``), for ``simulate_until``.

A condition is one boolean expression of the population's attributes, ``t``
and ``dt``, followed by an optional ``: any`` (stop when one neuron meets it,
the default) or ``: all`` (stop when every neuron does).
"""

from __future__ import annotations

import sympy as sp

from engine.errors import Diagnostic, EquationError
from engine.language.checks import Problem, is_condition, unknown_name_hint
from engine.language.expressions import Scope, convert, prepare
from engine.language.ir import ModelIR
from engine.language.symbols import symbol

__all__ = ["parse_stop_condition"]


class _PopulationScope(Scope):
    def __init__(self, ir: ModelIR):
        self._names = [v.name for v in ir.variables]

    def name(self, name):
        if name in self._names:
            return symbol(name)
        if name in ("t", "dt"):
            return super().name(name)
        raise Problem(f"unknown name '{name}'", unknown_name_hint(name, self.known_names()))

    def known_names(self):
        return ["t", "dt"] + self._names


def parse_stop_condition(text: str, ir: ModelIR, owner: str = "population") -> tuple[sp.Basic, bool]:
    """Parse ``text`` into (sympy condition, stop_any).

    Raises
    ------
    EquationError
        Unknown names, a non-boolean expression, or a flag other than any/all.
    """
    if not isinstance(text, str):
        raise EquationError(Diagnostic(f"stop_condition must be a string, got {text!r}",
                                       model=owner, block="stop_condition"))
    expr_text, _, flag = text.partition(":")
    flag = flag.strip()
    if flag not in ("", "any", "all"):
        raise EquationError(Diagnostic(
            f"unknown stop_condition flag '{flag}'", model=owner, block="stop_condition",
            line=1, col=text.index(":") + 2, text=text, hint="use ': any' or ': all'"))
    try:
        cond = convert(prepare(expr_text), _PopulationScope(ir))
        if not is_condition(cond):
            raise Problem("a stop condition must be a comparison (e.g. 'r > 1.0')")
    except Problem as p:
        col = None if p.col is None else p.col + 1
        raise EquationError(Diagnostic(p.message, model=owner, block="stop_condition", line=1,
                                       col=col, text=text, hint=p.hint)) from p
    return cond, flag != "all"
