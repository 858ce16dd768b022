"""Results the suite's workers share: made once per run, read by every pytest-xdist worker.

The Khartoum plan and its closure analysis feed several test modules, and
``-n auto`` puts those modules on different workers, so each built them again
(a 6.6 s plan and a 20 s analysis, twice or three times a run). :func:`once`
makes a result in the first worker that asks, under a file lock in the run's
temporary folder (the folder every worker's own one sits in), pickles it
there, and every other worker waits for the lock and reads the pickle: the
pytest-xdist documentation's recipe for a session fixture that runs once.
Each call returns a fresh copy, as a module fixture of its own would, so a
test that changes what it is given changes nobody else's.

Without xdist (a plain ``pytest`` run, or one test) it makes the result in
the process, once.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from filelock import FileLock

from evacplan import plan
from evacplan.closures import ClosureAnalysis, analyze
from evacplan.contingency import ContingencyPlan
from evacplan.io import load_scenario

KHARTOUM = Path(__file__).resolve().parent / "contingency" / "khartoum-2023.yaml"
KHARTOUM_CLOSED = ["jeddah-ship", "jeddah", "embassy-assembly"]

T = TypeVar("T")

_made: dict[str, bytes] = {}
"""Per key, the pickle this process made or read."""


def once(factory: pytest.TempPathFactory, key: str, make: Callable[[], T]) -> T:
    """``make()``'s result, made once per run and shared by the workers (a fresh copy each call).

    ``key`` names the result: a file name, unique in the suite.
    """
    if key not in _made:
        _made[key] = _shared(factory, key, make)
    result: T = pickle.loads(_made[key])
    return result


def _shared(factory: pytest.TempPathFactory, key: str, make: Callable[[], Any]) -> bytes:
    base = factory.getbasetemp()
    if not base.name.startswith("popen-gw"):  # not an xdist worker: nobody to share with
        return pickle.dumps(make())
    path = base.parent / f"shared-{key}.pickle"
    with FileLock(f"{path}.lock"):
        if not path.is_file():
            made = pickle.dumps(make())
            path.with_suffix(".part").write_bytes(made)
            path.with_suffix(".part").replace(path)
        return path.read_bytes()


def khartoum_plan(factory: pytest.TempPathFactory) -> ContingencyPlan:
    """Khartoum's plan by default (about 7 s), once per run: test_checks and test_least_harm."""
    return once(factory, "khartoum-plan", lambda: plan(load_scenario(KHARTOUM)))


def khartoum_closures(factory: pytest.TempPathFactory) -> ClosureAnalysis:
    """Khartoum's analysis of three closures (about 20 s), once per run: the report's pages
    (``tests/report/conftest.py``) and ``tests/contingency/test_least_harm.py``'s cases."""
    return once(
        factory,
        "khartoum-closures",
        lambda: analyze(load_scenario(KHARTOUM), closures=KHARTOUM_CLOSED, time_limit=8),
    )
