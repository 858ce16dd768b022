"""evacplan's pytest plugin, run the way a planner's project runs it (pytester).

Worked on the tiny seed (see tests/test_testing.py): the go-minimal order
fires at minute 1440; nine people are safe at the haven between minutes
1650 and 1665 (cap-05 first, from the embassy); cap-01 and cap-03 stay.
Closing `crossing` from 30 h leaves the two who stay no way out.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap

import pytest

# Imported here, in the outer session, so that pytester's in-process runs (which drop the
# modules they import when they end) find numpy and OR-Tools loaded: numpy cannot be loaded
# twice in one process.
import evacplan.testing  # noqa: F401
from evacplan.io import seed_path

pytest_plugins = ["pytester"]

CHECKS = """
checks:
  - id: out-in-four-hours
    all_safe_within: 4h
  - id: out-in-two-hours
    description: Everyone sent away is safe two hours after the order.
    all_safe_within: 2h
  - id: head-stays
    retained: [cap-01]
  - id: crossing-shut
    survives: {close: [crossing], at: 30h}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A planner's project: the tiny seed in seeds/, an ini that names it."""
    (pytester.path / "seeds").mkdir()
    shutil.copy(seed_path("tiny"), pytester.path / "seeds" / "tiny.yaml")
    pytester.makeini("[pytest]\nevacplan_scenario = seeds/tiny.yaml\n")
    return pytester


def run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in the project, in this process; without the unrelated plugins installed here
    (hypothesis's summary alone takes a second a run)."""
    quiet = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark")
    return project.runpytest(*quiet, *args)


# ---------------------------------------------------------------- fixtures and assertions


def test_the_four_tests_of_a_planner_pass_in_a_line_or_two_each(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_plan="""
        from evacplan.testing import (
            assert_all_safe, assert_departs, assert_open, assert_parties_whole,
            assert_retained, assert_survives, assert_verified,
        )

        def test_everyone_out_within_four_hours(evacplan_plan):
            assert_all_safe(evacplan_plan, within="4h")

        def test_capital_holds_without_its_deputy(what_if):
            assert_open(what_if(unavailable=["cap-02"]), "capital", posture="minimal")

        def test_head_of_mission_stays(evacplan_plan):
            assert_retained(evacplan_plan, "cap-01", "cap-03")

        def test_airport_closing_strands_nobody(evacplan_scenario):
            assert_survives(evacplan_scenario, close=["airport"], at="30h")

        def test_the_rest(evacplan_plan):
            assert_departs(evacplan_plan, "cap-02", "cap-05", by="28h")
            assert_all_safe(evacplan_plan, by="28h")
            assert_parties_whole(evacplan_plan)
            assert_verified(evacplan_plan)
        """
    )
    result = run(project)
    result.assert_outcomes(passed=5)
    assert "evacplan: the plan under test" not in result.stdout.str()


FAILING = {
    "test_all_safe_within": (
        'assert_all_safe(evacplan_plan, within="2h")',
        [
            "E       AssertionError: expected all_safe(within='2h'): 9 people of 9 sent away are not safe within 2 h of their call-forward:",
            "E       cap-01/dependants: safe at haven Sat 4 Jan 09:40 +00:00, 2 h 40 after their call-forward (Sat 4 Jan 07:00 +00:00), 40 min late; route residence Sat 4 Jan 07:00 -> embassy 07:10 -> border 09:10 -> haven 09:40",
            "E       cap-02 (and 2 dependants): safe at haven Sat 4 Jan 09:45 +00:00, 2 h 45 after their call-forward (Sat 4 Jan 07:00 +00:00), 45 min late; route residence Sat 4 Jan 07:05 -> embassy 07:15 -> border 09:15 -> haven 09:45",
            "E       cap-04 (and 3 dependants): safe at haven Sat 4 Jan 09:40 +00:00, 2 h 40 after their call-forward (Sat 4 Jan 07:00 +00:00), 40 min late; route residence Sat 4 Jan 07:00 -> embassy 07:10 -> border 09:10 -> haven 09:40",
            "E       cap-05: safe at haven Sat 4 Jan 09:30 +00:00, 2 h 30 after their call-forward (Sat 4 Jan 07:00 +00:00), 30 min late; route embassy Sat 4 Jan 07:00 -> border 09:00 -> haven 09:30",
        ],
    ),
    "test_all_safe_by": (
        'assert_all_safe(evacplan_plan, by="27h30m")',
        [
            "E       AssertionError: expected all_safe(by='27h30m'): 8 people of 9 sent away are not safe by 27h30m after the start (Sat 4 Jan 09:30 +00:00):",
            "E       cap-01/dependants: safe at haven Sat 4 Jan 09:40 +00:00, 2 h 40 after their call-forward (Sat 4 Jan 07:00 +00:00), 10 min late; route residence Sat 4 Jan 07:00 -> embassy 07:10 -> border 09:10 -> haven 09:40",
            "E       cap-04 (and 3 dependants): safe at haven Sat 4 Jan 09:40 +00:00, 2 h 40 after their call-forward (Sat 4 Jan 07:00 +00:00), 10 min late; route residence Sat 4 Jan 07:00 -> embassy 07:10 -> border 09:10 -> haven 09:40",
        ],
    ),
    "test_open": (
        'assert_open(evacplan_plan, "capital", posture="reduced")',
        [
            "E       AssertionError: expected open('capital', posture='reduced'): capital is at minimal by the end of the plan, not reduced"
        ],
    ),
    "test_retained": (
        'assert_retained(evacplan_plan, "cap-01", "cap-02")',
        [
            "E       AssertionError: expected retained('cap-01', 'cap-02'): 1 of 2 not retained:",
            "E       cap-02 is not retained: safe at haven (Sat 4 Jan 09:45 +00:00)",
        ],
    ),
    "test_departs": (
        'assert_departs(evacplan_plan, "cap-01", "cap-02", by="25h")',
        [
            "E       AssertionError: expected departs('cap-01', 'cap-02', by='25h'): 2 of 2 do not leave by 25h after the start (Sat 4 Jan 07:00 +00:00):",
            "E       cap-01 does not leave: retained at embassy",
            "E       cap-02 leaves residence Sat 4 Jan 07:05 +00:00, 5 min after their call-forward (Sat 4 Jan 07:00 +00:00), 5 min late; route residence Sat 4 Jan 07:05 -> embassy 07:15 -> border 09:15 -> haven 09:45",
        ],
    ),
    "test_safe": (
        'assert_safe(evacplan_plan, "cap-02", "cap-05", by="27h40m")',
        [
            "E       AssertionError: expected safe('cap-02', 'cap-05', by='27h40m'): 1 of 2 is not safe by 27h40m after the start (Sat 4 Jan 09:40 +00:00):",
            "E       cap-02 is safe at haven Sat 4 Jan 09:45 +00:00, 2 h 45 after their call-forward (Sat 4 Jan 07:00 +00:00), 5 min late; route residence Sat 4 Jan 07:05 -> embassy 07:15 -> border 09:15 -> haven 09:45",
        ],
    ),
    "test_survives": (
        'assert_survives(evacplan_scenario, close=["crossing"], at="30h")',
        [
            "E       AssertionError: expected survives(close=['crossing'], at='30h'): closing crossing from 30h after the start (Sat 4 Jan 12:00 +00:00) breaks the plan:",
            "E       capital: last-out breach at Sat 4 Jan 12:00 +00:00: no way out for 2 from capital; closed then: crossing-closed; threats in force: road-risk",
        ],
    ),
    "test_parties_whole": (
        "assert_parties_whole(twice(evacplan_plan))",
        ["E       AssertionError: expected parties_whole(): split across movements: cap-05"],
    ),
    "test_verified": (
        "assert_verified(twice(evacplan_plan))",
        [
            "E       AssertionError: expected verified(): [schedule] [accounted] party cap-05 appears 2 times (expected once: moved, stranded or standing down)",
            "E       [schedule] [figures] risk exposure is reported as 0.45 but replays as 0.5",
        ],
    ),
}


@pytest.mark.parametrize("name", list(FAILING))
def test_a_failing_assertion_says_who_where_and_why(project: pytest.Pytester, name: str) -> None:
    call, lines = FAILING[name]
    project.makepyfile(
        test_plan=f"""
        import dataclasses
        from evacplan.testing import *

        def twice(cp):  # cap-05's movement listed twice: a plan split and miscounted
            ev = cp.evacuation
            moved = [*ev.movements, ev.movements[0]]
            return dataclasses.replace(cp, evacuation=dataclasses.replace(ev, movements=moved))

        def {name}(evacplan_plan, evacplan_scenario):
            {call}
        """
    )
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f">       {call}", *lines], consecutive=False)
    # the assertion's own frames are hidden: the traceback ends at the test's line
    assert "def _hold" not in result.stdout.str()


def test_a_long_failure_shows_ten_lines_unless_pytest_is_asked_for_all(
    project: pytest.Pytester,
) -> None:
    """The founding seed's 57 people are not safe within an hour: one line each, cut to 10
    (the first, 8 parties, how many more); -vv shows every one; so do the file's checks."""
    shutil.copy(seed_path("uk-iraq-iran-2020"), project.path / "seeds" / "founding.yaml")
    project.makeini("[pytest]\nevacplan_scenario = seeds/founding.yaml\n")
    project.makepyfile(
        test_plan="""
        from evacplan.testing import assert_all_safe

        def test_within_an_hour(evacplan_plan):
            assert_all_safe(evacplan_plan, within="1h")
        """
    )
    short = run(project)
    short.assert_outcomes(failed=1)
    said = [line for line in short.stdout.lines if line.startswith("E       ")]
    assert len(said) == 10, said
    assert said[0].startswith("E       AssertionError: expected all_safe(within='1h'): ")
    more = re.fullmatch(r"E       \.\.\. and (\d+) more; pytest -vv shows all", said[-1])
    assert more, said[-1]
    full = run(project, "-vv")
    everything = [line for line in full.stdout.lines if line.startswith("E       ")]
    assert len(everything) == 9 + int(more.group(1))
    assert not any("pytest -vv shows all" in line for line in everything)


def test_the_report_section_shows_the_plan_and_what_a_what_if_changed(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_plan="""
        from evacplan.testing import assert_all_safe, assert_open

        def test_plan_fails(evacplan_plan):
            assert_all_safe(evacplan_plan, within="2h")

        def test_what_if_fails(what_if):
            assert_open(what_if(close=["crossing"], at="30h"), "capital")

        def test_passes(evacplan_plan):
            pass
        """
    )
    result = run(project)
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_plan_fails _*",
            "*- evacplan: the plan under test -*",
            "scenario seeds/tiny.yaml ('tiny')",
            "Contingency plan (tiny): optimal",
            "  stages: 1; people: 12 (9 safe, 2 retained, 1 standing down, 0 stranded)",
            "  last person safe: Sat 4 Jan 09:45 +00:00, 27 h 45 after the start; schedule "
            "optimal, no schedule ends sooner",
            "*_ test_what_if_fails _*",
            "*- evacplan: the plan under test -*",
            "scenario seeds/tiny.yaml ('tiny')",
            "what if crossing closed from 30h:",
            "  Contingency plan (tiny): optimal",
            "    last-out: 1 breach in 2 checks",
            "  changed from the plan as written:",
            "    last-out capital at Sat 4 Jan 12:00 +00:00: new check: BREACH",
            "    cap-01 (retained): route embassy -> border -> haven became no way out",
            "    cap-03 (retained): route embassy -> border -> haven became no way out",
        ],
        consecutive=False,
    )
    assert result.stdout.str().count("evacplan: the plan under test") == 2


def test_the_marker_names_the_scenario_and_plan_options(project: pytest.Pytester) -> None:
    shutil.copy(seed_path("uk-iraq-iran-2020"), project.path / "seeds" / "founding.yaml")
    project.makepyfile(
        test_plan="""
        import pytest
        from evacplan.testing import assert_open

        pytestmark = pytest.mark.evacplan(scenario="seeds/founding.yaml")

        def test_module_marker(evacplan_scenario):
            assert evacplan_scenario.name == "uk-iraq-iran-2020"

        @pytest.mark.evacplan(scenario="../seeds/tiny.yaml", indicators={})
        def test_relative_to_the_test_file(evacplan_scenario):
            assert evacplan_scenario.name == "tiny"

        @pytest.mark.evacplan(scenario="seeds/founding.yaml", indicators={"tehran-crowds": "36h"})
        def test_indicators(evacplan_plan):
            assert evacplan_plan.indicators == {"tehran-crowds": 2160}
            assert [s.minute for s in evacplan_plan.stages][:2] == [720, 2160]
        """
    )
    (project.path / "tests").mkdir()
    (project.path / "test_plan.py").rename(project.path / "tests" / "test_plan.py")
    result = run(project, "tests/test_plan.py")
    result.assert_outcomes(passed=3)


@pytest.mark.parametrize(
    ("marker", "ini", "words"),
    [
        ("", "", "evacplan_scenario needs a scenario file: mark the test @pytest.mark.evacplan("),
        (
            'scenario="seeds/nope.yaml"',
            "x",
            "scenario file 'seeds/nope.yaml' not found (looked for",
        ),
        (
            'scenario="seeds/tiny.yaml", time_limt=2',
            "x",
            "'time_limt' is not an option of plan(); did you mean 'time_limit'?",
        ),
        ('"seeds/tiny.yaml"', "x", "@pytest.mark.evacplan takes keywords only"),
        (
            'scenario="seeds/tiny.yaml", indicators={"nope": "1h"}',
            "x",
            "indicators['nope']: 'nope' is not a decision point on an indicator",
        ),
    ],
    ids=["no scenario", "missing file", "unknown option", "positional", "unknown indicator"],
)
def test_a_bad_marker_is_an_error_that_says_so(
    project: pytest.Pytester, marker: str, ini: str, words: str
) -> None:
    if not ini:
        project.makeini("[pytest]\n")
    project.makepyfile(
        test_plan=f"""
        import pytest

        @pytest.mark.evacplan({marker})
        def test_it(evacplan_plan):
            pass
        """
    )
    result = run(project)
    assert result.ret != 0
    assert words in result.stdout.str()
    assert "Traceback" not in result.stdout.str()
    assert "During handling" not in result.stdout.str()


def test_a_plan_is_made_once_a_session_for_the_same_file_and_options(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_plan="""
        import pytest
        seen = []

        def test_first(evacplan_plan, what_if):
            seen.append(evacplan_plan)
            seen.append(what_if(close=["airport"], at="30h"))

        def test_second(evacplan_plan, what_if):
            assert evacplan_plan is seen[0]
            assert what_if(close=["airport"], at="30h") is seen[1]
            assert what_if(close=["airport"], at="31h") is not seen[1]

        @pytest.mark.evacplan(scenario="seeds/tiny.yaml", time_limit=30)
        def test_other_options(evacplan_plan):
            assert evacplan_plan is not seen[0]
        """
    )
    run(project).assert_outcomes(passed=3)


def test_what_if_refuses_bad_arguments_with_their_names(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_plan="""
        import pytest
        from evacplan import ScenarioError

        def test_it(what_if):
            with pytest.raises(ScenarioError, match="at goes with close"):
                what_if(at="30h")
            with pytest.raises(ScenarioError, match="'crosing' is not a link or a place; did you mean 'crossing'"):
                what_if(close=["crosing"])
            with pytest.raises(ScenarioError, match="'cap-9' is not a staff member"):
                what_if(unavailable=["cap-9"])
            with pytest.raises(ScenarioError, match="'objectve' is not an option of plan"):
                what_if(objectve="safest")
        """
    )
    run(project).assert_outcomes(passed=1)


# ---------------------------------------------------------------- plan snapshots


def test_a_snapshot_is_written_then_compared_then_regenerated(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_plan="""
        import os

        def test_snap(what_if, plan_snapshot):
            closed = os.environ.get("CLOSED")
            cp = what_if(close=[closed], at="26h") if closed else what_if()
            plan_snapshot.check(cp)
        """
    )
    baseline = project.path / "test_plan" / "test_snap.json"
    first = run(project)
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(["*evacplan plan baselines*", f"wrote {baseline}"])
    stored = json.loads(baseline.read_text())
    assert stored["egress_minute"] == 1665
    assert stored["parties"]["cap-05"] == {
        "people": 1,
        "state": "safe",
        "place": "haven",
        "minute": 1650,
        "route": ["embassy", "border", "haven"],
        "stage": 0,
    }

    run(project).assert_outcomes(passed=1)  # the same plan matches its baseline

    monkeypatch.setenv("CLOSED", "desert-road")
    changed = run(project)
    changed.assert_outcomes(failed=1)
    changed.stdout.fnmatch_lines(
        [
            ">       plan_snapshot.check(cp)",
            "E       AssertionError: the plan differs from its baseline test_snap.json (*test_plan):",
            "E         last-out capital at Sat 4 Jan 08:00 +00:00: new check: BREACH",
            "E         cap-01 (retained): route embassy -> border -> haven became no way out",
            "E         cap-03 (retained): route embassy -> border -> haven became no way out",
            "E       If the new plan is right, rerun with --evacplan-regen and commit the baseline.",
        ]
    )
    assert json.loads(baseline.read_text()) == stored  # a failure leaves the baseline alone

    regen = run(project, "--evacplan-regen")
    regen.assert_outcomes(passed=1)
    regen.stdout.fnmatch_lines([f"rewrote {baseline}"])
    run(project).assert_outcomes(passed=1)
    assert json.loads(baseline.read_text())["last_out"]["capital"][-1]["ok"] is False


def test_a_snapshot_can_ignore_arrival_times_and_names_its_files(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_plan="""
        import os
        import pytest

        def test_snap(what_if, plan_snapshot):
            # the residence's road shut for the hour after the muster: the same routes, later
            shut = os.environ.get("SHUT")
            cp = what_if(close=["residence-embassy"], at="25h", until="26h") if shut else what_if()
            plan_snapshot.check(cp, ignore=["minute", "egress_minute"], name="fates")
            plan_snapshot.check(cp)

        def test_bad_ignore(evacplan_plan, plan_snapshot):
            plan_snapshot.check(evacplan_plan, ignore=["minuet"])

        @pytest.mark.parametrize("n", [1])
        def test_param(evacplan_plan, plan_snapshot, n):
            plan_snapshot.check(evacplan_plan)

        class TestPlan:
            def test_param(self, evacplan_plan, plan_snapshot):
                plan_snapshot.check(evacplan_plan)
        """
    )
    result = run(project)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_bad_ignore _*",
            "invalid arguments to snapshot(): 1 problem",
            "  ignore[0]: 'minuet' is not part of a plan snapshot; did you mean 'minute'? "
            "(its parts: status, egress_minute, stages, last_out, state, place, minute, route, stage)",
        ]
    )
    names = sorted(p.name for p in (project.path / "test_plan").iterdir())
    assert names == [
        "TestPlan_test_param.json",
        "fates.json",
        "test_param_1_.json",
        "test_snap.json",
    ]

    monkeypatch.setenv("SHUT", "1")
    later = run(project, "-k", "test_snap")
    later.assert_outcomes(failed=1, deselected=3)
    later.stdout.fnmatch_lines(
        [
            ">       plan_snapshot.check(cp)",  # the second check: the first ignores the minutes
            "E       AssertionError: the plan differs from its baseline test_snap.json (*):",
            "E         last person safe: Sat 4 Jan 09:45 +00:00 -> Sat 4 Jan 10:45 +00:00 (1 h later)",
            "E         cap-01/dependants (1 person): arrives Sat 4 Jan 09:40 +00:00 -> Sat 4 Jan 10:40 +00:00 (1 h later)",
            "E         cap-02 (and 2 dependants): arrives Sat 4 Jan 09:45 +00:00 -> Sat 4 Jan 10:45 +00:00 (1 h later)",
            "E         cap-04 (and 3 dependants): arrives Sat 4 Jan 09:40 +00:00 -> Sat 4 Jan 10:40 +00:00 (1 h later)",
        ]
    )


def test_an_unreadable_baseline_says_how_to_mend_it(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_plan="""
        def test_snap(evacplan_plan, plan_snapshot):
            plan_snapshot.check(evacplan_plan)
        """
    )
    (project.path / "test_plan").mkdir()
    (project.path / "test_plan" / "test_snap.json").write_text("{not json")
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*plan baseline *test_snap.json cannot be read (*); rerun with --evacplan-regen*"]
    )


# ---------------------------------------------------------------- checks in the scenario file


def test_the_checks_of_a_scenario_file_are_collected_by_id(project: pytest.Pytester) -> None:
    with (project.path / "seeds" / "tiny.yaml").open("a") as f:
        f.write(CHECKS)
    shutil.copy(seed_path("tiny"), project.path / "seeds" / "no-checks.yaml")
    (project.path / "other").mkdir()
    shutil.copy(project.path / "seeds" / "tiny.yaml", project.path / "other" / "tiny.yaml")
    project.makeini("[pytest]\nevacplan_collect = seeds/*.yaml\n")
    listed = run(project, "--co", "-q")
    listed.stdout.fnmatch_lines(
        [
            "seeds/tiny.yaml::out-in-four-hours",
            "seeds/tiny.yaml::out-in-two-hours",
            "seeds/tiny.yaml::head-stays",
            "seeds/tiny.yaml::crossing-shut",
            "4 tests collected*",
        ]
    )
    result = run(project, "-k", "not four")
    result.assert_outcomes(passed=1, failed=2, deselected=1)
    result.stdout.fnmatch_lines(
        [
            "*_ check out-in-two-hours _*",
            "check out-in-two-hours (line 66) failed: expected all_safe(within='2h')",
            "  Everyone sent away is safe two hours after the order.",
            "9 people of 9 sent away are not safe within 2 h of their call-forward:",
            "cap-01/dependants: safe at haven Sat 4 Jan 09:40 +00:00, 2 h 40 after their call-forward (Sat 4 Jan 07:00 +00:00), 40 min late; route residence Sat 4 Jan 07:00 -> embassy 07:10 -> border 09:10 -> haven 09:40",
            "*_ check crossing-shut _*",
            "check crossing-shut (line 71) failed: expected survives(close=['crossing'], at='30h')",
            "closing crossing from 30h after the start (Sat 4 Jan 12:00 +00:00) breaks the plan:",
            "capital: last-out breach at Sat 4 Jan 12:00 +00:00: no way out for 2 from capital; closed then: crossing-closed; threats in force: road-risk",
            "FAILED seeds/tiny.yaml::out-in-two-hours - *",
            "FAILED seeds/tiny.yaml::crossing-shut - *",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_bad_checks_are_a_collection_error_with_their_path_and_line(
    project: pytest.Pytester,
) -> None:
    with (project.path / "seeds" / "tiny.yaml").open("a") as f:
        f.write(
            textwrap.dedent(
                """
                checks:
                  - id: holds
                    open: capitol
                  - id: both
                    open: capital
                    retained: [cap-01]
                """
            )
        )
    project.makeini("[pytest]\nevacplan_collect = seeds/*.yaml\n")
    result = run(project)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting seeds/tiny.yaml*",
            "*tiny.yaml: 2 problems",
            "  checks[0].open (line 65): 'capitol' is not a post; did you mean 'capital'?",
            "  checks[1] (line 66): a check makes one expectation, this one makes 2 (open, retained): split it into 2 checks",
        ]
    )
    assert "Traceback" not in result.stdout.str()


# ---------------------------------------------------------------- the plugin is light


def test_the_plugin_imports_nothing_heavy_until_a_fixture_is_used(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_light="""
        import sys

        def test_light(pytestconfig):
            assert pytestconfig.pluginmanager.has_plugin("evacplan")
            assert "evacplan.pytest_plugin" in sys.modules
            heavy = [m for m in ("ortools", "networkx", "pydantic", "evacplan.models")
                     if m in sys.modules]
            assert heavy == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
