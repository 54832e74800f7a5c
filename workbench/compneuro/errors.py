"""The error of the CompNeuroPy-style layer.

CompNeuroPy stops with ``assert`` or ``print(...); quit()`` when a monitor
key, a chunk or a loss input is wrong; here every such case raises
:class:`CompNeuroError`, whose message names the offending value and how to
fix it, so a notebook or an optimiser can catch it instead of dying.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError

__all__ = ["CompNeuroError"]


class CompNeuroError(WorkbenchError, ValueError):
    """A CompNeuroPy-style call that cannot be carried out as given (bad
    monitor key, unknown population or attribute, chunk out of range, loss
    inputs of different shapes or holding NaN...). Raised before anything is
    changed where that is possible."""
