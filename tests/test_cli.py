"""The command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evacplan.io import seed_path, tntp_path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``evacplan ARGS`` with this interpreter and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "evacplan.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_validate_accepts_the_seeds() -> None:
    """Every seed scenario validates: exit 0, one ok line per file."""
    seeds = sorted(str(p) for p in seed_path("tiny").parent.glob("*.yaml"))
    result = run("validate", *seeds)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok: ") == len(seeds)
    assert result.stderr == ""


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    """A broken file: exit 1, every problem with its path, no traceback."""
    data = yaml.safe_load(seed_path("tiny").read_text())
    data["staff"][2]["post"] = "captial"
    data["links"][0]["capacity_per_hour"] = 0
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False))
    line = broken.read_text().splitlines().index("  post: captial") + 1
    result = run("validate", str(seed_path("tiny")), str(broken))
    assert result.returncode == 1
    assert "ok: " in result.stdout
    assert "2 problems" in result.stderr
    assert (
        f"staff[2].post (line {line}): 'captial' is not a post; did you mean 'capital'?"
        in result.stderr
    )
    assert "links[0].capacity_per_hour" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "no such file"), ("a: [", "invalid YAML"), ("", "the file is empty")],
    ids=["missing", "syntax", "empty"],
)
def test_validate_unreadable_files(tmp_path: Path, content: str | None, fragment: str) -> None:
    """Files that cannot be read as scenarios are named, exit 1, no traceback."""
    path = tmp_path / "s.yaml"
    if content is not None:
        path.write_text(content)
    result = run("validate", str(path))
    assert result.returncode == 1
    assert fragment in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_tntp() -> None:
    """A TNTP network validates too."""
    result = run("validate", str(tntp_path("SiouxFalls")))
    assert result.returncode == 0
    assert "24 places, 76 links" in result.stdout


def test_show_summarises_the_tiny_seed() -> None:
    """show prints staff and dependants per post, places by kind and links."""
    result = run("show", str(seed_path("tiny")))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith("capital"))
    assert row.split()[-5:] == ["minimal", "6", "6", "12", "3"]
    assert "places by kind: airport 1, border 1, post 1, residence 1, safe_haven 1" in lines
    assert "links by mode: air 1, road 4" in lines


def test_show_a_broken_file_is_a_message(tmp_path: Path) -> None:
    """show on a broken file names the problem, exit 1."""
    path = tmp_path / "s.json"
    path.write_text('{"name": "x"}')
    result = run("show", str(path))
    assert result.returncode == 1
    assert "start: required key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2() -> None:
    """An unknown command is a usage error."""
    result = run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_python_dash_m_evacplan() -> None:
    """`python -m evacplan` is the same command line (the README's first command uses it)."""
    result = subprocess.run(
        [sys.executable, "-m", "evacplan", "validate", str(seed_path("tiny"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
