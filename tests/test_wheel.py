"""The built wheel works on its own: installed into a fresh virtual environment outside
the source tree, it ships the built-in models and report recipes and runs ``dynsys show``.

The fresh environment borrows the test runner's third-party packages (numpy, sympy,
...) through a ``.pth`` file instead of downloading them; the editable install of the
source tree is not visible there (a ``.pth`` line adds a folder to ``sys.path`` but does
not run the ``.pth`` files inside it), and the test checks that ``dynsys`` is imported
from the installed wheel.
"""

import importlib.util
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd, **kw):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env, **kw)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-isolation")  # offline: use the installed build backend
    _run([*cmd, str(ROOT)], cwd=out)
    wheels = list(out.glob("dynsys-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_ships_models_and_reports(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    models = {Path(n).name for n in names if n.startswith("dynsys/_data/models/")}
    assert {"mutual_excitation.py", "self_excitation.py", "fitzhugh_nagumo.py"} <= models
    shipped_reports = {Path(n).name for n in names if n.startswith("dynsys/_data/reports/")}
    source_reports = {p.name for p in (ROOT / "reports").glob("*.py")}
    assert source_reports <= shipped_reports
    assert "dynsys/core/odefile/__init__.py" in names and "dynsys/cli.py" in names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


def test_wheel_installs_and_runs_outside_the_tree(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"]).stdout.strip())
    runner = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_runner_packages.pth").write_text("\n".join(sorted(runner)) + "\n")
    # --ignore-installed: the runner's own copy of dynsys is visible through the .pth
    # file, and pip must still install the wheel into the fresh environment
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--ignore-installed", "--no-index", "--disable-pip-version-check", "--quiet",
          str(wheel)])

    work = tmp_path / "elsewhere"
    work.mkdir()
    shown = _run([str(bindir / "dynsys"), "show", "mutual_excitation"], cwd=work).stdout
    assert "model mutual_excitation" in shown
    assert "dx/dt" in shown and "w1=0.4" in shown

    check = (
        "import dynsys, dynsys.core.loading as m\n"
        "print(dynsys.__file__)\n"
        "print(m._builtin_dir())\n"
        "ref = m.load_model('mutual_excitation')\n"
        "print(m.Model.from_text(ref.to_ode(), name=ref.name) == ref)\n"
    )
    where = _run([str(python), "-c", check], cwd=work).stdout.split()
    assert Path(where[0]).is_relative_to(env_dir), where
    assert Path(where[1]) == Path(where[0]).parent / "_data" / "models"
    assert where[2] == "True"
