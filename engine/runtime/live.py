"""Live runs: the compiled loop in bounded chunks, with Python in between.

``Network.simulate`` hands the compiled ``run`` a bounded number of steps
at a time (a chunk of about ``CHUNK_SECONDS`` of wall time, sized from the
previous chunks), so that between two chunks Python can:

- honour :meth:`Network.stop`, called from any thread (a UI's Stop button);
- see Ctrl-C: while a run is in progress in the main thread, SIGINT only
  sets a flag, and ``KeyboardInterrupt`` is raised after the chunk, when the
  network's time, state and monitors agree (the network stays usable);
- call a progress ``report`` (simulated time, real-time factor, time left),
  or move a progress bar (tqdm, shown once a run or a compile has lasted
  :data:`BAR_DELAY` s, where a person watches: a terminal or a notebook;
  ``progress=False`` or ``NEUROWORKBENCH_PROGRESS=0`` switch it off);
- emit the ``chunk`` event, after which monitors hold whole steps that
  ``Monitor.read_new()`` can stream.

Events (``net.on(name, fn)``): ``compiling`` (progress of ``compile()``:
``stage``, and ``done``/``total`` kernels), ``compiled``, ``reset``,
``loaded``, ``chunk``, ``stopped``, ``error`` and ``clock`` (the time was
set: ``first_step`` the old step, ``last_step`` the new one). Each listener receives one
:class:`Event`. A listener that raises stops the run like a callback does,
with the network consistent.

This module imports nothing from the rest of the runtime: the network
passes itself in.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from engine.errors import NetworkError

__all__ = ["Event", "Progress", "EVENTS", "LiveState", "CHUNK_SECONDS", "PROGRESS_ENV",
           "progress_bar", "progress_wanted"]

#: Wall time aimed at per chunk: short enough for Stop and Ctrl-C to feel
#: immediate, long enough that the cost of returning to Python (about 0.1 ms
#: a chunk) stays far below 1 %.
CHUNK_SECONDS = 0.05
_FIRST_CHUNK = 64            # steps, before any timing is known
_MAX_CHUNK = 1 << 24

EVENTS = ("compiling", "compiled", "reset", "loaded", "chunk", "stopped", "error", "clock")


@dataclass(frozen=True)
class Event:
    """What a listener of ``net.on(...)`` receives.

    ``first_step``/``last_step``: the steps a ``chunk`` covered
    (``[first, last)``), or the step at which a run ``stopped``; ``error``:
    the exception of an ``error`` event; ``stage`` (``'generate'``,
    ``'compile'``), ``done`` and ``total`` (kernels): a ``compiling`` event.
    """

    name: str
    network: object = field(repr=False)
    first_step: int | None = None
    last_step: int | None = None
    error: BaseException | None = None
    stage: str | None = None
    done: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class Progress:
    """What a ``report`` callable receives, at most every ``report_period`` s."""

    time_ms: float             # the network's time now
    start_ms: float            # the time the simulate() call began at
    end_ms: float              # the time it will end at
    wall_s: float              # wall time since simulate() began
    done: bool                 # the last report of this simulate() call

    @property
    def fraction(self) -> float:
        span = self.end_ms - self.start_ms
        return 1.0 if span <= 0 else (self.time_ms - self.start_ms) / span

    @property
    def realtime_factor(self) -> float:
        """Simulated time per wall time (1.0: as fast as biology)."""
        return 0.0 if self.wall_s <= 0 else (self.time_ms - self.start_ms) / 1000.0 / self.wall_s

    @property
    def remaining_s(self) -> float:
        f = self.fraction
        return 0.0 if f <= 0 or self.done else self.wall_s * (1.0 - f) / f

    def text(self) -> str:
        return (f"{self.time_ms - self.start_ms:g} ms of {self.end_ms - self.start_ms:g} ms "
                f"simulated ({self.fraction:.0%}) in {self.wall_s:.1f} s, "
                f"{self.realtime_factor:.3g}x real time"
                + ("" if self.done else f", about {self.remaining_s:.1f} s left"))


def _print_report(p: Progress) -> None:
    print(p.text(), file=sys.stdout, flush=True)


# -- progress bars --------------------------------------------------------------
#: environment variable that switches the bars of every network off ("0") or on
#: ("1") in this process and its children (CI sets it to "0")
PROGRESS_ENV = "NEUROWORKBENCH_PROGRESS"
#: seconds an operation runs before its bar appears (shorter ones show nothing)
BAR_DELAY = 1.0
PROGRESS_SETTINGS = ("auto", True, False)


def check_progress_setting(value, where: str = "progress"):
    """``True``, ``False`` or ``'auto'`` (``None`` means ``'auto'``)."""
    if value is None:
        return "auto"
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    if value == "auto":
        return value
    raise NetworkError(f"{where} must be True, False or 'auto', got {value!r}")


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:  # pragma: no cover - an IPython without get_ipython
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def progress_wanted(setting) -> str | None:
    """Where a bar may go for this setting: ``'terminal'``, ``'notebook'`` or
    None (no bar). ``True`` forces a bar (on stderr, or the notebook's
    widget), ``False`` none; ``'auto'`` obeys ``NEUROWORKBENCH_PROGRESS`` and
    otherwise (and off in a CI job, ``CI=true``) shows bars only where a
    person watches: stderr a terminal, or
    a Jupyter kernel, from the main thread of the main process (not a UI's
    worker thread, not a ``parallel_run`` worker)."""
    import multiprocessing
    import os

    setting = check_progress_setting(setting)
    if setting == "auto":
        env = os.environ.get(PROGRESS_ENV, "").strip().lower()
        if env in ("0", "false", "no", "off"):
            return None
        if threading.current_thread() is not threading.main_thread() or \
                multiprocessing.parent_process() is not None:
            return None
        if env == "" and os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            return None   # a CI job (CI=true): logs, not a person
        if env not in ("1", "true", "yes", "on"):
            if _in_notebook():
                return "notebook"
            isatty = getattr(sys.stderr, "isatty", None)
            return "terminal" if isatty is not None and isatty() else None
    elif not setting:
        return None
    return "notebook" if _in_notebook() else "terminal"


def progress_bar(setting, total, desc: str, unit: str, scale: float = 1.0):
    """A tqdm bar that appears after :data:`BAR_DELAY` seconds and is removed
    when closed, or None (``setting``: see :func:`progress_wanted`)."""
    import importlib.util

    where = progress_wanted(setting)
    if where is None:
        return None
    widget = where == "notebook" and importlib.util.find_spec("ipywidgets") is not None
    try:
        if widget:
            from tqdm.notebook import tqdm
        else:  # a terminal, or a notebook without ipywidgets: text on stderr
            from tqdm import tqdm
        return tqdm(total=total, desc=desc, unit=unit, delay=BAR_DELAY, leave=False,
                    file=None if widget else sys.stderr, unit_scale=scale,
                    dynamic_ncols=True)
    except Exception:  # pragma: no cover - a display problem never stops a run
        return None


class LiveState:
    """Per-network run control: chunk sizing, stop flag, interrupts, events, reports."""

    def __init__(self):
        self._listeners: dict[str, list] = {e: [] for e in EVENTS}
        self._stop = threading.Event()
        self._interrupted = False
        self._steps_per_chunk = _FIRST_CHUNK
        self._report = None
        self._report_period = 1.0
        self._t_report = 0.0
        self._t_begin = 0.0
        self._span = (0.0, 0.0)
        self._bar = None
        self.running = False

    # -- events ---------------------------------------------------------------
    def on(self, event: str, fn=None):
        self._check_event(event)
        if fn is None:  # decorator: @net.on("chunk")
            return lambda f: self.on(event, f)
        if not callable(fn):
            raise NetworkError(f"net.on({event!r}, fn): fn must be callable, got {fn!r}")
        self._listeners[event].append(fn)
        return fn

    def off(self, event: str, fn) -> None:
        self._check_event(event)
        try:
            self._listeners[event].remove(fn)
        except ValueError:
            raise NetworkError(f"{fn!r} does not listen to {event!r}") from None

    @staticmethod
    def _check_event(event):
        if event not in EVENTS:
            raise NetworkError(f"unknown event {event!r}; the events are {', '.join(EVENTS)}")

    def emit(self, net, event: str, **info) -> None:
        for fn in list(self._listeners[event]):
            fn(Event(event, net, **info))

    # -- stop and interrupts --------------------------------------------------
    def request_stop(self) -> None:
        self._stop.set()

    @contextmanager
    def interrupt_guard(self):
        """In the main thread, turn SIGINT into a flag read between chunks
        (only when Python's default handler is installed: a program's own
        handler runs between chunks anyway)."""
        self._interrupted = False
        guard = (threading.current_thread() is threading.main_thread()
                 and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        if not guard:
            yield
            return

        def _flag(signum, frame):
            self._interrupted = True

        signal.signal(signal.SIGINT, _flag)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    # -- one simulate() call ----------------------------------------------------
    def begin(self, net, n_steps: int, report, report_period: float,
              progress="auto") -> None:
        progress = check_progress_setting(progress)
        if report == "text":
            report = _print_report
        if report is not None and not callable(report):
            raise NetworkError(f"report must be None, 'text' or a callable, got {report!r}")
        try:
            report_period = float(report_period)
        except (TypeError, ValueError):
            raise NetworkError(f"report_period must be a number of seconds, got "
                               f"{report_period!r}") from None
        self._stop.clear()
        self._report, self._report_period = report, report_period
        self._t_begin = self._t_report = time.perf_counter()
        self._span = (net.time, (net.current_step + n_steps) * net.dt)
        # a bar for long runs (not with a report: one display at a time)
        self._bar = None
        if report is None and n_steps > 1:
            self._bar = progress_bar(progress, n_steps, "simulating", "ms", scale=net.dt)
        self.running = True

    def end(self, net) -> None:
        self.running = False
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._report is not None:
            self._report(self._progress(net, done=True))
        self._report = None

    def _progress(self, net, done: bool) -> Progress:
        return Progress(net.time, self._span[0], self._span[1],
                        time.perf_counter() - self._t_begin, done)

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # -- chunks -----------------------------------------------------------------
    def chunk_steps(self, remaining: int) -> int:
        return max(1, min(remaining, self._steps_per_chunk))

    def after_chunk(self, net, first: int, steps: int, elapsed: float) -> None:
        """Size the next chunk, report, emit ``chunk``, raise a pending Ctrl-C."""
        if steps > 0:
            if elapsed > 0:
                per_step = elapsed / steps
                self._steps_per_chunk = int(min(_MAX_CHUNK, max(1, CHUNK_SECONDS / per_step)))
            else:
                self._steps_per_chunk = min(_MAX_CHUNK, self._steps_per_chunk * 8)
        if self._bar is not None and steps > 0:
            self._bar.update(steps)
        now = time.perf_counter()
        if self._report is not None and now - self._t_report >= self._report_period:
            self._t_report = now
            self._report(self._progress(net, done=False))
        if steps > 0:
            self.emit(net, "chunk", first_step=first, last_step=first + steps)
        if self._interrupted:
            self._interrupted = False
            raise KeyboardInterrupt(f"simulation interrupted at t = {net.time:g} ms "
                                    "(the network is consistent and can run again)")
