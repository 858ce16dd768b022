"""What the page of a plan on its own says: an evacuation or a drawdown, outside a timeline.

Like :mod:`._facts` (whose words and pieces it shares), for the two solvers' results:
:func:`evacuation_facts` (:func:`evacplan.evacuate`'s plan: no clock, minutes from the
start) and :func:`drawdown_facts` (:func:`evacplan.drawdown`'s: who stays, who leaves).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evacplan._time import _plural
from evacplan.report._chance import simulation_facts
from evacplan.report._facts import (
    _STATUS_WORDS,
    _arrivals,
    _assumptions,
    _harm_figures,
    _kept,
    _moves,
    _when,
)
from evacplan.report._records import Behind, Facts, Headline, Leaves, Post


def evacuation_facts(
    ev: Any, *, quickest: Sequence[tuple[float, int]] = (), simulation: Any = None
) -> Facts:
    """The facts of an evacuation plan (:func:`evacplan.evacuate`'s result): no clock
    (a network has no start time), minutes from the start instead; ``simulation`` a
    :class:`~evacplan.uncertainty.Simulation` of it, or None."""
    saving = ev.objective == "most_saved"
    stranded = sum(s.count for s in ev.stranded)
    status = str(ev.status)
    unreached = ev.unreached_words()
    head = Headline(
        title=ev.network_name or "evacuation",
        kind=f"Evacuation plan ({ev.objective})",
        status=status,
        status_words=_STATUS_WORDS.get(status, "") + (f". {unreached}" if unreached else ""),
        last_safe=_when(ev.egress_minutes, None) if ev.movements else None,
        figures=[
            ("moved to safety", f"{ev.people:,}"),
            ("left behind" if saving else "stranded", f"{stranded:,}"),
            ("standing down at home", f"{len(ev.standing_down):,}"),
            ("risk exposure", f"{ev.risk_exposure:g}"),
            *_harm_figures(ev),
        ],
        proof=ev.proof,
        notes=list(ev.notes),
    )
    facts = Facts(headline=head, sections=["headline"])
    if ev.network is not None:
        facts.map = {
            "network": ev.network,
            "plan": ev if ev.movements else None,
            "threats": list(ev.threats),
        }
        facts.map_words = "Places by kind; links coloured by their risk; the routes used, as wide as the people on them."
        facts.sections.append("map")
    facts.moves, facts.moves_more = _moves(ev, None)
    if facts.moves:
        facts.sections.append("movements")
    facts.arrivals = _arrivals(ev, quickest, None)
    if facts.arrivals is not None:
        facts.sections.append("arrivals")
    if simulation is not None:
        facts.simulation = simulation_facts(simulation, None)
        facts.sections.append("simulation")
    facts.behind = [
        Behind(", ".join(s.parties[:4]) or s.place, s.count, "", 0, s.place, s.reason)
        for s in ev.stranded
    ]
    if facts.behind:
        facts.behind_words = f"{_plural(stranded, 'person', 'people')} cannot be brought to safety."
        facts.sections.append("left-behind")
    facts.assumptions = _assumptions(ev)
    facts.sections.append("assumptions")
    return facts


def drawdown_facts(dd: Any) -> Facts:
    """The facts of a drawdown (:func:`evacplan.drawdown`'s result): who stays, who leaves."""
    sc = dd.scenario
    status = str(dd.status)
    retained = sum(len(v) for v in dd.retained.values())
    departing = sum(len(v) for v in dd.departing.values())
    head = Headline(
        title=sc.name,
        kind="Drawdown",
        status=status,
        status_words=_STATUS_WORDS.get(status, ""),
        last_safe=None,
        figures=[
            ("posts", str(len(dd.postures))),
            ("staff retained", str(retained)),
            ("staff leaving", str(departing)),
            ("parties leaving", str(sum(1 for p in dd.parties if p.relocate))),
        ],
        proof="; ".join(f"{lv}" for lv in dd.levels) or "",
        notes=[],
    )
    facts = Facts(headline=head, sections=["headline"], clock=sc.clock)
    posts = []
    for post in sc.posts:
        if post.id not in dd.postures:
            continue
        stays = [_kept(dd, sid) for sid in dd.retained.get(post.id, [])]
        leaves = []
        for p in dd.parties:
            if p.post == post.id:
                leaves.append(
                    Leaves(
                        p.id,
                        p.size,
                        "",
                        "",
                        f"from {p.location}" if p.relocate else "",
                        "",
                        "leaves" if p.relocate else "stands down at home",
                    )
                )
        conflicts = [(c.rule, c.message) for c in dd.conflicts if c.post == post.id]
        posts.append(
            Post(post.id, post.name or post.id, str(dd.postures[post.id]), stays, leaves, conflicts)
        )
    facts.posts = posts
    if posts:
        facts.sections.append("posts")
    facts.assumptions = [
        (
            "Rules",
            "Every function of a post at its posture is covered by staff with the skill; "
            f"each person covers at most {sc.policy.max_functions_per_person} functions.",
        ),
        ("Levels", "The objective's levels are solved in order, each proven before it is fixed."),
    ]
    facts.sections.append("assumptions")
    return facts
