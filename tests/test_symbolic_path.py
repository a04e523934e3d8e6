"""The cheaper symbolic path (issue 14, part 3): compile's Jacobians by a forward sweep
over the expression DAG agree with sympy's ``Matrix.jacobian`` lambdified as before.

The reference below reproduces the previous compile path's sympy calls exactly
(``Matrix.jacobian``, the numeric rewriting, ``lambdify(cse=True, dummify=True)``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sps
import sympy as sp

from dynsys import Model, compile, load_model
from dynsys.core._codegen import _NUMERIC_FUNCTIONS, numeric_form
from dynsys.core._tape import Tape, shared_subexpressions
from dynsys.core.loading import model_names
from dynsys.core.symbols import time_symbol

XPP = Path(__file__).parent / "data" / "xpp"


def _reference(model: Model):
    """(rhs, jac, dfdp) callables built the way compile built them before."""
    args = [*model.states, *model.param_symbols, time_symbol]

    def lam(exprs):
        return sp.lambdify(args, [numeric_form(e) for e in exprs],
                           modules=[_NUMERIC_FUNCTIONS, "numpy"], cse=True, dummify=True)

    return lam(list(model.rhs)), lam(list(model.jacobian())), lam(list(model.dfdp()))


def _close(new: np.ndarray, ref: np.ndarray) -> bool:
    ok = np.isfinite(ref)
    if not np.array_equal(ok, np.isfinite(new)):
        return False
    return bool(np.all(np.abs(new[ok] - ref[ok]) <= 1e-12 * np.maximum(1.0, np.abs(ref[ok]))))


def _agree(model: Model, seed: int = 0, points: int = 5) -> None:
    system = compile(model)
    rhs, jac, dfdp = _reference(model)
    n, m = model.n, len(model.param_names)
    rng = np.random.default_rng(seed)
    p0 = system.default_params
    for _ in range(points):
        x = rng.uniform(-2.0, 2.0, n)
        p = p0 * rng.uniform(0.8, 1.2, m) if m else p0
        t = float(rng.uniform(0.0, 3.0))
        args = [*x, *p, t]
        with np.errstate(all="ignore"):
            ref_f = np.array([float(v) for v in rhs(*args)])
            ref_j = np.array([float(v) for v in jac(*args)]).reshape(n, n)
            ref_p = np.array([float(v) for v in dfdp(*args)]).reshape(n, m)
            new_f, new_j, new_p = system.rhs(x, p, t), system.jac(x, p, t), system.dfdp(x, p, t)
        assert _close(new_f, ref_f), (model.name, new_f, ref_f)
        assert _close(new_j, ref_j), (model.name, new_j, ref_j)
        assert _close(new_p, ref_p), (model.name, new_p, ref_p)


@pytest.mark.parametrize("name", [k for k in model_names() if k != "hopfield"])
def test_builtin_models_agree_with_the_previous_path(name):
    model = load_model(name)
    if isinstance(model, Model):
        _agree(model)


@pytest.mark.parametrize("path", sorted(XPP.glob("*.ode")), ids=lambda p: p.stem)
def test_ode_files_agree_with_the_previous_path(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_model(path)
    _agree(model, seed=1)


def _random_network(n: int, seed: int, f, sparse: bool) -> Model:
    rng = np.random.default_rng(seed)
    xs = sp.symbols(f"x1:{n + 1}", real=True)
    g, i0, a = sp.symbols("g I0 a", real=True)
    w = rng.normal(0.0, 1.0, (n, n))
    if sparse:
        w[rng.uniform(size=(n, n)) < 0.6] = 0.0
    eqs = {}
    for i, x in enumerate(xs):
        drive = g * sum(float(w[i, j]) * xs[j] for j in range(n)) + i0 + a * xs[i] ** 2
        eqs[x] = (-x + f(drive)) / (1 + i)
    return Model(eqs, {g: 1.3, i0: -0.2, a: 0.1}, name=f"net{seed}")


@pytest.mark.parametrize("seed", range(6))
def test_random_small_networks_agree_with_the_previous_path(seed):
    acts = [lambda s: 1 / (1 + sp.exp(-s)), sp.tanh, lambda s: sp.Max(s, 0),
            lambda s: sp.erf(s) + sp.Abs(s) / 3, lambda s: s**3 / (1 + s**2), sp.atan]
    model = _random_network(3 + seed % 4, seed, acts[seed], sparse=seed % 2 == 1)
    _agree(model, seed=seed)


def test_jacobian_of_a_chain_is_sparse_and_exact():
    # x_k' = -x_k + tanh(a x_{k-1}) + b x_k^2: J = diag(-1 + 2 b x_k) + subdiag(a sech^2)
    n = 90
    xs = sp.symbols(f"x0:{n}", real=True)
    a, b = sp.symbols("a b", real=True)
    eqs = {x: -x + (sp.tanh(a * xs[k - 1]) if k else 0) + b * x**2 for k, x in enumerate(xs)}
    system = compile(Model(eqs, {a: 0.7, b: 0.05}, name="chain"))
    rows, cols = system.jac_pattern
    assert len(rows) == 2 * n - 1
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == (
        {(k, k) for k in range(n)} | {(k, k - 1) for k in range(1, n)})
    x = np.random.default_rng(3).uniform(-1.0, 1.0, n)
    expect = np.diag(-1 + 0.1 * x) + np.diag(0.7 / np.cosh(0.7 * x[:-1]) ** 2, -1)
    dense = system.jac(x)
    assert np.allclose(dense, expect, rtol=1e-14, atol=1e-15)
    sparse = system.jac_sparse(x)
    assert sps.issparse(sparse) and sparse.nnz == 2 * n - 1
    assert np.array_equal(sparse.toarray(), dense)
    # dF/da = x_{k-1} sech^2(a x_{k-1}), dF/db = x_k^2
    dfdp = system.dfdp(x)
    assert np.allclose(dfdp[1:, 0], x[:-1] / np.cosh(0.7 * x[:-1]) ** 2, rtol=1e-14)
    assert dfdp[0, 0] == 0.0 and np.allclose(dfdp[:, 1], x**2, rtol=1e-15)
    _f, fx, fp = system.evaluate_point(x.tolist(), [0.7, 0.05])
    assert np.array_equal(np.asarray(fx, dtype=float).reshape(n, n), dense)
    assert np.array_equal(np.asarray(fp, dtype=float).reshape(n, 2), dfdp)


def test_dense_network_jacobian_closed_form():
    # x' = -x + sigma(g W x + I): J = -1 + g sigma'(h) W, dF/dg = sigma'(h) (W x)
    n = 12
    rng = np.random.default_rng(7)
    w = rng.normal(0.0, 1.0 / np.sqrt(n), (n, n))
    xs = sp.symbols(f"x1:{n + 1}", real=True)
    g, i0 = sp.symbols("g I", real=True)
    eqs = {x: -x + 1 / (1 + sp.exp(-(g * sum(float(w[i, j]) * xs[j] for j in range(n)) + i0)))
           for i, x in enumerate(xs)}
    system = compile(Model(eqs, {g: 1.5, i0: 0.2}, name="dense"))
    x = rng.uniform(0.0, 1.0, n)
    h = 1.5 * w @ x + 0.2
    slope = np.exp(-h) / (1 + np.exp(-h)) ** 2
    assert np.allclose(system.jac(x), -np.eye(n) + 1.5 * slope[:, None] * w, rtol=1e-13,
                       atol=1e-15)
    assert np.allclose(system.dfdp(x), np.stack([slope * (w @ x), slope], axis=1), rtol=1e-13)


def test_tape_differentiates_each_shared_node_once():
    x, y = sp.symbols("x y", real=True)
    u = sp.exp(x * y)  # shared by both right-hand sides
    tape = Tape(numeric_form)
    entries = tape.jacobian([u + x, u * sp.sin(y)], [x, y])
    values = {x: 0.3, y: -1.2}
    reps, outs = tape.program(list(entries.values()))
    env = dict(values)
    for t, e in reps:
        env[t] = float(e.subs(env))
    got = dict(zip(entries, (float(e.subs(env)) for e in outs), strict=True))
    for (i, j), v in got.items():
        ref = float(sp.diff([u + x, u * sp.sin(y)][i], [x, y][j]).subs(values))
        assert abs(v - ref) <= 1e-14 * max(1.0, abs(ref))
    assert sum(1 for _, e in reps if isinstance(e, sp.exp)) == 1


def test_shared_subexpressions_matches_cse_contract():
    x, y = sp.symbols("x y", real=True)
    exprs = [sp.exp(x + y) * sp.sin(x + y), sp.cos(x + y) + x]
    reps, reduced = shared_subexpressions(exprs)
    assert [e for _, e in reps] == [x + y]
    back = [e.xreplace({t: v for t, v in reps}) for e in reduced]
    assert [sp.simplify(a - b) for a, b in zip(back, exprs, strict=True)] == [0, 0]
