"""evacuate() against an independent time-expanded network, on random cases and on purpose-made
wrong answers (so the comparison cannot pass by comparing nothing).

The cases come from ``fuzz.py``'s generator (seeded, so every run plans the
same ones) and the reference is ``ten.py``'s, written apart from evacplan's
solver from docs/routing.md. Wider campaigns: ``python -m tests.routing.fuzz``.
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evacplan.routing import EvacuationPlan, evacuate

from . import fuzz
from .ten import TEN, Case

FAMILIES = (0, 1, 3, 5, 8, 9, 11, 13, 18, 21, 22, 23)
"""The families cases of the batch: the quicker of the first 24 (cases 15 and 19 take 2 to
5 s alone, left to the campaigns)."""

BATCH = (
    [pytest.param("plain", n, id=f"plain-{n}") for n in range(25) if n != 12]
    + [pytest.param("parties", n, id=f"parties-{n}") for n in range(24)]
    + [pytest.param("families", n, id=f"families-{n}") for n in FAMILIES]
)
"""The seeded batch: 60 cases, each under every objective (about 10 s of CPU in all; plain
case 12, whose reference takes 4 s alone, is left to the campaigns)."""


def drawn(mode: str, number: int) -> Case:
    """The ``number``-th case of the batch's seed."""
    return fuzz.generate(random.Random(20261207 * 1_000_003 + number), mode)


@pytest.mark.parametrize(("mode", "number"), BATCH)
def test_evacuate_agrees_with_the_reference(mode: str, number: int) -> None:
    """Every objective's plan replays cleanly and meets the reference's figures."""
    assert fuzz.compare(drawn(mode, number)) == []


def one_road(**extra: Any) -> Case:
    """Ten people, a road of 10 minutes admitting 10 an hour (docs/routing.md: safe by 65)."""
    return {
        "step": 5,
        "hazard": 0.06,
        "places": [{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}],
        "links": [
            {"id": "r", "source": "a", "target": "h", "minutes": 10, "capacity_per_hour": 10}
        ],
        "threats": [],
        "supply": {"a": 10},
        **extra,
    }


def changed(**figures: Any) -> fuzz.Solve:
    """``evacuate``, with the plan's ``figures`` changed by what each function makes of them."""

    def solve(*args: Any, **options: Any) -> EvacuationPlan:
        plan = evacuate(*args, **options)
        new = {name: change(getattr(plan, name)) for name, change in figures.items()}
        return dataclasses.replace(plan, **new)

    return solve


def test_the_hand_case_agrees() -> None:
    """The docs' worked example of capacity, under every objective."""
    assert fuzz.compare(one_road()) == []


def test_an_egress_a_minute_late_is_caught() -> None:
    """A plan whose egress is one minute later than it is differs from the reference."""
    found = fuzz.compare(one_road(), ["quickest"], solve=changed(egress_minutes=lambda m: m + 1))
    assert any(f.startswith("quickest:egress: evacplan egress 66, reference 65") for f in found)


def test_a_risk_misreported_is_caught() -> None:
    """A plan that says it takes less risk than its movements do is caught by the replay."""
    found = fuzz.compare(one_road(), ["quickest"], solve=changed(risk_exposure=lambda r: r - 0.01))
    assert any(f.startswith("quickest:replay-risk:") and fuzz.BETTER in f for f in found)


def test_a_reference_that_ignores_gates_disagrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a gate of 6 an hour in the way, a reference without gates finds an earlier egress."""
    case = one_road()
    case["places"][0]["throughput_per_hour"] = 6

    class NoGates(TEN):
        def __init__(self, case: Case) -> None:
            super().__init__(case)
            self.gates = {}

    assert fuzz.compare(case) == []
    monkeypatch.setattr(fuzz, "TEN", NoGates)
    assert any(f.startswith("quickest:egress:") for f in fuzz.compare(case, ["quickest"]))


def stranded_case() -> Case:
    """One seat out of a, at minute 35, for x (released at 0) and y (at 30); z leaves c by
    a fast road of risk 0.3 or a slow one without risk."""
    return {
        "step": 5,
        "hazard": 0.06,
        "places": [
            {"id": "a", "kind": "residence"},
            {"id": "c", "kind": "residence"},
            {"id": "h", "kind": "safe_haven"},
        ],
        "links": [
            {"id": "s", "source": "a", "target": "h", "minutes": 5, "departures": [35], "seats": 1},
            {"id": "fast", "source": "c", "target": "h", "minutes": 5, "capacity_per_hour": 60},
            {"id": "slow", "source": "c", "target": "h", "minutes": 60, "capacity_per_hour": 60},
        ],
        "threats": [{"id": "t", "at": 0, "links": ["fast"], "risk": 0.3}],
        "parties": [["x", 1, "a", 0, 0], ["y", 1, "a", 30, 0], ["z", 1, "c", 0, 0]],
    }


def test_who_is_stranded_is_left_to_the_queue() -> None:
    """x came first and takes the seat; the reference would save y, whose hours are fewer.
    That is no mismatch: x's plan is compared with the optimum for the parties it saves."""
    tally: Counter[str] = Counter()
    assert fuzz.compare(stranded_case(), ["least_harm"], tally=tally) == []
    assert tally["stranded-other-parties (fine)"] == 1


def test_a_worse_plan_for_the_parties_saved_is_still_caught() -> None:
    """The quickest plan passed off as the least harmful: z takes the risky road (0.3) where
    the slow one costs 0.06 of hours, and that shows through the queue's leeway."""

    def quickest(*args: Any, **options: Any) -> EvacuationPlan:
        return evacuate(*args, **{**options, "objective": "quickest"})

    found = fuzz.compare(stranded_case(), ["least_harm"], solve=quickest)
    assert any(f.startswith("least_harm:harm:") and fuzz.WORSE in f for f in found), found


def test_the_campaign_command_reports(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``python -m tests.routing.fuzz`` refuses bad arguments and names its file of failures."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert fuzz.main(["1"]) == 2
    assert fuzz.main(["7", "1", "plain", "quickest"]) == 0
    out = capsys.readouterr().out
    assert "failure kind" in out and str(tmp_path / "evacplan-fuzz-plain-7.jsonl") in out


def a_family() -> Case:
    """A family of three at a; a road to h of 10 minutes admitting 12 an hour (two a step of
    10 minutes), so the family crosses over two steps; a threat holds at a from minute 0."""
    case = one_road(step=10, hazard=0.0, parties=[["a-0", 3, "a", 0, 0]])
    del case["supply"]
    case["links"][0]["capacity_per_hour"] = 12
    case["threats"] = [{"id": "t", "at": 0, "places": ["a"], "risk_per_hour": 0.3}]
    return case


def test_a_family_member_waiting_to_cross_takes_the_waiting_risk() -> None:
    """The plan's risk is what its movements take, spread legs included."""
    assert fuzz.compare(a_family(), ["least_harm"]) == []


STRANDED_FAMILY: Case = {
    "step": 2,
    "hazard": 0.0,
    "places": [
        {"id": "p0", "kind": "residence"},
        {"id": "p1", "kind": "residence"},
        {"id": "p2", "kind": "residence"},
        {"id": "p3", "kind": "safe_haven"},
    ],
    "links": [
        {
            "id": id_,
            "source": u,
            "target": v,
            "minutes": m,
            "risk": r,
            "capacity_per_hour": c,
            "two_way": False,
        }
        for id_, u, v, m, r, c in [
            ("l0", "p0", "p2", 7, 0.0, 12),
            ("l1", "p2", "p1", 8, 0.12, 20),
            ("l5", "p1", "p3", 3, 0.0, 10),
        ]
    ],
    "threats": [],
    "parties": [["p0-4", 2, "p0", 26, 0], ["p1-5", 3, "p1", 26, 0], ["p2-1", 2, "p2", 19, 2]],
}
"""Three parties, two of them left behind by most_saved with a deadline of minute 60."""


def test_a_stranded_party_takes_no_risk() -> None:
    """The plan's risk and harm are its movements' (verify() agrees with the plan)."""
    network, options = fuzz.build(STRANDED_FAMILY)
    plan = evacuate(network, objective="most_saved", deadline=60, **options)
    assert plan.verify() == [] and plan.risk_exposure == 0.0


def test_a_lower_bound_never_exceeds_the_egress() -> None:
    """A family of four at a gate, a risky road out and a safe way round; a deadline."""
    case: Case = {
        "step": 1,
        "hazard": 0.0,
        "places": [
            {"id": "p1", "kind": "residence"},
            {"id": "p2", "kind": "residence", "throughput_per_hour": 20},
            {"id": "p3", "kind": "safe_haven"},
        ],
        "links": [
            {
                "id": "l1",
                "source": "p2",
                "target": "p3",
                "minutes": 14,
                "risk": 0.28,
                "capacity_per_hour": 180,
                "two_way": False,
            },
            {
                "id": "l2",
                "source": "p1",
                "target": "p2",
                "minutes": 14,
                "risk": 0.0,
                "capacity_per_hour": 45,
            },
            {
                "id": "l4",
                "source": "p1",
                "target": "p3",
                "minutes": 10,
                "risk": 0.0,
                "capacity_per_hour": 90,
                "two_way": False,
            },
        ],
        "threats": [],
        "parties": [["p2-6", 4, "p2", 22, 0]],
    }
    network, options = fuzz.build(case)
    plan = evacuate(network, objective="most_saved", deadline=60, **options)
    assert plan.verify() == []
