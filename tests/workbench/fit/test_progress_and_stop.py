"""OptNeuron.run's hooks for a UI: progress after each generation, and a stop."""

import numpy as np
import pytest



def test_progress_reports_every_generation_and_a_stop_ends_the_fit_resumably(fit_script,
                                                                              tmp_path):
    module = fit_script[1]
    seen = []
    opt = module.make()
    fit = opt.run(max_evals=20, results_file_name=str(tmp_path / "f"), progress=False,
                  on_generation=seen.append, should_stop=lambda: len(seen) >= 3)
    assert opt.stopped and opt.generations_done == 3 and len(fit["logbook"]) == 3
    assert [s["gen"] for s in seen] == [1, 2, 3] and seen[0]["generations"] == 20
    assert [s["evaluations"] for s in seen] == [7, 14, 21]
    best = [s["best_loss"] for s in seen]
    assert best == sorted(best, reverse=True)                  # the best never gets worse
    assert all(s["min"] >= s["best_loss"] for s in seen)
    assert seen[-1]["best_loss"] == pytest.approx(min(r["min"] for r in fit["logbook"]))
    assert set(seen[-1]["best"]) >= set(opt.space.names)
    # the stopped fit goes on from its checkpoint
    again = module.make()
    rest = again.run(max_evals=5, results_file_name=str(tmp_path / "f"), resume=True,
                     progress=False)
    assert not again.stopped and again.generations_done == 5
    assert rest["loss"] <= fit["loss"] + 1e-12


def test_resuming_a_finished_fit_returns_its_result(fit_script, tmp_path):
    module = fit_script[1]
    opt = module.make()
    first = opt.run(max_evals=3, results_file_name=str(tmp_path / "g"), progress=False)
    again = module.make()
    second = again.run(max_evals=3, results_file_name=str(tmp_path / "g"), resume=True,
                       progress=False)
    assert second["deap_pop"] == [] and again.generations_done == 3
    names = list(opt.space.names)
    np.testing.assert_allclose([second[n] for n in names], [first[n] for n in names])
