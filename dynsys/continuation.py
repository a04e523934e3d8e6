"""One-parameter continuation of equilibria: branches, folds, Hopf and branch points.

``continue_equilibria(system, param, start, bounds, settings) -> Branch`` traces the
curve of equilibria ``F(x, alpha) = 0`` through ``start`` by Keller's
pseudo-arclength method: a tangent predictor ``u + ds t`` and a Newton corrector on
the bordered system ``[[F_x, F_alpha], [t^T]]`` (exact ``jac`` and ``dfdp`` of the
System), with an adaptive step ``ds`` (grown after easy steps, halved after failures,
kept in ``[ds_min, ds_max]``). The curve is followed in both directions until the
parameter bounds, the edge of the state region, ``max_steps``, or until it closes
on itself (an isola).

After tracing, the Jacobians of all points are evaluated in one vectorized call and
give the eigenvalues and the number of unstable eigenvalues of every point, and
three test functions whose sign changes flag special points:

* fold: the parameter component of the tangent,
* Hopf: the product of all sums of pairs of eigenvalues ``prod_{i<j} (l_i + l_j)``
  (the determinant of the bialternate product ``2 A (.) I``; zero when a pair
  ``+-i omega`` crosses; neutral saddles ``+-mu`` are filtered out on location),
* branch point: the determinant of the augmented Jacobian ``[[F_x, F_alpha], [t^T]]``.

Each is then located precisely (:mod:`dynsys.bifurcation_points`) and described by its
normal-form coefficients (:mod:`dynsys.normal_forms`).

References
----------
Keller, H. B. (1977). Numerical solution of bifurcation and nonlinear eigenvalue
problems. In Applications of Bifurcation Theory, Academic Press.
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
Chapter 10.
Govaerts, W. (2000). Numerical Methods for Bifurcations of Dynamical Equilibria. SIAM.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynsys._types import ArrayLike, ComplexArray, FloatArray, ParamsLike
from dynsys.bifurcation_points import illinois, locate_fold, locate_hopf, newton
from dynsys.errors import ConvergenceError, DynsysError, ModelError
from dynsys.normal_forms import derivatives, fold_coefficients, hopf_coefficients
from dynsys.system import compile, require_autonomous, resolve_params

__all__ = [
    "Branch",
    "ContinuationSettings",
    "PointType",
    "SpecialPoint",
    "continue_equilibria",
]

#: Tolerance on the real part of an eigenvalue counted as unstable.
EIG_TOL = 1e-9


class PointType(enum.StrEnum):
    """Kinds of special points on branches and curves (the JSON ``type`` strings)."""

    FOLD = "fold"
    HOPF = "hopf"
    BRANCH_POINT = "branch_point"
    CUSP = "cusp"
    BOGDANOV_TAKENS = "bogdanov_takens"
    ENDPOINT = "endpoint"


@dataclass(frozen=True)
class SpecialPoint:
    """A located special point.

    Attributes
    ----------
    type : PointType
        fold, hopf, branch_point, cusp or bogdanov_takens.
    params : mapping name -> float
        The continued parameter(s) at the point.
    state : mapping name -> float
        The equilibrium.
    data : mapping
        Diagnostics and coefficients: ``residual`` (max-norm of the located system),
        ``located`` (False when the precise location failed and the values are
        interpolated), and per type: fold ``a`` (normal form coefficient) and
        ``transversality``; hopf ``omega``, ``l1`` and ``criticality``.
    index : int
        The point is between ``index`` and ``index + 1`` on its branch.
    """

    type: PointType
    params: Mapping[str, float]
    state: Mapping[str, float]
    data: Mapping[str, Any] = field(default_factory=dict)
    index: int = -1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"type", "params", "state", ...data}``."""
        out: dict[str, Any] = {"type": self.type.value, "params": dict(self.params),
                               "state": dict(self.state)}
        out.update({k: v for k, v in self.data.items() if k not in out})
        return out

    def describe(self) -> str:
        """One line: type, parameters, state and main coefficients."""
        pars = ", ".join(f"{k} = {v:.10g}" for k, v in self.params.items())
        st = ", ".join(f"{k} = {v:.6g}" for k, v in self.state.items())
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


@dataclass(frozen=True)
class ContinuationSettings:
    """Step control of the pseudo-arclength method.

    Parameters
    ----------
    ds0 : float, default 0.05
        First step (arclength in the joint (state, parameter) space).
    ds_min : float, default 1e-8
        The smallest step; a branch stops (and says so) when a step fails at it.
    ds_max : float, default 1.0
        The largest step.
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
    """

    ds0: float = 0.05
    ds_min: float = 1e-8
    ds_max: float = 1.0
    max_steps: int = 2000
    newton_tol: float = 1e-10
    max_newton_iter: int = 6
    grow: float = 1.5
    min_cos: float = 0.8
    locate: bool = True

    def __post_init__(self) -> None:
        for name in ("ds0", "ds_min", "ds_max", "newton_tol", "grow"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ModelError(f"ContinuationSettings.{name} must be a positive number, "
                                 f"got {value!r}")
        if not self.ds_min <= self.ds0 <= self.ds_max:
            raise ModelError(
                "ContinuationSettings needs ds_min <= ds0 <= ds_max, got "
                f"ds_min={self.ds_min}, ds0={self.ds0}, ds_max={self.ds_max}")
        for name in ("max_steps", "max_newton_iter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ModelError(f"ContinuationSettings.{name} must be a positive integer, "
                                 f"got {value!r}")
        if self.grow < 1:
            raise ModelError(f"ContinuationSettings.grow must be >= 1, got {self.grow}")
        if not -1 < self.min_cos < 1:
            raise ModelError(f"ContinuationSettings.min_cos must be in (-1, 1), got "
                             f"{self.min_cos}")


@dataclass(frozen=True, eq=False)
class Branch:
    """A branch of equilibria traced in one parameter.

    Attributes
    ----------
    model : str
        The system's name.
    param : str
        The continued parameter.
    params : mapping
        The other parameters' values (name -> value; the continued one at the start).
    state_names : tuple of str
    values : (N,) array
        Parameter value of each point, in order along the branch.
    states : (N, n) array
        The equilibria.
    eigenvalues : (N, n) complex array
        Eigenvalues of the Jacobian at each point (sorted by decreasing real part).
    unstable : (N,) int array
        Number of eigenvalues with positive real part (0: stable).
    tangents : (N, n + 1) array
        Unit tangents (state, parameter), oriented along the branch.
    step_sizes : (N,) array
        Arclength step that reached each point (0 at the start).
    newton_iterations : (N,) int array
        Newton iterations of each point's corrector.
    special_points : tuple of SpecialPoint
    start_index : int
        Index of the starting point.
    stop_reasons : tuple of str
        Why tracing stopped: (at the first point, at the last point).
    closed : bool
        True when the branch closed on itself (an isola or a closed curve).
    """

    model: str
    param: str
    params: Mapping[str, float]
    state_names: tuple[str, ...]
    values: FloatArray
    states: FloatArray
    eigenvalues: ComplexArray
    unstable: Any
    tangents: FloatArray
    step_sizes: FloatArray
    newton_iterations: Any
    special_points: tuple[SpecialPoint, ...]
    start_index: int
    stop_reasons: tuple[str, str]
    closed: bool = False

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @property
    def stable(self) -> Any:
        """Boolean (N,) array: no unstable eigenvalue."""
        return self.unstable == 0

    def points(self, kind: str | PointType) -> tuple[SpecialPoint, ...]:
        """The special points of one type (e.g. ``"fold"``)."""
        kind = PointType(kind)
        return tuple(sp for sp in self.special_points if sp.type is kind)

    def segments(self) -> list[tuple[int, int, int]]:
        """Runs of constant stability: ``(start, stop, unstable count)``, stop exclusive."""
        out = []
        start = 0
        for i in range(1, len(self) + 1):
            if i == len(self) or self.unstable[i] != self.unstable[start]:
                out.append((start, i, int(self.unstable[start])))
                start = i
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (parameter values, states, stability, special points)."""
        return {
            "kind": "equilibria",
            "model": self.model,
            "param": self.param,
            "params": dict(self.params),
            "state_names": list(self.state_names),
            "values": self.values,
            "states": {name: self.states[:, i] for i, name in enumerate(self.state_names)},
            "unstable": self.unstable,
            "stable": self.stable,
            "eigenvalues": self.eigenvalues,
            "step_sizes": self.step_sizes,
            "newton_iterations": self.newton_iterations,
            "special_points": [sp.to_dict() for sp in self.special_points],
            "stop_reasons": list(self.stop_reasons),
            "closed": self.closed,
        }

    def _tree(self, title: str) -> list[str]:
        lines = [title]
        rows = [f"{len(self)} points, {self.param} in [{self.values.min():.6g}, "
                f"{self.values.max():.6g}]" + (", closed" if self.closed else "")]
        parts = []
        for a, b, k in self.segments():
            label = "stable" if k == 0 else f"{k} unstable"
            parts.append(f"{label} {self.param} {self.values[a]:.4g}..{self.values[b - 1]:.4g}")
        rows.append("stability: " + "; ".join(parts))
        if self.special_points:
            rows.append("special points:")
        tails = [f"ends: {self.stop_reasons[0]} | {self.stop_reasons[1]}"]
        body = [*rows, None, *tails]  # None marks the special-point sub-tree
        for i, row in enumerate(body):
            if row is None:
                for j, sp in enumerate(self.special_points):
                    lead = "│  " + ("└─ " if j == len(self.special_points) - 1 else "├─ ")
                    lines.append(lead + sp.describe())
                continue
            lead = "└─ " if i == len(body) - 1 else "├─ "
            lines.append(lead + row)
        return lines

    def __str__(self) -> str:
        others = ", ".join(f"{k}={v:g}" for k, v in self.params.items() if k != self.param)
        title = f"Branch of equilibria of {self.model} in {self.param}" + (
            f" ({others})" if others else "")
        return "\n".join(self._tree(title))

    def __repr__(self) -> str:
        return (f"<Branch {self.model} in {self.param}: {len(self)} points, "
                f"{self.param} in [{self.values.min():.6g}, {self.values.max():.6g}], "
                f"{len(self.special_points)} special points>")


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
    """Unit tangent: null vector of the (N, N+1) Jacobian ``d``, oriented along t_ref."""
    nrow = d.shape[0]
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
            a[:nrow] = d
            a[nrow] = t
            rhs[:nrow] = -f
            rhs[nrow] = -float(t @ (v - up))
            try:
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
            a[:nrow] = d
            a[nrow] = t
            try:
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
                reset: Callable[[], None] | None = None) -> tuple[
        FloatArray, FloatArray, FloatArray, Any, int, tuple[str, str], bool]:
    """Trace forwards (along t0) and backwards; concatenate in forward order."""
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


# ============================================================== equilibria problem
def _equilibrium_fj(system: Any, p_base: FloatArray, k: int) -> FJ:
    """``u = (x, alpha) -> (F, [F_x, F_alpha])`` with as little overhead as possible."""
    n = system.n
    m = len(p_base)
    raw = all(callable(getattr(system, a, None)) for a in ("_rhs", "_jac", "_dfdp"))
    if raw and getattr(system, "model", None) is not None:
        rhs_f, jac_f, dfdp_f = system._rhs, system._jac, system._dfdp
        plist = [float(v) for v in p_base]
        before, after = plist[:k], plist[k + 1:]

        def fj(u: FloatArray) -> tuple[FloatArray, FloatArray]:
            args = [*u[:n].tolist(), *before, float(u[n]), *after, 0.0]
            f = np.array(rhs_f(*args), dtype=np.float64)
            d = np.empty((n, n + 1))
            d[:, :n] = np.array(jac_f(*args), dtype=np.float64).reshape(n, n)
            d[:, n] = np.array(dfdp_f(*args), dtype=np.float64).reshape(n, m)[:, k]
            return f, d

        return fj

    def fj_generic(u: FloatArray) -> tuple[FloatArray, FloatArray]:
        p = p_base.copy()
        p[k] = u[n]
        x = u[:n]
        d = np.empty((n, n + 1))
        d[:, :n] = system.jac(x, p)
        d[:, n] = system.dfdp(x, p)[:, k]
        return np.asarray(system.rhs(x, p), dtype=np.float64), d

    return fj_generic


def _resolve_region(system: Any, region: Mapping[str, tuple[float, float]] | None
                    ) -> tuple[FloatArray, FloatArray]:
    n = system.n
    lo = np.full(n, -np.inf)
    hi = np.full(n, np.inf)
    reg = system.region if region is None else region
    for name, (a, b) in (reg or {}).items():
        if name not in system.state_names:
            raise ModelError(f"region names {name!r}, which is not a state of {system.name} "
                             f"(states: {', '.join(system.state_names)})")
        i = system.state_names.index(name)
        lo[i], hi[i] = float(a), float(b)
    return lo, hi


def _param_index(system: Any, param: str) -> int:
    names = tuple(system.param_names)
    if param not in names:
        raise ModelError(f"{param!r} is not a parameter of {system.name} "
                         f"(parameters: {', '.join(names) or 'none'})")
    return names.index(param)


def _check_bounds(bounds: Any, what: str = "bounds") -> tuple[float, float]:
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be a pair (low, high), got {bounds!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ModelError(f"{what} must be finite with low < high, got ({lo}, {hi})")
    return lo, hi


def _make_boundary(fj: FJ, n: int, pidx: tuple[int, ...], pbounds: list[tuple[float, float]],
                   xlo: FloatArray, xhi: FloatArray, names: tuple[str, ...],
                   pnames: tuple[str, ...]) -> Boundary:
    """Stop at parameter bounds (ending exactly on them) and at the region's edge."""
    slack = 1e-9 * np.where(np.isfinite(xhi - xlo), xhi - xlo, 1.0)

    def boundary(u: FloatArray, v: FloatArray) -> tuple[str, FloatArray | None] | None:
        for j, (lo, hi) in enumerate(pbounds):
            val = v[n + j]
            if val < lo or val > hi:
                edge = lo if val < lo else hi
                w = _on_hyperplane(fj, u, v, n + j, edge)
                return f"{pnames[j]} = {edge:g} (bound)", w
        x = v[:n]
        out = (x < xlo - slack) | (x > xhi + slack)
        if np.any(out):
            i = int(np.argmax(out))
            return f"left the region ({names[i]} = {x[i]:.6g})", None
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
        return np.concatenate([f, [w[idx] - value]]), np.vstack([d, e])

    try:
        w, _, _ = newton(fun, w0, tol=1e-11, max_iter=12, what="end point")
    except ConvergenceError:
        return None
    w[idx] = value
    return w


# ============================================================== stability, test functions
def _sorted_eigenvalues(jacs: FloatArray) -> ComplexArray:
    ev = np.linalg.eigvals(jacs)
    order = np.argsort(-ev.real, axis=-1, kind="stable")
    return np.take_along_axis(ev, order, axis=-1)


def _hopf_test(ev: ComplexArray) -> FloatArray:
    n = ev.shape[-1]
    if n < 2:
        return np.ones(ev.shape[:-1])
    i, j = np.triu_indices(n, 1)
    sums = ev[..., i] + ev[..., j]
    # scale each factor to keep the product finite; the sign is what matters
    mag = np.abs(sums)
    prod = np.prod(sums / np.where(mag > 0, np.maximum(mag, 1e-300) ** 0.5, 1.0), axis=-1)
    return prod.real


def _sign_changes(g: FloatArray) -> list[int]:
    s = np.sign(g)
    return [int(i) for i in np.nonzero(s[:-1] * s[1:] < 0)[0]]


def _batch(system: Any, states: FloatArray, p_base: FloatArray, free: tuple[int, ...],
           pvals: FloatArray) -> tuple[FloatArray, FloatArray]:
    ps = np.broadcast_to(p_base, (states.shape[0], len(p_base))).copy()
    for j, k in enumerate(free):
        ps[:, k] = pvals[:, j]
    return np.asarray(system.jac(states, ps), dtype=np.float64), ps


# ============================================================== locating special points
def _state_dict(names: tuple[str, ...], x: FloatArray) -> dict[str, float]:
    return {nm: float(v) for nm, v in zip(names, x, strict=True)}


def _locate_points(system: Any, param: str, k: int, p_base: FloatArray, us: FloatArray,
                   ts: FloatArray, jacs: FloatArray, ev: ComplexArray, fj: FJ,
                   locate: bool) -> list[SpecialPoint]:
    n = system.n
    names = tuple(system.state_names)
    found: list[SpecialPoint] = []
    deriv = derivatives(system) if locate else None

    def interp(i: int, g: FloatArray) -> tuple[FloatArray, float]:
        w = g[i] / (g[i] - g[i + 1])
        return us[i] + w * (us[i + 1] - us[i]), float(w)

    # folds
    for i in _sign_changes(ts[:, n]):
        u_g, _ = interp(i, ts[:, n])
        x, a_val, data = u_g[:n], float(u_g[n]), {"located": False}
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
            except (ConvergenceError, ModelError, np.linalg.LinAlgError):
                pass
        found.append(SpecialPoint(PointType.FOLD, {param: a_val}, _state_dict(names, x),
                                  data, index=i))
    # Hopf points
    if n >= 2:
        gh = _hopf_test(ev)
        for i in _sign_changes(gh):
            u_g, w = interp(i, gh)
            j_g = jacs[i] + w * (jacs[i + 1] - jacs[i])
            evals, evecs = np.linalg.eig(j_g)
            cand = np.argsort(np.abs(evals.real))
            kk = next((c for c in cand if evals[c].imag > 1e-12), None)
            if kk is None:
                continue  # a neutral saddle (real pair +-mu), not a Hopf point
            x, a_val = u_g[:n], float(u_g[n])
            omega = float(evals[kk].imag)
            data: dict[str, Any] = {"omega": omega, "located": False}
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
                except (ConvergenceError, ModelError, np.linalg.LinAlgError):
                    pass
            found.append(SpecialPoint(PointType.HOPF, {param: a_val}, _state_dict(names, x),
                                      data, index=i))
    # branch points
    fp_col = None
    if len(us) > 1:
        ps = np.broadcast_to(p_base, (len(us), len(p_base))).copy()
        ps[:, k] = us[:, n]
        fp_col = np.asarray(system.dfdp(us[:, :n], ps), dtype=np.float64)[:, :, k]
        aug = np.concatenate([np.concatenate([jacs, fp_col[:, :, None]], axis=2),
                              ts[:, None, :]], axis=1)
        det = np.linalg.det(aug)
        for i in _sign_changes(det):
            found.append(_locate_branch_point(fj, us[i], us[i + 1], n, param, names, i))
    found.sort(key=lambda sp: sp.index)
    return found


def _near(z: FloatArray, a: FloatArray, b: FloatArray) -> bool:
    """Is z within (a generous multiple of) the segment a-b?"""
    seg = float(np.linalg.norm(b - a))
    return float(min(np.linalg.norm(z - a), np.linalg.norm(z - b))) <= 2.0 * seg + 1e-8


def _locate_branch_point(fj: FJ, ua: FloatArray, ub: FloatArray, n: int, param: str,
                         names: tuple[str, ...], i: int) -> SpecialPoint:
    chord = ub - ua
    c = chord / np.linalg.norm(chord)
    cache: dict[float, FloatArray] = {}

    def point(s: float) -> FloatArray:
        base = ua + s * chord

        def fun(w: FloatArray) -> tuple[FloatArray, FloatArray]:
            f, d = fj(w)
            return np.concatenate([f, [c @ (w - base)]]), np.vstack([d, c])

        w, _, _ = newton(fun, base, tol=1e-11, max_iter=30, what="branch point location")
        cache[s] = w
        return w

    def test(s: float) -> float:
        w = point(s)
        _, d = fj(w)
        return float(np.linalg.det(np.vstack([d, c])))

    try:
        ga, gb = test(0.0), test(1.0)
        s = illinois(test, 0.0, 1.0, ga, gb, xtol=1e-13)
        w = cache.get(s, point(s))
        res = float(np.max(np.abs(fj(w)[0])))
        data = {"residual": res, "located": True}
    except (ConvergenceError, np.linalg.LinAlgError):
        w = 0.5 * (ua + ub)
        data = {"located": False}
    return SpecialPoint(PointType.BRANCH_POINT, {param: float(w[n])},
                        _state_dict(names, w[:n]), data, index=i)


# ============================================================== public entry point
def continue_equilibria(
    system: Any,
    param: str,
    start: ArrayLike,
    bounds: tuple[float, float],
    settings: ContinuationSettings | None = None,
    params: ParamsLike = None,
    *,
    region: Mapping[str, tuple[float, float]] | None = None,
) -> Branch:
    """continue_equilibria(system, param, start, bounds) -> Branch

    Trace the branch of equilibria through ``start`` as ``param`` varies in ``bounds``.

    Parameters
    ----------
    system : System or Model
        The vector field (a Model is compiled).
    param : str
        The parameter to vary.
    start : (n,) array
        An equilibrium (or a good guess, corrected by Newton's method) at the starting
        parameter value, which is ``params[param]`` or the default.
    bounds : (low, high)
        Parameter interval; the branch ends exactly on these values.
    settings : ContinuationSettings, optional
        Step control (defaults: ``ContinuationSettings()``).
    params : mapping or array, optional
        Values of the parameters (the continued one gives the start).
    region : mapping state -> (low, high), optional
        Stop when the branch leaves this box (default: the system's region; ``{}``
        for none).

    Returns
    -------
    Branch
        Points, stability (eigenvalues and the number of unstable ones) of every point,
        step sizes, Newton iterations, and located special points (folds with their
        normal-form coefficient ``a``, Hopf points with ``omega`` and ``l1``, branch
        points).

    Raises
    ------
    ModelError
        For an unknown parameter, bad bounds, a start outside the bounds, or a
        time-dependent system.
    ConvergenceError
        If ``start`` cannot be corrected to an equilibrium.

    References
    ----------
    Keller (1977); Kuznetsov (2004), Elements of Applied Bifurcation Theory, Ch. 10.

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> sys = compile(load_model("mutual_excitation"))
    >>> br = continue_equilibria(sys, "I", [0.00227, 0.00227], (-20, 0))
    >>> [round(sp.params["I"], 8) for sp in br.points("fold")]
    [-16.05700096, -3.94299904]
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _continue(system, param, start, bounds, settings, params, region)


def _continue(system: Any, param: str, start: ArrayLike, bounds: tuple[float, float],
              settings: ContinuationSettings | None, params: ParamsLike,
              region: Mapping[str, tuple[float, float]] | None) -> Branch:
    system = compile(system)
    require_autonomous(system, "continuation")
    settings = ContinuationSettings() if settings is None else settings
    if not isinstance(settings, ContinuationSettings):
        raise ModelError("settings must be a ContinuationSettings")
    k = _param_index(system, param)
    lo, hi = _check_bounds(bounds)
    p_base = np.array(resolve_params(system, params), dtype=np.float64)
    if p_base.ndim != 1:
        raise ModelError("params must describe a single parameter vector")
    alpha0 = float(p_base[k])
    if not lo <= alpha0 <= hi:
        raise ModelError(f"the starting value {param} = {alpha0:g} is outside the bounds "
                         f"[{lo:g}, {hi:g}]; set it with params={{{param!r}: ...}}")
    n = system.n
    x0 = np.asarray(start, dtype=np.float64).reshape(-1)
    if x0.shape != (n,) or not np.all(np.isfinite(x0)):
        raise ModelError(f"start must be {n} finite numbers ({', '.join(system.state_names)}),"
                         f" got {start!r}")
    fj = _equilibrium_fj(system, p_base, k)

    def fixed(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        f, d = fj(np.append(x, alpha0))
        return f, d[:, :n]

    try:
        x0, _, _ = newton(fixed, x0, tol=settings.newton_tol, max_iter=50,
                          what=f"correction of the start to an equilibrium at {param}={alpha0:g}")
    except ConvergenceError as exc:
        raise ConvergenceError(
            f"{exc}; start from (or near) an equilibrium, e.g. one of find_equilibria()",
            last_iterate=exc.last_iterate, history=exc.history) from None
    u0 = np.append(x0, alpha0)
    _, d0 = fj(u0)
    t0 = _tangent(d0, None)
    if t0[n] < 0 or (t0[n] == 0 and t0[0] < 0):
        t0 = -t0
    xlo, xhi = _resolve_region(system, region)
    boundary = _make_boundary(fj, n, (k,), [(lo, hi)], xlo, xhi, tuple(system.state_names),
                              (param,))
    us, ts, ds, its, start_idx, reasons, closed = _trace_both(fj, u0, t0, settings, boundary)
    states, values = us[:, :n], us[:, n]
    jacs, _ = _batch(system, states, p_base, (k,), values[:, None])
    ev = _sorted_eigenvalues(jacs)
    unstable = np.sum(ev.real > EIG_TOL, axis=-1)
    specials = _locate_points(system, param, k, p_base, us, ts, jacs, ev, fj, settings.locate)
    names = tuple(system.param_names)
    return Branch(
        model=system.name, param=param,
        params={nm: float(v) for nm, v in zip(names, p_base, strict=True)},
        state_names=tuple(system.state_names), values=values, states=states,
        eigenvalues=ev, unstable=unstable, tangents=ts, step_sizes=ds,
        newton_iterations=its, special_points=tuple(specials), start_index=start_idx,
        stop_reasons=reasons, closed=closed,
    )
