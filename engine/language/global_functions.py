"""Functions every model may call: ANNarchy's ``add_function``.

``add_function("logistic(x) = 1 / (1 + exp(-x))")`` registers a function for all
neurons and synapses created afterwards, as if each had it in its own
``functions`` block (a model's own definition of the same name wins). The text
is checked when it is added, so a mistake points at the ``add_function`` call,
not at some later model.

ANNarchy refuses to define a name twice; the engine does the same unless the
text is identical (re-running a notebook cell is then harmless). ``clear()``
(ANNarchy's ``clear(functions=True)``) forgets them.
"""

from __future__ import annotations

import textwrap

from engine.errors import ModelError
from engine.language.function_registry import HEADER as _HEADER
from engine.language.function_registry import REGISTRY as _REGISTRY
from engine.language.function_registry import clear_functions
from engine.language.models import Neuron

__all__ = ["add_function", "clear_functions"]


def _split(text: str) -> list[tuple[str, str]]:
    """(name, definition) for each definition in ``text``: a definition starts at an
    unindented line ``name(args) = ...`` (after dedenting); indented lines continue it."""
    out: list[tuple[str, list[str]]] = []
    for line in textwrap.dedent(text).splitlines():
        if not line.split("#")[0].strip():
            continue
        head = _HEADER.match(line)
        if not line[:1].isspace() and head is not None:
            out.append((head.group(1), [line]))
        elif out and line[:1].isspace():
            out[-1][1].append(line)
        else:
            raise ModelError(f"add_function(): expected 'name(x, y) = expression', got "
                             f"{line.strip()!r}")
    return [(name, "\n".join(lines)) for name, lines in out]


def add_function(function: str) -> None:
    """Define ``name(args) = expression`` for every model created afterwards.

    Raises :class:`ModelError` (or :class:`EquationError` for the expression)
    when the text is not a function, or the name already has another definition.
    """
    if not isinstance(function, str):
        raise ModelError(f"add_function() takes the function as text, "
                         f"e.g. 'f(x) = 2*x', got {type(function).__name__}")
    defs = _split(function)
    if not defs:
        raise ModelError("add_function(): the text is empty; write 'name(x) = expression'")
    for name, text in defs:
        old = _REGISTRY.get(name)
        if old is not None and old != text:
            raise ModelError(f"add_function(): the global function {name} already exists "
                             f"(defined as {old!r}); call clear() first to redefine it")
    _check(defs)
    _REGISTRY.update(defs)


def _check(defs: list[tuple[str, str]]) -> None:
    """Parse the definitions in a throwaway model, so that errors surface here."""
    text = "\n".join(t for _, t in defs)
    Neuron(equations="r = 0", functions=text, name="add_function")
