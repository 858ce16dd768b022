"""The Posts section: who held each post at each posture over the stages (issue 25, item 9).

A row per posture a post takes (at the start, then at each stage that raises it): the
stage, from when, the posture, who stays and what they cover; for a post that closes,
who held it last, and why, before it closed.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
import yaml

from evacplan import Scenario, plan
from evacplan.contingency import ContingencyPlan
from evacplan.io import seed_path
from evacplan.report import contingency_facts
from tests.report.conftest import Page


class _Tables(HTMLParser):
    """Every table of a page: its caption and its rows, each a list of cell texts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1] = (" ".join("".join(self._caption).split()), self.tables[-1][1])
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)

    def table(self, caption: str) -> list[list[str]]:
        """The rows (the header first) of the table whose caption starts with ``caption``."""
        found = [rows for text, rows in self.tables if text.startswith(caption)]
        assert len(found) == 1, [text for text, _ in self.tables]
        return found[0]

    def caption(self, start: str) -> str:
        return next(text for text, _ in self.tables if text.startswith(start))


def _closing(tiny: dict[str, Any]) -> Scenario:
    """The tiny seed with the post suspended two days in (after minimal at 24 h)."""
    raw = dict(tiny)
    close = {"id": "close-post", "posture": "suspended", "posts": ["capital"], "at": "48h"}
    raw["decision_points"] = [*raw["decision_points"], close]
    return Scenario(**raw)


@pytest.fixture(scope="module")
def closing() -> ContingencyPlan:
    return plan(_closing(yaml.safe_load(seed_path("tiny").read_text())))


def test_a_post_that_stays_open_shows_who_held_it_at_each_posture() -> None:
    """Tiny: all six staff at normal from the start; cap-01 and cap-03 at minimal from 24 h."""
    cp = plan(Scenario(**yaml.safe_load(seed_path("tiny").read_text())))
    tables = _Tables(cp.to_html())
    rows = tables.table("Who held capital at each posture")
    assert rows[0] == ["stage", "from", "posture", "who stays, covering what"]
    assert rows[1] == [
        "start",
        "Fri 3 Jan 06:00",
        "normal",
        "all 6 staff: nobody is drawn down yet",
    ]
    assert rows[2][:3] == ["0", "Sat 4 Jan 06:00", "minimal"]
    assert rows[2][3].startswith("2 stay:")
    assert "cap-01 Head of mission: head-of-mission" in rows[2][3]
    assert "cap-03" in rows[2][3] and ": secure-comms" in rows[2][3]
    assert len(rows) == 3
    stays = tables.table("Who stays at capital (2)")
    assert [r[0] for r in stays[1:]] == ["cap-01", "cap-03"]


def test_a_post_that_closes_shows_who_held_it_before_it_closed(closing: ContingencyPlan) -> None:
    """Suspended at 48 h: the table ends with the closure, and who held the post at minimal
    is still there, with what they covered and why they stayed."""
    last_open = closing.stages[0].retained["capital"]
    assert last_open == ["cap-01", "cap-03"] and closing.stages[-1].retained.get("capital") in (
        None,
        [],
    )
    tables = _Tables(closing.to_html())
    rows = tables.table("Who held capital at each posture")
    assert [r[:3] for r in rows[1:]] == [
        ["start", "Fri 3 Jan 06:00", "normal"],
        ["0", "Sat 4 Jan 06:00", "minimal"],
        ["1", "Sun 5 Jan 06:00", "suspended"],
    ]
    assert rows[2][3].startswith("2 stay:")
    assert rows[3][3] == "nobody: the post closes; the 2 who held it leave"
    caption = "Who held capital last, at minimal until it closed Sun 5 Jan 06:00 (2)"
    assert tables.caption("Who held capital last") == caption
    held = tables.table("Who held capital last")
    dd = closing.stages[0].drawdown
    assert dd is not None
    assert [r[0] for r in held[1:]] == last_open
    for row, sid in zip(held[1:], last_open, strict=True):
        assert row[2] == ", ".join(dd.assignments[sid]) and row[3] == dd.explain(sid)
    assert "Nobody stays" not in closing.to_html()


def test_the_records_say_the_same(closing: ContingencyPlan) -> None:
    (post,) = contingency_facts(closing).posts
    assert [h.stage for h in post.held] == ["start", "0", "1"]
    assert [h.posture for h in post.held] == ["normal", "minimal", "suspended"]
    assert [sid for sid, _, _ in post.held[1].staff] == ["cap-01", "cap-03"]
    assert post.held[2].staff == [] and post.closed == "minimal until it closed Sun 5 Jan 06:00"
    assert [s.staff for s in post.stays] == ["cap-01", "cap-03"]


def test_khartoum_shows_who_held_it_at_minimal_before_it_closed(
    label_pages: dict[str, Page],
) -> None:
    """The report's case: Khartoum goes reduced, minimal, then suspended on 25 April; the
    seven who held it at minimal are named, with what each covered."""
    page = label_pages["khartoum-2023"]
    cp = page.plan
    minimal = next(s for s in cp.stages if str(s.postures["khartoum"]) == "minimal")
    tables = _Tables(page.path.read_text())
    rows = tables.table("Who held khartoum at each posture")
    assert [r[2] for r in rows[1:]] == ["normal", "reduced", "minimal", "suspended"]
    held = rows[3][3]
    assert held.startswith(f"{len(minimal.retained['khartoum'])} stay:")
    assert minimal.drawdown is not None
    for sid in minimal.retained["khartoum"]:
        assert f"{sid} " in held
        assert ", ".join(minimal.drawdown.assignments[sid]) in held
    assert rows[4][3].startswith("nobody: the post closes")
    caption = tables.caption("Who held khartoum last")
    assert caption.startswith("Who held khartoum last, at minimal until it closed Tue 25 Apr")
