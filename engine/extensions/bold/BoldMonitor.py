"""``ANNarchy.extensions.bold.BoldMonitor`` (engine.runtime.bold)."""

from engine.runtime.bold import BoldMonitor

__all__ = ["BoldMonitor"]
