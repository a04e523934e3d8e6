"""Precise location of codimension-one bifurcation points of equilibria.

* A **fold** (limit point) is located by Newton's method on Govaerts' minimally
  augmented system ``F(x, alpha) = 0, g(x, alpha) = 0``, where ``g`` is the last
  component of the solution of the bordered system
  ``[[F_x, b], [c^T, 0]] [v; g] = [0; 1]``; ``g`` vanishes exactly where ``F_x`` is
  singular and its gradient is ``-w^T (F_x)_z v`` with ``w`` from the transposed system.
* A **Hopf point** is located by Newton's method on the standard augmented system
  ``F = 0, F_x q_r + omega q_i = 0, F_x q_i - omega q_r = 0`` with two normalisation
  conditions fixing the length and phase of ``q = q_r + i q_i`` (3n + 2 unknowns).
* A **branch point** is located by the Illinois (regula falsi) method on the
  determinant of the augmented Jacobian along the chord between two branch points,
  each trial point corrected back onto the branch.

The same bordered-system function ``g`` defines fold curves in two parameters
(:mod:`dynsys.codim2`).

References
----------
Govaerts, W. (2000). Numerical Methods for Bifurcations of Dynamical Equilibria. SIAM.
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
Chapter 10.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynsys._types import FloatArray
from dynsys.errors import ConvergenceError
from dynsys.normal_forms import Derivatives

__all__ = [
    "BorderedFold",
    "PointType",
    "SpecialPoint",
    "illinois",
    "locate_fold",
    "locate_hopf",
    "newton",
    "refine_branch_point",
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



def newton(fun: Callable[[FloatArray], tuple[FloatArray, FloatArray]], z0: FloatArray, *,
           tol: float = 1e-11, max_iter: int = 20, what: str = "Newton") -> tuple[FloatArray,
                                                                             float, int]:
    """Newton's method for a square system; ``fun(z) -> (residual, jacobian)``.

    Returns ``(z, residual norm, iterations)``; raises ConvergenceError (with the
    residual history) when the residual does not fall below ``tol``.
    """
    z = np.array(z0, dtype=np.float64)
    history: list[float] = []
    for it in range(max_iter + 1):
        r, jm = fun(z)
        res = float(np.max(np.abs(r))) if r.size else 0.0
        history.append(res)
        if not np.isfinite(res):
            break
        if res <= tol:
            return z, res, it
        if it == max_iter:
            break
        try:
            dz = np.linalg.solve(jm, -r)
        except np.linalg.LinAlgError:
            break
        z = z + dz
        # A step that no longer moves the iterate: accept at round-off level.
        if np.max(np.abs(dz)) <= 1e-15 * (1.0 + np.max(np.abs(z))) and res <= 1e3 * tol:
            return z, res, it + 1
    raise ConvergenceError(
        f"{what} did not converge (residual {history[-1]:.3g} after {len(history) - 1} "
        "iterations)", last_iterate=z, history=tuple(history))


def illinois(fun: Callable[[float], float], a: float, b: float, fa: float, fb: float, *,
             xtol: float = 1e-13, max_iter: int = 100) -> float:
    """Root of ``fun`` in [a, b] (``fa``, ``fb`` of opposite sign) by the Illinois method."""
    side = 0
    for _ in range(max_iter):
        if fb == fa:
            break
        c = (a * fb - b * fa) / (fb - fa)
        fc = fun(c)
        if fc == 0.0 or abs(b - a) <= xtol * (1.0 + abs(a) + abs(b)):
            return c
        if fc * fb < 0:
            a, fa = b, fb
            b, fb = c, fc
            side = 0
        else:
            b, fb = c, fc
            if side == 1:
                fa *= 0.5
            side = 1
    return b


def refine_branch_point(fj: Callable[[FloatArray], tuple[FloatArray, FloatArray]],
                        w0: FloatArray, n: int) -> tuple[FloatArray, float, int]:
    """Newton on Moore's regular system for a simple branch point.

    Unknowns ``(u, phi, beta)`` with ``u = (x, alpha)``: ``F(u) + beta phi = 0``,
    ``F_u(u)^T phi = 0``, ``phi . phi0 = 1``, where ``phi0`` is the left singular vector
    of ``F_u(w0)`` of its smallest singular value; ``beta = 0`` at the solution. The
    residual uses the exact ``F`` and ``F_u``; only the Newton matrix's second
    derivatives are central differences of ``F_u``.

    References
    ----------
    G. Moore, "The numerical treatment of non-trivial bifurcation points", Numer. Funct.
    Anal. Optim. 2, 441 (1980).
    """
    _, d0 = fj(w0)
    phi0 = np.linalg.svd(d0)[0][:, -1]
    m = n + 1

    def fun(z: FloatArray) -> tuple[FloatArray, FloatArray]:
        u, phi, beta = z[:m], z[m:m + n], z[-1]
        f, d = fj(u)
        jac = np.zeros((2 * n + 2, 2 * n + 2))
        jac[:n, :m] = d
        jac[:n, m:m + n] = beta * np.eye(n)
        jac[:n, -1] = phi
        for j in range(m):
            h = 1e-6 * max(1.0, abs(u[j]))
            e = np.zeros(m)
            e[j] = h
            jac[n:n + m, j] = (fj(u + e)[1] - fj(u - e)[1]).T @ phi / (2 * h)
        jac[n:n + m, m:m + n] = d.T
        jac[-1, m:m + n] = phi0
        r = np.concatenate([f + beta * phi, d.T @ phi, [phi @ phi0 - 1.0]])
        return r, jac

    z, _, it = newton(fun, np.concatenate([w0, phi0, [0.0]]), tol=1e-11, max_iter=30,
                      what="branch point (Moore's system)")
    return z[:m], float(np.max(np.abs(fj(z[:m])[0]))), it


@dataclass
class BorderedFold:
    """The minimally augmented fold system of a System, in some of its parameters.

    Unknowns ``u = (x, p[free[0]], p[free[1]], ...)``; ``fj(u)`` returns
    ``([F; g], d[F; g]/du)``. The bordering vectors ``b`` and ``c`` are updated with
    :meth:`rebord` to keep the bordered matrix well conditioned.
    """

    deriv: Derivatives
    p_base: FloatArray
    free: tuple[int, ...]
    b: FloatArray
    c: FloatArray

    def params(self, u: FloatArray) -> FloatArray:
        """The full parameter vector at ``u``."""
        p = self.p_base.copy()
        n = self.deriv.n
        for j, k in enumerate(self.free):
            p[k] = u[n + j]
        return p

    def vectors(self, jac: FloatArray) -> tuple[FloatArray, FloatArray, float]:
        """``(v, w, g)`` from the bordered system and its transpose."""
        n = jac.shape[0]
        m = np.zeros((n + 1, n + 1))
        m[:n, :n] = jac
        m[:n, n] = self.b
        m[n, :n] = self.c
        rhs = np.zeros(n + 1)
        rhs[n] = 1.0
        sol = np.linalg.solve(m, rhs)
        solt = np.linalg.solve(m.T, rhs)
        return sol[:n], solt[:n], float(sol[n])

    def fj(self, u: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Residual ``[F; g]`` and its Jacobian in ``u``."""
        d = self.deriv
        n = d.n
        x, p = u[:n], self.params(u)
        jac = d.fx(x, p)
        v, w, g = self.vectors(jac)
        hxx = d.hxx(x, p)
        hxp = d.hxp(x, p)
        fp = d.fp(x, p)
        k = list(self.free)
        out = np.empty((n + 1, n + len(k)))
        out[:n, :n] = jac
        out[:n, n:] = fp[:, k]
        out[n, :n] = -np.einsum("i,ilj,l->j", w, hxx, v)
        out[n, n:] = -np.einsum("i,ilk,l->k", w, hxp[:, :, k], v)
        return np.concatenate([d.f(x, p), [g]]), out

    def rebord(self, u: FloatArray) -> None:
        """Replace b, c by the current (normalised) left and right null vector estimates."""
        n = self.deriv.n
        jac = self.deriv.fx(u[:n], self.params(u))
        v, w, _ = self.vectors(jac)
        if np.all(np.isfinite(v)) and np.all(np.isfinite(w)):
            self.c = v / np.linalg.norm(v)
            self.b = w / np.linalg.norm(w)


def _null_guess(jac: FloatArray) -> tuple[FloatArray, FloatArray]:
    u, _, vt = np.linalg.svd(jac)
    return vt[-1], u[:, -1]


def locate_fold(deriv: Derivatives, x0: FloatArray, p: FloatArray, k: int, *,
                tol: float = 1e-11) -> tuple[FloatArray, float, float, int]:
    """Newton on the minimally augmented fold system in ``(x, p[k])``.

    Returns ``(x, alpha, residual, iterations)``; raises ConvergenceError.
    """
    n = deriv.n
    q, pv = _null_guess(deriv.fx(x0, p))
    system = BorderedFold(deriv, np.array(p, dtype=np.float64), (k,), b=pv, c=q)
    z, res, it = newton(system.fj, np.concatenate([x0, [p[k]]]), tol=tol, what="fold location")
    return z[:n], float(z[n]), res, it


def locate_hopf(deriv: Derivatives, x0: FloatArray, p: FloatArray, k: int, q0: Any,
                omega0: float, *, tol: float = 1e-11) -> tuple[FloatArray, float, float, float,
                                                               int]:
    """Newton on the standard augmented Hopf system in ``(x, p[k], q_r, q_i, omega)``.

    ``q0`` is an estimate of the critical eigenvector, ``omega0`` of the frequency.
    Returns ``(x, alpha, omega, residual, iterations)``; raises ConvergenceError.
    """
    n = deriv.n
    q0 = np.asarray(q0, dtype=complex)
    q0 = q0 / np.linalg.norm(q0)
    cr, ci = q0.real.copy(), q0.imag.copy()
    pb = np.array(p, dtype=np.float64)
    eye = np.eye(n)

    def fun(z: FloatArray) -> tuple[FloatArray, FloatArray]:
        x, qr, qi, om = z[:n], z[n + 1:2 * n + 1], z[2 * n + 1:3 * n + 1], z[3 * n + 1]
        pp = pb.copy()
        pp[k] = z[n]
        jac = deriv.fx(x, pp)
        hxx = deriv.hxx(x, pp)
        hxp = deriv.hxp(x, pp)[:, :, k]
        r = np.concatenate([
            deriv.f(x, pp), jac @ qr + om * qi, jac @ qi - om * qr,
            [cr @ qr + ci @ qi - 1.0, cr @ qi - ci @ qr],
        ])
        jm = np.zeros((3 * n + 2, 3 * n + 2))
        jm[:n, :n] = jac
        jm[:n, n] = deriv.fp(x, pp)[:, k]
        rows = slice(n, 2 * n)
        jm[rows, :n] = np.einsum("ilj,l->ij", hxx, qr)
        jm[rows, n] = hxp @ qr
        jm[rows, n + 1:2 * n + 1] = jac
        jm[rows, 2 * n + 1:3 * n + 1] = om * eye
        jm[rows, 3 * n + 1] = qi
        rows = slice(2 * n, 3 * n)
        jm[rows, :n] = np.einsum("ilj,l->ij", hxx, qi)
        jm[rows, n] = hxp @ qi
        jm[rows, n + 1:2 * n + 1] = -om * eye
        jm[rows, 2 * n + 1:3 * n + 1] = jac
        jm[rows, 3 * n + 1] = -qr
        jm[3 * n, n + 1:2 * n + 1] = cr
        jm[3 * n, 2 * n + 1:3 * n + 1] = ci
        jm[3 * n + 1, n + 1:2 * n + 1] = -ci
        jm[3 * n + 1, 2 * n + 1:3 * n + 1] = cr
        return r, jm

    z0 = np.concatenate([x0, [pb[k]], cr, ci, [omega0]])
    z, res, it = newton(fun, z0, tol=tol, what="Hopf location")
    return z[:n], float(z[n]), abs(float(z[3 * n + 1])), res, it
