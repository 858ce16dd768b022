"""The code stays linted, formatted and typed: ruff and mypy, as CI runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy", "evacplan"],
    ],
    ids=["ruff check", "ruff format", "mypy"],
)
def test_tool_passes(command: list[str]) -> None:
    """Each tool exits 0 on the whole repository."""
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


OUTSIDE = ("DESIGN.md", "../shared", "SEED-FACTS.md", "ORTOOLS-NOTES.md", "STYLE.md")
"""Documents that live beside the repository, not in it: a user who clones it has none."""


def test_nothing_cites_a_document_outside_the_repository() -> None:
    """Code, tests, docs and notebooks point at the project's own docs (docs/routing.md, ...)."""
    found = []
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if not path.is_file() or parts[0].startswith(".") or parts[0].endswith(".egg-info"):
            continue
        if path.suffix not in {".py", ".md", ".ipynb", ".yaml", ".toml", ".txt"}:
            continue
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(errors="replace")
        found += [f"{path.relative_to(ROOT)}: {name}" for name in OUTSIDE if name in text]
    assert not found, "\n".join(found)


def test_the_docs_the_code_cites_exist() -> None:
    assert (ROOT / "docs" / "routing.md").is_file()
    assert (ROOT / "ARCHITECTURE.md").is_file()
