"""Groups of people who are not staff: read, checked, moved in parties, accounted for.

Worked on the tiny seed: the residence-embassy road admits one person a
minute (60/h, five a 5-minute step); from the residence to the haven is
10 + 120 + 30 = 160 minutes. A group called forward at 26 h (minute 1560)
in one step's worth of people is safe at minute 1720.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan import Scenario, ScenarioError, evacuate, plan
from evacplan.io import load_scenario, seed_path
from evacplan.testing import assert_all_safe, assert_verified, compare, snapshot

NATIONALS = {
    "id": "nationals",
    "location": "residence",
    "count": 5,
    "category": "national",
    "party_size": 2,
    "release": "26h",
}


@pytest.fixture
def with_group(tiny: Scenario) -> Scenario:
    return tiny.replace(groups=[NATIONALS])


def test_a_group_travels_in_parties_of_its_size_the_last_smaller(with_group: Scenario) -> None:
    parties = with_group.group_parties()
    assert [(p.id, p.size, p.location, p.release_minute) for p in parties] == [
        ("nationals/1", 2, "residence", 1560.0),
        ("nationals/2", 2, "residence", 1560.0),
        ("nationals/3", 1, "residence", 1560.0),
    ]
    assert with_group.groups[0].parties == 3


def test_plan_moves_groups_when_called_forward_and_accounts_for_each_person(
    with_group: Scenario,
) -> None:
    cp = plan(with_group)
    assert cp.verify() == []
    rows = [r for r in cp.accounting() if r.post is None]
    assert [(r.person, r.party, r.state, r.place, r.minute) for r in rows] == [
        ("nationals/1/1", "nationals/1", "safe", "haven", 1720),
        ("nationals/1/2", "nationals/1", "safe", "haven", 1720),
        ("nationals/2/1", "nationals/2", "safe", "haven", 1720),
        ("nationals/2/2", "nationals/2", "safe", "haven", 1720),
        ("nationals/3/1", "nationals/3", "safe", "haven", 1720),
    ]
    assert len(cp.accounting()) == 12 + 5
    assert "people: 17 (14 safe, 2 retained, 1 standing down, 0 stranded)" in cp.summary()
    assert cp.evacuation.egress_minutes == 1720
    assert_all_safe(cp, by=1720)
    text = str(cp).split("Groups (not staff), moved when called forward:\n")[1].splitlines()
    assert text[:3] == [
        "  nationals (5 people, national, priority 1, in 3 parties) from residence, "
        "called forward Sat 4 Jan 08:00 +00:00",
        "    5 people safe at haven by Sat 4 Jan 10:40 +00:00",
        "    via residence -> embassy -> border -> haven: 5",
    ]
    # the staff's own schedule is unchanged: they leave at 1500, before the group is called
    staff_arrivals = {r.person: r.minute for r in plan(with_group.replace(groups=())).accounting()}
    assert all(staff_arrivals[r.person] == r.minute for r in cp.accounting() if r.post)


def test_evacuate_a_scenario_moves_every_staff_member_and_every_group(
    with_group: Scenario,
) -> None:
    ev = evacuate(with_group)
    assert ev.verify() == []
    moved = {pid for m in ev.movements for pid in m.parties}
    assert {"nationals/1", "nationals/2", "nationals/3"} <= moved
    size = {p.id: p.size for p in ev.parties}
    home = sum(size[pid] for pid in ev.standing_down)  # cap-06 stands down at home
    assert sum(m.count for m in ev.movements) + sum(s.count for s in ev.stranded) + home == 12 + 5
    arrivals = {pid: m.arrival_minute for m in ev.movements for pid in m.parties}
    assert arrivals["nationals/3"] == 1720


def test_a_group_that_cannot_get_out_is_stranded_by_name_never_dropped(tiny: Scenario) -> None:
    # The residence's only road shut from the start: the group waits there for good.
    cut = tiny.replace(
        groups=[NATIONALS],
        threats=[
            *tiny.threats,
            {"id": "cut", "at": 0, "links": ["residence-embassy"], "closes": True},
        ],
    )
    cp = plan(cut)
    rows = [r for r in cp.accounting() if r.post is None]
    assert len(rows) == 5
    assert {r.state for r in rows} == {"stranded"}
    assert {r.place for r in rows} == {"residence"}
    assert all(r.reason for r in rows)
    assert_verified(cp)
    assert "    5 people STRANDED: " in str(cp)


def test_a_large_group_is_moved_whole_party_by_party(tiny: Scenario) -> None:
    crowd = {**NATIONALS, "count": 203, "party_size": 4, "release": 0}
    cp = plan(tiny.replace(groups=[crowd]))
    assert cp.verify() == []
    rows = [r for r in cp.accounting() if r.post is None]
    assert len(rows) == 203 and {r.state for r in rows} == {"safe"}
    # one person a minute through the residence road: the last of 203 leaves at minute
    # 202 or later, and is safe 160 minutes after
    assert cp.evacuation.egress_minutes >= 202 + 160
    split = [p for p, n in _moves(cp).items() if n > 1]
    assert split == []


def _moves(cp: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in cp.evacuation.movements:
        for pid in m.parties:
            out[pid] = out.get(pid, 0) + 1
    return out


def test_snapshots_say_group_parties_in_people(with_group: Scenario, tiny: Scenario) -> None:
    before = snapshot(plan(with_group))
    later = snapshot(plan(with_group.replace(groups=[{**NATIONALS, "release": "27h"}])))
    assert (
        "nationals/3 (1 person): arrives Sat 4 Jan 10:40 +00:00 -> Sat 4 Jan 11:40 +00:00 "
        "(1 h later)" in compare(before, later, start=with_group.start)
    )


def test_groups_are_read_from_files_with_their_lines(tmp_path: Path) -> None:
    data = yaml.safe_load(seed_path("tiny").read_text())
    data["groups"] = [
        NATIONALS,
        {"id": "cap-01", "location": "nowhere", "count": 2, "category": "natonal", "party_size": 3},
    ]
    path = tmp_path / "groups.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    said = {p.path: p.message for p in err.value.problems}
    assert said == {
        "groups[1].category": "'natonal' is not a category; did you mean 'national'?",
        "groups[1].id": "'cap-01' is a staff member's id (staff[0]): give the group an id of its own",
        "groups[1].location": "'nowhere' is not a place",
        "groups[1].party_size": "a party of 3 is larger than the group's 2 people",
    }
    assert "(line " in str(err.value)
    data["groups"] = [NATIONALS]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert load_scenario(path).groups[0].count == 5


def test_closures_count_a_stranded_group_by_its_category(tiny: Scenario) -> None:
    from evacplan.closures import analyze

    result = analyze(tiny.replace(groups=[NATIONALS]), closures=["residence-embassy"], at="25h")
    (case,) = result.cases
    assert case.outcome == "stranded"
    assert case.stranded_by_category == {"dependant": 6, "diplomat": 2, "national": 5}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    groups=st.lists(
        st.tuples(
            st.sampled_from(["residence", "embassy", "airport", "border", "haven"]),
            st.integers(1, 12),
            st.integers(1, 5),
            st.integers(0, 60 * 30),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_every_person_of_every_group_is_accounted_for_once(
    tiny: Scenario, groups: list[tuple[str, int, int, int]]
) -> None:
    """Whatever the groups, the plan verifies and every one of their people has one row,
    in a party no larger than party_size, safe or stranded with a reason."""
    entries = [
        {
            "id": f"g{i}",
            "location": where,
            "count": n,
            "category": "eligible",
            "party_size": min(size, n),
            "release": release,
        }
        for i, (where, n, size, release) in enumerate(groups)
    ]
    cp = plan(tiny.replace(groups=entries))
    assert cp.verify() == []
    rows = [r for r in cp.accounting() if r.post is None]
    assert len(rows) == sum(e["count"] for e in entries)
    assert len({r.person for r in rows}) == len(rows)
    for r in rows:
        assert r.state in ("safe", "stranded")
        assert r.state == "safe" or r.reason
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[str(r.party)] = sizes.get(str(r.party), 0) + 1
    limit = {e["id"]: e["party_size"] for e in entries}
    assert all(n <= limit[p.rsplit("/", 1)[0]] for p, n in sizes.items())


def test_who_is_left_behind_by_category_priority_and_place(tiny: Scenario) -> None:
    """The residence's road shut from 25 h: three staff parties and the group are left there;
    staff come first (priority 0), the group after with its own priority."""
    from evacplan.testing import with_closure

    cut = with_closure(
        tiny.replace(groups=[{**NATIONALS, "priority": 2}]), "residence-embassy", at="25h"
    )
    cp = plan(cut)
    behind = cp.left_behind
    assert [(r.who, r.count, r.category, r.priority, r.place) for r in behind] == [
        ("cap-01/dependants", 1, "dependant", 0, "residence"),
        ("cap-02", 1, "diplomat", 0, "residence"),
        ("cap-02", 2, "dependant", 0, "residence"),
        ("cap-04", 1, "diplomat", 0, "residence"),
        ("cap-04", 3, "dependant", 0, "residence"),
        ("nationals", 5, "national", 2, "residence"),
    ]
    assert all(r.reason for r in behind)
    assert sum(r.count for r in behind) == sum(r.state == "stranded" for r in cp.accounting())
    assert "  left behind: 13 people (dependant 6, diplomat 2, national 5; see left_behind)" in (
        cp.summary()
    )
    assert plan(tiny.replace(groups=[NATIONALS])).left_behind == []
