"""plan() on generated timelines: monotone, every person accounted for once, verified."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan import plan
from evacplan._generate import generate_scenario
from evacplan.models import Posture, Scenario

POSTURES = ["normal", "reduced", "minimal", "suspended"]


@st.composite
def timelines(draw: st.DrawFn) -> Scenario:
    """A small generated scenario with a few tripwires at random times and postures."""
    base = generate_scenario(
        posts=draw(st.integers(1, 3)),
        staff_per_post=draw(st.integers(10, 14)),
        seed=draw(st.integers(0, 10_000)),
    )
    posts = [p.id for p in base.posts]
    points: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        chosen = draw(st.lists(st.sampled_from(posts), max_size=len(posts), unique=True))
        points.append(
            {
                "id": f"dp-{i}",
                "posture": draw(st.sampled_from(POSTURES[1:])),
                "posts": chosen,
                "at": draw(st.sampled_from([0, 60, 180, 600, 1440])),
            }
        )
    muster = draw(st.sampled_from([0, 30, 60]))
    return base.replace(
        decision_points=points, policy={**base.policy.model_dump(), "muster_minutes": muster}
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timelines())
def test_generated_timelines_are_monotone_and_account_for_everyone(scenario: Scenario) -> None:
    cp = plan(scenario)
    assert cp.verify() == [], cp.verify()
    # Postures only rise, stage by stage.
    before = {p.id: p.posture for p in scenario.posts}
    for stage in cp.stages:
        for post, posture in stage.postures.items():
            assert posture >= before[post]
            before[post] = posture
    # Nobody released is retained at a later stage, and nobody is released twice.
    released: dict[str, int] = {}
    for stage in cp.stages:
        for ids in stage.retained.values():
            assert not set(ids) & set(released), (stage.index, set(ids) & set(released))
        for party in stage.parties:
            assert party.id not in released
            released[party.id] = stage.index
            assert party.release_minute == stage.minute + scenario.policy.muster_minutes
    # Every person once; the people in parties add up.
    rows = cp.accounting()
    people = sum(m.party_size for m in scenario.staff)
    assert len(rows) == people == len({r.person for r in rows})
    assert Counter(r.party for r in rows if r.party) == {
        p.id: p.size for s in cp.stages for p in s.parties
    }
    # A suspended post keeps nobody; an open one keeps its retained staff.
    final = cp.stages[-1].postures if cp.stages else {p.id: p.posture for p in scenario.posts}
    for r in rows:
        if r.state == "retained" and "/dependant-" not in r.person:
            assert final[scenario.staff_by_id[r.person].post] < Posture.SUSPENDED
