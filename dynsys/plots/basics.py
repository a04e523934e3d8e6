"""1-D figures: the activation function (Figure 1) and the flux ``dx/dt`` (Figure 4).

Both take results (:class:`~dynsys.analysis.flux.ActivationCurve`,
:class:`~dynsys.analysis.flux.Flux`) and draw them; nothing is computed here.
"""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dynsys.analysis.flux import ActivationCurve, Flux
from dynsys.plots._style import OKABE_ITO, RATE_UNIT, axis_label, new_axes, readable_name
from dynsys.plots.layout import place_legend

__all__ = ["plot_activation", "plot_flux"]


def plot_activation(curve: ActivationCurve, ax: Axes | None = None, *,
                    ylabel: str = axis_label("f(s)", RATE_UNIT), **line_kw: Any) -> Figure:
    """Draw an activation function (the report's Figure 1).

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys.analysis.flux import activation_curve
    >>> fig = plot_activation(activation_curve(lambda s: 60 * (1 + np.tanh(s))))
    >>> fig.axes[0].get_xlabel()
    'input s'
    """
    fig, ax = new_axes(ax)
    line_kw.setdefault("color", OKABE_ITO[0])
    line_kw.setdefault("lw", 2)
    ax.plot(curve.s, curve.f, label=curve.label, **line_kw)
    ax.set_xlabel("input s")
    ax.set_ylabel(ylabel)
    ax.set_title("Activation function")
    ax.grid(alpha=0.3)
    place_legend(ax, loc="upper left", frameon=False)
    return fig


def plot_flux(fl: Flux, ax: Axes | None = None, *, unit: str | None = RATE_UNIT,
              slopes: bool = True) -> Figure:
    """Draw ``dx/dt`` against ``x`` with the crossings marked (the report's Figure 4).

    Stable crossings are filled circles, unstable ones open; each is annotated with
    its slope ``F'(x*)`` when ``slopes`` is true. ``unit`` labels the axes (spikes/s
    for rates; None for none).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> from dynsys.analysis.flux import flux
    >>> fig = plot_flux(flux(load_model("self_excitation")))
    >>> len(fig.axes[0].texts)
    3
    """
    fig, ax = new_axes(ax)
    name = fl.state_name
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.plot(fl.x, fl.dxdt, color=OKABE_ITO[0], lw=2, label=f"d{name}/dt")
    labelled: set[str] = set()
    for e, s in zip(fl.equilibria, fl.slopes, strict=True):
        x = float(e.state[0])
        stable = e.stable
        lab = "stable" if stable else ("unstable" if e.kind.is_hyperbolic else e.kind.value)
        ax.plot([x], [0.0], "o", ms=8, mec=OKABE_ITO[1], mew=2,
                mfc=OKABE_ITO[1] if stable else "white", zorder=5,
                label=None if lab in labelled else lab)
        labelled.add(lab)
        if slopes:
            ax.annotate(f"slope {s:.3g}", (x, 0.0), textcoords="offset points",
                        xytext=(4, 10 if stable else -16), fontsize=8)
    ax.set_xlabel(axis_label(name, unit))
    ax.set_ylabel(axis_label(f"d{name}/dt", f"{unit}/s" if unit else None))
    ax.set_title(f"Flux of the {readable_name(fl.system_name)} model")
    ax.grid(alpha=0.3)
    place_legend(ax, frameon=False, fontsize=8)
    return fig
