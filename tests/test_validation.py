"""Bad input: every fault is named, with its path in the file, all at once."""

from __future__ import annotations

import copy
import fnmatch
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evacplan import Scenario, ScenarioError
from evacplan.io import load_scenario, seed_path

Data = dict[str, Any]


def _set(path: str, value: Any) -> Callable[[Data], None]:
    """A mutation that sets (or, with value ..., deletes) one key of the raw data."""

    def mutate(data: Data) -> None:
        *parents, last = path.replace("]", "").replace("[", ".").split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is ...:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _append(section: str, item: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        data.setdefault(section, []).append(item)

    return mutate


def _flight(**fields: Any) -> Callable[[Data], None]:
    """A mutation making the tiny seed's flight (links[4]) a scheduled service with ``fields``."""
    base = {"id": "f", "source": "airport", "target": "haven", "minutes": 60}
    return _set("links[4]", {**base, **fields})


# (case id, mutation, expected path, fragment of the message)
CASES: list[tuple[str, Callable[[Data], None], str, str]] = [
    (
        "misspelt post",
        _set("staff[2].post", "captial"),
        "staff[2].post",
        "'captial' is not a post; did you mean 'capital'?",
    ),
    (
        "unknown location",
        _set("staff[0].location", "residense"),
        "staff[0].location",
        "'residense' is not a place; did you mean 'residence'?",
    ),
    (
        "post at unknown place",
        _set("posts[0].place", "embasy"),
        "posts[0].place",
        "did you mean 'embassy'?",
    ),
    (
        "link to unknown place",
        _set("links[1].target", "airprot"),
        "links[1].target",
        "'airprot' is not a place; did you mean 'airport'?",
    ),
    ("link to itself", _set("links[1].target", "embassy"), "links[1].target", "to itself"),
    (
        "threat on unknown link",
        _set("threats[0].links", ["airport-raod"]),
        "threats[0].links[0]",
        "did you mean 'airport-road'?",
    ),
    (
        "threat on unknown place",
        _set("threats[1].places", ["airpot"]),
        "threats[1].places[0]",
        "did you mean 'airport'?",
    ),
    (
        "threat on unknown region",
        _set("threats[1].places", ...),
        "threats[1]",
        "at least one of regions, places, links or streets",
    ),
    (
        "threat on unknown region name",
        _append("threats", {"id": "r", "at": 0, "regions": ["capitol"], "risk": 0.5}),
        "threats[2].regions[0]",
        "did you mean 'capital'?",
    ),
    ("threat without effect", _set("threats[1].closes", ...), "threats[1]", "needs an effect"),
    (
        "threat ends before it begins",
        _set("threats[0].until", "6h"),
        "threats[0].until",
        "must come after at",
    ),
    (
        "decision point for unknown post",
        _set("decision_points[0].posts", ["capitol"]),
        "decision_points[0].posts[0]",
        "'capitol' is not a post; did you mean 'capital'?",
    ),
    (
        "decision point on unknown threat",
        _set("decision_points[0].on_threat", "airport-close"),
        "decision_points[0].on_threat",
        "did you mean 'airport-closes'?",
    ),
    (
        "decision point without trigger",
        _set("decision_points[0].at", ...),
        "decision_points[0]",
        "needs a trigger",
    ),
    (
        "duplicate staff id",
        _set("staff[5].id", "cap-01"),
        "staff[5].id",
        "duplicate staff id 'cap-01' (first at staff[0])",
    ),
    (
        "duplicate place id",
        _set("places[4].id", "embassy"),
        "places[4].id",
        "duplicate place id 'embassy'",
    ),
    ("duplicate link id", _set("links[2].id", "airport-road"), "links[2].id", "duplicate link id"),
    (
        "duplicate function",
        _set("posts[0].requirements[1].function", "head-of-mission"),
        "posts[0].requirements[1].function",
        "duplicate function id",
    ),
    (
        "duplicate post",
        _append("posts", {"id": "capital", "name": "Again", "place": "embassy"}),
        "posts[1].id",
        "duplicate post id",
    ),
    (
        "zero capacity",
        _set("links[0].capacity_per_hour", 0),
        "links[0].capacity_per_hour",
        "greater than 0",
    ),
    (
        "negative minutes",
        _set("links[0].minutes", -5),
        "links[0].minutes",
        "greater than or equal to 0",
    ),
    ("risk above one", _set("links[1].risk", 1.5), "links[1].risk", "less than or equal to 1"),
    (
        "risk negative",
        _set("threats[0].risk", -0.1),
        "threats[0].risk",
        "greater than or equal to 0",
    ),
    (
        "negative minimum",
        _set("posts[0].requirements[0].minimum.minimal", -1),
        "posts[0].requirements[0].minimum.minimal",
        "greater than or equal to 0",
    ),
    (
        "minimum for unknown posture",
        _set("posts[0].requirements[0].minimum.minmal", 1),
        "posts[0].requirements[0].minimum.minmal",
        "'minmal' is not a posture; did you mean 'minimal'?",
    ),
    (
        "suspended needs people",
        _set("posts[0].requirements[0].minimum.suspended", 1),
        "posts[0].requirements[0].minimum.suspended",
        "suspended post is closed",
    ),
    (
        "negative dependants",
        _set("staff[1].dependants", -2),
        "staff[1].dependants",
        "greater than or equal to 0",
    ),
    (
        "fractional dependants",
        _set("staff[1].dependants", 1.5),
        "staff[1].dependants",
        "should be a whole number (got 1.5)",
    ),
    (
        "negative min_retained",
        _set("posts[0].min_retained", -1),
        "posts[0].min_retained",
        "greater than or equal to 0",
    ),
    (
        "unknown category",
        _set("staff[0].category", "diplomatic"),
        "staff[0].category",
        "'diplomatic' is not a category; did you mean 'diplomat'?",
    ),
    (
        "unknown category of a requirement",
        _set("posts[0].requirements[0].categories", ["diplomat", "localy_engaged"]),
        "posts[0].requirements[0].categories[1]",
        "'localy_engaged' is not a category; did you mean 'locally_engaged'?",
    ),
    (
        "requirement categories as a string",
        _set("posts[0].requirements[0].categories", "diplomat"),
        "posts[0].requirements[0].categories",
        "categories is a list, e.g. [diplomat, military]",
    ),
    (
        "unknown place kind",
        _set("places[4].kind", "safehaven"),
        "places[4].kind",
        "'safehaven' is not a place kind; did you mean 'safe_haven'?",
    ),
    ("unknown mode", _set("links[4].mode", "plane"), "links[4].mode", "is not a mode"),
    (
        "unknown posture",
        _set("posts[0].posture", "evacuate"),
        "posts[0].posture",
        "is not a posture",
    ),
    (
        "misspelt key",
        _set("staff[3].dependents", 2),
        "staff[3].dependents",
        "unknown key 'dependents'; did you mean 'dependants'?",
    ),
    (
        "unknown top-level key",
        _set("stafff", []),
        "stafff",
        "unknown key 'stafff'; did you mean 'staff'?",
    ),
    (
        "missing required key",
        _set("links[0].minutes", ...),
        "links[0].minutes",
        "required key is missing",
    ),
    ("missing posts", _set("posts", ...), "posts", "required key is missing"),
    (
        "must remain and must leave",
        _set("staff[0].must_leave", True),
        "staff[0].must_leave",
        "cannot both have to remain and have to leave",
    ),
    ("bad start", _set("start", "next tuesday"), "start", "datetime"),
    ("bad time", _set("threats[0].at", "soon"), "threats[0].at", "'soon' is not a time"),
    ("negative offset", _set("threats[0].at", -60), "threats[0].at", "negative"),
    (
        "time before start",
        _set("threats[0].at", "2020-01-01T00:00:00Z"),
        "threats[0].at",
        "before the start",
    ),
    (
        "window closes before it opens",
        _set("links[4].opens", "3h"),
        "links[4].closes",
        "must come after opens",
    ),
    ("id with spaces", _set("places[0].id", "the embassy"), "places[0].id", "not a valid id"),
    (
        "latitude out of range",
        _set("places[0].lat", 133.3),
        "places[0].lat",
        "less than or equal to 90",
    ),
    ("step of zero minutes", _set("step_minutes", 0), "step_minutes", "greater than 0"),
    (
        "max functions zero",
        _set("policy", {"max_functions_per_person": 0}),
        "policy.max_functions_per_person",
        "greater than or equal to 1",
    ),
    (
        "skills as a string",
        _set("staff[0].skills", "leadership"),
        "staff[0].skills",
        "skills is a list",
    ),
    (
        "threat's links as a string",
        _set("threats[0].links", "airport-road"),
        "threats[0].links",
        "links is a list, e.g. [a, b]; for one, write links: [airport-road]",
    ),
    ("latitude as words", _set("places[0].lat", "north"), "places[0].lat", "should be a number"),
    ("staff entry not a mapping", _set("staff[2]", "cap-03"), "staff[2]", "is a mapping of keys"),
    (
        "group at an unknown place",
        _append("groups", {"id": "g", "location": "hotel", "count": 3, "category": "national"}),
        "groups[0].location",
        "'hotel' is not a place",
    ),
    (
        "group of nobody",
        _append("groups", {"id": "g", "location": "embassy", "count": 0, "category": "national"}),
        "groups[0].count",
        "greater than or equal to 1",
    ),
    (
        "group of an unknown category",
        _append("groups", {"id": "g", "location": "embassy", "count": 3, "category": "staff"}),
        "groups[0].category",
        "'staff' is not a category",
    ),
    (
        "group called before the start",
        _append(
            "groups",
            {
                "id": "g",
                "location": "embassy",
                "count": 3,
                "category": "eligible",
                "release": "2019-12-31T00:00:00Z",
            },
        ),
        "groups[0].release",
        "is before the start",
    ),
    (
        "group priority zero",
        _append(
            "groups",
            {"id": "g", "location": "embassy", "count": 3, "category": "other", "priority": 0},
        ),
        "groups[0].priority",
        "greater than or equal to 1",
    ),
    (
        "group party larger than the group",
        _append(
            "groups",
            {"id": "g", "location": "embassy", "count": 3, "category": "other", "party_size": 4},
        ),
        "groups[0].party_size",
        "a party of 4 is larger than the group's 3 people",
    ),
    (
        "group named like a staff member",
        _append("groups", {"id": "cap-02", "location": "embassy", "count": 3, "category": "other"}),
        "groups[0].id",
        "'cap-02' is a staff member's id (staff[1])",
    ),
    (
        "check with no expectation",
        _append("checks", {"id": "nothing"}),
        "checks[0]",
        "a check needs an expectation: one of all_safe_within, all_safe_by, open",
    ),
    (
        "check with two expectations",
        _append("checks", {"id": "two", "open": "capital", "verified": True}),
        "checks[0]",
        "a check makes one expectation, this one makes 2 (open, verified): split it into 2 checks",
    ),
    (
        "check of an unknown post",
        _append("checks", {"id": "holds", "open": "capitol"}),
        "checks[0].open",
        "'capitol' is not a post; did you mean 'capital'?",
    ),
    (
        "check of unknown staff",
        _append("checks", {"id": "stays", "retained": ["cap-1"]}),
        "checks[0].retained[0]",
        "'cap-1' is not a staff member",
    ),
    (
        "check with an empty list of staff",
        _append("checks", {"id": "stays", "departs": []}),
        "checks[0].departs",
        "needs at least 1: the list is empty",
    ),
    (
        "check's posture without a post",
        _append("checks", {"id": "p", "posture": "minimal", "verified": True}),
        "checks[0].posture",
        "posture goes with open: name the post that stays open",
    ),
    (
        "check's by without departs",
        _append("checks", {"id": "p", "by": "30h", "retained": ["cap-01"]}),
        "checks[0].by",
        "by goes with departs or safe: name who departs or who is safe",
    ),
    (
        "check's span as a moment",
        _append("checks", {"id": "s", "all_safe_within": "2020-01-04T00:00:00Z"}),
        "checks[0].all_safe_within",
        "is a moment, not a span: give 24h or minutes",
    ),
    (
        "check's moment before the start",
        _append("checks", {"id": "s", "all_safe_by": "2019-12-31T00:00:00Z"}),
        "checks[0].all_safe_by",
        "is before the start",
    ),
    (
        "check closing an unknown link",
        _append("checks", {"id": "c", "survives": {"close": ["crosing"], "at": "30h"}}),
        "checks[0].survives.close[0]",
        "'crosing' is not a link or a place; did you mean 'crossing'?",
    ),
    (
        "check's closure ending before it begins",
        _append(
            "checks", {"id": "c", "survives": {"close": ["crossing"], "at": "30h", "until": "20h"}}
        ),
        "checks[0].survives.until",
        "until must come after at",
    ),
    (
        "check firing an unknown indicator",
        _append("checks", {"id": "i", "indicators": {"go-minimal": "10h"}, "verified": True}),
        "checks[0].indicators.go-minimal",
        "'go-minimal' is not a decision point on an indicator",
    ),
    (
        "check with an unknown key",
        _append("checks", {"id": "k", "retain": ["cap-01"]}),
        "checks[0].retain",
        "unknown key 'retain'; did you mean 'retained'?",
    ),
    (
        "duplicate check id",
        lambda d: d.setdefault("checks", []).extend(
            [{"id": "v", "verified": True}, {"id": "v", "parties_whole": True}]
        ),
        "checks[1].id",
        "duplicate check id 'v' (first at checks[0])",
    ),
    (
        "service without seats",
        _flight(departures=[60, 180]),
        "links[4].departures",
        "a scheduled service needs seats",
    ),
    (
        "seats without departures",
        _set("links[4].seats", 120),
        "links[4].seats",
        "seats are per departure: give departures too",
    ),
    (
        "service with a capacity too",
        _set("links[4].departures", [60]),
        "links[4].capacity_per_hour",
        "give capacity_per_hour or departures, not both",
    ),
    (
        "link with neither capacity nor departures",
        _set("links[4].capacity_per_hour", ...),
        "links[4].capacity_per_hour",
        "a link needs capacity_per_hour (people an hour), or departures and seats",
    ),
    (
        "departure that is not a time",
        _flight(seats=100, departures=[60, "noon"]),
        "links[4].departures[1]",
        "'noon' is not a time",
    ),
    (
        "departure before the start",
        _flight(seats=100, departures=["2020-01-01T00:00:00Z"]),
        "links[4].departures[0]",
        "is before the start",
    ),
    (
        "no departures",
        _flight(seats=100, departures=[]),
        "links[4].departures",
        "needs at least 1: the list is empty",
    ),
    (
        "timetable ending before it starts",
        _flight(seats=100, departures={"every": "6h", "from": "1d", "until": "12h"}),
        "links[4].departures.until",
        "until must come after from",
    ),
    (
        "timetable with a misspelt key",
        _flight(seats=100, departures={"evry": "6h", "from": 0, "until": "1d"}),
        "links[4].departures.evry",
        "unknown key 'evry'; did you mean 'every'?",
    ),
    (
        "timetable every zero",
        _flight(seats=100, departures={"every": 0, "from": 0, "until": "1d"}),
        "links[4].departures.every",
        "the interval between departures must be more than 0",
    ),
    (
        "timetable every a moment",
        _flight(seats=100, departures={"every": "2020-01-04T00:00:00Z", "from": 0, "until": "1d"}),
        "links[4].departures.every",
        "is a moment, not a span",
    ),
    (
        "no seats",
        _flight(seats=0, departures=[60]),
        "links[4].seats",
        "greater than or equal to 1",
    ),
    (
        "negative throughput",
        _set("places[2].throughput_per_hour", -5),
        "places[2].throughput_per_hour",
        "greater than 0",
    ),
    (
        "throughput as text",
        _set("places[2].throughput_per_hour", "lots"),
        "places[2].throughput_per_hour",
        "number",
    ),
    (
        "throughput at a safe place",
        _set("places[4].throughput_per_hour", 100),
        "places[4].throughput_per_hour",
        "a safe place absorbs everyone",
    ),
    (
        "infinite capacity",
        _set("links[0].capacity_per_hour", float("inf")),
        "links[0].capacity_per_hour",
        "finite number",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_named_with_its_path(
    raw: Data, mutate: Callable[[Data], None], path: str, fragment: str
) -> None:
    """Each broken scenario raises ScenarioError naming the fault at its path."""
    mutate(raw)
    with pytest.raises(ScenarioError) as err:
        Scenario(**raw)
    messages = {p.path: p.message for p in err.value.problems}
    assert path in messages, f"no problem at {path}: {err.value}"
    assert fragment in messages[path], messages[path]
    assert isinstance(err.value, ValueError)


STEP_RULE = "must be a whole number of minutes greater than 0 and at most 1440, a day"


def _scenario_file(tmp_path: Path, raw: Data) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("value", "got"),
    [
        (0, "(got 0)"),
        (-5, "(got -5)"),
        (2.5, "(got 2.5)"),
        (1441, "(got 1441)"),
        (10**6, "(got 1000000)"),
        ("5", "(got '5', a string; write the number without quotes)"),
        (True, "(got true, a flag)"),
        (None, "(got nothing)"),
    ],
    ids=[
        "zero",
        "negative",
        "fraction",
        "a day and a minute",
        "a million",
        "string",
        "flag",
        "null",
    ],
)
def test_step_minutes_in_a_file_is_a_whole_number_up_to_a_day(
    tmp_path: Path, raw: Data, value: Any, got: str
) -> None:
    """A step that is not 1 to 1440 whole minutes is one ScenarioError at ``step_minutes``."""
    raw["step_minutes"] = value
    path = _scenario_file(tmp_path, raw)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert [(p.path, p.message) for p in err.value.problems] == [
        ("step_minutes", f"{STEP_RULE} {got}")
    ]
    assert f"step_minutes (line {err.value.problems[0].line}): {STEP_RULE}" in str(err.value)


@pytest.mark.parametrize("value", [1, 1440], ids=["a minute", "a day"])
def test_step_minutes_from_a_minute_to_a_day_are_accepted(
    tmp_path: Path, raw: Data, value: int
) -> None:
    """The ends of the range are steps: one minute, and a whole day."""
    raw["step_minutes"] = value
    assert load_scenario(_scenario_file(tmp_path, raw)).step_minutes == value


def test_every_problem_is_reported_at_once(raw: Data) -> None:
    """Structural and reference problems come together, in file order."""
    raw["links"][0]["capacity_per_hour"] = -1
    raw["staff"][1]["post"] = "nowhere"
    raw["staff"][4]["colour"] = "blue"
    raw["decision_points"][0]["posts"] = ["elsewhere"]
    with pytest.raises(ScenarioError) as err:
        Scenario(**raw)
    assert [p.path for p in err.value.problems] == [
        "links[0].capacity_per_hour",
        "staff[1].post",
        "staff[4].colour",
        "decision_points[0].posts[0]",
    ]
    assert str(err.value).startswith("invalid scenario: 4 problems\n  links[0].capacity_per_hour:")


@pytest.mark.parametrize(
    ("text", "suffix", "fragment"),
    [
        ("", ".yaml", "the file is empty"),
        ("name: [unclosed", ".yaml", "line 1"),
        ("name: a\nname: b\n", ".yaml", "duplicate key 'name'"),
        ("- a\n- b\n", ".yaml", "must be a mapping of keys to values, not a list"),
        ("just words", ".yaml", "not a str"),
        ('{"name": }', ".json", "invalid JSON"),
        ('{"name": NaN}', ".json", "NaN is not a number"),
        ("name: x", ".txt", "unknown file type '.txt'"),
        ("!!python/object/apply:os.system ['true']", ".yaml", "invalid YAML"),
        ("1: one\n", ".yaml", "key 1 is not a string"),
    ],
    ids=[
        "empty",
        "yaml syntax",
        "duplicate key",
        "list",
        "scalar",
        "json syntax",
        "nan",
        "extension",
        "unsafe tag",
        "int key",
    ],
)
def test_broken_files(tmp_path: Path, text: str, suffix: str, fragment: str) -> None:
    """Files that are not scenarios at all are rejected with one clear message naming the file."""
    path = tmp_path / f"broken{suffix}"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert fragment in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (
            "  - {id: camp, kind: assembly, name: Camp (north, near the airport)}",
            "places[[]5].near the airport) (line 19): unknown key 'near the airport)': it looks "
            "like the end of the value before it, cut at an unquoted ',': quote the value it "
            'was cut from ("..., near the airport)")',
        ),
        (
            "  - {id: gate, kind: assembly, name: Abbey Gate: north}",
            "invalid YAML: expected ',' or '}', but got ':'; a ':' and a space inside a value "
            '(name: Gate: north) start a new key: quote this value (name: "Gate: north")',
        ),
        (
            "  - id: gate\n    kind: assembly\n    name: Abbey Gate: north",
            "invalid YAML: mapping values are not allowed here; a ':' and a space inside a "
            'value (name: Gate: north) start a new key: quote this value (name: "Gate: north")',
        ),
    ],
    ids=["comma in a flow mapping", "colon in a flow mapping", "colon in a block"],
)
def test_an_unquoted_comma_or_colon_says_quote_this_value(
    tmp_path: Path, line: str, words: str
) -> None:
    text = seed_path("tiny").read_text().replace("\nlinks:", f"\n{line}\n\nlinks:", 1)
    path = tmp_path / "unquoted.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert any(fnmatch.fnmatch(p, f"*{words}*") for p in str(err.value).splitlines())


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is named, not a FileNotFoundError traceback."""
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "absent.yaml")


def test_json_and_yaml_report_the_same_problems(tmp_path: Path, raw: Data) -> None:
    """The same broken scenario gives the same problems from either format (YAML adds lines)."""
    raw["staff"][0]["post"] = "captial"
    (tmp_path / "s.json").write_text(json.dumps(raw))
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(raw))
    problems = []
    for name in ("s.json", "s.yaml"):
        with pytest.raises(ScenarioError) as err:
            load_scenario(tmp_path / name)
        problems.append(err.value.problems)
    json_problems, yaml_problems = problems
    assert [(p.path, p.message) for p in json_problems] == [
        (p.path, p.message) for p in yaml_problems
    ]
    assert all(p.line is None for p in json_problems)
    assert all(p.line is not None for p in yaml_problems)


def test_yaml_problems_carry_their_line(tmp_path: Path) -> None:
    """A problem in a YAML file names its line; a missing key names its entry's line."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: x\nstart: 2020-01-03T00:00:00Z\nplaces:\n  - id: a\n    kind: post\n"
        "posts:\n  - id: p\n    name: P\n    place: b\nlinks:\n  - source: a\n    target: a\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    found = {p.path: p.line for p in err.value.problems}
    assert found == {
        "links[0].minutes": 11,
        "links[0].capacity_per_hour": 11,
        "links[0].target": 12,
        "posts[0].place": 9,
    }


def test_unknown_requirement_category_names_its_path_line_and_nearest(
    tmp_path: Path, raw: Data
) -> None:
    """A misspelt category of a requirement, in a file: its path, its line, the nearest category."""
    raw["posts"][0]["requirements"][1]["categories"] = ["militery"]
    path = _scenario_file(tmp_path, raw)
    lines = path.read_text().splitlines()
    line = next(k for k, text in enumerate(lines, 1) if text.strip() == "- militery")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert [(p.path, p.line, p.message) for p in err.value.problems] == [
        (
            "posts[0].requirements[1].categories[0]",
            line,
            "'militery' is not a category; did you mean 'military'?",
        )
    ]
    assert (
        f"posts[0].requirements[1].categories[0] (line {line}): 'militery' is not a category"
        in str(err.value)
    )


@pytest.mark.parametrize("section", ["places", "posts"])
@pytest.mark.parametrize("value", [None, {"a": 1}, ...], ids=["null", "mapping", "missing"])
def test_a_broken_section_is_one_problem(raw: Data, section: str, value: Any) -> None:
    """References into a broken section are not listed one by one: the section's fault says it."""
    _set(section, value)(raw)
    with pytest.raises(ScenarioError) as err:
        Scenario(**raw)
    assert [p.path for p in err.value.problems] == [section]


def _paths(node: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a nested structure of dicts and lists."""
    out = [where] if where else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*where, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*where, i))
    return out


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(["embassy", "capital", "minimal", "96h", "2020-01-01T00:00:00Z", "cap-01"]),
)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_corruption_is_a_scenario_error_or_valid(tiny_data: Data, data: st.DataObject) -> None:
    """Replacing or deleting values anywhere never crashes: valid, or ScenarioError with paths."""
    raw = copy.deepcopy(tiny_data)
    paths = _paths(raw)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent: Any = raw
        try:
            for part in path[:-1]:
                parent = parent[part]
            if data.draw(st.booleans()):
                parent[path[-1]] = data.draw(JUNK)
            elif isinstance(parent, dict):
                del parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier corruption removed this path
    try:
        Scenario(**raw)
    except ScenarioError as err:
        assert err.problems
        assert all(isinstance(p.path, str) and p.message for p in err.problems)


def _threat(**fields: Any) -> Callable[[Data], None]:
    """A mutation that adds a threat (at index 2) from a valid base and ``fields``."""
    base = {"id": "shelling", "at": "30h", "places": ["embassy"], "risk_per_hour": 0.01}
    return _append("threats", {k: v for k, v in {**base, **fields}.items() if v is not ...})


# (case id, mutation, expected path, fragment of the message)
RISK_PER_HOUR: list[tuple[str, Callable[[Data], None], str, str]] = [
    (
        "negative",
        _threat(risk_per_hour=-0.1),
        "threats[2].risk_per_hour",
        "greater than or equal to 0",
    ),
    ("infinite", _threat(risk_per_hour=float("inf")), "threats[2].risk_per_hour", "finite number"),
    (
        "not a number",
        _threat(risk_per_hour=float("nan")),
        "threats[2].risk_per_hour",
        "finite number",
    ),
    ("a string", _threat(risk_per_hour="0.01"), "threats[2].risk_per_hour", "should be a number"),
    ("a flag", _threat(risk_per_hour=True), "threats[2].risk_per_hour", "should be a number"),
    (
        "on links alone",
        _threat(places=..., links=["airport-road"]),
        "threats[2].risk_per_hour",
        "risk_per_hour is the risk of staying at a place, and this threat names links only",
    ),
    (
        "on a closure",
        _threat(closes=True),
        "threats[2].risk_per_hour",
        "a threat that closes what it touches has no risk per hour",
    ),
    (
        "on a seed closure",
        _set("threats[1].risk_per_hour", 0.2),
        "threats[1].risk_per_hour",
        "remove risk_per_hour, or closes",
    ),
    (
        "no effect at all",
        _threat(risk_per_hour=...),
        "threats[2]",
        "a threat needs an effect: a risk, a risk_per_hour, or closes: true",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [c[1:] for c in RISK_PER_HOUR],
    ids=[c[0] for c in RISK_PER_HOUR],
)
def test_bad_risk_per_hour_is_named_with_its_path(
    tmp_path: Path, raw: Data, mutate: Callable[[Data], None], path: str, fragment: str
) -> None:
    """risk_per_hour: a finite number >= 0, on a threat of places or regions that stays open.

    In Python and in a file alike, each fault is named at its path.
    """
    mutate(raw)
    with pytest.raises(ScenarioError) as err:
        Scenario(**raw)
    messages = {p.path: p.message for p in err.value.problems}
    assert path in messages, f"no problem at {path}: {err.value}"
    assert fragment in messages[path], messages[path]
    # The same from a YAML file, with the line.
    with pytest.raises(ScenarioError) as from_file:
        load_scenario(_scenario_file(tmp_path, raw))
    (problem,) = [p for p in from_file.value.problems if p.path == path]
    assert fragment in problem.message and problem.line is not None


@pytest.mark.parametrize(
    "fields",
    [
        {"risk_per_hour": 0.0},
        {"risk_per_hour": 2},
        {"places": ..., "regions": ["capital"]},
        {"links": ["airport-road"], "risk": 0.4},
    ],
    ids=["zero", "a whole number", "on a region", "places and links, with a risk"],
)
def test_good_risk_per_hour_is_accepted(raw: Data, fields: dict[str, Any]) -> None:
    """A threat of places or regions may carry risk_per_hour, alone or beside a risk."""
    _threat(**fields)(raw)
    threat = Scenario(**raw).threats[2]
    assert threat.risk_per_hour == fields.get("risk_per_hour", 0.01)


def test_a_key_that_looks_like_a_digit_is_an_unknown_key(raw: dict[str, Any]) -> None:
    """Found by hypothesis: a key '²' (a digit to str.isdigit) once crashed the sorting."""
    raw["links"][1]["²"] = 1
    with pytest.raises(ScenarioError, match=r"links\[1\]\.²: unknown key"):
        Scenario.model_validate(raw)
