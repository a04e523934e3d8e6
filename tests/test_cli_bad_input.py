"""Bad input anywhere in the CLI: one line ``error: ...`` on stderr, status 2, no file written.

Each case is a command line a user could type (malformed model files, unknown names,
wrong shapes, non-finite or absurd numbers, unusable output paths). The CLI must refuse
it before doing any work that would leave a partial output behind, and it must never
hang, crash with a traceback or print numpy's warnings next to the error.
"""

from __future__ import annotations

import os
import stat

import pytest

from dynsys.cli import main

FOO = "{tmp}/fig.foo"
NODIR = "{tmp}/no_such_folder/out.json"

CASES = [
    # argparse's own errors: one line, not the usage block, and no SystemExit
    (["show"], "required: MODEL"),
    (["hopfield"], "required: ACTION"),
    (["simulate", "mutual_excitation", "--trials", "abc"], "invalid int value"),
    (["simulate", "mutual_excitation", "--method", "foo"], "invalid choice"),
    (["show", "mutual_excitation", "--format", "yaml"], "invalid choice"),
    (["simulate", "mutual_excitation", "--bogus"], "unrecognized arguments"),
    # a .py model file whose `model` is not a model
    (["show", "{notmodel}"], "not a dynsys Model"),
    (["simulate", "{notmodel}"], "not a dynsys Model"),
    (["analyze", "{notmodel}"], "not a dynsys Model"),
    (["show", "{tmp}"], "is a folder, not a model file"),
    # shapes and numbers
    (["simulate", "mutual_excitation", "--x0", "1,2,3"], "2 needed"),
    (["simulate", "mutual_excitation", "--x0", "1,,2"], "3 value(s)"),
    (["simulate", "mutual_excitation", "--set", "I=nan"], "must be finite"),
    (["simulate", "mutual_excitation", "--dt", "inf"], "must be finite"),
    (["analyze", "mutual_excitation", "--set", "I=nan"], "must be finite"),
    (["continue", "mutual_excitation", "--param", "I", "--range", "0:nan"], "must be finite"),
    (["simulate", "mutual_excitation", "--dt", "1e-300"], "steps is more than"),
    (["simulate", "mutual_excitation", "--t-end", "1e300"], "steps is more than"),
    (["simulate", "mutual_excitation", "--t-end", "1e9"], "GB"),
    (["simulate", "mutual_excitation", "--trials", "1000000000"], "GB"),
    (["simulate", "mutual_excitation", "--sigma", "1", "--seed", "-1"], "non-negative integer"),
    (["analyze", "mutual_excitation", "--seed", "-1"], "non-negative integer"),
    (["hopfield", "recall", "--seed", "-1"], "non-negative integer"),
    (["analyze", "mutual_excitation", "--region", ""], "empty"),
    (["analyze", "mutual_excitation", "--region", "x=0:1,x=0:2,y=0:1"], "'x' twice"),
    # a right-hand side that is NaN at the start: RK45 used to loop forever
    (["simulate", "{logneg}", "--x0", "-1", "--method", "rk45", "--t-end", "1"],
     "not finite at the initial state"),
    # numpy's RuntimeWarnings must not precede the one error line
    (["analyze", "{logneg}"], "not finite"),
    (["phase", "mutual_excitation", "--plot", "{tmp}/p.png", "--t-end", "1e300"],
     "RK4 steps"),
    (["analyze", "mutual_excitation", "--region", "x=-1e308:1e308,y=0:1"], "wider than"),
    # Hopfield sizes and times that would hang or exhaust memory
    (["hopfield", "recall", "--t-end", "1e300"], "Euler steps"),
    (["hopfield", "recall", "--random", "2", "--n", "1000000"], "at most"),
    (["hopfield", "scaling", "--sizes", "99999999999", "--trials", "1"], "from 2 to"),
    (["hopfield", "scaling", "--sizes", "8", "--alphas", "-1", "--trials", "1"], "> 0"),
    (["hopfield", "capacity", "--n", "8", "--max-patterns", "2", "--trials", "2",
      "--scheduler", "nonsense"], "Dask scheduler"),
    (["analyze", "hopfield", "--plot", "{tmp}/h.png"], "1-D and 2-D models only"),
    # hostile strings: a newline in what the user typed must not split the error line
    (["continue", "mutual_excitation", "--param", "I\nJ", "--range", "0:1"], "not a parameter"),
    (["show", "mutual_excitation", "--out", "{tmp}/no\nfolder/x.txt"], "does not exist"),
    (["show", "mutual_excitation", "--bogus\nflag"], "unrecognized arguments"),
    # output paths: checked before any work, so nothing is half written
    (["simulate", "mutual_excitation", "--plot", FOO], "unknown format 'foo'"),
    (["analyze", "mutual_excitation", "--plot", FOO], "unknown format 'foo'"),
    (["phase", "mutual_excitation", "--plot", FOO], "unknown format 'foo'"),
    (["continue", "mutual_excitation", "--param", "I", "--range", "-20:0", "--plot", FOO],
     "unknown format 'foo'"),
    (["hopfield", "recall", "--plot", FOO], "unknown format 'foo'"),
    (["simulate", "mutual_excitation", "--plot", "{tmp}/ok.png", "--out", NODIR],
     "does not exist"),
    (["analyze", "mutual_excitation", "--plot", "{tmp}/ok.png", "--out", NODIR],
     "does not exist"),
    (["phase", "mutual_excitation", "--plot", "{tmp}/ok.png", "--json", "--out", NODIR],
     "does not exist"),
    (["hopfield", "recall", "--plot", "{tmp}/ok.png", "--out", NODIR], "does not exist"),
    (["show", "mutual_excitation", "--out", "{tmp}"], "is a folder"),
    (["simulate", "mutual_excitation", "--out", ""], "needs a file name"),
    (["simulate", "mutual_excitation", "--plot", ""], "needs a file name"),
    (["report", "--quick", "--no-pdf", "--out", ""], "needs a folder name"),
    (["report", "--quick", "--seed", "abc"], "expected a non-negative integer, got 'abc'"),
]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "notmodel.py").write_text("model = 5\n", encoding="utf-8")
    (tmp_path / "logneg.ode").write_text("x' = log(x)\n@ xlo=-1, xhi=1\n", encoding="utf-8")
    return {"tmp": str(tmp_path), "notmodel": str(tmp_path / "notmodel.py"),
            "logneg": str(tmp_path / "logneg.ode")}


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("argv", "message"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_input_one_error_line_status_2_no_file(argv, message, files, tmp_path, capsys):
    before = sorted(p.name for p in tmp_path.rglob("*"))
    status = main([a.format(**files) for a in argv])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert status == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert message in lines[0]
    assert out == ""
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_written_files_follow_the_umask(tmp_path, capsys):
    """Atomic writes go through mkstemp (mode 0600); the result must look like open()'s."""
    target = tmp_path / "model.txt"
    assert main(["show", "mutual_excitation", "--out", str(target)]) == 0
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("argv", [
    ["report", "--quick", "--no-pdf", "--no-progress", "--out", "missing_parent/report"],
    ["report", "--quick", "--no-pdf", "--no-progress", "--seed", "-1", "--out", "r"],
])
def test_report_refuses_before_working(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert list(tmp_path.iterdir()) == []
