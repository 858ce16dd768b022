"""Closure analysis: hand-worked cases, the proof that skips solves, executors, bad input, the CLI."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan import ScenarioError
from evacplan.closures import ClosureAnalysis, Outcome, analyze
from evacplan.closures import _expanded as expanded
from evacplan.closures import _flows as flows
from evacplan.io import read_tntp, tntp_path
from evacplan.models import Network, ThreatEvent
from evacplan.routing import _parametric, evacuate
from evacplan.routing._maxflow import _flows_by_step
from tests.routing.reference import reference_quickest


def hand() -> Network:
    """s has 5 people and two ways to h: via a (20 min) or via b (40 min); d's 3 have one link.

    Links are two-way, 10-minute steps, room for everyone at once.
    """
    links = [
        ("s-a", "s", "a", 10),
        ("a-h", "a", "h", 10),
        ("s-b", "s", "b", 20),
        ("b-h", "b", "h", 20),
        ("d-a", "d", "a", 10),
        ("s-c", "s", "c", 10),
    ]
    return Network(
        places=[
            {"id": p, "kind": "safe_haven" if p == "h" else "waypoint"}
            for p in ("s", "a", "b", "c", "d", "h")
        ],
        links=[
            {"id": i, "source": u, "target": v, "minutes": m, "capacity_per_hour": 600}
            for i, u, v, m in links
        ],
    )


SUPPLY = {"s": 5, "d": 3}


def run(**options: Any) -> ClosureAnalysis:
    return analyze(hand(), **{"supply": SUPPLY, "step_minutes": 10, **options})


def by_closed(result: ClosureAnalysis) -> dict[tuple[str, ...], Any]:
    return {c.closed: c for c in result.cases}


def test_one_closure_delays_one_strands_and_one_changes_nothing() -> None:
    """Worked by hand: the baseline takes 20 min (s-a-h, d-a-h).

    Closing s-a sends s's five by b (20 + 20 = 40 min); closing a-h sends
    everyone round by s and b (d: 10 + 10 + 20 + 20 = 60 min); closing d-a
    leaves d's three with no way out; s-b, b-h and s-c are never used.
    """
    result = run()
    assert result.baseline.egress_minutes == 20
    cases = by_closed(result)
    assert (cases[("s-a",)].outcome, cases[("s-a",)].egress_minutes) == (Outcome.DELAYED, 40)
    assert cases[("s-a",)].delay_minutes == 20
    assert (cases[("a-h",)].outcome, cases[("a-h",)].egress_minutes) == (Outcome.DELAYED, 60)
    strand = cases[("d-a",)]
    assert (strand.outcome, strand.stranded, strand.egress_minutes) == (Outcome.STRANDED, 3, 20)
    assert strand.stranded_who == ("3 at d",) and strand.stranded_by_category == {"people": 3}
    assert strand.effect() == "3 more people stranded"  # (not "... (3 people)")
    for name in ("s-b", "b-h", "s-c"):
        case = cases[(name,)]
        assert (case.outcome, case.method, case.egress_minutes) == (
            Outcome.UNAFFECTED,
            "skipped",
            20,
        )
        assert "enters none of these links" in case.proof
    # Worst first: stranded, then the longer delay.
    assert [c.closed for c in result.cases[:3]] == [("d-a",), ("a-h",), ("s-a",)]
    # By max flows: d-a strands d (no route left from minute 0), s-a delays (everyone out by
    # twice the baseline's egress); a-h's 60 min are beyond that: re-planned.
    assert [c.method for c in result.cases[:3]] == ["max-flow", "re-planned", "max-flow"]


def test_a_closure_after_the_links_are_used_changes_nothing() -> None:
    """From minute 10 on, nobody enters s-a or d-a (both are entered at minute 0)."""
    cases = by_closed(run(at=10))
    for name in ("s-a", "d-a", "s-b"):
        assert (cases[(name,)].outcome, cases[(name,)].method) == (Outcome.UNAFFECTED, "skipped")
    # a-h is entered at minute 10: closing it then strands nobody but sends them round.
    assert cases[("a-h",)].outcome is Outcome.DELAYED


def test_pairs_reuse_a_single_closures_plan_when_it_misses_the_other() -> None:
    """s-a + d-a: closing d-a alone strands d (its plan never enters s-a? it does: re-plan);
    s-a + s-c: closing s-a alone goes by b, which never uses s-c, so that plan stands
    (without max flows, which settle the pair first)."""
    with full_replans():
        result = run(k=2)
    same_answers(run(k=2), result)
    cases = by_closed(result)
    assert len(result.cases) == math.comb(6, 2)
    pair = cases[("s-a", "s-c")]
    assert (pair.outcome, pair.method, pair.egress_minutes) == (Outcome.DELAYED, "reused", 40)
    assert "as closing s-a alone" in pair.proof
    both = cases[("s-a", "d-a")]
    assert (both.outcome, both.stranded, both.egress_minutes) == (Outcome.STRANDED, 3, 40)
    never = cases[("s-b", "s-c")]
    assert (never.outcome, never.method) == (Outcome.UNAFFECTED, "skipped")
    # Closing both ways out of s strands its five as well.
    cut = cases[("s-a", "s-b")]
    assert (cut.outcome, cut.stranded) == (Outcome.STRANDED, 5)


def test_places_kinds_and_named_lists() -> None:
    places = by_closed(run(closures="places"))
    assert places[("h",)].stranded == 8  # the only safe place, closed from the start
    assert places[("c",)].outcome is Outcome.UNAFFECTED
    # Closing a closes s-a, a-h and d-a: d's three have no way out, s's five go by b.
    a = places[("a",)]
    assert (a.outcome, a.stranded, a.egress_minutes) == (Outcome.STRANDED, 3, 40)
    havens = run(closures="safe_haven")
    assert [c.closed for c in havens.cases] == [("h",)]
    named = run(closures=["s-a", ("s-b", "a"), "c"])
    assert sorted(c.closed for c in named.cases) == [("c",), ("s-a",), ("s-b", "a")]
    together = by_closed(named)[("s-b", "a")]
    assert together.outcome is Outcome.STRANDED and set(together.links) >= {"s-a", "a-h", "d-a"}


def test_links_without_ids_are_named_source_to_target() -> None:
    net = read_tntp(tntp_path("SiouxFalls"))
    result = analyze(net, supply={"3": 800}, safe={"1", "13"}, step_minutes=1)
    assert len(result.cases) == len(net.links)
    worst = result.cases[0]
    assert worst.closed == ("3->1",) and worst.outcome is Outcome.DELAYED
    again = analyze(net, supply={"3": 800}, safe={"1", "13"}, step_minutes=1, closures=["3->1"])
    assert again.cases[0].egress_minutes == worst.egress_minutes


def test_table_pandas_worst_summary_html_json() -> None:
    result = run()
    rows = result.table()
    assert rows[0]["closed"] == ["d-a"] and rows[0]["outcome"] == "stranded"
    json.dumps(rows)  # JSON-friendly
    frame = result.to_pandas()
    assert list(frame["closed"])[:3] == ["d-a", "a-h", "s-a"]
    assert [c.closed for c in result.worst(2)] == [("d-a",), ("a-h",)]
    text = result.summary()
    assert "unaffected: 3 closures: no change: b-h, s-b, s-c" in text
    assert "1 stranded, 2 delayed, 3 unaffected" in text
    assert "<table>" in result._repr_html_() and "d-a" in result._repr_html_()
    assert json.loads(result.to_json())["counts"]["delayed"] == 2
    assert result.counts == {
        "infeasible": 0,
        "stranded": 1,
        "delayed": 2,
        "rerouted": 0,
        "unaffected": 3,
    }


def test_a_scenario_closure_breaks_a_post_or_strands_its_people(tiny: Any) -> None:
    """Tiny: its staff leave by the desert road and the crossing; the capital's last-out too.

    Closing the crossing leaves the retained staff no way out (the post cannot
    hold minimal); closing the residence's link strands the families there.
    """
    result = analyze(tiny)
    cases = by_closed(result)
    crossing = cases[("crossing",)]
    assert crossing.outcome is Outcome.INFEASIBLE
    assert list(crossing.posts) == ["capital"] and "no way out" in crossing.posts["capital"]
    residence = cases[("residence-embassy",)]
    assert residence.outcome is Outcome.STRANDED
    assert residence.stranded_by_category == {"dependant": 6, "diplomat": 2}
    assert cases[("flight",)].outcome is Outcome.UNAFFECTED
    plans = analyze(tiny, closures=["crossing"], keep_plans=True)
    kept = plans.cases[0].plan
    assert kept is not None and kept.breaches and kept.verify() == []


@pytest.mark.parametrize(
    ("options", "path", "words"),
    [
        ({"closures": ["s-aa"]}, "closures[0]", "did you mean 's-a'?"),
        ({"closures": [("s-a", "zz")]}, "closures[0][1]", "'zz' is not a link or a place"),
        ({"closures": "airports"}, "closures", "did you mean 'airport'?"),
        ({"closures": "port"}, "closures", "no place of kind 'port'"),
        ({"closures": []}, "closures", "non-empty list"),
        ({"k": 3}, "k", "must be 1"),
        ({"k": True}, "k", "must be 1"),
        ({"at": "soon"}, "at", "'soon' is not a time"),
        ({"at": -5}, "at", "negative"),
        ({"executor": "pool"}, "executor", "concurrent.futures.Executor"),
        ({"progress": "yes"}, "progress", "True or False"),
        ({"indicators": {"x": 1}}, "indicators", "need a Scenario"),
        ({"objective": "fastest"}, "objective", "'fastest' is not an objective"),
        ({"step_minutes": 0}, "step_minutes", ""),
    ],
)
def test_bad_arguments_are_named(options: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        run(**options)
    assert "invalid arguments to analyze()" in str(caught.value)
    found = [p for p in caught.value.problems if p.path == path]
    assert found and words in found[0].message, caught.value


def test_network_options_are_refused_for_a_scenario(tiny: Any) -> None:
    with pytest.raises(ScenarioError) as caught:
        analyze(tiny, supply={"embassy": 3}, closures=["nowhere"], indicators={"x": "1h"})
    paths = [p.path for p in caught.value.problems]
    assert paths[:1] == ["supply"] and "closures[0]" in paths and "indicators['x']" in paths


def _rows(result: ClosureAnalysis) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in result.table()]


def test_the_result_is_the_same_in_a_process_pool() -> None:
    net = read_tntp(tntp_path("SiouxFalls"))
    options: dict[str, Any] = {"supply": {"3": 800, "20": 400}, "safe": {"1", "13"}}
    alone = analyze(
        net, step_minutes=1, k=2, closures=["3->1", "3->4", "20->21", "1->2"], **options
    )
    with ProcessPoolExecutor(2) as pool:
        pooled = analyze(
            net,
            step_minutes=1,
            k=2,
            closures=["3->1", "3->4", "20->21", "1->2"],
            executor=pool,
            **options,
        )
    assert _rows(alone) == _rows(pooled)
    assert sum(c.method != "skipped" for c in alone.cases) >= 2


def test_the_result_is_the_same_on_a_dask_cluster() -> None:
    distributed = pytest.importorskip("distributed")  # in the test extra: this does not skip
    net = read_tntp(tntp_path("SiouxFalls"))
    options: dict[str, Any] = {"supply": {"3": 800, "20": 400}, "safe": {"1", "13"}}
    alone = analyze(net, step_minutes=1, **options)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_cluster = analyze(net, step_minutes=1, executor=client.get_executor(), **options)
    assert _rows(alone) == _rows(on_cluster)


@st.composite
def instances(draw: st.DrawFn) -> tuple[Network, dict[str, int], set[str], int, int]:
    n = draw(st.integers(3, 6))
    names = [f"p{i}" for i in range(n)]
    links = []
    for i in range(draw(st.integers(2, 2 * n))):
        a, b = draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
        links.append(
            {
                "id": f"l{i}",
                "source": a,
                "target": b,
                "minutes": draw(st.sampled_from([1, 2, 5, 7, 12])),
                "capacity_per_hour": draw(st.sampled_from([30, 60, 180, 600])),
                "two_way": draw(st.booleans()),
            }
        )
    net = Network(places=[{"id": p, "kind": "waypoint"} for p in names], links=links)
    safe = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)))
    supply = draw(
        st.dictionaries(st.sampled_from(names), st.integers(1, 20), min_size=1, max_size=n)
    )
    return net, supply, safe, draw(st.sampled_from([1, 2, 5])), draw(st.sampled_from([0, 2, 5, 10]))


def _closed(net: Network, closed: set[str], at: int) -> Network:
    """The network with ``closed`` links shut from ``at``, written apart from threats."""
    links = []
    for link in net.links:
        data = link.model_dump(exclude_none=True)
        if link.id in closed:
            if at == 0:
                continue
            data["closes"] = at
        links.append(data)
    return Network(places=[p.model_dump(exclude_none=True) for p in net.places], links=links)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from([1, 2]))
def test_every_case_matches_a_full_replan_and_an_independent_model(case: Any, k: int) -> None:
    """Skipped and reused cases equal a full re-plan (egress, stranded, risk, arrivals);
    every case whose people all get out has the egress of a networkx model of the closed map."""
    net, supply, safe, step, at = case
    result = analyze(net, supply=supply, safe=safe, step_minutes=step, at=at, k=k)
    for c in result.cases:
        threat = ThreatEvent(id="x", at=at, links=c.links, closes=True)
        full = evacuate(net, supply=supply, safe=safe, step_minutes=step, threats=[threat])
        assert full.verify() == []
        stranded = sum(s.count for s in full.stranded)
        # A case counts only the people it strands beyond the baseline.
        assert c.stranded + result.baseline_stranded == stranded, c
        if not c.stranded:
            assert c.egress_minutes == full.egress_minutes, c
        if stranded == 0:
            # Everyone gets out either way: the change is the difference of the plans' figures.
            hours = full.hours_not_safe - result.baseline.hours_not_safe
            assert math.isclose(c.hours_change, hours, abs_tol=1e-9), c
            assert math.isclose(c.harm_change, full.harm - result.baseline.harm, abs_tol=1e-9), c
        if c.method != "re-planned":
            assert math.isclose(c.risk_exposure, full.risk_exposure, abs_tol=1e-9)
            arrivals = sum(m.count * m.arrival_minute for m in full.movements)
            assert (c.plan is None) and arrivals == sum(
                m.count * m.arrival_minute
                for m in evacuate(
                    _closed(net, set(c.links), at), supply=supply, safe=safe, step_minutes=step
                ).movements
            )
        if stranded == 0:
            quickest, _ = reference_quickest(_closed(net, set(c.links), at), supply, safe, step)
            if quickest is not None:
                assert c.egress_minutes == quickest * step


def test_cli_ranks_closures_and_exits_4_when_one_strands(cli: Any, tmp_path: Any) -> None:
    out = tmp_path / "closures.json"
    run_ = cli("closures", "seeds/tiny.yaml", "--places", "--json", str(out))
    assert run_.returncode == 4, run_.stderr
    assert "stranded: 1 closure: 8 more people stranded" in run_.stdout
    data = json.loads(out.read_text())
    assert data["counts"]["stranded"] == 1 and len(data["cases"]) == 5
    ok = cli(
        "closures",
        "evacplan/data/tntp/SiouxFalls_net.tntp",
        "--supply",
        "3=800",
        "--safe",
        "1",
        "--safe",
        "13",
        "--close",
        "3->1",
        "--close",
        "3->4+1->2",
        "--workers",
        "2",
    )
    assert ok.returncode == 0, ok.stderr
    assert "2 closures" in ok.stdout and "3->4 + 1->2" in ok.stdout


def test_cli_bad_options(cli: Any) -> None:
    bad = cli("closures", "seeds/tiny.yaml", "--close", "crosing", "--k", "3", "--at", "-5")
    assert bad.returncode == 1
    assert "did you mean 'crossing'?" in bad.stderr and "k: must be 1" in bad.stderr
    assert "Traceback" not in bad.stderr
    tntp = cli("closures", "evacplan/data/tntp/SiouxFalls_net.tntp", "--workers", "0")
    assert tntp.returncode == 1 and "--supply" in tntp.stderr
    stray = cli("closures", "seeds/tiny.yaml", "--supply", "embassy=3", "--step", "5")
    assert stray.returncode == 1
    assert "--supply: --supply is for a TNTP network" in stray.stderr and "--step" in stray.stderr


def two_ways() -> Network:
    """s's 5 people go s-a-h (20 min) or s-b-h (30 min); d's 3 go d-e-h (60 min), the egress.

    Links one-way, 10-minute steps, room for everyone at once.
    """
    links = [
        ("s-a", "s", "a", 10),
        ("a-h", "a", "h", 10),
        ("s-b", "s", "b", 10),
        ("b-h", "b", "h", 20),
        ("d-e", "d", "e", 30),
        ("e-h", "e", "h", 30),
    ]
    return Network(
        places=[
            {"id": p, "kind": "safe_haven" if p == "h" else "waypoint"}
            for p in ("s", "a", "b", "d", "e", "h")
        ],
        links=[
            {"id": i, "source": u, "target": v, "minutes": m, "capacity_per_hour": 600}
            for i, u, v, m in links
        ],
    )


@contextmanager
def full_replans() -> Iterator[None]:
    """Every case the baseline needs re-planned: no case settled by max flows."""
    flows.ENABLED = False
    try:
        yield
    finally:
        flows.ENABLED = True


def same_answers(fast: ClosureAnalysis, full: ClosureAnalysis) -> None:
    """Each case of ``fast`` has ``full``'s answer; a case settled by max flows counts no more
    people re-routed than the re-plan does, and at least one when that is all it does."""
    slow = by_closed(full)
    assert len(fast.cases) == len(full.cases)
    for case in fast.cases:
        other = slow[case.closed]
        assert (case.outcome, case.status, case.stranded, case.posts) == (
            other.outcome,
            other.status,
            other.stranded,
            other.posts,
        ), (case, other)
        assert (case.stranded_by_category, case.stranded_who) == (
            other.stranded_by_category,
            other.stranded_who,
        ), (case, other)
        assert (case.egress_minutes, case.delay_minutes, case.lower_bound_minutes) == (
            other.egress_minutes,
            other.delay_minutes,
            other.lower_bound_minutes,
        ), (case, other)
        for name in ("harm", "harm_change", "hours_change", "risk_exposure"):
            assert math.isclose(
                getattr(case, name), getattr(other, name), rel_tol=1e-9, abs_tol=1e-9
            ), (name, case, other)
        if case.method == "max-flow":
            assert other.method in ("re-planned", "reused")
            assert case.rerouted <= other.rerouted, (case, other)
            assert case.outcome in (Outcome.REROUTED, Outcome.DELAYED, Outcome.STRANDED)
            assert case.rerouted > 0 or case.outcome is not Outcome.REROUTED
        else:
            assert case.method == other.method
            assert case.rerouted == other.rerouted


def test_max_flows_settle_a_slower_route_without_a_replan() -> None:
    """Worked by hand: closing s-a (or a-h) sends s's five by b, 10 min later each: +50
    person-minutes, the egress still d's 60 min; closing d-e strands d's three."""
    net, options = two_ways(), {"supply": {"s": 5, "d": 3}, "step_minutes": 10}
    result = analyze(net, **options)
    cases = by_closed(result)
    assert result.baseline.egress_minutes == 60
    for name in ("s-a", "a-h"):
        case = cases[(name,)]
        assert (case.method, case.outcome, case.egress_minutes, case.rerouted) == (
            "max-flow",
            Outcome.REROUTED,
            60,
            5,
        )
        assert math.isclose(case.hours_change, 50 / 60)
        assert math.isclose(case.harm_change, 0.002 * 50 / 60)
        assert "settled by max flows" in case.proof
    assert cases[("d-e",)].method == "max-flow"
    assert (cases[("d-e",)].outcome, cases[("d-e",)].stranded) == (Outcome.STRANDED, 3)
    assert cases[("d-e",)].stranded_who == ("3 at d",)
    # s's five now the last out, at 20 min (their baseline's, no earlier): delay 0.
    assert (cases[("d-e",)].egress_minutes, cases[("d-e",)].delay_minutes) == (20, 0)
    assert cases[("s-b",)].method == "skipped"
    assert result.timing["max-flow"] >= 0
    assert "4 settled by max flows" in result.summary()
    with full_replans():
        same_answers(result, analyze(net, **options))


@pytest.mark.parametrize("pushed", [False, True])
@pytest.mark.parametrize(
    "options",
    [{"objective": "least_harm"}, {"at": 10}, {"k": 2}, {"closures": "places"}],
)
def test_max_flow_cases_equal_full_replans_by_hand(
    options: dict[str, Any], pushed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """least_harm, a later closure (s's five enter a-h at minute 10), pairs and places; by
    the divide and conquer and by the push-relabel from the baseline's max flow."""
    args = {"supply": {"s": 5, "d": 3}, "step_minutes": 10, **options}
    if pushed:
        monkeypatch.setattr(_parametric, "MIN_ARCS", 0)
    result = analyze(two_ways(), **args)
    assert "max-flow" in {c.method for c in result.cases}
    with full_replans():
        same_answers(result, analyze(two_ways(), **args))


def test_plans_kept_or_risky_links_are_re_planned() -> None:
    """With keep_plans every case the baseline needs has its plan; with a risky link the
    person-hours alone do not give the harm: no case is settled by max flows."""
    kept = analyze(two_ways(), supply={"s": 5, "d": 3}, step_minutes=10, keep_plans=True)
    assert "max-flow" not in {c.method for c in kept.cases}
    assert all(c.plan is not None for c in kept.cases)
    risky = ThreatEvent(id="r", at=0, links=("e-h",), risk=0.01)
    result = analyze(two_ways(), supply={"s": 5, "d": 3}, step_minutes=10, threats=[risky])
    assert "max-flow" not in {c.method for c in result.cases}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    instances(),
    st.sampled_from([1, 2]),
    st.sampled_from(["quickest", "least_harm"]),
    st.booleans(),
    st.sampled_from([None, True, False]),
)
def test_cases_settled_by_max_flows_equal_full_replans(
    case: Any, k: int, objective: str, pushed: bool, lengthwise: bool | None
) -> None:
    """On random small networks, every case has the answer of a full re-plan (egress,
    stranded, harm and person-hours added, outcome), with max flows settling what they can;
    ``pushed``: by the parametric push-relabel, each case from the baseline's max flow with
    its closed arcs' flow taken back (as on a large network), else the divide and conquer;
    ``lengthwise``: every network taken as long (express waits, F(t) by raising t) or as
    not, else by the rule (more steps than places)."""
    net, supply, safe, step, at = case
    args = {"supply": supply, "safe": safe, "step_minutes": step, "at": at, "k": k}
    with pytest.MonkeyPatch.context() as patch:
        if pushed:
            patch.setattr(_parametric, "MIN_ARCS", 0)
        if lengthwise is not None:
            patch.setattr(expanded, "long", lambda ten, places: lengthwise)
        result = analyze(net, objective=objective, **args)
    with full_replans():
        same_answers(result, analyze(net, objective=objective, **args))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from([1, 2]), st.booleans())
def test_cases_taken_together_equal_each_from_the_horizon(
    case: Any, k: int, lengthwise: bool
) -> None:
    """The pass down the baseline's steps (each case from the baseline's max preflow at the
    greatest step its closed arcs carry flow) gives every case's F(t) as the case alone does
    from the baseline's max flow at the egress, and as the divide and conquer does.
    ``lengthwise``: every network taken as long, each F(t) raised over express waits, and
    that F(t) the divide and conquer's too."""
    net, supply, safe, step, at = case
    seen: dict[str, Any] = {}
    prepare = flows._Prefix.prepare

    def spy(self: Any, cases: list[frozenset[int]]) -> None:
        seen["prefix"], seen["cases"] = self, cases
        prepare(self, cases)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_parametric, "MIN_ARCS", 0)
        patch.setattr(flows._Prefix, "prepare", spy)
        patch.setattr(expanded, "long", lambda ten, places: lengthwise)
        analyze(net, supply=supply, safe=safe, step_minutes=step, at=at, k=k)
    if "prefix" not in seen:
        return  # nothing for max flows to settle
    prefix = seen["prefix"]
    narrow = prefix.narrow
    keys = [set(g) for links in seen["cases"] if (g := prefix._groups(links))]
    together = narrow.closed_all([(g, prefix.at_step) for g in keys])
    for groups, (values, seconds) in zip(keys, together, strict=True):
        assert seconds >= 0
        alone = narrow.closed(groups, prefix.at_step)
        assert values.tolist() == alone.tolist()
        shut = narrow._shut(groups, prefix.at_step)
        if shut is not None:
            assert values.tolist() == narrow._divided(*shut).tolist()
            if narrow.rising:  # (raised over express waits: as OR-Tools' max flows give it)
                arcs, first = shut
                cap = narrow.cap.copy()
                cap[arcs] = 0
                steps = (first, narrow.horizon)
                found, _ = _flows_by_step(
                    narrow.tail, narrow.head, cap, narrow.label, narrow.ends, steps
                )
                assert values[first - narrow.t_lo :].tolist() == found.tolist()
    if narrow.rising:
        steps = (narrow.t_lo, narrow.horizon)
        found, _ = _flows_by_step(
            narrow.tail, narrow.head, narrow.cap, narrow.label, narrow.ends, steps
        )
        assert narrow.values.tolist() == found.tolist()


def test_a_closure_settled_by_max_flows_counts_as_a_re_plan_by_hand() -> None:
    """Closing l0 sends everyone by l2 (two-way, 180 an hour, 2 min): +5
    person-minutes in all, found by hand (p1's twelve arrive 42 minutes in all instead of
    38, p2's two 12 instead of 11); p2's two pass p1's own people at p1, who wait at home."""
    net = Network(
        places=[{"id": p, "kind": "waypoint"} for p in ("p0", "p1", "p2")],
        links=[
            {"id": "l0", "source": "p1", "target": "p0", "minutes": 1, "capacity_per_hour": 30},
            {"id": "l1", "source": "p2", "target": "p1", "minutes": 1, "capacity_per_hour": 30},
            {
                "id": "l2",
                "source": "p0",
                "target": "p1",
                "minutes": 2,
                "capacity_per_hour": 180,
                "two_way": True,
            },
        ],
    )
    options: dict[str, Any] = {"supply": {"p1": 12, "p2": 2}, "safe": {"p0"}, "step_minutes": 1}
    case = analyze(net, closures=["l0"], **options).cases[0]
    assert case.method == "max-flow"
    with full_replans():
        replanned = analyze(net, closures=["l0"], **options).cases[0]
    assert math.isclose(replanned.hours_change, 5 / 60)
    threat = ThreatEvent(id="x", at=0, links=("l0",), closes=True)
    full = evacuate(net, threats=[threat], **options)
    from_p2 = [m for m in full.movements if m.source == "p2"]
    # Each reaches p1 as one of p1's own leaves, and goes on at once: no wait away from home.
    assert [(m.arrival_minute, m.itinerary[1].arrive, m.itinerary[1].leave) for m in from_p2] == [
        (4, 2, 2),
        (6, 4, 4),
    ]
    assert math.isclose(case.hours_change, 5 / 60)
    assert (case.egress_minutes, case.outcome) == (6, Outcome.REROUTED)


def test_identical_movements_of_a_count_are_each_counted() -> None:
    """Two people from s cross a to m a minute apart and b (open from minute 2) together,
    safe at minute 3 by the same route: two equal movements, both in the fates and both
    re-routed when a closes (by c, safe at minutes 9 and 10: +13 person-minutes)."""
    net = Network(
        places=[
            {"id": "s", "kind": "residence"},
            {"id": "m", "kind": "waypoint"},
            {"id": "h", "kind": "safe_haven"},
        ],
        links=[
            {"id": "a", "source": "s", "target": "m", "minutes": 1, "capacity_per_hour": 60},
            {"id": "b", "source": "m", "target": "h", "minutes": 1, "capacity_per_hour": 120,
             "opens": 2},
            {"id": "c", "source": "s", "target": "h", "minutes": 9, "capacity_per_hour": 60},
        ],
    )  # fmt: skip
    plan = evacuate(net, supply={"s": 2}, step_minutes=1)
    fates = plan.harm_by_party()
    key = "1 from s via s -[a]-> m -[b]-> h at 3"
    assert sorted(fates) == [key, key + " #2"]
    for repeat in (1, 2):
        with full_replans() if repeat == 2 else contextlib.nullcontext():
            case = analyze(net, supply={"s": 2}, step_minutes=1, closures=["a"]).cases[0]
        assert (case.rerouted, case.egress_minutes) == (2, 10)
        assert math.isclose(case.hours_change, 13 / 60)


def test_large_changes_read_in_whole_figures() -> None:
    """Harm and person-hours added of thousands read with thousands separated, in words and
    in the table, not as ``+1.55e+04`` (a port city's closure read ``harm +3.26e+03``)."""
    net = Network(
        places=[{"id": "s", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}],
        links=[
            {"id": "fast", "source": "s", "target": "h", "minutes": 10, "capacity_per_hour": 600},
            {"id": "slow", "source": "s", "target": "h", "minutes": 20, "capacity_per_hour": 600},
        ],
    )
    result = analyze(net, supply={"s": 6000}, step_minutes=5, hazard_per_hour=1.0)
    fast = next(c for c in result.cases if c.closed == ("fast",))
    # Alone on the slow road (600 an hour, 20 min) the 6,000 are out by 10 h 15 (5 h 10
    # before); half of them re-routed, and some 15,500 person-hours more not yet safe.
    assert fast.egress_minutes == 615 and 15_000 < fast.hours_change < 16_000
    words = fast.effect()
    assert f"harm +{fast.harm_change:,.0f};" in words and "e+" not in result.summary()
    assert f"+{fast.hours_change:,.0f} person-hours" in words
    page = result._repr_html_()
    assert f"<td>+{fast.harm_change:,.0f}</td>" in page and f"<td>{fast.rerouted:,}</td>" in page
