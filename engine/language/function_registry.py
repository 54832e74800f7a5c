"""The registry of ``add_function`` definitions (see engine.language.global_functions).

Kept apart from ``add_function`` itself so that the string parser can read it
without importing the model classes that ``add_function`` uses to check a
definition.
"""

from __future__ import annotations

import re

__all__ = ["HEADER", "REGISTRY", "global_functions", "clear_functions"]

HEADER = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(")
#: name -> the text of its definition, in the order they were added
REGISTRY: dict[str, str] = {}


def global_functions(texts, exclude=()) -> str:
    """The registered definitions a model calls, as one functions block.

    ``texts``: the model's text blocks. A definition is included when its name
    is called there (``name(``) or in another included definition, so that a
    global function never clashes with a model that does not use it; names in
    ``exclude`` (the model's own functions) are left out.
    """
    body = "\n".join(t for t in texts if isinstance(t, str))
    chosen: dict[str, str] = {}
    grown = True
    while grown:
        grown = False
        for name, text in REGISTRY.items():
            if name in chosen or name in exclude:
                continue
            if re.search(rf"\b{name}\s*\(", body):
                chosen[name] = text
                body += "\n" + text
                grown = True
    return "\n".join(text for name, text in REGISTRY.items() if name in chosen)


def clear_functions() -> None:
    REGISTRY.clear()
