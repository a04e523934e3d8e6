"""The AUTO-07p reference harness (tests/_auto07p.py) checked against closed forms.

The harness is what dynsys's periodic-orbit code (issue 12) is compared with, so it is
checked first on problems whose answers are known exactly:

- FitzHugh-Nagumo's Hopf points: trace J = 0 on the equilibrium curve, solved by sympy,
  and the period of the cycle born there, 2 pi / sqrt(det J);
- the Hopf normal form x' = mu x - y - x r^2, y' = x + mu y - y r^2: a Hopf point at
  mu = 0, cycles of radius sqrt(mu) and period 2 pi, Floquet multipliers {1, exp(-4 pi mu)};
- Wilson-Cowan's Hopf point (trace J = 0 on the equilibria: scipy's root on the sympy equations)
  and the homoclinic end of its cycle branch: the period passes 1000 between the two
  folds of equilibria, next to a saddle (an equilibrium with eigenvalues of both signs).

Skips, with the reason, where AUTO-07p or gfortran is not installed.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy import optimize

sys.path.insert(0, str(Path(__file__).parent))
import _auto07p

from dynsys import Model, load_model, symbols

pytestmark = pytest.mark.skipif(not _auto07p.available(),
                                reason=_auto07p.unavailable_reason() or "AUTO-07p")


def _fhn_hopf_closed_form() -> list[tuple[float, float]]:
    """(I, period at the Hopf point) where trace J = 0 on FitzHugh-Nagumo's equilibria."""
    model = load_model("fitzhugh_nagumo")
    v, w = model.states
    I = next(s for s in model.param_symbols if str(s) == "I")
    sub = {s: sp.nsimplify(model.params[str(s)]) for s in model.param_symbols if str(s) != "I"}
    f = [sp.sympify(model.equations[s]).subs(sub) for s in (v, w)]
    jac = sp.Matrix(f).jacobian([v, w])
    out = []
    for sol in sp.solve([f[0], f[1], jac.trace()], [v, w, I], dict=True):
        det = jac.det().subs(sol)
        out.append((float(sp.N(sol[I], 30)), float(sp.N(2 * sp.pi / sp.sqrt(det), 30))))
    return sorted(out)


def test_fitzhugh_nagumo_hopf_points_match_the_trace_zero_closed_form():
    exact = _fhn_hopf_closed_form()
    assert len(exact) == 2
    eq = _auto07p.equilibrium_branch("fitzhugh_nagumo", "I", {"I": 0.0}, (0.0, 1.6))
    found = [h["param"] for h in eq["hopf"]]
    assert len(found) == 2
    for got, (want, _) in zip(found, exact):
        assert abs(got - want) < 1e-9
    # the equilibrium branch is monotone in I here (dI/dv = v^2 + 1/b - 1 > 0) and
    # stable exactly outside the two Hopf points
    vals, stable = np.array(eq["values"]), np.array(eq["stable"])
    inside = (vals > exact[0][0] + 1e-6) & (vals < exact[1][0] - 1e-6)
    outside = (vals < exact[0][0] - 1e-6) | (vals > exact[1][0] + 1e-6)
    assert not stable[inside].any() and stable[outside].all()


def test_fitzhugh_nagumo_cycle_branch_joins_the_two_hopf_points():
    exact = _fhn_hopf_closed_form()
    res = _auto07p.cycle_branch("fitzhugh_nagumo", "I", {"I": 0.0}, (0.0, 1.6), nmx=300)
    (branch,) = res["cycle_branches"]  # the branch from the first reaches the second
    assert abs(res["hopf"][0]["period"] - exact[0][1]) < 1e-7
    assert abs(branch["period"][0] - exact[0][1]) < 1e-7
    assert branch["end"]["type"] == "hopf"
    assert abs(branch["end"]["hopf"] - exact[1][0]) < 1e-9
    # folds of cycles: the parameter's extremes lie outside the Hopf interval, one each side
    folds = sorted(f["param"] for f in branch["folds"])
    assert len(folds) == 2
    assert folds[0] == pytest.approx(min(branch["values"]), abs=1e-9) and folds[0] < exact[0][0]
    assert folds[1] == pytest.approx(max(branch["values"]), abs=1e-9) and folds[1] > exact[1][0]
    # the system is symmetric under (v, w, I) -> (-v, 2a/b - w, 2a/b - I): so is the branch
    assert folds[0] + folds[1] == pytest.approx(2 * 0.7 / 0.8, abs=1e-9)
    # subcritical at both ends: the stable cycles are those between the folds, the small
    # ones born at either Hopf point are unstable
    stable = np.array(branch["stable"])
    assert not stable[:3].any() and not stable[-3:].any() and stable.any()
    assert branch["multipliers"][1] and all(len(m) == 2 for m in branch["multipliers"][1:])


def _normal_form() -> Model:
    x, y, mu = symbols("x y mu")
    r2 = x**2 + y**2
    return Model({x: mu * x - y - x * r2, y: x + mu * y - y * r2}, params={mu: -0.5},
                 name="hopf_normal_form", region={x: (-2, 2), y: (-2, 2)},
                 init={x: 0.0, y: 0.0})


def test_hopf_normal_form_cycles_have_radius_sqrt_mu_and_period_two_pi():
    res = _auto07p.cycle_branch(_normal_form(), "mu", {"mu": -0.5}, (-0.5, 1.0))
    assert [h["param"] for h in res["hopf"]] == [pytest.approx(0.0, abs=1e-10)]
    (branch,) = res["cycle_branches"]
    assert branch["end"]["type"] == "bound"
    assert branch["end"]["param"] >= 1.0  # AUTO's EP: the first point past RL1
    mu = np.array(branch["values"])
    assert mu.max() > 0.99 and mu.min() > -1e-10
    assert np.allclose(branch["period"], 2 * math.pi, rtol=0, atol=1e-8)
    # the L2 norm of (x, y) over one period is the radius; the collocation polynomials'
    # max of x too (point 0 is the Hopf point itself, mu ~ 1e-16 where sqrt magnifies)
    radius = np.sqrt(mu[1:])
    assert np.allclose(branch["l2norm"][1:], radius, rtol=0, atol=1e-9)
    assert np.allclose(branch["max"]["x"][1:], radius, rtol=0, atol=1e-9)
    assert np.allclose(branch["min"]["y"][1:], -radius, rtol=0, atol=1e-9)
    assert all(branch["stable"][1:])
    for m, mults in zip(mu[1:], branch["multipliers"][1:]):
        got = sorted(abs(z) for z in mults)
        assert got == pytest.approx(sorted([1.0, math.exp(-4 * math.pi * m)]), abs=2e-5)
    assert branch["folds"] == []


def test_fortran_source_keeps_exact_parameter_values():
    text = _auto07p.fortran_source("wilson_cowan", "P", {**load_model("wilson_cowan").params})
    assert "PAR(1)" in text and "1.3d0" in text and "3.7d0" in text
    assert _auto07p._f(0.1) == "0.1d0" and float(_auto07p._f(1e-300).replace("d", "e")) == 1e-300


def test_wilson_cowan_branch_from_the_hopf_point_ends_homoclinic_at_a_saddle():
    model = load_model("wilson_cowan")
    e, i = model.states
    p = next(s for s in model.param_symbols if str(s) == "P")
    sub = {s: model.params[str(s)] for s in model.param_symbols if s != p}
    f = sp.Matrix([sp.sympify(model.equations[s]).subs(sub) for s in (e, i)])
    jac = f.jacobian([e, i])
    g = sp.lambdify([[e, i, p]], [f[0], f[1], jac.trace()])
    dg = sp.lambdify([[e, i, p]], sp.Matrix([f[0], f[1], jac.trace()]).jacobian([e, i, p]))
    fj = sp.lambdify([[e, i, p]], jac)
    exact = optimize.root(lambda z: g(z), [0.25, 0.2, 1.88], jac=lambda z: dg(z), tol=1e-15).x
    res = _auto07p.cycle_branch(model, "P", None, (0.5, 3.0))
    (hopf,) = res["hopf"]
    assert abs(hopf["param"] - float(exact[2])) < 1e-9

    omega = math.sqrt(np.linalg.det(fj(exact)))
    assert abs(hopf["period"] - 2 * math.pi / omega) < 1e-7
    (branch,) = res["cycle_branches"]
    end = branch["end"]
    assert end["type"] == "homoclinic" and end["period"] >= 1000 * (1 - 1e-6)
    lo, hi = sorted(fold["param"] for fold in res["equilibria"]["folds"])
    assert lo < end["param"] < hi and end["extrapolated"]["param"] == end["param"]
    saddle = end["saddle"]
    x = [saddle["state"]["E"], saddle["state"]["Ipop"]]
    z = [x[0], x[1], end["param"]]
    assert max(abs(v) for v in g(z)[:2]) < 1e-10
    eig = sorted(np.linalg.eigvals(fj(z)).real)
    assert eig[0] < 0 < eig[1]
    assert all(branch["stable"][5:])  # supercritical: stable cycles all the way
