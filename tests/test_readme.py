"""The README's Python examples run as written, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_python_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every python block, run in order as one script; test functions it defines are called."""
    monkeypatch.chdir(ROOT)
    code = "\n".join(re.findall(r"```python\n(.*?)```", README, re.S))
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    assert tests
    for test in tests:
        test()
    assert "bgd-embassy@0" in capsys.readouterr().out


def test_readme_commands_match_ci() -> None:
    """.ci/run runs exactly the README's test command."""
    commands = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci
    assert "pytest" in commands[1]


def test_readme_example_test_file_is_the_one_the_suite_runs() -> None:
    """The README's example test file is examples/test_founding_plan.py, word for word."""
    shown = re.findall(r"```py\n(.*?)```", README, re.S)
    assert shown == [(ROOT / "examples" / "test_founding_plan.py").read_text()]
    assert (
        ROOT / "examples" / "test_founding_plan" / "test_the_plan_is_the_one_reviewed.json"
    ).is_file()
