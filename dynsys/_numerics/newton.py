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
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

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
                try:
                    out[k] = np.linalg.lstsq(jm[k], rhs[k], rcond=None)[0]
                except np.linalg.LinAlgError:  # "SVD did not converge": a singular step
                    singular[k] = True
                    continue
                singular[k] = not np.all(np.isfinite(out[k]))
        return np.where(singular[:, None], 0.0, out), singular


#: From this many states on, :func:`dedup_radius` computes one SVD per cluster of
#: converged points within 1e-3 of each other (they share one root), not per point.
_GROUP_STATES = 64
#: The ``stall`` window of :func:`deflated_newton` used for large systems.
STALL_STEPS = 12
_RUNNING, CONVERGED, _SINGULAR, _LEFT, _NONFINITE, _MAXITER, _KRYLOV, _STALLED = range(8)
REASONS = {
    _STALLED: f"residual stalled (no 10% decrease in {STALL_STEPS} Newton steps)",
    _SINGULAR: "singular Jacobian",
    _KRYLOV: "GMRES did not halve the residual (near-singular Jacobian)",
    _LEFT: "left the region",
    _NONFINITE: "non-finite values",
    _MAXITER: "no convergence within max_iter",
}


#: A residual this fraction of ``tol`` (1e-15 of the residual scale at the default
#: ``tol = 1e-10``) is round-off: a start there has converged whatever its step.
ROUNDOFF = 1e-5
#: A stalled start: its residual has not fallen below this fraction of its best within
#: ``stall`` steps.
STALL_FACTOR = 0.9


def deflated_newton(
    fz: Callable[[FloatArray], FloatArray], solver: Any,
    z0: FloatArray, known: FloatArray, *, tol: float, max_iter: int, xtol: float = 1e-9,
    power: float = 2.0, shift: float = 1.0, stall: int | None = None,
    large: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Batched damped (deflated, if ``known``) Newton; returns (points, status).

    With ``stall``, a start whose residual ``|F|_inf`` has not fallen below 0.9 times
    its best so far within ``stall`` steps gives up (status "stalled"): in a large
    network most random starts wander among non-zero minima of ``|F|``, and would
    otherwise use all ``max_iter`` steps.

    ``large`` (systems of :data:`~dynsys._numerics.linsolve.KRYLOV_STATES` states or
    more): the damping caps the step's max-norm at 0.5 (half the box in every
    coordinate; the 2-norm cap 0.5 of small systems would let a start cross a
    200-unit box only in dozens of steps), and a backtracking line search (at most 4
    halvings, Armijo factor 1e-4) on the deflated merit ``M(z) |F(z)|_2`` accepts a step.

    ``solver.solve(z, f, eta) -> (step, failed)`` gives the Newton steps of the active
    starts (:mod:`dynsys._numerics.linsolve`: dense, or inexact Newton-Krylov to the
    relative residual ``eta = min(0.1, |F|_2)``); converged and failed starts leave the
    batch at once (active set).
    """
    z = z0.copy()
    status = np.full(len(z), _RUNNING)
    failed_code = _SINGULAR if getattr(solver, "kind", "dense") == "dense" else _KRYLOV
    best = np.full(len(z), np.inf)
    since = np.zeros(len(z), dtype=int)
    # per start: the last step's length and ratio, and the last residual (large systems'
    # multiple-root acceleration)
    last_step = np.full(len(z), np.nan)
    last_ratio = np.full(len(z), np.nan)
    last_res = np.full(len(z), np.inf)
    for _ in range(max_iter):
        act = np.flatnonzero(status == _RUNNING)
        if act.size == 0:
            break
        za = z[act]
        fa = fz(za)
        bad = ~np.all(np.isfinite(fa), axis=1)
        status[act[bad]] = _NONFINITE
        fa = np.where(bad[:, None], 0.0, fa)
        if stall is not None:
            res = np.max(np.abs(fa), axis=1)
            better = res < STALL_FACTOR * best[act]
            best[act[better]] = res[better]
            since[act] = np.where(better, 0, since[act] + 1)
            gone = ~bad & (since[act] > stall) & (res > tol)
            status[act[gone]] = _STALLED
            bad = bad | gone
        eta = np.clip(np.linalg.norm(fa, axis=1), 1e-10, 0.1)
        delta, singular = solver.solve(za, fa, eta)
        # converged: small residual AND a small Newton step (so that a multiple root,
        # where |F| is flat, is located to xtol, not merely to tol in |F|), or a
        # residual at round-off (ROUNDOFF tol): there the step is noise amplified by the
        # nearly singular Jacobian of a multiple root, and never falls below xtol
        resid = np.max(np.abs(fa), axis=1)
        small = resid <= tol
        conv = ~bad & small & (singular | (np.max(np.abs(delta), axis=1) <= xtol)
                               | (resid <= ROUNDOFF * tol))
        status[act[conv]] = CONVERGED
        status[act[~bad & ~conv & singular]] = failed_code
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
        if large:
            delta = _multiple_root_steps(delta, act, resid[keep], last_step, last_ratio,
                                         last_res, near=MULTIPLE_NEAR * tol)
            norm = np.max(np.abs(delta), axis=1)
            delta *= np.minimum(1.0, 0.5 / np.maximum(norm, 1e-300))[:, None]
            delta = _backtrack(fz, za, fa[keep], delta, known, power, shift)
        else:
            norm = np.sqrt(np.sum(delta * delta, axis=1))
            delta *= np.minimum(1.0, 0.5 / np.maximum(norm, 1e-300))[:, None]  # damping
        znew = za + delta
        z[act] = znew
        left = np.any(np.abs(znew - 0.5) > 3.0, axis=1)
        status[act[left]] = _LEFT
    status[status == _RUNNING] = _MAXITER
    return z, status


#: Step-length ratios of a steady linear convergence (a multiple root) that
#: :func:`_multiple_root_steps` accelerates, and how steady they must be.
MULTIPLE_RATIOS = (0.3, 0.95)
MULTIPLE_STEADY = 0.05
#: ... and only where the residual is below this multiple of ``tol``.
MULTIPLE_NEAR = 1e4


def _multiple_root_steps(delta: FloatArray, act: np.ndarray, res: FloatArray,
                         last_step: FloatArray, last_ratio: FloatArray,
                         last_res: FloatArray, *, near: float) -> FloatArray:
    """Newton steps scaled by the estimated multiplicity where a start converges
    linearly to a multiple root (Schroeder's modification; Rall 1966).

    At a root where ``F`` vanishes to order ``m`` along the Jacobian's kernel (a
    pitchfork or a symmetric branch point at the bifurcation value: ``m = 3``), Newton
    converges linearly, each step ``(m - 1) / m`` of the one before, and needs dozens
    of steps to locate the root to ``xtol``. Where two consecutive step-length ratios
    agree (within :data:`MULTIPLE_STEADY`, relative) inside :data:`MULTIPLE_RATIOS`, the
    residual fell at both steps and is below ``near`` (:data:`MULTIPLE_NEAR` ``tol``:
    only near a root; the wandering starts of a random network keep plain steps, which
    find more roots there), the step is scaled by ``m = 1 / (1 - r)``; the
    ratio history then restarts. ``last_*`` (per start of the whole batch) are updated
    in place; ``act`` indexes the rows of ``delta`` into them.

    References
    ----------
    L. B. Rall, "Convergence of the Newton process to multiple solutions", Numer. Math.
    9, 23-37 (1966). E. Schroeder, Math. Ann. 2, 317-365 (1870).
    """
    step = np.max(np.abs(delta), axis=1)
    with np.errstate(all="ignore"):
        ratio = step / last_step[act]
    lo, hi = MULTIPLE_RATIOS
    steady = ((ratio > lo) & (ratio < hi)
              & (np.abs(ratio - last_ratio[act]) <= MULTIPLE_STEADY * ratio)
              & (res < last_res[act]) & (res <= near))
    out = delta.copy()
    out[steady] *= (1.0 / (1.0 - ratio[steady]))[:, None]
    last_step[act] = step
    last_ratio[act] = np.where(steady, np.nan, ratio)
    last_res[act] = res
    return out


def _merit(z: FloatArray, f: FloatArray, known: FloatArray, power: float,
           shift: float) -> FloatArray:
    """The deflated residual norm ``prod_j (|z - z_j|^-p + shift) |F|_2`` per row."""
    out = np.linalg.norm(f, axis=1)
    if known.size:
        d = z[:, None, :] - known[None, :, :]
        r2 = np.maximum(np.sum(d * d, axis=-1), 1e-300)
        out = out * np.prod(r2 ** (-power / 2) + shift, axis=1)
    return np.where(np.all(np.isfinite(f), axis=1), out, np.inf)


def _backtrack(fz: Callable[[FloatArray], FloatArray], z: FloatArray, f: FloatArray,
               delta: FloatArray, known: FloatArray, power: float, shift: float,
               halvings: int = 4) -> FloatArray:
    """Steps ``lambda delta`` with the merit decreased by the Armijo rule (``lambda``
    halved at most ``halvings`` times; the last one is taken regardless)."""
    phi0 = _merit(z, f, known, power, shift)
    lam = np.ones(len(z))
    todo = np.arange(len(z))
    for _ in range(halvings):
        zt = z[todo] + lam[todo, None] * delta[todo]
        phi = _merit(zt, fz(zt), known, power, shift)
        ok = phi <= (1.0 - 1e-4 * lam[todo]) * phi0[todo]
        todo = todo[~ok]
        if todo.size == 0:
            break
        lam[todo] *= 0.5
    return delta * lam[:, None]


def polish(
    fz: Callable[[FloatArray], FloatArray], solver: Any,
    z: FloatArray, iters: int = 8,
) -> tuple[FloatArray, FloatArray]:
    """Plain Newton, keeping for each point the iterate with the smallest residual
    (Newton-Krylov steps to ``eta = 1e-3 min(1, |F|_2)``, floored at 1e-10)."""
    best = z.copy()
    best_res = np.max(np.abs(fz(best)), axis=1)
    cur = z.copy()
    for _ in range(iters):
        f = fz(cur)
        f = np.where(np.isfinite(f), f, 0.0)
        eta = np.clip(1e-3 * np.linalg.norm(f, axis=1), 1e-10, 1e-3)
        step, singular = solver.solve(cur, f, eta)
        cur = cur + step
        res = np.max(np.abs(fz(cur)), axis=1)
        better = np.isfinite(res) & (res < best_res)
        best[better], best_res[better] = cur[better], res[better]
        if np.all(singular):
            break
    return best, best_res


def representatives(z: FloatArray, radius: float = 1e-6) -> np.ndarray:
    """Indices of one point per cluster of ``z`` (links of ``radius``, max-norm): the
    converged copies of one root, polished once (large systems)."""
    if len(z) < 2:
        return np.arange(len(z))
    pairs = cKDTree(z).query_pairs(r=radius, p=np.inf, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                       shape=(len(z), len(z)))
    _, label = connected_components(graph, directed=False)
    _, first = np.unique(label, return_index=True)
    return np.sort(first)


def dedup(points: FloatArray, known: FloatArray, tol: float | FloatArray) -> FloatArray:
    """Points farther than ``tol`` (max-norm; one radius per point, or one for all)
    from every known point and from every point kept before them."""
    radii = np.broadcast_to(np.asarray(tol, dtype=np.float64), (len(points),))
    new: list[FloatArray] = []
    for p, r in zip(points, radii, strict=True):
        pool = [*known, *new]
        if pool and np.min(np.max(np.abs(np.asarray(pool) - p), axis=1)) <= r:
            continue
        new.append(p)
    return np.asarray(new).reshape(-1, points.shape[1])


def dedup_radius(jz: Callable[[FloatArray], FloatArray], z: FloatArray, known: FloatArray,
                 tol: float) -> tuple[FloatArray, int]:
    """Per-root de-duplication radius (box-scaled), and the count of failed SVDs.

    A root known to residual ``tol`` is known to about ``tol / sigma_min`` in position
    (``sigma_min`` the smallest singular value of the scaled Jacobian), so the radius is
    ``clip(10 tol / sigma_min, 1e-7, 1e-3)``: 1e-7 (the former fixed radius) for a
    well-conditioned root, wider for an ill-conditioned one, whose polished copies
    scatter. A failed SVD (``LinAlgError``, a non-finite Jacobian) gets 1e-3. Only
    points with another point (of ``z`` or ``known``) within 1e-3 (max-norm) need
    the SVD; the others keep 1e-7. From ``_GROUP_STATES`` (64) states on, such points
    are clustered (links of 1e-3) and one SVD per cluster serves all its members.
    """
    radius = np.full(len(z), 1e-7)
    failures = 0
    if len(z) == 0:
        return radius, failures
    tree = cKDTree(np.vstack([z, known]))
    counts = tree.query_ball_point(z, r=1e-3, p=np.inf, return_length=True)
    near = np.flatnonzero(np.asarray(counts) > 1)
    if near.size == 0:
        return radius, failures
    if z.shape[1] >= _GROUP_STATES:  # one SVD per cluster of near points (large n)
        pairs = cKDTree(z[near]).query_pairs(r=1e-3, p=np.inf, output_type="ndarray")
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                           shape=(near.size, near.size))
        _, label = connected_components(graph, directed=False)
        reps = [near[label == c] for c in np.unique(label)]
    else:
        reps = [near[i:i + 1] for i in range(near.size)]
    for group in reps:
        try:
            with np.errstate(all="ignore"):
                jac = jz(z[group[:1]])[0]
            if not np.all(np.isfinite(jac)):
                raise np.linalg.LinAlgError("non-finite Jacobian")
            smin = float(np.linalg.svd(jac, compute_uv=False).min())
        except np.linalg.LinAlgError:
            failures += group.size
            radius[group] = 1e-3
            continue
        radius[group] = 1e-3 if smin <= 0 else min(1e-3, max(1e-7, 10 * tol / smin))
    return radius, failures


def euler_ends(
    fz: Callable[[FloatArray], FloatArray], solver: Any,
    z0: FloatArray, steps: int,
) -> FloatArray:
    """End points of short forward-Euler runs (attractors' neighbourhoods); the step is
    ``0.2 / solver.rate(z0)`` (the fastest rate over the starts), or ``0.2 /
    max_i sum_j |J_ij|`` when ``solver`` is a dense Jacobian function ``jz``."""
    if hasattr(solver, "rate"):
        rate = solver.rate(z0)
    else:
        rate = float(np.nanmax(np.sum(np.abs(solver(z0)), axis=2)))
    dt = 0.2 / max(rate, 1e-12)
    z = euler(fz, z0, dt, steps, allow_nonfinite=True, what="seeding run")
    return z[np.all(np.isfinite(z), axis=1)]


def newton(fun: Callable[[FloatArray], tuple[FloatArray, Any]], z0: FloatArray, *,
           tol: float = 1e-11, max_iter: int = 20, what: str = "Newton",
           accept: float | None = None,
           solve: Callable[[Any, FloatArray], FloatArray] = np.linalg.solve,
           ) -> tuple[FloatArray, float, int]:
    """Newton's method for a square system; ``fun(z) -> (residual, jacobian)``.

    The one Newton of the package for a single point: ``z <- z + solve(J(z), -F(z))``,
    with the max-norm residual ``|F(z)|_inf`` checked before every step (dense by
    default; a sparse Jacobian with ``solve=`` a sparse LU, as
    :func:`dynsys.bifurcation._bordered.sparse_newton` does).

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
    solve : callable
        ``solve(J, b)``, raising ``LinAlgError`` for a singular ``J``.

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
    singular = ""
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
            dz = solve(jm, -r)
        except np.linalg.LinAlgError:
            singular = ", singular Jacobian"
            break
        z = z + dz
        # A step that no longer moves the iterate: accept at round-off level.
        if np.max(np.abs(dz)) <= 1e-15 * (1.0 + np.max(np.abs(z))) and res <= 1e3 * tol:
            return z, res, it + 1
    raise ConvergenceError(
        f"{what} did not converge (residual {history[-1]:.3g} after {len(history) - 1} "
        f"iterations{singular})", last_iterate=z, history=tuple(history))
