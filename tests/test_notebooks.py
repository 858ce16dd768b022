"""The notebooks in examples/ run from top to bottom without error."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    """The examples folder is not empty (a missing folder would skip every notebook silently)."""
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path) -> None:
    """Execute every cell in a fresh kernel, in the examples folder."""
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_with_its_outputs(path: Path) -> None:
    """Each notebook reads on a code host without running: every code cell executed once, in
    order, in one run, without an error (rerun them with the README's nbconvert command)."""
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    rerun = "rerun: jupyter nbconvert --to notebook --execute --inplace examples/*.ipynb"
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), rerun
    outputs = [out for cell in code for out in cell.get("outputs", [])]
    assert outputs, rerun
    assert not [out for out in outputs if out.get("output_type") == "error"]
