"""The analysis box: given, declared by the model, or inferred soundly for rate models.

Inference (:func:`infer_region`): when every equation has the rate form
``F_i = c_i (-x_i + g_i(x))`` with a constant ``c_i != 0`` and ``g_i`` bounded over all
of state space, every equilibrium satisfies ``x_i = g_i(x)`` and so lies in the box of
the bounds of the ``g_i``. The bounds come from interval arithmetic over the
expression tree (sound, possibly wide); anything the evaluator does not know makes
the inference fail. Without any region, :func:`resolve_region` searches a default box
(``DEFAULT_HALF_WIDTH`` around the initial value, else 0) and says which, with a
:class:`DefaultRegionWarning`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

import dynsys._checks as checks
from dynsys._types import FloatArray
from dynsys.errors import ModelError

__all__ = [
    "DEFAULT_HALF_WIDTH",
    "DefaultRegionWarning",
    "check_region",
    "infer_region",
    "region_bounds",
    "resolve_region",
]

#: Half-width of the default box searched when a model has no region (XPPAUT's own
#: default plot window is [-2, 2]; equilibria of ordinary models lie further out).
DEFAULT_HALF_WIDTH = 10.0


class DefaultRegionWarning(UserWarning):
    """No region was given, declared or inferable: a default box is searched."""

_INF = math.inf
Interval = tuple[float, float]


def _mul(a: Interval, b: Interval) -> Interval:
    prods = []
    for x in a:
        for y in b:
            prods.append(0.0 if (x == 0 or y == 0) else x * y)
    return min(prods), max(prods)


def _recip(a: Interval) -> Interval | None:
    lo, hi = a
    if lo > 0 or hi < 0:
        return (1.0 / hi if hi != 0 else -_INF, 1.0 / lo if lo != 0 else _INF)
    return None


_MONOTONE = {
    sp.exp: math.exp, sp.tanh: math.tanh, sp.atan: math.atan, sp.erf: math.erf,
}


def _safe(fn: Any, v: float) -> float:
    """``fn(v)`` for a monotone ``fn``, with infinities (math's functions take +-inf)."""
    try:
        return float(fn(v))
    except OverflowError:  # exp of a huge finite number
        return _INF


def _power(v: float, k: int) -> float:
    """``v**k`` in float64: +-inf beyond its range (Python's float power raises there)."""
    with np.errstate(over="ignore"):
        return float(np.power(np.float64(v), k))


def _bounds(expr: sp.Expr, states: set[sp.Symbol]) -> Interval | None:
    """A sound enclosure of ``expr`` for states anywhere in R^n, or None if unknown."""
    if expr.is_Number:
        v = float(expr)
        return (v, v)
    if expr.is_Symbol:
        return (-_INF, _INF) if expr in states else None
    maybe = [_bounds(a, states) for a in expr.args]
    args: list[Interval] = [a for a in maybe if a is not None]
    if len(args) != len(maybe):
        return None
    if isinstance(expr, sp.Add):
        lo = math.fsum(a[0] for a in args) if all(math.isfinite(a[0]) for a in args) else (
            -_INF if any(a[0] == -_INF for a in args) else _INF)
        hi = math.fsum(a[1] for a in args) if all(math.isfinite(a[1]) for a in args) else (
            _INF if any(a[1] == _INF for a in args) else -_INF)
        return (lo, hi)
    if isinstance(expr, sp.Mul):
        out: Interval = (1.0, 1.0)
        for a in args:
            out = _mul(out, a)
        return out
    if isinstance(expr, sp.Pow):
        (blo, bhi), (elo, ehi) = args[0], args[1]
        if elo != ehi or elo != int(elo):
            return None
        k = int(elo)
        if k < 0:
            inner = _bounds(sp.Pow(expr.args[0], -k), states)
            return _recip(inner) if inner is not None else None
        vals = [_power(blo, k), _power(bhi, k)]
        if k % 2 == 0 and blo <= 0 <= bhi:
            return (0.0, max(vals))
        return (min(vals), max(vals))
    for fn, num in _MONOTONE.items():
        if isinstance(expr, fn):
            return (_safe(num, args[0][0]), _safe(num, args[0][1]))
    if isinstance(expr, (sp.sin, sp.cos, sp.sign)):
        return (-1.0, 1.0)
    if isinstance(expr, sp.Heaviside):
        return (0.0, 1.0)
    if isinstance(expr, sp.Abs):
        alo, ahi = args[0]
        return (0.0 if alo <= 0 <= ahi else min(abs(alo), abs(ahi)), max(abs(alo), abs(ahi)))
    if isinstance(expr, (sp.Min, sp.Max)):
        pick = min if isinstance(expr, sp.Min) else max
        return (pick(a[0] for a in args), pick(a[1] for a in args))
    return None


def infer_region(model: Any, params: Mapping[str, float]) -> dict[str, tuple[float, float]] | None:
    """The box containing every equilibrium of a rate model, or None if not inferable.

    Parameters
    ----------
    model : Model
        Symbolic model (a System without a ``model`` attribute cannot be inferred).
    params : mapping
        Parameter values (the bounds depend on them).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> infer_region(load_model("mutual_excitation"), {"w1": 0.4, "w2": 0.4, "I": -10})
    {'x': (0.0, 50.0), 'y': (0.0, 50.0)}
    """
    states = list(getattr(model, "states", ()))
    if not states:
        return None
    subs = {sp.Symbol(k, real=True): sp.Float(v) for k, v in params.items()}
    state_set = set(states)
    out: dict[str, tuple[float, float]] = {}
    for xi, fi in zip(states, model.rhs, strict=True):
        fi = sp.expand(fi.xreplace(subs), deep=False)
        c = 0.0
        rest = []
        for term in sp.Add.make_args(fi):
            coeff, part = term.as_independent(xi, as_Add=False)
            if part == xi and coeff.is_Number:
                c -= float(coeff)
            else:
                rest.append(term)
        if c == 0.0:
            return None
        g = sp.Add(*rest) / c
        b = _bounds(g, state_set)
        if b is None or not (math.isfinite(b[0]) and math.isfinite(b[1])):
            return None
        lo, hi = b
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        out[xi.name] = (lo, hi)
    return out


def check_region(system: Any, region: Mapping[str, Any] | None, *, finite: bool = True
                 ) -> dict[str, tuple[float, float]]:
    """Validate a region (state name -> (low, high)) against ``system``'s states.

    ``finite=False`` allows infinite ends (a continuation stays inside ``(0, inf)``).

    Raises
    ------
    ModelError
        For a name that is not a state, or a bad interval.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> check_region(load_model("self_excitation"), {"r": (0, 120)})
    {'r': (0.0, 120.0)}
    """
    names = tuple(system.state_names)
    given: dict[str, tuple[float, float]] = {}
    for key, bounds in (region or {}).items():
        if key not in names:
            raise ModelError(
                f"region names {key!r}, which is not a state of {system.name} "
                f"(states: {', '.join(names)})"
            )
        given[key] = checks.interval(bounds, f"region of {key!r}", finite=finite)
    return given


def region_bounds(system: Any, region: Mapping[str, Any] | None = None
                  ) -> tuple[FloatArray, FloatArray]:
    """Lower and upper state bounds ``(n,)`` from ``region`` (default: the declared one).

    States the region does not name are unbounded (``-inf``, ``inf``); nothing is
    inferred. This is what a continuation stays inside.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> lo, hi = region_bounds(load_model("self_excitation"), {"r": (0, 120)})
    >>> lo.tolist(), hi.tolist()
    ([0.0], [120.0])
    """
    names = tuple(system.state_names)
    lo = np.full(len(names), -np.inf)
    hi = np.full(len(names), np.inf)
    reg = getattr(system, "region", None) if region is None else region
    for key, (a, b) in check_region(system, reg, finite=False).items():
        i = names.index(key)
        lo[i], hi[i] = a, b
    return lo, hi


def resolve_region(
    system: Any, params: Mapping[str, float], region: Mapping[str, Any] | None = None
) -> dict[str, tuple[float, float]]:
    """The analysis box: ``region`` where given, else the model's, else inferred.

    Raises
    ------
    ModelError
        For an unknown state name, a bad interval, or when no box can be found
        (the message asks for ``--region``).
    """
    names = tuple(system.state_names)
    given = check_region(system, region)
    declared = dict(getattr(system, "region", None) or {})
    missing = [n for n in names if n not in given and n not in declared]
    inferred: dict[str, tuple[float, float]] = {}
    if missing:
        model = getattr(system, "model", system)
        inferred = infer_region(model, params) or {}
    out = {}
    defaulted = []
    init = dict(getattr(getattr(system, "model", system), "init", None) or {})
    for n in names:
        box = given.get(n) or declared.get(n) or inferred.get(n)
        if box is None:
            # no region anywhere: search a box around the initial value (else 0) and say so
            centre = float(init.get(n, 0.0))
            if not math.isfinite(centre):
                centre = 0.0
            half = max(DEFAULT_HALF_WIDTH, 2.0 * abs(centre))
            box = (centre - half, centre + half)
            defaulted.append(f"{n} in [{box[0]:g}, {box[1]:g}]")
        out[n] = (float(box[0]), float(box[1]))
    if defaulted:
        warnings.warn(
            f"{system.name} declares no region and none can be inferred: searching the "
            f"default box {', '.join(defaulted)} (give another with --region "
            + ",".join(f"{s}=LO:HI" for s in names) + ")",
            DefaultRegionWarning, stacklevel=2)
    return out
