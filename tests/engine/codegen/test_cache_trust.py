"""The compiled-code cache is not trusted blindly (issue Engine VI, class 7).

Edited, truncated or emptied cached modules are written again; a damaged
Numba index is compiled again; an unusable cache folder is replaced by a
private one with a warning. Each time the network still gives the right
numbers. And names that reach generated files (model names with quotes)
cannot break them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest

from engine import Network, Neuron, Synapse
from engine.codegen import cache


def _model():
    """A model no other test compiled (a unique rate), and its exact result."""
    rate = 1.0 + (uuid.uuid4().int % 10**6) * 1e-9
    return Neuron(equations=f"dv/dt = {rate!r}\nr = v"), rate


def _run(model, steps=5):
    net = Network(dt=1.0)
    pop = net.create(3, model)
    net.compile()
    net.simulate(float(steps))
    return pop.v.copy(), net


@pytest.mark.parametrize("damage", ["edited", "truncated", "emptied"])
def test_a_damaged_cached_module_is_written_again(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("NEUROWORKBENCH_CACHE_DIR", str(tmp_path))
    model, rate = _model()
    v, net = _run(model)
    np.testing.assert_allclose(v, 5 * rate)
    (kernel,) = net._code.kernels
    path = net._module.paths[kernel.source]
    text = path.read_text()
    path.write_text({"edited": text.replace(repr(rate), "123.0"),
                     "truncated": text[: len(text) // 2],
                     "emptied": ""}[damage])
    # a new process would import the file: forget this one's copy
    sys.modules.pop(path.stem, None)
    with pytest.warns(RuntimeWarning, match="did not hold the code it is named after"):
        v, _ = _run(model)
    np.testing.assert_allclose(v, 5 * rate)          # not 5 * 123
    assert path.read_text() == kernel.source


def test_an_unusable_cache_folder_falls_back_to_a_private_one(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NEUROWORKBENCH_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(cache, "_FALLBACK", {})
    model, rate = _model()
    with pytest.warns(RuntimeWarning, match="cannot be used.*for this process"):
        v, net = _run(model)
    np.testing.assert_allclose(v, 5 * rate)
    folder = cache.cache_dir()                       # the same private folder, no new warning
    assert folder.is_dir() and folder != blocker / "cache"
    assert net._module.paths[net._code.kernels[0].source].parent == folder


def test_a_damaged_numba_cache_is_compiled_again(tmp_path):
    code = textwrap.dedent("""
        from engine import Network, Neuron
        net = Network(dt=1.0)
        pop = net.create(2, Neuron(equations="dv/dt = 0.25\\nr = v"))
        net.compile()
        net.simulate(4.0)
        print(pop.v.tolist())
    """)
    env = dict(os.environ, NEUROWORKBENCH_CACHE_DIR=str(tmp_path))
    env.pop("NUMBA_CACHE_DIR", None)

    def run():
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout.strip().splitlines()[-1]

    assert run() == "[1.0, 1.0]"
    files = list((tmp_path / "__pycache__").glob("nwb_*"))
    assert files
    for f in files:                                   # index and data both garbage
        f.write_bytes(os.urandom(64))
    assert run() == "[1.0, 1.0]"
    assert run() == "[1.0, 1.0]"                      # and repaired for the next process


def test_model_names_with_quotes_do_not_break_generated_code():
    neuron = Neuron(equations="dv/dt = sum(exc)\nr = 1.0", name='x"""\\ y\n')
    synapse = Synapse(psp="w * pre.r", name="a'b\"\"\"")
    net = Network(dt=1.0)
    a, b = net.create(2, neuron), net.create(2, neuron)
    net.connect(a, b, "exc", synapse=synapse).all_to_all(weights=0.5)
    net.compile()
    net.simulate(4.0)
    # the sums read r of the previous step (0 before the first update)
    np.testing.assert_allclose(b.v, (4 - 1) * 2 * 0.5)


def test_the_cache_folder_of_a_network_holds_all_its_code(tmp_path, monkeypatch):
    # kernels already imported from another folder are written to this one too
    model, rate = _model()
    monkeypatch.setenv("NEUROWORKBENCH_CACHE_DIR", str(tmp_path / "first"))
    _run(model)
    monkeypatch.setenv("NEUROWORKBENCH_CACHE_DIR", str(tmp_path / "second"))
    v, net = _run(model)
    np.testing.assert_allclose(v, 5 * rate)
    folder = Path(net.directory)
    assert folder == tmp_path / "second"
    texts = {p.read_text() for p in folder.glob("nwb_*.py")}
    assert all(k.source in texts for k in net._code.kernels)
