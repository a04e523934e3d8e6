"""A function table's formula at its points: the values ``expr.xreplace({t: x})`` gives,
with sympy's number arithmetic only.

``table w % 10000 0 9999 0.3*sin(t*1.7)`` (the weights of a dense 100-unit network) is
tabulated at 10,000 points. ``expr.xreplace({t: Float(x)})`` rebuilds every node of the
formula through ``Add``/``Mul`` construction, whose assumption queries on each fresh
number cost ~0.4 ms a point (4 s for that table). When the formula holds numbers, ``t``,
sums, products, powers and functions only, :func:`tabulate` evaluates it bottom-up:
numbers of a sum or product combined in their order in ``args`` (as ``Add.flatten`` and
``Mul.flatten`` combine them: ``coeff += o``, ``coeff *= o``, each a correctly rounded
``mpmath`` operation at the numbers' precision), powers and functions built by sympy
itself. The result is checked against ``xreplace`` at the first, middle and last points
(same value and precision); on any difference, or for any other formula, every point is
tabulated by ``xreplace``.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from dynsys.core.odefile._fastfn import fast_paths, seed_float_facts
from dynsys.core.symbols import time_symbol

_Eval = Callable[[sp.Float], "sp.Expr | None"]


def _compile(expr: sp.Expr) -> _Eval | None:
    """A function of the point giving the formula's number there, or None when the
    formula has parts other than numbers, ``t``, sums, products, powers and functions."""
    if expr is time_symbol:
        return lambda x: x
    if expr.is_Number:
        return lambda x: expr
    parts = [_compile(a) for a in expr.args]
    if not expr.args or any(p is None for p in parts):
        return None
    funcs: list[_Eval] = parts  # type: ignore[assignment]
    if isinstance(expr, sp.Add | sp.Mul):
        start = sp.S.Zero if isinstance(expr, sp.Add) else sp.S.One

        def fold(x: sp.Float) -> sp.Expr | None:
            acc = start
            for f in funcs:
                v = f(x)
                if v is None or not v.is_Number:
                    return None
                acc = seed_float_facts(acc + v if start is sp.S.Zero else acc * v)
            return acc
        return fold
    if isinstance(expr, sp.Pow | sp.Function):
        func = expr.func

        def apply(x: sp.Float) -> sp.Expr | None:
            vals = [f(x) for f in funcs]
            if any(v is None or not v.is_Number for v in vals):
                return None
            return seed_float_facts(func(*vals))
        return apply
    return None


def _same(a: sp.Expr | None, b: sp.Expr) -> bool:
    return (a is not None and a == b and type(a) is type(b)
            and getattr(a, "_prec", None) == getattr(b, "_prec", None))


def tabulate(expr: sp.Expr, points: list[float]) -> list[sp.Expr]:
    """``[expr.xreplace({t: sp.Float(x)}) for x in points]``, faster for numeric formulas.

    Parameters
    ----------
    expr : sympy.Expr
        The table's formula, in ``t`` (and parameters: then ``xreplace`` is used).
    points : list of float
        The table's points.

    Returns
    -------
    list of sympy.Expr
        The formula's value at each point, equal (value and precision) to ``xreplace``'s.

    Examples
    --------
    >>> import sympy as sp
    >>> from dynsys.core.symbols import time_symbol as t
    >>> f = sp.Float(0.3) * sp.sin(sp.Float(1.7) * t) + 2
    >>> tabulate(f, [0.0, 1.0]) == [f.xreplace({t: sp.Float(x)}) for x in (0.0, 1.0)]
    True

    References
    ----------
    sympy, ``sympy/core/add.py`` and ``sympy/core/mul.py``, ``flatten``: the numbers of
    the arguments are combined in order into one coefficient.
    """
    def slow(x: float) -> sp.Expr:
        return expr.xreplace({time_symbol: sp.Float(x)})

    numeric = fast_paths() and expr.free_symbols <= {time_symbol}
    fast = _compile(expr) if numeric else None
    if fast is None or not points:
        return [slow(x) for x in points]
    probes = sorted({0, len(points) // 2, len(points) - 1})
    if not all(_same(fast(sp.Float(points[k])), slow(points[k])) for k in probes):
        return [slow(x) for x in points]
    values = []
    for x in points:
        v = fast(seed_float_facts(sp.Float(x)))
        values.append(slow(x) if v is None else v)
    return values
