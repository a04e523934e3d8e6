"""The vocabulary every model shares: real symbols, time, and XPPAUT's step function.

Nothing here depends on any other part of dynsys but its errors and tables, so the Model, the
``.ode`` reader and the compiled System can all use it without importing each other.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from dynsys.core.tables import TableLookup

__all__ = [
    "NON_SMOOTH_FUNCTIONS",
    "heav",
    "symbols",
    "time_symbol",
]

#: The symbol of time. A model whose right-hand side uses it is non-autonomous.
time_symbol = sp.Symbol("t", real=True)

#: sympy function classes that make a model non-smooth (kinks or jumps).
NON_SMOOTH_FUNCTIONS: tuple[type, ...] = (
    sp.sign, sp.Heaviside, sp.Abs, sp.Min, sp.Max, sp.Piecewise, sp.floor, sp.ceiling, sp.Mod,
    TableLookup,
)


def symbols(names: str, **assumptions: Any) -> Any:
    """``sympy.symbols`` creating real symbols, as every dynsys model expects.

    Examples
    --------
    >>> x, y = symbols("x y")
    >>> x.is_real
    True
    """
    assumptions.setdefault("real", True)
    return sp.symbols(names, **assumptions)


def heav(s: sp.Expr) -> sp.Expr:
    """XPPAUT's step function: 0 for s < 0 and 1 for s >= 0."""
    return sp.Heaviside(s, 1)
