"""The network graph and its state as threats unfold."""

from __future__ import annotations

import pytest

from evacplan import Network, Scenario, ThreatEvent
from evacplan.network import arc_schedules, arcs, state_at, to_graph


def test_graph_of_a_scenario(tiny: Scenario) -> None:
    """Two-way links give an edge each way; one-way links one; attributes ride along."""
    g = to_graph(tiny)
    assert g.number_of_nodes() == 5
    assert g.number_of_edges() == 9  # four two-way links and one flight
    assert g.has_edge("haven", "border") and not g.has_edge("haven", "airport")
    edge = g["embassy"]["airport"]["airport-road"]
    assert (edge["minutes"], edge["capacity_per_hour"], edge["risk"], edge["mode"]) == (
        30.0,
        60.0,
        0.1,
        "road",
    )
    assert g.nodes["haven"]["safe"] and not g.nodes["airport"]["safe"]
    assert g.nodes["embassy"]["lat"] == 33.30


def test_parallel_links_keep_separate_edges() -> None:
    """Two unnamed links between the same places are both in the graph."""
    net = Network(
        places=[{"id": "a", "kind": "post"}, {"id": "b", "kind": "safe_haven"}],
        links=[
            {"source": "a", "target": "b", "minutes": 5, "capacity_per_hour": 10, "two_way": False},
            {"source": "a", "target": "b", "minutes": 5, "capacity_per_hour": 20, "two_way": False},
        ],
    )
    g = to_graph(net)
    assert sorted(d["capacity_per_hour"] for _, _, d in g.edges(data=True)) == [10, 20]
    assert len({a.key for a in arcs(net)}) == 2


@pytest.mark.parametrize(
    ("minute", "road_risk", "airport_edges", "flight"),
    [
        (0, 0.1, True, True),
        (119, 0.1, True, True),
        (120, 0.1, True, False),
        (12 * 60, 0.3, True, False),
        (48 * 60, None, False, False),
    ],
)
def test_state_over_the_threat_timeline(
    tiny: Scenario, minute: int, road_risk: float | None, airport_edges: bool, flight: bool
) -> None:
    """The airport road's risk rises at 12 h, the flight window shuts at 2 h, the airport closes at 48 h."""
    g = state_at(tiny, minute)
    assert g.graph["minute"] == minute
    assert g.has_edge("airport", "haven") is flight
    assert g.has_edge("embassy", "airport") is airport_edges
    if road_risk is not None:
        assert g["embassy"]["airport"]["airport-road"]["risk"] == road_risk
    assert g.has_edge("embassy", "border")  # the desert road never closes


def test_threat_until_lifts(tiny: Scenario) -> None:
    """A threat with an end restores the link afterwards."""
    lifting = [ThreatEvent(id="jam", at=60, until=120, places=["border"], closes=True)]
    assert not state_at(tiny, 90, threats=lifting).has_edge("embassy", "border")
    assert state_at(tiny, 120, threats=lifting).has_edge("embassy", "border")


def test_region_threats_touch_links_with_an_end_in_the_region(tiny: Scenario) -> None:
    """A region's risk applies to every link touching a place in it, and only those."""
    threat = [ThreatEvent(id="unrest", at=0, regions=["frontier"], risk=0.7)]
    g = state_at(tiny, 0, threats=threat)
    assert g["embassy"]["border"]["desert-road"]["risk"] == 0.7
    assert g["border"]["haven"]["crossing"]["risk"] == 0.7
    assert g["embassy"]["airport"]["airport-road"]["risk"] == 0.1


def test_risk_is_never_lowered_by_a_threat(tiny: Scenario) -> None:
    """A threat raises risk to at least its level; a lower level leaves the link's own."""
    threat = [ThreatEvent(id="calm", at=0, links=["airport-road"], risk=0.01)]
    assert state_at(tiny, 0, threats=threat)["embassy"]["airport"]["airport-road"]["risk"] == 0.1


def test_schedules_are_piecewise_and_minimal(tiny: Scenario) -> None:
    """Each schedule starts at 0 and lists only real changes."""
    by_key = {(s.arc.key, s.arc.source): s for s in arc_schedules(tiny)}
    flight = by_key[("flight", "airport")]
    assert (flight.minutes, flight.open) == ((0.0, 120.0), (True, False))
    crossing = by_key[("crossing", "border")]
    assert (crossing.minutes, crossing.open, crossing.risk) == ((0.0,), (True,), (0.0,))
    for schedule in by_key.values():
        assert schedule.minutes[0] == 0
        assert list(schedule.minutes) == sorted(set(schedule.minutes))


def test_graph_needs_a_network() -> None:
    """Anything else is a TypeError naming what was given."""
    with pytest.raises(TypeError, match="expected a Network or a Scenario, got dict"):
        to_graph({})  # type: ignore[arg-type]


def test_a_threat_names_a_link_without_an_id_by_its_label(raw: dict) -> None:
    """``source<->target`` (``->`` one-way) names an unnamed link; a wrong label is refused."""
    from evacplan import ScenarioError

    del raw["links"][3]["id"]  # the crossing, border <-> haven
    raw["threats"].append({"id": "shut", "at": 0, "links": ["border<->haven"], "closes": True})
    scenario = Scenario.model_validate(raw)
    crossing = [s for s in arc_schedules(scenario) if s.arc.key == "border<->haven"]
    assert len(crossing) == 2 and all(s.open == (False,) for s in crossing)
    raw["threats"][-1]["links"] = ["border->haven"]
    with pytest.raises(ScenarioError) as caught:
        Scenario.model_validate(raw)
    assert (
        "threats[2].links[0]: 'border->haven' is not a link; did you mean 'border<->haven'?"
        in str(caught.value)
    )
