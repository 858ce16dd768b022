"""Reading and writing: YAML and JSON round trips, the JSON Schema, TNTP networks."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from evacplan import Network, Scenario, ScenarioError
from evacplan.io import (
    load_scenario,
    read_tntp,
    save_scenario,
    scenario_json_schema,
    seed_path,
    tntp_path,
)

SEEDS = sorted(seed_path("tiny").parent.glob("*.yaml"))


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem for p in SEEDS])
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_round_trip(tmp_path: Path, seed: Path, suffix: str) -> None:
    """Saving and loading again gives an equal scenario, in either format."""
    scenario = load_scenario(seed)
    again = load_scenario(save_scenario(scenario, tmp_path / f"copy{suffix}"))
    assert again == scenario


def test_save_writes_nothing_on_failure(tmp_path: Path, tiny: Scenario) -> None:
    """An unknown extension is refused before anything is written."""
    with pytest.raises(ScenarioError, match="unknown file type"):
        save_scenario(tiny, tmp_path / "copy.txt")
    assert list(tmp_path.iterdir()) == []


def test_save_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, tiny: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure mid-write leaves the previous file whole and no temporary behind."""
    target = tmp_path / "plan.yaml"
    target.write_text("old")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("evacplan.io._files.os.replace", fail)
    with pytest.raises(OSError):
        save_scenario(tiny, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.yaml"]


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem for p in SEEDS])
def test_json_schema_accepts_the_seeds(seed: Path) -> None:
    """The published JSON Schema accepts every seed file as written."""
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load(seed.read_text())
    # YAML reads unquoted timestamps as datetimes; a JSON document holds them as strings.
    data["start"] = str(data["start"])
    jsonschema.validate(data, schema)


def test_json_schema_rejects_unknown_keys() -> None:
    """The schema, like the loader, forbids keys it does not know."""
    schema = scenario_json_schema()
    data = yaml.safe_load(seed_path("tiny").read_text())
    data["staff"][0]["dependents"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_read_tntp_sioux_falls() -> None:
    """Sioux Falls: 24 places, 76 one-way links, capacities in people per hour."""
    net = read_tntp(tntp_path("SiouxFalls"))
    assert isinstance(net, Network)
    assert [p.id for p in net.places] == [str(i) for i in range(1, 25)]
    assert len(net.links) == 76
    first = net.links[0]
    assert (first.source, first.target, first.minutes, first.two_way) == ("1", "2", 6.0, False)
    assert first.capacity_per_hour == pytest.approx(25900.20064)


def test_read_tntp_scales_units() -> None:
    """People per vehicle scales capacity; the time unit scales minutes."""
    net = read_tntp(tntp_path("SiouxFalls"), people_per_vehicle=1.5, time_unit_minutes=2)
    assert net.links[0].capacity_per_hour == pytest.approx(25900.20064 * 1.5)
    assert net.links[0].minutes == 12.0


@pytest.mark.parametrize(
    ("name", "places", "links"), [("Anaheim", 416, 914), ("ChicagoSketch", 933, 2950)]
)
def test_read_tntp_bundled_networks(name: str, places: int, links: int) -> None:
    """The bundled benchmark networks read with their declared sizes."""
    net = read_tntp(tntp_path(name))
    assert (len(net.places), len(net.links)) == (places, links)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("\t1\t2\t100\t1\t5\t;\n\t2\tx\t100\t1\t5\t;\n", "line 8: cannot read numbers"),
        ("\t1\t2\t0\t1\t5\t;\n", "line 7: capacity must be positive"),
        ("\t1\t2\t100\t1\t-5\t;\n", "line 7: free-flow time must be >= 0"),
        ("\t1\t1\t100\t1\t5\t;\n", "line 7: link joins node 1 to itself"),
        ("\t1\t2\t100\n", "line 7: expected at least 5 fields"),
    ],
    ids=["not a number", "zero capacity", "negative time", "self loop", "short line"],
)
def test_read_tntp_bad_lines(tmp_path: Path, body: str, fragment: str) -> None:
    """Malformed TNTP lines are named by line number."""
    head = "<NUMBER OF NODES> 2\n<NUMBER OF LINKS> 1\n<END OF METADATA>\n\n~ comment\n\n"
    path = tmp_path / "bad_net.tntp"
    path.write_text(head + body)
    with pytest.raises(ScenarioError) as err:
        read_tntp(path)
    assert fragment in str(err.value)


def test_read_tntp_rejects_other_files(tmp_path: Path) -> None:
    """A file without TNTP metadata is not silently read as an empty network."""
    path = tmp_path / "x.tntp"
    path.write_text("hello\n")
    with pytest.raises(ScenarioError, match="not a TNTP network"):
        read_tntp(path)
    with pytest.raises(ScenarioError, match="positive number"):
        read_tntp(tntp_path("SiouxFalls"), people_per_vehicle=0)


def test_read_tntp_checks_the_declared_link_count(tmp_path: Path) -> None:
    """A truncated file (fewer links than its header says) is caught."""
    path = tmp_path / "cut_net.tntp"
    path.write_text("<NUMBER OF NODES> 3\n<NUMBER OF LINKS> 2\n<END OF METADATA>\n1 2 10 1 1 ;\n")
    with pytest.raises(ScenarioError, match="declares 2 links but the file has 1"):
        read_tntp(path)
    path.write_text("<NUMBER OF NODES> 3\n<NUMBER OF LINKS> 1\n<END OF METADATA>\n")
    with pytest.raises(ScenarioError, match="declares 1 link but the file has 0"):
        read_tntp(path)
