"""Derivatives of a vector field and the normal-form coefficients of its bifurcations.

``derivatives(system)`` returns an object that evaluates, at one point ``(x, p)``, the
right-hand side ``F``, the Jacobians ``F_x`` and ``F_p``, and the multilinear forms

* ``hxx[i, j, k] = d^2 F_i / dx_j dx_k`` (so ``B(u, v) = hxx @ v @ u``, symmetric),
* ``hxp[i, j, k] = d^2 F_i / dx_j dp_k``,
* ``txxx[i, j, k, l] = d^3 F_i / dx_j dx_k dx_l``.

For a compiled sympy model (smooth, with at most :data:`SYMBOLIC_MAX_STATES` states)
they are the exact symbolic derivatives, compiled once per model; for any other
:class:`~dynsys.system.System` they are central finite differences of its (exact)
Jacobian, accurate to about 1e-9 (second derivatives) and 1e-7 (third derivatives).

:func:`fold_coefficients` and :func:`hopf_coefficients` compute, from those, the
quadratic coefficient ``a`` of the fold normal form and the first Lyapunov
coefficient ``l1`` of the Hopf normal form (Kuznetsov 2004, Sections 3.4-3.5 and 5.4).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from dynsys._types import FloatArray
from dynsys.errors import ModelError

__all__ = [
    "SYMBOLIC_MAX_STATES",
    "Derivatives",
    "FoldCoefficients",
    "HopfCoefficients",
    "derivatives",
    "fold_coefficients",
    "hopf_coefficients",
]

#: Largest state dimension for which the second and third derivative tensors are
#: derived symbolically (their size grows like n^4); above it finite differences are used.
SYMBOLIC_MAX_STATES = 6


# ------------------------------------------------------------------ symbolic tensors
@functools.lru_cache(maxsize=32)
def _symbolic_tensors(model: Any) -> tuple[Any, Any, Any]:
    """Compiled (hxx, hxp, txxx) callables of a Model, each returning a flat list."""
    from dynsys.system import _lambdify  # the single lambdify boundary of dynsys

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
        _lambdify(args, flat(hxx)),
        _lambdify(args, flat(hxp)) if m else None,
        _lambdify(args, flat(txxx)),
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


# ------------------------------------------------------------------ multilinear forms
def _b(hxx: Any, u: Any, v: Any) -> Any:
    return np.einsum("ijk,j,k->i", hxx, u, v)


def _c(txxx: Any, u: Any, v: Any, w: Any) -> Any:
    return np.einsum("ijkl,j,k,l->i", txxx, u, v, w)


def _null_vectors(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Right and left null vectors (unit) of a nearly singular matrix, via the SVD."""
    u, _, vt = np.linalg.svd(a)
    return vt[-1], u[:, -1]


@dataclass(frozen=True)
class FoldCoefficients:
    """Normal form ``y' = beta + a y^2`` of a fold (limit point).

    Attributes
    ----------
    a : float
        Quadratic coefficient ``a = 1/2 <p, B(q, q)>`` with ``J q = 0``, ``J^T p = 0``,
        ``|q| = 1``, ``<p, q> = 1``, and q oriented so that ``transversality >= 0``.
        ``a < 0``: the two equilibria exist for parameter values above the fold;
        ``a > 0``: below it (with ``transversality > 0``).
    transversality : float
        ``<p, F_alpha>``, the speed at which the parameter unfolds the fold.
    q, p : ndarray
        The right and left null vectors used.
    """

    a: float
    transversality: float
    q: FloatArray
    p: FloatArray


def fold_coefficients(jac: FloatArray, hxx: FloatArray, fparam: FloatArray | None = None,
                      q: FloatArray | None = None) -> FoldCoefficients:
    """Fold normal-form coefficient from the Jacobian and the second derivatives.

    Parameters
    ----------
    jac : (n, n) array
        The (singular) Jacobian at the fold.
    hxx : (n, n, n) array
        Second derivatives of F in the states there.
    fparam : (n,) array, optional
        dF/dalpha for the transversality coefficient.
    q : (n,) array, optional
        A reference orientation for the null vector (used when ``fparam`` is None or
        orthogonal to the left null vector).

    Returns
    -------
    FoldCoefficients

    References
    ----------
    Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
    Section 5.4.1 (eq. 5.27).

    Examples
    --------
    >>> c = fold_coefficients(np.zeros((1, 1)), np.full((1, 1, 1), -2.0), np.ones(1))
    >>> c.a, c.transversality
    (-1.0, 1.0)
    """
    qv, pv = _null_vectors(np.asarray(jac, dtype=np.float64))
    if q is not None and float(np.dot(qv, q)) < 0:
        qv = -qv
    pq = float(np.dot(pv, qv))
    if abs(pq) < 1e-300:
        raise ModelError("fold is degenerate: left and right null vectors are orthogonal "
                         "(a Bogdanov-Takens point)")
    pv = pv / pq
    trans = float(np.dot(pv, fparam)) if fparam is not None else float("nan")
    if q is None and fparam is not None and trans < 0:
        qv, pv, trans = -qv, -pv, -trans
    a = 0.5 * float(np.dot(pv, _b(hxx, qv, qv)))
    return FoldCoefficients(a=a, transversality=trans, q=qv, p=pv)


@dataclass(frozen=True)
class HopfCoefficients:
    """Normal form ``z' = (i omega) z + c1 z |z|^2`` at a Hopf point.

    Attributes
    ----------
    omega : float
        The frequency (imaginary part of the critical eigenvalue pair), > 0.
    l1 : float
        First Lyapunov coefficient ``Re(c1) / omega``; negative: supercritical
        (a stable limit cycle is born), positive: subcritical.
    q, p : complex ndarray
        Eigenvectors ``J q = i omega q``, ``J^T p = -i omega p``, ``<q, q> = <p, q> = 1``.
    """

    omega: float
    l1: float
    q: Any
    p: Any

    @property
    def criticality(self) -> str:
        """"supercritical" (l1 < 0), "subcritical" (l1 > 0) or "degenerate"."""
        if not np.isfinite(self.l1) or abs(self.l1) < 1e-12:
            return "degenerate"
        return "supercritical" if self.l1 < 0 else "subcritical"


def hopf_coefficients(jac: FloatArray, hxx: FloatArray, txxx: FloatArray,
                      omega: float | None = None) -> HopfCoefficients:
    """First Lyapunov coefficient of a Hopf point.

    Parameters
    ----------
    jac : (n, n) array
        The Jacobian A at the Hopf point (a pair of eigenvalues ``+-i omega``).
    hxx, txxx : arrays
        Second and third derivatives of F in the states there.
    omega : float, optional
        The frequency; by default the imaginary part of A's eigenvalue closest to the
        imaginary axis.

    Returns
    -------
    HopfCoefficients

    Notes
    -----
    Kuznetsov's invariant formula (3.20)/(5.39):
    ``l1 = 1/(2 omega) Re[<p, C(q,q,qbar)> - 2 <p, B(q, A^{-1} B(q,qbar))>
    + <p, B(qbar, (2 i omega - A)^{-1} B(q,q))>]``, with ``<p, q> = pbar^T q``.

    The value depends on the normalisation of q (its sign does not); like Kuznetsov
    (Section 5.4), MatCont and BifurcationKit we take ``<q, q> = 1``. With it the
    Cartesian normal form ``x' = mu x - y + s x (x^2 + y^2)``,
    ``y' = x + mu y + s y (x^2 + y^2)`` has ``l1 = 2 s`` (its complex form
    ``w' = (mu + i) w + s w |w|^2`` is written in ``w = x + i y``, while
    ``<q, q> = 1`` gives ``|w|^2 = 2 |z|^2``).

    References
    ----------
    Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed.,
    Springer, eq. (3.20) and Section 5.4.2.

    Examples
    --------
    >>> a = np.array([[0.0, -1.0], [1.0, 0.0]])
    >>> t = np.zeros((2, 2, 2, 2))  # x' = -y + s x (x^2 + y^2), ... with s = -1
    >>> t[0, 0, 0, 0] = t[1, 1, 1, 1] = -6.0
    >>> t[0, 0, 1, 1] = t[0, 1, 0, 1] = t[0, 1, 1, 0] = -2.0
    >>> t[1, 1, 0, 0] = t[1, 0, 1, 0] = t[1, 0, 0, 1] = -2.0
    >>> c = hopf_coefficients(a, np.zeros((2, 2, 2)), t)
    >>> round(c.omega, 12), round(c.l1, 12), c.criticality
    (1.0, -2.0, 'supercritical')
    """
    a = np.asarray(jac, dtype=np.float64)
    n = a.shape[0]
    evals, evecs = np.linalg.eig(a)
    if omega is None:
        cand = [k for k in range(n) if evals[k].imag > 0]
        if not cand:
            raise ModelError("no complex eigenvalue pair: not a Hopf point")
        k = min(cand, key=lambda k: abs(evals[k].real))
        omega = float(evals[k].imag)
    else:
        k = int(np.argmin(np.abs(evals - 1j * omega)))
    if not omega > 0:
        raise ModelError(f"Hopf frequency must be positive, got {omega}")
    q = evecs[:, k].astype(complex)
    levals, levecs = np.linalg.eig(a.T)
    kp = int(np.argmin(np.abs(levals + 1j * omega)))
    pvec = levecs[:, kp].astype(complex)
    q = q / np.sqrt(np.vdot(q, q).real)
    pvec = pvec / np.conj(np.vdot(pvec, q))  # now vdot(p, q) = pbar^T q = 1
    qb = np.conj(q)
    h11 = np.linalg.solve(a, _b(hxx, q, qb))
    h20 = np.linalg.solve(2j * omega * np.eye(n) - a, _b(hxx, q, q))
    val = (np.vdot(pvec, _c(txxx, q, q, qb)) - 2 * np.vdot(pvec, _b(hxx, q, h11))
           + np.vdot(pvec, _b(hxx, qb, h20)))
    l1 = float(val.real) / (2 * omega)
    return HopfCoefficients(omega=float(omega), l1=l1, q=q, p=pvec)
