"""The explorer's phase-plane view (2-D models, or n-D models projected with ``--plane``).

Left: the phase plane (direction field, nullclines, separatrices, equilibria by kind,
the trajectories started by tapping) and the time series of the last trajectory. Right:
a slider and an exact-value box per parameter, the noise amplitude, the clear button,
the equilibria table with its LaTeX download, and the bifurcation panel (the branch of
equilibria in a chosen parameter, with special points and cycle envelopes, and a
vertical marker at the current value). Analyses run on a background thread
(:class:`~dynsys.explore._worker.LatestWorker`), so the sliders never wait for them.
Everything computed comes from :class:`~dynsys.explore.state.PlaneState` and
:func:`~dynsys.explore.branches.branch_columns`.
"""

from __future__ import annotations

import html
from typing import Any

from bokeh.document import Document
from bokeh.events import Tap
from bokeh.models import (
    Button,
    Column,
    ColumnDataSource,
    CustomJS,
    Div,
    Row,
    Select,
    Slider,
    Span,
)
from bokeh.plotting import figure

from dynsys.explore._widgets import outside, param_controls, show_error, status_div
from dynsys.explore._worker import LatestWorker
from dynsys.explore.branches import branch_columns
from dynsys.explore.state import PlaneState
from dynsys.plots._style import OKABE_ITO, readable_name

__all__ = ["DOWNLOAD_JS", "plane_view"]

#: Save the text put in a source as a file (the LaTeX table download).
DOWNLOAD_JS = """
const text = source.data['text'];
if (!text || text.length === 0) { return; }
const blob = new Blob([text[0]], {type: 'text/plain'});
const link = document.createElement('a');
link.href = URL.createObjectURL(blob);
link.download = filename;
link.target = '_blank';
link.style.visibility = 'hidden';
link.dispatchEvent(new MouseEvent('click'));
"""

_NULLCLINE_COLOUR = (OKABE_ITO[0], OKABE_ITO[2])
#: Trajectories: orange, sky blue, black, bluish green (not the separatrices' purple nor
#: the unstable equilibria's vermillion).
_TRAJECTORY_COLOURS = (OKABE_ITO[3], OKABE_ITO[5], OKABE_ITO[7], OKABE_ITO[2])


def _padded(bounds: tuple[float, float]) -> tuple[float, float]:
    """The region widened by 3 % a side, so markers on its edge show whole."""
    lo, hi = float(bounds[0]), float(bounds[1])
    pad = 0.03 * (hi - lo)
    return lo - pad, hi + pad


#: Names of external inputs, the usual parameter of a bifurcation diagram.
_INPUTS = ("I", "P", "I_ext", "Iext", "input", "J", "h", "mu")


def _input_parameter(names: list[str]) -> str:
    """The parameter the bifurcation panel starts with: an input if the model has one.

    >>> _input_parameter(["w_ee", "P", "tau"]), _input_parameter(["a", "b"])
    ('P', 'b')
    """
    for nm in _INPUTS:
        if nm in names:
            return nm
    return names[-1] if names else ""


def table_html(rows: list[dict[str, str]]) -> str:
    """The equilibria table as HTML (class ``eq-table``)."""
    th, td = ("<th style='padding:1px 10px 1px 0;text-align:left'>",
              "<td style='padding:1px 10px 1px 0'>")
    head = f"<tr>{th}state</th>{th}eigenvalues</th>{th}kind</th></tr>"
    body = "".join(
        f"<tr>{td}{html.escape(r['state'])}</td>{td}{html.escape(r['eigenvalues'])}</td>"
        f"{td}{html.escape(r['kind'])}</td></tr>" for r in rows)
    if not rows:
        body = "<tr><td colspan=3>no equilibrium in the region</td></tr>"
    return (f"<table class='eq-table' style='border-collapse:collapse;font-size:12px'>"
            f"{head}{body}</table>")


#: The bifurcation panel's key (below it), with and without periodic orbits.
BIF_LEGEND_NO_CYCLES = ("equilibria: black solid stable, vermillion dashed unstable. "
                        "Points: LP fold, H Hopf, BP branch point.")
BIF_LEGEND = (BIF_LEGEND_NO_CYCLES[:-1] + "; LPC fold of cycles. Green: max and min of the "
              "periodic orbits born at H (solid stable, dashed unstable).")


def plane_view(doc: Document, state: PlaneState) -> Any:
    """Build the phase-plane page of ``state`` into ``doc``; returns the layout."""
    xname, yname = state.names
    reg = state.region()
    title = f"Phase plane of {readable_name(state.system.name)}"
    if state.projected:
        title += f" (projection on {xname}, {yname})"
    p = figure(width=560, height=460, title=title, x_axis_label=xname, y_axis_label=yname,
               x_range=_padded(reg[xname]), y_range=_padded(reg[yname]),
               tools="tap,pan,wheel_zoom,box_zoom,reset,save", name="phase")
    p.toolbar.active_tap = None  # the Tap event still fires; no selection highlighting

    field_src = ColumnDataSource({"x0": [], "y0": [], "x1": [], "y1": []}, name="field")
    ncl_src = ColumnDataSource({"xs": [], "ys": [], "state": [], "color": []},
                               name="nullclines")
    sep_src = ColumnDataSource({"xs": [], "ys": []}, name="separatrices")
    traj_src = ColumnDataSource({"xs": [], "ys": [], "color": []}, name="trajectories")
    start_src = ColumnDataSource({"x": [], "y": [], "color": []}, name="starts")
    eq_src = ColumnDataSource({k: [] for k in ("x", "y", "kind", "marker", "line", "fill",
                                               "label")}, name="equilibria")
    p.segment("x0", "y0", "x1", "y1", source=field_src, color="#999999", line_width=1)
    p.scatter("x1", "y1", source=field_src, size=2, color="#999999")
    p.multi_line("xs", "ys", source=ncl_src, color="color", line_width=2, line_dash="dashed",
                 legend_field="state")
    p.multi_line("xs", "ys", source=sep_src, color=OKABE_ITO[4], line_width=2)
    p.multi_line("xs", "ys", source=traj_src, color="color", line_width=2)
    p.scatter("x", "y", source=start_src, color="color", size=6)
    p.scatter("x", "y", source=eq_src, marker="marker", line_color="line",
              fill_color="fill", size=14, line_width=2.5, name="equilibrium-markers")
    p.legend.location = "top_left"
    p.legend.background_fill_alpha = 0.6

    ts = figure(width=560, height=220, title="time series of the last trajectory (tap the "
                "phase plane)", x_axis_label="t", name="timeseries",
                tools="pan,wheel_zoom,reset,save")
    ts_src = ColumnDataSource({"xs": [], "ys": [], "color": [], "state": []},
                              name="series")
    ts.multi_line("xs", "ys", source=ts_src, color="color", line_width=2, legend_field="state")
    outside(ts, "above")

    status = status_div()
    table = Div(text=table_html([]), name="eq-table", width=520)

    # ---------------------------------------------------------------- analysis
    def apply(result: Any) -> None:
        if isinstance(result, BaseException):
            show_error(status, result)
            return
        if "separatrices" in result:
            sep_src.data = result["separatrices"]
        if "equilibria" not in result:
            return
        k = len(result["table"])
        show_error(status, None, f"{k} equilibri{'um' if k == 1 else 'a'} at "
                   + ", ".join(f"{k} = {v:.4g}" for k, v in result["params"].items()))
        field_src.data = result["field"]
        ncl = result["nullclines"]
        colours = [_NULLCLINE_COLOUR[0] if s == xname else _NULLCLINE_COLOUR[1]
                   for s in ncl["state"]]
        ncl_src.data = {"xs": ncl["xs"], "ys": ncl["ys"],
                        "state": [f"d{s}/dt = 0" for s in ncl["state"]], "color": colours}
        eq_src.data = result["equilibria"]
        table.text = table_html(result["table"])

    analysis = LatestWorker(doc.add_next_tick_callback, state.updates, apply)

    # ------------------------------------------------------------ bifurcation
    names = list(state.params or {})
    bif_select = Select(title="bifurcation parameter", value=_input_parameter(names),
                        options=names, name="bif-param", width=200)
    bif = figure(width=520, height=300, title="branch of equilibria", name="bifurcation",
                 x_axis_label=bif_select.value, y_axis_label=xname,
                 tools="pan,wheel_zoom,box_zoom,reset,save")
    bif_stable = ColumnDataSource({"xs": [], "ys": []}, name="bif-stable")
    bif_unstable = ColumnDataSource({"xs": [], "ys": []}, name="bif-unstable")
    bif_cycles = ColumnDataSource({"xs": [], "ys": []}, name="bif-cycles")
    bif_ucycles = ColumnDataSource({"xs": [], "ys": []}, name="bif-cycles-unstable")
    bif_points = ColumnDataSource({"x": [], "y": [], "label": []}, name="bif-points")
    bif.multi_line("xs", "ys", source=bif_stable, color=OKABE_ITO[7], line_width=2)
    bif.multi_line("xs", "ys", source=bif_unstable, color=OKABE_ITO[1], line_width=2,
                   line_dash="dashed")
    bif.multi_line("xs", "ys", source=bif_cycles, color=OKABE_ITO[2], line_width=2)
    bif.multi_line("xs", "ys", source=bif_ucycles, color=OKABE_ITO[2], line_width=2,
                   line_dash="dashed")
    bif.scatter("x", "y", source=bif_points, size=8, color=OKABE_ITO[3])
    bif.text("x", "y", text="label", source=bif_points, x_offset=7, y_offset=0,
             text_baseline="middle", text_font_size="10pt")  # beside its point
    marker = Span(location=(state.params or {}).get(bif_select.value, 0.0),
                  dimension="height", line_color=OKABE_ITO[5], line_width=2)
    bif.add_layout(marker)
    bif_status = Div(text="", name="bif-status", width=520)
    sliders: dict[str, Slider] = {}

    def bif_job() -> Any:
        name = bif_select.value
        s = sliders[name]
        half = 0.5 * (s.end - s.start)
        return branch_columns(state.system, name, (s.start - half, s.end + half),
                              dict(state.params or {}), state.plane[0])

    def bif_apply(result: Any) -> None:
        if isinstance(result, BaseException):
            show_error(bif_status, result)
            return
        if result["param"] != bif_select.value:
            return  # a newer request is on its way
        bif_stable.data = result["stable"]
        bif_unstable.data = result["unstable"]
        cyc = result["cycles"]
        for src, want in ((bif_cycles, True), (bif_ucycles, False)):
            keep = [k for k, st in enumerate(cyc["stable"]) if st is want]
            src.data = {"xs": [cyc["xs"][k] for k in keep], "ys": [cyc["ys"][k] for k in keep]}
        bif_points.data = result["points"]
        bif.xaxis.axis_label = result["param"]
        show_error(bif_status, None, BIF_LEGEND if cyc["xs"] else BIF_LEGEND_NO_CYCLES)

    bifurcation = LatestWorker(doc.add_next_tick_callback, bif_job, bif_apply)

    def bif_changed(attr: str, old: Any, new: Any) -> None:
        marker.location = (state.params or {}).get(new, 0.0)
        bif_status.text = "computing the branch..."
        bifurcation.request()

    bif_select.on_change("value", bif_changed)

    # ------------------------------------------------------------- parameters
    def on_value(name: str, value: float) -> None:
        state.set_param(name, value)
        analysis.request()
        if name == bif_select.value:
            marker.location = value
        else:
            bifurcation.request()

    rows, made = param_controls(state.specs(), on_value)
    sliders.update(made)
    width = max(reg[xname][1] - reg[xname][0], reg[yname][1] - reg[yname][0])
    sigma = Slider(title="noise sigma (taps run Euler-Maruyama when > 0)", start=0.0,
                   end=float(f"{0.2 * width:.2g}"), value=0.0,
                   step=float(f"{0.2 * width:.2g}") / 100, name="sigma", width=420)
    sigma.on_change("value", lambda attr, old, new: state.set_sigma(new))

    # ------------------------------------------------------------------ taps
    def on_tap(event: Tap) -> None:
        if event.x is None or event.y is None:
            return
        try:
            run = state.tap(event.x, event.y)
        except Exception as exc:  # shown in the page; the server keeps running
            show_error(status, exc)
            return
        colour = _TRAJECTORY_COLOURS[(len(state.trajectories) - 1) % len(_TRAJECTORY_COLOURS)]
        traj_src.stream({"xs": [run["x"]], "ys": [run["y"]], "color": [colour]})
        start_src.stream({"x": [run["x"][0]], "y": [run["y"][0]], "color": [colour]})
        cols = list(zip(*run["states"], strict=True))
        ts_src.data = {"xs": [run["t"]] * len(cols), "ys": [list(c) for c in cols],
                       "color": [OKABE_ITO[i % 8] for i in range(len(cols))],
                       "state": list(state.system.state_names)}
        note = (f"Euler-Maruyama, dt = {run['dt']:g}, sigma = {run['sigma']:.3g}, "
                f"seed {run['seed']}" if run["sigma"] > 0 else f"Euler, dt = {run['dt']:g}")
        ts.title.text = (f"time series from ({event.x:.4g}, {event.y:.4g}), {note}")

    p.on_event(Tap, on_tap)

    clear = Button(label="clear trajectories", name="clear", width=160)

    def on_clear() -> None:
        state.clear()
        traj_src.data = {"xs": [], "ys": [], "color": []}
        start_src.data = {"x": [], "y": [], "color": []}
        ts_src.data = {"xs": [], "ys": [], "color": [], "state": []}

    clear.on_click(on_clear)

    latex_src = ColumnDataSource({"text": []}, name="latex")
    latex_src.js_on_change("data", CustomJS(
        args={"source": latex_src, "filename": f"{state.system.name}_equilibria.tex"},
        code=DOWNLOAD_JS))
    download = Button(label="download table as LaTeX", name="latex-download", width=200,
                      tags=[latex_src])  # keeps the source in the page

    def on_download() -> None:
        try:
            latex_src.data = {"text": [state.latex()]}
        except Exception as exc:  # shown in the page; the server keeps running
            show_error(status, exc)

    download.on_click(on_download)

    note = Div(text="", width=520)
    if state.projected:
        note.text = (f"<i>{state.system.n} states: drawn in projection on ({xname}, {yname}); "
                     "nullclines and separatrices belong to 2-D models. A tap starts a run "
                     "with the other states at the model's initial values.</i>")
    help_text = Div(text="<b>tap</b> the plane to run a trajectory; move a slider or type "
                    "an exact value to redo the analysis.", width=520)
    controls = [help_text, *rows, sigma, Row(clear, download), note, status, table]
    plots = [p, ts]
    # the bifurcation panel goes under the controls, or, when many sliders make that
    # column long, under the time series (its selector and key stay on the right): in
    # view on a 1000-pixel-high screen either way
    if len(rows) > 6:
        bif.height = 280
        plots.append(bif)
        controls.extend([bif_select, bif_status])
    else:
        controls.extend([bif_select, bif, bif_status])
    layout = Row(Column(*plots), Column(*controls), name="explorer")
    doc.add_root(layout)
    doc.title = f"dynsys explore: {state.system.name}"
    status.text = "analysing..."
    analysis.request()
    bif_status.text = "computing the branch..."
    bifurcation.request()
    doc.explore_workers = (analysis, bifurcation)  # type: ignore[attr-defined]
    return layout
