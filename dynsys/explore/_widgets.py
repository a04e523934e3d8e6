"""Widgets every explorer view shares: parameter sliders with exact-value boxes, a status line.

A parameter gets a :class:`~bokeh.models.Slider` (named ``slider-NAME``, range from
:func:`~dynsys.explore.state.param_specs`) and a :class:`~bokeh.models.TextInput` (named
``value-NAME``) for an exact value; a value typed outside the slider's range widens it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from bokeh.models import Div, Row, Slider, TextInput

from dynsys.errors import DynsysError
from dynsys.explore.state import ParamSpec

__all__ = ["outside", "param_controls", "show_error", "status_div"]


def outside(fig: Any, side: str = "right") -> None:
    """Move a figure's legend outside its frame, where it hides no curve.

    ``side`` "right" (a column of entries) or "above" (one row under the title: keeps
    the frame as wide as those of the figures stacked with it).
    """
    for legend in list(fig.legend):
        fig.center = [c for c in fig.center if c is not legend]
        legend.location = "top_left"
        if side == "above":
            legend.orientation = "horizontal"
            legend.padding = 2
            legend.margin = 2
            legend.border_line_alpha = 0
        fig.add_layout(legend, side)


def status_div() -> Div:
    """The status line: analysis messages and errors (named ``status``)."""
    return Div(text="", name="status", width=560, styles={"color": "#333"})


def show_error(div: Div, exc: BaseException | None, ok: str = "") -> None:
    """Show an analysis error in the page (one line), or ``ok`` when there is none."""
    if exc is None:
        div.text = html.escape(ok)
        div.styles = {"color": "#333"}
        return
    kind = "" if isinstance(exc, DynsysError) else f"{type(exc).__name__}: "
    first = (str(exc).splitlines() or [""])[0]
    div.text = f"<b>analysis failed</b>: {html.escape(kind + first)}"
    div.styles = {"color": "#D55E00"}


def param_controls(specs: Sequence[ParamSpec],
                   on_value: Callable[[str, float], None]) -> tuple[list[Any], dict[str, Slider]]:
    """A row (slider, exact-value box) per parameter; ``on_value(name, value)`` on change.

    Returns the rows and the sliders by parameter name.
    """
    rows: list[Any] = []
    sliders: dict[str, Slider] = {}
    for spec in specs:
        slider = Slider(title=spec.name, start=spec.start, end=spec.end, value=spec.value,
                        step=spec.step, name=f"slider-{spec.name}", width=300,
                        format="0[.]0000")
        box = TextInput(value=f"{spec.value:.6g}", name=f"value-{spec.name}", width=110)

        def slid(attr: str, old: Any, new: Any, name: str = spec.name,
                 box: TextInput = box) -> None:
            box.value = f"{float(new):.6g}"
            on_value(name, float(new))

        def typed(attr: str, old: Any, new: Any, slider: Slider = slider,
                  box: TextInput = box) -> None:
            try:
                v = float(new)
            except ValueError:
                box.value = f"{slider.value:.6g}"
                return
            if v != v or v in (float("inf"), float("-inf")):
                box.value = f"{slider.value:.6g}"
                return
            if v < slider.start:
                slider.start = v
            if v > slider.end:
                slider.end = v
            slider.value = v  # fires `slid`

        slider.on_change("value", slid)
        box.on_change("value", typed)
        sliders[spec.name] = slider
        rows.append(Row(slider, box))
    return rows, sliders
