"""What a Network looks up by name and switches on and off: its getters
(ANNarchy's ``get_population``... ``get_extensions``), the registry of
extensions (BOLD monitors), and the callback and learning switches.

A base class of :class:`engine.runtime.network.Network`, split from it by
concern (the building, compiling and running stay there).
"""

from __future__ import annotations

from engine.errors import NetworkError
from engine.runtime.constant import Constant
from engine.runtime.monitor import Monitor
from engine.runtime.population import Population
from engine.runtime.projection import Projection

__all__ = ["_NetworkAccess"]


class _NetworkAccess:
    """Getters, extensions and switches of a Network (see the module docstring)."""

    # -- getters ---------------------------------------------------------------
    def get_population(self, name) -> Population:
        for p in self._populations:
            if p.name == name:
                return p
        raise NetworkError(f"no population named {name!r}; existing: "
                           f"{', '.join(p.name for p in self._populations) or 'none'}")

    def get_populations(self) -> list[Population]:
        # objects created by an extension (a BOLD monitor's model) stay internal
        return [o for o in self._populations if getattr(o, "_extension", None) is None]

    def get_monitor(self, name) -> Monitor:
        for m in self._monitors:
            if m.name == name:
                return m
        raise NetworkError(f"no monitor named {name!r}")

    def get_monitors(self) -> list[Monitor]:
        # objects created by an extension (a BOLD monitor's model) stay internal
        return [o for o in self._monitors if getattr(o, "_extension", None) is None]

    def get_constant(self, name) -> Constant:
        try:
            return self._constants[name]
        except KeyError:
            raise NetworkError(f"no constant named {name!r}") from None

    def get_constants(self) -> list[Constant]:
        return list(self._constants.values())

    def get_projection(self, name) -> Projection:
        for p in self._projections:
            if p.name == name:
                return p
        raise NetworkError(f"no projection named {name!r}; existing: "
                           f"{', '.join(p.name for p in self._projections) or 'none'}")

    def get_projections(self) -> list[Projection]:
        # objects created by an extension (a BOLD monitor's model) stay internal
        return [o for o in self._projections if getattr(o, "_extension", None) is None]

    def boldmonitor(self, populations=None, bold_model=None, mapping=None, scale_factor=None,
                    normalize_input=None, recorded_variables=None, start=False, name=None):
        """Monitor the BOLD signal of populations through a balloon model
        (see :class:`engine.runtime.bold.BoldMonitor`)."""
        from engine.runtime.bold import BoldMonitor

        return BoldMonitor(populations=populations, bold_model=bold_model, mapping=mapping,
                           scale_factor=scale_factor, normalize_input=normalize_input,
                           recorded_variables=recorded_variables, start=start, name=name,
                           network=self)

    def _register_extension(self, ext, name) -> str:
        """Extensions (BOLD monitors) register here; returns their unique name.
        An extension has a ``name`` and an ``_after_reset()`` hook that
        :meth:`reset` calls once the state is restored."""
        if self._compiled:
            raise NetworkError("cannot add an extension after compile()")
        exts = self.__dict__.setdefault("_extensions", [])
        if name is None:
            name = f"{type(ext).__name__.lower()}{len(exts)}"
        if any(e.name == name for e in exts):
            raise NetworkError(f"an extension named {name!r} already exists")
        exts.append(ext)
        return name

    def get_extension(self, name):
        for e in self.__dict__.get("_extensions", []):
            if e.name == name:
                return e
        raise NetworkError(f"no extension named {name!r}")

    def get_extensions(self) -> list:
        return list(self.__dict__.get("_extensions", []))

    # -- callbacks switches ------------------------------------------------------
    def callbacks_enabled(self) -> bool:
        return self._callbacks_enabled

    def enable_callbacks(self):
        self._callbacks_enabled = True

    def disable_callbacks(self):
        self._callbacks_enabled = False

    def _projections_arg(self, projections) -> list:
        if projections is None:
            return list(self._projections)
        if isinstance(projections, (Projection, str)):
            projections = [projections]
        out = []
        for p in projections:
            if isinstance(p, str):
                p = self.get_projection(p)
            elif not isinstance(p, Projection) or p.network is not self:
                raise NetworkError(f"expected projections of this network, got {p!r}")
            out.append(p)
        return out

    def enable_learning(self, projections=None, period=None, offset=None):
        """Let plastic projections learn (all, or the given ones), every
        ``period`` ms (default: every step) starting ``offset`` ms from now.
        Transmission never stops; learning is on by default."""
        for p in self._projections_arg(projections):
            p.enable_learning(period=period, offset=offset)

    def disable_learning(self, projections=None):
        """Freeze the synaptic variables of projections (all, or the given
        ones); spikes and rates are still transmitted."""
        for p in self._projections_arg(projections):
            p.disable_learning()
