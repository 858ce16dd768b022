"""Likely mistakes: a valid scenario still loads, with a ScenarioWarning naming each one's path."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from evacplan import Scenario, ScenarioError, ScenarioWarning
from evacplan.io import likely_mistakes, load_scenario, seed_path

Data = dict[str, Any]
SEEDS = sorted(seed_path("tiny").parent.glob("*.yaml"))


def _write(tmp_path: Path, raw: Data, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    if path.suffix == ".json":
        path.write_text(json.dumps(raw, default=str))
    else:
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _caught(path: Path) -> list[str]:
    """The ScenarioWarning messages of loading ``path``, with the file's path cut off."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(path)
    assert all(w.category is ScenarioWarning for w in caught)
    return [str(w.message).removeprefix(f"{path}: ") for w in caught]


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem for p in SEEDS])
def test_the_seeds_load_without_warnings(seed: Path) -> None:
    """Every seed scenario is free of likely mistakes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scenario = load_scenario(seed)
    assert likely_mistakes(scenario) == []


def _skill_typo(raw: Data) -> None:
    raw["posts"][0]["requirements"].append({"function": "lab", "skill": "chemist"})
    raw["staff"][4]["skills"] = ["consular", "chemst"]


def _capital_letter(raw: Data) -> None:
    raw["staff"][2]["skills"] = ["Crypto"]


def _island(raw: Data) -> None:
    raw["places"].append({"id": "island", "kind": "waypoint"})


def _one_way_from_safety(raw: Data) -> None:
    raw["places"].append({"id": "island", "kind": "waypoint"})
    link = {"source": "haven", "target": "island", "minutes": 5, "capacity_per_hour": 60}
    raw["links"].append({**link, "two_way": False})


def _no_haven(raw: Data) -> None:
    raw["places"][4]["kind"] = "waypoint"


def _narrow(raw: Data) -> None:
    raw["links"][3]["capacity_per_hour"] = 10


def _trickle(raw: Data) -> None:
    raw["links"][3]["capacity_per_hour"] = 1
    raw["step_minutes"] = 1


def _slow_gate(raw: Data) -> None:
    raw["places"][2]["throughput_per_hour"] = 6


def _flight_from_a_gate(raw: Data) -> None:
    raw["places"][2]["throughput_per_hour"] = 600
    flight = raw["links"][4]
    for key in ("capacity_per_hour", "opens", "closes"):
        del flight[key]
    flight.update(seats=120, departures=[60])


def _naive_start(raw: Data) -> None:
    raw["start"] = "2020-01-03T06:00:00"


# (case id, mutation, the warning's text after the file name, as a regular expression)
CASES: list[tuple[str, Callable[[Data], None], str]] = [
    (
        "skill close to a required one",
        _skill_typo,
        r"^staff\[4\]\.skills\[1\] \(line \d+\): skill 'chemst' is not required anywhere; "
        r"did you mean 'chemist'\?$",
    ),
    (
        "skill in the wrong case",
        _capital_letter,
        r"^staff\[2\]\.skills\[0\] .*skill 'Crypto' is not required anywhere; did you mean 'crypto'",
    ),
    (
        "place with no links",
        _island,
        r"^places\[5\] \(line \d+\): no safe place can be reached from 'island' over the links$",
    ),
    (
        "place reached from safety only one way",
        _one_way_from_safety,
        r"^places\[5\] .*no safe place can be reached from 'island'",
    ),
    (
        "no safe place at all",
        _no_haven,
        r"^places \(line \d+\): no place is safe: give a place kind safe_haven, or safe: true$",
    ),
    (
        "link under one person a step",
        _narrow,
        r"^links\[3\]\.capacity_per_hour \(line \d+\): 10 people an hour is under one person per "
        r"5-minute step: the link lets one person in every 6 minutes \(every 1\.2 steps\)$",
    ),
    (
        "link of one person an hour",
        _trickle,
        r"^links\[3\]\.capacity_per_hour .*: 1 person an hour is under one person per 1-minute "
        r"step: the link lets one person in every 60 minutes \(every 60 steps\)$",
    ),
    (
        "gate under one person a step",
        _slow_gate,
        r"^places\[2\]\.throughput_per_hour .*: 6 people an hour is under one person per "
        r"5-minute step: the place lets one person out every 10 minutes \(every 2 steps\)$",
    ),
    (
        "service leaving from a gated place",
        _flight_from_a_gate,
        r"^links\[4\]\.departures .*: the service leaves from airport, a place with a "
        r"throughput: only the people it lets out in a departure's step can board",
    ),
    (
        "start without an offset",
        _naive_start,
        r"^start \(line \d+\): 2020-01-03T06:00:00 has no UTC offset, so it and every time "
        r"without one are read as UTC: write 2020-01-03T06:00:00\+00:00 if that is meant",
    ),
]


@pytest.mark.parametrize(("mutate", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_likely_mistake_warns_with_its_path(
    tmp_path: Path, raw: Data, mutate: Callable[[Data], None], pattern: str
) -> None:
    """Each likely mistake loads, with exactly one ScenarioWarning naming the file and path."""
    mutate(raw)
    path = _write(tmp_path, raw)
    with pytest.warns(ScenarioWarning, match=pattern.replace("^", f"^{path}: ", 1)):
        scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert len(_caught(path)) == 1


def test_the_brief_example(tmp_path: Path, raw: Data) -> None:
    """The message a planner reads, whole."""
    _skill_typo(raw)
    path = _write(tmp_path, raw, "s.json")
    with pytest.warns(ScenarioWarning) as record:
        load_scenario(path)
    assert [str(w.message) for w in record] == [
        f"{path}: staff[4].skills[1]: skill 'chemst' is not required anywhere; "
        "did you mean 'chemist'?"
    ]


def test_the_warning_points_at_the_caller(tmp_path: Path, raw: Data) -> None:
    """The warning is attributed to the code that called load_scenario, not to evacplan."""
    _naive_start(raw)
    with pytest.warns(ScenarioWarning) as record:
        load_scenario(_write(tmp_path, raw))
    assert record[0].filename == __file__


def test_a_yaml_warning_names_its_line(tmp_path: Path, raw: Data) -> None:
    """In YAML, the warning names the line of the entry, as errors do."""
    _narrow(raw)
    path = _write(tmp_path, raw)
    line = path.read_text().splitlines().index("  capacity_per_hour: 10") + 1
    assert _caught(path) == [
        f"links[3].capacity_per_hour (line {line}): 10 people an hour is under one person per "
        "5-minute step: the link lets one person in every 6 minutes (every 1.2 steps)"
    ]


@pytest.mark.parametrize(
    ("mutate", "step"),
    [
        (lambda raw: raw["staff"][5].update(skills=["driving", "cooking"]), 5),
        (lambda raw: raw["links"][3].update(capacity_per_hour=12), 5),
        (lambda raw: raw["links"][3].update(capacity_per_hour=60), 1),
        (lambda raw: raw["places"][1].update(safe=True), 5),
        (lambda raw: raw.update(start="2020-01-03T09:00:00+03:00"), 5),
    ],
    ids=[
        "skills far from any required one",
        "exactly one person a step",
        "one a minute at one-minute steps",
        "a place declared safe",
        "a start with a local offset",
    ],
)
def test_what_is_not_a_mistake_does_not_warn(
    tmp_path: Path, raw: Data, mutate: Callable[[Data], Any], step: int
) -> None:
    """Near misses of each check load silently."""
    mutate(raw)
    raw["step_minutes"] = step
    path = _write(tmp_path, raw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario(path)


def test_every_mistake_is_reported_in_file_order(tmp_path: Path, raw: Data) -> None:
    """Several mistakes: one warning each, in the order of the file."""
    for mutate in (_skill_typo, _island, _narrow, _naive_start):
        mutate(raw)
    found = _caught(_write(tmp_path, raw))
    assert [text.split(" ")[0] for text in found] == [
        "start",
        "places[5]",
        "links[3].capacity_per_hour",
        "staff[4].skills[1]",
    ]


def test_errors_come_before_warnings(tmp_path: Path, raw: Data) -> None:
    """A file with an error raises ScenarioError; its likely mistakes are not warned of."""
    _naive_start(raw)
    raw["staff"][0]["post"] = "captial"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ScenarioError, match="did you mean 'capital'"):
            load_scenario(_write(tmp_path, raw))


def test_scenarios_built_in_python_are_checked_on_request(tiny: Scenario) -> None:
    """Building or replacing in Python stays quiet; likely_mistakes lists the same findings."""
    narrow = [
        link.model_copy(update={"capacity_per_hour": 10}) if link.id == "crossing" else link
        for link in tiny.links
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        changed = tiny.replace(links=narrow)
    assert [p.path for p in likely_mistakes(changed)] == ["links[3].capacity_per_hour"]
    assert [p.path for p in likely_mistakes(changed.replace(step_minutes=6))] == []
