"""Network.save / Network.load: formats, exact restore, atomic writes, refused files."""

import gzip
import io
import os

import numpy as np
import pytest

from engine import Network, NetworkError, Neuron, Uniform
from engine.errors import NetworkFileError
from engine.runtime import io as nio

NOISY_LIF = Neuron(
    name="NoisyLIF",
    parameters="""
        tau = 10.0 : population
        I = 1.1
    """,
    equations="""
        tau * dv/dt = I - v + g_exc + Normal(0.0, 0.3)
        tau * dg_exc/dt = -g_exc
    """,
    spike="v >= 1.0",
    reset="v = 0.0",
    refractory=2.0,
)

RATE = Neuron(name="Rate", parameters="tau = 10.0 : population",
              equations="tau * dr/dt + r = sum(exc) + Uniform(0.0, 0.5) : min = 0.0")


def build(seed=3, size=40, name="exc", delays=1.0, model=NOISY_LIF, dt=0.1, compile=True,
          precision=None):
    net = Network(dt=dt, seed=seed)
    if precision:
        net.config(precision=precision)
    pop = net.create(size, model, name=name)
    proj = net.connect(pop, pop, "exc", name="rec").fixed_probability(0.2, weights=0.25,
                                                                       delays=delays)
    m = net.monitor(pop, "spike" if pop.spiking else "r")
    if compile:
        net.compile()
    return net, pop, proj, m


def state(net):
    """Every array of the network's state, copied, by a readable key."""
    out = {"__step": np.array(net.current_step)}
    for p in net.get_populations():
        for k, v in p._arrays.items():
            out[f"{p.name}.{k}"] = v.copy()
        for k, v in p._internals.items():
            out[f"{p.name}.__{k}"] = v.copy()
    for j in net.get_projections():
        for k, v in j._arrays.items():
            out[f"{j.name}.{k}"] = v.copy()
        for k in ("_rng", "_ring", "_row_ptr", "_col", "_delays"):
            v = getattr(j, k, None)
            if v is not None:
                out[f"{j.name}.{k}"] = v.copy()
    return out


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def spike_steps(m):
    return {r: list(s) for r, s in m.get("spike").items()}


@pytest.fixture
def saved(tmp_path):
    """A compiled network run for 30 ms, saved to tmp_path / 'net.npz'."""
    net, pop, proj, m = build()
    net.simulate(30.0)
    path = tmp_path / "net.npz"
    net.save(path)
    return path, net


# -- round trips ----------------------------------------------------------------------------
@pytest.mark.parametrize("delays", [1.0, 0.5, Uniform(0.1, 2.0)],
                         ids=["one-step", "uniform", "per-synapse"])
@pytest.mark.parametrize("ext", ["npz", "gz", "data"])
def test_round_trip_restores_state_and_continuation_is_identical(tmp_path, ext, delays):
    net, pop, proj, m = build(delays=delays)
    net.simulate(30.0)
    path = tmp_path / f"net.{ext}"
    net.save(path)
    saved_state = state(net)
    m.get("spike")
    net.simulate(40.0)  # the uninterrupted run
    reference_spikes = spike_steps(m)
    reference_state = state(net)
    assert sum(map(len, reference_spikes.values())) > 50

    # another network, same structure, elsewhere in time and with other values
    net2, pop2, proj2, m2 = build(delays=delays)
    net2.simulate(7.0)
    pop2.v = 0.5
    proj2.w = 0.0
    net2.load(path)
    assert_same_state(state(net2), saved_state)
    assert net2.current_step == 300 and net2.time == pytest.approx(30.0)
    m2.get("spike")
    net2.simulate(40.0)
    assert spike_steps(m2) == reference_spikes
    assert_same_state(state(net2), reference_state)


def test_rate_coded_network_with_delays_round_trip(tmp_path):
    net, pop, proj, m = build(model=RATE, dt=1.0, delays=3.0)
    net.simulate(20.0)
    net.save(tmp_path / "rate.npz")
    net.simulate(20.0)
    ref = state(net)
    net2, *_ = build(model=RATE, dt=1.0, delays=3.0)
    net2.load(tmp_path / "rate.npz")
    net2.simulate(20.0)
    assert_same_state(state(net2), ref)


def test_load_into_a_network_not_compiled_yet(saved):
    path, net = saved
    net2, pop2, proj2, _ = build(compile=False)
    net2.load(path)
    assert net2.current_step == net.current_step
    np.testing.assert_array_equal(pop2.v, net.get_population("exc").v)
    np.testing.assert_array_equal(proj2._arrays["w"], net.get_projection("rec")._arrays["w"])
    net2.compile()
    net2.simulate(5.0)
    assert net2.current_step == net.current_step + 50


def test_partial_loads(tmp_path):
    net, pop, proj, m = build()
    net.simulate(20.0)
    proj.w = 0.5
    net.save(tmp_path / "all.npz")
    net.save(tmp_path / "weights.npz", populations=False)

    net2, pop2, proj2, _ = build()
    net2.simulate(3.0)
    before = state(net2)
    net2.load(tmp_path / "all.npz", populations=False)  # weights only: clock and neurons stay
    after = state(net2)
    np.testing.assert_array_equal(proj2._arrays["w"], 0.5)
    assert net2.current_step == 30
    for k in before:
        if not k.startswith("rec.w"):
            np.testing.assert_array_equal(before[k], after[k], err_msg=k)

    net2.load(tmp_path / "all.npz", projections=False)
    assert net2.current_step == 200
    np.testing.assert_array_equal(pop2.v, pop.v)

    with pytest.raises(NetworkFileError, match="no population data .*populations=False"):
        net2.load(tmp_path / "weights.npz")
    net2.load(tmp_path / "weights.npz", populations=False)


def test_gz_is_a_gzipped_npz_and_mat_is_for_analysis(tmp_path):
    net, pop, proj, m = build()
    net.simulate(10.0)
    net.save(tmp_path / "net.gz")
    raw = gzip.decompress((tmp_path / "net.gz").read_bytes())
    with np.load(io.BytesIO(raw), allow_pickle=False) as z:
        assert str(z["format"]) == nio.FORMAT
        np.testing.assert_array_equal(z["pop/0/attr/v"], pop.v)
    # the 'anything else' name holds npz data
    net.save(tmp_path / "net.data")
    with np.load(tmp_path / "net.data", allow_pickle=False) as z:
        assert int(z["current_step"]) == 100

    from scipy.io import loadmat

    net.save(tmp_path / "net.mat")
    mat = loadmat(tmp_path / "net.mat", squeeze_me=True, struct_as_record=False)
    assert mat["current_step"] == 100 and mat["dt"] == pytest.approx(0.1)
    exc = mat["populations"].exc
    assert exc.name == "exc" and exc.model == "NoisyLIF"
    np.testing.assert_array_equal(exc.v, pop.v)
    rec = mat["projections"].rec
    assert rec.w.size == proj.nb_synapses
    np.testing.assert_array_equal(rec.pre_ranks, proj._pre_of_synapses())
    before = state(net)
    with pytest.raises(NetworkFileError, match=r"'\.mat' files .* cannot be loaded back"):
        net.load(tmp_path / "net.mat")
    # renamed, the content is recognised too
    os.replace(tmp_path / "net.mat", tmp_path / "renamed.npz")
    with pytest.raises(NetworkFileError, match="MATLAB file"):
        net.load(tmp_path / "renamed.npz")
    assert_same_state(state(net), before)


def test_save_creates_folders_and_keeps_permissions(tmp_path):
    net, *_ = build()
    target = tmp_path / "a" / "b" / "net.npz"
    net.save(str(target))
    assert target.exists()
    mode = target.stat().st_mode & 0o777
    assert mode == 0o666 & ~_umask()
    os.chmod(target, 0o640)
    net.save(target)
    assert target.stat().st_mode & 0o777 == 0o640


def _umask():
    m = os.umask(0o022)
    os.umask(m)
    return m


# -- atomicity ------------------------------------------------------------------------------
@pytest.mark.parametrize("ext,writer", [("npz", "_write_npz"), ("gz", "_write_gz"),
                                        ("mat", "_write_mat")])
def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, ext, writer):
    net, pop, proj, m = build()
    path = tmp_path / f"net.{ext}"
    net.save(path)
    good = path.read_bytes()

    def broken(fh, data):
        fh.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(nio, writer, broken)
    net.simulate(5.0)
    with pytest.raises(NetworkFileError, match="cannot write .*disk full"):
        net.save(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind

    def interrupted(fh, data):
        fh.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(nio, writer, interrupted)
    with pytest.raises(KeyboardInterrupt):
        net.save(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == [path.name]


# -- refused files: the network is left unchanged and runnable -------------------------------
def _refused(net, path, match, **kwargs):
    before = state(net)
    with pytest.raises(NetworkFileError, match=match) as info:
        net.load(path, **kwargs)
    assert isinstance(info.value, NetworkError)
    assert str(path) in str(info.value)
    assert_same_state(state(net), before)
    net.simulate(1.0)  # still runs
    assert net.current_step == before["__step"] + round(1.0 / net.dt)
    return info.value


def test_truncated_and_corrupt_files_are_refused(saved, tmp_path):
    path, _ = saved
    raw = path.read_bytes()
    net, *_ = build()
    net.simulate(2.0)

    cut = tmp_path / "truncated.npz"
    cut.write_bytes(raw[: len(raw) // 2])
    _refused(net, cut, "corrupt or truncated")

    flipped = bytearray(raw)
    for i in range(len(raw) // 3, len(raw) // 3 + 64):
        flipped[i] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(flipped))
    _refused(net, bad, "corrupt or truncated")

    net.save(tmp_path / "good.gz")
    gz = (tmp_path / "good.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(gz[: len(gz) - 40])
    _refused(net, tmp_path / "cut.gz", "corrupt or truncated gzip")

    (tmp_path / "empty.npz").write_bytes(b"")
    _refused(net, tmp_path / "empty.npz", "empty")
    (tmp_path / "text.npz").write_text("hello")
    _refused(net, tmp_path / "text.npz", "not a network file")
    _refused(net, tmp_path / "missing.npz", "no such file")


def test_pickled_objects_are_never_loaded(tmp_path):
    net, *_ = build()
    path = tmp_path / "evil.npz"
    data = nio._collect(net, True, True)
    data["pop/0/attr/v"] = np.array([object()] * 40, dtype=object)
    with open(path, "wb") as fh:
        np.savez(fh, **data)  # allow_pickle defaults to True when saving
    _refused(net, path, "Python objects, which are never unpickled")


def _write(path, data):
    with open(path, "wb") as fh:
        np.savez(fh, **data)


def test_files_from_another_version_or_format_are_refused(tmp_path):
    net, *_ = build()
    data = nio._collect(net, True, True)

    _write(tmp_path / "v2.npz", {**data, "version": np.array(2)})
    _refused(net, tmp_path / "v2.npz", "format version 2 by a newer neuroworkbench")

    _write(tmp_path / "other.npz", {"x": np.arange(3)})
    _refused(net, tmp_path / "other.npz", "not a network file written by neuroworkbench")

    _write(tmp_path / "extra.npz", {**data, "pop/0/attr/zz/top": np.arange(3)})
    _refused(net, tmp_path / "extra.npz", "unexpected entry")

    _write(tmp_path / "extra2.npz", {**data, "notes": np.arange(3)})
    _refused(net, tmp_path / "extra2.npz", "unexpected entry 'notes'")

    missing = {k: v for k, v in data.items() if k != "pop/0/internal/refr"}
    _write(tmp_path / "missing.npz", missing)
    _refused(net, tmp_path / "missing.npz", "lacks the internal state 'refr'")

    _write(tmp_path / "shape.npz", {**data, "pop/0/attr/v": np.zeros(41)})
    _refused(net, tmp_path / "shape.npz", r"attribute 'v' of population 'exc' has shape \(41,\)")

    _write(tmp_path / "dtype.npz", {**data, "pop/0/attr/v": np.zeros(40, dtype=np.int64)})
    _refused(net, tmp_path / "dtype.npz", "dtype int64 in the file, float64 in the network")

    _write(tmp_path / "clock.npz", {**data, "time": np.array(12.345)})
    _refused(net, tmp_path / "clock.npz", "inconsistent clock")


def test_files_from_another_network_are_refused(saved):
    path, _ = saved
    for kwargs, match in [
        (dict(name="other"), "the file has population\\(s\\) 'exc' that the network lacks"),
        (dict(size=41), r"geometry \(40,\) in the file, \(41,\) in the network"),
        (dict(model=Neuron(name="Other", parameters="tau = 10.0 : population\nI = 1.1",
                           equations="tau * dv/dt = I - v + g_exc\ntau * dg_exc/dt = -g_exc",
                           spike="v >= 1.0", reset="v = 0.0", refractory=2.0)),
         "neuron model 'NoisyLIF' in the file, 'Other' in the network"),
        (dict(dt=0.2), "saved with dt = 0.1 ms, the network has dt = 0.2 ms"),
        (dict(precision="float"), "float64 in the file, float32 in the network"),
        (dict(delays=2.0), "other synaptic delays"),
    ]:
        net, *_ = build(**kwargs)
        _refused(net, path, match)


def test_other_connectivity_is_refused_and_nothing_is_loaded(saved):
    """The populations match, the projection does not: the populations must stay as they were."""
    path, _ = saved
    net, pop, proj, m = build(seed=4)  # same sizes, other random synapses
    net.simulate(1.0)
    err = _refused(net, path, "projection 'rec' has another connectivity")
    assert "rebuild the network with the connector and seed" in str(err)
    # but the neurons alone can be loaded
    net.load(path, projections=False)
    assert net.current_step == 300


def test_network_with_an_extra_projection_is_refused(saved):
    path, _ = saved
    net, pop, proj, m = build(compile=False)
    net.connect(pop, pop, "exc", name="extra").one_to_one(weights=0.1)
    net.compile()
    _refused(net, path, "the network has projection\\(s\\) 'extra' that the file lacks")


def test_saving_an_unconnected_projection_is_refused(tmp_path):
    net = Network(dt=0.1, seed=1)
    pop = net.create(5, NOISY_LIF)
    net.connect(pop, pop, "exc", name="rec")
    with pytest.raises(NetworkFileError, match="'rec' has no synapses yet"):
        net.save(tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()
    net.save(tmp_path / "x.npz", projections=False)


# -- integers that compiled code uses as indices (issue Engine VI, class 2) -----------------
def _tampered(src, dest, **changes):
    with np.load(src) as z:
        data = {k: z[k] for k in z.files}
    for key, fn in changes.items():
        data[key.replace("__", "/")] = fn(data[key.replace("__", "/")].copy())
    np.savez(dest, **data)
    return dest


def _set(index, value):
    def fn(a):
        a[index] = value
        return a
    return fn


@pytest.mark.parametrize("changes,match", [
    ({"pop__0__internal__nspk": _set(0, 10**6)}, "count of spiking neurons is 1000000"),
    ({"pop__0__internal__nspk": _set(0, -3)}, "count of spiking neurons is -3"),
    ({"pop__0__internal__nspk": _set(0, 2), "pop__0__internal__spk": _set(1, 40)},
     "spiking neuron's rank is outside"),
    ({"pop__0__internal__nspk": _set(0, 1), "pop__0__internal__spk": _set(0, -1)},
     "spiking neuron's rank is outside"),
    ({"pop__0__internal__hist_n": _set(0, 41)}, "count of the spike history"),
    ({"pop__0__internal__hist_n": _set(1, 1),
      "pop__0__internal__hist": _set((1, 0), 10**9)}, "rank in the spike history"),
    ({"pop__0__internal__refr": _set(3, -(2**30))}, "refractory countdown is negative"),
], ids=["count-huge", "count-negative", "rank-high", "rank-negative", "history-count",
        "history-rank", "refractory"])
def test_out_of_range_indices_are_refused_before_they_reach_compiled_code(tmp_path, changes,
                                                                          match):
    net, pop, proj, m = build(delays=0.5)     # a uniform delay: a spike history
    net.simulate(30.0)
    net.save(tmp_path / "good.npz")
    bad = _tampered(tmp_path / "good.npz", tmp_path / "bad.npz", **changes)
    _refused(net, bad, match)


def test_archives_that_inflate_beyond_the_network_are_refused_before_reading(tmp_path):
    net, *_ = build()
    net.simulate(2.0)
    net.save(tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as z:
        data = {k: z[k] for k in z.files}
    data["padding"] = np.zeros(64 << 20, dtype=np.uint8)       # 64 MB of zeros, tiny zipped
    np.savez_compressed(tmp_path / "bomb.npz", **data)
    assert (tmp_path / "bomb.npz").stat().st_size < 2 << 20
    _refused(net, tmp_path / "bomb.npz", "entries declare 6[0-9] MB")
    (tmp_path / "bomb.gz").write_bytes(gzip.compress((tmp_path / "bomb.npz").read_bytes()))
    _refused(net, tmp_path / "bomb.gz", "entries declare")
    raw = np.zeros(64 << 20, dtype=np.uint8).tobytes()
    (tmp_path / "raw.gz").write_bytes(gzip.compress(raw, compresslevel=1))
    _refused(net, tmp_path / "raw.gz", "inflates to more than")
