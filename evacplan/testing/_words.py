"""Times and routes in the words a planner reads, for the expectations' messages.

A minute of the scenario becomes its clock time in the start's offset
(``Sat 4 Jan 09:40 +00:00``); a span, hours or minutes (``3 h 40``,
``45 min``); a time the planner wrote, the way they wrote it, with its clock
time (``72 h after the start (Mon 6 Jan 06:00 +00:00)``); an itinerary, each
stop with its time (``residence 06:00 -> embassy 06:10 -> haven 09:40``,
the date where the day changes). :mod:`._expect` writes its messages with
them, never a bare minute count, and reads the caller's time arguments with
:func:`read_time`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from evacplan._time import clock as to_clock
from evacplan._time import duration, parse_when, route_words
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Scenario

if TYPE_CHECKING:
    from evacplan.contingency import ContingencyPlan


def clock(scenario: Scenario, minute: float) -> str:
    """The clock time of ``minute``: ``Sat 4 Jan 09:40 +00:00``."""
    return scenario.clock(minute)


def span(minutes: float) -> str:
    """A span of time: ``45 min``, ``2 h 40``, ``6 d 9 h`` (see :func:`evacplan._time.duration`).

    Examples
    --------
    >>> span(220), span(45), span(1440)
    ('3 h 40', '45 min', '24 h')
    """
    return duration(minutes)


def written(scenario: Scenario, value: Any, minute: float) -> str:
    """A moment as the planner wrote it, with its clock time.

    A datetime is its clock time, in the offset it was written in, and in the
    scenario's where that differs; a duration as written (``27h30m``) or
    minutes (as hours), that span after the start, then the clock time.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> written(tiny, "72h", 4320), written(tiny, 1650, 1650)
    ('72h after the start (Mon 6 Jan 06:00 +00:00)', '27 h 30 after the start (Sat 4 Jan 09:30 +00:00)')
    >>> written(tiny, "2020-01-07T00:00:00+03:00", 5220)
    'Tue 7 Jan 00:00 +03:00 (Mon 6 Jan 21:00 +00:00)'
    >>> written(tiny, 0, 0), written(tiny, "90", 90)
    ('the start (Fri 3 Jan 06:00 +00:00)', '1 h 30 after the start (Fri 3 Jan 07:30 +00:00)')
    """
    ours = clock(scenario, minute)
    if isinstance(value, str) and "T" in value:
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return ours
    if isinstance(value, datetime):
        theirs = to_clock(value, 0) if value.tzinfo is not None else ours
        return ours if theirs == ours else f"{theirs} ({ours})"
    if minute == 0:
        return f"the start ({ours})"
    shown = (
        value.strip() if isinstance(value, str) and not value.strip().isdigit() else span(minute)
    )
    return f"{shown} after the start ({ours})"


def route(scenario: Scenario, stops: Any) -> str:
    """An itinerary with each stop's clock time, waits shown, the date where the day changes
    (see :func:`evacplan._time.route_words`).

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> from evacplan.routing.records import Stop
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> route(tiny, [Stop("embassy", 1500, 1500), Stop("border", 1620, 1620)])
    'embassy Sat 4 Jan 07:00 -> border 09:00'
    """
    return route_words(scenario.start, stops)


def read_time(value: Any, name: str, *, span: bool, plan: ContingencyPlan) -> float:
    """A time argument as minutes: a span (``within``) or a moment from the start (``by``)."""
    try:
        when = parse_when(value)
        if not span:
            return plan.scenario.minute(when)
        if not isinstance(when, (int, float)):
            raise ValueError(f"{value!r} is a moment, not a duration: use {name}=24h or minutes")
        return float(when)
    except ValueError as error:
        raise ScenarioError([Problem(name, str(error))], source="invalid expectation") from None


def as_given(value: Any) -> str:
    """A time argument as the caller wrote it; a datetime in ISO 8601, as in files."""
    return repr(value.isoformat() if isinstance(value, datetime) else value)


def since(sc: Scenario, minute: float, start: float) -> str:
    """``2 h 40 after their call-forward (Sat 4 Jan 07:00 +00:00)``, or ``on`` it."""
    called = f"their call-forward ({clock(sc, start)})"
    return f"on {called}" if minute == start else f"{span(minute - start)} after {called}"
