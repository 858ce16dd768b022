"""plan() on timelines worked out by hand on the tiny seed: who leaves when, and why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from evacplan import plan
from evacplan.contingency import ContingencyPlan
from evacplan.errors import ScenarioError
from evacplan.models import Scenario, ThreatEvent
from evacplan.results import Status


def checked(cp: ContingencyPlan) -> ContingencyPlan:
    """The plan, after asserting that its independent check finds nothing wrong."""
    assert cp.verify() == [], cp.verify()
    return cp


def two_stages(tiny: Scenario, **policy: Any) -> Scenario:
    """The tiny seed with a reduced stage at 12 h before its minimal stage at 24 h."""
    points = [
        {"id": "go-reduced", "posture": "reduced", "posts": ["capital"], "at": "12h"},
        *(p.model_dump(exclude_none=True) for p in tiny.decision_points),
    ]
    return tiny.replace(decision_points=points, policy={**tiny.policy.model_dump(), **policy})


def by_id(cp: ContingencyPlan, stage: int) -> dict[str, Any]:
    return {p.id: p for p in cp.stages[stage].parties}


def test_two_stages_release_dependants_first_then_staff(tiny: Scenario) -> None:
    """Reduced at 12 h: three stay, dependants and two staff leave; minimal at 24 h: cap-02 alone.

    At reduced the capital keeps head of mission, one crypto and one consular
    officer (cap-01, cap-03 and cap-02); the retained staff's dependants leave
    as their own parties; cap-04 (with 3 dependants) and cap-05 leave;
    cap-06, locally engaged, stands down. At minimal the consular slot goes,
    so cap-02 leaves, alone: the dependants left at 12 h.
    """
    cp = checked(plan(two_stages(tiny)))
    assert [(s.minute, s.fired) for s in cp.stages] == [
        (720.0, ("go-reduced",)),
        (1440.0, ("go-minimal",)),
    ]
    assert cp.stages[0].retained == {"capital": ["cap-01", "cap-02", "cap-03"]}
    first = by_id(cp, 0)
    assert {k: (p.size, p.release_minute, p.relocate) for k, p in first.items()} == {
        "cap-01/dependants": (1, 780.0, True),
        "cap-02/dependants": (2, 780.0, True),
        "cap-04": (4, 780.0, True),
        "cap-05": (1, 780.0, True),
        "cap-06": (1, 780.0, False),
    }
    assert cp.stages[1].retained == {"capital": ["cap-01", "cap-03"]}
    second = by_id(cp, 1)
    assert {k: (p.size, p.release_minute) for k, p in second.items()} == {"cap-02": (1, 1500.0)}
    assert cp.status is Status.OPTIMAL


def test_the_muster_time_is_the_policy_s(tiny: Scenario) -> None:
    cp = checked(plan(two_stages(tiny, muster_minutes=15)))
    assert {p.release_minute for p in cp.stages[0].parties} == {735.0}
    assert all(m.departure_minute >= 735 for m in cp.evacuation.movements if m.source != "haven")


def test_every_person_ends_in_exactly_one_state(tiny: Scenario) -> None:
    cp = checked(plan(two_stages(tiny)))
    rows = {r.person: r for r in cp.accounting()}
    assert len(rows) == 6 + 1 + 2 + 3  # six staff and six dependants
    assert rows["cap-01"].state == rows["cap-03"].state == "retained"
    assert rows["cap-01"].route[0] == "embassy" and rows["cap-01"].route[-1] == "haven"
    assert cp.stages[1].when == tiny.start + timedelta(minutes=1440)
    assert rows["cap-06"].state == "standing_down"
    assert rows["cap-02"].state == "safe" and rows["cap-02"].party == "cap-02"
    assert rows["cap-02/dependant-2"].party == "cap-02/dependants"
    assert all(rows[f"cap-04/dependant-{n}"].state == "safe" for n in (1, 2, 3))
    assert rows["cap-02"].minute > rows["cap-02/dependant-1"].minute


def test_a_closure_catches_people_on_the_road(tiny: Scenario) -> None:
    """The border crossing shuts from minute 900 to 1000: those on the desert road wait at it.

    (Quickest: under least_harm, waiting at the border and waiting at home weigh the same.)
    """
    shut = ThreatEvent(id="crossing-shut", at=900, until=1000, links=("crossing",), closes=True)
    scenario = two_stages(tiny).replace(threats=[*tiny.threats, shut])
    cp = checked(plan(scenario, objective="quickest"))
    crossed = [
        (m, i)
        for m in cp.evacuation.movements
        for i, key in enumerate(m.links)
        if key == "crossing"
    ]
    assert crossed
    for m, i in crossed:
        assert not 900 <= m.itinerary[i].leave < 1000, m
    waited = [m for m, i in crossed if m.itinerary[i].arrive < 1000 <= m.itinerary[i].leave]
    assert waited, "someone reached the border while it was shut and waited there"


def test_an_indicator_fires_only_when_named(tiny: Scenario) -> None:
    points = [
        *(p.model_dump(exclude_none=True) for p in tiny.decision_points),
        {"id": "crowds", "posture": "suspended", "indicator": "crowds at the gate"},
    ]
    scenario = tiny.replace(decision_points=points)
    quiet = checked(plan(scenario))
    assert [s.fired for s in quiet.stages] == [("go-minimal",)]
    fired = checked(plan(scenario, indicators={"crowds": "30h"}))
    assert [(s.minute, s.fired) for s in fired.stages] == [
        (1440.0, ("go-minimal",)),
        (1800.0, ("crowds",)),
    ]
    assert fired.stages[1].postures["capital"] == "suspended"
    assert fired.stages[1].retained == {}
    assert {r.state for r in fired.accounting()} == {"safe", "standing_down"}
    assert {p.id for p in fired.stages[1].parties} == {"cap-01", "cap-03"}


def test_a_posture_never_falls(tiny: Scenario) -> None:
    points = [
        *(p.model_dump(exclude_none=True) for p in tiny.decision_points),
        {"id": "all-clear", "posture": "reduced", "posts": ["capital"], "at": "30h"},
    ]
    cp = checked(plan(tiny.replace(decision_points=points)))
    assert [s.postures["capital"] for s in cp.stages] == ["minimal", "minimal"]
    assert cp.stages[1].parties == ()
    assert any("all-clear" in n and "held" in n for n in cp.notes), cp.notes


def test_a_last_out_breach_is_named_with_its_cause(tiny: Scenario) -> None:
    """Every way out of the embassy shut when the capital goes minimal: no way out, and why."""
    shut = ThreatEvent(
        id="embassy-cut-off", at="23h", places=("embassy",), closes=True, description="riots"
    )
    cp = checked(plan(tiny.replace(threats=[*tiny.threats, shut])))
    (check,) = cp.last_out["capital"]
    assert not check.ok and check.minutes is None
    assert "no way out" in check.cause and "embassy-cut-off" in check.cause
    assert cp.breaches == [check]
    assert "1 breach in 1 check" in cp.summary()


def test_a_slow_way_out_breaches_the_policy_s_limit(tiny: Scenario) -> None:
    cp = checked(plan(tiny.replace(policy={"last_out_minutes": 60})))
    (check,) = cp.last_out["capital"]
    assert check.minutes is not None and check.minutes > 60
    assert not check.ok and "over the 1 h limit" in check.cause


def test_a_way_out_the_plan_s_own_traffic_fills_is_named_as_such(tiny: Scenario) -> None:
    """The desert road at 3 an hour (one person every 20 minutes) and a 200-minute last-out
    limit, no muster: the people leaving at 24 h take the road first, and the two retained
    would be out in 6 h 05. On empty roads they enter at 15 and 35 minutes and cross in 120
    and 30: out in 185 minutes (3 h 05), in time. The cause says so, where it once named
    only the threats in force."""
    links = [link.model_dump(exclude_none=True) for link in tiny.links]
    for link in links:
        if link["id"] == "desert-road":
            link["capacity_per_hour"] = 3
    policy = {**tiny.policy.model_dump(), "last_out_minutes": 200, "muster_minutes": 0}
    cp = checked(plan(tiny.replace(links=links, policy=policy)))
    (check,) = cp.last_out["capital"]
    assert not check.ok and check.minutes == 365
    assert check.cause.startswith("6 h 05 to safety, over the 3 h 20 limit")
    assert check.cause.endswith(
        "on empty roads they would be out in 3 h 05 (via border -> haven): "
        "the evacuation's own traffic takes that room"
    )


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"indicators": {"crowd": "1h"}}, "indicators['crowd']", "is not a decision point"),
        ({"indicators": {"go-minimal": "1h"}}, "indicators['go-minimal']", "no indicator"),
        ({"indicators": ["crowds"]}, "indicators", "mapping"),
        ({"objective": "fastest"}, "objective", "'quickest'"),
        ({"objective": "safest"}, "deadline", "needs a deadline"),
        ({"time_limit": 0}, "time_limit", "above 0"),
        ({"workers": 0}, "workers", ">= 1"),
    ],
)
def test_bad_arguments_are_refused_with_their_path(
    tiny: Scenario, kwargs: dict[str, Any], path: str, words: str
) -> None:
    points = [
        *(p.model_dump(exclude_none=True) for p in tiny.decision_points),
        {"id": "crowds", "posture": "suspended", "indicator": "crowds at the gate"},
    ]
    with pytest.raises(ScenarioError) as err:
        plan(tiny.replace(decision_points=points), **kwargs)
    assert str(err.value).startswith("invalid arguments to plan():")
    assert any(p.path == path and words in p.message for p in err.value.problems), str(err.value)


def test_verify_catches_a_tampered_plan(tiny: Scenario) -> None:
    import dataclasses

    cp = checked(plan(two_stages(tiny)))
    late = dataclasses.replace(
        cp.stages[1],
        parties=tuple(dataclasses.replace(p, release_minute=9999) for p in cp.stages[1].parties),
    )
    tampered = dataclasses.replace(cp, stages=[cp.stages[0], late])
    rules = {v.rule for v in tampered.verify()}
    assert {"release", "accounted"} <= rules
    back = dataclasses.replace(
        cp.stages[1], retained={"capital": [*cp.stages[1].retained["capital"], "cap-04"]}
    )
    assert "monotone" in {
        v.rule for v in dataclasses.replace(cp, stages=[cp.stages[0], back]).verify()
    }


def test_a_last_out_team_stays_until_its_post_s_last_stage(tiny: Scenario) -> None:
    """cap-05 (consular) is on the last-out team: kept at reduced, free to go at minimal."""
    staff = [m.model_copy(update={"last_out": m.id == "cap-05"}) for m in tiny.staff]
    cp = checked(plan(two_stages(tiny).replace(staff=staff)))
    assert "cap-05" in cp.stages[0].retained["capital"]
    assert "cap-05" not in by_id(cp, 0)
    assert by_id(cp, 1)["cap-05"].release_minute == 1500.0
    assert "cap-05" not in cp.stages[1].retained["capital"]


def test_too_few_extraction_seats_make_the_stage_infeasible_with_the_rule_named(
    tiny: Scenario,
) -> None:
    """The capital's lift seats one, but minimal keeps at least two: no plan, and why."""
    post = tiny.posts[0].model_copy(update={"extraction_seats": 1})
    cp = plan(tiny.replace(posts=[post]))
    assert cp.status is Status.INFEASIBLE
    stage = cp.stages[0]
    assert stage.drawdown is not None
    assert any(c.rule == "extraction-seats" for c in stage.drawdown.conflicts)
    assert stage.parties == ()  # nobody is sent away by a drawdown that has no plan
    assert any("cannot hold minimal" in n for n in cp.notes), cp.notes
    assert cp.verify() == []


def test_a_timeline_where_nothing_fires_keeps_everyone_and_says_so(tiny: Scenario) -> None:
    cp = checked(plan(tiny.replace(decision_points=())))
    assert cp.stages == [] and cp.evacuation.movements == []
    assert {r.state for r in cp.accounting()} == {"retained"}
    assert "not checked: no stage fired" in cp.summary()


def test_the_time_limit_bounds_the_whole_plan_and_a_cut_solve_says_so() -> None:
    """40 posts of 80 staff drawn down twice, then one schedule of 3,200 people: unbounded,
    the whole-party schedule runs for seconds; with a second for the whole call, every solve
    gets its share, the plan is feasible (not proven) and says what was cut, and it verifies.
    (Wall time is measured in benchmarks/bench_plan.py, not asserted here.)"""
    from evacplan._generate import generate_scenario
    from evacplan.contingency import _plan
    from evacplan.models import DecisionPoint

    big = generate_scenario(40, 80, seed=1).replace(
        decision_points=[
            DecisionPoint(id="reduce", posture="reduced", at=60),
            DecisionPoint(id="minimal", posture="minimal", at=600),
        ]
    )
    shares: list[float | None] = []
    real = _plan._share

    def spy(started: float, limit: float | None, ways: int, *, keep: float = 0.0) -> float | None:
        shares.append(real(started, limit, ways, keep=keep))
        return shares[-1]

    _plan._share = spy  # type: ignore[assignment]
    try:
        cp = plan(big, time_limit=1.0)
    finally:
        _plan._share = real  # type: ignore[assignment]
    assert len(shares) == 3  # two drawdowns and the joint schedule
    assert shares[0] is not None and shares[0] <= 1.0 / 3 + 1e-9  # the first of three ways
    assert all(s is not None and s <= 1.0 for s in shares)
    assert shares[-1] is not None and shares[-1] <= 0.9  # a tenth kept for the last-out checks
    assert cp.status == "feasible"
    assert any("not proven best" in n or "time limit" in n for n in cp.evacuation.notes)
    assert cp.verify() == []
