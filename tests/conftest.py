"""Test-wide settings: a per-run Numba-friendly environment and a clean active network."""

import os

os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
# no progress bars in test output, nor in the notebooks and scripts tests run
os.environ.setdefault("NEUROWORKBENCH_PROGRESS", "0")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_default_network():
    """Each test starts with no default network (ANNarchy-4 global style)."""
    from engine.runtime import active

    active.clear()
    yield
    active.clear()
