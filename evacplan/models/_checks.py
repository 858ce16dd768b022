"""The ``checks`` section of a scenario file: what a planner expects of its contingency plan.

Each :class:`Check` names one expectation (everyone safe in time, a post
held open, staff retained or departing, parties whole, the plan verified,
the plan surviving a closure) and, optionally, the what-if it is made under
(staff unavailable, indicators fired). The structure is checked here; the
cross-references (posts, staff, links, decision points) and the rules that
join keys (one expectation a check) in :mod:`evacplan._validate`, with every
other problem of the file. :mod:`evacplan.testing` runs them.

Examples
--------
>>> check = Check(id="baghdad-holds", open="baghdad", posture="minimal")
>>> check.expectation, str(check.posture)
('open', 'minimal')
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, Strict

from evacplan._time import When, Written
from evacplan._validate import EXPECTATIONS
from evacplan.models._base import Flag, Id, LinkRef, Posture, Risk, _Model
from evacplan.models._uncertainty import Factor, Share, _percent

__all__ = ["EXPECTATIONS", "Check", "Robust", "Survives", "WhatIf"]


StaffIds = Annotated[tuple[Id, ...], Field(min_length=1)]


class Survives(_Model):
    """A closure the plan must survive: nobody stranded, no post lost, everyone safe in time."""

    close: Annotated[tuple[LinkRef, ...], Field(min_length=1)]
    """Links (by id, or ``source->target`` label) and places closed."""
    at: Written = 0
    """When the closure begins (from the start)."""
    until: Written | None = None
    """When it ends; none: for good."""
    all_safe_within: Written | None = None
    """How soon after their order everyone sent away must be safe, despite the closure."""


class Robust(_Model):
    """The plan holds up when run many times under uncertainty (:func:`evacplan.uncertainty.simulate`):
    everyone who comes is safe by ``all_safe_by`` in at least a share ``p`` of the runs."""

    p: Annotated[float, BeforeValidator(_percent), Strict(), Field(gt=0.0, le=1.0)]
    """The share of runs that must have everyone safe in time (``0.95`` or ``95%``)."""
    all_safe_by: Written
    """By when (from the start), as ``all_safe_by``."""
    runs: Annotated[int, Strict(), Field(ge=1, le=100_000)] = 1000
    seed: Annotated[int, Strict(), Field(ge=0)] = 0
    travel_factor: Factor | None = None
    """``[low, mode, high]``: every link's travel time times a triangular factor; by default
    the scenario's ``uncertainty`` section."""
    late: tuple[Share, Written] | None = None
    """``[share, up_to]``: that share of parties reaches its first place late by up to then;
    by default the scenario's ``uncertainty`` section."""
    no_show: Share | None = None
    """The share of parties that never come; by default the scenario's."""
    policy: Literal["follow", "replan"] = "follow"
    """``follow``: everyone keeps to the plan; ``replan``: who is not yet safe is re-planned
    at each closure and dead end (see :func:`evacplan.uncertainty.simulate`)."""


class WhatIf(_Model):
    """A what-if a check is made under, beside ``unavailable`` and ``indicators``."""

    lift: tuple[Id, ...] = ()
    """These threats do not happen (:func:`evacplan.testing.without_threats`)."""


class Check(_Model):
    """One expectation of the plan, made on the scenario as written or under a what-if."""

    id: Id
    description: str | None = None
    unavailable: tuple[Id, ...] = ()
    """What-if: these staff are unavailable (ill, away), as :func:`evacplan.testing.with_unavailable`."""
    indicators: dict[Id, When] = Field(default_factory=dict)
    """What-if: these indicator decision points fire, with when (as ``plan(indicators=...)``)."""
    objective: Literal["least_harm", "quickest", "safest", "most_saved"] | None = None
    """The plan's objective (as ``plan(objective=...)``); by default ``least_harm``.
    ``safest`` and ``most_saved`` take the check's ``deadline``."""
    deadline: When | None = None
    """With ``objective`` ``safest`` or ``most_saved``: by when (from the start)."""
    hazard_per_hour: Risk | None = None
    """What-if: the chance of harm each hour not yet safe (as ``plan(hazard_per_hour=...)``);
    by default the scenario's."""
    what_if: WhatIf | None = None
    """What-if: threats lifted (``lift``)."""
    all_safe_within: Written | None = None
    """Everyone sent away is safe within this span of their call-forward (their release)."""
    all_safe_by: Written | None = None
    """Everyone sent away is safe by this time (from the start)."""
    open: Id | None = None
    """This post stays open and its last-out checks pass: to the end of the plan, or
    ``until`` a stage or a time."""
    posture: Posture | None = None
    """With ``open``: the posture the post holds (by the end, or by ``until``)."""
    until: Written | str | None = None
    """With ``open``: a stage (its index, or the id of a decision point that fired it) or a
    time (from the start) until which the post stays open."""
    retained: StaffIds | None = None
    """These staff stay at their post."""
    departs: StaffIds | None = None
    """These staff leave: they set out from their first place (``by`` a time, ``within`` a
    span of their call-forward, when given)."""
    safe: StaffIds | None = None
    """These staff leave and are safe (``by`` a time, ``within`` a span of their
    call-forward, when given)."""
    last_out: StaffIds | None = None
    """These staff are among the last out of their post: retained to the end, or leaving
    with its last departures."""
    by: Written | None = None
    """With ``departs`` or ``safe``: by when (from the start)."""
    within: Written | None = None
    """With ``departs`` or ``safe``: within this span of their call-forward."""
    parties_whole: Flag = False
    """Every party travels in one movement."""
    verified: Flag = False
    """The plan's independent ``verify()`` finds nothing wrong."""
    survives: Survives | None = None
    robust: Robust | None = None
    """The plan run many times under uncertainty has everyone safe in time often enough."""

    @property
    def expectation(self) -> str:
        """Which expectation the check makes (``all_safe`` for either time bound)."""
        for key in EXPECTATIONS:
            if getattr(self, key) not in (None, False):
                return "all_safe" if key.startswith("all_safe") else key
        raise ValueError(f"check {self.id!r} makes no expectation")  # refused when read
