"""When each chunk and period of a :class:`CompNeuroMonitors` recording ran.

The table is CompNeuroPy's (``RecordingTimes.all()``): one dict per chunk,
``{compartment: {"start": {"ms": [...], "idx": [...]}, "stop": {"ms": [...],
"idx": [...]}}}`` with one entry per *period* (a start-to-pause stretch).
``ms`` are the times of the first and last record of the period, ``idx`` the
rows of the first and last record in that chunk's recorded array; both ends
are inclusive, as in CompNeuroPy. Periods that made no record are left out.

Unlike CompNeuroPy, asking for a chunk, compartment or period that does not
exist raises :class:`CompNeuroError` (CompNeuroPy prints and quits).
"""

from __future__ import annotations

from workbench.compneuro.errors import CompNeuroError

__all__ = ["RecordingTimes"]


class RecordingTimes:
    """Recording times of all chunks (see the module docstring for the layout).

    Parameters
    ----------
    recording_times_list : list of dict
        One timing dict per chunk.
    """

    def __init__(self, recording_times_list):
        self.recording_times_list = list(recording_times_list)

    def all(self) -> list:
        """The whole table: one dict per chunk."""
        return self.recording_times_list

    def nr_chunks(self) -> int:
        """How many chunks were recorded."""
        return len(self.recording_times_list)

    def nr_periods(self, chunk=None, compartment=None) -> int:
        """How many start-to-pause periods ``compartment`` recorded in ``chunk``."""
        chunk = self._chunk(chunk)
        compartment = self._compartment(chunk, compartment)
        return len(self.recording_times_list[chunk][compartment]["start"]["idx"])

    def time_lims(self, chunk=None, compartment=None, period=None) -> tuple:
        """``(first, last)`` record times in ms of a period (default: all periods)
        of ``compartment`` (default: the first recorded) in ``chunk`` (default 0).

        Raises
        ------
        CompNeuroError
            If that chunk, compartment or period was not recorded.
        """
        return self._lims("ms", chunk, compartment, period)

    def idx_lims(self, chunk=None, compartment=None, period=None) -> tuple:
        """``(first, last)`` row indices (inclusive) into the chunk's recorded
        array, for the same selection as :meth:`time_lims`."""
        return self._lims("idx", chunk, compartment, period)

    # -- lookups -------------------------------------------------------------
    def _chunk(self, chunk) -> int:
        n = len(self.recording_times_list)
        if n == 0:
            raise CompNeuroError("no recordings: call monitors.start() and simulate before "
                                 "asking for recording times")
        chunk = 0 if chunk is None else chunk
        if not isinstance(chunk, int) or not -n <= chunk < n:
            raise CompNeuroError(f"chunk {chunk!r} does not exist: there are {n} chunk(s), "
                                 f"0 to {n - 1}")
        return chunk % n

    def _compartment(self, chunk, compartment) -> str:
        table = self.recording_times_list[chunk]
        if compartment is None:
            if not table:
                raise CompNeuroError(f"chunk {chunk} recorded no compartment")
            return next(iter(table))
        if compartment not in table:
            raise CompNeuroError(f"compartment {compartment!r} was not recorded in chunk {chunk} "
                                 f"(recorded: {', '.join(table) or 'none'})")
        return compartment

    def _lims(self, unit, chunk, compartment, period) -> tuple:
        chunk = self._chunk(chunk)
        compartment = self._compartment(chunk, compartment)
        times = self.recording_times_list[chunk][compartment]
        n = len(times["start"][unit])
        if n == 0:
            raise CompNeuroError(f"{compartment!r} made no record in chunk {chunk}")
        if period is None:
            first, last = 0, n - 1
        elif isinstance(period, int) and 0 <= period < n:
            first = last = period
        else:
            raise CompNeuroError(f"period {period!r} does not exist: {compartment!r} has {n} "
                                 f"period(s) in chunk {chunk}, 0 to {n - 1}")
        return times["start"][unit][first], times["stop"][unit][last]
