"""Normal-form coefficients of fold and Hopf bifurcations.

:func:`fold_coefficients` and :func:`hopf_coefficients` compute, from the derivative
tensors of :mod:`dynsys.core.derivatives`, the quadratic coefficient ``a`` of the fold
normal form and the first Lyapunov coefficient ``l1`` of the Hopf normal form
(Kuznetsov 2004, Sections 3.4-3.5 and 5.4).

References
----------
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsys._types import FloatArray
from dynsys.errors import ModelError

__all__ = [
    "FoldCoefficients",
    "HopfCoefficients",
    "fold_coefficients",
    "hopf_coefficients",
]

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
