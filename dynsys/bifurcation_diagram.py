"""Automatic one-parameter bifurcation diagrams, and simulated limit cycles.

``bifurcation_diagram(system, param, bounds) -> BifurcationDiagram`` finds every
equilibrium (:func:`~dynsys.equilibria.find_equilibria`) at a few parameter values
spread over the interval, continues a branch from each equilibrium that does not
already lie on a traced branch, and collects the special points of all branches. A
disjoint branch or an isola is therefore found as soon as one sample value meets it.

``simulated_cycles(system, param, values) -> CycleSamples`` integrates the system at
sampled parameter values (:func:`~dynsys.simulate.simulate`) and measures the
minimum, maximum and period of the attractor reached, which is how the diagrams show
limit cycles until periodic orbits are continued. These numbers are **simulated**,
not continued: their accuracy is that of the integrator and the time window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsys._arclength import _check_bounds, _param_index
from dynsys._types import ArrayLike, FloatArray, ParamsLike, RngLike
from dynsys.continuation import (
    Branch,
    ContinuationSettings,
    SpecialPoint,
    continue_equilibria,
)
from dynsys.errors import ConvergenceError, ModelError, SimulationError
from dynsys.system import compile, require_autonomous, resolve_params

__all__ = [
    "BifurcationDiagram",
    "CycleSamples",
    "bifurcation_diagram",
    "latex_table",
    "simulated_cycles",
]


@dataclass(frozen=True, eq=False)
class BifurcationDiagram:
    """All branches of equilibria of a system over a parameter interval.

    Attributes
    ----------
    model : str
    param : str
    bounds : (float, float)
    params : mapping
        The other parameters' values.
    branches : tuple of Branch
    samples : (K,) array
        Parameter values at which equilibria were searched.
    """

    model: str
    param: str
    bounds: tuple[float, float]
    params: Mapping[str, float]
    branches: tuple[Branch, ...]
    samples: FloatArray

    @property
    def special_points(self) -> tuple[SpecialPoint, ...]:
        """Special points of all branches, sorted by parameter value."""
        pts = [sp for br in self.branches for sp in br.special_points]
        return tuple(sorted(pts, key=lambda sp: sp.params[self.param]))

    def points(self, kind: str) -> tuple[SpecialPoint, ...]:
        """The special points of one type."""
        return tuple(sp for sp in self.special_points if sp.type.value == kind)

    def count(self, value: float) -> int:
        """Number of equilibria at parameter ``value`` (crossings of the branches)."""
        total = 0
        for br in self.branches:
            d = br.values - value
            s = np.where(np.abs(d) <= 1e-12 * (1 + abs(value)), 0, np.sign(d))
            # a point exactly on the value (e.g. a branch end on the bound) counts once
            total += int(np.sum(s[:-1] * s[1:] < 0)) + int(np.sum(s == 0))
            if br.closed and s[0] == 0:
                total -= 1  # first and last point of a closed branch coincide
        return total

    def to_latex(self) -> str:
        """The special points as a booktabs LaTeX table (see :func:`latex_table`)."""
        return latex_table(self.special_points)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``model``, ``param``, ``range``, ``branches``, ``special_points``."""
        return {
            "model": self.model, "param": self.param, "range": list(self.bounds),
            "params": dict(self.params), "samples": self.samples,
            "branches": [br.to_dict() for br in self.branches],
            "special_points": [sp.to_dict() for sp in self.special_points],
        }

    def __str__(self) -> str:
        head = (f"Bifurcation diagram of {self.model} in {self.param} "
                f"[{self.bounds[0]:g}, {self.bounds[1]:g}]: {len(self.branches)} branch"
                f"{'es' if len(self.branches) != 1 else ''}, "
                f"{len(self.special_points)} special points")
        return "\n".join([head, *(str(br) for br in self.branches)])

    def __repr__(self) -> str:
        return (f"<BifurcationDiagram {self.model} in {self.param}: {len(self.branches)} "
                f"branches, {len(self.special_points)} special points>")


def latex_table(points: Sequence[SpecialPoint]) -> str:
    r"""A booktabs ``tabular`` of special points: type, parameters, state, coefficients.

    Examples
    --------
    >>> from dynsys.continuation import PointType, SpecialPoint
    >>> sp = SpecialPoint(PointType.FOLD, {"mu": 0.0}, {"x": 0.0}, {"a": -1.0}, varied=("mu",))
    >>> print(latex_table([sp]).splitlines()[4])
    fold & $mu = 0$ & $x = 0$ & $a = -1$ \\
    """

    def esc(text: str) -> str:
        return text.replace("_", r"\_")

    lines = [r"\begin{tabular}{llll}", r"\toprule",
             r"type & parameters & state & coefficients \\", r"\midrule"]
    for sp in points:
        pars = ", ".join(f"${esc(k)} = {v:.8g}$" for k, v in sp.params.items()
                         if not sp.varied or k in sp.varied)
        state = ", ".join(f"${esc(k)} = {v:.6g}$" for k, v in sp.state.items())
        coef = []
        for key, sym in (("a", "a"), ("omega", r"\omega"), ("l1", "l_1"), ("c", "c")):
            if key in sp.data and isinstance(sp.data[key], float):
                coef.append(f"${sym} = {sp.data[key]:.4g}$")
        lines.append(f"{esc(sp.type.value)} & {pars} & {state} & {', '.join(coef)} \\\\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)


def _on_branch(system: Any, br: Branch, value: float, x: FloatArray, k: int,
               p_base: FloatArray) -> bool:
    """Does the equilibrium x at parameter ``value`` lie on branch ``br``?"""
    vals, states = br.values, br.states
    scale = 1.0 + np.abs(x).max()
    for i in range(len(br) - 1):
        a, b = vals[i] - value, vals[i + 1] - value
        if a * b > 0:
            continue
        w = 0.5 if a == b else a / (a - b)
        guess = states[i] + w * (states[i + 1] - states[i])
        seg = np.linalg.norm(states[i + 1] - states[i])
        if np.linalg.norm(guess - x) > seg + 1e-6 * scale:
            continue
        # correct the interpolated point onto the branch at fixed parameter
        p = p_base.copy()
        p[k] = value
        y = guess.copy()
        for _ in range(30):
            f = system.rhs(y, p)
            if np.max(np.abs(f)) < 1e-11 * scale:
                break
            try:
                y = y - np.linalg.solve(system.jac(y, p), f)
            except np.linalg.LinAlgError:
                break
        if np.linalg.norm(y - x) <= 1e-6 * scale:
            return True
        if np.linalg.norm(guess - x) <= 1e-3 * seg + 1e-9 * scale:
            return True
    return False


def bifurcation_diagram(
    system: Any,
    param: str,
    bounds: tuple[float, float],
    *,
    params: ParamsLike = None,
    region: Mapping[str, tuple[float, float]] | None = None,
    n_samples: int = 5,
    settings: ContinuationSettings | None = None,
    rng: RngLike = 0,
) -> BifurcationDiagram:
    """bifurcation_diagram(system, param, bounds, *, n_samples=5) -> BifurcationDiagram

    Every branch of equilibria met at ``n_samples`` parameter values in ``bounds``.

    Parameters
    ----------
    system : System or Model
    param : str
        The parameter to vary.
    bounds : (low, high)
    params : mapping or array, optional
        The other parameters (default: the system's defaults).
    region : mapping state -> (low, high), optional
        Box for the equilibrium search and the continuation (default: the system's).
    n_samples : int, default 5
        Number of equally spaced parameter values (including both ends) at which all
        equilibria are searched.
    settings : ContinuationSettings, optional
    rng : Generator or int, default 0
        Seed of the equilibrium search (deterministic by default).

    Returns
    -------
    BifurcationDiagram

    Raises
    ------
    ModelError
        Bad parameter name, bounds or sample count.

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> d = bifurcation_diagram(compile(load_model("self_excitation")), "I", (-5, 0))
    >>> len(d.branches), [round(sp.params["I"], 6) for sp in d.points("fold")]
    (1, [-4.303274, -1.696726])
    >>> d.count(-3.0), d.count(-1.0)
    (3, 1)
    """
    from dynsys.equilibria import find_equilibria

    system = compile(system)
    require_autonomous(system, "bifurcation diagram")
    k = _param_index(system, param)
    lo, hi = _check_bounds(bounds)
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ModelError(f"n_samples must be a positive integer, got {n_samples!r}")
    p_base = np.array(resolve_params(system, params), dtype=np.float64)
    samples = np.linspace(lo, hi, n_samples) if n_samples > 1 else np.array([(lo + hi) / 2])
    branches: list[Branch] = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for value in samples:
            p = p_base.copy()
            p[k] = value
            found = find_equilibria(system, p, region, rng=rng)
            for eq in found:
                x = np.asarray(eq.state, dtype=np.float64)
                if any(_on_branch(system, br, float(value), x, k, p_base) for br in branches):
                    continue
                try:
                    br = continue_equilibria(system, param, x, (lo, hi), settings, p,
                                             region=region)
                except ConvergenceError:
                    continue
                branches.append(br)
    names = tuple(system.param_names)
    return BifurcationDiagram(
        model=system.name, param=param, bounds=(lo, hi),
        params={nm: float(v) for nm, v in zip(names, p_base, strict=True) if nm != param},
        branches=tuple(branches), samples=samples)


# ------------------------------------------------------------------ simulated cycles
@dataclass(frozen=True, eq=False)
class CycleSamples:
    """Attractors reached by simulation at sampled parameter values (SIMULATED values).

    Attributes
    ----------
    model, param : str
    values : (K,) array
        The sampled parameter values.
    state_names : tuple of str
    minima, maxima : (K, n) arrays
        Range of each state over the measuring window, after the transient.
    periods : (K,) array
        Mean time between successive upward crossings of the mean of the state with
        the largest range; NaN where the run settled to an equilibrium.
    oscillating : (K,) bool array
    settled : (K,) bool array
        False where an oscillation's range still changes by more than ``settle_tol``
        (relative) between the two halves of the window: near a Hopf point a focus
        decays (or a cycle grows) too slowly for a finite simulation to settle, and
        such a sample is not a measured cycle.
    method : str
    dt, transient, window : float
    """

    model: str
    param: str
    values: FloatArray
    state_names: tuple[str, ...]
    minima: FloatArray
    maxima: FloatArray
    periods: FloatArray
    oscillating: Any
    method: str
    dt: float
    transient: float
    window: float
    settled: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``"simulated": true`` marks the values' origin)."""
        return {
            "simulated": True, "model": self.model, "param": self.param,
            "values": self.values, "state_names": list(self.state_names),
            "minima": {nm: self.minima[:, i] for i, nm in enumerate(self.state_names)},
            "maxima": {nm: self.maxima[:, i] for i, nm in enumerate(self.state_names)},
            "periods": self.periods, "oscillating": self.oscillating,
            "settled": self.settled,
            "method": self.method, "dt": self.dt, "transient": self.transient,
            "window": self.window,
        }

    def __repr__(self) -> str:
        return (f"<CycleSamples (simulated) {self.model} in {self.param}: {len(self.values)} "
                f"values, {int(np.sum(self.oscillating))} oscillating>")


def _adaptive_batch(system: Any, x0: FloatArray, ps: FloatArray, dt: float, steps: int,
                    meth: Any) -> tuple[FloatArray, FloatArray]:
    """All runs ``x0 (B, n)`` with parameters ``ps (B, m)`` as one ODE for ``solve_ivp``.

    One vectorized right-hand side per stage instead of one solver per run; returns the
    time grid ``k dt`` and the states ``(B, steps + 1, n)``.
    """
    from scipy.integrate import solve_ivp

    runs, n = x0.shape
    t_eval = dt * np.arange(steps + 1)

    def fun(t: float, y: FloatArray) -> FloatArray:
        return np.asarray(system.rhs(y.reshape(runs, n), ps, t), dtype=np.float64).ravel()

    with np.errstate(all="ignore"):
        sol = solve_ivp(fun, (0.0, t_eval[-1]), x0.ravel(), method=meth.solver,
                        t_eval=t_eval, rtol=meth.rtol, atol=meth.atol, max_step=meth.max_step)
    if sol.status < 0 or sol.y.shape[1] != t_eval.size or not np.all(np.isfinite(sol.y)):
        raise SimulationError(
            f"{meth.solver} failed on the sampled parameter values at t = {sol.t[-1]:g}: "
            f"{sol.message}")
    return t_eval, sol.y.reshape(runs, n, -1).transpose(0, 2, 1)


def _period(t: FloatArray, y: FloatArray) -> float:
    d = y - y.mean()
    idx = np.nonzero((d[:-1] < 0) & (d[1:] >= 0))[0]
    if len(idx) < 3:
        return float("nan")
    tc = t[idx] + (t[idx + 1] - t[idx]) * (-d[idx]) / (d[idx + 1] - d[idx])
    return float(np.mean(np.diff(tc[1:])))  # skip the first, possibly partial, cycle


def simulated_cycles(
    system: Any,
    param: str,
    values: Sequence[float] | ArrayLike,
    *,
    params: ParamsLike = None,
    x0: ArrayLike | None = None,
    transient: float = 300.0,
    window: float = 200.0,
    dt: float | None = None,
    method: str = "rk45",
    amplitude_tol: float = 1e-4,
    settle_tol: float = 0.05,
) -> CycleSamples:
    """simulated_cycles(system, param, values) -> CycleSamples

    Simulate at each parameter value, discard a transient, and measure the attractor's
    minimum, maximum and period (clearly simulated, not continued).

    Parameters
    ----------
    system : System or Model
    param : str
    values : sequence of float
        Parameter values (all runs are integrated together as one batch).
    params : mapping or array, optional
        The other parameters.
    x0 : (n,) array, optional
        Initial state of every run (default: the model's declared initial state).
    transient, window : float
        Time discarded, then time measured.
    dt : float, optional
        Step (default: the model's ``dt`` option, else 0.01).
    method : str, default "rk45"
        Integration method of :func:`dynsys.simulate.simulate`. An adaptive method
        (``"rk45"``, ``"dop853"``, ...) integrates all values together as one system.
        Forward Euler is a poor choice here: near a Hopf point its error adds a growth
        rate of about ``dt omega^2 / 2`` that turns a stable focus into a fake cycle.
    amplitude_tol : float
        A state range below this (relative to 1 + |mean|) counts as an equilibrium, and
        so does an oscillation whose range in the second half of the window is less
        than half that in the first (a transient decaying to a focus).
    settle_tol : float
        An oscillation whose range differs by more than this fraction between the two
        halves of the window is reported as not settled (``CycleSamples.settled``).

    Returns
    -------
    CycleSamples

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> fhn = compile(load_model("fitzhugh_nagumo"))
    >>> cyc = simulated_cycles(fhn, "I", [0.0, 0.8], transient=200, window=200)
    >>> cyc.oscillating.tolist(), bool(30 < cyc.periods[1] < 45)
    ([False, True], True)
    """
    from dynsys.simulate import Adaptive, as_method, simulate

    system = compile(system)
    k = _param_index(system, param)
    vals = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if vals.ndim != 1 or not np.all(np.isfinite(vals)) or len(vals) == 0:
        raise ModelError("values must be a non-empty list of finite numbers")
    if not (transient >= 0 and window > 0):
        raise ModelError(f"need transient >= 0 and window > 0, got {transient}, {window}")
    model = getattr(system, "model", None)
    if dt is None:
        dt = float(getattr(model, "options", {}).get("dt", 0.01)) if model is not None else 0.01
    if x0 is None:
        x0 = (np.array(model.initial_state(), dtype=np.float64) if model is not None
              else np.zeros(system.n))
    x0 = np.asarray(x0, dtype=np.float64).reshape(-1)
    if x0.size != system.n:
        raise ModelError(f"x0 needs {system.n} values ({', '.join(system.state_names)}), "
                         f"got {x0.size}")
    p_base = np.array(resolve_params(system, params), dtype=np.float64)
    ps = np.tile(p_base, (len(vals), 1))
    ps[:, k] = vals
    if not (math.isfinite(dt) and dt > 0):
        raise ModelError(f"dt must be a positive number, got {dt!r}")
    steps = round((transient + window) / dt)
    meth = as_method(method)
    if isinstance(meth, Adaptive):
        t, all_states = _adaptive_batch(system, np.tile(x0, (len(vals), 1)), ps, dt, steps,
                                        meth)
        label = meth.name
    else:
        traj = simulate(system, np.tile(x0, (len(vals), 1)), steps * dt, dt=dt, params=ps,
                        sigma=0.0, method=meth)
        t, all_states, label = traj.t, traj.states, traj.method
    keep = t >= t[-1] - window - 1e-12
    t, states = t[keep], all_states[:, keep, :]
    mins, maxs = states.min(axis=1), states.max(axis=1)
    rng_ = maxs - mins
    scale = 1.0 + np.abs(states.mean(axis=1))
    half = states.shape[1] // 2
    early = np.ptp(states[:, :half], axis=1)
    late = np.ptp(states[:, half:], axis=1)
    decaying = np.all(late < 0.5 * early, axis=1)  # a transient spiralling into a focus
    osc = np.any(rng_ > amplitude_tol * scale, axis=1) & ~decaying
    periods = np.full(len(vals), np.nan)
    for i in np.nonzero(osc)[0]:
        j = int(np.argmax(rng_[i] / scale[i]))
        periods[i] = _period(t, states[i, :, j])
    osc = osc & np.isfinite(periods)
    drift = np.abs(late - early) > settle_tol * np.maximum(np.maximum(early, late), 1e-300)
    settled = ~osc | ~np.any(drift & (rng_ > amplitude_tol * scale), axis=1)
    return CycleSamples(
        model=system.name, param=param, values=vals, state_names=tuple(system.state_names),
        minima=mins, maxima=maxs, periods=periods, oscillating=osc, method=label,
        dt=float(dt), transient=float(transient), window=float(window), settled=settled)
