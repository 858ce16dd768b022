"""Condensed time (issue 26): copies of a place only where something can happen there.

The time-expanded network keeps a copy of a place only at the steps someone can leave,
arrive at or be released at it (and its first and last); a wait spans the steps between.
Every plan must be the one the full network (a copy at every step) gives: the same
status, egress and bound, risk, harm and arrivals, on random small cases with late
openings, slow links, scheduled services, gates, threats and releases, under every
objective. And a stretch where nothing happens costs a copy, not a copy a step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan import EvacuationPlan
from evacplan.models import Network
from evacplan.results import Party
from evacplan.routing import _expand, evacuate
from evacplan.routing._compile import _compile
from evacplan.routing._search import _Splittable
from tests.routing.helpers import checked, network
from tests.routing.test_property import instances, risky_instances


def _both(**call: Any) -> tuple[EvacuationPlan, EvacuationPlan]:
    """The plan with condensed copies, and with a copy at every step."""
    condensed = checked(evacuate(**call))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_expand, "CONDENSE", False)
        full = checked(evacuate(**call))
    return condensed, full


def _same(condensed: EvacuationPlan, full: EvacuationPlan) -> None:
    assert condensed.status == full.status
    assert condensed.egress_minutes == full.egress_minutes
    assert condensed.lower_bound_minutes == full.lower_bound_minutes
    assert condensed.people == full.people
    assert round(condensed.risk_exposure, 6) == round(full.risk_exposure, 6)
    assert round(condensed.harm, 6) == round(full.harm, 6)
    arrivals = [sum(m.count * m.arrival_minute for m in p.movements) for p in (condensed, full)]
    assert arrivals[0] == arrivals[1]


def _later(net: Network, data: st.DataObject) -> Network:
    """The network with some links opening late (20 to 90 minutes in): long idle stretches."""
    links = []
    for link in net.links:
        row = link.model_dump(exclude_none=True)
        if data.draw(st.integers(0, 2)) == 0 and "departures" not in row:
            row["opens"] = data.draw(st.sampled_from([20, 45, 90]))
            row.pop("closes", None)
        links.append(row)
    return Network(places=[p.model_dump(exclude_none=True) for p in net.places], links=links)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.data(), st.sampled_from(["quickest", "most_saved"]))
def test_the_condensed_network_plans_as_the_full_one(
    case: Any, data: st.DataObject, objective: str
) -> None:
    """Services, gates, windows and late openings; quickest, and most_saved by a deadline."""
    net, supply, safe, step = case
    net = _later(net, data)
    deadline = 150 if objective == "most_saved" else None
    call = {"network": net, "supply": supply, "safe": safe, "step_minutes": step}
    _same(*_both(**call, objective=objective, deadline=deadline))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(risky_instances(), st.data(), st.sampled_from(["quickest", "safest", "least_harm"]))
def test_the_condensed_network_weighs_risk_and_harm_as_the_full_one(
    case: Any, data: st.DataObject, objective: str
) -> None:
    """Risky links, threats on places and waiting risk; every objective that weighs them."""
    net, supply, safe, step, threats = case
    net = _later(net, data)
    call = {"network": net, "supply": supply, "safe": safe, "step_minutes": step}
    deadline = 240 if objective == "safest" else None
    _same(*_both(**call, threats=threats, objective=objective, deadline=deadline))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.lists(st.integers(1, 4), min_size=1, max_size=5), st.data())
def test_parties_released_late_plan_as_on_the_full_network(
    case: Any, sizes: list[int], data: st.DataObject
) -> None:
    """Whole parties released over two hours: the same schedule's figures either way."""
    net, _, safe, step = case
    places = [p.id for p in net.places]
    parties = [
        Party(f"x{i}", size, places[i % len(places)], release_minute=data.draw(st.integers(0, 120)))
        for i, size in enumerate(sizes)
    ]
    call = {"network": net, "safe": safe, "parties": parties, "step_minutes": step}
    _same(*_both(**call, objective="least_harm"))


def _one_road(opens: int) -> Network:
    return Network(
        name="late road",
        places=[{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}],
        links=[
            {"source": "a", "target": "h", "minutes": 20, "capacity_per_hour": 60, "opens": opens}
        ],
    )


def test_a_link_that_opens_in_twenty_years_costs_a_few_copies() -> None:
    """Three people wait ten million minutes for a road: egress 10,000,022 (20 minutes on the
    road, one a minute), from a network of a handful of copies (it once built ten million
    and took 90 s and 2.2 GB)."""
    plan = checked(evacuate(_one_road(10**7), {"a": 3}, step_minutes=1))
    assert plan.egress_minutes == plan.lower_bound_minutes == 10**7 + 22
    net = _compile(_one_road(10**7), [], 1, {"h"})
    sp = _Splittable(net, np.array([0]), np.array([0]), np.array([3]))
    ten = sp.ten(10**7 + 22)
    assert ten.n_nodes < 10
    assert sorted(ten.label[ten.label >= 0].tolist()) == [10**7 + 20, 10**7 + 21, 10**7 + 22]


def test_a_deadline_in_twenty_years_costs_what_the_answer_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """most_saved by a deadline of ten million minutes, for three people 20 minutes from
    safety: egress 22, proven, from networks of a handful of copies each (it once expanded
    the network to the deadline, ten million steps, and took 30 s)."""
    sizes: list[int] = []
    from evacplan.routing import _search

    real = _search._expand
    monkeypatch.setattr(
        _search, "_expand", lambda *a, **k: sizes.append((ten := real(*a, **k)).n_nodes) or ten
    )
    plan = checked(
        evacuate(_one_road(0), {"a": 3}, step_minutes=1, objective="most_saved", deadline=10**7)
    )
    assert plan.status == "optimal" and plan.egress_minutes == plan.lower_bound_minutes == 22
    assert plan.people == 3 and not plan.stranded
    assert sizes and max(sizes) < 100, sizes


def test_a_crowd_under_an_early_threat_probes_from_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """100 people on a road of one a minute under a threat from minute 2: the egress is 100
    (one minute on the road, the last leaving at 99), which the cut bound already says. The
    search probes 100 alone, then 99 for the bottleneck cut the plan names; it once probed the
    threat's last change first (minute 4), then climbed from 5 and bisected, because past the
    last change it forgot the bound (Chicago-Sketch 100,000 with a threat: 8 max flows where
    2 do)."""
    from evacplan.models import ThreatEvent

    probed: list[int] = []
    real = _Splittable.flow_value
    monkeypatch.setattr(_Splittable, "flow_value", lambda sp, t: probed.append(t) or real(sp, t))
    net = network(
        [{"id": "road", "source": "s", "target": "h", "minutes": 1, "capacity_per_hour": 60}],
        ["s", "h"],
        safe=("h",),
    )
    threat = ThreatEvent(id="unrest", at=2, places=("s",), risk=0.3)
    plan = checked(evacuate(net, {"s": 100}, step_minutes=1, threats=[threat]))
    assert plan.status == "optimal" and plan.egress_minutes == plan.lower_bound_minutes == 100
    assert probed == [100, 99], probed
