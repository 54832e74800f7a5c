"""The workbench's exception hierarchy.

Errors of the engine (:class:`engine.errors.NeuroWorkbenchError` and its
subclasses) reach the workbench unchanged; these are the workbench's own,
raised when what the user (or a file) gives cannot be used. Each message
says what is wrong, where, and how to fix it.
"""

from __future__ import annotations

__all__ = ["WorkbenchError", "WorkspaceError"]


class WorkbenchError(Exception):
    """Base class of every error raised on purpose by the workbench."""


class WorkspaceError(WorkbenchError, ValueError):
    """A workspace, network description or file that cannot be used as
    given (wrong type, bad name, unknown key, too large...). Raised before
    anything is changed: the object it concerns stays as it was."""
