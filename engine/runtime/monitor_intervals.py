"""When each variable of a monitor was recorded: its recording intervals.

ANNarchy keeps these per variable (``Monitor._recorded_variables[var]``):
``get('r')`` of a monitor of ``r`` and ``c`` restarts ``r``'s intervals at
the time of the call while ``c``'s, whose data is still held, go on from
where they began. ``pause()``/``resume()`` act on every variable at once (the
compiled loop has one recording flag per monitor), and so do moves of the
clock (``net.reset(monitors=False)``, ``net.current_step = ...``).

Times are in ms; an open interval (recording still on) has stop ``None``.
"""

from __future__ import annotations

__all__ = ["RecordingIntervals"]


class RecordingIntervals:
    """The recording intervals of each variable of one monitor."""

    def __init__(self, variables, now: float, active: bool):
        self._by_var: dict[str, list[list]] = {
            v: [[now, None]] if active else [] for v in variables}

    def open(self, now: float) -> None:
        """Recording (re)starts now, for every variable (``start``/``resume``)."""
        for intervals in self._by_var.values():
            intervals.append([now, None])

    def close(self, now: float, drop_empty: bool = False) -> None:
        """Recording stops now, for every variable (``pause``); with
        ``drop_empty``, an interval that began now is forgotten (it recorded
        nothing: the clock moves away from where it was just opened)."""
        for intervals in self._by_var.values():
            if intervals and intervals[-1][1] is None:
                intervals[-1][1] = now
                if drop_empty and intervals[-1][0] == now:
                    intervals.pop()

    def restart(self, names, now: float, active: bool) -> None:
        """Forget the intervals of ``names`` (their data was just dropped):
        they start again now if the monitor records, else at the next
        ``resume()`` (a paused monitor holds no interval, so ``times()``
        after it never claims a pause as recorded time)."""
        for v in names:
            self._by_var[v] = [[now, None]] if active else []

    def jump(self, now: float, to: float, active: bool) -> None:
        """The clock jumps from ``now`` to ``to``: the running interval
        ends now and, if the monitor records, a new one starts at ``to``."""
        self.close(now, drop_empty=True)
        if active:
            self.open(to)

    def closed(self, name: str, now: float) -> list[tuple[float, float]]:
        """``name``'s intervals with a running one stopped at ``now``."""
        return [(a, now if b is None else b) for a, b in self._by_var[name]]
