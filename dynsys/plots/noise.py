"""Figures for noise-driven switching: time series at several noise levels, the potential,
and the mean residence time against sigma with Kramers' prediction.

Every function draws results it is handed (trajectories from
:func:`dynsys.analysis.simulate.simulate`, results of :mod:`dynsys.noise.potential`) and computes no
dynamics; Kramers' curve is the closed form carried by the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dynsys.noise.potential import Potential
from dynsys.noise.switching import ResidenceScan, SwitchingStatistics
from dynsys.plots._style import RATE_UNIT, axis_label, color, new_axes
from dynsys.plots.layout import place_legend

__all__ = ["plot_noise_panels", "plot_potential", "plot_residence_scan"]


def plot_noise_panels(
    trajectories: Sequence[Any],
    statistics: Sequence[SwitchingStatistics | None] | None = None,
    *,
    wells: Sequence[float] = (),
    threshold: float | None = None,
    state: int = 0,
    unit: str | None = RATE_UNIT,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """One panel per noise level: every run's time series, as the reference's Figure 3.

    Parameters
    ----------
    trajectories : sequence of Trajectory
        One per noise level (``.t``, ``.states (runs, T, n)``, ``.sigma``).
    statistics : sequence of SwitchingStatistics or None, optional
        Switching measured at the same noise levels; their counts go into the titles.
    wells : floats
        Stable equilibria, drawn as dotted lines.
    threshold : float, optional
        The unstable equilibrium, drawn dashed.
    state : int
        Which state to plot.
    unit : str or None
        Unit of the state (rates: spikes/s).
    axes : sequence of Axes, optional
        Panels to draw into (one per trajectory); a new figure otherwise.

    Returns
    -------
    matplotlib.figure.Figure
    """
    k = len(trajectories)
    if axes is None:
        fig = Figure(figsize=(5.2, 1.3 * k), layout="constrained")
        axs = fig.subplots(k, 1, sharex=True, squeeze=False)[:, 0]
    else:
        axs = list(axes)
        fig = axs[0].figure
    stats = list(statistics) if statistics is not None else [None] * k
    for i, (ax, traj) in enumerate(zip(axs, trajectories, strict=True)):
        t = np.asarray(traj.t)
        states = np.asarray(traj.states)[:, :, state]
        name = traj.state_names[state] if hasattr(traj, "state_names") else "r"
        for j, series in enumerate(states):
            ax.plot(t, series, color=color(j), lw=1.0, label=f"{name}(0) = {series[0]:g}")
        for w in wells:
            ax.axhline(w, color="0.4", lw=0.8, ls=":")
        if threshold is not None:
            ax.axhline(threshold, color="0.4", lw=0.8, ls="--")
        sigma = float(np.max(np.asarray(traj.sigma)))
        title = f"σ = {sigma:g}"
        st = stats[i] if i < len(stats) else None
        if st is not None:
            title += (f": {st.total_switches} switches in {st.runs} runs of "
                      f"{st.t_end:g} time units")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(axis_label(name, unit))
    axs[-1].set_xlabel("time t")
    place_legend(axs[0], fontsize=8, ncols=1)
    return fig


def plot_potential(pot: Potential, *, grid: Any = None, ax: Axes | None = None,
                   unit: str | None = RATE_UNIT) -> Figure:
    """The potential V(r) with its wells, maxima and barrier heights marked.

    ``grid`` defaults to 400 points spanning the critical points with a margin.
    """
    fig, ax = new_axes(ax)
    pts = np.array([*pot.minima, *pot.maxima])
    if grid is None:
        span = max(float(np.ptp(pts)), 1.0)
        grid = np.linspace(pts.min() - 0.15 * span, pts.max() + 0.15 * span, 400)
    grid = np.asarray(grid, dtype=float)
    ax.plot(grid, pot(grid), color=color(0), lw=1.5, label="V(r) = -∫F dr")
    ax.plot(pot.minima, pot(np.array(pot.minima)), "o", color=color(2), label="wells (stable)")
    ax.plot(pot.maxima, pot(np.array(pot.maxima)), "^", color=color(1),
            label="barrier (unstable)")
    for b in pot.barriers:
        v0 = float(pot(np.array([b.well]))[0])
        ax.annotate("", xy=(b.well, v0 + b.height), xytext=(b.well, v0),
                    arrowprops={"arrowstyle": "<->", "color": "0.3", "lw": 0.8})
        left = b.well < b.top  # the label on the side of the barrier's top
        ax.annotate(f"ΔV = {b.height:.1f}", (b.well, v0 + b.height / 2), fontsize=8,
                    textcoords="offset points", xytext=(4 if left else -4, 0),
                    ha="left" if left else "right", va="center")
    ax.set_xlabel(axis_label(pot.state, unit))
    ax.set_ylabel(f"V({pot.state})")
    place_legend(ax, fontsize=8)
    return fig


def plot_residence_scan(scan: ResidenceScan, *, ax: Axes | None = None,
                        points: int = 200) -> Figure:
    """Mean residence time against sigma (log scale), measured and Kramers' prediction.

    Measured: the censored-exponential MLE pooled over wells with its confidence
    interval (an open marker where no switch occurred: a lower bound only).
    Predicted: Kramers' closed form over a dense sigma grid.
    """
    fig, ax = new_axes(ax)
    sig = np.asarray(scan.sigmas, dtype=float)
    dense = np.linspace(sig.min() * 0.95, sig.max() * 1.05, points)
    ax.semilogy(dense, scan.prediction(dense), color=color(0), lw=1.5,
                label="Kramers: 2π/√(V''min|V''max|) exp(ΔV/D), D = σ²/2")
    meas = scan.measured
    low = np.array([s.pooled.ci_low for s in scan.statistics])
    high = np.array([s.pooled.ci_high for s in scan.statistics])
    finite = np.isfinite(meas)
    yerr = np.vstack([meas - low, high - meas])[:, finite]
    conf = scan.statistics[0].pooled.confidence if scan.statistics else 0.95
    ax.errorbar(sig[finite], meas[finite], yerr=yerr, fmt="o", color=color(1), ms=4,
                capsize=3, label=f"simulation (censored MLE, {conf:.0%} CI)")
    if np.any(~finite):
        ax.plot(sig[~finite], low[~finite], "^", mfc="none", color=color(1),
                label="no switch: lower bound")
    ax.set_xlabel("noise amplitude σ")
    ax.set_ylabel("mean residence time")
    place_legend(ax, fontsize=8)
    return fig
