"""The README's examples run, so they cannot rot.

Python blocks are executed in order; every ``dynsys ...`` command line in a code block
is parsed by the real argument parser, and the fast ones are run in a scratch folder.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from dynsys.cli import _join_negative_values, build_parser, main

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)

# Commands too slow for the suite (they run in the report or benchmarks): parse only.
PARSE_ONLY = ("dynsys report", "hopfield capacity", "hopfield scaling", "--scheduler",
              "error-correction", "--map")


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(README.read_text()) if kind == lang]


def _commands() -> list[str]:
    lines: list[str] = []
    for kind, body in BLOCK.findall(README.read_text()):
        if kind not in ("", "bash"):
            continue
        for raw in body.splitlines():
            line = raw.strip().removeprefix("$ ").split(" #")[0].strip()
            line = line.split(" > ")[0].split(" &&")[0].strip()
            if line.startswith(".venv/bin/dynsys"):
                line = line.removeprefix(".venv/bin/")
            if line.startswith("dynsys "):
                lines.append(line)
    return lines


def test_quickstart_is_two_commands_and_ci_runs_the_second() -> None:
    text = README.read_text()
    assert text.index("## Quickstart") < text.index("## Declare")
    quick = _blocks("bash")[0].strip().splitlines()
    assert len(quick) == 2
    assert quick[0].endswith("dynsys report")
    ci = (README.parent / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == quick[1]


def test_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for code in _blocks("python"):
        exec(compile(code, str(README), "exec"), namespace)  # our own README, not user text


def test_ode_example_is_the_built_in_fitzhugh_nagumo() -> None:
    from dynsys import Model, load_model

    text = next(b for b in _blocks("") if "dv/dt" in b)
    parsed = Model.from_text(text, name="fitzhugh_nagumo")
    builtin = load_model("fitzhugh_nagumo")
    assert parsed.equations == builtin.equations and parsed.params == builtin.params


@pytest.mark.parametrize("line", _commands())
def test_cli_examples(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(line)[1:]
    build_parser().parse_args(_join_negative_values(argv))  # flags exist and parse
    if any(marker in line for marker in PARSE_ONLY):
        return
    assert main(argv) == 0, capsys.readouterr().err
