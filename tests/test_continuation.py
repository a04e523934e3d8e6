"""One-parameter continuation: closed-form folds and Hopf points, normal forms, properties."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dynsys import Model, compile, load_model, symbols
from dynsys._io import to_jsonable
from dynsys.bifurcation.continuation import Branch, ContinuationSettings, continue_equilibria
from dynsys.bifurcation.normal_forms import fold_coefficients, hopf_coefficients
from dynsys.bifurcation.points import PointType
from dynsys.core.derivatives import derivatives
from dynsys.errors import ConvergenceError, ModelError

FOLD_LOW = -10 - (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5)))  # -16.0570009596
FOLD_HIGH = -20 - FOLD_LOW  # -3.9429990404


@pytest.fixture(scope="module")
def mutual() -> object:
    return compile(load_model("mutual_excitation"))


@pytest.fixture(scope="module")
def mutual_branch(mutual: object) -> Branch:
    return continue_equilibria(mutual, "I", [0.00227, 0.00227], (-20, 0))


def test_mutual_excitation_folds_match_closed_form(mutual_branch: Branch) -> None:
    folds = sorted(sp.params["I"] for sp in mutual_branch.points("fold"))
    assert len(folds) == 2
    assert folds[0] == pytest.approx(FOLD_LOW, abs=1e-8)
    assert folds[1] == pytest.approx(FOLD_HIGH, abs=1e-8)
    assert abs(folds[0] + 16.0570009596) < 1e-9
    for sp in mutual_branch.points("fold"):
        assert sp.located and sp.residual < 1e-10
        # on the diagonal x = y, symmetric pair of folds: |a| equal, opposite signs
        assert sp.state["x"] == pytest.approx(sp.state["y"], abs=1e-9)
        # located points are points of the branch
        assert mutual_branch.values[sp.index] == sp.params["I"]
        assert mutual_branch.states[sp.index, 0] == sp.state["x"]
    a = [sp.a for sp in mutual_branch.points("fold")]
    assert a[0] == pytest.approx(-a[1], rel=1e-8)


def test_branch_covers_bounds_and_stability(mutual_branch: Branch) -> None:
    br = mutual_branch
    assert br.values.min() == -20 and br.values.max() == 0
    assert br.stop_reasons == ("I = -20 (bound)", "I = 0 (bound)")
    # stable, saddle (1 unstable), stable
    assert [k for _, _, k in br.segments()] == [0, 1, 0]
    # at I = -10 the middle point is the saddle (25, 25) with eigenvalues 4 and -6
    mid = np.argmin(np.abs(br.states[:, 0] - 25) + np.abs(br.values + 10))
    assert br.unstable[mid] == 1
    assert len(br.step_sizes) == len(br) == len(br.newton_iterations)


def test_every_branch_point_solves_the_equations(mutual: object, mutual_branch: Branch) -> None:
    ps = np.tile(mutual.default_params, (len(mutual_branch), 1))
    ps[:, 2] = mutual_branch.values
    res = np.abs(mutual.rhs(mutual_branch.states, ps)).max()
    assert res < 1e-10


def test_branch_prints_tree_and_json(mutual_branch: Branch) -> None:
    text = str(mutual_branch)
    assert text.startswith("Branch of equilibria of mutual_excitation in I")
    assert "fold" in text and "-16.05700096" in text
    d = json.loads(json.dumps(to_jsonable(mutual_branch.to_dict())))
    assert d["param"] == "I" and len(d["values"]) == len(mutual_branch)
    assert {sp["type"] for sp in d["special_points"]} == {"fold"}
    assert set(d["special_points"][0]["state"]) == {"x", "y"}
    assert "Branch" in repr(mutual_branch)


def test_fitzhugh_nagumo_hopf_points_match_closed_form() -> None:
    fhn = compile(load_model("fitzhugh_nagumo"))
    a, b, eps = 0.7, 0.8, 0.08
    v = np.array([-1.0, 1.0]) * math.sqrt(1 - eps * b)  # trace J = 1 - v^2 - eps b = 0
    w = (v + a) / b
    current = -(v - v**3 / 3 - w)
    br = continue_equilibria(fhn, "I", [-1.2, -0.6], (0, 2), params={"I": 0.0})
    hopf = br.points("hopf")
    assert len(hopf) == 2
    got = sorted(sp.params["I"] for sp in hopf)
    np.testing.assert_allclose(got, current, atol=1e-10)
    for sp in hopf:
        omega = math.sqrt(eps - eps**2 * b**2)  # det J at trace 0 (with 1 - v^2 = eps b)
        assert sp.omega == pytest.approx(omega, rel=1e-9)
        assert sp.residual < 1e-10
        assert sp.criticality in ("subcritical", "supercritical")
    # between the Hopf points the equilibrium is an unstable focus
    inside = (br.values > got[0] + 1e-3) & (br.values < got[1] - 1e-3)
    assert np.all(br.unstable[inside] == 2) and np.all(br.unstable[~inside & (
        (br.values < got[0] - 1e-3) | (br.values > got[1] + 1e-3))] == 0)


def test_fold_normal_form_of_x_prime_mu_minus_x_squared() -> None:
    x, mu = symbols("x mu")
    sys = compile(Model({x: mu - x**2}, params={mu: 1.0}, name="fold_nf"))
    br = continue_equilibria(sys, "mu", [1.0], (-1, 1), region={})
    (fold,) = br.points("fold")
    assert fold.params["mu"] == pytest.approx(0.0, abs=1e-12)
    assert fold.a == pytest.approx(-1.0, abs=1e-12)
    assert fold.transversality == pytest.approx(1.0, abs=1e-12)
    # the other half of the parabola is unstable
    assert set(br.unstable.tolist()) == {0, 1}


def test_hopf_normal_form_cartesian() -> None:
    x, y, mu, s = symbols("x y mu s")
    r2 = x**2 + y**2
    for sval in (-1.0, 0.5):
        model = Model({x: mu * x - y + s * x * r2, y: x + mu * y + s * y * r2},
                      params={mu: -0.5, s: sval}, name="hopf_nf")
        br = continue_equilibria(compile(model), "mu", [0.0, 0.0], (-0.5, 0.5))
        (h,) = br.points("hopf")
        assert h.params["mu"] == pytest.approx(0.0, abs=1e-12)
        assert h.omega == pytest.approx(1.0, abs=1e-12)
        # Kuznetsov's normalisation <q, q> = 1 gives l1 = 2 s for this form
        assert h.l1 == pytest.approx(2 * sval, abs=1e-10)
        assert h.criticality == ("supercritical" if sval < 0 else "subcritical")


def _gh_lyapunov(omega: float, f: dict, g: dict) -> float:
    """Guckenheimer-Holmes (3.4.11) for x' = -omega y + f, y' = omega x + g."""
    a16 = (f["xxx"] + f["xyy"] + g["xxy"] + g["yyy"]
           + (f["xy"] * (f["xx"] + f["yy"]) - g["xy"] * (g["xx"] + g["yy"])
              - f["xx"] * g["xx"] + f["yy"] * g["yy"]) / omega)
    return a16 / 16


@settings(max_examples=15)
@given(st.lists(st.floats(-2, 2), min_size=10, max_size=10), st.floats(0.5, 3))
def test_first_lyapunov_coefficient_matches_guckenheimer_holmes(c: list, omega: float) -> None:
    # f = c0 x^2/2 + c1 x y + c2 y^2/2 + c3 x^3/6 + c4 x y^2/2, g similar
    hxx = np.zeros((2, 2, 2))
    txxx = np.zeros((2, 2, 2, 2))
    hxx[0, 0, 0], hxx[0, 0, 1], hxx[0, 1, 0], hxx[0, 1, 1] = c[0], c[1], c[1], c[2]
    hxx[1, 0, 0], hxx[1, 0, 1], hxx[1, 1, 0], hxx[1, 1, 1] = c[5], c[6], c[6], c[7]
    txxx[0, 0, 0, 0] = c[3]
    for idx in ((0, 0, 1, 1), (0, 1, 0, 1), (0, 1, 1, 0)):
        txxx[idx] = c[4]
    txxx[1, 1, 1, 1] = c[8]
    for idx in ((1, 0, 0, 1), (1, 0, 1, 0), (1, 1, 0, 0)):
        txxx[idx] = c[9]
    f = {"xx": c[0], "xy": c[1], "yy": c[2], "xxx": c[3], "xyy": c[4]}
    g = {"xx": c[5], "xy": c[6], "yy": c[7], "yyy": c[8], "xxy": c[9]}
    a = np.array([[0.0, -omega], [omega, 0.0]])
    nf = hopf_coefficients(a, hxx, txxx)
    assert nf.omega == pytest.approx(omega)
    # GH's a is Re(c1) in z = x + i y; Kuznetsov's <q,q> = 1 doubles |z|^2
    assert nf.l1 == pytest.approx(2 * _gh_lyapunov(omega, f, g) / omega, abs=1e-9)


def test_finite_difference_derivatives_agree_with_symbolic(mutual: object) -> None:
    exact = derivatives(mutual)
    assert exact.exact

    class Plain:  # the System protocol without a .model: finite differences
        def __getattr__(self, name: str) -> object:
            if name == "model":
                raise AttributeError(name)
            return getattr(mutual, name)

    approx = derivatives(Plain())
    assert not approx.exact
    x, p = np.array([20.0, 30.0]), mutual.default_params
    np.testing.assert_allclose(approx.hxx(x, p), exact.hxx(x, p), atol=1e-8)
    np.testing.assert_allclose(approx.hxp(x, p), exact.hxp(x, p), atol=1e-8)
    np.testing.assert_allclose(approx.txxx(x, p), exact.txxx(x, p), atol=1e-6)


def test_fold_coefficients_orientation() -> None:
    c = fold_coefficients(np.zeros((1, 1)), np.full((1, 1, 1), 4.0), np.array([-1.0]))
    assert c.transversality == pytest.approx(1.0) and c.a == pytest.approx(-2.0)


def test_settings_validate_and_name_the_culprit() -> None:
    with pytest.raises(ModelError, match="ds_min <= ds0 <= ds_max"):
        ContinuationSettings(ds_min=1.0, ds0=0.5)
    with pytest.raises(ModelError, match="max_steps"):
        ContinuationSettings(max_steps=0)
    with pytest.raises(ModelError, match="newton_tol"):
        ContinuationSettings(newton_tol=-1)


def test_bad_input_raises_model_error(mutual: object) -> None:
    with pytest.raises(ModelError, match="not a parameter"):
        continue_equilibria(mutual, "J", [0, 0], (-20, 0))
    with pytest.raises(ModelError, match="outside the bounds"):
        continue_equilibria(mutual, "I", [0, 0], (0, 5))
    with pytest.raises(ModelError, match="low < high"):
        continue_equilibria(mutual, "I", [0, 0], (0, -20))
    with pytest.raises(ModelError, match="start must be 2"):
        continue_equilibria(mutual, "I", [0, 0, 0], (-20, 0))
    with pytest.raises(ConvergenceError, match="equilibrium"):
        continue_equilibria(mutual, "I", [1e6, -1e6], (-20, 0))


def test_max_steps_and_small_steps_are_reported(mutual: object) -> None:
    br = continue_equilibria(mutual, "I", [0.00227, 0.00227], (-20, 0),
                             ContinuationSettings(max_steps=5))
    assert len(br) == 11 and "max_steps" in br.stop_reasons[1]
    assert br.points(PointType.FOLD) == ()


def test_isola_closes() -> None:
    x, y, mu = symbols("x y mu")  # (x^2 + mu^2 - 1) = 0 with y = 0: a circle in (x, mu)
    model = Model({x: 1 - x**2 - mu**2, y: -y}, params={mu: 0.0}, name="isola")
    br = continue_equilibria(compile(model), "mu", [1.0, 0.0], (-2, 2))
    assert br.closed and br.stop_reasons[1] == "closed curve"
    assert len(br.points("fold")) == 2
    assert sorted(sp.params["mu"] for sp in br.points("fold")) == pytest.approx([-1, 1])


def test_branch_points_of_pitchfork() -> None:
    x, mu = symbols("x mu")
    model = Model({x: mu * x - x**3}, params={mu: -1.0}, name="pitchfork")
    br = continue_equilibria(compile(model), "mu", [0.0], (-1, 1), region={})
    (bp,) = br.points("branch_point")
    assert bp.params["mu"] == pytest.approx(0.0, abs=1e-8)
    assert bp.residual < 1e-10


def test_branch_point_on_the_parabola_of_the_pitchfork_is_the_crossing() -> None:
    # tracing x^2 = mu through the crossing with x = 0: the chord bisection used to land on
    # the trivial branch and report mu = 0.0072, and insert that point into the branch
    x, mu = symbols("x mu")
    model = Model({x: mu * x - x**3}, params={mu: 2.0}, name="pitchfork")
    br = continue_equilibria(compile(model), "mu", [math.sqrt(2.0)], (-1, 2),
                             region={"x": (-3, 3)})
    (bp,) = br.points("branch_point")
    assert bp.located and abs(bp.params["mu"]) < 1e-10 and abs(bp.state["x"]) < 1e-8
    assert br.points("fold") == ()  # the turn in mu there is the branch point, not a fold
    np.testing.assert_allclose(br.states[:, 0] ** 2, br.values, atol=1e-8)  # all on x^2 = mu


def test_branch_points_where_an_isola_meets_a_line() -> None:
    # x' = (x - 2)(1 - (x - 2)^2 - mu^2): the circle meets the line x = 2 at mu = -1, 1
    x, y, mu = symbols("x y mu")
    model = Model({x: (x - 2) * (1 - (x - 2) ** 2 - mu**2), y: -y}, params={mu: 0.0},
                  name="circle_and_line")
    for start in ([3.0, 0.0], [2.0, 0.0]):
        br = continue_equilibria(compile(model), "mu", start, (-2, 2), region={})
        bps = br.points("branch_point")
        assert len(bps) == 2 and all(bp.located for bp in bps)
        np.testing.assert_allclose(sorted(bp.params["mu"] for bp in bps), [-1, 1], atol=1e-10)
        np.testing.assert_allclose([bp.state["x"] for bp in bps], 2.0, atol=1e-8)
        assert br.points("fold") == ()


@settings(max_examples=10)
@given(st.floats(-19.5, -0.5))
def test_continuation_agrees_with_brute_force_roots(mutual_branch: Branch, current: float
                                                    ) -> None:
    from scipy.optimize import brentq

    # brute force on the diagonal x = y: g(x) = -x + 50 / (1 + exp(-(0.4 x + I)))
    def g(v: float) -> float:
        return -v + 50 / (1 + math.exp(-(0.4 * v + current)))

    grid = np.linspace(-1e-9, 50, 2001)
    vals = np.array([g(v) for v in grid])
    roots = [brentq(g, grid[i], grid[i + 1], xtol=1e-14)
             for i in np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]]
    # crossings of the branch with the vertical line I = current
    br = mutual_branch
    cross = []
    for i in range(len(br) - 1):
        a, b = br.values[i] - current, br.values[i + 1] - current
        if a * b < 0 or b == 0:
            cross.append(br.states[i, 0] + a / (a - b) * (br.states[i + 1, 0] - br.states[i, 0]))
    assert len(cross) == len(roots)
    np.testing.assert_allclose(sorted(cross), roots, atol=0.5)


@pytest.mark.parametrize("module", [
    "dynsys.bifurcation._arclength", "dynsys.bifurcation.continuation",
    "dynsys.core.derivatives", "dynsys.bifurcation.codim2",
    "dynsys.bifurcation.diagram", "dynsys.bifurcation.region_map",
])
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@settings(max_examples=8)
@given(st.floats(0.15, 0.8), st.floats(0.15, 0.8))
def test_property_every_point_and_special_point_solves_the_equations(w1: float, w2: float
                                                                     ) -> None:
    sys = compile(load_model("mutual_excitation"))
    br = continue_equilibria(sys, "I", [0.001, 0.001], (-30, 0),
                             params={"w1": w1, "w2": w2, "I": -30.0})
    ps = np.tile(sys.params({"w1": w1, "w2": w2}), (len(br), 1))
    ps[:, 2] = br.values
    assert np.abs(sys.rhs(br.states, ps)).max() < 1e-9
    assert br.values.min() == -30 and br.values.max() == 0
    for sp in br.special_points:
        assert sp.located and sp.residual < 1e-10
        p = sys.params(sp.params)
        x = np.array([sp.state["x"], sp.state["y"]])
        assert abs(np.linalg.det(sys.jac(x, p))) < 1e-8  # folds: singular Jacobian
    # stability changes only at special points: between them the count is constant
    changes = np.nonzero(np.diff(br.unstable))[0]
    idx = [sp.index for sp in br.special_points]
    assert all(min(abs(c - i) for i in idx) <= 1 for c in changes) if changes.size else True


def test_stability_summary_follows_the_parameter_path():
    """A closed or folded stretch reads as its path through the turning points, not as
    'I 0..0'; '1 special point' in the singular (issue 13, item 14)."""
    from dynsys.bifurcation.continuation import _path

    assert _path(np.array([0.0, 5.0, 13.19, 6.0, 0.0])) == "0 -> 13.19 -> 0"
    assert _path(np.array([-20.0, -10.0, -3.943])) == "-20..-3.943"
    assert _path(np.array([2.0, 2.0])) == "2..2"
