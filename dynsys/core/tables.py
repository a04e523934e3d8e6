"""XPPAUT lookup tables: a named, tabulated function of one variable, linearly interpolated.

An XPPAUT ``table`` holds ``n`` values ``y_0 .. y_{n-1}`` at the equally spaced points
``xlo + k*dx``, ``dx = (xhi - xlo)/(n - 1)``, and is evaluated by linear interpolation
between neighbouring points; outside ``[xlo, xhi]`` the first or last segment is
extended linearly (XPPAUT's ``lookup`` in ``tabular.c``). In a model it is the sympy
function :class:`TableLookup`, whose arguments carry the whole table, so that a model
holding one is an ordinary, comparable and hashable sympy expression:

``TableLookup(kind, name, x, xlo, xhi, y_0, ..., y_{n-1})``

``kind`` is 0 for the interpolated value and 1 for its slope (the derivative in ``x``,
piecewise constant); ``name`` (a :class:`sympy.core.symbol.Str`, no free symbol) is the
table's name in the ``.ode`` file. The values ``y_k`` may be expressions in the model's
parameters (a function table ``table w % 51 -25 25 exp(-abs(t)/s)`` depends on ``s``):
substituting parameter values gives numbers, and derivatives with respect to a
parameter are tables of the derivatives of the values (the interpolation is linear in
them). The derivative in ``x`` is the slope table; the slope's own derivative in ``x``
is 0 (its value almost everywhere), so a table makes a model piecewise linear, i.e.
non-smooth at the points ``xlo + k*dx``.

References
----------
Ermentrout, B. (2002). *Simulating, Analyzing, and Animating Dynamical Systems: A Guide
to XPPAUT for Researchers and Students*. SIAM. (Tables, section 5.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sympy.core.symbol import Str

from dynsys.errors import ModelError

__all__ = ["MAX_TABLE_POINTS", "TableLookup", "lookup", "table"]

#: Most points one table may hold.
MAX_TABLE_POINTS = 10_000


class TableLookup(sp.Function):
    """``TableLookup(kind, name, x, xlo, xhi, *y)``: an XPPAUT table at ``x`` (see module).

    Build it with :func:`table`. ``kind`` 0 is the interpolated value, 1 its slope.

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> w = table("w", x, 0.0, 2.0, [0.0, 1.0, 4.0])
    >>> w
    w(x)
    >>> w.subs(x, 1.5), w.diff(x).subs(x, 1.5)
    (2.50000000000000, 3.00000000000000)
    """

    nargs = None  # any number: the table's values are arguments

    @classmethod
    def eval(cls, *args: Any) -> sp.Expr | None:
        kind, _name, x, lo, hi, *ys = args
        if not x.is_Number:
            return None
        if all(y.is_Number for y in ys):
            return sp.Float(lookup(float(x), float(lo), float(hi),
                                   [float(y) for y in ys], int(kind)))
        # a fixed point of a table whose values depend on parameters: the two values
        # of its segment, interpolated (as lookup, in sympy)
        n, v = len(ys), float(x)
        dx = (float(hi) - float(lo)) / (n - 1)
        seg = min(max(int((v - float(lo)) / dx), 0), n - 2)
        y1, y2 = ys[seg], ys[seg + 1]
        if int(kind) == 1:
            return (y2 - y1) / sp.Float(dx)
        return y1 + (y2 - y1) * sp.Float((v - (dx * seg + float(lo))) / dx)

    @property
    def table_name(self) -> str:
        """The table's name in the ``.ode`` file."""
        return str(self.args[1])

    @property
    def kind(self) -> int:
        """0 for the interpolated value, 1 for its slope."""
        return int(self.args[0])

    @property
    def bounds(self) -> tuple[float, float]:
        """``(xlo, xhi)``."""
        return float(self.args[3]), float(self.args[4])

    @property
    def values(self) -> tuple[sp.Expr, ...]:
        """The tabulated values ``y_0 .. y_{n-1}``."""
        return self.args[5:]

    def _eval_derivative(self, s: sp.Symbol) -> sp.Expr:
        kind, name, x, lo, hi, *ys = self.args
        dys = [sp.diff(y, s) for y in ys]
        out: sp.Expr = sp.S.Zero
        if any(d != 0 for d in dys):
            out += TableLookup(kind, name, x, lo, hi, *dys)
        dx = sp.diff(x, s)
        if dx != 0 and int(kind) == 0:  # the slope's derivative is 0 almost everywhere
            out += TableLookup(1, name, x, lo, hi, *ys) * dx
        return out

    def _sympystr(self, printer: Any) -> str:
        prefix = "" if self.kind == 0 else "slope_"
        return f"{prefix}{self.table_name}({printer._print(self.args[2])})"

    def _code(self, printer: Any) -> str:
        # numeric code (lambdify): the name as a string literal, the rest as printed
        rest = ", ".join(printer._print(a) for a in self.args[2:])
        return f"TableLookup({int(self.args[0])}, {self.table_name!r}, {rest})"

    _numpycode = _lambdacode = _pythoncode = _code

    def _latex(self, printer: Any) -> str:
        prefix = "" if self.kind == 0 else r"\partial "
        return (rf"{prefix}\operatorname{{{self.table_name}}}"
                rf"\left({printer._print(self.args[2])}\right)")


def table(name: str, x: sp.Expr, xlo: float, xhi: float, values: list[Any]) -> sp.Expr:
    """The table ``name`` (values at ``xlo .. xhi``, equally spaced) evaluated at ``x``.

    Raises
    ------
    ModelError
        Fewer than 2 or more than :data:`MAX_TABLE_POINTS` values, or not ``xlo < xhi``.

    Examples
    --------
    >>> table("w", sp.Float(-1.0), 0.0, 1.0, [1.0, 3.0])  # extended linearly below 0
    -1.00000000000000
    """
    if not 2 <= len(values) <= MAX_TABLE_POINTS:
        raise ModelError(f"table {name!r} needs 2 to {MAX_TABLE_POINTS} points, got "
                         f"{len(values)}")
    if not float(xlo) < float(xhi):
        raise ModelError(f"table {name!r} needs xlo < xhi, got {xlo} and {xhi}")
    return TableLookup(sp.Integer(0), Str(name), x, sp.Float(float(xlo)), sp.Float(float(xhi)),
                       *(sp.sympify(v) for v in values))


def lookup(x: Any, xlo: Any, xhi: Any, values: Any, kind: Any = 0) -> Any:
    """Numpy evaluation of a table at ``x`` (broadcasting), as XPPAUT's ``lookup``.

    Segment ``i = int((x - xlo)/dx)`` (truncated toward 0) gives
    ``y_i + (y_{i+1} - y_i)(x - x_i)/dx``; below ``xlo`` the first segment and above
    ``xhi`` the last one are extended (``y_{n-1} + (y_{n-1} - y_{n-2})(x - xhi)/dx``).
    ``kind`` 1 gives the slope ``(y_{i+1} - y_i)/dx`` of the same segment. ``values`` is
    a sequence of ``n`` numbers or arrays broadcast against ``x``.

    Examples
    --------
    >>> lookup(np.array([-1.0, 0.5, 1.0, 3.0]), 0.0, 2.0, [0.0, 1.0, 4.0]).tolist()
    [-1.0, 0.5, 1.0, 7.0]
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = [np.asarray(y, dtype=np.float64) for y in values]
    n = len(ys)
    lo, hi = float(xlo), float(xhi)
    dx = (hi - lo) / (n - 1)
    with np.errstate(invalid="ignore"):
        u = np.trunc((xs - lo) / dx)
        seg = np.clip(np.nan_to_num(u, nan=0.0, posinf=n, neginf=-1), 0, n - 2).astype(np.intp)
    if all(y.ndim == 0 for y in ys):
        table_y = np.array([float(y) for y in ys])
        y1, y2 = table_y[seg], table_y[seg + 1]
    else:
        shape = np.broadcast_shapes(xs.shape, *(y.shape for y in ys))
        stack = np.stack([np.broadcast_to(y, shape) for y in ys], axis=-1)
        idx = np.broadcast_to(seg, shape)[..., None]
        y1 = np.take_along_axis(stack, idx, -1)[..., 0]
        y2 = np.take_along_axis(stack, idx + 1, -1)[..., 0]
    if int(kind) == 1:
        out = (y2 - y1) / dx
    else:
        above = np.nan_to_num(u, nan=0.0) >= n - 1  # XPPAUT's formula past xhi
        out = np.where(above, y2 + (y2 - y1) * (xs - hi) / dx,
                       y1 + (y2 - y1) * (xs - (dx * seg + lo)) / dx)
    return out if out.ndim else float(out)


def _numeric(kind: Any, name: Any, x: Any, xlo: Any, xhi: Any, *values: Any) -> Any:
    return lookup(x, xlo, xhi, values, kind)


#: The numpy namespace of :class:`TableLookup` for ``sympy.lambdify``.
NUMERIC = {"TableLookup": _numeric}
