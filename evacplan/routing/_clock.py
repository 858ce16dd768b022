"""The time budget of one :func:`~._evacuate.evacuate` call, and work that must keep to it.

:class:`_Clock` knows when the call's ``time_limit`` runs out; the stages
ask it before each max flow they could skip (:mod:`._search` stops the
search for T* with a proven gap, :mod:`._solve` skips secondary objectives)
and hand what is left to the whole-party MIP (:mod:`._parties`). An OR-Tools
min-cost flow cannot be interrupted and holds the interpreter while it runs,
so :func:`_within` runs a large one in a forked worker process and abandons
it when the budget runs out; the caller then keeps the schedule it has, with
status ``feasible`` and a note saying what was not optimised.
"""

from __future__ import annotations

import math
import os
import pickle
import select
import signal
import time
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from evacplan.errors import SolverError

_T = TypeVar("_T")

_FORKED_ARCS = 5_000
"""Below this many arcs a min-cost flow takes well under a second: it runs in process."""


class _OutOfTime(Exception):
    """Raised inside a stage that cannot stop cleanly when the clock runs out; its caller copes."""


class _Clock:
    """When the call's time budget ends (never, without a ``time_limit``).

    Examples
    --------
    >>> _Clock(None).left(), _Clock(None).out()
    (inf, False)
    >>> _Clock(0.0).out()
    True
    """

    __slots__ = ("end",)

    def __init__(self, seconds: float | None) -> None:
        self.end = None if seconds is None else time.perf_counter() + seconds

    def left(self) -> float:
        """Seconds left (``inf`` without a limit, never below 0)."""
        if self.end is None:
            return math.inf
        return max(0.0, self.end - time.perf_counter())

    def out(self) -> bool:
        """Whether the budget is spent."""
        return self.end is not None and time.perf_counter() >= self.end

    def part(self, fraction: float, *, keep: float = 0.0) -> _Clock:
        """A clock for one stage: ``fraction`` of the time left, and at least ``keep`` seconds
        kept for the stages that must run after it (a schedule must still be built from the
        flows).

        Examples
        --------
        >>> 0.4 < _Clock(1.0).part(0.5).left() <= 0.5, _Clock(None).part(0.5).left()
        (True, inf)
        >>> 0.1 < _Clock(1.0).part(0.5, keep=0.8).left() <= 0.2
        True
        """
        stage = _Clock(None)
        if self.end is not None:
            left = self.left()
            stage.end = time.perf_counter() + max(0.0, min(fraction * left, left - keep))
        return stage


def _within(clock: _Clock, size: int, fn: Callable[..., _T], *args: Any) -> _T | None:
    """``fn(*args)``, or None if it cannot finish before ``clock`` runs out.

    Small work (``size`` arcs below a threshold) and calls without a limit run
    here; larger ones run in a forked child (``os.fork``, so that this works
    inside daemon processes such as pool and cluster workers too) that is
    killed when the budget ends. Where processes cannot be forked, the work
    runs here.
    """
    if clock.end is None or size < _FORKED_ARCS or not hasattr(os, "fork"):
        return fn(*args)
    if clock.out():
        return None
    receive, send = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process with threads (OR-Tools keeps one);
        # the child only runs OR-Tools' single-threaded flow code and exits at once.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(receive)
        _answer_and_exit(send, lambda: fn(*args))
    os.close(send)
    chunks: list[bytes] = []
    finished = False
    try:
        while True:
            ready, _, _ = select.select([receive], [], [], clock.left())
            if not ready:
                break  # out of time
            chunk = os.read(receive, 1 << 20)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(receive)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not finished:
        return None
    if not chunks:
        raise SolverError("the worker process running a min-cost flow died")
    kind, value = pickle.loads(b"".join(chunks))
    if kind != "ok":
        raise SolverError(f"the min-cost flow failed in its worker process: {value}")
    return value  # type: ignore[no-any-return]


def _fork_map(fn: Callable[[Any], _T], jobs: list[Any], workers: int) -> list[_T]:
    """``[fn(job) for job in jobs]``, shared among ``workers`` forked children that run at once
    (independent MIPs, say, one a core), each taking the next job when done with one. In this
    process where there is one worker or one job, or no ``os.fork``. A child dies with its
    parent (Linux), so a worker :func:`_within` abandons takes its children with it;
    elsewhere a child ends with its own work, which keeps to the time left.
    """
    if workers < 2 or len(jobs) < 2 or len(jobs) > 4_000 or not hasattr(os, "fork"):
        return [fn(job) for job in jobs]
    queue, feed = os.pipe()  # the jobs' numbers, 4 bytes each (well within a pipe's buffer)
    os.write(feed, b"".join(i.to_bytes(4, "little") for i in range(len(jobs))))
    os.close(feed)
    children = []
    for _ in range(min(workers, len(jobs))):
        receive, send = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # (as in _within)
            pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(receive)
            _die_with_parent()
            _answer_and_exit(send, lambda: _take_jobs(fn, jobs, queue))
        os.close(send)
        children.append((pid, receive))
    os.close(queue)
    results: list[Any] = [None] * len(jobs)
    value: Any
    for pid, receive in children:
        with os.fdopen(receive, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        kind, value = pickle.loads(data) if data else ("error", "the worker process died")
        if kind != "ok":
            raise SolverError(f"a worker process failed: {value}")
        for i, answer in value:
            results[i] = answer
    return results


def _die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux's PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _take_jobs(fn: Callable[[Any], _T], jobs: list[Any], queue: int) -> list[tuple[int, _T]]:
    """A worker of :func:`_fork_map`: the next job's number from ``queue`` until none are
    left, and each job's answer."""
    done = []
    while len(taken := os.read(queue, 4)) == 4:
        i = int.from_bytes(taken, "little")
        done.append((i, fn(jobs[i])))
    return done


def _answer_and_exit(send: int, work: Callable[[], Any]) -> None:
    """In a forked child: ``work()`` (or how it failed) pickled into the pipe ``send``, then
    exit at once."""
    try:
        data = pickle.dumps(("ok", work()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
        data = pickle.dumps(("error", f"{type(error).__name__}: {error}"))
    with os.fdopen(send, "wb") as out:
        out.write(data)
    os._exit(0)
