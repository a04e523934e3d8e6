"""Phase plane, flux and figures: nullclines lie on F_i = 0 with all branches, the
separatrix is the stable manifold, basins split along it, plots draw results."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from dynsys._figures import save_figure
from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.flux import activation_curve, flux
from dynsys.analysis.phase_plane import (
    basin_map,
    direction_field,
    nullclines,
    phase_plane,
    separatrices,
    trajectories,
)
from dynsys.analysis.stability import Kind
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.symbols import symbols
from dynsys.core.system import compile
from dynsys.errors import ModelError

MUTUAL = load_model("mutual_excitation")


def _on_nullcline(model: Model, nc, tol: float) -> None:
    sys_ = compile(model)
    for br in nc.branches:
        assert np.max(np.abs(sys_.rhs(br)[:, nc.index])) < tol


def test_explicit_nullclines_of_rate_model() -> None:
    nx, ny = nullclines(MUTUAL)
    assert (nx.method, ny.method) == ("explicit", "explicit")
    assert len(nx.branches) == len(ny.branches) == 1
    _on_nullcline(MUTUAL, nx, 1e-12)
    _on_nullcline(MUTUAL, ny, 1e-12)
    # both pass through all three equilibria
    for e in find_equilibria(MUTUAL):
        for nc in (nx, ny):
            d = np.min(np.linalg.norm(nc.branches[0] - e.state, axis=1))
            assert d < 0.5


def test_contour_nullclines_have_all_branches() -> None:
    x, y, c = symbols("x y c")
    m = Model({x: x * y - c, y: x - y}, params={c: 0.1}, region={x: (-1, 1), y: (-1, 1)})
    nx, ny = nullclines(m)
    assert nx.method == "contour" and ny.method == "explicit"
    assert len(nx.branches) == 2  # the hyperbola x y = 0.1 has two branches in the box
    _on_nullcline(m, nx, 1e-10)
    signs = sorted(np.sign(br[:, 0]).mean() for br in nx.branches)
    assert signs == [-1.0, 1.0]
    eq = find_equilibria(m)
    assert [e.state[0] for e in eq] == pytest.approx([-np.sqrt(0.1), np.sqrt(0.1)])


def test_contour_agrees_with_explicit_curve() -> None:
    from dynsys.analysis.phase_plane import _contour

    sys_ = compile(MUTUAL)
    box = [(0.0, 50.0), (0.0, 50.0)]
    for br in _contour(sys_, sys_.default_params, 0, box, 801):
        f = 50 / (1 + np.exp(-(0.4 * br[:, 1] - 10)))
        assert np.max(np.abs(br[:, 0] - f)) < 1e-9


def test_wilson_cowan_contour_nullclines_pass_through_equilibrium() -> None:
    wc = load_model("wilson_cowan")
    nc = nullclines(wc)
    (e,) = find_equilibria(wc)
    assert e.kind is Kind.UNSTABLE_FOCUS
    for c in nc:
        _on_nullcline(wc, c, 1e-9)
        assert min(np.min(np.linalg.norm(b - e.state, axis=1)) for b in c.branches) < 5e-3


def test_separatrix_is_the_antidiagonal() -> None:
    eq = find_equilibria(MUTUAL)
    (sep,) = separatrices(MUTUAL, eq)
    assert np.allclose(sep.saddle, 25.0)
    ends = []
    for br in sep.branches:
        assert np.max(np.abs(br.sum(axis=1) - 50.0)) < 1e-4
        ends.append(br[-1])
    ends = np.array(ends)
    # the two branches go to opposite corners, leaving the region
    assert np.min(ends) < 0 and np.max(ends) > 50


def test_basin_map_splits_along_separatrix() -> None:
    eq = find_equilibria(MUTUAL)
    b = basin_map(MUTUAL, eq, resolution=(21, 17))
    assert b.labels.shape == (17, 21)
    gx, gy = np.meshgrid(b.x, b.y)
    low = gx + gy < 49
    high = gx + gy > 51
    assert np.all(b.labels[low] == 0) and np.all(b.labels[high] == 1)
    assert b.fractions.sum() == pytest.approx(1.0)
    assert np.allclose(b.attractors[0], eq[0].state)


def test_direction_field_and_trajectories() -> None:
    f = direction_field(MUTUAL, n=5)
    x, y = f.x[1], f.y[3]
    rhs = compile(MUTUAL).rhs([x, y])
    assert (f.u[3, 1], f.v[3, 1]) == pytest.approx(tuple(rhs))
    (tr,) = trajectories(MUTUAL, [[45.0, 45.0]], t_end=20.0, dt=0.05)
    assert np.allclose(tr[-1], 49.9977280428808, atol=1e-6)


def test_phase_plane_bundle_and_errors() -> None:
    pp = phase_plane(MUTUAL, basin=True, basin_resolution=11)
    assert [e.kind for e in pp.equilibria] == [Kind.STABLE_NODE, Kind.SADDLE, Kind.STABLE_NODE]
    assert len(pp.trajectories) == 8 and len(pp.separatrices) == 1
    assert pp.basin is not None and pp.basin.labels.shape == (11, 11)
    d = pp.to_dict()
    assert {"nullclines", "equilibria", "separatrices", "basin"} <= set(d)
    assert "separatrix" in pp.summary()
    with pytest.raises(ModelError, match="2 states"):
        phase_plane(load_model("self_excitation"))


def test_flux_slopes_and_activation() -> None:
    fl = flux(load_model("self_excitation"))
    assert fl.slopes == pytest.approx([-0.969487154, 2.0, -0.969487154], abs=1e-9)
    assert fl.x[0] == 0.0 and fl.x[-1] == 120.0
    assert [c["kind"] for c in fl.to_dict()["crossings"]] == ["stable", "unstable", "stable"]
    with pytest.raises(ModelError, match="1-D"):
        flux(MUTUAL)
    s = sp.Symbol("s")
    curve = activation_curve(60 * (1 + sp.tanh(s)), (-5, 5), points=11)
    assert curve.f[5] == pytest.approx(60.0) and curve.f.max() < 120


def test_figures(tmp_path) -> None:
    from dynsys.plots.basics import plot_activation, plot_flux
    from dynsys.plots.phase import plot_basins, plot_phase_plane

    pp = phase_plane(MUTUAL, basin=True, basin_resolution=11)
    fig = plot_phase_plane(pp)
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert "stable node" in labels and "saddle" in labels
    assert any("separatrix" in t for t in labels) and any("nullcline" in t for t in labels)
    assert ax.get_xlabel() == "x (spikes/s)"
    save_figure(fig, tmp_path / "pp.png")
    assert (tmp_path / "pp.png").stat().st_size > 1000
    fig = plot_basins(pp.basin, state_names=pp.state_names)
    save_figure(fig, tmp_path / "b.svg")
    fig = plot_flux(flux(load_model("self_excitation")))
    assert len(fig.axes[0].texts) == 3
    fig = plot_activation(activation_curve(lambda v: 60 * (1 + np.tanh(v))))
    assert fig.axes[0].get_ylabel() == "f(s) (spikes/s)"
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert plot_phase_plane(pp, ax=ax) is fig


def test_plot_modules_do_not_import_pyplot() -> None:
    code = ("import sys, dynsys.plots.phase, dynsys.plots.basics, dynsys.analysis.phase_plane; "
            "sys.exit('matplotlib.pyplot' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_trajectories_stay_stable_in_a_stiff_corner():
    """FitzHugh-Nagumo in a wide box: at v = 9 the Jacobian has |lambda| ~ 80, far above
    the equilibrium's 0.24 that sets the step; the RK4 runs take stable substeps there
    (they drew zigzags before) and agree with an adaptive DOP853 solution."""
    from dynsys import Adaptive, Model, simulate
    from dynsys.analysis.phase_plane import trajectories

    m = Model.from_text("dv/dt = v - v^3/3 - w + I\ndw/dt = 0.08*(v + 0.7 - 0.8*w)\n"
                        "par I=0.5\n")
    start = [[9.0, 9.0], [-9.0, -9.0]]
    paths = trajectories(m, start, t_end=10.5, dt=0.42)
    ref = simulate(m, start, 10.5, dt=0.42, method=Adaptive("DOP853", rtol=1e-10,
                                                               atol=1e-12)).final
    for path, end in zip(paths, ref, strict=True):
        assert np.all(np.abs(path) < 10.0)  # no overshoot out of the box
        assert np.allclose(path[-1], end, atol=1e-2)  # 0.05 % of the box: plot accuracy
    # the same fixed step without the stability substeps goes astray from (9, 9)
    from dynsys import compile
    from dynsys._numerics.stepping import rk4

    system = compile(m)
    p = system.params()
    plain = rk4(lambda y: system.rhs(y, p), np.array(start), 0.42, 25, save=True,
                allow_nonfinite=True)
    assert not np.all(np.isfinite(plain)) or np.max(np.abs(plain)) > 20.0


def test_a_phase_plane_with_a_curve_of_equilibria_and_a_blow_up() -> None:
    """x' = y - x^2, y' = x^2 - y: no isolated equilibrium, the parabola y = x^2 of
    them, and starts below it escape to x = -infinity in finite time. The phase plane
    finishes (it once hung: the stiffness substeps grew with |x| without bound), the
    escaping trajectories are cut where they stop being finite, and the plot draws the
    traced parabola."""
    import time

    from dynsys.plots.phase import plot_phase_plane

    x, y = sp.symbols("x y")
    m = Model({x: y - x**2, y: x**2 - y}, region={x: (-1, 1), y: (-0.5, 2)})
    t0 = time.perf_counter()
    pp = phase_plane(m)
    assert time.perf_counter() - t0 < 60.0
    assert len(pp.equilibria) == 0 and len(pp.equilibria.continua) == 1
    assert all(np.all(np.isfinite(tr)) for tr in pp.trajectories)
    # x + y is conserved: the escaping starts go to -infinity along it, cut when not finite
    escaped = [tr for tr in pp.trajectories if tr[-1, 0] < -10.0]
    assert escaped
    for tr in escaped:
        assert np.allclose(tr[:, 0] + tr[:, 1], tr[0, 0] + tr[0, 1], rtol=1e-6, atol=1e-6)
    fig = plot_phase_plane(pp)
    (line,) = [ln for ln in fig.axes[0].get_lines()
               if ln.get_label() == "equilibria (not isolated)"]
    xd, yd = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert np.max(np.abs(yd - xd**2)) < 1e-9 and xd.min() < -0.99 and xd.max() > 0.99
