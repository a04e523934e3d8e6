"""Time series of simulated trajectories: one panel per state, one line per run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dynsys.errors import ModelError
from dynsys.plots._style import RATE_UNIT, axis_label, color, new_axes, readable_name
from dynsys.plots.layout import place_legend

__all__ = ["plot_timeseries"]


#: Integration methods in words (the title says how the curves were computed).
_METHODS = {"euler": "Euler", "rk4": "Runge-Kutta 4", "euler_maruyama": "Euler-Maruyama",
            "euler-maruyama": "Euler-Maruyama", "rk45": "RK45", "lsoda": "LSODA",
            "bdf": "BDF", "radau": "Radau", "dop853": "DOP853"}


def _label(trajectory: Any, run: int) -> str:
    start = trajectory.initial[run]
    values = ", ".join(f"{v:g}" for v in start)
    names = ", ".join(trajectory.state_names)
    if len(trajectory.state_names) > 1:
        return f"({names})(0) = ({values})"
    return f"{names}(0) = {values}"


def plot_timeseries(
    trajectory: Any,
    *,
    states: Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    max_runs: int = 40,
    unit: str | None = RATE_UNIT,
    legend: bool | None = None,
    title: str | None = None,
) -> Figure:
    """plot_timeseries(trajectory, *, states=None, ax=None, max_runs=40) -> Figure.

    Draws each selected state against time, one line per run: runs that start from
    the same initial condition (noise trials) share a colour, so r(t) for several
    r(0), or x(t) and y(t) in stacked panels, read at a glance. Computes nothing.

    Parameters
    ----------
    trajectory : Trajectory
        The result of :func:`dynsys.analysis.simulate.simulate`.
    states : sequence of str, optional
        The states to draw (default: all, at most 6).
    ax : Axes or sequence of Axes, optional
        One Axes (all states drawn on it, distinguished by line style) or one per
        state; by default a new figure with one panel per state.
    max_runs : int, default 40
        Draw at most this many runs (the first ones); the title says when runs were left
        out.
    unit : str or None, default "spikes/s"
        Unit of the state axis (None: no unit, e.g. for a membrane potential model).
    legend : bool, optional
        Label the initial conditions (default: when there are at most 8 of them).
    title : str, optional
        Replaces the model's name (in words) at the start of the title; the method, dt
        and noise follow it.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> from dynsys.analysis.simulate import simulate
    >>> tr = simulate(load_model("self_excitation"), [[59.0], [61.0]], 10.0)
    >>> fig = plot_timeseries(tr)
    >>> len(fig.axes)
    1
    """
    names = list(states) if states is not None else list(trajectory.state_names)[:6]
    for name in names:
        if name not in trajectory.state_names:
            raise ModelError(
                f"{name!r} is not a state (states: {', '.join(trajectory.state_names)})"
            )
    if not names:
        raise ModelError("no state to plot")
    if ax is None:
        fig = Figure(figsize=(5.0, 1.2 + 1.6 * len(names)), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(len(names), 1, sharex=True)))
    elif isinstance(ax, Axes):
        fig, single = new_axes(ax)
        axes = [single] * len(names)
    else:
        axes = list(ax)
        if len(axes) != len(names):
            raise ModelError(f"got {len(axes)} axes for {len(names)} states")
        fig = axes[0].figure  # type: ignore[assignment]
    trials = max(1, int(getattr(trajectory, "trials", 1)))
    shown = min(trajectory.runs, max(1, int(max_runs)))
    n_ic = -(-shown // trials)
    show_legend = n_ic <= 8 if legend is None else legend
    shared = len(set(map(id, axes))) == 1 and len(names) > 1
    styles = ("-", "--", ":", "-.")
    alpha = 1.0 if trials == 1 else max(0.25, 1.0 / np.sqrt(trials))
    for k, (name, axis) in enumerate(zip(names, axes, strict=True)):
        j = trajectory.state_names.index(name)
        for run in range(shown):
            first = run % trials == 0
            label = None
            if show_legend and first and (k == 0 or shared):
                label = _label(trajectory, run) + (f" [{name}]" if shared else "")
            axis.plot(trajectory.t, trajectory.states[run, :, j], color=color(run // trials),
                      lw=1.2, alpha=alpha, ls=styles[k % 4] if shared else "-", label=label)
        axis.set_ylabel(axis_label(name if not shared else "state", unit))
    axes[-1].set_xlabel("time t")
    method = _METHODS.get(trajectory.method, trajectory.method)
    if title is None:
        title = readable_name(trajectory.model)
        title = title[:1].upper() + title[1:]
    title = f"{title}: {method}, dt = {trajectory.dt:g}"
    sigma = np.asarray(trajectory.sigma)
    if np.any(sigma != 0):
        title += ", σ = " + (f"{sigma.flat[0]:g}" if np.all(sigma == sigma.flat[0])
                                 else ", ".join(f"{v:g}" for v in sigma.reshape(-1)[:4]))
    if shown < trajectory.runs:
        title += f" ({shown} of {trajectory.runs} runs shown)"
    axes[0].set_title(title, fontsize="medium")
    if show_legend:
        place_legend(axes[0], fontsize="small", frameon=False)
    return fig
