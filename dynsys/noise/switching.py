"""Noise-driven switching measured by simulation: switches, residence times, censoring.

:func:`switching_statistics` and :func:`residence_scan` run the Euler-Maruyama
dynamics ``r_{k+1} = r_k + dt F(r_k) + sigma sqrt(dt) xi_k`` and count switches
between the wells of the potential (:mod:`dynsys.noise.potential`): switch counts,
residence times per well, runs that never switch reported as censored, and the
censored-exponential maximum-likelihood mean residence time with an exact confidence
interval. A switch is the first entry into the *core* of another well
(:data:`SWITCH_DEFINITION`), not a mere crossing of the barrier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from tqdm import tqdm

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._random import RecordedSeed, seeded
from dynsys._types import ArrayLike, FloatArray, ParamsLike, RngLike
from dynsys.analysis.simulate import simulate
from dynsys.core.system import compile as compile_model, resolve_params
from dynsys.errors import ModelError
from dynsys.noise.potential import KramersEstimate, Potential, _as_model, kramers, potential

__all__ = [
    "ResidenceEstimate",
    "ResidenceScan",
    "SwitchingStatistics",
    "residence_scan",
    "switching_statistics",
]

SWITCH_DEFINITION = (
    "a switch is the first entry into the core of a different well than the current one; "
    "the core of the well at r* is |r - r*| <= core * d, where d is the distance from r* "
    "to the nearest maximum of the potential (the unstable equilibrium); crossing the "
    "barrier and falling back is not a switch"
)

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
    seed: RecordedSeed
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
    >>> from dynsys.core.loading import load_model
    >>> st = switching_statistics(load_model("self_excitation"), 30.0, 200.0, runs=20, rng=0)
    >>> st.total_switches > 0, st.runs
    (True, 20)
    """
    runs = checks.count(runs, "runs")
    t_end = checks.positive(t_end, "t_end")
    dt = checks.positive(dt, "dt")
    core = checks.in_range(core, "core", 0.0, 1.0, closed=(False, True))
    sigma = checks.non_negative(sigma, "sigma")
    m = _as_model(model)
    system = compile_model(m)
    pvec = resolve_params(system, params)
    pot = landscape if landscape is not None else potential(m, params)
    wells = np.asarray(pot.minima, dtype=np.float64)
    tops = np.asarray(pot.maxima, dtype=np.float64)
    half = np.array([core * np.min(np.abs(tops - w)) for w in wells])
    gen, seed = seeded(rng)

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
    seed: RecordedSeed = None

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
            "seed": self.seed,
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
    >>> from dynsys.core.loading import load_model
    >>> scan = residence_scan(load_model("self_excitation"), [25, 30], runs=20, rng=1)
    >>> bool(np.all((scan.ratios > 0.5) & (scan.ratios < 2)))
    True
    """
    m = _as_model(model)
    pot = potential(m, params)
    gen, seed = seeded(rng)
    stats_list, kr_list = [], []
    for s in sigmas:
        est = kramers(pot, float(s))
        t_end = float(np.clip(horizon * float(np.mean(est.times)), t_min, t_max))
        stats_list.append(switching_statistics(
            m, float(s), t_end, runs=runs, dt=dt, params=params, landscape=pot,
            core=core, rng=gen, progress=progress))
        kr_list.append(est)
    return ResidenceScan(tuple(float(s) for s in sigmas), tuple(stats_list), tuple(kr_list),
                         pot, seed)
