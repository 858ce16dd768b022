"""verify(): the independent checks catch a plan that breaks a rule."""

from __future__ import annotations

from typing import Any

import pytest

from evacplan.errors import VerificationError
from evacplan.models import Scenario
from evacplan.results import Party
from evacplan.staffing import drawdown

from .helpers import build, need, tamper


@pytest.mark.parametrize(
    ("change", "rules"),
    [
        ({"retained": {"capital": ["cap-03"]}}, {"must-remain", "accounted", "cover", "objective"}),
        ({"retained": {"capital": ["cap-01", "cap-03", "cap-04"]}}, {"accounted", "objective"}),
        ({"covers": {"cap-01": "head-of-mission", "cap-03": "consular"}}, {"cover"}),
        ({"assignments": {"cap-01": ("head-of-mission",), "cap-05": ("secure-comms",)}}, {"cover"}),
        ({"parties": []}, {"accounted", "dependants-leave"}),
    ],
)
def test_verify_catches_a_broken_plan(
    tiny: Scenario, change: dict[str, Any], rules: set[str]
) -> None:
    """verify() names the rules a tampered plan breaks, and strict=True raises them."""
    plan = drawdown(tiny, "minimal")
    broken = tamper(plan, **change)
    found = {v.rule for v in broken.verify()}
    assert rules <= found, found
    with pytest.raises(VerificationError) as err:
        broken.verify(strict=True)
    assert isinstance(err.value, AssertionError)


def test_verify_catches_a_wrong_party(tiny: Scenario) -> None:
    """A party of the wrong size, or a retained person's dependants left behind, is caught."""
    plan = drawdown(tiny, "minimal")
    parties = [
        Party(p.id, p.size + 1, p.location, p.post, relocate=p.relocate) if p.id == "cap-02" else p
        for p in plan.parties
    ]
    assert {v.rule for v in tamper(plan, parties=parties).verify()} == {"accounted"}
    parties = [p for p in plan.parties if p.id != "cap-01/dependants"]
    assert {v.rule for v in tamper(plan, parties=parties).verify()} == {"dependants-leave"}


def test_verify_catches_a_wrong_conflict() -> None:
    """A conflict set with an extra rule is not irreducible; one that can hold is caught."""
    staff = [{"id": "c", "skills": ["crypto"], "must_leave": True}, {"id": "x"}]
    plan = drawdown(build(staff, [need("comms", "crypto", 1)], min_retained=1), "minimal")
    extra = type(plan.conflicts[0])("min-retained", "p", None, "padding")
    assert {v.rule for v in tamper(plan, conflicts=[*plan.conflicts, extra]).verify()} == {
        "conflict"
    }
    assert {v.rule for v in tamper(plan, conflicts=plan.conflicts[1:]).verify()} == {"conflict"}


def test_verify_catches_a_headcount_that_is_not_minimal(tiny: Scenario) -> None:
    """A plan claiming 3 is the optimum at minimal fails the independent min-cost flow."""
    plan = drawdown(tiny, "reduced")
    fake = drawdown(tiny, "normal")  # keeps more than needed at reduced
    broken = tamper(
        fake,
        postures=plan.postures,
        post_levels={
            "capital": tuple(
                type(lv)(lv.name, lv.description, lv.value, lv.value)
                for lv in fake.post_levels["capital"]
            )
        },
    )
    rules = {v.rule for v in broken.verify()}
    assert "fewest-retained" in rules


def test_verify_catches_a_function_filled_by_a_barred_category() -> None:
    """A plan made without ``categories``, checked against the scenario with them.

    The locally engaged volunteer guard covers post security, which the requirement
    leaves to diplomats and the military: verify() names the rule, the person and why,
    then the function left uncovered, and nothing else (headcount and levels are the
    same either way).
    """
    staff = [
        {"id": "hom", "skills": ["leadership"], "must_remain": True},
        {"id": "guard", "skills": ["security"], "category": "locally_engaged", "volunteer": True},
        {"id": "dip", "skills": ["security"]},
    ]
    security = need("post-security", "security", 1)
    lead = need("head-of-mission", "leadership", 1)
    free = drawdown(build(staff, [lead, security], min_retained=2), "minimal")
    assert free.covers == {"hom": "head-of-mission", "guard": "post-security"}
    only = {**security, "categories": ["diplomat", "military"]}
    barred = build(staff, [lead, only], min_retained=2)
    broken = tamper(free, scenario=barred)
    assert [(v.rule, v.post, v.subject, v.message) for v in broken.verify()] == [
        (
            "categories",
            "p",
            "guard",
            "guard is locally engaged and covers post-security, which only a diplomat or "
            "military member may fill",
        ),
        (
            "cover",
            "p",
            "post-security",
            "post-security needs 1 person with 'security', each a diplomat or military member; "
            "0 cover it",
        ),
    ]
    with pytest.raises(VerificationError, match=r"\[categories\] p: guard is locally engaged"):
        broken.verify(strict=True)
