"""Reports: the plan as text, summary, repr and HTML; its documentation; the CLI that prints it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from evacplan.io import load_scenario
from evacplan.models import Scenario
from evacplan.results import Party
from evacplan.staffing import LEVELS, RULES, UnknownStaffError, drawdown

from .helpers import build, need

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------- reports


def test_str_is_the_per_post_report(tiny: Scenario) -> None:
    """__str__: per post, who stays covering what, who leaves, and lone dependants."""
    text = str(drawdown(tiny, "minimal"))
    assert text.splitlines()[0] == (
        "Drawdown of tiny: optimal, 2 stay, 4 leave (retained 2, proven minimal)"
    )
    assert "capital (Embassy in the capital) at minimal: 2 stay, 4 leave" in text
    assert "cap-03  Communications officer  secure-comms     volunteer" in text
    assert "cap-06  Driver                  stands down at home" in text
    assert "cap-01/dependants  1 person, from residence" in text


def test_summary_repr_and_html(tiny: Scenario) -> None:
    """summary() gives the levels and runtime; the HTML has who stays and who leaves."""
    plan = drawdown(tiny, "minimal")
    assert "objective: retained 2 (proven); preference 1 (proven)" in plan.summary()
    assert repr(plan) == "<DrawdownPlan optimal: 2 retained, 4 departing, 1 post>"
    page = plan._repr_html_()
    assert page.count('<table class="stays">') == page.count('<table class="leaves">') == 1
    assert "<td>secure-comms</td>" in page and "<svg" not in page


def test_reports_of_an_infeasible_plan() -> None:
    """An infeasible plan's summary, text and HTML name the post and its conflicting rules."""
    plan = drawdown(build([{"id": "x"}], [need("fa", "a", 1)]), "minimal")
    assert "no plan at p: 1 conflicting rule" in plan.summary()
    assert "1 undecided (no plan at their post)" in plan.summary()
    assert "<code>cover</code> nobody at p has the skill &#39;a&#39;" in plan._repr_html_()
    assert repr(plan) == "<DrawdownPlan infeasible: 0 retained, 0 departing, 1 post>"


def test_party_of(tiny: Scenario) -> None:
    """party_of gives a departing person's party, None for someone who stays."""
    plan = drawdown(tiny, "minimal")
    assert plan.party_of("cap-04") == Party("cap-04", 4, "residence", "capital")
    assert plan.party_of("cap-03") is None
    with pytest.raises(UnknownStaffError):
        plan.party_of("nobody")


def test_rules_and_levels_are_documented() -> None:
    """Every rule id and level name appears in the module documentation."""
    import evacplan.staffing as module

    for rule in RULES:
        assert f"``{rule}``" in (module.__doc__ or "")
    for name, _ in LEVELS:
        assert f"``{name}``" in (module.__doc__ or "")


# --------------------------------------------------------------------------- CLI


def test_cli_prints_the_plan(cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """`python -m evacplan drawdown seeds/tiny.yaml --posture minimal` prints str(plan)."""
    run = cli("drawdown", "seeds/tiny.yaml", "--posture", "minimal")
    assert run.returncode == 0, run.stderr
    expected = str(drawdown(load_scenario(ROOT / "seeds" / "tiny.yaml"), "minimal"))
    assert expected.splitlines()[2:] == run.stdout.strip().splitlines()[2:]
    assert "cap-03" in run.stdout and "secure-comms" in run.stdout
