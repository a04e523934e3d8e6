"""Bifurcation diagrams (all branches, isolas), simulated cycles, and ``dynsys continue``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dynsys import Model, compile, load_model, symbols
from dynsys.bifurcation.diagram import BifurcationDiagram, bifurcation_diagram
from dynsys.bifurcation.simulated_cycles import simulated_cycles
from dynsys.cli import main
from dynsys.errors import ModelError

FOLDS = (-10 - (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5))),
         -10 + (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5))))


@pytest.fixture(scope="module")
def mutual_diagram() -> BifurcationDiagram:
    return bifurcation_diagram(compile(load_model("mutual_excitation")), "I", (-20, 0),
                               n_samples=3)


def test_diagram_of_mutual_excitation(mutual_diagram: BifurcationDiagram) -> None:
    assert len(mutual_diagram.branches) == 1  # the three equilibria lie on one S-curve
    folds = sorted(sp.params["I"] for sp in mutual_diagram.points("fold"))
    np.testing.assert_allclose(folds, FOLDS, atol=1e-9)
    from dynsys._io import to_jsonable

    d = json.loads(json.dumps(to_jsonable(mutual_diagram.to_dict()), allow_nan=False))
    assert set(d) >= {"model", "param", "range", "branches", "special_points"}


@settings(max_examples=20)
@given(st.floats(-19.9, -0.1))
def test_number_of_equilibria_changes_by_two_across_a_fold(
        mutual_diagram: BifurcationDiagram, current: float) -> None:
    if min(abs(current - f) for f in FOLDS) < 1e-6:
        return
    expected = 3 if FOLDS[0] < current < FOLDS[1] else 1
    assert mutual_diagram.count(current) == expected
    for f in FOLDS:
        assert mutual_diagram.count(f + 1e-4) - mutual_diagram.count(f - 1e-4) in (2, -2)


def test_diagram_finds_an_isola_and_a_disjoint_branch() -> None:
    x, mu = symbols("x mu")
    model = Model({x: -(x**2 + mu**2 - 1) * (x - 3)}, params={mu: 0.0}, name="isola_line",
                  region={x: (-5, 5)})
    d = bifurcation_diagram(compile(model), "mu", (-1.5, 1.5), n_samples=4)
    assert len(d.branches) == 2
    closed = [br for br in d.branches if br.closed]
    assert len(closed) == 1
    assert sorted(sp.params["mu"] for sp in closed[0].points("fold")) == pytest.approx(
        [-1, 1], abs=1e-10)
    line = next(br for br in d.branches if not br.closed)
    np.testing.assert_allclose(line.states[:, 0], 3.0, atol=1e-10)
    assert d.count(0.0) == 3 and d.count(1.2) == 1
    assert "2 branches" in str(d)


def test_simulated_cycles_of_fitzhugh_nagumo() -> None:
    cyc = simulated_cycles(load_model("fitzhugh_nagumo"), "I", [0.1, 0.5, 0.9, 1.8],
                           transient=200, window=200)
    assert cyc.oscillating.tolist() == [False, True, True, False]
    assert np.all((cyc.periods[1:3] > 25) & (cyc.periods[1:3] < 60))
    assert np.all(cyc.maxima[1:3, 0] > 1.5) and np.all(cyc.minima[1:3, 0] < -1.5)
    d = cyc.to_dict()
    assert d["simulated"] is True and "periods" in d
    with pytest.raises(ModelError):
        simulated_cycles(load_model("fitzhugh_nagumo"), "I", [])


def test_simulated_cycles_of_wilson_cowan_are_not_faked_past_the_hopf_point() -> None:
    # supercritical Hopf at P = 1.8793: a cycle below it, a stable focus above it (Euler
    # with the model's dt = 0.01 made the focus oscillate). Reference: DOP853 at
    # rtol 1e-11 from the model's initial state, E in [0.21530, 0.27198], period 2.4815.
    cyc = simulated_cycles(load_model("wilson_cowan"), "P", [1.81, 1.97], transient=200,
                           window=100)
    assert cyc.oscillating.tolist() == [True, False]
    np.testing.assert_allclose([cyc.minima[0, 0], cyc.maxima[0, 0]], [0.21530, 0.27198],
                               atol=2e-4)
    assert abs(cyc.periods[0] - 2.4815) < 2e-3
    assert cyc.method == "rk45"


# ------------------------------------------------------------------ CLI
def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_one_parameter_text_and_json(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _run(capsys, "continue", "mutual_excitation", "--param", "I",
                        "--range", "-20:0", "--samples", "2")
    assert code == 0
    assert "Branch of equilibria of mutual_excitation in I" in out
    assert "fold" in out and "-16.05700096" in out and "-3.94299904" in out
    code, out, _ = _run(capsys, "continue", "mutual_excitation", "--param", "I",
                        "--range", "-20:0", "--samples", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["model"] == "mutual_excitation" and data["param"] == "I"
    assert data["range"] == [-20.0, 0.0]
    assert len(data["branches"]) == 1
    br = data["branches"][0]
    assert len(br["values"]) == len(br["states"]["x"]) == len(br["stable"])
    types = {sp["type"] for sp in data["special_points"]}
    assert types == {"fold"}
    fold = data["special_points"][0]
    assert set(fold["state"]) == {"x", "y"} and "I" in fold["params"]
    assert fold["params"]["I"] == pytest.approx(FOLDS[0], abs=1e-9)


def test_cli_fold_curve_and_latex(capsys: pytest.CaptureFixture, tmp_path) -> None:
    plot = tmp_path / "cusp.png"
    code, out, _ = _run(capsys, "continue", "self_excitation", "--fold", "--params", "w,I",
                        "--range", "w=0:1,I=-5:0", "--samples", "2", "--json",
                        "--plot", str(plot))
    assert code == 0 and plot.stat().st_size > 1000
    data = json.loads(out)
    cusp = [sp for sp in data["special_points"] if sp["type"] == "cusp"]
    assert len(cusp) == 1 and len(data["curves"]) == 1
    assert cusp[0]["params"]["w"] == pytest.approx(1 / 60, abs=1e-6)
    assert cusp[0]["params"]["I"] == pytest.approx(-1.0, abs=1e-6)
    code, out, _ = _run(capsys, "continue", "fitzhugh_nagumo", "--param", "I", "--range",
                        "0:2", "--samples", "2", "--format", "latex")
    assert code == 0 and out.startswith(r"\begin{tabular}") and "hopf" in out


def test_cli_plot_with_cycles(capsys: pytest.CaptureFixture, tmp_path) -> None:
    plot = tmp_path / "fhn.svg"
    code, out, _ = _run(capsys, "continue", "fitzhugh_nagumo", "--param", "I", "--range",
                        "0:2", "--samples", "2", "--simulate-cycles", "4", "--plot", str(plot))
    assert code == 0 and plot.read_text().startswith("<?xml")
    assert "SIMULATED" in out and "period" in out


@pytest.mark.parametrize("argv, message", [
    (["--param", "J", "--range", "-20:0"], "not a parameter"),
    (["--param", "I", "--range", "0:-20"], "LO < HI"),
    (["--param", "I"], "--range"),
    ([], "--param"),
    (["--fold", "--params", "w1"], "two different"),
    (["--fold", "--params", "w1,I", "--range", "q=0:1"], "not one of"),
    (["--param", "I", "--range", "-20:0", "--start", "x=1"], "misses"),
])
def test_cli_bad_input_exits_2(capsys: pytest.CaptureFixture, argv: list, message: str
                               ) -> None:
    code, _, err = _run(capsys, "continue", "mutual_excitation", *argv)
    assert code == 2 and err.startswith("error: ") and message in err


def test_cli_start_continues_one_branch(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _run(capsys, "continue", "mutual_excitation", "--param", "I", "--range",
                        "-20:0", "--start", "x=0.00227,y=0.00227", "--set", "I=-10",
                        "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["branches"]) == 1 and len(data["special_points"]) == 2


def test_cli_region_map_under_fold_curves(capsys: pytest.CaptureFixture, tmp_path) -> None:
    plot = tmp_path / "figure5.png"
    code, out, _ = _run(capsys, "continue", "self_excitation", "--fold", "--params", "w,I",
                        "--range", "w=0:1,I=-5:0", "--samples", "2", "--map", "11,11",
                        "--json", "--plot", str(plot))
    assert code == 0 and plot.stat().st_size > 1000
    counts = np.array(json.loads(out)["region_map"]["counts"])
    assert counts.shape == (11, 11) and set(np.unique(counts)) == {1, 3}
    code, _, err = _run(capsys, "continue", "self_excitation", "--fold", "--params", "w,I",
                        "--map", "ten")
    assert code == 2 and "--map" in err


def test_cli_hopf_curves(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _run(capsys, "continue", "fitzhugh_nagumo", "--hopf", "--params", "b,I",
                        "--range", "b=0.5:1.2,I=0:2", "--samples", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert [c["kind"] for c in data["curves"]] == ["hopf", "hopf"]
    b = np.array(data["curves"][0]["values"]["b"])
    kappa = np.array(data["curves"][0]["tests"]["kappa"])
    np.testing.assert_allclose(kappa, 0.08 - 0.08**2 * b**2, atol=1e-9)


def test_a_slowly_decaying_focus_past_the_hopf_is_not_a_settled_cycle():
    """wilson_cowan's supercritical Hopf is at P = 1.8793: below it a small cycle
    settles; just above it the focus decays too slowly to finish within the window."""
    from dynsys import compile, load_model, simulated_cycles
    from dynsys._io import to_jsonable
    from dynsys.plots.bifurcation import plot_bifurcation_diagram

    cyc = simulated_cycles(compile(load_model("wilson_cowan")), "P", [1.5, 1.86, 1.89, 2.5])
    assert cyc.oscillating.tolist() == [True, True, True, False]
    assert cyc.settled.tolist() == [True, True, False, True]
    assert to_jsonable(cyc)["settled"] == [True, True, False, True]
    from dynsys import bifurcation_diagram

    d = bifurcation_diagram(compile(load_model("wilson_cowan")), "P", (1.4, 2.6))
    labels = [ln.get_label() for ln in plot_bifurcation_diagram(d, cycles=cyc).axes[0].lines]
    assert "not settled (simulated)" in labels and "limit cycle max/min (simulated)" in labels
