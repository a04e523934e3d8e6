"""Derivative tensors of a vector field at a point: F, F_x, F_p and the multilinear forms.

``derivatives(system)`` returns an object that evaluates, at one point ``(x, p)``, the
right-hand side ``F``, the Jacobians ``F_x`` and ``F_p``, and the multilinear forms

* ``hxx[i, j, k] = d^2 F_i / dx_j dx_k`` (so ``B(u, v) = hxx @ v @ u``, symmetric),
* ``hxp[i, j, k] = d^2 F_i / dx_j dp_k``,
* ``txxx[i, j, k, l] = d^3 F_i / dx_j dx_k dx_l``.

For a compiled sympy model (smooth, with at most :data:`SYMBOLIC_MAX_STATES` states)
they are the exact symbolic derivatives, compiled once per model; for any other
:class:`~dynsys.core.system.System` they are central finite differences of its (exact)
Jacobian, accurate to about 1e-9 (second derivatives) and 1e-7 (third derivatives).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from dynsys._types import FloatArray
from dynsys.core.system import numeric_function

__all__ = [
    "SYMBOLIC_MAX_STATES",
    "Derivatives",
    "derivatives",
]

#: Largest state dimension for which the second and third derivative tensors are
#: derived symbolically (their size grows like n^4); above it finite differences are used.
SYMBOLIC_MAX_STATES = 6


# ------------------------------------------------------------------ symbolic tensors
@functools.lru_cache(maxsize=32)
def _symbolic_tensors(model: Any) -> tuple[Any, Any, Any]:
    """Compiled (hxx, hxp, txxx) callables of a Model, each returning a flat list."""

    xs = list(model.states)
    ps = list(model.param_symbols)
    n, m = len(xs), len(ps)
    jac = model.jacobian()
    hxx = [[[sp.diff(jac[i, j], xs[k]) for k in range(n)] for j in range(n)] for i in range(n)]
    hxp = [[[sp.diff(jac[i, j], ps[k]) for k in range(m)] for j in range(n)] for i in range(n)]
    txxx = [
        [[[sp.diff(hxx[i][j][k], xs[l]) for l in range(n)] for k in range(n)] for j in range(n)]
        for i in range(n)
    ]
    args = [*xs, *ps]

    def flat(nested: Any) -> list[sp.Expr]:
        if isinstance(nested, list):
            return [e for sub in nested for e in flat(sub)]
        return [nested]

    return (
        numeric_function(args, flat(hxx)),
        numeric_function(args, flat(hxp)) if m else None,
        numeric_function(args, flat(txxx)),
    )


def _fill(values: list[Any], shape: tuple[int, ...]) -> FloatArray:
    out = np.empty(int(np.prod(shape, dtype=int)), dtype=np.float64)
    for k, v in enumerate(values):
        out[k] = v
    return out.reshape(shape)


@dataclass(frozen=True, eq=False)
class Derivatives:
    """Pointwise derivatives of a system's vector field (see the module docstring).

    Build one with :func:`derivatives`. ``exact`` tells whether the second and third
    derivatives are symbolic (True) or finite differences of the Jacobian (False).
    """

    system: Any
    exact: bool
    _tensors: tuple[Any, Any, Any] | None

    @property
    def n(self) -> int:
        """Number of states."""
        return int(self.system.n)

    def _raw(self, name: str, x: FloatArray, p: FloatArray, shape: tuple[int, ...]
             ) -> FloatArray | None:
        """Call a compiled model's lambdified function directly (no broadcasting layer)."""
        if self._tensors is None:
            return None
        fn = getattr(self.system, name, None)
        if fn is None:
            return None
        keys = getattr(self.system, f"{name}_keys", None)
        if keys is not None and len(keys) != int(np.prod(shape)):
            return None  # only the nonzero entries: the system's own method scatters them
        return np.array(fn(*np.asarray(x, dtype=np.float64).tolist(),
                           *np.asarray(p, dtype=np.float64).tolist(), 0.0),
                        dtype=np.float64).reshape(shape)

    def f(self, x: FloatArray, p: FloatArray) -> FloatArray:
        """F(x, p), shape (n,)."""
        out = self._raw("_rhs", x, p, (self.n,))
        return out if out is not None else np.asarray(self.system.rhs(x, p), dtype=np.float64)

    def fx(self, x: FloatArray, p: FloatArray) -> FloatArray:
        """dF/dx, shape (n, n)."""
        out = self._raw("_jac", x, p, (self.n, self.n))
        return out if out is not None else np.asarray(self.system.jac(x, p), dtype=np.float64)

    def fp(self, x: FloatArray, p: FloatArray) -> FloatArray:
        """dF/dp, shape (n, m)."""
        out = self._raw("_dfdp", x, p, (self.n, len(p)))
        return out if out is not None else np.asarray(self.system.dfdp(x, p), dtype=np.float64)

    def hxx(self, x: FloatArray, p: FloatArray) -> FloatArray:
        """Second derivatives in the states, shape (n, n, n)."""
        n = self.n
        if self._tensors is not None:
            return _fill(self._tensors[0](*x, *p), (n, n, n))
        h = 1e-5 * np.maximum(1.0, np.abs(x))
        pts = np.concatenate([x + np.diag(h), x - np.diag(h)])
        jac = np.asarray(self.system.jac(pts, p), dtype=np.float64)
        d = (jac[:n] - jac[n:]) / (2 * h)[:, None, None]  # d[k, i, j] = dJ_ij/dx_k
        out = np.transpose(d, (1, 2, 0))
        return 0.5 * (out + np.transpose(out, (0, 2, 1)))

    def hxp(self, x: FloatArray, p: FloatArray) -> FloatArray:
        """Mixed second derivatives, shape (n, n, m)."""
        n, m = self.n, len(p)
        if self._tensors is not None and self._tensors[1] is not None:
            return _fill(self._tensors[1](*x, *p), (n, n, m))
        h = 1e-5 * np.maximum(1.0, np.abs(p))
        pts = np.concatenate([p + np.diag(h), p - np.diag(h)])
        jac = np.asarray(self.system.jac(np.broadcast_to(x, (2 * m, n)), pts), dtype=np.float64)
        d = (jac[:m] - jac[m:]) / (2 * h)[:, None, None]
        return np.transpose(d, (1, 2, 0))

    def txxx(self, x: FloatArray, p: FloatArray) -> FloatArray:
        """Third derivatives in the states, shape (n, n, n, n)."""
        n = self.n
        if self._tensors is not None:
            return _fill(self._tensors[2](*x, *p), (n, n, n, n))
        h = 2e-4 * np.maximum(1.0, np.abs(x))
        eye = np.diag(h)
        pts = []
        for k in range(n):
            for sk in (1, -1):
                for sl in (1, -1):
                    pts.append(x + sk * eye[k][None, :] + sl * eye)  # (n, n): over l
        arr = np.concatenate(pts)  # index ((k*2 + a)*2 + b)*n + l
        jac = np.asarray(self.system.jac(arr, p), dtype=np.float64).reshape(n, 2, 2, n, n, n)
        d2 = (jac[:, 0, 0] - jac[:, 0, 1] - jac[:, 1, 0] + jac[:, 1, 1])
        d2 = d2 / (4 * h[:, None, None, None] * h[None, :, None, None])  # [k, l, i, j]
        out = np.transpose(d2, (2, 3, 0, 1))
        return out


def derivatives(system: Any) -> Derivatives:
    """Derivatives of ``system`` up to third order (symbolic when possible).

    Parameters
    ----------
    system : System
        A compiled model (its ``.model`` gives exact symbolic derivatives) or any
        System (finite differences of ``jac``).

    Returns
    -------
    Derivatives

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> d = derivatives(compile(load_model("self_excitation")))
    >>> d.exact, d.hxx(np.array([60.0]), np.array([0.05, -3.0])).shape
    (True, (1, 1, 1))
    """
    model = getattr(system, "model", None)
    tensors = None
    if model is not None and hasattr(model, "jacobian") and getattr(model, "is_smooth", False):
        if len(model.states) <= SYMBOLIC_MAX_STATES:
            tensors = _symbolic_tensors(model)
    return Derivatives(system=system, exact=tensors is not None, _tensors=tensors)
