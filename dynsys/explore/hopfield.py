"""The explorer's Hopfield view: stored patterns, a clickable probe, animated recall.

The stored patterns are shown as images; the probe is a grid where a tap flips a pixel,
with buttons that set it to a stored pattern with 30 % of its bits flipped
(:func:`~dynsys.hopfield.patterns.flip_bits`) or to a random state. "run" integrates
``dx/dt = -x + f(W x) + sigma eta`` from the probe
(:func:`~dynsys.hopfield.network.euler_run`, Euler-Maruyama with the network's sigma and a
seed shown in the page) and animates it: the state image, the energy
(:func:`~dynsys.hopfield.energy.energy`) falling over time and the overlaps with each
pattern (:func:`~dynsys.hopfield.patterns.overlaps`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from bokeh.document import Document
from bokeh.events import Tap
from bokeh.models import Button, Column, ColumnDataSource, Div, Row, Select
from bokeh.plotting import figure

from dynsys.explore._widgets import outside
from dynsys.hopfield.energy import energy
from dynsys.hopfield.network import HopfieldNetwork, euler_run
from dynsys.hopfield.patterns import flip_bits, overlaps
from dynsys.plots._style import OKABE_ITO

__all__ = ["grid_columns", "hopfield_view", "recall_run"]


def _shape(net: HopfieldNetwork) -> tuple[int, int]:
    if net.shape is not None:
        return int(net.shape[0]), int(net.shape[1])
    side = math.isqrt(net.n)
    return (side, side) if side * side == net.n else (1, net.n)


def grid_columns(x: Any, shape: tuple[int, int]) -> dict[str, list[Any]]:
    """Cells of an image of the state ``x``: centre ``col``, ``row`` (row 0 on top), colour.

    >>> grid_columns([1.0, -1.0], (1, 2))["color"]
    ['#000000', '#FFFFFF']
    """
    rows, cols = shape
    v = np.asarray(x, dtype=float).reshape(rows, cols)
    grey = np.clip((1.0 - v) / 2.0, 0.0, 1.0)  # +1 black, -1 white
    colour = ["#" + f"{round(255 * float(g)):02X}" * 3 for g in grey.ravel()]
    r, c = np.divmod(np.arange(rows * cols), cols)
    return {"col": (c + 0.5).tolist(), "row": (rows - r - 0.5).tolist(), "color": colour}


def recall_run(net: HopfieldNetwork, x0: Any, seed: int, params: Mapping[str, float] | None
               = None, t_end: float = 20.0, dt: float = 0.1) -> dict[str, Any]:
    """A recall from ``x0``: states ``(T, N)``, times, energies and overlaps ``(T, P)``."""
    states = euler_run(net, np.asarray(x0, dtype=float), t_end, dt, sigma=net.sigma,
                       params=params, rng=seed, record=True)
    return {"t": (np.arange(len(states)) * dt).tolist(), "states": states,
            "energy": energy(net, states, params).tolist(),
            "overlaps": overlaps(net.patterns, states)}


def _image(title: str, shape: tuple[int, int], size: int, name: str) -> Any:
    rows, cols = shape
    fig = figure(width=size, height=int(size * rows / cols) + 30, title=title, name=name,
                 x_range=(0, cols), y_range=(0, rows), tools="tap" if name == "probe" else "",
                 toolbar_location=None)
    fig.axis.visible = False
    fig.grid.visible = False
    if name == "probe":
        fig.toolbar.active_tap = None  # the Tap event fires; no cell selected, none faded
    return fig


def hopfield_view(doc: Document, net: HopfieldNetwork,
                  params: Mapping[str, float] | None) -> Any:
    """Build the Hopfield page of ``net`` into ``doc``; returns the layout."""
    shape = _shape(net)
    names = list(net.pattern_names) or [f"p{k}" for k in range(net.n_patterns)]
    pats = []
    for k, nm in enumerate(names):
        fig = _image(f"pattern {nm}", shape, 150, f"pattern-{k}")
        fig.rect("col", "row", 1, 1, source=ColumnDataSource(grid_columns(net.patterns[k],
                                                                          shape)),
                 fill_color="color", line_color="#DDDDDD")
        pats.append(fig)
    probe_x = np.array(net.patterns[0], dtype=float)
    probe = _image("probe (tap flips a pixel)", shape, 260, "probe")
    probe_src = ColumnDataSource(grid_columns(probe_x, shape), name="probe-cells")
    probe.rect("col", "row", 1, 1, source=probe_src, fill_color="color",
               line_color="#BBBBBB")
    now = _image("state during recall", shape, 260, "recall-state")
    now_src = ColumnDataSource(grid_columns(probe_x, shape), name="recall-cells")
    now.rect("col", "row", 1, 1, source=now_src, fill_color="color", line_color="#DDDDDD")
    en = figure(width=380, height=220, title="energy L(x) (press run)", x_axis_label="t",
                name="energy", tools="pan,wheel_zoom,reset,save")
    en_src = ColumnDataSource({"t": [], "e": []}, name="energy-curve")
    en.line("t", "e", source=en_src, color=OKABE_ITO[0], line_width=2)
    ov = figure(width=380, height=220, title="overlaps with the patterns", x_axis_label="t",
                y_range=(-1.05, 1.05), name="overlaps", tools="pan,wheel_zoom,reset,save")
    ov_src = ColumnDataSource({"xs": [], "ys": [], "color": [], "name": []},
                              name="overlap-curves")
    ov.multi_line("xs", "ys", source=ov_src, color="color", legend_field="name",
                  line_width=2)
    outside(ov, "above")
    ov.legend.visible = False  # an empty box until the first run draws its curves
    status = Div(text="", name="status", width=380)
    pick = Select(title="pattern", value=names[0], options=names, width=120)
    seed = {"next": 0}

    def show_probe() -> None:
        probe_src.data = grid_columns(probe_x, shape)
        m = overlaps(net.patterns, probe_x)
        status.text = "probe overlaps: " + ", ".join(
            f"{nm} {v:+.2f}" for nm, v in zip(names, m, strict=True))

    def on_tap(event: Tap) -> None:
        if event.x is None or event.y is None:
            return
        c, r = int(event.x), shape[0] - 1 - int(event.y)
        if 0 <= r < shape[0] and 0 <= c < shape[1]:
            probe_x[r * shape[1] + c] *= -1.0
            show_probe()

    def corrupt() -> None:
        k = names.index(pick.value)
        probe_x[:] = flip_bits(net.patterns[k], 0.3, rng=seed["next"])
        seed["next"] += 1
        show_probe()

    def randomise() -> None:
        probe_x[:] = np.where(np.random.default_rng(seed["next"]).random(net.n) < 0.5, -1, 1)
        seed["next"] += 1
        show_probe()

    anim: dict[str, Any] = {"cb": None}

    def run() -> None:
        if anim["cb"] is not None:
            doc.remove_periodic_callback(anim["cb"])
        s = seed["next"]
        seed["next"] += 1
        res = recall_run(net, probe_x, s, params)
        frame = {"k": 0}
        total = len(res["t"])
        colours = [OKABE_ITO[i % 8] for i in range(len(names))]

        en.title.text = "energy L(x)"
        ov.legend.visible = True

        def step() -> None:
            k = min(frame["k"], total - 1)
            now_src.data = grid_columns(res["states"][k], shape)
            en_src.data = {"t": res["t"][:k + 1], "e": res["energy"][:k + 1]}
            ov_src.data = {"xs": [res["t"][:k + 1]] * len(names),
                           "ys": [res["overlaps"][:k + 1, i].tolist()
                                  for i in range(len(names))],
                           "color": colours, "name": names}
            frame["k"] += 4
            if k == total - 1:
                doc.remove_periodic_callback(anim["cb"])
                anim["cb"] = None
                final = res["overlaps"][-1]
                status.text = (f"recall done (Euler-Maruyama, sigma = {net.sigma:g}, seed "
                               f"{s}); final overlaps: " + ", ".join(
                                   f"{nm} {v:+.2f}" for nm, v in zip(names, final,
                                                                     strict=True)))

        anim["cb"] = doc.add_periodic_callback(step, 50)

    probe.on_event(Tap, on_tap)
    b_corrupt = Button(label="corrupt 30 %", name="corrupt", width=120)
    b_corrupt.on_click(corrupt)
    b_random = Button(label="random", name="random", width=100)
    b_random.on_click(randomise)
    b_run = Button(label="run", name="run", button_type="primary", width=100)
    b_run.on_click(run)
    show_probe()
    layout = Column(Row(*pats), Row(Column(probe, Row(pick, b_corrupt), Row(b_random, b_run)),
                                    now, Column(en, ov)), status, name="explorer")
    doc.add_root(layout)
    doc.title = f"dynsys explore: {net.name}"
    return layout
