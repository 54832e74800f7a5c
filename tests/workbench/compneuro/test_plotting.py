"""PlotRecordings: the data in each subplot is the recording's, the plan is
checked against what was recorded, and figures are saved atomically."""

import holoviews as hv
import numpy as np
import pytest

import engine as ann
from workbench.compneuro import CompNeuroError, CompNeuroMonitors, PlotRecordings

LIF_NEURON = ann.Neuron(parameters="tau = 10.0\nv_th = 1.0\nI_app = 0",
                        equations="tau*dv/dt = -v + I_app : init=0, exponential",
                        spike="v >= v_th", reset="v = 0")


@pytest.fixture
def lif_recording():
    """Two LIF neurons (I = 1.5 and 3) for 40 ms, v every step, spikes; a
    pause of 10 ms in the middle (two periods)."""
    ann.clear()
    ann.setup(dt=1.0)
    pop = ann.Population(2, LIF_NEURON, name="lif")
    ann.compile()
    pop.I_app = [1.5, 3.0]
    mon = CompNeuroMonitors({"lif;v": None, "lif;spike": None})
    mon.start()
    ann.simulate(20)
    mon.pause()
    ann.simulate(10)
    mon.start()
    ann.simulate(20)
    return mon.get_recordings(), mon.get_recording_times()


def test_lines_hold_the_recorded_values_at_their_times(lif_recording):
    recs, times = lif_recording
    plan = {"position": [1, 2], "compartment": ["lif", "lif"], "variable": ["v", "v - 1"],
            "format": ["line", "line_mean"]}
    fig = PlotRecordings(None, recs, times, (2, 1), plan)
    both, mean = fig.layout[0], fig.layout[1]
    assert isinstance(both, hv.Overlay) and len(both) == 2
    t = both.get(0).dimension_values(0)
    # 20 records from t = 0, then 20 from t = 30 (the pause is a gap, not records)
    np.testing.assert_array_equal(t, np.r_[np.arange(20.0), np.arange(30.0, 50.0)])
    np.testing.assert_array_equal(both.get(1).dimension_values(1), recs[0]["lif;v"][:, 1])
    np.testing.assert_allclose(mean.dimension_values(1), recs[0]["lif;v"].mean(axis=1) - 1.0)


def test_spike_formats_follow_the_spikes(lif_recording):
    recs, times = lif_recording
    spikes = recs[0]["lif;spike"]
    plan = {"position": [1, 2, 3, 4], "compartment": ["lif"] * 4, "variable": ["spike"] * 4,
            "format": ["raster", "mean", "interspike", "cv"]}
    fig = PlotRecordings(None, recs, times, (2, 2), plan)
    raster, rate, isi, cv = (fig.layout[i] for i in range(4))
    n_spikes = sum(len(s) for s in spikes.values())
    assert n_spikes > 4 and len(raster) == n_spikes
    np.testing.assert_array_equal(np.sort(raster.dimension_values(0)),
                                  np.sort(np.concatenate([np.asarray(s, float)
                                                          for s in spikes.values()])))
    # rate: spikes per 10 ms bin over 2 neurons, in Hz; summed back it is the count
    assert rate.dimension_values(1).sum() * 0.010 * 2 == pytest.approx(n_spikes)
    fast = np.asarray(spikes[1], dtype=float)
    assert set(np.round(np.diff(fast), 9)) <= set(np.round(isi.dimension_values(1), 9))
    d = np.diff(fast)
    assert cv.dimension_values(1)[1] == pytest.approx(np.std(d) / np.mean(d))


def test_matrix_and_time_window(lif_recording):
    recs, times = lif_recording
    plan = {"position": [2], "compartment": ["lif"], "variable": ["v"], "format": ["matrix"]}
    fig = PlotRecordings(None, recs, times, (1, 2), plan, time_lim=(30, 45))
    image = fig.layout[1]
    assert isinstance(fig.layout[0], hv.Empty)
    # rows: neuron 0 then 1 (y up), columns t = 30 ... 45
    np.testing.assert_allclose(image.dimension_values(2, flat=False),
                               recs[0]["lif;v"][20:36].T)
    assert image[33.0, 1.0] == pytest.approx(recs[0]["lif;v"][23, 1])


@pytest.mark.parametrize("plan, message", [
    ({"position": [1], "compartment": ["exc"], "variable": ["v"], "format": ["line"]},
     "compartment 'exc' was not recorded .recorded: lif"),
    ({"position": [1], "compartment": ["lif"], "variable": ["u"], "format": ["line"]},
     "'u' was not recorded for 'lif' .recorded: v, spike"),
    ({"position": [1], "compartment": ["lif"], "variable": ["spike"], "format": ["line"]},
     "format 'line' is not one for spikes"),
    ({"position": [5], "compartment": ["lif"], "variable": ["v"], "format": ["line"]},
     r"position 5 is not on the 2x2 grid"),
    ({"position": [1], "compartment": ["lif"], "variable": ["__import__('os')"],
      "format": ["line"]}, "may only combine recorded names and numbers"),
    ({"position": [1, 2], "compartment": ["lif"], "variable": ["v"], "format": ["line"]},
     "the plan's lists differ in length"),
])
def test_bad_plans_are_refused_with_what_was_recorded(lif_recording, plan, message):
    recs, times = lif_recording
    with pytest.raises(CompNeuroError, match=message):
        PlotRecordings(None, recs, times, (2, 2), plan)


def test_saved_as_html_and_png(lif_recording, tmp_path):
    recs, times = lif_recording
    plan = {"position": [1, 2], "compartment": ["lif", "lif"], "variable": ["v", "spike"],
            "format": ["line", "hybrid"]}
    PlotRecordings(str(tmp_path / "figs" / "lif.html"), recs, times, (1, 2), plan)
    text = (tmp_path / "figs" / "lif.html").read_text()
    assert "<html" in text.lower() and "Bokeh" in text
    fig = PlotRecordings(str(tmp_path / "lif.png"), recs, times, (1, 2), plan, dpi=50)
    assert (tmp_path / "lif.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(CompNeuroError, match="save as .html, .png"):
        fig.save(tmp_path / "lif.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs", "lif.png"]   # no temp files
    with pytest.raises(CompNeuroError, match=r"time_lim \(60, 70\) is not within chunk 0"):
        PlotRecordings(None, recs, times, (1, 2), plan, time_lim=(60, 70))


def test_a_grid_with_empty_cells_saves_as_png(lif_recording, tmp_path):
    # CompNeuroPy's examples leave cells of their grids empty (3 plots in 2 x 2);
    # HoloViews cannot clone such a layout, which saving PNG did
    recs, times = lif_recording
    plan = {"position": [1], "compartment": ["lif"], "variable": ["v"], "format": ["line"]}
    PlotRecordings(str(tmp_path / "one_of_two.png"), recs, times, (1, 2), plan, dpi=50)
    png = (tmp_path / "one_of_two.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 1.5 * height            # both cells of the row are laid out
    PlotRecordings(str(tmp_path / "one_of_two.html"), recs, times, (1, 2), plan)
    assert "Bokeh" in (tmp_path / "one_of_two.html").read_text()


def test_a_raster_without_spikes_says_so(lif_recording):
    # CompNeuroPy writes "... does not contain any spikes" in the panel
    import holoviews as hv

    recs, times = lif_recording
    plan = {"position": [1], "compartment": ["lif"], "variable": ["spike"], "format": ["raster"]}
    with pytest.warns(UserWarning, match=r"lif has no spikes between 0 and 3 ms"):
        fig = PlotRecordings(None, recs, times, (1, 1), plan, time_lim=(0, 3))
    texts = [el for el in fig.layout.traverse(lambda x: x, [hv.Text])]
    assert [t.text for t in texts] == ["lif has no spikes between 0 and 3 ms"]
