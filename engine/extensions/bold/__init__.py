"""``ANNarchy.extensions.bold``: the BOLD monitor, the balloon models and
NormProjection (defined in engine.runtime.bold, engine.models.bold and
engine.runtime.norm_projection; this package and its modules, named as
ANNarchy's, are aliases)."""

from engine.extensions.bold.BoldModel import BoldModel
from engine.extensions.bold.BoldMonitor import BoldMonitor
from engine.extensions.bold.NormProjection import NormProjection
from engine.extensions.bold.PredefinedModels import *  # noqa: F401,F403
from engine.extensions.bold.PredefinedModels import __all__ as _predefined

__all__ = ["BoldMonitor", "BoldModel", "NormProjection"] + list(_predefined)
