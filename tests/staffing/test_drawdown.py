"""Drawdown: small cases worked out by hand, on the tiny seed and on one-post scenarios."""

from __future__ import annotations

from evacplan.models import Posture, Scenario
from evacplan.results import Party, Status
from evacplan.staffing import drawdown

from .helpers import build, need, ok


def test_tiny_minimal_keeps_head_of_mission_and_volunteer_crypto(tiny: Scenario) -> None:
    """Minimal needs leadership and crypto: cap-01 must remain; the volunteer cap-03 beats cap-04."""
    plan = ok(drawdown(tiny, "minimal"))
    assert plan.status is Status.OPTIMAL
    assert plan.retained == {"capital": ["cap-01", "cap-03"]}
    assert plan.departing == {"capital": ["cap-02", "cap-04", "cap-05", "cap-06"]}
    assert plan.covers == {"cap-01": "head-of-mission", "cap-03": "secure-comms"}
    # retained 2; preference: cap-01 is not a volunteer (1), cap-03 is (0)
    assert plan.objective == (2, 1, 0, 0)
    assert plan.bound == plan.objective and plan.gap == (0, 0, 0, 0) and plan.is_optimal


def test_tiny_minimal_parties_account_for_everyone(tiny: Scenario) -> None:
    """Departing staff travel with dependants; cap-01's dependant leaves alone; the driver stays home."""
    plan = ok(drawdown(tiny, "minimal"))
    assert plan.parties == [
        Party("cap-01/dependants", 1, "residence", "capital"),
        Party("cap-02", 3, "residence", "capital"),
        Party("cap-04", 4, "residence", "capital"),
        Party("cap-05", 1, "embassy", "capital"),
        Party("cap-06", 1, "residence", "capital", relocate=False),
    ]
    people = sum(1 + m.dependants for m in tiny.staff)
    assert sum(p.size for p in plan.parties) + len(plan.retained["capital"]) == people


def test_tiny_reduced_keeps_deputy_for_consular(tiny: Scenario) -> None:
    """Reduced adds one consular slot: the volunteer cap-02 beats cap-05; both retained's dependants leave."""
    plan = ok(drawdown(tiny, "reduced"))
    assert plan.retained["capital"] == ["cap-01", "cap-02", "cap-03"]
    assert plan.covers == {
        "cap-01": "head-of-mission",
        "cap-02": "consular",
        "cap-03": "secure-comms",
    }
    assert {p.id for p in plan.parties if p.id.endswith("/dependants")} == {
        "cap-01/dependants",
        "cap-02/dependants",
    }


def test_tiny_normal_dependants_stay_with_retained_staff(tiny: Scenario) -> None:
    """Normal needs 1 + 2 + 2 people; nobody's dependants leave without them."""
    plan = ok(drawdown(tiny, "normal"))
    assert plan.retained["capital"] == ["cap-01", "cap-02", "cap-03", "cap-04", "cap-05"]
    assert plan.parties == [Party("cap-06", 1, "residence", "capital", relocate=False)]


def test_tiny_suspended_everyone_leaves_even_must_remain(tiny: Scenario) -> None:
    """A suspended post closes: must_remain no longer applies and all 12 people leave."""
    plan = ok(drawdown(tiny, "suspended"))
    assert plan.retained == {"capital": []}
    assert plan.covers == {}
    assert [p.id for p in plan.parties] == [m.id for m in tiny.staff]
    assert sum(p.size for p in plan.parties) == 12
    assert "closes and everyone leaves" in plan.explain("cap-01")


def test_default_posture_comes_from_decision_points(tiny: Scenario) -> None:
    """With posture=None, tiny's tripwire takes the capital to minimal."""
    plan = drawdown(tiny)
    assert plan.postures == {"capital": Posture.MINIMAL}
    assert plan.retained == drawdown(tiny, "minimal").retained


def test_posture_mapping_names_posts(tiny: Scenario) -> None:
    """A mapping sets the named posts' postures (Posture members and names both work)."""
    assert drawdown(tiny, {"capital": Posture.REDUCED}).postures == {"capital": Posture.REDUCED}
    assert drawdown(tiny, {"capital": "Suspended"}).postures == {"capital": Posture.SUSPENDED}


# ------------------------------------------------------------ hand-made scenarios


def test_two_functions_per_person_lets_one_person_cover_both() -> None:
    """With max 2 functions a person, 'ab' covers both a and b: 1 person instead of 2."""
    staff = [
        {"id": "ab", "skills": ["a", "b"]},
        {"id": "a1", "skills": ["a"]},
        {"id": "b1", "skills": ["b"]},
    ]
    reqs = [need("fa", "a", 1), need("fb", "b", 1)]
    one = ok(drawdown(build(staff, reqs, max_functions=1), "minimal"))
    two = ok(drawdown(build(staff, reqs, max_functions=2), "minimal"))
    assert one.objective[0] == 2
    assert two.retained == {"p": ["ab"]}
    assert two.covers == {"ab": ("fa", "fb")}
    assert two.assignments == {"ab": ("fa", "fb")}


def test_a_function_of_two_slots_needs_two_people() -> None:
    """Two slots of one function are two different people, whatever the policy allows."""
    staff = [{"id": "x", "skills": ["a"]}, {"id": "y", "skills": ["a"]}]
    plan = ok(drawdown(build(staff, [need("fa", "a", 2)], max_functions=3), "minimal"))
    assert plan.retained == {"p": ["x", "y"]}


def test_min_retained_pads_with_volunteers_then_the_not_vulnerable() -> None:
    """One slot but min_retained 3: keep the coverer, then the volunteer, then the non-vulnerable."""
    staff = [
        {"id": "cov", "skills": ["a"]},
        {"id": "frail", "vulnerable": True},
        {"id": "plain"},
        {"id": "keen", "volunteer": True},
    ]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1)], min_retained=3), "minimal"))
    assert plan.retained == {"p": ["cov", "plain", "keen"]}
    assert plan.covers == {"cov": "fa"}
    # preference: cov 1 + plain 1 + keen 0
    assert plan.objective[:2] == (3, 2)
    assert "must keep at least 3 people" in plan.explain("keen")


def test_vulnerable_volunteer_ties_with_plain_non_volunteer() -> None:
    """Penalty is (not volunteer) + vulnerable: a vulnerable volunteer and a plain person both cost 1."""
    staff = [
        {"id": "vv", "skills": ["a"], "vulnerable": True, "volunteer": True},
        {"id": "pl", "skills": ["a"]},
        {"id": "vn", "skills": ["a"], "vulnerable": True},
    ]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1)]), "minimal"))
    assert plan.objective[:2] == (1, 1)
    assert plan.retained["p"] != ["vn"]


def test_must_remain_without_a_needed_skill_still_stays() -> None:
    """must_remain keeps a person who covers nothing; the slot goes to someone else."""
    staff = [{"id": "boss", "must_remain": True}, {"id": "tech", "skills": ["a"]}]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1)]), "minimal"))
    assert plan.retained == {"p": ["boss", "tech"]}
    assert plan.covers == {"tech": "fa"}
    assert "must remain" in plan.explain("boss")


def test_must_remain_person_covers_when_able() -> None:
    """A must_remain person with the skill covers the slot, saving a second person."""
    staff = [
        {"id": "keen", "skills": ["a"], "volunteer": True},
        {"id": "boss", "skills": ["a"], "must_remain": True},
    ]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1)]), "minimal"))
    assert plan.retained == {"p": ["boss"]}


def test_locally_engaged_relocation_follows_policy_and_flag() -> None:
    """LE staff stand down at home unless the policy or their own flag says relocate."""
    staff = [
        {"id": "le1", "category": "locally_engaged"},
        {"id": "le2", "category": "locally_engaged", "relocate": True},
        {"id": "dip", "relocate": False},
    ]
    home = ok(drawdown(build(staff), "minimal"))
    assert {p.id: p.relocate for p in home.parties} == {"le1": False, "le2": True, "dip": False}
    moved = ok(drawdown(build(staff, relocate_le=True), "minimal"))
    assert {p.id: p.relocate for p in moved.parties} == {"le1": True, "le2": True, "dip": False}
    assert "stand down at home" in home.explain("le1")


def test_two_posts_are_solved_independently_and_levels_sum() -> None:
    """Levels are sums over posts; each post keeps its own staff."""
    scenario = build(
        [
            {"id": "a1", "skills": ["a"]},
            {"id": "b1", "skills": ["b"], "post": "q"},
            {"id": "b2", "skills": ["b"], "post": "q", "volunteer": True},
        ],
        [need("fa", "a", 1)],
        extra_posts=[
            {
                "id": "q",
                "name": "Q",
                "place": "office",
                "min_retained": 0,
                "requirements": [need("fb", "b", 1)],
            }
        ],
    )
    plan = ok(drawdown(scenario, "minimal"))
    assert plan.retained == {"p": ["a1"], "q": ["b2"]}
    assert plan.objective[:2] == (2, 1)
    assert [lv.value for lv in plan.post_levels["q"]][:2] == [1, 0]
