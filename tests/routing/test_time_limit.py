"""Bounded time: ``time_limit`` stops the flow stages too, and the plan says what it did not prove."""

from __future__ import annotations

import os
import time

import pytest

from evacplan.errors import SolverError
from evacplan.io import load_scenario, read_tntp, seed_path, tntp_path
from evacplan.results import Status
from evacplan.routing import evacuate
from evacplan.routing._clock import _Clock, _fork_map, _within
from tests.routing.helpers import checked


def _boom() -> None:
    raise ValueError("bad arcs")


def test_work_past_the_budget_is_abandoned() -> None:
    """A forked worker that would run 30 s is dropped when the budget ends: None, not a hang."""
    began = time.perf_counter()
    assert _within(_Clock(0.2), 10**6, time.sleep, 30) is None
    assert time.perf_counter() - began < 20  # generous: the point is that it does not wait 30 s


def test_work_within_the_budget_returns_its_result_and_its_errors() -> None:
    assert _within(_Clock(30), 10**6, sum, [1, 2, 3]) == 6
    assert _within(_Clock(None), 10**6, sum, [4]) == 4  # no limit: in process
    with pytest.raises(SolverError, match="ValueError: bad arcs"):
        _within(_Clock(30), 10**6, _boom)


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def test_jobs_shared_among_forked_workers_come_back_in_order() -> None:
    """Twelve jobs on three workers: each answer in its job's place, worked out in children
    (not here); one worker or one job runs here."""
    answers = _fork_map(_pid_and_square, list(range(12)), 3)
    assert [a for _, a in answers] == [x * x for x in range(12)]
    assert os.getpid() not in {pid for pid, _ in answers}
    assert _fork_map(_pid_and_square, [3, 4], 1) == [(os.getpid(), 9), (os.getpid(), 16)]
    assert _fork_map(_pid_and_square, [5], 4) == [(os.getpid(), 25)]


def test_a_failing_job_in_a_forked_worker_is_a_solver_error() -> None:
    with pytest.raises(SolverError, match="ValueError"):
        _fork_map(lambda _: _boom(), [1, 2, 3], 2)


def test_a_risky_quickest_plan_out_of_time_keeps_its_proven_egress() -> None:
    """20,000 people through the tiny seed's risky roads: the min-cost flow needs about 2 s.

    With 10 ms the egress is still proven (it is found by max flows), the risk
    exposure is not minimised, and the plan says so; it is valid all the same.
    """
    tiny = load_scenario(seed_path("tiny"))
    full = checked(evacuate(tiny, supply={"residence": 20_000}))
    cut = checked(evacuate(tiny, supply={"residence": 20_000}, time_limit=0.01))
    assert full.status is Status.OPTIMAL
    assert cut.status is Status.FEASIBLE
    assert cut.lower_bound_minutes is not None
    assert cut.lower_bound_minutes <= cut.egress_minutes
    assert cut.risk_exposure >= full.risk_exposure
    assert any("time limit ran out" in note for note in cut.notes), cut.notes
    assert sum(m.count for m in cut.movements) == 20_000


def test_a_safest_plan_out_of_time_is_valid_and_says_what_is_unproven() -> None:
    tiny = load_scenario(seed_path("tiny"))
    plan = checked(
        evacuate(
            tiny, supply={"residence": 20_000}, objective="safest", deadline=10**5, time_limit=0.01
        )
    )
    assert plan.status is Status.FEASIBLE
    assert any("time limit ran out" in note for note in plan.notes), plan.notes
    assert sum(m.count for m in plan.movements) == 20_000
    assert plan.egress_minutes <= 10**5


def test_a_plain_network_out_of_time_gives_a_valid_schedule_with_its_gap() -> None:
    """Sioux Falls, 200,000 people, 1-minute steps, no time at all: a max flow's schedule."""
    net = read_tntp(tntp_path("SiouxFalls"))
    plan = checked(
        evacuate(net, supply={"3": 200_000}, safe={"1"}, step_minutes=1, time_limit=1e-6)
    )
    assert plan.status is Status.FEASIBLE
    assert plan.lower_bound_minutes is not None
    assert plan.lower_bound_minutes <= plan.egress_minutes
    assert any("time limit ran out" in note for note in plan.notes), plan.notes
