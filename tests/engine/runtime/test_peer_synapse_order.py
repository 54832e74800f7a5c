"""The order of a spiking synapse's parts within a step, against ANNarchy 5.

tests/data/annarchy_synapse_order.json was written by
benchmarks/peers/reference_synapse_order_annarchy.py with ANNarchy 5.0.4.1
(its header describes the network): two STDP rules whose traces are
continuous ODEs set or incremented by ``pre_spike``/``post_spike``, one of
them SORF's (``w += eta * stdp`` every step). ANNarchy runs the synapse's
equations, then the post-synaptic events; the engine ran them the other way
round until stop 26 (a silent difference: the traces set at a post spike were
decayed once more, and SORF's weights drifted by 1e-4 within 2.5 s). The
network is built by the very function that built it in ANNarchy, with
``engine`` in place of ``ANNarchy``, and every recorded value must be
ANNarchy's.
"""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import engine

ROOT = pathlib.Path(__file__).parents[3]
DATA = json.loads((ROOT / "tests" / "data" / "annarchy_synapse_order.json").read_text())
_spec = importlib.util.spec_from_file_location(
    "reference_synapse_order_annarchy",
    ROOT / "benchmarks" / "peers" / "reference_synapse_order_annarchy.py")
REFERENCE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REFERENCE)

TRACES = ("a_w", "a_ltp", "a_ltd", "b_w", "b_x", "b_y")


@pytest.fixture(scope="module", params=sorted(DATA["runs"]), ids=lambda dt: f"dt{dt}")
def both(request):
    dt = request.param
    return DATA["runs"][dt], REFERENCE.run(engine, float(dt))


def test_the_peer_data_is_what_the_header_says():
    assert DATA["peer"].startswith("ANNarchy 5.")
    assert sorted(DATA["runs"]) == ["0.5", "1.0"]
    run = DATA["runs"]["1.0"]
    # the post neurons spiked one step after each drive spike (and after strong
    # pre spikes), and the weights of both rules changed: the data exercises the
    # order in question
    for rank, times in enumerate(REFERENCE.DRIVE_TIMES):
        assert {int(t) + 1 for t in times} <= set(run["post_spikes"][str(rank)])
    for rule in ("a_w", "b_w"):
        w = np.array(run[rule])
        assert np.abs(w[-1] - w[0]).max() > 1e-3


def test_post_spikes_are_annarchys(both):
    ref, ours = both
    assert ours["post_spikes"] == ref["post_spikes"]


@pytest.mark.parametrize("name", TRACES)
def test_every_recorded_value_is_annarchys(both, name):
    ref, ours = both
    expected, got = np.array(ref[name]), np.array(ours[name])
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_a_post_spike_trace_is_seen_undecayed_at_the_end_of_its_step(both):
    # rule A: ltd = A_minus is set by post_spike after the equations decayed it:
    # the value recorded in the post spike's step is A_minus exactly
    ref, ours = both
    ltd = np.array(ours["a_ltd"])            # (steps, post 2, pre 3)
    for step in ours["post_spikes"]["0"]:
        assert (ltd[step, 0, :] == 0.012).all()
