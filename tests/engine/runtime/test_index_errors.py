"""Selections of neurons and dendrites that do not exist (issue Engine VI).

``pop[100]`` on 10 neurons gave numpy's IndexError without the population's
name, ``pop[2:50]`` quietly gave 8 neurons (numpy clips slices), and
``proj.dendrite(1.5)`` gave dendrite 1. Now each raises
:class:`engine.errors.SelectionError` naming the population, its size and
the valid range; it is also an ``IndexError`` so numpy-like code (``except
IndexError``, iteration through ``__getitem__``) keeps working. What numpy
accepts within range (negative indices, slices, masks, lists) selects the
same neurons as before, and the network runs on with the same result.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import Network, Neuron
from engine.errors import NetworkError, SelectionError

LEAKY = Neuron(parameters="tau = 5.0\nI = 1.0", equations="tau * dr/dt = -r + I + sum(exc)")

RANGE10 = r"valid indices: 0 to 9 \(or -10 to -1 from the end\)"


def _net():
    net = Network(dt=1.0, seed=3)
    pop = net.create(10, LEAKY, name="ten")
    grid = net.create((3, 4), LEAKY, name="grid")
    proj = net.connect(pop, grid, "exc", name="ff")
    proj.fixed_number_pre(2, weights=0.5)
    return net, pop, grid, proj


def _result():
    net, pop, grid, proj = _net()
    pop[2:5].I = 3.0
    net.compile()
    net.simulate(20)
    return pop.r.copy(), grid.r.copy()


@pytest.mark.parametrize("item, message", [
    (100, rf"index 100 is out of range; {RANGE10}"),
    (-11, rf"index -11 is out of range; {RANGE10}"),
    (10, rf"index 10 is out of range; {RANGE10}"),
    (np.int64(12), r"index 12 is out of range"),
    (slice(2, 50), rf"the slice \[2:50\] goes beyond it \(stop 50\); slice bounds must be "
                   rf"within -10 and 10, {RANGE10}"),
    (slice(-20, None), r"the slice \[-20:\] goes beyond it \(start -20\)"),
    (slice(0, 4, 0), r"the slice \[0:4:0\] has a step of 0"),
    (slice(0.5, 4), r"the slice \[0.5:4\] has a start that is not an integer \(0.5\)"),
    ([0, 99], rf"index 99 is out of range \(1 of 2 indices\); {RANGE10}"),
    (np.array([3, -11]), r"index -11 is out of range"),
    ([1.0, 2.0], r"a list of ranks must hold integers, got float64 values \(1.0\)"),
    (np.ones(9, dtype=bool), r"a boolean mask must have 10 values, got shape \(9,\)"),
    (1.5, r"cannot select with 1.5 \(float\); use an integer rank, a slice of ranks"),
    ("a", r"cannot select with 'a' \(str\)"),
    (None, r"cannot select with None"),
    (True, r"cannot select with True \(bool\)"),
    ((1, 2), r"2 indices for a geometry of 1 dimension\(s\) \(10,\)"),
])
def test_a_population_refuses_what_it_does_not_have(item, message):
    expected = _result()
    net, pop, grid, proj = _net()
    with pytest.raises(SelectionError, match=rf"^population 'ten' \(10 neurons\): {message}"):
        pop[item]
    # the same network runs on and gives the result of a fresh one
    pop[2:5].I = 3.0
    net.compile()
    with pytest.raises(IndexError):           # also after compile, and as an IndexError
        pop[item]
    net.simulate(20)
    np.testing.assert_array_equal(pop.r, expected[0])
    np.testing.assert_array_equal(grid.r, expected[1])


@pytest.mark.parametrize("item, message", [
    (12, r"index 12 is out of range; valid indices: 0 to 11 \(or -12 to -1"),
    ((3,), r"index 3 on axis 0 is out of range; valid indices: 0 to 2 \(or -3 to -1"),
    ((0, 4), r"index 4 on axis 1 is out of range; valid indices: 0 to 3"),
    ((slice(None), slice(1, 9)), r"the slice \[1:9\] on axis 1 goes beyond it \(stop 9\)"),
    ((0, 1, 2), r"3 indices for a geometry of 2 dimension\(s\) \(3, 4\)"),
    (([0, 1], [1, 2]), r"give a list of indices for one axis only"),
])
def test_a_population_with_a_geometry_names_the_axis(item, message):
    net, pop, grid, proj = _net()
    with pytest.raises(SelectionError,
                       match=rf"^population 'grid' \(12 neurons, geometry \(3, 4\)\): {message}"):
        grid[item]
    with pytest.raises(SelectionError, match=r"coordinate 3 on axis 0 is not an integer in "
                                             r"0 to 2 \(geometry \(3, 4\)\)"):
        grid.rank_from_coordinates((3, 0))
    with pytest.raises(SelectionError, match=r"rank 12 is out of range; valid ranks: 0 to 11"):
        grid.coordinates_from_rank(12)


@pytest.mark.parametrize("item, message", [
    (5, r"index 5 is out of range; valid indices: 0 to 4 \(or -5 to -1 from the end\)"),
    (-6, r"index -6 is out of range"),
    (slice(0, 9), r"the slice \[0:9\] goes beyond it \(stop 9\)"),
    ([0, 7], r"index 7 is out of range \(1 of 2 indices\)"),
    (1.5, r"cannot select with 1.5 \(float\)"),
    ("a", r"cannot select with 'a' \(str\)"),
])
def test_a_view_refuses_positions_it_does_not_have(item, message):
    net, pop, grid, proj = _net()
    view = pop[3:8]
    with pytest.raises(SelectionError,
                       match=rf"^view of population 'ten' \(5 neurons of 10\): {message}"):
        view[item]


@pytest.mark.parametrize("call", ["item", "dendrite"])
@pytest.mark.parametrize("post, message", [
    (100, r"rank 100 is out of range; valid ranks: 0 to 11"),
    (12, r"rank 12 is out of range; valid ranks: 0 to 11"),
    (-1, r"rank -1 is out of range; valid ranks: 0 to 11"),
    (1.5, r"a rank is an integer, got 1.5 \(float\); valid ranks: 0 to 11"),
    ("a", r"a rank is an integer, got 'a' \(str\)"),
    (np.float64(2.0), r"a rank is an integer, got 2.0"),
])
def test_a_projection_refuses_dendrites_of_neurons_that_do_not_exist(call, post, message):
    expected = _result()
    net, pop, grid, proj = _net()
    get = proj.__getitem__ if call == "item" else proj.dendrite
    with pytest.raises(SelectionError, match=rf"^projection 'ff': its post-synaptic population "
                                             rf"'grid' \(12 neurons\): {message}"):
        get(post)
    # coordinates out of the geometry, too
    with pytest.raises(SelectionError, match=r"coordinate 7 on axis 1"):
        get((0, 7))
    pop[2:5].I = 3.0
    net.compile()
    net.simulate(20)
    np.testing.assert_array_equal(grid.r, expected[1])


def test_valid_selections_select_what_numpy_selects():
    net, pop, grid, proj = _net()
    ranks = np.arange(10)
    for item in (0, 9, -1, -10, np.int32(4), slice(None), slice(2, None), slice(None, -1),
                 slice(None, None, 3), slice(10, None), slice(-10, 10), [1, -1, 3], [],
                 np.arange(10) > 6, np.array([2, 2, 5]), range(2, 6), Ellipsis):
        np.testing.assert_array_equal(pop[item].ranks, np.atleast_1d(ranks[item]).ravel())
    view = pop[3:8]
    np.testing.assert_array_equal(view[1:3].ranks, [4, 5])
    np.testing.assert_array_equal(view[-1].ranks, [7])
    np.testing.assert_array_equal(view[[0, 4]].ranks, [3, 7])
    cells = np.arange(12).reshape(3, 4)
    for item in ((1,), (1, 2), (slice(None), 1), ([0, 2],), (-1, slice(1, 3)),
                 cells % 5 == 0):
        np.testing.assert_array_equal(grid[item].ranks, np.atleast_1d(cells[item]).ravel())
    # anything but a tuple selects ranks, whatever the geometry (ANNarchy)
    for item in (1, -1, [0, 2, 11], slice(2, 7), np.array([3, 4])):
        np.testing.assert_array_equal(grid[item].ranks,
                                      np.atleast_1d(cells.ravel()[item]).ravel())
    assert grid.rank_from_coordinates((2, 3)) == 11
    assert grid.coordinates_from_rank(6) == (1, 2)
    # a dendrite by rank, by numpy integer and by coordinates
    assert proj[5].post_rank == proj.dendrite(np.int64(5)).post_rank == proj[(1, 1)].post_rank
    # iteration through __getitem__ stops at the end (SelectionError is an IndexError)
    assert [int(n.ranks[0]) for n in pop] == list(range(10))


def test_a_neuron_without_synapses_keeps_its_own_error():
    """A rank in range that receives no synapse is not a selection error."""
    net = Network(dt=1.0)
    pre, post = net.create(3, LEAKY), net.create(4, LEAKY)
    proj = net.connect(pre, post[0:2], "exc", name="half")
    proj.all_to_all(weights=1.0)
    with pytest.raises(NetworkError, match=r"post-synaptic neuron 3 receives no synapse from "
                                           r"projection 'half'") as info:
        proj.dendrite(3)
    assert not isinstance(info.value, SelectionError)
