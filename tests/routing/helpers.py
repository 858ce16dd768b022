"""Helpers the routing tests share: small networks by hand, and a checked plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evacplan.models import Network
from evacplan.routing import EvacuationPlan


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


def regional_plan(monkeypatch: pytest.MonkeyPatch, posts: int, **options: Any) -> EvacuationPlan:
    """``evacplan.plan()``'s schedule for ``benchmarks/bench_plan.py``'s regional timeline
    cut to ``posts`` posts (of 100 staff, with their dependants; three waves of release),
    with ``options``, the whole-party MIP given no time (the schedule is the sweep's and
    the re-routing's alone, the same on every machine)."""
    import evacplan
    from evacplan.routing import _settle

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import bench_plan

    monkeypatch.setattr(bench_plan, "POSTS", posts)
    monkeypatch.setattr(_settle, "_MIP_SECONDS", 0.0)
    return evacplan.plan(bench_plan.scenario(), **options).evacuation
