"""Vectorized interval arithmetic for sympy expressions (the evaluator behind certification).

``interval_function(exprs, args) -> IntervalFunction``: the sympy trees of ``exprs`` are
walked once (never printed to text, never ``eval``-ed) into a flat program of interval
operations; calling it on ``lo, hi`` arrays of shape ``(B, k)`` (one row per box, one
column per argument) returns enclosures ``lo, hi`` of shape ``(B, m)`` of the ``m``
expressions over every box at once, and a flag per box that is True where a non-smooth
function (sign, Heaviside, Abs, Min, Max, Piecewise, floor, ceiling, DiracDelta)
straddles its kink or jump.

The guarantee
-------------
For every box row and every point ``a`` with ``lo <= a <= hi`` at which the expression
is defined, its exact real value lies in ``[out_lo, out_hi]`` (an infinite end means
unbounded; where an expression may be undefined on the box, e.g. ``log`` of an interval
reaching 0 or below, the enclosure is ``[-inf, inf]``). This rests on:

* IEEE 754 binary64 arithmetic in round-to-nearest for ``+ - * /`` (correctly rounded,
  so the exact result is within one ulp of the computed one): after every such
  operation the lower end is moved one ulp down and the upper one ulp up with
  ``np.nextafter``;
* the elementary functions (``exp``, ``log``, ``tanh``, ``atan``, ``asinh``, ``sinh``,
  ``cosh``, ``erf``, ``sin``, ``cos``, real powers) being monotone on the pieces used,
  and numpy's implementations being accurate to **64 ulp** (numpy documents at most
  4 ulp for its SIMD kernels, glibc's libm lists at most a few ulp): their results are
  widened by a relative ``2**-46`` plus ``1e-300`` absolute, then one more ulp;
* numbers in the expressions: integers below ``2**53`` are exact; every other
  constant (rationals, decimal floats, pi, E) is enclosed by one ulp on either side of
  its nearest double.

Non-smooth functions are evaluated soundly (``sign([-1, 2]) = [-1, 1]``,
``Heaviside([0.5, 1]) = [1, 1]``, ``Min``/``Max`` endpoint-wise, Piecewise as the hull
of the branches whose conditions may hold), and flagged where they straddle a kink:
their derivative (``DiracDelta`` from differentiating a jump) has no finite enclosure
there and is ``[-inf, inf]``.

References
----------
Moore, R. E. (1966/1979). *Interval Analysis* / *Methods and Applications of Interval
Analysis*. SIAM.
Tucker, W. (2011). *Validated Numerics: A Short Introduction to Rigorous
Computations*. Princeton University Press, chapters 2-3.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy.special import erf

from dynsys._types import FloatArray
from dynsys.errors import ModelError

__all__ = ["IntervalFunction", "interval_function"]

_INF = np.inf
#: Relative widening of an elementary function's result (64 ulp) and the absolute floor.
_LIBM_REL = 2.0**-46
_LIBM_ABS = 1e-300
#: Largest integer exponent computed by repeated (exactly rounded) multiplication.
_MAX_REPEAT = 8

Pair = tuple[Any, Any]


def _down(a: Any) -> Any:
    return np.nextafter(a, -_INF)


def _up(a: Any) -> Any:
    return np.nextafter(a, _INF)


def _clean(lo: Any, hi: Any) -> Pair:
    """NaN ends (inf - inf, undefined functions) become the whole line."""
    return np.where(np.isnan(lo), -_INF, lo), np.where(np.isnan(hi), _INF, hi)


def _widen_libm(lo: Any, hi: Any) -> Pair:
    """Cover the error of an elementary function (see the module docstring)."""
    with np.errstate(all="ignore"):
        lo = _down(lo - np.abs(lo) * _LIBM_REL - _LIBM_ABS)
        hi = _up(hi + np.abs(hi) * _LIBM_REL + _LIBM_ABS)
    return _clean(lo, hi)


def _const(value: sp.Expr) -> Pair:
    """A constant's enclosure: exact for integers below 2**53, else one ulp either side."""
    if isinstance(value, sp.Integer) and abs(int(value)) < 2**53:
        v = np.float64(int(value))
        return v, v
    v = np.float64(float(value))
    return _down(v), _up(v)


def iadd(a: Pair, b: Pair) -> Pair:
    """Interval sum, outward rounded."""
    return _clean(_down(a[0] + b[0]), _up(a[1] + b[1]))


def ineg(a: Pair) -> Pair:
    """Interval negation (exact)."""
    return -a[1], -a[0]


def imul(a: Pair, b: Pair) -> Pair:
    """Interval product, outward rounded (``0 * inf = 0`` at the ends, as in IEEE 1788)."""
    prods = [a[i] * b[j] for i in (0, 1) for j in (0, 1)]
    prods = [np.where(np.isnan(p), 0.0, p) for p in prods]
    lo = np.minimum(np.minimum(prods[0], prods[1]), np.minimum(prods[2], prods[3]))
    hi = np.maximum(np.maximum(prods[0], prods[1]), np.maximum(prods[2], prods[3]))
    return _down(lo), _up(hi)


def irecip(a: Pair) -> Pair:
    """``1 / a``; the whole line when ``a`` contains 0."""
    zero = (a[0] <= 0) & (a[1] >= 0)
    lo = np.where(zero, -_INF, _down(1.0 / np.where(zero, 1.0, a[1])))
    hi = np.where(zero, _INF, _up(1.0 / np.where(zero, 1.0, a[0])))
    return lo, hi


def _mig_mag(a: Pair) -> Pair:
    """The interval of ``|x|`` for ``x`` in ``a``."""
    straddle = (a[0] < 0) & (a[1] > 0)
    mig = np.where(straddle, 0.0, np.minimum(np.abs(a[0]), np.abs(a[1])))
    return mig, np.maximum(np.abs(a[0]), np.abs(a[1]))


def _ipow_int(a: Pair, k: int) -> Pair:
    """``a ** k`` for an integer ``k``."""
    if k == 0:
        return np.float64(1.0), np.float64(1.0)
    if k < 0:
        return irecip(_ipow_int(a, -k))
    if k % 2 == 0:
        mig, mag = _mig_mag(a)
        base: Pair = (mig, mag)
        if k <= _MAX_REPEAT:
            out = base
            for _ in range(k - 1):
                out = imul(out, base)
            return np.maximum(out[0], 0.0), out[1]
        with np.errstate(all="ignore"):
            lo, hi = _widen_libm(np.power(mig, k), np.power(mag, k))
        return np.maximum(lo, 0.0), hi
    if k <= _MAX_REPEAT:  # odd: monotone increasing
        return (_monotone_repeat(a[0], k, down=True), _monotone_repeat(a[1], k, down=False))
    with np.errstate(all="ignore"):
        return _widen_libm(np.power(a[0], k), np.power(a[1], k))


def _monotone_repeat(x: Any, k: int, *, down: bool) -> Any:
    """A lower (``down``) or upper bound of ``x ** k`` for odd ``k``, by rounded products."""
    ax = np.abs(x)
    lo, hi = ax, ax
    for _ in range(k - 1):
        lo, hi = _down(lo * ax), _up(hi * ax)
    # for x >= 0 the bound of x^k is lo (down) / hi (up); for x < 0 it flips sign
    return np.where(x >= 0, lo if down else hi, -(hi if down else lo))


def _increasing(fn: Callable[[Any], Any], a: Pair) -> Pair:
    with np.errstate(all="ignore"):
        return _widen_libm(fn(a[0]), fn(a[1]))


def _ilog(a: Pair) -> Pair:
    undefined = a[0] <= 0  # part of the box outside the domain: no claim
    with np.errstate(all="ignore"):
        lo, hi = _widen_libm(np.log(np.where(undefined, 1.0, a[0])), np.log(a[1]))
    return np.where(undefined, -_INF, lo), np.where(undefined, _INF, hi)


def _ipow_real(a: Pair, e: float) -> Pair:
    """``a ** e`` for a non-integer exponent ``e`` (a double, or the double nearest a
    rational such as 1/3, enclosed by one ulp either side): defined for ``a >= 0`` only.
    Monotone in the base and in the exponent, so the extremes are at the corners."""
    undefined = a[0] < 0
    base_lo = np.where(undefined, 0.0, a[0])
    with np.errstate(all="ignore"):
        corners = [np.power(b, x) for b in (base_lo, a[1]) for x in (_down(e), _up(e))]
        lo, hi = _widen_libm(functools.reduce(np.minimum, corners),
                             functools.reduce(np.maximum, corners))
    lo = np.maximum(lo, 0.0)
    return np.where(undefined, -_INF, lo), np.where(undefined, _INF, hi)


def _icosh(a: Pair) -> Pair:
    mig, mag = _mig_mag(a)
    with np.errstate(all="ignore"):
        lo, hi = _widen_libm(np.cosh(mig), np.cosh(mag))
    return np.maximum(lo, 1.0), hi


def _isin(a: Pair, shift: float) -> Pair:
    """``sin(a + shift)`` (``shift = pi/2`` for cos): extremes where ``a + shift`` meets
    ``pi/2 + k pi``, detected on a slightly enlarged interval (sound, may over-cover)."""
    with np.errstate(all="ignore"):
        v0, v1 = np.sin(a[0] + shift), np.sin(a[1] + shift)
        lo, hi = _widen_libm(np.minimum(v0, v1), np.maximum(v0, v1))
        # maxima at a = pi/2 - shift + 2 k pi, minima at -pi/2 - shift + 2 k pi
        slack = 1e-12 * (1.0 + np.abs(a[0]) + np.abs(a[1]))
        t0 = (a[0] - slack + shift - np.pi / 2) / (2 * np.pi)
        t1 = (a[1] + slack + shift - np.pi / 2) / (2 * np.pi)
        has_max = np.floor(t1) >= np.ceil(t0)
        s0 = (a[0] - slack + shift + np.pi / 2) / (2 * np.pi)
        s1 = (a[1] + slack + shift + np.pi / 2) / (2 * np.pi)
        has_min = np.floor(s1) >= np.ceil(s0)
        wide = ~np.isfinite(a[0]) | ~np.isfinite(a[1]) | (a[1] - a[0] >= 6.0)
    hi = np.where(has_max | wide, 1.0, np.minimum(hi, 1.0))
    lo = np.where(has_min | wide, -1.0, np.maximum(lo, -1.0))
    return lo, hi


def _straddles(a: Pair) -> Any:
    return (a[0] <= 0) & (a[1] >= 0)


def _isign(a: Pair) -> tuple[Pair, Any]:
    lo = np.where(a[0] > 0, 1.0, np.where(a[0] == 0, 0.0, -1.0))
    hi = np.where(a[1] < 0, -1.0, np.where(a[1] == 0, 0.0, 1.0))
    return (lo, hi), _straddles(a)


def _iheaviside(a: Pair, h0: float) -> tuple[Pair, Any]:
    """Heaviside with ``H(0) = h0``: the hull of the values it may take on ``a``."""
    zero = _straddles(a)
    cases = ((a[0] < 0, 0.0), (zero, h0), (a[1] > 0, 1.0))
    lo = functools.reduce(np.minimum, [np.where(c, v, _INF) for c, v in cases])
    hi = functools.reduce(np.maximum, [np.where(c, v, -_INF) for c, v in cases])
    return (lo, hi), zero


def _iabs(a: Pair) -> tuple[Pair, Any]:
    return _mig_mag(a), (a[0] < 0) & (a[1] > 0)


def _idirac(a: Pair) -> tuple[Pair, Any]:
    zero = _straddles(a)
    return (np.where(zero, -_INF, 0.0), np.where(zero, _INF, 0.0)), zero


def _iminmax(args: Sequence[Pair], is_max: bool) -> tuple[Pair, Any]:
    pick = np.maximum if is_max else np.minimum
    lo, hi = args[0]
    kink = np.zeros(np.shape(lo), dtype=bool)
    for i, a in enumerate(args):
        for b in args[:i]:
            kink = kink | ((a[0] <= b[1]) & (b[0] <= a[1]))  # the two may cross
        if i:
            lo, hi = pick(lo, a[0]), pick(hi, a[1])
    return (lo, hi), kink


def _ifloor(a: Pair, ceil: bool) -> tuple[Pair, Any]:
    fn = np.ceil if ceil else np.floor
    lo, hi = fn(a[0]), fn(a[1])
    return (lo, hi), lo != hi


# --------------------------------------------------------------------- conditions
# a condition is a pair of boolean arrays: (may be true, may be false)
def _relation(rel: sp.Basic, diff: Pair) -> Pair:
    lo, hi = diff  # enclosure of lhs - rhs
    if isinstance(rel, sp.StrictGreaterThan):
        return hi > 0, lo <= 0
    if isinstance(rel, sp.GreaterThan):
        return hi >= 0, lo < 0
    if isinstance(rel, sp.StrictLessThan):
        return lo < 0, hi >= 0
    if isinstance(rel, sp.LessThan):
        return lo <= 0, hi > 0
    if isinstance(rel, sp.Equality):
        return _straddles(diff), ~((lo == 0) & (hi == 0))
    if isinstance(rel, sp.Unequality):
        return ~((lo == 0) & (hi == 0)), _straddles(diff)
    raise ModelError(f"certification cannot evaluate the condition {rel}")


@dataclass(frozen=True)
class _Op:
    kind: str
    args: tuple[int, ...]
    data: Any = None


class _Builder:
    """Turns sympy trees into a flat program, each distinct subtree once (shared CSE)."""

    def __init__(self, args: Sequence[sp.Symbol]) -> None:
        self.ops: list[_Op] = []
        self.index: dict[sp.Basic, int] = {}
        for k, a in enumerate(args):
            self._emit(a, _Op("arg", (), k))

    def _emit(self, expr: sp.Basic, op: _Op) -> int:
        self.ops.append(op)
        self.index[expr] = len(self.ops) - 1
        return len(self.ops) - 1

    def node(self, expr: sp.Basic) -> int:
        found = self.index.get(expr)
        if found is not None:
            return found
        return self._emit(expr, self._op(expr))

    def _op(self, e: sp.Basic) -> _Op:
        if e.is_Symbol:
            raise ModelError(f"certification: unknown symbol {e} (not a state or parameter)")
        if e.is_Number or isinstance(e, sp.NumberSymbol):
            if not e.is_real or not e.is_finite:
                raise ModelError(f"certification cannot enclose the constant {e}")
            return _Op("const", (), _const(e))
        if isinstance(e, sp.Add):
            return _Op("add", tuple(self.node(a) for a in e.args))
        if isinstance(e, sp.Mul):
            if e.args[0] == -1:
                rest = sp.Mul(*e.args[1:], evaluate=False) if len(e.args) > 2 else e.args[1]
                return _Op("neg", (self.node(rest),))
            return _Op("mul", tuple(self.node(a) for a in e.args))
        if isinstance(e, sp.Pow):
            base, ex = e.args
            if ex.is_Integer:
                return _Op("powi", (self.node(base),), int(ex))
            if ex.is_Number:
                return _Op("powr", (self.node(base),), float(ex))
            # base ** expr = exp(expr * log(base))
            return self._op(sp.exp(sp.Mul(ex, sp.log(base), evaluate=False)))
        if isinstance(e, sp.Piecewise):
            ids: list[int] = []
            for value, cond in e.args:
                ids += [self.node(value), self._cond(cond)]
            return _Op("piecewise", tuple(ids))
        if isinstance(e, sp.Heaviside):
            h0 = float(e.args[1]) if len(e.args) > 1 else 0.5
            return _Op("heaviside", (self.node(e.args[0]),), h0)
        if isinstance(e, sp.DiracDelta) and len(e.args) == 1:
            return _Op("dirac", (self.node(e.args[0]),))
        if (isinstance(e, sp.Derivative) and isinstance(e.expr, sp.floor | sp.ceiling)
                and len(e.variables) == 1):  # 0 between the jumps, none across them
            return _Op("djump", (self.node(e.expr),))
        if isinstance(e, sp.Min | sp.Max):
            return _Op("max" if isinstance(e, sp.Max) else "min",
                       tuple(self.node(a) for a in e.args))
        name = type(e).__name__
        if name in _UNARY and len(e.args) == 1:
            return _Op(name, (self.node(e.args[0]),))
        raise ModelError(
            f"certification cannot evaluate {name} in interval arithmetic (supported: + - * /, "
            "powers, exp, log, tanh, sinh, cosh, atan, asinh, erf, sin, cos, sign, Heaviside, "
            "Abs, Min, Max, Piecewise, floor, ceiling)")

    def _cond(self, cond: sp.Basic) -> int:
        found = self.index.get(cond)
        if found is not None:
            return found
        if cond is sp.true or cond is sp.false:
            op = _Op("bool", (), bool(cond))
        elif isinstance(cond, sp.core.relational.Relational):
            op = _Op("rel", (self.node(cond.lhs - cond.rhs),), cond)
        elif isinstance(cond, sp.And | sp.Or):
            op = _Op("and" if isinstance(cond, sp.And) else "or",
                     tuple(self._cond(c) for c in cond.args))
        elif isinstance(cond, sp.Not):
            op = _Op("not", (self._cond(cond.args[0]),))
        else:
            raise ModelError(f"certification cannot evaluate the condition {cond}")
        return self._emit(cond, op)


_UNARY: dict[str, Callable[[Pair], Any]] = {
    "exp": lambda a: _increasing(np.exp, a),
    "log": _ilog,
    "tanh": lambda a: _increasing(np.tanh, a),
    "sinh": lambda a: _increasing(np.sinh, a),
    "asinh": lambda a: _increasing(np.arcsinh, a),
    "atan": lambda a: _increasing(np.arctan, a),
    "erf": lambda a: _increasing(erf, a),
    "cosh": _icosh,
    "sin": lambda a: _isin(a, 0.0),
    "cos": lambda a: _isin(a, np.pi / 2),
    "sign": _isign,
    "Abs": _iabs,
    "floor": lambda a: _ifloor(a, False),
    "ceiling": lambda a: _ifloor(a, True),
}
#: Unary functions whose enclosure comes with a kink flag.
_FLAGGED = {"sign", "Abs", "floor", "ceiling"}


@dataclass(frozen=True, eq=False)
class IntervalFunction:
    """Interval enclosures of ``m`` expressions over batches of boxes (see the module).

    Call ``f(lo, hi) -> (out_lo, out_hi, kink)`` with ``lo, hi`` of shape ``(B, k)``
    (``k`` arguments); outputs have shape ``(B, m)``, ``kink`` ``(B,)`` (True where a
    non-smooth function may switch inside the box). ``smooth`` is True when the
    expressions contain no non-smooth function at all.

    Examples
    --------
    >>> import numpy as np
    >>> x = sp.Symbol("x", real=True)
    >>> f = interval_function([x**2 - 2, sp.exp(x)], [x])
    >>> lo, hi, kink = f(np.array([[1.0], [-1.0]]), np.array([[2.0], [1.0]]))
    >>> lo[0].tolist() <= [-1.0, 2.718] and hi[0].tolist() >= [2.0, 7.389]
    True
    >>> (float(lo[1, 0]) <= -2.0 <= -1.0 <= float(hi[1, 0]), bool(kink[0]))
    (True, False)
    """

    ops: tuple[_Op, ...]
    outputs: tuple[int, ...]
    n_args: int
    smooth: bool

    def __call__(self, lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray, Any]:
        lo = np.asarray(lo, dtype=np.float64)
        hi = np.asarray(hi, dtype=np.float64)
        batch = lo.shape[0]
        reg: list[Any] = [None] * len(self.ops)
        kink = np.zeros(batch, dtype=bool)
        with np.errstate(all="ignore"):
            for i, op in enumerate(self.ops):
                value, flag = _run(op, reg, lo, hi)
                reg[i] = value
                if flag is not None:
                    kink |= np.broadcast_to(flag, (batch,))
        out_lo = np.empty((batch, len(self.outputs)))
        out_hi = np.empty((batch, len(self.outputs)))
        for j, k in enumerate(self.outputs):
            out_lo[:, j], out_hi[:, j] = reg[k]
        return out_lo, out_hi, kink


def _run(op: _Op, reg: list[Any], lo: FloatArray, hi: FloatArray) -> tuple[Any, Any]:
    kind, a = op.kind, op.args
    if kind == "arg":
        return (lo[:, op.data], hi[:, op.data]), None
    if kind == "const":
        return op.data, None
    if kind == "add":
        out = reg[a[0]]
        for j in a[1:]:
            out = iadd(out, reg[j])
        return out, None
    if kind == "mul":
        out = reg[a[0]]
        for j in a[1:]:
            out = imul(out, reg[j])
        return out, None
    if kind == "neg":
        return ineg(reg[a[0]]), None
    if kind == "powi":
        return _ipow_int(reg[a[0]], op.data), None
    if kind == "powr":
        return _ipow_real(reg[a[0]], op.data), None
    if kind == "heaviside":
        return _iheaviside(reg[a[0]], op.data)
    if kind == "dirac":
        return _idirac(reg[a[0]])
    if kind == "djump":  # the step function's own enclosure: constant or not
        lo_s, hi_s = reg[a[0]]
        jump = lo_s != hi_s
        return (np.where(jump, -np.inf, 0.0), np.where(jump, np.inf, 0.0)), jump
    if kind in ("min", "max"):
        return _iminmax([reg[j] for j in a], kind == "max")
    if kind == "bool":
        return (np.bool_(op.data), np.bool_(not op.data)), None
    if kind == "rel":
        return _relation(op.data, reg[a[0]]), None
    if kind in ("and", "or"):
        conds = [reg[j] for j in a]
        both, either = np.logical_and, np.logical_or
        if kind == "and":  # may be true: all may; may be false: any may
            return (functools.reduce(both, [c[0] for c in conds]),
                    functools.reduce(either, [c[1] for c in conds])), None
        return (functools.reduce(either, [c[0] for c in conds]),
                functools.reduce(both, [c[1] for c in conds])), None
    if kind == "not":
        t, f = reg[a[0]]
        return (f, t), None
    if kind == "piecewise":
        return _ipiecewise([reg[j] for j in a])
    fn = _UNARY[kind]
    if kind in _FLAGGED:
        return fn(reg[a[0]])
    return fn(reg[a[0]]), None


def _ipiecewise(parts: list[Any]) -> tuple[Pair, Any]:
    """Hull of the branches that may be taken; flagged where more than one may be."""
    reach: Any = np.bool_(True)  # every earlier condition may be false
    lo: Any = np.inf
    hi: Any = -np.inf
    count: Any = 0
    for k in range(0, len(parts), 2):
        value, (may_true, may_false) = parts[k], parts[k + 1]
        take = reach & may_true
        lo = np.where(take, np.minimum(lo, value[0]), lo)
        hi = np.where(take, np.maximum(hi, value[1]), hi)
        count = count + take.astype(int)
        reach = reach & may_false
    # a box where no branch may hold (or that may fall through): no claim
    lo = np.where(reach | (count == 0), -np.inf, lo)
    hi = np.where(reach | (count == 0), np.inf, hi)
    return (lo, hi), count > 1


def interval_function(exprs: Sequence[sp.Expr], args: Sequence[sp.Symbol]) -> IntervalFunction:
    """``interval_function(exprs, args) -> IntervalFunction`` over boxes in ``args``.

    Raises
    ------
    ModelError
        For a function without an interval rule here (the message lists those that
        have one) or a symbol that is not among ``args``.
    """
    builder = _Builder(args)
    outputs = tuple(builder.node(sp.sympify(e)) for e in exprs)
    smooth = not any(op.kind in ("heaviside", "dirac", "djump", "min", "max", "piecewise") or
                     op.kind in _FLAGGED for op in builder.ops)
    return IntervalFunction(tuple(builder.ops), outputs, len(args), smooth)
