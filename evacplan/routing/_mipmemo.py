"""Whole-party MIPs solved once: a memo of proven answers, keyed by the model itself.

A closure analysis re-plans a scenario once per closure, and most of each
re-plan's whole-party MIPs (:mod:`._parties`, window by window: :mod:`._windows`)
are the same model again: a link closed in Baghdad leaves Tehran's windows as
they were. On the founding seed's 44 links, 94 MIPs were 37 distinct models,
and 17 of the 31 s they took went into solving again what had been solved.

:func:`fingerprint` reads a model from the data it is built from, before a
variable is made: each class's size, parties and source nodes, and for each
arc it may use its ends, capacity (where one binds), arrival step, risk and
whether it is a late arc, with arcs and nodes numbered by rank (a closure
elsewhere renumbers them, in the same order), and the objective's levels and
bounds. Two models with one fingerprint are the same MIP, variable for
variable and row for row, so a proven answer of one is the other's.
Only proven answers are kept (a time limit's answer may improve with more
time), at most :data:`_KEEP` of them and :data:`_KEEP_BYTES` of flows, in the
process.

The MIPs run in forked children (:func:`._clock._within`), whose memory dies
with them: what a child adds (:func:`taken`) goes back to the parent with its
answer, which keeps it (:func:`keep`) for the children it forks later.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import numpy as np

_KEEP = 512
"""The most answers kept; the oldest go first."""
_KEEP_BYTES = 64 << 20
"""The most bytes of flows kept (a large model's answer holds a number per variable)."""

_memo: dict[bytes, tuple[bool, bool, list[np.ndarray], int | None, str, bool]] = {}
"""Per fingerprint: found, proven, per class the flow on each reachable arc, the egress bound,
the note, infeasible (the fields of a :class:`._parties._Solved`)."""
_lock = threading.Lock()
"""Plans made on threads (a thread pool's cases) share the memo."""
_added: dict[bytes, Any] = {}
"""The answers this process added since it last handed them over (:func:`taken`)."""


def fingerprint(ten: Any, reach: Any, classes: Any, risk_of: np.ndarray, *extra: Any) -> bytes:
    """The model's digest: everything :func:`._parties._solve_parties` builds it from.

    ``extra``: the objective's levels and bounds, the horizon and whatever
    else sets a bound or a row.
    """
    arcs = np.concatenate(reach.arcs) if reach.arcs else np.zeros(0, dtype=np.int64)
    used, arc_rank = np.unique(arcs, return_inverse=True)
    ends = np.concatenate([ten.tail[used], ten.head[used]])
    nodes, node_rank = np.unique(ends, return_inverse=True)
    late = np.zeros(ten.tail.size, dtype=bool)
    late[ten.late] = True
    limited = np.zeros(ten.tail.size, dtype=bool)
    limited[ten.moves] = True
    limited[ten.gates] = True
    h = hashlib.blake2b(digest_size=20)
    h.update(repr((classes.keys, classes.sizes, reach.count, extra)).encode())
    for units in reach.units:  # (a source no arc leaves from: -1)
        ranks = {n: int(np.searchsorted(nodes, n)) for n in units}
        ranks = {n: r if r < nodes.size and nodes[r] == n else -1 for n, r in ranks.items()}
        h.update(repr(sorted((ranks[n], u) for n, u in units.items())).encode())
    h.update(repr([a.size for a in reach.arcs]).encode())
    is_sink = ten.head[used] == ten.sink
    for column in (
        arc_rank,
        node_rank,
        is_sink,
        np.where(limited[used], ten.cap[used], -1),
        np.where(is_sink, ten.label[used], -1),
        risk_of[used],
        late[used],
    ):
        h.update(np.ascontiguousarray(column, dtype=np.int64).tobytes())
    return h.digest()


def recall(key: bytes, arcs: list[np.ndarray]) -> dict[str, Any] | None:
    """The fields of the kept answer of the model ``key`` (a :class:`._parties._Solved`'s),
    its flows on the reachable ``arcs`` of each class; None if none is kept."""
    got = _memo.get(key)
    if got is None:
        return None
    found, proven, flows, egress, note, infeasible = got
    best = [
        dict(zip(a.tolist(), f.tolist(), strict=True)) for a, f in zip(arcs, flows, strict=True)
    ]
    return {"found": found, "proven": proven, "best": best, "egress": egress, "note": note,
            "infeasible": infeasible}  # fmt: skip


def remember(key: bytes, solved: Any) -> None:
    """Keep ``solved`` (a :class:`._parties._Solved`) as the model ``key``'s answer, if final:
    proven, or proven infeasible."""
    if not ((solved.found and solved.proven) or solved.infeasible):
        return
    flows = [np.fromiter(b.values(), dtype=np.int64, count=len(b)) for b in solved.best]
    answer = (solved.found, solved.proven, flows, solved.egress, solved.note, solved.infeasible)
    with _lock:
        _memo[key] = _added[key] = answer
        _trim()


def taken() -> dict[bytes, Any]:
    """The answers added here since the last call (a forked child hands them to its parent)."""
    with _lock:
        out = dict(_added)
        _added.clear()
    return out


def keep(answers: dict[bytes, Any]) -> None:
    """Keep the answers a child handed over (:func:`taken`)."""
    with _lock:
        _memo.update(answers)
        _trim()


def _trim() -> None:
    """Forget the oldest answers past :data:`_KEEP`, or :data:`_KEEP_BYTES` (the lock held)."""
    held = sum(f.nbytes for answer in _memo.values() for f in answer[2])
    while _memo and (len(_memo) > _KEEP or held > _KEEP_BYTES):
        held -= sum(f.nbytes for f in _memo.pop(next(iter(_memo)))[2])
