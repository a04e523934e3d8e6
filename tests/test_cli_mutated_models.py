"""Mutated model files through `analyze`, `continue` and `phase` (issue: models from the
wild): a result or one ``error:`` line with status 2, never a traceback or another
status, whatever the text.

The mutations edit the small .ode files of tests/data/xpp (characters cut, inserted or
replaced at random places), run in-process through the real CLI entry point.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dynsys.cli import main

DATA = Path(__file__).parent / "data" / "xpp"
BASES = {p.name: p.read_text() for p in sorted(DATA.glob("*.ode"))
         if p.stat().st_size < 2000 and "table" not in p.read_text()}
ALPHABET = "()^*+-/=,'@!#{}[]%;:xyabtIvw 0123.e\n"


def _first_param(text: str) -> str | None:
    for line in text.splitlines():
        words = line.split()
        if words and words[0].lower() in ("par", "p", "param", "params"):
            return words[1].split("=")[0].split(",")[0] if len(words) > 1 else None
    return None


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(BASES)),
       edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3),
                                st.text(ALPHABET, max_size=3)), min_size=1, max_size=4),
       command=st.sampled_from(["analyze", "continue", "phase"]))
def test_mutated_files_answer_or_refuse_in_one_line(name, edits, command, tmp_path_factory,
                                                    capsys) -> None:
    text = BASES[name]
    for where, cut, insert in edits:
        pos = int(where * len(text))
        text = text[:pos] + insert + text[pos + cut:]
    tmp = tmp_path_factory.mktemp("mut")
    path = tmp / "model.ode"
    path.write_text(text)
    argv = [command, str(path)]
    if command == "continue":
        argv += ["--param", _first_param(text) or "a", "--range", "-1:1", "--samples", "2"]
    elif command == "phase":
        argv += ["--plot", str(tmp / "phase.png"), "--t-end", "5"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: must not happen for these argument lists
            pytest.fail(f"SystemExit {exc.code} from {argv}")
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in (0, 2), (argv, text, err)
    if code == 2:
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, (text, err)
        if command == "phase":
            assert not (tmp / "phase.png").exists()  # no partial output
