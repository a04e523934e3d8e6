"""Two-parameter continuation: fold curves, cusp, Bogdanov-Takens, Hopf curves."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dynsys import Model, compile, load_model, symbols
from dynsys._io import to_jsonable
from dynsys.bifurcation.codim2 import Curve, continue_fold, continue_hopf
from dynsys.bifurcation.continuation import continue_equilibria
from dynsys.errors import ModelError


@pytest.fixture(scope="module")
def self_exc() -> object:
    return compile(load_model("self_excitation"))


@pytest.fixture(scope="module")
def fold_curve(self_exc: object) -> Curve:
    fold = continue_equilibria(self_exc, "I", [0.3], (-5, 0)).points("fold")[0]
    return continue_fold(self_exc, ("w", "I"), fold, {"w": (0, 1), "I": (-5, 0)})


def test_cusp_of_self_excitation(fold_curve: Curve) -> None:
    (cusp,) = fold_curve.points("cusp")
    assert cusp.params["w"] == pytest.approx(1 / 60, abs=1e-6)
    assert cusp.params["I"] == pytest.approx(-1.0, abs=1e-6)
    assert abs(cusp.params["w"] - 1 / 60) < 1e-10 and abs(cusp.params["I"] + 1) < 1e-9
    assert cusp.state["r"] == pytest.approx(60.0, abs=1e-6)
    assert abs(cusp.a) < 1e-9 and cusp.c < 0
    assert cusp.residual < 1e-10


def test_fold_curve_matches_closed_form(fold_curve: Curve) -> None:
    # w(s) = cosh(s)^2 / 60, I(s) = s - (1 + e^(2 s)) / 2; both signs of s
    w, current = fold_curve.values.T
    s = np.arccosh(np.sqrt(60 * w))
    err = np.minimum(np.abs(current - (s - (1 + np.exp(2 * s)) / 2)),
                     np.abs(current - (-s - (1 + np.exp(-2 * s)) / 2)))
    assert err.max() < 1e-9
    # both ends reached: the curve runs from w = 1 through the cusp back to I = -5 or w = 1
    assert w.max() == pytest.approx(1.0)
    assert w.min() < 1 / 60 + 1e-5
    text = str(fold_curve)
    assert text.startswith("Curve of fold points of self_excitation in (w, I)") and "cusp" in text
    d = json.loads(json.dumps(to_jsonable(fold_curve.to_dict())))
    assert d["special_points"][0]["type"] == "cusp" and set(d["values"]) == {"w", "I"}


def test_bogdanov_takens_on_fold_and_hopf_curves() -> None:
    x, y, b1, b2 = symbols("x y beta1 beta2")
    model = Model({x: y, y: b1 + b2 * x + x**2 - x * y}, params={b1: -1.0, b2: 1.0},
                  name="bt_normal_form")
    sys = compile(model)
    box = {"beta1": (-2, 2), "beta2": (-2, 2)}
    br = continue_equilibria(sys, "beta1", [0.6, 0.0], (-2, 2), region={})
    fold = br.points("fold")[0]
    assert fold.params["beta1"] == pytest.approx(0.25)  # beta1 = beta2^2 / 4
    curve = continue_fold(sys, ("beta1", "beta2"), fold, box, region={})
    np.testing.assert_allclose(curve.values[:, 0], curve.values[:, 1] ** 2 / 4, atol=1e-10)
    (bt,) = curve.points("bogdanov_takens")
    assert abs(bt.params["beta1"]) < 1e-10 and abs(bt.params["beta2"]) < 1e-10
    # the Hopf curve beta1 = 0, beta2 < 0 ends in the same point (omega^2 = -beta2)
    br = continue_equilibria(sys, "beta1", [0.0, 0.0], (-2, 2),
                             params={"beta1": 0.0, "beta2": -1.0}, region={})
    (hopf,) = br.points("hopf")
    assert hopf.l1 < 0
    hc = continue_hopf(sys, ("beta1", "beta2"), hopf, box, region={})
    assert np.abs(hc.values[:, 0]).max() < 1e-10
    np.testing.assert_allclose(hc.tests["kappa"], -hc.values[:, 1], atol=1e-10)
    (bt2,) = hc.points("bogdanov_takens")
    assert abs(bt2.params["beta2"]) < 1e-10


def test_hopf_curve_of_fitzhugh_nagumo_matches_closed_form() -> None:
    fhn = compile(load_model("fitzhugh_nagumo"))
    br = continue_equilibria(fhn, "I", [-1.2, -0.6], (0, 2), params={"I": 0.0})
    hc = continue_hopf(fhn, ("I", "b"), br.points("hopf")[0], {"b": (0.5, 1.2)}, region={})
    a, eps = 0.7, 0.08
    current, b = hc.values.T
    v = -np.sqrt(1 - eps * b)
    expected = (v + a) / b - v + v**3 / 3
    np.testing.assert_allclose(current, expected, atol=1e-9)
    np.testing.assert_allclose(hc.tests["kappa"], eps - eps**2 * b**2, atol=1e-9)
    assert b.min() == pytest.approx(0.5) and b.max() == pytest.approx(1.2)


def test_mutual_excitation_fold_curve_has_cusp() -> None:
    sys = compile(load_model("mutual_excitation"))
    br = continue_equilibria(sys, "I", [0.00227, 0.00227], (-20, 0))
    curve = continue_fold(sys, ("w1", "I"), br.points("fold")[0], {"w1": (0, 1), "I": (-20, 0)})
    assert len(curve.points("cusp")) == 1
    res = np.abs(sys.rhs(curve.states, np.column_stack(
        [curve.values[:, 0], np.full(len(curve), 0.4), curve.values[:, 1]]))).max()
    assert res < 1e-9
    # on the fold curve the Jacobian is singular
    dets = np.linalg.det(sys.jac(curve.states, np.column_stack(
        [curve.values[:, 0], np.full(len(curve), 0.4), curve.values[:, 1]])))
    assert np.abs(dets).max() < 1e-8


def test_bad_parameters() -> None:
    sys = compile(load_model("self_excitation"))
    with pytest.raises(ModelError, match="differ"):
        continue_fold(sys, ("w", "w"), [60.0])
    with pytest.raises(ModelError, match="not a parameter"):
        continue_fold(sys, ("w", "J"), [60.0])
    with pytest.raises(ModelError, match="not one of the continued"):
        continue_fold(sys, ("w", "I"), [60.0], {"r": (0, 1)})
    with pytest.raises(ModelError, match="two states"):
        continue_hopf(sys, ("w", "I"), [60.0])
