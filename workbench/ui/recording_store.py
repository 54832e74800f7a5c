"""The recordings of a live run, kept within a memory limit.

A run in the app may go on for an hour of simulated time; keeping every
spike would make the server's memory grow with it (about 0.7 GB per
simulated hour for 1,000 Izhikevich neurons). The session's worker drains
its monitors after every chunk (:meth:`engine.Monitor.drain`) into a
:class:`RecordingStore`, which keeps the newest batches within
``limit_bytes`` and drops the oldest: the downloads then hold the last part
of the run, and say from when (:attr:`RecordingStore.kept_from`).

The worker adds batches while the page's periodic callback reads what is
new (:meth:`RecordingStore.read_new`) and a download reads everything kept
(:meth:`RecordingStore.arrays`): one lock guards the batches.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["RecordingStore", "Batch"]


@dataclass(frozen=True)
class Batch:
    """What one chunk recorded: ``spikes`` population -> (times ms, ranks),
    ``traces`` population -> (times ms, values (records, neurons)), all
    complete until ``until`` (ms)."""

    until: float
    spikes: dict
    traces: dict

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes + v.nbytes for t, v in (*self.spikes.values(),
                                                    *self.traces.values()))


class RecordingStore:
    """Batches of recordings, newest last, at most ``limit_bytes`` in all
    (the newest batch is always kept)."""

    def __init__(self, limit_bytes: int):
        self.limit_bytes = int(limit_bytes)
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Forget everything (a reset, a new network)."""
        with self._lock:
            self._batches: deque[Batch] = deque()
            self._first_seq = 0          # sequence number of _batches[0]
            self._read_seq = 0           # the next batch read_new() hands over
            self._bytes = 0
            self._kept_from = 0.0
            self._until = 0.0
            self.dropped_bytes = 0

    # -- the worker's side -------------------------------------------------------------
    def add(self, until: float, spikes: dict, traces: dict) -> None:
        """One chunk's recordings (spike ranks stored as int32)."""
        spikes = {name: (np.asarray(t, dtype=float), np.asarray(r, dtype=np.int32))
                  for name, (t, r) in spikes.items()}
        traces = {name: (np.asarray(t, dtype=float), np.asarray(v))
                  for name, (t, v) in traces.items()}
        batch = Batch(float(until), spikes, traces)
        with self._lock:
            self._batches.append(batch)
            self._bytes += batch.nbytes
            self._until = max(self._until, batch.until)
            while self._bytes > self.limit_bytes and len(self._batches) > 1:
                old = self._batches.popleft()
                self._first_seq += 1
                self._bytes -= old.nbytes
                self.dropped_bytes += old.nbytes
                self._kept_from = old.until

    # -- readers ----------------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        """Bytes kept now."""
        return self._bytes

    @property
    def complete_until(self) -> float:
        """Everything before this time (ms) has been added."""
        return self._until

    @property
    def kept_from(self) -> float:
        """The kept recordings are complete from this time (ms) on (0 while
        nothing was dropped)."""
        return self._kept_from

    def read_new(self) -> tuple[float, dict, dict]:
        """``(complete_until, spikes, traces)`` added since the previous
        call (batches dropped before being read are skipped)."""
        with self._lock:
            start = max(self._read_seq - self._first_seq, 0)
            batches = list(self._batches)[start:] if start else list(self._batches)
            self._read_seq = self._first_seq + len(self._batches)
            until = self._until
        spikes, traces = _join(batches)
        return until, spikes, traces

    def arrays(self) -> tuple[dict, dict]:
        """``(spikes, traces)`` of everything kept, joined in time order."""
        with self._lock:
            batches = list(self._batches)
        return _join(batches)


def _join(batches: list[Batch]) -> tuple[dict, dict]:
    spikes: dict[str, list] = {}
    traces: dict[str, list] = {}
    for b in batches:
        for name, pair in b.spikes.items():
            spikes.setdefault(name, []).append(pair)
        for name, pair in b.traces.items():
            traces.setdefault(name, []).append(pair)
    return ({name: _concat(parts) for name, parts in spikes.items()},
            {name: _concat(parts) for name, parts in traces.items()})


def _concat(parts: list) -> tuple[np.ndarray, np.ndarray]:
    if len(parts) == 1:
        return parts[0]
    return (np.concatenate([t for t, _ in parts]), np.concatenate([v for _, v in parts]))
