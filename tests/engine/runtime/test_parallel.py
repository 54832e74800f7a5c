"""Network subclasses, copy() and parallel_run() (processes, thread pools, dask)."""

import multiprocessing
import sys
import types
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from engine import Network, NetworkError
from parallel_models import NOISY, ExplicitNetwork, NoisyNetwork, describe, fail, run


@pytest.fixture(scope="module")
def pool():
    """Two spawned worker processes, shared by the tests of this module (they start once)."""
    ex = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))
    yield ex
    ex.shutdown(wait=False, cancel_futures=True)


def total(spikes):
    return sum(len(v) for v in spikes.values())


# -- the subclass pattern ---------------------------------------------------------------------
def test_subclass_takes_dt_and_seed_and_records_its_arguments():
    net = NoisyNetwork(7, w=0.3, dt=0.5, seed=3)
    assert (net.dt, net.seed, net.pop.size) == (0.5, 3, 7)
    assert net._init_args == (7,) and net._init_kwargs == {"w": 0.3}
    assert net.proj._arrays["w"][0] == 0.3
    assert not net.compiled

    explicit = ExplicitNetwork(12, seed=5)  # its own defaults and its own super().__init__ call
    assert (explicit.dt, explicit.seed, explicit.pop.size) == (0.5, 5, 12)
    assert explicit._init_kwargs == {"seed": 5}
    assert ExplicitNetwork(dt=0.25).dt == 0.25

    class Bigger(NoisyNetwork):  # two levels, each calling super().__init__
        def __init__(self, size, extra=3):
            super().__init__(size)
            self.other = self.create(extra, NOISY, name="other")

    big = Bigger(4, extra=2, dt=0.2, seed=9)
    assert (big.dt, big.seed, big.pop.size, big.other.size) == (0.2, 9, 4, 2)
    assert big._init_args == (4,) and big._init_kwargs == {"extra": 2}

    class Forwarding(Network):  # dt and seed are not given to **kwargs (as ANNarchy)
        def __init__(self, n=2, **kwargs):
            super().__init__(**kwargs)
            self.pop = self.create(n, NOISY)

    fwd = Forwarding(3, dt=0.2, seed=4)
    assert (fwd.dt, fwd.seed, fwd.pop.size, fwd._init_kwargs) == (0.2, 4, 3, {})
    assert fwd.copy().dt == 0.2 and ExplicitNetwork(dt=0.25).copy(3).dt == 0.25

    class Late(Network):
        def __init__(self):
            self.create(2, NOISY)
            super().__init__(dt=0.1)

    with pytest.raises(NetworkError, match="dt must be set before creating populations"):
        Late()


def test_copy_is_a_new_uncompiled_independent_network():
    net = NoisyNetwork(8, dt=0.1, seed=1)
    net.config(precision="float")
    net.compile()
    net.simulate(10.0)
    c = net.copy(5, w=0.4)
    assert type(c) is NoisyNetwork and c is not net
    assert not c.compiled and c.current_step == 0
    assert (c.dt, c.pop.size, c._config["precision"]) == (0.1, 5, "float")
    assert c.seed != net.seed
    assert c._init_args == (5,) and c._init_kwargs == {"w": 0.4}
    c.pop.v = 0.75
    assert not np.any(net.pop.v == 0.75)
    c.compile()
    c.simulate(5.0)
    assert c.current_step == 50 and net.current_step == 100 and c.pop.v.dtype == np.float32
    same = net.copy(8, seed=net.seed)
    same.compile()
    same.simulate(10.0)
    net.reset()
    net.simulate(10.0)
    np.testing.assert_array_equal(same.pop.v, net.pop.v)


def test_only_subclassed_networks_can_be_copied():
    net = Network(dt=0.1, seed=1)
    net.create(3, NOISY)

    class Empty(Network):
        pass

    for n in (net, Empty(seed=1)):
        with pytest.raises(NetworkError, match="only networks defined as a subclass of Network"):
            n.copy()
        with pytest.raises(NetworkError, match="class MyNetwork\\(Network\\)"):
            n.parallel_run(run, 2)


# -- parallel runs ----------------------------------------------------------------------------
def test_same_seed_gives_identical_results_equal_to_a_local_run(pool):
    net = NoisyNetwork(dt=0.1, seed=42)
    results = net.parallel_run(run, 2, seeds="same", executor=pool)
    assert [r["seed"] for r in results] == [42, 42]
    assert all(r["compiled"] for r in results)
    assert results[0]["spikes"] == results[1]["spikes"]
    assert total(results[0]["spikes"]) > 20
    local = NoisyNetwork(dt=0.1, seed=42)  # the same network in this process
    local.compile()
    mine = run(local)
    assert mine["spikes"] == results[0]["spikes"]
    np.testing.assert_array_equal(mine["v"], results[0]["v"])
    assert not net.compiled  # the original is not touched


def test_sequential_and_listed_seeds_and_per_copy_arguments(pool):
    net = NoisyNetwork(dt=0.1, seed=7)
    results = net.parallel_run(run, 3, seeds="sequential", executor=pool,
                               size=[10, 20, 30], w=0.5, tag=["a", "b", "c"], duration=30.0)
    assert [r["seed"] for r in results] == [7, 8, 9]
    assert [(r["size"], r["tag"], r["w"]) for r in results] == [
        (10, "a", 0.5), (20, "b", 0.5), (30, "c", 0.5)]  # in order
    listed = net.parallel_run(run, 3, seeds=[7, 100, 7], executor=pool)
    assert [r["seed"] for r in listed] == [7, 100, 7]
    assert listed[0]["spikes"] == listed[2]["spikes"] != listed[1]["spikes"]
    assert net.parallel_run(describe, 2, seeds=11, executor=pool) == [
        {"seed": 11, "dt": 0.1, "size": 20, "precision": "double", "dtype": "float64"},
        {"seed": 12, "dt": 0.1, "size": 20, "precision": "double", "dtype": "float64"}]


def test_a_failing_method_raises_with_the_copy_number(pool):
    net = NoisyNetwork(dt=0.1, seed=1)
    with pytest.raises(ValueError, match="failed on purpose") as info:
        net.parallel_run(fail, 2, executor=pool)
    assert any("parallel_run() copy 0" in note for note in info.value.__notes__)


def test_own_process_pool_measure_time_and_configuration(capsys):
    net = NoisyNetwork(dt=0.1, seed=3)
    net.config(precision="float")
    results = net.parallel_run(describe, 2, max_processes=1, seeds="sequential",
                               measure_time=True)
    assert results == [
        {"seed": 3, "dt": 0.1, "size": 20, "precision": "float", "dtype": "float32"},
        {"seed": 4, "dt": 0.1, "size": 20, "precision": "float", "dtype": "float32"}]
    assert "Running 2 networks in parallel took" in capsys.readouterr().out


def test_thread_pool_and_random_seeds():
    net = ExplicitNetwork(6, seed=2)
    with ThreadPoolExecutor(2) as ex:  # threads: closures are fine, nothing is pickled
        out = net.parallel_run(lambda n, k=0: (n.seed, n.dt, n.pop.size + k), 4, executor=ex,
                               k=1, size=[1, 2, 3, 4])
    seeds = [o[0] for o in out]
    assert len(set(seeds)) == 4 and 2 not in seeds
    assert [o[1:] for o in out] == [(0.5, 2), (0.5, 3), (0.5, 4), (0.5, 5)]


def test_dask_client():
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (pip install 'dask[distributed]')")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        net = NoisyNetwork(dt=0.1, seed=5)
        results = net.parallel_run(run, 3, seeds=[5, 5, 6], executor=client, tag=["x", "y", "z"])
    assert [r["tag"] for r in results] == ["x", "y", "z"]
    assert results[0]["spikes"] == results[1]["spikes"] != results[2]["spikes"]


def test_argument_errors(monkeypatch):
    net = NoisyNetwork(dt=0.1, seed=1)

    def local(n):
        return n.seed

    with pytest.raises(NetworkError, match="cannot be sent to worker processes.*module level"):
        net.parallel_run(local, 2)
    with pytest.raises(NetworkError, match="cannot be sent"):
        net.parallel_run(lambda n: 0, 2)

    interactive = types.FunctionType(run.__code__, run.__globals__, "run", run.__defaults__)
    interactive.__module__ = "__main__"
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    from engine.runtime import parallel

    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")  # forked workers share it
    with pytest.raises(NetworkError, match="interactive session"):
        net.parallel_run(interactive, 2)

    for kwargs, match in [
        (dict(seeds=[1, 2, 3]), "3 seeds given for 2 copies"),
        (dict(seeds="random"), "seeds must be None, 'same', 'sequential'"),
        (dict(tag=["a"]), "the list given for 'tag' has 1 values"),
        (dict(nonsense=1), "cannot be called as method\\(net, \\*\\*kwargs\\)"),
        (dict(executor=object()), "executor must be a concurrent.futures.Executor"),
        (dict(max_processes=0), "max_processes must be a positive int"),
    ]:
        with pytest.raises(NetworkError, match=match):
            net.parallel_run(run, 2, **kwargs)
    with pytest.raises(NetworkError, match="number must be a positive int"):
        net.parallel_run(run, 0)
