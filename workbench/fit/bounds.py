"""The search space of a fit: ``variables_bounds`` as CompNeuroPy writes it.

``{"a": [-10, 10], "b": [0, 5], "c": -65.0, "d": "a + b"}``: a pair is a
range to search, a single number a value fixed for the whole fit, a string a
value computed for each candidate from the others (workbench.fit.derived). The search itself works in
the unit cube (every range mapped to [0, 1]), so that one step size suits
parameters of any scale; points a search proposes outside the cube are
mirrored back in (:meth:`SearchSpace.repair`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from workbench.fit.derived import DerivedParameter
from workbench.fit.errors import FitError

__all__ = ["SearchSpace"]


@dataclass(frozen=True)
class SearchSpace:
    """Fitted names with their ranges, the fixed values, and the values
    derived from them."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    fixed: dict
    derived: dict = field(default_factory=dict)     # name -> DerivedParameter

    @classmethod
    def parse(cls, variables_bounds) -> "SearchSpace":
        """Check ``variables_bounds`` and build the space.

        Raises
        ------
        FitError
            Not a dict, a name that is not a string, a range that is not two
            finite numbers with low < high, a fixed value that is not a finite
            number, or nothing to fit.
        """
        if not isinstance(variables_bounds, dict) or not variables_bounds:
            raise FitError("variables_bounds must be a dict such as {'a': [0, 1], 'b': 2.0} "
                           f"(got {variables_bounds!r})")
        names, low, high, fixed, texts = [], [], [], {}, {}
        for name, bound in variables_bounds.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise FitError(f"variables_bounds: {name!r} is not a parameter name")
            if isinstance(bound, (list, tuple, np.ndarray)):
                if len(bound) != 2:
                    raise FitError(f"variables_bounds[{name!r}]: give [low, high] or one fixed "
                                   f"value, got {list(bound)!r}")
                lo, hi = (_number(name, b) for b in bound)
                if not lo < hi:
                    raise FitError(f"variables_bounds[{name!r}]: low must be below high, got "
                                   f"[{lo:g}, {hi:g}] (a single number fixes the value)")
                names.append(name)
                low.append(lo)
                high.append(hi)
            elif isinstance(bound, str):
                texts[name] = bound
            else:
                fixed[name] = _number(name, bound)
        if not names:
            raise FitError("variables_bounds fixes every value: give at least one [low, high] "
                           "range to fit")
        known = set(names) | set(fixed)
        derived = {name: DerivedParameter(name, text, known) for name, text in texts.items()}
        return cls(tuple(names), np.array(low), np.array(high), fixed, derived)

    @property
    def dim(self) -> int:
        return len(self.names)

    @property
    def varying(self) -> tuple[str, ...]:
        """The names whose values differ between candidates: fitted, then derived."""
        return self.names + tuple(self.derived)

    def to_values(self, unit: np.ndarray) -> dict[str, np.ndarray]:
        """Points of the unit cube, shape (candidates, dim), as parameter
        values: name -> array (candidates,) (clipped to the cube), the
        fitted ones then the derived ones.

        Raises
        ------
        FitError
            If a derived value is not finite for a candidate.
        """
        unit = np.clip(np.atleast_2d(unit), 0.0, 1.0)
        values = self.low + unit * (self.high - self.low)
        out = {name: values[:, i].copy() for i, name in enumerate(self.names)}
        known = out | self.fixed
        for name, param in self.derived.items():
            out[name] = param.evaluate(known, unit.shape[0])
        return out

    @staticmethod
    def repair(unit: np.ndarray) -> np.ndarray:
        """Points mirrored into the unit cube at its faces (1.2 -> 0.8,
        -0.1 -> 0.1). The search is told the mirrored points: clipping them
        instead made every point beyond a face equally good, and CMA-ES
        wandered off outside the ranges (benchmarks/fit_izhikevich.py)."""
        y = np.mod(np.atleast_2d(unit), 2.0)
        return np.where(y > 1.0, 2.0 - y, y)


def _number(name, value) -> float:
    if isinstance(value, bool):
        raise FitError(f"variables_bounds[{name!r}]: give numbers, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise FitError(f"variables_bounds[{name!r}]: give numbers, got {value!r}") from None
    if not math.isfinite(value):
        raise FitError(f"variables_bounds[{name!r}]: give finite numbers, got {value}")
    return value
