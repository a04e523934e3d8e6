"""Periodic orbits against closed forms, simulation and mesh refinement (issue 12)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from scipy.integrate import solve_ivp

from dynsys import (
    ContinuationSettings,
    Model,
    compile,
    continue_equilibria,
    load_model,
    simulate,
)
from dynsys.bifurcation import (
    Cycle,
    CycleSettings,
    PointType,
    SpecialPoint,
    continue_cycles,
    find_cycle,
)
from dynsys.errors import ConvergenceError, ModelError

x, y, mu = sp.symbols("x y mu", real=True)
VDP_PERIOD = 6.663286859323130  # van der Pol, mu = 1


def hopf_normal_form(omega: float, ell: float) -> Model:
    """z' = (mu + i omega) z + ell |z|^2 z in Cartesian form."""
    r2 = x**2 + y**2
    return Model({x: mu * x - omega * y + ell * r2 * x, y: omega * x + mu * y + ell * r2 * y},
                 params={mu: -0.5}, name="hopf_nf", region={x: (-3, 3), y: (-3, 3)})


def bautin() -> Model:
    """r' = mu r + r^3 - r^5, theta' = 1."""
    r2 = x**2 + y**2
    g = mu + r2 - r2**2
    return Model({x: g * x - y, y: g * y + x}, params={mu: -0.5}, name="bautin",
                 region={x: (-2, 2), y: (-2, 2)})


def vdp() -> Model:
    return Model({x: y, y: mu * (1 - x**2) * y - x}, params={mu: 1.0}, name="vdp")


def snic() -> Model:
    """On the circle r = 1, theta' = mu - sin(theta): period 2 pi / sqrt(mu^2 - 1) for
    mu > 1, an infinite-period (saddle-node on the circle) end at mu = 1."""
    r2 = x**2 + y**2
    return Model({x: x * (1 - r2) - y * (mu - y), y: y * (1 - r2) + x * (mu - y)},
                 params={mu: 2.0}, name="snic")


def _hopf(model: Model, lo: float, hi: float) -> SpecialPoint:
    eq = continue_equilibria(model, "mu", [0.0, 0.0], (lo, hi))
    (h,) = eq.points("hopf")
    return h


# ------------------------------------------------------------------ closed forms
@pytest.mark.parametrize(("omega", "ell"), [(1.0, -1.0), (2.5, -0.4)])
def test_hopf_normal_form_radius_period_and_multipliers(omega: float, ell: float) -> None:
    model = hopf_normal_form(omega, ell)
    br = continue_cycles(model, "mu", _hopf(model, -0.5, 0.5), (-0.5, 0.8))
    assert br.ends[0]["type"] == "hopf" and br.end["type"] == "bound"
    assert br.values[-1] == pytest.approx(0.8, abs=1e-14)
    m = br.values[1:]
    radius = np.sqrt(-m / ell)
    np.testing.assert_allclose(br.maxima[1:, 0], radius, rtol=0, atol=1e-7)
    np.testing.assert_allclose(br.minima[1:, 1], -radius, rtol=0, atol=1e-7)
    np.testing.assert_allclose(br.period, 2 * np.pi / omega, rtol=1e-10)
    # multipliers {1, exp(-2 mu T)}: r' = mu r + ell r^3 linearised at the cycle is -2 mu
    mods = np.sort(np.abs(br.multipliers[1:]), axis=1)
    np.testing.assert_allclose(mods[:, 1], 1.0, atol=1e-12)
    np.testing.assert_allclose(mods[:, 0], np.exp(-2 * m * 2 * np.pi / omega), rtol=1e-6)
    assert br.stable[1:].all()


def test_bautin_fold_of_cycles_and_both_radii() -> None:
    model = bautin()
    br = continue_cycles(model, "mu", _hopf(model, -0.5, 0.5), (-0.5, 0.5))
    (fold,) = br.points("fold_of_cycles")
    assert fold.located
    assert fold.params["mu"] == pytest.approx(-0.25, abs=1e-8)
    assert fold.state["x"] ** 2 + fold.state["y"] ** 2 == pytest.approx(0.5, abs=1e-8)
    assert fold.period == pytest.approx(2 * np.pi, rel=1e-10)
    m, r2 = br.values[1:], br.maxima[1:, 0] ** 2
    inner, outer = (1 - np.sqrt(1 + 4 * m)) / 2, (1 + np.sqrt(1 + 4 * m)) / 2
    on_inner = np.abs(r2 - inner) < 1e-6
    on_outer = np.abs(r2 - outer) < 1e-6
    assert np.all(on_inner | on_outer)
    # the inner cycle is unstable (one multiplier outside), the outer stable
    away = np.abs(m + 0.25) > 1e-3
    assert np.all(br.unstable[1:][on_inner & away] == 1)
    assert np.all(br.stable[1:][on_outer & away])
    assert on_inner.any() and on_outer.any()


def test_van_der_pol_period() -> None:
    cyc = find_cycle(vdp(), [2.0, 0.0])
    assert cyc.period == pytest.approx(VDP_PERIOD, abs=1e-8)
    assert cyc.stable and cyc.unstable_multipliers == 0
    assert cyc.residual < 1e-9
    # Liouville: the nontrivial multiplier is exp(int trace J dt) = exp(int mu (1 - x^2) dt)
    t = np.linspace(0, cyc.period, 20001)
    xs = cyc(t)[:, 0]
    integral = np.trapezoid(1 - xs**2, t)
    assert abs(cyc.multipliers[1]) == pytest.approx(math.exp(integral), rel=1e-6)


def test_period_converges_at_the_collocation_order() -> None:
    """Mesh values (and the period) converge as h^(2 ncol) on a uniform mesh: a log-log
    slope fit over doublings of ntst, in the asymptotic range."""
    start = find_cycle(vdp(), [2.0, 0.0])
    for ncol, ntsts in ((2, [24, 32, 48, 64]), (3, [12, 16, 24, 32])):
        errs = np.array([abs(find_cycle(vdp(), start, settings=CycleSettings(
            ntst=k, ncol=ncol, adapt=0)).period - VDP_PERIOD) for k in ntsts])
        slope = -np.polyfit(np.log(ntsts), np.log(errs), 1)[0]
        assert 2 * ncol - 0.5 < slope < 2 * ncol + 1.0, (ncol, slope, errs)


def test_snic_period_in_closed_form_and_homoclinic_end() -> None:
    model = snic()
    start = find_cycle(model, [1.0, 0.0])
    assert start.period == pytest.approx(2 * np.pi / math.sqrt(3), rel=1e-10)
    br = continue_cycles(model, "mu", start, (0.5, 3.0))
    np.testing.assert_allclose(br.period, 2 * np.pi / np.sqrt(br.values**2 - 1), rtol=1e-7)
    kinds = {br.ends[0]["type"], br.ends[1]["type"]}
    assert kinds == {"homoclinic", "bound"}
    hom = next(e for e in br.ends if e["type"] == "homoclinic")
    assert hom["params"]["mu"] == pytest.approx(1.0, abs=1e-3)
    assert hom["estimate"] == pytest.approx(1.0, abs=1e-5)
    assert "homoclinic" in str(br)


# ------------------------------------------------------------------ planar property
_A, _B, _TAU, _C = sp.symbols("a b tau c", positive=True)
PAIR = compile(Model({x: -x + sp.tanh(_A * x - _B * y),
                      y: (-y + sp.tanh(_C * _B * x + _A * y)) / _TAU},
                     params={_A: 2.0, _B: 2.0, _TAU: 1.0, _C: 1.0}, name="pair"))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.floats(1.3, 3.0), b=st.floats(1.0, 4.0), tau=st.floats(0.5, 2.0),
       c=st.floats(0.5, 1.5))
def test_planar_multiplier_is_exp_of_the_trace_integral(a: float, b: float, tau: float,
                                                        c: float) -> None:
    """A 2-neuron rate network that oscillates: the nontrivial multiplier equals
    exp(int_0^T trace J dt) (Liouville), computed here by quadrature on the orbit."""
    p = {"a": a, "b": b, "tau": tau, "c": c}
    try:
        cyc = find_cycle(PAIR, [0.5, 0.1], p, settings=CycleSettings(transient=60.0))
    except ConvergenceError:
        assume(False)
        return
    t = np.linspace(0, cyc.period, 40001)
    jac = np.asarray(PAIR.jac(cyc(t), PAIR.params(p)))
    integral = np.trapezoid(np.trace(jac, axis1=-2, axis2=-1), t)
    nontriv = cyc.multipliers[np.argmax(np.abs(cyc.multipliers - 1.0))]
    assert abs(nontriv.imag) < 1e-12
    assert nontriv.real == pytest.approx(math.exp(integral), rel=1e-6, abs=1e-14)


# ------------------------------------------------------------------ against simulation
@pytest.fixture(scope="module")
def fhn_branch():
    model = compile(load_model("fitzhugh_nagumo"))
    eq = continue_equilibria(model, "I", [-1.0, -0.5], (-0.5, 2.0))
    return model, eq, continue_cycles(model, "I", eq.points("hopf")[0], (-0.5, 2.0))


@pytest.fixture(scope="module")
def wc_branch():
    model = compile(load_model("wilson_cowan"))
    p = model.params()
    p[list(model.param_names).index("P")] = 1.9
    eq = continue_equilibria(model, "P", [0.4, 0.2], (0.0, 3.0), params=p)
    hopf = eq.points("hopf")[0]
    return model, eq, continue_cycles(model, "P", hopf, (0.0, 3.0))


def test_fitzhugh_nagumo_branch_runs_hopf_to_hopf_through_two_folds(fhn_branch) -> None:
    _, eq, br = fhn_branch
    h1, h2 = sorted(sp.params["I"] for sp in eq.points("hopf"))
    assert br.ends[0]["type"] == "hopf" and br.end["type"] == "hopf"
    ends = sorted([br.ends[0]["params"]["I"], br.end["params"]["I"]])
    assert ends == pytest.approx([h1, h2], abs=1e-8)
    folds = sorted(p.params["I"] for p in br.points("fold_of_cycles"))
    assert len(folds) == 2 and all(p.located for p in br.points("fold_of_cycles"))
    assert folds[0] < h1 and folds[1] > h2  # both Hopf points are subcritical
    assert not br.points("period_doubling") and not br.points("neimark_sacker")
    d = br.to_dict()
    assert set(d["max"]) == {"v", "w"} and len(d["multipliers"]) == len(br)
    assert d["end"]["type"] == "hopf"


def test_wilson_cowan_branch_ends_homoclinic_at_a_saddle(wc_branch) -> None:
    model, _, br = wc_branch
    assert br.ends[0]["type"] == "hopf"
    end = br.end
    assert end["type"] == "homoclinic" and end["saddle_kind"] == "saddle"
    # the saddle is an equilibrium at the end's parameters
    xs = np.array([end["saddle"][n] for n in model.state_names])
    p = model.params(end["params"]) if hasattr(model, "params") else None
    assert np.max(np.abs(model.rhs(xs, p))) < 1e-9
    assert abs(end["params"]["P"] - end["estimate"]) < 1e-3


@pytest.mark.parametrize("which", ["fhn", "wc"])
def test_stable_cycles_agree_with_a_long_simulation(which: str, fhn_branch, wc_branch
                                                    ) -> None:
    """Stable cycles at least 1e-3 in the parameter from a fold of cycles: there
    FitzHugh-Nagumo's cycles are canards (the whole canard explosion lies within 1e-7
    of the fold), which follow the repelling slow manifold, where any error, of the
    integrator or of the orbit's discretisation, grows by many orders of magnitude
    before it contracts again, so no simulation stays on them."""
    model, _, br = fhn_branch if which == "fhn" else wc_branch
    folds = np.array([p.params[br.param] for p in br.points("fold_of_cycles")])
    away = np.all(np.abs(br.values[:, None] - folds[None, :]) > 1e-3, axis=1) \
        if len(folds) else np.ones(len(br), dtype=bool)
    stable = np.nonzero(br.stable & away)[0]
    picks = stable[np.linspace(0, len(stable) - 1, 3).astype(int)]
    for i in picks:
        cyc = br.cycles[i]
        p = model.params(dict(cyc.params))
        x0 = cyc(np.array([0.0]))[0]
        t_end = 10 * cyc.period
        kernel, buf = model.rhs_kernel(p, size=1), np.empty((model.n, 1))

        def fun(t, s, kernel=kernel, buf=buf):
            kernel(np.ascontiguousarray(s.reshape(-1, 1)), t, buf)
            return buf[:, 0].copy()

        # an explicit Runge-Kutta run (DOP853: RK45 needs ten times the steps at 1e-11)
        sol = solve_ivp(fun, (0, t_end), x0, method="DOP853", rtol=1e-11, atol=1e-12,
                        dense_output=True)
        ts = np.linspace(0, t_end, 20001)
        run = sol.sol(ts).T
        # distance from the orbit: nearest point of a fine sampling of the cycle
        ref = cyc(np.linspace(0, cyc.period, 8001))
        dist = np.min(np.linalg.norm(run[::50, None, :] - ref[None, :, :], axis=2), axis=1)
        assert dist.max() < 1e-4 * float(np.max(cyc.amplitude)), (i, dist.max())
        j = int(np.argmax(cyc.amplitude))
        d = run[:, j] - 0.5 * (cyc.max[j] + cyc.min[j])
        up = np.nonzero((d[:-1] < 0) & (d[1:] >= 0))[0]
        tc = ts[up] + (ts[up + 1] - ts[up]) * (-d[up]) / (d[up + 1] - d[up])
        assert np.mean(np.diff(tc)) == pytest.approx(cyc.period, rel=1e-5)


def test_find_cycle_from_a_trajectory_and_from_a_hopf_point(fhn_branch) -> None:
    model, eq, _ = fhn_branch
    traj = simulate(model, [0.0, 0.0], 300.0, dt=0.01, params={"I": 0.8}, method="rk45")
    cyc = find_cycle(model, traj, {"I": 0.8})
    again = find_cycle(model, [0.0, 0.0], {"I": 0.8})
    assert cyc.period == pytest.approx(again.period, rel=1e-9)
    # a subcritical Hopf point: small unstable cycles on the side where I decreases
    hopf = min(eq.points("hopf"), key=lambda s: s.params["I"])
    small = find_cycle(model, hopf, {"I": hopf.params["I"] - 1e-4})
    assert small.unstable_multipliers == 1
    assert float(np.max(small.amplitude)) < 0.3
    assert small.period == pytest.approx(2 * np.pi / hopf.omega, rel=0.05)


# ------------------------------------------------------------------ presentation
def test_cycle_prints_serialises_and_tabulates() -> None:
    cyc = find_cycle(vdp(), [2.0, 0.0])
    text = str(cyc)
    assert "period 6.663286859" in text and "stable" in text and "Floquet" in text
    d = cyc.to_dict()
    assert d["period"] == pytest.approx(VDP_PERIOD, abs=1e-8)
    assert set(d["max"]) == {"x", "y"} and d["stable"] is True
    assert len(d["multipliers"]) == 2 and set(d["multipliers"][0]) == {"re", "im"}
    assert len(d["profile"]["t"]) == len(d["profile"]["x"])
    tex = cyc.to_latex()
    assert r"\toprule" in tex and "6.663286859" in tex
    # the interpolant is periodic
    np.testing.assert_allclose(cyc(np.array([0.3])), cyc(np.array([0.3 + cyc.period])),
                               atol=1e-12)


# ------------------------------------------------------------------ refusals
def test_a_guess_that_settles_to_an_equilibrium_is_refused_with_a_remedy() -> None:
    model = compile(load_model("fitzhugh_nagumo"))
    with pytest.raises(ConvergenceError, match="Hopf point"):
        find_cycle(model, [0.0, 0.0], {"I": 0.0})


def test_a_slowly_decaying_focus_is_not_taken_for_a_cycle() -> None:
    """x' = -0.01 x - y, y' = x - 0.01 y spirals in slowly: after the transient it still
    oscillates, but its range shrinks by e^-1.5 across the measuring window."""
    focus = Model({x: -0.01 * x - y, y: x - 0.01 * y}, name="weak_focus")
    with pytest.raises(ConvergenceError, match="still decaying"):
        find_cycle(focus, [1.0, 0.0], settings=CycleSettings(transient=200.0))


def test_non_smooth_and_time_dependent_models_are_refused() -> None:
    with pytest.raises(ModelError, match="smooth"):
        find_cycle(load_model("hopfield"), np.zeros(64))
    t = sp.Symbol("t", real=True)
    forced = Model({x: y, y: -x + sp.cos(t)}, name="forced")
    with pytest.raises(ModelError):
        find_cycle(forced, [1.0, 0.0])


def test_degenerate_hopf_starts_are_refused() -> None:
    model = hopf_normal_form(1.0, -1.0)
    base = dict(type=PointType.HOPF, params={"mu": 0.0}, state={"x": 0.0, "y": 0.0},
                varied=("mu",), located=True)
    with pytest.raises(ModelError, match="l1 = 0"):
        find_cycle(model, SpecialPoint(**base, omega=1.0, l1=0.0), {"mu": 0.01})
    with pytest.raises(ModelError, match="omega = 0"):
        find_cycle(model, SpecialPoint(**base, omega=0.0, l1=-1.0), {"mu": 0.01})
    with pytest.raises(ModelError, match="l1 = 0"):
        continue_cycles(model, "mu", SpecialPoint(**base, omega=1.0, l1=0.0), (-1, 1))


def test_settings_validate_their_values() -> None:
    with pytest.raises(ModelError, match="ntst"):
        CycleSettings(ntst=2)
    with pytest.raises(ModelError):
        CycleSettings(newton_tol=-1.0)
    model = hopf_normal_form(1.0, -1.0)
    with pytest.raises(ModelError, match="Hopf SpecialPoint or a Cycle"):
        continue_cycles(model, "mu", [0.0, 0.0], (-1, 1))
    assert isinstance(find_cycle(model, [1.0, 0.0], {"mu": 1.0}), Cycle)


def test_continuation_settings_bound_the_steps() -> None:
    model = hopf_normal_form(1.0, -1.0)
    br = continue_cycles(model, "mu", _hopf(model, -0.5, 0.5), (-0.5, 5.0),
                         ContinuationSettings(max_steps=4))
    assert br.end["type"] == "max_steps" and len(br) == 5


def test_bifurcation_diagram_continues_the_cycles_from_each_hopf_point_once() -> None:
    from dynsys import bifurcation_diagram

    d = bifurcation_diagram(load_model("fitzhugh_nagumo"), "I", (-0.5, 2.0))
    assert len(d.points("hopf")) == 2
    (cb,) = d.cycle_branches  # the branch from the first Hopf point ends at the second
    assert {e["type"] for e in cb.ends} == {"hopf"}
    assert len(d.points("fold_of_cycles")) == 2
    js = d.to_dict()
    assert len(js["cycle_branches"]) == 1 and js["cycle_failures"] == []
    assert any(p["type"] == "fold_of_cycles" and "period" in p for p in js["special_points"])
    assert "Branch of periodic orbits" in str(d)
    assert bifurcation_diagram(load_model("fitzhugh_nagumo"), "I", (-0.5, 2.0),
                               cycles=False).cycle_branches == ()


def test_period_doubling_is_located_where_a_multiplier_is_minus_one() -> None:
    """Rossler (a = b = 0.2): the simple cycle doubles its period near c = 2.83
    (Rossler 1976); at the located point one Floquet multiplier is -1. (At these a, b
    the equilibria are born at c = 0.4 in a fold with eigenvalues 0, +-1.4i, a
    degenerate zero-Hopf point, so the branch starts from a cycle instead.)"""
    z_, c = sp.symbols("z c", real=True)
    a = b = sp.Rational(1, 5)
    model = Model({x: -y - z_, y: x + a * y, z_: b + z_ * (x - c)}, params={c: 2.5},
                  name="rossler")
    start = find_cycle(model, [1.0, 1.0, 0.0])
    assert start.stable
    br = continue_cycles(model, "c", start, (2.0, 3.0))
    (pd,) = br.points("period_doubling")
    assert pd.located and 2.8 < pd.params["c"] < 2.86
    mu = np.array(pd.multipliers)
    assert np.min(np.abs(mu + 1.0)) < 1e-6
    assert br.points("neimark_sacker") == ()
    # stable below the period doubling, one multiplier outside the circle above it
    below = br.values < pd.params["c"] - 1e-3
    above = br.values > pd.params["c"] + 1e-3
    assert br.stable[below].all() and np.all(br.unstable[above] == 1)
