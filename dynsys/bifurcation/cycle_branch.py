"""Continuation of periodic orbits: ``continue_cycles -> CycleBranch``.

``continue_cycles(system, param, start, bounds)`` follows a family of periodic orbits
in one parameter from a Hopf point or a :class:`~dynsys.bifurcation.cycles.Cycle`, by
Keller's pseudo-arclength method on the collocation system of
:mod:`dynsys.bifurcation._collocation` (unknowns: the profile's node values, the
period and the parameter; equations: collocation, the integral phase condition against
the previous orbit, and the arclength condition). As in AUTO, the arclength norm is
the L2 norm of the profile (each state divided by its scale) plus the parameter
(divided by the width of its bounds); the period is left out of it, so that the steps
stay finite as the period grows near a homoclinic orbit. Each Newton step is one
sparse LU (``scipy.sparse.linalg.splu``) of the bordered, block-banded Jacobian. The
mesh is adapted by equidistribution every ``adapt_every`` steps.

Along the branch the Floquet multipliers of every orbit give the stability and three
test functions whose sign changes flag special points, each located by the Illinois
method along the arclength:

* fold of cycles (``"fold_of_cycles"``): the parameter component of the tangent;
* period doubling (``"period_doubling"``): ``prod (mu_i + 1)`` over the nontrivial
  multipliers (a real multiplier through -1);
* Neimark-Sacker (``"neimark_sacker"``): ``prod_{i<j} (mu_i mu_j - 1)`` over the
  nontrivial multipliers, kept only where the critical pair is complex.

The branch ends at a Hopf point (the amplitude vanishes: the profile turns over, the
Hopf point is then located on the equilibria by the standard augmented system), at a
parameter bound (the last orbit solved exactly on it), at a homoclinic approach, or
after ``max_steps``. A homoclinic approach is declared once the period exceeds 10
times the branch's smallest and the parameter agrees with its extrapolated limit
(:func:`~dynsys.bifurcation._cycle_ends.extrapolate`: exponential growth of the
period at a saddle, ``T^-2`` linear at a saddle-node) to ``homoclinic_tol`` times the
width of the bounds, or once the period exceeds ``period_max``; the end names the
equilibrium the orbit slows down at and gives the extrapolated parameter.

References
----------
Doedel, E. J., Keller, H. B. and Kernevez, J. P. (1991). Numerical analysis and
control of bifurcation problems (II). Int. J. Bifurcation and Chaos 1, 745-772.
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
Section 10.3.
Doedel, E. J. et al. (2007). AUTO-07P: continuation and bifurcation software for
ordinary differential equations (the manual: THL, NTST, NCOL, IAD).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import dynsys.bifurcation._collocation as col
from dynsys._io import to_jsonable
from dynsys._types import ComplexArray, FloatArray, ParamsLike
from dynsys.bifurcation._arclength import ContinuationSettings, _param_index
from dynsys.bifurcation._cycle_ends import (
    homoclinic_end,
    hopf_at,
    hopf_end,
    hopf_first,
    hopf_point,
    make_end,
    on_bound,
)
from dynsys.bifurcation._cycle_guess import params_mapping
from dynsys.bifurcation._cycle_step import Pt, Tracer, deviation
from dynsys.bifurcation.continuation import _path, label_runs
from dynsys.bifurcation.cycles import (
    Cycle,
    CycleSettings,
    Solution,
    _require_smooth,
    find_cycle,
    make_cycle,
    nontrivial,
    solve_fixed,
)
from dynsys.bifurcation.locate import illinois
from dynsys.bifurcation.points import PointType, SpecialPoint
from dynsys.core.region import region_bounds
from dynsys.core.system import compile, require_autonomous, resolve_params
from dynsys.errors import ConvergenceError, DynsysError, ModelError

__all__ = ["CycleBranch", "continue_cycles"]


@dataclass(frozen=True, eq=False)
class CycleBranch:
    """A family of periodic orbits traced in one parameter.

    Attributes
    ----------
    model, param : str
    params : mapping
        The other parameters' values (the continued one at the start).
    state_names : tuple of str
    values : (N,) array
        The parameter along the branch.
    period : (N,) array
    maxima, minima : (N, n) arrays
        Range of each state over each orbit.
    multipliers : (N, n) complex array
        Floquet multipliers (decreasing modulus).
    stable : (N,) bool array
    unstable : (N,) int array
        Nontrivial multipliers outside the unit circle.
    cycles : tuple of Cycle
        Every orbit (profile, mesh, diagnostics).
    special_points : tuple of SpecialPoint
        Folds of cycles, period doublings, Neimark-Sacker points (``state`` is the
        orbit's point at t = 0; ``period`` their period).
    ends : tuple of two dicts
        How the branch begins and ends: ``{"type": "hopf" | "bound" | "homoclinic" |
        "max_steps" | "step_failure" | "cycle", "params": {...}, ...}``.
    step_sizes, newton_iterations : (N,) arrays
    """

    model: str
    param: str
    params: Mapping[str, float]
    state_names: tuple[str, ...]
    values: FloatArray
    period: FloatArray
    maxima: FloatArray
    minima: FloatArray
    multipliers: ComplexArray
    stable: Any
    unstable: Any
    cycles: tuple[Cycle, ...]
    special_points: tuple[SpecialPoint, ...]
    ends: tuple[Mapping[str, Any], Mapping[str, Any]]
    step_sizes: FloatArray = field(default_factory=lambda: np.zeros(0))
    newton_iterations: Any = field(default_factory=lambda: np.zeros(0, dtype=int))

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @property
    def end(self) -> Mapping[str, Any]:
        """How the branch ended (the far end from its start)."""
        return self.ends[1]

    def points(self, kind: str | PointType) -> tuple[SpecialPoint, ...]:
        """The special points of one type (e.g. ``"fold_of_cycles"``)."""
        kind = PointType(kind)
        return tuple(sp for sp in self.special_points if sp.type is kind)

    def stability_runs(self) -> list[tuple[int, int, str]]:
        """Runs of one stability label ``(start, stop, label)``, stop exclusive."""
        return label_runs(["stable" if self.stable[i] else f"{int(self.unstable[i])} unstable"
                           if self.unstable[i] else "neutral" for i in range(len(self))])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: values, period, max/min per state, stability, multipliers, ends."""
        names = self.state_names
        return to_jsonable({
            "kind": "cycles", "model": self.model, "param": self.param,
            "params": dict(self.params), "state_names": list(names),
            "values": self.values, "period": self.period,
            "max": {nm: self.maxima[:, i] for i, nm in enumerate(names)},
            "min": {nm: self.minima[:, i] for i, nm in enumerate(names)},
            "stable": self.stable, "unstable": self.unstable,
            "multipliers": [[{"re": float(z.real), "im": float(z.imag)} for z in row]
                            for row in self.multipliers],
            "special_points": [sp.to_dict() for sp in self.special_points],
            "start": dict(self.ends[0]), "end": dict(self.ends[1]),
            "mesh": {"ntst": self.cycles[0].ntst if self.cycles else 0,
                     "ncol": self.cycles[0].ncol if self.cycles else 0},
            "step_sizes": self.step_sizes, "newton_iterations": self.newton_iterations,
        })

    def __str__(self) -> str:
        others = ", ".join(f"{k}={v:g}" for k, v in self.params.items() if k != self.param)
        lines = [f"Branch of periodic orbits of {self.model} in {self.param}"
                 + (f" ({others})" if others else "")]
        rows = [f"{len(self)} orbits, {self.param} in [{self.values.min():.6g}, "
                f"{self.values.max():.6g}], period {self.period.min():.6g} .. "
                f"{self.period.max():.6g}"]
        runs = [f"{lab} {self.param} {_path(self.values[a:b])}"
                for a, b, lab in self.stability_runs()]
        rows.append("stability: " + "; ".join(runs))
        k = len(self.special_points)
        if k:
            rows.append(f"{k} special point{'s' if k != 1 else ''}:")
        body: list[str | None] = [*rows, None,
                                  f"ends: {_end_text(self.ends[0])} | {_end_text(self.ends[1])}"]
        for i, row in enumerate(body):
            if row is None:
                for j, sp in enumerate(self.special_points):
                    lead = "│  " + ("└─ " if j == k - 1 else "├─ ")
                    lines.append(lead + _describe(sp))
                continue
            lines.append(("└─ " if i == len(body) - 1 else "├─ ") + row)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<CycleBranch {self.model} in {self.param}: {len(self)} orbits, "
                f"{len(self.special_points)} special points, ends "
                f"{self.ends[0]['type']}/{self.ends[1]['type']}>")


def _describe(sp: SpecialPoint) -> str:
    pars = ", ".join(f"{k} = {v:.10g}" for k, v in sp.params.items() if k in sp.varied)
    extra = f", period {sp.period:.8g}" if sp.period is not None else ""
    flag = "" if sp.located else f"; NOT LOCATED ({sp.reason})"
    return f"{sp.type.value:<16}{pars}{extra}{flag}"


def _end_text(end: Mapping[str, Any]) -> str:
    pars = ", ".join(f"{k} = {v:.8g}" for k, v in end.get("params", {}).items()
                     if k == end.get("param"))
    kind = end["type"]
    if kind == "homoclinic":
        saddle = ", ".join(f"{k} = {v:.6g}" for k, v in end.get("saddle", {}).items())
        near = (f"{end.get('saddle_kind', 'equilibrium')} at {saddle}" if saddle
                else f"equilibrium: {end.get('saddle_kind', 'none found')}")
        est = end.get("estimate")
        return (f"homoclinic approach at {pars} (period {end['period']:.6g}; {near}"
                + (f"; extrapolated {end['param']} = {est:.8g}" if est is not None else "")
                + ")")
    if kind == "hopf":
        return f"Hopf point at {pars}"
    if kind == "bound":
        return f"{pars} (bound)"
    if kind == "cycle":
        return f"start at {pars}"
    return f"{kind.replace('_', ' ')} at {pars}" + (
        f" ({end['reason']})" if end.get("reason") else "")


def _tests(a: Pt, mu: ComplexArray) -> FloatArray:
    """Test functions (fold, period doubling, Neimark-Sacker) at one orbit."""
    nt = nontrivial(mu)
    g_pd = float(np.prod(nt + 1.0).real)
    i, j = np.triu_indices(len(nt), 1)
    g_ns = float(np.prod(nt[i] * nt[j] - 1.0).real) if len(i) else 1.0
    return np.array([float(a.t[-1]), g_pd, g_ns])


#: The mesh is adapted after a step whose error estimate (relative to the smallest
#: state scale) exceeds ERROR_ADAPT and twice its value after the last adaptation (what
#: a mesh of ntst intervals can do is not improved by adapting again), and otherwise
#: every 3 steps. (A shorter step does not help an orbit that its mesh cannot resolve:
#: each Cycle reports its estimate.)
ERROR_ADAPT = 1e-5
#: A homoclinic approach is tested for once the period exceeds HOMOCLINIC_START times
#: the branch's smallest period; without ``CycleSettings.period_max`` the branch stops
#: at PERIOD_MAX times that period in any case.
HOMOCLINIC_START, PERIOD_MAX = 10.0, 1000.0

_KINDS = (PointType.FOLD_OF_CYCLES, PointType.PERIOD_DOUBLING, PointType.NEIMARK_SACKER)


def continue_cycles(
    system: Any,
    param: str,
    start: Any,
    bounds: tuple[float, float],
    settings: ContinuationSettings | None = None,
    *,
    params: ParamsLike = None,
    collocation: CycleSettings | None = None,
) -> CycleBranch:
    """continue_cycles(system, param, start, bounds, settings=None) -> CycleBranch

    Continue periodic orbits in ``param`` from a Hopf point or a cycle.

    Parameters
    ----------
    system : System or Model
        Smooth and autonomous.
    param : str
        The continued parameter.
    start : SpecialPoint (Hopf) or Cycle
        A Hopf point (the branch starts on it, at zero amplitude, along its critical
        eigenvector, and is followed in the one direction where cycles exist) or a
        cycle (followed in both directions).
    bounds : (float, float)
        Parameter interval; the branch stops on its ends.
    settings : ContinuationSettings, optional
        Step control as for :func:`~dynsys.bifurcation.continuation.continue_equilibria`
        (``ds_max`` default: 1/25 of the unit box's diagonal, in the scaled norm above).
    params : mapping or array, optional
        The other parameters (default: the start's).
    collocation : CycleSettings, optional
        Mesh (``ntst``, ``ncol``), ``homoclinic_tol`` and ``period_max`` (the
        homoclinic stop) and ``amplitude_min`` (Hopf stop). The mesh is adapted every
        3 steps, and after any step whose error estimate grew.

    Returns
    -------
    CycleBranch

    Examples
    --------
    The Hopf normal form ``z' = (mu + i) z - |z|^2 z``: cycles of radius sqrt(mu) and
    period 2 pi for mu > 0.

    >>> import sympy as sp
    >>> from dynsys import Model, continue_equilibria
    >>> x, y, mu = sp.symbols("x y mu", real=True)
    >>> m = Model({x: mu * x - y - x * (x**2 + y**2), y: x + mu * y - y * (x**2 + y**2)},
    ...           params={mu: -0.5}, name="hopf_nf", region={x: (-2, 2), y: (-2, 2)})
    >>> eq = continue_equilibria(m, "mu", [0.0, 0.0], (-0.5, 0.5))
    >>> br = continue_cycles(m, "mu", eq.points("hopf")[0], (-0.5, 1.0))
    >>> br.end["type"], round(float(br.maxima[-1, 0]), 8), round(float(br.period[-1]), 8)
    ('bound', 1.0, 6.28318531)
    """
    s = settings or ContinuationSettings()
    cs = collocation or CycleSettings()
    system = compile(system)
    require_autonomous(system, "continue_cycles")
    _require_smooth(system)
    k = _param_index(system, param)
    lo, hi = (float(b) for b in bounds)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ModelError(f"bounds must be two finite numbers lo < hi, got {bounds!r}")
    names = tuple(system.param_names)
    hopf_start = isinstance(start, SpecialPoint)
    if hopf_start:
        if start.type is not PointType.HOPF:
            raise ModelError(f"cycles start from a Hopf point or a Cycle, not a "
                             f"{start.type.value}")
        p_base = resolve_params(system, {**params_mapping(system, params), **dict(start.params)}
                                ).astype(np.float64)
    elif isinstance(start, Cycle):
        p_base = resolve_params(system, {**dict(start.params), **params_mapping(system, params)}
                                ).astype(np.float64)
    else:
        raise ModelError("start must be a Hopf SpecialPoint or a Cycle (find one with "
                         f"find_cycle), got {type(start).__name__}")
    if not lo <= p_base[k] <= hi:
        raise ModelError(f"the start's {param} = {p_base[k]:g} lies outside the bounds "
                         f"[{lo:g}, {hi:g}]")
    xlo, xhi = region_bounds(system)
    x_ref = np.array([start.state[nm] for nm in system.state_names]) if hopf_start else \
        start.mean
    width = xhi - xlo
    sx = np.where(np.isfinite(width) & (width > 0), width, 2 * np.maximum(1.0, np.abs(x_ref)))
    tracer = Tracer(system, k, p_base, sx, hi - lo, s, cs)
    s = s.resolved(math.sqrt(len(sx) + 1.0), 1 / 25)
    tracer.s = s
    if hopf_start:
        first, mu0 = hopf_first(tracer, start, cs)
        fwd = _trace(tracer, first, mu0, (lo, hi), cs, skip_tests=True)
        pts, specials, ends = fwd.pts, fwd.specials, (hopf_end(system, start, k), fwd.end)
        mults = fwd.mults
    else:
        sol = _solution_of(system, start, p_base, cs)
        _, lin, c, _ = tracer.linear(sol.mesh, tracer.vec(sol), sol.u)
        t0 = np.zeros(sol.u.size + 2)
        t0[-1] = 1.0
        t0 = tracer.tangent(sol.mesh, lin, c, t0)
        first = Pt(sol, t0)
        mu0 = col.multipliers(sol.lin)
        fwd = _trace(tracer, first, mu0, (lo, hi), cs)
        bwd = _trace(tracer, Pt(sol, -t0), mu0, (lo, hi), cs)
        pts = [*bwd.pts[:0:-1], *fwd.pts]
        mults = [*bwd.mults[:0:-1], *fwd.mults]
        nb = len(bwd.pts) - 1
        specials = [(nb - i if j == 0 else nb + i, sp) for j, lst in
                    enumerate((bwd.specials, fwd.specials)) for i, sp in lst]
        ends = (bwd.end, fwd.end)
    cycles = tuple(_cycle_of(system, pt.sol, mu, names) for pt, mu in zip(pts, mults,
                                                                          strict=True))
    specials = _merge_folds(sorted(specials, key=lambda item: item[0]), k,
                            1e-8 * (hi - lo))
    return CycleBranch(
        model=system.name, param=param,
        params=dict(zip(names, p_base.tolist(), strict=True)),
        state_names=tuple(system.state_names),
        values=np.array([c.params[param] for c in cycles]),
        period=np.array([c.period for c in cycles]),
        maxima=np.array([c.max for c in cycles]), minima=np.array([c.min for c in cycles]),
        multipliers=np.array([c.multipliers for c in cycles]),
        stable=np.array([c.stable for c in cycles]),
        unstable=np.array([c.unstable_multipliers for c in cycles], dtype=int),
        cycles=cycles,
        special_points=tuple(dataclasses.replace(sp, index=i) for i, sp in specials),
        ends=(ends[0], ends[1]),
        step_sizes=np.array([pt.ds for pt in pts]),
        newton_iterations=np.array([pt.sol.iterations for pt in pts], dtype=int))


def _merge_folds(specials: list[tuple[int, SpecialPoint]], k: int, thr: float
                 ) -> list[tuple[int, SpecialPoint]]:
    """Merge runs of consecutive folds of cycles closer than ``thr`` in the parameter.

    Where a branch is nearly vertical (a canard explosion: the orbit changes completely
    within 1e-9 of the parameter), the parameter's variation along it is below the
    corrector's accuracy, and its sign changes are noise: an odd run of such folds is
    one fold (the first is kept), an even run is none.
    """
    out: list[tuple[int, SpecialPoint]] = []
    run: list[tuple[int, SpecialPoint]] = []

    def flush() -> None:
        if len(run) % 2 == 1:
            out.append(run[0])
        run.clear()

    for item in specials:
        sp = item[1]
        if sp.type is not PointType.FOLD_OF_CYCLES:
            flush()
            out.append(item)
            continue
        value = next(iter(sp.params.values()))
        if run and abs(value - next(iter(run[-1][1].params.values()))) > thr:
            flush()
        run.append(item)
    flush()
    return sorted(out, key=lambda item: item[0])


def _solution_of(system: Any, cyc: Cycle, p: FloatArray, cs: CycleSettings) -> Solution:
    c2 = find_cycle(system, cyc, p, settings=cs)
    mesh = col.Mesh(c2.mesh, c2.ncol)
    return solve_fixed(system, mesh, c2.nodes, c2.period, p, c2.nodes, tol=cs.newton_tol,
                       max_iter=cs.max_newton_iter)


def _cycle_of(system: Any, sol: Solution, mu: ComplexArray, names: tuple[str, ...]) -> Cycle:
    return make_cycle(system, sol, names, mu)  # the multipliers computed while tracing


@dataclass
class _Run:
    pts: list[Pt]
    mults: list[ComplexArray]
    specials: list[tuple[int, SpecialPoint]]
    end: dict[str, Any]


def _trace(tracer: Tracer, first: Pt, mu0: ComplexArray, bounds: tuple[float, float],
           cs: CycleSettings, *, skip_tests: bool = False) -> _Run:
    s = tracer.s
    system, k = tracer.system, tracer.k
    pname = system.param_names[k]
    names = tuple(system.param_names)
    pts, mults = [first], [mu0]
    specials: list[tuple[int, SpecialPoint]] = []
    g_prev = None if skip_tests else _tests(first, mu0)
    t_min = first.sol.period
    amp_scale = float(np.max(np.ptp(deviation(first.sol), axis=0) / tracer.sx))
    ds = s.ds0
    steps = adapted = 0
    est_adapted = 0.0  # the error estimate right after the last adaptation
    scale = float(np.min(tracer.sx))
    a = first
    end: dict[str, Any] = {}
    while True:
        if steps >= s.max_steps:
            end = make_end("max_steps", a, pname, names)
            break
        ref = a.ref
        got = tracer.step(a, ds)
        if got is None:
            if ds <= s.ds_min * 1.0001:
                end = make_end("step_failure", a, pname, names,
                           reason=f"step size fell below ds_min={s.ds_min:g}")
                break
            ds = max(0.5 * ds, s.ds_min)
            continue
        b, nit = got
        est = col.error_estimate(b.sol.mesh, b.sol.u) / scale
        if est > max(ERROR_ADAPT, 2.0 * est_adapted):
            b = tracer.adapt(b)  # the orbit outgrew its mesh (e.g. the period grew)
            adapted = steps
            est_adapted = col.error_estimate(b.sol.mesh, b.sol.u) / scale
        val = float(b.sol.p[k])
        amp = float(np.max(np.ptp(deviation(b.sol), axis=0) / tracer.sx))
        turned = ref is None and float(np.sum(deviation(a.sol) * deviation(b.sol))) < 0
        if turned or amp < cs.amplitude_min:
            end = hopf_at(tracer, a, b, names)
            extra = hopf_point(tracer, end)
            if extra is not None:
                pts.append(extra)
                mults.append(col.multipliers(extra.sol.lin))
            break
        if not bounds[0] <= val <= bounds[1]:
            edge = bounds[0] if val < bounds[0] else bounds[1]
            last = on_bound(tracer, a, b, edge)
            if last is not None:
                pts.append(last)
                mults.append(col.multipliers(last.sol.lin))
            end = make_end("bound", last or a, pname, names)
            break
        mu = col.multipliers(b.sol.lin)
        g = _tests(b, mu)
        if g_prev is not None:
            for idx in np.nonzero(np.sign(g) * np.sign(g_prev) < 0)[0]:
                sp = _locate(tracer, a, b, int(idx), names)
                if sp is not None:
                    specials.append((len(pts), sp))
        g_prev = g
        steps += 1
        pts.append(b)
        mults.append(mu)
        amp_scale = max(amp_scale, amp)
        t_min = min(t_min, b.sol.period)
        if b.sol.period > HOMOCLINIC_START * t_min:
            trial = homoclinic_end(tracer, pts, names)
            est = trial.get("estimate")
            if b.sol.period > (cs.period_max or PERIOD_MAX * t_min) or (
                    est is not None and abs(est - val) <= cs.homoclinic_tol * tracer.sp):
                end = trial
                break
        a = b
        if steps - adapted >= 3:
            a = tracer.adapt(a)
            adapted = steps
            est_adapted = col.error_estimate(a.sol.mesh, a.sol.u) / scale
            pts[-1] = a
            mults[-1] = col.multipliers(a.sol.lin)
        if nit <= 3:  # collocation Newton takes 3 iterations to 1e-10 on easy steps
            ds = min(ds * s.grow, s.ds_max)
        elif nit >= 5:
            ds = max(ds * 0.7, s.ds_min)
    return _Run(pts, mults, specials, end)


def _locate(tracer: Tracer, a: Pt, b: Pt, idx: int, names: tuple[str, ...]
            ) -> SpecialPoint | None:
    """Locate the zero of test function ``idx`` between a and b (Illinois on arclength)."""
    kind = _KINDS[idx]
    mesh = a.sol.mesh
    za = tracer.vec(a.sol)
    cache: dict[float, tuple[Solution, float, ComplexArray]] = {}

    def at(ds: float) -> tuple[Solution, float, ComplexArray]:
        if ds not in cache:
            out = tracer.correct(mesh, za, a.t, ds, a.sol.u)
            if out is None:
                raise ConvergenceError("corrector failed while locating")
            sol, c, _, _ = out
            t = tracer.tangent(mesh, sol.lin, c, a.t)
            mu = col.multipliers(sol.lin)
            cache[ds] = (sol, float(_tests(Pt(sol, t), mu)[idx]), mu)
        return cache[ds]

    g_a = float(_tests(a, col.multipliers(a.sol.lin))[idx])
    try:
        g_b = at(b.ds)[1]
        if g_a * g_b >= 0:
            raise ConvergenceError("no sign change on the chord")
        # |g| <= 1e-10: a fold's parameter is then off by about g^2 (times the branch's
        # curvature), a period doubling's or torus point's by 1e-10 of the arclength
        root = illinois(lambda x: at(x)[1], 0.0, b.ds, g_a, g_b, xtol=1e-10, ftol=1e-10)
        sol, _, mu = at(root)
        located, reason = True, None
    except (DynsysError, RuntimeError) as exc:
        sol, mu = b.sol, col.multipliers(b.sol.lin)
        located, reason = False, str(exc)
    nt = nontrivial(mu)
    if kind is PointType.NEIMARK_SACKER:
        crit = nt[np.argmin(np.abs(np.abs(nt) - 1.0))]
        if abs(crit.imag) <= 1e-8 * max(1.0, abs(crit)):
            return None  # a neutral saddle (mu_i mu_j = 1, both real), not a torus
    p = dict(zip(names, sol.p.tolist(), strict=True))
    x0 = sol.u.reshape(-1, sol.u.shape[-1])[0]
    pt = SpecialPoint(type=kind, params=p,
                      state=dict(zip(tracer.system.state_names, x0.tolist(), strict=True)),
                      varied=(names[tracer.k],), located=located, reason=reason,
                      residual=sol.residual, newton_iterations=sol.iterations,
                      period=float(sol.period),
                      multipliers=tuple(complex(z) for z in mu))
    return pt


