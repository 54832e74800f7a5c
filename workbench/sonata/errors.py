"""The SONATA layer's errors."""

from __future__ import annotations

from workbench.errors import WorkbenchError

__all__ = ["SonataError"]


class SonataError(WorkbenchError, ValueError):
    """A network description, a rule or a SONATA file that cannot be used
    as given; the message names the population, the attribute or the file."""
