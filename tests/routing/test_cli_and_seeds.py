"""``evacplan evacuate`` on the command line, and routing the seed scenarios at every step."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from evacplan import drawdown
from evacplan.io import load_scenario, seed_path, tntp_path
from evacplan.models import Scenario
from evacplan.results import Status
from evacplan.routing import evacuate
from tests.routing.helpers import checked


def test_cli_prints_the_schedule_of_a_tntp_network(
    cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    """``evacplan evacuate FILE --supply --safe --step`` prints the plan and exits 0."""
    result = cli(
        "evacuate",
        str(tntp_path("SiouxFalls")),
        "--supply",
        "3=800",
        "--supply",
        "20=400",
        "--safe",
        "1",
        "--safe",
        "13",
        "--step",
        "1",
    )
    assert result.returncode == 0, result.stderr
    assert "optimal" in result.stdout
    assert "safe by minute 17" in result.stdout


def test_cli_evacuates_a_scenario_after_drawdown(
    cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    """``evacplan evacuate SCENARIO`` draws the posts down and routes those who leave."""
    result = cli("evacuate", str(seed_path("tiny")))
    assert result.returncode == 0, result.stderr
    assert "Evacuation plan (quickest, tiny): optimal" in result.stdout


def test_founding_scenario_routes_verify(founding: Scenario) -> None:
    """Everyone in the founding scenario leaving: a verified plan, nobody lost."""
    plan = checked(evacuate(founding, time_limit=5))
    moved = {p for m in plan.movements for p in m.parties}
    stranded = {p for s in plan.stranded for p in s.parties}
    assert moved | stranded | set(plan.standing_down) == {m.id for m in founding.staff}


def test_seed_scenarios_load() -> None:
    """The seeds these tests use are present."""
    assert load_scenario(seed_path("tiny")).name == "tiny"


@pytest.mark.parametrize(("step", "egress"), [(1, 383), (5, 380), (15, 375), (30, 360)])
def test_the_founding_evacuation_is_feasible_and_verified_at_every_step(
    founding: Scenario, step: int, egress: int
) -> None:
    """After the drawdown its tripwires reach, everyone leaving gets out at 1-, 5-, 15- and 30-minute steps.

    At 1-minute steps families larger than a road admits in a minute cross
    it one member after another (they were stranded before); the egress is
    proven at every step.
    """
    parties = drawdown(founding).parties
    plan = checked(evacuate(founding, parties=parties, step_minutes=step, time_limit=10))
    assert plan.status is not Status.INFEASIBLE and not plan.stranded
    assert plan.egress_minutes == plan.lower_bound_minutes == egress
    moved = {p for m in plan.movements for p in m.parties}
    assert moved | set(plan.standing_down) == {p.id for p in parties}
