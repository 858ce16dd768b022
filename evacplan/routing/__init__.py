"""Evacuation routing: who moves when, by which route, until everyone is safe.

:func:`evacuate` plans the movement of people (plain counts, or parties that
are never split) from where they are to safe places over a network whose links
have travel times and capacities, and may close, open in windows (scheduled
flights) or grow riskier as threats unfold. The plan is exact where exactness
is tractable, and says so with a proof; :meth:`EvacuationPlan.verify` replays
it independently of the solver.

How it works
------------
Time is cut into steps (the exact rules are in ``docs/routing.md``). A
*time-expanded network* (TEN) has a copy of each place for each step at which
something can happen there (someone may leave, arrive or be released); moving
along a link is an arc from ``(u, t)`` to ``(v, t + transit)`` with the link's
capacity per step, waiting is an arc from a copy of ``v`` to its next, and
arrivals at a safe place flow to one sink. The TEN is built with numpy arrays; copies of a
place that no source can reach in time, or from which no safe place can be
reached by the horizon, are pruned with static shortest-path bounds.

- The quickest egress T* is the least horizon whose TEN carries everyone to
  safety: OR-Tools max flows, searched upward from a proven lower bound, and
  proven by the max flow one step earlier falling short (its min cut names
  the bottleneck links).
- Secondary objectives: with no risk anywhere, a flow that minimises the sum
  of arrival times is an *earliest-arrival* flow, which maximises the people
  safe by every step at once (the flows into nested sets of sink arcs form a
  polymatroid). It is computed exactly from the max-flow values F(t) of every
  step, found by divide and conquer over nested min cuts, then one max flow
  with per-step arrival quotas. With risks, an OR-Tools min-cost flow with the
  cost ``risk * (T + 1) + arrival step`` per person is exactly lexicographic:
  a simple cycle of the residual network changes the arrival sum by at most T.
- The flow is split into movements by a sweep in time that keeps people in
  first-come, first-served queues at each place. Parties ride whole; if the
  sweep cannot place a party, it is rerouted through the capacity left, and a
  MIP over the TEN (one integer commodity per party size; CBC through
  OR-Tools) finds the best schedule with parties whole and proves it, or
  reports the gap to the splittable bound.

The search for T* starts from cut bounds (each source's narrowest static cut,
the safe places' entries) and distances, so a few max flows suffice. On this
project's 2-core machine, Chicago-Sketch (933 nodes, 2,950 links) with
100,000 people and 1-minute steps is solved, proven and verified in about
3 s; with risks on its links (the min-cost flow path) it takes about 20 s.
See ``benchmarks/bench_routing.py``.

The modules, in the order data flows through them
-------------------------------------------------
================  ==============================================================
``_evacuate``     :func:`evacuate`, the front door: runs the stages below in order
``_arguments``    every problem with the arguments, at once
``_sources``      the run, people as parcels, sources, the splittable flows (stages 1-4)
``_compile``      stage 1: network and threats as integer arrays for one step
``_expand``       stage 2: the time-expanded network to a horizon, pruned
``_maxflow``      max flows over it; F(t) for every horizon by nested min cuts
``_search``       stage 3: bounds on the egress and the search for T*
``_objectives``   stage 4: earliest-arrival flow; min-cost flow for risk
``_solve``        stages 3 and 4 together: the splittable optimum and its proof
``_reasons``      why, in words: links that cut people off, distances, least harm
``_movements``    stage 5: the sweep: flows to parcels, parties whole, queues first come
                  (those passing through a place before those at home there)
``_unroll``       stage 5, its end: the parcels' histories into the movements' columns
``_repair``       stage 6a: parties that did not fit, through the capacity left
``_parties``      stage 6b: whole parties by a MIP, proven or with the gap
``_findings``     bottlenecks, and who is stranded or left behind and why
``_lastout``      :func:`extraction`: one party's earliest way out, in the room a plan leaves
``plan``          the result, :class:`EvacuationPlan`: figures, summary, HTML
``records``       what a plan is made of: stops, movements, stranded, bottlenecks
``columns``       :class:`Movements`: a plan's movements as NumPy columns, records on demand
``_replay``       ``verify()``: the schedule replayed apart from the solver (the driver)
``_replay_moves`` its check of the movements' stops, legs and parties, all at once
``_replay_links`` its check of the links' capacity and the places' throughput
``_arrays``       graph primitives over flat numpy arrays, shared by the stages
``_clock``        the call's time budget; a min-cost flow in a worker it can abandon
``_ccrp``         the CCRP heuristic, for comparison in benchmarks
================  ==============================================================

Examples
--------
>>> from evacplan.io import read_tntp, tntp_path
>>> plan = evacuate(read_tntp(tntp_path("SiouxFalls")), supply={"3": 800, "20": 400},
...                 safe={"1", "13"}, step_minutes=1)
>>> plan.status, plan.egress_minutes, plan.lower_bound_minutes
(<Status.OPTIMAL: 'optimal'>, 17, 17)
>>> plan.verify()
[]
"""

from evacplan.routing._evacuate import evacuate
from evacplan.routing._lastout import Extraction, Extractor, extraction
from evacplan.routing.columns import Movements
from evacplan.routing.plan import EvacuationPlan
from evacplan.routing.records import Bottleneck, Movement, RouteViolation, Stop, Stranded

__all__ = [
    "Bottleneck",
    "EvacuationPlan",
    "Extraction",
    "Extractor",
    "Movement",
    "Movements",
    "RouteViolation",
    "Stop",
    "Stranded",
    "evacuate",
    "extraction",
]
