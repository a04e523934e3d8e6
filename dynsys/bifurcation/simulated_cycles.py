"""Limit cycles measured by simulation at sampled parameter values.

``simulated_cycles(system, param, values) -> CycleSamples`` integrates the system at
sampled parameter values (:func:`~dynsys.analysis.simulate.simulate`) and measures the
minimum, maximum and period of the attractor reached, which is how the diagrams show
limit cycles until periodic orbits are continued. These numbers are **simulated**,
not continued: their accuracy is that of the integrator and the time window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.analysis.simulate import Adaptive, adaptive_run, as_method, simulate
from dynsys.bifurcation._arclength import _param_index
from dynsys.core.system import compile, resolve_params
from dynsys.errors import ModelError, SimulationError

__all__ = [
    "CycleSamples",
    "simulated_cycles",
]

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
        return to_jsonable({
            "simulated": True, "model": self.model, "param": self.param,
            "values": self.values, "state_names": list(self.state_names),
            "minima": {nm: self.minima[:, i] for i, nm in enumerate(self.state_names)},
            "maxima": {nm: self.maxima[:, i] for i, nm in enumerate(self.state_names)},
            "periods": self.periods, "oscillating": self.oscillating,
            "settled": self.settled,
            "method": self.method, "dt": self.dt, "transient": self.transient,
            "window": self.window,
        })

    def __repr__(self) -> str:
        return (f"<CycleSamples (simulated) {self.model} in {self.param}: {len(self.values)} "
                f"values, {int(np.sum(self.oscillating))} oscillating>")


def _adaptive_batch(system: Any, x0: FloatArray, ps: FloatArray, dt: float, steps: int,
                    meth: Any) -> tuple[FloatArray, FloatArray]:
    """All runs ``x0 (B, n)`` with parameters ``ps (B, m)`` as one ODE for ``adaptive_run``.

    One vectorized right-hand side per stage instead of one solver per run; returns the
    time grid ``k dt`` and the states ``(B, steps + 1, n)``.
    """

    runs, n = x0.shape
    t_eval = dt * np.arange(steps + 1)

    def fun(t: float, y: FloatArray) -> FloatArray:
        return np.asarray(system.rhs(y.reshape(runs, n), ps, t), dtype=np.float64).ravel()

    sol = adaptive_run(fun, (0.0, t_eval[-1]), x0.ravel(), meth, t_eval=t_eval)
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
        Integration method of :func:`dynsys.analysis.simulate.simulate`. An adaptive method
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
    dt = checks.positive(dt, "dt")
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
