"""Two-parameter continuation: fold curves (with cusp and Bogdanov-Takens points) and Hopf curves.

``continue_fold(system, (p1, p2), start, bounds) -> Curve`` follows the fold
(limit-point) curve through a located fold in the plane of two parameters, using the
minimally augmented system ``F(x, p1, p2) = 0, g(x, p1, p2) = 0`` of
:class:`~dynsys.bifurcation.locate.BorderedFold` with the pseudo-arclength kernel.
Along it two test functions are monitored, computed from the bordered vectors ``v``
(right null vector) and ``w`` (left null vector), each continued with the previous
point's vectors as border so that their orientation is continuous:

* cusp: ``<w, B(v, v)>`` (the fold normal-form coefficient ``a`` up to a positive
  factor) changes sign;
* Bogdanov-Takens: ``<w, v>`` changes sign (the zero eigenvalue becomes double, left
  and right null vectors orthogonal); needs ``n >= 2``.

Each is located by the Illinois method along the curve (every trial point corrected
onto the curve), and the cusp's normal-form coefficient
``c = 1/6 <p, C(q, q, q) + 3 B(q, h2)>`` is reported.

``continue_hopf(system, (p1, p2), start, bounds) -> Curve`` follows a Hopf curve with
the standard augmented system ``F = 0, (F_x^2 + kappa I) v = 0, <v, v> = 1,
<v, l> = 0`` (``kappa = omega^2``); ``kappa`` changing sign marks a Bogdanov-Takens
point (where the curve turns into a neutral-saddle curve).

References
----------
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
Sections 8.2-8.4 (cusp, Bogdanov-Takens) and 10.2-10.3 (defining systems).
Govaerts, W. (2000). Numerical Methods for Bifurcations of Dynamical Equilibria. SIAM.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._numerics.newton import newton
from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.analysis.stability import sorted_eigenvalues
from dynsys.bifurcation._arclength import (
    FJ,
    ContinuationSettings,
    _make_boundary,
    _param_index,
    _sign_changes,
    _tangent,
    _trace_both,
    _widths,
)
from dynsys.bifurcation.locate import BorderedFold, illinois
from dynsys.bifurcation.points import (
    PointType,
    SpecialPoint,
    _full_params,
    failure_reason,
)
from dynsys.core.derivatives import Derivatives, derivatives
from dynsys.core.region import region_bounds
from dynsys.core.system import compile, require_autonomous, resolve_params
from dynsys.errors import ConvergenceError, ModelError

__all__ = ["Curve", "continue_fold", "continue_hopf"]


@dataclass(frozen=True, eq=False)
class Curve:
    """A curve of codimension-one bifurcation points in two parameters.

    Attributes
    ----------
    kind : str
        ``"fold"`` or ``"hopf"``.
    model : str
    param_names : (str, str)
        The two continued parameters.
    params : mapping
        All parameter values at the start.
    state_names : tuple of str
    values : (N, 2) array
        The two parameters along the curve.
    states : (N, n) array
        The equilibrium at each point.
    eigenvalues : (N, n) complex array
    tests : mapping name -> (N,) array
        Test functions along the curve (``"cusp"``, ``"bogdanov_takens"``, or
        ``"kappa"`` = omega^2 on a Hopf curve).
    step_sizes, newton_iterations : (N,) arrays
    special_points : tuple of SpecialPoint
    start_index : int
    stop_reasons : (str, str)
    closed : bool
    """

    kind: str
    model: str
    param_names: tuple[str, str]
    params: Mapping[str, float]
    state_names: tuple[str, ...]
    values: FloatArray
    states: FloatArray
    eigenvalues: Any
    tests: Mapping[str, FloatArray]
    step_sizes: FloatArray
    newton_iterations: Any
    special_points: tuple[SpecialPoint, ...]
    start_index: int
    stop_reasons: tuple[str, str]
    closed: bool = False

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def points(self, kind: str | PointType) -> tuple[SpecialPoint, ...]:
        """The special points of one type (e.g. ``"cusp"``)."""
        kind = PointType(kind)
        return tuple(sp for sp in self.special_points if sp.type is kind)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        p1, p2 = self.param_names
        return to_jsonable({
            "kind": self.kind, "model": self.model, "params_continued": list(self.param_names),
            "params": dict(self.params), "state_names": list(self.state_names),
            "values": {p1: self.values[:, 0], p2: self.values[:, 1]},
            "states": {nm: self.states[:, i] for i, nm in enumerate(self.state_names)},
            "eigenvalues": self.eigenvalues,
            "tests": dict(self.tests), "step_sizes": self.step_sizes,
            "newton_iterations": self.newton_iterations,
            "special_points": [sp.to_dict() for sp in self.special_points],
            "stop_reasons": list(self.stop_reasons), "closed": self.closed,
        })

    def __str__(self) -> str:
        p1, p2 = self.param_names
        others = ", ".join(f"{k}={v:g}" for k, v in self.params.items()
                           if k not in self.param_names)
        lines = [f"Curve of {self.kind} points of {self.model} in ({p1}, {p2})"
                 + (f" ({others})" if others else "")]
        rows: list[str | None] = [
            f"{len(self)} points, {p1} in [{self.values[:, 0].min():.6g}, "
            f"{self.values[:, 0].max():.6g}], {p2} in [{self.values[:, 1].min():.6g}, "
            f"{self.values[:, 1].max():.6g}]" + (", closed" if self.closed else "")]
        if self.special_points:
            rows += ["special points:", None]
        rows.append(f"ends: {self.stop_reasons[0]} | {self.stop_reasons[1]}")
        for i, row in enumerate(rows):
            if row is None:
                for j, sp in enumerate(self.special_points):
                    lead = "│  " + ("└─ " if j == len(self.special_points) - 1 else "├─ ")
                    lines.append(lead + sp.describe())
                continue
            lines.append(("└─ " if i == len(rows) - 1 else "├─ ") + row)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<Curve of {self.kind} points of {self.model} in {self.param_names}: "
                f"{len(self)} points, {len(self.special_points)} special points>")


# ------------------------------------------------------------------ shared set-up
def _setup(system: Any, names: tuple[str, str], bounds: Mapping[str, Any] | None,
           params: ParamsLike, settings: ContinuationSettings | None
           ) -> tuple[Any, tuple[int, int], FloatArray, list[tuple[float, float]],
                      ContinuationSettings]:
    system = compile(system)
    require_autonomous(system, "continuation")
    try:
        p1, p2 = names
    except (TypeError, ValueError):
        raise ModelError(f"names must name two parameters, got {names!r}") from None
    if p1 == p2:
        raise ModelError(f"the two continued parameters must differ, got {p1!r} twice")
    ks = (_param_index(system, p1), _param_index(system, p2))
    p_base = np.array(resolve_params(system, params), dtype=np.float64)
    bounds = dict(bounds or {})
    unknown = set(bounds) - {p1, p2}
    if unknown:
        raise ModelError(f"bounds name {sorted(unknown)[0]!r}, which is not one of the "
                         f"continued parameters ({p1}, {p2})")
    pb = [checks.interval(bounds.get(nm, (-np.inf, np.inf)) if nm in bounds else (-1e300, 1e300),
                          f"bounds of {nm}") for nm in (p1, p2)]
    settings = ContinuationSettings() if settings is None else settings
    return system, ks, p_base, pb, settings


def _start_point(start: Any, system: Any, ks: tuple[int, int], p_base: FloatArray
                 ) -> tuple[FloatArray, FloatArray]:
    """State and parameter vector from a SpecialPoint or a state array."""
    p = p_base.copy()
    if isinstance(start, SpecialPoint):
        for name, value in start.params.items():
            p[_param_index(system, name)] = value
        x = np.array([start.state[nm] for nm in system.state_names], dtype=np.float64)
    else:
        x = np.asarray(start, dtype=np.float64).reshape(-1)
    if x.shape != (system.n,) or not np.all(np.isfinite(x)):
        raise ModelError(f"start must be a SpecialPoint or {system.n} finite numbers")
    return x, p


def _correct_start(fj: FJ, u0: FloatArray, idx: int, what: str) -> FloatArray:
    e = np.zeros_like(u0)
    e[idx] = 1.0
    value = float(u0[idx])

    def fun(u: FloatArray) -> tuple[FloatArray, FloatArray]:
        f, d = fj(u)
        return np.concatenate([f, [u[idx] - value]]), np.vstack([d, e])

    u, _, _ = newton(fun, u0, tol=1e-10, max_iter=30, what=what)
    return u


def _locate_on_curve(fj: FJ, ua: FloatArray, ub: FloatArray, test: Any) -> FloatArray:
    """Root of ``test(u)`` on the curve between ua and ub (Illinois, corrected points)."""
    chord = ub - ua
    c = chord / np.linalg.norm(chord)
    cache: dict[float, FloatArray] = {}

    def point(s: float) -> FloatArray:
        if s in cache:
            return cache[s]
        base = ua + s * chord

        def fun(w: FloatArray) -> tuple[FloatArray, FloatArray]:
            f, d = fj(w)
            return np.concatenate([f, [c @ (w - base)]]), np.vstack([d, c])

        w, _, _ = newton(fun, base, tol=1e-11, max_iter=30, what="special point location")
        cache[s] = w
        return w

    s = illinois(lambda s: test(point(s)), 0.0, 1.0, test(point(0.0)), test(point(1.0)),
                 xtol=1e-14)
    return point(s)


def _state_dict(names: tuple[str, ...], x: FloatArray) -> dict[str, float]:
    return {nm: float(v) for nm, v in zip(names, x, strict=True)}


# ------------------------------------------------------------------ fold curves
def _cusp_c(deriv: Derivatives, x: FloatArray, p: FloatArray) -> tuple[float, float]:
    """Fold coefficient a and cusp coefficient c = 1/6 <p, C(q,q,q) + 3 B(q, h2)>."""
    jac = deriv.fx(x, p)
    hxx, txxx = deriv.hxx(x, p), deriv.txxx(x, p)
    u, _, vt = np.linalg.svd(jac)
    q, pv = vt[-1], u[:, -1]
    pv = pv / float(pv @ q)
    bqq = np.einsum("ijk,j,k->i", hxx, q, q)
    a = 0.5 * float(pv @ bqq)
    n = len(q)
    m = np.zeros((n + 1, n + 1))
    m[:n, :n], m[:n, n], m[n, :n] = jac, q, pv
    h2 = np.linalg.solve(m, np.concatenate([-bqq + 2 * a * q, [0.0]]))[:n]
    c = (float(pv @ np.einsum("ijkl,j,k,l->i", txxx, q, q, q))
         + 3 * float(pv @ np.einsum("ijk,j,k->i", hxx, q, h2))) / 6
    return a, c


@checks.params_were_names
def continue_fold(
    system: Any,
    names: tuple[str, str],
    start: SpecialPoint | ArrayLike,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    settings: ContinuationSettings | None = None,
    params: ParamsLike = None,
    *,
    region: Mapping[str, tuple[float, float]] | None = None,
) -> Curve:
    """continue_fold(system, (p1, p2), start, bounds) -> Curve

    Follow a fold curve in two parameters, detecting cusp and Bogdanov-Takens points.

    Parameters
    ----------
    system : System or Model
    names : (str, str)
        The names of the two parameters; the curve is a set of (p1, p2) pairs.
        (``params=`` with names is the deprecated spelling.)
    start : SpecialPoint or (n,) array
        A fold (e.g. from :func:`~dynsys.bifurcation.continuation.continue_equilibria`) whose
        ``params`` give its parameter values, or a state near a fold at ``params``.
    bounds : mapping name -> (low, high), optional
        Stop where a parameter reaches its bound (default: unbounded).
    settings : ContinuationSettings, optional
    params : mapping or array, optional
        Values of all parameters (the start's own values take precedence);
        ``base_params=`` is its deprecated name.
    region : mapping, optional
        State box (default: the system's region; ``{}`` for none).

    Returns
    -------
    Curve
        With ``tests["cusp"]`` and ``tests["bogdanov_takens"]`` and located points.

    Raises
    ------
    ModelError
        Unknown or repeated parameter names, bad bounds or start.
    ConvergenceError
        If the start is not near a fold.

    References
    ----------
    Kuznetsov (2004), Elements of Applied Bifurcation Theory, Sections 8.2 and 10.2.

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> from dynsys.bifurcation.continuation import continue_equilibria
    >>> system = compile(load_model("self_excitation"))
    >>> fold = continue_equilibria(system, "I", [0.3], (-5, 0)).points("fold")[0]
    >>> curve = continue_fold(system, ("w", "I"), fold, {"w": (0, 1), "I": (-5, 0)})
    >>> cusp = curve.points("cusp")[0]
    >>> round(cusp.params["w"], 9), round(cusp.params["I"], 9)
    (0.016666667, -1.0)
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _continue_fold(system, names, start, bounds, settings, params, region)


def _continue_fold(system: Any, names: tuple[str, str], start: Any, bounds: Any,
                   settings: ContinuationSettings | None, params: ParamsLike,
                   region: Any) -> Curve:
    system, ks, p_base, pb, settings = _setup(system, names, bounds, params, settings)
    x0, p0 = _start_point(start, system, ks, p_base)
    n = system.n
    deriv = derivatives(system)
    u_, _, vt = np.linalg.svd(deriv.fx(x0, p0))
    c0, b0 = vt[-1].copy(), u_[:, -1].copy()
    bf = BorderedFold(deriv, p0.copy(), ks, b=b0.copy(), c=c0.copy())
    u0 = np.concatenate([x0, p0[list(ks)]])
    try:
        u0 = _correct_start(bf.fj, u0, n + 1, "correction of the start onto the fold curve")
    except ConvergenceError as exc:
        raise ConvergenceError(f"{exc}; start from a located fold (continue_equilibria)",
                               last_iterate=exc.last_iterate, history=exc.history) from None
    bf.rebord(u0)
    b_start, c_start = bf.b.copy(), bf.c.copy()
    _, d0 = bf.fj(u0)
    t0 = _tangent(d0, None)
    if t0[n + 1] < 0:
        t0 = -t0

    def reset() -> None:
        bf.b, bf.c = b_start.copy(), c_start.copy()

    xlo, xhi = region_bounds(system, region)
    widths = _widths(pb, xlo, xhi, x0, p0[list(ks)])
    settings = settings.resolved(math.sqrt(len(widths)), 1 / 250)
    boundary = _make_boundary(bf.fj, n, ks, pb, xlo, xhi, tuple(system.state_names),
                              tuple(names))
    us, _, ds, its, start_idx, reasons, closed = _trace_both(
        bf.fj, u0, t0, settings, boundary, on_accept=bf.rebord, reset=reset, widths=widths)

    # test functions with continuously oriented null vectors
    npts = len(us)
    cusp = np.empty(npts)
    bt = np.empty(npts)
    jacs = np.empty((npts, n, n))
    order = list(range(start_idx, npts)) + list(range(start_idx - 1, -1, -1))
    border: dict[int, tuple[FloatArray, FloatArray]] = {}
    for i in order:
        prev = i - 1 if i > start_idx else i + 1
        bf.b, bf.c = border.get(prev, (b_start, c_start))
        x, p = us[i, :n], bf.params(us[i])
        jac = deriv.fx(x, p)
        jacs[i] = jac
        v, w, _ = bf.vectors(jac)
        v, w = v / np.linalg.norm(v), w / np.linalg.norm(w)
        border[i] = (w, v)
        cusp[i] = float(w @ np.einsum("ijk,j,k->i", deriv.hxx(x, p), v, v))
        bt[i] = float(w @ v)
    ev = sorted_eigenvalues(jacs)
    state_names = tuple(system.state_names)
    pnames = tuple(names)
    specials: list[SpecialPoint] = []

    def make_test(kind: str, i: int) -> Any:
        bref, cref = border[i][0], border[i][1]

        def test(u: FloatArray) -> float:
            bf.b, bf.c = bref, cref
            x, p = u[:n], bf.params(u)
            v, w, _ = bf.vectors(deriv.fx(x, p))
            if kind == "cusp":
                return float(w @ np.einsum("ijk,j,k->i", deriv.hxx(x, p), v, v))
            return float(w @ v)

        return test

    for kind, g, ptype in (("cusp", cusp, PointType.CUSP),
                           ("bt", bt, PointType.BOGDANOV_TAKENS)):
        if kind == "bt" and n < 2:
            continue
        for i in _sign_changes(g):
            data: dict[str, Any] = {}
            u = us[i] + g[i] / (g[i] - g[i + 1]) * (us[i + 1] - us[i])
            try:
                u = _locate_on_curve(bf.fj, us[i], us[i + 1], make_test(kind, i))
                data = {"residual": float(np.max(np.abs(bf.fj(u)[0]))), "located": True,
                        "exact_derivatives": deriv.exact}
                if kind == "cusp":
                    a, c = _cusp_c(deriv, u[:n], bf.params(u))
                    data.update({"a": a, "c": c})
            except (ConvergenceError, np.linalg.LinAlgError) as exc:
                data = {"reason": failure_reason(exc)}
            specials.append(SpecialPoint(
                ptype, _full_params(system.param_names, p0,
                                    {pnames[0]: float(u[n]), pnames[1]: float(u[n + 1])}),
                _state_dict(state_names, u[:n]), index=i, varied=pnames, **data))
    specials.sort(key=lambda sp: sp.index)
    return Curve(
        kind="fold", model=system.name, param_names=(pnames[0], pnames[1]),
        params={nm: float(v) for nm, v in zip(system.param_names, p0, strict=True)},
        state_names=state_names, values=us[:, n:n + 2], states=us[:, :n], eigenvalues=ev,
        tests={"cusp": cusp, "bogdanov_takens": bt}, step_sizes=ds, newton_iterations=its,
        special_points=tuple(specials), start_index=start_idx, stop_reasons=reasons,
        closed=closed)


# ------------------------------------------------------------------ Hopf curves
@dataclass
class _HopfSystem:
    """``u = (x, p1, p2, v, kappa)``: F = 0, (A^2 + kappa) v = 0, <v,v> = 1, <v,l> = 0."""

    deriv: Derivatives
    p_base: FloatArray
    free: tuple[int, int]
    ell: FloatArray

    def params(self, u: FloatArray) -> FloatArray:
        p = self.p_base.copy()
        n = self.deriv.n
        p[self.free[0]], p[self.free[1]] = u[n], u[n + 1]
        return p

    def fj(self, u: FloatArray) -> tuple[FloatArray, FloatArray]:
        d = self.deriv
        n = d.n
        x, p = u[:n], self.params(u)
        v, kappa = u[n + 2:2 * n + 2], u[2 * n + 2]
        a = d.fx(x, p)
        hxx, hxp, fp = d.hxx(x, p), d.hxp(x, p), d.fp(x, p)
        av = a @ v
        r = np.concatenate([d.f(x, p), a @ av + kappa * v, [v @ v - 1.0, v @ self.ell]])
        jm = np.zeros((2 * n + 2, 2 * n + 3))
        jm[:n, :n] = a
        jm[:n, n:n + 2] = fp[:, list(self.free)]
        # d/dz [A (A v)] = (dA/dz)(A v) + A (dA/dz) v
        dx = np.einsum("ilj,l->ij", hxx, av) + a @ np.einsum("ilj,l->ij", hxx, v)
        dp = np.einsum("ilk,l->ik", hxp, av) + a @ np.einsum("ilk,l->ik", hxp, v)
        jm[n:2 * n, :n] = dx
        jm[n:2 * n, n:n + 2] = dp[:, list(self.free)]
        jm[n:2 * n, n + 2:2 * n + 2] = a @ a + kappa * np.eye(n)
        jm[n:2 * n, 2 * n + 2] = v
        jm[2 * n, n + 2:2 * n + 2] = 2 * v
        jm[2 * n + 1, n + 2:2 * n + 2] = self.ell
        return r, jm

    def reorient(self, u: FloatArray) -> None:
        n = self.deriv.n
        x, p, v = u[:n], self.params(u), u[n + 2:2 * n + 2]
        av = self.deriv.fx(x, p) @ v
        ell = av - (av @ v) * v
        norm = np.linalg.norm(ell)
        if norm > 1e-12:
            self.ell = ell / norm


@checks.params_were_names
def continue_hopf(
    system: Any,
    names: tuple[str, str],
    start: SpecialPoint | ArrayLike,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    settings: ContinuationSettings | None = None,
    params: ParamsLike = None,
    *,
    region: Mapping[str, tuple[float, float]] | None = None,
) -> Curve:
    """continue_hopf(system, (p1, p2), start, bounds) -> Curve

    Follow a Hopf curve in two parameters; ``kappa = omega^2`` changing sign marks a
    Bogdanov-Takens point (beyond it the curve continues as neutral saddles,
    ``kappa < 0``).

    Parameters
    ----------
    system, names, start, bounds, settings, params, region
        As for :func:`continue_fold`; ``start`` is a Hopf point.

    Returns
    -------
    Curve
        ``tests["kappa"]`` holds omega^2 along the curve.

    References
    ----------
    Kuznetsov (2004), Elements of Applied Bifurcation Theory, Section 10.2.2.

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> from dynsys.bifurcation.continuation import continue_equilibria
    >>> system = compile(load_model("fitzhugh_nagumo"))
    >>> br = continue_equilibria(system, "I", [-1.2, -0.6], (0, 2), params={"I": 0.0})
    >>> curve = continue_hopf(system, ("I", "b"), br.points("hopf")[0], {"b": (0.5, 1.0)})
    >>> bool(np.all(np.abs(curve.tests["kappa"]) > 0))
    True
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        system, ks, p_base, pb, settings = _setup(system, names, bounds, params, settings)
        x0, p0 = _start_point(start, system, ks, p_base)
        n = system.n
        if n < 2:
            raise ModelError("a Hopf curve needs at least two states")
        deriv = derivatives(system)
        a0 = deriv.fx(x0, p0)
        evals, evecs = np.linalg.eig(a0)
        k = int(np.argmin(np.abs(evals.real) + (np.abs(evals.imag) < 1e-12) * 1e9))
        kappa0 = float(evals[k].imag ** 2)
        v0 = evecs[:, k].real.copy()
        if np.linalg.norm(v0) < 1e-8:
            v0 = evecs[:, k].imag.copy()
        v0 /= np.linalg.norm(v0)
        hs = _HopfSystem(deriv, p0.copy(), ks, ell=np.zeros(n))
        u0 = np.concatenate([x0, p0[list(ks)], v0, [kappa0]])
        hs.reorient(u0)
        try:
            u0 = _correct_start(hs.fj, u0, n + 1, "correction of the start onto the Hopf curve")
        except ConvergenceError as exc:
            raise ConvergenceError(f"{exc}; start from a located Hopf point",
                                   last_iterate=exc.last_iterate, history=exc.history) from None
        ell_start = hs.ell.copy()
        _, d0 = hs.fj(u0)
        t0 = _tangent(d0, None)
        if t0[n + 1] < 0:
            t0 = -t0

        def reset() -> None:
            hs.ell = ell_start.copy()

        xlo, xhi = region_bounds(system, region)
        widths = _widths(pb, xlo, xhi, x0, p0[list(ks)])
        settings = settings.resolved(math.sqrt(len(widths)), 1 / 250)
        boundary = _make_boundary(hs.fj, n, ks, pb, xlo, xhi, tuple(system.state_names),
                                  tuple(names))
        us, _, ds, its, start_idx, reasons, closed = _trace_both(
            hs.fj, u0, t0, settings, boundary, on_accept=hs.reorient, reset=reset,
            widths=widths)
        kappa = us[:, 2 * n + 2]
        jacs = np.stack([deriv.fx(u[:n], hs.params(u)) for u in us])
        state_names = tuple(system.state_names)
        pnames = tuple(names)
        specials = []
        for i in _sign_changes(kappa):
            data: dict[str, Any] = {}
            u = us[i] + kappa[i] / (kappa[i] - kappa[i + 1]) * (us[i + 1] - us[i])
            try:
                u = _locate_on_curve(hs.fj, us[i], us[i + 1], lambda z: float(z[2 * n + 2]))
                data = {"residual": float(np.max(np.abs(hs.fj(u)[0]))), "located": True}
            except (ConvergenceError, np.linalg.LinAlgError) as exc:
                data = {"reason": failure_reason(exc)}
            specials.append(SpecialPoint(
                PointType.BOGDANOV_TAKENS,
                _full_params(system.param_names, p0,
                             {pnames[0]: float(u[n]), pnames[1]: float(u[n + 1])}),
                _state_dict(state_names, u[:n]), index=i, varied=pnames, **data))
        return Curve(
            kind="hopf", model=system.name, param_names=(pnames[0], pnames[1]),
            params={nm: float(v) for nm, v in zip(system.param_names, p0, strict=True)},
            state_names=state_names, values=us[:, n:n + 2], states=us[:, :n],
            eigenvalues=sorted_eigenvalues(jacs),
            tests={"kappa": kappa, "omega": np.sqrt(np.maximum(kappa, 0.0))},
            step_sizes=ds, newton_iterations=its, special_points=tuple(specials),
            start_index=start_idx, stop_reasons=reasons, closed=closed)


