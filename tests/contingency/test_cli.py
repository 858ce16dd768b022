"""``evacplan plan``: the timeline in words, JSON for the archive, bad options refused."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_plan_prints_the_timeline(cli: Cli) -> None:
    done = cli("plan", "seeds/tiny.yaml")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Contingency plan (tiny): optimal")
    assert "Stage 0: minute 1440, Sat 4 Jan 06:00 +00:00" in out
    assert "capital -> minimal: 2 stay (cap-01, cap-03)" in out
    assert "cap-06 (1) stands down at home" in out
    assert "last-out capital at minute 1440" in out


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
