"""Stability of a large system from its rightmost eigenvalues (ARPACK), not a dense ``eig``.

A dense eigen-decomposition costs ``O(n^3)`` (about 10 s at n = 1000 on one core).
Stability needs only the eigenvalues nearest the imaginary axis from the right, so
for ``n > DENSE_EIG_STATES`` (100; configurable, module constant or the ``dense_max``
argument) :func:`rightmost_stability` computes with :func:`scipy.sparse.linalg.eigs`
(implicitly restarted Arnoldi, ARPACK) on the sparse Jacobian
(``system.jac_sparse``) or the dense one:

* the ``k`` (default 6) eigenvalues of largest real part (``which="LR"``); while every
  one of them is unstable, ``k`` doubles (up to :data:`MAX_RIGHTMOST`), so the unstable
  dimension is exact unless more than that many eigenvalues are unstable (then it is
  a lower bound, and the note says so);
* the 2 eigenvalues nearest 0 by shift-invert (``sigma = 0``: an LU of the Jacobian),
  which decide a zero eigenvalue (a fold) even where ``LR`` converges slowly;
* the eigenvalue of smallest real part (``which="SR"``, ``k = 1``): every eigenvalue is
  unstable exactly when it is.

The kind follows the one stability rule of :mod:`dynsys.analysis.stability`: stable iff
the rightmost real part is left of the axis (beyond the tolerance), non-hyperbolic
when a computed eigenvalue is on the axis, unstable when the leftmost is right of it,
else a saddle. ``eigenvalues`` lists the computed ones (sorted as everywhere).

References
----------
R. B. Lehoucq, D. C. Sorensen and C. Yang, *ARPACK Users' Guide*, SIAM (1998).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sps
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigs

from dynsys._types import ComplexArray, FloatArray
from dynsys.analysis.stability import (
    TOL_HYPERBOLIC,
    Kind,
    Stability,
    _order,
    on_axis,
    sorted_eigenvalues,
    stability,
    unstable_mask,
)

__all__ = ["DENSE_EIG_STATES", "MAX_RIGHTMOST", "branch_eigenvalues", "rightmost_stability"]

#: Above this many states, :func:`~dynsys.analysis.equilibrium.linearize` computes the
#: rightmost eigenvalues by ARPACK instead of all of them.
DENSE_EIG_STATES = 100
#: The most rightmost eigenvalues computed (k doubles from 6 while all are unstable).
MAX_RIGHTMOST = 48
#: ARPACK's relative accuracy of the computed eigenvalues.
ARPACK_TOL = 1e-12


def _jacobian(system: Any, x: FloatArray, p: FloatArray) -> Any:
    """The Jacobian at one state: sparse (``jac_sparse``) where the system has it."""
    hook = getattr(system, "jac_sparse", None)
    if callable(hook):
        return sps.csc_matrix(hook(x, p))
    return np.asarray(system.jac(x, p), dtype=np.float64)


def _eigs(a: Any, k: int, **kw: Any) -> tuple[ComplexArray, ComplexArray]:
    n = a.shape[0]
    ncv = min(n, max(2 * k + 1, 40))
    rng = np.random.default_rng(0)  # a fixed start vector: reproducible results
    vals, vecs = eigs(a, k=k, ncv=ncv, tol=ARPACK_TOL, maxiter=50 * n,
                      v0=rng.standard_normal(n), **kw)
    return vals.astype(np.complex128), vecs.astype(np.complex128)


def _union(parts: list[tuple[ComplexArray, ComplexArray]]) -> tuple[ComplexArray, ComplexArray]:
    """The eigenvalues (and vectors) of several ARPACK runs as one multiset.

    Each run's own eigenvalues are all kept (a repeated eigenvalue is a real multiplicity:
    the ring attractor's cosine and sine modes); an eigenvalue of a later run is dropped
    when it matches (to 1e-8 relative) a kept one not matched yet, so the result holds
    each eigenvalue as often as the run that found it most often.
    """
    vals, vecs = [*parts[0][0]], [*parts[0][1].T]
    for pv, pw in parts[1:]:
        used: set[int] = set()
        for v, w in zip(pv, pw.T, strict=True):
            tol = 1e-8 * max(1.0, abs(v))
            j = next((j for j, u in enumerate(vals) if j not in used and abs(v - u) <= tol),
                     None)
            if j is None:
                vals.append(v)
                vecs.append(w)
                j = len(vals) - 1
            used.add(j)
    return np.array(vals, dtype=np.complex128), np.array(vecs, dtype=np.complex128).T


def rightmost_stability(system: Any, x: FloatArray, p: FloatArray, *, k: int = 6,
                        tol: float = TOL_HYPERBOLIC) -> tuple[Stability, str]:
    """The :class:`~dynsys.analysis.stability.Stability` of a large system's point from
    its rightmost eigenvalues, and a note saying how they were computed.

    Parameters
    ----------
    system : System
        With ``jac`` (and optionally ``jac_sparse``).
    x, p : arrays (n,), (m,)
        The point and the parameters.
    k : int
        Rightmost eigenvalues first computed (doubled while all are unstable).
    tol : float
        The hyperbolicity tolerance (:data:`~dynsys.analysis.stability.TOL_HYPERBOLIC`).

    Returns
    -------
    (Stability, note)
        ``eigenvalues`` holds only the computed eigenvalues (sorted, real part
        descending), ``eigenvectors`` their ``(n, j)`` columns; ``jacobian`` the dense
        Jacobian.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from dynsys import RateNetwork
    >>> ring = 0.4 * (np.roll(np.eye(200), 1, axis=1) + np.roll(np.eye(200), -1, axis=1))
    >>> net = RateNetwork(ring, sp.Symbol("s"))  # linear: eigenvalues -1 + 0.8 cos(2 pi j / n)
    >>> st, note = rightmost_stability(net, np.zeros(200), net.default_params)
    >>> st.kind.value, round(float(st.eigenvalues[0].real), 9)
    ('stable', -0.2)
    >>> note.split(" (")[0]
    'rightmost 6 eigenvalues by ARPACK'

    A dense eigen-decomposition replaces ARPACK where it does not converge (then the
    note says so, and every eigenvalue is listed).
    """
    a = _jacobian(system, x, p)
    n = a.shape[0]
    kk = min(k, n - 2)
    while True:
        try:
            vals, vecs = _eigs(a, kk, which="LR")
        except (ArpackNoConvergence, ArpackError):
            dense = a.toarray() if sps.issparse(a) else a
            return stability(dense, tol=tol), (
                "ARPACK did not converge to the rightmost eigenvalues: all eigenvalues "
                "by a dense eigen-decomposition")
        if np.min(vals.real) <= 0 or kk >= min(MAX_RIGHTMOST, n - 2):
            break
        kk = min(2 * kk, MAX_RIGHTMOST, n - 2)
    parts = [(vals, vecs)]
    extra = []
    try:
        parts.append(_eigs(a, min(2, n - 2), sigma=0.0))
        extra.append("the 2 nearest 0 by shift-invert")
    except (RuntimeError, ArpackError, ValueError):  # a singular Jacobian: LU fails
        extra.append("shift-invert at 0 failed (singular Jacobian)")
    try:
        left = _eigs(a, 1, which="SR")
        parts.append(left)
        leftmost = float(left[0].real.min())
        extra.append("the leftmost")
    except ArpackNoConvergence:
        leftmost = -np.inf
    allv, allw = _union(parts)
    order = _order(allv)
    allv, allw = allv[order], allw[:, order]
    scale = max(1.0, float(np.max(np.abs(allv))))
    computed_unstable = int(np.sum(allv.real > tol * scale))
    bound = bool(np.min(vals.real) > 0 and leftmost <= 0)  # all LR unstable: may be more
    axis = bool(np.any(on_axis(allv, tol)))
    if axis:
        kind = Kind.NON_HYPERBOLIC
    elif not np.any(unstable_mask(allv, tol)):
        kind = Kind.STABLE
    elif leftmost > tol * scale:
        kind, computed_unstable = Kind.UNSTABLE, n
    else:
        kind = Kind.SADDLE
    note = (f"rightmost {len(vals)} eigenvalues by ARPACK (scipy.sparse.linalg.eigs, "
            f"which='LR', tol {ARPACK_TOL:g}), with {', '.join(extra)}: "
            f"{len(allv)} of {n} computed")
    if bound and kind is not Kind.UNSTABLE:
        note += (f"; all {len(vals)} rightmost are unstable, so the unstable dimension "
                 f"{computed_unstable} is a lower bound")
    dense = a.toarray() if sps.issparse(a) else a
    st = Stability(jacobian=np.asarray(dense, dtype=np.float64), eigenvalues=allv,
                   eigenvectors=allw, kind=kind, stable=kind is Kind.STABLE,
                   unstable_dimension=computed_unstable, trace=None, det=None,
                   discriminant=None)
    return st, note


def branch_eigenvalues(jacobians: FloatArray, k: int = 6, *, system: Any = None,
                       states: FloatArray | None = None, params: FloatArray | None = None,
                       ) -> tuple[ComplexArray, str | None]:
    """Eigenvalues of a batch of Jacobians ``(N, n, n)``, sorted (real part descending).

    Up to :data:`DENSE_EIG_STATES` states all ``n`` of each (dense, as
    :func:`~dynsys.analysis.stability.sorted_eigenvalues`); above, the ``k`` rightmost
    of each by ARPACK (``which="LR"``), ``(N, k)``, and a note saying so (else None).
    A point where ARPACK does not converge gets the ``k`` rightmost of a dense
    decomposition. With ``system`` (having ``jac_sparse``), ``states`` ``(N, n)`` and
    ``params`` ``(N, m)``, ARPACK multiplies by the sparse Jacobians instead (ten times
    faster for a 10 %-dense network of 1000 units).

    Examples
    --------
    >>> import numpy as np
    >>> jacs = np.stack([np.diag(-np.arange(1.0, 201.0)) + c * np.eye(200) for c in (0.0, 2.5)])
    >>> ev, note = branch_eigenvalues(jacs, k=3)
    >>> ev.real.round(9).tolist()
    [[-1.0, -2.0, -3.0], [1.5, 0.5, -0.5]]
    """
    jacs = np.asarray(jacobians, dtype=np.float64)
    n = jacs.shape[-1]
    if n <= DENSE_EIG_STATES:
        return sorted_eigenvalues(jacs), None
    kk = min(k, n - 2)
    out = np.empty((len(jacs), kk), dtype=np.complex128)
    dense = 0
    sparse = callable(getattr(system, "jac_sparse", None)) and states is not None \
        and params is not None
    for i, a in enumerate(jacs):
        try:
            op = sps.csc_matrix(system.jac_sparse(states[i], params[i])) if sparse else a
            vals, _ = _eigs(op, kk, which="LR")
        except (ArpackNoConvergence, ArpackError):
            dense += 1
            vals = np.linalg.eigvals(a).astype(np.complex128)
        out[i] = vals[_order(vals)][:kk]
    note = (f"rightmost {kk} eigenvalues of each point by ARPACK (scipy.sparse.linalg.eigs, "
            f"which='LR', tol {ARPACK_TOL:g}); unstable dimensions counted among them")
    if dense:
        note += f" ({dense} points by a dense decomposition: ARPACK did not converge)"
    return out, note
