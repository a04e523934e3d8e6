"""Phase-plane figures (the report's Figures 7-8) and basin maps.

:func:`plot_phase_plane` draws a :class:`~dynsys.analysis.phase_plane.PhasePlane`: nullclines
(dashed), normalised direction arrows, trajectories with arrows along them, the
separatrices, and the equilibria marked by kind (filled: stable; open: unstable;
marker shape by kind; legend). :func:`plot_basins` draws a
:class:`~dynsys.analysis.phase_plane.BasinMap`. Nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from dynsys.analysis.equilibria import Equilibria
from dynsys.analysis.phase_plane import BasinMap, PhasePlane
from dynsys.analysis.stability import Kind
from dynsys.plots._style import OKABE_ITO, RATE_UNIT, axis_label, new_axes, readable_name
from dynsys.plots.cycles import draw_cycles_phase
from dynsys.plots.layout import place_legend

__all__ = ["plot_basins", "plot_equilibria", "plot_phase_plane"]

_MARKER = {
    Kind.SADDLE: "X", Kind.STABLE_FOCUS: "s", Kind.UNSTABLE_FOCUS: "s", Kind.CENTER: "D",
    Kind.NON_HYPERBOLIC: "^", Kind.NON_SMOOTH: "v",
}


def plot_equilibria(eq: Equilibria, ax: Axes | None = None) -> Figure:
    """Mark 2-D equilibria by kind: filled = stable, open = unstable, one legend entry each.

    Markers are drawn whole (``clip_on=False``): an equilibrium on the edge of the
    region, such as a node at (0, 0), shows as a full marker, not a quarter.
    """
    fig, ax = new_axes(ax)
    seen: set[str] = set()
    for e in eq:
        colour = OKABE_ITO[7] if e.stable else OKABE_ITO[1]
        label = e.label
        ax.plot([e.state[0]], [e.state[1]], _MARKER.get(e.kind, "o"), ms=9, mew=2, mec=colour,
                mfc=colour if e.stable else "white", zorder=6, clip_on=False,
                label=None if label in seen else label)
        seen.add(label)
    _draw_continua(eq, ax)
    return fig


def _draw_continua(eq: Equilibria, ax: Axes) -> None:
    """Curves and lines of equilibria of a 2-D system, as a thick line: a traced curve
    along its path (closed if it closes), a line through the points found on it."""
    for c in eq.continua:
        if c.whole_region or c.dimension != 1 or len(c.state_names) != 2:
            continue
        if c.path is not None:
            pts = np.vstack([c.path, c.path[:1]]) if c.closed else c.path
        else:  # an affine line: its found points in order along it
            axis = int(np.argmax(np.ptp(c.points, axis=0)))
            pts = c.points[np.argsort(c.points[:, axis])]
        ax.plot(pts[:, 0], pts[:, 1], "-", lw=4, color=OKABE_ITO[4], alpha=0.7, zorder=5,
                solid_capstyle="round", label="equilibria (not isolated)")


def plot_phase_plane(pp: PhasePlane, ax: Axes | None = None, *, unit: str | None = RATE_UNIT,
                     field: bool = True, trajectories: bool = True,
                     separatrix: bool = True, basin: bool = True,
                     cycles: Sequence[Any] = (), title: str | None = None,
                     undecided: Sequence[Sequence[tuple[float, float]]] = ()) -> Figure:
    """Draw a phase portrait.

    Parameters
    ----------
    pp : PhasePlane
    unit : str or None, default "spikes/s"
        Axis unit (None for dimensionless models).
    field, trajectories, separatrix, basin : bool
        Which layers to draw (the basin map only if ``pp.basin`` was computed).
    cycles : sequence of Cycle or CycleBranch, optional
        Periodic orbits to draw (solid stable, dashed unstable; see
        :func:`dynsys.plots.cycles.draw_cycles_phase`).
    title : str, optional
        The axes title (default "Phase plane of" the model's name in words; "" for none).
    undecided : sequence of boxes, optional
        Boxes a certified search left undecided (``Equilibria.undecided_boxes``, each a
        ``(lo, hi)`` per state), drawn hatched, at least 5% of the axes wide so that a
        tiny box near a fold stays visible.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> from dynsys.analysis.phase_plane import phase_plane
    >>> fig = plot_phase_plane(phase_plane(load_model("mutual_excitation")))
    >>> fig.axes[0].get_xlabel()
    'x (spikes/s)'
    """
    fig, ax = new_axes(ax, figsize=(4.3, 3.9))
    (x0, x1), (y0, y1) = (pp.region[pp.state_names[0]], pp.region[pp.state_names[1]])
    if basin and pp.basin is not None:
        _draw_basins(pp.basin, ax, alpha=0.25, legend=False)
    if field:
        f = pp.field
        gx, gy = np.meshgrid(f.x, f.y)
        # normalise in axis units so arrows show direction
        su, sv = f.u / (x1 - x0), f.v / (y1 - y0)
        norm = np.hypot(su, sv)
        norm[norm == 0] = 1.0
        du = su / norm * 0.035 * (x1 - x0)
        dv = sv / norm * 0.035 * (y1 - y0)
        ax.quiver(gx, gy, du, dv, color="0.6", angles="xy", scale_units="xy", scale=1.0,
                  pivot="mid", width=0.003, headwidth=4, zorder=1)
    styles = [(OKABE_ITO[1], "--"), (OKABE_ITO[0], "--")]
    for nc, (colour, ls) in zip(pp.nullclines, styles, strict=True):
        for k, br in enumerate(nc.branches):
            ax.plot(br[:, 0], br[:, 1], ls=ls, color=colour, lw=2, zorder=3,
                    label=f"{nc.state_name}-nullcline (d{nc.state_name}/dt = 0)" if k == 0
                    else None)
    if separatrix:
        for i, s in enumerate(pp.separatrices):
            for k, br in enumerate(s.branches):
                ax.plot(br[:, 0], br[:, 1], color=OKABE_ITO[4], lw=2.2, zorder=4,
                        label="separatrix (stable manifold)" if i == 0 and k == 0 else None)
    if trajectories:
        for i, tr in enumerate(pp.trajectories):
            if len(tr) < 2:
                continue
            ax.plot(tr[:, 0], tr[:, 1], color=OKABE_ITO[2], lw=1.2, zorder=2,
                    label="trajectories" if i == 0 else None)
            ax.plot([tr[0, 0]], [tr[0, 1]], "o", ms=3, color=OKABE_ITO[2], clip_on=False)
            _arrow(ax, tr)
    if cycles:
        draw_cycles_phase(ax, list(cycles), pp.state_names[0], pp.state_names[1])
    _draw_undecided(ax, undecided, (x1 - x0, y1 - y0))
    plot_equilibria(pp.equilibria, ax)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(axis_label(pp.state_names[0], unit))
    ax.set_ylabel(axis_label(pp.state_names[1], unit))
    if title is None:
        title = f"Phase plane of the {readable_name(pp.system_name)} model"
    if title:
        ax.set_title(title)
    place_legend(ax, fontsize=8, framealpha=0.85)
    return fig


def _draw_undecided(ax: Axes, boxes: Sequence[Sequence[tuple[float, float]]],
                    span: tuple[float, float]) -> None:
    """Hatched rectangles for undecided boxes (enlarged to 5% of the axes if smaller)."""
    for k, ((xa, xb), (ya, yb)) in enumerate(boxes):
        w, h = max(xb - xa, 0.05 * span[0]), max(yb - ya, 0.05 * span[1])
        cx, cy = (xa + xb) / 2, (ya + yb) / 2
        ax.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, fill=False, hatch="////",
                               edgecolor=OKABE_ITO[5], lw=1.2, zorder=7,
                               label="undecided (certification)" if k == 0 else None))


def _arrow(ax: Axes, tr: np.ndarray) -> None:
    """An arrow head along a trajectory, at a third of its arc length."""
    seg = np.hypot(*np.diff(tr, axis=0).T)
    if seg.sum() == 0:
        return
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    i = int(np.searchsorted(arc, arc[-1] / 3))
    i = min(max(i, 1), len(tr) - 1)
    ax.annotate("", xy=tr[i], xytext=tr[i - 1],
                arrowprops={"arrowstyle": "-|>", "color": OKABE_ITO[2], "lw": 1.2})


def _draw_basins(b: BasinMap, ax: Axes, *, alpha: float = 1.0, legend: bool = True) -> Any:
    k = len(b.attractors)
    colours = ["#DDDDDD", *[OKABE_ITO[(i + 5) % 7] for i in range(k)]]
    cmap = ListedColormap(colours)
    mesh = ax.pcolormesh(b.x, b.y, b.labels + 1, cmap=cmap, vmin=-0.5, vmax=k + 0.5,
                         shading="nearest", alpha=alpha, zorder=0, rasterized=True)
    if legend:
        handles = [Patch(color=colours[i + 1], label=f"basin of ({a[0]:.3g}, {a[1]:.3g})")
                   for i, a in enumerate(b.attractors)]
        if np.any(b.labels < 0):
            handles.append(Patch(color=colours[0], label="undecided"))
        # the map fills the axes: the legend goes beside it
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, frameon=False)
    return mesh


def plot_basins(b: BasinMap, ax: Axes | None = None, *,
                state_names: tuple[str, str] = ("x", "y"),
                unit: str | None = RATE_UNIT) -> Figure:
    """Draw a basin-of-attraction map with the attractors marked.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> from dynsys.analysis.equilibria import find_equilibria
    >>> from dynsys.analysis.phase_plane import basin_map
    >>> m = load_model("mutual_excitation")
    >>> fig = plot_basins(basin_map(m, find_equilibria(m), resolution=11))
    >>> fig.axes[0].get_title()
    'Basins of attraction'
    """
    fig, ax = new_axes(ax, figsize=(5.6, 3.6))
    _draw_basins(b, ax)
    for a in b.attractors:
        ax.plot([a[0]], [a[1]], "o", ms=8, color=OKABE_ITO[7], clip_on=False, zorder=5)
    ax.set_xlabel(axis_label(state_names[0], unit))
    ax.set_ylabel(axis_label(state_names[1], unit))
    ax.set_title("Basins of attraction")
    return fig
