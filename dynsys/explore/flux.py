"""The explorer's 1-D view: the flux dx/dt against x, time courses, the region map.

Top left: :func:`~dynsys.analysis.flux.flux` with the equilibria marked by kind (the
same markers as the phase plane); a tap at ``x`` runs a time course from there
(:func:`~dynsys.analysis.simulate.simulate`, Euler steps of the model's ``dt``;
Euler-Maruyama with a recorded seed when the noise slider sigma is above 0), drawn
below. Right: the parameter sliders and, for a model with at least two parameters, the
two-parameter region map (:func:`~dynsys.bifurcation.region_map.region_map`: number of
equilibria over the first two parameters, e.g. (w, I) of self-excitation) with the
current point marked, recomputed in the background when another parameter changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from bokeh.document import Document
from bokeh.events import Tap
from bokeh.models import Button, Column, ColumnDataSource, Div, LinearColorMapper, Row, Slider, Span
from bokeh.plotting import figure

from dynsys.analysis.flux import flux
from dynsys.analysis.simulate import simulate
from dynsys.bifurcation.region_map import region_map
from dynsys.core.region import resolve_region
from dynsys.core.system import resolve_params
from dynsys.errors import ModelError
from dynsys.explore._widgets import param_controls, show_error, status_div
from dynsys.explore._worker import LatestWorker
from dynsys.explore.state import equilibrium_style, param_specs
from dynsys.plots._style import OKABE_ITO, readable_name

__all__ = ["flux_columns", "flux_view", "region_columns", "time_course"]


def flux_columns(system: Any, params: Mapping[str, float]) -> dict[str, Any]:
    """The flux curve and the equilibria (``x``, ``kind``, ``marker``, ``line``, ``fill``).

    >>> from dynsys.core.loading import load_model
    >>> cols = flux_columns(load_model("self_excitation"), {"w": 0.05, "I": -3.0})
    >>> cols["equilibria"]["kind"]
    ['stable', 'unstable', 'stable']
    """
    fl = flux(system, dict(params), points=401)
    eq: dict[str, list[Any]] = {k: [] for k in ("x", "y", "kind", "marker", "line", "fill")}
    for e in fl.equilibria:
        marker, line, fill = equilibrium_style(e.kind, e.stable)
        eq["x"].append(float(e.state[0]))
        eq["y"].append(0.0)
        eq["kind"].append(e.kind.value)
        eq["marker"].append(marker)
        eq["line"].append(line)
        eq["fill"].append(fill)
    return {"curve": {"x": fl.x.tolist(), "y": fl.dxdt.tolist()}, "equilibria": eq}


def time_course(system: Any, params: Mapping[str, float], x0: float, sigma: float = 0.0,
                seed: int | None = None) -> dict[str, Any]:
    """The run a tap at ``x0`` makes: Euler steps of the model's ``dt`` for its ``total``.

    With ``sigma > 0`` an Euler-Maruyama run with additive noise of that amplitude and
    the integer ``seed`` (recorded in the result, so the run replays). Returns ``t``,
    ``x``, ``method``, ``dt``, ``sigma`` and ``seed``.

    >>> from dynsys.core.loading import load_model
    >>> run = time_course(load_model("self_excitation"), {"w": 0.05, "I": -3.0}, 59.0,
    ...                   sigma=2.0, seed=4)
    >>> run["method"], run["seed"], len(run["t"]) == len(run["x"])
    ('euler-maruyama', 4, True)
    """
    opts = getattr(getattr(system, "model", None), "options", None) or {}
    dt, t_end = float(opts.get("dt", 0.1)), float(opts.get("total", 20.0))
    steps = max(round(t_end / dt), 1)
    sigma = float(sigma)
    if not sigma >= 0 or not np.isfinite(sigma):
        raise ModelError(f"sigma must be finite and >= 0, got {sigma!r}")
    if sigma > 0 and seed is None:
        raise ModelError("a noisy time course needs an integer seed")
    tr = simulate(system, [float(x0)], steps * dt, dt=dt, params=dict(params), sigma=sigma,
                  rng=seed if sigma > 0 else None, method="euler")
    return {"t": tr.t.tolist(), "x": tr.states[0, :, 0].tolist(), "method": tr.method,
            "dt": tr.dt, "sigma": sigma, "seed": tr.seed}


def region_columns(system: Any, names: tuple[str, str], params: Mapping[str, float],
                   bounds: tuple[tuple[float, float], tuple[float, float]],
                   n: int = 41) -> dict[str, Any]:
    """The region map as an image: ``counts`` (rows over the second parameter) and extent."""
    v1 = np.linspace(*bounds[0], n)
    v2 = np.linspace(*bounds[1], n)
    rm = region_map(system, names, v1, v2, params=dict(params), resolution=201)
    return {"image": [rm.counts.T.astype(float)], "x": [v1[0]], "y": [v2[0]],
            "dw": [v1[-1] - v1[0]], "dh": [v2[-1] - v2[0]], "max": int(rm.counts.max())}


def flux_view(doc: Document, system: Any, params: Mapping[str, float] | None) -> Any:
    """Build the 1-D page of ``system`` into ``doc``; returns the layout."""
    p0 = resolve_params(system, params)
    state = {k: float(v) for k, v in zip(system.param_names, p0, strict=True)}
    name = system.state_names[0]
    reg = resolve_region(system, state)[name]
    fig = figure(width=560, height=360, title=f"Flux of {readable_name(system.name)}",
                 x_axis_label=name, y_axis_label=f"d{name}/dt",
                 x_range=(reg[0] - 0.03 * (reg[1] - reg[0]), reg[1] + 0.03 * (reg[1] - reg[0])),
                 tools="tap,pan,wheel_zoom,reset,save", name="flux")
    fig.toolbar.active_tap = None  # the Tap event still fires; no glyph is selected and faded
    curve = ColumnDataSource({"x": [], "y": []}, name="flux-curve")
    eq_src = ColumnDataSource({k: [] for k in ("x", "y", "kind", "marker", "line", "fill")},
                              name="equilibria")
    fig.add_layout(Span(location=0, dimension="width", line_color="#999999"))
    fig.line("x", "y", source=curve, color=OKABE_ITO[0], line_width=2)
    fig.scatter("x", "y", source=eq_src, marker="marker", line_color="line",
                fill_color="fill", size=14, line_width=2.5)
    ts = figure(width=560, height=240, title="time courses (tap the flux plot)",
                x_axis_label="t", y_axis_label=name, name="timecourses",
                tools="pan,wheel_zoom,reset,save")
    runs = ColumnDataSource({"xs": [], "ys": [], "color": []}, name="runs")
    ts.multi_line("xs", "ys", source=runs, color="color", line_width=2)
    status = status_div()

    def apply(result: Any) -> None:
        if isinstance(result, BaseException):
            show_error(status, result)
            return
        curve.data = result["curve"]
        eq_src.data = result["equilibria"]
        k = len(result["equilibria"]["x"])
        show_error(status, None, f"{k} equilibri{'um' if k == 1 else 'a'}: "
                   + ", ".join(result["equilibria"]["kind"]))

    analysis = LatestWorker(doc.add_next_tick_callback,
                            lambda: flux_columns(system, dict(state)), apply)

    pnames = list(state)
    rmap = None
    rm_src = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []})
    here = ColumnDataSource({"x": [], "y": []}, name="region-point")
    specs = param_specs(pnames, [state[k] for k in pnames])
    if len(pnames) >= 2:
        a, b = specs[0], specs[1]
        wide = ((a.start - (a.end - a.start), a.end + (a.end - a.start)),
                (b.start - (b.end - b.start) / 2, b.end + (b.end - b.start) / 2))
        rmap = figure(width=420, height=360, name="region-map",
                      title=f"number of equilibria over ({a.name}, {b.name})",
                      x_axis_label=a.name, y_axis_label=b.name, x_range=wide[0],
                      y_range=wide[1], tools="pan,wheel_zoom,reset,save")
        # one colour per count 0..4: none grey, 1 white, 2 sky blue, 3 orange, 4 blue
        counts = LinearColorMapper(palette=["#DDDDDD", "#FFFFFF", "#56B4E9", "#E69F00",
                                            "#0072B2"], low=-0.5, high=4.5)
        rmap.image("image", x="x", y="y", dw="dw", dh="dh", source=rm_src,
                   color_mapper=counts, level="image")
        rmap.scatter("x", "y", source=here, marker="x", size=14, line_width=3,
                     color=OKABE_ITO[1])
        here.data = {"x": [state[a.name]], "y": [state[b.name]]}
        legend = Div(text="white: 1 equilibrium, orange: 3 (bistable), x: the current point",
                     width=420)

        def rm_apply(result: Any) -> None:
            if isinstance(result, BaseException):
                show_error(legend, result)
                return
            rm_src.data = {k: result[k] for k in ("image", "x", "y", "dw", "dh")}

        region_worker = LatestWorker(
            doc.add_next_tick_callback,
            lambda: region_columns(system, (a.name, b.name), dict(state), wide), rm_apply)

    def on_value(nm: str, value: float) -> None:
        state[nm] = value
        analysis.request()
        if rmap is not None:
            here.data = {"x": [state[pnames[0]]], "y": [state[pnames[1]]]}
            if nm not in pnames[:2]:
                region_worker.request()

    rows, _ = param_controls(specs, on_value)
    top = float(f"{0.2 * (reg[1] - reg[0]):.2g}")
    sigma = Slider(title="noise sigma (time courses run Euler-Maruyama when > 0)", start=0.0,
                   end=top, value=0.0, step=top / 100, name="sigma", width=420)
    noise_seed = {"next": 0}  # successive noisy taps use successive seeds: a session replays

    def on_tap(event: Tap) -> None:
        if event.x is None:
            return
        seed = noise_seed["next"] if sigma.value > 0 else None
        try:
            run = time_course(system, dict(state), event.x, sigma.value, seed)
        except Exception as exc:  # shown in the page; the server keeps running
            show_error(status, exc)
            return
        if seed is not None:
            noise_seed["next"] += 1
        colour = OKABE_ITO[len(runs.data["xs"]) % 6]
        runs.stream({"xs": [run["t"]], "ys": [run["x"]], "color": [colour]})
        note = (f"Euler-Maruyama, dt = {run['dt']:g}, sigma = {run['sigma']:.3g}, seed "
                f"{run['seed']}" if run["sigma"] > 0 else f"Euler, dt = {run['dt']:g}")
        ts.title.text = f"time course from {name} = {event.x:.4g}, {note}"

    fig.on_event(Tap, on_tap)
    clear = Button(label="clear time courses", name="clear", width=160)
    clear.on_click(lambda: setattr(runs, "data", {"xs": [], "ys": [], "color": []}))
    right = [Div(text="<b>tap</b> the flux plot at a starting value to run a time course",
                 width=420), *rows, sigma, clear, status]
    if rmap is not None:
        right += [rmap, legend]
    layout = Row(Column(fig, ts), Column(*right), name="explorer")
    doc.add_root(layout)
    doc.title = f"dynsys explore: {system.name}"
    analysis.request()
    if rmap is not None:
        region_worker.request()
    return layout
