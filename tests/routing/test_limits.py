"""Bounded memory: a time-expanded network too large for ``max_memory`` is refused before it is built."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.errors import SolverError, TooLargeError
from evacplan.io import read_tntp, tntp_path
from evacplan.models import Network, Scenario
from evacplan.results import Status
from evacplan.routing import EvacuationPlan, evacuate
from evacplan.routing._compile import _compile, _Net
from evacplan.routing._fits import everyone_out_by, least_movements, saved_by
from tests.routing.helpers import checked, network
from tests.routing.test_property import instances


def test_a_network_over_the_budget_is_refused_with_its_size_and_what_to_change() -> None:
    """Sioux Falls, 100,000 people at 1-minute steps, in one mebibyte: a public TooLargeError
    (a SolverError), not a crash, and not a private class."""
    net = read_tntp(tntp_path("SiouxFalls"))
    with pytest.raises(SolverError) as caught:
        evacuate(net, supply={"3": 100_000}, safe={"1"}, step_minutes=1, max_memory="1M")
    assert type(caught.value) is TooLargeError
    assert type(caught.value).__module__ == "evacplan.errors"
    message = str(caught.value)
    for words in ("steps of 1 min", "arcs", "100,000 people", "1.0 MiB", "coarser step_minutes"):
        assert words in message, message


def test_the_same_case_within_the_budget_is_solved() -> None:
    """The refusal is the budget's doing: with room, the same case is optimal and verified."""
    net = read_tntp(tntp_path("SiouxFalls"))
    plan = checked(evacuate(net, supply={"3": 10_000}, safe={"1"}, max_memory="512MiB"))
    assert plan.status == "optimal"


def test_a_deadline_later_than_can_matter_is_planned_only_as_far_as_it_matters(
    founding: Scenario,
) -> None:
    """``safest`` to minute 10^9 is the plan to minute 1,000, with a note: no memory error.

    (A time limit well above the 4 s both take, so that the whole-party MIP's proof does not
    hang on its default 10 s budget on a loaded machine.)"""
    options: dict[str, Any] = {"objective": "safest", "step_minutes": 7, "time_limit": 60}
    near = checked(evacuate(founding, deadline=1000, **options))
    far = checked(evacuate(founding, deadline=1e9, **options))
    assert far.status is Status.OPTIMAL
    assert (far.egress_minutes, far.risk_exposure) == (near.egress_minutes, near.risk_exposure)
    assert any("later than can matter" in n for n in far.notes), far.notes
    assert "least risky way out" in far.proof


def test_the_cli_reports_a_refusal_as_a_message(
    cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    """``--max-memory`` reaches the solver; a refusal exits 1 with the reason in the command
    line's words (its options, not evacuate()'s arguments), no traceback."""
    result = cli(
        "evacuate",
        str(tntp_path("SiouxFalls")),
        "--supply",
        "3=100000",
        "--safe",
        "1",
        "--max-memory",
        "64K",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "over the memory budget of 64.0 KiB (--max-memory)" in result.stderr
    assert "use --step 2 (about 61 movements), or a larger --max-memory" in result.stderr
    assert "step_minutes" not in result.stderr and "max_memory" not in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("budget", [None, "1GiB"])
def test_a_crowd_in_parties_of_one_is_refused_at_once_with_what_to_change(
    budget: str | None,
) -> None:
    """Ten million nationals in parties of one: refused before ten million parties are made
    (it once ran for minutes into 5 GB), naming the group, its size and what to change."""
    from evacplan import plan
    from evacplan.io import load_scenario, seed_path

    crowd = {"id": "city", "location": "residence", "count": 10**7, "category": "national"}
    scenario = load_scenario(seed_path("tiny")).replace(groups=[crowd])
    with pytest.raises(TooLargeError) as caught:
        evacuate(scenario, max_memory=budget)
    message = str(caught.value)
    for words in ("10,000,000 parties", "group 'city'", "parties of 1", "larger party_size"):
        assert words in message, message
    assert ("max_memory" in message) == (budget is not None), message
    with pytest.raises(TooLargeError, match="the 2.0 GiB a plan may take by default"):
        plan(scenario)


def test_a_crowd_in_families_fits_where_parties_of_one_do_not() -> None:
    """The refusal counts parties: within 64 MiB, a crowd of 100,000 in parties of one is
    refused (about 290 MiB of parties), in parties of 1,000 planned."""
    from evacplan.io import load_scenario, seed_path

    crowd = {"id": "city", "location": "residence", "count": 10**5, "category": "national"}
    scenario = load_scenario(seed_path("tiny")).replace(groups=[crowd])
    with pytest.raises(TooLargeError, match="100,000 parties"):
        evacuate(scenario, step_minutes=15, max_memory="64MiB")
    scenario = scenario.replace(groups=[crowd | {"party_size": 1_000}])
    plan = checked(evacuate(scenario, step_minutes=15, max_memory="64MiB"))
    staff = sum(m.party_size for m in scenario.staff if scenario.relocates(m))  # (not the driver)
    everyone = 10**5 + staff
    assert plan.people + sum(s.count for s in plan.stranded) == everyone


def _road() -> Network:
    """One road, 20 minutes and 60 people an hour, to a haven."""
    return network(
        [{"source": "a", "target": "h", "minutes": 20, "capacity_per_hour": 60}], ["a", "h"], ("h",)
    )


def _planned(case: Any) -> tuple[EvacuationPlan, _Net, dict[int, int]]:
    """A random case's plan, its compiled network, and the people it moved by source."""
    net, supply, safe, step = case
    plan = evacuate(net, supply, safe, step_minutes=step)
    compiled = _compile(net, [], step, set(safe))
    index = {p: i for i, p in enumerate(compiled.ids)}
    moved = {index[m.source]: 0 for m in plan.movements}
    for m in plan.movements:
        moved[index[m.source]] += m.count
    return plan, compiled, moved


@pytest.fixture
def unsolvable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Solving the flows (or most_saved's quotas) fails the test: a refusal must come first."""

    def unsolved(*_: Any) -> None:
        raise AssertionError("the flows were solved before the refusal")

    monkeypatch.setattr("evacplan.routing._sources._solve_flows", unsolved)
    monkeypatch.setattr("evacplan.routing._sources._tier_quotas", unsolved)


@pytest.mark.usefixtures("unsolvable")
def test_a_crowd_whose_plan_would_be_millions_of_rows_is_refused_at_once() -> None:
    """Ten million people on a road that takes one a minute: ten million movements (83 s and
    8.4 GB to make), so refused before the flows are solved, with the step at which it fits."""
    with pytest.raises(TooLargeError) as caught:
        evacuate(_road(), {"a": 10**7}, step_minutes=1)
    message = str(caught.value)
    for words in (
        "at least 10,000,000 movements",
        "at most 1 person a step leaves 'a', so the last leave no sooner than 6944 d 10 h 39 in",
        "9.3 GiB",
        "2.0 GiB a plan may take by default",
        "step_minutes=5",
    ):
        assert words in message, message


def test_the_movements_budget_is_max_memory_when_given() -> None:
    """3,000 people one a minute are 3,000 movements, over 2 MB at 1,000 bytes each; the
    refusal names the step that fits, and at that step the plan is made."""
    with pytest.raises(TooLargeError) as caught:
        evacuate(_road(), {"a": 3_000}, step_minutes=1, max_memory=2_000_000)
    message = str(caught.value)
    assert "at least 3,000 movements" in message and "(max_memory)" in message, message
    assert "step_minutes=2 (about 1,500 movements)" in message, message
    plan = checked(evacuate(_road(), {"a": 3_000}, step_minutes=2, max_memory=2_000_000))
    assert len(plan.movements) == 1_500 and plan.people == 3_000


def test_a_narrow_way_into_safety_bounds_the_movements_too() -> None:
    """A wide road out of the residence to a narrow crossing: what sets the bound is the one
    person a minute who reaches the haven, and the refusal says so."""
    net = network(
        [
            {"source": "a", "target": "b", "minutes": 5, "capacity_per_hour": 6_000},
            {"source": "b", "target": "h", "minutes": 5, "capacity_per_hour": 60},
        ],
        ["a", "b", "h"],
        ("h",),
    )
    with pytest.raises(TooLargeError) as caught:
        evacuate(net, {"a": 3_000}, step_minutes=1, max_memory=2_000_000)
    message = str(caught.value)
    assert "at least 3,000 movements" in message, message
    assert "at most 1 a step reach the safe places" in message, message
    assert "no sooner than 2 d 2 h in" in message, message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True))
def test_the_bound_on_movements_is_never_above_a_plan(case: Any) -> None:
    """The refusal's bound is a lower bound: no plan holds fewer movements."""
    plan, compiled, moved = _planned(case)
    least, _ = least_movements(compiled, moved)
    assert len(plan.movements) >= least, (least, plan.movements)


@pytest.mark.parametrize(
    "options",
    [
        {"objective": "most_saved", "deadline": 10**9},
        {"objective": "quickest", "deadline": 10**9},
        {"objective": "safest", "deadline": 3 * 10**7},
    ],
)
@pytest.mark.usefixtures("unsolvable")
def test_a_deadline_that_leaves_nobody_behind_does_not_lift_the_refusal(
    options: dict[str, Any],
) -> None:
    """Ten million on the one road, one a minute, are all out by minute 10,000,022: a
    deadline past it moves everyone, so the same refusal, at once."""
    with pytest.raises(TooLargeError, match="at least 10,000,000 movements"):
        evacuate(_road(), {"a": 10**7}, step_minutes=1, **options)


@pytest.mark.usefixtures("unsolvable")
def test_a_deadline_that_still_moves_millions_is_refused_at_once() -> None:
    """By minute 3,000,000 the road brings some three million of the ten million to safety,
    one a minute: three million movements, refused before the flows with the deadline named
    (it took a minute and gigabytes to plan)."""
    with pytest.raises(TooLargeError) as caught:
        evacuate(_road(), {"a": 10**7}, step_minutes=1, objective="most_saved", deadline=3 * 10**6)
    message = str(caught.value)
    for words in (
        "at least 2,999,978 movements",
        "at least 2,999,978 people can be safe by minute 3,000,000, the deadline",
        "at most 1 a step reach the safe places",
        "step_minutes=2",
    ):
        assert words in message, message


def test_a_deadline_that_leaves_people_behind_is_planned() -> None:
    """By minute 600 the road carries 581 of 3,000: a plan of 581 movements, not a refusal
    of the 3,000 the bound would count without the deadline."""
    plan = checked(
        evacuate(_road(), {"a": 3_000}, step_minutes=1, objective="most_saved", deadline=600)
    )
    assert plan.people == 581 and len(plan.movements) == 581
    assert sum(s.count for s in plan.stranded) == 3_000 - 581


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_everyone_is_out_by_the_minute_found_for_them(case: Any) -> None:
    """The minute that lets a deadline keep the refusal is never before the least egress."""
    plan, compiled, moved = _planned(case)
    by = everyone_out_by(compiled, moved)
    if by is not None and plan.movements:
        assert plan.egress_minutes is not None and plan.egress_minutes <= by, (by, plan)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from([5, 15, 30, 60, 120]))
def test_no_deadline_saves_fewer_than_the_people_found_safe_by_it(case: Any, deadline: int) -> None:
    """The people the refusal counts as safe by a deadline: never more than most_saved saves."""
    net, supply, safe, step = case
    plan = evacuate(net, supply, safe, step_minutes=step, objective="most_saved", deadline=deadline)
    compiled = _compile(net, [], step, set(safe))
    index = {p: i for i, p in enumerate(compiled.ids)}
    found = saved_by(compiled, {index[p]: c for p, c in supply.items()}, deadline)
    assert plan.people >= found, (found, plan.people, plan.stranded)


def test_a_million_in_parties_of_one_is_over_the_default_but_not_a_larger_budget() -> None:
    """A million parties of one (some 3 GB and minutes: 500,000 took 67.5 s) are over the
    2 GiB a plan may take by default; given 4 GiB, the same groups pass the check."""
    from evacplan.io import load_scenario, seed_path
    from evacplan.routing._arguments import groups_fit

    crowd = {"id": "city", "location": "residence", "count": 10**6, "category": "national"}
    scenario = load_scenario(seed_path("tiny")).replace(groups=[crowd])
    with pytest.raises(TooLargeError, match="1,000,000 parties") as caught:
        groups_fit(scenario)
    assert "the 2.0 GiB a plan may take by default" in str(caught.value)
    groups_fit(scenario, 4 << 30)
    groups_fit(scenario.replace(groups=[crowd | {"party_size": 4}]))
