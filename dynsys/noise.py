"""Noise-driven switching in one-dimensional gradient systems: potential, Kramers, residence times.

A one-dimensional system ``dr = F(r) dt + sigma dW`` is a gradient system: with the
potential ``V(r) = -int F(r) dr`` it reads ``dr = -V'(r) dt + sigma dW``. Its stable
equilibria are the minima of ``V`` (the wells), the unstable ones the maxima (the
barriers). With weak noise the state stays in a well for an exponentially long time
and then jumps to a neighbouring well; this module

* builds ``V`` from the Model symbolically (``sympy.integrate``) and numerically
  (:func:`potential`), with the barrier height ``dV`` between each well and each
  adjacent maximum;
* predicts the mean escape time with Kramers' formula (:func:`kramers_time`,
  :func:`kramers`);
* measures switching from simulation (:func:`switching_statistics`,
  :func:`residence_scan`): switch counts, residence times per well, runs that never
  switch reported as censored, and the censored-exponential maximum-likelihood mean
  residence time with an exact confidence interval.

Conventions
-----------
Noise is additive and enters the Euler-Maruyama way,
``r_{k+1} = r_k + dt F(r_k) + sigma sqrt(dt) xi_k`` with ``xi_k ~ N(0, 1)``, i.e. the
Ito SDE ``dr = F dt + sigma dW``. Its Fokker-Planck equation is
``p_t = -(F p)_r + D p_rr`` with the diffusion coefficient ``D = sigma**2 / 2``, and
its stationary density is ``p ~ exp(-V / D)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from scipy import integrate, stats

from dynsys._io import to_jsonable
from dynsys._types import ArrayLike, FloatArray, ParamsLike, RngLike, as_rng
from dynsys.errors import ModelError
from dynsys.model import Model
from dynsys.system import compile as compile_model
from dynsys.system import require_autonomous, resolve_params

__all__ = [
    "Barrier",
    "KramersEstimate",
    "Potential",
    "ResidenceEstimate",
    "ResidenceScan",
    "SwitchingStatistics",
    "kramers",
    "kramers_time",
    "potential",
    "residence_scan",
    "switching_statistics",
]

SWITCH_DEFINITION = (
    "a switch is the first entry into the core of a different well than the current one; "
    "the core of the well at r* is |r - r*| <= core * d, where d is the distance from r* "
    "to the nearest maximum of the potential (the unstable equilibrium); crossing the "
    "barrier and falling back is not a switch"
)


# ------------------------------------------------------------------ Kramers
def kramers_time(
    height: ArrayLike, curvature_well: float, curvature_top: float, sigma: ArrayLike
) -> FloatArray:
    """Kramers' mean escape time over one barrier, ``2 pi / sqrt(V''(min) |V''(max)|) exp(dV / D)``.

    Parameters
    ----------
    height : float or array
        Barrier height ``dV = V(max) - V(min) > 0``.
    curvature_well, curvature_top : float
        ``V''`` at the minimum (positive) and at the maximum (negative).
    sigma : float or array
        Noise amplitude in ``dr = F dt + sigma dW``; the diffusion coefficient is
        ``D = sigma**2 / 2``.

    Returns
    -------
    ndarray
        The mean first-passage time from the well over the barrier (time units of
        the model), broadcast over ``height`` and ``sigma``.

    Notes
    -----
    For ``dr = -V'(r) dt + sigma dW`` the stationary density is ``exp(-V/D)`` with
    ``D = sigma^2/2``. In the overdamped (Smoluchowski) limit Kramers' flux-over-
    population argument gives the escape rate
    ``k = sqrt(V''(min) |V''(max)|) / (2 pi) exp(-dV / D)`` and the mean escape time
    ``1/k``. It is the leading term of an expansion in ``D / dV``: for ``dV / D`` of
    a few units the true mean exceeds it by a correction of order ``D / dV`` (tens of
    percent), and it is exponentially sensitive to ``sigma``.

    References
    ----------
    .. [1] H. A. Kramers, "Brownian motion in a field of force and the diffusion model
       of chemical reactions", Physica 7, 284-304 (1940).
    .. [2] P. Hänggi, P. Talkner and M. Borkovec, "Reaction-rate theory: fifty years
       after Kramers", Rev. Mod. Phys. 62, 251-341 (1990), Eq. (4.7b).

    Examples
    --------
    >>> round(float(kramers_time(971.24, 0.9694871539, -2.0, 30.0)), 1)
    39.1
    """
    if curvature_well <= 0 or curvature_top >= 0:
        raise ModelError(
            f"Kramers' formula needs V'' > 0 at the well and < 0 at the barrier, got "
            f"{curvature_well:g} and {curvature_top:g}"
        )
    s = np.asarray(sigma, dtype=np.float64)
    if np.any(s <= 0):
        raise ModelError("sigma must be positive for an escape time")
    diffusion = s**2 / 2.0
    prefactor = 2.0 * math.pi / math.sqrt(curvature_well * abs(curvature_top))
    with np.errstate(over="ignore"):
        return prefactor * np.exp(np.asarray(height, dtype=np.float64) / diffusion)


# ------------------------------------------------------------------ potential
@dataclass(frozen=True)
class Barrier:
    """The barrier between the well at ``well`` and the maximum at ``top``."""

    well: float
    top: float
    height: float
    curvature_well: float
    curvature_top: float

    def kramers_time(self, sigma: ArrayLike) -> FloatArray:
        """Kramers' mean escape time over this barrier (see :func:`kramers_time`)."""
        return kramers_time(self.height, self.curvature_well, self.curvature_top, sigma)

    def sigma_for_time(self, tau: ArrayLike) -> FloatArray:
        """The noise amplitude at which Kramers' escape time equals ``tau`` (inverse).

        ``sigma = sqrt(2 dV / ln(tau / t0))`` with ``t0 = 2 pi / sqrt(V''min |V''max|)``;
        defined for ``tau > t0`` (NaN otherwise).

        Examples
        --------
        >>> b = Barrier(0.0, 1.0, 971.24, 0.96949, -2.0)
        >>> round(float(b.sigma_for_time(float(b.kramers_time(20.0)))), 6)
        20.0
        """
        t0 = 2.0 * math.pi / math.sqrt(self.curvature_well * abs(self.curvature_top))
        ratio = np.asarray(tau, dtype=np.float64) / t0
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(ratio > 1, np.sqrt(2 * self.height / np.log(ratio)), np.nan)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self.__dict__)


@dataclass(frozen=True)
class Potential:
    """The potential ``V(r) = -int F dr`` of a one-dimensional system, with its barriers.

    Call it to evaluate ``V`` numerically (``V(r0) = 0`` at the leftmost well).
    ``expression`` is the closed form from ``sympy.integrate`` with the parameter
    values substituted (``None`` if sympy found none; ``V`` is then integrated by
    quadrature), ``latex`` its LaTeX.
    """

    model: str
    state: str
    params: dict[str, float]
    expression: sp.Expr | None
    latex: str
    minima: tuple[float, ...]
    maxima: tuple[float, ...]
    barriers: tuple[Barrier, ...]
    _values: Callable[[FloatArray], FloatArray] = field(repr=False, compare=False)

    def __call__(self, r: ArrayLike) -> FloatArray:
        return self._values(np.asarray(r, dtype=np.float64))

    def barriers_of(self, well: float) -> tuple[Barrier, ...]:
        """The barriers adjacent to the well at ``well``."""
        return tuple(b for b in self.barriers if math.isclose(b.well, well, abs_tol=1e-9))

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "model": self.model,
            "state": self.state,
            "params": self.params,
            "expression": None if self.expression is None else str(self.expression),
            "latex": self.latex,
            "minima": self.minima,
            "maxima": self.maxima,
            "barriers": [b.to_dict() for b in self.barriers],
        })


def _as_model(model: Any) -> Model:
    if isinstance(model, Model):
        return model
    inner = getattr(model, "model", None)
    if isinstance(inner, Model):
        return inner
    raise ModelError(
        f"the potential needs a symbolic one-dimensional Model, got {type(model).__name__}"
    )


def _critical_points(model: Model, params: dict[str, float],
                     region: tuple[float, float]) -> tuple[list[float], list[float]]:
    """Stable and unstable equilibria of a 1-D model in ``region`` (the analyzer's job)."""
    from dynsys.equilibria import find_equilibria

    system = compile_model(model)
    found = [
        (float(np.asarray(eq.state).ravel()[0]), float(np.real(np.asarray(eq.eigenvalues)[0])))
        for eq in find_equilibria(system, params, region={model.state_names[0]: region})
    ]
    stable = sorted(x for x, slope in found if slope < 0)
    unstable = sorted(x for x, slope in found if slope > 0)
    return stable, unstable


def _closed_form(model: Model, params: dict[str, float]) -> sp.Expr | None:
    r = model.states[0]
    # float values integrate to the tidier form (log cosh rather than log(1 + tanh))
    values = {s: sp.Float(params[s.name]) for s in model.param_symbols}
    try:
        expr = -sp.integrate(model.rhs[0].subs(values), r)
    except Exception:  # sympy may fail in many ways; quadrature is the fallback
        return None
    if expr.has(sp.Integral) or expr.has(sp.Piecewise):
        return None
    return sp.nsimplify(expr, rational=True)


def potential(model: Any, params: ParamsLike = None, *,
              region: tuple[float, float] | None = None) -> Potential:
    """Potential ``V(r) = -int F(r) dr`` of a one-dimensional model, and its barriers.

    Parameters
    ----------
    model : Model or CompiledSystem
        A smooth, autonomous, one-dimensional model.
    params : mapping, optional
        Parameter overrides.
    region : (low, high), optional
        Where to look for the equilibria (default: the model's region).

    Returns
    -------
    Potential
        With the minima (stable equilibria), maxima (unstable ones) and, for each well
        and each adjacent maximum, a :class:`Barrier` with its height
        ``V(max) - V(min)`` (by adaptive quadrature of ``F``, accurate to round-off)
        and the curvatures ``V'' = -F'`` at both ends.

    Raises
    ------
    ModelError
        For a model with more than one state, time-dependent, or with fewer than two
        wells in the region (no barrier).

    Examples
    --------
    >>> from dynsys.model import load_model
    >>> pot = potential(load_model("self_excitation"))
    >>> [round(b.height, 2) for b in pot.barriers]
    [971.24, 971.24]
    """
    model = _as_model(model)
    if model.n != 1:
        raise ModelError(f"a potential needs a one-dimensional model; {model.name!r} has "
                         f"{model.n} states")
    require_autonomous(compile_model(model), "a potential")
    system = compile_model(model)
    pvec = resolve_params(system, params)
    pars = {k: float(v) for k, v in zip(system.param_names, np.atleast_1d(pvec), strict=True)}
    if region is None:
        if not model.region:
            raise ModelError(f"model {model.name!r} declares no region: pass region=(lo, hi)")
        region = tuple(model.region[model.state_names[0]])  # type: ignore[assignment]
    lo, hi = float(region[0]), float(region[1])
    stable, unstable = _critical_points(model, pars, (lo, hi))
    if len(stable) < 2:
        raise ModelError(f"{model.name!r} has {len(stable)} stable equilibria in "
                         f"[{lo:g}, {hi:g}] at {pars}: no barrier to cross")

    def force(r: float) -> float:
        return float(system.rhs(np.array([r]), pvec)[0])

    def curvature(r: float) -> float:
        return -float(system.jac(np.array([r]), pvec)[0, 0])

    def dv(a: float, b: float) -> float:  # V(b) - V(a)
        value, _ = integrate.quad(force, a, b, epsabs=1e-11, epsrel=1e-13, limit=200)
        return -value

    barriers = []
    for well in stable:
        for top in unstable:
            between = [u for u in unstable if min(well, top) < u < max(well, top)]
            between += [s for s in stable if min(well, top) < s < max(well, top)]
            if between:
                continue  # not adjacent
            barriers.append(Barrier(well, top, dv(well, top), curvature(well), curvature(top)))

    expr = _closed_form(model, pars)
    r0 = stable[0]
    if expr is not None:
        fn = sp.lambdify(model.states[0], expr, modules="numpy")
        offset = float(fn(r0))

        def values(r: FloatArray) -> FloatArray:
            return np.asarray(fn(r), dtype=np.float64) - offset + 0.0 * r

        latex = sp.latex(expr)
    else:
        def values(r: FloatArray) -> FloatArray:
            flat = np.atleast_1d(r).ravel()
            out = np.array([dv(r0, float(x)) for x in flat])
            return out.reshape(np.shape(r))

        latex = r"-\int F\,dr"
    return Potential(model.name, model.state_names[0], pars, expr, latex,
                     tuple(stable), tuple(unstable), tuple(barriers), values)


@dataclass(frozen=True)
class KramersEstimate:
    """Kramers' mean residence time in each well at noise ``sigma`` (``D = sigma^2/2``)."""

    sigma: float
    diffusion: float
    wells: tuple[float, ...]
    times: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self.__dict__)


def kramers(pot: Potential, sigma: float) -> KramersEstimate:
    """Kramers' mean residence time in each well of ``pot`` at noise amplitude ``sigma``.

    A well with two adjacent barriers escapes over either: the rates add.

    Examples
    --------
    >>> from dynsys.model import load_model
    >>> est = kramers(potential(load_model("self_excitation")), 25.0)
    >>> [round(t) for t in est.times]
    [101, 101]
    """
    times = []
    for well in pot.minima:
        rate = sum(1.0 / float(b.kramers_time(sigma)) for b in pot.barriers_of(well))
        times.append(math.inf if rate == 0 else 1.0 / rate)
    return KramersEstimate(float(sigma), float(sigma) ** 2 / 2, pot.minima, tuple(times))


# ------------------------------------------------------------------ simulation
@dataclass(frozen=True)
class ResidenceEstimate:
    """Residence times in one well, with censoring.

    ``mean`` is the maximum-likelihood mean of an exponential residence time under
    right censoring: total time at risk (completed and censored stays) divided by
    the number of switches out of the well (``inf`` when there were none);
    ``ci_low``/``ci_high`` is its exact chi-square confidence interval.
    """

    well: float
    switches: int
    censored: int
    time_at_risk: float
    mean: float
    ci_low: float
    ci_high: float
    completed_mean: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self.__dict__)


def _censored_mle(events: int, exposure: float, confidence: float) -> tuple[float, float, float]:
    """Exponential mean under type-I censoring: ``T/k`` and the chi-square interval.

    Lower bound ``2T / chi2_{1-a/2}(2k+2)``, upper ``2T / chi2_{a/2}(2k)`` (infinite for
    ``k = 0``); Lawless, *Statistical Models and Methods for Lifetime Data* (2003), 2.3.
    """
    alpha = 1.0 - confidence
    lower = 2.0 * exposure / stats.chi2.ppf(1.0 - alpha / 2.0, 2 * events + 2)
    if events == 0:
        return math.inf, float(lower), math.inf
    upper = 2.0 * exposure / stats.chi2.ppf(alpha / 2.0, 2 * events)
    return exposure / events, float(lower), float(upper)


@dataclass(frozen=True)
class SwitchingStatistics:
    """Switching between the wells of a 1-D system, measured by Euler-Maruyama simulation.

    ``switches_per_run[i]`` counts the switches of run ``i`` over ``[0, t_end]``;
    ``runs_never_switched`` runs are entirely censored (kept, never dropped);
    ``per_well`` holds the censored-exponential residence estimate of each well and
    ``pooled`` the one over all wells.
    """

    model: str
    params: dict[str, float]
    sigma: float
    dt: float
    t_end: float
    runs: int
    seed: Any
    wells: tuple[float, ...]
    core_halfwidths: tuple[float, ...]
    definition: str
    switches_per_run: tuple[int, ...]
    start_wells: tuple[int, ...]
    end_wells: tuple[int, ...]
    per_well: tuple[ResidenceEstimate, ...]
    pooled: ResidenceEstimate

    @property
    def total_switches(self) -> int:
        """Switches summed over all runs."""
        return int(sum(self.switches_per_run))

    @property
    def runs_never_switched(self) -> int:
        """Runs without a single switch (fully censored)."""
        return int(sum(1 for s in self.switches_per_run if s == 0))

    @property
    def runs_switched(self) -> int:
        """Runs with at least one switch."""
        return self.runs - self.runs_never_switched

    @property
    def mean_switches_per_run(self) -> float:
        return self.total_switches / self.runs

    @property
    def fraction_ending_in_start_well(self) -> float:
        """Fraction of runs whose last well is the one they started in (memory)."""
        same = sum(1 for a, b in zip(self.start_wells, self.end_wells, strict=True) if a == b)
        return same / self.runs

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "model": self.model, "params": self.params, "sigma": self.sigma, "dt": self.dt,
            "t_end": self.t_end, "runs": self.runs, "seed": self.seed,
            "wells": self.wells, "core_halfwidths": self.core_halfwidths,
            "definition": self.definition,
            "total_switches": self.total_switches,
            "runs_switched": self.runs_switched,
            "runs_never_switched": self.runs_never_switched,
            "mean_switches_per_run": self.mean_switches_per_run,
            "fraction_ending_in_start_well": self.fraction_ending_in_start_well,
            "switch_count_histogram": np.bincount(np.asarray(self.switches_per_run, int)),
            "per_well": [w.to_dict() for w in self.per_well],
            "pooled": self.pooled.to_dict(),
        })


def _em_chunk(system: Any, x: FloatArray, pvec: FloatArray, sigma: float, dt: float,
              steps: int, rng: np.random.Generator) -> FloatArray:
    """``steps`` Euler-Maruyama steps of a batch ``x (R, 1)``; returns ``(R, steps)``."""
    from dynsys.simulate import simulate

    traj = simulate(system, x, steps * dt, dt=dt, params=pvec, sigma=sigma, rng=rng,
                    method="euler")
    states = np.asarray(traj.states)[:, :, 0]
    return states[:, -steps:]


def _label(r: FloatArray, wells: FloatArray, halfwidths: FloatArray) -> FloatArray:
    """Index of the well core holding each value, -1 outside every core."""
    inside = np.abs(r[..., None] - wells) <= halfwidths
    return np.where(inside.any(axis=-1), inside.argmax(axis=-1), -1)


def switching_statistics(
    model: Any,
    sigma: float,
    t_end: float,
    *,
    runs: int = 100,
    dt: float = 0.1,
    params: ParamsLike = None,
    x0: ArrayLike | None = None,
    landscape: Potential | None = None,
    core: float = 0.5,
    confidence: float = 0.95,
    rng: RngLike = None,
    chunk_steps: int = 2000,
    progress: bool = False,
) -> SwitchingStatistics:
    """Count noise-induced switches between the wells of a 1-D system.

    Runs ``runs`` independent Euler-Maruyama simulations of ``dr = F dt + sigma dW``
    (``r += dt F + sigma sqrt(dt) xi``) up to ``t_end`` in time chunks, keeping only
    the statistics (memory stays ``O(runs * chunk_steps)``).

    A **switch** is the first entry into the *core* of a different well than the
    current one: the core of the well at ``r*`` is ``|r - r*| <= core * d`` with ``d``
    the distance from ``r*`` to the nearest potential maximum. Crossing the barrier
    and falling back is not a switch. The residence time in a well is the time from
    the switch into it (or ``t = 0``) to the switch out of it; the stay in progress at
    ``t_end`` is right-censored. Per well, the mean residence time is estimated by the
    censored-exponential maximum likelihood ``(total time at risk) / (switches)``
    with an exact chi-square interval.

    Parameters
    ----------
    model : Model or CompiledSystem
        One-dimensional, with at least two stable equilibria.
    sigma : float
        Noise amplitude (``D = sigma^2/2``).
    t_end : float
        Length of every run.
    runs : int
        Number of independent runs.
    dt : float
        Euler-Maruyama step.
    params : mapping, optional
        Parameter overrides.
    x0 : float or array (runs,), optional
        Initial states; default: the runs alternate between the wells' equilibria.
    landscape : Potential, optional
        The potential (wells and maxima); computed with :func:`potential` if omitted.
    core : float in (0, 1]
        Core half-width as a fraction of the well-to-barrier distance.
    confidence : float
        Level of the confidence intervals.
    rng : Generator or int
        Noise source (a Generator continues its stream).
    chunk_steps : int
        Steps simulated per chunk.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    SwitchingStatistics

    Raises
    ------
    ModelError
        For bad sizes, ``core`` outside (0, 1], or an initial state outside every core.

    References
    ----------
    .. [1] J. F. Lawless, *Statistical Models and Methods for Lifetime Data*, 2nd ed.,
       Wiley (2003), Section 2.3 (exponential data under type-I censoring).

    Examples
    --------
    >>> from dynsys.model import load_model
    >>> st = switching_statistics(load_model("self_excitation"), 30.0, 200.0, runs=20, rng=0)
    >>> st.total_switches > 0, st.runs
    (True, 20)
    """
    if runs < 1 or t_end <= 0 or dt <= 0:
        raise ModelError(f"need runs >= 1, t_end > 0, dt > 0 (got {runs}, {t_end}, {dt})")
    if not 0 < core <= 1:
        raise ModelError(f"core must be in (0, 1], got {core}")
    if not np.isfinite(sigma) or sigma < 0:
        raise ModelError(f"sigma must be finite and >= 0, got {sigma}")
    m = _as_model(model)
    system = compile_model(m)
    pvec = resolve_params(system, params)
    pot = landscape if landscape is not None else potential(m, params)
    wells = np.asarray(pot.minima, dtype=np.float64)
    tops = np.asarray(pot.maxima, dtype=np.float64)
    half = np.array([core * np.min(np.abs(tops - w)) for w in wells])
    seed = rng if isinstance(rng, int) else None
    gen = as_rng(rng)

    if x0 is None:
        start = np.resize(np.arange(len(wells)), runs)
        x = wells[start].copy()
    else:
        x = np.broadcast_to(np.asarray(x0, dtype=np.float64).ravel(), (runs,)).copy()
        start = _label(x, wells, half)
        if np.any(start < 0):
            raise ModelError("every initial state must lie in the core of a well "
                             f"(cores: {list(zip(wells.tolist(), half.tolist(), strict=True))})")
    current = start.astype(np.int64).copy()
    last_switch = np.zeros(runs)
    total_steps = round(t_end / dt)
    completed: list[FloatArray] = []
    left_from: list[FloatArray] = []
    counts = np.zeros(runs, dtype=np.int64)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total_steps, desc=f"switching sigma={sigma:g}", unit="step",
                   leave=False)
    done = 0
    rows = np.arange(runs)
    while done < total_steps:
        steps = min(chunk_steps, total_steps - done)
        block = _em_chunk(system, x[:, None], pvec, sigma, dt, steps, gen)  # (R, steps)
        x = block[:, -1].copy()
        lab = _label(block, wells, half)
        idx = np.where(lab >= 0, np.arange(steps), -1)
        idx = np.maximum.accumulate(idx, axis=1)
        filled = np.where(idx >= 0, lab[rows[:, None], np.maximum(idx, 0)], current[:, None])
        prev = np.concatenate([current[:, None], filled[:, :-1]], axis=1)
        run_i, step_i = np.nonzero(filled != prev)  # sorted by run, then time
        if run_i.size:
            times = (done + step_i + 1) * dt
            first = np.ones(run_i.size, dtype=bool)
            first[1:] = run_i[1:] != run_i[:-1]
            before = np.where(first, last_switch[run_i], np.roll(times, 1))
            completed.append(times - before)
            left_from.append(prev[run_i, step_i])
            np.add.at(counts, run_i, 1)
            last_idx = np.nonzero(np.append(run_i[1:] != run_i[:-1], True))[0]
            last_switch[run_i[last_idx]] = times[last_idx]
        current = filled[:, -1].astype(np.int64)
        done += steps
        if bar is not None:
            bar.update(steps)
    if bar is not None:
        bar.close()

    stays = np.concatenate(completed) if completed else np.empty(0)
    stay_well = np.concatenate(left_from).astype(int) if left_from else np.empty(0, int)
    censored_stays = total_steps * dt - last_switch

    def estimate(mask_done: Any, mask_cens: Any, well: float) -> ResidenceEstimate:
        k = int(np.count_nonzero(mask_done))
        exposure = float(stays[mask_done].sum() + censored_stays[mask_cens].sum())
        mean, low, high = _censored_mle(k, exposure, confidence)
        comp = float(stays[mask_done].mean()) if k else math.nan
        return ResidenceEstimate(well, k, int(np.count_nonzero(mask_cens)), exposure,
                                 mean, low, high, comp, confidence)

    per_well = tuple(
        estimate(stay_well == j, current == j, float(wells[j])) for j in range(len(wells))
    )
    pooled = estimate(np.ones(stays.size, bool), np.ones(runs, bool), math.nan)
    pars = {k: float(v) for k, v in zip(system.param_names, np.atleast_1d(pvec), strict=True)}
    return SwitchingStatistics(
        m.name, pars, float(sigma), float(dt), float(total_steps * dt), int(runs), seed,
        tuple(float(w) for w in wells), tuple(float(h) for h in half),
        SWITCH_DEFINITION.replace("core *", f"{core:g} *"),
        tuple(int(c) for c in counts), tuple(int(s) for s in start),
        tuple(int(c) for c in current), per_well, pooled,
    )


@dataclass(frozen=True)
class ResidenceScan:
    """Measured mean residence time against sigma, beside Kramers' prediction."""

    sigmas: tuple[float, ...]
    statistics: tuple[SwitchingStatistics, ...]
    kramers: tuple[KramersEstimate, ...]
    landscape: Potential

    @property
    def measured(self) -> FloatArray:
        """Pooled censored-MLE mean residence time at each sigma."""
        return np.array([s.pooled.mean for s in self.statistics])

    @property
    def predicted(self) -> FloatArray:
        """Kramers' time (mean over the wells) at each sigma."""
        return np.array([float(np.mean(k.times)) for k in self.kramers])

    def prediction(self, sigmas: ArrayLike) -> FloatArray:
        """Kramers' time (mean over the wells) at any ``sigmas`` (closed form)."""
        return np.array([float(np.mean(kramers(self.landscape, float(s)).times))
                         for s in np.atleast_1d(np.asarray(sigmas, dtype=float))])

    @property
    def ratios(self) -> FloatArray:
        """Measured / predicted."""
        return self.measured / self.predicted

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "sigmas": self.sigmas,
            "measured_mean_residence": self.measured,
            "kramers_time": self.predicted,
            "ratio": self.ratios,
            "statistics": [s.to_dict() for s in self.statistics],
            "kramers": [k.to_dict() for k in self.kramers],
            "potential": self.landscape.to_dict(),
        })


def residence_scan(
    model: Any,
    sigmas: Sequence[float],
    *,
    runs: int = 200,
    dt: float = 0.1,
    params: ParamsLike = None,
    horizon: float = 5.0,
    t_min: float = 50.0,
    t_max: float = 5000.0,
    core: float = 0.5,
    rng: RngLike = None,
    progress: bool = False,
) -> ResidenceScan:
    """Mean residence time against sigma, measured and predicted by Kramers.

    Each sigma is simulated for ``t_end = clip(horizon * tau_K, t_min, t_max)``, with
    ``tau_K`` Kramers' prediction, so that about ``runs * horizon`` switches are
    expected where that fits in ``t_max``; see :func:`switching_statistics` for the
    switch definition and the censored estimate.

    Examples
    --------
    >>> from dynsys.model import load_model
    >>> scan = residence_scan(load_model("self_excitation"), [25, 30], runs=20, rng=1)
    >>> bool(np.all((scan.ratios > 0.5) & (scan.ratios < 2)))
    True
    """
    m = _as_model(model)
    pot = potential(m, params)
    gen = as_rng(rng)
    stats_list, kr_list = [], []
    for s in sigmas:
        est = kramers(pot, float(s))
        t_end = float(np.clip(horizon * float(np.mean(est.times)), t_min, t_max))
        stats_list.append(switching_statistics(
            m, float(s), t_end, runs=runs, dt=dt, params=params, landscape=pot,
            core=core, rng=gen, progress=progress))
        kr_list.append(est)
    return ResidenceScan(tuple(float(s) for s in sigmas), tuple(stats_list), tuple(kr_list),
                         pot)
