"""The plan's text in small pieces: figures, stranded people, one movement on a line.

:class:`~evacplan.routing.plan.EvacuationPlan`'s ``summary()`` and ``str()``
use them; each takes plain records and returns words.
"""

from __future__ import annotations

from datetime import datetime

from evacplan._time import route_words
from evacplan.models import Network
from evacplan.routing.records import Movement, Stop, Stranded


def _figure(x: float, digits: int = 4) -> str:
    """A figure for reading: ``digits`` significant digits; from 1,000 on, with thousands
    separators and no exponent (whole numbers once the digits run out).

    >>> _figure(5001.3), _figure(123456.7), _figure(5001.37, 6), _figure(0.1234567)
    ('5,001', '123,457', '5,001.37', '0.1235')
    """
    if abs(x) < 1000:
        return f"{x:.{digits}g}"
    whole = len(str(int(abs(x))))
    return f"{x:,.{max(0, digits - whole)}f}"


def _who(s: Stranded) -> str:
    """A stranded record's people: its parties (the first three), or its count."""
    if not s.parties:
        return f"{s.count:,}"
    names = ", ".join(s.parties[:3]) + (
        f" and {len(s.parties) - 3} more" if len(s.parties) > 3 else ""
    )
    return f"{names} ({s.count:,})"


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _short_movement(m: Movement, start: datetime | None = None, net: Network | None = None) -> str:
    who = f"{m.count:>6} "
    if m.parties:
        who += "[" + ", ".join(m.parties[:3]) + (", ..." if len(m.parties) > 3 else "") + "] "
    stops = m.itinerary
    if start is not None:  # a scenario's itinerary, each stop in clock time
        if net is not None:
            return who + net.route_words(start, stops, m.links)
        return who + route_words(start, stops)
    if net is not None and net.junctions:
        return who + net.route_words(None, stops, m.links)
    path: list[Stop | None] = [*stops[:4], None, *stops[-3:]] if len(stops) > 8 else list(stops)
    return who + " -> ".join("..." if s is None else str(s) for s in path)
