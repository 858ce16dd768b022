"""Checks over a timeline, on Khartoum and Port-au-Prince (the YAML files beside this one).

The README shows checks a planner writes for this scenario (holding at minimal
until the embassy is suspended, the ambassador among the last out, the family
cut off in Omdurman safe if the bridge holds); they pass here as written
there. A closure is judged beside the plan as written: the family that plan
already cannot reach is not the closure's doing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from evacplan import Scenario
from evacplan.contingency import ContingencyPlan
from evacplan.io import load_scenario
from evacplan.models import Check
from evacplan.testing import expect_survives, run_checks, without_threats
from tests.shared import khartoum_plan

KHARTOUM = Path(__file__).with_name("khartoum-2023.yaml")
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def khartoum() -> Scenario:
    return load_scenario(KHARTOUM)


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> ContingencyPlan:
    return khartoum_plan(tmp_path_factory)


def readme_checks() -> list[dict[str, Any]]:
    """The YAML block of checks the README gives for Khartoum."""
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S)
    (block,) = [b for b in blocks if "holds-until-suspended" in b]
    checks = yaml.safe_load(block)
    assert [c["id"] for c in checks] == [
        "holds-until-suspended",
        "ambassador-last-out",
        "if-the-bridge-holds",
    ]
    return checks


def test_the_readme_checks_for_khartoum_pass(khartoum: Scenario) -> None:
    scenario = khartoum.replace(checks=[Check.model_validate(c) for c in readme_checks()])
    results = run_checks(scenario)
    assert [r.id for r in results] == [c.id for c in scenario.checks]
    assert all(results), [r.report() for r in results if not r]


def test_the_cut_off_family_is_safe_only_if_the_bridge_holds(khartoum: Scenario) -> None:
    check = Check(id="family", safe=["khr-15"], within="24h")
    (result,) = run_checks(khartoum.replace(checks=[check]))
    assert not result
    assert result.report().splitlines() == [
        "FAIL family: 1 of 1 is not safe within 24 h of their call-forward:",
        "     khr-15 does not leave: stranded at omdurman: cut off when omdurman-bridge closes "
        "at Sat 15 Apr 11:00 +02:00; they may leave only from Sun 16 Apr 10:30 +02:00",
    ]


def test_lifting_a_threat_that_a_check_lifts_keeps_the_scenario_valid(
    khartoum: Scenario,
) -> None:
    lifts = Check.model_validate(readme_checks()[2])
    scenario = khartoum.replace(checks=[lifts])
    calm = without_threats(scenario, "omdurman-bridge-closes")
    assert [t.id for t in calm.threats] == ["fighting-in-khartoum", "airport-destroyed"]
    assert calm.checks[0].what_if is not None and calm.checks[0].what_if.lift == ()
    (result,) = run_checks(calm)
    assert result, result.report()


def test_a_closure_is_judged_beside_the_plan_as_written(
    khartoum: Scenario, planned: ContingencyPlan
) -> None:
    stranded = {r.party for r in planned.accounting() if r.state == "stranded"}
    assert stranded == {"khr-15"}  # cut off in the plan as written too
    calm = expect_survives(khartoum, "jeddah-ship", at="24h", baseline=planned)
    assert calm, calm.message
    assert calm.message == (
        "closing jeddah-ship from 24h after the start (Sun 16 Apr 09:00 +02:00): "
        "everyone still gets out and every post holds"
    )
    cut = expect_survives(khartoum, "muster-assembly", at=0, baseline=planned)
    assert cut.message.splitlines() == [
        "closing muster-assembly from the start (Sat 15 Apr 09:00 +02:00) breaks the plan:",
        "230 people of 263 sent away are not safe at all "
        "(5 more cut off in the plan as written too):",
        "nationals-1 (50 parties), nationals-2 (15 parties); 230 people: STRANDED at "
        "nationals-muster: no route to any safe place (link muster-assembly is closed for the "
        "whole scenario)",
    ]
    assert "khr-15" not in cut.offenders and len(cut.offenders) == 65


def test_a_closure_that_breaks_the_post_says_when(
    khartoum: Scenario, planned: ContingencyPlan
) -> None:
    assert all(c.ok for c in planned.last_out["khartoum"])
    broken = expect_survives(khartoum, "gallabat-crossing", at="24h", baseline=planned)
    lines = broken.message.splitlines()
    assert lines[1].startswith(
        "khartoum: last-out breach at Sun 16 Apr 09:00 +02:00: 5 d 23 h to safety, over the "
        "18 h limit; closed then: airport-destroyed, omdurman-bridge-closes, "
        "gallabat-crossing-closed;"
    )
    assert broken.offenders == ("khartoum",)


def test_a_planners_checks_over_time_on_haiti() -> None:
    """Port-au-Prince, March 2024 (``haiti-2024.yaml``, written to try the checks as a planner
    would): four checks hold; the three that fail name a real weakness of the plan."""
    scenario = load_scenario(KHARTOUM.with_name("haiti-2024.yaml"))
    results = {r.id: r for r in run_checks(scenario)}
    assert [i for i, r in results.items() if r] == [
        "everyone-out-within-a-day",
        "ambassador-last-out",
        "deputy-leaves-with-the-first",
        "consul-safe-soon",
    ]
    # The helicopters fly from day 7: until then the minimal team has no way out in 10 h.
    held = results["holds-minimal-until-suspended"].report().splitlines()
    assert held == [
        "FAIL holds-minimal-until-suspended: pap has a last-out breach at Fri 8 Mar 06:00 "
        "-05:00: 2 d 1 h 30 to safety, over the 10 h limit; closed then: airport-closes, "
        "route-8-cut; threats in force: gang-violence"
    ]
    # With Route 8 open, least harm still holds three parties for the helicopter.
    road = results["if-route-8-holds"].report().splitlines()
    assert road[0] == (
        "FAIL if-route-8-holds: 9 people of 60 sent away are not safe within 12 h of their "
        "call-forward:"
    )
    assert len(road) == 4 and all("santo-domingo" in line for line in road[1:])
    # Without the helicopters, only the closure's own breach is reported, not the day-5 one.
    helo = results["helicopters-must-fly"].report().splitlines()
    assert helo[1:] == [
        "     pap: last-out breach at Sun 10 Mar 06:00 -05:00: 7 d 7 h to safety, over the 10 h "
        "limit; closed then: airport-closes, route-8-cut, helo-closed; threats in force: "
        "gang-violence"
    ]
