"""The pseudo-arclength kernel shared by branches of equilibria and curves in two parameters.

``_trace(fj, u0, t0, settings, boundary)`` follows a curve ``H(u) = 0``,
``H: R^(N+1) -> R^N``, given ``fj(u) -> (H(u), H_u(u))``: tangent predictor
``u + ds t``, Newton corrector on ``[[H_u], [t^T]] du = -[H; 0]`` (the step stays on
the hyperplane orthogonal to ``t``), new tangent from ``[[H_u], [t^T]] t' = e_{N+1}``.
The step grows by ``grow`` after an easy step (at most 2 Newton iterations), shrinks
by 0.7 after a hard one (4 or more), and is halved and retried after a failure (no
convergence, a correction larger than half the step, or a turn of the tangent sharper
than ``min_cos``). Explicit 2x2 and 3x3 solves keep the per-step overhead low. When
``fj`` returns ``H_u`` as a ``scipy.sparse`` matrix (large sparse systems), the bordered
systems are solved by sparse LU instead (:mod:`dynsys.bifurcation._bordered`).

References
----------
Keller, H. B. (1977). Numerical solution of bifurcation and nonlinear eigenvalue
problems. In Applications of Bifurcation Theory, Academic Press, 359-384.
Allgower, E. L. and Georg, K. (2003). Introduction to Numerical Continuation Methods.
SIAM Classics in Applied Mathematics 45.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sps

import dynsys._checks as checks
from dynsys._numerics.newton import newton
from dynsys._types import FloatArray
from dynsys.bifurcation._bordered import bordered, lu_solve, sparse_newton
from dynsys.errors import ConvergenceError, DynsysError, ModelError

__all__ = ["ContinuationSettings"]


@dataclass(frozen=True)
class ContinuationSettings:
    """Step control of the pseudo-arclength method.

    Parameters
    ----------
    ds0 : float, optional
        First step (arclength in the joint (state, parameter) space). Default
        ``ds_max / 10``.
    ds_min : float, default 1e-8
        The smallest step; a branch stops (and says so) when a step fails at it.
    ds_max : float, optional
        The largest step. Default (None): automatic. Curves are traced in scaled
        coordinates, each state and parameter divided by the width of its box (the
        state region, the parameter bounds; ``2 max(1, |value|)`` where there is
        none), and the automatic ``ds_max`` is 1/50 (branches of equilibria) or 1/250
        (two-parameter curves) of that unit box's diagonal. Step sizes are in those
        scaled units.
    max_steps : int, default 2000
        Maximum number of steps in each direction.
    newton_tol : float, default 1e-10
        A corrected point is accepted when ``max |F| <= newton_tol``.
    max_newton_iter : int, default 6
        Newton iterations per step before the step is halved.
    grow : float, default 1.5
        Factor applied to ``ds`` after an easy step (at most 2 Newton iterations).
    min_cos : float, default 0.8
        Smallest cosine between consecutive tangents; a sharper turn halves the step
        (guards against jumping between nearby branches).
    locate : bool, default True
        Locate and describe special points.

    Raises
    ------
    ModelError
        Naming the offending value, e.g. ``ds_min`` larger than ``ds_max``.

    Examples
    --------
    >>> ContinuationSettings(ds_max=0.5).ds_max
    0.5
    >>> ContinuationSettings().resolved(100.0, 0.01).ds_max
    1.0
    """

    ds0: float | None = None
    ds_min: float = 1e-8
    ds_max: float | None = None
    max_steps: int = 2000
    newton_tol: float = 1e-10
    max_newton_iter: int = 6
    grow: float = 1.5
    min_cos: float = 0.8
    locate: bool = True

    def __post_init__(self) -> None:
        for name in ("ds0", "ds_min", "ds_max", "newton_tol", "grow"):
            value = getattr(self, name)
            if value is None and name in ("ds0", "ds_max"):
                continue
            if not isinstance(value, int | float):  # refuse strings, which float() takes
                raise ModelError(f"ContinuationSettings.{name} must be a number, got {value!r}")
            checks.positive(value, f"ContinuationSettings.{name}")
        chain = [v for v in (self.ds_min, self.ds0, self.ds_max) if v is not None]
        if chain != sorted(chain):
            raise ModelError(
                "ContinuationSettings needs ds_min <= ds0 <= ds_max, got "
                f"ds_min={self.ds_min}, ds0={self.ds0}, ds_max={self.ds_max}")
        for name in ("max_steps", "max_newton_iter"):
            checks.count(getattr(self, name), f"ContinuationSettings.{name}")
        if self.grow < 1:
            raise ModelError(f"ContinuationSettings.grow must be >= 1, got {self.grow}")
        checks.in_range(self.min_cos, "ContinuationSettings.min_cos", -1.0, 1.0,
                        closed=(False, False))

    def resolved(self, scale: float, fraction: float) -> ContinuationSettings:
        """Concrete settings: automatic ``ds_max = fraction * scale``, ``ds0 = ds_max / 10``."""
        ds_max = self.ds_max
        if ds_max is None:
            ds_max = max(fraction * scale, self.ds_min, self.ds0 or 0.0)
        ds0 = self.ds0 if self.ds0 is not None else max(ds_max / 10, self.ds_min)
        return dataclasses.replace(self, ds_max=float(ds_max), ds0=float(ds0))


def _widths(pbounds: list[tuple[float, float]], xlo: FloatArray, xhi: FloatArray,
            x0: FloatArray, p0: Any) -> FloatArray:
    """Scale of each state and parameter: its box width, or ``2 max(1, |value|)``."""
    out = []
    for lo, hi, x in zip(xlo, xhi, x0, strict=True):
        width = hi - lo
        out.append(width if math.isfinite(width) and width > 0 else 2 * max(1.0, abs(x)))
    for (lo, hi), p in zip(pbounds, p0, strict=True):
        width = hi - lo
        out.append(width if math.isfinite(width) and 0 < width < 1e100
                   else 2 * max(1.0, abs(p)))
    return np.array(out, dtype=np.float64)


# ============================================================== the tracing kernel
FJ = Callable[[FloatArray], tuple[FloatArray, FloatArray]]
Boundary = Callable[[FloatArray, FloatArray], "tuple[str, FloatArray | None] | None"]


def _solve(a: FloatArray, b: FloatArray) -> FloatArray:
    """Solve a small dense system; explicit formulas for sizes 2 and 3 (speed)."""
    k = b.shape[0]
    if k == 3:
        (a00, a01, a02), (a10, a11, a12), (a20, a21, a22) = a.tolist()
        b0, b1, b2 = b.tolist()
        c00 = a11 * a22 - a12 * a21
        c01 = a12 * a20 - a10 * a22
        c02 = a10 * a21 - a11 * a20
        det = a00 * c00 + a01 * c01 + a02 * c02
        if det == 0.0 or not math.isfinite(det):
            raise np.linalg.LinAlgError("singular matrix")
        return np.array([
            (b0 * c00 + a01 * (a12 * b2 - b1 * a22) + a02 * (b1 * a21 - a11 * b2)) / det,
            (a00 * (b1 * a22 - a12 * b2) + b0 * c01 + a02 * (a10 * b2 - b1 * a20)) / det,
            (a00 * (a11 * b2 - b1 * a21) + a01 * (b1 * a20 - a10 * b2) + b0 * c02) / det,
        ])
    if k == 2:
        (a00, a01), (a10, a11) = a.tolist()
        b0, b1 = b.tolist()
        det = a00 * a11 - a01 * a10
        if det == 0.0 or not math.isfinite(det):
            raise np.linalg.LinAlgError("singular matrix")
        return np.array([(b0 * a11 - a01 * b1) / det, (a00 * b1 - b0 * a10) / det])
    return np.linalg.solve(a, b)


@dataclass
class _Trace:
    us: list[FloatArray]
    ts: list[FloatArray]
    ds: list[float]
    its: list[int]
    reason: str
    closed: bool = False


def _tangent(d: FloatArray, t_ref: FloatArray | None) -> FloatArray:
    """Unit tangent: null vector of the (N, N+1) Jacobian ``d``, oriented along t_ref.

    A sparse ``d`` (the sparse path) is solved by sparse LU: bordered with ``t_ref``,
    or without one with the last unit vector (then the first); a dense SVD only if
    both are singular.
    """
    nrow = d.shape[0]
    if sps.issparse(d):
        e_last = np.zeros(nrow + 1)
        e_last[nrow] = 1.0
        for row in ([t_ref] if t_ref is not None else [e_last, np.eye(1, nrow + 1)[0]]):
            try:
                t = lu_solve(bordered(d, row), e_last)
                t = t / np.linalg.norm(t)
                if t_ref is not None and float(t @ t_ref) < 0:
                    t = -t
                return t
            except np.linalg.LinAlgError:
                pass
        d = d.toarray()
    if t_ref is not None:
        a = np.empty((nrow + 1, nrow + 1))
        a[:nrow] = d
        a[nrow] = t_ref
        rhs = np.zeros(nrow + 1)
        rhs[nrow] = 1.0
        try:
            t = _solve(a, rhs)
            return t / np.linalg.norm(t)
        except np.linalg.LinAlgError:
            pass
    t = np.linalg.svd(d)[2][-1]
    if t_ref is not None and float(t @ t_ref) < 0:
        t = -t
    return t


def _trace(fj: FJ, u0: FloatArray, t0: FloatArray, s: ContinuationSettings,
           boundary: Boundary, *, on_accept: Callable[[FloatArray], None] | None = None,
           ) -> _Trace:
    """Follow the curve ``H(u) = 0`` from ``u0`` in the direction ``t0``."""
    u, t = u0, t0
    nrow = u0.shape[0] - 1
    out = _Trace([u0], [t0], [0.0], [0], reason="max_steps reached")
    ds = s.ds0
    tol = s.newton_tol
    maxit = s.max_newton_iter
    a = np.empty((nrow + 1, nrow + 1))
    rhs = np.zeros(nrow + 1)
    e_last = np.zeros(nrow + 1)
    e_last[nrow] = 1.0
    steps = 0
    while steps < s.max_steps:
        up = u + ds * t
        v = up
        ok = False
        nit = 0
        d = None
        while True:
            f, d = fj(v)
            res = max(map(abs, f.tolist()))
            if not res <= tol * 1e12:  # non-finite or hopeless
                break
            if res <= tol:
                ok = True
                break
            if nit == maxit:
                break
            rhs[:nrow] = -f
            rhs[nrow] = -float(t @ (v - up))
            try:
                if sps.issparse(d):  # the sparse path: LU of the bordered CSC matrix
                    v = v + lu_solve(bordered(d, t), rhs)
                else:
                    a[:nrow] = d
                    a[nrow] = t
                    v = v + _solve(a, rhs)
            except np.linalg.LinAlgError:
                break
            nit += 1
        if ok:
            # corrections larger than the step mean a jump to another part of the curve
            dv = v - up
            if math.sqrt(float(dv @ dv)) > 0.5 * ds + 10 * tol:
                ok = False
        tn = None
        if ok:
            try:
                if sps.issparse(d):
                    tn = lu_solve(bordered(d, t), e_last)
                else:
                    a[:nrow] = d
                    a[nrow] = t
                    tn = _solve(a, e_last)
                tn = tn / math.sqrt(float(tn @ tn))
            except np.linalg.LinAlgError:
                ok = False
            if ok and float(tn @ t) < s.min_cos and ds > s.ds_min * 1.0001:
                ok = False
        if not ok or tn is None:
            if ds <= s.ds_min * 1.0001:
                out.reason = (f"step size fell below ds_min={s.ds_min:g} near "
                              f"u = {np.array2string(u, precision=6)}")
                return out
            ds = max(ds * 0.5, s.ds_min)
            continue
        stop = boundary(u, v)
        if stop is not None:
            reason, w = stop
            out.reason = reason
            if w is not None and float(np.linalg.norm(w - u)) <= 1e-12 * (1 + float(
                    np.linalg.norm(u))):
                w = None  # the previous point already lies on the bound
            if w is not None:
                try:
                    _, dw = fj(w)
                    tw = _tangent(dw, t)
                except (np.linalg.LinAlgError, DynsysError):
                    tw = tn
                out.us.append(w)
                out.ts.append(tw)
                out.ds.append(float(np.linalg.norm(w - u)))
                out.its.append(nit)
            return out
        steps += 1
        # closed curve: the chord u -> v passes the starting point again
        if steps > 3:
            chord = v - u
            c2 = float(chord @ chord)
            tau = float((u0 - u) @ chord) / c2 if c2 > 0 else -1.0
            if 0.0 <= tau <= 1.0:
                dist = float(np.linalg.norm(u + tau * chord - u0))
                if dist <= 0.05 * math.sqrt(c2) + 1e-9:
                    out.us.append(u0)
                    out.ts.append(t0)
                    out.ds.append(float(np.linalg.norm(u0 - u)))
                    out.its.append(0)
                    out.reason = "closed curve"
                    out.closed = True
                    return out
        out.us.append(v)
        out.ts.append(tn)
        out.ds.append(ds)
        out.its.append(nit)
        if on_accept is not None:
            on_accept(v)
        u, t = v, tn
        if nit <= 2:
            ds = min(ds * s.grow, s.ds_max)
        elif nit >= 4:
            ds = max(ds * 0.7, s.ds_min)
    return out


def _trace_both(fj: FJ, u0: FloatArray, t0: FloatArray, s: ContinuationSettings,
                boundary: Boundary, *, on_accept: Callable[[FloatArray], None] | None = None,
                reset: Callable[[], None] | None = None,
                widths: FloatArray | None = None, scaled_fj: FJ | None = None) -> tuple[
        FloatArray, FloatArray, FloatArray, Any, int, tuple[str, str], bool]:
    """Trace forwards (along t0) and backwards; concatenate in forward order.

    With ``widths`` (one per leading component of u; the rest count 1), the curve is
    traced in the scaled coordinates ``u / widths``, so that arclength weighs every
    state and parameter by the size of its box; results are returned unscaled.
    ``scaled_fj`` may supply that scaled function directly (faster than the wrapper).
    """
    if widths is not None:
        wt = np.ones_like(u0)
        wt[:len(widths)] = widths
        inner_fj, inner_boundary, inner_accept = fj, boundary, on_accept

        def wrapped(z: FloatArray) -> tuple[FloatArray, FloatArray]:
            f, d = inner_fj(z * wt)
            if sps.issparse(d):
                return f, sps.csc_matrix(d @ sps.diags(wt))
            return f, d * wt

        fj = scaled_fj if scaled_fj is not None else wrapped

        def boundary(a: FloatArray, b: FloatArray) -> tuple[str, FloatArray | None] | None:
            res = inner_boundary(a * wt, b * wt)
            if res is None or res[1] is None:
                return res
            return res[0], res[1] / wt

        if inner_accept is not None:
            def on_accept(z: FloatArray) -> None:
                inner_accept(z * wt)

        tw = t0 / wt
        us, ts, ds, its, start, reasons, closed = _trace_both(
            fj, u0 / wt, tw / np.linalg.norm(tw), s, boundary, on_accept=on_accept,
            reset=reset)
        ts = ts * wt
        return (us * wt, ts / np.linalg.norm(ts, axis=1, keepdims=True), ds, its, start,
                reasons, closed)
    fwd = _trace(fj, u0, t0, s, boundary, on_accept=on_accept)
    if fwd.closed:
        bwd = _Trace([u0], [t0], [0.0], [0], reason="closed curve", closed=True)
    else:
        if reset is not None:
            reset()
        bwd = _trace(fj, u0, -t0, s, boundary, on_accept=on_accept)
    us = [*bwd.us[:0:-1], *fwd.us]
    ts = [*(-t for t in bwd.ts[:0:-1]), *fwd.ts]
    # step sizes/iterations belong to the point they reached
    ds = [*bwd.ds[:0:-1], 0.0, *fwd.ds[1:]]
    its = [*bwd.its[:0:-1], 0, *fwd.its[1:]]
    start = len(bwd.us) - 1
    return (np.array(us), np.array(ts), np.array(ds), np.array(its, dtype=int), start,
            (bwd.reason, fwd.reason), fwd.closed)


def _param_index(system: Any, param: str) -> int:
    names = tuple(system.param_names)
    if param not in names:
        raise ModelError(f"{param!r} is not a parameter of {system.name} "
                         f"(parameters: {', '.join(names) or 'none'})")
    return names.index(param)


def _make_boundary(fj: FJ, n: int, pidx: tuple[int, ...], pbounds: list[tuple[float, float]],
                   xlo: FloatArray, xhi: FloatArray, names: tuple[str, ...],
                   pnames: tuple[str, ...]) -> Boundary:
    """Stop at parameter bounds (ending exactly on them) and at the region's edge."""
    slack = 1e-9 * np.where(np.isfinite(xhi - xlo), xhi - xlo, 1.0)
    lo_s, hi_s = (xlo - slack).tolist(), (xhi + slack).tolist()
    pb = [(float(lo), float(hi)) for lo, hi in pbounds]

    def boundary(u: FloatArray, v: FloatArray) -> tuple[str, FloatArray | None] | None:
        for j, (lo, hi) in enumerate(pb):
            val = float(v[n + j])
            if val < lo or val > hi:
                edge = lo if val < lo else hi
                w = _on_hyperplane(fj, u, v, n + j, edge)
                return f"{pnames[j]} = {edge:g} (bound)", w
        for i, xi in enumerate(v[:n].tolist()):
            if xi < lo_s[i] or xi > hi_s[i]:
                return f"left the region ({names[i]} = {xi:.6g})", None
        return None

    return boundary


def _on_hyperplane(fj: FJ, u: FloatArray, v: FloatArray, idx: int, value: float
                   ) -> FloatArray | None:
    """The curve point with ``u[idx] == value`` between u and v (None if not found)."""
    du = v[idx] - u[idx]
    if du == 0:
        return None
    w0 = u + (value - u[idx]) / du * (v - u)
    e = np.zeros_like(u)
    e[idx] = 1.0

    def fun(w: FloatArray) -> tuple[FloatArray, FloatArray]:
        f, d = fj(w)
        if sps.issparse(d):
            return np.concatenate([f, [w[idx] - value]]), bordered(d, e)
        return np.concatenate([f, [w[idx] - value]]), np.vstack([d, e])

    try:
        _, d0 = fj(w0)
        solver = sparse_newton if sps.issparse(d0) else newton
        w, _, _ = solver(fun, w0, tol=1e-11, max_iter=12, what="end point")
    except ConvergenceError:
        return None
    w[idx] = value
    return w


def _sign_changes(g: FloatArray) -> list[int]:
    """Indices i where g changes sign between i and i + 1 (an exact zero counts once)."""
    s = np.sign(np.nan_to_num(g))
    for i in range(1, len(s)):  # a zero takes the sign before it, so it is seen once
        if s[i] == 0:
            s[i] = s[i - 1]
    if len(s) and s[0] == 0:
        nz = np.nonzero(s)[0]
        s[: nz[0] if len(nz) else len(s)] = s[nz[0]] if len(nz) else 1.0
    return [int(i) for i in np.nonzero(s[:-1] * s[1:] < 0)[0]]
