"""The timeline's stages: which decision points fire when, and the postures they leave.

:func:`_timeline` reads a scenario's decision points (``at``; ``on_threat``
at its threat's ``at``; an ``indicator`` only when the caller names it with
a time) and groups those that fire at the same minute into one stage, in
time order. A post's posture only rises: a later, lower posture is held and
noted. A first stage at minute 0 stands for the postures the file declares,
when any post starts above normal. :mod:`._plan` draws the posts down stage
by stage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from evacplan.models import Posture, Scenario


@dataclass(frozen=True, slots=True)
class _StageSpec:
    """When a stage happens, what fired, and every post's posture from then on."""

    minute: float
    fired: tuple[str, ...]
    postures: dict[str, Posture]
    raised: tuple[str, ...]
    """The posts whose posture rises at this stage."""


def _timeline(
    scenario: Scenario, indicators: Mapping[str, float]
) -> tuple[list[_StageSpec], list[str]]:
    """The stages in time order, and notes on decision points that change nothing.

    ``indicators`` maps indicator decision point ids to the minute they fire
    (already checked by :mod:`._arguments`).
    """
    when: dict[float, list[str]] = defaultdict(list)
    for point in scenario.decision_points:
        times = []
        timed = scenario.decision_minute(point)
        if timed is not None:
            times.append(timed)
        if point.id in indicators:
            times.append(float(indicators[point.id]))
        if times:
            when[min(times)].append(point.id)
    points = {p.id: p for p in scenario.decision_points}
    current = {post.id: post.posture for post in scenario.posts}
    stages: list[_StageSpec] = []
    notes: list[str] = []
    opening = tuple(p for p, posture in current.items() if posture > Posture.NORMAL)
    if opening and 0.0 not in when:
        stages.append(_StageSpec(0.0, (), dict(current), opening))
    for minute in sorted(when):
        raised: list[str] = []
        for point_id in when[minute]:
            point = points[point_id]
            for post_id in point.posts or tuple(current):
                if point.posture > current[post_id]:
                    current[post_id] = point.posture
                    if post_id not in raised:
                        raised.append(post_id)
                elif point.posture < current[post_id]:
                    notes.append(
                        f"decision point {point_id} ({scenario.clock(minute)}) would set {post_id} to "
                        f"{point.posture}, but it is already at {current[post_id]}: the "
                        "posture is held (it only rises)"
                    )
        if minute == 0.0:
            raised = [p for p in current if current[p] > Posture.NORMAL]
        stages.append(_StageSpec(minute, tuple(when[minute]), dict(current), tuple(raised)))
    return stages, notes
