"""LaTeX for the reports (:mod:`engine.runtime.report`): model names and IR expressions.

The report never reparses model text: it prints the sympy expressions of the
:class:`~engine.language.ir.ModelIR` with a :class:`sympy.printing.latex.LatexPrinter`
taught the IR's symbol conventions (:mod:`engine.language.symbols`):

============================  ==================================================
IR symbol / function           LaTeX
============================  ==================================================
``v``, ``tau``, ``v_thresh``   ``v``, ``\\tau``, ``v_{\\text{thresh}}`` (ANNarchy's
                               rule: one letter or a Greek name stays math, a
                               longer name is ``\\text{...}``, the first ``_``
                               starts a subscript)
``pre.r``, ``post.v``          ``r^{\\text{pre}}``, ``v^{\\text{post}}``
``sum(exc)``                   ``\\sum_{\\text{exc}} \\text{psp}``
``mean(r)``                    ``\\operatorname{mean}(r)``
``t``, ``dt``                  ``t``, ``\\Delta t``
``pre._t_spike``               ``t_{\\text{pre}}`` (ANNarchy's ``t_pre``)
``Uniform(a, b, k)``           ``\\mathcal{U}(a, b)`` (the occurrence number ``k``
                               is hidden), ``\\mathcal{N}`` for Normal
============================  ==================================================
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

from engine.language.ir import Equation
from engine.language.random_draws import DRAW_FUNCTIONS
from engine.language.symbols import LAST_SPIKE_TIME, split_global_op

__all__ = ["latex_name", "latex_expr", "latex_equation", "latex_text", "latex_function"]

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
    "xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi "
    "Sigma Upsilon Phi Psi Omega".split())

_DRAW_LATEX = {"Uniform": r"\mathcal{U}", "Normal": r"\mathcal{N}"}

_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                 "^": r"\textasciicircum{}"}


def latex_text(text) -> str:
    """``text`` escaped for LaTeX text mode (names, descriptions)."""
    return "".join(_TEXT_ESCAPES.get(ch, ch) for ch in str(text))


def _part(part: str) -> str:
    if part in GREEK:
        return "\\" + part
    if len(part) == 1:
        return part
    return r"\text{" + latex_text(part) + "}"


def latex_name(name: str) -> str:
    """A model attribute's name in math mode (see the module table)."""
    parts = [p for p in name.split("_") if p]
    if not parts:
        return r"\text{" + latex_text(name) + "}"
    base = _part(parts[0])
    if len(parts) == 1:
        return base
    rest = parts[1:]
    sub = _part(rest[0]) if len(rest) == 1 else r"\text{" + latex_text("_".join(rest)) + "}"
    return f"{{{base}}}_{{{sub}}}"


def _symbol_latex(name: str) -> str:
    """LaTeX of an IR symbol given by its name (also equation targets)."""
    if name == "t":
        return "t"
    if name == "dt":
        return r"\Delta t"
    for side in ("pre", "post"):
        if name == f"{side}.{LAST_SPIKE_TIME}":
            return rf"t_{{\text{{{side}}}}}"
    op = split_global_op(name) if name.endswith(")") else None
    if op is not None:
        fn, side, attr = op
        inner = latex_name(attr) + (rf"^{{\text{{{side}}}}}" if side else "")
        return rf"\operatorname{{{fn}}}\left({inner}\right)"
    if name.startswith("sum(") and name.endswith(")"):
        return rf"\sum_{{\text{{{latex_text(name[4:-1])}}}}} \text{{psp}}"
    for side in ("pre", "post"):
        if name.startswith(side + "."):
            return rf"{{{latex_name(name[len(side) + 1:])}}}^{{\text{{{side}}}}}"
    return latex_name(name)


class _IRLatexPrinter(LatexPrinter):
    """sympy's LaTeX printer reading the IR's names (module table)."""

    def _print_Symbol(self, expr, style="plain"):
        return _symbol_latex(expr.name)

    def parenthesize_super(self, s):
        # a sum or a global operation raised to a power: (sum psp)^2, not sum psp^2
        if s.startswith((r"\sum", r"\operatorname")):
            return rf"\left({s}\right)"
        return super().parenthesize_super(s)

    def _print_Function(self, expr, exp=None):
        dist = DRAW_FUNCTIONS.get(type(expr))
        if dist is not None:
            head = _DRAW_LATEX.get(dist.name, rf"\operatorname{{{dist.name}}}")
            args = ", ".join(self._print(a) for a in expr.args[:-1])
            text = rf"{head}\left({args}\right)"
            return text if exp is None else rf"{text}^{{{exp}}}"
        return super()._print_Function(expr, exp)


_PRINTER = _IRLatexPrinter({"full_prec": False})


def latex_expr(expr) -> str:
    """LaTeX (math mode, without delimiters) of an IR expression or number."""
    if not isinstance(expr, sp.Basic):
        expr = sp.sympify(expr) if isinstance(expr, (int, float, bool)) else expr
    if expr is sp.true:
        return r"\text{True}"
    if expr is sp.false:
        return r"\text{False}"
    return _PRINTER.doprint(expr)


def latex_equation(eq: Equation, event: bool = False) -> str:
    """``\\frac{d v}{dt} = ...`` for an ODE, ``r = ...`` for an assignment and
    ``v \\leftarrow c`` for a statement run on an event (reset, pre/post spike)."""
    target = _symbol_latex(eq.target)
    rhs = latex_expr(eq.rhs)
    if eq.kind == "ode":
        return rf"\frac{{d {target}}}{{dt}} = {rhs}"
    arrow = r"\leftarrow" if event else "="
    return f"{target} {arrow} {rhs}"


def latex_function(name: str, args, expr) -> str:
    """A user function ``f(x) = ...`` of the IR (``ModelIR.functions``)."""
    arglist = ", ".join(latex_name(a) for a in args)
    return rf"{latex_name(name)}\left({arglist}\right) = {latex_expr(expr)}"
