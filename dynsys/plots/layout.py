"""Layout checks of a drawn figure: labels off the data, markers whole, fonts legible.

:func:`layout_problems` draws a figure (Agg, no pyplot) and asks matplotlib where
everything landed, in display coordinates:

* the data: the vertices of every visible line (and points every few pixels along its
  segments, so a label that a straight stretch runs through is caught), the centres
  of every marker and scatter point, all those inside their axes;
* the labels: each legend's box and each text's box (annotations without their
  arrows);
* the markers: a marker whose centre lies inside the axes but closer to an edge than
  its radius is cut by the axes frame unless it is drawn with ``clip_on=False``;
* the fonts: every visible text's size, scaled as the figure will be printed.

It reports what it finds as sentences; an empty list is a clean layout. Nothing here
changes the figure except the draw itself (which fixes ``loc="best"`` legends).

Examples
--------
>>> from matplotlib.figure import Figure
>>> fig = Figure(figsize=(4, 3))
>>> ax = fig.add_subplot()
>>> _ = ax.plot([0, 1], [0, 1], "o-", label="data")
>>> _ = ax.text(0.5, 0.5, "label on the line")
>>> layout_problems(fig)  # doctest: +ELLIPSIS
['axes 1: text "label on the line" covers line data ...']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["IGNORE", "layout_problems", "place_legend", "print_scale"]

#: ``gid`` of an artist the check leaves out (a background reference line that a
#: label may cross, e.g. a faint grid-like guide).
IGNORE = "layout-ignore"

_STEP_PX = 3.0  # spacing of the points sampled along a line's segments


def print_scale(fig: Figure, box: tuple[float, float]) -> float:
    """The factor by which ``fig`` is scaled to fit a ``box`` (width, height in inches).

    As LaTeX's ``\\includegraphics[width=W, height=H, keepaspectratio]`` scales it:
    the largest size that fits both bounds (which can also enlarge a small figure).
    """
    w, h = fig.get_size_inches()
    return float(min(box[0] / w, box[1] / h))


def _visible(artist: Any) -> bool:
    return bool(artist.get_visible()) and artist.get_gid() != IGNORE


def _inside(points: np.ndarray, box: Bbox, pad: float = 0.0) -> np.ndarray:
    return ((points[:, 0] >= box.x0 - pad) & (points[:, 0] <= box.x1 + pad)
            & (points[:, 1] >= box.y0 - pad) & (points[:, 1] <= box.y1 + pad))


def _densify(points: np.ndarray) -> np.ndarray:
    """The vertices and points every few pixels along the segments between them."""
    pts = points[np.all(np.isfinite(points), axis=1)] if len(points) else points
    if len(pts) < 2:
        return pts
    step = np.diff(pts, axis=0)
    n = (np.hypot(step[:, 0], step[:, 1]) // _STEP_PX).astype(int) + 1
    n = np.minimum(n, 2000)  # a segment across the whole screen: every 3 px is plenty
    seg = np.repeat(np.arange(len(step)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    frac = (np.arange(len(seg)) - first + 1) / n[seg]
    return np.concatenate([pts[:1], pts[seg] + step[seg] * frac[:, None]])


def _line_data(line: Line2D) -> tuple[np.ndarray, np.ndarray, float]:
    """(points along the drawn line, marker centres, marker radius in px), display coords."""
    xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
    drawn = line.get_linestyle() not in ("None", "none", "", " ") and line.get_linewidth() > 0
    has_marker = line.get_marker() not in (None, "None", "none", "", " ")
    along = _densify(xy) if drawn else np.empty((0, 2))
    markers = xy[np.all(np.isfinite(xy), axis=1)] if has_marker else np.empty((0, 2))
    dpi = line.figure.dpi  # type: ignore[union-attr]
    radius = line.get_markersize() / 2 * dpi / 72 if has_marker else 0.0
    return along, markers, radius


def _collection_data(coll: Any) -> tuple[np.ndarray, np.ndarray, float]:
    if isinstance(coll, PathCollection) and len(coll.get_offsets()):
        offsets = coll.get_offset_transform().transform(np.asarray(coll.get_offsets()))
        sizes = coll.get_sizes()
        dpi = coll.figure.dpi
        radius = float(np.sqrt(np.max(sizes)) / 2 * dpi / 72) if len(sizes) else 0.0
        return np.empty((0, 2)), offsets, radius
    if isinstance(coll, LineCollection):
        trans = coll.get_transform()
        segs = [_densify(trans.transform(np.asarray(s, dtype=float)))
                for s in coll.get_segments() if len(s)]
        return (np.concatenate(segs) if segs else np.empty((0, 2))), np.empty((0, 2)), 0.0
    return np.empty((0, 2)), np.empty((0, 2)), 0.0


def _axes_data(ax: Axes, renderer: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(points along lines, marker centres) shown in ``ax``, in display coordinates, and
    the markers cut by the axes frame (as sentences)."""
    frame = ax.get_window_extent(renderer)
    along, markers = [np.empty((0, 2))], [np.empty((0, 2))]
    cut: list[str] = []
    for artist in [*ax.lines, *ax.collections]:
        if not _visible(artist):
            continue
        if isinstance(artist, Line2D):
            line_pts, centres, radius = _line_data(artist)
        else:
            line_pts, centres, radius = _collection_data(artist)
        clipped = artist.get_clip_on()
        if len(centres):
            inside = _inside(centres, frame)
            near = ~_inside(centres, frame, pad=-radius + 0.5) & inside
            if clipped and np.any(near):
                cut.append(f"{int(near.sum())} marker(s) of {artist.get_label()!r} cut by the "
                           "axes frame (draw them with clip_on=False or widen the limits)")
            if not clipped:
                outside = ~_inside(centres, frame, pad=0.5)
                if np.any(outside):
                    cut.append(f"{int(outside.sum())} marker(s) of {artist.get_label()!r} "
                               "drawn outside the axes")
            markers.append(centres[inside])
        if len(line_pts):
            along.append(line_pts[_inside(line_pts, frame)] if clipped else line_pts)
    along += [_arrow_points(t, ax) for t in ax.texts if _visible(t)]
    return np.concatenate(along), np.concatenate(markers), cut


def _arrow_points(ann: Any, ax: Axes) -> np.ndarray:
    """Points along an annotation's arrow (from its text to the point), display coords.

    An arrow drawn by ``annotate`` (an arrow head on a trajectory, a barrier's height)
    is data too: a label or legend must not hide it.
    """
    if getattr(ann, "arrow_patch", None) is None or ann.xycoords != "data":
        return np.empty((0, 2))
    end = ax.transData.transform(np.asarray(ann.xy, dtype=float))
    if ann.anncoords == "data":
        start = ax.transData.transform(np.asarray(ann.xyann, dtype=float))
    elif ann.anncoords == "offset points":
        start = end + np.asarray(ann.xyann, dtype=float) * ax.figure.dpi / 72
    else:
        return np.empty((0, 2))
    return _densify(np.array([start, end]))


def _texts(ax: Axes) -> Iterator[Text]:
    for t in ax.texts:
        if _visible(t) and t.get_text().strip():
            yield t


def _name(ax: Axes, k: int) -> str:
    label = ax.get_label()
    return f"axes {k}" + (f" ({label})" if label and not label.startswith("_") else "")


def _overlaps(box: Bbox, points: np.ndarray) -> int:
    return int(np.count_nonzero(_inside(points, box))) if len(points) else 0


def _fonts(fig: Figure, scale: float, min_pt: float, renderer: Any) -> list[str]:
    """One sentence per font size that prints below ``min_pt`` (with a few examples)."""
    small: dict[float, list[str]] = {}
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        if t.get_window_extent(renderer).width <= 0:
            continue
        size = round(t.get_fontsize() * scale, 1)
        if size < min_pt - 0.05:
            small.setdefault(size, []).append(repr(t.get_text()[:24]))
    return [f"{len(texts)} text(s) print at {pt:g} pt (< {min_pt:g} pt): "
            + ", ".join(dict.fromkeys(texts[:4])) for pt, texts in sorted(small.items())]


def _draw(fig: Any) -> Any:
    """Draw ``fig`` (Agg) and return the renderer."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


#: Offsets (points) tried for a label beside its point, nearest directions first.
_OFFSETS = ((5, 5, "left", "bottom"), (5, -5, "left", "top"), (-5, 5, "right", "bottom"),
            (-5, -5, "right", "top"), (0, 8, "center", "bottom"), (0, -8, "center", "top"),
            (8, 0, "left", "center"), (-8, 0, "right", "center"), (12, 14, "left", "bottom"),
            (12, -14, "left", "top"), (-12, 14, "right", "bottom"), (-12, -14, "right", "top"))


def _inside_box(box: Bbox, frame: Bbox) -> bool:
    return (frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1
            and frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1)


def _free(box: Bbox, data: np.ndarray, taken: list[Bbox], frame: Bbox) -> bool:
    return (not _overlaps(box.padded(2), data)
            and not any(box.overlaps(t) for t in taken)
            and frame.x0 <= box.x0 and box.x1 <= frame.x1
            and frame.y0 <= box.y0 and box.y1 <= frame.y1)


def _place_labels(ax: Axes, renderer: Any, data: np.ndarray, frame: Bbox) -> list[Bbox]:
    """Move each point label (an annotation placed by an offset in points) to the first
    offset where it covers no data and no other label; returns the labels' boxes."""
    taken: list[Bbox] = []
    for t in _texts(ax):
        if getattr(t, "anncoords", None) != "offset points" or getattr(t, "arrowprops", None):
            taken.append(Text.get_window_extent(t, renderer))
            continue
        for dx, dy, ha, va in _OFFSETS:
            t.set_position((dx, dy))
            t.set_horizontalalignment(ha)
            t.set_verticalalignment(va)
            box = Text.get_window_extent(t, renderer)
            if _free(box, data, taken, frame):
                break
        else:
            dx, dy, ha, va = _OFFSETS[0]
            t.set_position((dx, dy))
            t.set_horizontalalignment(ha)
            t.set_verticalalignment(va)
            box = Text.get_window_extent(t, renderer)
        taken.append(box)
    return taken


def place_legend(ax: Axes, *, outside: str = "right", legend: bool = True,
                 **kwargs: Any) -> Legend | None:
    """Put the point labels and the legend of ``ax`` where they cover no data.

    Each point label (an annotation offset from its point, no arrow) moves to the
    first nearby side where it covers no line or marker and no other label. The legend
    takes the first of matplotlib's inside positions (its ``"best"`` first) that covers
    no data and no label; if there is none, it goes outside the axes
    (``outside="right"`` of them, or ``"below"``). Draws the figure once (Agg) to know
    where things are, so call it when everything else is drawn. ``kwargs`` go to
    :meth:`Axes.legend`; ``legend=False`` only places the labels.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure(layout="constrained").add_subplot()
    >>> _ = ax.plot([0, 1], [1, 1], label="top")
    >>> leg = place_legend(ax)
    >>> layout_problems(ax.figure)
    []
    """
    kwargs.setdefault("loc", "best")
    if "handles" not in kwargs and not ax.get_legend_handles_labels()[0]:
        legend = False  # nothing labelled: no empty legend (and no warning)
    leg = ax.legend(**kwargs) if legend else None
    renderer = _draw(ax.figure.figure)  # the root figure of a subfigure
    lines, markers, _ = _axes_data(ax, renderer)
    data = np.concatenate([lines, markers])
    frame = ax.get_window_extent(renderer)
    labels = _place_labels(ax, renderer, data, frame)
    if leg is None:
        return None
    first = leg.get_window_extent(renderer)
    # the position "best" chose, then the other corners and sides, then points of a grid
    # over the axes, those nearest an edge first (a free band between two curves)
    grid = sorted(((x, y) for x in (0.15, 0.3, 0.5, 0.7, 0.85)
                   for y in (0.15, 0.3, 0.5, 0.7, 0.85)),
                  key=lambda p: min(p[0], 1 - p[0], p[1], 1 - p[1]))
    candidates: list[Any] = [None, 1, 2, 3, 4, 9, 8, 6, 7, 10, *grid]
    for loc in candidates:
        if isinstance(loc, tuple):
            leg.set_bbox_to_anchor(loc, transform=ax.transAxes)
            leg._set_loc(10)  # centred on the grid point
        elif loc is not None:
            leg._set_loc(loc)
        box = leg.get_window_extent(renderer) if loc is not None else first
        if (not _overlaps(box.padded(2), data) and not any(box.overlaps(t) for t in labels)
                and _inside_box(box, frame)):
            return leg
    kwargs.pop("loc")
    if outside == "below":
        kwargs.setdefault("ncols", 2)
        return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), **kwargs)
    leg = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kwargs)
    # the figure grows by the legend's width, so the axes keep their size
    fig = ax.figure.figure
    if fig is ax.figure:
        w, h = fig.get_size_inches()
        fig.set_size_inches(w + leg.get_window_extent(renderer).width / fig.dpi + 0.1, h)
    return leg


def layout_problems(fig: Figure, *, scale: float = 1.0, min_font_pt: float = 0.0
                    ) -> list[str]:
    """What is wrong with the layout of ``fig``, as sentences (empty: nothing).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A finished figure; it is drawn once (Agg).
    scale : float, default 1
        Factor from the figure's size to its printed size (:func:`print_scale`).
    min_font_pt : float, default 0
        Smallest font size allowed in print, in points (0: fonts not checked).

    Returns
    -------
    list of str
        One sentence per problem: a legend or text over line data or markers, a
        marker cut by the axes frame, a font too small in print.
    """
    renderer = _draw(fig)
    problems: list[str] = []
    for k, ax in enumerate(fig.axes, start=1):
        if not ax.get_visible():
            continue
        line_data, marker_data, cut = _axes_data(ax, renderer)
        problems += [f"{_name(ax, k)}: {c}" for c in cut]
        boxes: list[tuple[str, Bbox]] = []
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            boxes.append(("legend", legend.get_window_extent(renderer)))
        boxes += [(f'text "{t.get_text()[:30]}"', Text.get_window_extent(t, renderer))
                  for t in _texts(ax)]
        if legend is not None and legend.get_visible():
            problems += [f"{_name(ax, k)}: legend covers {what}" for what, box in boxes[1:]
                         if box.overlaps(boxes[0][1])]
        for what, box in boxes:
            n_markers = _overlaps(box.padded(2), marker_data)
            n_line = _overlaps(box, line_data)
            if n_markers:
                problems.append(f"{_name(ax, k)}: {what} covers {n_markers} marker(s)")
            if n_line:
                problems.append(f"{_name(ax, k)}: {what} covers line data ({n_line} points)")
    if min_font_pt > 0:
        problems += _fonts(fig, scale, min_font_pt, renderer)
    return problems
