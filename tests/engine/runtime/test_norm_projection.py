"""ANNarchy's NormProjection (engine.extensions.bold): g_target += w and
post.variable += 1/n per spike, n counted over every projection onto the
post population (Maith et al. 2021's BOLD study builds its models with it)."""

import numpy as np
import pytest

import engine as ann
from engine import NetworkError
from engine.extensions.bold import NormProjection

NEURON = ann.Neuron(equations="dsyn/dt = 0\ndv/dt = g_exc + g_inh", spike="v > 1e9",
                    reset="v = 0")


def test_each_spike_adds_w_and_one_over_all_afferent_synapses():
    net = ann.Network(dt=1.0)
    pre = net.create(ann.SpikeSourceArray(spike_times=[[2.0], [2.0, 5.0], [5.0]]))
    post = net.create(2, NEURON)
    norm = net.connect(projection=NormProjection(pre, post, "exc", "syn"))
    # None: no synapse (ANNarchy's from_matrix); post 0 gets pre 0, 1; post 1 gets pre 1, 2
    norm.from_matrix(np.array([[0.5, 1.0, None], [None, 2.0, 4.0]], dtype=object))
    # another projection onto post 1 counts in its n (3), it adds nothing to syn
    net.connect(pre[0:1], post[1:2], "inh").all_to_all(weights=1.0)
    m = net.monitor(post, ["syn", "g_exc"])
    net.compile()
    net.simulate(8)
    assert norm.nb_aff_synapse.tolist() == [2.0, 3.0]
    syn, g = m.get("syn"), m.get("g_exc")
    # spikes emitted at step 2 and 5 arrive one step later
    np.testing.assert_allclose(syn[:, 0], [0, 0, 0, 1, 1, 1, 1.5, 1.5])      # 2/2, then 1/2
    np.testing.assert_allclose(syn[:, 1], [0, 0, 0, 1 / 3, 1 / 3, 1 / 3, 1, 1])  # 1/3, then 2/3
    assert g[3].tolist() == [1.5, 2.0] and g[6].tolist() == [1.0, 6.0]


def test_module_paths_and_refusals_as_annarchy():
    from engine.extensions.bold.BoldMonitor import BoldMonitor
    from engine.extensions.bold.NormProjection import NormProjection as same
    from engine.extensions.bold.PredefinedModels import balloon_two_inputs

    assert same is NormProjection and BoldMonitor.__name__ == "BoldMonitor"
    assert balloon_two_inputs is ann.extensions.bold.balloon_two_inputs
    net = ann.Network(dt=1.0)
    spikes = net.create(ann.SpikeSourceArray(spike_times=[[1.0]]))
    post = net.create(1, NEURON)
    rate = net.create(1, ann.Neuron(equations="r = sum(exc)"))
    with pytest.raises(NetworkError, match=r"'nothing' is not a variable of the post-synaptic "
                                           r"model 'Neuron' \(its variables: syn, v, g_exc, g_inh\)"):
        NormProjection(spikes, post, "exc", "nothing")
    with pytest.raises(NetworkError, match="the post-synaptic population must be spiking"):
        NormProjection(spikes, rate, "exc", "r")
    with pytest.raises(NetworkError, match="takes no synapse model"):
        NormProjection(spikes, post, "exc", "syn", synapse=ann.Synapse(pre_spike="g_target += w"))
    # the network stays usable after the refusals
    NormProjection(spikes, post, "exc", "syn", network=net).one_to_one(weights=1.0)
    net.compile()
    net.simulate(3)
    assert post.syn[0] == 1.0


def test_compile_takes_annarchys_directory_positionally():
    ann.clear()
    ann.Population(1, ann.Neuron(equations="r = 1.0"))
    ann.compile("annarchy_folders/annarchy_run")           # Maith et al.'s scripts
    ann.simulate(1.0)
    assert ann.get_time() == 1.0
