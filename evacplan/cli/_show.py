"""``evacplan validate`` and ``evacplan show``: read scenario files and say what is in them.

Also the helpers every command shares: loading a scenario, telling a TNTP
file, laying out a table.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

from evacplan._time import _plural
from evacplan.errors import ScenarioError, ScenarioWarning
from evacplan.models import Network, Scenario

__all__ = ["scenario_summary"]


def _load(path: str) -> Scenario:
    from evacplan.io import load_scenario

    return load_scenario(path)


def _is_tntp(path: str) -> bool:
    """Whether ``path`` names a map on its own: a TNTP network or a network file."""
    from evacplan.io import is_network_file

    return path.lower().endswith(".tntp") or is_network_file(path)


def _read_map(path: str) -> Network:
    """The network of a TNTP file or of a network file (as ``evacplan import-osm`` writes)."""
    from evacplan.io import load_network, read_tntp

    return read_tntp(path) if path.lower().endswith(".tntp") else load_network(path)


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    """The figures ``evacplan show`` prints, as plain data.

    Returns
    -------
    dict
        ``posts``: one row per post (id, name, place, posture now, posture
        the decision points reach, staff, dependants, people, functions);
        ``staff_by_category``, ``places_by_kind``, ``links_by_mode``:
        counts; ``gates``: each place's ``throughput_per_hour``;
        ``services``: each scheduled link (link, source, target, seats,
        departures, first and last as clock times); ``threats`` and
        ``decision_points``: counts.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> s = scenario_summary(load_scenario(seed_path("tiny")))
    >>> s["posts"][0]["staff"], s["posts"][0]["dependants"], s["posts"][0]["people"]
    (6, 6, 12)
    """
    planning = scenario.postures()
    rows = []
    for post in scenario.posts:
        members = scenario.staff_by_post[post.id]
        dependants = sum(m.dependants for m in members)
        rows.append(
            {
                "id": post.id,
                "name": post.name,
                "place": post.place,
                "posture": str(post.posture),
                "planning_posture": str(planning[post.id]),
                "staff": len(members),
                "dependants": dependants,
                "people": len(members) + dependants,
                "functions": len(post.requirements),
            }
        )
    return {
        "name": scenario.name,
        "start": scenario.start.isoformat(),
        "step_minutes": scenario.step_minutes,
        "posts": rows,
        "staff_by_category": dict(sorted(Counter(str(m.category) for m in scenario.staff).items())),
        "places_by_kind": dict(sorted(Counter(str(p.kind) for p in scenario.places).items())),
        "links_by_mode": dict(sorted(Counter(str(link.mode) for link in scenario.links).items())),
        "safe_places": [p.id for p in scenario.places if p.is_safe],
        "gates": {p.id: p.throughput_per_hour for p in scenario.places if p.throughput_per_hour},
        "services": [
            {
                "link": link.label,
                "source": link.source,
                "target": link.target,
                "seats": link.seats,
                "departures": len(times),
                "first": scenario.clock(times[0]),
                "last": scenario.clock(times[-1]),
            }
            for link in scenario.links
            for times in [scenario.network.departures(link)]
            if times
        ],
        "groups": len(scenario.groups),
        "group_people": sum(g.count for g in scenario.groups),
        "threats": len(scenario.threats),
        "decision_points": len(scenario.decision_points),
    }


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _format_summary(summary: dict[str, Any]) -> str:
    out = [
        f"scenario {summary['name']!r}, from {summary['start']}, steps of {summary['step_minutes']} min",
        "",
    ]
    posts = summary["posts"]
    out.append(
        _table(
            ["post", "name", "posture", "planning", "staff", "dependants", "people", "functions"],
            [
                [
                    p["id"],
                    p["name"],
                    p["posture"],
                    p["planning_posture"],
                    p["staff"],
                    p["dependants"],
                    p["people"],
                    p["functions"],
                ]
                for p in posts
            ],
        )
    )
    total_staff = sum(p["staff"] for p in posts)
    total_people = sum(p["people"] for p in posts)
    out.append(f"total: {total_staff} staff, {total_people} people")
    out.append("")

    def counts(title: str, data: dict[str, int]) -> str:
        return (
            f"{title}: " + ", ".join(f"{k} {v}" for k, v in data.items())
            if data
            else f"{title}: none"
        )

    out.append(counts("staff by category", summary["staff_by_category"]))
    out.append(counts("places by kind", summary["places_by_kind"]))
    out.append(counts("links by mode", summary["links_by_mode"]))
    if summary["groups"]:
        out.append(
            f"groups (not staff): {_plural(summary['groups'], 'group')}, "
            f"{_plural(summary['group_people'], 'person', 'people')}"
        )
    out.append("safe places: " + (", ".join(summary["safe_places"]) or "none"))
    if summary["gates"]:
        out.append(
            "throughput: "
            + ", ".join(f"{place} {rate:g} an hour" for place, rate in summary["gates"].items())
        )
    for service in summary["services"]:
        out.append(
            f"service {service['link']} ({service['source']} -> {service['target']}): "
            f"{_plural(service['departures'], 'departure')} of {service['seats']} seats, "
            f"{service['first']} to {service['last']}"
        )
    out.append(
        f"threat events: {summary['threats']}; decision points: {summary['decision_points']}"
    )
    return "\n".join(out)


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            if _is_tntp(path):
                net = _read_map(path)
                kind = "TNTP network" if path.lower().endswith(".tntp") else "network"
                print(
                    f"ok: {path} ({kind}: {_plural(len(net.places), 'place')}, "
                    f"{_plural(len(net.links), 'link')})"
                )
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ScenarioWarning)
                scenario = _load(path)
            found = [w for w in caught if issubclass(w.category, ScenarioWarning)]
            for w in caught:
                if w not in found:  # not ours to judge: pass it on as it was
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            counts = [
                _plural(len(scenario.posts), "post"),
                _plural(len(scenario.staff), "staff member", "staff"),
                _plural(len(scenario.places), "place"),
                _plural(len(scenario.links), "link"),
            ]
            if scenario.groups:
                people = sum(g.count for g in scenario.groups)
                counts.append(f"{_plural(people, 'person', 'people')} in groups")
            note = f"; {_plural(len(found), 'warning')}" if found else ""
            print(f"ok: {path} ({scenario.name!r}: {', '.join(counts)}{note})")
            for w in found:
                print(f"warning: {w.message}", file=sys.stderr)
        except ScenarioError as err:
            failed += 1
            print(err, file=sys.stderr)
    return 1 if failed else 0


def _cmd_show(args: argparse.Namespace) -> int:
    print(_format_summary(scenario_summary(_load(args.file))))
    return 0
