"""The plotting helpers' exception."""

from __future__ import annotations

from workbench.errors import WorkbenchError

__all__ = ["PlotError"]


class PlotError(WorkbenchError, ValueError):
    """Data a plotting helper cannot draw (wrong type, shape, missing
    ``dt``...). The message says what was given and what to give."""
