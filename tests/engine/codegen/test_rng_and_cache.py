"""The kernels' random generators: distributions and reproducibility."""

import numba
import numpy as np
import pytest
from scipy import stats

from engine.codegen import rng


@numba.njit
def _draw(kind, s, n, a, b):
    out = np.empty(n)
    for i in range(n):
        if kind == 0:
            out[i] = rng.uniform(s, a, b)
        elif kind == 1:
            out[i] = rng.normal(s, a, b)
        elif kind == 2:
            out[i] = rng.lognormal(s, a, b)
        elif kind == 3:
            out[i] = rng.exponential(s, a)
        else:
            out[i] = rng.discrete_uniform(s, a, b)
    return out


def state(seed=1):
    return rng.seed_state(np.random.SeedSequence(seed))


@pytest.mark.parametrize("kind,a,b,dist", [
    (0, -2.0, 3.0, stats.uniform(-2.0, 5.0)),
    (1, 1.5, 2.0, stats.norm(1.5, 2.0)),
    (2, 0.0, 0.5, stats.lognorm(0.5)),
    (3, 4.0, 0.0, stats.expon(scale=0.25)),
])
def test_continuous_draws_follow_their_distribution(kind, a, b, dist):
    x = _draw(kind, state(), 200_000, a, b)
    assert stats.kstest(x, dist.cdf).pvalue > 1e-3
    assert x.mean() == pytest.approx(dist.mean(), abs=5 * dist.std() / np.sqrt(x.size))


def test_normal_tails_have_the_right_mass():
    x = _draw(1, state(3), 4_000_000, 0.0, 1.0)
    expected = 2 * stats.norm.sf(3.5)
    observed = np.mean(np.abs(x) > 3.5)
    assert observed == pytest.approx(expected, rel=0.1)
    assert abs(stats.kurtosis(x)) < 0.02


def test_discrete_uniform_covers_both_ends_evenly():
    x = _draw(4, state(), 60_000, 1.0, 6.0)
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert stats.chisquare(counts).pvalue > 1e-3


def test_same_seed_same_stream_and_state_is_explicit():
    a, b, c = state(9), state(9), state(10)
    xa, xb, xc = (_draw(1, s, 100, 0.0, 1.0) for s in (a, b, c))
    assert np.array_equal(xa, xb) and not np.array_equal(xa, xc)
    assert np.array_equal(a, b)  # both states advanced identically


def test_generated_modules_load_safely_from_two_threads():
    import threading
    import uuid

    from engine.codegen.cache import load_source

    src = f"# {uuid.uuid4()}\nimport time\ntime.sleep(0.2)\ndef run():\n    return 1\n"
    out = []
    threads = [threading.Thread(target=lambda: out.append(load_source(src)[0].run()))
               for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert out == [1, 1]


def test_draw_prepass_gives_the_same_stream_as_draws_in_the_loop():
    """Per-neuron draws are made in a pre-pass with the generator written out
    inline (fast); a draw inside a conditional stays in the loop and calls
    engine.codegen.rng. Both must give the same numbers, bit for bit."""
    import numpy as np

    from engine import Network, Neuron

    def model(wrap):
        def w(e):
            return f"ite(t >= 0.0, {e}, 0.0)" if wrap else e
        return Neuron(parameters="sigma = 1.5", equations="\n".join([
            f"x = {w('sigma * Normal(0.0, 1.0)')}",
            f"y = {w('Uniform(-1.0, 2.0)')}",
            f"z = {w('LogNormal(0.0, 0.5)')}",
            f"e = {w('Exponential(2.0)')}",
            "r = x",
        ]))

    out = {}
    for wrap in (False, True):
        net = Network(dt=1.0, seed=21)
        pop = net.create(500, model(wrap))
        m = net.monitor(pop, ["x", "y", "z", "e"])
        net.compile()
        assert ("_rnd0" in net.generated_code()) is (not wrap)
        net.simulate(100.0)   # 50,000 normals: the ziggurat's slow path is taken too
        out[wrap] = m.get()
    for name in ("x", "y", "z", "e"):
        np.testing.assert_array_equal(out[False][name], out[True][name])
