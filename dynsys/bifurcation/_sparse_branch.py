"""The sparse path of :func:`~dynsys.bifurcation.continuation.continue_equilibria`.

For a system of more than :data:`~dynsys.bifurcation._bordered.SPARSE_STATES` states
whose Jacobian (``system.jac_sparse``) is less than
:data:`~dynsys.bifurcation._bordered.SPARSE_DENSITY` dense, the branch is traced with
``[F_x, F_alpha]`` as a CSC matrix and sparse LU of the bordered matrix
(:mod:`dynsys.bifurcation._bordered`), and no ``(N, n, n)`` stack of dense Jacobians is
ever formed:

* stability: the rightmost eigenvalues of each point by ARPACK on its sparse Jacobian
  (:func:`~dynsys.analysis._rightmost.branch_eigenvalues`, one point at a time);
* branch points: the sign of ``det [[F_x, F_alpha], [t^T]]`` from the sparse LU;
* folds: detected by the tangent's parameter component and located without second
  derivatives, by the Illinois method on that component along the branch
  (:func:`locate_fold_sparse`), with the normal-form coefficient ``a`` from a
  directional difference of ``jac_sparse`` (:func:`sparse_fold_coefficients`);
* Hopf points: detected by the rightmost eigenvalues, not located (the augmented Hopf
  system of :mod:`dynsys.bifurcation.locate` is dense).

References
----------
Allgower, E. L. and Georg, K. (2003). Introduction to Numerical Continuation Methods.
SIAM Classics in Applied Mathematics 45 (chapter 9: detection of bifurcation points).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sps

import dynsys.bifurcation._bordered as _bordered
from dynsys._types import ComplexArray, FloatArray
from dynsys.analysis._rightmost import branch_eigenvalues
from dynsys.bifurcation._arclength import FJ, _tangent
from dynsys.bifurcation._bordered import bordered, det_sign, sparse_newton
from dynsys.bifurcation.locate import _hyperplane_points, illinois, locate_special_points
from dynsys.bifurcation.points import PointType, SpecialPoint
from dynsys.errors import ConvergenceError, ModelError

__all__ = ["locate_fold_sparse", "point_eigenvalues", "sparse_equilibrium_fj",
           "sparse_fold_coefficients", "sparse_specials", "use_sparse"]


def sparse_equilibrium_fj(system: Any, p_base: FloatArray, k: int,
                           widths: FloatArray | None = None) -> FJ:
    """As :func:`_equilibrium_fj`, with ``[F_x, F_alpha]`` a CSC matrix (``jac_sparse``)."""
    n = system.n
    wt = None if widths is None else np.asarray(widths, dtype=np.float64)

    def fj(u: FloatArray) -> tuple[FloatArray, Any]:
        if wt is not None:
            u = u * wt
        p = p_base.copy()
        p[k] = u[n]
        x = u[:n]
        fp = np.asarray(system.dfdp(x, p), dtype=np.float64)[:, k]
        d = sps.hstack([sps.csc_matrix(system.jac_sparse(x, p)), sps.csc_matrix(fp[:, None])],
                       format="csc")
        if wt is not None:  # scale column j by wt[j]
            d.data *= np.repeat(wt, np.diff(d.indptr))
        return np.asarray(system.rhs(x, p), dtype=np.float64), d

    return fj


def use_sparse(system: Any, x: FloatArray, p: FloatArray,
               others: Sequence[FloatArray] = ()) -> bool:
    """The sparse path: more than ``SPARSE_STATES`` states, ``jac_sparse``, and a Jacobian
    less than ``SPARSE_DENSITY`` dense at the start ``(x, p)`` and at ``x`` with each of
    the parameter vectors ``others`` (e.g. the continued parameter at both bounds: a
    dense network started at gain ``g = 0`` has the Jacobian ``-I`` there, which says
    nothing about the rest of the branch).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sps, sympy as sp
    >>> from dynsys import RateNetwork
    >>> s = sp.Symbol("s")
    >>> chain = RateNetwork(sps.diags([0.5, 0.5], [-1, 1], shape=(300, 300)), sp.tanh(s))
    >>> use_sparse(chain, np.zeros(300), chain.default_params)
    True
    >>> small = RateNetwork(sps.diags([0.5, 0.5], [-1, 1], shape=(50, 50)), sp.tanh(s))
    >>> use_sparse(small, np.zeros(50), small.default_params)
    False
    >>> dense = RateNetwork(np.full((300, 300), 0.01), sp.tanh(s), g=0.0)
    >>> use_sparse(dense, np.zeros(300), [0.0, 0.0]), use_sparse(
    ...     dense, np.zeros(300), [0.0, 0.0], others=[[1.0, 0.0]])
    (True, False)
    """
    n = system.n
    hook = getattr(system, "jac_sparse", None)
    if n <= _bordered.SPARSE_STATES or not callable(hook):
        return False
    for q in (p, *others):
        try:
            nnz = sps.csr_matrix(hook(x, np.asarray(q, dtype=np.float64))).nnz
        except (ModelError, ValueError, TypeError):
            return False
        if not nnz < _bordered.SPARSE_DENSITY * n * n:
            return False
    return True


class _PointJacobians:
    """The dense Jacobian of branch point ``i`` on demand (never all of them at once)."""

    def __init__(self, system: Any, states: FloatArray, ps: FloatArray) -> None:
        self.system, self.states, self.ps = system, states, ps

    def __len__(self) -> int:
        return len(self.states)

    def __getitem__(self, i: int) -> FloatArray:
        return np.asarray(self.system.jac(self.states[i], self.ps[i]), dtype=np.float64)


def point_eigenvalues(system: Any, states: FloatArray, ps: FloatArray) -> ComplexArray:
    """:func:`branch_eigenvalues` one point at a time (one dense Jacobian in memory)."""
    jacs = _PointJacobians(system, states, ps)
    out = [branch_eigenvalues(jacs[i][None], system=system, states=states[i:i + 1],
                              params=ps[i:i + 1])[0][0] for i in range(len(states))]
    return np.array(out, dtype=np.complex128)


def locate_fold_sparse(fj: FJ, ua: FloatArray, ub: FloatArray, n: int
                        ) -> tuple[FloatArray, float, int]:
    """The fold between branch points ``ua`` and ``ub``, matrix-free in the second
    derivatives: Illinois on ``s`` for the zero of the tangent's parameter component at
    the branch's point on the hyperplane through ``ua + s (ub - ua)`` normal to the chord
    (sparse Newton; tangents from the sparse bordered LU). Returns (u, |F|, evaluations)."""
    c = (ub - ua) / np.linalg.norm(ub - ua)
    point, cache = _hyperplane_points(fj, ua, ub, "fold location", stack=bordered,
                                     solver=sparse_newton)

    def test(s: float) -> float:
        return float(_tangent(fj(point(s))[1], c)[n])

    ga, gb = test(0.0), test(1.0)
    if ga * gb > 0:
        raise ConvergenceError("fold location: the tangent's parameter component has one "
                               "sign at both ends")
    s = illinois(test, 0.0, 1.0, ga, gb, xtol=1e-13)
    w = point(s)
    return w, float(np.max(np.abs(fj(w)[0]))), len(cache)


def sparse_fold_coefficients(system: Any, x: FloatArray, p: FloatArray, k: int,
                             q0: FloatArray) -> tuple[float, float]:
    """The fold's normal-form coefficient ``a`` and transversality, matrix-free.

    The same quantities as :func:`~dynsys.bifurcation.normal_forms.fold_coefficients`
    (Kuznetsov 2004, eq. 5.27: ``a = p . B(q, q) / 2`` with ``|q| = 1``, ``p . q = 1``,
    oriented so that ``p . F_alpha > 0``), with the null vectors from the sparse LU of
    ``[[F_x, q0], [q0^T, 0]]`` and its transpose (``q0`` a null-vector estimate, e.g. the
    tangent's state part) and ``B(q, q)`` a central difference of ``jac_sparse`` along q
    (step 1e-5 times the state's size: accurate to about 1e-9).
    """
    n = len(x)
    jx = sps.csc_matrix(system.jac_sparse(x, p))
    q0 = q0 / np.linalg.norm(q0)
    a_mat = sps.bmat([[jx, sps.csc_matrix(q0[:, None])], [sps.csr_matrix(q0[None, :]), None]],
                     format="csc")
    lu = _bordered.factor(a_mat)
    e = np.zeros(n + 1)
    e[n] = 1.0
    q = lu.solve(e)[:n]
    pv = lu.solve(e, trans="T")[:n]
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(pv))):
        raise np.linalg.LinAlgError("singular bordered matrix at the fold")
    q = q / np.linalg.norm(q)
    pq = float(pv @ q)
    if abs(pq) < 1e-300:
        raise ModelError("fold is degenerate: left and right null vectors are orthogonal")
    pv = pv / pq
    trans = float(pv @ np.asarray(system.dfdp(x, p), dtype=np.float64)[:, k])
    if trans < 0:
        q, pv, trans = -q, -pv, -trans
    h = 1e-5 * max(1.0, float(np.max(np.abs(x))))
    bqq = (sps.csr_matrix(system.jac_sparse(x + h * q, p)) @ q
           - sps.csr_matrix(system.jac_sparse(x - h * q, p)) @ q) / (2 * h)
    return 0.5 * float(pv @ bqq), trans


def sparse_specials(system: Any, param: str, k: int, p_base: FloatArray, us: FloatArray,
                     ts: FloatArray, ps: FloatArray, ev: ComplexArray, fj: FJ, dense_fj: FJ,
                     locate: bool) -> list[SpecialPoint]:
    """Special points on the sparse path: the branch-point test is the sign of the
    bordered determinant (sparse LU); folds are located by :func:`locate_fold_sparse`;
    Hopf points are detected (not located: that needs dense second derivatives)."""
    n = system.n
    names = tuple(system.state_names)
    bp = np.array([det_sign(bordered(fj(u)[1], t)) for u, t in zip(us, ts, strict=True)])
    specials = locate_special_points(
        system, param, k, p_base, us, ts, _PointJacobians(system, us[:, :n], ps), ev,
        dense_fj, False, bp_test=bp)
    out = []
    for sp in specials:
        if sp.type is PointType.FOLD and locate:
            try:
                i = sp.index
                w, res, it = locate_fold_sparse(fj, us[i], us[i + 1], n)
                p = p_base.copy()
                p[k] = w[n]
                q0 = _tangent(fj(w)[1], us[i + 1] - us[i])[:n]
                a, trans = sparse_fold_coefficients(system, w[:n], p, k, q0)
                sp = dataclasses.replace(
                    sp, params={**sp.params, param: float(w[n])},
                    state={nm: float(v) for nm, v in zip(names, w[:n], strict=True)},
                    located=True, reason=None, residual=res, newton_iterations=it,
                    a=a, transversality=trans, exact_derivatives=False)
            except (ConvergenceError, ModelError, np.linalg.LinAlgError) as exc:
                sp = dataclasses.replace(sp, reason=str(exc))
        elif sp.type is PointType.HOPF and not sp.located and locate:
            sp = dataclasses.replace(sp, reason="not located on the sparse path (the "
                                     "augmented Hopf system needs dense second derivatives)")
        out.append(sp)
    return out
