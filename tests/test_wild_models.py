"""Every command on model files written for XPPAUT, without a region: an answer or one
``error:`` line, exit status 0 or 2, never a traceback (issue: models from the wild)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
def test_every_command_answers_or_refuses_in_one_line(path: Path, tmp_path: Path) -> None:
    for cmd in _commands(path, tmp_path):
        run = subprocess.run([sys.executable, "-m", "dynsys.cli", *cmd], capture_output=True,
                             text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)
        where = f"dynsys {' '.join(cmd)}"
        assert "Traceback" not in run.stderr, f"{where}:\n{run.stderr}"
        assert run.returncode in (0, 2), f"{where}: status {run.returncode}\n{run.stderr}"
        if run.returncode == 2:
            errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
            assert len(errors) == 1, f"{where}:\n{run.stderr}"
        else:
            assert run.stdout.strip(), f"{where}: no output"
