"""The layout of every report figure, as drawn: labels off the data, markers whole,
fonts legible in print (issue 13: legends over curves, a struck-through fold label,
quarter-disc nodes at the corners, 5 pt panels).

The quick reports are built with ``keep_figures=True``; each Figure is then drawn and
asked (:func:`dynsys.plots.layout.layout_problems`) where its legend, texts, lines and
markers landed in display coordinates. Fonts are checked at the size each figure is
printed in report.pdf: scaled into the box of ``\\includegraphics`` (FIGURE_BOX_IN).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynsys.plots.layout import layout_problems, place_legend, print_scale
from dynsys.report import run_report
from dynsys.report.writers import FIGURE_BOX_IN

MIN_FONT_PT = 7.0


@pytest.fixture(scope="module", params=["firing_rate_models", "wilson_cowan"])
def built(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    res = run_report(request.param, out, quick=True, pdf=False, parallel=False,
                     keep_figures=True)
    assert res.unavailable == ()
    return request.param, res


def test_every_report_figure_is_laid_out_cleanly(built):
    name, res = built
    assert res.figure_objects, "no figure kept"
    problems = {}
    for number, fig in res.figure_objects.items():
        found = layout_problems(fig, scale=print_scale(fig, FIGURE_BOX_IN),
                                min_font_pt=MIN_FONT_PT)
        if found:
            problems[number] = found
    assert not problems, "\n".join(f"{name} Figure {n}: {p}" for n, ps in problems.items()
                                   for p in ps)


def test_titles_and_labels_are_words_not_ids(built):
    """'self_excitation: euler, dt = 0.1' was a title: identifiers never reach a figure."""
    _, res = built
    for number, fig in res.figure_objects.items():
        for ax in fig.axes:
            for text in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()):
                assert "_" not in re.sub(r"\$[^$]*\$", "", text), (number, text)  # not math
                assert "[" not in text or "]" not in text, (number, text)  # one unit style


def test_figures_are_printed_no_smaller_than_their_fonts_allow(built):
    """The PDF box is 0.85 of the text width by 0.42 of its height (A4, 2.2 cm margins)."""
    assert FIGURE_BOX_IN == pytest.approx((0.85 * 166 / 25.4, 0.42 * 253 / 25.4))
    _, res = built
    for number, fig in res.figure_objects.items():
        w, h = fig.get_size_inches()
        scale = print_scale(fig, FIGURE_BOX_IN)
        assert w * scale <= FIGURE_BOX_IN[0] + 1e-9 and h * scale <= FIGURE_BOX_IN[1] + 1e-9
        assert scale > 0.7, f"Figure {number} ({w:.1f} x {h:.1f} in) shrinks to {scale:.2f}"


# ---------------------------------------------------------------- the check can fail
def _axes(size=(4.0, 3.0)):
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def test_a_legend_over_the_data_is_found():
    fig, ax = _axes()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x, label="diagonal")  # through the centre
    ax.legend(loc="center")
    assert any("legend covers line data" in p for p in layout_problems(fig))


def test_a_label_struck_through_by_a_line_is_found():
    fig, ax = _axes()
    ax.plot([0, 1], [0, 1])
    ax.annotate("fold here", (0.45, 0.45), textcoords="offset points", xytext=(-10, 0))
    assert any('text "fold here" covers line data' in p for p in layout_problems(fig))


def test_a_marker_on_the_frame_is_found_unless_drawn_whole():
    fig, ax = _axes()
    ax.plot([0.0, 1.0], [0.0, 1.0], "o", ms=10, label="nodes")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    assert any("cut by the axes frame" in p for p in layout_problems(fig))
    ax.lines[0].set_clip_on(False)
    assert layout_problems(fig) == []


def test_a_marker_covered_by_a_legend_is_found():
    fig, ax = _axes()
    ax.plot(np.linspace(0, 1, 5), np.zeros(5), "-")
    ax.plot([0.5], [0.97], "^", label="barrier")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper center")
    assert any("legend covers 1 marker" in p for p in layout_problems(fig))


def test_small_print_is_found():
    fig, ax = _axes(size=(10.0, 3.0))  # 10 in wide: printed at 0.55 of its size
    ax.set_xlabel("time t")
    scale = print_scale(fig, FIGURE_BOX_IN)
    assert scale == pytest.approx(FIGURE_BOX_IN[0] / 10.0)
    assert any("pt (< 7 pt)" in p for p in layout_problems(fig, scale=scale, min_font_pt=7))


def test_place_legend_finds_a_free_place_or_goes_outside():
    fig, ax = _axes()
    x = np.linspace(0, 1, 200)
    ax.plot(x, np.ones_like(x), label="top")
    place_legend(ax)
    assert layout_problems(fig) == []
    # data everywhere: every inside position covers some, so the legend moves outside
    fig, ax = _axes()
    grid = np.linspace(0, 1, 30)
    for y in grid:
        ax.plot(grid, np.full_like(grid, y), color="0.5", lw=0.5)
    ax.plot([0.5], [0.5], "o", label="point")
    width = fig.get_size_inches()[0]
    place_legend(ax)
    assert layout_problems(fig) == []
    assert fig.get_size_inches()[0] > width  # the figure grew by the legend's width


def test_an_arrow_under_a_legend_is_found():
    """Fig 21: the legend hid the arrow that shows the barrier's height."""
    fig, ax = _axes()
    ax.plot([0, 1], [0, 0], label="floor")
    ax.annotate("", xy=(0.9, 0.0), xytext=(0.9, 1.0), arrowprops={"arrowstyle": "<->"})
    ax.set_ylim(-0.1, 1.05)
    ax.legend(loc="upper right")
    assert any("legend covers line data" in p for p in layout_problems(fig))
