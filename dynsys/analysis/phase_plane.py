"""The phase plane of a 2-D system: nullclines, direction field, trajectories,
separatrices and basins of attraction.

``phase_plane(system, params, region) -> PhasePlane`` gathers everything the
report's Figures 7-8 draw; each piece is also available on its own:

* :func:`nullclines` -- each ``F_i = 0`` as curves with all their branches: explicit
  where ``F_i`` is linear in one state (``x = f(w y + I)`` for rate models; solved
  symbolically, sampled along the other state), else traced as the zero contour of
  ``F_i`` on a grid (contourpy, a matplotlib dependency used numerically) and then
  projected onto ``F_i = 0`` by a few Newton steps;
* :func:`direction_field` -- ``F`` on a grid;
* :func:`trajectories` -- classical RK4 runs, vectorized over initial conditions;
* :func:`separatrices` -- the stable manifold of each saddle: integrated *backward* in
  time (:func:`~dynsys.analysis.simulate.adaptive_run`, DOP853) from
  ``saddle +- eps v_s`` (``v_s`` the stable eigenvector), stopping on leaving the
  region or at a maximum time;
* :func:`basin_map` -- a grid of initial conditions integrated together; each end
  point is labelled with the stable equilibrium it reached (within a tolerance),
  or ``-1`` (undecided).

References
----------
Strogatz, S. H. (2015). *Nonlinear Dynamics and Chaos*, 2nd ed., chapters 5-6.
Guckenheimer, J. and Holmes, P. (1983). *Nonlinear Oscillations, Dynamical Systems,
and Bifurcations of Vector Fields*, Section 1.3 (stable manifolds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import contourpy
import numpy as np
import sympy as sp

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._numerics.stepping import rk4, step_count
from dynsys._types import ArrayLike, FloatArray, ParamsLike, RngLike
from dynsys.analysis.equilibria import Equilibria, find_equilibria
from dynsys.analysis.simulate import Adaptive, adaptive_run
from dynsys.analysis.stability import Kind
from dynsys.core.model import Model
from dynsys.core.region import resolve_region
from dynsys.core.system import compile, numeric_function, require_autonomous, resolve_params
from dynsys.errors import ModelError

__all__ = [
    "BasinMap",
    "DirectionField",
    "Nullcline",
    "PhasePlane",
    "Separatrix",
    "basin_map",
    "direction_field",
    "nullclines",
    "phase_plane",
    "separatrices",
    "trajectories",
]

Region = Mapping[str, tuple[float, float]]


@dataclass(frozen=True, eq=False)
class Nullcline:
    """The curve ``F_i = 0`` (``d state/dt = 0``) as branches of points ``(k, 2)``.

    ``method`` is ``"explicit"`` (solved for one state symbolically) or ``"contour"``.
    """

    state_name: str
    index: int
    branches: tuple[FloatArray, ...]
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready branches."""
        return to_jsonable({"state": self.state_name, "method": self.method,
                            "branches": [b.tolist() for b in self.branches]})

    def __repr__(self) -> str:
        return (f"<Nullcline d{self.state_name}/dt = 0: {len(self.branches)} branches "
                f"({self.method})>")


@dataclass(frozen=True, eq=False)
class DirectionField:
    """``F`` on a grid: ``u[j, i], v[j, i]`` at ``(x[i], y[j])``."""

    x: FloatArray
    y: FloatArray
    u: FloatArray
    v: FloatArray

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready arrays."""
        return to_jsonable({"x": self.x.tolist(), "y": self.y.tolist(), "u": self.u.tolist(),
                            "v": self.v.tolist()})

    def __repr__(self) -> str:
        return f"<DirectionField {len(self.x)} x {len(self.y)}>"


@dataclass(frozen=True, eq=False)
class Separatrix:
    """The stable manifold of a saddle: two branches, each a ``(k, 2)`` curve from it."""

    saddle: FloatArray
    branches: tuple[FloatArray, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return to_jsonable({"saddle": self.saddle.tolist(),
                            "branches": [b.tolist() for b in self.branches]})

    def __repr__(self) -> str:
        at = ", ".join(f"{v:.6g}" for v in self.saddle)
        return f"<Separatrix of the saddle ({at}): {len(self.branches)} branches>"


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Basins of attraction on a grid.

    ``labels[j, i]`` is the index into ``attractors`` reached from ``(x[i], y[j])``,
    or ``-1`` when the run ended near none of them within ``t_end`` (undecided).
    """

    x: FloatArray
    y: FloatArray
    labels: Any
    attractors: FloatArray
    kinds: tuple[str, ...]
    t_end: float
    tolerance: float

    @property
    def fractions(self) -> FloatArray:
        """Fraction of grid points in each basin (last entry: undecided)."""
        k = len(self.attractors)
        counts = np.array([np.sum(self.labels == i) for i in [*range(k), -1]], dtype=float)
        return counts / self.labels.size

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return to_jsonable({"x": self.x.tolist(), "y": self.y.tolist(),
                            "labels": self.labels.tolist(),
                            "attractors": self.attractors.tolist(), "kinds": list(self.kinds),
                            "t_end": self.t_end, "tolerance": self.tolerance,
                            "fractions": self.fractions.tolist()})

    def __repr__(self) -> str:
        fr = ", ".join(f"{f:.3g}" for f in self.fractions)
        return (f"<BasinMap {len(self.x)} x {len(self.y)}: {len(self.attractors)} attractors, "
                f"fractions [{fr}] (last: undecided)>")


@dataclass(frozen=True, eq=False)
class PhasePlane:
    """Everything of a 2-D phase portrait (the report's Figures 7-8)."""

    system_name: str
    state_names: tuple[str, str]
    params: Mapping[str, float]
    region: Region
    equilibria: Equilibria
    nullclines: tuple[Nullcline, ...]
    field: DirectionField
    trajectories: tuple[FloatArray, ...]
    separatrices: tuple[Separatrix, ...]
    basin: BasinMap | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the basin map's labels included when computed)."""
        return to_jsonable({
            "model": self.system_name,
            "params": dict(self.params),
            "state_names": list(self.state_names),
            "region": {k: list(v) for k, v in self.region.items()},
            "equilibria": self.equilibria.to_dict()["equilibria"],
            "nullclines": [n.to_dict() for n in self.nullclines],
            "trajectories": [t.tolist() for t in self.trajectories],
            "separatrices": [s.to_dict() for s in self.separatrices],
            "basin": self.basin.to_dict() if self.basin is not None else None,
        })

    def __str__(self) -> str:
        lines = [f"Phase plane of {self.system_name} ({', '.join(self.state_names)})",
                 *("  " + ln for ln in self.equilibria.summary().splitlines()),
                 f"  nullclines: {len(self.nullclines)}, trajectories: "
                 f"{len(self.trajectories)}, separatrices: {len(self.separatrices)}"]
        if self.basin is not None:
            lines.append(f"  {self.basin!r}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<PhasePlane {self.system_name}: {len(self.equilibria)} equilibria, "
                f"{len(self.trajectories)} trajectories, {len(self.separatrices)} separatrices"
                f"{', basin map' if self.basin is not None else ''}>")

    def summary(self) -> str:
        """Short text description (what ``dynsys phase`` prints)."""
        lines = [self.equilibria.summary()]
        for nc in self.nullclines:
            pts = sum(len(b) for b in nc.branches)
            lines.append(f"  d{nc.state_name}/dt = 0: {len(nc.branches)} branch(es), {pts} points "
                         f"({nc.method})")
        for s in self.separatrices:
            lines.append(f"  separatrix through saddle ({s.saddle[0]:.6g}, {s.saddle[1]:.6g}): "
                         f"{sum(len(b) for b in s.branches)} points")
        if self.basin is not None:
            fr = self.basin.fractions
            parts = [f"({a[0]:.4g}, {a[1]:.4g}): {f:.1%}" for a, f in
                     zip(self.basin.attractors, fr[:-1], strict=True)]
            lines.append("  basins: " + "; ".join([*parts, f"undecided: {fr[-1]:.1%}"]))
        return "\n".join(lines)


# ----------------------------------------------------------------------- helpers
def _setup(system: Any, params: ParamsLike, region: Region | None,
           ) -> tuple[Any, FloatArray, dict[str, tuple[float, float]]]:
    compiled = compile(system) if isinstance(system, Model) else system
    require_autonomous(compiled, "the phase plane")
    if compiled.n != 2:
        raise ModelError(f"the phase plane needs 2 states; {compiled.name} has {compiled.n}")
    p = np.asarray(resolve_params(compiled, params), dtype=np.float64)
    pmap = dict(zip(compiled.param_names, (float(v) for v in p), strict=True))
    return compiled, p, resolve_region(compiled, pmap, region)


def _axis(bounds: tuple[float, float], n: int) -> FloatArray:
    return np.linspace(float(bounds[0]), float(bounds[1]), int(n))


def _split(points: FloatArray, keep: Any) -> list[FloatArray]:
    """Contiguous runs of ``points`` where ``keep`` holds (at least 2 points each)."""
    out: list[FloatArray] = []
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return out
    breaks = np.flatnonzero(np.diff(idx) > 1)
    for run in np.split(idx, breaks + 1):
        if run.size >= 2:
            out.append(points[run])
    return out


def _explicit(system: Any, p: FloatArray, i: int, box: list[tuple[float, float]],
              points: int) -> list[FloatArray] | None:
    model = getattr(system, "model", None)
    if not isinstance(model, Model):
        return None
    subs = {s: sp.Float(v) for s, v in zip(model.param_symbols, p, strict=True)}
    fi = model.rhs[i].xreplace(subs)
    states = model.states
    for j in (i, 1 - i):  # prefer solving F_i for x_i (rate models)
        v, u = states[j], states[1 - j]
        d = sp.diff(fi, v)
        if d.free_symbols & set(states) or d == 0:
            continue
        expr = -fi.xreplace({v: 0}) / d
        fn = numeric_function([u], expr)
        us = _axis(box[1 - j], points)
        with np.errstate(all="ignore"):
            vs = np.broadcast_to(np.asarray(fn(us), dtype=np.float64), us.shape)
        lo, hi = box[j]
        pad = 1e-9 * (hi - lo)
        keep = np.isfinite(vs) & (vs >= lo - pad) & (vs <= hi + pad)
        pts = np.empty((points, 2))
        pts[:, j], pts[:, 1 - j] = vs, us
        return _split(pts, keep)
    return None


def _contour(system: Any, p: FloatArray, i: int, box: list[tuple[float, float]],
             points: int) -> list[FloatArray]:
    m = max(int(np.sqrt(points)) * 8, 101)
    xs = _axis(box[0], m)
    ys = _axis(box[1], m)
    gx, gy = np.meshgrid(xs, ys)
    z = system.rhs(np.stack([gx, gy], axis=-1), p)[..., i]
    gen = contourpy.contour_generator(gx, gy, z, line_type=contourpy.LineType.Separate)
    out = []
    lo = np.array([b[0] for b in box])
    hi = np.array([b[1] for b in box])
    for line in gen.lines(0.0):
        pts = np.asarray(line, dtype=np.float64)
        for _ in range(4):  # project onto F_i = 0
            f = system.rhs(pts, p)[:, i]
            g = system.jac(pts, p)[:, i, :]
            g2 = np.sum(g * g, axis=1)
            step = np.where(g2 > 0, f / np.where(g2 > 0, g2, 1.0), 0.0)
            pts = pts - step[:, None] * g
        pad = 1e-9 * (hi - lo)
        keep = np.all(np.isfinite(pts), axis=1) & np.all((pts >= lo - pad) & (pts <= hi + pad), 1)
        out += _split(pts, keep)
    return out


def nullclines(system: Any, params: ParamsLike = None, region: Region | None = None,
               *, points: int = 801) -> tuple[Nullcline, Nullcline]:
    """The two nullclines of a 2-D system: ``nullclines(system) -> (Nullcline, Nullcline)``.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> nx, ny = nullclines(load_model("mutual_excitation"))
    >>> nx.method, len(nx.branches)
    ('explicit', 1)
    """
    compiled, p, reg = _setup(system, params, region)
    box = [reg[k] for k in compiled.state_names]
    out = []
    for i, name in enumerate(compiled.state_names):
        branches = _explicit(compiled, p, i, box, points)
        method = "explicit"
        if branches is None:
            branches, method = _contour(compiled, p, i, box, points), "contour"
        out.append(Nullcline(name, i, tuple(branches), method))
    return out[0], out[1]


def direction_field(system: Any, params: ParamsLike = None, region: Region | None = None,
                    *, n: int = 20) -> DirectionField:
    """``F`` on an ``n x n`` grid over the region."""
    compiled, p, reg = _setup(system, params, region)
    xs = _axis(reg[compiled.state_names[0]], n)
    ys = _axis(reg[compiled.state_names[1]], n)
    gx, gy = np.meshgrid(xs, ys)
    f = compiled.rhs(np.stack([gx, gy], axis=-1), p)
    return DirectionField(xs, ys, f[..., 0], f[..., 1])


def _rk4(system: Any, p: FloatArray, x0: FloatArray, t_end: float, dt: float,
         save: bool = True) -> FloatArray:
    """RK4 for a batch ``(B, n)`` in steps of at most ``dt``; ``(B, T, n)`` or the end ``(B, n)``.

    Non-finite states are kept (the callers cut or label them).
    """
    steps = step_count(t_end, dt, method="RK4")

    def radius(y: FloatArray) -> float:  # the Jacobian's spectral radius over the batch
        jac = np.asarray(system.jac(y, p))
        ok = np.all(np.isfinite(jac), axis=(-2, -1))
        return float(np.max(np.abs(np.linalg.eigvals(jac[ok])))) if np.any(ok) else 0.0

    out = rk4(lambda y: system.rhs(y, p), x0, t_end / steps, steps, save=save,
              allow_nonfinite=True, what=f"RK4 run of {system.name}", radius=radius)
    return np.moveaxis(out, 0, 1) if save else out


def _time_scales(eq: Equilibria) -> tuple[float, float]:
    """(slowest, fastest) rates |Re lambda| / |lambda| over the equilibria, with defaults."""
    rates = [abs(v.real) for e in eq for v in e.eigenvalues if abs(v.real) > 1e-9]
    mags = [abs(v) for e in eq for v in e.eigenvalues]
    slow = min(rates) if rates else 1.0
    fast = max(mags) if mags else 1.0
    return max(slow, 1e-3), max(fast, 1e-3)


def trajectories(system: Any, initial: ArrayLike, params: ParamsLike = None, *,
                 t_end: float = 20.0, dt: float = 0.01) -> tuple[FloatArray, ...]:
    """Noiseless RK4 trajectories from each initial state, each ``(T, 2)`` (finite part)."""
    compiled = compile(system) if isinstance(system, Model) else system
    require_autonomous(compiled, "trajectories")
    p = np.asarray(resolve_params(compiled, params), dtype=np.float64)
    x0 = np.atleast_2d(np.asarray(initial, dtype=np.float64))
    if x0.shape[-1] != compiled.n:
        raise ModelError(f"initial states need {compiled.n} entries, got shape {x0.shape}")
    t_end, dt = checks.positive(t_end, "t_end"), checks.positive(dt, "dt")
    paths = _rk4(compiled, p, x0, t_end, min(dt, t_end))
    out = []
    for path in paths:
        good = np.all(np.isfinite(path), axis=1)
        stop = int(np.argmin(good)) if not np.all(good) else len(path)
        out.append(path[:stop])
    return tuple(out)


def separatrices(system: Any, equilibria: Equilibria, params: ParamsLike = None,
                 region: Region | None = None, *, eps: float = 1e-6,
                 t_max: float | None = None) -> tuple[Separatrix, ...]:
    """Stable manifolds of the saddles in ``equilibria``, integrated backward in time.

    ``eps`` is the relative offset (of the region's size) along the stable
    eigenvector; integration stops when the curve leaves the region (2% margin) or at
    ``t_max`` (default ``40 / |lambda_s|``).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> m = load_model("mutual_excitation")
    >>> (sep,) = separatrices(m, find_equilibria(m))
    >>> end = sep.branches[0][-1]; bool(abs(end[0] + end[1] - 50) < 1e-3)
    True
    """
    compiled, p, reg = _setup(system, params, region)
    lo = np.array([reg[k][0] for k in compiled.state_names])
    hi = np.array([reg[k][1] for k in compiled.state_names])
    size = float(np.linalg.norm(hi - lo))
    margin = 0.02 * (hi - lo)
    out = []
    for e in equilibria:
        if e.kind is not Kind.SADDLE:
            continue
        k = int(np.argmin(e.eigenvalues.real))
        lam = float(e.eigenvalues[k].real)
        vec = np.real(e.eigenvectors[:, k])
        vec = vec / np.linalg.norm(vec)
        tm = t_max if t_max is not None else 40.0 / abs(lam)

        def back(_t: float, x: FloatArray) -> FloatArray:
            return -compiled.rhs(x, p)

        def leave(_t: float, x: FloatArray) -> float:
            return float(np.min(np.concatenate([x - (lo - margin), (hi + margin) - x])))

        leave.terminal = True  # type: ignore[attr-defined]
        method = Adaptive("DOP853", rtol=1e-9, atol=1e-12 * size, max_step=tm / 200)
        branches = []
        for sgn in (1.0, -1.0):
            x0 = e.state + sgn * eps * size * vec
            sol = adaptive_run(back, (0.0, tm), x0, method, events=leave)
            pts = np.vstack([e.state, sol.y.T])
            good = np.all(np.isfinite(pts), axis=1)
            branches.append(pts[good])
        out.append(Separatrix(e.state.copy(), tuple(branches)))
    return tuple(out)


#: Bytes per run of a basin map (RK4 stages and temporaries of a (B, 2) batch, distances,
#: labels), and the most one map may use.
_BYTES_PER_RUN = 400
_MAX_BASIN_BYTES = 4e9


def basin_map(system: Any, equilibria: Equilibria, params: ParamsLike = None,
              region: Region | None = None, *, resolution: int | tuple[int, int] = 101,
              t_end: float | None = None, dt: float | None = None,
              tolerance: float = 1e-2) -> BasinMap:
    """Label a grid of initial conditions by the stable equilibrium each run reaches.

    Parameters
    ----------
    resolution : int or (nx, ny), default 101
    t_end, dt : float, optional
        Integration time (default ``25 / slowest |Re lambda|``) and RK4 step (default
        ``0.2 / fastest |lambda|``) from the equilibria's eigenvalues.
    tolerance : float, default 1e-2
        An end point belongs to an attractor within this fraction of the region size
        (max-norm, per state; reduced when attractors are closer together).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> m = load_model("mutual_excitation")
    >>> b = basin_map(m, find_equilibria(m), resolution=11)
    >>> int(b.labels[0, 0]), int(b.labels[-1, -1])
    (0, 1)
    """
    compiled, p, reg = _setup(system, params, region)
    nx, ny = (resolution, resolution) if isinstance(resolution, (int, np.integer)) else resolution
    for k in (nx, ny):
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
            raise ModelError(f"resolution must be an integer >= 2 or a pair of them, "
                             f"got {resolution!r}")
    if nx * ny * _BYTES_PER_RUN > _MAX_BASIN_BYTES:  # checked before anything is allocated
        raise ModelError(
            f"resolution = {resolution!r} is {nx * ny:.4g} runs needing about "
            f"{nx * ny * _BYTES_PER_RUN / 1e9:.3g} GB (more than {_MAX_BASIN_BYTES / 1e9:g} "
            "GB); use a smaller resolution")
    xs = _axis(reg[compiled.state_names[0]], int(nx))
    ys = _axis(reg[compiled.state_names[1]], int(ny))
    gx, gy = np.meshgrid(xs, ys)
    slow, fast = _time_scales(equilibria)
    te = float(t_end) if t_end is not None else min(25.0 / slow, 5000.0)
    h = float(dt) if dt is not None else min(0.2 / fast, te / 50)
    ends = _rk4(compiled, p, np.stack([gx.ravel(), gy.ravel()], axis=1), te, h, save=False)
    attractors = np.array([e.state for e in equilibria if e.stable]).reshape(-1, 2)
    width = np.array([xs[-1] - xs[0], ys[-1] - ys[0]])
    tol = float(tolerance)
    if len(attractors) > 1:
        d = np.abs(attractors[:, None, :] - attractors[None, :, :]) / width
        sep = np.max(d, axis=2)[~np.eye(len(attractors), dtype=bool)].min()
        tol = min(tol, 0.25 * float(sep))
    labels = np.full(len(ends), -1, dtype=int)
    if len(attractors):
        dist = np.max(np.abs(ends[:, None, :] - attractors[None, :, :]) / width, axis=2)
        dist = np.where(np.isfinite(dist), dist, np.inf)
        best = np.argmin(dist, axis=1)
        ok = dist[np.arange(len(ends)), best] <= tol
        labels[ok] = best[ok]
    kinds = tuple(e.kind.value for e in equilibria if e.stable)
    return BasinMap(xs, ys, labels.reshape(len(ys), len(xs)), attractors, kinds, te, tol)


def _default_initial(reg: Region, names: Sequence[str]) -> FloatArray:
    (x0, x1), (y0, y1) = reg[names[0]], reg[names[1]]
    fx = np.array([0.05, 0.5, 0.95])
    pts = [(x0 + a * (x1 - x0), y0 + b * (y1 - y0)) for a in fx for b in fx if (a, b) != (0.5, 0.5)]
    return np.array(pts)


def phase_plane(system: Any, params: ParamsLike = None, region: Region | None = None, *,
                initial: ArrayLike | None = None, t_end: float | None = None,
                field_n: int = 20, basin: bool = False, basin_resolution: int = 101,
                rng: RngLike = 0) -> PhasePlane:
    """The whole phase portrait: ``phase_plane(system, params, region) -> PhasePlane``.

    Parameters
    ----------
    initial : array (k, 2), optional
        Starts of the trajectories (default: 8 points around the region's edge).
    t_end : float, optional
        Trajectory length (default ``15 / slowest |Re lambda|``, at most 1000).
    field_n : int, default 20
        Direction-field grid size.
    basin : bool, default False
        Also compute the basin map (``basin_resolution`` squared runs).
    rng : Generator, SeedSequence, int or None, default 0
        Seed of the equilibrium search (recorded in ``equilibria.seed``).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> pp = phase_plane(load_model("mutual_excitation"))
    >>> [e.kind.value for e in pp.equilibria], len(pp.separatrices)
    (['stable node', 'saddle', 'stable node'], 1)
    """
    compiled, p, reg = _setup(system, params, region)
    eq = find_equilibria(compiled, p, reg, rng=rng)
    slow, fast = _time_scales(eq)
    te = float(t_end) if t_end is not None else min(15.0 / slow, 1000.0)
    x0 = _default_initial(reg, compiled.state_names) if initial is None else initial
    trajs = trajectories(compiled, x0, p, t_end=te, dt=min(0.1 / fast, te / 100))
    return PhasePlane(
        system_name=compiled.name,
        state_names=(compiled.state_names[0], compiled.state_names[1]),
        params=MappingProxyType(dict(eq.params)),
        region=MappingProxyType(reg),
        equilibria=eq,
        nullclines=nullclines(compiled, p, reg),
        field=direction_field(compiled, p, reg, n=field_n),
        trajectories=trajs,
        separatrices=separatrices(compiled, eq, p, reg),
        basin=basin_map(compiled, eq, p, reg, resolution=basin_resolution) if basin else None,
    )
