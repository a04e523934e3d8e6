"""Soundness of the interval evaluator (dynsys.analysis._interval).

Reference values are computed independently, at 40 significant digits by sympy's own
``evalf`` (mpmath) at exactly representable sample points, never by the evaluator.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st
from scipy.special import erf

from dynsys.analysis._interval import interval_function
from dynsys.errors import ModelError

x, y = sp.symbols("x y", real=True)

_UNARY = [sp.exp, sp.tanh, sp.atan, sp.cosh, sp.sinh, sp.sin, sp.cos, sp.Abs, sp.sign,
          sp.Heaviside, sp.log, sp.sqrt, sp.erf, sp.asinh, sp.floor]
_BINARY = [sp.Add, sp.Mul, lambda a, b: a - b, lambda a, b: a / b, sp.Min, sp.Max,
           lambda a, b: sp.Piecewise((a, b > 0), (a * b, True))]

_leaves = st.one_of(
    st.sampled_from([x, y]),
    st.integers(-3, 3).map(sp.Integer),
    st.fractions(min_value=-3, max_value=3, max_denominator=7).map(sp.Rational),
    st.sampled_from([sp.Float("0.05"), sp.Float("1.7"), sp.pi, sp.E]),
)


def _apply(fn, *args: sp.Expr) -> sp.Expr:
    """``fn(*args)``, or its first argument where sympy refuses or gets an infinity."""
    try:
        value = fn(*args)
    except (TypeError, ValueError):
        return args[0]
    return args[0] if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) else value


def _extend(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    return st.one_of(
        st.tuples(st.sampled_from(_UNARY), children).map(lambda t: _apply(t[0], t[1])),
        st.tuples(st.sampled_from(_BINARY), children, children).map(
            lambda t: _apply(t[0], t[1], t[2])),
        st.tuples(children, st.integers(-3, 4)).map(
            lambda t: _apply(lambda a, k: a ** k, t[0], sp.Integer(t[1]))),
    )


expressions = st.recursive(_leaves, _extend, max_leaves=8)
ends = st.floats(-4, 4, allow_nan=False)


def _exact(expr: sp.Expr, point: tuple[float, float]) -> float | None:
    """The real value at a (binary-exact) point to 40 digits, None where undefined."""
    try:
        v = expr.evalf(40, subs={x: sp.Float(point[0], 40), y: sp.Float(point[1], 40)})
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not v.is_number or v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not v.is_real:
        return None
    if not v.is_finite or not v.is_comparable:
        return None
    return v


@settings(max_examples=150)
@given(expressions, ends, ends, ends, ends, st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_point_values_lie_in_the_enclosure(expr, a0, a1, b0, b1, fracs) -> None:
    try:
        f = interval_function([expr], [x, y])
    except ModelError:
        return  # a function without an interval rule: refused, not guessed
    lo = np.array([min(a0, a1), min(b0, b1)])
    hi = np.array([max(a0, a1), max(b0, b1)])
    out_lo, out_hi, _ = f(lo[None], hi[None])
    points = [tuple(lo), tuple(hi), (lo[0], hi[1])]
    points += [tuple(lo + t * (hi - lo)) for t in fracs]
    for pt in points:
        v = _exact(expr, pt)
        if v is None:
            continue
        assert sp.Float(out_lo[0, 0], 40) <= v <= sp.Float(out_hi[0, 0], 40), (expr, pt, v)


def test_batches_of_boxes_in_one_call() -> None:
    f = interval_function([x * x - y, sp.exp(-x) * y], [x, y])
    lo = np.array([[0.0, 0.0], [1.0, 2.0], [-1.0, -1.0]])
    hi = np.array([[1.0, 1.0], [2.0, 3.0], [1.0, 1.0]])
    out_lo, out_hi, kink = f(lo, hi)
    assert out_lo.shape == (3, 2) and not kink.any()
    # x^2 - y on [-1, 1]^2: the exact range [-1, 2] is enclosed, nearly tightly
    assert out_lo[2, 0] <= -1 and out_hi[2, 0] >= 2 and out_hi[2, 0] - out_lo[2, 0] < 3 + 1e-12
    # exp(-x) y on [1, 2] x [2, 3]: [2 e^-2, 3 e^-1]
    assert out_lo[1, 1] <= 2 * np.exp(-2) <= 3 * np.exp(-1) <= out_hi[1, 1]


def test_outward_rounding_on_a_point_box() -> None:
    # 0.1 + 0.2 is not 0.3 in binary; the enclosure of the exact sum of the two doubles
    # (and of the decimal constants 1/10, 2/10) must contain 3/10 all the same
    f = interval_function([x + sp.Rational(1, 5)], [x])
    lo, hi, _ = f(np.array([[0.1]]), np.array([[0.1]]))
    assert lo[0, 0] < 0.30000000000000004 and lo[0, 0] <= 0.3 <= hi[0, 0]
    assert hi[0, 0] - lo[0, 0] < 1e-15


@pytest.mark.parametrize(("expr", "box", "kink"), [
    (sp.sign(x), (-1.0, 2.0), True), (sp.sign(x), (0.5, 2.0), False),
    (sp.Abs(x), (-1.0, 1.0), True), (sp.Heaviside(x), (1.0, 2.0), False),
    (sp.Max(x, 1), (0.0, 2.0), True), (sp.Max(x, 1), (2.0, 3.0), False),
    (sp.Piecewise((x, x > 0), (0, True)), (-1.0, 1.0), True),
    (sp.Piecewise((x, x > 0), (0, True)), (1.0, 2.0), False),
    (sp.exp(x), (-1.0, 1.0), False),
])
def test_kinks_are_flagged_only_where_straddled(expr, box, kink) -> None:
    f = interval_function([expr], [x])
    _, _, flag = f(np.array([[box[0]]]), np.array([[box[1]]]))
    assert bool(flag[0]) is kink
    assert f.smooth is (expr == sp.exp(x))


def test_undefined_parts_give_no_claim_and_unknown_functions_are_refused() -> None:
    f = interval_function([sp.log(x), 1 / x], [x])
    lo, hi, _ = f(np.array([[-1.0]]), np.array([[1.0]]))
    assert lo.tolist() == [[-np.inf, -np.inf]] and hi.tolist() == [[np.inf, np.inf]]
    with pytest.raises(ModelError, match="cannot evaluate besselj"):
        interval_function([sp.besselj(0, x)], [x])
    with pytest.raises(ModelError, match="unknown symbol"):
        interval_function([x + y], [x])


@pytest.mark.parametrize(("name", "fn", "ref", "span"), [
    ("exp", np.exp, "exp", (-700, 700)), ("log", np.log, "log", (1e-300, 1e300)),
    ("tanh", np.tanh, "tanh", (-20, 20)), ("sinh", np.sinh, "sinh", (-700, 700)),
    ("cosh", np.cosh, "cosh", (-700, 700)), ("atan", np.arctan, "atan", (-1e6, 1e6)),
    ("asinh", np.arcsinh, "asinh", (-1e6, 1e6)), ("sin", np.sin, "sin", (-100, 100)),
    ("cos", np.cos, "cos", (-100, 100)), ("erf", erf, "erf", (-6, 6)),
])
def test_libm_accuracy_assumption_holds_here(name, fn, ref, span) -> None:
    """The evaluator widens elementary functions by 64 ulp (see _interval): check numpy's
    error on this machine against mpmath at 40 digits, far below that."""
    rng = np.random.default_rng(7)
    lo, hi = span
    if lo > 0:  # log-uniform over the positive span
        pts = np.exp(rng.uniform(np.log(lo), np.log(hi), 2000))
    else:
        pts = np.concatenate([rng.uniform(lo, hi, 1500), rng.uniform(-1, 1, 500)])
    got = fn(pts)
    with mpmath.workdps(40):
        exact = [getattr(mpmath, ref)(mpmath.mpf(float(v))) for v in pts]
    worst = max(abs(float((mpmath.mpf(float(g)) - e) / mpmath.mpf(float(np.spacing(abs(g))))))
                for g, e in zip(got, exact, strict=True) if np.isfinite(g) and g != 0)
    assert worst < 8, f"{name}: {worst:.2f} ulp"


def test_non_dyadic_exponents_and_compound_conditions() -> None:
    # x ** (1/3) is not x ** float(1/3): for a huge base the two differ by many ulp
    f = interval_function([x ** sp.Rational(1, 3)], [x])
    lo, hi, _ = f(np.array([[1e300]]), np.array([[1e300]]))
    exact = sp.Float(1e300, 60) ** (sp.Rational(1, 3))
    assert sp.Float(lo[0, 0], 60) <= exact.evalf(60) <= sp.Float(hi[0, 0], 60)
    g = interval_function([sp.Piecewise((x, (x > 0) & (y > 0)), (0, True))], [x, y])
    lo, hi, kink = g(np.array([[1.0, 1.0], [1.0, -2.0], [-1.0, 1.0]]),
                     np.array([[2.0, 2.0], [2.0, -1.0], [1.0, 2.0]]))
    assert lo[:, 0].tolist() == [1.0, 0.0, -1.0] and hi[:, 0].tolist() == [2.0, 0.0, 1.0]
    assert kink.tolist() == [False, False, True]
