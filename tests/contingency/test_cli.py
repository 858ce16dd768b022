"""``evacplan plan``: the timeline in words, JSON for the archive, bad options refused."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_plan_prints_the_timeline(cli: Cli) -> None:
    done = cli("plan", "seeds/tiny.yaml")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Contingency plan (tiny): optimal")
    assert "Stage 0: Sat 4 Jan 06:00 +00:00, 24 h after the start" in out
    assert "capital -> minimal: 2 stay (cap-01, cap-03)" in out
    assert "cap-06 (1 person) stands down at home" in out
    assert "last-out capital at Sat 4 Jan 06:00 +00:00" in out
    # in clock times and spans, never a bare minute count or a stop as place@minute
    assert not re.search(r"\bminutes? \d|@\d", out), out


def test_plan_saves_json(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    done = cli("plan", "seeds/tiny.yaml", "--json", str(target))
    assert done.returncode == 0, done.stderr
    data = json.loads(target.read_text())
    assert data["status"] == "optimal"
    assert {r["state"] for r in data["accounting"]} == {"retained", "safe", "standing_down"}
    assert len(data["accounting"]) == 12


def test_plan_refuses_an_unknown_indicator_with_a_suggestion(cli: Cli) -> None:
    done = cli("plan", "seeds/uk-iraq-iran-2020.yaml", "--indicator", "tehran-crowd=36h")
    assert done.returncode == 1
    assert "did you mean 'tehran-crowds'" in done.stderr + done.stdout


def test_plan_refuses_a_malformed_indicator(cli: Cli) -> None:
    done = cli("plan", "seeds/tiny.yaml", "--indicator", "crowds")
    assert done.returncode == 1
    assert "is not ID=TIME" in done.stderr + done.stdout


def test_plan_names_who_cannot_be_reached_first_and_exits_5(cli: Cli) -> None:
    done = cli("plan", "tests/contingency/khartoum-2023.yaml")
    assert done.returncode == 5, done.stderr
    first, *rest = done.stdout.splitlines()
    assert first.startswith("Contingency plan (khartoum-2023): ")
    assert "5 people cannot be reached: khr-15 and family (5 people) at omdurman" in first
    assert any(line.startswith("  harm: ") for line in rest[:6])
    quick = cli("plan", "tests/contingency/khartoum-2023.yaml", "--objective", "quickest")
    assert quick.returncode == 5 and "quickest" not in quick.stderr


def test_help_says_each_objective_and_each_exit_code(cli: Cli) -> None:
    top = cli("--help")
    assert top.returncode == 0
    for code in ("0", "1", "2", "3", "4", "5", "6", "70"):
        assert f"\n  {code:>3}  " in top.stdout, code
    assert "people cannot be reached" in top.stdout
    words = " ".join(cli("plan", "--help").stdout.split())
    assert "(default: least_harm)" in words
    for name in ("least_harm:", "quickest:", "safest:", "most_saved:"):
        assert name in words
    assert "--hazard-per-hour P" in words


def test_plan_exits_6_when_a_post_s_staff_cannot_get_out(cli: Cli, tmp_path: Path) -> None:
    """The crossing shut from 30 h: the capital's retained staff have no way out (a breach)."""
    from evacplan.io import load_scenario, save_scenario, seed_path
    from evacplan.testing import with_closure

    shut = with_closure(load_scenario(seed_path("tiny")), "crossing", at="30h")
    done = cli("plan", str(save_scenario(shut, tmp_path / "shut.yaml")))
    assert done.returncode == 6, done.stdout + done.stderr
    assert "last-out: 1 breach in 2 checks" in done.stdout
