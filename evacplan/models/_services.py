"""Scheduled services on a link: flights, ferries, convoys and shuttles that leave at set times.

A link with ``departures`` carries people only when a service leaves: up to
``seats`` people at each departure (minute rounded down to the step), and
nobody else; it needs no ``capacity_per_hour``. ``departures`` is a list of
times (minutes, durations or datetimes, like every time in a scenario file)
or a timetable ``{every, from, until}``: a service every ``every`` from
``from`` up to and including ``until``. The structure is checked here; the
rules joining keys (seats with departures, a timetable's order, times not
before the start) in :mod:`evacplan._validate`.

Examples
--------
>>> Every.model_validate({"every": "6h", "from": "12h", "until": "1d"}).minutes(lambda w: w)
(720, 1080, 1440)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Discriminator, Field, Tag

from evacplan._time import When
from evacplan.models._base import _Model

__all__ = ["Departures", "Every", "departure_minutes"]


class Every(_Model):
    """A timetable: a service every ``every`` from ``from`` up to and including ``until``."""

    model_config = ConfigDict(populate_by_name=True)

    every: When
    """The interval between departures: minutes or a duration (``"6h"``)."""
    start: When = Field(alias="from")
    """The first departure."""
    until: When
    """No departure after this."""

    def minutes(self, minute: Callable[[int | float | datetime], float]) -> tuple[float, ...]:
        """The departure minutes, given how to turn a time into minutes from the start."""
        every = self.every
        if isinstance(every, datetime) or every <= 0:
            return ()  # refused when read: a timetable's interval is a positive span
        first, last = minute(self.start), minute(self.until)
        count = int((last - first) // every + 1e-9) + 1 if last >= first else 0
        return tuple(first + i * every for i in range(count))


def _form(value: Any) -> str:
    return "<timetable>" if isinstance(value, (Mapping, Every)) else "<times>"


Departures = Annotated[
    Annotated[tuple[When, ...], Field(min_length=1), Tag("<times>")]
    | Annotated[Every, Tag("<timetable>")],
    Discriminator(_form),
]
"""When a scheduled service leaves: a list of times, or a timetable (a mapping)."""


def departure_minutes(
    departures: Departures | None, minute: Callable[[int | float | datetime], float]
) -> tuple[float, ...]:
    """Every departure of a link in minutes from the start, sorted (one per service).

    Examples
    --------
    >>> departure_minutes((90, 60), lambda w: w)
    (60, 90)
    """
    if departures is None:
        return ()
    if isinstance(departures, Every):
        return departures.minutes(minute)
    return tuple(sorted(minute(d) for d in departures))
