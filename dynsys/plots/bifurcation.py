"""Bifurcation figures: branches with their stability, equilibrium counts, moving nullclines,
two-parameter curves with cusp points, and region maps with fold curves on top.

Every function draws results it is handed (from :mod:`dynsys.bifurcation.continuation`,
:mod:`dynsys.bifurcation.diagram`, :mod:`dynsys.bifurcation.codim2`,
:mod:`dynsys.bifurcation.region_map`,
:mod:`dynsys.analysis.phase_plane`) and computes no dynamics. Stable equilibria are solid
lines, unstable ones dashed; folds are circles, Hopf points squares, cusps and
Bogdanov-Takens points diamonds and triangles, each labelled with its parameter value.
Limit cycles measured by simulation are drawn as open markers labelled "simulated".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from dynsys.errors import ModelError
from dynsys.plots._style import OKABE_ITO, axis_label, color, new_axes, readable_name
from dynsys.plots.cycles import draw_cycle_envelopes, draw_period
from dynsys.plots.layout import place_legend

__all__ = [
    "plot_bifurcation_diagram",
    "plot_cycle_periods",
    "plot_equilibrium_count",
    "plot_moving_nullclines",
    "plot_region_map",
    "plot_two_parameter",
]

_MARKERS = {"fold": ("o", "LP"), "hopf": ("s", "H"), "branch_point": ("X", "BP"),
            "cusp": ("D", "CP"), "bogdanov_takens": ("^", "BT")}


def _branches(result: Any) -> list[Any]:
    if hasattr(result, "branches"):
        return list(result.branches)
    if isinstance(result, Sequence):
        return list(result)
    return [result]


def _label(name: str, unit: str | None) -> str:
    return axis_label(name, unit)


def _words(name: Any) -> str:
    """A model's name as words opening a title (``mutual_excitation`` -> Mutual excitation)."""
    text = readable_name(name)
    return text[:1].upper() + text[1:]


def _state_index(names: Sequence[str], state: int | str | None) -> int:
    if state is None:
        return 0
    if isinstance(state, str):
        if state not in names:
            raise ModelError(f"{state!r} is not a state (states: {', '.join(names)})")
        return list(names).index(state)
    return int(state)


def _draw_branch(ax: Axes, br: Any, j: int, col: str, label_stability: bool) -> None:
    for a, b, k in br.segments():
        b = min(b + 1, len(br))  # join the pieces
        ax.plot(br.values[a:b], br.states[a:b, j], color=col,
                linestyle="-" if k == 0 else "--", linewidth=1.6 if k == 0 else 1.2,
                label=None)
    if label_stability:
        ax.plot([], [], color="0.3", linestyle="-", label="stable")
        ax.plot([], [], color="0.3", linestyle="--", label="unstable")


def _unique_points(curves: Iterable[Any]) -> list[Any]:
    """Special points of several curves, each drawn once: two fold curves that meet at
    a cusp both detect it, at the same parameters up to the location tolerance."""
    out: list[Any] = []
    for sp in (sp for c in curves for sp in c.special_points):
        values = np.array([float(v) for v in sp.params.values()])
        if not any(o.type == sp.type and np.allclose(
                values, [float(v) for v in o.params.values()], rtol=1e-7, atol=1e-9)
                for o in out):
            out.append(sp)
    return out


def _mark_points(ax: Axes, points: Iterable[Any], xkey: str, ykey: str | None, j: int,
                 label: bool, fmt: str = "{:.4g}") -> None:
    seen = set()
    for sp in points:
        kind = sp.type.value
        marker, short = _MARKERS.get(kind, ("*", kind))
        x = sp.params[xkey]
        y = sp.params[ykey] if ykey is not None else list(sp.state.values())[j]
        legend = None if kind in seen else {"fold": "fold (LP)", "hopf": "Hopf (H)",
                                            "branch_point": "branch point (BP)",
                                            "cusp": "cusp (CP)",
                                            "bogdanov_takens": "Bogdanov-Takens (BT)"}.get(kind)
        seen.add(kind)
        ax.plot([x], [y], marker=marker, color="black", markerfacecolor="white",
                markersize=7, linestyle="none", label=legend, zorder=5)
        if label:
            text = f"{short} {xkey}={fmt.format(x)}"
            if ykey is not None:
                text += f", {ykey}={fmt.format(y)}"
            ax.annotate(text, (x, y), textcoords="offset points", xytext=(5, 5), fontsize=8)


def plot_bifurcation_diagram(
    result: Any,
    ax: Axes | None = None,
    *,
    state: int | str | None = None,
    cycles: Any = None,
    label_points: bool = True,
    unit: str | None = None,
    cycle_branches: Sequence[Any] | None = None,
) -> Figure:
    """One-parameter bifurcation diagram: branches, stability and special points.

    Parameters
    ----------
    result : Branch, BifurcationDiagram or sequence of Branch
    ax : Axes, optional
    state : int or str, optional
        The state on the vertical axis (default: the first).
    cycles : CycleSamples, optional
        Simulated limit cycles (minimum and maximum of the chosen state), drawn as
        open markers and labelled "simulated".
    label_points : bool
        Write each special point's parameter value beside it.
    unit : str or None, default None
        Unit of the state axis, e.g. ``"spikes/s"`` (None: no unit in the label).
    cycle_branches : sequence of CycleBranch, optional
        Continued periodic orbits: their max/min envelopes of the state (solid stable,
        dashed unstable, see :func:`dynsys.plots.cycles.draw_cycle_envelopes`); on a new
        figure also a period-against-parameter panel below. Default: the diagram's own
        ``cycle_branches`` (none for a branch or a list of branches); ``()`` draws none.

    Returns
    -------
    matplotlib.figure.Figure
    """
    branches = _branches(result)
    period_ax = None
    if cycle_branches is None:
        cycle_branches = tuple(getattr(result, "cycle_branches", ()))
    if ax is None and cycle_branches:
        # narrow, so that with a legend beside it the figure still prints near 1:1
        fig = Figure(figsize=(3.9, 4.1), layout="constrained")
        ax, period_ax = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    fig, ax = new_axes(ax)
    if not branches:
        return fig
    first = branches[0]
    j = _state_index(first.state_names, state)
    for i, br in enumerate(branches):
        _draw_branch(ax, br, j, color(0 if len(branches) == 1 else i), i == 0)
    pts = [sp for br in branches for sp in br.special_points]
    # four digits beside the cycles' labels on the narrower two-panel figure (the exact
    # values are in the tables and results.json)
    _mark_points(ax, pts, first.param, None, j, label_points,
                 "{:.4g}" if period_ax is not None else "{:.6g}")
    if cycles is not None and np.any(cycles.oscillating):
        osc = np.asarray(cycles.oscillating, dtype=bool)
        settled = (np.ones_like(osc) if cycles.settled is None
                   else np.asarray(cycles.settled, dtype=bool))
        jc = list(cycles.state_names).index(first.state_names[j])
        for keep, marker, text in ((osc & settled, "o", "limit cycle max/min (simulated)"),
                                   (osc & ~settled, "x", "not settled (simulated)")):
            for arr, lab in ((cycles.maxima, text), (cycles.minima, None)):
                if np.any(keep):
                    ax.plot(cycles.values[keep], arr[keep, jc], marker=marker, markersize=4,
                            linestyle="none", color=OKABE_ITO[1], markerfacecolor="none",
                            label=lab)
    for i, cb in enumerate(cycle_branches):
        draw_cycle_envelopes(ax, cb, first.state_names[j], label=i == 0,
                             label_points=label_points)
        if period_ax is not None:
            draw_period(period_ax, cb, label=i == 0)
    if period_ax is not None:
        period_ax.set_xlabel(first.param)
        period_ax.set_ylabel("period")
        place_legend(period_ax, fontsize=8)
    ax.set_xlabel(first.param if period_ax is None else "")
    ax.set_ylabel(_label(first.state_names[j], unit))
    ax.set_title(f"{_words(first.model)}: equilibria against {first.param}", fontsize=9)
    place_legend(ax, fontsize=8)
    if period_ax is not None:  # a legend beside the axes widened the figure: the two
        place_legend(ax, legend=False)  # panels moved, so place the point labels again
    return fig


def plot_cycle_periods(cycles: Any, ax: Axes | None = None) -> Figure:
    """Period of the simulated limit cycles against the parameter (marked simulated)."""
    fig, ax = new_axes(ax)
    osc = np.asarray(cycles.oscillating, dtype=bool)
    ax.plot(cycles.values[osc], cycles.periods[osc], marker="o", color=OKABE_ITO[1],
            markerfacecolor="none", linestyle=":", label="period (simulated)")
    ax.set_xlabel(cycles.param)
    ax.set_ylabel("period")
    ax.legend(fontsize=7)
    return fig


def plot_equilibrium_count(
    result: Any,
    values: Sequence[float] | None = None,
    *,
    state: int | str | None = None,
    axes: Sequence[Axes] | None = None,
    unit: str | None = None,
) -> Figure:
    """The reference report's Figure 9a: number of equilibria (top) and their states (bottom).

    Parameters
    ----------
    result : BifurcationDiagram
        (``count(value)`` gives the number of equilibria.)
    values : sequence of float, optional
        Parameter values of the top panel (default: 801 points over the range, plus
        the fold values).
    state : int or str, optional
        State of the bottom panel.
    axes : two Axes, optional
    unit : str or None
        Unit of the state axis of the bottom panel (None: no unit).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig = Figure(figsize=(5.0, 4.4), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True)
    else:
        top, bottom = axes
        fig = top.figure
    lo, hi = result.bounds
    if values is None:
        values = np.linspace(lo, hi, 801)
    vals = np.asarray(values, dtype=np.float64)
    counts = np.array([result.count(float(v)) for v in vals])
    top.step(vals, counts, where="mid", color=color(0))
    for sp in result.points("fold"):
        top.axvline(sp.params[result.param], color="0.6", linestyle=":", linewidth=0.8)
    top.set_ylabel("number of equilibria")
    top.set_yticks(sorted(set(counts.tolist())))
    top.set_title(f"{_words(result.model)}: equilibria against {result.param}", fontsize=9)
    plot_bifurcation_diagram(result, bottom, state=state, unit=unit)
    bottom.set_title("")
    return fig


def plot_moving_nullclines(
    nullclines: Mapping[float, Sequence[Any]],
    param: str,
    *,
    equilibria: Mapping[float, Any] | None = None,
    ax: Axes | None = None,
    unit: str | None = None,
    state_names: Sequence[str] = ("x", "y"),
) -> Figure:
    """The reference report's Figure 9b: nullclines at several parameter values.

    Parameters
    ----------
    nullclines : mapping value -> (Nullcline, Nullcline)
        From :func:`dynsys.analysis.phase_plane.nullclines` at each parameter value
        (objects with ``.branches``, each a ``(k, 2)`` array).
    param : str
        The parameter's name (legend).
    equilibria : mapping value -> (k, 2) array, optional
        Equilibria at each value, drawn as dots.
    ax : Axes, optional
    unit : str or None
        Unit of both axes (e.g. spikes/s).
    state_names : (str, str)

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_axes(ax, figsize=(4.6, 4.2))
    for i, (value, pair) in enumerate(sorted(nullclines.items())):
        col = color(i)
        for k, nc in enumerate(pair):
            for b, arr in enumerate(nc.branches):
                arr = np.asarray(arr)
                ax.plot(arr[:, 0], arr[:, 1], color=col, linestyle="-" if k == 0 else "--",
                        linewidth=1.2,
                        label=f"{param} = {value:g}" if (k == 0 and b == 0) else None)
        if equilibria is not None and value in equilibria:
            pts = np.atleast_2d(np.asarray(equilibria[value], dtype=np.float64))
            if pts.size:
                ax.plot(pts[:, 0], pts[:, 1], "o", color=col, markersize=5,
                        markeredgecolor="black", markeredgewidth=0.5, zorder=5)
    ax.plot([], [], color="0.3", linestyle="-", label=f"d{state_names[0]}/dt = 0")
    ax.plot([], [], color="0.3", linestyle="--", label=f"d{state_names[1]}/dt = 0")
    ax.set_xlabel(_label(state_names[0], unit))
    ax.set_ylabel(_label(state_names[1], unit))
    place_legend(ax, fontsize=8)
    return fig


def plot_two_parameter(
    curves: Any,
    ax: Axes | None = None,
    *,
    label_points: bool = True,
) -> Figure:
    """Fold (and Hopf) curves in the plane of two parameters, with cusp and BT points.

    Parameters
    ----------
    curves : Curve or sequence of Curve
        From :func:`dynsys.bifurcation.codim2.continue_fold` /
        :func:`~dynsys.bifurcation.codim2.continue_hopf`.
    ax : Axes, optional
    label_points : bool

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = [curves] if hasattr(curves, "values") else list(curves)
    fig, ax = new_axes(ax)
    if not items:
        return fig
    p1, p2 = items[0].param_names
    seen = set()
    for c in items:
        kind = c.kind
        ax.plot(c.values[:, 0], c.values[:, 1], color=color(0 if kind == "fold" else 1),
                linestyle="-" if kind == "fold" else "-.", linewidth=1.5,
                label=None if kind in seen else f"{kind} curve")
        seen.add(kind)
    _mark_points(ax, _unique_points(items), p1, p2, 0, label_points)
    ax.set_xlabel(p1)
    ax.set_ylabel(p2)
    ax.set_title(f"{_words(items[0].model)}: two-parameter diagram", fontsize=9)
    place_legend(ax, fontsize=8)
    return fig


def plot_region_map(
    region_map: Any,
    curves: Any = (),
    ax: Axes | None = None,
    *,
    label_points: bool = True,
) -> Figure:
    """Number of equilibria over a parameter grid, with fold curves drawn on top.

    Parameters
    ----------
    region_map : RegionMap
    curves : Curve or sequence of Curve, optional
        Fold curves in the same two parameters (drawn over the map; they must bound
        the regions).
    ax : Axes, optional
    label_points : bool

    Returns
    -------
    matplotlib.figure.Figure
    """

    fig, ax = new_axes(ax)
    counts = np.asarray(region_map.counts)
    levels = sorted(set(counts.ravel().tolist()))
    palette = ["#BFD9EC", "#B8E0D2", "#F2C6A6", "#F5DFA3", "#E3C3D8", "#D9D9D9"]
    cmap = ListedColormap([palette[i % len(palette)] for i in range(len(levels))])
    index = np.searchsorted(levels, counts)
    norm = BoundaryNorm(np.arange(-0.5, len(levels) + 0.5), cmap.N)
    mesh = ax.pcolormesh(region_map.values1, region_map.values2, index.T, cmap=cmap,
                         norm=norm, shading="nearest")
    cbar = fig.colorbar(mesh, ax=ax, ticks=range(len(levels)))
    cbar.ax.set_yticklabels([str(v) for v in levels])
    cbar.set_label("number of equilibria")
    items = [curves] if hasattr(curves, "values") else list(curves)
    p1, p2 = region_map.param_names
    for i, c in enumerate(items):
        ax.plot(c.values[:, 0], c.values[:, 1], color="black", linewidth=1.4,
                label="fold curve (continued)" if i == 0 else None)
    _mark_points(ax, _unique_points(items), p1, p2, 0, label_points)
    ax.set_xlim(region_map.values1.min(), region_map.values1.max())
    ax.set_ylim(region_map.values2.min(), region_map.values2.max())
    ax.set_xlabel(p1)
    ax.set_ylabel(p2)
    ax.set_title(f"{_words(region_map.model)}: number of equilibria", fontsize=9)
    place_legend(ax, fontsize=8, legend=bool(items))
    return fig
