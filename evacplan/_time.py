"""Times in scenario files: offsets from the scenario start, or datetimes.

An offset is a number of minutes (``90``), or a duration string: ``"96h"``,
``"2d"``, ``"1d12h"``, ``"90m"``, ``"1h30m"`` or ISO 8601 ``"PT96H"``.
A datetime is ISO 8601 (``"2020-01-07T12:00:00+03:00"``). One without a UTC
offset (naive) stays naive when read and is placed in time in the offset of
the scenario's start (a start without an offset is UTC), by
:func:`minutes_after`. Offsets are stored as minutes (int when whole).
:func:`clock` turns a minute back into a wall-clock time for reports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

MAX_STEP_MINUTES = 24 * 60
"""The longest time step, a day: ``step_minutes`` is a whole number from 1 to this."""

_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1, "min": 1, "s": 1 / 60}
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*(w|d|h|min|m|s)\s*)+$", re.IGNORECASE)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|min|m|s)", re.IGNORECASE)
_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)


def _whole(minutes: float) -> int | float:
    return int(minutes) if float(minutes).is_integer() else minutes


_MINUTES = re.compile(r"\d+(\.\d+)?")


def parse_when(value: Any) -> int | float | datetime:
    """Read an offset or a datetime as written in a scenario file.

    Examples
    --------
    >>> parse_when("96h"), parse_when("1d12h"), parse_when("PT90M"), parse_when(15)
    (5760, 2160, 90, 15)
    >>> parse_when("2020-01-07T12:00:00Z")
    datetime.datetime(2020, 1, 7, 12, 0, tzinfo=datetime.timezone.utc)

    A datetime without an offset stays naive: :func:`minutes_after` reads it
    in the offset of the scenario's start.

    >>> parse_when("2020-01-07T12:00:00")
    datetime.datetime(2020, 1, 7, 12, 0)
    """
    if isinstance(value, bool):
        raise ValueError(
            f"{value!r} is not a time: give minutes, a duration like '96h', or a datetime"
        )
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number of minutes")
        if value < 0:
            raise ValueError(f"offset {value!r} is negative: times are counted from the start")
        return _whole(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _MINUTES.fullmatch(text):  # '90' as written in a file or on a command line
            return parse_when(float(text))
        if _DURATION.match(text):
            return _whole(sum(float(n) * _UNIT_MINUTES[u.lower()] for n, u in _PART.findall(text)))
        iso = _ISO_DURATION.match(text)
        if iso and text.upper() != "P" and any(iso.groupdict().values()):
            parts = {k: float(v) if v else 0.0 for k, v in iso.groupdict().items()}
            return _whole(parts["d"] * 1440 + parts["h"] * 60 + parts["m"] + parts["s"] / 60)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{value!r} is not a time: give minutes (90), a duration ('96h', '1d12h', "
                "'PT96H') or an ISO 8601 datetime"
            ) from None
        return moment
    raise ValueError(f"{value!r} is not a time: give minutes, a duration like '96h', or a datetime")


def _zone(start: datetime | None) -> tzinfo:
    """The time zone that naive datetimes are read in: the start's, or UTC."""
    return start.tzinfo if start is not None and start.tzinfo is not None else UTC


def minutes_after(start: datetime | None, when: int | float | datetime) -> float:
    """Minutes from ``start`` to ``when`` (an offset is returned as it is).

    A naive ``when`` is read in the offset of ``start``; a naive ``start``
    is read as UTC.

    Raises
    ------
    ValueError
        If ``when`` is a datetime and there is no ``start`` to place it against.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone, UTC
    >>> minutes_after(datetime(2020, 1, 3, tzinfo=UTC), datetime(2020, 1, 4, tzinfo=UTC))
    1440.0
    >>> baghdad = timezone(timedelta(hours=3))
    >>> start = datetime(2020, 1, 5, 6, 0, tzinfo=baghdad)
    >>> minutes_after(start, datetime(2020, 1, 5, 10, 0))  # naive: 10:00 in Baghdad
    240.0
    >>> minutes_after(start, datetime(2020, 1, 5, 10, 0, tzinfo=UTC))
    420.0
    """
    if not isinstance(when, datetime):
        return float(when)
    if start is None:
        raise ValueError("a datetime needs the scenario's start to be placed in time")
    zone = _zone(start)
    begin = start if start.tzinfo else start.replace(tzinfo=zone)
    end = when if when.tzinfo else when.replace(tzinfo=zone)
    # Through UTC: aware datetimes sharing a tzinfo would subtract as wall clocks.
    return (end.astimezone(UTC) - begin.astimezone(UTC)).total_seconds() / 60.0


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def percent(x: float) -> str:
    """A share as a planner reads it: never 0% or 100% unless it is exactly that.

    Examples
    --------
    >>> percent(0.0), percent(0.003), percent(0.5), percent(0.998), percent(1.0)
    ('0%', 'under 1%', '50%', 'over 99%', '100%')
    """
    if 0 < x < 0.01:
        return "under 1%"
    if 0.99 < x < 1:
        return "over 99%"
    return f"{x:.0%}"


def clock(start: datetime | None, minute: int | float) -> str:
    """The wall-clock time of ``minute`` (from ``start``), in the start's offset, for reports.

    The format is ``"Sun 5 Jan 10:00 +03:00"``: weekday, day, month, 24-hour
    time to the nearest minute, and the UTC offset as ``+HH:MM``; English
    names whatever the locale. The day is there because scenarios run for
    days: minute 240 and minute 1680 are both 10:00. A start without an
    offset is read as UTC (``+00:00``). Empty when there is no start.

    Parameters
    ----------
    start
        The scenario's start, or None.
    minute
        Minutes from the start.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> start = datetime(2020, 1, 5, 6, 0, tzinfo=timezone(timedelta(hours=3)))
    >>> clock(start, 240)
    'Sun 5 Jan 10:00 +03:00'
    >>> f"minute 1680, {clock(start, 1680)}"
    'minute 1680, Mon 6 Jan 10:00 +03:00'
    >>> clock(datetime(2020, 1, 3, 6, 0), 90.4)
    'Fri 3 Jan 07:30 +00:00'
    >>> clock(None, 240)
    ''
    """
    if start is None:
        return ""
    zone = _zone(start)
    begin = start if start.tzinfo else start.replace(tzinfo=zone)
    moment = (begin.astimezone(UTC) + timedelta(minutes=round(minute))).astimezone(zone)
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    hours, rest = divmod(abs(offset), timedelta(hours=1))
    return (
        f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} "
        f"{moment:%H:%M} {sign}{hours:02d}:{rest // timedelta(minutes=1):02d}"
    )


def duration(minutes: float, *, signed: bool = False) -> str:
    """A span of time as a planner says it: ``45 min``, ``9 h 30``, ``2 h``, ``3 d 4 h``.

    Whole minutes (a fraction of a minute is kept under one); days from two
    days on, where hours alone grow hard to read. ``signed`` marks a change:
    ``+2 h 30`` later, ``-45 min`` sooner.

    Examples
    --------
    >>> duration(45), duration(570), duration(120), duration(1650), duration(9210)
    ('45 min', '9 h 30', '2 h', '27 h 30', '6 d 9 h 30')
    >>> duration(0.5), duration(-90), duration(150, signed=True)
    ('0.5 min', '-1 h 30', '+2 h 30')
    """
    if signed and minutes > 0:
        return "+" + duration(minutes)
    if minutes < 0:
        return "-" + duration(-minutes)
    if minutes < 1:
        return f"{minutes:g} min"
    whole = int(round(minutes))
    h, m = divmod(whole, 60)
    if not h:
        return f"{m} min"
    d, h = divmod(h, 24) if h >= 48 else (0, h)
    words = ([f"{d} d"] if d else []) + ([f"{h} h"] if h else [])
    return " ".join(words) + (f" {m:02d}" if m else "")


def _moment(start: datetime, minute: float) -> datetime:
    zone = _zone(start)
    begin = start if start.tzinfo else start.replace(tzinfo=zone)
    return (begin.astimezone(UTC) + timedelta(minutes=round(minute))).astimezone(zone)


def route_words(
    start: datetime | None,
    stops: Any,
    *,
    junctions: Container[str] = frozenset(),
    streets: Sequence[str | None] | None = None,
    times: bool = True,
) -> str:
    """An itinerary with its clock times: each stop's departure (the last stop's arrival),
    and a wait as ``arrival-departure (waits ...)``; the date at the first stop and wherever
    the day changes. Without a start, minutes (``embassy@1500``); without ``times``, the
    places alone.

    Stops at ``junctions`` (road junctions with no name of their own, as read from
    OpenStreetMap) are not listed unless someone waits there: the streets of the legs
    between two listed stops are (``streets``: each leg's name, None where unnamed), as
    ``via Coast Road, Hill Street``.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from evacplan.routing.records import Stop
    >>> start = datetime(2020, 1, 3, 6, 0, tzinfo=timezone.utc)
    >>> route_words(start, [Stop("embassy", 1500, 1500), Stop("border", 1620, 1680),
    ...                     Stop("haven", 2900, 2900)])
    'embassy Sat 4 Jan 07:00 -> border 09:00-10:00 (waits 1 h) -> haven Sun 5 Jan 06:20'
    >>> road = [Stop("embassy", 0, 0), Stop("n1", 1, 1), Stop("n3", 9, 9), Stop("border", 10, 10)]
    >>> route_words(start, road, junctions={"n1", "n3"}, streets=[None, "Coast Road", None])
    'embassy Fri 3 Jan 06:00 -> via Coast Road -> border 06:10'
    >>> route_words(None, road, junctions={"n1", "n3"}, streets=[None, None, None], times=False)
    'embassy -> via 2 road junctions -> border'
    >>> held = [Stop("embassy", 0, 0), Stop("n1", 1, 31), Stop("border", 40, 40)]
    >>> route_words(start, held, junctions={"n1"}, streets=["Coast Road", "Hill Street"])
    'embassy Fri 3 Jan 06:00 -> Coast Road at n1 06:01-06:31 (waits 30 min) -> border 06:40'
    """
    last = len(stops) - 1
    kept = [
        i
        for i, stop in enumerate(stops)
        if i in (0, last)
        or stop.place not in junctions
        or (times and stop.leave > stop.arrive)  # a wait there is shown with its times
    ]
    if start is None or not times:
        shown = {i: stops[i].place if not times else str(stops[i]) for i in kept}
    else:
        shown = _clock_stops(start, stops, kept)
    for i in kept:  # a junction where people wait: on which street, its id to find it
        if 0 < i < last and stops[i].place in junctions:
            street = (streets or [None] * last)[i - 1] or (streets or [None] * last)[i]
            if street:
                shown[i] = f"{street} ({shown[i]})" if not times else f"{street} at {shown[i]}"
    words: list[str] = []
    for a, b in zip([None, *kept], kept, strict=False):
        if a is not None and b > a + 1:
            names = [n for n in (streets or [])[a:b] if n]
            via = list(dict.fromkeys(names))
            words.append(
                "via " + ", ".join(via) if via else f"via {_plural(b - a - 1, 'road junction')}"
            )
        words.append(shown[b])
    return " -> ".join(words)


def _clock_stops(start: datetime, stops: Any, kept: list[int]) -> dict[int, str]:
    """The stops listed (``kept``), each with its clock time (see :func:`route_words`)."""
    words: dict[int, str] = {}
    day = None
    last = len(stops) - 1

    def at(minute: float) -> str:
        nonlocal day
        when = _moment(start, minute)
        shown = f"{when:%H:%M}"
        if when.date() != day:
            day = when.date()
            shown = f"{_DAYS[when.weekday()]} {when.day} {_MONTHS[when.month - 1]} {shown}"
        return shown

    for i in kept:
        stop = stops[i]
        if i == 0:
            words[i] = f"{stop.place} {at(stop.leave)}"
        elif i == last or stop.leave == stop.arrive:
            words[i] = f"{stop.place} {at(stop.arrive)}"
        else:
            wait = f"waits {duration(stop.leave - stop.arrive)}"
            words[i] = f"{stop.place} {at(stop.arrive)}-{at(stop.leave)} ({wait})"
    return words


_MINUTE = re.compile(r"\b(?:(at|from|by|until) )?minute (\d+(?:\.\d+)?)\b(?: \(([^()]*)\))?")


def in_clock(start: datetime | None, text: str) -> str:
    """``text`` with each ``minute N`` (from a layer that has no clock) in clock time.

    ``at minute 120`` becomes ``at Sat 15 Apr 11:00 +02:00``; a clock time or
    words already in brackets after it are dropped when they are a clock time,
    kept otherwise. Without a start, the text as it is.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> start = datetime(2020, 1, 3, 6, 0, tzinfo=timezone.utc)
    >>> in_clock(start, "cut off when bridge closes at minute 120")
    'cut off when bridge closes at Fri 3 Jan 08:00 +00:00'
    >>> in_clock(start, "by the deadline (minute 150) the routes out carry 2")
    'by the deadline (Fri 3 Jan 08:30 +00:00) the routes out carry 2'
    """
    if start is None:
        return text

    def swap(m: re.Match[str]) -> str:
        word, minute, after = m.group(1), float(m.group(2)), m.group(3)
        when = clock(start, minute)
        keep = f" ({after})" if after and after != when else ""
        return (f"{word} " if word else "") + when + keep

    return _MINUTE.sub(swap, text)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and ``word``, made plural unless ``n`` is 1.

    Examples
    --------
    >>> _plural(1, "post"), _plural(2, "post"), _plural(0, "party", "parties")
    ('1 post', '2 posts', '0 parties')
    >>> _plural(1286, "person", "people")
    '1,286 people'
    """
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _dump_when(value: int | float | datetime) -> int | float | str:
    return value.isoformat() if isinstance(value, datetime) else value


When = Annotated[
    int | float | datetime,
    BeforeValidator(parse_when),
    PlainSerializer(_dump_when, return_type=int | float | str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*(w|d|h|min|m|s)\s*)+$"},
                {"type": "string", "pattern": r"^P"},
                {"type": "string", "format": "date-time"},
            ],
            "description": "minutes from the start (90), a duration ('96h', '1d12h', 'PT96H'), "
            "or an ISO 8601 datetime (without an offset: in the offset of the scenario's start)",
        }
    ),
]
"""An offset in minutes from the start, or a datetime (as a pydantic field type)."""


def _as_written(value: Any) -> int | float | str:
    """A time checked as :data:`When` is, but kept as written: a string stays the string."""
    parsed = parse_when(value)
    if isinstance(value, str):
        return value.strip()
    return value.isoformat() if isinstance(parsed, datetime) else parsed


Written = Annotated[
    int | float | str,
    BeforeValidator(_as_written),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*(w|d|h|min|m|s)\s*)+$"},
                {"type": "string", "pattern": r"^P"},
                {"type": "string", "format": "date-time"},
            ],
            "description": "minutes from the start (90), a duration ('96h', '1d12h', 'PT96H'), "
            "or an ISO 8601 datetime (without an offset: in the offset of the scenario's start)",
        }
    ),
]
"""A time checked as :data:`When`, kept as the planner wrote it (``"72h"`` stays ``"72h"``), so
that what is said of it uses their words: for the times of a check, read again where used."""
