"""Checks scoped in time, worked by hand on a two-stage post (issue 25).

The post ``city`` at the embassy holds three staff. At 2 h it goes to
reduced (one volunteer leaves); at 20 h it is suspended (the other two
leave). Muster takes 30 minutes, so the stage at 2 h releases its party at
2 h 30 and the stage at 20 h at 20 h 30. A group of 10 citizens is called
forward at the muster point at 10 h. Both places reach the haven in an
hour by the direct road, or in three by the border; the threat
``bridge-down`` closes the direct road from 15 h, so at 20 h 30 the last
two take the long way and are safe at 23 h 30.

Times from the start (00:00 on Sat 1 Jun 2024, +03:00):

======================  ==========  ===========  =============
who                     called      leaves       safe
======================  ==========  ===========  =============
s-03 (stage 0)          2 h 30      2 h 30       3 h 30
citizens (10)           10 h        10 h         11 h
s-01, s-02 (stage 1)    20 h 30     20 h 30      23 h 30 (direct: 21 h 30 when lifted)
======================  ==========  ===========  =============
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from evacplan import ScenarioError, plan
from evacplan.io import load_scenario
from evacplan.models import Check
from evacplan.testing import (
    expect_all_safe,
    expect_departs,
    expect_last_out,
    expect_open,
    expect_parties_whole,
    expect_retained,
    expect_safe,
    expect_survives,
    expect_verified,
    run_check,
    without_threats,
)

SCENARIO = """
name: two-stages
start: "2024-06-01T00:00:00+03:00"
step_minutes: 5
policy: {muster_minutes: 30, last_out_minutes: 600}
places:
  - {id: embassy, kind: post}
  - {id: muster, kind: assembly}
  - {id: border, kind: border}
  - {id: haven, kind: safe_haven}
links:
  - {id: direct, source: embassy, target: haven, minutes: 60, capacity_per_hour: 600}
  - {id: muster-road, source: muster, target: haven, minutes: 60, capacity_per_hour: 600}
  - {id: to-border, source: embassy, target: border, minutes: 120, capacity_per_hour: 600}
  - {id: crossing, source: border, target: haven, minutes: 60, capacity_per_hour: 600}
posts:
  - id: city
    name: Embassy in the city
    place: embassy
    posture: normal
    requirements:
      - {function: head, skill: leadership, minimum: {normal: 1, reduced: 1, minimal: 1}}
      - {function: consular, skill: consular, minimum: {normal: 1, reduced: 1}}
      - {function: security, skill: security, minimum: {normal: 1}}
staff:
  - {id: s-01, post: city, name: Head, category: diplomat, skills: [leadership], location: embassy,
     must_remain: true}
  - {id: s-02, post: city, name: Consul, category: diplomat, skills: [consular], location: embassy}
  - {id: s-03, post: city, name: Guard, category: diplomat, skills: [security], location: embassy,
     volunteer: true}
groups:
  - {id: citizens, category: national, location: muster, count: 10, party_size: 10,
     priority: 1, release: 10h}
threats:
  - {id: bridge-down, at: 15h, links: [direct], closes: true}
decision_points:
  - {id: go-reduced, posture: reduced, posts: [city], at: 2h}
  - {id: close-post, posture: suspended, posts: [city], at: 20h}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("two-stages") / "two-stages.yaml"
    path.write_text(SCENARIO)
    return load_scenario(path)


@pytest.fixture(scope="module")
def cp(scenario: Any) -> Any:
    return plan(scenario)


def test_the_plan_is_the_one_worked_by_hand(cp: Any) -> None:
    assert [(s.minute, s.fired) for s in cp.stages] == [
        (120, ("go-reduced",)),
        (1200, ("close-post",)),
    ]
    assert all(isinstance(s.minute, int) for s in cp.stages)
    safe = {r.person: r.minute for r in cp.accounting() if r.state == "safe" and r.post}
    assert safe == {"s-03": 210, "s-01": 1410, "s-02": 1410}
    citizens = [r.minute for r in cp.accounting() if r.party and r.party.startswith("citizens")]
    assert citizens == [660] * 10


# ---------------------------------------------------------------- 1. within counts from the call


def test_a_group_called_at_10h_and_safe_at_11h_is_safe_within_2h(cp: Any) -> None:
    """Counted from each party's call-forward, not the first stage: the citizens (10 h -> 11 h)
    and s-03 (2 h 30 -> 3 h 30) take an hour, s-01 and s-02 three (20 h 30 -> 23 h 30)."""
    assert expect_all_safe(cp, within="3h")
    late = expect_all_safe(cp, within="2h")
    assert not late
    assert late.offenders == ("s-01", "s-02")  # the citizens are not among them
    assert late.message.splitlines()[0] == (
        "2 people of 13 sent away are not safe within 2 h of their call-forward:"
    )
    assert late.message.splitlines()[1] == (
        "s-01: safe at haven Sat 1 Jun 23:30 +03:00, 3 h after their call-forward "
        "(Sat 1 Jun 20:30 +03:00), 1 h late; route embassy Sat 1 Jun 20:30 -> "
        "border 22:30 -> haven 23:30"
    )
    assert late.details[0]["released"] == 1230 and late.details[0]["minute"] == 1410


def test_within_fails_by_the_minutes_it_is_late(cp: Any) -> None:
    an_hour = expect_all_safe(cp, within="59min")
    assert "citizens" in " ".join(an_hour.offenders) and "s-03" in an_hour.offenders
    assert "citizens/1 (10 people): safe at haven Sat 1 Jun 11:00 +03:00" in an_hour.message
    assert "1 h after their call-forward (Sat 1 Jun 10:00 +03:00), 1 min late" in an_hour.message


def test_by_stays_absolute(cp: Any) -> None:
    assert expect_all_safe(cp, by="23h30m")
    early = expect_all_safe(cp, by="23h")
    assert early.offenders == ("s-01", "s-02")
    assert "not safe by 23h after the start (Sat 1 Jun 23:00 +03:00)" in early.message


# ---------------------------------------------------------------- 2. departs and safe


def test_departs_passes_at_the_departure_minute_and_fails_five_minutes_earlier(cp: Any) -> None:
    assert expect_departs(cp, "s-03", by="2h30m")  # leaves at 2 h 30, safe only at 3 h 30
    early = expect_departs(cp, "s-03", by="2h25m")
    assert not early
    assert early.message.splitlines() == [
        "1 of 1 does not leave by 2h25m after the start (Sat 1 Jun 02:25 +03:00):",
        "s-03 leaves embassy Sat 1 Jun 02:30 +03:00, on their call-forward "
        "(Sat 1 Jun 02:30 +03:00), 5 min late; route embassy Sat 1 Jun 02:30 -> haven 03:30",
    ]
    assert expect_departs(cp, "s-01", "s-02", within="0min")
    assert not expect_departs(cp, "s-01", by="20h")  # called forward at 20 h, musters to 20 h 30


def test_safe_checks_the_arrival(cp: Any) -> None:
    assert expect_safe(cp, "s-03", by="3h30m")
    assert not expect_safe(cp, "s-03", by="3h25m")
    assert expect_safe(cp, "s-01", "s-02", within="3h")
    late = expect_safe(cp, "s-01", within="2h")
    assert late.message.splitlines()[1].startswith(
        "s-01 is safe at haven Sat 1 Jun 23:30 +03:00, 3 h after their call-forward"
    )


def test_a_retained_member_neither_departs_nor_is_safe(scenario: Any) -> None:
    held = plan(scenario.replace(decision_points=scenario.decision_points[:1]))
    for expect in (expect_departs, expect_safe):
        result = expect(held, "s-01")
        assert not result and "s-01 does not leave: retained at embassy" in result.message


# ---------------------------------------------------------------- 3. until and last out


@pytest.mark.parametrize(
    ("until", "holds"),
    [
        (1, True),  # up to stage 1: reduced since 2 h
        ("close-post", True),  # the decision point that fired stage 1
        ("19h55m", True),
        ("20h", True),  # up to 20 h, as up to the stage that begins then
        ("20h05m", False),  # the post is suspended at 20 h
        ("2024-06-01T21:00:00+03:00", False),
        (None, False),  # the end of the plan
    ],
)
def test_until_passes_before_the_post_closes_and_fails_after(
    cp: Any, until: Any, holds: bool
) -> None:
    result = expect_open(cp, "city", "reduced", until=until)
    assert bool(result) is holds, result.message
    if not holds:
        assert result.message.startswith("city is suspended (closed) by ")


def test_until_a_stage_says_which_and_when(cp: Any) -> None:
    words = expect_open(cp, "city", "reduced", until="close-post").message
    assert words.startswith(
        "city stays open at reduced until stage 1, close-post (Sat 1 Jun 20:00 +03:00) with "
        "2 people (s-01, s-02)"
    )
    assert "at normal" in expect_open(cp, "city", "reduced", until=0).message


def test_until_that_names_nothing_is_refused_with_the_nearest(cp: Any) -> None:
    with pytest.raises(ScenarioError) as err:
        expect_open(cp, "city", until="close-pots")
    assert "did you mean 'close-post'?" in str(err.value)


def test_last_out_is_retained_to_the_post_s_last_departures(cp: Any) -> None:
    assert expect_last_out(cp, "s-01", "s-02")
    early = expect_last_out(cp, "s-01", "s-03")
    assert early.offenders == ("s-03",)
    assert early.message.splitlines() == [
        "1 of 2 not among the last out:",
        "s-03 leaves city at stage 0 (Sat 1 Jun 02:00 +03:00), before its last departures "
        "at stage 1 (Sat 1 Jun 20:00 +03:00)",
    ]


# ---------------------------------------------------------------- 4. threats lifted


def test_without_threats_changes_the_plan(scenario: Any, cp: Any) -> None:
    lifted = plan(without_threats(scenario, "bridge-down"))
    safe = {r.person: r.minute for r in lifted.accounting() if r.state == "safe" and r.post}
    assert safe == {"s-03": 210, "s-01": 1290, "s-02": 1290}  # the direct road: 21 h 30
    assert expect_safe(lifted, "s-01", "s-02", within="1h")
    assert not expect_safe(cp, "s-01", "s-02", within="1h")


def test_without_threats_refuses_an_unknown_threat(scenario: Any) -> None:
    with pytest.raises(ScenarioError) as err:
        without_threats(scenario, "bridge-dwn")
    assert "'bridge-dwn' is not a threat" in str(err.value)
    assert "did you mean 'bridge-down'?" in str(err.value)


def test_a_yaml_check_lifts_a_threat(scenario: Any) -> None:
    check = Check.model_validate(
        {
            "id": "if-the-bridge-holds",
            "what_if": {"lift": ["bridge-down"]},
            "safe": ["s-01"],
            "within": "1h",
        }
    )
    assert run_check(scenario, check).passed
    plain = Check.model_validate({"id": "as-planned", "safe": ["s-01"], "within": "1h"})
    assert not run_check(scenario, plain).passed


# ---------------------------------------------------------------- 6. never a bare minute count


def test_no_message_of_any_expectation_is_a_bare_minute_count(scenario: Any, cp: Any) -> None:
    """Every expectation, passing and failing, in clock times and spans only."""
    results = [
        expect_all_safe(cp, within="2h"),
        expect_all_safe(cp, within="3h"),
        expect_all_safe(cp, by=1380),
        expect_all_safe(cp, by="2024-06-01T23:00:00+03:00"),
        expect_departs(cp, "s-01", "s-03", by=150),
        expect_departs(cp, "s-03", within=10),
        expect_safe(cp, "s-01", by=1400),
        expect_safe(cp, "s-03", within="2h"),
        expect_open(cp, "city"),
        expect_open(cp, "city", "minimal", until=600),
        expect_open(cp, "city", "reduced", until="close-post"),
        expect_retained(cp, "s-01"),
        expect_last_out(cp, "s-03"),
        expect_last_out(cp, "s-01"),
        expect_parties_whole(cp),
        expect_verified(cp),
        expect_survives(scenario, close=["to-border"], at=1200),
        expect_survives(scenario, close=["crossing"], at=600, within="1h"),
        expect_survives(scenario, close=["muster-road"], at=0),
    ]
    assert {r.passed for r in results} == {True, False}
    for r in results:
        bare = re.search(r"\bminutes? \d|@\d|\bat \d+\b", r.message)
        assert bare is None, f"{r.name}: {r.message}"


def test_a_scenario_file_check_reads_the_same_keys(scenario: Any) -> None:
    """The YAML keys: within for all_safe, departs and safe; until for open; last_out."""
    data = yaml.safe_load(SCENARIO)
    data["checks"] = [
        {"id": "citizens-quick", "all_safe_within": "3h"},
        {"id": "goes-on-time", "departs": ["s-03"], "by": "2h30m"},
        {"id": "safe-soon", "safe": ["s-01", "s-02"], "within": "3h"},
        {"id": "holds-to-the-end", "open": "city", "posture": "reduced", "until": "close-post"},
        {"id": "head-last", "last_out": ["s-01"]},
    ]
    from evacplan.models import Scenario

    with_checks = Scenario.model_validate(data)
    assert all(run_check(with_checks, c).passed for c in with_checks.checks)
