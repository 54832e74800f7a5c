"""``ANNarchy.extensions.bold.BoldModel`` (engine.models.bold)."""

from engine.models.bold import BoldModel

__all__ = ["BoldModel"]
