"""Hopfield figures (reference report, Figures 10-19): results in, Figure out.

Patterns and states are drawn as images (+1 white, -1 black, grey in between); the
weight matrix with a diverging colour map centred on 0 ("RdBu_r": red positive, blue
negative, readable with colour-blind vision); curves in the Okabe-Ito palette.
Nothing here computes dynamics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from dynsys._types import ArrayLike
from dynsys.hopfield.capacity import AGS_CAPACITY, mceliece_limits
from dynsys.plots._style import color, new_axes
from dynsys.plots.layout import place_legend

__all__ = [
    "plot_activity",
    "plot_capacity",
    "plot_energy",
    "plot_energy_landscape",
    "plot_error_correction",
    "plot_overlaps",
    "plot_pattern",
    "plot_patterns",
    "plot_recall",
    "plot_scaling",
    "plot_snapshots",
    "plot_weights",
]


def _image(state: ArrayLike, shape: tuple[int, int] | None) -> np.ndarray:
    arr = np.asarray(state, dtype=np.float64)
    if arr.ndim == 2:
        return arr
    if shape is None:
        side = round(np.sqrt(arr.size))
        shape = (side, arr.size // side) if side * (arr.size // side) == arr.size else (1, arr.size)
    return arr.reshape(shape)


def plot_pattern(state: ArrayLike, shape: tuple[int, int] | None = None, *,
                 ax: Axes | None = None, title: str | None = None) -> Figure:
    """One pattern or state as an image (+1 white, -1 black): Figures 10 and 14."""
    fig, ax = new_axes(ax, figsize=(2.6, 2.6))
    ax.imshow(_image(state, shape), cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return fig


def plot_patterns(net: Any) -> Figure:
    """Every stored pattern of a network, side by side."""
    k = net.n_patterns
    fig = Figure(figsize=(2.2 * k, 2.4), layout="constrained")
    axes = fig.subplots(1, k, squeeze=False)[0]
    for ax, p, name in zip(axes, net.patterns, net.pattern_names, strict=True):
        plot_pattern(p, net.shape, ax=ax, title=name)
    return fig


def plot_weights(net_or_w: Any, *, ax: Axes | None = None) -> Figure:
    """The weight matrix, diverging colours centred on 0: Figures 11 and 15."""
    w = net_or_w.weights() if hasattr(net_or_w, "weights") else np.asarray(net_or_w)
    fig, ax = new_axes(ax, figsize=(4.2, 3.6))
    lim = float(np.max(np.abs(w))) or 1.0
    im = ax.imshow(w, cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -lim, lim),
                   interpolation="nearest")
    ax.set_xlabel("presynaptic unit j")
    ax.set_ylabel("postsynaptic unit i")
    ax.set_title("weights $W_{ij}$")
    fig.colorbar(im, ax=ax, shrink=0.85)
    return fig


def plot_snapshots(result: Any, times: Sequence[float] | None = None, *,
                   fig: Figure | None = None) -> Figure:
    """State images at a few times of a :class:`~dynsys.hopfield.recall.RecallResult`
    (Figs 12, 16, 17)."""
    t = np.asarray(result.t)
    if times is None:
        idx = np.unique(np.linspace(0, len(t) - 1, 6).round().astype(int))
    else:
        idx = np.array([int(np.argmin(np.abs(t - s))) for s in times])
    fig = fig or Figure(figsize=(1.15 * len(idx), 1.45), layout="constrained")
    axes = fig.subplots(1, len(idx), squeeze=False)[0]
    for ax, i in zip(axes, idx, strict=True):
        plot_pattern(result.states[i], result.shape, ax=ax, title=f"t = {t[i]:g}")
    return fig


def plot_activity(result: Any, *, ax: Axes | None = None) -> Figure:
    """Every unit's activity over time as an image (units x time; Figures 12 and 16)."""
    fig, ax = new_axes(ax, figsize=(6.0, 3.2))
    t = np.asarray(result.t)
    im = ax.imshow(np.asarray(result.states).T, aspect="auto", cmap="gray", vmin=-1, vmax=1,
                   interpolation="nearest", extent=(t[0], t[-1], result.states.shape[1] - 0.5,
                                                    -0.5))
    ax.set_xlabel("time t")
    ax.set_ylabel("unit i")
    fig.colorbar(im, ax=ax, label="$x_i$", shrink=0.85)
    return fig


def plot_overlaps(result: Any, *, ax: Axes | None = None) -> Figure:
    """Overlaps ``m_mu(t)`` with every stored pattern (Figure 13).

    ``result``: one :class:`~dynsys.hopfield.recall.RecallResult` or a list of them (several
    runs: colour = pattern, line style = run).
    """
    fig, ax = new_axes(ax)
    results = result if isinstance(result, (list, tuple)) else [result]
    styles = ("-", "--", ":", "-.")
    for r, res in enumerate(results):
        for k, name in enumerate(res.pattern_names):
            ax.plot(res.t, res.overlaps[:, k], color=color(k), ls=styles[r % len(styles)],
                    label=name if r == 0 else None)
    ax.axhline(0.9, color="0.5", lw=0.8, ls=":", label="m = 0.9")
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("time t")
    ax.set_ylabel("overlap m")
    place_legend(ax, frameon=False, fontsize="small")
    return fig


def plot_energy(result: Any, *, ax: Axes | None = None) -> Figure:
    """Energy ``L(x(t))`` along a trajectory (one result or a list of them)."""
    fig, ax = new_axes(ax)
    results = result if isinstance(result, (list, tuple)) else [result]
    for k, r in enumerate(results):
        ax.plot(r.t, r.energy, color=color(k))
    ax.set_xlabel("time t")
    ax.set_ylabel("energy L(x)")
    return fig


def plot_recall(result: Any) -> Figure:
    """Snapshots on top, overlaps and energy below."""
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    subs = fig.subfigures(2, 1, height_ratios=[1.0, 1.6])
    top, bottom = subs[0], subs[1]  # type: ignore[index]
    plot_snapshots(result, fig=top)
    ax1, ax2 = bottom.subplots(1, 2)
    plot_overlaps(result, ax=ax1)
    plot_energy(result, ax=ax2)
    return fig


def plot_energy_landscape(landscape: Any, *, ax: Axes | None = None) -> Figure:
    """Energy over the plane of overlaps (m1, m2) with two stored patterns (Figure 19)."""
    fig, ax = new_axes(ax, figsize=(4.6, 3.8))
    cs = ax.contourf(landscape.m1, landscape.m2, landscape.energy, levels=30, cmap="viridis")
    fig.colorbar(cs, ax=ax, label="energy L")
    a, b = landscape.patterns
    m = landscape.pattern_overlap  # +-p sits at (+-1, +-m), +-q at (+-m, +-1)
    # the states x = a p + b q inside [-1, 1]^N: the quadrilateral with the stored
    # patterns and their negatives as corners (the grid's cells only approach them)
    ax.plot([1, m, -1, -m, 1], [m, 1, -m, -1, m], color="black", lw=0.8,
            label="edge of [-1, 1]^N")
    ax.plot([1, -1, m, -m], [m, -m, 1, -1], "o", color="white", mec="black", ms=5,
            clip_on=False, zorder=5, label="stored patterns and negatives")
    ax.margins(0.05)
    ax.set_xlabel(f"overlap with {a}")
    ax.set_ylabel(f"overlap with {b}")
    # equal scales by widening the data limits, not by shrinking the axes: the axes
    # keep their full height, and the colour bar beside them is exactly as tall
    ax.set_aspect("equal", adjustable="datalim")
    return fig


def plot_capacity(curves: Any, *, ax: Axes | None = None, theory: bool = True,
                  overlap: bool = False) -> Figure:
    """Recall probability vs stored patterns with Wilson 95% bands (Figure 18).

    ``curves``: one :class:`~dynsys.hopfield.capacity.CapacityCurve` or a list (e.g. flip 0.1 and
    0.3). Draws 0.138 N (Amit-Gutfreund-Sompolinsky) and McEliece's N/(2 ln N),
    N/(4 ln N); with ``overlap=True`` also the overlap >= 0.9 criterion (dashed).
    """

    fig, ax = new_axes(ax)
    curves = curves if isinstance(curves, (list, tuple)) else [curves]
    for k, c in enumerate(curves):
        ps = c.patterns
        lo = [p.ci_low for p in c.points]
        hi = [p.ci_high for p in c.points]
        ax.fill_between(ps, lo, hi, color=color(k), alpha=0.25, lw=0)
        ax.plot(ps, c.recall, "o-", ms=3, color=color(k),
                label=f"N = {c.n}, flip {c.flip:g}")
        if overlap:
            ax.plot(ps, c.overlap_recall, "--", lw=1, color=color(k),
                    label=f"overlap >= 0.9, flip {c.flip:g}")
    if theory and curves:
        n = curves[0].n
        half, quarter = mceliece_limits(n)
        ax.axvline(AGS_CAPACITY * n, color="0.3", ls="--", lw=1, label="0.138 N")
        ax.axvline(float(half), color="0.3", ls=":", lw=1, label="N / (2 ln N)")
        ax.axvline(float(quarter), color="0.3", ls="-.", lw=1, label="N / (4 ln N)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("stored patterns P")
    ax.set_ylabel("recall probability")
    place_legend(ax, frameon=False, fontsize="small")
    return fig


def plot_scaling(result: Any, *, ax: Axes | None = None, overlap: bool = True) -> Figure:
    """Finite-size scaling: recall vs alpha = P/N for each N, with the theory lines.

    Solid: exact recall (with Wilson bands), which collapses near McEliece's
    ``1/(2 ln N)`` (dotted, one per N); dashed (``overlap=True``): final overlap >= 0.9,
    which tracks Amit-Gutfreund-Sompolinsky's alpha_c = 0.138.
    """

    fig, ax = new_axes(ax)
    for k, c in enumerate(result.curves):
        ax.fill_between(c.alpha, [p.ci_low for p in c.points], [p.ci_high for p in c.points],
                        color=color(k), alpha=0.2, lw=0)
        ax.plot(c.alpha, c.recall, "o-", ms=3, color=color(k), label=f"N = {c.n}")
        if overlap:
            ax.plot(c.alpha, c.overlap_recall, "--", color=color(k), lw=1)
        half, _quarter = mceliece_limits(c.n)
        ax.axvline(float(half) / c.n, color=color(k), ls=":", lw=1)
    ax.axvline(AGS_CAPACITY, color="0.2", ls="--", lw=1, label=r"$\alpha_c$ = 0.138")
    ax.set_xlabel(r"load $\alpha$ = P / N  (dotted: $1/(2\ln N)$; dashed: overlap $\geq$ 0.9)")
    ax.set_ylabel("recall probability")
    ax.set_ylim(-0.02, 1.02)
    place_legend(ax, frameon=False, fontsize="small")
    return fig


def plot_error_correction(curve: Any, *, ax: Axes | None = None) -> Figure:
    """Recall probability vs fraction of flipped bits."""
    fig, ax = new_axes(ax)
    ax.fill_between(curve.flips, [p.ci_low for p in curve.points],
                    [p.ci_high for p in curve.points], color=color(0), alpha=0.25, lw=0)
    ax.plot(curve.flips, curve.recall, "o-", ms=3, color=color(0),
            label=f"N = {curve.n}, P = {curve.n_patterns}")
    ax.set_xlabel("fraction of bits flipped")
    ax.set_ylabel("recall probability")
    ax.set_ylim(-0.02, 1.02)
    place_legend(ax, frameon=False, fontsize="small")
    return fig
