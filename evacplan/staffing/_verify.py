"""The independent checks: a plan against every rule, reading the scenario, without CP-SAT.

:meth:`DrawdownPlan.verify <evacplan.staffing.plan.DrawdownPlan.verify>`
calls :func:`verify` with the plan. It reads only the scenario and the plan's
public fields (and the ``previous`` plan it was given), never the solver's
models (:class:`_Checked` lists what it may read), and returns every broken
rule as a :class:`~evacplan.staffing.rules.Violation`. The optimum headcount
and the reported conflicts are judged against the independent optima of
``_oracles`` (networkx flows, and a small MIP for conflicts that name
extraction seats); the posts a shared lift joins are found again here, as
networkx's connected components (:func:`_coupled`).
"""

from __future__ import annotations

from typing import Protocol

from evacplan.errors import VerificationError
from evacplan.models import Posture, Requirement, Scenario
from evacplan.results import Party, Status
from evacplan.staffing._compile import _penalty, _Previous
from evacplan.staffing._oracles import _feasible, _fewest, _fewest_retained
from evacplan.staffing._words import _categories, _is_category, _people
from evacplan.staffing.rules import Conflict, Level, Violation

# A post's answer under some of its rules, counted or not: fewest staff, feasible, or None.
_Seen = dict[tuple[str, frozenset[tuple[str, str | None]], bool], int | bool | None]


class _Checked(Protocol):
    """What verify() reads of a DrawdownPlan: its public fields and its previous plan.

    Never the solver's models: mypy holds :func:`verify` to these. (A protocol, because
    ``plan`` imports this module, not the other way round.)
    """

    scenario: Scenario
    postures: dict[str, Posture]
    status: Status
    retained: dict[str, list[str]]
    departing: dict[str, list[str]]
    undecided: dict[str, list[str]]
    covers: dict[str, str | tuple[str, ...]]
    assignments: dict[str, tuple[str, ...]]
    parties: list[Party]
    levels: tuple[Level, ...]
    post_levels: dict[str, tuple[Level, ...]]
    post_status: dict[str, Status]
    conflicts: list[Conflict]
    _previous: _Previous | None


def verify(plan: _Checked, *, strict: bool = False) -> list[Violation]:
    """Run every check of ``DrawdownPlan.verify``, in order; raise them all if ``strict``."""
    out: list[Violation] = []
    out += _verify_accounting(plan)
    out += _verify_rules(plan)
    out += _verify_seats(plan)
    out += _verify_parties(plan)
    out += _verify_objective(plan)
    out += _verify_conflicts(plan)
    if strict and out:
        raise VerificationError(out)
    return out


def _verify_accounting(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    seen: dict[str, str] = {}
    for post in sc.posts:
        for name, mapping in (("retained", plan.retained), ("departing", plan.departing)):
            if post.id not in mapping:
                out.append(
                    Violation("accounted", post.id, None, f"the post is missing from {name}")
                )
    for name, mapping in (
        ("retained", plan.retained),
        ("departing", plan.departing),
        ("undecided", plan.undecided),
    ):
        for post_id, ids in mapping.items():
            if post_id not in sc.post_by_id:
                out.append(Violation("accounted", post_id, None, f"{name} names an unknown post"))
                continue
            if (
                name == "undecided"
                and ids
                and plan.post_status.get(post_id) is not Status.INFEASIBLE
            ):
                out.append(
                    Violation(
                        "accounted", post_id, None, "staff are undecided at a post with a plan"
                    )
                )
            for sid in ids:
                member = sc.staff_by_id.get(sid)
                if member is None:
                    out.append(Violation("accounted", post_id, sid, f"{sid!r} is not on the staff"))
                elif member.post != post_id:
                    out.append(
                        Violation(
                            "accounted",
                            post_id,
                            sid,
                            f"{sid} is listed under {post_id}, but belongs to {member.post}",
                        )
                    )
                if sid in seen:
                    out.append(
                        Violation(
                            "accounted", post_id, sid, f"{sid} is both {seen[sid]} and {name}"
                        )
                    )
                seen[sid] = name
    for member in sc.staff:
        if member.id not in seen:
            out.append(
                Violation("accounted", member.post, member.id, f"{member.id} is not accounted for")
            )
    return out


def _verify_rules(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    limit = sc.policy.max_functions_per_person
    needs: dict[str, dict[str, Requirement]] = {}
    kept: dict[str, set[str]] = {}
    for post in sc.posts:
        posture = plan.postures.get(post.id)
        if posture is None or plan.post_status.get(post.id) is Status.INFEASIBLE:
            continue
        stay = kept[post.id] = set(plan.retained.get(post.id, ()))
        if not posture.is_open:
            for sid in sorted(stay):
                out.append(
                    Violation("closed-post", post.id, sid, f"{sid} stays at a suspended post")
                )
            continue
        needs[post.id] = {r.function: r for r in post.requirements if r.slots(posture) > 0}
        for m in sc.staff_by_post[post.id]:
            if m.must_remain and m.id not in stay:
                out.append(
                    Violation("must-remain", post.id, m.id, f"{m.id} must remain but leaves")
                )
            if m.must_leave and m.id in stay:
                out.append(Violation("must-leave", post.id, m.id, f"{m.id} must leave but stays"))
        if len(stay) < post.min_retained:
            out.append(
                Violation(
                    "min-retained",
                    post.id,
                    None,
                    f"keeps {_people(len(stay))}, fewer than min_retained {post.min_retained}",
                )
            )
    count: dict[tuple[str, str], int] = {}
    for sid, functions in plan.assignments.items():
        member = sc.staff_by_id.get(sid)
        if member is None:
            out.append(Violation("cover", None, sid, f"{sid!r} covers a function but is not staff"))
            continue
        post_id = member.post
        if post_id not in needs:
            out.append(
                Violation(
                    "cover",
                    post_id,
                    sid,
                    f"{sid} covers a function at a closed or infeasible post",
                )
            )
            continue
        if sid not in kept[post_id]:
            out.append(Violation("cover", post_id, sid, f"{sid} covers {functions} but leaves"))
        if len(set(functions)) != len(functions):
            out.append(Violation("cover", post_id, sid, f"{sid} covers a function twice"))
        if len(set(functions)) > limit:
            out.append(
                Violation(
                    "max-functions",
                    post_id,
                    sid,
                    f"{sid} covers {len(set(functions))} functions; the limit is {limit}",
                )
            )
        for f in set(functions):
            if f not in needs[post_id]:
                out.append(
                    Violation(
                        "cover",
                        post_id,
                        sid,
                        f"{f!r} is not a function "
                        f"{post_id} needs at {plan.postures[post_id].value}",
                    )
                )
            elif needs[post_id][f].skill not in member.skills:
                out.append(
                    Violation(
                        "cover",
                        post_id,
                        sid,
                        f"{sid} covers {f} without the skill {needs[post_id][f].skill!r}",
                    )
                )
            elif not needs[post_id][f].admits(member.category):
                words = _categories(needs[post_id][f].categories)
                out.append(
                    Violation(
                        "categories",
                        post_id,
                        sid,
                        f"{sid} is {_is_category(member)} and covers {f}, "
                        f"which only a {words} may fill",
                    )
                )
            else:
                count[post_id, f] = count.get((post_id, f), 0) + 1
    for post_id, need in needs.items():
        for f, r in need.items():
            have, slots = count.get((post_id, f), 0), r.slots(plan.postures[post_id])
            if have < slots:
                who = f", each a {_categories(r.categories)}" if r.categories else ""
                msg = f"{f} needs {_people(slots)} with {r.skill!r}{who}; {have} cover it"
                out.append(Violation("cover", post_id, f, msg))
    expected = {sid: (fs[0] if len(fs) == 1 else fs) for sid, fs in plan.assignments.items()}
    if expected != plan.covers:
        out.append(Violation("cover", None, None, "covers disagrees with assignments"))
    return out


def _verify_parties(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    expected: dict[str, Party] = {}
    for post in sc.posts:
        posture = plan.postures.get(post.id)
        if posture is None or plan.post_status.get(post.id) is Status.INFEASIBLE:
            continue
        stay = set(plan.retained.get(post.id, ()))
        for m in sc.staff_by_post[post.id]:
            relocate = sc.relocates(m)
            if m.id not in stay:
                expected[m.id] = Party(
                    m.id, m.party_size, m.location, post.id, 0, relocate, urgent=m.must_leave
                )
            elif posture >= Posture.REDUCED and m.dependants:
                pid = f"{m.id}/dependants"
                expected[pid] = Party(pid, m.dependants, m.location, post.id, 0, relocate)
    actual: dict[str, Party] = {}
    for party in plan.parties:
        if party.id in actual:
            out.append(Violation("accounted", party.post, party.id, f"party {party.id} twice"))
        actual[party.id] = party
    for pid, want in expected.items():
        got = actual.get(pid)
        rule = "dependants-leave" if pid.endswith("/dependants") else "accounted"
        if got is None:
            out.append(Violation(rule, want.post, pid, f"no departing party {pid}"))
        elif got != want:
            out.append(Violation(rule, want.post, pid, f"party {got} should be {want}"))
    for pid in actual.keys() - expected.keys():
        out.append(Violation("accounted", actual[pid].post, pid, f"unexpected party {pid}"))
    return out


def _verify_objective(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    prev = plan._previous
    limit = sc.policy.max_functions_per_person
    totals = [0, 0, 0, 0]
    for post in sc.posts:
        status = plan.post_status.get(post.id)
        levels = plan.post_levels.get(post.id)
        if status is None or levels is None or status is Status.INFEASIBLE:
            continue
        stay = set(plan.retained.get(post.id, ()))
        members = sc.staff_by_post[post.id]
        posture = plan.postures[post.id]
        needed = {r.function for r in post.requirements if r.slots(posture) > 0}
        values = [len(stay), sum(_penalty(m) for m in members if m.id in stay), 0, 0]
        if prev is not None:
            values[2] = sum(
                (m.id in stay) != (m.id in prev.retained) for m in members if m.id in prev.known
            )
            values[3] = sum(
                1
                for m in members
                if m.id in stay and m.id in prev.retained
                for f in set(prev.functions.get(m.id, ())) & needed
                if f not in plan.assignments.get(m.id, ())
            )
        for k, level in enumerate(levels):
            totals[k] += values[k]
            if level.value != values[k]:
                out.append(
                    Violation(
                        "objective",
                        post.id,
                        level.name,
                        f"{level.name} is {values[k]}, reported {level.value}",
                    )
                )
            if level.bound is None or level.bound > values[k]:
                out.append(
                    Violation(
                        "objective",
                        post.id,
                        level.name,
                        f"{level.name} bound {level.bound} exceeds {values[k]}",
                    )
                )
            elif status is Status.OPTIMAL and level.bound != level.value:
                out.append(
                    Violation(
                        "objective",
                        post.id,
                        level.name,
                        f"{level.name} is called optimal but not proven",
                    )
                )
        if limit == 1 and posture.is_open:
            best = _fewest_retained(sc.staff_by_post[post.id], post, posture)
            bound = levels[0].bound
            if (
                best is not None
                and not ((bound is None or bound <= best) and best <= values[0])
                or (best is not None and status is Status.OPTIMAL and best != values[0])
            ):
                out.append(
                    Violation(
                        "fewest-retained",
                        post.id,
                        None,
                        f"an independent min-cost flow retains {best}; the plan keeps "
                        f"{values[0]} with bound {bound}",
                    )
                )
    if plan.status is not Status.INFEASIBLE:
        for k, level in enumerate(plan.levels):
            if level.value != totals[k]:
                out.append(
                    Violation(
                        "objective",
                        None,
                        level.name,
                        f"total {level.name} is {totals[k]}, reported {level.value}",
                    )
                )
    return out


def _verify_seats(plan: _Checked) -> list[Violation]:
    """Each post's retained staff within its own seats; each lift's posts within its seats."""
    sc, out = plan.scenario, []
    heads = {post.id: len(plan.retained.get(post.id, ())) for post in sc.posts}
    for post in sc.posts:
        seats = post.extraction_seats
        if seats is not None and heads[post.id] > seats:
            msg = f"keeps {_people(heads[post.id])}; its own extraction lift seats {seats}"
            out.append(Violation("extraction-seats", post.id, None, msg))
    for lift in sc.policy.extraction:
        on = list(dict.fromkeys(lift.posts))
        total = sum(heads[p] for p in on)
        if total > lift.seats:
            each = ", ".join(f"{p} {heads[p]}" for p in on)
            msg = f"lift {lift.id} seats {_people(lift.seats)}; its posts keep {total} ({each})"
            out.append(Violation("extraction-seats", None, lift.id, msg))
    return out


def _coupled(plan: _Checked) -> list[list[str]]:
    """The posts solved together: open posts joined by shared lifts, every other post alone."""
    import networkx as nx

    sc = plan.scenario
    graph = nx.Graph()
    graph.add_nodes_from(post.id for post in sc.posts)
    for lift in sc.policy.extraction:
        on = [p for p in lift.posts if p in plan.postures and plan.postures[p].is_open]
        nx.add_path(graph, on)
    order = {post.id: k for k, post in enumerate(sc.posts)}
    groups = [sorted(c, key=order.__getitem__) for c in nx.connected_components(graph)]
    return sorted(groups, key=lambda g: order[g[0]])


def _verify_conflicts(plan: _Checked) -> list[Violation]:
    out = []
    for posts in _coupled(plan):
        bad = [p for p in posts if plan.post_status.get(p) is Status.INFEASIBLE]
        if not bad:
            continue
        rules = {(c.rule, c.post, c.subject) for c in plan.conflicts if c.post in posts}
        if not rules:
            out.append(Violation("conflict", bad[0], None, "infeasible, but no conflict given"))
            continue
        seen: _Seen = {}
        if _holds(plan, posts, rules, seen):
            named = sorted((r, s or "") for r, _, s in rules)
            out.append(
                Violation("conflict", bad[0], None, f"the rules {named} can all hold together")
            )
        for rule in sorted(rules, key=lambda t: (t[0], t[1], t[2] or "")):
            if not _holds(plan, posts, rules - {rule}, seen):
                out.append(
                    Violation(
                        "conflict",
                        rule[1],
                        rule[2],
                        f"not irreducible: without {(rule[0], rule[2])} it is still infeasible",
                    )
                )
    return out


def _holds(
    plan: _Checked,
    posts: list[str],
    rules: set[tuple[str, str, str | None]],
    seen: _Seen,
) -> bool:
    """Whether some plan of the coupled ``posts`` keeps every rule in ``rules``.

    Seats only cap headcounts, which every other rule bounds from below: the
    rules hold together when each post can keep its own rules and the fewest
    staff each can keep fit every seat limit named. ``seen`` keeps each
    post's answer for its rules (dropping one rule changes one post's).
    """
    sc = plan.scenario
    limits: list[tuple[int, list[str]]] = []
    for rule, post_id, subject in rules:
        if rule != "extraction-seats":
            continue
        if subject is None:
            seats = sc.post_by_id[post_id].extraction_seats
            if seats is not None:
                limits.append((seats, [post_id]))
            continue
        lift = next((x for x in sc.policy.extraction if x.id == subject), None)
        if lift is not None:
            limits.append((lift.seats, [p for p in dict.fromkeys(lift.posts) if p in posts]))
    counted = {p for _, on in limits for p in on}
    heads: dict[str, int] = {}
    for post_id in posts:
        post, posture = sc.post_by_id[post_id], plan.postures[post_id]
        mine = {(r, s) for r, p, s in rules if p == post_id and r != "extraction-seats"}
        members = sc.staff_by_post[post_id]
        key = (post_id, frozenset(mine), post_id in counted)
        if key not in seen:
            check = _fewest if key[2] else _feasible
            seen[key] = check(sc, members, post, posture, mine)
        answer = seen[key]
        if answer is None or answer is False:
            return False
        if key[2]:
            heads[post_id] = int(answer)
    return all(sum(heads[p] for p in on) <= seats for seats, on in limits)
