"""evacplan.testing: assertions a planner reads at once, their expect_* twins, what-if edits.

Worked on the tiny seed: the go-minimal order fires at minute 1440 (24 h);
the nine people it sends away leave after the hour's muster and are safe at
the haven between minutes 1650 and 1665; cap-01 and cap-03 stay.
"""

from __future__ import annotations

from typing import Any

import pytest

from evacplan import ScenarioError, plan
from evacplan.testing import (
    assert_all_safe,
    assert_departs,
    assert_open,
    assert_parties_whole,
    assert_retained,
    assert_safe,
    assert_verified,
    expect_all_safe,
    expect_open,
    with_closure,
    with_indicator,
    with_posture,
    with_unavailable,
)


@pytest.fixture(scope="module")
def cp(tiny: Any) -> Any:
    return plan(tiny)


def test_passing_assertions_say_nothing(cp: Any) -> None:
    assert_all_safe(cp, within="4h")
    assert_all_safe(cp, by="28h")
    assert_open(cp, "capital", posture="minimal")
    assert_retained(cp, "cap-01", "cap-03")
    assert_departs(cp, "cap-02", "cap-05", by="28h")
    assert_parties_whole(cp)
    assert_verified(cp)


def test_late_people_are_named_with_where_their_route_and_how_late(cp: Any) -> None:
    """Released at 25 h (the order at 24 h, an hour's muster): cap-02's family is safe 2 h 45
    after its call-forward, 5 minutes over 2 h 40."""
    with pytest.raises(AssertionError) as caught:
        assert_all_safe(cp, within="2h40m")
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        "expected all_safe(within='2h40m'): 3 people of 9 sent away are not safe within "
        "2 h 40 of their call-forward:"
    )
    assert lines[1:] == [
        "cap-02 (and 2 dependants): safe at haven Sat 4 Jan 09:45 +00:00, 2 h 45 after their "
        "call-forward (Sat 4 Jan 07:00 +00:00), 5 min late; route residence Sat 4 Jan 07:05 "
        "-> embassy 07:15 -> border 09:15 -> haven 09:45"
    ]
    assert expect_all_safe(cp, within="2h45m").passed


def test_by_counts_from_the_start(cp: Any) -> None:
    result = expect_all_safe(cp, by=1655)
    assert not result.passed
    assert result.offenders == ("cap-01/dependants", "cap-02", "cap-04")
    assert [d["late_minutes"] for d in result.details] == [5, 10, 5]
    assert expect_all_safe(cp, by=1665).passed


def test_stranded_people_are_named_with_the_reason(tiny: Any) -> None:
    cut = plan(with_closure(tiny, "residence-embassy"))
    result = expect_all_safe(cut)
    assert not result.passed and result.offenders == ("cap-01/dependants", "cap-02", "cap-04")
    assert (
        "cap-01/dependants, cap-02 (and 2 dependants), cap-04 (and 3 dependants): "
        "STRANDED at residence: no route to any safe place (link residence-embassy is closed "
        "for the whole scenario)"
    ) in result.message.splitlines()


def test_a_post_that_cannot_get_its_staff_out_is_not_open(tiny: Any) -> None:
    cut = plan(with_closure(tiny, "crossing"))
    with pytest.raises(AssertionError) as caught:
        assert_open(cut, "capital")
    assert str(caught.value) == (
        "expected open('capital'): capital has a last-out breach at Sat 4 Jan 06:00 +00:00: "
        "no way out for 2 from capital; closed then: crossing-closed; threats in force: road-risk"
    )
    assert expect_open(plan(tiny), "capital", "reduced").message == (
        "capital is at minimal by the end of the plan, not reduced"
    )


def test_retained_and_departs_failures(cp: Any) -> None:
    with pytest.raises(AssertionError, match="cap-02 is not retained: safe at haven"):
        assert_retained(cp, "cap-01", "cap-02")
    with pytest.raises(AssertionError) as caught:
        assert_safe(cp, "cap-01", "cap-04", by="27h")
    assert str(caught.value).splitlines() == [
        "expected safe('cap-01', 'cap-04', by='27h'): 2 of 2 are not safe by 27h after the "
        "start (Sat 4 Jan 09:00 +00:00):",
        "cap-01 does not leave: retained at embassy",
        "cap-04 is safe at haven Sat 4 Jan 09:40 +00:00, 2 h 40 after their call-forward "
        "(Sat 4 Jan 07:00 +00:00), 40 min late; route residence Sat 4 Jan 07:00 -> embassy "
        "07:10 -> border 09:10 -> haven 09:40",
    ]


def test_unavailable_staff_cover_nothing_and_leave(tiny: Any, cp: Any) -> None:
    assert cp.stages[0].retained["capital"] == ["cap-01", "cap-03"]
    without = plan(with_unavailable(tiny, "cap-01"))
    assert without.stages[0].retained["capital"] == ["cap-02", "cap-03"]
    assert_departs(without, "cap-01")
    assert tiny.staff_by_id["cap-01"].must_leave is False  # the original is untouched


def test_posture_and_indicator_edits(tiny: Any, founding: Any) -> None:
    suspended = plan(with_posture(tiny, "capital", "suspended", at="30h"))
    assert [str(s.postures["capital"]) for s in suspended.stages] == ["minimal", "suspended"]
    with pytest.raises(AssertionError, match="capital is suspended"):
        assert_open(suspended, "capital")
    fired = with_indicator(founding, "tehran-crowds", "36h")
    point = next(p for p in fired.decision_points if p.id == "tehran-crowds")
    assert (point.at, point.on_threat) == (2160, None)


@pytest.mark.parametrize(
    ("edit", "path", "words"),
    [
        (lambda s: with_unavailable(s, "cap-1"), "staff_ids[0]", "did you mean 'cap-01'?"),
        (lambda s: with_unavailable(s), "staff_ids", "at least one"),
        (lambda s: with_closure(s, "crosing"), "ids[0]", "did you mean 'crossing'?"),
        (lambda s: with_closure(s, "crossing", at="soon"), "at", "'soon' is not a time"),
        (lambda s: with_posture(s, "capitol", "minimal"), "posts[0]", "did you mean 'capital'?"),
        (lambda s: with_posture(s, "capital", "minimum"), "posture", "did you mean 'minimal'?"),
        (lambda s: with_indicator(s, "go-minimal", "1h"), "point", "no indicator"),
    ],
)
def test_bad_edits_are_refused_with_their_path(tiny: Any, edit: Any, path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        edit(tiny)
    found = [p for p in caught.value.problems if p.path == path]
    assert found and words in found[0].message, caught.value


def test_bad_expectation_arguments(cp: Any) -> None:
    with pytest.raises(ScenarioError, match="is a moment, not a duration"):
        expect_all_safe(cp, within="2020-01-03T10:00:00")
    with pytest.raises(ScenarioError, match="did you mean 'capital'"):
        expect_open(cp, "capitol")
    with pytest.raises(ScenarioError, match="did you mean 'cap-01'"):
        assert_retained(cp, "cap-1")


def test_open_says_what_it_checked(tiny: Any, cp: Any) -> None:
    assert expect_open(cp, "capital").message == (
        "capital stays open at minimal with 2 people (cap-01, cap-03); its last-out check passes"
    )
    quiet = plan(tiny.replace(decision_points=()))
    assert expect_open(quiet, "capital").message.endswith(
        "no last-out check was made (no stage drew it down)"
    )


def test_survives_names_what_a_closure_breaks(tiny: Any) -> None:
    from evacplan.testing import assert_survives

    assert_survives(tiny, close=["airport"], at="30h", within="4h")
    with pytest.raises(AssertionError) as caught:
        assert_survives(tiny, close="residence-embassy", at="24h")
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        "expected survives(close=['residence-embassy'], at='24h'): closing residence-embassy "
        "from 24h after the start (Sat 4 Jan 06:00 +00:00) breaks the plan:"
    )
    assert lines[1] == "8 people of 9 sent away are not safe at all:"  # all but cap-05
    assert lines[2].startswith(
        "cap-01/dependants, cap-02 (and 2 dependants), cap-04 (and 3 dependants): "
        "STRANDED at residence: "
    )


def test_checks_are_made_in_file_order_planning_once_per_what_if(tiny: Any) -> None:
    from evacplan.models import Check
    from evacplan.testing import Plans, run_check, run_checks

    checks = [
        Check(id="fast", all_safe_within="4h"),
        Check(id="deputy-ill-holds", unavailable=["cap-02"], open="capital", posture="minimal"),
        Check(id="deputy-ill-head-stays", unavailable=["cap-02"], retained=["cap-01"]),
        Check(id="deputy-ill-leaves", unavailable=["cap-02"], departs=["cap-02"], by="28h"),
        Check(id="whole", parties_whole=True),
    ]
    scenario = tiny.replace(checks=checks)
    plans = Plans(scenario)
    results = [run_check(scenario, c, plans=plans) for c in checks]
    assert [r.id for r in results] == [c.id for c in checks]
    assert all(results), [r.report() for r in results if not r]
    assert len(plans) == 2  # the scenario as written, and with cap-02 unavailable
    only = run_checks(scenario, only=["whole", "fast"])
    assert [r.id for r in only] == ["whole", "fast"]
    with pytest.raises(
        ScenarioError, match="'fats' is not a check of the scenario; did you mean 'fast'"
    ):
        run_checks(scenario, only=["fats"])


def test_a_check_may_name_the_objective_and_the_hazard_it_is_planned_under(tiny: Any) -> None:
    """Checks plan with plan()'s default, least_harm, unless they name another objective;
    each objective (and hazard) is one more plan, made once."""
    from evacplan.models import Check
    from evacplan.testing import Plans, run_check

    checks = [
        Check(id="least-harm", all_safe_within="4h"),
        Check(id="quickest", objective="quickest", all_safe_within="4h"),
        Check(id="quickest-again", objective="quickest", parties_whole=True),
        Check(id="hazardous", hazard_per_hour=0.05, all_safe_within="4h"),
        Check(id="safest", objective="safest", deadline="30h", all_safe_by="30h"),
    ]
    scenario = tiny.replace(checks=checks)
    plans = Plans(scenario)
    results = [run_check(scenario, c, plans=plans) for c in checks]
    assert all(results), [r.report() for r in results if not r]
    assert len(plans) == 4
    made = {c.id: plans.plan_for(c).evacuation for c in checks}
    assert made["least-harm"].objective == "least_harm"
    assert made["quickest"].objective == "quickest" and made["safest"].objective == "safest"
    assert made["hazardous"].hazard_per_hour == 0.05
    with pytest.raises(ScenarioError, match=r"checks\[0\].deadline: objective safest needs"):
        tiny.replace(checks=[Check(id="s", objective="safest", all_safe_within="4h")])


def test_a_check_under_a_what_if_fails_with_who_where_and_why(tiny: Any) -> None:
    from evacplan.models import Check
    from evacplan.testing import run_check

    closed = Check(id="crossing-shut", survives={"close": ["crossing"], "at": "30h"})
    result = run_check(tiny, closed)
    assert not result.passed
    assert result.report().splitlines() == [
        "FAIL crossing-shut: closing crossing from 30h after the start (Sat 4 Jan 12:00 +00:00) "
        "breaks the plan:",
        "     capital: last-out breach at Sat 4 Jan 12:00 +00:00: no way out for 2 from capital; "
        "closed then: crossing-closed; threats in force: road-risk",
    ]
    assert result.expectation.name == "survives(close=['crossing'], at='30h')"


def test_snapshots_compare_in_words_and_leave_out_what_is_ignored(cp: Any, tiny: Any) -> None:
    from evacplan.testing import compare, snapshot

    base = snapshot(cp)
    assert compare(base, base) == []
    assert set(base["parties"]["cap-01"]) == {
        "people",
        "state",
        "place",
        "minute",
        "route",
        "stage",
    }
    light = snapshot(cp, ignore=["minute", "route", "stages"])
    assert "stages" not in light and set(light["parties"]["cap-01"]) == {
        "people",
        "state",
        "place",
        "stage",
    }
    later = snapshot(plan(with_closure(tiny, "residence-embassy", at="25h", until="26h")))
    assert compare(base, later) == [  # without the start: minutes, as a snapshot holds them
        "last person safe: minute 1665 -> minute 1725 (1 h later)",
        "cap-01/dependants (1 person): arrives minute 1660 -> minute 1720 (1 h later)",
        "cap-02 (and 2 dependants): arrives minute 1665 -> minute 1725 (1 h later)",
        "cap-04 (and 3 dependants): arrives minute 1660 -> minute 1720 (1 h later)",
    ]
    assert compare(base, later, limit=2)[-1] == "... and 2 more changes"
    gone = {**base, "parties": {k: v for k, v in base["parties"].items() if k != "cap-05"}}
    assert compare(base, gone) == ["cap-05: no longer in the plan (safe at haven)"]
    assert snapshot(cp, ignore=["arrivals", "routes"]) == snapshot(cp, ignore=["minute", "route"])
    with pytest.raises(ScenarioError, match="'minuet' is not part of a plan snapshot"):
        snapshot(cp, ignore=["minuet"])
