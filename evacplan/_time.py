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


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and ``word``, made plural unless ``n`` is 1.

    Examples
    --------
    >>> _plural(1, "post"), _plural(2, "post"), _plural(0, "party", "parties")
    ('1 post', '2 posts', '0 parties')
    """
    return f"{n} {word if n == 1 else (plural or word + 's')}"


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
