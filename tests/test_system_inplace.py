"""The generated in-place kernels agree with rhs; Jacobians agree with finite differences."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, strategies as st

from dynsys.core.loading import load_model, model_names
from dynsys.core.model import Model
from dynsys.core.symbols import heav, symbols
from dynsys.core.system import compile
from dynsys.errors import ModelError

MODELS = {name: load_model(name) for name in model_names()}
MODELS = {k: v for k, v in MODELS.items() if isinstance(v, Model)}


def _box(model):
    if model.region:
        lo, hi = np.array(list(model.region.values()), dtype=float).T
    else:
        lo, hi = -np.ones(model.n), np.ones(model.n)
    return lo, hi


def _kernels_match(sys, x_rows, t, p=None):
    """rhs_kernel and euler_kernel against the plain rhs, on (n, B) columns."""
    size = x_rows.shape[1]
    ref = sys.rhs(x_rows.T, p, t).T
    out = np.empty_like(x_rows)
    sys.rhs_kernel(p, size)(x_rows, t, out)
    scale = np.maximum(np.abs(ref), 1.0)
    np.testing.assert_array_less(np.abs(out - ref) / scale, 1e-13)
    sys.euler_kernel(p, size, 0.05)(x_rows, t, out)
    step = x_rows + 0.05 * ref
    np.testing.assert_array_less(np.abs(out - step) / np.maximum(np.abs(step), 1.0), 1e-13)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_in_place_kernels_agree_with_rhs_on_random_states(name):
    model = MODELS[name]
    sys = compile(model)
    assert sys._inplace is not None, "built-in models use the generated fast path"
    lo, hi = _box(model)
    x = np.random.default_rng(1).uniform(lo - 1, hi + 1, size=(257, model.n))
    _kernels_match(sys, np.ascontiguousarray(x.T), 0.7)


def test_per_column_parameters_and_buffers_are_private_per_kernel():
    sys = compile(load_model("mutual_excitation"))
    x = np.ascontiguousarray(np.random.default_rng(2).uniform(0, 50, (2, 4)))
    ps = np.array([[0.4, 0.4, -10.0], [0.3, 0.5, -8.0], [0.4, 0.4, -12.0], [1.0, 0.1, 0.0]])
    _kernels_match(sys, x, 0.0, ps)
    k1, k2 = sys.rhs_kernel(None, 4), sys.rhs_kernel({"I": -5.0}, 4)
    a, b = np.empty_like(x), np.empty_like(x)
    k1(x, 0.0, a)
    k2(x, 0.0, b)
    np.testing.assert_allclose(a, sys.rhs(x.T).T, rtol=1e-13)
    with pytest.raises(ModelError, match="shape"):
        sys.rhs_kernel(ps[:3], 4)


def test_code_generator_covers_every_supported_construct():
    x, y, a, b = symbols("x y a b")
    t = sp.Symbol("t", real=True)
    rhs_x = (sp.sin(x) * sp.cos(y) + sp.sqrt(x**2 + 1) - sp.Abs(y) * sp.sign(x - a)
             + heav(x - 0.5) + sp.Max(x, y, a) - sp.Min(x, 0) + x**3 / (1 + y**2)
             + sp.exp(-t) * x + sp.log(1 + x**2) + sp.tanh(b * t) + x ** sp.Rational(3, 2) * 0
             + (x**2 + 1) ** -0.5 + 2 ** (y / 10) + sp.atan(x) / (x**2 + y**2 + 1) ** 2)
    rhs_y = -a * y + b + heav(t - 1) * a * b  # a row with state and time parts
    m = Model({x: rhs_x, y: rhs_y}, params={a: 0.3, b: -1.5})
    sys = compile(m)
    assert sys._inplace is not None
    xs = np.random.default_rng(3).uniform(-2, 2, size=(2, 101))
    for tt in (0.0, 0.5, 1.0, 3.0):
        _kernels_match(sys, xs, tt)


def test_constant_and_time_only_rows_and_unsupported_functions_fall_back():
    x, y = symbols("x y")
    t = sp.Symbol("t", real=True)
    m = Model({x: sp.Integer(2), y: sp.sin(t)})  # rows without any state
    sys = compile(m)
    xs = np.zeros((2, 3))
    _kernels_match(sys, xs, 0.3)
    m2 = Model({x: sp.Piecewise((x, x > 0), (-2 * x, True)) - y, y: -y})  # not generated
    sys2 = compile(m2)
    assert sys2._inplace is None
    _kernels_match(sys2, np.random.default_rng(0).normal(size=(2, 5)), 0.0)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_jacobian_agrees_with_central_differences(name):
    model = MODELS[name]
    sys = compile(model)
    lo, hi = _box(model)

    @given(st.lists(st.floats(0, 1), min_size=model.n, max_size=model.n))
    def check(u):
        x = lo + (hi - lo) * np.asarray(u)
        jac = sys.jac(x)
        h = 1e-6 * np.maximum(1.0, np.abs(x))
        fd = np.empty((model.n, model.n))
        for j in range(model.n):
            e = np.zeros(model.n)
            e[j] = h[j]
            fd[:, j] = (sys.rhs(x + e) - sys.rhs(x - e)) / (2 * h[j])
        scale = max(1.0, float(np.abs(jac).max()))
        np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-6 * scale)

    check()


def test_generated_kernels_are_self_checked_at_compile_time():
    from dynsys.core._inplace import _agrees

    m = load_model("mutual_excitation")
    sys = compile(m)
    defaults = list(sys.default_params)

    def wrong(*args):
        good = sys._inplace(*args)

        def kernel(x, t, out):
            good(x, t, out)
            out[0] += 1e-6

        return kernel

    assert _agrees(sys._inplace, sys._euler, sys._rhs, 2, defaults)
    assert not _agrees(wrong, sys._euler, sys._rhs, 2, defaults)
