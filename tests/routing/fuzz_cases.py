"""The random cases of the differential fuzzer (``tests/routing/fuzz.py``).

:func:`generate` draws a small case as ``ten.py``'s plain data: a few places,
two-way links and services, gates, link windows, threats off the step
boundaries, and people as plain counts, parties of one (with priority tiers
and releases, sometimes in two waves far apart) or families of one to five;
:func:`build` turns it into ``evacuate()``'s arguments.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from evacplan.models import Network, ThreatEvent
from evacplan.results import Party

from .ten import Case

MODES = ("plain", "parties", "families")
SIZES = (1, 1, 1, 2, 2, 2, 3, 3, 4, 5)
"""A family's size is drawn from these: mostly one to three."""


def generate(rng: random.Random, mode: str = "plain") -> Case:
    """A random small case (``ten.py``'s :data:`~tests.routing.ten.Case`), drawn from ``rng``.

    ``mode`` is ``"plain"`` (counts at up to three sources), ``"parties"``
    (parties of one, priorities 0 to 2, released over the first 40 minutes,
    a third of the time with a second wave hours later) or ``"families"``
    (the same, of one to five people: :data:`SIZES`). One case in four is
    crowded with gates, services, parallel links and threats.
    """
    heavy = rng.random() < 0.25
    p = {"gate": 0.5, "service": 0.4, "one_way": 0.3, "twin": 0.6, "threats": 0.8}
    if not heavy:
        p = {"gate": 0.3, "service": 0.22, "one_way": 0.6, "twin": 0.2, "threats": 0.55}
    step = rng.choice([1, 2, 3, 5, 5, 5, 10, 10, 15, 30])
    n = rng.randint(3, 7)
    ids = [f"p{i}" for i in range(n)]
    safe = ids[-(rng.randint(1, 2) if n > 3 else 1) :]
    sources = ids[: rng.randint(1, min(3, n - len(safe)))]
    places = _places(rng, ids, safe, sources, p["gate"])
    links = _links(rng, ids, safe, sources, step, p)
    case: Case = {
        "step": step,
        "places": places,
        "links": links,
        "threats": _threats(rng, ids, safe, places, links, p["threats"]),
        "hazard": rng.choice([0.0, 0.006, 0.06, 0.06, 0.12]),
    }
    if mode in ("parties", "families"):
        case["parties"] = _parties(rng, sources, families=mode == "families")
    else:
        case["supply"] = {src: rng.randint(1, 30) for src in sources}
    return case


def _parties(rng: random.Random, sources: list[str], families: bool) -> list[list[Any]]:
    """Up to eight parties at each source, ``[id, size, place, release, priority]``:
    of one, or with ``families`` of :data:`SIZES`; a third of the time half of them
    are released in a second wave hours later."""
    wave = rng.randint(200, 1000) if rng.random() < 0.3 else None
    parties = []
    for src in sources:
        for j in range(rng.randint(1, 8)):
            release = rng.randint(0, 40) + (wave if wave and rng.random() < 0.5 else 0)
            priority = rng.choice([0, 0, 1, 2])
            size = rng.choice(SIZES) if families else 1
            parties.append([f"{src}-{j}", size, src, release, priority])
    return parties


def _places(
    rng: random.Random, ids: list[str], safe: list[str], sources: list[str], gate: float
) -> list[dict[str, Any]]:
    regions = rng.random() < 0.3
    places: list[dict[str, Any]] = []
    for pid in ids:
        d: dict[str, Any]
        if pid in safe:
            d = {"id": pid, "kind": "safe_haven"}
            if rng.random() < 0.2:
                d = {"id": pid, "kind": "airport", "safe": True}
        else:
            d = {"id": pid, "kind": "residence" if pid in sources else "waypoint"}
            if rng.random() < gate:
                d["throughput_per_hour"] = rng.choice([6, 10, 12, 20, 30, 45, 60, 90, 7.5, 100])
        if regions:
            d["region"] = rng.choice(["r1", "r2"])
        places.append(d)
    return places


def _links(
    rng: random.Random,
    ids: list[str],
    safe: list[str],
    sources: list[str],
    step: int,
    p: dict[str, float],
) -> list[dict[str, Any]]:
    caps: list[float] = [60, 120, 180, 30, 20, 10, 90, 100, 45, 7.5]
    if step > 1:
        caps = [12, 24, 36, 60, 10, 30, 50, 100, 7, 20]
    links: list[dict[str, Any]] = []
    ways: set[tuple[str, str]] = set()

    def add(u: str, v: str) -> None:
        minutes = rng.randint(1, 30) if rng.random() < 0.9 else rng.randint(2, 40) + 0.5
        link: dict[str, Any] = {
            "id": f"l{len(links)}",
            "source": u,
            "target": v,
            "minutes": 0 if rng.random() < 0.03 else minutes,
            "risk": 0.0 if rng.random() < 0.5 else rng.randint(1, 30) / 100,
        }
        if rng.random() < p["service"]:
            link["departures"] = sorted(rng.sample(range(121), rng.randint(1, 4)))
            link["seats"] = rng.randint(1, 6)
            if (draw := rng.random()) < 0.6:  # else left out: a service runs one way
                link["two_way"] = draw >= 0.4
        else:
            link["capacity_per_hour"] = rng.choice(caps)
            if (draw := rng.random()) < 0.9:  # else left out: a road runs both ways
                link["two_way"] = draw >= p["one_way"]
        if rng.random() < 0.2:
            link["opens"] = rng.randint(1, 70)
        if rng.random() < 0.2:
            link["closes"] = link.get("opens", 0) + rng.randint(1, 90)
        both = link.get("two_way", "departures" not in link)
        if (u, v) in ways or (both and (v, u) in ways):
            return
        links.append(link)
        ways.update([(u, v), (v, u)] if both else [(u, v)])

    for src in sources:
        here = src
        middle = [q for q in ids if q not in safe and q != src]
        rng.shuffle(middle)
        for m in middle[: rng.randint(0, 2)]:
            add(here, m)
            here = m
        add(here, rng.choice(safe))
    for _ in range(rng.randint(0, len(ids) + 2)):
        u, v = rng.choice([q for q in ids if q not in safe]), rng.choice(ids)
        if u != v:
            add(u, v)
    if rng.random() < p["twin"] and links:
        links.append(_twin(rng, rng.choice(links), len(links), caps))
    return links


def _twin(
    rng: random.Random, base: dict[str, Any], number: int, caps: list[float]
) -> dict[str, Any]:
    """A link parallel to ``base`` (same ends, transit, risk and ways), another capacity."""
    keep = ("id", "source", "target", "minutes", "risk")
    twin = {k: base[k] for k in keep} | {"id": f"l{number}"}
    twin["two_way"] = base.get("two_way", "departures" not in base)
    if rng.random() < 0.5:
        twin["capacity_per_hour"] = rng.choice(caps)
    else:
        twin["departures"] = sorted(rng.sample(range(121), rng.randint(1, 3)))
        twin["seats"] = rng.randint(1, 5)
    if rng.random() < 0.3:
        twin["opens"] = rng.randint(1, 70)
    return twin


def _threats(
    rng: random.Random,
    ids: list[str],
    safe: list[str],
    places: list[dict[str, Any]],
    links: list[dict[str, Any]],
    chance: float,
) -> list[dict[str, Any]]:
    """Up to two threats; none names one of parallel links (they must share one risk)."""
    if rng.random() >= chance:
        return []
    ends = Counter(frozenset((lk["source"], lk["target"])) for lk in links)
    single = [lk for lk in links if ends[frozenset((lk["source"], lk["target"]))] == 1]
    regions = sorted({p["region"] for p in places if "region" in p})
    threats = []
    for i in range(rng.randint(1, 2)):
        threat: dict[str, Any] = {"id": f"t{i}", "at": rng.randint(0, 80)}
        if rng.random() < 0.7:
            threat["until"] = threat["at"] + rng.randint(1, 60)
        what = rng.random()
        if what < 0.4 and single:
            threat["links"] = [rng.choice(single)["id"]]
        elif what < 0.85 or not regions:
            threat["places"] = [rng.choice([q for q in ids if q not in safe])]
        else:
            threat["regions"] = [rng.choice(regions)]
        if rng.random() < 0.3:
            threat["closes"] = True
        else:
            if rng.random() < 0.6 or "links" in threat:
                threat["risk"] = rng.randint(1, 40) / 100
            if "links" not in threat and rng.random() < 0.6:
                threat["risk_per_hour"] = rng.randint(1, 10) * 0.06
            if "risk" not in threat and "risk_per_hour" not in threat:
                threat["risk"] = 0.2
        threats.append(threat)
    return threats


def build(case: Case) -> tuple[Network, dict[str, Any]]:
    """The case as evacplan's input: the network, and ``evacuate()``'s other arguments."""
    network = Network(places=case["places"], links=case["links"])
    threats = [
        ThreatEvent(**{k: tuple(v) if isinstance(v, list) else v for k, v in t.items()})
        for t in case["threats"]
    ]
    options: dict[str, Any] = {
        "step_minutes": case["step"],
        "threats": threats,
        "hazard_per_hour": case["hazard"],
        "time_limit": 30,
    }
    if "parties" in case:
        options["parties"] = [
            Party(pid, size, place, release_minute=release, priority=priority)
            for pid, size, place, release, priority in case["parties"]
        ]
    else:
        options["supply"] = case["supply"]
    return network, options


def settled(case: Case) -> int:
    """The last minute at which anything changes: windows, threats, departures, releases."""
    events = [0]
    for lk in case["links"]:
        events += [lk.get("opens") or 0, lk.get("closes") or 0, *lk.get("departures", ())]
    for t in case["threats"]:
        events += [t["at"], t.get("until") or 0]
    events += [p[3] for p in case.get("parties", ())]
    return max(events)
