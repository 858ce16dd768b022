"""The exception tree of evacplan.

Every error evacplan raises on purpose derives from :class:`EvacplanError`.
Input errors (a broken scenario file, a malformed network) also derive from
:class:`ValueError`, so code that already catches ``ValueError`` keeps working.

Infeasibility is not an error: a plan that cannot be made is returned with
status ``infeasible`` and the reasons, never raised.

A scenario that is valid but probably not what its author meant (a skill
misspelt, a place cut off from safety) loads with a :class:`ScenarioWarning`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "EvacplanError",
    "MissingExtraError",
    "Problem",
    "ScenarioError",
    "ScenarioWarning",
    "SolverError",
    "TooLargeError",
    "VerificationError",
]


class EvacplanError(Exception):
    """Base class of every error evacplan raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One fault in an input, with where it is.

    Parameters
    ----------
    path
        Where the fault is, as a path into the file: ``staff[3].post``.
        Empty for a fault of the whole file.
    message
        What is wrong, in words: ``'bagdad' is not a post; did you mean 'baghdad'?``.

    Examples
    --------
    >>> str(Problem("staff[3].post", "'bagdad' is not a post"))
    "staff[3].post: 'bagdad' is not a post"
    >>> str(Problem("staff[3].post", "'bagdad' is not a post", line=57))
    "staff[3].post (line 57): 'bagdad' is not a post"
    """

    path: str
    message: str
    line: int | None = None
    """The line in the file, when known (YAML files)."""

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where = f"{where} (line {self.line})" if where else f"line {self.line}"
        return f"{where}: {self.message}" if where else self.message


class ScenarioError(EvacplanError, ValueError):
    """An invalid scenario or network: every problem found, each with its path.

    Parameters
    ----------
    problems
        The faults, in the order they occur in the file.
    source
        The file (or other origin) the input came from, for the message.

    Examples
    --------
    >>> err = ScenarioError([Problem("posts[0].place", "'x' is not a place")], source="a.yaml")
    >>> print(err)
    a.yaml: 1 problem
      posts[0].place: 'x' is not a place
    """

    def __init__(self, problems: Iterable[Problem], source: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        head = f"{self.source}: " if self.source else "invalid scenario: "
        head += f"{n} problem" + ("" if n == 1 else "s")
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def with_source(self, source: str, lines: Mapping[str, int] | None = None) -> ScenarioError:
        """The same error naming the file it came from, and each problem's line when known."""
        problems = self.problems
        if lines:
            problems = [
                p if p.line is not None else Problem(p.path, p.message, _line_of(p.path, lines))
                for p in problems
            ]
        return ScenarioError(problems, source=source)


def _line_of(path: str, lines: Mapping[str, int]) -> int | None:
    """The line of ``path``, or of its nearest enclosing entry (a missing key's parent)."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


class ScenarioWarning(UserWarning):
    """A valid scenario with a likely mistake, named with its path in the file.

    :func:`evacplan.io.load_scenario` warns, and ``evacplan validate`` prints
    the warnings and still succeeds: a skill nobody requires that is close
    to one that is required, a place from which no safe place can be reached,
    a link that admits under one person per time step, a start without a
    UTC offset.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("start: no UTC offset", ScenarioWarning)
    >>> [(w.category.__name__, str(w.message)) for w in caught]
    [('ScenarioWarning', 'start: no UTC offset')]
    """


class SolverError(EvacplanError, RuntimeError):
    """The solver failed in a way that is not an answer (never raised for infeasibility)."""


class TooLargeError(SolverError):
    """A problem refused before it is built: it would need more memory than allowed.

    The message names what it would build (steps, nodes and arcs, people) and
    what to change: a coarser ``step_minutes``, an earlier deadline, a larger
    ``max_memory``. A :class:`SolverError` too, as it was before it had a name.

    Examples
    --------
    >>> from evacplan.io import read_tntp, tntp_path
    >>> from evacplan.routing import evacuate
    >>> net = read_tntp(tntp_path("SiouxFalls"))
    >>> try:
    ...     evacuate(net, {"3": 100_000}, {"1"}, step_minutes=1, max_memory="1M")
    ... except TooLargeError as err:
    ...     print(str(err)[:66])
    the time-expanded network to minute 214 (214 steps of 1 min) would
    """


class VerificationError(EvacplanError, AssertionError):
    """A plan failed its independent check (``verify(strict=True)``).

    An ``AssertionError`` too, so a failing check reads as a failed assertion
    in pytest. ``violations`` lists every fault found.

    Examples
    --------
    >>> print(VerificationError(["[cover] capital: comms has nobody"]))
    the plan breaks 1 rule
      [cover] capital: comms has nobody
    """

    _SHOWN = 50

    def __init__(self, violations: Iterable[object], what: str = "plan") -> None:
        self.violations = list(violations)
        n = len(self.violations)
        lines = [f"the {what} breaks {n} rule{'' if n == 1 else 's'}"]
        lines += [f"  {v}" for v in self.violations[: self._SHOWN]]
        if n > self._SHOWN:
            lines.append(f"  ... and {n - self._SHOWN} more")
        super().__init__("\n".join(lines))


class MissingExtraError(EvacplanError, ImportError):
    """A feature needs an optional extra that is not installed; the message names it.

    Examples
    --------
    >>> err = MissingExtraError("read_osm() needs osmnx: pip install 'evacplan[osm]'")
    >>> isinstance(err, ImportError), "evacplan[osm]" in str(err)
    (True, True)
    """
