"""Simulation: Euler, Euler-Maruyama (batched) and adaptive ODE integration.

``simulate(system, x0, t_end, *, dt, params, sigma, trials, rng, method, save_every)
-> Trajectory`` integrates ``dx = F(x, p, t) dt + sigma dW`` for a batch of initial
conditions and noise realisations at once:

* **Euler / Euler-Maruyama** (:class:`Euler`, the default): ``round((t_end - t0) / dt)``
  fixed steps ``x <- x + dt F(x, p, t) + sigma sqrt(dt) xi`` with ``xi ~ N(0, 1)``
  drawn as one ``rng.standard_normal((runs, n))`` array per step (only when some
  sigma is non-zero). For a compiled model the step runs in place on preallocated
  buffers (:meth:`dynsys.core.system.CompiledSystem.euler_kernel`), which is what makes a
  batch of 10,000 trajectories cheap; a single noiseless run steps on scalars instead
  (:mod:`dynsys.analysis._euler_point`, equal to the batch path up to rounding).
* **Adaptive** (:class:`Adaptive`): :func:`scipy.integrate.solve_ivp` per initial
  condition (RK45, RK23, DOP853, LSODA, Radau, BDF; the implicit ones get the exact
  Jacobian), reported on the same time grid as Euler. Noiseless only. Each run is
  bounded by right-hand-side evaluations and wall time (``Adaptive.max_evaluations``,
  ``max_seconds``); the code lives in :mod:`dynsys.analysis._adaptive`.

* **Events** (XPPAUT ``global`` resets, :mod:`dynsys.core.events`): every method above
  except Euler-Maruyama checks the events' conditions after each step, locates the
  crossing within the step (``locate="root"``: to 1e-12 of the step;
  ``locate="linear"``: XPPAUT's linear interpolation), applies the reset and integrates
  the rest of the step (:mod:`dynsys.analysis._events`). The Trajectory's diagnostics
  count them (``events``, ``event_times``).
* **Maps** (a Model with ``discrete=True``): iterated, ``x(n+1) = F(x(n))``, ``t`` advancing
  by 1 per iteration, ``dt`` ignored, as XPPAUT's ``meth=discrete``
  (:mod:`dynsys.analysis._maps`); the method is reported as ``"map"``.

A state that becomes non-finite raises :class:`~dynsys.errors.SimulationError`
naming the first non-finite step and trajectory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._random import RecordedSeed, seeded
from dynsys._types import ADAPTIVE_SOLVERS, ArrayLike, FloatArray, RngLike
from dynsys.analysis._adaptive import adaptive_run as adaptive_run, adaptive_states
from dynsys.analysis._euler_point import euler_point, scalar_rhs
from dynsys.analysis._events import adaptive_events, fixed_step_events
from dynsys.analysis._maps import map_run
from dynsys.analysis._rk4 import RK4, rk4_run
from dynsys.analysis._solver_limits import MAX_EVALUATIONS, MAX_SECONDS, StepWatch, check_limits
from dynsys.core.system import CompiledSystem, compile, resolve_params
from dynsys.errors import ModelError, SimulationError

__all__ = [
    "RK4",
    "Adaptive",
    "Euler",
    "EulerMaruyama",
    "Trajectory",
    "as_method",
    "simulate",
]

#: Most Euler steps one call takes (a typo such as dt = 1e-300 must not hang or crash).
_MAX_STEPS = 10**10
_MAX_STORED_BYTES = 4e9


@dataclass(frozen=True)
class Euler:
    """Fixed-step (forward) Euler; Euler-Maruyama when the noise amplitude is non-zero.

    The step is ``x + dt F(x, p, t) + sigma sqrt(dt) xi``. It has order 1 for ODEs,
    and strong order 1 for additive noise (Kloeden & Platen 1992, Section 10.2).
    """

    name: str = field(default="euler", init=False)


#: Euler-Maruyama is :class:`Euler` with noise; the alias reads better in SDE code.
EulerMaruyama = Euler


@dataclass(frozen=True)
class Adaptive:
    """Adaptive ODE integration with :func:`scipy.integrate.solve_ivp`.

    Parameters
    ----------
    solver : str, default "RK45"
        One of RK45, RK23, DOP853, LSODA, Radau, BDF (any case).
    rtol, atol : float
        Relative and absolute tolerances (tighter than scipy's defaults).
    max_step : float
        Largest step the solver may take (``inf``: no limit).
    max_evaluations : int, default 100000
        Most right-hand-side (and Jacobian) evaluations of one run; then
        :class:`~dynsys.errors.ConvergenceError` (a blow-up or a stalled solver).
    max_seconds : float, default 300
        Most wall time of one run, in seconds (``inf``: no limit).
    """

    solver: str = "RK45"
    rtol: float = 1e-8
    atol: float = 1e-10
    max_step: float = math.inf
    max_evaluations: int = MAX_EVALUATIONS
    max_seconds: float = MAX_SECONDS

    def __post_init__(self) -> None:
        key = str(self.solver).lower()
        if key not in ADAPTIVE_SOLVERS:
            raise ModelError(
                f"unknown adaptive solver {self.solver!r}; "
                f"choose one of {', '.join(ADAPTIVE_SOLVERS.values())}"
            )
        object.__setattr__(self, "solver", ADAPTIVE_SOLVERS[key])
        for name in ("rtol", "atol", "max_step"):
            value = float(getattr(self, name))
            if not value > 0 or math.isnan(value):
                raise ModelError(f"{name} must be positive, got {getattr(self, name)!r}")
            object.__setattr__(self, name, value)
        evaluations, seconds = check_limits(self.max_evaluations, self.max_seconds)
        object.__setattr__(self, "max_evaluations", evaluations)
        object.__setattr__(self, "max_seconds", seconds)

    @property
    def name(self) -> str:
        """The solver's name in lower case, e.g. ``"rk45"``."""
        return self.solver.lower()


def as_method(method: str | Euler | RK4 | Adaptive) -> Euler | RK4 | Adaptive:
    """Map ``"euler"``, ``"euler-maruyama"``, ``"rk4"``, ``"rk45"``, ... to a method object.

    Raises
    ------
    ModelError
        For an unknown name (the message lists the valid ones).
    """
    if isinstance(method, Euler | RK4 | Adaptive):
        return method
    key = str(method).lower().replace("_", "-")
    if key in ("euler", "euler-maruyama", "em"):
        return Euler()
    if key == "rk4":
        return RK4()
    if key in ADAPTIVE_SOLVERS:
        return Adaptive(key)
    raise ModelError(
        f"unknown method {method!r}; choose one of euler, rk4, "
        f"{', '.join(ADAPTIVE_SOLVERS)}"
    )


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The result of :func:`simulate`.

    Attributes
    ----------
    t : ndarray (T,)
        Saved times ``t0 + k * save_every * dt``.
    states : ndarray (runs, T, n)
        The saved states; runs are initial-condition major (``run = i * trials + k``).
    final : ndarray (runs, n)
        The state at ``t_end`` (also when ``t_end`` is not a saved time).
    params : mapping name -> value
        The parameters used (a tuple over runs when they vary per run).
    state_names : tuple of str
    model : str
        The system's name.
    method : str
        ``"euler"``, ``"euler-maruyama"``, ``"rk4"``, the adaptive solver (``"rk45"``,
        ...), or ``"map"`` for the iteration of a map.
    dt : float
        Step (Euler) or output spacing (adaptive).
    sigma : ndarray (n,) or (runs, n)
        Noise amplitude of each state (zeros when noiseless).
    seed : int, dict or None
        The seed that replays the noise (``dynsys._random.seeded``): the int seed, a
        SeedSequence's ``{"entropy", "spawn_key"}``, or None when a Generator was passed
        in or a noiseless run had no seed.
    trials : int
        Noise realisations per initial condition.
    diagnostics : mapping
        ``steps`` (fixed steps) and, when the step was found beyond the method's
        stability limit, ``warnings``; for adaptive runs ``nfev``, ``njev``, ``status`` and
        ``message``, one entry per run. With events: ``events`` (count per run),
        ``event_times`` and ``event_index`` (per run), ``event_location`` (the rule and
        its tolerance), ``final_params`` (per run, when events assign parameters).
    """

    t: FloatArray
    states: FloatArray
    final: FloatArray
    params: Mapping[str, Any]
    state_names: tuple[str, ...]
    model: str
    method: str
    dt: float
    sigma: FloatArray
    seed: RecordedSeed
    trials: int = 1
    diagnostics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        """Number of simulated trajectories."""
        return int(self.states.shape[0])

    @property
    def n(self) -> int:
        """Number of states."""
        return len(self.state_names)

    @property
    def initial(self) -> FloatArray:
        """Initial states, ``(runs, n)``."""
        return self.states[:, 0, :]

    def state(self, name: str) -> FloatArray:
        """The time series of one state for every run, ``(runs, T)``."""
        if name not in self.state_names:
            raise ModelError(f"{name!r} is not a state (states: {', '.join(self.state_names)})")
        return self.states[:, :, self.state_names.index(name)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: model, params, state_names, method, dt, sigma, seed, t, trajectories."""
        return to_jsonable({
            "model": self.model,
            "params": dict(self.params),
            "state_names": list(self.state_names),
            "method": self.method,
            "dt": self.dt,
            "sigma": self.sigma.tolist(),
            "seed": self.seed,
            "trials": self.trials,
            "t": self.t.tolist(),
            "trajectories": self.states.tolist(),
            "final": self.final.tolist(),
            "diagnostics": dict(self.diagnostics),
        })

    def __repr__(self) -> str:
        return (
            f"Trajectory({self.model!r}, method={self.method!r}, runs={self.runs}, "
            f"T={len(self.t)}, t=[{self.t[0]:g}, {self.t[-1]:g}], dt={self.dt:g}, "
            f"seed={self.seed})"
        )


# ----------------------------------------------------------------------------- checks
def _initial_states(x0: ArrayLike, n: int, state_names: tuple[str, ...]) -> FloatArray:
    try:
        arr = np.array(x0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"x0 must be numbers, got {x0!r}") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] == 0:
        raise ModelError(
            f"x0 must have shape ({n},) or (B, {n}) for states ({', '.join(state_names)}), "
            f"got shape {np.shape(x0)}"
        )
    if not np.all(np.isfinite(arr)):
        raise ModelError("x0 must be finite")
    return arr


def _noise(system: Any, sigma: Any, ps: FloatArray, n: int, runs: int) -> FloatArray:
    if sigma is None:
        amp = getattr(system, "noise_amplitude", None)
        values = np.asarray(amp(ps) if amp else np.zeros(n), dtype=np.float64)
    else:
        try:
            values = np.array(sigma, dtype=np.float64)
        except (TypeError, ValueError):
            raise ModelError(f"sigma must be a number or {n} numbers, got {sigma!r}") from None
        if values.ndim == 0:
            values = np.full(n, float(values))
    if values.ndim == 2 and values.shape == (runs, n) and np.all(values == values[:1]):
        values = values[0].copy()
    if values.shape not in ((n,), (runs, n)):
        raise ModelError(f"sigma must be a scalar or have {n} entries, got shape {values.shape}")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ModelError(f"sigma must be finite and non-negative, got {values.tolist()}")
    return values


# ----------------------------------------------------------------------------- simulate
def simulate(
    system: Any,
    x0: ArrayLike,
    t_end: float,
    *,
    dt: float = 0.1,
    params: Any = None,
    sigma: float | ArrayLike | None = None,
    trials: int = 1,
    rng: RngLike = None,
    method: str | Euler | RK4 | Adaptive = "euler",
    save_every: int = 1,
    t0: float = 0.0,
    check_every: int = 50,
    locate: str = "root",
) -> Trajectory:
    """simulate(system, x0, t_end, *, dt=0.1, ...) -> Trajectory: integrate from t0 to t_end.

    Parameters
    ----------
    system : Model or System
        A :class:`~dynsys.core.model.Model` (compiled on the fly, cached) or any System.
    x0 : array (n,) or (B, n)
        One initial state or a batch of them.
    t_end : float
        End time; the number of steps is ``round((t_end - t0) / dt)``, and ``t_end - t0``
        must be a whole number of steps (else ModelError).
    dt : float, default 0.1
        Euler step, and the output spacing of adaptive methods.
    params : mapping, array (m,) or (B, m), optional
        Parameter overrides (see :func:`dynsys.core.system.resolve_params`); one vector per
        initial condition with shape ``(B, m)``.
    sigma : float, array (n,) or None
        Additive noise amplitude. None: the system's own ``noise_amplitude`` (zero for
        a model without noise); 0 switches noise off.
    trials : int, default 1
        Independent noise realisations of each initial condition; runs = B * trials,
        initial condition major.
    rng : Generator or int, optional
        A Generator continues its stream (successive calls with one Generator, each
        starting where the last ended, reproduce one long call); an int is a seed and is
        recorded in the Trajectory; None draws a fresh seed and records it (noisy runs).
    method : "euler", "rk45", "dop853", "lsoda", "radau", "bdf", Euler() or Adaptive(...)
        Integration method. Adaptive methods refuse noise.
    save_every : int, default 1
        Keep every ``save_every``-th state (the final state is always in ``final``).
    t0 : float, default 0
        Initial time (matters for time-dependent models and chunked runs).
    check_every : int, default 50
        Euler steps between finiteness checks of the whole batch.
    locate : "root" or "linear", default "root"
        How an event's crossing is located within a step (models with events only):
        the root of the condition along the method's own step, to 1e-12 of the step, or
        XPPAUT's linear interpolation (``O(dt^2)``; for comparisons with XPPAUT).

    Notes
    -----
    For a map (``model.discrete``), ``t_end - t0`` is the number of iterations
    (truncated to a whole number, as XPPAUT reads ``total``), ``dt`` is ignored (``t``
    advances by 1), and ``method`` must be ``"map"`` or the default.

    Returns
    -------
    Trajectory

    Raises
    ------
    ModelError
        Bad input: shapes, non-positive dt, t_end <= t0, unknown parameter or method,
        noise with an adaptive method.
    SimulationError
        A state became non-finite; the message names the first such step and run.
    ConvergenceError
        An adaptive solver gave up, or used up its budget (``Adaptive.max_evaluations``,
        ``max_seconds``).

    Warns
    -----
    UserWarning
        When ``dt |lambda|`` of the Jacobian exceeds the fixed-step method's stability
        limit (2 for Euler, 2.785 for RK4) on a decaying mode, at the start or at a few
        points along the run (systems with a Jacobian only); also recorded in
        ``diagnostics["warnings"]``.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> tr = simulate(load_model("self_excitation"), [59.0], 2.0, dt=0.1)
    >>> round(float(tr.final[0, 0]), 4)
    33.6544
    >>> tr.states.shape
    (1, 21, 1)

    References
    ----------
    Kloeden, P. E. & Platen, E. (1992). *Numerical Solution of Stochastic Differential
    Equations*. Springer. Hairer, E., Norsett, S. P. & Wanner, G. (1993). *Solving
    Ordinary Differential Equations I*. Springer.
    """
    compiled = compile(system)
    n = int(compiled.n)
    names = tuple(compiled.state_names)
    model = getattr(compiled, "model", None)
    events = tuple(getattr(model, "events", ()) or ())
    discrete = bool(getattr(model, "discrete", False))
    method = _map_method(method, discrete, str(compiled.name))
    dt = 1.0 if discrete else checks.positive(dt, "dt")
    t0 = checks.finite(t0, "t0")
    end = checks.finite(t_end, "t_end")
    if discrete and end > t0:  # XPPAUT: nit = (int) total
        end = t0 + math.floor(end - t0 + 1e-9)
    if end <= t0:
        raise ModelError(f"t_end must be finite and greater than t0 = {t0:g}, got {t_end!r}")
    span = end - t0
    ratio = span / dt
    steps = round(ratio)
    if steps < 1 or abs(ratio - steps) > 1e-6 * max(1.0, ratio):
        raise ModelError(
            f"t_end - t0 = {span:g} is not a whole number of steps dt = {dt:g} "
            f"({ratio:.4g} steps); choose t_end = t0 + k * dt"
        )
    trials = checks.count(trials, "trials")
    save_every = checks.count(save_every, "save_every")
    check_every = checks.count(check_every, "check_every")
    meth = as_method(method)
    if locate not in ("root", "linear"):
        raise ModelError(f"locate must be 'root' or 'linear', got {locate!r}")

    starts = _initial_states(x0, n, names)
    n_ic = starts.shape[0]
    runs = n_ic * trials
    if steps > _MAX_STEPS:
        raise ModelError(
            f"(t_end - t0) / dt = {ratio:.4g} steps is more than {_MAX_STEPS:.0e}; "
            "choose a larger dt or a shorter t_end"
        )
    n_saved = steps // save_every + 1  # checked before np.arange allocates it
    if n_saved * n * runs * 8 > _MAX_STORED_BYTES:
        raise ModelError(
            f"storing {n_saved} time points x {runs} runs x {n} states needs "
            f"{n_saved * n * runs * 8 / 1e9:.1f} GB; raise save_every"
        )
    xs = np.repeat(starts, trials, axis=0) if trials > 1 else starts
    ps = resolve_params(compiled, params)
    if ps.ndim == 2 and ps.shape[0] == n_ic:
        ps = np.repeat(ps, trials, axis=0) if trials > 1 else ps
    elif ps.ndim != 1:
        raise ModelError(
            f"params must have shape ({len(compiled.param_names)},) or ({n_ic}, "
            f"{len(compiled.param_names)}) for {n_ic} initial condition(s), got {ps.shape}"
        )
    sig = _noise(compiled, sigma, ps, n, runs)
    noisy = bool(np.any(sig != 0))
    if noisy and (discrete or events):
        raise ModelError(
            f"noise (sigma = {sig.tolist()}) is not supported in "
            f"{'a map' if discrete else 'a model with events'}; pass sigma=0")
    if noisy and isinstance(meth, Adaptive | RK4):
        raise ModelError(
            f"method {meth.name!r} integrates ODEs and cannot add noise (sigma = "
            f"{sig.tolist()}); use method='euler' (Euler-Maruyama) or pass sigma=0"
        )
    gen, seed = seeded(rng, needed=noisy)

    saved = np.arange(0, steps + 1, save_every)
    times = t0 + dt * saved
    if ps.ndim == 1:
        par_out: dict[str, Any] = {k: float(v) for k, v in
                                   zip(compiled.param_names, ps, strict=True)}
    else:
        par_out = {k: tuple(ps[:, i].tolist()) for i, k in enumerate(compiled.param_names)}

    if discrete:
        if events:
            raise ModelError(f"{compiled.name} is a map with 'global' events, which is not "
                             "supported")
        states, final = map_run(compiled, xs, ps, t0, steps, save_every, saved.size)
        diag, label = {"steps": steps}, "map"
    elif events:
        if isinstance(meth, Adaptive):
            states, final, diag = adaptive_events(compiled, xs, ps, t0, dt, steps, saved, meth)
        else:
            kind = "rk4" if isinstance(meth, RK4) else "euler"
            watch = StepWatch(compiled, ps, t0, dt, steps, *(("rk4",) if kind == "rk4" else ()))
            states, final, diag = fixed_step_events(
                compiled, xs, ps, t0, dt, steps, save_every, saved.size, kind, locate, watch)
            diag["steps"] = steps
        label = meth.name
    elif isinstance(meth, Adaptive):
        states, final, diag = adaptive_states(compiled, xs, ps, t0, dt, steps, saved, meth)
        label = meth.name
    elif isinstance(meth, RK4):
        watch = StepWatch(compiled, ps, t0, dt, steps, "rk4")
        states, final = rk4_run(compiled, xs, ps, t0, dt, steps, save_every, saved.size, watch)
        diag = {"steps": steps}
        label = "rk4"
    else:
        watch = StepWatch(compiled, ps, t0, dt, steps)
        states, final = _euler(
            compiled, xs, ps, t0, dt, steps, save_every, saved.size, sig, noisy, gen, check_every,
            trials, watch,
        )
        diag = {"steps": steps}
        label = "euler-maruyama" if noisy else "euler"
    if not isinstance(meth, Adaptive) and not discrete and watch.messages:
        diag["warnings"] = tuple(watch.messages)
    return Trajectory(
        t=_frozen(times),
        states=_frozen(states),
        final=_frozen(final),
        params=par_out,
        state_names=names,
        model=str(compiled.name),
        method=label,
        dt=dt,
        sigma=_frozen(sig),
        seed=seed,
        trials=trials,
        diagnostics=diag,
    )


def _map_method(method: Any, discrete: bool, name: str) -> Any:
    """``"map"`` (or ``"discrete"``) for a map; a map takes no integration method."""
    key = str(method).lower() if isinstance(method, str) else None
    if key in ("map", "discrete"):
        if not discrete:
            raise ModelError(f"method {method!r} iterates a map, but {name} is an ODE")
        return "euler"
    if discrete and not (key == "euler" or isinstance(method, Euler)):
        label = key or getattr(method, "name", str(method))
        raise ModelError(f"{name} is a map x(n+1) = F(x(n)): it is iterated, not "
                         f"integrated with {label}; use method='map'")
    return method


# ----------------------------------------------------------------------------- Euler
StepFn = Callable[[FloatArray, float, FloatArray], None]


def _euler(
    system: Any, xs: FloatArray, ps: FloatArray, t0: float, dt: float, steps: int,
    save_every: int, n_saved: int, sig: FloatArray, noisy: bool,
    gen: np.random.Generator, check_every: int, trials: int, watch: StepWatch,
) -> tuple[FloatArray, FloatArray]:
    runs, n = xs.shape
    # Internally a compiled system works on (n, runs): one contiguous row per state.
    transposed = isinstance(system, CompiledSystem)
    scalar = scalar_rhs(system) if runs == 1 and not noisy else None
    if scalar is not None:  # one run: scalars beat size-1 ufuncs
        watch.check(xs, 0)
        one = euler_point(scalar, xs[0], ps if ps.ndim == 1 else ps[0], t0, dt, steps,
                          save_every, n_saved, check_every, watch)
        if one is not None:
            return one
    if transposed:
        step: StepFn = system.euler_kernel(ps, runs, dt)
        x = np.ascontiguousarray(xs.T)
    else:
        step = _generic_step(system, ps, dt)
        x = xs.copy()
    x_next = np.empty_like(x)
    store = np.empty((n_saved, *x.shape))
    store[0] = x
    z = np.empty((runs, n))  # the documented draw: one (runs, n) array per step
    z_view = z.T if transposed else z
    noise_buf = np.empty_like(x)  # contiguous: strided in-place ops are slow
    scale = sig * math.sqrt(dt)
    scale = (scale.T if scale.ndim == 2 else scale[:, None]) if transposed else scale
    checkpoint, ck_step = x.copy(), 0
    ck_rng = gen.bit_generator.state if noisy else None
    watch.check(xs, 0)
    with np.errstate(all="ignore"):
        for k in range(steps):
            step(x, t0 + k * dt, x_next)
            if noisy:
                gen.standard_normal(out=z)
                np.multiply(z_view, scale, out=noise_buf)
                np.add(x_next, noise_buf, out=x_next)
            x, x_next = x_next, x
            done = k + 1
            if done % save_every == 0:
                store[done // save_every] = x
            if done % check_every == 0 or done == steps:
                if not np.isfinite(x).all():
                    _locate(step, checkpoint, ck_step, ck_rng, gen, t0, dt, z, z_view, scale,
                            noisy, transposed, trials)
                if watch.due(done):
                    watch.check(x.T if transposed else x, done)
                checkpoint[...] = x
                ck_step = done
                if noisy:
                    ck_rng = gen.bit_generator.state
    if transposed:
        return np.ascontiguousarray(store.transpose(2, 0, 1)), np.ascontiguousarray(x.T)
    return np.ascontiguousarray(store.transpose(1, 0, 2)), x.copy()


def _generic_step(system: Any, ps: FloatArray, dt: float) -> StepFn:
    def step(x: FloatArray, t: float, out: FloatArray) -> None:
        np.multiply(np.asarray(system.rhs(x, ps, t), dtype=np.float64), dt, out=out)
        np.add(out, x, out=out)

    return step


def _locate(
    step: StepFn, x: FloatArray, k0: int, rng_state: Any, gen: np.random.Generator,
    t0: float, dt: float, z: FloatArray, z_view: FloatArray, scale: FloatArray, noisy: bool,
    transposed: bool, trials: int,
) -> None:
    """Replay from the last finite checkpoint and raise at the first non-finite step."""
    replay = None
    if noisy:
        replay = np.random.Generator(type(gen.bit_generator)())
        replay.bit_generator.state = rng_state
    x = x.copy()
    x_next = np.empty_like(x)
    k = k0
    with np.errstate(all="ignore"):
        while True:
            step(x, t0 + k * dt, x_next)
            if replay is not None:
                replay.standard_normal(out=z)
                np.add(x_next, z_view * scale, out=x_next)
            k += 1
            finite = np.isfinite(x_next)
            if not finite.all():
                bad = ~(finite.all(axis=0) if transposed else finite.all(axis=1))
                run = int(np.argmax(bad))
                last = x[:, run] if transposed else x[run]
                raise SimulationError(
                    f"the state became non-finite at step {k} (t = {t0 + k * dt:g}) in "
                    f"trajectory {run} (initial condition {run // trials}, trial "
                    f"{run % trials}); last finite state {np.round(last, 6).tolist()} at "
                    f"t = {t0 + (k - 1) * dt:g}. The solution blows up, or dt = {dt:g} is "
                    "too large for this model: try a smaller dt",
                    step=k,
                    trajectory=run,
                )
            x, x_next = x_next, x
