"""Execute every tutorial notebook in notebooks/ and fail on any cell error.

Each notebook runs top to bottom in a fresh ``python3`` kernel started with
this interpreter (jupyter_client starts a kernelspec whose command is
``python`` with ``sys.executable``, so the kernel imports the same engine as
the tests), with the notebooks folder as working directory. A last cell,
added in memory only, checks that the kernel really runs in this
environment.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from nbclient.exceptions import CellExecutionError  # noqa: E402

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 600  # seconds per cell
_MARK = "__kernel_environment__"


def _environment_probe():
    """Source of a cell printing the kernel's interpreter and prefix as JSON."""
    return (
        "import json as _json, sys as _sys\n"
        f"print({_MARK!r} + _json.dumps({{'executable': _sys.executable, "
        "'prefix': _sys.prefix}))"
    )


def _probe_result(nb) -> dict:
    for output in nb.cells[-1].get("outputs", []):
        text = output.get("text", "")
        if output.get("output_type") == "stream" and _MARK in text:
            return json.loads(text.split(_MARK, 1)[1])
    raise AssertionError("the environment check cell printed nothing")


def test_notebooks_exist():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path, monkeypatch):
    # the kernel inherits this process's environment
    monkeypatch.setenv("NUMBA_THREADING_LAYER", "workqueue")
    monkeypatch.setenv("MPLBACKEND", "Agg")

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_environment_probe()))
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},  # working directory
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name}: a cell raised an error:\n{exc}", pytrace=False)

    errors = [
        (index, output.get("ename"), output.get("evalue"))
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, f"{path.name}: cells with errors (index, type, message): {errors}"

    kernel = _probe_result(nb)
    assert kernel["prefix"] == sys.prefix, (
        f"{path.name} ran in the kernel of {kernel['executable']} (prefix "
        f"{kernel['prefix']}), not in this environment ({sys.prefix}); install a "
        f"kernel here with: {sys.executable} -m ipykernel install --sys-prefix"
    )
