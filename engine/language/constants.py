"""Names of network constants, known process-wide so models can use them.

``net.constant('c', 2.0)`` (or ``Constant('c', 2.0)``) registers the *name*
here; values stay in each network. A model that uses ``c`` is accepted by the
parser if ``c`` was registered before the model was written, and the network
checks at ``create()``/``connect()`` that it has a constant of that name.
"""

from __future__ import annotations

__all__ = ["register_constant_name", "is_constant_name", "constant_names"]

_NAMES: set[str] = set()


def register_constant_name(name: str) -> None:
    _NAMES.add(name)


def is_constant_name(name: str) -> bool:
    return name in _NAMES


def constant_names() -> frozenset[str]:
    return frozenset(_NAMES)
