"""Batched damped Newton with deflation, polish and de-duplication (n-D equilibria).

Private helpers of :func:`dynsys.analysis.equilibria.find_equilibria`, in box-scaled
coordinates ``z`` (the region is the unit box).

References
----------
Farrell, P. E., Birkisson, A. and Funke, S. W. (2015). Deflation techniques for finding
distinct solutions of nonlinear partial differential equations. *SIAM J. Sci. Comput.*
37(4), A2026-A2045.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dynsys._numerics.stepping import euler
from dynsys._types import FloatArray
from dynsys.errors import ConvergenceError


def batched_solve(jm: FloatArray, rhs: FloatArray) -> tuple[FloatArray, Any]:
    """Solve ``J s = rhs`` for a batch; returns (s, singular mask)."""
    try:
        sol = np.linalg.solve(jm, rhs[..., None])[..., 0]
        singular = ~np.all(np.isfinite(sol), axis=-1)
        return np.where(singular[:, None], 0.0, sol), singular
    except np.linalg.LinAlgError:
        out = np.zeros_like(rhs)
        singular = np.zeros(len(rhs), dtype=bool)
        for k in range(len(rhs)):
            try:
                out[k] = np.linalg.solve(jm[k], rhs[k])
            except np.linalg.LinAlgError:
                out[k] = np.linalg.lstsq(jm[k], rhs[k], rcond=None)[0]
                singular[k] = not np.all(np.isfinite(out[k]))
        return np.where(singular[:, None], 0.0, out), singular


_RUNNING, CONVERGED, _SINGULAR, _LEFT, _NONFINITE, _MAXITER = range(6)
REASONS = {
    _SINGULAR: "singular Jacobian",
    _LEFT: "left the region",
    _NONFINITE: "non-finite values",
    _MAXITER: "no convergence within max_iter",
}


def deflated_newton(
    fz: Callable[[FloatArray], FloatArray], jz: Callable[[FloatArray], FloatArray],
    z0: FloatArray, known: FloatArray, *, tol: float, max_iter: int, xtol: float = 1e-9,
    power: float = 2.0, shift: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Batched damped (deflated, if ``known``) Newton; returns (points, status)."""
    z = z0.copy()
    status = np.full(len(z), _RUNNING)
    for _ in range(max_iter):
        act = np.flatnonzero(status == _RUNNING)
        if act.size == 0:
            break
        za = z[act]
        fa = fz(za)
        bad = ~np.all(np.isfinite(fa), axis=1)
        status[act[bad]] = _NONFINITE
        fa = np.where(bad[:, None], 0.0, fa)
        delta, singular = batched_solve(jz(za), -fa)
        # converged: small residual AND a small Newton step (so that a multiple root,
        # where |F| is flat, is located to xtol, not merely to tol in |F|)
        small = np.max(np.abs(fa), axis=1) <= tol
        conv = ~bad & small & (singular | (np.max(np.abs(delta), axis=1) <= xtol))
        status[act[conv]] = CONVERGED
        status[act[~bad & ~conv & singular]] = _SINGULAR
        keep = ~bad & ~conv & ~singular
        act, za, delta = act[keep], za[keep], delta[keep]
        if act.size == 0:
            break
        if known.size:
            d = za[:, None, :] - known[None, :, :]
            r2 = np.maximum(np.sum(d * d, axis=-1), 1e-300)
            m = r2 ** (-power / 2) + shift
            grad_log = np.sum((-power * r2 ** (-power / 2 - 1) / m)[..., None] * d, axis=1)
            denom = 1.0 - np.sum(grad_log * delta, axis=1)
            alpha = np.where(np.abs(denom) > 1e-12, 1.0 / denom, 1.0)
            delta = delta * np.clip(alpha, -1e3, 1e3)[:, None]
        norm = np.sqrt(np.sum(delta * delta, axis=1))
        delta *= np.minimum(1.0, 0.5 / np.maximum(norm, 1e-300))[:, None]  # damping
        znew = za + delta
        z[act] = znew
        left = np.any(np.abs(znew - 0.5) > 3.0, axis=1)
        status[act[left]] = _LEFT
    status[status == _RUNNING] = _MAXITER
    return z, status


def polish(
    fz: Callable[[FloatArray], FloatArray], jz: Callable[[FloatArray], FloatArray],
    z: FloatArray, iters: int = 8,
) -> tuple[FloatArray, FloatArray]:
    """Plain Newton, keeping for each point the iterate with the smallest residual."""
    best = z.copy()
    best_res = np.max(np.abs(fz(best)), axis=1)
    cur = z.copy()
    for _ in range(iters):
        f = fz(cur)
        step, singular = batched_solve(jz(cur), -f)
        cur = cur + step
        res = np.max(np.abs(fz(cur)), axis=1)
        better = np.isfinite(res) & (res < best_res)
        best[better], best_res[better] = cur[better], res[better]
        if np.all(singular):
            break
    return best, best_res


def dedup(points: FloatArray, known: FloatArray, tol: float) -> FloatArray:
    new: list[FloatArray] = []
    for p in points:
        pool = [*known, *new]
        if pool and np.min(np.max(np.abs(np.asarray(pool) - p), axis=1)) <= tol:
            continue
        new.append(p)
    return np.asarray(new).reshape(-1, points.shape[1])


def euler_ends(
    fz: Callable[[FloatArray], FloatArray], jz: Callable[[FloatArray], FloatArray],
    z0: FloatArray, steps: int,
) -> FloatArray:
    """End points of short forward-Euler runs (attractors' neighbourhoods)."""
    rate = float(np.nanmax(np.sum(np.abs(jz(z0)), axis=2)))
    dt = 0.2 / max(rate, 1e-12)
    z = euler(fz, z0, dt, steps, allow_nonfinite=True, what="seeding run")
    return z[np.all(np.isfinite(z), axis=1)]


def newton(fun: Callable[[FloatArray], tuple[FloatArray, FloatArray]], z0: FloatArray, *,
           tol: float = 1e-11, max_iter: int = 20, what: str = "Newton",
           accept: float | None = None) -> tuple[FloatArray, float, int]:
    """Newton's method for a square system; ``fun(z) -> (residual, jacobian)``.

    The one dense Newton of the package: ``z <- z + solve(J(z), -F(z))``, with the
    max-norm residual ``|F(z)|_inf`` checked before every step.

    Parameters
    ----------
    fun : callable
        ``fun(z) -> (F(z), F_z(z))`` with shapes ``(k,)`` and ``(k, k)``.
    z0 : array (k,)
        Starting point.
    tol : float
        Converged when ``|F(z)|_inf <= tol``. A step that no longer moves the iterate
        (``|dz|_inf <= 1e-15 (1 + |z|_inf)``) is accepted when ``|F| <= 1e3 tol``.
    max_iter : int
        Most Newton steps; the residual of the iterate after the last one is checked too.
    what : str
        Names the problem in the error message.
    accept : float, optional
        A looser tolerance: when ``max_iter`` steps are used up, an iterate whose own
        residual is at most ``accept`` is returned (its residual is returned with it,
        so the caller can report it). Never a silent best guess: the iterate returned
        is the one whose residual was checked against ``accept``.

    Returns
    -------
    (z, residual, iterations)

    Raises
    ------
    ConvergenceError
        When the residual does not fall below ``tol`` (or ``accept``), the Jacobian is
        singular or a value is not finite; ``history`` holds the residual of every
        iterate and ``last_iterate`` the last one.

    Examples
    --------
    >>> import numpy as np
    >>> z, res, it = newton(lambda z: (z**2 - 2.0, np.diag(2.0 * z)), np.array([1.0]))
    >>> round(float(z[0]), 10), res <= 1e-11
    (1.4142135624, True)
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
            if accept is not None and res <= accept:
                return z, res, it
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
