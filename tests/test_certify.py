"""Certified equilibria (dynsys.analysis.certify): closed forms, known roots, multistarts.

Reference values come from closed forms (DESIGN.md's reference models, the fold of the
mutual-excitation branch), from systems built with known roots, or from an independent
dense Newton multistart written here.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st
from matplotlib.patches import Rectangle
from scipy.optimize import brentq

from dynsys.analysis._interval_linalg import bialternate_sum, regular
from dynsys.analysis.certify import attach_certificates, certify_box
from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.equilibrium import linearize
from dynsys.analysis.phase_plane import phase_plane
from dynsys.cli import main
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.rate_network import RateNetwork
from dynsys.core.symbols import symbols
from dynsys.core.system import compile
from dynsys.errors import ModelError
from dynsys.plots.phase import plot_phase_plane

#: The fold of mutual excitation, I = -10 - (4 sqrt 5 - 2 ln(2 + sqrt 5)), and the double
#: root there: x = y = 50 s with s (1 - s) = 1 / (0.4 * 50), s = (1 + sqrt(0.8)) / 2.
FOLD_I = -10 - (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5)))
FOLD_X = 25 * (1 + math.sqrt(0.8))


def _contains(e, ref, tol: float = 0.0) -> bool:
    return all(lo - tol <= v <= hi + tol for (lo, hi), v in zip(e.enclosure, ref, strict=True))


def test_self_excitation_three_roots_certified() -> None:
    eq = find_equilibria(load_model("self_excitation"), certify=True)
    assert eq.certified is True and eq.undecided_boxes == () and eq.boxes > 0
    refs = [0.305908292842, 60.0, 119.694091707]  # DESIGN.md, 12 significant digits
    assert [e.certificate for e in eq] == ["unique"] * 3
    for e, ref in zip(eq, refs, strict=True):
        assert _contains(e, [ref], tol=1e-9) and e.enclosure_width < 1e-9
        assert e.stability_certified
    assert _contains(eq[1], [60.0])  # exactly 60: tanh(0) = 0
    assert [e.kind.value for e in eq] == ["stable", "unstable", "stable"]
    assert "certified: all 3 equilibria in the box, each unique in its enclosure" in eq.summary()


def test_mutual_excitation_three_certified_with_certified_kinds() -> None:
    eq = find_equilibria(load_model("mutual_excitation"), certify=True)
    assert eq.certified is True and len(eq) == 3
    refs = [0.00227195711918623, 25.0, 49.9977280428808]  # DESIGN.md
    for e, ref in zip(eq, refs, strict=True):
        assert e.certificate == "unique" and _contains(e, [ref, ref], tol=1e-12)
        assert e.stability_certified
    assert _contains(eq[1], [25.0, 25.0])
    assert [e.kind.value for e in eq] == ["stable node", "saddle", "stable node"]
    d = eq.to_dict()
    assert d["certified"] is True and d["undecided_boxes"] == [] and isinstance(d["boxes"], int)
    assert [e["certificate"] for e in d["equilibria"]] == ["unique"] * 3


def test_fold_double_root_undecided_not_certified_not_missed() -> None:
    eq = find_equilibria(load_model("mutual_excitation"), {"I": FOLD_I}, certify=True)
    assert eq.certified is False and len(eq.undecided_boxes) >= 1
    hull = [box for box in eq.undecided_boxes
            if all(lo - 1e-6 <= FOLD_X <= hi + 1e-6 for lo, hi in box)]
    assert hull, (FOLD_X, eq.undecided_boxes)  # the double root is inside an undecided box
    for box in eq.undecided_boxes:  # and nothing undecided away from it
        assert all(abs((lo + hi) / 2 - FOLD_X) < 1e-3 for lo, hi in box)
    low = [e for e in eq if e.state[0] < 1]
    assert len(low) == 1 and low[0].certificate == "unique"
    near = [e for e in eq if abs(e.state[0] - FOLD_X) < 1e-3]
    assert near and all(e.certificate == "unverified" for e in near)  # reported, not claimed
    text = eq.summary()
    assert "not certified: 1 box undecided near (x, y) = (47.3607, 47.3607) (a fold?)" in text
    d = eq.to_dict()
    assert d["certified"] is False and len(d["undecided_boxes"]) == len(eq.undecided_boxes)


def test_one_dimensional_fold_tangency_is_undecided() -> None:
    # the fold curve of self-excitation: w = cosh(s)^2 / 60, I = s - (1 + e^(2s)) / 2, with
    # the double root where w r + I = s
    s = 0.5
    w, i_ext = math.cosh(s) ** 2 / 60, s - (1 + math.exp(2 * s)) / 2
    eq = find_equilibria(load_model("self_excitation"), {"w": w, "I": i_ext}, certify=True)
    double = (s - i_ext) / w
    assert eq.certified is False and len(eq.undecided_boxes) == 1
    ((lo, hi),) = eq.undecided_boxes[0]
    assert lo - 1e-6 <= double <= hi + 1e-6
    tangent = [e for e in eq if abs(e.state[0] - double) < 1e-4]
    assert len(tangent) == 1 and tangent[0].certificate == "unverified"
    assert [e.certificate for e in eq if e is not tangent[0]] == ["unique"]


def test_just_past_the_fold_two_close_roots_are_both_certified() -> None:
    # I = -16.0570009596 (the fold rounded to 10 decimals) lies 4e-11 inside the bistable
    # range: two roots some 5e-5 apart near the double root; both are proven
    out = certify_box(compile(load_model("mutual_excitation")), np.array([0.4, 0.4,
                      -16.0570009596]), np.zeros(2), np.full(2, 50.0))
    near = [r for r in out.roots if abs(r.root[0] - FOLD_X) < 1e-3]
    assert len(near) == 2 and out.clusters == ()
    assert near[0].hi[0] < near[1].lo[0]  # disjoint enclosures: two distinct roots
    gap = near[1].root[0] - near[0].root[0]
    # on the diagonal F(x) = -x + f(0.4 x + I) ~ a (x - x*)^2 + b (I - I*) near the fold,
    # a = F''/2 and b = f': the two roots are 2 sqrt(-b dI / a) apart
    s = (1 + math.sqrt(0.8)) / 2
    a = 0.5 * 50 * 0.16 * s * (1 - s) * (1 - 2 * s)  # f''/2 of f(0.4 x + I) in x
    b = 50 * s * (1 - s)  # d f / dI
    d_i = -16.0570009596 - FOLD_I
    assert gap == pytest.approx(2 * math.sqrt(-b * d_i / a), rel=0.02)


@settings(max_examples=25)
@given(st.lists(st.integers(-30, 30), min_size=2, max_size=3, unique=True),
       st.lists(st.integers(-30, 30), min_size=1, max_size=3, unique=True),
       st.integers(-10, 10))
def test_products_of_linear_factors_certified_set_equals_known_roots(xr, yr, c) -> None:
    # F1 = prod (x - a_i), F2 = prod (y - b_j - c x): roots (a_i, b_j + c a_i), all simple
    x, y = symbols("x y")
    a = [sp.Rational(v, 20) for v in xr]
    b = [sp.Rational(v, 20) for v in yr]
    cc = sp.Rational(c, 10)
    f1 = sp.Mul(*[x - ai for ai in a])
    f2 = sp.Mul(*[y - bj - cc * x for bj in b])
    model = Model({x: f1, y: f2}, name="linear_factors")
    out = certify_box(compile(model), np.zeros(0), np.array([-2.0, -4.0]), np.array([2.0, 4.0]))
    known = sorted((float(ai), float(bj + cc * ai)) for ai in a for bj in b)
    assert out.clusters == () and not out.exhausted
    got = sorted(tuple(r.root) for r in out.roots)
    assert len(got) == len(known)
    for r, k in zip(sorted(out.roots, key=lambda r: tuple(r.root)), known, strict=True):
        assert np.all(r.lo <= np.array(k) + 1e-15) and np.all(np.array(k) - 1e-15 <= r.hi)


def _rate_network(w: np.ndarray, i_ext: np.ndarray) -> Model:
    n = len(i_ext)
    xs = symbols(" ".join(f"x{k}" for k in range(n)))
    xs = xs if isinstance(xs, tuple) else (xs,)
    eqs = {}
    for i, xi in enumerate(xs):
        s = sum(sp.Rational(round(w[i, j] * 100), 100) * xs[j] for j in range(n))
        s += sp.Rational(round(i_ext[i] * 100), 100)
        eqs[xi] = -xi + 1 / (1 + sp.exp(-s))
    return Model(eqs, name=f"rate{n}", region=dict.fromkeys(xs, (0.0, 1.0)))


def _multistart(system, n: int, seed: int, starts: int = 600) -> np.ndarray:
    """An independent dense Newton multistart (batched, plain, undamped)."""
    z = np.random.default_rng(seed).random((starts, n))
    p = system.default_params
    with np.errstate(all="ignore"):
        for _ in range(60):
            jac, f = system.jac(z, p), system.rhs(z, p)
            ok = np.isfinite(np.linalg.det(jac)) & (np.abs(np.linalg.det(jac)) > 1e-14)
            step = np.zeros_like(z)
            step[ok] = np.linalg.solve(jac[ok], f[ok][..., None])[..., 0]
            z = z - step
        res = np.max(np.abs(system.rhs(z, p)), axis=1)
    keep = np.isfinite(res) & (res < 1e-11) & np.all((z > -1e-9) & (z < 1 + 1e-9), axis=1)
    return z[keep]


@settings(max_examples=8)
@given(st.integers(2, 4), st.integers(0, 10**6))
def test_rate_network_multistart_roots_are_all_in_certified_or_undecided_boxes(n, seed) -> None:
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 6, (n, n))
    i_ext = rng.normal(0, 2, n) - 0.5 * w.sum(axis=1)
    system = compile(_rate_network(w, i_ext))
    out = certify_box(system, np.zeros(0), np.zeros(n), np.ones(n), max_boxes=40_000)
    for z in _multistart(system, n, seed):
        in_cert = any(np.all(z >= r.box_lo) and np.all(z <= r.box_hi) for r in out.roots)
        in_und = any(np.all(z >= lo - 1e-9) and np.all(z <= hi + 1e-9)
                     for lo, hi, _ in out.clusters)
        assert in_cert or in_und, (z, [r.root for r in out.roots])
    assert len(out.roots) >= 1  # a continuous map of the cube into itself has a fixed point


def test_winner_take_all_four_units_all_certified() -> None:
    x = symbols("x1 x2 x3 x4")
    eqs = {xi: -xi + 1 / (1 + sp.exp(-(10 * xi - 2 * sum(xj for xj in x if xj is not xi) - 5)))
           for xi in x}
    model = Model(eqs, name="wta4", region=dict.fromkeys(x, (0.0, 1.0)))
    eq = find_equilibria(model, certify=True)
    assert eq.certified is True and len(eq) == 21  # 1 + 4 + 6 + 4 + ... (see bench)
    assert all(e.certificate == "unique" and e.stability_certified for e in eq)


def test_search_misses_and_conflicts_are_loud() -> None:
    model = load_model("mutual_excitation")
    system = compile(model)
    p = system.default_params
    full = find_equilibria(model)
    # a root the probabilistic search "missed" is added back from its certified box
    partial = dataclasses.replace(full, equilibria=full.equilibria[:2])
    fixed = attach_certificates(partial, system, p)
    assert len(fixed) == 3 and fixed.certified is True
    assert fixed[2].method == "certified newton"
    assert any("missed the equilibrium" in n for n in fixed.notes)
    # a "root" where interval arithmetic proves there is none is a conflict
    bogus = dataclasses.replace(full, equilibria=(*full.equilibria, linearize(model, [10, 30])))
    bad = attach_certificates(bogus, system, p)
    assert bad.certified is False and any(n.startswith("CONFLICT") for n in bad.notes)
    assert "the searches disagree" in bad.summary()


def test_non_smooth_kink_is_never_declared_unique() -> None:
    (x,) = (symbols("x"),)
    model = Model({x: -x + sp.sign(x)}, name="sign_unit", region={x: (-2, 2)})
    eq = find_equilibria(model, certify=True)
    states = sorted(float(e.state[0]) for e in eq)
    assert states == [-1.0, 0.0, 1.0]
    cert = {float(e.state[0]): e.certificate for e in eq}
    assert cert == {-1.0: "unique", 0.0: "unverified", 1.0: "unique"}
    assert eq.certified is False and "(a kink?)" in eq.summary()


def test_refusals_and_default_path_unchanged() -> None:
    with pytest.raises(ModelError, match="symbolic right-hand sides"):
        find_equilibria(load_model("hopfield"), certify=True)
    x, t = symbols("x t")
    with pytest.raises(ModelError, match="autonomous"):
        find_equilibria(Model({x: -x + sp.sin(t)}, region={x: (-1, 1)}), certify=True)
    plain = find_equilibria(load_model("mutual_excitation"))
    d = plain.to_dict()
    assert "certified" not in d and "certificate" not in d["equilibria"][0]
    assert plain.certified is None and "certified" not in plain.summary()


def test_bialternate_sum_eigenvalues_are_pairwise_sums() -> None:
    rng = np.random.default_rng(3)
    for n in (2, 3, 4):
        a = rng.normal(size=(n, n))
        lam = np.linalg.eigvals(a)
        want = sorted([lam[i] + lam[j] for i in range(n) for j in range(i)],
                      key=lambda v: (round(v.real, 9), round(v.imag, 9)))
        lo, hi = bialternate_sum(a, a)
        assert np.all(hi - lo <= 1e-14 * (1 + np.abs(lo)))
        got = sorted(np.linalg.eigvals(lo), key=lambda v: (round(v.real, 9), round(v.imag, 9)))
        assert np.allclose(got, want, atol=1e-10)


def test_regularity_of_interval_matrices() -> None:
    eye = np.eye(3)
    assert regular(eye - 0.1, eye + 0.1)
    # [[1, 1], [1, t]] with t in [0.5, 1.5] contains the singular t = 1
    assert not regular(np.array([[1.0, 1.0], [1.0, 0.5]]), np.array([[1.0, 1.0], [1.0, 1.5]]))


def test_analyze_certify_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "mutual_excitation", "--certify", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["certified"] is True and d["undecided_boxes"] == [] and d["boxes"] > 0
    assert [e["certificate"] for e in d["equilibria"]] == ["unique"] * 3
    assert main(["analyze", "self_excitation", "--certify"]) == 0
    out = capsys.readouterr().out
    assert "certified: all 3 equilibria in the box, each unique in its enclosure" in out
    assert main(["analyze", "hopfield", "--certify"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: certify needs") and "Traceback" not in err


def test_rate_network_in_matrix_form_is_certified_like_its_model() -> None:
    w = np.array([[10.0, -2.0, -2.0], [-2.0, 10.0, -2.0], [-2.0, -2.0, 10.0]])
    net = find_equilibria(RateNetwork(w, I=-5.0), certify=True)
    x = symbols("x1 x2 x3")
    eqs = {xi: -xi + 1 / (1 + sp.exp(-(sum(int(w[i, j]) * x[j] for j in range(3)) - 5)))
           for i, xi in enumerate(x)}
    box = certify_box(compile(Model(eqs, name="wta3")), np.zeros(0), np.zeros(3), np.ones(3))
    assert net.certified is True and len(net) == len(box.roots) == 13
    for e in net:  # each network equilibrium lies in exactly one of the model's enclosures
        assert sum(bool(np.all(r.lo <= e.state + 1e-12) and np.all(e.state - 1e-12 <= r.hi))
                   for r in box.roots) == 1
    with pytest.raises(ModelError, match="up to 12 units"):
        certify_box(RateNetwork(np.eye(13)), np.array([1.0, 0.0]), np.zeros(13), np.ones(13))


def test_phase_plane_hatches_undecided_boxes() -> None:
    # the plot draws what it is given (an undecided box), enlarged to be seen
    box = ((47.36067, 47.36069), (47.36067, 47.36069))
    fig = plot_phase_plane(phase_plane(load_model("mutual_excitation"), field_n=5),
                           undecided=(box,))
    hatched = [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == 1
    (x0, y0), w, h = hatched[0].get_xy(), hatched[0].get_width(), hatched[0].get_height()
    assert x0 <= FOLD_X <= x0 + w and y0 <= FOLD_X <= y0 + h
    assert w == pytest.approx(0.05 * 50)  # 5% of the axes: a 2e-5 box stays visible


def test_rate_network_with_populations_uses_each_activation() -> None:
    # E-I pair, an activation per population: x_E' = -x_E + tanh(2 x_E - 2 x_I),
    # x_I' = (-x_I + (x_E / 2)^2) / 0.5: x_I = x_E^2 / 4 and x_E = tanh(2 x_E - x_E^2 / 2),
    # whose three roots brentq finds independently
    s = sp.Symbol("s")
    w = np.array([[2.0, -2.0], [0.5, 0.0]])
    net = RateNetwork(w, {"E": sp.tanh(s), "I": s**2}, tau={"E": 1.0, "I": 0.5},
                      populations={"E": 1, "I": 1}, f_range={"E": (-1, 1), "I": (0, 1)})
    eq = find_equilibria(net, region={"E1": (-1, 1), "I1": (-0.5, 1)}, certify=True)
    assert eq.certified is True and len(eq) == 3

    def g(u: float) -> float:
        return math.tanh(2 * u - u * u / 2) - u

    roots = [brentq(g, -1, -0.1), 0.0, brentq(g, 0.1, 1)]
    for e, u in zip(eq, roots, strict=True):
        assert _contains(e, [u, u * u / 4], tol=1e-12)
