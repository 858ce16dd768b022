"""How sure a plan is (issue 28): ``simulate`` against cases worked out by hand.

With nothing uncertain every run is the plan itself, arrival for arrival, on
random networks with services, gates, windows, parties crossing over several
steps and releases. With a known distribution (a triangular travel factor, a
uniform lateness) the clearance times follow it within sampling error. A
missed flight takes the next with room; a narrow road queues first come,
first served; a closure that never lifts leaves people not safe. The same
seed gives the same answer on any executor; bad arguments are named.
"""

from __future__ import annotations

import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.errors import ScenarioError
from evacplan.models import Network
from evacplan.results import Party
from evacplan.routing import EvacuationPlan, evacuate
from evacplan.uncertainty import simulate
from tests.routing.helpers import checked, network
from tests.routing.test_property import instances
from tests.routing.test_windows import waves


def _road(minutes: float = 60, per_hour: float = 60) -> Network:
    return network(
        [
            {
                "id": "road",
                "source": "home",
                "target": "out",
                "minutes": minutes,
                "capacity_per_hour": per_hour,
            }
        ],
        ["home", "out"],
        safe=("out",),
    )


def _arrivals(plan: EvacuationPlan) -> Counter[tuple[int, int]]:
    """(minute, people) of the plan's arrivals at safety."""
    return Counter(
        (int(a), int(n))
        for a, n in zip(plan.movements.arrival_minute, plan.movements.people, strict=True)
    )


def _reproduced(plan: EvacuationPlan) -> None:
    """One run with nothing uncertain is the plan: every party and every person arrives when
    the plan says."""
    sim = simulate(plan, runs=2, seed=3)
    planned = {p: float(m.arrival_minute) for m in plan.movements for p in m.parties}
    for run in range(2):
        got = dict(zip(sim.party_ids, sim.party_arrival[run].tolist(), strict=True))
        assert got == {p: planned[p] for p in got}
        minutes, people = sim._arrivals[run]
        assert Counter(zip(minutes.tolist(), people.tolist(), strict=True)).total() >= 0
        by_minute: Counter[int] = Counter()
        for m, n in zip(minutes.tolist(), people.tolist(), strict=True):
            by_minute[m] += n
        planned_minutes: Counter[int] = Counter()
        for m, n in _arrivals(plan).elements():
            planned_minutes[m] += n
        assert by_minute == planned_minutes
    egress = float(plan.egress_minutes or 0)
    assert sim.egress_quantiles == {50: egress, 90: egress, 95: egress}
    assert sim.not_safe.sum() == 0 and sim.binding() == []


# ------------------------------------------------------------ no uncertainty


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True))
def test_with_nothing_uncertain_every_run_is_the_plan(case: Any) -> None:
    """Services, gates, windows and plain counts that split over routes."""
    net, supply, safe, step = case
    _reproduced(checked(evacuate(net, supply=supply, safe=safe, step_minutes=step)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves(), st.sampled_from(["quickest", "least_harm"]))
def test_with_nothing_uncertain_parties_arrive_as_planned(case: Any, objective: str) -> None:
    """Parties released in waves on narrow roads, some crossing a link over several steps."""
    net, parties, safe, threats = case
    plan = checked(
        evacuate(
            net, parties=parties, safe=safe, threats=threats, step_minutes=5, objective=objective
        )
    )
    _reproduced(plan)


def test_the_founding_plan_is_reproduced_run_for_run(founding_plan: Any) -> None:
    _reproduced(founding_plan.evacuation)
    sim = simulate(founding_plan, runs=3)
    assert sim.p_safe_by(founding_plan.evacuation.egress_minutes) == 1.0


@pytest.fixture(scope="module")
def founding_plan(founding: Any) -> Any:
    from evacplan import plan

    return plan(founding)


# ------------------------------------------------------- known distributions


def test_a_triangular_travel_factor_gives_its_quantiles() -> None:
    """One person, one 60-minute road, factor triangular(1, 1, 2): P(T <= t) = 1 - (2 - t/60)^2.

    The median is 60 x (2 - sqrt(1/2)) = 77.6 and the 95th percentile 60 x (2 - sqrt(0.05))
    = 106.6, each rounded up to the minute grid (78 and 107) within a step of sampling error.
    """
    plan = evacuate(_road(), supply={"home": 1}, step_minutes=1)
    assert plan.egress_minutes == 60
    sim = simulate(plan, runs=4000, seed=11, travel_factor=(1, 1, 2))
    q = sim.egress_quantiles
    assert abs(q[50] - 78) <= 1 and abs(q[95] - 107) <= 1
    for t in (70, 78, 90, 107, 115):
        exact = 1 - (2 - t / 60) ** 2
        assert abs(sim.p_safe_by(t) - exact) < 4 * math.sqrt(exact * (1 - exact) / 4000) + 1e-9
    assert sim.egress.min() >= 60 and sim.egress.max() <= 120


def test_late_arrivals_are_uniform_up_to_their_bound() -> None:
    """Half the parties are late by up to 60 minutes: one party on a 60-minute road is safe at
    60 in half the runs, and by 60 + t in (1 + t/60) / 2 of them."""
    plan = evacuate(_road(), parties=[Party("a", 1, "home")], step_minutes=1)
    sim = simulate(plan, runs=4000, seed=5, late=(0.5, "1h"))
    for t, exact in ((0, 0.5), (15, 0.625), (30, 0.75), (60, 1.0)):
        sd = math.sqrt(exact * (1 - exact) / 4000)
        assert abs(sim.p_safe_by(60 + t) - exact) <= 4 * sd + 1 / 120
    assert sim.egress.max() <= 120
    assert sim.party_odds(slack=0)[0].p_on_time == pytest.approx(0.5, abs=0.03)


def test_people_who_never_come_are_counted_apart() -> None:
    parties = [Party(f"p{i}", 2, "home") for i in range(10)]
    plan = evacuate(_road(per_hour=600), parties=parties, step_minutes=1)
    sim = simulate(plan, runs=500, seed=2, no_show="20%")
    assert sim.no_show.mean() == pytest.approx(4.0, abs=0.3)  # 20% of 10 parties of 2
    assert np.isnan(sim.party_arrival).mean() == pytest.approx(0.2, abs=0.02)
    assert sim.not_safe.sum() == 0 and np.isfinite(sim.egress).all()


# -------------------------------------------------------- queues and seats


def _airport(departures: list[int], seats: int, slow: float | None = None) -> Network:
    """A 30-minute road from home to the airport and a 60-minute flight on to the haven (and,
    with ``slow``, a road of that many minutes from the airport to the haven beside it)."""
    links = [
        {
            "id": "road",
            "source": "home",
            "target": "airport",
            "minutes": 30,
            "capacity_per_hour": 600,
        },
        {
            "id": "flight",
            "source": "airport",
            "target": "haven",
            "minutes": 60,
            "seats": seats,
            "departures": departures,
        },
    ]
    if slow is not None:
        links.append(
            {
                "id": "slow",
                "source": "airport",
                "target": "haven",
                "minutes": slow,
                "capacity_per_hour": 60,
            }
        )
    return network(links, ["home", "airport", "haven"], safe=("haven",))


def test_a_missed_flight_takes_the_next_one_with_room() -> None:
    """One seat at 60, 120, 180 and 240; three people, each leaving home 30 minutes before
    their flight (60, 120, 180). The road is closed until minute 45: the first leaves at 45,
    reaches the airport at 75, after their flight. The 120 and 180 are full (their people come
    on time and keep their seats): they take the 240, safe at 300; the others as planned."""
    plan = evacuate(
        _airport([60, 120, 180, 240], 1),
        parties=[Party(f"p{i}", 1, "home") for i in range(3)],
        step_minutes=5,
    )
    planned = {p: m.arrival_minute for m in plan.movements for p in m.parties}
    assert sorted(planned.values()) == [120, 180, 240]
    first = min(planned, key=planned.__getitem__)
    sim = simulate(plan, runs=1, closures=[{"links": ["road"], "at": 0, "until": 45}])
    got = dict(zip(sim.party_ids, sim.party_arrival[0].tolist(), strict=True))
    assert got == {**planned, first: 300}
    flight = next(b for b in sim.binding() if b.link == "flight")
    assert flight.service and flight.missed == 1 and flight.share == 1
    assert flight.waited_hours == pytest.approx((240 - 75) / 60)
    assert "1.0 people a run miss their departure" in str(flight)


def test_everyone_slower_misses_their_flights_and_fills_the_later_ones() -> None:
    """Two seats at 60, 120, 180; the plan flies two at 60 and one at 120. Every trip three
    times as long: the two leaving home at 30 reach the airport at 120 and take the 120's
    seats; the third, leaving at 90, reaches it at 180 and takes the 180. Flights of 180."""
    plan = evacuate(
        _airport([60, 120, 180], 2),
        parties=[Party(f"p{i}", 1, "home") for i in range(3)],
        step_minutes=5,
    )
    sim = simulate(plan, runs=1, travel_factor=(3, 3, 3))
    assert sorted(sim.party_arrival[0].tolist()) == [300, 300, 360]
    assert sim.missed.sum() == 3


def test_people_who_miss_the_last_departure_are_not_safe() -> None:
    plan = evacuate(_airport([60], 3), parties=[Party("a", 1, "home")], step_minutes=5)
    sim = simulate(plan, runs=1, travel_factor=(3, 3, 3))
    assert math.isinf(sim.egress[0]) and sim.not_safe[0] == 1
    assert sim.p_safe_by("1000h") == 0.0
    assert sim.stuck.sum() == 1
    assert "never reaches safety" in sim.summary()


def test_a_narrow_road_queues_first_come_first_served() -> None:
    """A 10-minute road letting one person a minute; three parties ready at 0, planned at 0,
    1, 2. The road is closed from minute 0 to 30 in every run: all three queue and enter at
    30, 31, 32 in the plan's order, safe at 40, 41, 42."""
    plan = evacuate(
        _road(10, 60), parties=[Party(f"p{i}", 1, "home") for i in range(3)], step_minutes=1
    )
    assert sorted(m.arrival_minute for m in plan.movements for _ in m.parties) == [10, 11, 12]
    closure = {"links": ["road"], "at": 0, "until": 30, "probability": 1}
    sim = simulate(plan, runs=1, closures=[closure])
    arrive = dict(zip(sim.party_ids, sim.party_arrival[0].tolist(), strict=True))
    planned = {p: float(m.arrival_minute) for m in plan.movements for p in m.parties}
    assert sorted(arrive.values()) == [40, 41, 42]
    assert sorted(arrive, key=arrive.__getitem__) == sorted(planned, key=planned.__getitem__)
    (road,) = sim.binding()
    # each queued from their planned departure (0, 1, 2) to their entry (30, 31, 32)
    assert road.waited_hours == pytest.approx(90 / 60)


def test_a_closure_happens_in_its_share_of_runs() -> None:
    plan = evacuate(_road(), supply={"home": 5}, step_minutes=1)
    sim = simulate(
        plan, runs=1000, seed=4, closures=[{"links": ["road"], "at": 0, "probability": 0.3}]
    )
    assert sim.closed[:, 0].mean() == pytest.approx(0.3, abs=0.05)
    assert (np.isinf(sim.egress) == sim.closed[:, 0]).all()
    assert sim.p_safe_by("2h") == pytest.approx(1 - sim.closed[:, 0].mean())
    assert sim.to_frame()["closed:road closing"].mean() == sim.closed[:, 0].mean()


# ------------------------------------------------------------------ replan


def _two_roads() -> Network:
    """A fast road (10 minutes, one person a minute) and a slow one (60 minutes, ten a minute)."""
    return network(
        [
            {
                "id": "fast",
                "source": "home",
                "target": "out",
                "minutes": 10,
                "capacity_per_hour": 60,
            },
            {
                "id": "slow",
                "source": "home",
                "target": "out",
                "minutes": 60,
                "capacity_per_hour": 600,
            },
        ],
        ["home", "out"],
        safe=("out",),
    )


def test_re_planning_at_a_closure_takes_the_other_road() -> None:
    """Twenty people, one a minute on the fast road (the plan: safe at 10 to 29). The fast road
    closes for good at minute 5. Following the plan, the five who left are safe and fifteen
    wait for ever; re-planned at minute 5, the fifteen take the slow road, ten a minute: ten
    enter at 5 and five at 6, safe at 65 and 66. (On the fast road they would be safe no
    sooner: it is closed.)"""
    parties = [Party(f"p{i:02d}", 1, "home") for i in range(20)]
    plan = evacuate(_two_roads(), parties=parties, step_minutes=1)
    assert plan.egress_minutes == 29
    closure = [{"links": ["fast"], "at": 5, "probability": 1}]
    follow = simulate(plan, runs=1, closures=closure)
    assert math.isinf(follow.egress[0]) and follow.not_safe[0] == 15
    again = simulate(plan, runs=1, closures=closure, policy="replan")
    assert sorted(again.party_arrival[0].tolist()) == [10, 11, 12, 13, 14] + [65] * 10 + [66] * 5
    assert again.egress[0] == 66 and again.not_safe[0] == 0 and again.replans[0] == 1
    assert (
        "Re-planned from where people were at each closure or dead end: in 100% of runs"
        in again.summary()
    )


def test_re_planning_moves_plain_counts_and_late_people_too() -> None:
    plan = evacuate(_two_roads(), supply={"home": 20}, step_minutes=1)
    closure = [{"links": ["fast"], "at": 5, "probability": 1}]
    sim = simulate(plan, runs=20, seed=1, closures=closure, policy="replan", late=(0.3, 10))
    assert sim.not_safe.sum() == 0 and (sim.replans >= 1).all()  # a late one may re-plan first
    assert sim.egress.max() <= 5 + 10 + 60 + 2  # the last late one takes the slow road


def test_re_planning_at_a_missed_last_flight_takes_the_road() -> None:
    """One seat at minute 60 and a slow road from the airport (120 minutes). The plan leaves
    home at 30, just in time for the flight. Every trip three times as long: the party reaches
    the airport at 120, after the last flight. Following the plan it is never safe; re-planned
    there at 120 it takes the road, 360 minutes: safe at 480."""
    net = _airport([60], 1, slow=120)
    plan = evacuate(net, parties=[Party("a", 1, "home")], step_minutes=5)
    assert plan.egress_minutes == 120
    follow = simulate(plan, runs=1, travel_factor=(3, 3, 3))
    assert math.isinf(follow.egress[0])
    assert follow.why_not_safe()[0][0] == (
        "waiting at airport for flight (to haven): no seat on a departure after they came"
    )
    again = simulate(plan, runs=1, travel_factor=(3, 3, 3), policy="replan")
    assert again.egress[0] == 480 and again.replans[0] == 1


def test_re_planning_is_worth_what_it_saves_and_the_same_without_closures() -> None:
    parties = [Party(f"p{i:02d}", 1, "home") for i in range(20)]
    plan = evacuate(_two_roads(), parties=parties, step_minutes=1)
    kw: dict[str, Any] = {"runs": 100, "seed": 3, "travel_factor": (0.9, 1, 1.3)}
    maybe = [{"links": ["fast"], "at": 5, "probability": 0.5}]
    follow = simulate(plan, closures=maybe, **kw)
    again = simulate(plan, closures=maybe, policy="replan", **kw)
    closed = follow.closed[:, 0]
    assert np.array_equal(closed, again.closed[:, 0])  # the same draws
    assert np.isinf(follow.egress[closed]).all() and np.isfinite(again.egress).all()
    assert np.array_equal(follow.egress[~closed], again.egress[~closed])
    assert again.p_safe_by("2h") == 1.0 > follow.p_safe_by("2h")
    table = follow.compare(again, times=["2h"]).splitlines()
    assert table[0].split() == ["follow", "replan"]
    never = int(closed.sum())
    assert table[-1].split()[-2:] == [str(never), "0"]
    assert table[2].split()[-2:] == [f"{1 - never / 100:.0%}", "100%"]  # by 2 h
    assert np.array_equal(simulate(plan, **kw).egress, simulate(plan, policy="replan", **kw).egress)


# ---------------------------------------------------------------- executors


def _tiny_plan(tiny: Any) -> EvacuationPlan:
    return evacuate(tiny.network, supply={"embassy": 30}, step_minutes=5)


def test_the_same_seed_gives_the_same_result_on_any_executor(tiny: Any) -> None:
    """Here, on threads, and on a Dask cluster's worker processes."""
    plan = _tiny_plan(tiny)
    kw: dict[str, Any] = {
        "runs": 64,
        "seed": 9,
        "travel_factor": (0.9, 1, 1.5),
        "late": (0.2, "1h"),
        "no_show": 0.05,
    }
    here = simulate(plan, **kw)
    with ThreadPoolExecutor(2) as pool:
        threads = simulate(plan, executor=pool, **kw)
    distributed = pytest.importorskip("distributed")  # in the test extra: this does not skip
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        processes = simulate(plan, executor=client.get_executor(), **kw)
    for other in (threads, processes):
        assert np.array_equal(here.egress, other.egress)
        assert np.array_equal(here.no_show, other.no_show)
        assert np.array_equal(here.waited, other.waited)
    assert not np.array_equal(here.egress, simulate(plan, **{**kw, "seed": 10}).egress)


# ------------------------------------------------------------------ output


def test_the_summary_table_and_figure_say_what_a_planner_asks(tiny: Any) -> None:
    plan = _tiny_plan(tiny)
    sim = simulate(
        plan, runs=200, seed=1, travel_factor=(1, 1, 1.5), late=("20%", "1h"), progress=True
    )
    text = sim.summary()
    assert "200 runs of the plan" in text and "20% of parties late by up to 1 h" in text
    assert "in 50 runs of 100" in text and "What holds people up:" in text
    frame = sim.to_frame()
    assert list(frame.columns) == ["egress_minutes", "not_safe", "no_show"]
    assert len(frame) == 200
    ax = sim.plot()
    assert ax.get_xlabel() == "hours from the start"
    assert 0 <= sim.share_safe_by("2h") <= 1


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"runs": 0}, "runs", "whole number from 1"),
        ({"seed": -1}, "seed", "whole number from 0"),
        ({"travel_factor": (2, 1, 1)}, "travel_factor", "0 < low <= mode <= high"),
        ({"travel_factor": 1.2}, "travel_factor", "three numbers"),
        ({"late": (1.5, "2h")}, "late[0]", "share from 0 to 1"),
        ({"late": (0.1, "soon")}, "late[1]", "soon"),
        ({"late": 0.1}, "late", "(share, up_to)"),
        ({"no_show": "x"}, "no_show", "share from 0 to 1"),
        (
            {"closures": [{"links": ["raod"], "at": 0, "probability": 0.5}]},
            "closures[0].links[0]",
            "did you mean 'road'",
        ),
        (
            {"closures": [{"links": ["road"], "at": 0, "probability": 2}]},
            "closures[0].probability",
            "share from 0 to 1",
        ),
        ({"closures": [{"links": ["road"]}]}, "closures[0].at", "required"),
        ({"policy": "panic"}, "policy", "'follow', 'replan'"),
        ({"executor": object()}, "executor", "concurrent.futures"),
        ({"progress": "yes"}, "progress", "True or False"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], path: str, words: str) -> None:
    plan = evacuate(_road(), supply={"home": 1}, step_minutes=1)
    with pytest.raises(ScenarioError) as error:
        simulate(plan, **kwargs)
    found = {p.path: p.message for p in error.value.problems}
    assert path in found, found
    assert words in found[path]


def test_a_plan_must_be_a_plan() -> None:
    with pytest.raises(ScenarioError, match="expected an EvacuationPlan or a ContingencyPlan"):
        simulate("plan.yaml")


# ------------------------------------------------------------ robust: checks


def test_a_robust_check_passes_or_says_who_is_late(tiny: Any) -> None:
    from evacplan.models import Check
    from evacplan.testing import run_check

    loose = Check.model_validate(
        {
            "id": "loose",
            "robust": {
                "p": "90%",
                "all_safe_by": "30h",
                "runs": 200,
                "travel_factor": [0.9, 1, 1.5],
                "late": ["10%", "1h"],
            },
        }
    )
    tight = Check.model_validate(
        {
            "id": "tight",
            "robust": {
                "p": 0.99,
                "all_safe_by": "27h45m",
                "runs": 200,
                "travel_factor": [0.9, 1, 1.5],
            },
        }
    )
    assert loose.expectation == "robust"
    passed = run_check(tiny, loose)
    assert passed.passed and "in 100% of 200 runs (at least 90% needed)" in passed.report()
    failed = run_check(tiny, tight)
    assert not failed.passed
    again = Check.model_validate(
        {
            "id": "again",
            "robust": {
                "p": 0.99,
                "all_safe_by": "27h45m",
                "runs": 50,
                "travel_factor": [0.9, 1, 1.5],
                "policy": "replan",
            },
        }
    )
    assert "re-planned at each closure and dead end" in run_check(tiny, again).report()
    assert "(at least 99% needed)" in failed.report() and "Most often late" in failed.report()
    assert "cap-02" in failed.expectation.offenders


@pytest.mark.parametrize(
    ("robust", "path", "words"),
    [
        ({"p": "lots", "all_safe_by": "30h"}, "checks[0].robust.p", "not a share"),
        ({"p": 1.5, "all_safe_by": "30h"}, "checks[0].robust.p", "less than or equal to 1"),
        ({"p": 0.9}, "checks[0].robust.all_safe_by", "missing"),
        (
            {"p": 0.9, "all_safe_by": "30h", "travel_factor": [2, 1, 1]},
            "checks[0].robust.travel_factor",
            "low <= mode <= high",
        ),
        ({"p": 0.9, "all_safe_by": "30h", "runs": 0}, "checks[0].robust.runs", "greater than"),
    ],
)
def test_a_bad_robust_check_is_named_in_the_file(
    tiny_data: dict[str, Any], robust: dict[str, Any], path: str, words: str
) -> None:
    from evacplan.models import Scenario

    data = {**tiny_data, "checks": [{"id": "r", "robust": robust}]}
    with pytest.raises(ScenarioError) as error:
        Scenario.model_validate(data)
    found = {p.path: p.message for p in error.value.problems}
    assert path in found, found
    assert words in found[path]


# --------------------------------------------------------------------- CLI


def test_the_command_line_simulates_and_saves_the_runs(cli: Any, tmp_path: Any) -> None:
    import json

    out = tmp_path / "runs.json"
    page = tmp_path / "report.html"
    done = cli(
        "simulate",
        "seeds/tiny.yaml",
        "--runs",
        "100",
        "--travel-factor",
        "0.9,1,1.5",
        "--late",
        "10%,1h",
        "--close",
        "airport-road@30h=0.5",
        "--json",
        str(out),
        "--html",
        str(page),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("100 runs of the plan (follow, seed 0)")
    assert "airport-road closing with probability 50%" in done.stdout
    data = json.loads(out.read_text())
    assert data["runs"] == 100 and len(data["egress_minutes"]) == 100
    assert '<section id="simulation"' in page.read_text()


def test_the_report_says_how_sure_the_plan_is(tiny_data: dict[str, Any]) -> None:
    """The page's section: the summary's words, a chart of the runs, the parties least sure
    to get out (never safe first), what holds people up; an evacuation plan's page too."""
    from evacplan import plan
    from evacplan.models import Scenario

    cp = plan(Scenario.model_validate(_uncertain(tiny_data)))
    sim = simulate(cp, runs=200, seed=2, travel_factor=(0.9, 1, 1.5))
    page = cp.to_html(simulation=sim)
    section = page[page.index('<section id="simulation"') :]
    section = section[: section.index("</section>")]
    assert "How sure the plan is" in section and "<svg" in section
    assert "200 runs of the plan (follow, seed 2)" in section
    assert "crossing-may-close (crossing) with probability 50%" in section
    assert "Parties least sure to get out" in section
    first = section.index("<tbody>")
    assert "cap-" in section[first:] and "never safe" in section
    assert '<section id="simulation"' not in cp.to_html()
    ev = cp.evacuation
    assert '<section id="simulation"' in ev.to_html(simulation=simulate(ev, runs=20))


def test_the_command_line_names_bad_options_at_their_flags(cli: Any) -> None:
    done = cli(
        "simulate",
        "seeds/tiny.yaml",
        "--late",
        "3,x",
        "--close",
        "nowhere@1h=0.5",
        "--travel-factor",
        "1,2",
    )
    assert done.returncode == 1
    assert "--travel-factor: '1,2' needs 3 values" in done.stderr
    done = cli("simulate", "seeds/tiny.yaml", "--late", "3,x", "--close", "nowhere@1h=0.5")
    assert "--late (its share): must be a share from 0 to 1" in done.stderr
    assert "--close nowhere@1h=0.5: 'nowhere' is not a link" in done.stderr
    assert "Traceback" not in done.stderr


# ------------------------------------------------- the scenario's own section


def _uncertain(tiny_data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The tiny seed (everyone out by the desert road, 120 minutes, and the crossing, 30) with
    a threat that may close the crossing and an uncertainty section."""
    threat = {
        "id": "crossing-may-close",
        "at": "24h",
        "links": ["crossing"],
        "closes": True,
        "probability": 0.5,
    }
    return {**tiny_data, "threats": [*tiny_data["threats"], threat], **extra}


def test_a_threat_that_may_happen_is_left_out_of_the_plan_and_simulated(
    tiny_data: dict[str, Any],
) -> None:
    from evacplan import plan
    from evacplan.models import Scenario

    plain = plan(Scenario.model_validate(tiny_data))
    maybe = plan(Scenario.model_validate(_uncertain(tiny_data)))
    assert maybe.evacuation.egress_minutes == plain.evacuation.egress_minutes == 1665
    sim = simulate(maybe, runs=400, seed=2)
    assert sim.closures == ("crossing-may-close (crossing)",)
    assert sim.closed[:, 0].mean() == pytest.approx(0.5, abs=0.08)
    assert (np.isinf(sim.egress) == sim.closed[:, 0]).all()  # everyone crosses it
    again = simulate(maybe, runs=50, seed=2, policy="replan")
    assert np.isinf(again.egress[again.closed[:, 0]]).all()  # no other way to safety then
    assert simulate(maybe, runs=20, closures=[]).closures == ()


def test_the_uncertainty_section_sets_factors_by_link_region_and_mode(
    tiny_data: dict[str, Any],
) -> None:
    """The desert road doubles (its own factor), beating its region's and the default: the
    last party leaves the embassy at 1515, 240 minutes to the border, 30 across: 1785."""
    from evacplan import plan
    from evacplan.models import Scenario

    section = {
        "travel_factor": [1.5, 1.5, 1.5],
        "regions": {tiny_data["places"][0]["region"]: [3, 3, 3]},
        "links": {"desert-road": [2, 2, 2], "crossing": [1, 1, 1], "residence-embassy": [1, 1, 1]},
        "late": ["0%", "1h"],
        "no_show": 0,
    }
    cp = plan(Scenario.model_validate({**tiny_data, "uncertainty": section}))
    sim = simulate(cp, runs=3)
    assert sim.egress.tolist() == [1785.0] * 3
    assert simulate(cp, runs=3, travel_factor=(1, 1, 1)).egress.tolist() == [1665.0] * 3


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            {"uncertainty": {"links": {"desert-raod": [1, 1, 2]}}},
            "uncertainty.links.desert-raod",
            "did you mean 'desert-road'",
        ),
        ({"uncertainty": {"modes": {"boat": [1, 1, 2]}}}, "uncertainty.modes.boat", "boat"),
        ({"uncertainty": {"travel_factor": [1, 2]}}, "uncertainty.travel_factor", ""),
        ({"uncertainty": {"no_show": "lots"}}, "uncertainty.no_show", "not a share"),
        (
            {
                "decision_points": [
                    {
                        "id": "go",
                        "posture": "minimal",
                        "posts": ["capital"],
                        "on_threat": "crossing-may-close",
                    }
                ]
            },
            "decision_points[0].on_threat",
            "may not happen",
        ),
    ],
)
def test_a_bad_uncertainty_section_is_named(
    tiny_data: dict[str, Any], change: dict[str, Any], path: str, words: str
) -> None:
    from evacplan.models import Scenario

    with pytest.raises(ScenarioError) as error:
        Scenario.model_validate(_uncertain(tiny_data, **change))
    found = {p.path: p.message for p in error.value.problems}
    assert any(p.startswith(path) for p in found), found
    assert any(words in m for p, m in found.items() if p.startswith(path)), found
