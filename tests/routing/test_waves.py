"""least_harm wave by wave (``routing._waves``): people released far apart are planned apart
and proven together, with the very figures of one flow over everyone, or planned as one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.models import Network
from evacplan.results import Party
from evacplan.routing import _waves, evacuate
from evacplan.routing._clock import _Clock
from evacplan.routing._compile import _compile
from evacplan.routing._search import _Splittable
from evacplan.routing._solve import _FlowResult, _solve_flows
from tests.routing.helpers import checked
from tests.routing.test_property import risky_instances


def _splittable(net: Network, threats: Any, safe: set[str], step: int, sources: Any) -> Any:
    c = _compile(net, threats, step, safe)
    index = {p: i for i, p in enumerate(c.ids)}
    place, release, count = zip(*[(index[p], r, n) for p, r, n in sources], strict=True)
    return _Splittable(c, np.array(place), np.array(release), np.array(count))


def _solved(make: Any, waves: bool) -> _FlowResult:
    with pytest.MonkeyPatch.context() as patch:
        if not waves:
            patch.setattr(_waves, "MIN_WAVE_GAP", 10**9)
        return _solve_flows(make(), "least_harm", None, _Clock(None))


def _figures(r: _FlowResult) -> tuple[Any, ...]:
    return (r.harm_low, r.risk_int, r.arrival_sum, r.horizon, r.lower, r.proven)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(risky_instances(), st.lists(st.sampled_from([0, 1, 2]), min_size=2, max_size=6))
def test_waves_give_the_figures_of_one_flow_over_everyone(case: Any, waves: list[int]) -> None:
    """Random risky networks with threats and waiting risk; families in up to three waves a day
    apart: wave by wave or as one, the same least harm, arrivals, egress and proof level."""
    net, supply, safe, step, threats = case
    places = sorted(supply)
    sources = [(places[i % len(places)], w * 1440 // step, 2 + i % 3) for i, w in enumerate(waves)]

    def make() -> Any:
        return _splittable(net, threats, safe, step, sources)

    assert _figures(_solved(make, True)) == _figures(_solved(make, False))


def test_a_slow_safe_road_is_travel_not_waiting() -> None:
    """No hazard; from p1 a risky link of 0 minutes or a safe road of 12 to p0, families a
    day apart. Wave by wave, the first wave alone once stopped at minute 4 as if those still
    to arrive were waiting for room ("no step bounds it", unproven, risk 300): they are on
    the safe road. Now as one flow: no risk, proven."""
    net = Network(
        places=[{"id": "p0", "kind": "waypoint"}, {"id": "p1", "kind": "waypoint"}],
        links=[
            {"id": "safe", "source": "p1", "target": "p0", "minutes": 12}
            | {"capacity_per_hour": 60, "two_way": False},
            {"id": "risky", "source": "p0", "target": "p1", "minutes": 0}
            | {"capacity_per_hour": 60, "risk": 0.05, "two_way": True},
        ],
    )

    def make() -> Any:
        return _splittable(net, [], {"p0"}, 1, [("p1", 0, 2), ("p1", 1440, 3)])

    waves = _solved(make, True)
    assert _figures(waves) == _figures(_solved(make, False))
    assert waves.risk_int == 0 and waves.proven == 3


def _road(capacity_per_hour: int) -> Network:
    return Network(
        places=[{"id": "home", "kind": "residence"}, {"id": "haven", "kind": "safe_haven"}],
        links=[
            {"source": "home", "target": "haven", "minutes": 30, "risk": 0.01}
            | {"capacity_per_hour": capacity_per_hour}
        ],
    )


def test_families_a_day_apart_are_planned_wave_by_wave() -> None:
    """Two stages' families a day apart on one road: two waves, said in the proof."""
    parties = [Party(f"a{i}", 3, "home") for i in range(4)]
    parties += [Party(f"b{i}", 3, "home", release_minute=1440) for i in range(4)]
    call = {"parties": parties, "step_minutes": 5, "objective": "least_harm"}
    plan = checked(evacuate(_road(60), **call))
    assert plan.status == "optimal" and "released in 2 waves" in plan.proof
    assert plan.harm_lower_bound == pytest.approx(plan.harm, abs=1e-12)
    # Five a step, families of three whole: one family a step, the last leaves at +15.
    assert plan.egress_minutes == 1440 + 15 + 30
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_waves, "MIN_WAVE_GAP", 10**9)
        one = checked(evacuate(_road(60), **call))
    assert "waves" not in one.proof
    assert (plan.harm, plan.egress_minutes) == (one.harm, one.egress_minutes)


def test_waves_whose_queues_overlap_are_planned_as_one() -> None:
    """On a road taking one person an hour, the first wave's queue still fills the road when
    the second is released: apart, their schedules would overfill it, so they are one flow."""
    parties = [Party(f"a{i}", 1, "home") for i in range(30)]
    parties += [Party(f"b{i}", 1, "home", release_minute=600) for i in range(5)]
    sources = [("home", 0, 30), ("home", 600 // 5, 5)]

    def make() -> Any:
        return _splittable(_road(1), [], {"haven"}, 5, sources)

    sp = make()
    assert len(_waves._waves(sp)) == 2
    assert _waves._by_waves(sp, None, _Clock(None)) is None
    assert _figures(_solved(make, True)) == _figures(_solved(make, False))
    plan = checked(evacuate(_road(1), parties=parties, step_minutes=5, objective="least_harm"))
    assert "waves" not in plan.proof and plan.status == "optimal"
