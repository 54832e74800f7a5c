"""Every model of a session: the engine's built-in models and the user's own.

Models are kept as specs (:meth:`engine.Neuron.to_spec`), the form workspace
files store: plain dicts of text, checked (parsed) when they enter the
library. Built-in models are starting points: they can be read and copied,
not replaced or removed.
"""

from __future__ import annotations

import functools
import inspect

import param

import engine.models as builtin_models
from engine import ModelError, Neuron, Synapse, model_from_spec

__all__ = ["ModelLibrary", "builtin_specs"]


@functools.lru_cache(maxsize=1)
def _builtin() -> dict:
    out = {}
    for name in sorted(dir(builtin_models)):
        cls = getattr(builtin_models, name)
        if not (inspect.isclass(cls) and issubclass(cls, (Neuron, Synapse))) \
                or cls in (Neuron, Synapse) or name.startswith(("Standard", "Bold")):
            continue
        spec = cls().to_spec()
        spec["name"] = name
        out[name] = spec
    return out


def builtin_specs() -> dict[str, dict]:
    """``name -> spec`` of the engine's built-in neuron and synapse models."""
    return {name: dict(spec) for name, spec in _builtin().items()}


class ModelLibrary(param.Parameterized):
    """The models a session can use, by name."""

    user_models = param.Dict(default={}, doc="name -> spec of the user's models.")

    def names(self, kind: str | None = None) -> list[str]:
        """Built-in names first, then the user's (optionally of one kind)."""
        every = {**_builtin(), **self.user_models}
        return [n for n, s in every.items() if kind is None or s["kind"] == kind]

    def is_builtin(self, name: str) -> bool:
        return name in _builtin()

    def spec(self, name: str) -> dict:
        """A copy of the spec of model ``name``."""
        if name in self.user_models:
            return dict(self.user_models[name])
        if name in _builtin():
            return dict(_builtin()[name])
        raise ModelError(f"no model named {name!r} in the library; the models are "
                         f"{', '.join(self.names())}")

    def model(self, name: str):
        """The model ``name``, built from its spec."""
        return model_from_spec(self.spec(name))

    def add(self, spec: dict, replace: bool = False) -> str:
        """Add (or, with ``replace``, update) a user model; returns its name.

        The spec is parsed first: a model with errors is refused with the
        engine's message, and the library stays as it was.
        """
        model = model_from_spec(spec)            # raises EquationError / ModelError
        name = model.model_name
        if self.is_builtin(name):
            raise ModelError(f"{name!r} is a built-in model: give your model another name")
        if name in self.user_models and not replace:
            raise ModelError(f"a model named {name!r} exists already: choose another name, "
                             "or replace it")
        self.user_models = {**self.user_models, name: model.to_spec()}
        return name

    def remove(self, name: str) -> None:
        if self.is_builtin(name):
            raise ModelError(f"{name!r} is a built-in model and cannot be removed")
        if name not in self.user_models:
            raise ModelError(f"no user model named {name!r}")
        self.user_models = {k: v for k, v in self.user_models.items() if k != name}

    def copy_name(self, name: str) -> str:
        """A free name for a copy of ``name`` (``Izhikevich_copy``, ``..._copy2``)."""
        taken = set(self.names())
        base, n = f"{name}_copy", 1
        candidate = base
        while candidate in taken:
            n += 1
            candidate = f"{base}{n}"
        return candidate
