"""The exception tree of evacplan.

Every error evacplan raises on purpose derives from :class:`EvacplanError`.
Input errors (a broken scenario file, a malformed network) also derive from
:class:`ValueError`, so code that already catches ``ValueError`` keeps working.

Infeasibility is not an error: a plan that cannot be made is returned with
status ``infeasible`` and the reasons, never raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["EvacplanError", "Problem", "ScenarioError", "SolverError"]


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
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


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

    def with_source(self, source: str) -> ScenarioError:
        """Return the same error naming the file it came from."""
        return ScenarioError(self.problems, source=source)


class SolverError(EvacplanError, RuntimeError):
    """The solver failed in a way that is not an answer (never raised for infeasibility)."""
