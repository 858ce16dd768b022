"""Property tests: the solver against separate networkx models on random networks.

Egress time and sum of arrival times against a deliberately simple
time-expanded network (``reference.py``); risk exposure and ``safest``
against networkx min-cost flows; parties never split.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.models import Network, ThreatEvent
from evacplan.results import Party, Status
from evacplan.routing import evacuate
from tests.routing.helpers import checked
from tests.routing.reference import lexicographic, reference_quickest, risky_reference


@st.composite
def instances(
    draw: st.DrawFn, airlift: bool = False
) -> tuple[Network, dict[str, int], set[str], int]:
    """Small random networks, with windows and closures, supplies and safe places.

    With ``airlift``, some links are scheduled services (departures and seats)
    and some places have a throughput.
    """
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
        if airlift and draw(st.booleans()):
            del link["capacity_per_hour"]
            link["seats"] = draw(st.integers(1, 12))
            link["departures"] = draw(
                st.one_of(
                    st.lists(st.integers(0, 40), min_size=1, max_size=4),
                    st.builds(
                        lambda e, f: {"every": e, "from": f, "until": f + 60},
                        st.sampled_from([3, 5, 10]),
                        st.integers(0, 10),
                    ),
                )
            )
        links.append(link)
    places = [{"id": p, "kind": "waypoint"} for p in names]
    safe = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)))
    for p in places if airlift else ():
        if p["id"] not in safe and draw(st.integers(0, 2)) == 0:
            p["throughput_per_hour"] = draw(st.sampled_from([20, 60, 100, 240]))
    net = Network(places=places, links=links)
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
    if plan.stranded:
        return
    assert plan.egress_minutes is not None
    # Searched up to the plan's egress: a quicker schedule, or none by then, is a failure.
    horizon, arrivals = reference_quickest(
        net, supply, safe, step, limit=plan.egress_minutes // step
    )
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
    # Waiting risk: 0.6, 1.2 or 3 an hour is 1, 2 or 5 hundredths a minute.
    for i in range(draw(st.integers(0, 2))):
        at = draw(st.sampled_from([0, 3, 5, 10]))
        until = draw(st.sampled_from([None, at + 4, at + 15]))
        threats.append(
            ThreatEvent(
                id=f"w{i}",
                at=at,
                until=until,
                places=(draw(st.sampled_from(movers)),),
                risk_per_hour=draw(st.sampled_from([0.6, 1.2, 3.0])),
            )
        )
    return net, supply, safe, step, threats


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(risky_instances())
def test_risk_exposure_and_arrivals_match_networkx(case: Any) -> None:
    """Quickest with risks and threats: T*, then least risk, then least arrivals, as networkx finds."""
    net, supply, safe, step, threats = case
    plan = checked(evacuate(net, supply=supply, safe=safe, step_minutes=step, threats=threats))
    if plan.stranded or not plan.movements:
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
    if quick.stranded or not quick.egress_minutes:
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(risky_instances(), st.integers(0, 6))
def test_a_far_deadline_gives_the_plan_of_a_near_one(case: Any, slack: int) -> None:
    """Safest by a deadline far past everything that changes: the same risk and egress as near it.

    Whether the plan stops early (the least risk any schedule could have is
    reached) or searches to the far deadline, the result must not differ.
    """
    net, supply, safe, step, threats = case
    quick = evacuate(net, supply=supply, safe=safe, step_minutes=step, threats=threats)
    if quick.stranded or not quick.egress_minutes:
        return
    kwargs: dict[str, Any] = {"supply": supply, "safe": safe, "step_minutes": step}
    near = checked(
        evacuate(
            net,
            **kwargs,
            threats=threats,
            objective="safest",
            deadline=quick.egress_minutes + 40 * step + slack,
        )
    )
    far = checked(evacuate(net, **kwargs, threats=threats, objective="safest", deadline=2000))
    assert far.status is near.status is Status.OPTIMAL
    assert round(far.risk_exposure * 100) <= round(near.risk_exposure * 100)
    if round(far.risk_exposure * 100) == round(near.risk_exposure * 100):
        assert far.egress_minutes == near.egress_minutes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True))
def test_gates_and_services_match_a_simple_networkx_model(case: Any) -> None:
    """With scheduled services and throughput: T* and the least arrival sum agree with networkx."""
    test_egress_and_arrivals_match_a_simple_networkx_model.hypothesis.inner_test(case)  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_parties_ride_whole_through_gates_and_services(case: Any, sizes: list[int]) -> None:
    """Parties through gates and on scheduled services: each once, and the plan verifies."""
    test_parties_ride_whole_on_random_networks.hypothesis.inner_test(case, sizes)  # type: ignore[attr-defined]
