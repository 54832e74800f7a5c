"""``ANNarchy.extensions.bold.PredefinedModels``: the balloon models
(engine.models.bold)."""

from engine.models.bold import __all__ as _models
from engine.models.bold import *  # noqa: F401,F403

__all__ = [name for name in _models if name != "BoldModel"]
