"""Every command on model files written for XPPAUT, without a region: an answer or one
``error:`` line, exit status 0 or 2, never a traceback (issue: models from the wild).

The commands run in-process through the CLI's entry point (``dynsys.cli.main``, which
turns every error into its one line), so that the model is compiled once per file, not
once per command; one file also goes through a real ``python -m dynsys.cli`` process.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from dynsys.cli import main

DATA = Path(__file__).parent / "data" / "xpp"
FILES = sorted(DATA.glob("*.ode"))


def _commands(path: Path, tmp: Path) -> list[list[str]]:
    text = path.read_text().lower()
    first_par = next((line.split()[1].split("=")[0] for line in text.splitlines()
                      if line.split()[:1] and line.split()[0] in ("par", "p", "param")), None)
    cmds = [["show", str(path)], ["show", str(path), "--json"],
            ["simulate", str(path), "--t-end", "2"],
            ["analyze", str(path)],
            ["phase", str(path), "--plot", str(tmp / "phase.png")]]
    if first_par:
        cmds.append(["continue", str(path), "--param", first_par, "--range", "-1:1"])
    return cmds


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_command_answers_or_refuses_in_one_line(path: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    for cmd in _commands(path, tmp_path):
        where = f"dynsys {' '.join(cmd)}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = main(cmd)
        out, err = capsys.readouterr()
        assert "Traceback" not in err, f"{where}:\n{err}"
        assert code in (0, 2), f"{where}: status {code}\n{err}"
        if code == 2:
            errors = [line for line in err.splitlines() if line.startswith("error:")]
            assert len(errors) == 1, f"{where}:\n{err}"
        else:
            assert out.strip(), f"{where}: no output"


def test_a_real_process_answers_too(tmp_path: Path) -> None:
    path = DATA / "fhn_plain.ode"
    for cmd in (["analyze", str(path)], ["continue", str(path), "--param", "I", "--range",
                                         "-1:1"]):
        run = subprocess.run([sys.executable, "-m", "dynsys.cli", *cmd], capture_output=True,
                             text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)
        assert "Traceback" not in run.stderr and run.returncode == 0, run.stderr
        assert run.stdout.strip()
