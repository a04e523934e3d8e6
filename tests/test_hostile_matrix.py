"""Every command over one hostile set, run as a user runs it: a real ``dynsys`` process.

For each hostile model text (code injection, a blow-up, a NUL byte, deep nesting, huge
numbers, unknown functions, an empty file) and each command (show, simulate, analyze,
phase, continue, and the Hopfield and report commands with hostile arguments), the run
must end with status 0 or 2 within a time bound under an address-space limit
(``RLIMIT_AS``), print one ``error:`` line when it fails and never a traceback, write
nothing outside its working folder, and leave no process behind.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

#: Address space of one run (a runaway allocation fails instead of swapping the machine).
MEMORY = 3 * 1024**3
TIME = 120

HOSTILE = {
    "inject": "x' = __import__('os').system('touch PWNED')\n",
    "blowup": "x' = x^2\ninit x=1\n@ total=2\n",
    "nul": "x' = -x\x00\n",
    "deep": "x' = " + "(" * 150 + "x" + ")" * 150 + "\n",
    "huge": "x' = 1e308*x*1e308\ny' = -y\n",
    "unknown": "x' = frobnicate(x)\n",
    "empty": "",
    "names": "par _dynsys_heav=1, tanh=2\nx' = -x + _dynsys_heav + tanh(tanh)\n",
}


def _limits() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _run(argv: list[str], work: Path, home: Path) -> subprocess.CompletedProcess[str]:
    cache = home.parent / "cache"  # matplotlib's font cache is not an output of dynsys
    env = {**os.environ, "HOME": str(home), "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": str(cache), "XDG_CACHE_HOME": str(cache)}
    proc = subprocess.Popen([sys.executable, "-m", "dynsys.cli", *argv], cwd=work, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_limits,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIME)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"dynsys {' '.join(argv)} did not end within {TIME} s")
    try:  # the process group is gone with its leader: nothing left behind
        os.killpg(proc.pid, 0)
        leftover = True
    except ProcessLookupError:
        leftover = False
    assert not leftover, f"dynsys {' '.join(argv)} left a process behind"
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _check(run: subprocess.CompletedProcess[str], work: Path, home: Path,
           allowed: set[str]) -> None:
    where = "dynsys " + " ".join(run.args)
    assert "Traceback" not in run.stderr, f"{where}:\n{run.stderr}"
    assert run.returncode in (0, 2), f"{where}: status {run.returncode}\n{run.stderr}"
    if run.returncode == 2:
        errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, f"{where}:\n{run.stderr}"
    written = {p.name for p in work.iterdir()} - allowed
    assert written <= {"model.ode", "phase.png", "out.json"}, f"{where} wrote {written}"
    assert not (work / "PWNED").exists() and not any(home.iterdir()), where


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_command_on_a_hostile_model(name: str, tmp_path: Path) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    (work / "model.ode").write_bytes(HOSTILE[name].encode())
    commands = [
        ["show", "model.ode"],
        ["simulate", "model.ode", "--t-end", "1", "--json", "--out", "out.json"],
        ["analyze", "model.ode"],
        ["phase", "model.ode", "--plot", "phase.png"],
        ["continue", "model.ode", "--param", "a", "--range", "0:1"],
    ]
    for argv in commands:
        _check(_run(argv, work, home), work, home, {"model.ode"})


@pytest.mark.parametrize("argv", [
    ["hopfield", "recall", "--probe", "__import__('os')"],
    ["hopfield", "capacity", "--n", "-3", "--trials", "1"],
    ["hopfield", "capacity", "--n", "64", "--trials", "1000000000000"],
    ["hopfield", "error-correction", "--trials", "1000000000000"],
    ["hopfield", "scaling", "--sizes", "64", "--trials", "1000000000000"],
    ["report", "../../../etc/passwd", "--quick", "--out", "rep"],
    ["report", "--quick", "--out", "/dev/null/x"],
])
def test_hostile_arguments_to_the_other_commands(argv: list[str], tmp_path: Path) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    run = _run(argv, work, home)
    _check(run, work, home, set())
    assert run.returncode == 2
