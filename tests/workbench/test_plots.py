"""workbench.plots: the numbers inside each figure, against numpy done by hand."""

from __future__ import annotations

import numpy as np
import pytest

import engine as ann
from workbench import plots
from workbench.plots import PlotError

DT = 0.1
T = 200.0


@pytest.fixture(scope="module")
def run():
    """50 neurons driven from below to well above the rheobase, a projection
    with random weights, spikes and v recorded (v every 1 ms from t = 50 ms)."""
    net = ann.Network(dt=DT, seed=3)
    pop = net.create(50, neuron=ann.IF_cond_exp(tau_refrac=2.0), name="P")
    pop.i_offset = np.linspace(0.5, 2.0, 50)
    proj = net.connect(pop[:25], pop, "exc").fixed_probability(0.2, weights=ann.Uniform(0.0, 0.01))
    spikes = net.monitor(pop, ["spike"])
    view = net.monitor(pop[30:40], ["spike"])
    v = net.monitor(pop, ["v"], period=1.0, start=False)
    net.compile()
    net.simulate(50.0)
    v.start()
    net.simulate(T - 50.0)
    return net, pop, proj, spikes, view, v


def _by_hand(spike_dict, dt):
    """(times, ranks) of a get('spike') dict, without the engine's helpers."""
    pairs = sorted((s * dt, r) for r, steps in spike_dict.items() for s in steps)
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def test_raster_points_are_the_spikes(run):
    net, pop, proj, m, view, v = run
    d = m.get("spike", keep=True)
    t, r = _by_hand(d, DT)
    assert t.size > 500
    for fig in (plots.raster(m), plots.raster(d, dt=net.dt), plots.raster(m.raster_plot())):
        got = sorted(zip(fig.dimension_values("t"), fig.dimension_values("neuron")))
        assert np.allclose([g[0] for g in got], t) and [g[1] for g in got] == list(r)
    stacked = plots.raster(view, offset=100)
    assert set(stacked.dimension_values("neuron")) <= set(range(130, 140))
    assert stacked.range("neuron") == (99.5, 109.5)     # 10 neurons from 100


def test_population_rate_is_a_histogram_over_neurons_and_bin(run):
    net, pop, proj, m, view, v = run
    steps = np.concatenate([s for s in m.get("spike", keep=True).values()]).astype(int)
    for bin in (10.0, 25.0, 7.0):
        curve = plots.population_rate(m, bin=bin)
        n_bins = int(T // bin)                          # whole bins of the 200 ms recorded
        per_bin = int(round(bin / DT))                  # in integer steps: no rounding
        counts = np.bincount(steps // per_bin, minlength=n_bins + 1)[:n_bins]
        assert np.allclose(curve.dimension_values("t"), bin * (np.arange(n_bins) + 0.5))
        assert np.allclose(curve.dimension_values("rate"), counts / 50 / (bin / 1000.0))
    # the mean over whole bins is the monitor's own mean rate
    assert np.isclose(plots.rate_in_bins(m, bin=10.0)[1].mean(), m.mean_fr())


def test_rate_bins_hold_spikes_on_their_edges():
    # steps 100 and 700 are 10 and 70 ms; 0.1 * 700 < 70.0 in floating point
    spikes = {0: [99, 100, 700], 1: [699, 701], 2: []}
    centres, rate = plots.rate_in_bins(spikes, dt=0.1, bin=10.0)
    assert np.allclose(centres, np.arange(5.0, 80.0, 10.0))      # 9.9 ms to 70.1 ms
    steps = np.array([99, 100, 700, 699, 701])
    expected = np.bincount(steps // 100, minlength=8) / 3 / 0.01
    assert np.allclose(rate, expected)


def test_firing_rates_per_neuron(run):
    net, pop, proj, m, view, v = run
    d = m.get("spike", keep=True)
    rates = plots.firing_rates(m)
    assert np.allclose(rates, [len(d[r]) / (T / 1000.0) for r in range(50)])
    assert rates[0] == 0 and rates[-1] > 50            # 0.5 nA is below the rheobase
    # a view: its ranks in order, from the dict as from the monitor
    dv = view.get("spike", keep=True)
    expected = [len(dv[r]) / 0.2 for r in range(30, 40)]
    assert np.allclose(plots.firing_rates(view), expected)
    assert np.allclose(plots.firing_rates(dv, dt=DT, window=(0, T)), expected)
    with pytest.raises(PlotError, match=r"give window=\(start, stop\)"):
        plots.firing_rates(dv, dt=DT)


def test_traces_are_the_records(run):
    net, pop, proj, m, view, v = run
    values = v.get("v", keep=True)
    assert values.shape == (150, 50)
    overlay = plots.traces(v, "v", neurons=[0, 49])
    assert list(overlay.keys()) == [0, 49]
    for k in (0, 49):
        assert np.allclose(overlay[k].dimension_values("t"), 50.0 + np.arange(150))
        assert np.allclose(overlay[k].dimension_values("v"), values[:, k])
    one = plots.traces(values[:, 3], variable="v", dt=1.0)
    assert np.allclose(one.dimension_values("t"), np.arange(150.0))
    assert np.allclose(one.dimension_values("v"), values[:, 3])


def test_fi_curve_sorts_by_input():
    fig = plots.fi_curve([2.0, 0.5, 1.0], [40.0, 0.0, 12.0])
    curve, points = fig.values()
    for el in (curve, points):
        assert list(el.dimension_values("I")) == [0.5, 1.0, 2.0]
        assert list(el.dimension_values("rate")) == [0.0, 12.0, 40.0]


def test_weight_histogram_counts_every_synapse(run):
    net, pop, proj, m, view, v = run
    w = np.concatenate([proj.dendrite(i).w for i in proj.post_ranks])
    hist = plots.weight_histogram(proj, bins=20)
    counts, edges = np.histogram(w, bins=20)
    assert np.allclose(hist.dimension_values("synapses"), counts)
    assert np.allclose(hist.edges, edges)
    assert hist.dimension_values("synapses").sum() == proj.nb_synapses
    assert np.allclose(plots.weight_histogram(proj.w, bins=20).dimension_values(1), counts)


def test_connectivity_matrix_puts_each_weight_at_pre_post(run):
    net, pop, proj, m, view, v = run
    image = plots.connectivity_matrix(proj)
    # the ranks of the whole populations (the projection starts from P[:25])
    assert image.bounds.lbrt() == (-0.5, -0.5, 49.5, 49.5)
    connected = set()
    for post in proj.post_ranks:
        d = proj.dendrite(post)
        for pre, w in zip(d.pre_ranks, d.w):
            assert image[pre, post] == pytest.approx(w)
            connected.add((pre, post))
    pre, post = next((a, b) for a in range(25) for b in range(50) if (a, b) not in connected)
    assert np.isnan(image[pre, post]) and np.isnan(image[30, 0])     # 30 is not in P[:25]


def test_save_png_and_offline_html(run, tmp_path):
    net, pop, proj, m, view, v = run
    fig = (plots.raster(m) + plots.population_rate(m)).cols(1)
    png = plots.save(fig, tmp_path / "sub" / "fig.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = plots.save(fig, tmp_path / "fig.html").read_text()
    assert "Bokeh" in html and "cdn.bokeh.org" not in html        # resources inline
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["fig.html", "fig.png", "sub"]


@pytest.mark.parametrize("call, message", [
    (lambda r: plots.raster({0: [1, 2]}), r"holds spike steps, not times: give dt="),
    (lambda r: plots.raster([1, 2]), r"spikes are a Monitor, the dict of monitor.get"),
    (lambda r: plots.raster(r[5]), r"does not record spikes .*it records v"),
    (lambda r: plots.population_rate(r[3], bin=0), r"bin must be positive"),
    (lambda r: plots.population_rate(r[3], window=(5, 5)), r"window \(5, 5\) is empty"),
    (lambda r: plots.traces(r[5]), r"give the variable to draw, one of 'v'; got None"),
    (lambda r: plots.traces(np.zeros((3, 2))), r"give times= .* or dt="),
    (lambda r: plots.traces(np.zeros((3, 2)), dt=1.0, neurons=[2]), r"no column 2"),
    (lambda r: plots.fi_curve([1, 2], [3.0]), r"one length, got shapes \(2,\) and \(1,\)"),
    (lambda r: plots.connectivity_matrix(np.zeros(4)), r"must be 2-d"),
    (lambda r: plots.connectivity_matrix(np.zeros((3000, 3000))), r"plot a part"),
    (lambda r: plots.save(plots.fi_curve([1], [2]), "f.jpg"), r"ending in .html, .png"),
])
def test_bad_input_says_what_to_give(run, call, message):
    with pytest.raises(PlotError, match=message):
        call(run)


def test_every_helper_renders_in_bokeh_and_keeps_matplotlib_options(run):
    import holoviews as hv

    net, pop, proj, m, view, v = run
    figures = [plots.raster(m), plots.population_rate(m), plots.traces(v, "v", neurons=[0, 1]),
               plots.fi_curve(np.asarray(pop.i_offset), plots.firing_rates(m)),
               plots.weight_histogram(proj), plots.connectivity_matrix(proj)]
    for fig in figures:
        assert hv.render(fig, backend="bokeh") is not None       # what JupyterLab shows
    # a user's matplotlib options on a helper's element survive until saving
    # (HoloViews drops the options of a backend that is not loaded yet)
    curve = plots.traces(v.get("v", keep=True)[:, 0], "v", dt=1.0).opts(
        aspect=4, backend="matplotlib")
    assert hv.Store.lookup_options("matplotlib", curve, "plot").kwargs["aspect"] == 4
