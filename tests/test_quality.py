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
