"""The domain models: defaults, derived values, and posture order."""

from __future__ import annotations

import pytest

from evacplan import (
    Category,
    Link,
    Network,
    Place,
    Posture,
    Requirement,
    Scenario,
    ScenarioError,
    StaffMember,
    ThreatEvent,
)


def test_postures_are_ordered_not_alphabetical() -> None:
    """normal < reduced < minimal < suspended, whatever the letters say."""
    assert sorted(["suspended", "minimal", "normal", "reduced"], key=Posture) == [
        "normal",
        "reduced",
        "minimal",
        "suspended",
    ]
    assert Posture("minimal") > Posture("reduced")
    assert max(Posture.NORMAL, Posture.SUSPENDED) is Posture.SUSPENDED
    assert not Posture.SUSPENDED.is_open and Posture.MINIMAL.is_open


def test_place_safety_follows_kind_unless_overridden() -> None:
    """A safe haven is safe; any place may be declared safe, and a haven unsafe."""
    assert Place(id="h", kind="safe_haven").is_safe
    assert not Place(id="a", kind="airport").is_safe
    assert Place(id="a", kind="airport", safe=True).is_safe
    assert not Place(id="h", kind="safe_haven", safe=False).is_safe


def test_models_are_frozen(tiny: Scenario) -> None:
    """Scenarios cannot be changed in place: change them by copy."""
    with pytest.raises(ValueError):
        tiny.name = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        tiny.staff[0].must_remain = False  # type: ignore[misc]


def test_requirement_slots_per_posture() -> None:
    """A posture not named needs nobody; a suspended post needs nobody."""
    req = Requirement(function="comms", skill="crypto", minimum={"normal": 2, "minimal": 1})
    assert [req.slots(p) for p in Posture] == [2, 0, 1, 0]


def test_requirement_categories_default_to_any() -> None:
    """A requirement without categories admits every category; with them, only those."""
    anyone = Requirement(function="comms", skill="crypto")
    assert anyone.categories == () and all(anyone.admits(c) for c in Category)
    guard = Requirement(
        function="post-security",
        skill="security",
        minimum={"minimal": 1},
        categories=["diplomat", "military"],
    )
    assert guard.categories == (Category.DIPLOMAT, Category.MILITARY)
    assert [c.value for c in Category if guard.admits(c)] == ["diplomat", "military"]
    assert not guard.admits("locally_engaged")


def test_requirement_categories_in_the_json_schema() -> None:
    """The JSON Schema offers the four categories for a requirement's categories, and no other."""
    import jsonschema

    from evacplan.io import scenario_json_schema

    schema = scenario_json_schema()
    items = schema["$defs"]["Requirement"]["properties"]["categories"]["items"]
    assert schema["$defs"][items["$ref"].split("/")[-1]]["enum"] == [c.value for c in Category]
    just = {"$defs": schema["$defs"], "$ref": "#/$defs/Requirement"}
    requirement = {"function": "f", "skill": "s", "categories": ["military"]}
    jsonschema.validate(requirement, just)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**requirement, "categories": ["guard"]}, just)


def test_relocation_defaults(tiny: Scenario) -> None:
    """Staff relocate by default; locally engaged staff stand down at home unless told."""
    by_id = tiny.staff_by_id
    assert tiny.relocates(by_id["cap-02"])
    assert by_id["cap-06"].category is Category.LOCALLY_ENGAGED
    assert not tiny.relocates(by_id["cap-06"])
    policy = tiny.policy.model_copy(update={"relocate_locally_engaged": True})
    assert tiny.model_copy(update={"policy": policy}).relocates(by_id["cap-06"])
    member = StaffMember(
        id="x", post="capital", category="locally_engaged", location="embassy", relocate=True
    )
    assert tiny.relocates(member)


def test_party_size_counts_the_staff_member(tiny: Scenario) -> None:
    """A party is the staff member plus dependants."""
    assert tiny.staff_by_id["cap-04"].party_size == 4
    assert sum(size for _, size in tiny.parties()) == 12


def test_indexes(tiny: Scenario) -> None:
    """Lookups by id cover everything; every post has a staff list."""
    assert set(tiny.place_by_id) == {"embassy", "residence", "airport", "border", "haven"}
    assert [m.id for m in tiny.staff_by_post["capital"]] == [f"cap-0{i}" for i in range(1, 7)]
    assert tiny.network.place_by_id.keys() == tiny.place_by_id.keys()


def test_postures_under_decision_points(tiny: Scenario) -> None:
    """Tripwires fire at their time; with no time given, all fire (the posture to plan for)."""
    assert tiny.postures(at=0) == {"capital": Posture.NORMAL}
    assert tiny.postures(at=24 * 60 - 1) == {"capital": Posture.NORMAL}
    assert tiny.postures(at=24 * 60) == {"capital": Posture.MINIMAL}
    assert tiny.postures() == {"capital": Posture.MINIMAL}


def test_decision_point_on_threat_fires_with_the_threat(raw: dict) -> None:
    """A tripwire tied to a threat fires when the threat begins; an indicator-only one needs no time."""
    raw["decision_points"] = [
        {"id": "on-close", "posture": "suspended", "on_threat": "airport-closes"},
        {"id": "watch", "posture": "reduced", "indicator": "crowds at the gate"},
    ]
    s = Scenario(**raw)
    assert s.decision_minute(s.decision_points[0]) == 48 * 60
    assert s.decision_minute(s.decision_points[1]) is None
    assert s.postures(at=48 * 60 - 1)["capital"] is Posture.NORMAL
    assert s.postures(at=48 * 60)["capital"] is Posture.SUSPENDED
    assert s.postures()["capital"] is Posture.SUSPENDED


def test_indicator_tripwires_are_contingent(raw: dict) -> None:
    """A tripwire on an indicator alone fires only when the planner says its indicator has."""
    raw["decision_points"].append(
        {"id": "watch", "posture": "suspended", "indicator": "mob at the gate"}
    )
    s = Scenario(**raw)
    assert s.postures()["capital"] is Posture.MINIMAL
    assert s.postures(indicators=["watch"])["capital"] is Posture.SUSPENDED
    assert s.postures(at=0, indicators=["watch"])["capital"] is Posture.SUSPENDED
    with pytest.raises(ScenarioError, match="'wach' is not a decision point; did you mean 'watch'"):
        s.postures(indicators=["wach"])


def test_datetimes_and_offsets_resolve_to_minutes(raw: dict) -> None:
    """A link window may be given as a datetime; it resolves against the start."""
    raw["links"][4]["closes"] = "2020-01-03T08:00:00+00:00"
    s = Scenario(**raw)
    assert s.minute(s.links[4].closes) == 120.0


def test_network_checks_its_own_links() -> None:
    """A Network on its own checks link ends and ids."""
    with pytest.raises(ScenarioError) as err:
        Network(
            places=[{"id": "a", "kind": "post"}],
            links=[{"source": "a", "target": "b", "minutes": 1, "capacity_per_hour": 1}],
        )
    assert [str(p) for p in err.value.problems] == ["links[0].target: 'b' is not a place"]


def test_building_from_model_objects(tiny: Scenario) -> None:
    """Models built in Python are checked like files: objects and dicts mix."""
    s = Scenario(
        name="py",
        start=tiny.start,
        places=list(tiny.places),
        links=[Link(source="embassy", target="haven", minutes=5, capacity_per_hour=10)],
        posts=list(tiny.posts),
        staff=list(tiny.staff),
    )
    assert len(s.staff) == 6
    with pytest.raises(ScenarioError, match="'nowhere' is not a place"):
        Scenario(
            name="py",
            start=tiny.start,
            places=list(tiny.places),
            posts=[tiny.posts[0].model_copy(update={"place": "nowhere"})],
        )


def test_copies_rebuild_their_lookups(tiny: Scenario) -> None:
    """model_copy and replace never serve the original's cached staff lists."""
    assert "cap-06" in tiny.staff_by_id  # fill the cache
    copied = tiny.model_copy(update={"staff": tiny.staff[:5]})
    assert "cap-06" not in copied.staff_by_id
    assert len(copied.staff_by_post["capital"]) == 5
    replaced = tiny.replace(staff=tiny.staff[:5])
    assert "cap-06" not in replaced.staff_by_id
    assert "cap-06" in tiny.staff_by_id


def test_replace_checks_the_result(tiny: Scenario) -> None:
    """replace, unlike model_copy, re-checks every rule and reference."""
    member = tiny.staff[0].model_copy(update={"post": "captial"})
    with pytest.raises(ScenarioError, match="did you mean 'capital'"):
        tiny.replace(staff=[member, *tiny.staff[1:]])


def test_a_threat_may_carry_a_risk_per_hour() -> None:
    """risk_per_hour is optional (None), a number when given; routing gives it its effect."""
    assert ThreatEvent(id="t", at=0, places=["a"], risk=0.2).risk_per_hour is None
    shelling = ThreatEvent(id="t", at="6h", regions=["city"], risk_per_hour=0.05)
    assert shelling.risk_per_hour == 0.05 and shelling.risk is None
    assert "risk_per_hour" in shelling.model_dump()
