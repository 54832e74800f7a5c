"""``Projection.save`` / ``load`` (ANNarchy's): the methods only; the file
format and its checks are in :mod:`engine.runtime.projection_io`, loaded on first
use so that ``import engine`` does not load the file machinery."""

from __future__ import annotations

__all__ = ["ProjectionIO"]


class ProjectionIO:
    """``save`` and ``load`` of a projection (a mixin of ``Projection``)."""

    def save(self, filename) -> None:
        """Save the connectivity and every synaptic attribute to ``filename``
        (``.npz``, ``.gz``/``.txt.gz``, ``.mat`` for analysis, anything else:
        ``.npz`` content); atomic. See :mod:`engine.runtime.projection_io`.

        Raises
        ------
        NetworkFileError
            The projection has no synapses yet, or the file cannot be written.
        """
        from engine.runtime.projection_io import save

        save(self, filename)

    def load(self, filename, pickle_encoding=None) -> None:
        """Set the values saved by :meth:`save` back into this projection.
        ``pickle_encoding`` is accepted for ANNarchy and ignored: nothing is
        ever unpickled.

        Raises
        ------
        NetworkFileError
            Unreadable, corrupt or foreign file, or one saved from a projection
            with other synapses or attributes; the projection is unchanged.
        """
        from engine.runtime.projection_io import load

        load(self, filename, pickle_encoding)
