"""Batched matrix-free GMRES: many independent systems ``A_i x_i = b_i`` at once.

Each Krylov step applies every active system's operator in one call
(``matvec(rows, V) -> (k, n)``, e.g. one sparse-dense product ``W @ V^T`` for a rate
network), so the cost per step is one batched product plus ``O(k n j)`` for the
orthogonalisation (classical Gram-Schmidt, applied twice: CGS2). Givens rotations give
every system's residual norm after each step; a system stops when
``|b - A x| <= rtol |b|`` (or on a lucky breakdown) and leaves the active set.
Memory is ``(restart + 1) k n`` floats: linear in the number of systems times n.

References
----------
Y. Saad and M. H. Schultz, "GMRES: a generalized minimal residual algorithm for solving
nonsymmetric linear systems", SIAM J. Sci. Stat. Comput. 7(3), 856-869 (1986).
L. Giraud, J. Langou and M. Rozloznik, "The loss of orthogonality in the Gram-Schmidt
orthogonalization process", Comput. Math. Appl. 50, 1069-1075 (2005) (CGS2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dynsys._types import FloatArray

__all__ = ["GmresInfo", "batched_gmres"]

#: ``matvec(rows, v)``: the operators of systems ``rows`` (indices into the batch)
#: applied to ``v`` ``(len(rows), n)``.
MatVec = Callable[[np.ndarray, FloatArray], FloatArray]


@dataclass(frozen=True)
class GmresInfo:
    """Per-system outcome of :func:`batched_gmres`.

    Attributes
    ----------
    iterations : int array (k,)
        Krylov steps (operator applications) used by each system.
    relres : float array (k,)
        Final relative residual ``|b - A x| / |b|`` (the Givens estimate; 0 for b = 0).
    converged : bool array (k,)
        ``relres <= rtol``.
    """

    iterations: np.ndarray
    relres: FloatArray
    converged: np.ndarray


def batched_gmres(matvec: MatVec, b: FloatArray, rtol: FloatArray | float, *,
                  restart: int = 40, max_restarts: int = 3) -> tuple[FloatArray, GmresInfo]:
    """Solve ``A_i x_i = b_i`` for a batch ``b`` ``(k, n)`` by restarted GMRES from x = 0.

    Parameters
    ----------
    matvec : callable
        ``matvec(rows, v) -> A_rows v`` (see :data:`MatVec`).
    b : array (k, n)
    rtol : float or array (k,)
        Relative residual tolerance of each system.
    restart : int
        Krylov dimension per cycle (capped at n).
    max_restarts : int
        Further cycles for systems not converged after the first.

    Returns
    -------
    (x, GmresInfo)
        ``x`` is the best iterate of every system, converged or not.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[[2.0, 1.0], [0.0, 3.0]], [[1.0, 0.0], [1.0, 1.0]]])
    >>> b = np.array([[3.0, 3.0], [1.0, 2.0]])
    >>> x, info = batched_gmres(lambda r, v: np.einsum("kij,kj->ki", a[r], v), b, 1e-12)
    >>> x.round(12).tolist(), info.converged.tolist()
    ([[1.0, 1.0], [1.0, 1.0]], [True, True])
    """
    b = np.asarray(b, dtype=np.float64)
    k, n = b.shape
    tol = np.broadcast_to(np.asarray(rtol, dtype=np.float64), (k,))
    x = np.zeros_like(b)
    its = np.zeros(k, dtype=int)
    bnorm = np.linalg.norm(b, axis=1)
    relres = np.where(bnorm > 0, 1.0, 0.0)
    todo = np.flatnonzero(bnorm > 0)
    m = max(1, min(int(restart), n))
    for cycle in range(max_restarts + 1):
        if todo.size == 0:
            break
        r = b[todo] if cycle == 0 else b[todo] - matvec(todo, x[todo])
        if cycle > 0:
            its[todo] += 1
        dx, used, rel = _cycle(matvec, todo, r, bnorm[todo], tol[todo], m)
        x[todo] += dx
        its[todo] += used
        relres[todo] = rel
        todo = todo[rel > tol[todo]]
    return x, GmresInfo(its, relres, relres <= tol)


def _cycle(matvec: MatVec, rows: np.ndarray, r: FloatArray, bnorm: FloatArray,
           tol: FloatArray, m: int) -> tuple[FloatArray, np.ndarray, FloatArray]:
    """One GMRES cycle of dimension m from residuals r; returns (dx, steps, relres)."""
    k, n = r.shape
    beta = np.linalg.norm(r, axis=1)
    out = np.zeros_like(r)
    used = np.zeros(k, dtype=int)
    rel = beta / bnorm
    live = np.flatnonzero(beta > 0)  # indices into 0..k-1 still iterating
    v = np.zeros((m + 1, k, n))
    v[0, live] = r[live] / beta[live, None]
    h = np.zeros((k, m + 1, m))
    cs = np.zeros((k, m))
    sn = np.zeros((k, m))
    g = np.zeros((k, m + 1))
    g[:, 0] = beta

    def finish(sel: np.ndarray, j: int) -> None:
        """Solve the j x j triangular least-squares problems of systems sel."""
        if sel.size == 0 or j == 0:
            return
        hh, gg = h[sel, :j, :j], g[sel, :j]
        try:
            y = np.linalg.solve(hh, gg[..., None])[..., 0]
        except np.linalg.LinAlgError:  # a zero column (A v = 0): least squares, one by one
            y = np.stack([np.linalg.lstsq(a, c, rcond=None)[0] for a, c in zip(hh, gg,
                                                                             strict=True)])
        out[sel] = np.einsum("kj,jkn->kn", y, v[:j, sel])

    for j in range(m):
        if live.size == 0:
            break
        w = matvec(rows[live], v[j, live])
        basis = v[: j + 1, live]  # (j+1, a, n)
        coef = np.einsum("jan,an->aj", basis, w)
        w = w - np.einsum("aj,jan->an", coef, basis)
        again = np.einsum("jan,an->aj", basis, w)  # CGS2: reorthogonalise once
        w -= np.einsum("aj,jan->an", again, basis)
        coef += again
        hn = np.linalg.norm(w, axis=1)
        col = np.zeros((live.size, m + 1))
        col[:, : j + 1] = coef
        col[:, j + 1] = hn
        for i in range(j):  # previous rotations
            c, s = cs[live, i], sn[live, i]
            a, bb = col[:, i], col[:, i + 1]
            col[:, i], col[:, i + 1] = c * a + s * bb, -s * a + c * bb
        a, bb = col[:, j], col[:, j + 1]
        den = np.hypot(a, bb)
        safe = np.where(den > 0, den, 1.0)
        c, s = np.where(den > 0, a / safe, 1.0), np.where(den > 0, bb / safe, 0.0)
        cs[live, j], sn[live, j] = c, s
        col[:, j], col[:, j + 1] = den, 0.0
        h[live, :, j] = col
        gj = g[live, j]
        g[live, j], g[live, j + 1] = c * gj, -s * gj
        used[live] += 1
        rel[live] = np.abs(g[live, j + 1]) / bnorm[live]
        breakdown = hn <= 1e-14 * np.maximum(np.abs(coef).max(axis=1, initial=0.0), 1e-300)
        done = (rel[live] <= tol[live]) | breakdown | (j == m - 1)
        nv = np.where(hn > 0, hn, 1.0)
        v[j + 1, live] = w / nv[:, None]
        finish(live[done], j + 1)
        live = live[~done]
    return out, used, rel
