"""BMTK's PointNet tutorial (``02_opt_nest_custom_models``, example 1 and
the synapse switch of example 4) run by BMTK + NEST: the reference data of
tests/workbench/sonata/test_tutorial_vs_nest.py.

Runs in the NEST venv, never in the main one::

    /work/nest-venv/bin/python benchmarks/peers/sonata_tutorial_bmtk.py \
        [--out tests/data/nest/sonata_tutorial] [--workdir /tmp/tutorial] [--case NAME ...]

The network of every case is the tutorial's, built with OUR builder
(``workbench.sonata.NetworkBuilder``; its modules need numpy and h5py only,
so they are imported here without the package's ``__init__``, which would
import the engine): 100 cells ``nest:<model>`` with ``dynamics_params`` an
empty JSON (NEST's defaults), one ``static_synapse`` between every ordered
pair (``connection_rule=1``, autapses included, as BMTK's builder),
``delay`` 1.5 ms; 10 virtual cells ``virt_exc`` connected to every cell
with ``nsyns = randint(0, 10)`` (the tutorial's rule, drawn from
``numpy.random.RandomState(rule_seed)``: the legacy stream, frozen by
numpy's policy), ``delay`` 1.0 ms; per virtual cell a train of
``round(rate * tstop)`` times uniform in (0, tstop) ms, off the grid
(``RandomState(input_seed)``), written as a SONATA spike file. BMTK gives
each edge ``syn_weight * nsyns``. The synapse switch edits
``net_net_edge_types.csv`` after building, as the tutorial does
(``static_synapse`` -> ``tsodyks2_synapse``, ``static.json`` ->
``tsodyks2.json``). ``glif_psc``'s edges use ``static_port1.json``
(``{"receptor_type": 1}``) instead of ``static.json``: NEST's
``glif_psc`` has receptor ports 1..n and refuses a connection to port 0
("Receptor type 0 in glif_psc does not accept SpikeEvent"), so the
tutorial's ``glif_psc`` variant does not run in BMTK without it.

Cases (``CASES``): the tutorial's own numbers (``syn_weight`` 2.0 for both
edge types) for each of ``izhikevich``, ``iaf_psc_delta``,
``aeif_cond_alpha`` and ``glif_psc`` (100 ms: the first two run away, the
last two stay silent), variants with smaller recurrent weights where
activity is moderate (1 s, 5-30 Hz), one with recurrent inhibition
(negative ``syn_weight``), and the ``tsodyks2_synapse`` switch.

Each case is run in its own process (BMTK and NEST keep global state):
``Config.from_json``, ``build_env``, ``PointNetwork.from_config``,
``PointSimulator.from_config``, ``sim.run()``, as the tutorial. A NEST
multimeter (in memory, every ``dt``, full precision) is added on the
``report_nodes`` cells before ``sim.run()`` (NEST's multimeter misses
the last ``min_delay`` ms of the run; only the first ``report_ms`` are
kept). ``--case`` runs some cases only, and then writes no data.
The data files come out byte-identical from one run to the next.

Outputs (small, rewritten whole by this script, never edited by hand):

- ``<out>/cases.json``: the versions (NEST, BMTK, numpy, Python), the
  recipe (``COMMON`` and each case's parameters: ``build_case(folder,
  case, common)`` rebuilds a case from them), per case the SHA-256 of the
  files BMTK read (``network_digest``: every dataset of every
  nodes/edges/spikes h5 file, normalised to int64/float64 bytes, and every
  CSV's and component JSON's text), NEST's spike count, first spike, mean
  rate and active cells;
- ``<out>/outputs.h5``: per case ``/<case>/spike_steps`` (int32: a spike
  stamped ``t`` by NEST is step ``round(t / dt)``; every NEST time is
  checked to be on the grid), ``/<case>/spike_node_ids`` (int16, SONATA
  node ids of ``net``), ``/<case>/v_m`` (float32 as SONATA reports store
  it, (n_samples, n_cells): NEST's samples at ``dt, 2 dt, ...`` for the
  first ``report_ms``) and ``/<case>/v_m_node_ids``; gzip.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "tests" / "data" / "nest" / "sonata_tutorial"

#: what every case shares (the tutorial's network)
COMMON = dict(
    n_cells=100, n_virtual=10, dt=0.1,
    rec_delay=1.5, in_delay=1.0,       # the tutorial's delays (ms)
    nsyns_high=10,                     # nsyns = randint(0, 10), the tutorial's rule
    rule_seed=7, input_seed=11, builder_seed=1,
    report_nodes=[0, 1, 2],
    report_ms=200.0,                   # V_m stored for the first 200 ms only (size)
)

#: name -> model, recurrent and input syn_weight, input rate (Hz per virtual
#: cell), tstop (ms), recurrent synapse (None: static)
CASES = {
    # the tutorial's exact numbers (syn_weight 2.0 everywhere): runaway for
    # izhikevich and iaf_psc_delta (weights in mV), silent for aeif_cond_alpha
    # (2 nS) and glif_psc (2 pA)
    "tutorial_izhikevich": dict(model="izhikevich", w_rec=2.0, w_in=2.0, rate=15.0, tstop=100.0),
    "tutorial_iaf_psc_delta": dict(model="iaf_psc_delta", w_rec=2.0, w_in=2.0, rate=15.0,
                                   tstop=100.0),
    "tutorial_aeif_cond_alpha": dict(model="aeif_cond_alpha", w_rec=2.0, w_in=2.0, rate=15.0,
                                     tstop=100.0),
    "tutorial_glif_psc": dict(model="glif_psc", w_rec=2.0, w_in=2.0, rate=15.0, tstop=100.0),
    # moderate activity: smaller recurrent weights (inputs scaled to the model's units)
    "moderate_izhikevich": dict(model="izhikevich", w_rec=0.2, w_in=2.0, rate=15.0, tstop=1000.0),
    "moderate_iaf_psc_delta": dict(model="iaf_psc_delta", w_rec=0.1, w_in=1.0, rate=15.0,
                                   tstop=1000.0),
    "moderate_aeif_cond_alpha": dict(model="aeif_cond_alpha", w_rec=1.0, w_in=12.0, rate=15.0,
                                     tstop=1000.0),
    "moderate_glif_psc": dict(model="glif_psc", w_rec=1.0, w_in=50.0, rate=15.0, tstop=1000.0),
    # recurrent inhibition (negative syn_weight: NEST's sign convention)
    "inhibitory_izhikevich": dict(model="izhikevich", w_rec=-1.0, w_in=3.0, rate=15.0,
                                  tstop=1000.0),
    # the synapse switch (edge types CSV edited): facilitating then depressing recurrent synapses
    "tsodyks2_iaf_psc_delta": dict(model="iaf_psc_delta", w_rec=0.5, w_in=1.0, rate=15.0,
                                   tstop=1000.0, synapse="tsodyks2_synapse"),
}

#: the tsodyks2_synapse's dynamics_params (NEST's names)
TSODYKS2 = {"U": 0.2, "u": 0.2, "x": 1.0, "tau_rec": 300.0, "tau_fac": 50.0}


# -- our builder, without the engine -----------------------------------------------------------

def _sonata_modules():
    """``NetworkBuilder`` and ``write_spikes`` of workbench.sonata. In the
    NEST venv (no numba) the packages ``workbench`` and ``workbench.sonata``
    are registered empty, so their ``__init__`` (which imports the engine)
    does not run; builder, files, spikes and errors need numpy and h5py."""
    try:
        import engine  # noqa: F401 - the main venv: the ordinary import
    except ImportError:
        sys.path.insert(0, str(REPO))
        for name in ("workbench", "workbench.sonata"):
            if name not in sys.modules:
                mod = types.ModuleType(name)
                mod.__path__ = [str(REPO.joinpath(*name.split(".")))]
                sys.modules[name] = mod
    from workbench.sonata.builder import NetworkBuilder
    from workbench.sonata.spikes import write_spikes
    return NetworkBuilder, write_spikes


def input_trains(case: dict, common: dict = COMMON):
    """(times ms, node ids) of the virtual cells: off-grid, sorted per cell."""
    rs = np.random.RandomState(common["input_seed"])
    n = int(round(case["rate"] * case["tstop"] / 1000.0))
    times, ids = [], []
    for i in range(common["n_virtual"]):
        t = np.sort(rs.uniform(0.0, case["tstop"], n))
        t = t[t >= common["dt"]]          # NEST refuses a spike at 0; keep clear of it
        times.append(t)
        ids.append(np.full(t.size, i))
    return np.concatenate(times), np.concatenate(ids)


def build_case(folder: Path, case: dict, common: dict = COMMON) -> Path:
    """The case's network, components, inputs and config under ``folder``;
    returns the config's path."""
    NetworkBuilder, write_spikes = _sonata_modules()
    folder = Path(folder)
    cells = folder / "components" / "cell_models"
    syns = folder / "components" / "synaptic_models"
    cells.mkdir(parents=True, exist_ok=True)
    syns.mkdir(parents=True, exist_ok=True)
    (cells / "default.json").write_text("{}")
    (syns / "static.json").write_text("{}")
    # NEST's glif_psc has receptor ports 1..n only: NEST refuses port 0 (the
    # default), so its edges need receptor_type 1 in their dynamics_params
    (syns / "static_port1.json").write_text(json.dumps({"receptor_type": 1}))
    (syns / "tsodyks2.json").write_text(json.dumps(TSODYKS2, indent=1))

    syn_json = "static_port1.json" if case["model"].startswith("glif_") else "static.json"
    net = NetworkBuilder("net", seed=common["builder_seed"])
    net.add_nodes(N=common["n_cells"], model_type="point_neuron",
                  model_template=f"nest:{case['model']}", dynamics_params="default.json")
    net.add_edges(source=net.nodes(), target=net.nodes(), connection_rule=1,
                  syn_weight=case["w_rec"], delay=common["rec_delay"],
                  dynamics_params=syn_json, model_template="static_synapse")
    net.build()
    net.save(output_dir=str(folder / "network"))

    rs = np.random.RandomState(common["rule_seed"])
    high = common["nsyns_high"]
    virt = NetworkBuilder("virt_exc", seed=common["builder_seed"] + 1)
    virt.add_nodes(N=common["n_virtual"], model_type="virtual")
    virt.add_edges(target=net.nodes(), connection_rule=lambda *_: int(rs.randint(0, high)),
                   syn_weight=case["w_in"], delay=common["in_delay"],
                   dynamics_params=syn_json, model_template="static_synapse")
    virt.build()
    virt.save(output_dir=str(folder / "network"))

    if case.get("synapse", "static_synapse") != "static_synapse":
        # the tutorial's switch: edit the edge types CSV, do not rebuild
        csv = folder / "network" / "net_net_edge_types.csv"
        text = csv.read_text()
        assert text.count("static_synapse") == 1 and text.count("static.json") == 1, text
        csv.write_text(text.replace("static_synapse", case["synapse"])
                       .replace("static.json", "tsodyks2.json"))

    times, ids = input_trains(case, common)
    write_spikes(folder / "inputs" / "virt_exc_spikes.h5", {"virt_exc": (times, ids)})

    config = {
        "manifest": {"$BASE_DIR": "${configdir}"},
        "target_simulator": "NEST",
        "run": {"tstop": case["tstop"], "dt": common["dt"]},
        "components": {"point_neuron_models_dir": "$BASE_DIR/components/cell_models",
                       "synaptic_models_dir": "$BASE_DIR/components/synaptic_models"},
        "networks": {
            "nodes": [{"nodes_file": f"$BASE_DIR/network/{p}_nodes.h5",
                       "node_types_file": f"$BASE_DIR/network/{p}_node_types.csv"}
                      for p in ("net", "virt_exc")],
            "edges": [{"edges_file": f"$BASE_DIR/network/{e}_edges.h5",
                       "edge_types_file": f"$BASE_DIR/network/{e}_edge_types.csv"}
                      for e in ("net_net", "virt_exc_net")]},
        "inputs": {"virt_exc_spikes": {"input_type": "spikes", "module": "h5",
                                       "input_file": "$BASE_DIR/inputs/virt_exc_spikes.h5",
                                       "node_set": "virt_exc"}},
        "output": {"output_dir": "$BASE_DIR/output", "log_file": "log.txt",
                   "spikes_file": "spikes.h5", "overwrite_output_dir": True},
    }
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def network_digest(folder: Path) -> str:
    """SHA-256 of the network, input and component files under ``folder``:
    every dataset of the h5 files (path, then values as int64 or float64
    bytes), every CSV's and JSON's text, in sorted order. Independent of
    h5py's layout."""
    import h5py

    h = hashlib.sha256()
    folder = Path(folder)
    files = sorted(list((folder / "network").glob("*")) + list((folder / "inputs").glob("*"))
                   + list((folder / "components").glob("*/*.json")))
    for path in files:
        h.update(path.name.encode())
        if path.suffix in (".csv", ".json"):
            h.update(path.read_bytes())
            continue
        with h5py.File(path, "r") as f:
            names = []
            f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
            for name in sorted(names):
                data = f[name][()]
                h.update(name.encode())
                data = np.asarray(data)
                if data.dtype.kind in "iub":
                    data = data.astype("<i8")
                elif data.dtype.kind == "f":
                    data = data.astype("<f8")
                else:
                    data = np.asarray([str(x) for x in data.ravel()]).astype("U")
                h.update(np.ascontiguousarray(data).tobytes())
    return h.hexdigest()


# -- one case in BMTK + NEST (a subprocess) ----------------------------------------------------

def run_bmtk(config: Path, report_nodes, result: Path) -> None:
    import nest
    from bmtk.simulator import pointnet

    nest.set_verbosity("M_ERROR")
    conf = pointnet.Config.from_json(str(config))
    conf.build_env()
    net = pointnet.PointNetwork.from_config(conf)
    sim = pointnet.PointSimulator.from_config(conf, net)
    nest_ids = list(sim.net.gid_map.get_nestids("net", list(report_nodes)))
    mm = nest.Create("multimeter", params={"interval": conf["run"]["dt"],
                                           "record_from": ["V_m"], "record_to": "memory"})
    nest.Connect(mm, nest.NodeCollection(sorted(nest_ids)))
    sim.run()
    ev = mm.events
    senders, times, vm = (np.asarray(ev[k]) for k in ("senders", "times", "V_m"))
    order = [nest_ids.index(s) for s in senders]
    n_t = int(np.unique(times).size)
    v = np.full((n_t, len(report_nodes)), np.nan)
    steps = np.rint(times / conf["run"]["dt"]).astype(int)
    v[steps - steps.min(), order] = vm
    out = Path(conf["output"]["output_dir"]) / "spikes.h5"
    import h5py

    t, ids = np.zeros(0), np.zeros(0, dtype=np.int64)
    with h5py.File(out, "r") as f:
        if "net" in f.get("spikes", {}):      # BMTK writes no group for a silent population
            grp = f["spikes"]["net"]
            t = np.asarray(grp["timestamps"][()], dtype=float)
            ids = np.asarray(grp["node_ids"][()], dtype=np.int64)
    np.savez(result, t=t, ids=ids, v=v, v_first_step=steps.min() if steps.size else 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--workdir", default=None, help="where the networks are built and run "
                    "(default: a temporary folder, removed)")
    ap.add_argument("--case", action="append", help="only these cases (default: all); "
                    "the data files are written only when every case runs")
    ap.add_argument("--_run", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._run:
        config, nodes, result = args._run
        run_bmtk(Path(config), json.loads(nodes), Path(result))
        return

    import h5py

    names = args.case or list(CASES)
    tmp = None
    if args.workdir:
        work = Path(args.workdir)
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="sonata_tutorial_")
        work = Path(tmp.name)
    versions = json.loads(subprocess.run(
        [sys.executable, "-c", "import json, nest, bmtk, numpy, platform; print(json.dumps("
         "{'nest': nest.__version__, 'bmtk': bmtk.__version__, 'numpy': numpy.__version__, "
         "'python': platform.python_version()}))"],
        check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    records, arrays = {}, {}
    dt = COMMON["dt"]
    for name in names:
        case = CASES[name]
        folder = work / name
        config = build_case(folder, case)
        digest = network_digest(folder)
        result = folder / "nest_result.npz"
        proc = subprocess.run([sys.executable, __file__, "--_run", str(config),
                               json.dumps(COMMON["report_nodes"]), str(result)],
                              capture_output=True, text=True, env=dict(os.environ))
        if proc.returncode:
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
            raise SystemExit(f"{name}: BMTK run failed")
        res = np.load(result)
        t, ids = res["t"], res["ids"]
        steps = np.rint(t / dt).astype(np.int64)
        assert np.all(np.abs(steps * dt - t) < 1e-6), f"{name}: NEST spike off the grid"
        order = np.lexsort((ids, steps))
        steps, ids = steps[order], ids[order]
        v = res["v"][:int(round(COMMON["report_ms"] / dt))].astype(np.float32)
        assert int(res["v_first_step"]) == 1, "NEST's first multimeter sample is at dt"
        rate = t.size / COMMON["n_cells"] / (case["tstop"] / 1000.0)
        records[name] = dict(case, digest=digest, n_spikes=int(t.size),
                             first_spike_ms=round(float(steps[0] * dt), 6) if steps.size else None,
                             mean_rate_hz=round(rate, 3),
                             active_cells=int(np.unique(ids).size))
        arrays[name] = dict(spike_steps=steps.astype(np.int32),
                            spike_node_ids=ids.astype(np.int16), v_m=v,
                            v_m_node_ids=np.asarray(COMMON["report_nodes"], dtype=np.int16))
        print(f"{name:28s} {t.size:7d} spikes  {rate:8.2f} Hz  active "
              f"{records[name]['active_cells']:3d}  first {records[name]['first_spike_ms']}",
              flush=True)

    if set(names) == set(CASES):
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        meta = dict(generator="benchmarks/peers/sonata_tutorial_bmtk.py", versions=versions,
                    common=COMMON, tsodyks2=TSODYKS2, cases=records)
        (out / "cases.json").write_text(json.dumps(meta, indent=1) + "\n")
        tmp_h5 = out / ".outputs.h5.tmp"
        with h5py.File(tmp_h5, "w") as f:
            for name, arrs in arrays.items():
                g = f.create_group(name)
                for key, value in arrs.items():
                    g.create_dataset(key, data=value, compression="gzip", compression_opts=9,
                                     shuffle=True)
        tmp_h5.replace(out / "outputs.h5")
        print(f"wrote {out}/cases.json and outputs.h5 "
              f"({sum(p.stat().st_size for p in out.iterdir()) / 1024:.0f} kB)")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
