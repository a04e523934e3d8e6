"""``dynsys cycle``, ``dynsys continue --cycles`` / ``--simulate-cycles`` and
``dynsys phase --cycles``: outputs checked against closed forms (Hopf and Bautin normal
forms, Van der Pol's period, FitzHugh-Nagumo's Hopf points), JSON keys, refusals."""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from dynsys.cli import main

DATA = Path(__file__).parent / "data" / "xpp"
CYCLE_TYPES = {"fold_of_cycles", "period_doubling", "neimark_sacker"}
END_TYPES = {"hopf", "bound", "homoclinic", "max_steps", "step_failure"}

#: z' = (mu + i) z - |z|^2 z: a stable cycle of radius sqrt(mu), period 2 pi, nontrivial
#: Floquet multiplier exp(-2 mu 2 pi) (the radial eigenvalue of r' = mu r - r^3 is -2 mu).
HOPF_NF = """# Hopf normal form
dx/dt = mu*x - y - x*(x^2 + y^2)
dy/dt = x + mu*y - y*(x^2 + y^2)
p mu=0.25
init x=0.3, y=0
done
"""

#: Bautin normal form r' = r (mu + r^2 - r^4), theta' = 1 at mu = -0.1: a stable focus
#: inside an unstable cycle (r^2 = (1 - sqrt(0.6))/2) inside a stable one (1 + sqrt(0.6))/2.
BAUTIN = """dx/dt = x*(mu + (x^2 + y^2) - (x^2 + y^2)^2) - y
dy/dt = y*(mu + (x^2 + y^2) - (x^2 + y^2)^2) + x
p mu=-0.1
init x=0.9, y=0
done
"""

#: Van der Pol at mu = 1: period 6.663286859323130 (Hairer, Norsett and Wanner, 1993).
VDP = """dx/dt = y
dy/dt = mu*(1 - x^2)*y - x
p mu=1
init x=2, y=0
done
"""

#: FitzHugh-Nagumo's Hopf points (a = 0.7, b = 0.8, eps = 0.08): trace J = 0 gives
#: v^2 = 1 - eps b; I = w - v + v^3/3 with w = (v + a)/b; omega^2 = det J = eps (1 - eps b^2).
_V = math.sqrt(1 - 0.08 * 0.8)
FHN_HOPF = sorted((v + 0.7) / 0.8 - v + v**3 / 3 for v in (-_V, _V))
FHN_PERIOD = 2 * math.pi / math.sqrt(0.08 * (1 - 0.08 * 0.8**2))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def ode_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("cycles")
    files = {"hopf_nf": HOPF_NF, "vdp": VDP, "bautin": BAUTIN,
             "forced": "dx/dt = -x + sin(t)\ndy/dt = x - y\ninit x=1, y=0\ndone\n"}
    for name, text in files.items():
        (folder / f"{name}.ode").write_text(text)
    return {name: str(folder / f"{name}.ode") for name in files}


# ------------------------------------------------------------------ dynsys cycle
def test_cycle_json_matches_the_hopf_normal_form(ode_files: dict[str, str]) -> None:
    code, out, err = run("cycle", ode_files["hopf_nf"], "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["period"] == pytest.approx(2 * math.pi, rel=1e-9)
    assert data["max"]["x"] == pytest.approx(0.5, abs=1e-8)
    assert data["min"]["y"] == pytest.approx(-0.5, abs=1e-8)
    assert data["stable"] is True and data["unstable_multipliers"] == 0
    mods = sorted(math.hypot(z["re"], z["im"]) for z in data["multipliers"])
    assert mods == pytest.approx([math.exp(-2 * 0.25 * 2 * math.pi), 1.0], abs=1e-7)
    assert data["start"] == {"x0": {"x": 0.3, "y": 0.0}, "transient": 200.0}


def test_cycle_set_changes_the_radius(ode_files: dict[str, str]) -> None:
    code, out, _ = run("cycle", ode_files["hopf_nf"], "--set", "mu=0.09", "--json",
                       "--ntst", "20", "--ncol", "3", "--transient", "150")
    assert code == 0
    data = json.loads(out)
    assert data["max"]["x"] == pytest.approx(0.3, abs=1e-5)  # a coarse 20 x 3 mesh
    assert data["mesh"]["ntst"] == 20 and data["mesh"]["ncol"] == 3


def test_cycle_text_latex_and_plot(ode_files: dict[str, str], tmp_path: Path) -> None:
    plot = tmp_path / "vdp.png"
    code, out, err = run("cycle", ode_files["vdp"], "--plot", str(plot), "--x", "y",
                         "--y", "x")
    assert code == 0 and plot.stat().st_size > 5000
    assert f"figure written to {plot}" in err
    assert out.startswith("Periodic orbit of vdp (mu=1)")
    assert "period 6.663286859, stable" in out  # 6.663286859323130
    code, out, _ = run("cycle", ode_files["vdp"], "--format", "latex")
    assert code == 0 and out.startswith(r"\begin{tabular}")
    assert "$T = 6.663286859$" in out and r"\bottomrule" in out


def test_cycle_from_x0_on_fitzhugh_nagumo() -> None:
    code, out, _ = run("cycle", "fitzhugh_nagumo", "--x0", "1.5,0.5", "--json")
    assert code == 0
    data = json.loads(out)
    # the relaxation oscillation at I = 0.5 lies outside the middle branch of the
    # v-nullcline's extrema (v = +-1) and its period exceeds the Hopf period
    assert data["max"]["v"] > 1 and data["min"]["v"] < -1
    assert data["period"] > FHN_PERIOD and data["stable"] is True


def test_cycle_refuses_a_model_that_settles_naming_the_equilibrium() -> None:
    code, out, err = run("cycle", "fitzhugh_nagumo", "--set", "I=0")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: no periodic orbit: the run from (v = -1, w = 1) settles "
                          "to the stable equilibrium")
    # the equilibrium at I = 0: v - v^3/3 = (v + 0.7)/0.8 (one real root)
    roots = np.roots([-1 / 3, 0, 1 - 1 / 0.8, -0.7 / 0.8])
    v = float(roots[np.abs(roots.imag) < 1e-12].real[0])
    assert f"v = {v:.6g}" in err
    assert "--transient" in err and "--cycles" in err


@pytest.mark.parametrize("model, message", [
    ("hopfield", "non-smooth"),
    ("forced", "depends on time"),
])
def test_cycle_refuses_non_smooth_and_time_dependent_models(
        ode_files: dict[str, str], model: str, message: str) -> None:
    code, out, err = run("cycle", ode_files.get(model, model))
    assert code == 2 and out == "" and err.startswith("error: ") and message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["--x0", "1,2,3"], "2 needed"),
    (["--ncol", "9"], "--ncol"),
    (["--ntst", "2"], "--ntst"),
    (["--transient", "-1"], "--transient must be positive"),
    (["--x", "q"], "not a state"),
    (["--x", "v", "--y", "v"], "same state"),
])
def test_cycle_bad_input_exits_2_without_files(argv: list[str], message: str,
                                               tmp_path: Path) -> None:
    plot = tmp_path / "never.png"
    code, out, err = run("cycle", "fitzhugh_nagumo", *argv, "--plot", str(plot))
    assert code == 2 and out == "" and err.startswith("error: ") and message in err
    assert not plot.exists()


# -------------------------------------------------------- dynsys continue --cycles
@pytest.fixture(scope="module")
def fhn_json() -> dict:
    code, out, err = run("continue", "fitzhugh_nagumo", "--param", "I", "--range",
                         "-0.5:2", "--samples", "2", "--cycles", "--json")
    assert code == 0, err
    return json.loads(out)


def test_continue_cycles_json_keys_and_hopf_starts(fhn_json: dict) -> None:
    branches = fhn_json["cycle_branches"]
    assert fhn_json["cycle_failures"] == []
    hopf = sorted(sp["params"]["I"] for sp in fhn_json["special_points"]
                  if sp["type"] == "hopf")
    np.testing.assert_allclose(hopf, FHN_HOPF, atol=1e-8)
    assert 1 <= len(branches) <= 2
    for br in branches:
        assert {"values", "period", "max", "min", "stable", "multipliers", "end"} <= set(br)
        n = len(br["values"])
        assert set(br["max"]) == set(br["min"]) == {"v", "w"}
        assert all(len(br[k][s]) == n for k in ("max", "min") for s in ("v", "w"))
        assert len(br["period"]) == n and len(br["multipliers"]) == n
        assert all(isinstance(s, bool) for s in br["stable"]) and len(br["stable"]) == n
        assert all(set(z) == {"re", "im"} for row in br["multipliers"] for z in row)
        assert br["end"]["type"] in END_TYPES and "I" in br["end"]["params"]
        # each branch starts on a Hopf point, at the Hopf period 2 pi / omega
        assert min(abs(br["values"][0] - h) for h in FHN_HOPF) < 1e-8
        assert br["period"][0] == pytest.approx(FHN_PERIOD, rel=1e-6)
        # the max/min envelope pinches to the equilibrium at the Hopf point
        assert br["max"]["v"][0] - br["min"]["v"][0] < 1e-3


def test_continue_cycles_special_points_in_the_top_level_list(fhn_json: dict) -> None:
    top = [sp for sp in fhn_json["special_points"] if sp["type"] in CYCLE_TYPES]
    own = [sp for br in fhn_json["cycle_branches"] for sp in br["special_points"]]
    assert sorted(json.dumps(sp, sort_keys=True) for sp in top) == sorted(
        json.dumps(sp, sort_keys=True) for sp in own)
    for sp in top:
        assert {"type", "params", "period"} <= set(sp) and sp["period"] > 0
    values = [sp["params"]["I"] for sp in fhn_json["special_points"]]
    assert values == sorted(values)


def test_continue_cycles_text_and_plot(tmp_path: Path) -> None:
    plot = tmp_path / "wc.png"
    code, out, err = run("continue", "wilson_cowan", "--param", "P", "--range", "0:3",
                         "--samples", "3", "--cycles", "--plot", str(plot))
    assert code == 0 and plot.stat().st_size > 5000, err
    head, _, cycles = out.partition("Cycle branches from 1 Hopf point: 1 branch")
    assert head.startswith("Bifurcation diagram of wilson_cowan") and "hopf" in head
    assert cycles.count("Branch of periodic orbits of wilson_cowan in P") == 1
    assert "homoclinic approach at P = 1.06" in cycles


def test_continue_cycles_wilson_cowan_json_ends(tmp_path: Path) -> None:
    code, out, _ = run("continue", "wilson_cowan", "--param", "P", "--range", "0:3",
                       "--samples", "3", "--cycles", "--json")
    assert code == 0
    (br,) = json.loads(out)["cycle_branches"]
    assert br["start"]["type"] == "hopf" and br["end"]["type"] == "homoclinic"
    assert br["end"]["period"] > 10 * br["period"][0]
    assert set(br["end"]["saddle"]) == {"E", "Ipop"}
    assert all(br["stable"][1:])  # supercritical Hopf: a stable family (AUTO agrees)


def test_continue_cycles_on_a_plain_ode_file() -> None:
    code, out, err = run("continue", str(DATA / "fhn_plain.ode"), "--param", "I",
                         "--range", "-0.5:2", "--samples", "2", "--cycles")
    assert code == 0, err
    assert "Traceback" not in err and all(line.startswith(("warning:", "error:"))
                                          for line in err.splitlines())
    assert "Branch of equilibria of fhn_plain" in out
    assert "Branch of periodic orbits of fhn_plain in I" in out


def test_a_failed_cycle_branch_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from dynsys.bifurcation import diagram
    from dynsys.errors import ConvergenceError

    def fail(*args: object, **kwargs: object) -> None:
        raise ConvergenceError("corrector failed at the first step\nsecond line")

    monkeypatch.setattr(diagram, "continue_cycles", fail)
    code, out, err = run("continue", "fitzhugh_nagumo", "--param", "I", "--range",
                         "-0.5:2", "--samples", "2", "--cycles")
    assert code == 0 and err == ""
    assert "Branch of equilibria of fitzhugh_nagumo" in out
    lines = [ln for ln in out.splitlines() if "no cycle branch" in ln]
    assert len(lines) == 2 and all(ln.endswith("corrector failed at the first step")
                                   for ln in lines)
    code, out, _ = run("continue", "fitzhugh_nagumo", "--param", "I", "--range",
                       "-0.5:2", "--samples", "2", "--cycles", "--json")
    data = json.loads(out)
    assert data["cycle_branches"] == [] and len(data["cycle_failures"]) == 2
    assert len(data["branches"]) == 1


def test_no_hopf_point_means_no_cycle_branch() -> None:
    code, out, _ = run("continue", "mutual_excitation", "--param", "I", "--range", "-20:0",
                       "--samples", "2", "--cycles")
    assert code == 0 and "Cycle branches: none (no Hopf point" in out


def test_simulate_cycles_keeps_the_old_behaviour_and_cycles_takes_no_value() -> None:
    code, out, _ = run("continue", "fitzhugh_nagumo", "--param", "I", "--range", "0:2",
                       "--samples", "2", "--simulate-cycles", "3", "--json")
    assert code == 0 and "simulated_cycles" in json.loads(out)
    assert "cycle_branches" not in json.loads(out)
    code, out, err = run("continue", "fitzhugh_nagumo", "--param", "I", "--range", "0:2",
                         "--cycles", "4")
    assert code == 2 and out == "" and "unrecognized arguments: 4" in err
    code, _, err = run("continue", "fitzhugh_nagumo", "--param", "I", "--range", "0:2",
                       "--simulate-cycles", "-1")
    assert code == 2 and "--simulate-cycles must not be negative" in err
    code, _, err = run("continue", "fitzhugh_nagumo", "--hopf", "--params", "b,I",
                       "--cycles")
    assert code == 2 and "one-parameter" in err


def test_continue_cycles_latex_lists_the_cycle_points(fhn_json: dict) -> None:
    code, out, _ = run("continue", "fitzhugh_nagumo", "--param", "I", "--range", "-0.5:2",
                       "--samples", "2", "--cycles", "--format", "latex")
    assert code == 0 and out.startswith(r"\begin{tabular}")
    kinds = [sp["type"] for sp in fhn_json["special_points"]]
    for kind in set(kinds):
        assert out.count(kind.replace("_", r"\_") + " &") == kinds.count(kind)


def test_continue_cycles_refuses_a_non_smooth_model_in_one_line(tmp_path: Path) -> None:
    # FitzHugh-Nagumo with a kink far from its cycles: still non-smooth for collocation
    ode = tmp_path / "kinked.ode"
    ode.write_text("dv/dt = v - v^3/3 - w + I + 0.001*max(v - 5, 0)\n"
                   "dw/dt = eps*(v + a - b*w)\np I=0.5, a=0.7, b=0.8, eps=0.08\ndone\n")
    code, out, err = run("continue", str(ode), "--param", "I", "--range", "-0.5:2",
                         "--cycles")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: --cycles needs a smooth model") and "--simulate-cycles" in err
    code, out, err = run("continue", str(ode), "--param", "I", "--range", "-0.5:2",
                         "--samples", "2", "--simulate-cycles", "2")
    assert code == 0 and "SIMULATED" in out


# ------------------------------------------------------------ dynsys phase --cycles
def test_phase_cycles_draws_the_stable_cycle(ode_files: dict[str, str],
                                             tmp_path: Path) -> None:
    plot = tmp_path / "phase.png"
    code, out, err = run("phase", ode_files["hopf_nf"], "--cycles", "--json",
                         "--plot", str(plot))
    assert code == 0 and plot.stat().st_size > 5000, err
    data = json.loads(out)
    (cyc,) = data["cycles"]  # from the init and beside the unstable focus: one orbit
    assert cyc["period"] == pytest.approx(2 * math.pi, rel=1e-9)
    assert cyc["max"]["x"] == pytest.approx(0.5, abs=1e-8)
    code, out, _ = run("phase", ode_files["hopf_nf"], "--cycles", "--x0", "0.01,0",
                       "--set", "mu=-0.1", "--plot", str(plot))
    assert code == 0 and "limit cycles: 0 found" in out and "no cycle from --x0" in out
    code, _, err = run("phase", ode_files["hopf_nf"], "--x0", "1,1", "--plot", str(plot))
    assert code == 2 and "needs --cycles" in err


def test_phase_cycles_finds_the_unstable_cycle_in_reversed_time(
        ode_files: dict[str, str], tmp_path: Path) -> None:
    plot = tmp_path / "bautin.png"
    code, out, err = run("phase", ode_files["bautin"], "--cycles", "--json", "--region",
                         "x=-1.5:1.5,y=-1.5:1.5", "--plot", str(plot))
    assert code == 0, err
    cycles = sorted(json.loads(out)["cycles"], key=lambda c: c["max"]["x"])
    assert [c["stable"] for c in cycles] == [False, True]
    for c, sign in zip(cycles, (-1, 1), strict=True):
        radius = math.sqrt((1 + sign * math.sqrt(0.6)) / 2)
        assert c["max"]["x"] == pytest.approx(radius, abs=1e-7)
        assert c["period"] == pytest.approx(2 * math.pi, rel=1e-9)
    assert cycles[0]["unstable_multipliers"] == 1


def test_a_branch_joining_two_hopf_points_is_continued_once() -> None:
    """At eps = 0.5 one family of cycles joins FitzHugh-Nagumo's two Hopf points; the
    model is symmetric under (v, w, I) -> (-v, 2a/b - w, 2a/b - I), so its two folds of
    cycles lie symmetrically about I = a/b = 0.875."""
    code, out, err = run("continue", "fitzhugh_nagumo", "--param", "I", "--range",
                         "-0.5:2", "--samples", "2", "--cycles", "--set", "eps=0.5", "--json")
    assert code == 0, err
    data = json.loads(out)
    (br,) = data["cycle_branches"]
    v = math.sqrt(1 - 0.5 * 0.8)
    hopf = sorted((s * v + 0.7) / 0.8 - s * v + (s * v) ** 3 / 3 for s in (-1, 1))
    ends = sorted(e["params"]["I"] for e in (br["start"], br["end"]))
    assert [br["start"]["type"], br["end"]["type"]] == ["hopf", "hopf"]
    np.testing.assert_allclose(ends, hopf, atol=1e-7)
    folds = sorted(sp["params"]["I"] for sp in data["special_points"]
                   if sp["type"] == "fold_of_cycles")
    assert len(folds) == 2 and sum(folds) == pytest.approx(2 * 0.7 / 0.8, abs=1e-7)
