"""Local time: a datetime without a UTC offset is read in the offset of the scenario's start."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from evacplan import DecisionPoint, Link, Scenario, ScenarioError, ScenarioWarning, ThreatEvent
from evacplan._time import clock, minutes_after, parse_when
from evacplan.io import load_scenario, save_scenario

BAGHDAD = timezone(timedelta(hours=3))
TEHRAN = timezone(timedelta(hours=3, minutes=30))

# One post, one road to a haven; the start is 06:00 in Baghdad (+03:00).
LOCAL = """\
name: local
start: 2020-01-05T06:00:00+03:00
places:
  - {id: embassy, kind: post, region: city}
  - {id: haven, kind: safe_haven}
links:
  - {id: road, source: embassy, target: haven, minutes: 60, capacity_per_hour: 60}
  - {id: flight, source: embassy, target: haven, minutes: 60, capacity_per_hour: 60,
     two_way: false, opens: 2020-01-05T08:00:00, closes: "2020-01-05T09:30:00"}
posts:
  - {id: post, name: Post, place: embassy}
threats:
  - {id: strike, at: 2020-01-05T10:00:00, until: "2020-01-05T12:00:00", places: [embassy],
     risk: 0.2}
  - {id: utc-strike, at: 2020-01-05T10:00:00Z, places: [embassy], risk: 0.3}
decision_points:
  - {id: go, posture: minimal, at: "2020-01-05T11:00:00"}
"""


def _write(tmp_path: Path, text: str, name: str = "local.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def local(tmp_path: Path) -> Scenario:
    """The LOCAL scenario, loaded from a YAML file (it loads without warnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_scenario(_write(tmp_path, LOCAL))


def test_a_naive_datetime_stays_naive_when_parsed() -> None:
    """parse_when keeps a naive datetime naive: only the start can say where it is."""
    assert parse_when("2020-01-05T10:00:00") == datetime(2020, 1, 5, 10, 0)
    assert parse_when("2020-01-05T10:00:00").tzinfo is None
    assert parse_when(datetime(2020, 1, 5, 10, 0)).tzinfo is None
    assert parse_when("2020-01-05T10:00:00Z").tzinfo is not None


@pytest.mark.parametrize(
    ("start", "when", "minute"),
    [
        (datetime(2020, 1, 5, 6, tzinfo=BAGHDAD), datetime(2020, 1, 5, 10), 240.0),
        (datetime(2020, 1, 5, 6, tzinfo=BAGHDAD), datetime(2020, 1, 5, 10, tzinfo=UTC), 420.0),
        (datetime(2020, 1, 5, 6, tzinfo=BAGHDAD), datetime(2020, 1, 5, 5), -60.0),
        (datetime(2020, 1, 5, 6, tzinfo=TEHRAN), datetime(2020, 1, 6, 6), 1440.0),
        (datetime(2020, 1, 5, 6), datetime(2020, 1, 5, 10), 240.0),
        (datetime(2020, 1, 5, 6), datetime(2020, 1, 5, 10, tzinfo=BAGHDAD), 60.0),
        (datetime(2020, 1, 5, 6, tzinfo=UTC), 90, 90.0),
    ],
    ids=[
        "naive in the start's offset",
        "aware keeps its own offset",
        "naive before the start",
        "half-hour offset",
        "naive start and time: both UTC",
        "naive start is UTC",
        "an offset stays as it is",
    ],
)
def test_minutes_after_reads_naive_times_in_the_start_offset(
    start: datetime, when: Any, minute: float
) -> None:
    """A naive time is in the start's offset; a naive start is UTC."""
    assert minutes_after(start, when) == minute


def test_a_datetime_without_a_start_cannot_be_placed() -> None:
    """With no start at all, no datetime, naive or not, becomes a minute."""
    with pytest.raises(ValueError, match="needs the scenario's start"):
        minutes_after(None, datetime(2020, 1, 5, 10))


def test_naive_times_in_a_file_are_read_in_the_start_offset(local: Scenario) -> None:
    """Threats, link windows and decision points written without an offset are local times."""
    strike, utc_strike = local.threats
    assert strike.at.tzinfo is None  # kept as written
    assert local.minute(strike.at) == 240  # 10:00 +03:00, not 10:00 UTC (420)
    assert local.minute(strike.until) == 360
    assert local.minute(utc_strike.at) == 420  # an explicit offset wins
    flight = local.links[1]
    assert (local.minute(flight.opens), local.minute(flight.closes)) == (120, 210)
    assert local.decision_minute(local.decision_points[0]) == 300
    assert local.postures(at=299)["post"] == "normal"
    assert local.postures(at=300)["post"] == "minimal"


def test_a_naive_time_before_a_local_start_is_caught(tmp_path: Path) -> None:
    """05:00 without an offset is before a 06:00 +03:00 start (it would not be, read as UTC)."""
    text = LOCAL.replace("at: 2020-01-05T10:00:00,", "at: 2020-01-05T05:00:00,")
    with pytest.raises(ScenarioError) as err:
        load_scenario(_write(tmp_path, text))
    assert [p.path for p in err.value.problems] == ["threats[0].at"]
    assert "before the start" in err.value.problems[0].message


def test_naive_times_given_in_python_are_read_in_the_start_offset(local: Scenario) -> None:
    """ThreatEvent(at=datetime(...)) and friends, built in Python, follow the same rule."""
    threat = ThreatEvent(id="riot", at=datetime(2020, 1, 5, 10, 0), places=["embassy"], risk=0.5)
    point = DecisionPoint(id="leave", posture="suspended", at=datetime(2020, 1, 5, 7, 30))
    road = Link(
        source="embassy",
        target="haven",
        minutes=30,
        capacity_per_hour=60,
        closes=datetime(2020, 1, 5, 18, 0),
    )
    changed = local.replace(threats=[threat], decision_points=[point], links=[road])
    assert changed.minute(changed.threats[0].at) == 240
    assert changed.decision_minute(changed.decision_points[0]) == 90
    assert changed.minute(changed.links[0].closes) == 720
    # The same naive times against a UTC start are three hours later.
    utc = changed.replace(start=datetime(2020, 1, 5, 3, 0, tzinfo=UTC))
    assert utc.minute(utc.threats[0].at) == 420


def test_moving_the_start_moves_naive_times_with_it(local: Scenario) -> None:
    """Naive times follow the start's offset; times with their own offset stay where they are."""
    tehran = local.replace(start=datetime(2020, 1, 5, 6, 0, tzinfo=TEHRAN))
    assert tehran.minute(tehran.threats[0].at) == 240  # naive: still four hours after 06:00
    assert tehran.minute(tehran.threats[1].at) == 450  # 10:00 UTC is 13:30 in Tehran


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_naive_times_survive_a_round_trip(tmp_path: Path, local: Scenario, suffix: str) -> None:
    """Saved and loaded again, a naive time is still naive and still the same minute."""
    again = load_scenario(save_scenario(local, tmp_path / f"copy{suffix}"))
    assert again == local
    assert again.threats[0].at.tzinfo is None
    assert again.minute(again.threats[0].at) == 240


def test_a_start_without_an_offset_reads_everything_as_utc(tmp_path: Path) -> None:
    """A naive start is UTC, so naive times are UTC too; loading it warns."""
    text = LOCAL.replace("start: 2020-01-05T06:00:00+03:00", "start: 2020-01-05T06:00:00")
    with pytest.warns(ScenarioWarning, match=r"start \(line 2\): 2020-01-05T06:00:00 has no UTC"):
        scenario = load_scenario(_write(tmp_path, text))
    assert scenario.minute(scenario.threats[0].at) == 240
    assert scenario.minute(scenario.threats[1].at) == 240  # 10:00Z is 10:00 naive UTC


def test_json_reads_local_times_alike(tmp_path: Path) -> None:
    """A JSON file holds times as strings; naive ones are local there too."""
    data = yaml.safe_load(LOCAL)  # unquoted timestamps come back as datetimes
    path = tmp_path / "local.json"
    path.write_text(json.dumps(data, default=datetime.isoformat))
    assert '"at": "2020-01-05T10:00:00"' in path.read_text()
    scenario = load_scenario(path)
    assert scenario.minute(scenario.threats[0].at) == 240


@pytest.mark.parametrize(
    ("start", "minute", "text"),
    [
        (datetime(2020, 1, 5, 6, tzinfo=BAGHDAD), 240, "Sun 5 Jan 10:00 +03:00"),
        (datetime(2020, 1, 5, 6, tzinfo=BAGHDAD), 1680, "Mon 6 Jan 10:00 +03:00"),
        (datetime(2020, 1, 5, 6, tzinfo=BAGHDAD), 1080, "Mon 6 Jan 00:00 +03:00"),
        (datetime(2020, 1, 8, 1, 30, tzinfo=TEHRAN), 42, "Wed 8 Jan 02:12 +03:30"),
        (datetime(2020, 1, 3, 6, 0, tzinfo=UTC), 90, "Fri 3 Jan 07:30 +00:00"),
        (datetime(2020, 1, 3, 6, 0), 90.4, "Fri 3 Jan 07:30 +00:00"),
        (
            datetime(2020, 1, 3, 6, 0, tzinfo=timezone(timedelta(hours=-5))),
            0,
            "Fri 3 Jan 06:00 -05:00",
        ),
        (None, 240, ""),
    ],
    ids=[
        "same day",
        "next day",
        "midnight",
        "half-hour offset",
        "UTC",
        "naive start, fraction of a minute",
        "west of Greenwich",
        "no start",
    ],
)
def test_clock_shows_a_minute_in_the_start_offset(
    start: datetime | None, minute: float, text: str
) -> None:
    """clock(start, minute): weekday, day, month, HH:MM and the start's offset."""
    assert clock(start, minute) == text


def test_clock_of_a_loaded_scenario(local: Scenario) -> None:
    """The threat at minute 240 of the local file is 10:00 +03:00, as written."""
    minute = local.minute(local.threats[0].at)
    assert f"minute {minute:g}, {clock(local.start, minute)}" == (
        "minute 240, Sun 5 Jan 10:00 +03:00"
    )


def test_a_named_zone_is_followed_across_a_clock_change() -> None:
    """A start in a named zone (Python only) reads naive times by the zone's own rules."""
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        london = zoneinfo.ZoneInfo("Europe/London")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone data")
    start = datetime(2020, 3, 28, 12, 0, tzinfo=london)  # GMT; clocks go forward on the 29th
    assert minutes_after(start, datetime(2020, 3, 29, 12, 0)) == 23 * 60
    assert minutes_after(start, datetime(2020, 3, 29, 12, 0, tzinfo=london)) == 23 * 60
    assert clock(start, 23 * 60) == "Sun 29 Mar 12:00 +01:00"
