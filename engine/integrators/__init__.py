"""Integration methods: turn a model's equations into one step of updates.

Pure sympy-to-sympy. :func:`discretize` reads an ordered block of
:class:`~engine.language.ir.Equation` and returns the ordered list of
:class:`Statement` that advance the state by one step ``dt``. Codegen prints
those statements inside the per-element loop; it never looks at ODEs itself.

Semantics (as ANNarchy):

- statements run in written order; an assignment sees the values assigned
  before it in the same step;
- consecutive ODEs form a run: their derivatives are computed from the state
  at the start of the run and their variables are updated together at its
  end, before the next assignment (ANNarchy's ODE blocks), so coupled ODEs
  written together are integrated consistently;
- ``min``/``max`` bounds are applied right after a variable is updated.

See :mod:`engine.integrators.methods` for the methods,
:mod:`engine.integrators.runge_kutta` for the multi-stage schemes and
:mod:`engine.integrators.linear` for the linearity analysis.
"""

from engine.integrators.statements import Statement  # noqa: F401
from engine.integrators.methods import (  # noqa: F401
    METHOD_ORDERS,
    discretize,
    event_driven_solution,
)

__all__ = ["Statement", "discretize", "event_driven_solution", "METHOD_ORDERS"]
