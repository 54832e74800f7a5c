"""Progress bars of compile() and simulate(): where they appear, how to switch them off."""

import io
import sys
import threading

import pytest

import engine as ann
from engine import NetworkError
from engine.runtime import live

NEURON = ann.Neuron(parameters="tau = 10.0", equations="tau * dr/dt = 1.0 - r")
OTHER = ann.Neuron(parameters="tau = 5.0", equations="tau * dr/dt = 2.0 - r")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def terminal(monkeypatch):
    """stderr as a terminal that keeps what is written; bars without delay.
    (Called in the test itself: pytest's capture sets sys.stderr again
    after the fixtures ran.)"""
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    monkeypatch.setattr(live, "BAR_DELAY", 0.0)
    monkeypatch.delenv(live.PROGRESS_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    return term


def network(progress="auto"):
    net = ann.Network(dt=0.5, seed=1)
    net.create(3, NEURON)
    net.create(2, OTHER)
    net.config(progress=progress)
    return net


def test_auto_shows_bars_in_a_terminal_for_compile_and_simulate(monkeypatch):
    stderr = terminal(monkeypatch)
    net = network()
    net.compile()
    net.simulate(100.0)
    text = stderr.getvalue()
    assert "compiling kernels" in text and "loading the simulation loop" in text
    # the simulation bar counts simulated ms: 200 steps of 0.5 ms
    assert "simulating" in text and "/100.0" in text


def test_the_flag_and_the_environment_switch_them_off(monkeypatch):
    stderr = terminal(monkeypatch)
    net = network()
    net.compile()
    net.simulate(50.0, progress=False)
    assert "simulating" not in stderr.getvalue()
    monkeypatch.setenv(live.PROGRESS_ENV, "0")
    net.simulate(50.0)
    assert "simulating" not in stderr.getvalue()
    net.simulate(50.0, progress=True)        # an explicit True wins over the environment
    assert "simulating" in stderr.getvalue()
    off = network(progress=False)
    monkeypatch.delenv(live.PROGRESS_ENV)
    off.compile()
    off.simulate(50.0)
    assert stderr.getvalue().count("simulating") == 1


def test_no_bar_with_a_report_off_a_terminal_or_off_the_main_thread(monkeypatch):
    stderr = terminal(monkeypatch)
    net = network()
    net.compile()
    reports = []
    net.simulate(50.0, report=reports.append)
    assert reports[-1].done and reports[-1].time_ms == 50.0
    worker = threading.Thread(target=net.simulate, args=(50.0,))
    worker.start()
    worker.join()
    assert "simulating" not in stderr.getvalue()
    assert live.progress_wanted("auto") == "terminal"
    monkeypatch.setattr(sys, "stderr", io.StringIO())   # not a terminal (pytest, CI logs)
    assert live.progress_wanted("auto") is None
    assert live.progress_wanted(True) == "terminal"
    monkeypatch.setenv(live.PROGRESS_ENV, "1")
    assert live.progress_wanted("auto") == "terminal"
    monkeypatch.delenv(live.PROGRESS_ENV)
    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.setenv("CI", "true")                     # a CI job's terminal
    assert live.progress_wanted("auto") is None


@pytest.mark.parametrize("call, message", [
    (lambda net: net.config(progress="maybe"),
     r"config\(progress=...\) must be True, False or 'auto', got 'maybe'"),
    (lambda net: net.simulate(1.0, progress="yes"),
     r"progress must be True, False or 'auto', got 'yes'"),
])
def test_bad_settings_are_refused(call, message):
    net = ann.Network()
    net.create(1, NEURON)
    net.compile()
    with pytest.raises(NetworkError, match=message):
        call(net)





def test_in_a_notebook_the_bar_is_shown_even_off_a_terminal(monkeypatch):
    stderr = terminal(monkeypatch)
    monkeypatch.setattr(sys, "stderr", io.StringIO())   # Jupyter's stderr is no terminal
    monkeypatch.setattr(live, "_in_notebook", lambda: True)
    assert live.progress_wanted("auto") == "notebook"
    bar = live.progress_bar("auto", 4, "simulating", "ms")
    assert bar is not None      # a widget with ipywidgets, else text on stderr
    bar.update(4)
    bar.close()
    assert bar.n == 4 and stderr.getvalue() == ""
    monkeypatch.setenv(live.PROGRESS_ENV, "0")
    assert live.progress_bar("auto", 4, "simulating", "ms") is None
