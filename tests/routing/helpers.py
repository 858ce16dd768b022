"""Helpers the routing tests share: small networks by hand, and a checked plan."""

from __future__ import annotations

from typing import Any

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
