"""The output of the integrators: ordered scalar assignments."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Statement"]


@dataclass(frozen=True)
class Statement:
    """``target = expr``, executed for one element in one step.

    ``target`` is a model attribute (a state variable written back to its
    array) or a temporary whose name starts with ``_`` (a local only).
    ``frozen_when_refractory``: for spiking neurons, the statement must not
    change ``target`` while the neuron is refractory (equations flagged
    ``unless_refractory``); codegen keeps the old value in that case.
    """

    target: str
    expr: sp.Basic
    frozen_when_refractory: bool = False

    def __str__(self) -> str:
        return f"{self.target} = {sp.sstr(self.expr)}"
