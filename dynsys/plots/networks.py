"""Figures for rate networks: a ring's activity against angle, eigenvalues against the
gain with their closed form, activity of many units over time, rate distributions.

Every function draws arrays it is handed (simulated states, eigenvalues computed by the
caller) and computes no dynamics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from dynsys._types import ArrayLike
from dynsys.plots._style import color, new_axes
from dynsys.plots.layout import place_legend

__all__ = ["plot_activity", "plot_gain_spectrum", "plot_rate_distribution", "plot_ring_bumps"]


def plot_ring_bumps(theta: ArrayLike, states: Mapping[str, ArrayLike], *,
                    ylabel: str = "activity x") -> Figure:
    """Activity of every unit of a ring against its angle, one curve per label.

    Parameters
    ----------
    theta : (n,) array
        Preferred angles (radians, in [0, 2 pi)).
    states : {label: (n,) array}
        The states to draw (e.g. ``{"g = 1.2": x}``).
    ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_axes(figsize=(5.0, 3.4))
    deg = np.degrees(np.asarray(theta, dtype=float))
    for i, (label, x) in enumerate(states.items()):
        ax.plot(deg, np.asarray(x, dtype=float), color=color(i), lw=1.6, label=label)
    ax.axhline(0.0, color="0.6", lw=0.8, ls=":")
    ax.set_xlim(0.0, 360.0)
    ax.set_xticks([0, 90, 180, 270, 360])
    ax.set_xlabel("preferred angle θ (degrees)")
    ax.set_ylabel(ylabel)
    place_legend(ax)
    return fig


def plot_gain_spectrum(gains: ArrayLike, eigenvalues: ArrayLike,
                       closed_form: Sequence[tuple[str, Callable[[np.ndarray], np.ndarray]]],
                       threshold: float, *, threshold_label: str = "derived threshold"
                       ) -> Figure:
    """Real parts of the eigenvalues (dots) against the gain, with closed-form lines.

    Parameters
    ----------
    gains : (k,) array
    eigenvalues : (k, n) complex array
        The computed eigenvalues at every gain.
    closed_form : sequence of (label, function of the gain)
        Lines drawn over the dots (e.g. ``("-1 + g w1/2", lambda g: ...)``).
    threshold : float
        The derived gain where the rightmost eigenvalue crosses zero (a vertical line).
    threshold_label : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_axes(figsize=(5.0, 3.6))
    g = np.asarray(gains, dtype=float)
    ev = np.asarray(eigenvalues)
    rows = np.repeat(g, ev.shape[1])
    ax.plot(rows, ev.real.ravel(), "o", ms=3.5, color="0.35", mfc="none",
            label="eigenvalues (computed)")
    fine = np.linspace(g.min(), g.max(), 200)
    for i, (label, fn) in enumerate(closed_form):
        ax.plot(fine, np.broadcast_to(fn(fine), fine.shape), color=color(i), lw=1.4,
                label=label)
    ax.axhline(0.0, color="0.6", lw=0.8, ls=":")
    ax.axvline(threshold, color=color(len(closed_form)), lw=1.2, ls="--",
               label=f"{threshold_label} g = {threshold:g}")
    ax.set_xlabel("gain g")
    ax.set_ylabel("Re λ")
    place_legend(ax)
    return fig


def plot_activity(t: ArrayLike, panels: Mapping[str, ArrayLike],
                  populations: Sequence[tuple[str, int, int]], *,
                  vmin: float = 0.0, vmax: float = 1.0) -> Figure:
    """Activity of many units over time: a heat map (units x time) per panel with the
    population means beneath it.

    Parameters
    ----------
    t : (T,) array
    panels : {title: (T, n) array}
        Units' activity over time (e.g. one run at each of two gains).
    populations : sequence of (name, start, stop)
        Blocks of units: separated by a line in the map, averaged in the lower row.
    vmin, vmax : float
        Colour range of the map.

    Returns
    -------
    matplotlib.figure.Figure
    """
    k = len(panels)
    fig = Figure(figsize=(2.7 * k + 0.7, 4.2), layout="constrained")
    grid = fig.add_gridspec(2, k, height_ratios=(2.2, 1.0))
    ts = np.asarray(t, dtype=float)
    image = None
    for j, (title, data) in enumerate(panels.items()):
        x = np.asarray(data, dtype=float)
        top = fig.add_subplot(grid[0, j])
        image = top.imshow(x.T, aspect="auto", origin="lower", cmap="viridis",
                           extent=(ts[0], ts[-1], 0, x.shape[1]), vmin=vmin, vmax=vmax,
                           interpolation="nearest")
        for _, start, _stop in populations[1:]:
            top.axhline(start, color="white", lw=1.0)
        top.set_title(title)
        top.set_ylabel("unit" if j == 0 else "")
        top.tick_params(labelbottom=False)
        bottom = fig.add_subplot(grid[1, j], sharex=top)
        for i, (name, start, stop) in enumerate(populations):
            bottom.plot(ts, x[:, start:stop].mean(axis=1), color=color(i), lw=1.4,
                        label=f"mean {name}")
        bottom.set_xlabel("time t")
        bottom.set_ylabel("mean activity" if j == 0 else "")
        bottom.set_ylim(vmin, vmax + 0.25 * (vmax - vmin))  # room for the legend above
        bottom.legend(loc="upper right", fontsize=8, frameon=False, ncol=len(populations),
                      handlelength=1.2, columnspacing=0.8)
    if image is not None:
        fig.colorbar(image, ax=fig.axes[0::2], shrink=0.9, label="activity x")
    return fig


def plot_rate_distribution(rates: Mapping[str, ArrayLike], *, bins: int = 40,
                           xlabel: str = "activity x at equilibrium") -> Figure:
    """Histograms (densities) of the units' rates, one per population.

    Parameters
    ----------
    rates : {population: (k,) array}
    bins : int
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_axes(figsize=(5.0, 3.4))
    values = [np.asarray(v, dtype=float) for v in rates.values()]
    lo = min(float(v.min()) for v in values)
    hi = max(float(v.max()) for v in values)
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    for i, (name, v) in enumerate(zip(rates, values, strict=True)):
        ax.hist(v, bins=edges, density=True, histtype="stepfilled", alpha=0.35,
                color=color(i), edgecolor=color(i), lw=1.4,
                label=f"{name} (n = {v.size}, mean {v.mean():.3f})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    place_legend(ax)
    return fig
