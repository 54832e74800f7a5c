"""Kernels: one per piece of a step, shared by populations of one model,
recompiled only when their text changes (issue Engine VIII)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from engine import Izhikevich, Network, NetworkError, Neuron


def _fresh_model(name="fresh"):
    """A model whose text no earlier test (or run) compiled: a unique constant."""
    c = 1.0 + (uuid.uuid4().int % 10**9) * 1e-15
    return Neuron(parameters="tau = 10.0", equations=f"tau * dv/dt = {c!r} - v",
                  spike="v > 0.5", reset="v = 0.0", name=name)


def _izhikevich_net(n_pops, last_model=None):
    net = Network(dt=0.5, seed=3)
    pops, mons = [], []
    for k in range(n_pops):
        model = last_model if (last_model is not None and k == n_pops - 1) else Izhikevich
        p = net.create(4, neuron=model)
        if model is Izhikevich:
            p.a = 0.02 + 0.01 * k
            p.i_offset = 10.0
        mons.append(net.monitor(p, ["spike", "v"]))
        pops.append(p)
    return net, pops, mons


def test_populations_of_one_model_share_one_kernel():
    net, pops, mons = _izhikevich_net(5)
    net.compile()
    updates = [k for k in net._code.kernels if k.owner.startswith("p")]
    assert len(updates) == 5 and len({k.source for k in updates}) == 1
    # one update and one recording per population: 2 distinct of 10
    assert net.timings["kernels"] == 10 and net.timings["unique_kernels"] == 2
    # each population is still driven by its own parameters
    net.simulate(200.0)
    counts = [len(sum(m.get("spike").values(), [])) for m in mons]
    assert len(set(counts)) > 1


def test_an_edit_compiles_only_the_kernel_whose_text_changed():
    base, _, _ = _izhikevich_net(4)
    base.compile()
    edited, pops, _ = _izhikevich_net(4, last_model=_fresh_model())
    edited.compile()
    # the new model's update is the one kernel compiled; its recording and
    # spike check have the text of the others (same arrays): loaded
    assert edited.timings["kernels_compiled"] == 1
    edited.simulate(20.0)
    v = pops[-1].v
    assert np.all(np.isfinite(v)) and np.all(v < 1.0)


def test_results_do_not_depend_on_sharing():
    """Two populations of one model (one shared kernel) give what each gives alone."""
    def run(n_pops):
        net = Network(dt=0.1, seed=11)
        pops = [net.create(20, neuron=Izhikevich) for _ in range(n_pops)]
        for k, p in enumerate(pops):
            p.i_offset = np.linspace(3.0, 12.0, 20) + k
        mons = [net.monitor(p, "v") for p in pops]
        net.compile()
        net.simulate(100.0)
        return [m.get("v") for m in mons]

    both = run(2)
    alone = Network(dt=0.1, seed=11)
    p = alone.create(20, neuron=Izhikevich)
    p.i_offset = np.linspace(3.0, 12.0, 20) + 1
    m = alone.monitor(p, "v")
    alone.compile()
    alone.simulate(100.0)
    np.testing.assert_array_equal(both[1], m.get("v"))
    assert not np.array_equal(both[0], both[1])


def test_recurrent_projection_names_pre_and_post_arrays_apart():
    net = Network(dt=1.0, seed=1)
    pop = net.create(10, neuron=Izhikevich)
    proj = net.connect(pop, pop, "exc")
    proj.fixed_probability(0.5, weights=0.5)
    code = net.generated_code(proj)
    assert "_POST_g_exc" in code and "_PRE__spk" in code
    header = net.generated_code().split(code.splitlines()[0])[0].splitlines()[-1]
    assert "_POST_g_exc=_p0_g_exc" in header and "_PRE__spk=_p0__spk" in header


def test_generated_code_of_one_object():
    net, pops, mons = _izhikevich_net(2)
    src = net.generated_code(pops[0])
    assert src.count("def kernel(") == 1 and "_P_v" in src
    mon = mons[0]
    assert "_M__spk_t" in net.generated_code(mon)
    other = Network()
    foreign = other.create(1, neuron=Izhikevich)
    with pytest.raises(NetworkError, match="not a population, projection or monitor"):
        net.generated_code(foreign)
    with pytest.raises(NetworkError, match="not a population, projection or monitor"):
        net.generated_code("pop0")


def test_compiling_events_report_stages_and_kernels():
    net, _, _ = _izhikevich_net(3)
    seen = []
    net.on("compiling", lambda e: seen.append((e.stage, e.done, e.total)))
    net.compile()
    assert seen[0] == ("generate", None, None)
    total = net.timings["kernels"]
    assert [d for s, d, t in seen if s == "compile"] == list(range(total + 1))
    assert all(t == total for s, d, t in seen if s == "compile")


def test_an_array_of_another_type_regenerates_the_kernels_instead_of_misreading_it():
    net = Network(dt=1.0, seed=1)
    model = Neuron(equations="c += 1 : int\nr = c * 0.5")
    pop = net.create(3, model)
    net.compile()
    net.simulate(2.0)
    # an array replaced behind the engine's back with another dtype: the
    # argument table refuses it and the kernels are written again for it
    pop._arrays["c"] = pop._arrays["c"].astype(np.float64)
    net.simulate(2.0)
    assert pop.c.tolist() == [4.0, 4.0, 4.0] and pop.r.tolist() == [2.0, 2.0, 2.0]


def test_spike_buffers_grow_between_steps_without_losing_a_spike():
    # 3 neurons spiking at every step: 6,000 spikes, the buffer starts at 1,024
    every_step = Neuron(equations="v = 1.0", spike="v > 0.5", reset="v = 0.0")
    net = Network(dt=1.0)
    pop = net.create(3, every_step)
    m = net.monitor(pop, "spike")
    net.compile()
    net.simulate(1000.0)
    net.simulate(1000.0)
    spikes = m.get("spike")
    for rank in range(3):
        assert spikes[rank] == list(range(2000))


def test_a_helper_process_compiles_part_of_many_new_kernels(monkeypatch):
    import engine.runtime.kernels as kernels_module

    monkeypatch.setattr(kernels_module, "HELPER_MIN_KERNELS", 3)
    monkeypatch.setattr(kernels_module, "_HELPER_START_KERNELS", 0.0)
    models = [_fresh_model(f"m{k}") for k in range(4)]
    net = Network(dt=1.0)
    pops = [net.create(2, m) for m in models]
    net.compile()
    module = net._module
    assert module.counts["helper"] >= 1 and module.counts["compiled"] >= 1
    assert net.timings["kernels_compiled"] == 4
    net.simulate(5.0)
    for pop in pops:           # the helper's kernels run like the others
        assert np.all(pop.v > 0.0)


def test_the_helper_gets_the_heaviest_kernels_and_only_when_it_pays():
    import engine.runtime.kernels as kernels_module
    from engine.runtime.kernels import _split_for_helper

    class K:
        def __init__(self, n):
            self.source = "x" * n

    few = [K(100) for _ in range(3)]
    assert _split_for_helper(few) == []
    many = [K(1000)] + [K(300) for _ in range(8)]
    share = _split_for_helper(many)
    assert [len(k.source) for k in share] == [1000]      # the heaviest one
    kept = sum(len(k.source) for k in many) - 1000
    start = kernels_module._HELPER_START_KERNELS * sum(len(k.source) for k in many) / len(many)
    assert 1000 + start <= kept        # the helper's share, start included, is no longer
