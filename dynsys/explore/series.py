"""The explorer's view of a model with more than two states: time series and sliders.

A run from the model's initial state (:func:`~dynsys.analysis.simulate.simulate`, Euler
steps of the model's ``dt`` for its ``total``) is redrawn whenever a parameter moves, with
a note on how to get a phase plane (``--plane x,y``: a projection on two states).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from bokeh.document import Document
from bokeh.models import Column, ColumnDataSource, Div, Row
from bokeh.plotting import figure

from dynsys.analysis.simulate import simulate
from dynsys.core.system import resolve_params
from dynsys.explore._widgets import outside, param_controls, show_error, status_div
from dynsys.explore._worker import LatestWorker
from dynsys.explore.state import param_specs
from dynsys.plots._style import OKABE_ITO, readable_name

__all__ = ["MAX_DRAWN", "name_list", "series_columns", "series_view"]


#: Most time courses drawn (a network of 1000 units would be an unreadable tangle).
MAX_DRAWN = 12


def name_list(names: Sequence[str], most: int = 8) -> str:
    """The names joined by commas, the middle elided when there are more than ``most``.

    >>> name_list([f"E{k}" for k in range(1, 1001)])
    'E1, E2, E3, E4, E5, E6, ..., E999, E1000'
    """
    if len(names) <= most:
        return ", ".join(names)
    return ", ".join([*names[:most - 2], "...", *names[-2:]])


def series_columns(system: Any, params: Mapping[str, float], most: int = MAX_DRAWN
                   ) -> dict[str, list[Any]]:
    """The time courses of the first ``most`` states from the model's initial state.

    Multi-line columns ``xs``, ``ys``, ``color``, ``state``; the run integrates every
    state (Euler steps of the model's ``dt`` for its ``total``), only the drawing is cut.
    """
    model = getattr(system, "model", None)
    opts = getattr(model, "options", None) or {}
    dt, t_end = float(opts.get("dt", 0.05)), float(opts.get("total", 50.0))
    steps = max(round(t_end / dt), 1)
    init = getattr(model, "initial_state", None)
    x0 = list(init()) if callable(init) else [0.0] * system.n
    tr = simulate(system, x0, steps * dt, dt=dt, params=dict(params), sigma=0.0)
    names = list(system.state_names)[:most]
    return {"xs": [tr.t.tolist()] * len(names),
            "ys": [tr.states[0, :, i].tolist() for i in range(len(names))],
            "color": [OKABE_ITO[i % 8] for i in range(len(names))], "state": names}


def series_view(doc: Document, system: Any, params: Mapping[str, float] | None) -> Any:
    """Build the time-series page of ``system`` into ``doc``; returns the layout."""
    p0 = resolve_params(system, params)
    state = {k: float(v) for k, v in zip(system.param_names, p0, strict=True)}
    fig = figure(width=700, height=420, x_axis_label="t", name="timeseries",
                 title=f"{readable_name(system.name)} from its initial state",
                 tools="pan,wheel_zoom,box_zoom,reset,save")
    src = ColumnDataSource({"xs": [], "ys": [], "color": [], "state": []}, name="series")
    fig.multi_line("xs", "ys", source=src, color="color", legend_field="state", line_width=2)
    outside(fig)
    status = status_div()

    def apply(result: Any) -> None:
        if isinstance(result, BaseException):
            show_error(status, result)
            return
        src.data = result
        show_error(status, None, "")

    worker = LatestWorker(doc.add_next_tick_callback,
                          lambda: series_columns(system, dict(state)), apply)

    def on_value(name: str, value: float) -> None:
        state[name] = value
        worker.request()

    rows, _ = param_controls(param_specs(list(state), list(state.values())), on_value)
    shown = "" if system.n <= MAX_DRAWN else f" The first {MAX_DRAWN} are drawn."
    note = Div(name="note", width=420, text=(
        f"<i>{system.name} has {system.n} states "
        f"({html.escape(name_list(list(system.state_names)))}): a phase plane needs two. "
        "Start with <code>--plane X,Y</code> to draw it in projection on two "
        f"states.{shown}</i>"))
    layout = Row(fig, Column(note, *rows, status), name="explorer")
    doc.add_root(layout)
    doc.title = f"dynsys explore: {system.name}"
    worker.request()
    return layout
