"""CompNeuroMonitors: keys, chunks, periods and recording times."""

import numpy as np
import pytest

import engine as ann
from workbench.compneuro import CompNeuroError, CompNeuroMonitors, current_stim


def test_chunks_restart_at_zero_after_reset(rate_pop):
    mon = CompNeuroMonitors({"pop;r": None})
    mon.start()
    current_stim("pop", t=4, a=1.0)
    mon.reset()                                   # model reset: a, b back to 0 (compile state)
    assert ann.get_time() == 0.0
    rate_pop.b = 9.0
    current_stim("pop", t=3, a=1.0)
    recs, times = mon.get_recordings(), mon.get_recording_times()
    assert len(recs) == 2 and times.nr_chunks() == 2
    np.testing.assert_array_equal(recs[0]["pop;r"], np.outer([1.0] * 4, [1, 2, 3]) + [0.5, -1, 2])
    np.testing.assert_array_equal(recs[1]["pop;r"], np.full((3, 3), 9.0))
    assert times.time_lims(chunk=0) == (0.0, 3.0) and times.idx_lims(chunk=0) == (0, 3)
    assert times.time_lims(chunk=1, compartment="pop") == (0.0, 2.0)
    assert recs[0]["dt"] == 1.0 and recs[0]["pop;period"] == 1.0
    np.testing.assert_array_equal(recs[0]["pop;parameter_dict"]["a"], [1.0, 2.0, 3.0])
    assert times.all()[1] == {"pop": {"start": {"ms": [0.0], "idx": [0]},
                                      "stop": {"ms": [2.0], "idx": [2]}}}


def test_get_recordings_does_not_drain(rate_pop):
    mon = CompNeuroMonitors({"pop;pop": ["r"]})
    mon.start()
    ann.simulate(2)
    assert mon.get_recordings()[0]["pop;r"].shape == (2, 3)
    ann.simulate(1)
    assert mon.get_recordings()[0]["pop;r"].shape == (3, 3)


def test_pause_makes_periods_with_their_times_and_rows(rate_pop):
    mon = CompNeuroMonitors({"pop;pop;2": ["r"]})    # every 2 ms
    mon.start()
    ann.simulate(5)                                   # records at 0, 2, 4
    mon.pause()
    ann.simulate(5)                                   # nothing
    mon.start()
    ann.simulate(4)                                   # 10..13: records at 10, 12
    times = mon.get_recording_times()
    assert times.nr_periods() == 2
    assert times.time_lims(period=0) == (0.0, 4.0) and times.idx_lims(period=0) == (0, 2)
    assert times.time_lims(period=1) == (10.0, 12.0) and times.idx_lims(period=1) == (3, 4)
    assert times.time_lims() == (0.0, 12.0)
    assert mon.get_recordings()[0]["pop;r"].shape == (5, 3)
    assert mon.get_recordings()[0]["pop;period"] == 2.0


def test_nothing_recorded_gives_no_chunk(rate_pop):
    mon = CompNeuroMonitors({"pop;r": None})
    ann.simulate(3)
    mon.reset()
    assert mon.get_recordings() == [] and mon.current_chunk() is None
    with pytest.raises(CompNeuroError, match=r"no recordings: call monitors.start\(\)"):
        mon.get_recording_times().time_lims()


def test_spikes_are_steps_per_rank(lif_pop):
    mon = CompNeuroMonitors({"lif;spike": None, "lif;v": 1.0})
    mon.start()
    current_stim("lif", t=15, a=2.0)
    rec = mon.get_recordings()[0]
    assert set(rec["lif;spike"]) == {0}
    assert all(isinstance(s, int) for s in rec["lif;spike"][0])
    assert rec["lif;spike"][0][0] == 69               # ceil(10 ln 2 / 0.1) - 1: step index
    assert rec["lif;v"].shape == (15, 1) and rec["lif;period"] == 1.0


def test_get_recordings_and_clear_pauses_and_forgets(rate_pop):
    mon = CompNeuroMonitors({"pop;r": None})
    mon.start()
    ann.simulate(2)
    recs, times = mon.get_recordings_and_clear()
    assert len(recs) == 1 and times.idx_lims() == (0, 1)
    ann.simulate(2)
    assert mon.get_recordings() == [] and mon.current_chunk() is None
    mon.start()
    ann.simulate(1)
    assert mon.get_recordings()[0]["pop;r"].shape == (1, 3)


@pytest.mark.parametrize("mon_dict, message", [
    ({"pop;r": -1.0}, r"monitor key 'pop;r': the period must be a number of ms > 0"),
    ({"pop": "r"}, r"monitor key 'pop': with a period \(or None\) as value the key is "
                   r"'compartment;variable'"),
    ({"x;pop": ["r"]}, r"monitor key 'x;pop': with a list of variables the key is 'name' or "
                       r"'name;period_ms'"),
    ({"pop;": ["r"]}, r"monitor key 'pop;': with a list of variables"),
    ({"pop;-2": ["r"]}, r"monitor key 'pop;-2': the period must be a number of ms > 0"),
    ({"pop;pop;abc": ["r"]}, r"the period 'abc' is not a number of ms"),
    ({"pop;r": 1.0, "pop;pop;2": ["v"]}, r"'pop' is recorded with two periods \(1.0 and 2.0 ms\)"),
    ({"pop;r": None, "pop;pop": ["r"]}, r"pop;r is recorded twice"),
])
def test_bad_mon_dicts(mon_dict, message):
    with pytest.raises(CompNeuroError, match=message):
        CompNeuroMonitors(mon_dict)


def test_unknown_population_and_bad_period_at_start(rate_pop):
    with pytest.raises(CompNeuroError, match=r"no population or projection named 'other' in "
                                             r"the active network \(populations: pop; "
                                             r"projections: none\)"):
        CompNeuroMonitors({"other;r": None}).start()
    with pytest.raises(CompNeuroError, match=r"no population named 'other'"):
        CompNeuroMonitors({"pop;other": ["r"]}).start()
    with pytest.raises(CompNeuroError, match=r"period 1.5 ms is not a positive multiple of "
                                             r"dt = 1.0 ms"):
        CompNeuroMonitors({"pop;r": 1.5}).start()
    with pytest.raises(CompNeuroError, match=r"chunk 3 does not exist: there are 1 chunk"):
        mon = CompNeuroMonitors({"pop;r": None})
        mon.start()
        ann.simulate(1)
        mon.get_recording_times().time_lims(chunk=3)


def test_compneuropy_1_keys_name_a_population_or_a_projection():
    # CompNeuroPy 1.0: "name[;period]", the kind found by name (checked against
    # CompNeuroPy 1.0.4 on ANNarchy 5.0.4.1: the same keys, periods and shapes)
    ann.clear()
    ann.setup(dt=0.1)
    pre = ann.Population(2, ann.Neuron(equations="dv/dt = 1.0\nr = v"), name="pre")
    post = ann.Population(2, ann.Neuron(equations="r = 0.0"), name="post")
    decay = ann.Synapse(parameters="tau = 500.0", equations="dw/dt = -w/tau")
    proj = ann.Projection(pre, post, "exc", synapse=decay, name="proj1")
    proj.connect_all_to_all(weights=1.0)
    ann.compile()
    mon = CompNeuroMonitors({"pre;2": ["v"], "proj1;10": ["w"], "post": ["r"]})
    mon.start()
    ann.simulate(20.0)
    rec = mon.get_recordings()[0]
    assert rec["pre;period"] == 2.0 and rec["proj1;period"] == 10.0 and rec["post;period"] == 0.1
    # v = (k + 1) dt after step k, recorded at steps 0, 20, ..., 180
    np.testing.assert_allclose(rec["pre;v"], np.outer(0.1 * (np.arange(0, 200, 20) + 1), [1, 1]))
    # explicit Euler: w = (1 - dt/tau)^(k+1) after step k, recorded at steps 0 and 100,
    # per post neuron and pre neuron
    # the synapse's parameters under CompNeuroPy's key for projections
    assert list(rec["proj1;parameters"]) == ["tau"] and "proj1;parameter_dict" not in rec
    np.testing.assert_array_equal(np.concatenate(rec["proj1;parameters"]["tau"]), [500.0] * 4)
    w = rec["proj1;w"]
    assert w.shape == (2, 2, 2) and rec["post;r"].shape == (200, 2)
    np.testing.assert_allclose(w[:, 0, 0], (1 - 0.1 / 500) ** np.array([1, 101]), rtol=1e-12)
    # a name used for a population and a projection is refused, as CompNeuroPy does
    ann.clear()
    pre = ann.Population(2, ann.Neuron(equations="r = 1.0"), name="pre")
    ann.Projection(pre, pre, "exc", name="pre").connect_one_to_one(weights=1.0)
    ann.compile()
    with pytest.raises(CompNeuroError, match=r"'pre' names both a population and a projection: "
                                             r"write the monitor key as 'pop;pre' or 'proj;pre'"):
        CompNeuroMonitors({"pre": ["v"]}).start()
