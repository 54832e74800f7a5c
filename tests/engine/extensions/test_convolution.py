"""Convolution, Pooling and Copy (engine.extensions.convolution) against
convolutions computed here with plain loops, and their errors.

The reference (``reference_filter``) is written independently of
engine.extensions.convolution_maps: the centre of ``n`` filter elements is
``(n - 1) // 2`` and post neuron ``i`` of an axis subsampled by ``s`` sits on
``(s - 1) // 2 + s * i`` (ANNarchy's rules, written another way).
"""

import itertools

import numpy as np
import pytest

from engine import Izhikevich, Network, NetworkError, Neuron, Synapse
from engine.errors import ModelError
from engine.extensions.convolution import Convolution, Copy, Pooling
from engine.extensions.convolution_maps import filter_center, filter_map, pooling_map

INPUT = Neuron(parameters="baseline = 0.0", equations="r = baseline", name="Input")
OUTPUT = Neuron(equations="r = sum(exc)\nq = sum(inh)\nd = sum(slow)", name="Output")


def _has_operation() -> bool:
    try:
        Synapse(psp="w * pre.r", operation="max")
    except (ModelError, TypeError):
        return False
    return True


needs_operation = pytest.mark.skipif(
    not _has_operation(), reason="Synapse(operation='max'|'min') is not in the engine yet")


def reference_filter(r, filt, post_shape, padding=0.0, centres=None, keep_last=False,
                     psp=lambda w, x: w * x, reduce="sum"):
    """The filter of ``filt`` over rates ``r``, one post neuron at a time."""
    r = np.asarray(r, dtype=float)
    pre_shape = r.shape
    if centres is None:
        axes = []
        for d, n_post in enumerate(post_shape):
            s = pre_shape[d] // n_post
            axes.append([(s - 1) // 2 + s * i for i in range(n_post)])
        for d in range(len(post_shape), len(pre_shape)):
            axes.append([(filt.shape[d] - 1) // 2])
        centres = list(itertools.product(*axes))
    out = []
    dk = filt.ndim
    for c in centres:
        values = []
        for k in np.ndindex(filt.shape):
            p = [c[d] + k[d] - (filt.shape[d] - 1) // 2 for d in range(dk)]
            if keep_last:
                p.append(c[-1])
            inside = all(0 <= p[d] < pre_shape[d] for d in range(len(p)))
            if inside:
                values.append(psp(filt[k], r[tuple(p)]))
            elif reduce in ("max", "min"):
                continue
            elif padding == "border":
                q = tuple(min(max(p[d], 0), pre_shape[d] - 1) for d in range(len(p)))
                values.append(psp(filt[k], r[q]))
            else:
                values.append(psp(filt[k], padding))
        if reduce == "sum":
            out.append(sum(values))
        elif reduce == "mean":
            out.append(sum(values) / filt.size)
        else:
            out.append(max(values) if reduce == "max" else min(values))
    return np.array(out).reshape(post_shape)


def _run(net, steps=2):
    net.compile()
    net.simulate(steps * net.dt)


# ---------------------------------------------------------------------------
# the synapse lists, without compiling
# ---------------------------------------------------------------------------

def test_filter_center_is_annarchys():
    assert [filter_center(n) for n in (1, 2, 3, 4, 5, 6)] == [0, 0, 1, 1, 2, 2]


def test_filter_map_of_a_1d_filter_lists_pre_ranks_and_elements():
    centres = np.array([[0], [3]])
    m = filter_map((4,), centres, (3,), border=False)
    # post 0 centred on 0: elements 1, 2 read 0, 1; element 0 (pre -1) is outside
    # post 1 centred on 3: elements 0, 1 read 2, 3; element 2 (pre 4) is outside
    assert m.post.tolist() == [0, 0, 1, 1]
    assert m.pre.tolist() == [0, 1, 2, 3]
    assert m.element.tolist() == [1, 2, 0, 1]
    assert m.outside_post.tolist() == [0, 1] and m.outside_element.tolist() == [0, 2]
    b = filter_map((4,), centres, (3,), border=True)
    assert b.pre.tolist() == [0, 0, 1, 2, 3, 3] and b.outside_post.size == 0


def test_pooling_map_boxes():
    m = pooling_map((4, 6), (2, 2), (2, 3))
    got = {p: sorted(m.pre[m.post == p].tolist()) for p in range(4)}
    assert got[0] == [0, 1, 2, 6, 7, 8]
    assert got[3] == [15, 16, 17, 21, 22, 23]


# ---------------------------------------------------------------------------
# convolutions against the reference
# ---------------------------------------------------------------------------

def test_convolutions_match_the_reference():
    rng = np.random.default_rng(3)
    net = Network(dt=1.0, seed=1)
    pre = net.create(geometry=(5, 6), neuron=INPUT)
    same = net.create(geometry=(5, 6), neuron=OUTPUT)
    half = net.create(geometry=(5, 3), neuron=OUTPUT)
    r = rng.uniform(-1, 1, (5, 6))
    filt = rng.uniform(-1, 1, (3, 3))
    even = rng.uniform(-1, 1, (2, 4))
    net.connect(Convolution(pre, same, "exc")).connect_filter(filt)
    net.connect(Convolution(pre, same, "inh", psp="w * pre.r * pre.r")).connect_filter(
        even, padding="border")
    net.connect(Convolution(pre, half, "exc")).connect_filter(filt, padding=0.5)
    net.connect(Convolution(pre, half, "inh", operation="mean")).connect_filter(
        filt, padding=-2.0)
    pre.baseline = r
    _run(net)
    np.testing.assert_allclose(same.r, reference_filter(r, filt, (5, 6)), atol=1e-12)
    np.testing.assert_allclose(same.q, reference_filter(
        r, even, (5, 6), "border", psp=lambda w, x: w * x * x), atol=1e-12)
    # subsampled by 2 along the second axis: centres 0, 2, 4
    np.testing.assert_allclose(half.r, reference_filter(r, filt, (5, 3), 0.5), atol=1e-12)
    np.testing.assert_allclose(half.q, reference_filter(r, filt, (5, 3), -2.0, reduce="mean"),
                               atol=1e-12)


def test_layer_wise_bank_and_subsampling_list():
    rng = np.random.default_rng(5)
    net = Network(dt=1.0, seed=1)
    pre = net.create(geometry=(4, 5, 3), neuron=INPUT)
    flat = net.create(geometry=(4, 5), neuron=OUTPUT)
    layers = net.create(geometry=(4, 5, 3), neuron=OUTPUT)
    bank_out = net.create(geometry=(4, 5, 2), neuron=OUTPUT)
    r = rng.uniform(0, 1, (4, 5, 3))
    filt3 = rng.uniform(-1, 1, (3, 3, 3))
    filt2 = rng.uniform(-1, 1, (3, 2))
    bank = rng.uniform(-1, 1, (2, 3, 3, 3))
    net.connect(Convolution(pre, flat, "exc")).connect_filter(filt3)
    net.connect(Convolution(pre, layers, "exc")).connect_filter(filt2, keep_last_dimension=True)
    net.connect(Convolution(pre, bank_out, "exc")).connect_filters(bank)
    ss = [[i, j, 0] for i in range(4) for j in range(5)]
    net.connect(Convolution(pre, bank_out, "inh")).connect_filters(bank, subsampling=ss)
    pre.baseline = r
    _run(net)
    np.testing.assert_allclose(flat.r, reference_filter(r, filt3, (4, 5)), atol=1e-12)
    centres = [(i, j, k) for i in range(4) for j in range(5) for k in range(3)]
    np.testing.assert_allclose(layers.r, reference_filter(r, filt2, (4, 5, 3), centres=centres,
                                                          keep_last=True), atol=1e-12)
    for d in range(2):   # filter d lands in the last post axis; default centre k = 1
        np.testing.assert_allclose(bank_out.r[:, :, d],
                                   reference_filter(r, bank[d], (4, 5)), atol=1e-12)
        np.testing.assert_allclose(bank_out.q[:, :, d], reference_filter(
            r, bank[d], (4, 5), centres=[tuple(c) for c in ss]), atol=1e-12)


def test_weights_get_set_size_and_delay():
    net = Network(dt=0.5, seed=1)
    pre = net.create(geometry=(3, 4), neuron=INPUT)
    post = net.create(geometry=(3, 4), neuron=OUTPUT)
    r = np.arange(12.0).reshape(3, 4) / 10
    filt = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    proj = net.connect(Convolution(pre, post, "exc"))
    assert proj.weights is None
    proj.connect_filter(filt, padding=1.0)
    slow = net.connect(Convolution(pre, post, "slow")).connect_filter(filt, delays=2.0)
    np.testing.assert_array_equal(proj.get("weights"), filt)
    assert proj.size == 12 and proj.post_ranks == list(range(12))
    # positions inside, axis by axis: rows 2 + 3 + 2, columns 2 + 3 + 3 + 2
    assert proj.nb_synapses == (2 + 3 + 2) * (2 + 3 + 3 + 2)
    pre.baseline = r
    net.compile()
    net.simulate(2 * 0.5)
    np.testing.assert_allclose(post.r, reference_filter(r, filt, (3, 4), 1.0), atol=1e-12)
    # delay 2 ms = 4 steps: nothing yet after 2 steps, the filtered input after 5
    np.testing.assert_array_equal(post.d, np.zeros((3, 4)))
    net.simulate(3 * 0.5)
    np.testing.assert_allclose(post.d, reference_filter(r, filt, (3, 4)), atol=1e-12)
    assert slow.delay == 2.0
    # a new filter refreshes every synapse and the padding term
    proj.weights = 2 * filt + 0.5
    net.simulate(0.5)
    np.testing.assert_allclose(post.r, reference_filter(r, 2 * filt + 0.5, (3, 4), 1.0),
                               atol=1e-12)


@needs_operation
def test_max_and_min_convolution_skip_the_outside():
    rng = np.random.default_rng(9)
    net = Network(dt=1.0, seed=1)
    pre = net.create(geometry=(4, 4), neuron=INPUT)
    post = net.create(geometry=(4, 4), neuron=OUTPUT)
    r = rng.uniform(-1, 1, (4, 4))
    filt = rng.uniform(-1, 1, (3, 3))
    net.connect(Convolution(pre, post, "exc", operation="max")).connect_filter(filt)
    net.connect(Convolution(pre, post, "inh", operation="min")).connect_filter(filt)
    pre.baseline = r
    _run(net)
    np.testing.assert_allclose(post.r, reference_filter(r, filt, (4, 4), reduce="max"))
    np.testing.assert_allclose(post.q, reference_filter(r, filt, (4, 4), reduce="min"))


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------

def test_mean_pooling_with_and_without_extent():
    net = Network(dt=1.0, seed=1)
    pre = net.create(geometry=(4, 6), neuron=INPUT)
    auto = net.create(geometry=(2, 2), neuron=OUTPUT)
    rows = net.create(geometry=(4,), neuron=OUTPUT)
    r = np.arange(24.0).reshape(4, 6) ** 1.5
    p1 = net.connect(Pooling(pre, auto, "exc", operation="mean"))
    p1.pooling()
    assert p1.extent == (2, 3)
    net.connect(Pooling(pre, rows, "exc", operation="mean")).connect_pooling(extent=(1, 6))
    pre.baseline = r
    _run(net)
    expected = r.reshape(2, 2, 2, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(auto.r, expected, rtol=1e-12)
    np.testing.assert_allclose(rows.r, r.mean(axis=1), rtol=1e-12)


@needs_operation
def test_max_and_min_pooling():
    net = Network(dt=1.0, seed=1)
    pre = net.create(geometry=(4, 6), neuron=INPUT)
    post = net.create(geometry=(2, 3), neuron=OUTPUT)
    r = np.random.default_rng(2).uniform(-1, 1, (4, 6))
    net.connect(Pooling(pre, post, "exc", operation="max")).pooling()
    net.connect(Pooling(pre, post, "inh", operation="min")).pooling()
    pre.baseline = r
    _run(net)
    boxes = r.reshape(2, 2, 3, 2)
    np.testing.assert_allclose(post.r, boxes.max(axis=(1, 3)))
    np.testing.assert_allclose(post.q, boxes.min(axis=(1, 3)))


# ---------------------------------------------------------------------------
# copy
# ---------------------------------------------------------------------------

def test_copy_shares_the_weights_of_the_original():
    net = Network(dt=1.0, seed=1)
    pre = net.create(geometry=(3,), neuron=INPUT)
    post = net.create(geometry=(2,), neuron=OUTPUT)
    other = net.create(geometry=(2,), neuron=OUTPUT)
    w = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    orig = net.connect(pre, post, "exc")
    orig.from_matrix(w)
    copy = net.connect(Copy(pre, other, "exc", psp="w * pre.r * pre.r"))
    assert copy.copy(orig) is copy
    r = np.array([1.0, 2.0, 3.0])
    pre.baseline = r
    _run(net)
    np.testing.assert_allclose(other.r, w @ (r * r))
    orig.w = [[4.0, 5.0, 0.0], [0.0, 6.0, 7.0]]    # the dendrites of the original
    net.simulate(1.0)
    np.testing.assert_allclose(other.r, [4 * 1 + 5 * 4, 6 * 4 + 7 * 9])


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

def _pops(pre_geo, post_geo):
    net = Network(dt=1.0, seed=1)
    return net, net.create(geometry=pre_geo, neuron=INPUT), \
        net.create(geometry=post_geo, neuron=OUTPUT)


BAD_FILTERS = [
    # (pre, post, method, kwargs, message)
    ((6, 6), (6, 6), "connect_filter", dict(weights=np.ones((2, 3, 3))),
     "use connect_filters"),
    ((6, 6, 2), (6, 6, 2), "connect_filter", dict(weights=np.ones((3, 3))),
     "set keep_last_dimension=True"),
    ((6, 6, 2), (6, 6, 3), "connect_filter",
     dict(weights=np.ones((3, 3)), keep_last_dimension=True), "same number of dimensions"),
    ((6, 6, 2), (6, 6), "connect_filter", dict(weights=np.ones((3, 3, 3))),
     "last dimension of the filter must equal"),
    ((6, 6), (6, 6, 2), "connect_filter", dict(weights=np.ones((3, 3))),
     "more dimensions than the pre-synaptic one"),
    ((6, 6), (4, 6), "connect_filter", dict(weights=np.ones((3, 3))),
     r"must be a multiple of the post-synaptic ones .*axis 0: 6 vs 4"),
    ((6, 6), (6, 6), "connect_filter", dict(weights=np.ones((3, 3)), padding="zero"),
     "padding is a number or 'border'"),
    ((6, 6), (6, 6), "connect_filter", dict(weights=np.ones((3, 3)), padding=np.nan),
     "padding is a finite number"),
    ((6, 6), (6, 6), "connect_filter", dict(weights=np.ones((3, 3)), delays=[1.0, 2.0]),
     "one constant delay"),
    ((6, 6), (6, 6), "connect_filter", dict(weights=[[1.0, np.inf]]),
     "weights must be finite"),
    ((6, 6), (6, 6), "connect_filter", dict(weights="abc"),
     "weights must be a numpy array"),
    ((6, 6), (3, 3), "connect_filter", dict(weights=np.ones((3, 3)), subsampling=[[0, 0]]),
     r"sub-sampling list must have 9 elements of 2 whole-number coordinates, got shape \(1, 2\)"),
    ((6, 6), (1, 2), "connect_filter", dict(weights=np.ones((3, 3)),
                                            subsampling=[[0, 0], [0, 6]]),
     r"centre \[0, 6\] \(element 1\) is outside"),
    ((6, 6), (6, 6, 3), "connect_filters", dict(weights=np.ones((2, 3, 3))),
     "as many neurons as there are filters"),
    ((6, 6), (6, 6, 2), "connect_filters", dict(weights=np.ones((2, 3))),
     "must have the 2 dimension"),
    ((6, 6), (6, 6, 2), "connect_filters",
     dict(weights=np.ones((2, 3, 3)), keep_last_dimension=True), "not available with a bank"),
]


@pytest.mark.parametrize("pre_geo, post_geo, method, kwargs, message", BAD_FILTERS)
def test_bad_filters_are_refused(pre_geo, post_geo, method, kwargs, message):
    net, pre, post = _pops(pre_geo, post_geo)
    proj = net.connect(Convolution(pre, post, "exc"))
    with pytest.raises(NetworkError, match=message):
        getattr(proj, method)(**kwargs)
    assert proj.weights is None   # nothing installed: a corrected call works
    with pytest.raises(NetworkError, match="has no synapses yet"):
        proj.nb_synapses


def test_other_refusals():
    net, pre, post = _pops((4, 4), (4, 4))
    with pytest.raises(NetworkError, match="operation must be one of 'sum', 'max'"):
        Convolution(pre, post, "exc", operation="median")
    with pytest.raises(NetworkError, match="operation must be one of 'max', 'mean', 'min'"):
        Pooling(pre, post, "exc", operation="sum")
    with pytest.raises(NetworkError, match="must be a whole population"):
        Convolution(pre[0:4], post, "exc")
    spikes = net.create(geometry=(4, 4), neuron=Izhikevich)
    with pytest.raises(NetworkError, match="the pre-synaptic population must be rate-coded"):
        Pooling(spikes, post, "exc")
    assert net.get_projections() == []   # refused before joining the network
    proj = net.connect(Convolution(pre, post, "exc"))
    with pytest.raises(NetworkError, match=r"connect it with connect_filter\(\) or "
                                           r"connect_filters\(\), not all_to_all\(\)"):
        proj.all_to_all(1.0)
    with pytest.raises(NetworkError, match="before setting its weights"):
        proj.weights = np.ones((3, 3))
    proj.connect_filter(np.ones((3, 3)))
    with pytest.raises(NetworkError, match="already connected"):
        proj.connect_filter(np.ones((3, 3)))
    with pytest.raises(NetworkError, match=r"new filter has shape \(2, 2\), the connected "
                                           r"one \(3, 3\)"):
        proj.weights = np.ones((2, 2))
    reads_post = net.connect(Convolution(pre, post, "inh", psp="w * pre.r * post.r"))
    with pytest.raises(NetworkError, match=r"padding=1.0 needs a psp that depends on w and "
                                           r"pre.r only .*post.r"):
        reads_post.connect_filter(np.ones((3, 3)), padding=1.0)
    pool = net.connect(Pooling(pre, post, "exc", operation="mean"))
    with pytest.raises(NetworkError, match="extent of the pooling is a tuple of 2 positive"):
        pool.pooling(extent=(2,))
    with pytest.raises(NetworkError, match="lies outside the pre-synaptic population"):
        pool.pooling(extent=(2, 2))
    odd = net.create(geometry=(3, 3), neuron=OUTPUT)
    with pytest.raises(NetworkError, match="not a multiple of"):
        net.connect(Pooling(pre, odd, "exc", operation="mean")).pooling()


def test_copy_refusals():
    net, pre, post = _pops((3,), (2,))
    other = net.create(geometry=(3,), neuron=OUTPUT)
    orig = net.connect(pre, post, "exc")
    copy = net.connect(Copy(pre, post, "inh"))
    with pytest.raises(NetworkError, match="connect projection .* before copying it"):
        copy.copy(orig)
    orig.all_to_all(1.0)
    with pytest.raises(NetworkError, match="geometries must be the same"):
        net.connect(Copy(pre, other, "exc")).copy(orig)
    conv = net.connect(Convolution(pre, other, "exc")).connect_filter([1.0, 2.0, 1.0])
    with pytest.raises(NetworkError, match="not a Convolution, Pooling or Copy"):
        copy.copy(conv)
