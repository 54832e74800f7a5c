"""Read-only questions about NESTML's AST: which variables and functions an
expression uses, whether it is (or convolves) a delta kernel.

The translator asks them while it plans the step (which internals are
computed once, which ODEs read one another, where a delta kernel makes a
variable jump) before it writes any text.
"""

from __future__ import annotations


def _names_in(node) -> set[str]:
    """NESTML keys (``x``, ``x__d``) of the variables an expression reads."""
    out = set()

    def walk(n):
        if type(n).__name__ == "ASTVariable":
            out.add(n.get_name() + "__d" * n.get_differential_order())
        for child in n.get_children():
            walk(child)

    walk(node)
    return out


def _calls_in(node) -> set[str]:
    """Names of the functions an expression calls."""
    out = set()

    def walk(n):
        if type(n).__name__ == "ASTFunctionCall":
            out.add(n.get_name())
        for child in n.get_children():
            walk(child)

    walk(node)
    return out


def _is_delta(expr) -> bool:
    """``delta(t)``, the whole kernel."""
    while type(expr).__name__ == "ASTExpression" and expr.is_encapsulated:
        expr = expr.get_expression()
    if type(expr).__name__ != "ASTSimpleExpression" or not expr.is_function_call():
        return False
    call = expr.get_function_call()
    return call.get_name() == "delta"


def _has_delta_convolve(node, translator, conv=None) -> bool:
    """Whether ``node`` (or an inline expression it uses) convolves a delta kernel."""
    seen = set()

    def walk(n):
        kind = type(n).__name__
        if kind == "ASTFunctionCall" and n.get_name() == "convolve":
            kernel, port = translator._convolve_args(n)
            found = translator.convs.get((kernel, port))
            if found is not None and found.delta and (conv is None or found is conv):
                return True
        if kind == "ASTVariable" and n.get_name() in translator.inlines \
                and n.get_name() not in seen:
            seen.add(n.get_name())
            if walk(translator.inlines[n.get_name()].get_expression()):
                return True
        return any(walk(c) for c in n.get_children())

    return walk(node)
