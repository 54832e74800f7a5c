"""BMTK's PointNet loading a SONATA network into NEST and running it: the
peer of ``benchmarks/sonata_scale.py``'s load and first run.

Runs in the NEST venv, never in the main one::

    /work/nest-venv/bin/python benchmarks/peers/sonata_bmtk_nest.py \
        --config <folder>/config.json --workdir <folder>/bmtk

The config is the one ``sonata_scale.py`` writes (``${configdir}``
manifest, ``target_simulator: NEST``); a copy goes to ``--workdir`` with
the manifest's ``${configdir}`` made the original folder (the network,
components and inputs are the same files) and ``output`` moved into the
workdir (BMTK's log file and spikes file). Then, as BMTK's examples::

    conf = pointnet.Config.from_json(copy); conf.build_env()
    net = pointnet.PointNetwork.from_config(conf)          # "read"
    sim = pointnet.PointSimulator.from_config(conf, net)   # "install": nodes, edges into NEST
    sim.run()                                              # "prepare" + "simulate"

``prepare`` is NEST's own ``time_communicate_prepare`` (building the
presynaptic connection tables in the first ``Simulate``), ``simulate`` the
rest of ``sim.run()`` (the 100 ms, writing the spikes). BMTK creates
the inputs (IClamp: node set, ``step_current_generator``, ``Connect``) and
the spike recorder in ``sim.run()``, in its modules' ``initialize``: that
time (``inputs_s``) is moved to ``install``, where ours creates them. Memory per step is the
growth of the process's peak resident size (``ru_maxrss``); the run's
growth is all given to ``simulate``. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rows(path, kind, dataset) -> int:
    import h5py

    with h5py.File(path, "r") as f:
        return sum(int(f[kind][pop][dataset].shape[0]) for pop in f[kind])


def adapt_config(config: Path, workdir: Path) -> Path:
    conf = json.loads(config.read_text())
    folder = str(config.resolve().parent)
    manifest = conf.setdefault("manifest", {})
    for key, value in list(manifest.items()):
        if isinstance(value, str):
            manifest[key] = value.replace("${configdir}", folder)
    conf["target_simulator"] = "NEST"
    out = dict(conf.get("output", {}))
    out.update(output_dir=str(workdir / "output"), log_file="log.txt", spikes_file="spikes.h5",
               overwrite_output_dir=True)
    out.pop("spikes_file_csv", None)
    conf["output"] = out
    conf.setdefault("reports", {})
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "config.json"
    path.write_text(json.dumps(conf, indent=1))
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, help="config.json written by sonata_scale.py")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    import h5py
    import numpy as np
    import nest
    import bmtk
    from bmtk.simulator import pointnet

    nest.set_verbosity("M_ERROR")
    workdir = Path(args.workdir).resolve()
    path = adapt_config(Path(args.config), workdir)
    rec = {"peer": "bmtk+nest", "bmtk": bmtk.__version__, "nest": nest.__version__}
    t0, m0 = time.perf_counter(), peak_mb()
    rec["base_mb"] = round(m0, 1)

    def done(name):
        nonlocal t0, m0
        t, m = time.perf_counter(), peak_mb()
        rec[f"{name}_s"] = round(t - t0, 4)
        rec[f"{name}_mb"] = round(m - m0, 1)
        t0, m0 = time.perf_counter(), m

    conf = pointnet.Config.from_json(str(path))
    conf.build_env()
    net = pointnet.PointNetwork.from_config(conf)
    done("read")
    sim = pointnet.PointSimulator.from_config(conf, net, n_thread=args.threads)
    done("install")
    # BMTK creates the inputs (IClamp: node set, step_current_generator, Connect)
    # and the spike recorder in sim.run(), in each module's initialize(): timed apart
    spent = {"initialize": 0.0, "finalize": 0.0}

    def timed(fn, key):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key] += time.perf_counter() - t
        return wrapper

    for mod in sim._mods:
        mod.initialize = timed(mod.initialize, "initialize")
        mod.finalize = timed(mod.finalize, "finalize")
    sim.run()
    done("simulate")
    ks = nest.GetKernelStatus()
    prepare = float(np.sum(ks["time_communicate_prepare"]))
    rec["inputs_s"] = round(spent["initialize"], 4)   # inside sim.run(): added to install
    rec["finalize_s"] = round(spent["finalize"], 4)   # writing the spikes: kept in simulate
    rec["compile_s"] = round(prepare, 4)              # NEST's prepare, inside sim.run()
    rec["install_s"] = round(rec["install_s"] + spent["initialize"], 4)
    rec["simulate_s"] = round(rec["simulate_s"] - prepare - spent["initialize"], 4)
    rec["nest_time_simulate_s"] = round(float(np.sum(ks["time_simulate"])), 4)
    rec["nest_time_connect_s"] = round(float(ks["time_construction_connect"]), 4)
    rec["nest_time_create_s"] = round(float(ks["time_construction_create"]), 4)
    rec["nest_connections"] = int(nest.num_connections)   # edges + clamps + recorder
    nets = conf["networks"]
    rec["nodes"] = sum(_rows(e["nodes_file"], "nodes", "node_id") for e in nets["nodes"])
    rec["edges"] = sum(_rows(e["edges_file"], "edges", "edge_type_id") for e in nets["edges"])

    with h5py.File(workdir / "output" / "spikes.h5", "r") as f:
        grp = f["spikes"]["net"]
        t = np.asarray(grp["timestamps"][()], dtype=float)
        ids = np.asarray(grp["node_ids"][()])
    rec["spikes"] = int(t.size)
    first = float(t.min()) if t.size else float("nan")
    rec["first_spike_ms"] = round(first, 4)
    rec["spikes_before_recurrence"] = int((t < first + 1.5).sum())   # first + delay
    rec["spikes_per_10ms"] = np.histogram(t, bins=np.arange(0.0, 110.0, 10.0))[0].tolist()
    rec["active_cells"] = int(np.unique(ids).size)
    rec["mean_rate_hz"] = round(t.size / rec["nodes"] / 0.08, 3)   # clamps: 80 ms
    rec["process_peak_mb"] = round(peak_mb(), 1)
    sys.stdout.flush()
    print(json.dumps(rec), flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
