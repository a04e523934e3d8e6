"""Precise location of fold, Hopf and branch points of equilibria, and of every special
point along a computed branch.

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
(:mod:`dynsys.bifurcation.codim2`).

References
----------
Govaerts, W. (2000). Numerical Methods for Bifurcations of Dynamical Equilibria. SIAM.
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
Chapter 10.

:func:`locate_special_points` runs these locators on every sign change of a test
function along a computed branch (:mod:`dynsys.bifurcation.continuation`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsys._numerics.newton import newton
from dynsys._types import ComplexArray, FloatArray
from dynsys.analysis._rightmost import branch_eigenvalues
from dynsys.analysis.stability import TOL_HYPERBOLIC
from dynsys.bifurcation._arclength import FJ, _sign_changes
from dynsys.bifurcation.normal_forms import fold_coefficients, hopf_coefficients
from dynsys.bifurcation.points import (
    PointType,
    SpecialPoint,
    _full_params,
    _hopf_test,
    _state_dict,
    failure_reason,
)
from dynsys.core.derivatives import Derivatives, derivatives
from dynsys.errors import ConvergenceError, ModelError

__all__ = [
    "CONTINUUM_NOTE",
    "BorderedFold",
    "illinois",
    "locate_fold",
    "locate_hopf",
    "locate_special_points",
    "refine_branch_point",
    "reindex_points",
    "zero_throughout",
]

#: What a branch says when :func:`zero_throughout` holds.
CONTINUUM_NOTE = ("a zero eigenvalue at every point: the equilibria are not isolated (a "
                  "curve or surface of them, e.g. every rotation of a ring's bump), so "
                  "folds and branch points, whose tests need isolated equilibria, are not "
                  "sought along this branch")


def zero_throughout(ev: ComplexArray) -> bool:
    """Does every point of a branch have an eigenvalue on zero (``|lambda| <=
    TOL_HYPERBOLIC max(1, max |lambda|)``)?

    Then ``F_x`` is singular along the whole branch: its equilibria are not isolated
    (a continuous symmetry, such as the rotations of a bump on a ring attractor, or a
    conserved quantity), the branch is one path on a surface of equilibria, and the
    fold and branch-point test functions (``det``, the tangent's parameter component,
    eigenvalue counts) change sign on rounding noise, while their locators converge
    anywhere (Moore's system and the minimally augmented fold system are solved at
    every point).

    Examples
    --------
    >>> zero_throughout(np.array([[1e-13, -1.0], [-2e-12, -2.0]]))
    True
    >>> zero_throughout(np.array([[1e-13, -1.0], [0.1, -2.0]]))
    False
    """
    ev = np.asarray(ev, dtype=np.complex128)
    if ev.ndim != 2 or len(ev) < 2 or ev.shape[1] == 0:
        return False
    scale = np.maximum(1.0, np.abs(ev).max(axis=1))
    return bool(np.all(np.abs(ev).min(axis=1) <= TOL_HYPERBOLIC * scale))


def illinois(fun: Callable[[float], float], a: float, b: float, fa: float, fb: float, *,
             xtol: float = 1e-13, max_iter: int = 100, ftol: float = 0.0) -> float:
    """Root of ``fun`` in [a, b] (``fa``, ``fb`` of opposite sign) by the Illinois method.

    Stops when the bracket is below ``xtol`` (relative) or ``|fun| <= ftol``.
    """
    side = 0
    for _ in range(max_iter):
        if fb == fa:
            break
        c = (a * fb - b * fa) / (fb - fa)
        fc = fun(c)
        if abs(fc) <= ftol or abs(b - a) <= xtol * (1.0 + abs(a) + abs(b)):
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


def locate_special_points(system: Any, param: str, k: int, p_base: FloatArray, us: FloatArray,
                   ts: FloatArray, jacs: FloatArray, ev: ComplexArray, fj: FJ,
                   locate: bool, bp_test: FloatArray | None = None) -> list[SpecialPoint]:
    """Detect and locate the special points of a traced branch (see the module docstring).

    ``bp_test``, when given, is the branch-point test function at every point (e.g. the
    sign of the bordered determinant from a sparse LU, :func:`~dynsys.bifurcation.
    _bordered.det_sign`); otherwise it is the dense determinant of ``[[J, F_p], [t^T]]``
    built from ``jacs``.
    """
    n = system.n
    names = tuple(system.state_names)
    found: list[SpecialPoint] = []
    deriv = derivatives(system) if locate else None
    singular = zero_throughout(ev)  # then no folds or branch points (CONTINUUM_NOTE)

    def allp(varied: Mapping[str, float]) -> dict[str, float]:
        return _full_params(system.param_names, p_base, varied)

    def interp(i: int, g: FloatArray) -> tuple[FloatArray, float]:
        w = g[i] / (g[i] - g[i + 1])
        return us[i] + w * (us[i + 1] - us[i]), float(w)

    # folds
    for i in [] if singular else _sign_changes(ts[:, n]):
        u_g, _ = interp(i, ts[:, n])
        x, a_val = u_g[:n], float(u_g[n])
        data: dict[str, Any] = {"reason": _NOT_ASKED if deriv is None else None}
        if deriv is not None:
            p = p_base.copy()
            p[k] = a_val
            try:
                x1, a1, res, it = locate_fold(deriv, u_g[:n], p, k)
                if _near(np.append(x1, a1), us[i], us[i + 1]):
                    x, a_val = x1, a1
                    p[k] = a_val
                    nf = fold_coefficients(deriv.fx(x, p), deriv.hxx(x, p), deriv.fp(x, p)[:, k])
                    data = {"a": nf.a, "transversality": nf.transversality,
                            "residual": res, "newton_iterations": it, "located": True,
                            "exact_derivatives": deriv.exact}
                else:
                    data["reason"] = _FAR
            except (ConvergenceError, ModelError, np.linalg.LinAlgError) as exc:
                data["reason"] = failure_reason(exc)
        kind = PointType.FOLD
        if data.get("located") and deriv is not None:
            mult = kernel_dimension(deriv.fx(x, p))
            if mult >= 2:  # the parameter turns where this branch meets another one
                kind, data["multiplicity"] = PointType.BRANCH_POINT, mult
                data.pop("a"), data.pop("transversality")
        found.append(SpecialPoint(kind, allp({param: a_val}),
                                  _state_dict(names, x), index=i, varied=(param,), **data))
    # Hopf points
    if n >= 2:
        gh = _hopf_test(ev)
        # a complex pair crossing changes the count of eigenvalues right of the axis by
        # two; the test function also changes sign at a neutral saddle (excluded below)
        # and, on a large system's rightmost eigenvalues only, whenever a pair enters or
        # leaves the computed set (the 1000-unit E-I network reported two Hopf points
        # where every eigenvalue stays left of -0.27)
        tol = 1e-12 * (1.0 + np.abs(ev))
        right = np.sum(ev.real > tol, axis=1)  # strictly right of the axis
        on = np.sum(ev.real >= -tol, axis=1)  # right of it or on it (a start at the point)
        for i in _sign_changes(gh):
            if max(on[i], on[i + 1]) - min(right[i], right[i + 1]) < 2:
                continue
            u_g, w = interp(i, gh)
            j_g = jacs[i] + w * (jacs[i + 1] - jacs[i])
            evals, evecs = np.linalg.eig(j_g)
            cand = np.argsort(np.abs(evals.real))
            kk = next((c for c in cand if evals[c].imag > 1e-12), None)
            if kk is None:
                continue  # a neutral saddle (real pair +-mu), not a Hopf point
            x, a_val = u_g[:n], float(u_g[n])
            omega = float(evals[kk].imag)
            data = {"omega": omega, "reason": _NOT_ASKED if deriv is None else None}
            if deriv is not None:
                p = p_base.copy()
                p[k] = a_val
                try:
                    x1, a1, om, res, it = locate_hopf(deriv, x, p, k, evecs[:, kk], omega)
                    if om > 1e-10 and _near(np.append(x1, a1), us[i], us[i + 1]):
                        x, a_val = x1, a1
                        p[k] = a_val
                        nf = hopf_coefficients(deriv.fx(x, p), deriv.hxx(x, p),
                                               deriv.txxx(x, p), om)
                        data = {"omega": nf.omega, "l1": nf.l1, "criticality": nf.criticality,
                                "residual": res, "newton_iterations": it, "located": True,
                                "exact_derivatives": deriv.exact}
                    else:
                        data["reason"] = _FAR
                except (ConvergenceError, ModelError, np.linalg.LinAlgError) as exc:
                    data["reason"] = failure_reason(exc)
            found.append(SpecialPoint(PointType.HOPF, allp({param: a_val}),
                                      _state_dict(names, x), index=i, varied=(param,), **data))
    # branch points
    if len(us) > 1 and not singular:
        if bp_test is not None:
            det = np.asarray(bp_test, dtype=np.float64)
        else:
            ps = np.broadcast_to(p_base, (len(us), len(p_base))).copy()
            ps[:, k] = us[:, n]
            fp_col = np.asarray(system.dfdp(us[:, :n], ps), dtype=np.float64)[:, :, k]
            aug = np.concatenate([np.concatenate([jacs, fp_col[:, :, None]], axis=2),
                                  ts[:, None, :]], axis=1)
            det = np.linalg.det(aug)
        for i in _sign_changes(det):
            bp = _locate_branch_point(fj, us[i], us[i + 1], n, param, names, i)
            found.append(dataclasses.replace(bp, params=allp(bp.params), index=i,
                                             varied=(param,)))
            if bp.located:
                # a branch that turns at a branch point (the parabola of a pitchfork) flags
                # a fold there too; as in MatCont, a fold needs a non-zero BP test
                here = np.append([bp.state[nm] for nm in names], bp.params[param])
                reach = float(np.linalg.norm(us[i + 1] - us[i]))
                found = [sp for sp in found if not (
                    sp.type is PointType.FOLD and abs(sp.index - i) <= 1
                    and float(np.linalg.norm(np.append([sp.state[nm] for nm in names],
                                                       sp.params[param]) - here)) <= reach)]
    # an even number of real eigenvalues crossing 0 together (a symmetric network's
    # symmetry-breaking point) changes the sign of neither det J nor the BP test above
    taken = {sp.index for sp in found}
    for i, lo, mult in [] if singular else _even_real_crossings(ev):
        if any(sp.index == i and sp.type is PointType.BRANCH_POINT for sp in found):
            # the BP test changed sign too (a start exactly on the point, where the
            # determinant is rounding noise): that branch point is this crossing
            found = [dataclasses.replace(sp, multiplicity=mult)
                     if sp.index == i and sp.type is PointType.BRANCH_POINT else sp
                     for sp in found]
        elif i not in taken:
            bp = _locate_multiple(fj, us[i], us[i + 1], n, param, names, i, lo)
            found.append(dataclasses.replace(bp, params=allp(bp.params), varied=(param,),
                                             multiplicity=mult))
    found.sort(key=lambda sp: sp.index)
    return found


#: Relative singular value below which a direction counts in :func:`kernel_dimension`.
KERNEL_TOL = 1e-6
#: Largest system whose located folds get the SVD of :func:`kernel_dimension`.
KERNEL_STATES = 500


def kernel_dimension(jac: FloatArray) -> int:
    """How many singular values of ``jac`` are below :data:`KERNEL_TOL` of the largest
    (1 for a system above :data:`KERNEL_STATES` states: not computed).

    A fold (saddle-node) has a one-dimensional kernel. Where the parameter turns at a
    point with a kernel of dimension 2 or more, the branch is meeting another one at a
    multiple branch point: the bump family of a 16-unit ring attractor turns at the
    uniform state's symmetry-breaking point g = 2 / w1 (kernel: the cosine and sine
    modes), where its "fold" had the normal-form coefficient a ~ 1e-6, i.e. none.

    Examples
    --------
    >>> import numpy as np
    >>> kernel_dimension(np.diag([0.0, 1e-12, -1.0])), kernel_dimension(np.diag([0.0, 2.0]))
    (2, 1)
    """
    n = jac.shape[0]
    if n > KERNEL_STATES or not np.all(np.isfinite(jac)):
        return 1
    sv = np.linalg.svd(jac, compute_uv=False)
    return int(np.sum(sv <= KERNEL_TOL * max(1.0, float(sv[0]))))


def _even_real_crossings(ev: ComplexArray) -> list[tuple[int, int, int]]:
    """Segments ``(i, lo, m)`` where ``m`` (even, >= 2) real eigenvalues cross zero.

    ``ev`` is sorted by real part, descending (all eigenvalues, or the rightmost few of
    a large system): the crossing ones are at positions ``lo .. lo + m - 1`` at both
    ends of the segment, and must be real there (a complex pair crossing is a Hopf
    point, a complex pair turning into a real one away from the axis is nothing).
    """
    re = ev.real
    scale = 1.0 + np.abs(ev)
    pos = np.sum(re > 1e-12 * scale, axis=1)
    out = []
    for i in range(len(ev) - 1):
        m = int(abs(pos[i + 1] - pos[i]))
        if m == 0 or m % 2 or min(pos[i], pos[i + 1]) + m > ev.shape[1]:
            continue
        lo = int(min(pos[i], pos[i + 1]))
        ends = ev[i:i + 2, lo:lo + m]
        if np.all(np.abs(ends.imag) <= 1e-9 * scale[i:i + 2, lo:lo + m]):
            out.append((i, lo, m))
    return out


def _hyperplane_points(fj: FJ, ua: FloatArray, ub: FloatArray, what: str, *,
                      stack: Callable[[Any, FloatArray], Any] | None = None,
                      solver: Callable[..., tuple[FloatArray, float, int]] = newton,
                      ) -> tuple[Callable[[float], FloatArray], dict[float, FloatArray]]:
    """``(point, cache)``: ``point(s)`` is the branch's point on the hyperplane through
    ``ua + s (ub - ua)`` normal to the chord (Newton, from the nearest point found so far
    moved to the hyperplane: from the chord itself, Newton can land on another branch
    through a branch point); ``cache`` maps each ``s`` asked to its point.

    ``stack(d, c)`` borders the Jacobian ``d`` with the chord row ``c`` (default
    ``np.vstack([d, c])``) and ``solver`` is the Newton that solves the bordered system:
    dense by default, sparse
    (``_bordered.bordered``, ``_bordered.sparse_newton``) for large sparse systems."""
    chord = ub - ua
    c = chord / np.linalg.norm(chord)
    cache: dict[float, FloatArray] = {}

    def point(s: float) -> FloatArray:
        base = ua + s * chord
        guess = base
        if cache:
            s0 = min(cache, key=lambda r: abs(r - s))
            guess = cache[s0] + (s - s0) * chord

        def fun(w: FloatArray) -> tuple[FloatArray, Any]:
            f, d = fj(w)
            return (np.concatenate([f, [c @ (w - base)]]),
                    np.vstack([d, c]) if stack is None else stack(d, c))

        w, _, _ = solver(fun, guess, tol=1e-11, max_iter=30, what=what)
        cache[s] = w
        return w

    return point, cache


def _locate_multiple(fj: FJ, ua: FloatArray, ub: FloatArray, n: int, param: str,
                     names: tuple[str, ...], i: int, lo: int) -> SpecialPoint:
    """Locate where the eigenvalue at position ``lo`` (real part descending) crosses 0
    between ``ua`` and ``ub``: Illinois on ``s`` along the chord (tolerance 1e-13),
    each ``s`` a point of the branch on the chord's normal hyperplane.

    The points are corrected by minimum-norm Gauss-Newton from the chord (singular
    directions below 1e-6 of the largest ignored): near the point the Jacobian has a
    kernel of dimension ``m`` (the symmetry-breaking directions), in which plain Newton
    drifts (the residual is only quadratic there, so a 1e-16 residual allows a 1e-8
    drift); the minimum-norm step never moves along the kernel, so a symmetric branch's
    point stays symmetric.
    """
    chord = ub - ua
    c = chord / np.linalg.norm(chord)

    def point(s: float) -> FloatArray:
        base = ua + s * chord
        w = base.copy()
        for _ in range(20):
            f, d = fj(w)
            r = np.concatenate([f, [c @ (w - base)]])
            if np.max(np.abs(r)) <= 1e-14 * (1.0 + np.max(np.abs(w))):
                return w
            step = np.linalg.lstsq(np.vstack([d, c]), r, rcond=1e-6)[0]
            w = w - step
            if np.max(np.abs(step)) <= 1e-15 * (1.0 + np.max(np.abs(w))):
                return w
        if np.max(np.abs(fj(w)[0])) > 1e-9 * (1.0 + np.max(np.abs(w))):
            raise ConvergenceError("branch point location: minimum-norm Newton did not "
                                   "converge on the hyperplane")
        return w

    def test(s: float) -> float:
        jac = fj(point(s))[1][:, :n]
        return float(branch_eigenvalues(jac[None], k=lo + 3)[0][0, lo].real)

    try:
        ga, gb = test(0.0), test(1.0)
        if ga * gb > 0:
            raise ConvergenceError("the crossing eigenvalue has one sign at both ends")
        s = illinois(test, 0.0, 1.0, ga, gb, xtol=1e-13)
        w = point(s)
        data: dict[str, Any] = {"located": True,
                                "residual": float(np.max(np.abs(fj(w)[0])))}
    except (ConvergenceError, np.linalg.LinAlgError) as exc:
        w = 0.5 * (ua + ub)
        data = {"reason": failure_reason(exc)}
    return SpecialPoint(PointType.BRANCH_POINT, {param: float(w[n])},
                        _state_dict(names, w[:n]), index=i, **data)


_NOT_ASKED = "location not asked for (settings.locate is False)"
_FAR = "Newton converged to a point away from the detecting segment"


def reindex_points(specials: list[SpecialPoint], located: list[SpecialPoint], where: list[int]
             ) -> list[SpecialPoint]:
    """Indices after inserting the located points (at original positions ``where``)."""
    out = []
    for sp in specials:
        if sp in located:
            k = located.index(sp)
            index = where[k] + k  # its own position on the branch
        else:
            index = sp.index + sum(1 for w in where if w <= sp.index)
        out.append(dataclasses.replace(sp, index=index))
    return out


def _near(z: FloatArray, a: FloatArray, b: FloatArray) -> bool:
    """Is z within (a generous multiple of) the segment a-b?"""
    seg = float(np.linalg.norm(b - a))
    return float(min(np.linalg.norm(z - a), np.linalg.norm(z - b))) <= 2.0 * seg + 1e-8


def _locate_branch_point(fj: FJ, ua: FloatArray, ub: FloatArray, n: int, param: str,
                         names: tuple[str, ...], i: int) -> SpecialPoint:
    c = (ub - ua) / np.linalg.norm(ub - ua)
    point, _ = _hyperplane_points(fj, ua, ub, "branch point location")

    def test(s: float) -> float:
        w = point(s)
        _, d = fj(w)
        return float(np.linalg.det(np.vstack([d, c])))

    w = 0.5 * (ua + ub)
    rooted = False
    reason = "the test function jumps instead of crossing zero (Newton changed branches)"
    try:
        ga, gb = test(0.0), test(1.0)
        s = illinois(test, 0.0, 1.0, ga, gb, xtol=1e-13)
        w = point(s)
        # a root of the test function, not a jump of it (Newton changing branches)
        rooted = abs(test(s)) <= 1e-8 * max(abs(ga), abs(gb)) and _near(w, ua, ub)
    except (ConvergenceError, np.linalg.LinAlgError) as exc:
        reason = failure_reason(exc)
    data: dict[str, Any] = {}
    try:
        w1, res, it = refine_branch_point(fj, w, n)
        if _near(w1, ua, ub):
            w, rooted = w1, True
            data = {"residual": res, "newton_iterations": it}
    except (ConvergenceError, np.linalg.LinAlgError):
        pass  # the bisection's root (when there is one) stands, else ``reason`` says why
    if rooted:
        data.setdefault("residual", float(np.max(np.abs(fj(w)[0]))))
        data["located"] = True
    else:
        w = 0.5 * (ua + ub)
        data["reason"] = reason
    return SpecialPoint(PointType.BRANCH_POINT, {param: float(w[n])},
                        _state_dict(names, w[:n]), index=i, **data)


