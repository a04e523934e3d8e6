"""Special points of a branch (folds, Hopf points, branch points, cusps, Bogdanov-Takens)
and the test functions that detect them along a branch of equilibria.

A :class:`SpecialPoint` is the result type; :mod:`dynsys.bifurcation.locate` finds
them precisely, :mod:`dynsys.bifurcation.normal_forms` adds their coefficients.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
    data : mapping
        Diagnostics and coefficients: ``residual`` (max-norm of the located system),
        ``located`` (False when the precise location failed and the values are
        interpolated), and per type: fold ``a`` (normal form coefficient) and
        ``transversality``; hopf ``omega``, ``l1`` and ``criticality``.
    index : int
        Position on its branch: a located point is the branch's point ``index``; one
        that could not be located lies between points ``index`` and ``index + 1``.
    varied : tuple of str
        The continued parameter(s).
    """

    type: PointType
    params: Mapping[str, float]
    state: Mapping[str, float]
    data: Mapping[str, Any] = field(default_factory=dict)
    index: int = -1
    varied: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"type", "params", "state", ...data}``."""
        out: dict[str, Any] = {"type": self.type.value, "params": dict(self.params),
                               "state": dict(self.state), "varied": list(self.varied)}
        out.update({k: v for k, v in self.data.items() if k not in out})
        return out

    def describe(self) -> str:
        """One line: type, parameters, state and main coefficients."""
        pars = ", ".join(f"{k} = {v:.10g}" for k, v in self.params.items()
                         if not self.varied or k in self.varied)
        items = list(self.state.items())
        st = ", ".join(f"{k} = {v:.6g}" for k, v in items[:4])
        if len(items) > 4:
            st += f", ... ({len(items)} states)"
        extra = []
        d = self.data
        if "a" in d:
            extra.append(f"a = {d['a']:.4g}")
        if "omega" in d:
            extra.append(f"omega = {d['omega']:.6g}")
        if "l1" in d:
            extra.append(f"l1 = {d['l1']:.4g} ({d.get('criticality', '')})")
        if "c" in d:
            extra.append(f"c = {d['c']:.4g}")
        if not d.get("located", True):
            extra.append("NOT LOCATED (interpolated)")
        tail = f"; {'; '.join(extra)}" if extra else ""
        return f"{self.type.value:<16}{pars}  ({st}){tail}"


# ============================================================== stability, test functions
def _sorted_eigenvalues(jacs: FloatArray) -> ComplexArray:
    ev = np.linalg.eigvals(jacs)
    order = np.argsort(-ev.real, axis=-1, kind="stable")
    return np.take_along_axis(ev, order, axis=-1)


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

