"""The result of a drawdown: :class:`DrawdownPlan`, who stays at each post and who leaves.

The last stage. ``_drawdown`` hands :meth:`DrawdownPlan._build` each post's
compiled problem (from ``_compile``) and solved result (from ``_solve``);
the plan decodes them (:func:`~evacplan.staffing._solve._decode`) into
people, covers and departing parties, and sums the objective levels over
posts. It answers questions about itself: :meth:`~DrawdownPlan.explain`
(worded by ``_explain``, which may re-solve a post),
:meth:`~DrawdownPlan.verify` (the independent checks of ``_verify``), and
reports (:meth:`~DrawdownPlan.summary`, ``str``, the HTML page and notebook tables
through :mod:`evacplan.report`).
A plan is handed on to routing as its :attr:`~DrawdownPlan.parties`.
"""

from __future__ import annotations

import os
from typing import Any

from evacplan.models import Posture, Scenario, StaffMember
from evacplan.results import Party, Status
from evacplan.staffing import _explain, _verify
from evacplan.staffing._compile import _Cluster, _PostProblem, _Previous
from evacplan.staffing._solve import _decode, _PostResult
from evacplan.staffing._words import _people
from evacplan.staffing.rules import LEVELS, Conflict, Level, UnknownStaffError, Violation

__all__ = ["DrawdownPlan"]


class DrawdownPlan:
    """Who stays at each post and who leaves: the result of :func:`drawdown`.

    Attributes
    ----------
    scenario : Scenario
        The scenario the plan was made for.
    postures : dict[str, Posture]
        The posture each post was drawn down to.
    status : Status
        ``optimal`` (every level of every post proven), ``feasible`` (a time
        limit cut a proof short; see :attr:`levels`), or ``infeasible`` (some
        post has no plan; see :attr:`conflicts`).
    retained, departing : dict[str, list[str]]
        Staff ids per post, in file order.
    undecided : dict[str, list[str]]
        The staff of infeasible posts, for whom no plan exists.
    covers : dict[str, str | tuple[str, ...]]
        Each retained person covering a slot: the function id, or a tuple of
        function ids for a person covering several (only when
        ``max_functions_per_person`` > 1). :attr:`assignments` always gives tuples.
    assignments : dict[str, tuple[str, ...]]
        Each retained person covering a slot: every function they cover.
    parties : list[Party]
        Every departing party: each departing staff member with their
        dependants, and (at reduced and above) the dependants of retained
        staff as ``"<staff id>/dependants"``. Locally engaged staff who do not
        relocate have ``relocate=False``.
    levels : tuple[Level, ...]
        The lexicographic objective (:data:`LEVELS`), summed over posts, with
        proven bounds.
    post_levels : dict[str, tuple[Level, ...]]
        The same, per post.
    post_status : dict[str, Status]
        Each post's status.
    conflicts : list[Conflict]
        For each infeasible post, an irreducible set of its rules that
        cannot all hold; empty otherwise.
    runtime : float
        Wall seconds, including compiling the models and the proofs.
    seed, workers : int
        The solver's settings.
    time_limit : float or None
        The time limit it was given.
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
    runtime: float
    seed: int
    workers: int
    time_limit: float | None
    _problems: dict[str, _PostProblem]
    _results: dict[str, _PostResult]
    _clusters: dict[str, _Cluster]  # each post's cluster (the posts solved with it)
    _previous: _Previous | None

    def __init__(self) -> None:  # pragma: no cover - built by drawdown()
        raise TypeError("a DrawdownPlan is made by evacplan.drawdown(scenario, ...)")

    @classmethod
    def _build(
        cls,
        scenario: Scenario,
        postures: dict[str, Posture],
        problems: dict[str, _PostProblem],
        results: dict[str, _PostResult],
        previous: _Previous | None,
        *,
        clusters: dict[str, _Cluster],
        **settings: Any,
    ) -> DrawdownPlan:
        self = object.__new__(cls)
        self.scenario = scenario
        self.postures = postures
        self._problems = problems
        self._results = results
        self._clusters = clusters
        self._previous = previous
        self.retained, self.departing, self.undecided = {}, {}, {}
        self.covers, self.assignments = {}, {}
        self.parties = []
        self.post_status = {}
        self.conflicts = []
        for post_id, p in problems.items():
            r = results[post_id]
            self.post_status[post_id] = r.status
            self.retained[post_id], self.departing[post_id], self.undecided[post_id] = [], [], []
            if r.status is Status.INFEASIBLE:
                self.undecided[post_id] = [m.id for m in p.members]
                self.conflicts.extend(r.conflicts)
                continue
            kept, duties = _decode(p, r)
            kept_set = set(kept)
            leave_dependants = p.posture >= Posture.REDUCED
            for i, m in enumerate(p.members):
                relocate = scenario.relocates(m)
                if i in kept_set:
                    self.retained[post_id].append(m.id)
                    if i in duties:
                        names = tuple(p.functions[j][0] for j in sorted(duties[i]))
                        self.assignments[m.id] = names
                        self.covers[m.id] = names[0] if len(names) == 1 else names
                    if leave_dependants and m.dependants:
                        self.parties.append(
                            Party(
                                f"{m.id}/dependants",
                                m.dependants,
                                m.location,
                                post_id,
                                relocate=relocate,
                            )
                        )
                else:
                    self.departing[post_id].append(m.id)
                    self.parties.append(
                        Party(
                            m.id,
                            m.party_size,
                            m.location,
                            post_id,
                            relocate=relocate,
                            urgent=m.must_leave,
                        )
                    )
        statuses = set(self.post_status.values())
        self.status = (
            Status.INFEASIBLE
            if Status.INFEASIBLE in statuses
            else Status.FEASIBLE
            if Status.FEASIBLE in statuses
            else Status.OPTIMAL
        )
        self.post_levels = {
            post_id: tuple(
                Level(name, text, r.values[k], r.bounds[k]) for k, (name, text) in enumerate(LEVELS)
            )
            for post_id, r in results.items()
        }
        if self.status is Status.INFEASIBLE:
            self.levels = tuple(Level(name, text, None, None) for name, text in LEVELS)
        else:
            self.levels = tuple(
                Level(
                    name,
                    text,
                    sum(r.values[k] or 0 for r in results.values()),
                    sum(r.bounds[k] or 0 for r in results.values()),
                )
                for k, (name, text) in enumerate(LEVELS)
            )
        for key, value in settings.items():
            setattr(self, key, value)
        return self

    # ---------------------------------------------------------------- queries

    @property
    def objective(self) -> tuple[int | None, ...]:
        """The value of each objective level (None when infeasible)."""
        return tuple(level.value for level in self.levels)

    @property
    def bound(self) -> tuple[int | None, ...]:
        """The proven lower bound of each objective level."""
        return tuple(level.bound for level in self.levels)

    @property
    def gap(self) -> tuple[int | None, ...]:
        """Value minus proven bound, per level: all 0 when optimal (None when infeasible)."""
        return tuple(
            None if lv.value is None or lv.bound is None else lv.value - lv.bound
            for lv in self.levels
        )

    @property
    def is_optimal(self) -> bool:
        """Whether every level of every post is proven optimal."""
        return self.status is Status.OPTIMAL

    def party_of(self, staff_id: str) -> Party | None:
        """The departing party a staff member travels in, or None if they stay."""
        member = self._member(staff_id)
        return next((p for p in self.parties if p.id == member.id), None)

    def _member(self, staff_id: str) -> StaffMember:
        try:
            return self.scenario.staff_by_id[staff_id]
        except (KeyError, TypeError):
            raise UnknownStaffError(staff_id, self.scenario.staff_by_id) from None

    # ------------------------------------------------------------- explaining

    def explain(self, staff_id: str) -> str:
        """Why this person stays or leaves, in words.

        For someone who stays: the functions they cover and the proven
        minimum for their post; then what the best plan would be without
        them (more people, a worse choice of people, no plan at all, or an
        equally good plan that keeps someone interchangeable instead). For
        someone who leaves: the rule that sends them, or what keeping them
        would cost; and the party they travel in. When a requirement's
        ``categories`` decide (without the rule, a plan as good or better
        would have someone of another category fill the function), it says
        so, for the one barred and for the one kept in their place.

        Raises
        ------
        UnknownStaffError
            A ``KeyError`` for an id not in the scenario.

        Examples
        --------
        >>> from evacplan import drawdown
        >>> from evacplan.io import load_scenario, seed_path
        >>> plan = drawdown(load_scenario(seed_path("tiny")), "minimal")
        >>> print(plan.explain("cap-03"))  # doctest: +NORMALIZE_WHITESPACE
        cap-03 (Communications officer) stays at capital (minimal) to cover secure-comms
        (skill 'crypto'). No plan keeps capital open at minimal with fewer than 2 people
        (proven). Without cap-03, the best plan would still keep 2 people, but with cap-04
        (vulnerable, not a volunteer) in place of cap-03 (a volunteer): a worse choice under
        the preference for volunteers and for releasing the vulnerable (score 3 instead of 1).
        >>> print(plan.explain("cap-05"))  # doctest: +NORMALIZE_WHITESPACE
        cap-05 (Consular officer) leaves capital (minimal). Keeping cap-05 would take 3
        people instead of 2: capital's needs at minimal are met without them. They leave
        from embassy, alone, and are moved to a safe haven.
        """
        return _explain.explain(self, staff_id)

    # ---------------------------------------------------------------- checking

    def verify(self, *, strict: bool = False) -> list[Violation]:
        """Check the plan against every rule, reading the scenario, without CP-SAT.

        The checks, each reported under its rule id (see :mod:`evacplan.staffing`):

        - ``accounted``: every post and staff member appears once, in their
          own post's ``retained``, ``departing`` or (infeasible posts only)
          ``undecided``; the parties are exactly the departing staff with
          their dependants, with the right size, place, post and ``relocate``.
        - ``closed-post``, ``must-remain``, ``must-leave``, ``min-retained``:
          as stated.
        - ``extraction-seats``: each post keeps no more staff than its own
          ``extraction_seats``, and the posts under each shared lift no
          more, together, than its ``seats``.
        - ``cover`` and ``max-functions``: each needed function has enough
          covering people, each retained, with the skill, none twice; nobody
          over the policy's limit; ``covers`` agrees with ``assignments``.
        - ``categories``: nobody covers a function whose requirement's
          ``categories`` leave out their category.
        - ``dependants-leave``: at reduced and above, retained staff's
          dependants leave as ``"<id>/dependants"``.
        - ``objective``: each level's value recomputed from the plan equals
          the reported one, its bound is no higher, and an ``optimal`` post
          has every bound equal to its value.
        - ``fewest-retained`` (when ``max_functions_per_person`` is 1): the
          fewest people any plan can retain, computed by a min-cost flow
          (networkx), lies between the level-1 bound and value, and equals
          the value when the post is proven optimal.
        - ``conflict``: each infeasible post, or group of posts sharing
          lifts, has a conflict set that no plan satisfies and that some plan
          satisfies once any one rule is dropped (checked with a max flow; a
          set naming seats, with each post's fewest staff by a small MIP).

        Parameters
        ----------
        strict
            Raise :class:`~evacplan.errors.VerificationError` (an ``AssertionError``) listing
            every violation instead of returning them.

        Returns
        -------
        list[Violation]
            Empty when the plan keeps every rule.

        Examples
        --------
        >>> from evacplan import drawdown
        >>> from evacplan.io import load_scenario, seed_path
        >>> drawdown(load_scenario(seed_path("tiny")), "minimal").verify(strict=True)
        []
        """
        return _verify.verify(self, strict=strict)

    # -------------------------------------------------------------- reporting

    def summary(self) -> str:
        """A few lines: status, headcounts, objective levels and bounds, full seats, runtime.

        The seat limits the plan fills (``extraction-seats``: a post's own
        lift, or a lift shared by posts, with nobody more able to stay) get
        a line of their own.

        Examples
        --------
        >>> from evacplan import drawdown
        >>> from evacplan.io import load_scenario, seed_path
        >>> print(drawdown(load_scenario(seed_path("tiny")), "minimal").summary())
        ... # doctest: +ELLIPSIS
        Drawdown of tiny: optimal
          1 post: 1 minimal
          6 staff: 2 stay, 4 leave; 5 parties, 10 people depart (1 party stands down at home)
          objective: retained 2 (proven); preference 1 (proven); changes 0 (proven); ...
          runtime ... s, seed 0, 1 worker
        """
        n_posts = len(self.postures)
        by_posture: dict[str, int] = {}
        for posture in self.postures.values():
            by_posture[posture.value] = by_posture.get(posture.value, 0) + 1
        kept = sum(map(len, self.retained.values()))
        gone = sum(map(len, self.departing.values()))
        undecided = sum(map(len, self.undecided.values()))
        people = sum(p.size for p in self.parties)
        home = sum(1 for p in self.parties if not p.relocate)
        lines = [f"Drawdown of {self.scenario.name}: {self.status.value}"]
        lines.append(
            f"  {n_posts} post{'s' if n_posts != 1 else ''}: "
            + ", ".join(f"{n} {name}" for name, n in by_posture.items())
        )
        staff = f"  {len(self.scenario.staff)} staff: {kept} stay, {gone} leave"
        if undecided:
            staff += f", {undecided} undecided (no plan at their post)"
        n_parties = len(self.parties)
        staff += f"; {n_parties} part{'y' if n_parties == 1 else 'ies'}, {_people(people)} depart"
        if home:
            staff += f" ({home} part{'y stands' if home == 1 else 'ies stand'} down at home)"
        lines.append(staff)
        if self.status is Status.INFEASIBLE:
            bad = [p for p, s in self.post_status.items() if s is Status.INFEASIBLE]
            n = len(self.conflicts)
            lines.append(
                f"  no plan at {', '.join(bad)}: {n} conflicting rule{'s' if n != 1 else ''}"
            )
        else:
            lines.append("  objective: " + "; ".join(str(level) for level in self.levels))
            full = self._full_seats()
            if full:
                more = f" and {len(full) - 4} more" if len(full) > 4 else ""
                lines.append(
                    "  extraction seats full (nobody more can stay) [extraction-seats]: "
                    + "; ".join(full[:4])
                    + more
                )
        lines.append(
            f"  runtime {self.runtime:.3f} s, seed {self.seed}, {self.workers} "
            f"worker{'s' if self.workers != 1 else ''}"
            + (f", time limit {self.time_limit} s" if self.time_limit is not None else "")
        )
        return "\n".join(lines)

    def _full_seats(self) -> list[str]:
        """The seat limits the plan fills: each post's own lift, then each shared lift."""
        sc, full = self.scenario, []
        on = {
            post.id
            for post in sc.posts
            if self.postures[post.id].is_open and self.post_status[post.id] is not Status.INFEASIBLE
        }
        heads = {post_id: len(ids) for post_id, ids in self.retained.items()}
        for post in sc.posts:
            if post.id in on and heads[post.id] == post.extraction_seats:
                full.append(f"{post.id} ({post.extraction_seats} seats)")
        for lift in sc.policy.extraction:
            posts = [p for p in dict.fromkeys(lift.posts) if p in on]
            if posts and sum(heads[p] for p in posts) == lift.seats:
                each = ", ".join(f"{p} {heads[p]}" for p in posts)
                full.append(f"lift {lift.id} ({lift.seats} seats: {each})")
        return full

    def _rows(
        self, post_id: str
    ) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
        """(stay rows, leave rows) of (id, name, what, notes)."""
        sc = self.scenario
        stay, leave = [], []
        for sid in self.retained[post_id]:
            m = self.scenario.staff_by_id[sid]
            duties = self.assignments.get(sid, ())
            what = " + ".join(duties) if duties else "(keeps min_retained)"
            notes = [
                w
                for w, on in (
                    ("must remain", m.must_remain),
                    ("volunteer", m.volunteer),
                    ("vulnerable", m.vulnerable),
                )
                if on
            ]
            stay.append((sid, m.name or "", what, ", ".join(notes)))
        for sid in self.departing[post_id]:
            m = self.scenario.staff_by_id[sid]
            n = m.dependants
            company = f"with {n} dependant{'s' if n != 1 else ''}, " if n else ""
            if sc.relocates(m):
                what = f"{company}from {m.location}"
            else:
                what = f"stands down at home{', ' + company.rstrip(', ') if n else ''}"
            notes = [
                w for w, on in (("must leave", m.must_leave), ("vulnerable", m.vulnerable)) if on
            ]
            leave.append((sid, m.name or "", what, ", ".join(notes)))
        return stay, leave

    def __str__(self) -> str:
        """Per post: who stays, covering what; who leaves; dependants who leave alone."""
        sc = self.scenario
        kept = sum(map(len, self.retained.values()))
        gone = sum(map(len, self.departing.values()))
        head = f"Drawdown of {sc.name}: {self.status.value}, {kept} stay, {gone} leave"
        if self.status is not Status.INFEASIBLE:
            head += f" (retained {self.levels[0].value}, " + (
                "proven minimal)" if self.levels[0].proven else f"bound {self.levels[0].bound})"
            )
        lines = [head]
        for post in sc.posts:
            posture = self.postures[post.id].value
            status = self.post_status[post.id]
            lines.append("")
            title = f"{post.id} ({post.name}) at {posture}"
            if status is Status.INFEASIBLE:
                lines.append(f"{title}: no plan; these rules cannot all hold:")
                lines += [f"  [{c.rule}] {c.message}" for c in self.conflicts if c.post == post.id]
                continue
            stay, leave = self._rows(post.id)
            lines.append(f"{title}: {len(stay)} stay, {len(leave)} leave")
            for label, rows in (("Stay", stay), ("Leave", leave)):
                if not rows:
                    lines.append(f"  {label}: nobody")
                    continue
                lines.append(f"  {label}:")
                w = [max(len(r[k]) for r in rows) for k in range(3)]
                for sid, name, what, notes in rows:
                    line = f"    {sid:<{w[0]}}  {name:<{w[1]}}  {what:<{w[2]}}  {notes}"
                    lines.append(line.rstrip())
            alone = [p for p in self.parties if p.post == post.id and p.id.endswith("/dependants")]
            if alone:
                lines.append("  Dependants of staff who stay leave as their own party:")
                w0 = max(len(p.id) for p in alone)
                for p in alone:
                    where = f"from {p.location}" if p.relocate else "stand down at home"
                    lines.append(f"    {p.id:<{w0}}  {_people(p.size)}, {where}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        kept = sum(map(len, self.retained.values()))
        gone = sum(map(len, self.departing.values()))
        return (
            f"<DrawdownPlan {self.status.value}: {kept} retained, {gone} departing, "
            f"{len(self.postures)} post{'s' if len(self.postures) != 1 else ''}>"
        )

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """The drawdown as one self-contained HTML page (inline CSS, no script).

        The headline (status, staff retained and leaving, the levels proven), then
        each post: who stays, covering which functions and why (:meth:`explain`),
        who leaves, and the rules that cannot all hold where a post has no plan;
        then the assumptions.

        Parameters
        ----------
        path
            Where to write the page (whole or not at all); None writes nothing.

        Returns
        -------
        str
            The page.

        Examples
        --------
        >>> from evacplan import drawdown
        >>> from evacplan.io import load_scenario, seed_path
        >>> page = drawdown(load_scenario(seed_path("tiny")), posture="minimal").to_html()
        >>> '<section id="posts"' in page
        True
        """
        from evacplan import report

        return report.page(report.drawdown_facts(self), path)

    def _repr_html_(self) -> str:
        from evacplan import report

        return report.fragment(report.drawdown_facts(self))
