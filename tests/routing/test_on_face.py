"""Whole parties among the least-harm flows (``routing._on_face``): proven by the bound itself.

A schedule of whole parties that keeps every arc the least-harm flows agree
on and uses the rest within their room has their harm and arrivals, the
least any schedule can have. The cases below are worked by hand where the
first-come, first-served sweep misses that and the face finds it, then
compared on random small cases with the MIP by windows and with an exact
model written apart from the solver (``test_parties_exact.exact``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.models import Network
from evacplan.results import Party, Status
from evacplan.routing import _on_face, _settle, evacuate
from tests.routing.helpers import checked
from tests.routing.test_parties_exact import STEP, exact
from tests.routing.test_windows import HAZARD, _figures

FACE_WORDS = "with parties kept whole it still has the least harm above"


def _road(capacity_per_hour: int = 60, risk: float = 0.5) -> Network:
    """Home to a haven: 20 minutes, ``capacity_per_hour`` (60: 5 a step of 5 minutes)."""
    return Network(
        places=[{"id": "home", "kind": "waypoint"}, {"id": "haven", "kind": "safe_haven"}],
        links=[
            {
                "source": "home",
                "target": "haven",
                "minutes": 20,
                "capacity_per_hour": capacity_per_hour,
                "risk": risk,
                "two_way": False,
            }
        ],
    )


FAMILIES = [
    Party("a", 2, "home", release_minute=5),
    Party("b", 2, "home", release_minute=5),
    Party("c", 3, "home", release_minute=5),
    Party("d", 2, "home", release_minute=5),
    Party("e", 3, "home", release_minute=60),
]


def _least_harm(parties: list[Party], net: Network | None = None) -> Any:
    return checked(
        evacuate(
            net or _road(),
            parties=parties,
            step_minutes=STEP,
            objective="least_harm",
            hazard_per_hour=HAZARD,
            time_limit=20,
        )
    )


def test_families_that_fill_the_road_as_the_split_flow_does_are_proven_on_the_face() -> None:
    """Nine people at minute 5 on a road of 5 a step, three more at minute 60.

    Split, 5 leave at minute 5 and 4 at 10; whole, first come first served
    sends a and b (4) at 5, then c and d (5) at 10, a person-step more. The
    face keeps 5 then 4 at the home's first two departures and finds the
    families that make them: c and one of two at 5, the other two at 10.
    Harm: 12 people x risk 0.5 = 6, and 0.12 an hour not safe over
    (5 x 20 + 4 x 25 + 3 x 20) minutes = 4 1/3 hours: 6.52.
    """
    plan = _least_harm(FAMILIES)
    assert plan.status is Status.OPTIMAL, plan.notes
    assert FACE_WORDS in plan.proof and "(2 waves solved apart)" in plan.proof
    assert plan.harm == pytest.approx(6.52) == plan.harm_lower_bound
    assert plan.hours_not_safe == pytest.approx(260 / 60)
    at = sorted((m.departure_minute, m.arrival_minute, m.count) for m in plan.movements)
    assert [(d, a) for d, a, _ in at] == [(5, 25), (5, 25), (10, 30), (60, 80)]
    assert sum(c for d, _, c in at if d == 5) == 5 and at[-2][2] == 4
    with mock.patch.object(_settle, "_exact_whole", lambda *args: None):
        draft = _least_harm(FAMILIES)
    assert draft.status is Status.FEASIBLE  # (the sweep alone misses the bound)
    assert draft.hours_not_safe > plan.hours_not_safe


def test_when_parties_cannot_fill_the_room_as_the_split_flow_does_the_windows_prove_it() -> None:
    """Two families of three on the road of 5 a step: split, 5 leave at once and 1 a step later;
    whole, 3 and 3. No whole-party schedule has the split harm: both faces hold none, and the
    MIP by windows proves 3 + 3 best."""
    parties = [Party("a", 3, "home"), Party("b", 3, "home")]
    faces = []
    real = _settle._exact_on_faces

    def spy(*args: Any) -> Any:
        faces.append(real(*args))
        return faces[-1]

    with mock.patch.object(_settle, "_exact_on_faces", spy):
        plan = _least_harm(parties)
    assert faces == [None]
    assert plan.status is Status.OPTIMAL, plan.notes
    assert FACE_WORDS not in plan.proof and "a MIP proves the schedule best" in plan.proof
    assert plan.hours_not_safe == pytest.approx((3 * 20 + 3 * 25) / 60)  # (split: 5 x 20 + 25)
    assert sorted(m.arrival_minute for m in plan.movements) == [20, 25]


def test_a_face_that_cannot_be_described_leaves_the_proof_to_the_windows() -> None:
    """Should the flow's potentials fail (a negative cycle: the flow not least for the faces'
    costs), the faces say nothing and the windows prove the plan, as before them."""
    from evacplan.errors import SolverError

    def broken(*args: Any) -> Any:
        raise SolverError("a least-cost flow's residual network has a negative cycle")

    with mock.patch.object(_on_face, "_potentials", broken):
        plan = _least_harm(FAMILIES)
    assert plan.status is Status.OPTIMAL, plan.notes
    assert FACE_WORDS not in plan.proof and "a MIP proves the schedule best" in plan.proof
    assert plan.hours_not_safe == pytest.approx(260 / 60)


def test_a_regional_timeline_of_ten_posts_is_proven_on_the_faces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``bench_plan.py``'s timeline cut to 10 posts (2,607 people, three waves of release): the sweep
    misses the split harm by 0.016, the MIP by windows finds nothing in its 10 s, and on the
    waves' faces a MIP finds a schedule of the split harm and arrivals (the first wave's face
    leaves 659 of its 21,893 arcs free: 3,686 variables)."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import bench_plan

    import evacplan

    monkeypatch.setattr(bench_plan, "POSTS", 10)
    cp = evacplan.plan(bench_plan.scenario())
    ev = cp.evacuation
    assert ev.status is Status.OPTIMAL, ev.notes
    assert FACE_WORDS in ev.proof and "(3 waves solved apart)" in ev.proof
    assert ev.harm == pytest.approx(63.874) == ev.harm_lower_bound
    assert ev.egress_minutes == ev.lower_bound_minutes
    assert not cp.verify()


def test_the_face_fixes_what_every_least_cost_flow_shares() -> None:
    """Two roads of equal cost from home and one dearer: the least-cost flows may share people
    between the equal roads in any way (free), and all leave the dear one empty (fixed).

    Nodes 0 (home), 1 and 2 (the cheap roads' ends), 3 (the dear road's end), 4 the sink, 5
    the source; six people, five on one cheap road and one on the other.
    """
    from evacplan.routing._expand import _TEN

    ten = mock.Mock(spec=_TEN)
    tails = np.array([0, 0, 0, 1, 2, 3, 5], dtype=np.int64)
    heads = np.array([1, 2, 3, 4, 4, 4, 0], dtype=np.int64)
    caps = np.array([5, 5, 5, 9, 9, 9, 6], dtype=np.int64)
    costs = np.array([1, 1, 7, 0, 0, 0, 0], dtype=np.int64)
    ten.graph.return_value = (tails, heads, caps)
    ten.n_nodes, ten.tail = 4, tails[:6]  # (arc 6: the source's, a supply in the MIP)
    flows = np.array([5, 1, 0, 5, 1, 0, 6], dtype=np.int64)
    least = _on_face._LeastFlow(ten, flows, np.zeros(1), np.zeros(1), 0)
    fixed = _on_face._fixed(least, costs)
    assert fixed.tolist() == [-1, -1, 0, -1, -1, 0]


@st.composite
def crowds(draw: st.DrawFn) -> list[Party]:
    """Two to six families of one to four at home, released at minutes 0, 5 or 60."""
    return [
        Party(
            f"f{i}",
            draw(st.integers(1, 4)),
            "home",
            release_minute=draw(st.sampled_from([0, 5, 60])),
        )
        for i in range(draw(st.integers(2, 6)))
    ]


def _faces_and_plan(parties: list[Party], net: Network) -> tuple[Any, dict[str, Any]]:
    """The plan, and what the faces alone find for its parties, whether or not the plan needed
    them: ``found``, the schedule's figures as the reference counts them (absent: none), and
    ``split``, the split flow's harm x 100."""
    from evacplan.routing import _evacuate, _parties

    seen: dict[str, Any] = {}
    real = _evacuate._against_bound

    def spy(run: Any, people: Any, sources: Any, flows: Any, *rest: Any) -> None:
        result, scale = flows.result, run.net.risk_scale
        if result.harm_low is not None:  # (None: no risk anywhere, so no least-harm flow)
            found = _on_face._on_faces(run.net, sources.initial, list(result.least), 20.0)
            # Harm is counted from minute 0 here, from each release in the plan's figures.
            waited = run.net.hazard_int * sum(p.count * p.released for _, p in sources.initial)
            seen["split"] = round(100 * (result.harm_low - waited) / scale)
            if found is not None:
                harm, arrivals, egress = _parties._score(
                    run.net, found.finished, found.used, "least_harm"
                )
                seen["found"] = (
                    round(100 * (harm - waited) / scale),
                    arrivals * STEP,
                    egress * STEP,
                )
        real(run, people, sources, flows, *rest)

    with mock.patch.object(_evacuate, "_against_bound", spy):
        plan = _least_harm(parties, net)
    return plan, seen


def _two_ways(capacity_per_hour: int, risk: float) -> Network:
    """Home to a haven by two ways alike (through x or y, 10 minutes and ``risk`` a leg): the
    least-harm flows may share people between them in many ways, of which whole parties may
    fit only some."""
    legs = [("home", "x"), ("x", "haven"), ("home", "y"), ("y", "haven")]
    return Network(
        places=[{"id": p, "kind": "waypoint"} for p in ("home", "x", "y")]
        + [{"id": "haven", "kind": "safe_haven"}],
        links=[
            {
                "source": a,
                "target": b,
                "minutes": 10,
                "capacity_per_hour": capacity_per_hour,
                "risk": risk,
                "two_way": False,
            }
            for a, b in legs
        ],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    crowds(),
    st.sampled_from([60, 90]),
    st.sampled_from([0.0, 0.5]),
    st.sampled_from([_road, _two_ways]),
)
def test_the_faces_find_the_exact_optimum_whenever_it_has_the_split_harm(
    parties: list[Party], capacity: int, risk: float, network: Any
) -> None:
    """Whatever the sweep found, the faces alone: a schedule there has the split harm and the
    exact reference's figures; when the exact optimum has the split harm, the faces find it
    (they hold every schedule of that harm). With the faces or by windows, the plans' figures
    are the same when both are proven."""
    net = network(capacity, risk)
    plan, seen = _faces_and_plan(parties, net)
    best = exact(net, parties, {"haven"}, [], "least_harm", None, 36)
    assert best is not None
    if "found" in seen:
        assert seen["found"][0] == seen["split"]
        assert seen["found"] == best, (seen["found"], best)
    elif "split" in seen:
        assert best[0] > seen["split"], (best, seen)
    with mock.patch.object(_settle, "_exact_on_faces", lambda *args: None):
        windows = _least_harm(parties, net)
    mine = _figures(plan, "least_harm")
    if plan.status is Status.OPTIMAL and windows.status is Status.OPTIMAL:
        assert mine == _figures(windows, "least_harm") == best
