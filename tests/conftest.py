"""Shared fixtures: the seed scenarios, as models and as raw data to break; and the order the
suite runs in (the notebooks first)."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from evacplan import Scenario
from evacplan.io import load_scenario, seed_path

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tiny_data() -> dict[str, Any]:
    """The tiny seed as plain data (a fresh copy is made per test by `raw`)."""
    return yaml.safe_load(seed_path("tiny").read_text())


@pytest.fixture
def raw(tiny_data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the tiny seed's data, for a test to break."""
    return copy.deepcopy(tiny_data)


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    """The tiny seed scenario: one post, six staff, five places."""
    return load_scenario(seed_path("tiny"))


@pytest.fixture(scope="session")
def founding() -> Scenario:
    """The founding scenario: UK posts in Baghdad and Tehran, January 2020."""
    return load_scenario(seed_path("uk-iraq-iran-2020"))


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evacplan", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m evacplan ARGS`` from the repository root, as a user would."""
    return _run_cli


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The notebooks first: they are the suite's longest tests (closures' about two minutes
    on a worker), and spread over the workers (pytest-xdist) from the start they no longer
    finish alone at the end of the run."""
    items.sort(key=lambda item: "test_notebook_runs" not in item.nodeid)
