"""Explicit multi-stage (Runge-Kutta) schemes applied to a group of ODEs.

A group is every ODE of one block that uses the same multi-stage method. Each
right-hand side ``F_i`` is a function of the group's state ``X`` (and of time
``t``; everything else is constant over the step). Stage ``s`` evaluates all
``F_i`` at ``X + c_s*dt*k_{s-1}`` and ``t + c_s*dt``, so coupled ODEs are
integrated as one system and keep the method's order.

The first stage ``k1`` is computed by the caller at the ODE's position in the
block (from the raw right-hand side); this module builds the later stages and
the final increments.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from engine.integrators.statements import Statement
from engine.language.symbols import DT, T, symbol

__all__ = ["TABLEAUX", "Tableau", "GroupMember", "stage_statements", "k_name", "delta_name"]


@dataclass(frozen=True)
class Tableau:
    """An explicit Runge-Kutta scheme whose stage ``s`` uses only stage ``s-1``.

    ``nodes[s]``: fraction of ``dt`` at which stage ``s+1`` (``s >= 1``) is
    evaluated, from the previous stage's slope. ``weights``: weight of each
    stage in the final increment.
    """

    nodes: tuple[sp.Basic, ...]
    weights: tuple[sp.Basic, ...]


TABLEAUX: dict[str, Tableau] = {
    # k1 = f(X); k2 = f(X + dt/2 k1); X += dt k2
    "midpoint": Tableau(nodes=(sp.Integer(0), sp.Rational(1, 2)),
                        weights=(sp.Integer(0), sp.Integer(1))),
    # classical RK4
    "rk4": Tableau(nodes=(sp.Integer(0), sp.Rational(1, 2), sp.Rational(1, 2), sp.Integer(1)),
                   weights=(sp.Rational(1, 6), sp.Rational(1, 3), sp.Rational(1, 3),
                            sp.Rational(1, 6))),
}


@dataclass(frozen=True)
class GroupMember:
    """One ODE of a multi-stage group.

    ``rhs`` is the right-hand side with every earlier assignment that depends
    on the group's state (or on ``t``) substituted in, and with random draws
    already replaced by ``_rand_k`` temporaries.
    """

    target: str
    rhs: sp.Basic


def k_name(stage: int, target: str) -> str:
    """Temporary holding the slope of ``target`` at ``stage`` (1-based)."""
    return f"_k{stage}_{target}"


def delta_name(target: str) -> str:
    """Temporary holding the increment of ``target`` over the step."""
    return f"_d_{target}"


def stage_statements(method: str, members: list[GroupMember]) -> list[Statement]:
    """Statements of stages 2.. and the increments ``_d_x`` of one group.

    Parameters
    ----------
    method : str
        A key of :data:`TABLEAUX`.
    members : list of GroupMember
        The group's ODEs in written order; their ``_k1_`` temporaries must
        already have been computed.

    Returns
    -------
    list of Statement
        ``_k2_x = ...`` for every member, then ``_k3_`` ..., then
        ``_d_x = dt*(sum of weighted slopes)``.
    """
    tab = TABLEAUX[method]
    out: list[Statement] = []
    for stage in range(2, len(tab.nodes) + 1):
        c = tab.nodes[stage - 1]
        mapping = {T: T + c * DT}
        for m in members:
            x = symbol(m.target)
            mapping[x] = x + c * DT * symbol(k_name(stage - 1, m.target))
        for m in members:
            out.append(Statement(k_name(stage, m.target), m.rhs.xreplace(mapping)))
    for m in members:
        total = sp.Add(*[w * symbol(k_name(s + 1, m.target))
                         for s, w in enumerate(tab.weights) if w != 0])
        out.append(Statement(delta_name(m.target), DT * total))
    return out
