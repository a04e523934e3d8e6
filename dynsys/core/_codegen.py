"""Code generation: sympy expressions -> numpy functions (the one ``lambdify``).

:func:`numeric_function` is the package's one call of ``sympy.lambdify``; :func:`compile
<dynsys.core.system.compile>` and the matrix-form systems build every numeric callable
through it (or through :func:`derivative_function`, the Jacobian by a forward sweep,
:mod:`dynsys.core._tape`). Every symbol is printed under a generated name, so nothing is
rebuilt to rename it and no user name reaches the generated code.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from dynsys.core._tape import Tape
from dynsys.core.tables import NUMERIC as TABLE_NUMERIC

__all__ = ["derivative_function", "numeric_form", "numeric_function"]

_min = sp.Function("_dynsys_min")
_max = sp.Function("_dynsys_max")
_heav = sp.Function("_dynsys_heav")

_NUMERIC_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "_dynsys_min": lambda *a: functools.reduce(np.minimum, a),
    "_dynsys_max": lambda *a: functools.reduce(np.maximum, a),
    "_dynsys_heav": lambda s, h0: np.heaviside(s, h0),
    # numpy has no erf: lambdify would use math.erf, which takes no arrays
    "erf": np.vectorize(math.erf, otypes=[np.float64]),
    "erfc": np.vectorize(math.erfc, otypes=[np.float64]),
    **TABLE_NUMERIC,
}


def numeric_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite an expression for numeric evaluation.

    The distributional derivatives of non-smooth functions become 0 (their value
    almost everywhere), and min/max/heav map to broadcasting numpy functions.
    """
    expr = expr.replace(sp.DiracDelta, lambda *a: sp.S.Zero)
    expr = expr.replace(sp.Min, lambda *a: _min(*a))
    expr = expr.replace(sp.Max, lambda *a: _max(*a))
    expr = expr.replace(
        sp.Heaviside, lambda s, h0=sp.S.One: _heav(s, sp.S.One if h0 is None else h0)
    )
    # Derivative(sign(x), x) and friends that sympy leaves unevaluated are 0 a.e.
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.S.Zero)
    return expr


class _Printer(NumPyPrinter):
    """numpy code printer that prints every symbol by a given name (``_a0``, ``_t3``):
    no user name reaches the generated code, and nothing is rebuilt to rename it."""

    def __init__(self, names: Mapping[sp.Basic, str]) -> None:
        super().__init__({"fully_qualified_modules": False, "inline": True, "order": "none",
                          "allow_unknown_functions": True,
                          "user_functions": {k: k for k in _NUMERIC_FUNCTIONS}})
        self._names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        name = self._names.get(expr)
        return name if name is not None else str(super()._print_Symbol(expr))

    _print_Dummy = _print_Symbol



def _lambdify(
    args: Sequence[sp.Symbol], assignments: Sequence[tuple[sp.Symbol, sp.Expr]],
    outputs: Sequence[sp.Expr],
) -> Callable[..., Any]:
    """The package's one ``lambdify`` call: a function of ``args`` that runs the
    straight-line program ``assignments`` and returns the list ``outputs``."""
    names: dict[sp.Basic, str] = {a: f"_a{k}" for k, a in enumerate(args)}
    names.update({t: f"_t{k}" for k, (t, _) in enumerate(assignments)})
    plain = [sp.Symbol(f"_a{k}") for k in range(len(args))]
    program = list(assignments)
    return sp.lambdify(  # type: ignore[no-any-return]
        plain, list(outputs), modules=[_NUMERIC_FUNCTIONS, "numpy"], printer=_Printer(names),
        cse=(lambda exprs: (program, exprs)) if program else False, dummify=False)


def numeric_function(
    args: sp.Symbol | Sequence[sp.Symbol], expr: sp.Expr | Sequence[sp.Expr],
) -> Callable[..., Any]:
    """A numpy function of ``args`` evaluating ``expr``: the package's one ``lambdify``.

    ``sympy.lambdify`` with ``modules="numpy"``, common subexpressions computed once
    (identical subtrees, :class:`~dynsys.core._tape.Tape`), after the rewriting
    :func:`compile` applies: derivatives of non-smooth functions are 0 (their value
    almost everywhere) and min, max and Heaviside broadcast like numpy ufuncs. A single
    expression gives a function returning one value; a sequence gives a function
    returning a list (constant entries stay Python numbers: broadcast them where shapes
    matter). Every symbol is printed under a generated name (``_a0``, ``_t0``), so no
    symbol name, such as ``tanh`` or ``_dynsys_heav``, can collide with a name the code
    uses. The expression is sympy data, never user text: nothing is parsed or evaluated
    here.

    Parameters
    ----------
    args : Symbol or sequence of Symbol
        The function's positional arguments, in order.
    expr : sympy expression or sequence of them

    Examples
    --------
    >>> import numpy as np
    >>> s = sp.Symbol("s")
    >>> f = numeric_function([s], 60 * (1 + sp.tanh(s)))
    >>> f(np.array([0.0, 1.0])).round(4).tolist()
    [60.0, 105.6956]
    """
    arglist = [args] if isinstance(args, sp.Basic) else list(args)
    single = isinstance(expr, sp.Basic)
    exprs = [expr] if single else list(expr)
    tape = Tape(lambda e: e)  # already in numeric form
    outputs = [tape.value(numeric_form(sp.sympify(e))) for e in exprs]
    fn = _lambdify(arglist, *tape.program(outputs))
    if single:
        return lambda *a: fn(*a)[0]
    return fn


#: Derivative matrices with at most this many entries are generated whole (dense).
_DENSE_ENTRIES = 64


def derivative_function(
    args: Sequence[sp.Symbol], exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol],
) -> tuple[Callable[..., Any], tuple[tuple[int, int], ...]]:
    """The lambdified structurally nonzero entries of ``d exprs / d variables`` and their
    ``(row, column)`` positions, row-major (a forward sweep over the expressions' DAG,
    :meth:`~dynsys.core._tape.Tape.jacobian`). A small or half-full matrix is returned
    whole (zeros included, every position listed), as a dense Jacobian always was.

    Examples
    --------
    >>> x, y, a = sp.symbols("x y a", real=True)
    >>> fn, keys = derivative_function([x, y, a], [a * x * y, sp.exp(y)], [x, y])
    >>> keys
    ((0, 0), (0, 1), (1, 0), (1, 1))
    >>> [float(v) for v in fn(2.0, 0.0, 3.0)]
    [0.0, 6.0, 0.0, 1.0]
    """
    tape = Tape(numeric_form)
    entries = tape.jacobian(list(exprs), list(variables))
    rows, cols = len(exprs), len(variables)
    if rows * cols <= _DENSE_ENTRIES or 2 * len(entries) >= rows * cols:
        keys = tuple((i, j) for i in range(rows) for j in range(cols))
        outputs = [entries.get(k, sp.S.Zero) for k in keys]
    else:
        keys = tuple(sorted(entries))
        outputs = [entries[k] for k in keys]
    return _lambdify(list(args), *tape.program(outputs)), keys


