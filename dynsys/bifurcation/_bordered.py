"""Sparse bordered solves for the continuation of large systems with sparse Jacobians.

Pseudo-arclength continuation solves, per corrector step and per tangent, the bordered
system ``[[F_x, F_alpha], [t^T, 0]] z = r`` of size ``n + 1``. For a large system whose
Jacobian is sparse (``system.jac_sparse``) this module builds that matrix as a
``scipy.sparse`` CSC matrix and factors it with SuperLU (:func:`scipy.sparse.linalg.splu`,
COLAMD column ordering): the dense last row and column add ``O(n)`` fill, and the
bordered matrix stays regular at a fold, where ``F_x`` alone is singular.

The sign of its determinant (the branch-point test function) comes from the LU:
``det = det(P_r) det(P_c) prod(diag U)`` (``L`` has a unit diagonal).

References
----------
Govaerts, W. (2000). Numerical Methods for Bifurcations of Dynamical Equilibria. SIAM,
ch. 3 (bordered matrices).
Li, X. S. (2005). An overview of SuperLU. ACM Trans. Math. Softw. 31(3), 302-325.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sps
from scipy.sparse.linalg import splu

from dynsys._numerics.newton import newton
from dynsys._types import FloatArray

__all__ = [
    "LINEAR_SOLVER_NOTE",
    "SPARSE_DENSITY",
    "SPARSE_STATES",
    "bordered",
    "det_sign",
    "factor",
    "lu_solve",
    "sparse_newton",
]

#: Above this many states (and with a sparse Jacobian), continuation uses sparse LU.
SPARSE_STATES = 200
#: ... when the Jacobian's density (stored entries / n^2) is below this fraction.
SPARSE_DENSITY = 0.05
#: What :attr:`~dynsys.bifurcation.continuation.Branch.linear_solver` says on that path.
LINEAR_SOLVER_NOTE = "sparse bordered LU (scipy.sparse.linalg.splu)"


def bordered(d: Any, row: FloatArray) -> sps.csc_matrix:
    """The square CSC matrix ``[[d], [row]]`` from a sparse ``(N, N+1)`` matrix ``d``."""
    return sps.vstack([d, sps.csr_matrix(np.asarray(row, dtype=np.float64)[None, :])],
                      format="csc")


def factor(a: Any) -> Any:
    """SuperLU factors of a sparse square matrix (LinAlgError when exactly singular)."""
    try:
        return splu(sps.csc_matrix(a))
    except RuntimeError as exc:  # "Factor is exactly singular"
        raise np.linalg.LinAlgError(str(exc)) from None


def lu_solve(a: Any, b: FloatArray) -> FloatArray:
    """Solve the sparse square system ``a z = b`` (LinAlgError when singular or not finite)."""
    z = factor(a).solve(np.asarray(b, dtype=np.float64))
    if not np.all(np.isfinite(z)):
        raise np.linalg.LinAlgError("singular matrix")
    return np.asarray(z, dtype=np.float64)


def _perm_sign(perm: Any) -> int:
    """Sign of a permutation given as an index array (by its cycles)."""
    perm = np.asarray(perm)
    seen = np.zeros(len(perm), dtype=bool)
    sign = 1
    for i in range(len(perm)):
        if seen[i]:
            continue
        j, length = i, 0
        while not seen[j]:
            seen[j] = True
            j = int(perm[j])
            length += 1
        if length % 2 == 0:
            sign = -sign
    return sign


def det_sign(a: Any) -> float:
    """Sign of ``det(a)`` of a sparse square matrix from its LU (0.0 when singular).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sps
    >>> a = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    >>> det_sign(sps.csc_matrix(a)), float(np.sign(np.linalg.det(a)))
    (-1.0, -1.0)
    """
    try:
        lu = factor(a)
    except np.linalg.LinAlgError:
        return 0.0
    diag = lu.U.diagonal()
    if not np.all(np.isfinite(diag)):
        return 0.0
    s = float(np.prod(np.sign(diag)))
    return s * _perm_sign(lu.perm_r) * _perm_sign(lu.perm_c)


def sparse_newton(fun: Callable[[FloatArray], tuple[FloatArray, Any]], z0: FloatArray, *,
                  tol: float = 1e-11, max_iter: int = 20, what: str = "Newton",
                  ) -> tuple[FloatArray, float, int]:
    """Newton's method with a sparse square Jacobian (``fun(z) -> (F, sparse F_z)``):
    :func:`dynsys._numerics.newton.newton` with the sparse LU :func:`lu_solve`.

    Returns ``(z, residual, iterations)``; raises ConvergenceError.
    """
    return newton(fun, z0, tol=tol, max_iter=max_iter, what=what, solve=lu_solve)
