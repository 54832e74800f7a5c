"""A fit killed with SIGKILL mid-run resumes from its last checkpoint and
ends exactly where an uninterrupted fit ends."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest



def _checkpoint_generation(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            return json.loads(str(data["meta"]))["gen"]
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_result(tmp_path, fit_script):
    script, module = fit_script
    generations = 40
    killed = tmp_path / "killed"
    env = {**os.environ, "SLOW_FIT": "1", "NUMBA_THREADING_LAYER": "workqueue"}
    proc = subprocess.Popen([sys.executable, str(script), str(killed), str(generations)],
                            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    checkpoint = tmp_path / "killed.checkpoint.npz"
    deadline = time.monotonic() + 120
    try:
        while _checkpoint_generation(checkpoint) < 5:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the fit made no checkpoint in 120 s"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    at_kill = _checkpoint_generation(checkpoint)
    assert 5 <= at_kill < generations                  # killed mid-run, checkpoint readable
    assert not (tmp_path / "killed.json").exists()     # it never finished

    resumed = module.make().run(generations, str(killed), resume=True, progress=False)
    whole = module.make().run(generations, str(tmp_path / "whole"), progress=False)
    assert (resumed["a"], resumed["b"], resumed["loss"]) == (whole["a"], whole["b"], whole["loss"])
    assert [r["min"] for r in resumed["logbook"]] == [r["min"] for r in whole["logbook"]]
    assert len(resumed["logbook"]) == generations
