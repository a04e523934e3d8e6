"""``dynsys analyze`` and ``dynsys phase`` through dynsys.cli.main."""

from __future__ import annotations

import json

import pytest

from dynsys.cli import main
from dynsys.latex import check_structure


def test_analyze_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "self_excitation"]) == 0
    out = capsys.readouterr().out
    assert "3 equilibria" in out and "r = 60" in out and "unstable" in out
    assert "0.305908292842" in out and "119.694091707" in out


def test_analyze_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "mutual_excitation", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["model"] == "mutual_excitation" and d["params"]["I"] == -10.0
    kinds = [e["kind"] for e in d["equilibria"]]
    assert kinds == ["stable node", "saddle", "stable node"]
    sad = d["equilibria"][1]
    assert sad["trace"] == pytest.approx(-2.0) and sad["det"] == pytest.approx(-24.0)
    assert [v["re"] for v in sad["eigenvalues"]] == pytest.approx([4.0, -6.0])
    assert sad["residual"] < 1e-12


def test_analyze_set_region_latex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "mutual_excitation", "--set", "I=-20", "--region",
                 "x=-1:10,y=-1:10", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert r"\toprule" in out and "stable node" in out and "saddle" not in out
    assert check_structure(out) == []


def test_analyze_plot_and_out(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    fig, out = tmp_path / "flux.png", tmp_path / "eq.json"
    assert main(["analyze", "self_excitation", "--plot", str(fig), "--json",
                 "--out", str(out)]) == 0
    assert fig.stat().st_size > 1000
    assert len(json.loads(out.read_text())["equilibria"]) == 3
    pp = tmp_path / "pp.pdf"
    assert main(["analyze", "mutual_excitation", "--plot", str(pp)]) == 0
    assert pp.read_bytes()[:4] == b"%PDF"


def test_phase(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    fig = tmp_path / "phase.png"
    assert main(["phase", "mutual_excitation", "--plot", str(fig), "--basin",
                 "--basin-resolution", "11"]) == 0
    out = capsys.readouterr().out
    assert "separatrix" in out and "basins" in out and fig.stat().st_size > 1000
    assert main(["phase", "fitzhugh_nagumo", "--plot", str(fig), "--unit", "", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["equilibria"][0]["kind"] == "unstable focus"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analyze", "nosuchmodel"], "unknown model"),
        (["analyze", "mutual_excitation", "--set", "zz=1"], "not a parameter"),
        (["analyze", "mutual_excitation", "--region", "x=5:1"], "LO < HI"),
        (["analyze", "mutual_excitation", "--region", "q=0:1"], "not a state"),
        (["phase", "self_excitation", "--plot", "x.png"], "2 states"),
        (["analyze", "{tdep}"], "autonomous"),
    ],
)
def test_errors_exit_2(argv: list[str], message: str, tmp_path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    tdep = tmp_path / "tdep.ode"
    tdep.write_text("x' = -x + sin(t)\n@ xlo=-1, xhi=1\ndone\n", encoding="utf-8")
    argv = [a.replace("{tdep}", str(tdep)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_network_equilibria_are_described_not_listed(capsys):
    """analyze on the 64-unit Hopfield network printed 64 'rNcM = +-1' values per point
    (8.5 KB); it prints each point's overlaps and, at a kink, the perturbation verdict
    (issue 13, item 10)."""
    from dynsys.cli import main

    assert main(["analyze", "hopfield"]) == 0
    out = capsys.readouterr().out
    assert len(out) < 4000 and "r0c0 =" not in out
    assert "64 states in [-1.1, 1.1]" in out
    assert "overlaps x +0.062, smiley +1.000" in out
    assert "non-smooth (unstable: decided by perturbed runs" in out
