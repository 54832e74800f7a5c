"""The order of events within a step, against ANNarchy 5's own recordings.

tests/data/annarchy_event_order.json was written by
benchmarks/peers/reference_event_order_annarchy.py with ANNarchy 5.0.4 (its
header lists the networks): spike delivery with the default one-step delay
and with longer uniform and per-synapse delays, a spike emitted by a neuron
reaching the next one, refractoriness, rate-coded sums reading the previous
step, ``CurrentInjection``, and a monitor with a period and an offset. The
networks are built here by the very function that built them in ANNarchy,
called with ``engine`` in place of ``ANNarchy``, and every recorded value
and spike step must be ANNarchy's.

These conventions were until now tested only against loops written from our
own reading of them; a convention error would have passed unseen (as the
one-step-late STDP depression did).
"""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import engine

ROOT = pathlib.Path(__file__).parents[3]
DATA = json.loads((ROOT / "tests" / "data" / "annarchy_event_order.json").read_text())
_spec = importlib.util.spec_from_file_location(
    "reference_event_order_annarchy",
    ROOT / "benchmarks" / "peers" / "reference_event_order_annarchy.py")
REFERENCE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REFERENCE)

CASES = DATA["cases"]
TRACES = sorted(k for k in CASES[0] if k not in ("dt", "lif_spike_steps", "periodic_times"))


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"dt{c['dt']}")
def both(request):
    case = request.param
    return case, REFERENCE.build(engine, case["dt"])


def test_the_peer_data_is_what_the_header_says():
    assert DATA["peer"].startswith("ANNarchy 5.")
    assert [c["dt"] for c in CASES] == [1.0, 0.5]


@pytest.mark.parametrize("name", TRACES)
def test_every_recorded_value_is_annarchys(both, name):
    case, ours = both
    theirs = np.asarray(case[name], dtype=float)
    mine = np.asarray(ours[name], dtype=float)
    assert mine.shape == theirs.shape, name
    bad = np.flatnonzero(~np.isclose(mine, theirs, rtol=1e-9, atol=1e-9).all(
        axis=tuple(range(1, mine.ndim))))
    assert bad.size == 0, (f"{name}: first difference at row {bad[0]} (t = "
                           f"{(bad[0] + 1) * case['dt']} ms): ours {mine[bad[0]]}, "
                           f"ANNarchy {theirs[bad[0]]}")


def test_spike_steps_are_annarchys(both):
    case, ours = both
    assert ours["lif_spike_steps"] == case["lif_spike_steps"]
    assert any(case["lif_spike_steps"].values())      # the case does spike


def test_a_periodic_monitor_records_when_annarchy_does(both):
    # The values of the periodic monitor are compared above. Its recording
    # interval, `times()`: steps in both (ANNarchy's docstring says ms, its code
    # and tutorials use steps).
    case, ours = both
    assert ours["periodic_times"] == case["periodic_times"]
