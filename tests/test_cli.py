"""The command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from evacplan.io import seed_path, tntp_path

Cli = Callable[..., subprocess.CompletedProcess[str]]
"""The ``cli`` fixture: runs ``python -m evacplan ARGS`` (see conftest)."""


def test_validate_accepts_the_seeds(cli: Cli) -> None:
    """Every seed scenario validates: exit 0, one ok line per file."""
    seeds = sorted(str(p) for p in seed_path("tiny").parent.glob("*.yaml"))
    result = cli("validate", *seeds)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok: ") == len(seeds)
    assert result.stderr == ""


def test_validate_counts_in_good_english(tmp_path: Path, cli: Cli) -> None:
    """One post, one staff member, one link: singular; more: plural."""
    result = cli("validate", str(seed_path("tiny")))
    assert (
        result.stdout == f"ok: {seed_path('tiny')} ('tiny': 1 post, 6 staff, 5 places, 5 links)\n"
    )
    data = yaml.safe_load(seed_path("tiny").read_text())
    data["places"] = [data["places"][0], data["places"][4]]  # the embassy and the haven
    data["links"] = [{"source": "embassy", "target": "haven", "minutes": 9, "capacity_per_hour": 6}]
    data["staff"] = [{**data["staff"][0], "location": "embassy"}]
    data["posts"].append({"id": "second", "name": "Second post", "place": "haven"})
    data["threats"] = []
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump(data, sort_keys=False))
    result = cli("validate", str(one))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"ok: {one} ('tiny': 2 posts, 1 staff member, 2 places, 1 link; 1 warning)\n"
    )
    assert "6 people an hour is under one person per 5-minute step" in result.stderr


def test_validate_prints_warnings_and_succeeds(tmp_path: Path, cli: Cli) -> None:
    """Likely mistakes are printed as warnings, with path and line; the exit code stays 0."""
    data = yaml.safe_load(seed_path("tiny").read_text())
    data["start"] = "2020-01-03T06:00:00"
    data["staff"][4]["skills"] = ["consular", "consualr"]
    path = tmp_path / "odd.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = cli("validate", str(path), str(seed_path("tiny")))
    assert result.returncode == 0, result.stderr
    assert f"ok: {path} ('tiny': 1 post, 6 staff, 5 places, 5 links; 2 warnings)" in result.stdout
    assert f"ok: {seed_path('tiny')} ('tiny': 1 post, 6 staff, 5 places, 5 links)" in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(f"warning: {path}: start (line 3): 2020-01-03T06:00:00 has no UTC")
    assert lines[1].startswith(f"warning: {path}: staff[4].skills[1] (line ")
    assert lines[1].endswith("skill 'consualr' is not required anywhere; did you mean 'consular'?")
    assert "Traceback" not in result.stderr and "UserWarning" not in result.stderr


def test_validate_lists_every_problem(tmp_path: Path, cli: Cli) -> None:
    """A broken file: exit 1, every problem with its path, no traceback."""
    data = yaml.safe_load(seed_path("tiny").read_text())
    data["staff"][2]["post"] = "captial"
    data["links"][0]["capacity_per_hour"] = 0
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False))
    line = broken.read_text().splitlines().index("  post: captial") + 1
    result = cli("validate", str(seed_path("tiny")), str(broken))
    assert result.returncode == 1
    assert "ok: " in result.stdout
    assert "2 problems" in result.stderr
    assert (
        f"staff[2].post (line {line}): 'captial' is not a post; did you mean 'capital'?"
        in result.stderr
    )
    assert "links[0].capacity_per_hour" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "no such file"), ("a: [", "invalid YAML"), ("", "the file is empty")],
    ids=["missing", "syntax", "empty"],
)
def test_validate_unreadable_files(
    tmp_path: Path, content: str | None, fragment: str, cli: Cli
) -> None:
    """Files that cannot be read as scenarios are named, exit 1, no traceback."""
    path = tmp_path / "s.yaml"
    if content is not None:
        path.write_text(content)
    result = cli("validate", str(path))
    assert result.returncode == 1
    assert fragment in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_tntp(cli: Cli) -> None:
    """A TNTP network validates too."""
    result = cli("validate", str(tntp_path("SiouxFalls")))
    assert result.returncode == 0
    assert "24 places, 76 links" in result.stdout


def test_show_summarises_the_tiny_seed(cli: Cli) -> None:
    """show prints staff and dependants per post, places by kind and links."""
    result = cli("show", str(seed_path("tiny")))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith("capital"))
    assert row.split()[-5:] == ["minimal", "6", "6", "12", "3"]
    assert "places by kind: airport 1, border 1, post 1, residence 1, safe_haven 1" in lines
    assert "links by mode: air 1, road 4" in lines


def test_show_a_broken_file_is_a_message(tmp_path: Path, cli: Cli) -> None:
    """show on a broken file names the problem, exit 1."""
    path = tmp_path / "s.json"
    path.write_text('{"name": "x"}')
    result = cli("show", str(path))
    assert result.returncode == 1
    assert "start: required key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(cli: Cli) -> None:
    """An unknown command is a usage error."""
    result = cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize("step", ["0", "-5", "1441"])
def test_evacuate_a_step_out_of_range_is_a_message(step: str, cli: Cli) -> None:
    """``--step 0`` is not the default step in disguise: exit 1, the rule named, no traceback."""
    result = cli("evacuate", str(seed_path("tiny")), "--step", step)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "step_minutes: must be a whole number of minutes" in result.stderr
    assert f"(got {step})" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


CHECKS = """
checks:
  - id: out-in-four-hours
    all_safe_within: 4h
  - id: deputy-stays
    description: The deputy stays with the head of mission.
    retained: [cap-01, cap-02]
  - id: head-stays
    retained: [cap-01]
"""


def test_check_prints_the_summary_first_and_a_line_per_check(tmp_path: Path, cli: Cli) -> None:
    """`evacplan check`: the summary, then PASS or FAIL a line each, the failure's
    who/where/why indented; exit 1."""
    path = tmp_path / "checked.yaml"
    path.write_text(seed_path("tiny").read_text() + CHECKS)
    result = cli("check", str(path))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"{re.escape(str(path))}: 2 of 3 checks pass \(\d+\.\d s\)", lines[0])
    assert lines[1:] == [
        "PASS out-in-four-hours: all 9 people sent away are safe within 4 h of their call-forward",
        "FAIL deputy-stays: 1 of 2 not retained:",
        "     cap-02 is not retained: safe at haven (Sat 4 Jan 09:45 +00:00)",
        "PASS head-stays: cap-01 stays at their post",
    ]
    only = cli("check", str(path), "--only", "head-stays", "--only", "out-in-four-hours")
    assert only.returncode == 0, only.stderr
    assert "2 of 2 checks pass" in only.stdout.splitlines()[0]
    assert [line[:4] for line in only.stdout.splitlines()[1:]] == ["PASS", "PASS"]


LONG_CHECKS = """
checks:
  - id: out-in-an-hour
    all_safe_within: 1h
  - id: ambassadors-stay
    retained: [bgd-001, thr-001]
"""


def test_a_long_failure_is_cut_to_ten_lines_unless_verbose(tmp_path: Path, cli: Cli) -> None:
    """A check that names many parties: at most 10 lines, the rest counted; --verbose all."""
    text = seed_path("uk-iraq-iran-2020").read_text()
    path = tmp_path / "long.yaml"
    path.write_text(text[: text.index("\nchecks:")] + LONG_CHECKS)
    short = cli("check", str(path))
    assert short.returncode == 1, short.stderr
    lines = short.stdout.splitlines()
    assert lines[0].startswith(f"{path}: 1 of 2 checks pass (")
    fail = [line for line in lines if line.startswith("FAIL ") or line.startswith("     ")]
    assert len(fail) == 10
    late = int(re.search(r": (\d+) people of \d+ sent away are not safe", fail[0]).group(1))
    more = re.fullmatch(r"     \.\.\. and (\d+) more; --verbose shows all", fail[-1])
    assert more, fail[-1]
    assert lines[-1] == "PASS ambassadors-stay: bgd-001, thr-001 stay at their post"
    assert len(lines) == 1 + 10 + 1

    full = cli("check", str(path), "--verbose")
    body = [line for line in full.stdout.splitlines() if line.startswith("     ")]
    assert len(body) == 8 + int(more.group(1))  # every line the short output counted
    assert not any("more; --verbose" in line for line in body)
    assert late >= len(body)  # a line per late party, of one person or more

    out = tmp_path / "checks.json"
    saved = cli("check", str(path), "--json", str(out))
    assert saved.returncode == 1
    data = json.loads(out.read_text())
    assert (data["passed"], data["checks"]) == (1, 2)
    first = data["results"][0]
    assert first["id"] == "out-in-an-hour" and first["passed"] is False
    assert len(first["message"].splitlines()) == 1 + len(body)
    assert len(first["details"]) == len(first["offenders"]) == len(body)

    alone = cli("check", str(path), "--json")
    assert alone.returncode == 1
    assert json.loads(alone.stdout)["results"][1]["passed"] is True


def test_check_the_founding_seed_passes(cli: Cli) -> None:
    """The founding seed's checks all pass: exit 0, the summary, then ten PASS lines."""
    result = cli("check", str(seed_path("uk-iraq-iran-2020")))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "10 of 10 checks pass" in lines[0]
    assert len(lines) == 11 and all(line.startswith("PASS ") for line in lines[1:])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--only", "head-stay"],
            "only[0]: 'head-stay' is not a check of the scenario; did you mean 'head-stays'?",
        ),
        ([], None),
    ],
    ids=["unknown check", "no checks"],
)
def test_check_bad_input_is_a_message(
    tmp_path: Path, cli: Cli, args: list[str], words: str | None
) -> None:
    path = tmp_path / "checked.yaml"
    path.write_text(seed_path("tiny").read_text() + (CHECKS if words else ""))
    result = cli("check", str(path), *args)
    assert result.returncode == 1
    assert result.stdout == ""
    expected = words or "checks: the file has no checks: add a checks: section (see the README)"
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
