"""No false answers (issue 10, items 11, 13, 14, 15): no equilibrium at a jump, continua
reported as sets, non-hyperbolic branches labelled so, and n-D searches on models as
people write them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from dynsys import Model, continue_equilibria, find_equilibria, simulate
from dynsys.analysis.continua import Continuum
from dynsys.bifurcation.diagram import bifurcation_diagram
from dynsys.core.symbols import heav, symbols

x, y, z, w, a = symbols("x y z w a")


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dynsys.cli", *args], capture_output=True,
                          text=True, timeout=timeout)


def _ode(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.ode"
    path.write_text(text)
    return str(path)


# ------------------------------------------------------------ item 11: discontinuities
@pytest.mark.parametrize("step", [heav(x - 0.5), sp.Piecewise((0, x < 0.5), (1, True))],
                         ids=["heav", "piecewise"])
def test_a_jump_across_zero_is_no_equilibrium(step: sp.Expr) -> None:
    m = Model({x: -x + step}, region={x: (0, 2)})
    assert not m.is_smooth
    eq = find_equilibria(m)
    assert [float(e.state[0]) for e in eq] == pytest.approx([0.0, 1.0], abs=1e-12)
    assert all(e.residual <= 1e-12 for e in eq)
    assert eq.notes == ("no equilibrium (F jumps across 0 at x = 0.5)",)
    # and indeed runs from either side leave 0.5
    ends = simulate(m, np.array([[0.49], [0.51]]), 20.0, dt=0.01).final[:, 0]
    assert ends == pytest.approx([0.0, 1.0], abs=1e-3)


def test_ode_comparisons_give_no_false_equilibrium(tmp_path: Path) -> None:
    path = _ode(tmp_path, "jumps", "x' = -x + if(x>1)then(2)else(0) + 0.5*(x<0.5)\ndone\n")
    out = _cli("analyze", path, "--region", "x=-1:4", "--json", timeout=60)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert max(e["residual"] for e in res["equilibria"]) <= 1e-12
    assert all(abs(e["state"]["x"] - 1.0) > 1e-3 for e in res["equilibria"])
    assert "no equilibrium (F jumps across 0 at x = 1)" in res["diagnostics"]["notes"]


# ------------------------------------------------------------ item 13: continua
def test_zero_right_hand_side_is_one_continuum_in_text_and_json(tmp_path: Path) -> None:
    path = _ode(tmp_path, "still", "x' = 0*x\ndone\n")
    text = _cli("analyze", path, "--region", "x=-1:1", timeout=60)
    assert text.returncode == 0, text.stderr
    assert "every point of the region is an equilibrium" in text.stdout
    assert len(text.stdout.splitlines()) < 10
    res = json.loads(_cli("analyze", path, "--region", "x=-1:1", "--json", timeout=60).stdout)
    assert res["equilibria"] == []
    (c,) = res["continua"]
    assert c["whole_region"] and c["dimension"] == 1 and c["extent"] == {"x": [-1.0, 1.0]}


def test_line_of_equilibria_x_equals_y(tmp_path: Path) -> None:
    path = _ode(tmp_path, "line", "x' = x - y\ny' = y - x\ndone\n")
    out = _cli("analyze", path, "--region", "x=-1:1,y=-1:1", "--json", timeout=60)
    res = json.loads(out.stdout)
    assert res["equilibria"] == []
    (c,) = res["continua"]
    assert c["equations"] == ["x = y"] and c["dimension"] == 1 and not c["whole_region"]
    assert c["description"] == "a line of equilibria x = y"
    tex = _cli("analyze", path, "--region", "x=-1:1,y=-1:1", "--format", "latex", timeout=60)
    assert "Not isolated: a line of equilibria x = y." in tex.stdout
    eq = find_equilibria(Model({x: x - y, y: y - x}, region={x: (-1, 1), y: (-1, 1)}))
    assert len(eq) == 0 and isinstance(eq.continua[0], Continuum)
    pts = eq.continua[0].points
    assert len(pts) > 10 and np.max(np.abs(pts[:, 0] - pts[:, 1])) < 1e-9


def test_whole_plane_and_an_interval_and_a_circle() -> None:
    plane = find_equilibria(Model({x: 0 * x, y: 0 * y}, region={x: (0, 1), y: (0, 1)}))
    assert len(plane) == 0 and plane.continua[0].whole_region
    half = find_equilibria(Model({x: sp.Max(0, x - 1)}, region={x: (0, 2)}))
    assert len(half) == 0
    (c,) = half.continua
    assert c.extent["x"][0] == 0 and c.extent["x"][1] == pytest.approx(1.0, abs=1e-12)
    assert not c.whole_region and "[0, 1]" in c.description
    r2 = 1 - x**2 - y**2
    circle = find_equilibria(Model({x: x * r2, y: y * r2}, region={x: (-2, 2), y: (-2, 2)}))
    assert [tuple(e.state) for e in circle] == [(0.0, 0.0)]  # the isolated origin
    (ring,) = circle.continua
    assert ring.dimension == 1 and ring.equations == () and "curve" in ring.description
    assert np.allclose(np.hypot(ring.points[:, 0], ring.points[:, 1]), 1.0, atol=1e-9)
    # traced all the way round: one closed curve, every traced point on the circle, and
    # the trace goes round once (its angles cover the circle in steps < 0.5 rad)
    assert ring.closed is True and ring.description.startswith("a closed curve")
    assert ring.path is not None and len(ring.path) >= 12
    assert np.allclose(np.hypot(ring.path[:, 0], ring.path[:, 1]), 1.0, atol=1e-9)
    gaps = np.diff(np.sort(np.arctan2(ring.path[:, 1], ring.path[:, 0])))
    assert gaps.max() < 0.5 and ring.to_dict()["traced_points"] == len(ring.path)


def test_an_open_curve_is_traced_to_the_region_boundary() -> None:
    """The parabola y = x^2 of x' = y - x^2, y' = x^2 - y crosses the box
    [-1, 1] x [-0.5, 2] from x = -1 to x = 1: one curve (not a cloud of points), traced
    to within 1e-3 of both sides, every traced point on the parabola."""
    eq = find_equilibria(Model({x: y - x**2, y: x**2 - y},
                               region={x: (-1, 1), y: (-0.5, 2)}))
    (c,) = eq.continua
    assert c.closed is False and "to the region's boundary at both ends" in c.description
    assert c.path is not None
    assert np.max(np.abs(c.path[:, 1] - c.path[:, 0] ** 2)) <= 1e-9
    assert c.extent["x"][0] < -0.999 and c.extent["x"][1] > 0.999
    assert c.to_dict()["closed"] is False


def test_flat_but_nonzero_or_monotone_is_no_interval() -> None:
    tail = find_equilibria(Model({x: sp.exp(-x)}, region={x: (0, 100)}))
    assert len(tail) == 0 and tail.continua == ()
    quintic = find_equilibria(Model({x: (x - 1) ** 5}, region={x: (0, 2)}))
    assert [e.state[0] for e in quintic] == pytest.approx([1.0], abs=1e-3)
    assert quintic.continua == ()


def test_an_isolated_non_hyperbolic_root_stays_a_point() -> None:
    eq = find_equilibria(Model({x: x**2, y: -y}, region={x: (-1, 1), y: (-1, 1)}))
    assert len(eq) == 1 and eq.continua == ()
    eq = find_equilibria(Model({x: -(x**3), y: -y}, region={x: (-1, 1), y: (-1, 1)}))
    assert len(eq) == 1 and eq.continua == () and not eq.notes


def test_continue_on_a_continuum_finishes_in_seconds(tmp_path: Path) -> None:
    path = _ode(tmp_path, "still", "x' = 0\npar a=1\n@ xlo=-1, xhi=1\ndone\n")
    out = _cli("continue", path, "--param", "a", "--range", "-1:1", "--region", "x=-1:1",
               "--json", timeout=60)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["branches"] == []
    assert [c["value"] for c in res["continua"]] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert all(c["whole_region"] for c in res["continua"])


def test_diagram_reports_a_line_and_traces_the_isolated_branch() -> None:
    m = Model({x: a - x, y: 0 * y}, params={a: 0.0}, region={x: (-2, 2), y: (-1, 1)})
    d = bifurcation_diagram(m, "a", (-1, 1), n_samples=3)
    assert d.branches == ()
    assert [c.equations for _, c in d.continua] == [("x = -1",), ("x = 0",), ("x = 1",)]
    assert "continuum at a = 0: a line of equilibria x = 0" in str(d)


# ------------------------------------------------------------ item 14: non-hyperbolic
def test_branch_with_a_zero_eigenvalue_is_not_stable() -> None:
    br = continue_equilibria(Model({x: a}, params={a: 0.0}, region={x: (-1, 1)}), "a",
                             [0.0], (-1, 1))
    assert len(br) > 5 and br.non_hyperbolic.all() and not br.stable.any()
    d = br.to_dict()
    assert [s["label"] for s in d["stability"]] == ["non-hyperbolic"]
    assert not any(d["stable"])
    assert "stability: non-hyperbolic" in str(br)


def test_stretch_with_a_zero_eigenvalue_has_its_own_label() -> None:
    m = Model({x: a * x - x, y: -y}, params={a: 0.0}, region={x: (-1, 1), y: (-1, 1)})
    br = continue_equilibria(m, "a", [0.0, 0.0], (0, 2))
    labels = [lab for _, _, lab in br.stability_runs()]
    assert labels == ["stable", "non-hyperbolic", "1 unstable"]
    (i,) = np.flatnonzero(br.non_hyperbolic)
    assert br.values[i] == pytest.approx(1.0, abs=1e-9)


# ------------------------------------------------------------ item 15: n-D from the wild
def test_lorenz_has_three_equilibria() -> None:
    s, r, b = 10.0, 28.0, 8.0 / 3.0
    m = Model({x: s * (y - x), y: x * (r - z) - y, z: x * y - b * z},
              region={x: (-30, 30), y: (-30, 30), z: (0, 50)})
    eq = find_equilibria(m)
    c = np.sqrt(b * (r - 1))
    assert eq.states == pytest.approx(np.array([[-c, -c, r - 1], [0, 0, 0], [c, c, r - 1]]),
                                      abs=1e-9)
    assert eq.continua == ()


def test_three_state_model_with_a_line_and_a_point() -> None:
    # x = y is a line of equilibria where z = 1
    m = Model({x: (x - y) * (1 + z**2), y: (y - x) * (2 + sp.sin(z)), z: 1 - z},
              region={x: (-1, 1), y: (-1, 1), z: (0, 2)})
    eq = find_equilibria(m)
    assert len(eq) == 0
    (line,) = eq.continua
    assert line.equations == ("x = y", "z = 1")
    assert "a line of equilibria x = y, z = 1" in eq.summary()


def test_rate_network_finds_the_equilibrium_its_initial_state_sits_on() -> None:
    rng = np.random.default_rng(3)
    states = symbols("r1 r2 r3 r4")
    wmat = 3.0 * rng.standard_normal((4, 4))
    star = np.array([0.3, -0.5, 0.7, 0.1])
    bias = np.arctanh(star) - wmat @ star  # star is an equilibrium of r' = -r + tanh(W r + b)
    rhs = {s: -s + sp.tanh(sum(float(wmat[i, j]) * states[j] for j in range(4))
                           + float(bias[i])) for i, s in enumerate(states)}
    m = Model(rhs, region={s: (-1, 1) for s in states},
              init={s: float(v) for s, v in zip(states, star, strict=True)})
    # one quasi-random start, no seeding runs, no deflation: only the init start finds it
    eq = find_equilibria(m, n_starts=1, sim_starts=0, rounds=0)
    assert np.min(np.max(np.abs(eq.states - star), axis=1)) <= 1e-10
    full = find_equilibria(m)
    assert np.min(np.max(np.abs(full.states - star), axis=1)) <= 1e-10
    assert len(full) < 50 and full.continua == ()


def test_linear_algebra_failures_are_caught_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(np.linalg, "svd", broken)
    monkeypatch.setattr(np.linalg, "lstsq", broken)
    m = Model({x: x * (1 - x) - y, y: x / 2 - y}, region={x: (-1, 2), y: (-1, 2)})
    eq = find_equilibria(m)
    assert eq.states == pytest.approx(np.array([[0.0, 0.0], [0.5, 0.25]]), abs=1e-9)
    assert eq.failure_reasons["linear algebra failed at a root (SVD)"] >= 2
    assert eq.newton_failures >= 2
