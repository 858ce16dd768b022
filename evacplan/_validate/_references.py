"""Cross-references and rules that join keys, read tolerantly from a scenario's raw input.

Takes the raw mapping (a wrongly typed entry is skipped, not a crash: the
structural pass in :mod:`._words` reports it) and gives every broken
reference, duplicate id and inconsistent pair of values as a Problem with its
path: links to places, staff to posts, threats to regions, places and links,
decision points to posts and threats, groups to places, checks to posts,
staff, links, places and indicators.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evacplan._streets import street_names
from evacplan._time import minutes_after, parse_when
from evacplan._validate._scan import (
    _ids,
    _items,
    _labels,
    _ref,
    _refs,
    _Scan,
    _start,
    _usable,
)
from evacplan._validate._words import EXPECTATIONS
from evacplan.errors import Problem


def _check_times(
    item: Mapping[str, Any],
    keys: tuple[str] | tuple[str, str],
    path: str,
    start: Any,
    root: str,
    problems: list[Problem],
) -> None:
    """A time, or a pair of times: each placeable in time, not before the start, and in order."""
    minutes: list[float | None] = []
    for key in keys:
        value = item.get(key)
        if value is None:
            minutes.append(None)
            continue
        try:
            when = parse_when(value)
        except (ValueError, TypeError):
            minutes.append(None)  # reported by the structural pass
            continue
        if start is None and hasattr(when, "tzinfo"):
            if root == "Network":
                problems.append(
                    Problem(
                        f"{path}.{key}",
                        "a datetime needs the network's start; give minutes instead",
                    )
                )
            minutes.append(None)
            continue
        minute = minutes_after(start, when)
        if minute < 0:
            problems.append(
                Problem(f"{path}.{key}", f"{value!s} is before the start ({start.isoformat()})")
            )
        minutes.append(minute)
    first, last = minutes[0], minutes[-1]
    if len(keys) == 2 and first is not None and last is not None and last <= first:
        problems.append(Problem(f"{path}.{keys[1]}", f"{keys[1]} must come after {keys[0]}"))


def _check_service(
    link: Mapping[str, Any], path: str, start: Any, root: str, problems: list[Problem]
) -> None:
    """A link's capacity: people an hour, or a scheduled service's departures and seats."""
    rate, departures, seats = (link.get(k) for k in ("capacity_per_hour", "departures", "seats"))
    if departures is None:
        if seats is not None:
            problems.append(
                Problem(f"{path}.seats", "seats are per departure: give departures too")
            )
        if rate is None and "capacity_per_hour" not in link:
            problems.append(
                Problem(
                    f"{path}.capacity_per_hour",
                    "required key is missing: a link needs capacity_per_hour (people an "
                    "hour), or departures and seats (a scheduled service)",
                )
            )
        return
    if rate is not None:
        problems.append(
            Problem(
                f"{path}.capacity_per_hour",
                "a scheduled service carries its seats at each departure and nobody else: "
                "give capacity_per_hour or departures, not both",
            )
        )
    if seats is None:
        problems.append(
            Problem(
                f"{path}.departures", "a scheduled service needs seats (people a departure carries)"
            )
        )
    if isinstance(departures, (list, tuple)):
        for j, when in enumerate(departures):
            key = f"departures[{j}]"
            _check_times({key: when}, (key,), path, start, root, problems)
    elif isinstance(departures, Mapping):
        where = f"{path}.departures"
        _check_times(departures, ("from", "until"), where, start, root, problems)
        _check_span(departures, "every", where, problems)
        try:
            every = parse_when(departures.get("every", 1))
        except (ValueError, TypeError):
            return  # reported by the structural pass
        if not hasattr(every, "tzinfo") and every <= 0:
            problems.append(
                Problem(f"{where}.every", "the interval between departures must be more than 0")
            )


def _check_risk_per_hour(threat: Mapping[str, Any], path: str, problems: list[Problem]) -> None:
    """``risk_per_hour`` is harm while staying at a place: a threat of places or regions only,
    and one that leaves them open (its range and type are the structural pass's)."""
    if threat.get("risk_per_hour") is None:
        return
    where = f"{path}.risk_per_hour"
    if threat.get("closes") is True:
        problems.append(
            Problem(
                where,
                "a threat that closes what it touches has no risk per hour: "
                "remove risk_per_hour, or closes",
            )
        )
    has_places = any(
        isinstance(threat.get(k), (list, tuple)) and threat.get(k) for k in ("regions", "places")
    )
    if not has_places and isinstance(threat.get("links"), (list, tuple)) and threat.get("links"):
        problems.append(
            Problem(
                where,
                "risk_per_hour is the risk of staying at a place, and this threat names links "
                "only: give its places or regions, or use risk (per traversal) for links",
            )
        )


def reference_problems(data: Mapping[str, Any], root: str) -> list[Problem]:
    """Every broken cross-reference, duplicate id and inconsistent pair of values."""
    scan = _Scan(data, root, _start(data))
    _check_network(scan)
    if root == "Network":
        return scan.problems
    _check_posts(scan)
    _check_policy(scan)
    _check_staff(scan)
    _check_threats(scan)
    points = _check_points(scan)
    _check_groups(scan)
    _check_uncertainty(scan)
    _check_checks(scan, points)
    return scan.problems


def _check_network(scan: _Scan) -> None:
    """Places and links: their ids, then each link's ends, times and service, and each place's
    throughput (not for ``Threats``: a valid network's threats are checked alone)."""
    data, known, problems = scan.data, scan.known, scan.problems
    places = _items(data, "places")
    known.places = _ids(places, "places", "id", "place", problems)
    known.regions = {p["region"] for _, p in places if isinstance(p.get("region"), str)}
    if not _usable(data, "places", required=True):
        known.places = known.regions = None

    links = _items(data, "links")
    link_ids = _ids(links, "links", "id", "link", problems)
    known.links = {**link_ids, **_labels(links)} if _usable(data, "links") else None
    names = {street for _, link in links for street in street_names(link.get("name"))}
    known.streets = names if known.links is not None else None
    if scan.root == "Threats":
        return
    for i, link in links:
        _check_link(scan, link, f"links[{i}]")
    for i, place in places:
        if place.get("throughput_per_hour") is not None and (
            place.get("safe") is True
            or (place.get("kind") == "safe_haven" and place.get("safe") is not False)
        ):
            problems.append(
                Problem(
                    f"places[{i}].throughput_per_hour",
                    "a safe place absorbs everyone who reaches it and nobody leaves it: "
                    "a throughput there limits nothing; put it on the gate before it",
                )
            )


def _check_link(scan: _Scan, link: Mapping[str, Any], path: str) -> None:
    """One link: its ends are places, and not the same one; its times; its capacity."""
    problems = scan.problems
    _ref(link.get("source"), scan.known.places, f"{path}.source", "a place", problems)
    _ref(link.get("target"), scan.known.places, f"{path}.target", "a place", problems)
    if isinstance(link.get("source"), str) and link.get("source") == link.get("target"):
        problems.append(
            Problem(f"{path}.target", f"a link cannot join {link['source']!r} to itself")
        )
    _check_times(link, ("opens", "closes"), path, scan.start, scan.root, problems)
    _check_service(link, path, scan.start, scan.root, problems)


def _check_posts(scan: _Scan) -> None:
    """Posts: ids, places, and each requirement's function, categories and minimum."""
    problems = scan.problems
    posts = _items(scan.data, "posts")
    scan.known.posts = _ids(posts, "posts", "id", "post", problems)
    if not _usable(scan.data, "posts", required=True):
        scan.known.posts = None
    for i, post in posts:
        _ref(post.get("place"), scan.known.places, f"posts[{i}].place", "a place", problems)
        requirements = _items(post, "requirements")
        _ids(requirements, f"posts[{i}].requirements", "function", "function", problems)
        for j, req in requirements:
            if isinstance(req.get("categories"), str):
                problems.append(
                    Problem(
                        f"posts[{i}].requirements[{j}].categories",
                        "categories is a list, e.g. [diplomat, military]",
                    )
                )
            minimum = req.get("minimum")
            if isinstance(minimum, Mapping):
                count = minimum.get("suspended")
                if isinstance(count, int) and not isinstance(count, bool) and count > 0:
                    problems.append(
                        Problem(
                            f"posts[{i}].requirements[{j}].minimum.suspended",
                            "a suspended post is closed and needs nobody; remove this entry or set it to 0",
                        )
                    )


def _check_policy(scan: _Scan) -> None:
    """The policy's extraction lifts: ids, and the posts each serves."""
    policy = scan.data.get("policy")
    if not isinstance(policy, Mapping):
        return
    lifts = _items(policy, "extraction")
    _ids(lifts, "policy.extraction", "id", "lift", scan.problems)
    for i, lift in lifts:
        path = f"policy.extraction[{i}].posts"
        _refs(lift.get("posts"), scan.known.posts, path, "a post", scan.problems)


def _check_staff(scan: _Scan) -> None:
    """Staff: ids, posts, locations, and not both ``must_remain`` and ``must_leave``."""
    problems = scan.problems
    staff = _items(scan.data, "staff")
    scan.known.staff = _ids(staff, "staff", "id", "staff", problems)
    if not _usable(scan.data, "staff"):
        scan.known.staff = None
    for i, member in staff:
        _ref(member.get("post"), scan.known.posts, f"staff[{i}].post", "a post", problems)
        _ref(member.get("location"), scan.known.places, f"staff[{i}].location", "a place", problems)
        if member.get("must_remain") is True and member.get("must_leave") is True:
            problems.append(
                Problem(
                    f"staff[{i}].must_leave",
                    "a person cannot both have to remain and have to leave",
                )
            )


def _check_threats(scan: _Scan) -> None:
    """Threats: ids, what each touches (regions, places, links), its effect and its times."""
    known, problems = scan.known, scan.problems
    threats = _items(scan.data, "threats")
    known.threats = _ids(threats, "threats", "id", "threat", problems)
    if not _usable(scan.data, "threats"):
        known.threats = None
    for i, threat in threats:
        path = f"threats[{i}]"
        _refs(
            threat.get("regions"),
            known.regions,
            f"{path}.regions",
            "a region of any place",
            problems,
        )
        _refs(threat.get("places"), known.places, f"{path}.places", "a place", problems)
        _refs(threat.get("links"), known.links, f"{path}.links", "a link", problems)
        _refs(threat.get("streets"), known.streets, f"{path}.streets", "a link's name", problems)
        if not any(threat.get(k) for k in ("regions", "places", "links", "streets")):  # (not a
            # list: said at the key itself)
            problems.append(
                Problem(path, "a threat needs at least one of regions, places, links or streets")
            )
        if all(threat.get(k) is None for k in ("risk", "risk_per_hour")) and (
            threat.get("closes") is not True
        ):
            problems.append(
                Problem(
                    path,
                    "a threat needs an effect: a risk, a risk_per_hour, or closes: true",
                )
            )
        _check_risk_per_hour(threat, path, problems)
        _check_times(threat, ("at", "until"), path, scan.start, scan.root, problems)


def _check_points(scan: _Scan) -> list[tuple[int, Mapping[str, Any]]]:
    """Decision points: ids, posts, the threat each fires on, a trigger, its time; returned
    for the checks that name them."""
    known, problems = scan.known, scan.problems
    points = _items(scan.data, "decision_points")
    _ids(points, "decision_points", "id", "decision point", problems)
    for i, point in points:
        path = f"decision_points[{i}]"
        _refs(point.get("posts"), known.posts, f"{path}.posts", "a post", problems)
        _ref(point.get("on_threat"), known.threats, f"{path}.on_threat", "a threat", problems)
        _check_uncertain_trigger(scan, point, path)
        if all(point.get(k) is None for k in ("at", "on_threat", "indicator")):
            problems.append(
                Problem(path, "a decision point needs a trigger: at, on_threat or indicator")
            )
        _check_times(point, ("at",), path, scan.start, scan.root, problems)
    return points


def _check_uncertain_trigger(scan: _Scan, point: Mapping[str, Any], path: str) -> None:
    """A decision point cannot fire on a threat that may not happen (``probability`` under 1):
    plans are made without that threat."""
    on = point.get("on_threat")
    for _, threat in _items(scan.data, "threats"):
        p = threat.get("probability")
        if threat.get("id") == on and isinstance(p, (int, float)) and 0 < p < 1:
            scan.problems.append(
                Problem(
                    f"{path}.on_threat",
                    f"threat {on!r} may not happen (probability {p:g}): plans are made without "
                    "it, so no decision point can fire on it; give the decision point a time "
                    "or an indicator",
                )
            )


def _check_uncertainty(scan: _Scan) -> None:
    """The ``uncertainty`` section names links and regions the scenario has."""
    section = scan.data.get("uncertainty")
    if not isinstance(section, Mapping):
        return
    for key, known, what in (
        ("links", scan.known.links, "a link"),
        ("regions", scan.known.regions, "a region of any place"),
    ):
        named = section.get(key)
        if isinstance(named, Mapping):
            for name in named:
                _ref(name, known, f"uncertainty.{key}.{name}", what, scan.problems)


def _check_groups(scan: _Scan) -> None:
    """Groups: ids (none a staff member's), locations, a party no larger than the group, the
    release time."""
    staff_ids, problems = scan.known.staff, scan.problems
    groups = _items(scan.data, "groups")
    _ids(groups, "groups", "id", "group", problems)
    for i, group in groups:
        where = f"groups[{i}]"
        _ref(group.get("location"), scan.known.places, f"{where}.location", "a place", problems)
        if isinstance(group.get("id"), str) and staff_ids and group["id"] in staff_ids:
            problems.append(
                Problem(
                    f"{where}.id",
                    f"{group['id']!r} is a staff member's id (staff[{staff_ids[group['id']]}]): "
                    "give the group an id of its own",
                )
            )
        size, count = group.get("party_size"), group.get("count")
        whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (size, count))
        if whole and size > count:  # type: ignore[operator]
            problems.append(
                Problem(
                    f"{where}.party_size",
                    f"a party of {size} is larger than the group's {count} people",
                )
            )
        _check_times(group, ("release",), where, scan.start, scan.root, problems)


def _check_checks(scan: _Scan, points: list[tuple[int, Mapping[str, Any]]]) -> None:
    """The ``checks`` section: each entry (:func:`_check_check`), then duplicate ids."""
    known = scan.known
    watched: dict[str, int] | None = {
        p["id"]: i for i, p in points if isinstance(p.get("id"), str) and p.get("indicator")
    }
    if not _usable(scan.data, "decision_points"):
        watched = None
    places_and_links = (
        None if known.links is None or known.places is None else {**known.links, **known.places}
    )
    refs = {
        "post": known.posts,
        "staff": known.staff,
        "close": places_and_links,
        "point": watched,
        "threat": known.threats,
    }
    for i, check in _items(scan.data, "checks"):
        _check_check(check, f"checks[{i}]", refs, scan.start, scan.root, scan.problems)
    _ids(_items(scan.data, "checks"), "checks", "id", "check", scan.problems)


def _check_check(
    check: Mapping[str, Any],
    path: str,
    refs: Mapping[str, Mapping[str, int] | None],
    start: Any,
    root: str,
    problems: list[Problem],
) -> None:
    """One entry of ``checks``: one expectation, its companions, its references and times."""
    _check_expectation(check, path, problems)
    _check_times(check, ("deadline",), path, start, root, problems)
    _ref(check.get("open"), refs["post"], f"{path}.open", "a post", problems)
    for key in ("retained", "departs", "safe", "last_out", "unavailable"):
        _refs(check.get(key), refs["staff"], f"{path}.{key}", "a staff member", problems)
    what_if = check.get("what_if")
    if isinstance(what_if, Mapping):
        _refs(what_if.get("lift"), refs["threat"], f"{path}.what_if.lift", "a threat", problems)
    indicators = check.get("indicators")
    if isinstance(indicators, Mapping):
        for name in indicators:
            _ref(
                name,
                refs["point"],
                f"{path}.indicators.{name}",
                "a decision point on an indicator",
                problems,
            )
            _check_times(indicators, (name,), f"{path}.indicators", start, root, problems)
    _check_times(check, ("all_safe_by",), path, start, root, problems)
    _check_times(check, ("by",), path, start, root, problems)
    _check_span(check, "all_safe_within", path, problems)
    _check_span(check, "within", path, problems)
    survives = check.get("survives")
    if isinstance(survives, Mapping):
        where = f"{path}.survives"
        _refs(survives.get("close"), refs["close"], f"{where}.close", "a link or a place", problems)
        _check_times(survives, ("at", "until"), where, start, root, problems)
        _check_span(survives, "all_safe_within", where, problems)


def _check_expectation(check: Mapping[str, Any], path: str, problems: list[Problem]) -> None:
    """A check makes exactly one expectation, and gives no option without what it goes with."""
    made = [k for k in EXPECTATIONS if check.get(k) not in (None, False)]
    kinds = {"all_safe" if k.startswith("all_safe") else k for k in made}
    if not kinds:
        problems.append(
            Problem(path, "a check needs an expectation: one of " + ", ".join(EXPECTATIONS))
        )
    elif len(kinds) > 1:
        problems.append(
            Problem(
                path,
                f"a check makes one expectation, this one makes {len(kinds)} "
                f"({', '.join(made)}): split it into {len(kinds)} checks",
            )
        )
    for key, needs, what in (
        ("posture", ("open",), "the post that stays open"),
        ("until", ("open",), "the post that stays open"),
        ("by", ("departs", "safe"), "who departs or who is safe"),
        ("within", ("departs", "safe"), "who departs or who is safe"),
        ("deadline", ("objective",), "safest or most_saved"),
    ):
        if check.get(key) is not None and all(check.get(n) is None for n in needs):
            problems.append(
                Problem(f"{path}.{key}", f"{key} goes with {' or '.join(needs)}: name {what}")
            )
    if check.get("objective") == "safest" and check.get("deadline") is None:
        problems.append(
            Problem(f"{path}.deadline", "objective safest needs a deadline: when all are safe")
        )


def _check_span(item: Mapping[str, Any], key: str, path: str, problems: list[Problem]) -> None:
    """A span (``24h``, minutes) counted from an order, which a datetime is not."""
    try:
        when = parse_when(item.get(key, 0))
    except (ValueError, TypeError):
        return  # reported by the structural pass
    if hasattr(when, "tzinfo"):
        problems.append(
            Problem(f"{path}.{key}", f"{item[key]!s} is a moment, not a span: give 24h or minutes")
        )
