"""``ANNarchy.extensions.bold``: the BOLD monitor and the balloon models
(defined in engine.runtime.bold and engine.models.bold; this is an alias)."""

from engine.models.bold import *  # noqa: F401,F403
from engine.models.bold import __all__ as _models
from engine.runtime.bold import BoldMonitor

__all__ = ["BoldMonitor"] + list(_models)
