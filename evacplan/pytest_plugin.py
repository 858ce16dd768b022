"""evacplan's pytest plugin: fixtures for testing contingency plans, and scenario checks as tests.

Installing evacplan registers it (entry point ``pytest11``). Importing it
imports pytest and the standard library only: the models (pydantic) load when
a fixture runs or a scenario file's checks are collected, the planner
(OR-Tools, numpy) when a plan is first made.

- **Marker** ``@pytest.mark.evacplan(scenario="seeds/x.yaml", indicators={...},
  **plan_options)``, on a test, class or module (``pytestmark``); or the ini
  option ``evacplan_scenario`` for the whole project. A relative path is read
  from the rootdir, else beside the test file.
- **Fixtures**: ``evacplan_scenario`` (the Scenario), ``evacplan_plan`` (its
  :func:`evacplan.plan`, made once per session for the same file content and
  options), ``what_if`` (``what_if(close=[...], at="96h", unavailable=[...], lift=[...],
  indicators={...})``: the plan re-made under the what-if) and ``plan_snapshot``
  (``plan_snapshot.check(plan, ignore=[...])`` against a JSON baseline beside
  the test; ``--evacplan-regen`` rewrites baselines).
- **On failure**, a test that used them gets a report section with the plan's
  summary and, for a what-if, what changed from the plan as written.
- **Checks as tests**: scenario files matching the ini option
  ``evacplan_collect`` (glob patterns from the rootdir, e.g. ``seeds/*.yaml``)
  among the paths pytest collects give one test item per entry of their
  ``checks:`` section, named by its id.
"""

from __future__ import annotations

import fnmatch
import hashlib
import inspect
import json
import re
import sys
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from evacplan.contingency import ContingencyPlan
    from evacplan.models import Check, Scenario
    from evacplan.testing import CheckResult, Plans

__all__ = ["PlanSnapshot"]

_SUFFIXES = {".yaml", ".yml", ".json"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("evacplan", "evacplan: testing contingency plans")
    group.addoption(
        "--evacplan-regen",
        action="store_true",
        default=False,
        help="rewrite the plan_snapshot baselines with the plans of this run",
    )
    parser.addini(
        "evacplan_scenario",
        "the scenario file the evacplan fixtures plan when a test's evacplan marker names none",
        default="",
    )
    parser.addini(
        "evacplan_collect",
        "glob patterns (from the rootdir) of scenario files whose checks: run as tests",
        type="args",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "evacplan(scenario=None, indicators=None, **plan_options): the scenario file and "
        "plan() options of the evacplan fixtures",
    )
    config.stash[_STATE] = _State(config)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A failing ``assert_*`` shows at most 10 lines of who and why, unless pytest is asked
    for all (``-vv``). Set only once a test has loaded evacplan.testing: this plugin loads
    nothing heavy into a session that does not use it."""
    testing = sys.modules.get("evacplan.testing")
    if testing is not None:
        setattr(testing, "MESSAGE_LINES", None if item.config.get_verbosity() >= 2 else 10)  # noqa: B010
        setattr(testing, "MORE", "pytest -vv shows all")  # noqa: B010


# ---------------------------------------------------------------- session state


class _State:
    """What one pytest session has read and planned, by file content and options."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.scenarios: dict[str, tuple[str, Scenario]] = {}
        self.plans: dict[tuple[str, str], ContingencyPlan] = {}
        self.checks: dict[str, Plans] = {}
        self.written: list[tuple[str, Path]] = []

    def load(self, path: Path) -> tuple[str, Scenario]:
        """The file's digest and its Scenario (read again only when its content changes)."""
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        cached = self.scenarios.get(str(path))
        if cached is None or cached[0] != digest:
            from evacplan.io import load_scenario

            cached = self.scenarios[str(path)] = (digest, load_scenario(path))
        return cached

    def plan(self, digest: str, scenario: Scenario, options: Mapping[str, Any]) -> ContingencyPlan:
        """``plan(scenario, **options)``, made once for the same content and options."""
        key = (digest, json.dumps(options, sort_keys=True, default=str))
        if key not in self.plans:
            from evacplan.contingency import plan

            self.plans[key] = plan(scenario, **options)
        return self.plans[key]

    def check_plans(self, digest: str, scenario: Scenario) -> Plans:
        """The plans a file's checks share, one per what-if."""
        if digest not in self.checks:
            from evacplan.testing import Plans

            self.checks[digest] = Plans(scenario)
        return self.checks[digest]


_STATE = pytest.StashKey[_State]()


def _state(config: pytest.Config) -> _State:
    if _STATE not in config.stash:  # configured before this plugin was registered
        config.stash[_STATE] = _State(config)
    return config.stash[_STATE]


# ---------------------------------------------------------------- what a test plans


@dataclass
class _Spec:
    """The scenario file and plan() options a test's fixtures use."""

    path: Path
    written: str
    options: dict[str, Any]
    """``plan()`` options, ``indicators`` among them."""


@dataclass
class _Record:
    """What a test's fixtures read and planned, for the report of a failure."""

    spec: _Spec
    digest: str
    scenario: Scenario
    plan: ContingencyPlan | None = None
    what_ifs: list[tuple[str, ContingencyPlan]] = field(default_factory=list)


_RECORD = pytest.StashKey[_Record]()


def _spec(request: pytest.FixtureRequest) -> _Spec:
    marker = request.node.get_closest_marker("evacplan")
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        pytest.fail(
            "@pytest.mark.evacplan takes keywords only: "
            '@pytest.mark.evacplan(scenario="seeds/x.yaml", indicators={...})',
            pytrace=False,
        )
    written = kwargs.pop("scenario", None) or request.config.getini("evacplan_scenario")
    if not written:
        pytest.fail(
            f"{request.fixturename} needs a scenario file: mark the test "
            '@pytest.mark.evacplan(scenario="seeds/x.yaml") or set evacplan_scenario '
            "in the ini file",
            pytrace=False,
        )
    unknown = _unknown_options(kwargs)
    if unknown:
        pytest.fail(
            f"@pytest.mark.evacplan takes scenario and plan()'s options: {unknown}", pytrace=False
        )
    return _Spec(_find(str(written), request), str(written), kwargs)


def _unknown_options(options: Mapping[str, Any]) -> str:
    """In words, the options that ``plan()`` does not take (empty when all are known)."""
    from evacplan._validate import suggest
    from evacplan.contingency import plan

    known = [p for p in inspect.signature(plan).parameters if p != "scenario"]
    unknown = sorted(set(options) - set(known))
    if not unknown:
        return ""
    return (
        "; ".join(f"{k!r} is not an option of plan(){suggest(k, known)}" for k in unknown)
        + f" (options: {', '.join(known)})"
    )


def _find(written: str, request: pytest.FixtureRequest) -> Path:
    given = Path(written)
    places = (
        [given]
        if given.is_absolute()
        else [request.config.rootpath / given, Path(request.node.path).parent / given]
    )
    for place in places:
        if place.is_file():
            return place.resolve()
    pytest.fail(
        f"scenario file {written!r} not found (looked for {' and '.join(map(str, places))})",
        pytrace=False,
    )


def _fail_on_bad_input(call: Callable[[], Any]) -> Any:
    """Run ``call``; a bad scenario or option fails the test with its message, not a traceback."""
    from evacplan.errors import EvacplanError

    try:
        return call()
    except EvacplanError as err:
        message = str(err)
    pytest.fail(message, pytrace=False)  # outside the except: no "during handling" chain


@pytest.fixture
def evacplan_scenario(request: pytest.FixtureRequest) -> Scenario:
    """The Scenario the test's ``evacplan`` marker (or the ini's ``evacplan_scenario``) names."""
    spec = _spec(request)
    digest, scenario = _fail_on_bad_input(lambda: _state(request.config).load(spec.path))
    request.node.stash[_RECORD] = _Record(spec, digest, scenario)
    return scenario


@pytest.fixture
def evacplan_plan(request: pytest.FixtureRequest, evacplan_scenario: Scenario) -> ContingencyPlan:
    """The scenario's contingency plan, :func:`evacplan.plan` with the marker's options,
    made once per session for the same file content and options."""
    record = request.node.stash[_RECORD]
    cp = _fail_on_bad_input(
        lambda: _state(request.config).plan(record.digest, evacplan_scenario, record.spec.options)
    )
    record.plan = cp
    return cp


@pytest.fixture
def what_if(request: pytest.FixtureRequest, evacplan_scenario: Scenario) -> Callable[..., Any]:
    """A function that plans the scenario under a what-if and returns the ContingencyPlan.

    ``what_if(close=[...], at="96h", until=None, unavailable=[...], lift=[...],
    indicators={...}, **plan_options)``: links and places closed from ``at``
    (:func:`evacplan.testing.with_closure`), staff unavailable
    (:func:`evacplan.testing.with_unavailable`), threats lifted
    (:func:`evacplan.testing.without_threats`), indicators fired on top of the marker's, and
    plan() options over the marker's. Each what-if is planned once a session.
    """
    record = request.node.stash[_RECORD]
    state = _state(request.config)

    def plan_what_if(
        *,
        close: Any = (),
        at: Any = None,
        until: Any = None,
        unavailable: Any = (),
        lift: Any = (),
        indicators: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> ContingencyPlan:
        from evacplan.errors import Problem, ScenarioError
        from evacplan.testing import with_closure, with_unavailable, without_threats

        closed = [close] if isinstance(close, str) else list(close)
        away = [unavailable] if isinstance(unavailable, str) else list(unavailable)
        lifted = [lift] if isinstance(lift, str) else list(lift)
        stray = [
            Problem(key, f"{key} goes with close: name the links or places to close")
            for key, value in (("at", at), ("until", until))
            if value is not None and not closed
        ]
        unknown = _unknown_options(options)
        if unknown:
            stray.append(Problem("options", unknown))
        if stray:
            raise ScenarioError(stray, source="invalid arguments to what_if()")
        scenario = evacplan_scenario
        if away:
            scenario = with_unavailable(scenario, *away)
        if lifted:
            scenario = without_threats(scenario, *lifted)
        if closed:
            scenario = with_closure(scenario, *closed, at=0 if at is None else at, until=until)
        merged = {**record.spec.options, **options}
        if indicators:
            merged["indicators"] = {**(merged.get("indicators") or {}), **indicators}
        what = {"close": closed, "at": at, "until": until, "unavailable": away, "lift": lifted}
        key = record.digest + json.dumps(what, sort_keys=True, default=str)
        cp = state.plan(key, scenario, merged)
        record.what_ifs.append((_words(what, indicators, options), cp))
        return cp

    return plan_what_if


def _words(what: Mapping[str, Any], indicators: Any, options: Mapping[str, Any]) -> str:
    parts = []
    if what["unavailable"]:
        parts.append(f"{', '.join(what['unavailable'])} unavailable")
    if what["lift"]:
        parts.append(f"threats {', '.join(what['lift'])} lifted")
    if what["close"]:
        parts.append(
            f"{', '.join(what['close'])} closed from {what['at'] or 0}"
            + (f" until {what['until']}" if what["until"] is not None else "")
        )
    if indicators:
        parts.append("indicators " + ", ".join(f"{k} at {v}" for k, v in indicators.items()))
    parts += [f"{k}={v!r}" for k, v in options.items()]
    return "; ".join(parts) or "nothing changed"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    record = item.stash.get(_RECORD, None)
    if record is not None and report.failed and report.when == "call":
        try:
            text = _section(item.config, record)
        except Exception as err:  # the report must not hide the test's own failure
            text = f"scenario {record.spec.written}: the plan could not be summarised ({err})"
        report.sections.append(("evacplan: the plan under test", text))


def _section(config: pytest.Config, record: _Record) -> str:
    spec = record.spec
    options = ", ".join(f"{k}={v!r}" for k, v in spec.options.items())
    lines = [
        f"scenario {spec.written} ({record.scenario.name!r})" + (f"; {options}" if options else "")
    ]
    if record.plan is not None:
        lines.append(record.plan.summary())
    if record.what_ifs:
        from evacplan.testing import compare, snapshot

        base = record.plan or _state(config).plan(record.digest, record.scenario, spec.options)
        before = snapshot(base)
        for words, cp in record.what_ifs:
            lines += ["", f"what if {words}:", *("  " + x for x in cp.summary().splitlines())]
            changed = compare(before, snapshot(cp), start=cp.scenario.start)
            lines.append(
                "  changed from the plan as written:" if changed else "  the same plan as written"
            )
            lines += [f"    {x}" for x in changed]
    return "\n".join(lines)


# ---------------------------------------------------------------- plan snapshots


class PlanSnapshot:
    """Compares plans with baselines stored as JSON beside the test (``plan_snapshot``).

    The baseline of ``test_x`` in ``tests/test_plans.py`` is
    ``tests/test_plans/test_x.json`` (``TestClass_test_x.json`` in a class,
    ``test_x-2.json`` for its second check, or the ``name`` given). A missing baseline is written and the check passes;
    ``--evacplan-regen`` rewrites them all. Commit the files.
    """

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request
        self._calls = 0

    def path(self, name: str | None = None) -> Path:
        """Where a baseline of this test is kept."""
        here = Path(self._request.node.path)
        if name is None:
            self._calls += 1
            test = "_".join(self._request.node.nodeid.split("::")[1:])  # TestClass_test_x[1]
            name = test + (f"-{self._calls}" if self._calls > 1 else "")
        return here.parent / here.stem / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".json")

    def check(self, plan: ContingencyPlan, *, ignore: Any = (), name: str | None = None) -> None:
        """Fail, with what changed in words, unless ``plan`` matches its baseline.

        ``ignore`` leaves out parts of the plan (see :data:`evacplan.testing.SNAPSHOT_FIELDS`):
        ``["minute"]`` compares fates and routes but not arrival times.
        """
        __tracebackhide__ = True  # a failure points at the test's line
        from evacplan.io._files import _write_whole
        from evacplan.testing import compare, snapshot

        path = self.path(name)
        data = _fail_on_bad_input(lambda: snapshot(plan, ignore))
        config = self._request.config
        if config.getoption("evacplan_regen") or not path.exists():
            verb = "rewrote" if path.exists() else "wrote"
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_whole(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
            _state(config).written.append((verb, path))
            return
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            unreadable = f"plan baseline {path} cannot be read ({err}); "
        else:
            unreadable = ""
        if unreadable:
            pytest.fail(unreadable + "rerun with --evacplan-regen to write it again", pytrace=False)
        stored = _fail_on_bad_input(lambda: _strip(stored, ignore))
        if stored == data:
            return
        changed = compare(stored, data, start=plan.scenario.start) or [
            "they differ in: "
            + ", ".join(k for k in sorted(set(stored) | set(data)) if stored.get(k) != data.get(k))
        ]
        raise AssertionError(
            f"the plan differs from its baseline {path.name} ({path.parent}):\n"
            + "\n".join(f"  {line}" for line in changed)
            + "\nIf the new plan is right, rerun with --evacplan-regen and commit the baseline."
        )


def _strip(data: Any, ignore: Any) -> Any:
    from evacplan.testing._snapshot import _without

    if not isinstance(data, Mapping):
        return data  # not a snapshot: it differs, and compare() says how
    return _without(data, ignore)


@pytest.fixture
def plan_snapshot(request: pytest.FixtureRequest) -> PlanSnapshot:
    """Compares plans with baselines stored beside the test: ``plan_snapshot.check(plan)``."""
    return PlanSnapshot(request)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None and state.written:
        terminalreporter.write_sep("-", "evacplan plan baselines")
        for verb, path in state.written:
            terminalreporter.write_line(f"{verb} {path}")


# ---------------------------------------------------------------- checks as tests


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix.lower() not in _SUFFIXES:
        return None
    patterns = parent.config.getini("evacplan_collect")
    if not patterns:
        return None
    try:
        relative = file_path.resolve().relative_to(parent.config.rootpath.resolve()).as_posix()
    except ValueError:
        relative = file_path.as_posix()
    if any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(str(file_path), p) for p in patterns):
        return ChecksFile.from_parent(parent, path=file_path)
    return None


class ChecksFile(pytest.File):
    """A scenario file whose ``checks:`` entries are test items."""

    def collect(self) -> Iterator[pytest.Item]:
        from evacplan.errors import ScenarioError

        try:
            digest, scenario = _state(self.config).load(self.path)
        except ScenarioError as err:
            raise self.CollectError(str(err)) from None
        lines: dict[str, int] = {}
        if self.path.suffix.lower() in {".yaml", ".yml"}:
            from evacplan.io._files import _yaml_lines

            lines = _yaml_lines(self.path)
        for i, check in enumerate(scenario.checks):
            yield CheckItem.from_parent(
                self,
                name=check.id,
                check=check,
                digest=digest,
                scenario=scenario,
                line=lines.get(f"checks[{i}]", 1),
            )


class _CheckFailed(Exception):
    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.expectation.message)
        self.result = result


class CheckItem(pytest.Item):
    """One check of a scenario file, made on its plan."""

    def __init__(
        self, *, check: Check, digest: str, scenario: Scenario, line: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.digest = digest
        self.scenario = scenario
        self.line = line

    def runtest(self) -> None:
        from evacplan.testing import run_check

        plans = _state(self.config).check_plans(self.digest, self.scenario)
        result = _fail_on_bad_input(lambda: run_check(self.scenario, self.check, plans=plans))
        if not result.passed:
            raise _CheckFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, _CheckFailed):
            result = excinfo.value.result
            head = f"check {self.check.id} (line {self.line}) failed: expected {result.expectation.name}"
            about = [f"  {self.check.description}"] if self.check.description else []
            lines = None if self.config.get_verbosity() >= 2 else 9 - len(about)
            text = result.expectation.text(lines, "pytest -vv shows all")
            return "\n".join([head, *about, *text.splitlines()])
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"check {self.check.id}"
