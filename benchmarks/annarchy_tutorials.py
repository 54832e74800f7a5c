"""Run ANNarchy 5's own tutorial notebooks on the engine, unchanged but for the import.

Engine IV asks that every tutorial that runs on ANNarchy runs on the engine with
the same statistics. This script is how that is checked, by hand, outside CI
(the notebooks are not ours to copy into the repository):

    # a checkout of github.com/ANNarchy/ANNarchy.github.io (its notebooks/ folder)
    python benchmarks/annarchy_tutorials.py --notebooks PATH/notebooks
    python benchmarks/annarchy_tutorials.py --notebooks PATH/notebooks --peer   # also ANNarchy
    python benchmarks/annarchy_tutorials.py --notebooks PATH/notebooks --only STP,COBA -v

Each notebook's code cells are joined into one script; shell escapes (`!pip`)
and IPython magics are dropped; `import ANNarchy as ann` (and `from ANNarchy
import *`) become the engine's import; matplotlib draws to the Agg backend.
With ``--peer`` the same script runs on ANNarchy in the peers venv
(benchmarks/install_peers.sh). A script's "statistics" are what it prints:
the table lists the exit status, the wall time and the last line of the
error, and ``-v`` shows both outputs side by side for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.peers.run_peer import peer_env, peers_python  # noqa: E402

PEERS_PYTHON = peers_python()

# The notebooks of Engine IV's list, then the others of ANNarchy 5's gallery.
NAMED = ["COBA", "Izhikevich", "NeuralField", "BarLearning", "BCM", "STP", "STDP1",
         "STDP2", "HodgkinHuxley", "GapJunctions", "StructuralPlasticity",
         "MultipleNetworks", "BoldMonitoring1", "BoldMonitoring2", "Hybrid"]

PRELUDE = """\
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as _plt
_plt.show = lambda *a, **k: None
"""


def notebook_script(path: Path, engine: bool) -> str:
    """The code cells of one notebook as a script (import changed if ``engine``)."""
    nb = json.loads(path.read_text())
    cells = []
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = []
        for line in source.splitlines():
            stripped = line.strip()
            if stripped.startswith(("!", "%", "?")):
                continue
            lines.append(line)
        cells.append("\n".join(lines))
    script = "\n\n".join(cells)
    if engine:
        script = re.sub(r"^(\s*)import ANNarchy(\.[\w.]+)? as (\w+)", r"\1import engine\2 as \3",
                        script, flags=re.M)
        script = re.sub(r"^(\s*)import ANNarchy\s*$", r"\1import engine as ANNarchy", script,
                        flags=re.M)
        script = re.sub(r"^(\s*)from ANNarchy(\.\S+)? import", _from_engine, script, flags=re.M)
    return PRELUDE + script + "\n"


def _from_engine(match: re.Match) -> str:
    sub = match.group(2) or ""
    return f"{match.group(1)}from engine{sub} import"


def run_script(python: str, script: str, workdir: Path, timeout: float) -> dict:
    file = workdir / "tutorial.py"
    file.write_text(script)
    if python == str(PEERS_PYTHON):
        env = dict(peer_env(), MPLBACKEND="Agg")      # ANNarchy's CMake finds the venv's python3
    else:
        env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue", MPLBACKEND="Agg",
                   PYTHONPATH=str(REPO))
    start = time.perf_counter()
    try:
        proc = subprocess.run([python, str(file)], cwd=workdir, env=env, text=True,
                              capture_output=True, timeout=timeout)
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        status = "timeout"
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    wall = time.perf_counter() - start
    last = ""
    if status != "ok":
        tail = [line for line in err.strip().splitlines() if line.strip()]
        last = tail[-1] if tail else ""
    return {"status": status, "wall": wall, "stdout": out, "stderr": err, "error": last}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notebooks", required=True, type=Path,
                    help="the notebooks/ folder of an ANNarchy.github.io checkout")
    ap.add_argument("--only", default="", help="comma-separated notebook names")
    ap.add_argument("--all", action="store_true", help="every notebook, not only Engine IV's")
    ap.add_argument("--peer", action="store_true", help="also run on ANNarchy (.venv-peers)")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("-v", "--verbose", action="store_true", help="print outputs")
    ap.add_argument("--keep", type=Path, default=None,
                    help="write the converted scripts into this folder")
    args = ap.parse_args(argv)

    names = [n for n in args.only.split(",") if n] or (
        sorted(p.stem for p in args.notebooks.glob("*.ipynb")) if args.all else NAMED)
    rows = []
    for name in names:
        path = args.notebooks / f"{name}.ipynb"
        if not path.exists():
            rows.append((name, "missing", "", ""))
            continue
        results = {}
        for side, python, engine in (("engine", sys.executable, True),
                                     ("annarchy", str(PEERS_PYTHON), False)):
            if side == "annarchy" and not args.peer:
                continue
            script = notebook_script(path, engine)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{name}_{side}.py").write_text(script)
            with tempfile.TemporaryDirectory() as tmp:
                results[side] = run_script(python, script, Path(tmp), args.timeout)
            r = results[side]
            print(f"{name:22s} {side:8s} {r['status']:9s} {r['wall']:7.1f} s  {r['error'][:110]}",
                  flush=True)
            if args.verbose:
                print("  stdout:\n    " + "\n    ".join(r["stdout"].strip().splitlines()[-30:]))
        rows.append((name, results))
    ok = sum(1 for row in rows if isinstance(row[1], dict) and row[1]["engine"]["status"] == "ok")
    print(f"\n{ok} of {len(rows)} notebooks run on the engine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
