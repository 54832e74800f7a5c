"""Errors of fitting: bad bounds, data, experiments or checkpoints, said
before any simulation where possible."""

from workbench.errors import WorkbenchError

__all__ = ["FitError"]


class FitError(WorkbenchError, ValueError):
    """A fit cannot start or go on; the message says what to change."""
