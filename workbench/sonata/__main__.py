"""``python -m workbench.sonata run config.json``: run a SONATA config.

As BMTK's ``run_pointnet.py config.json``: reads the config (manifest
variables from ``--set NAME=VALUE`` too), builds the network on the engine,
simulates ``run.tstop`` ms with a progress bar and writes the outputs the
config asks for. A problem with the config or the files is printed as one
message (exit status 2), without a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.sonata",
                                     description="Run SONATA networks on the engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a config.json and write its outputs")
    run.add_argument("config", help="the simulation's config.json")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a manifest variable ($NAME in the config); repeatable")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    from engine.errors import NeuroWorkbenchError
    from workbench.errors import WorkbenchError
    from workbench.sonata import Config, PointNetwork, PointSimulator

    variables = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            print(f"error: --set takes NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        variables[name] = value
    try:
        t0 = time.perf_counter()
        config = Config.from_json(args.config, **variables)
        config.build_env()
        network = PointNetwork.from_config(config)
        sim = PointSimulator.from_config(config, network)
        print(f"network: {network.n_nodes:,} nodes, {network.n_edges:,} edges, "
              f"{len(sim.groups)} cell groups (built in {time.perf_counter() - t0:.2f} s)")
        outputs = sim.run(progress=not args.no_progress)
    except (WorkbenchError, NeuroWorkbenchError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for pop, (t, _) in sim.spikes.items():
        print(f"{pop}: {t.size:,} spikes")
    for name, path in outputs.items():
        print(f"wrote {name}: {path}")
    print(f"done in {time.perf_counter() - t0:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
