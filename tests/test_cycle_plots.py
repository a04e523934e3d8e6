"""Figures of periodic orbits (dynsys.plots.cycles) and their hooks in the bifurcation
diagram and the phase plane: line styles follow the stability (solid stable, dashed
unstable), checked on the Bautin normal form, whose cycles are known in closed form."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

from dynsys import Model, continue_cycles, continue_equilibria, find_cycle
from dynsys.bifurcation.diagram import BifurcationDiagram
from dynsys.plots.bifurcation import plot_bifurcation_diagram
from dynsys.plots.cycles import (
    draw_cycle_envelopes,
    draw_cycles_phase,
    draw_period,
    plot_cycle,
    stability_styles,
)

x, y, mu = sp.symbols("x y mu", real=True)
R2 = x**2 + y**2
#: Bautin normal form in Cartesian form: r' = r (mu + r^2 - r^4), theta' = 1. Cycles at
#: r^2 = (1 +- sqrt(1 + 4 mu)) / 2: the inner one unstable, the outer one stable, a fold
#: of cycles at mu = -1/4 (r^2 = 1/2); every period is 2 pi.
BAUTIN = Model({x: x * (mu + R2 - R2**2) - y, y: y * (mu + R2 - R2**2) + x},
               params={mu: -0.5}, name="bautin", region={x: (-2, 2), y: (-2, 2)})


@pytest.fixture(scope="module")
def equilibria():
    return continue_equilibria(BAUTIN, "mu", [0.0, 0.0], (-0.5, 0.5))


@pytest.fixture(scope="module")
def branch(equilibria):
    return continue_cycles(BAUTIN, "mu", equilibria.points("hopf")[0], (-0.5, 0.5))


def _lines(ax, gid):
    return [ln for ln in ax.lines if ln.get_gid() == gid]


def test_envelope_styles_follow_the_closed_form_stability(branch) -> None:
    ax = Figure().add_subplot()
    draw_cycle_envelopes(ax, branch, "x")
    lines = _lines(ax, "cycle-envelope")
    styles = {ln.get_linestyle() for ln in lines}
    assert styles == {"-", "--"}
    for ln in lines:
        r = np.asarray(ln.get_ydata(), dtype=float)
        if r.mean() < 0:  # the minimum of x over the orbit is -r
            r = -r
        inner = r[:-1] ** 2  # the last point joins the next run
        if ln.get_linestyle() == "-":  # stable: the outer cycle, r^2 >= 1/2
            assert np.all(inner >= 0.5 - 1e-6)
        else:  # unstable: the inner cycle, r^2 <= 1/2
            assert np.all(inner <= 0.5 + 1e-6)
    # the max envelope is the radius sqrt((1 +- sqrt(1 + 4 mu)) / 2) at every orbit
    for ln in lines:
        m, r = np.asarray(ln.get_xdata(), float), np.abs(np.asarray(ln.get_ydata(), float))
        root = np.sqrt(np.maximum(1 + 4 * m, 0.0))
        outer = np.sqrt((1 + root) / 2)
        inner = np.sqrt(np.maximum((1 - root) / 2, 0.0))  # (no inner cycle for mu > 0)
        assert np.all(np.minimum(np.abs(outer - r), np.abs(inner - r)) < 1e-6)


def test_fold_of_cycles_marker_at_minus_a_quarter(branch) -> None:
    ax = Figure().add_subplot()
    draw_cycle_envelopes(ax, branch, 0)
    folds = _lines(ax, "fold_of_cycles")
    assert len(folds) == 2  # on the max and on the min curve
    for ln in folds:
        assert ln.get_xdata()[0] == pytest.approx(-0.25, abs=1e-8)
        assert abs(ln.get_ydata()[0]) == pytest.approx(math.sqrt(0.5), abs=2e-2)
        assert ln.get_marker() == "o"


def test_period_panel_is_two_pi_with_the_same_styles(branch) -> None:
    ax = Figure().add_subplot()
    draw_period(ax, branch)
    lines = _lines(ax, "cycle-period")
    assert {ln.get_linestyle() for ln in lines} == {"-", "--"}
    for ln in lines:
        np.testing.assert_allclose(ln.get_ydata(), 2 * math.pi, rtol=1e-8)
    (fold,) = _lines(ax, "fold_of_cycles")
    assert fold.get_ydata()[0] == pytest.approx(2 * math.pi, rel=1e-8)


def test_neutral_orbits_take_the_style_of_their_neighbours() -> None:
    fake = SimpleNamespace(stable=[False, False, False, True, False, True, False],
                           unstable=[0, 1, 1, 0, 0, 0, 2])
    # 0: neutral (a Hopf end) -> like 1 (unstable); 4: neutral between 3 and 5 -> stable
    assert stability_styles(fake) == [False, False, False, True, True, True, False]


class _Branch(SimpleNamespace):
    """A hand-made stand-in for a CycleBranch (the figures only read attributes)."""

    def __len__(self) -> int:
        return len(self.values)


def test_homoclinic_end_is_marked_at_its_saddle() -> None:
    branch = _Branch(
        param="P", state_names=("E", "I"), values=np.array([1.8, 1.5, 1.1]),
        period=np.array([2.0, 5.0, 70.0]), maxima=np.array([[0.3, 0.2]] * 3),
        minima=np.array([[0.1, 0.05]] * 3), stable=np.array([False, True, True]),
        unstable=np.array([0, 0, 0]), cycles=(), special_points=(),
        ends=({"type": "hopf", "params": {"P": 1.8}},
              {"type": "homoclinic", "param": "P", "params": {"P": 1.07}, "period": 72.0,
               "saddle": {"E": 0.068, "I": 0.004}}))
    ax = Figure().add_subplot()
    draw_cycle_envelopes(ax, branch, "E")
    (hc,) = _lines(ax, "homoclinic")
    assert (hc.get_xdata()[0], hc.get_ydata()[0]) == (1.07, 0.068)
    # every orbit is stable or neutral (the Hopf end): all solid
    assert {ln.get_linestyle() for ln in _lines(ax, "cycle-envelope")} == {"-"}
    ax2 = Figure().add_subplot()
    draw_period(ax2, branch)
    (hc,) = _lines(ax2, "homoclinic")
    assert (hc.get_xdata()[0], hc.get_ydata()[0]) == (1.07, 72.0)


def test_diagram_with_cycle_branches_gets_a_period_panel(equilibria, branch) -> None:
    diagram = BifurcationDiagram(model="bautin", param="mu", bounds=(-0.5, 0.5),
                                 params={}, branches=(equilibria,),
                                 samples=np.array([-0.5]))
    fig = plot_bifurcation_diagram(diagram, cycle_branches=[branch])
    top, bottom = fig.axes
    assert _lines(top, "cycle-envelope") and _lines(bottom, "cycle-period")
    assert bottom.get_ylabel() == "period" and bottom.get_xlabel() == "mu"
    single = plot_bifurcation_diagram(diagram)
    assert len(single.axes) == 1 and not _lines(single.axes[0], "cycle-envelope")


def test_phase_orbits_solid_stable_dashed_unstable(branch) -> None:
    ax = Figure().add_subplot()
    draw_cycles_phase(ax, [branch], "x", "y", per_branch=26)
    lines = _lines(ax, "cycle-orbit")
    assert len(lines) == len(branch)
    solid = stability_styles(branch)
    for ln, full, cyc in zip(lines, solid, branch.cycles, strict=True):
        assert ln.get_linestyle() == ("-" if full else "--")
        r = np.hypot(ln.get_xdata(), ln.get_ydata())  # a circle of the cycle's radius
        np.testing.assert_allclose(r, cyc.max[0], atol=1e-6)


def test_plot_cycle_draws_the_orbit_and_one_period() -> None:
    cyc = find_cycle(BAUTIN, [1.1, 0.0], {"mu": 0.0})  # outer cycle r = 1, stable
    fig = plot_cycle(cyc, x="x", y="y", unit="mV")
    phase, time = fig.axes
    (orbit,) = _lines(phase, "cycle-orbit")
    assert orbit.get_linestyle() == "-"
    np.testing.assert_allclose(np.hypot(orbit.get_xdata(), orbit.get_ydata()), 1.0, atol=1e-7)
    assert phase.get_xlabel() == "x (mV)" and time.get_xlabel() == "time t"
    assert time.get_xlim() == pytest.approx((0.0, 2 * math.pi))
    t, xs = time.lines[0].get_xdata(), time.lines[0].get_ydata()
    np.testing.assert_allclose(xs, np.cos(t + math.atan2(cyc(0.0)[0, 1], cyc(0.0)[0, 0])),
                               atol=1e-6)  # x(t) = cos(t + phase) on the unit circle


def test_phase_plane_hook_draws_the_cycles(branch) -> None:
    from dynsys.analysis.phase_plane import phase_plane
    from dynsys.plots.phase import plot_phase_plane

    pp = phase_plane(BAUTIN, {"mu": -0.1}, t_end=1.0)
    inner, outer = branch.cycles[5], branch.cycles[-1]  # r^2 < 1/2 unstable; > 1/2 stable
    assert (inner.stable, outer.stable) == (False, True)
    fig = plot_phase_plane(pp, unit=None, cycles=[inner, outer])
    ax = fig.axes[0]
    assert [ln.get_linestyle() for ln in _lines(ax, "cycle-orbit")] == ["--", "-"]
    labels = ax.get_legend_handles_labels()[1]
    assert "limit cycle, stable" in labels and "limit cycle, unstable" in labels
    assert not _lines(plot_phase_plane(pp, unit=None).axes[0], "cycle-orbit")
