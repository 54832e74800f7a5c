"""OptNeuron on dask.distributed workers gives the result of a local fit."""

import pytest

from workbench.fit import FitError

distributed = pytest.importorskip("distributed")


def test_a_fit_on_two_worker_processes_equals_the_local_fit(tmp_path, fit_script):
    _, module = fit_script
    local = module.make().run(max_evals=50, results_file_name=str(tmp_path / "local"),
                              progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = module.make(client=client).run(
            max_evals=50, results_file_name=str(tmp_path / "remote"), progress=False)
        # each worker built its network once, not once a generation
        built = client.run(lambda: len(__import__("workbench.fit.distributed",
                                                  fromlist=["_EVALUATORS"])._EVALUATORS))
    assert (remote["a"], remote["b"], remote["loss"]) == (local["a"], local["b"], local["loss"])
    assert [r["min"] for r in remote["logbook"]] == [r["min"] for r in local["logbook"]]
    assert sorted(built.values()) == [1, 1]
    assert local["a"] == pytest.approx(0.8, abs=1e-2)


def test_what_is_not_a_client_is_refused(fit_script):
    with pytest.raises(FitError, match="dask.distributed.Client"):
        fit_script[1].make(client="localhost:8786")
