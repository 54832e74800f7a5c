"""The Fit tab's view without a browser: what it shows as a fit goes."""

import time

import pytest

from workbench.ui.fit_session import EXAMPLE_TRUE_VALUES
from workbench.ui.fit_view import DRAWN_POINTS, FitView
from workbench.ui.workbench import Workbench


def _wait(view, timeout=120):
    end = time.monotonic() + timeout
    while view.session.busy and time.monotonic() < end:
        time.sleep(0.05)
    view.update()


def test_the_fit_lab_runs_streams_its_progress_and_shows_the_truth():
    wb = Workbench(lab=None)
    opened = []
    wb.fit._open_model = lambda spec: (opened.append(spec), wb.open_model(spec))
    wb.open_fit_lab()
    view = wb.fit
    try:
        assert wb.tabs.active == 4 and view._model.value == "EIF_cond_exp_isfa_ista"
        assert list(view._amplitudes.value.amplitude) == [0.7, 1.0, 1.3]
        assert set(view._data_sources) == {"I=0.7", "I=1.0", "I=1.3"}
        drawn = view._data_sources["I=1.0"].data["v"]
        assert len(drawn) <= DRAWN_POINTS + 1
        assert view._start.disabled is False and view._cancel.disabled is True
        view.session.generations = 25
        view._on_start()
        _wait(view)
        assert view.session.status == "finished", view.session.message
        gens = list(view._loss_source.data["gen"])
        assert gens == list(range(1, 26))                      # each generation once
        best = list(view._loss_source.data["best"])
        assert best == sorted(best, reverse=True)
        fit_line = view._fit_sources["I=1.0"].data
        assert len(fit_line["v"]) == len(drawn)
        assert "The example was made with a = 6, b = 0.1" in view._results.object
        assert view._downloads.visible and view._to_models.visible
        assert '"fitted"' in view._json_file().getvalue()
        view._open_fitted()
        name = "EIF_cond_exp_isfa_ista_fit"
        assert opened[0]["name"] == name and name in wb.workspace.library.user_models
        assert wb.tabs.active == 1                              # the Models tab shows it
        fitted = view.session.result["fitted"]
        for k, v in EXAMPLE_TRUE_VALUES.items():
            assert fitted[k] == pytest.approx(v, rel=0.1)
    finally:
        view.session.close()


def test_one_click_on_fit_ticks_a_parameter_and_a_second_unticks_it():
    from types import SimpleNamespace

    view = FitView()
    try:
        view._use_example()
        table = view.session.parameters
        row = int(table.index[table.parameter == "tau_w"][0])
        view._parameter_clicked(SimpleNamespace(column="fit", row=row))
        assert bool(view.session.parameters.at[row, "fit"]) is True
        assert "tau_w" in view.session.bounds() and isinstance(view.session.bounds()["tau_w"],
                                                                list)
        view._parameter_clicked(SimpleNamespace(column="fit", row=row))
        assert view.session.bounds()["tau_w"] == 144.0
        view._parameter_clicked(SimpleNamespace(column="low", row=row))   # other columns: edits
        assert view.session.bounds()["tau_w"] == 144.0
    finally:
        view.session.close()


def test_a_refused_upload_is_said_in_the_status_and_nothing_changes():
    view = FitView()
    try:
        view._upload.filename = "cell.csv"
        view._upload.value = b"t,v\n0,1\n1,oops\n"
        assert "failed" in view._status.object and "oops" in view._status.object
        assert view.session.recording is None and view._data_sources == {}
        view._on_start()
        assert "choose a model first" in view._status.object and not view.session.busy
        view.update()                        # the periodic update keeps the refusal shown
        assert "choose a model first" in view._status.object
    finally:
        view.session.close()
