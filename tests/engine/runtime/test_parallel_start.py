"""parallel_run's start method: fork when safe (a script without the
``__main__`` guard works, as in ANNarchy), spawn with a clear message
otherwise. Each case runs a script in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.runtime import parallel

REPO = Path(__file__).resolve().parents[3]

# No ``if __name__ == "__main__":`` guard: the whole script is main code.
SCRIPT = """
import sys
import numpy as np
import engine as ann

NOISY = ann.Neuron(
    parameters="tau = 10.0 : population\\nI = 1.0",
    equations="tau * dv/dt = I - v + g_exc + Normal(0.0, 0.5)\\ntau * dg_exc/dt = -g_exc",
    spike="v >= 1.0", reset="v = 0.0", refractory=1.0)

class Noisy(ann.Network):
    def __init__(self, size=20):
        self.pop = self.create(size, NOISY)
        self.proj = self.connect(self.pop, self.pop, "exc").fixed_probability(0.2, weights=0.2)
        self.m = self.monitor(self.pop, "spike")

def count(net, duration=50.0):
    net.simulate(duration)
    return sum(len(v) for v in net.m.get("spike").values())

{prelude}
from engine.runtime.parallel import start_method
print("START", start_method(), flush=True)
net = Noisy(20, seed=11)
net.compile()
results = net.parallel_run(count, 3, seeds=[11, 12, 13], max_processes=2,
                           duration=[50.0, 50.0, 80.0])
alone = []
for s, d in zip([11, 12, 13], [50.0, 50.0, 80.0]):
    n = Noisy(20, seed=s)
    n.compile()
    alone.append(count(n, d))
print("RESULTS", *results, flush=True)
print("ALONE", *alone, flush=True)
"""

# starts Numba's worker threads (workqueue layer) before parallel_run
THREADS = """
import numba
@numba.njit(parallel=True)
def _total(n):
    s = 0
    for i in numba.prange(n):
        s += i
    return s
assert _total(1000) == 499500
"""


def _run(tmp_path, prelude):
    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT.replace("{prelude}", prelude))
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue", NUMBA_NUM_THREADS="2",
               PYTHONPATH=str(REPO), NEUROWORKBENCH_PROGRESS="0")
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the default on Linux only")
def test_unguarded_script_forks_and_gives_the_serial_results(tmp_path):
    out = _run(tmp_path, "")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "START fork" in out.stdout
    lines = dict(l.split(" ", 1) for l in out.stdout.splitlines() if " " in l)
    results = [int(x) for x in lines["RESULTS"].split()]
    alone = [int(x) for x in lines["ALONE"].split()]
    # each copy equals the same network built and run in this process with its seed
    assert results == alone and len(results) == 3 and min(results) > 0


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the default on Linux only")
def test_after_numba_threads_started_spawn_is_used_and_the_guard_is_asked_for(tmp_path):
    out = _run(tmp_path, THREADS)
    assert "START spawn" in out.stdout
    assert out.returncode != 0
    assert "NetworkError" in out.stderr
    assert "if __name__ == '__main__':" in out.stderr
    assert "Numba's worker threads" in out.stderr


def test_start_method_obeys_the_program_and_numba_state(monkeypatch):
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "spawn")
    assert parallel.start_method() == "spawn"
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: None)
    monkeypatch.setattr(parallel, "_numba_threads_started", lambda: True)
    monkeypatch.setattr(parallel, "_fork_safe_layer", lambda: False)
    if sys.platform == "linux":
        assert parallel.start_method() == "spawn"
        monkeypatch.setattr(parallel, "_fork_safe_layer", lambda: True)  # tbb
        assert parallel.start_method() == "fork"
        monkeypatch.setattr(parallel, "_numba_threads_started", lambda: False)
        assert parallel.start_method() == "fork"
