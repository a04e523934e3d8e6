"""The 1-D flux ``dx/dt`` against ``x`` with its zero crossings (the report's Figure 4).

``flux(system, params, region) -> Flux``: the right-hand side sampled over the region,
the equilibria (from :func:`dynsys.analysis.equilibria.find_equilibria`), and the slope
``F'(x*)`` at each crossing (negative: stable; positive: unstable). Also
:func:`activation_curve`, the sampled activation function of Figure 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from dynsys._io import to_jsonable
from dynsys._types import FloatArray, ParamsLike
from dynsys.analysis.equilibria import Equilibria, find_equilibria
from dynsys.core.model import Model
from dynsys.core.system import compile, numeric_function, resolve_params
from dynsys.errors import ModelError

__all__ = ["ActivationCurve", "Flux", "activation_curve", "flux"]

#: Bytes per sample of :func:`flux` (the grid, F and the batch the rhs builds), and the most
#: one call may use.
_BYTES_PER_POINT = 64
_MAX_BYTES = 4e9


@dataclass(frozen=True, eq=False)
class Flux:
    """``dx/dt`` sampled over a 1-D region, with the equilibria and their slopes.

    Attributes
    ----------
    x, dxdt : ndarray (k,)
    equilibria : Equilibria
    slopes : ndarray
        ``F'(x*)`` at each equilibrium (its single eigenvalue).
    state_name, system_name : str
    params : mapping
    """

    x: FloatArray
    dxdt: FloatArray
    equilibria: Equilibria
    slopes: FloatArray
    state_name: str
    system_name: str
    params: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: samples, crossings and slopes."""
        return to_jsonable({
            "model": self.system_name,
            "params": dict(self.params),
            "state": self.state_name,
            "x": self.x.tolist(),
            "dxdt": self.dxdt.tolist(),
            "crossings": [
                {"x": float(e.state[0]), "slope": float(s), "kind": e.kind.value}
                for e, s in zip(self.equilibria, self.slopes, strict=True)
            ],
        })

    def __str__(self) -> str:
        rows = [f"{self.state_name} = {float(e.state[0]):.6g}: slope {float(sl):.6g} "
                f"({e.kind.value})" for e, sl in zip(self.equilibria, self.slopes, strict=True)]
        return "\n".join([f"Flux of {self.system_name} over {self.state_name} in "
                          f"[{self.x[0]:.6g}, {self.x[-1]:.6g}] ({len(self.x)} samples)",
                          *(("└─ " if i == len(rows) - 1 else "├─ ") + r
                            for i, r in enumerate(rows))])

    def __repr__(self) -> str:
        return (f"<Flux {self.system_name} over {self.state_name}: {len(self.x)} samples, "
                f"{len(self.slopes)} equilibria>")


def flux(
    system: Any, params: ParamsLike = None, region: Mapping[str, tuple[float, float]] | None = None,
    *, points: int = 1001, equilibria: Equilibria | None = None,
) -> Flux:
    """Sample ``dx/dt`` of a 1-D system: ``flux(system, params, region) -> Flux``.

    Parameters
    ----------
    system : Model or System
        One state, autonomous.
    params, region :
        As for :func:`~dynsys.analysis.equilibria.find_equilibria`.
    points : int, default 1001
        Samples of the curve (the crossings are computed exactly, not from them).
    equilibria : Equilibria, optional
        Reuse a search already done.

    Raises
    ------
    ModelError
        If the system does not have exactly one state, or ``points`` is not an integer
        >= 2 or needs more memory than 4 GB.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> fl = flux(load_model("self_excitation"))
    >>> fl.slopes.round(6).tolist()
    [-0.969487, 2.0, -0.969487]
    """
    compiled = compile(system) if isinstance(system, Model) else system
    if compiled.n != 1:
        raise ModelError(f"the flux plot is for 1-D systems; {compiled.name} has {compiled.n} "
                         "states (use the phase plane for 2-D)")
    if isinstance(points, bool) or not isinstance(points, int | np.integer) or points < 2:
        raise ModelError(f"points must be an integer >= 2, got {points!r}")
    if points * _BYTES_PER_POINT > _MAX_BYTES:  # checked before anything is allocated
        raise ModelError(f"points = {points} needs about {points * _BYTES_PER_POINT / 1e9:.3g} "
                         f"GB (more than {_MAX_BYTES / 1e9:g} GB); use fewer points")
    eq = equilibria if equilibria is not None else find_equilibria(compiled, params, region)
    p = resolve_params(compiled, params)
    lo, hi = eq.region[compiled.state_names[0]]
    x = np.linspace(lo, hi, int(points))
    dxdt = compiled.rhs(x[:, None], p)[:, 0]
    slopes = np.array([e.jacobian[0, 0] for e in eq], dtype=np.float64)
    return Flux(x, dxdt, eq, slopes, compiled.state_names[0], compiled.name, eq.params)


@dataclass(frozen=True, eq=False)
class ActivationCurve:
    """An activation function ``f(s)`` sampled for plotting (Figure 1)."""

    s: FloatArray
    f: FloatArray
    label: str = "f(s)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready samples."""
        return to_jsonable({"s": self.s.tolist(), "f": self.f.tolist(), "label": self.label})

    def __repr__(self) -> str:
        return (f"<ActivationCurve {self.label}: {len(self.s)} samples, s in "
                f"[{self.s[0]:.6g}, {self.s[-1]:.6g}]>")


def activation_curve(
    fn: Callable[[Any], Any] | sp.Expr, s_range: tuple[float, float] = (-5.0, 5.0),
    *, points: int = 501, label: str | None = None,
) -> ActivationCurve:
    """Sample an activation function on ``s_range``.

    ``fn`` is a numpy-vectorized callable or a sympy expression in one symbol
    (e.g. the ``f`` of a model file applied to a symbol).

    Examples
    --------
    >>> import numpy as np
    >>> c = activation_curve(lambda s: 60 * (1 + np.tanh(s)))
    >>> float(c.f[250]), float(c.f.max()) < 120
    (60.0, True)
    """
    s = np.linspace(float(s_range[0]), float(s_range[1]), max(int(points), 2))
    if isinstance(fn, sp.Expr):
        free = sorted(fn.free_symbols, key=str)
        if len(free) != 1:
            raise ModelError(f"an activation expression needs exactly one symbol, got {free}")
        values = numeric_function(free, fn)(s)
        text = label or f"${sp.latex(fn)}$"
    else:
        values = fn(s)
        text = label or "f(s)"
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), s.shape).copy()
    return ActivationCurve(s, values, text)
