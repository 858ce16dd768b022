"""Helpers of the staffing tests: one-post scenarios by hand; plans checked or tampered with."""

from __future__ import annotations

from typing import Any

from evacplan.models import Scenario
from evacplan.staffing import DrawdownPlan


def build(
    staff: list[dict[str, Any]],
    requirements: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    min_retained: int = 0,
    max_functions: int = 1,
    extra_posts: list[dict[str, Any]] = (),  # type: ignore[assignment]
    relocate_le: bool = False,
) -> Scenario:
    """A one-post scenario ('p') from short staff rows: id, skills, and flags."""
    rows = []
    for row in staff:
        full = {"post": "p", "category": "diplomat", "location": "home", **row}
        rows.append(full)
    posts = [
        {
            "id": "p",
            "name": "Post",
            "place": "office",
            "min_retained": min_retained,
            "requirements": list(requirements),
        },
        *extra_posts,
    ]
    return Scenario.model_validate(
        {
            "name": "hand",
            "start": "2020-01-03T06:00:00Z",
            "places": [
                {"id": "office", "kind": "post"},
                {"id": "home", "kind": "residence"},
                {"id": "haven", "kind": "safe_haven"},
            ],
            "posts": posts,
            "staff": rows,
            "policy": {
                "max_functions_per_person": max_functions,
                "relocate_locally_engaged": relocate_le,
            },
        }
    )


def need(function: str, skill: str, minimal: int) -> dict[str, Any]:
    return {"function": function, "skill": skill, "minimum": {"minimal": minimal}}


def ok(plan: DrawdownPlan) -> DrawdownPlan:
    assert plan.verify() == [], plan.verify()
    return plan


def tamper(plan: DrawdownPlan, **changes: Any) -> DrawdownPlan:
    """A shallow copy of the plan with some attributes replaced."""
    copy = object.__new__(DrawdownPlan)
    copy.__dict__.update(plan.__dict__)
    copy.__dict__.update(changes)
    return copy
