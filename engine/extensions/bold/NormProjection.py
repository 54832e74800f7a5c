"""``ANNarchy.extensions.bold.NormProjection`` (engine.runtime.norm_projection)."""

from engine.runtime.norm_projection import NormProjection

__all__ = ["NormProjection"]
