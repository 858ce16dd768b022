"""The whole-party MIP's memo (evacplan.routing._mipmemo): a model solved before is recalled,
and a re-plan that recalls gives the schedule it would have made from scratch."""

from __future__ import annotations

import pytest

from evacplan import Scenario, plan
from evacplan.contingency._plan import _replan
from evacplan.models import ThreatEvent
from evacplan.routing import _mipmemo


def _schedule(cp: object) -> list[tuple[object, ...]]:
    ev = cp.evacuation  # type: ignore[attr-defined]
    return [
        (tuple(m.parties), m.count, m.departure_minute, m.arrival_minute, tuple(m.links))
        for m in ev.movements
    ]


def test_a_closure_elsewhere_recalls_the_windows_it_leaves_alone(founding: Scenario) -> None:
    """Closing Baghdad's highway north leaves Tehran's parties' MIPs as they were: the re-plan
    recalls them, and its schedule, status and bound are those of a re-plan made afresh."""
    _mipmemo._memo.clear()
    base = plan(founding, objective="quickest")
    assert base.evacuation.status.value == "optimal" and "MIP" in base.evacuation.proof
    kept = len(_mipmemo._memo)
    assert kept, "the baseline's whole-party MIPs are kept (handed back by the forked child)"
    closed = founding.replace(
        threats=[
            *founding.threats,
            ThreatEvent(id="x", at=0, links=("bgd-north-highway",), closes=True, description="x"),
        ]
    )
    again = _replan(base, closed, time_limit=None)
    added = len(_mipmemo._memo) - kept
    _mipmemo._memo.clear()
    fresh = _replan(base, closed, time_limit=None)
    assert 0 < added < len(_mipmemo._memo)  # Baghdad's solved again, Tehran's recalled
    assert _schedule(again) == _schedule(fresh)
    assert again.status == fresh.status
    assert again.evacuation.lower_bound_minutes == fresh.evacuation.lower_bound_minutes
    assert again.evacuation.proof == fresh.evacuation.proof
    assert again.verify() == []


def test_only_final_answers_are_kept() -> None:
    """An answer a time limit cut short may improve with more time: it is not kept."""

    class Cut:
        found, proven, best, egress, note, infeasible = True, False, [{}], None, "cut", False

    _mipmemo.remember(b"cut", Cut())
    assert _mipmemo.recall(b"cut", []) is None
    Cut.proven = True
    _mipmemo.remember(b"cut", Cut())
    assert _mipmemo.recall(b"cut", [__import__("numpy").zeros(0, dtype=int)]) == {
        "found": True, "proven": True, "best": [{}], "egress": None, "note": "cut",
        "infeasible": False,
    }  # fmt: skip
    assert b"cut" in _mipmemo.taken() and not _mipmemo.taken()


def test_the_memo_keeps_to_its_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The oldest answers go first, past the count or the bytes of flows allowed."""
    import numpy as np

    monkeypatch.setattr(_mipmemo, "_memo", {})
    monkeypatch.setattr(_mipmemo, "_KEEP", 3)
    monkeypatch.setattr(_mipmemo, "_KEEP_BYTES", 2 * 8 * 100)  # two answers of 100 numbers

    class Done:
        found, proven, egress, note, infeasible = True, True, 5, "", False
        best = [dict.fromkeys(range(100), 1)]

    for key in (b"a", b"b", b"c"):
        _mipmemo.remember(key, Done())
    assert list(_mipmemo._memo) == [b"b", b"c"]  # three fit the count, two the bytes
    assert _mipmemo.recall(b"c", [np.arange(100)])["best"] == [dict.fromkeys(range(100), 1)]
    _mipmemo.taken()
