"""save_parameters / load_parameters (ANNarchy's JSON parameter files) and net.id."""

import json
import os

import numpy as np
import pytest

import engine
from engine import AttributeAssignmentError, Network, NetworkError, Neuron, Synapse
from engine.errors import NetworkFileError
from engine.runtime import parameters_io

N = Neuron(parameters="tau = 10.0 : population\nbaseline = 1.0\n",
           equations="tau*dr/dt + r = baseline")
S = Synapse(parameters="eta = 0.01 : projection\nalpha = 2.0", equations="eta*dw/dt = pre.r")

#: what ANNarchy 5.0.4.1 wrote for the network of build() (the set-up of
#: peer_network: tau = 5.0 before compile, 7.0 and eta = 0.5 after), byte for byte
ANNARCHY_FILE = """{
    "populations": {
        "pop": {
            "tau": 5.0
        },
        "pop_b": {
            "tau": 10.0
        }
    },
    "projections": {
        "pr": {
            "eta": 0.01
        }
    },
    "network": {},
    "constants": {}
}"""


def build(compile=False):
    net = Network(dt=1.0, seed=1)
    p = net.create(3, N, name="pop")
    q = net.create(2, N, name="pop_b")
    with pytest.warns(UserWarning, match="does not use sum"):
        pr = net.connect(p, q, "exc", S, name="pr")
    pr.all_to_all(1.0)
    if compile:
        net.compile()
    return net, p, q, pr


def peer_network():
    net, p, q, pr = build()
    p.tau = 5.0          # before compile: part of the initial state
    net.compile()
    p.tau = 7.0          # after compile: a change of the run, not of the set-up
    pr.eta = 0.5
    return net, p, q, pr


def write(path, obj):
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


# -- the file ---------------------------------------------------------------------------------
def test_file_is_annarchys_byte_for_byte(tmp_path):
    net, *_ = peer_network()
    f = tmp_path / "p.json"
    engine.save_parameters(f, net_id=net.id)
    assert f.read_text() == ANNARCHY_FILE


def test_constants_and_global_variables_are_saved_local_ones_not(tmp_path):
    net = Network(dt=1.0, seed=2)
    net.constant("k", 3.5)
    model = Neuron(parameters="a = 1.5 : population\nb = 2.0\nn = 4 : population, int\n"
                              "on = true : population, bool",
                   equations="dm/dt = -m : population, init = 0.25\nr = a*b*m*k*n")
    net.create(2, model, name="x")
    engine.save_parameters(tmp_path / "p.json", net_id=net)
    saved = json.loads((tmp_path / "p.json").read_text())
    assert saved == {"populations": {"x": {"a": 1.5, "n": 4, "on": True, "m": 0.25}},
                     "projections": {}, "network": {}, "constants": {"k": 3.5}}
    assert type(saved["populations"]["x"]["n"]) is int


# -- round trips ------------------------------------------------------------------------------
def test_round_trip_before_compile(tmp_path):
    net, p, q, pr = build()
    p.tau, q.tau, pr.eta = 3.0, 4.0, 0.125
    f = tmp_path / "p.json"
    engine.save_parameters(f, net_id=net)
    p.tau, q.tau, pr.eta = 30.0, 40.0, 0.5
    assert engine.load_parameters(f, net_id=net) == {}
    assert (p.tau, q.tau, pr.eta) == (3.0, 4.0, 0.125)


def test_after_compile_the_file_holds_what_reset_returns_to(tmp_path):
    net, p, q, pr = peer_network()
    f = tmp_path / "p.json"
    engine.save_parameters(f, net_id=net.id)
    p.tau, pr.eta = 70.0, 0.75
    engine.load_parameters(f, net_id=net.id)
    assert (p.tau, pr.eta) == (5.0, 0.01)
    p.tau = 70.0
    net.reset(projections=True, synapses=True)
    assert (p.tau, pr.eta) == (5.0, 0.01)


def test_an_edited_file_sets_values_and_returns_the_network_section(tmp_path):
    net, p, q, pr = build(compile=True)
    f = write(tmp_path / "p.json", {"populations": {"pop": {"tau": 2.5}},
                                    "projections": {"pr": {"eta": 0.25}},
                                    "network": {"trials": 20, "gain": 0.5}})
    assert engine.load_parameters(f, net_id=net) == {"trials": 20.0, "gain": 0.5}
    assert (p.tau, q.tau, pr.eta) == (2.5, 10.0, 0.25)
    net.simulate(3.0)  # the compiled run reads the new tau: r = 1 - (1 - 1/2.5)^3 from r = 0
    np.testing.assert_allclose(p.r, 1 - (1 - 1 / 2.5) ** 3)


def test_local_parameters_need_global_only_false(tmp_path):
    net, p, q, pr = build()
    f = write(tmp_path / "p.json", {"populations": {"pop": {"baseline": 9.0, "tau": 2.0}},
                                    "projections": {"pr": {"alpha": 3.0}}})
    with pytest.warns(UserWarning) as record:
        engine.load_parameters(f, net_id=net)
    assert sorted(str(w.message).split(": ", 1)[1] for w in record) == [
        "population 'pop': 'baseline' is not a global parameter (load it with "
        "global_only=False), skipping",
        "projection 'pr': 'alpha' is not a global parameter (load it with global_only=False), "
        "skipping"]
    assert p.tau == 2.0 and np.all(p.baseline == 1.0) and np.all(pr._arrays["alpha"] == 2.0)
    engine.load_parameters(f, global_only=False, net_id=net)
    np.testing.assert_array_equal(p.baseline, [9.0, 9.0, 9.0])
    np.testing.assert_array_equal(pr._arrays["alpha"], np.full(6, 3.0))


def test_unknown_parameters_and_variables_are_skipped_with_a_warning(tmp_path):
    net, p, q, pr = build()
    f = write(tmp_path / "p.json", {"populations": {"pop": {"nope": 1.0, "r": 5.0,
                                                            "tau": 6.0}}})
    with pytest.warns(UserWarning) as record:
        engine.load_parameters(f, net_id=net)
    messages = [str(w.message) for w in record]
    assert any("'nope' is not a parameter of 'Neuron'" in m for m in messages)
    assert any("'r' is a variable" in m for m in messages)
    assert p.tau == 6.0 and np.all(p.r == 0.0)


def test_constants_are_loaded(tmp_path):
    net, p, q, pr = build()
    c = net.constant("k", 1.0)
    f = write(tmp_path / "p.json", {"constants": {"k": 4.5}})
    engine.load_parameters(f, net_id=net)
    assert c.value == 4.5


def test_verbose_prints_annarchys_lines(tmp_path, capsys):
    net, p, q, pr = build()
    f = write(tmp_path / "p.json", {"populations": {"pop": {"tau": 3.0}},
                                    "projections": {"pr": {"eta": 0.5}}})
    engine.load_parameters(f, verbose=True, net_id=net)
    out = capsys.readouterr().out.splitlines()
    assert out[2:] == ["Population pop", "   tau : 10.0 -> 3.0", "Projection pr",
                       "   eta : 0.01 -> 0.5"]


# -- net_id -----------------------------------------------------------------------------------
def test_net_id_zero_is_the_active_network(tmp_path):
    net, p, q, pr = build()
    p.tau = 8.0
    with net:
        engine.save_parameters(tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text())["populations"]["pop"]["tau"] == 8.0


def test_network_ids_are_stable_and_distinct():
    a, b = Network(), Network()
    assert a.id == a.id and a.id != b.id and a.id > 0
    from engine.runtime.network_ids import resolve_network

    assert resolve_network(b.id, "x") is b


@pytest.mark.parametrize("net_id, message", [
    (10**9, "no network has id 1000000000"),
    ("net", "net_id must be a network id"),
    (True, "net_id must be a network id"),
])
def test_bad_net_ids(tmp_path, net_id, message):
    with pytest.raises(NetworkError, match=message):
        engine.save_parameters(tmp_path / "p.json", net_id=net_id)
    assert not (tmp_path / "p.json").exists()


# -- refused files: nothing changes -----------------------------------------------------------
BAD_FILES = [
    ("{", "not valid JSON: Expecting property name enclosed in double quotes at line 1, "
          "column 2"),
    ("", "the file is empty"),
    ("[1, 2]", "the top level must be an object .* got a JSON array"),
    ({"population": {}}, "unknown section 'population'; the sections are populations"),
    ({"populations": []}, "section 'populations' must be an object, got a JSON array"),
    ({"populations": {"pop": 3}}, "populations: 'pop' must be an object of parameter values"),
    ({"populations": {"nope": {}}}, r"no population 'nope' \(its populations: 'pop', 'pop_b'\)"),
    ({"projections": {"p2": {}}}, r"no projection 'p2' \(its projections: 'pr'\)"),
    ({"constants": {"k": 1.0}}, r"no constant 'k' \(its constants: none\)"),
    ({"populations": {"pop": {"tau": "5"}}},
     r"population 'pop', parameter 'tau' needs a number, got a JSON string \(\"5\"\)"),
    ({"populations": {"pop": {"tau": [5.0]}}}, "needs a number, got a JSON array"),
    ({"populations": {"pop": {"tau": None}}}, "needs a number, got a JSON null"),
    ({"populations": {"pop": {"tau": True}}}, "needs a number, got a JSON boolean"),
    ({"network": {"x": "a"}}, "network value 'x' needs a number"),
    ('{"constants": {}, "network": {"x": 1' + "0" * 400 + "}}",
     r"network value 'x': 1000000000000000000000000000000000000000\.\.\. is beyond the float"),
    ('{"populations": {"pop": {"tau": NaN}}}', "it holds NaN"),
    ('{"populations": {}, "populations": {}}', "the key 'populations' appears twice"),
    ("[" * 100000, "nested too deeply"),
    ('{"network": {"x": ' + "9" * 5000 + "}}", "not valid JSON: Exceeds the limit"),
    (b"\xff\xfe{}", "not UTF-8 text"),
]


@pytest.mark.parametrize("content, message", BAD_FILES)
def test_refused_files_change_nothing(tmp_path, content, message):
    net, p, q, pr = build()
    p.tau = 3.0
    f = tmp_path / "p.json"
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        write(f, content)
    with pytest.raises(NetworkFileError, match=f"cannot load '.*p.json': .*{message}"):
        engine.load_parameters(f, net_id=net)
    assert p.tau == 3.0 and q.tau == 10.0 and pr.eta == 0.01


def test_a_valid_entry_before_a_bad_one_is_not_applied(tmp_path):
    net, p, q, pr = build()
    f = write(tmp_path / "p.json", {"populations": {"pop": {"tau": 2.0}, "pop_b": {"tau": "x"}}})
    with pytest.raises(NetworkFileError, match="population 'pop_b', parameter 'tau'"):
        engine.load_parameters(f, net_id=net)
    assert p.tau == 10.0


def test_int_and_bool_parameters_take_their_types(tmp_path):
    net = Network(dt=1.0, seed=2)
    model = Neuron(parameters="n = 4 : population, int\non = false : population, bool",
                   equations="r = n * on")
    pop = net.create(1, model, name="x")
    good = write(tmp_path / "g.json", {"populations": {"x": {"n": 7.0, "on": True}}})
    engine.load_parameters(good, net_id=net)
    assert pop.n == 7 and pop.on
    for value, message in ((2.5, "int parameter: give a whole number, got 2.5"),
                           ("7", "needs a number")):
        bad = write(tmp_path / "b.json", {"populations": {"x": {"n": value}}})
        with pytest.raises(NetworkFileError, match=message):
            engine.load_parameters(bad, net_id=net)
    bad = write(tmp_path / "b.json", {"populations": {"x": {"on": 2}}})
    with pytest.raises(NetworkFileError, match="bool parameter: give true or false, got a JSON "
                                               r"number \(2\)"):
        engine.load_parameters(bad, net_id=net)
    assert pop.n == 7


@pytest.mark.parametrize("target, message", [
    (lambda d: d / "missing.json", "no such file"),
    (lambda d: d, "it is a directory"),
])
def test_missing_file_and_directory(tmp_path, target, message):
    net, *_ = build()
    with pytest.raises(NetworkFileError, match=message):
        engine.load_parameters(target(tmp_path), net_id=net)


def test_oversized_file_is_refused_before_parsing(tmp_path, monkeypatch):
    net, *_ = build()
    monkeypatch.setattr(parameters_io, "_MAX_BYTES", 100)
    f = write(tmp_path / "p.json", {"network": {f"x{i}": i for i in range(50)}})
    with pytest.raises(NetworkFileError, match="larger than 0 MB, not a parameters file"):
        engine.load_parameters(f, net_id=net)


def test_a_value_the_network_refuses_undoes_the_earlier_ones(tmp_path):
    net = Network(dt=1.0, seed=2)
    model = Neuron(parameters="tau = 10.0 : population\nt_ref = 2.0 : population",
                   equations="tau*dv/dt = 1 - v", spike="v > 0.5", reset="v = 0",
                   refractory="t_ref")
    pop = net.create(2, model, name="x")
    f = write(tmp_path / "p.json", {"populations": {"x": {"tau": 3.0, "t_ref": -1.0}}})
    with pytest.raises(AttributeAssignmentError, match="refractory periods are finite"):
        engine.load_parameters(f, net_id=net)
    assert pop.tau == 10.0 and pop.t_ref == 2.0


def test_a_filename_must_be_a_path(tmp_path):
    net, *_ = build()
    with pytest.raises(NetworkFileError, match=r"load_parameters\(\) needs a file name"):
        engine.load_parameters(3, net_id=net)


# -- atomic writes ----------------------------------------------------------------------------
def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    net, p, q, pr = build()
    f = tmp_path / "p.json"
    engine.save_parameters(f, net_id=net)
    before = f.read_text()
    p.tau = 99.0

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(NetworkFileError, match=r"save_parameters\(\): cannot write .*No space"):
        engine.save_parameters(f, net_id=net)
    assert f.read_text() == before
    assert os.listdir(tmp_path) == ["p.json"]


def test_save_creates_missing_folders(tmp_path):
    net, *_ = build()
    f = tmp_path / "a" / "b" / "p.json"
    engine.save_parameters(str(f), net_id=net)
    assert json.loads(f.read_text())["populations"]["pop"] == {"tau": 10.0}


def test_exported_lazily_from_engine():
    assert engine.save_parameters is parameters_io.save_parameters
    assert engine.load_parameters is parameters_io.load_parameters
    assert {"save_parameters", "load_parameters", "report"} <= set(engine.__all__)
