"""Whole parties proven window by window (``routing._windows``), ``least_harm`` above all.

Parties released apart in time, or on parts of the network that share no
road, are solved apart; windows whose schedules share a road at a step are
merged and solved together. The cases below are worked by hand where the
whole-party optimum is worse than the splittable one (so only the MIP can
prove the plan), then compared on random small cases against the MIP over
the whole horizon and against an exact model written apart from the solver
(``test_parties_exact.exact``).
"""

from __future__ import annotations

import math
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evacplan
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.results import Party, Status
from evacplan.routing import _settle, _windows, evacuate
from evacplan.routing._parties import _exact_parties
from tests.routing.helpers import checked
from tests.routing.test_parties_exact import STEP, exact

HAZARD = 0.12
"""An hour not yet safe weighs 0.12, a step 0.01: harm x 100 is risk x 100 plus person-steps."""


def _two_roads() -> Network:
    """Two places, each with its own road of 10 minutes and 60 an hour (5 a step) to safety."""
    return Network(
        places=[
            {"id": "a", "kind": "waypoint"},
            {"id": "b", "kind": "waypoint"},
            {"id": "s", "kind": "safe_haven"},
            {"id": "t", "kind": "safe_haven"},
        ],
        links=[
            {"source": "a", "target": "s", "minutes": 10, "capacity_per_hour": 60},
            {"source": "b", "target": "t", "minutes": 10, "capacity_per_hour": 60},
        ],
    )


def test_parties_released_apart_are_proven_window_by_window() -> None:
    """Three windows (a at 0, a at 600, b at 0), each two families of three on a road of 5 a step.

    Whole, each window's families cross one a step: 3 people arrive at 10
    minutes after release and 3 at 15, 1.25 person-hours; split, 5 would
    arrive at 10 and 1 at 15 (1.08 h). So the splittable bound is missed and
    only the whole-party MIP proves the plan: 3 x 1.25 = 3.75 person-hours.
    """
    parties = [
        Party("a1", 3, "a"),
        Party("a2", 3, "a"),
        Party("late1", 3, "a", release_minute=600),
        Party("late2", 3, "a", release_minute=600),
        Party("b1", 3, "b"),
        Party("b2", 3, "b"),
    ]
    plan = checked(
        evacuate(_two_roads(), parties=parties, step_minutes=STEP, objective="least_harm")
    )
    assert plan.status is Status.OPTIMAL, plan.notes
    assert plan.hours_not_safe == pytest.approx(3.75)
    assert plan.harm == pytest.approx(0.002 * 3.75)
    assert plan.harm_lower_bound == pytest.approx(plan.harm)
    assert "3 windows" in plan.proof
    assert sorted(m.arrival_minute for m in plan.movements) == [10, 10, 15, 15, 610, 615]


def test_windows_that_share_a_road_at_a_step_are_solved_together() -> None:
    """Four families of three at minute 0 and one at minute 10, all on one road of 5 a step.

    Alone, the first window sends a family a step at steps 0 to 3 and the
    second one at step 2: they collide, so they are merged. Together one
    family leaves a step, steps 0 to 4, arriving at 10, 15, 20, 25 and 30
    minutes: 3 x (10 + 15 + 20 + 25 + 30) - 3 x 10 = 270 person-minutes,
    4.5 person-hours (split, 195 minutes: the bound is missed).
    """
    parties = [Party(f"f{i}", 3, "a") for i in range(4)] + [
        Party("later", 3, "a", release_minute=10)
    ]
    plan = checked(
        evacuate(_two_roads(), parties=parties, step_minutes=STEP, objective="least_harm")
    )
    assert plan.status is Status.OPTIMAL, plan.notes
    assert plan.hours_not_safe == pytest.approx(4.5)
    assert plan.egress_minutes == 30
    assert "windows" not in plan.proof


def test_a_window_too_short_for_its_farthest_party_grows_until_it_holds_everyone() -> None:
    """Nine families of three 10 minutes from safety on a road of 5 a step, one 130 minutes away.

    Nine in ten of the draft's arrivals come by step 10, so the window first
    looks to step 15, which the far family cannot reach; it grows by half
    (22, then 33) and is proven: 3 x (10 + 15 + ... + 50) + 3 x 130 = 1,200
    person-minutes, 20 person-hours (split, 960 minutes).
    """
    net = Network(
        places=[
            {"id": "far", "kind": "waypoint"},
            {"id": "near", "kind": "waypoint"},
            {"id": "s", "kind": "safe_haven"},
        ],
        links=[
            {"source": "near", "target": "s", "minutes": 10, "capacity_per_hour": 60},
            {"source": "far", "target": "near", "minutes": 120, "capacity_per_hour": 60},
        ],
    )
    parties = [Party(f"n{i}", 3, "near") for i in range(9)] + [Party("f", 3, "far")]
    asked: list[tuple[Any, ...]] = []
    settle = _settle._exact_whole

    def spy(*args: Any) -> Any:
        asked.append(args)
        return settle(*args)

    with mock.patch.object(_settle, "_exact_whole", spy):
        plan = checked(evacuate(net, parties=parties, step_minutes=STEP, objective="least_harm"))
    assert plan.status is Status.OPTIMAL, plan.notes
    assert plan.hours_not_safe == pytest.approx(20.0)
    assert plan.egress_minutes == 130
    horizons: list[int] = []
    solve = _windows._solve_parties

    def solve_and_note(
        net: Any, parcels: Any, objective: str, horizon: int, *a: Any, **k: Any
    ) -> Any:
        horizons.append(horizon)
        return solve(net, parcels, objective, horizon, *a, **k)

    compiled, chosen, _, _, _, _, deadline, travelled = asked[0][:8]
    with mock.patch.object(_windows, "_solve_parties", solve_and_note):
        again = _windows._solve_windows(compiled, chosen, travelled, 10.0, deadline)
    assert horizons == [15, 22, 33]
    assert again.proven


def test_a_window_whose_best_schedule_ends_past_its_horizon_looks_further() -> None:
    """As above, but the tenth family, at ``mid``, has a way within the first horizon: a road
    of 10 minutes with risk 0.5 a person. Its safe way, 100 minutes to ``near`` and on, costs
    22 steps of hazard (0.22 a person) against 0.52: the window's open end shows that the
    family would rather arrive after step 15, and the horizon grows until it does, at 110
    minutes. Harm: (3 x (10 + 15 + ... + 50) + 3 x 110) person-minutes, 19 person-hours,
    x 0.12 = 2.28. (A model that could not use its open end proved the risky road instead.)
    """
    net = Network(
        places=[
            {"id": "mid", "kind": "waypoint"},
            {"id": "near", "kind": "waypoint"},
            {"id": "s", "kind": "safe_haven"},
        ],
        links=[
            {"source": "near", "target": "s", "minutes": 10, "capacity_per_hour": 60},
            {
                "id": "safe",
                "source": "mid",
                "target": "near",
                "minutes": 100,
                "capacity_per_hour": 60,
            },
            {
                "id": "risky",
                "source": "mid",
                "target": "s",
                "minutes": 10,
                "capacity_per_hour": 60,
                "risk": 0.5,
            },
        ],
    )
    parties = [Party(f"n{i}", 3, "near") for i in range(9)] + [Party("m", 3, "mid")]
    plan = checked(
        evacuate(
            net, parties=parties, step_minutes=STEP, objective="least_harm", hazard_per_hour=HAZARD
        )
    )
    assert plan.status is Status.OPTIMAL, plan.notes
    assert plan.harm == pytest.approx(2.28)
    assert plan.harm_lower_bound == pytest.approx(2.28)
    (mid,) = [m for m in plan.movements if m.parties == ["m"]]
    assert mid.links[0] == "safe" and mid.itinerary[-1].arrive == 110


def test_quickest_looks_past_a_window_s_own_steps_only_when_its_best_schedule_would() -> None:
    """``quickest``: the places of the case above, 18 families of three at ``near`` (on a road of
    10 a step now), one at ``mid`` and one at ``far``, 200 minutes from safety on a road of its
    own (another window), which sets the egress at 200.

    Among the schedules that end by then, the least risk sends the ``mid``
    family the safe way, arriving at 110 minutes, past its window's first
    horizon (step 11: nine in ten of the draft's arrivals come by step 7).
    The window's second pass sees that at its open end, and its horizon grows
    (16, 24 steps) only to what the family needs, not to the far window's 40.
    """
    net = Network(
        places=[
            {"id": "mid", "kind": "waypoint"},
            {"id": "near", "kind": "waypoint"},
            {"id": "far", "kind": "waypoint"},
            {"id": "s", "kind": "safe_haven"},
            {"id": "t", "kind": "safe_haven"},
        ],
        links=[
            {"source": "near", "target": "s", "minutes": 10, "capacity_per_hour": 120},
            {"id": "safe", "source": "mid", "target": "near", "minutes": 100, "capacity_per_hour": 60},
            {"id": "risky", "source": "mid", "target": "s", "minutes": 10, "capacity_per_hour": 60, "risk": 0.5},
            {"source": "far", "target": "t", "minutes": 200, "capacity_per_hour": 60},
        ],
    )  # fmt: skip
    parties = [Party(f"n{i}", 3, "near") for i in range(18)]
    parties += [Party("m", 3, "mid"), Party("f", 3, "far")]
    asked: list[tuple[Any, ...]] = []
    settle = _settle._exact_whole

    def spy(*args: Any) -> Any:
        asked.append(args)
        return settle(*args)

    with mock.patch.object(_settle, "_exact_whole", spy):
        plan = checked(evacuate(net, parties=parties, step_minutes=STEP, objective="quickest"))
    assert plan.status is Status.OPTIMAL, plan.notes
    assert plan.egress_minutes == 200 and plan.risk_exposure == 0
    (mid,) = [m for m in plan.movements if m.parties == ["m"]]
    assert mid.links[0] == "safe" and mid.itinerary[-1].arrive == 110
    assert "2 windows" in plan.proof

    horizons: list[tuple[int, Any]] = []
    solve = _windows._solve_parties

    def solve_and_note(net: Any, parcels: Any, objective: str, horizon: int, *a: Any, **k: Any):
        horizons.append((horizon, k.get("open_end", False)))
        return solve(net, parcels, objective, horizon, *a, **k)

    compiled, chosen, order, horizon, _, _, deadline, travelled = asked[0][:8]
    with mock.patch.object(_windows, "_solve_parties", solve_and_note):
        _windows._solve_windows(compiled, chosen, travelled, 10.0, deadline, order, horizon)
    # First passes (the egress) to each window's last arrival in the draft; second passes
    # (risk, arrivals) from the near window's first horizon, open-ended, and the far one's.
    assert horizons == [(22, False), (40, False), (11, True), (16, True), (24, True), (40, False)]


def test_the_founding_seed_s_plan_is_proven_optimal(founding: Scenario) -> None:
    """plan() on the founding seed, with its default time limits: optimal, its harm at its bound.
    Its two waves' least-harm flows are found apart (``routing._waves``), and the parties'
    schedule swept from them meets the bound: no whole-party MIP is needed (before waves, the
    MIP proved it window by window, Baghdad and Tehran apart in the first)."""
    cp = evacplan.plan(founding)
    ev = cp.evacuation
    assert cp.status is Status.OPTIMAL and ev.status is Status.OPTIMAL, cp.notes
    assert ev.harm == pytest.approx(ev.harm_lower_bound)
    assert ev.egress_minutes == ev.lower_bound_minutes
    assert "released in 2 waves" in ev.proof
    assert not cp.verify()


def _whole_horizon(
    net: Any,
    chosen: Any,
    order: str,
    horizon: int,
    seconds: float,
    bound: Any,
    deadline: int | None,
    travelled: Any,
    least: Any = (),
) -> Any:
    """The whole-party MIP as it was before windows: one model to ``horizon`` (open-ended for
    ``least_harm``), not on the least-harm flows' faces."""
    open_end = order == "least_harm" and horizon != deadline
    return _exact_parties(net, chosen, order, horizon, seconds, bound, open_end=open_end)


@st.composite
def waves(draw: st.DrawFn) -> tuple[Network, list[Party], set[str], list[ThreatEvent]]:
    """Up to five places, one narrow link per pair (p1 to safety always), two to five families
    of two to four in up to four waves: families that cannot share a step's room."""
    n = draw(st.integers(2, 5))
    names = [f"p{i}" for i in range(n)]
    pairs = [(a, b) for a in names for b in names if a < b]
    others = pairs[1:]  # (pairs[0] is p0-p1)
    chosen = [pairs[0]] + (
        draw(st.lists(st.sampled_from(others), max_size=len(others), unique=True)) if others else []
    )
    links = [
        {
            "id": f"{a}-{b}",
            "source": b,
            "target": a,
            "minutes": draw(st.sampled_from([5, 10, 20])),
            "capacity_per_hour": draw(st.sampled_from([60, 90])),
            "risk": draw(st.sampled_from([0, 0.1, 0.5])),
            "two_way": draw(st.booleans()),
        }
        for a, b in chosen
    ]
    net = Network(places=[{"id": p, "kind": "waypoint"} for p in names], links=links)
    parties = [
        Party(
            f"f{i}",
            draw(st.integers(2, 4)),
            draw(st.sampled_from(names[1:])),
            release_minute=draw(st.sampled_from([0, 5, 20, 60])),
        )
        for i in range(draw(st.integers(2, 5)))
    ]
    threats = (
        [ThreatEvent(id="t", at=draw(st.sampled_from([10, 30])), places=("p1",), risk=0.3)]
        if draw(st.booleans())
        else []
    )
    return net, parties, {"p0"}, threats


def _figures(plan: Any, objective: str) -> tuple[int, int, int]:
    """The plan's figures in ``objective``'s order, as the reference counts them: harm and risk
    x 100, arrivals and egress in minutes."""
    arrivals = sum(m.count * m.arrival_minute for m in plan.movements)
    risk, egress = round(plan.risk_exposure * 100), plan.egress_minutes
    if objective == "least_harm":
        return round(plan.harm * 100), arrivals, egress
    return (risk, egress, arrivals) if objective == "safest" else (egress, risk, arrivals)


HORIZON = 48
"""Steps the reference looks ahead (and ``safest``'s deadline)."""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves(), st.sampled_from(["least_harm", "least_harm", "quickest", "safest"]))
def test_windows_reach_the_whole_horizon_model_s_optimum(
    case: tuple[Network, list[Party], set[str], list[ThreatEvent]], objective: str
) -> None:
    """Window by window and over the whole horizon, the same figures whenever both are proven;
    never better than the exact reference, equal to it when proven."""
    net, parties, safe, threats = case
    deadline = HORIZON * STEP if objective == "safest" else None

    def run() -> Any:
        return checked(
            evacuate(
                net,
                parties=parties,
                safe=safe,
                threats=threats,
                step_minutes=STEP,
                objective=objective,
                deadline=deadline,
                hazard_per_hour=HAZARD,
                time_limit=20,
            )
        )

    windows = run()
    with mock.patch.object(_settle, "_exact_whole", _whole_horizon):
        whole = run()
    if windows.stranded or whole.stranded:
        assert [s.count for s in windows.stranded] == [s.count for s in whole.stranded]
        return
    mine, theirs = _figures(windows, objective), _figures(whole, objective)
    if whole.status is Status.OPTIMAL:
        assert windows.status is Status.OPTIMAL, windows.notes
    if windows.status is Status.OPTIMAL and whole.status is Status.OPTIMAL:
        assert mine == theirs
    if windows.egress_minutes <= HORIZON * STEP:
        best = exact(net, parties, safe, threats, objective, deadline, HORIZON)
        assert best is not None
        assert mine >= best
        if windows.status is Status.OPTIMAL:
            assert mine == best, (mine, best, windows.proof)
    if objective == "least_harm":
        assert math.isclose(windows.harm_lower_bound, whole.harm_lower_bound, abs_tol=1e-9)
