"""Special points of a branch (folds, Hopf points, branch points, cusps, Bogdanov-Takens)
and the test functions that detect them along a branch of equilibria.

A :class:`SpecialPoint` is the result type; :mod:`dynsys.bifurcation.locate` finds
them precisely, :mod:`dynsys.bifurcation.normal_forms` adds their coefficients.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsys._io import to_jsonable
from dynsys._types import ComplexArray, FloatArray

__all__ = [
    "PointType",
    "SpecialPoint",
]


class PointType(enum.StrEnum):
    """Kinds of special points on branches and curves (the JSON ``type`` strings)."""

    FOLD = "fold"
    HOPF = "hopf"
    BRANCH_POINT = "branch_point"
    CUSP = "cusp"
    BOGDANOV_TAKENS = "bogdanov_takens"
    FOLD_OF_CYCLES = "fold_of_cycles"
    PERIOD_DOUBLING = "period_doubling"
    NEIMARK_SACKER = "neimark_sacker"


#: The coefficient and diagnostic fields of a :class:`SpecialPoint`, in their JSON order.
_FIELDS = ("a", "transversality", "omega", "l1", "criticality", "c", "period", "multiplicity",
           "residual", "newton_iterations", "located", "exact_derivatives", "reason")


@dataclass(frozen=True)
class SpecialPoint:
    """A located special point.

    Attributes
    ----------
    type : PointType
        fold, hopf, branch_point, cusp or bogdanov_takens.
    params : mapping name -> float
        All parameter values at the point (the continued ones first).
    state : mapping name -> float
        The equilibrium.
    index : int
        Position on its branch: a located point is the branch's point ``index``; one
        that could not be located lies between points ``index`` and ``index + 1``.
    varied : tuple of str
        The continued parameter(s).
    located : bool
        False when the precise location failed and the values are interpolated.
    reason : str or None
        Why the point could not be located (None when it was).
    residual : float or None
        Max-norm of the located defining system.
    newton_iterations : int or None
        Newton iterations of the location.
    exact_derivatives : bool or None
        Whether the normal-form coefficients used symbolic (exact) derivatives.
    a, transversality : float or None
        Fold: normal form coefficient and transversality; cusp: ``a`` (about 0).
    omega, l1 : float or None
        Hopf: frequency and first Lyapunov coefficient.
    criticality : str or None
        Hopf: ``"supercritical"`` or ``"subcritical"`` (from the sign of ``l1``).
    c : float or None
        Cusp: the cubic normal form coefficient.
    period : float or None
        Points on a branch of periodic orbits (fold of cycles, period doubling,
        Neimark-Sacker): the orbit's period; ``state`` is its point at t = 0.
    multipliers : tuple of complex or None
        Their Floquet multipliers (in JSON a list of ``{"re", "im"}``).
    multiplicity : int or None
        Branch point with a kernel of this dimension (2 or more). Found where an even
        number of real eigenvalues cross zero together (2 at a symmetric network's
        symmetry-breaking point, e.g. the ring attractor's bump onset): neither ``det J``
        nor the branch-point determinant changes sign there, so it is found by counting
        eigenvalues and located on the crossing eigenvalue. Also where the parameter
        turns at a point with such a kernel (the bump family meeting the uniform state
        there): not a fold, whose kernel is one-dimensional.

    Fields that do not apply (None) are left out of :meth:`to_dict`.
    """

    type: PointType
    params: Mapping[str, float]
    state: Mapping[str, float]
    index: int = -1
    varied: tuple[str, ...] = ()
    located: bool = False
    reason: str | None = None
    residual: float | None = None
    newton_iterations: int | None = None
    exact_derivatives: bool | None = None
    a: float | None = None
    transversality: float | None = None
    omega: float | None = None
    l1: float | None = None
    criticality: str | None = None
    c: float | None = None
    period: float | None = None
    multipliers: tuple[complex, ...] | None = None
    multiplicity: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"type", "params", "state", "varied", <coefficients>...}``.

        The coefficients and diagnostics are flat keys (``a``, ``omega``, ``l1``,
        ``criticality``, ``residual``, ``located``, ...); those that do not apply are
        omitted. Non-finite numbers become None.
        """
        out: dict[str, Any] = {"type": self.type.value, "params": to_jsonable(dict(self.params)),
                               "state": to_jsonable(dict(self.state)),
                               "varied": list(self.varied)}
        for key in _FIELDS:
            value = getattr(self, key)
            if value is not None:
                out[key] = to_jsonable(value)
        if self.multipliers is not None:
            out["multipliers"] = [{"re": float(z.real), "im": float(z.imag)}
                                  for z in self.multipliers]
        return to_jsonable(out)

    def __repr__(self) -> str:
        pars = ", ".join(f"{k}={v:.6g}" for k, v in self.params.items()
                         if not self.varied or k in self.varied)
        flag = "" if self.located else " not located"
        return f"<SpecialPoint {self.type.value} {pars} index={self.index}{flag}>"

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """One line: type, parameters, state and main coefficients."""
        pars = ", ".join(f"{k} = {v:.10g}" for k, v in self.params.items()
                         if not self.varied or k in self.varied)
        items = list(self.state.items())
        st = ", ".join(f"{k} = {v:.6g}" for k, v in items[:4])
        if len(items) > 4:
            st += f", ... ({len(items)} states)"
        extra = []
        if self.a is not None:
            extra.append(f"a = {self.a:.4g}")
        if self.omega is not None:
            extra.append(f"omega = {self.omega:.6g}")
        if self.l1 is not None:
            extra.append(f"l1 = {self.l1:.4g} ({self.criticality or ''})")
        if self.c is not None:
            extra.append(f"c = {self.c:.4g}")
        if self.period is not None:
            extra.append(f"period = {self.period:.8g}")
        if self.multiplicity is not None:
            extra.append(f"multiplicity {self.multiplicity}: a {self.multiplicity}-dimensional "
                         "kernel")
        if not self.located:
            why = f": {self.reason}" if self.reason else ""
            extra.append(f"NOT LOCATED (interpolated{why})")
        tail = f"; {'; '.join(extra)}" if extra else ""
        return f"{self.type.value:<16}{pars}  ({st}){tail}"


def failure_reason(exc: BaseException) -> str:
    """Why a location failed, for :attr:`SpecialPoint.reason`: the exception's first line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else 'no message'}"


# ============================================================== stability, test functions
def _hopf_test(ev: ComplexArray) -> FloatArray:
    n = ev.shape[-1]
    if n < 2:
        return np.ones(ev.shape[:-1])
    i, j = np.triu_indices(n, 1)
    sums = ev[..., i] + ev[..., j]
    # scale each factor to keep the product finite; the sign is what matters
    mag = np.abs(sums)
    prod = np.prod(sums / np.where(mag > 0, np.maximum(mag, 1e-300) ** 0.5, 1.0), axis=-1)
    return prod.real



# ============================================================== locating special points
def _state_dict(names: tuple[str, ...], x: FloatArray) -> dict[str, float]:
    return {nm: float(v) for nm, v in zip(names, x, strict=True)}


def _full_params(names: Any, p_base: FloatArray, varied: Mapping[str, float]
                 ) -> dict[str, float]:
    """All parameter values, the varied ones first."""
    out = {k: float(v) for k, v in varied.items()}
    for nm, v in zip(names, p_base, strict=True):
        out.setdefault(nm, float(v))
    return out

