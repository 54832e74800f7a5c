"""Random draws of a synapse model whose parameters are its attributes.

``Normal(0, s)`` in a synapse's equations (or events, ``psp``, ``apply``)
with a parameter ``s``: ``proj.s = -1`` is refused at assignment (and the
projection keeps its values), and values written without an assignment
check (``load()``) are refused at ``compile()`` and before each run, as for
populations (engine.runtime.draw_parameters has the shared rules).
"""

from __future__ import annotations

from engine.errors import AttributeAssignmentError, NetworkError
from engine.runtime.draw_parameters import draw_problem, parametric_draws

__all__ = ["SynapseDrawChecks"]


class SynapseDrawChecks:
    """A mixin of ``Projection``: checks the parameters of its model's draws.

    The projection's own ``_assign(name, value, post)`` stores values; this
    mixin's ``_set`` wraps it so that a refused value leaves nothing changed.
    """

    def _parametric_draws(self) -> list:
        cached = self.__dict__.get("_draw_cache")
        if cached is not None and cached[0] is self.ir:
            return cached[1]
        ir = self.ir
        exprs = [e.rhs for e in ir.equations + ir.pre_spike + ir.post_spike + ir.apply]
        if ir.psp is not None:
            exprs.append(ir.psp)
        out = parametric_draws(ir, exprs)
        object.__setattr__(self, "_draw_cache", (ir, out))
        return out

    def _in_draw(self, name: str) -> bool:
        return any(name in names for *_, names in self._parametric_draws())

    def _locality(self, name: str) -> str | None:
        arrays = self.__dict__.get("_arrays") or {}
        return self.ir.variable(name).locality if name in arrays else None

    def _draw_problem(self, changed: str | None = None) -> str:
        """What is wrong with the stored parameters of the draws ("" if
        nothing): each synapse's own values, its post-synaptic neuron's
        (``postsynaptic``) and the projection's."""
        if not self._parametric_draws() or getattr(self, "_row_ptr", None) is None:
            return ""

        def per_synapse(names):
            return any(self._locality(n) == "local" for n in names)

        def value_of(n, names):
            locality = self._locality(n)
            if locality is None:
                return self.network._constants[n].value
            arr = self._arrays[n]
            if locality == "global":
                return arr[0]
            if locality == "semiglobal" and per_synapse(names):
                return arr[self._post_of_synapses()]
            return arr

        def where_of(i, names):
            if per_synapse(names):
                pre = int(self._pre_of_synapses()[i])
                post = int(self._post_of_synapses()[i])
                return f" (synapse {pre} -> {post}, pre -> post rank)"
            return f" (post-synaptic neuron {i})"

        return draw_problem(self._parametric_draws(), self.ir.name, value_of, where_of,
                            changed)

    def _check_draw_parameters(self) -> None:
        """Refuse (at compile() and before each run) stored parameter values
        that make a draw of the synapse model invalid (``Normal(0, s)`` with
        ``s < 0``).

        Raises
        ------
        NetworkError
            The draw, the values, the synapse, and what a valid value is.
        """
        problem = self._draw_problem()
        if problem:
            raise NetworkError(f"projection {self.name!r}: {problem}")

    def _set(self, name, value, post=None):
        """Store ``value`` into attribute ``name`` (see ``_assign``); refuse
        it, restoring the values before, when a draw cannot use it.

        Raises
        ------
        AttributeAssignmentError
            ``proj.s = -1`` with ``Normal(0, s)`` in the model.
        """
        if not self._in_draw(name):
            return self._assign(name, value, post)
        arr = self._arrays[name]
        before = arr.copy()
        try:
            self._assign(name, value, post)
            problem = self._draw_problem(name)
            if problem:
                raise AttributeAssignmentError(
                    f"projection {self.name!r}: '{name}' cannot be set: {problem}")
        except BaseException:
            arr[...] = before
            raise
        return None
