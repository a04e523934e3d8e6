"""Tracing a curve of equilibria (a one-dimensional continuum) through the region.

A system with a continuous symmetry has whole curves of equilibria: the ring
attractor's bumps (every rotation of one bump), ``x' = x (1 - x^2 - y^2)`` and its
circle. The point search lands on a few points of such a curve; :func:`trace_curve`
follows the curve from one of them, so that the points on it are reported as one set,
with its extent and whether it closes on itself.

Method: pseudo-arclength continuation without a parameter (Keller 1977; Allgower &
Georg 1990, ch. 2-3), in the box-scaled coordinates ``z`` of the search. Along the curve
``F(z) = 0`` has rank ``n - 1`` and a one-dimensional kernel, the tangent ``t``. A step
predicts ``z + h t``; the corrector is Newton on the bordered system

    [[J, t], [t^T, 0]] [dz, mu] = [-F(z), -t . (z - z_pred)],

which is regular where ``t`` is not orthogonal to the left kernel of ``J`` (always, for
a symmetric Jacobian); the new tangent solves the same matrix with right-hand side
``[0, 1]``. Tolerances: converged when ``|F|_inf <= tol`` within :data:`CORRECTOR_STEPS`
Newton steps and the corrected point is within ``h / 2`` of the prediction, with the
tangent turned by less than ``acos(0.9)``; otherwise ``h`` is halved (down to
:data:`H_MIN` ``sqrt(n)``). ``h`` grows by 1.5 after a corrector of at most three steps,
up to :data:`H_MAX` ``sqrt(n)``. A direction ends when the curve leaves the region (a
step that would leave it is halved until the last point is within ``H_MIN sqrt(n)`` of
the boundary), the
step falls below its minimum (an end or a branch point of the curve), or after
:data:`TRACE_STEPS` points; the curve is *closed* when it returns to its first point.

References
----------
H. B. Keller, "Numerical solution of bifurcation and nonlinear eigenvalue problems",
in *Applications of Bifurcation Theory*, Academic Press, 359-384 (1977).
E. L. Allgower and K. Georg, *Numerical Continuation Methods*, Springer (1990).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dynsys._types import FloatArray

__all__ = ["Trace", "on_path", "trace_curve"]

#: Newton steps of one corrector.
CORRECTOR_STEPS = 6
#: Largest and smallest step, times ``sqrt(n)`` (box-scaled 2-norm: the box's diagonal).
H_MAX = 0.05
H_MIN = 1e-4
#: Points traced in each direction at most.
TRACE_STEPS = 400
_EDGE = 1e-9

Fn = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True)
class Trace:
    """A traced curve: ``points`` (box-scaled, in order along the curve, the start
    among them), ``closed`` when it returned to its start, and ``ends``: why each
    direction stopped ("closed", "left the region", "ended (the corrector failed: an
    end or a branch point of the curve)", "step budget")."""

    points: FloatArray
    closed: bool
    ends: tuple[str, ...]
    steps: int


def _bordered(jac: FloatArray, t: FloatArray, rhs: FloatArray) -> FloatArray | None:
    """Solve ``[[J, t], [t^T, 0]] u = rhs`` (least squares if the LU fails)."""
    n = len(t)
    m = np.empty((n + 1, n + 1))
    m[:n, :n], m[:n, n], m[n, :n], m[n, n] = jac, t, t, 0.0
    try:
        u = np.linalg.solve(m, rhs)
    except np.linalg.LinAlgError:
        try:
            u = np.linalg.lstsq(m, rhs, rcond=None)[0]
        except np.linalg.LinAlgError:
            return None
    return u if np.all(np.isfinite(u)) else None


def _correct(fz: Fn, jz: Fn, zp: FloatArray, t: FloatArray,
             tol: float) -> tuple[FloatArray, FloatArray, int] | None:
    """Newton on F = 0 in the hyperplane through ``zp`` normal to ``t``: the corrected
    point, its unit tangent (oriented along ``t``) and the Newton steps, or None."""
    n = len(zp)
    z = zp.copy()
    for it in range(CORRECTOR_STEPS + 1):
        f = fz(z[None])[0]
        if not np.all(np.isfinite(f)):
            return None
        jac = jz(z[None])[0]
        if not np.all(np.isfinite(jac)):
            return None
        if np.max(np.abs(f)) <= tol:
            rhs = np.zeros(n + 1)
            rhs[n] = 1.0
            u = _bordered(jac, t, rhs)
            if u is None or not np.linalg.norm(u[:n]) > 0.0:
                return None
            tan = u[:n] / np.linalg.norm(u[:n])
            return z, tan if tan @ t >= 0.0 else -tan, it
        if it == CORRECTOR_STEPS:
            return None
        u = _bordered(jac, t, np.concatenate([-f, [-(t @ (z - zp))]]))
        if u is None:
            return None
        z = z + u[:n]
    return None


def _segment_distance(p: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """Distance (2-norm) of the point ``p`` (n,) to each segment ``[a_j, b_j]`` (m, n)."""
    d = b - a
    dd = np.einsum("ij,ij->i", d, d)
    s = np.clip(np.einsum("ij,ij->i", p - a, d) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
    return np.asarray(np.linalg.norm(p - a - s[:, None] * d, axis=1))


def on_path(points: FloatArray, path: FloatArray, closed: bool) -> FloatArray:
    """Mask of ``points`` (k, n) on the traced ``path`` (m, n): within a quarter of a
    segment's length (plus 1e-6 of the box's diagonal) of one of its segments (the
    chord of a step deviates from the curve by far less: the corrector accepts a
    point only near its prediction, and the step is at most 0.05 of the diagonal)."""
    pts = np.atleast_2d(points)
    n = path.shape[1]
    ends = np.vstack([path, path[:1]]) if closed and len(path) > 1 else path
    a, b = (ends[:-1], ends[1:]) if len(ends) > 1 else (ends, ends)
    reach = 0.25 * np.linalg.norm(b - a, axis=1) + 1e-6 * np.sqrt(n)
    return np.array([bool(np.any(_segment_distance(q, a, b) <= reach)) for q in pts])


def _march(fz: Fn, jz: Fn, z0: FloatArray, t: FloatArray, tol: float,
           max_steps: int) -> tuple[list[FloatArray], str, int]:
    """Points along the curve from ``z0`` in direction ``t``, why it stopped, and the
    corrector calls made."""
    n = len(z0)
    h_max, h_min = H_MAX * np.sqrt(n), H_MIN * np.sqrt(n)
    h = 0.2 * h_max
    z, pts, length, calls = z0, [], 0.0, 0
    while len(pts) < max_steps:
        calls += 1
        got = _correct(fz, jz, z + h * t, t, tol)
        ok = got is not None and np.linalg.norm(got[0] - z - h * t) <= 0.5 * h \
            and got[1] @ t >= 0.9
        if not ok or got is None:
            h *= 0.5
            if h < h_min:
                return pts, "ended (the corrector failed: an end or a branch point of " \
                    "the curve)", calls
            continue
        znew, tnew, its = got
        if np.any((znew < -_EDGE) | (znew > 1.0 + _EDGE)):
            if h < 2.0 * h_min:  # the last point is within h_min of the boundary
                return pts, "left the region", calls
            h *= 0.5
            continue
        length += float(np.linalg.norm(znew - z))
        if length > 3.0 * h and bool(on_path(z0, np.array([z, znew]), closed=False)[0]):
            return pts, "closed", calls
        pts.append(znew)
        z, t = znew, tnew
        if its <= 3:
            h = min(1.5 * h, h_max)
    return pts, "step budget", calls


def trace_curve(fz: Fn, jz: Fn, z0: FloatArray, tangent: FloatArray, tol: float, *,
                max_steps: int = TRACE_STEPS) -> Trace:
    """Follow the curve of equilibria through ``z0`` along ``tangent``, both ways.

    Parameters
    ----------
    fz, jz : callable
        Batched right-hand side ``(k, n) -> (k, n)`` and Jacobian ``(k, n) -> (k, n, n)``
        in box-scaled coordinates.
    z0 : array (n,)
        A point of the curve (``|F(z0)|_inf <= tol``).
    tangent : array (n,)
        A unit tangent there (a kernel vector of the Jacobian).
    tol : float
        Residual tolerance ``|F|_inf`` of the traced points.
    max_steps : int
        Points traced in each direction at most.

    Returns
    -------
    Trace

    Examples
    --------
    The unit circle of ``x' = x (1 - x^2 - y^2), y' = y (1 - x^2 - y^2)`` in the box
    ``[-2, 2]^2`` (``z = (x + 2) / 4``):

    >>> import numpy as np
    >>> def fz(z):
    ...     x, y = 4 * z[:, 0] - 2, 4 * z[:, 1] - 2
    ...     r = 1 - x**2 - y**2
    ...     return np.stack([x * r, y * r], axis=1)
    >>> def jz(z):
    ...     x, y = 4 * z[:, 0] - 2, 4 * z[:, 1] - 2
    ...     r = 1 - x**2 - y**2
    ...     j = np.stack([np.stack([r - 2 * x * x, -2 * x * y], -1),
    ...                   np.stack([-2 * x * y, r - 2 * y * y], -1)], -2)
    ...     return 4 * j
    >>> tr = trace_curve(fz, jz, np.array([0.75, 0.5]), np.array([0.0, 1.0]), 1e-12)
    >>> tr.closed, bool(np.allclose(np.hypot(4 * tr.points[:, 0] - 2,
    ...                                      4 * tr.points[:, 1] - 2), 1.0))
    (True, True)
    """
    t = np.asarray(tangent, dtype=np.float64)
    t = t / np.linalg.norm(t)
    fwd, why_f, calls_f = _march(fz, jz, z0, t, tol, max_steps)
    if why_f == "closed":
        return Trace(np.array([z0, *fwd]), True, (why_f,), calls_f)
    back, why_b, calls_b = _march(fz, jz, z0, -t, tol, max_steps)
    pts = np.array([*back[::-1], z0, *fwd])
    return Trace(pts, False, (why_b, why_f), calls_f + calls_b)
