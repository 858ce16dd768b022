"""Routing: exact evacuation schedules over time-expanded networks.

Every schedule is replayed by ``verify()``; hand-solved networks pin the
semantics of DESIGN.md ("Routing semantics"), and a property test compares
the egress time and the sum of arrival times with a separate, deliberately
simple time-expanded network solved by networkx.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.errors import ScenarioError
from evacplan.io import load_scenario, read_tntp, seed_path, tntp_path
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.results import Party, Status
from evacplan.routing import EvacuationPlan, Movement, Stop, evacuate


def network(links: list[dict[str, Any]], places: list[str], safe: tuple[str, ...] = ()) -> Network:
    """A network of waypoints (the ``safe`` ones are havens) and one-way links by default."""
    return Network(
        places=[{"id": p, "kind": "safe_haven" if p in safe else "waypoint"} for p in places],
        links=[{"two_way": False, **link} for link in links],
    )


def checked(plan: EvacuationPlan) -> EvacuationPlan:
    """The plan, after asserting that its replay finds nothing wrong."""
    assert plan.verify() == [], plan.verify()
    return plan


# --------------------------------------------------------------------- a reference


def reference(
    net: Network, supply: dict[str, int], safe: set[str], step: int, horizon: int
) -> nx.DiGraph:
    """A plain time-expanded network to ``horizon``, written apart from evacplan's solver.

    Links with the same ends and the same transit steps add their hourly
    capacities; a link is usable at a departure step if open at that minute.
    """
    groups: dict[tuple[str, str, int], list[Any]] = defaultdict(list)
    for link in net.links:
        ends = [(link.source, link.target)]
        if link.two_way:
            ends.append((link.target, link.source))
        for u, v in ends:
            groups[(u, v, max(1, math.ceil(link.minutes / step - 1e-9)))].append(link)
    g = nx.DiGraph()
    g.add_node("SINK")
    for (u, v, tau), links in groups.items():
        if u in safe:
            continue
        for t in range(horizon - tau + 1):
            minute = t * step
            open_cap = sum(
                lk.capacity_per_hour
                for lk in links
                if (lk.opens is None or minute >= lk.opens)
                and (lk.closes is None or minute < lk.closes)
            )
            cap = math.floor(open_cap * step / 60 + 1e-9)
            if cap <= 0:
                continue
            head = ("ARRIVE", t + tau) if v in safe else (v, t + tau)
            if g.has_edge((u, t), head):
                g[(u, t)][head]["capacity"] += cap
            else:
                g.add_edge((u, t), head, capacity=cap, arrival=0)
    for t in range(horizon + 1):
        g.add_edge(("ARRIVE", t), "SINK", arrival=t)
    for p in net.places:
        if p.id not in safe:
            for t in range(horizon):
                g.add_edge((p.id, t), (p.id, t + 1), arrival=0)
    for s, q in supply.items():
        if s not in safe and q:
            g.add_edge("SRC", (s, 0), capacity=q, arrival=0)
    return g


def reference_quickest(
    net: Network, supply: dict[str, int], safe: set[str], step: int, limit: int = 80
) -> tuple[int | None, int | None]:
    """(T*, least sum of arrival steps) by brute force, or (None, None) past ``limit`` steps."""
    need = sum(q for s, q in supply.items() if s not in safe)
    if need == 0:
        return 0, 0
    for horizon in range(limit + 1):
        g = reference(net, supply, safe, step, horizon)
        if "SRC" not in g or nx.maximum_flow_value(g, "SRC", "SINK") < need:
            continue
        g.nodes["SRC"]["demand"] = -need
        g.nodes["SINK"]["demand"] = need
        flow = nx.min_cost_flow(g, weight="arrival")
        return horizon, nx.cost_of_flow(g, flow, weight="arrival")
    return None, None


# ------------------------------------------------------------------ hand-solved


@pytest.mark.parametrize(
    ("people", "per_hour", "minutes", "step", "expected_steps"),
    [
        (10, 60, 30, 5, 6 + 2 - 1),
        (1, 60, 0, 1, 1),
        (1000, 3600, 12, 1, 12 + 17 - 1),
        (7, 90, 7, 2, 4 + 3 - 1),
        (60, 600, 59, 60, 1 + 1 - 1),
    ],
)
def test_one_path_last_person_arrives_at_tau_plus_ceil_q_over_c_minus_one(
    people: int, per_hour: int, minutes: int, step: int, expected_steps: int
) -> None:
    """One link: the last of q people arrives at tau + ceil(q / c) - 1 steps."""
    net = network(
        [{"source": "a", "target": "h", "minutes": minutes, "capacity_per_hour": per_hour}],
        ["a", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"a": people}, step_minutes=step))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == expected_steps * step == plan.lower_bound_minutes
    assert plan.people == people


def test_two_paths_share_the_load_and_arrivals_are_earliest() -> None:
    """A direct road (2 steps, 3 a step) and a detour (4 steps, 2 a step) carry 20 people by 6."""
    net = network(
        [
            {"source": "s", "target": "h", "minutes": 2, "capacity_per_hour": 180},
            {"source": "s", "target": "w", "minutes": 1, "capacity_per_hour": 600},
            {"source": "w", "target": "h", "minutes": 3, "capacity_per_hour": 120},
        ],
        ["s", "w", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"s": 20}, step_minutes=1))
    assert plan.egress_minutes == 6 == plan.lower_bound_minutes
    # The most people safe by every minute: F(2)=3, F(3)=6, F(4)=11, F(5)=16, then all 20.
    assert plan.arrival_curve == [(0, 0), (1, 0), (2, 3), (3, 6), (4, 11), (5, 16), (6, 20)]
    assert {m.itinerary[1].place for m in plan.movements} == {"h", "w"}


def test_parallel_links_with_equal_transit_act_as_one() -> None:
    """Two 50-an-hour links admit 1 a minute together, though neither does alone."""
    links = [
        {"source": "s", "target": "h", "minutes": 1, "capacity_per_hour": 50, "id": k}
        for k in ("old-road", "new-road")
    ]
    plan = checked(
        evacuate(network(links, ["s", "h"], safe=("h",)), supply={"s": 3}, step_minutes=1)
    )
    assert plan.egress_minutes == 3
    apart = [
        {"source": "s", "target": "h", "minutes": m, "capacity_per_hour": 50, "id": f"r{m}"}
        for m in (1, 3)
    ]
    plan = checked(
        evacuate(network(apart, ["s", "h"], safe=("h",)), supply={"s": 3}, step_minutes=1)
    )
    assert plan.status is Status.INFEASIBLE
    assert "admit nobody" in plan.stranded[0].reason


def test_a_place_closed_from_the_start_strands_its_people_and_says_so(tiny: Scenario) -> None:
    """People at a place a threat closes at minute 0 are stranded: the links are named as closed."""
    shut = ThreatEvent(id="shut", at=0, places=["airport"], closes=True)
    plan = checked(evacuate(tiny, supply={"airport": 2, "embassy": 3}, threats=[shut]))
    assert plan.status is Status.INFEASIBLE
    (stranded,) = plan.stranded
    assert stranded.place == "airport" and stranded.count == 2
    assert "airport-road, flight are closed for the whole scenario" in stranded.reason
    assert "admit nobody" not in stranded.reason
    assert sum(m.count for m in plan.movements) == 3


def closing_roads() -> Network:
    """A fast road (2 steps, 5 a step) and a slow one (12 steps, 10 a step), 5-minute steps."""
    return network(
        [
            {"id": "fast", "source": "s", "target": "h", "minutes": 10, "capacity_per_hour": 60},
            {"id": "slow", "source": "s", "target": "h", "minutes": 60, "capacity_per_hour": 120},
        ],
        ["s", "h"],
        safe=("h",),
    )


def test_closure_mid_evacuation() -> None:
    """The fast road closes at minute 20: 20 people take it, the other 10 the slow road."""
    net = closing_roads()
    assert checked(evacuate(net, supply={"s": 30})).egress_minutes == 35  # no closure
    threat = ThreatEvent(id="ambush", at=20, links=("fast",), closes=True)
    plan = checked(evacuate(net, supply={"s": 30}, threats=[threat]))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == 60 == plan.lower_bound_minutes
    fast = sum(m.count for m in plan.movements if m.links == ["fast"])
    assert fast == 20
    assert all(m.departure_minute < 20 for m in plan.movements if m.links == ["fast"])


def test_scheduled_flight_window() -> None:
    """A flight boards 5 a step from minute 60 to 120: 60 seats, then nobody else gets out."""
    net = network(
        [
            {
                "id": "flight",
                "source": "airport",
                "target": "cyprus",
                "minutes": 60,
                "capacity_per_hour": 60,
                "mode": "air",
                "opens": 60,
                "closes": 120,
            }
        ],
        ["airport", "cyprus"],
        safe=("cyprus",),
    )
    plan = checked(evacuate(net, supply={"airport": 40}))
    assert plan.egress_minutes == 60 + 7 * 5 + 60 == plan.lower_bound_minutes
    assert min(m.departure_minute for m in plan.movements) == 60
    plan = checked(evacuate(net, supply={"airport": 70}))
    assert plan.status is Status.INFEASIBLE
    assert plan.people == 60
    assert [(s.place, s.count) for s in plan.stranded] == [("airport", 10)]
    assert "flight" in plan.stranded[0].reason and "120" in plan.stranded[0].reason


def test_a_route_closed_before_it_can_be_used_is_named() -> None:
    """People released after the only road closes are cut off, and the plan says why."""
    net = network(
        [
            {
                "id": "bridge",
                "source": "s",
                "target": "h",
                "minutes": 5,
                "capacity_per_hour": 600,
                "closes": 30,
            }
        ],
        ["s", "h"],
        safe=("h",),
    )
    parties = [Party("early", 2, "s"), Party("late", 3, "s", release_minute=45)]
    plan = checked(evacuate(net, parties=parties))
    assert plan.status is Status.INFEASIBLE
    assert [m.parties for m in plan.movements] == [["early"]]
    assert plan.stranded[0].parties == ["late"]
    assert "closed" in plan.stranded[0].reason and "bridge" in plan.stranded[0].reason


def test_sources_with_no_way_out_are_named_and_counted() -> None:
    """An island's people are stranded with the reason; the others still get out."""
    net = network(
        [{"source": "a", "target": "h", "minutes": 5, "capacity_per_hour": 60}],
        ["a", "island", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"a": 2, "island": 7}))
    assert plan.status is Status.INFEASIBLE
    assert plan.people == 2
    assert [(s.place, s.count, s.reason) for s in plan.stranded] == [
        ("island", 7, "no route to any safe place")
    ]
    assert plan.egress_minutes == 5
    assert "stranded" in str(plan)


def test_people_already_safe_arrive_at_once() -> None:
    """Supply at a safe place is safe at minute 0, with a one-stop itinerary."""
    net = network(
        [{"source": "a", "target": "h", "minutes": 5, "capacity_per_hour": 60}],
        ["a", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"h": 4}))
    assert plan.egress_minutes == 0
    assert plan.movements == [Movement(4, [Stop("h", 0)])]
    assert checked(evacuate(net, supply={})).egress_minutes == 0


# ------------------------------------------------------------------- objectives


def risky_and_safe() -> Network:
    """A risky 10-minute road and a safe 40-minute one, 5 a step each."""
    return network(
        [
            {
                "id": "risky",
                "source": "s",
                "target": "h",
                "minutes": 10,
                "capacity_per_hour": 60,
                "risk": 0.5,
            },
            {"id": "safe", "source": "s", "target": "h", "minutes": 40, "capacity_per_hour": 60},
        ],
        ["s", "h"],
        safe=("h",),
    )


def test_safest_waits_for_the_safe_road_and_quickest_does_not() -> None:
    """Quickest rushes down the risky road; safest takes the safe one when the deadline allows."""
    net = risky_and_safe()
    quick = checked(evacuate(net, supply={"s": 5}))
    assert (quick.egress_minutes, quick.risk_exposure) == (10, 2.5)
    safe = checked(evacuate(net, supply={"s": 5}, objective="safest", deadline=60))
    assert safe.status is Status.OPTIMAL
    assert (safe.egress_minutes, safe.risk_exposure) == (40, 0.0)
    assert safe.lower_bound_minutes == 40 and safe.quickest_minutes == 10
    rushed = checked(evacuate(net, supply={"s": 5}, objective="safest", deadline=20))
    assert rushed.risk_exposure == 2.5
    late = checked(evacuate(net, supply={"s": 5}, objective="safest", deadline=5))
    assert late.status is Status.INFEASIBLE
    assert "deadline" in late.stranded[0].reason


def test_quickest_prefers_less_risk_among_equally_quick_schedules() -> None:
    """Two roads of 2 steps, one risky: 5 people take the safe one; 10 need both."""
    net = network(
        [
            {
                "id": "a",
                "source": "s",
                "target": "h",
                "minutes": 10,
                "capacity_per_hour": 60,
                "risk": 0.2,
            },
            {"id": "b", "source": "s", "target": "w", "minutes": 5, "capacity_per_hour": 60},
            {"id": "c", "source": "w", "target": "h", "minutes": 0, "capacity_per_hour": 600},
        ],
        ["s", "w", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"s": 5}))
    assert (plan.egress_minutes, plan.risk_exposure) == (10, 0.0)
    assert plan.movements[0].links == ["b", "c"]
    more = checked(evacuate(net, supply={"s": 10}))
    assert more.egress_minutes == 10 and more.risk_exposure == pytest.approx(1.0)


def test_a_deadline_too_early_moves_as_many_as_possible() -> None:
    """With a deadline before T*, the plan gets the most people out by then and names the rest."""
    net = closing_roads()
    plan = checked(evacuate(net, supply={"s": 30}, deadline=15))
    assert plan.status is Status.INFEASIBLE
    assert plan.people == 10  # the fast road, departures at 0 and 5
    assert sum(s.count for s in plan.stranded) == 20
    assert "minute 35" in plan.stranded[0].reason


# ---------------------------------------------------------------------- parties


def test_parties_are_never_split() -> None:
    """Parties of 4, 3 and 3 on a road of 5 a step: each party rides whole, plan verified."""
    net = network(
        [{"id": "road", "source": "s", "target": "h", "minutes": 10, "capacity_per_hour": 60}],
        ["s", "h"],
        safe=("h",),
    )
    parties = [
        Party("p1", 4, "s"),
        Party("p2", 3, "s"),
        Party("p3", 3, "s"),
        Party("p4", 1, "s", release_minute=7),
    ]
    plan = checked(evacuate(net, parties=parties))
    seen = [pid for m in plan.movements for pid in m.parties]
    assert sorted(seen) == ["p1", "p2", "p3", "p4"]
    sizes = {p.id: p.size for p in parties}
    assert all(m.count == sum(sizes[p] for p in m.parties) for m in plan.movements)
    # Splittable, 11 people need 3 steps; whole parties of 4+1, 3, 3 need 3 as well.
    assert plan.lower_bound_minutes <= plan.egress_minutes
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == 20
    p4 = next(m for m in plan.movements if "p4" in m.parties)
    assert p4.departure_minute >= 10


def test_a_time_limit_leaves_an_honest_feasible_plan() -> None:
    """With no time to prove whole-party optimality, the plan is valid, feasible, with its bound."""
    net = network(
        [{"id": "road", "source": "s", "target": "h", "minutes": 10, "capacity_per_hour": 60}],
        ["s", "h"],
        safe=("h",),
    )
    parties = [Party("p1", 4, "s"), Party("p2", 3, "s"), Party("p3", 3, "s")]
    plan = checked(evacuate(net, parties=parties, time_limit=0.001))
    assert plan.status is Status.FEASIBLE
    assert plan.lower_bound_minutes is not None
    assert plan.lower_bound_minutes <= plan.egress_minutes
    assert any("time limit" in n for n in plan.notes)
    proven = checked(evacuate(net, parties=parties))
    assert proven.status is Status.OPTIMAL
    assert "MIP proves" in proven.proof


def test_a_party_too_big_for_any_link_is_stranded_with_the_reason() -> None:
    """A party of 6 cannot cross a road that admits 5 a step: parties are never split."""
    net = network(
        [{"id": "road", "source": "s", "target": "h", "minutes": 10, "capacity_per_hour": 60}],
        ["s", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, parties=[Party("big", 6, "s"), Party("small", 2, "s")]))
    assert plan.status is Status.INFEASIBLE
    assert plan.stranded[0].parties == ["big"]
    assert "never split" in plan.stranded[0].reason


def test_a_scenario_moves_everyone_and_locally_engaged_staff_stand_down(tiny: Scenario) -> None:
    """With no supply or parties, every staff member leaves; LE staff stand down at home."""
    plan = checked(evacuate(tiny))
    assert plan.standing_down == ["cap-06"]
    moved = sorted(p for m in plan.movements for p in m.parties)
    assert moved == ["cap-01", "cap-02", "cap-03", "cap-04", "cap-05"]
    assert plan.people == 2 + 3 + 1 + 4 + 1
    assert plan.status in (Status.OPTIMAL, Status.FEASIBLE)


# -------------------------------------------------------------- the design example


def test_sioux_falls_example_from_the_design() -> None:
    """DESIGN.md's call: optimal, proven, 1,200 people, T* matching a networkx check."""
    net = read_tntp(tntp_path("SiouxFalls"))
    supply = {"3": 800, "20": 400}
    plan = checked(evacuate(net, supply=supply, safe={"1", "13"}, step_minutes=1))
    assert plan.status == "optimal"
    assert plan.egress_minutes == plan.lower_bound_minutes == 17
    assert sum(m.count for m in plan.movements) == 1200
    assert all(m.itinerary[-1].place in {"1", "13"} for m in plan.movements)
    same = evacuate(net, supply={3: 800, 20: 400}, safe=[1, 13], step_minutes=1)
    assert same.egress_minutes == 17  # node numbers as numbers are read as place ids
    horizon, arrivals = reference_quickest(net, supply, {"1", "13"}, 1, limit=30)
    assert horizon == 17
    assert sum(m.count * m.arrival_minute for m in plan.movements) == arrivals
    assert plan.bottlenecks and "max flow" in plan.proof
    text = str(plan)
    assert "optimal" in text and "17" in text
    assert "<table>" in plan._repr_html_()


# ------------------------------------------------------------------ the property


@st.composite
def instances(draw: st.DrawFn) -> tuple[Network, dict[str, int], set[str], int]:
    """Small random networks, with windows and closures, supplies and safe places."""
    n = draw(st.integers(2, 6))
    names = [f"p{i}" for i in range(n)]
    links = []
    for i in range(draw(st.integers(1, 2 * n))):
        a, b = draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
        link: dict[str, Any] = {
            "id": f"l{i}",
            "source": a,
            "target": b,
            "minutes": draw(st.sampled_from([0, 1, 2, 5, 7, 12])),
            "capacity_per_hour": draw(st.sampled_from([30, 60, 90, 180, 600])),
            "two_way": draw(st.booleans()),
        }
        if draw(st.integers(0, 4)) == 0:
            link["opens"] = draw(st.sampled_from([2, 5, 10]))
        if draw(st.integers(0, 4)) == 0:
            link["closes"] = link.get("opens", 0) + draw(st.sampled_from([5, 10, 20]))
        links.append(link)
    net = Network(places=[{"id": p, "kind": "waypoint"} for p in names], links=links)
    safe = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)))
    supply = draw(st.dictionaries(st.sampled_from(names), st.integers(0, 25), max_size=n))
    step = draw(st.sampled_from([1, 2, 5]))
    return net, supply, safe, step


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_egress_and_arrivals_match_a_simple_networkx_model(case: Any) -> None:
    """T* and the least sum of arrivals agree with networkx; verify() finds nothing wrong."""
    net, supply, safe, step = case
    plan = checked(evacuate(net, supply=supply, safe=safe, step_minutes=step))
    total = sum(supply.values())
    assert plan.people + sum(s.count for s in plan.stranded) == total
    if plan.status is Status.INFEASIBLE:
        return
    horizon, arrivals = reference_quickest(net, supply, safe, step, limit=60)
    assert horizon is not None
    assert plan.egress_minutes == horizon * step == plan.lower_bound_minutes
    assert sum(m.count * m.arrival_minute for m in plan.movements) == arrivals * step


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_parties_ride_whole_on_random_networks(case: Any, sizes: list[int]) -> None:
    """Random parties: each is in exactly one movement or stranded, and the plan verifies."""
    net, _, safe, step = case
    places = [p.id for p in net.places]
    parties = [
        Party(f"x{i}", size, places[i % len(places)], release_minute=3 * i)
        for i, size in enumerate(sizes)
    ]
    plan = checked(evacuate(net, safe=safe, parties=parties, step_minutes=step))
    where = [p for m in plan.movements for p in m.parties] + [
        p for s in plan.stranded for p in s.parties
    ]
    assert sorted(where) == sorted(p.id for p in parties)
    if plan.status is Status.OPTIMAL:
        assert plan.egress_minutes == plan.lower_bound_minutes


def risky_reference(
    net: Network,
    supply: dict[str, int],
    safe: set[str],
    step: int,
    horizon: int,
    threats: list[ThreatEvent],
) -> nx.DiGraph:
    """A time-expanded network with risks, written apart from evacplan's solver.

    Links' (open, risk) come from the foundation's ``arc_schedules`` at each
    departure minute. Parallel links with the same transit steps share
    floor(sum of open hourly capacities * step / 60) places a step, the
    safest first: each risk tier is its own arc through a tier node.
    """
    from evacplan.network import arc_schedules

    groups: dict[tuple[str, str, int], list[Any]] = defaultdict(list)
    for sched in arc_schedules(net, threats):
        a = sched.arc
        groups[(a.source, a.target, max(1, math.ceil(a.minutes / step - 1e-9)))].append(sched)
    g = nx.DiGraph()
    g.add_node("SINK")
    for (u, v, tau), members in groups.items():
        if u in safe:
            continue
        for t in range(horizon - tau + 1):
            states = sorted(
                (risk, m.arc.capacity_per_hour)
                for m in members
                for is_open, risk in [m.at(t * step)]
                if is_open
            )
            head = ("ARRIVE", t + tau) if v in safe else (v, t + tau)
            cum, given = 0.0, 0
            for k, (risk, cap) in enumerate(states):
                cum += cap
                last = k + 1 == len(states) or states[k + 1][0] != risk
                now = math.floor(cum * step / 60 + 1e-9)
                if last and now > given:
                    tier = ("TIER", u, v, tau, t, risk)
                    g.add_edge((u, t), tier, capacity=now - given, risk=round(risk * 100))
                    g.add_edge(tier, head, risk=0)
                    given = now
    for p in net.places:
        if p.id not in safe:
            for t in range(horizon):
                g.add_edge((p.id, t), (p.id, t + 1), risk=0)
    for t in range(horizon + 1):
        g.add_edge(("ARRIVE", t), "SINK", risk=0, arrival=t)
    for src, q in supply.items():
        if src not in safe and q:
            g.add_edge("SRC", (src, 0), capacity=q, risk=0)
    return g


def lexicographic(g: nx.DiGraph, need: int, first: str, then: str) -> tuple[int, int]:
    """Least ``first``, then least ``then``, over flows of ``need`` people (networkx)."""
    weight = need * (1 + max((d.get(then, 0) for *_, d in g.edges(data=True)), default=0)) + 1
    for _, _, d in g.edges(data=True):
        d["cost"] = d.get(first, 0) * weight + d.get(then, 0)
    g.nodes["SRC"]["demand"] = -need
    g.nodes["SINK"]["demand"] = need
    flow = nx.min_cost_flow(g, weight="cost")
    return nx.cost_of_flow(g, flow, weight=first), nx.cost_of_flow(g, flow, weight=then)


@st.composite
def risky_instances(draw: st.DrawFn) -> tuple[Network, dict[str, int], set[str], int, list[Any]]:
    """Random networks where everyone has a way out: risky links, windows, a threat or two."""
    n = draw(st.integers(2, 6))
    names = [f"p{i}" for i in range(n)]
    safe = set(names[: draw(st.integers(1, min(2, n - 1)))])
    risks = st.sampled_from([0, 0.05, 0.1, 0.25])
    links: list[dict[str, Any]] = []
    for i in range(len(safe), n):  # a way towards safety from every place
        links.append(
            {
                "id": f"w{i}",
                "source": names[i],
                "target": names[draw(st.integers(0, i - 1))],
                "minutes": draw(st.sampled_from([0, 2, 5, 12])),
                "capacity_per_hour": draw(st.sampled_from([60, 90, 180])),
                "two_way": draw(st.booleans()),
                "risk": draw(risks),
            }
        )
    for i in range(draw(st.integers(0, n))):
        a, b = draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
        link: dict[str, Any] = {
            "id": f"x{i}",
            "source": a,
            "target": b,
            "minutes": draw(st.sampled_from([0, 1, 5, 7])),
            "capacity_per_hour": draw(st.sampled_from([30, 60, 120])),
            "two_way": draw(st.booleans()),
            "risk": draw(risks),
        }
        if draw(st.booleans()):
            link["opens"] = draw(st.sampled_from([0, 5, 10]))
            link["closes"] = link["opens"] + draw(st.sampled_from([10, 20]))
        links.append(link)
    net = Network(places=[{"id": p, "kind": "waypoint"} for p in names], links=links)
    movers = [p for p in names if p not in safe]
    supply = {
        p: draw(st.integers(1, 20))
        for p in draw(st.lists(st.sampled_from(movers), min_size=1, max_size=3, unique=True))
    }
    step = draw(st.sampled_from([1, 2, 5]))
    threats = [
        ThreatEvent(
            id=f"t{i}",
            at=draw(st.sampled_from([0, 4, 10])),
            places=(draw(st.sampled_from(names)),),
            risk=draw(st.sampled_from([0.2, 0.5])),
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    return net, supply, safe, step, threats


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(risky_instances())
def test_risk_exposure_and_arrivals_match_networkx(case: Any) -> None:
    """Quickest with risks and threats: T*, then least risk, then least arrivals, as networkx finds."""
    net, supply, safe, step, threats = case
    plan = checked(evacuate(net, supply=supply, safe=safe, step_minutes=step, threats=threats))
    if plan.status is Status.INFEASIBLE or not plan.movements:
        return
    need = sum(q for s_, q in supply.items() if s_ not in safe)
    if need == 0:
        return
    horizon = plan.egress_minutes // step
    g = risky_reference(net, supply, safe, step, horizon, threats)
    assert nx.maximum_flow_value(g, "SRC", "SINK") == need
    if horizon:
        shorter = risky_reference(net, supply, safe, step, horizon - 1, threats)
        assert nx.maximum_flow_value(shorter, "SRC", "SINK") < need
    risk, arrivals = lexicographic(g, need, "risk", "arrival")
    assert round(plan.risk_exposure * 100) == risk
    assert sum(m.count * m.arrival_minute for m in plan.movements) == arrivals * step


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(risky_instances(), st.integers(0, 6))
def test_safest_matches_networkx(case: Any, slack: int) -> None:
    """Safest by a deadline: the least risk networkx finds by then, and no earlier finish for it."""
    net, supply, safe, step, threats = case
    quick = evacuate(net, supply=supply, safe=safe, step_minutes=step, threats=threats)
    if quick.status is Status.INFEASIBLE or not quick.egress_minutes:
        return
    deadline = quick.egress_minutes + slack * step
    plan = checked(
        evacuate(
            net,
            supply=supply,
            safe=safe,
            step_minutes=step,
            threats=threats,
            objective="safest",
            deadline=deadline,
        )
    )
    assert plan.status is Status.OPTIMAL
    assert plan.quickest_minutes == quick.egress_minutes <= plan.egress_minutes <= deadline
    need = sum(q for s_, q in supply.items() if s_ not in safe)
    best, _ = lexicographic(
        risky_reference(net, supply, safe, step, deadline // step, threats), need, "risk", "arrival"
    )
    assert round(plan.risk_exposure * 100) == best
    horizon = plan.egress_minutes // step
    if horizon > quick.egress_minutes // step:
        sooner = risky_reference(net, supply, safe, step, horizon - 1, threats)
        assert lexicographic(sooner, need, "risk", "arrival")[0] > best


# ------------------------------------------------------------ verify is no rubber stamp


def test_verify_catches_a_broken_schedule() -> None:
    """Over capacity, wrong arrival, lost people: each shows up under its rule."""
    net = network(
        [{"id": "road", "source": "s", "target": "h", "minutes": 10, "capacity_per_hour": 60}],
        ["s", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"s": 10}))
    crammed = dataclasses.replace(
        plan, movements=[Movement(10, [Stop("s", 0), Stop("h", 10)], links=["road"])]
    )
    assert "capacity" in {v.rule for v in crammed.verify()}
    late = dataclasses.replace(
        plan,
        movements=[
            Movement(5, [Stop("s", 0), Stop("h", 15)], links=["road"]),
            Movement(5, [Stop("s", 5), Stop("h", 15)], links=["road"]),
        ],
    )
    assert "route" in {v.rule for v in late.verify()}
    lost = dataclasses.replace(plan, movements=plan.movements[:1])
    assert {v.rule for v in lost.verify()} >= {"accounted"}
    with pytest.raises(AssertionError, match="capacity"):
        crammed.verify(strict=True)


# --------------------------------------------------------------------- bad input


SIOUX = read_tntp(tntp_path("SiouxFalls"))


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"supply": {"3x": 5}, "safe": {"1"}}, "supply['3x']", "not a place; did you mean '3'"),
        ({"supply": {"3": -5}, "safe": {"1"}}, "supply['3']", "cannot be negative"),
        ({"supply": {"3": 2.5}, "safe": {"1"}}, "supply['3']", "not a whole number"),
        ({"supply": {"3": 5}, "safe": {"100"}}, "safe['100']", "not a place"),
        ({"supply": {"3": 5}, "safe": set()}, "safe", "no safe places"),
        ({"supply": {"3": 5}}, "safe", "no safe places"),
        ({"supply": {"3": 5}, "safe": {"1"}, "objective": "fastest"}, "objective", "quickest"),
        ({"supply": {"3": 5}, "safe": {"1"}, "objective": "safest"}, "deadline", "needs"),
        ({"supply": {"3": 5}, "safe": {"1"}, "deadline": -1}, "deadline", "0 or more"),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": 0}, "step_minutes", "above 0"),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": -5}, "step_minutes", "above 0"),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": 2.5}, "step_minutes", "whole"),
        ({"supply": {"3": 5}, "safe": {"1"}, "time_limit": 0}, "time_limit", "above 0"),
        ({"safe": {"1"}}, "supply", "nothing to evacuate"),
        (
            {"safe": {"1"}, "parties": [Party("a", 2, "nowhere")]},
            "parties[0].location",
            "not a place",
        ),
        ({"safe": {"1"}, "parties": [Party("a", 0, "3")]}, "parties[0].size", "1 or more"),
        (
            {"safe": {"1"}, "parties": [Party("a", 1, "3"), Party("a", 1, "3")]},
            "parties[1].id",
            "twice",
        ),
    ],
)
def test_bad_input_raises_one_clear_error(kwargs: dict[str, Any], path: str, words: str) -> None:
    """Each bad argument gives a ScenarioError naming where it is and what is wrong."""
    with pytest.raises(ScenarioError) as err:
        evacuate(SIOUX, **kwargs)
    assert isinstance(err.value, ValueError)
    assert any(p.path == path and words in p.message for p in err.value.problems), str(err.value)


def test_every_bad_argument_is_listed_at_once() -> None:
    """Several faults: one error lists them all."""
    with pytest.raises(ScenarioError) as err:
        evacuate(SIOUX, supply={"x": -1}, safe={"y"}, objective="safest", step_minutes=0)
    paths = {p.path for p in err.value.problems}
    assert {"supply['x']", "safe['y']", "deadline", "step_minutes"} <= paths


def test_a_network_must_be_a_network() -> None:
    """Anything else is a ScenarioError, not a crash deep inside."""
    with pytest.raises(ScenarioError, match="Network or a Scenario"):
        evacuate({"places": []}, supply={})  # type: ignore[arg-type]


# ------------------------------------------------------------------------- the CLI


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
