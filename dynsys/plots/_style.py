"""Shared figure style: colour-blind-safe colours, figure creation without pyplot."""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["OKABE_ITO", "RATE_UNIT", "axis_label", "color", "new_axes", "readable_name"]

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Axis-label unit of firing rates.
RATE_UNIT = "spikes/s"


def axis_label(name: str, unit: str | None) -> str:
    """An axis label in the one style every figure uses: ``name (unit)``, or ``name``.

    >>> axis_label("x", "spikes/s"), axis_label("v", None)
    ('x (spikes/s)', 'v')
    """
    return f"{name} ({unit})" if unit else name


_PROPER = {"fitzhugh nagumo": "FitzHugh-Nagumo", "wilson cowan": "Wilson-Cowan",
           "hopfield": "Hopfield", "hodgkin huxley": "Hodgkin-Huxley",
           "morris lecar": "Morris-Lecar", "self excitation": "self-excitation"}


def readable_name(name: object) -> str:
    """A model's identifier as words for a title: underscores to spaces, proper names
    capitalised.

    >>> readable_name("mutual_excitation"), readable_name("fitzhugh_nagumo")
    ('mutual excitation', 'FitzHugh-Nagumo')
    """
    text = str(name).replace("_", " ").strip()
    for key, proper in _PROPER.items():
        text = text.replace(key, proper)
    return text


def color(i: int) -> str:
    """The i-th colour of the palette (cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def new_axes(ax: Axes | None = None, *, figsize: tuple[float, float] = (5.0, 3.6),
             **subplot_kw: Any) -> tuple[Figure, Axes]:
    """Return ``(figure, axes)``: the given axes and its figure, or a new pair.

    A new figure is a plain ``matplotlib.figure.Figure`` (no pyplot, no global state),
    sized for print (a single column is about 3.5 in wide).
    """
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot(**subplot_kw)
