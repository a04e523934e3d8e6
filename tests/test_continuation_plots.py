"""Bifurcation figures draw what they are given (no pyplot, no dynamics)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynsys import compile, load_model
from dynsys.bifurcation.codim2 import continue_fold
from dynsys.bifurcation.diagram import bifurcation_diagram
from dynsys.bifurcation.region_map import region_map
from dynsys.bifurcation.simulated_cycles import simulated_cycles
from dynsys.plots.bifurcation import (
    plot_bifurcation_diagram,
    plot_cycle_periods,
    plot_equilibrium_count,
    plot_moving_nullclines,
    plot_region_map,
    plot_two_parameter,
)


@pytest.fixture(scope="module")
def self_exc_results() -> tuple:
    sys_ = compile(load_model("self_excitation"))
    d = bifurcation_diagram(sys_, "I", (-5, 0), n_samples=2)
    curve = continue_fold(sys_, ("w", "I"), d.points("fold")[0], {"w": (0, 1), "I": (-5, 0)})
    rm = region_map(sys_, ("w", "I"), np.linspace(0, 1, 21), np.linspace(-5, 0, 21),
                    resolution=301)
    return d, curve, rm


def test_one_parameter_diagram_styles(self_exc_results: tuple) -> None:
    d, _, _ = self_exc_results
    assert plot_bifurcation_diagram(d).axes[0].get_ylabel() == "r"  # no unit unless given
    fig = plot_bifurcation_diagram(d, unit="spikes/s")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    styles = {line.get_linestyle() for line in ax.lines if len(line.get_xdata()) > 1}
    assert {"-", "--"} <= styles
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("LP I=-4.30327") for t in texts)
    assert any(t.startswith("LP I=-1.69673") for t in texts)
    assert ax.get_ylabel() == "r (spikes/s)"


def test_figure_9a_two_panels(self_exc_results: tuple) -> None:
    d, _, _ = self_exc_results
    fig = plot_equilibrium_count(d, values=np.linspace(-5, 0, 101))
    top, bottom = fig.axes
    counts = top.lines[0].get_ydata()
    assert set(np.asarray(counts).tolist()) == {1, 3}
    assert top.get_ylabel() == "number of equilibria"
    assert len(bottom.lines) > 2


def test_two_parameter_and_region_map(self_exc_results: tuple) -> None:
    _, curve, rm = self_exc_results
    fig = plot_two_parameter(curve)
    assert any(t.get_text().startswith("CP w=0.01667") for t in fig.axes[0].texts)
    fig = plot_region_map(rm, [curve])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "I"
    assert any(line.get_label() == "fold curve (continued)" for line in ax.lines)
    assert len(fig.axes) == 2  # with its colour bar


def test_cycles_and_moving_nullclines() -> None:
    fhn = compile(load_model("fitzhugh_nagumo"))
    d = bifurcation_diagram(fhn, "I", (0, 2), n_samples=2)
    cyc = simulated_cycles(fhn, "I", [0.5, 1.0], transient=100, window=150)
    fig = plot_bifurcation_diagram(d, cycles=cyc)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert "limit cycle max/min (simulated)" in labels
    assert isinstance(plot_cycle_periods(cyc), Figure)
    nc = SimpleNamespace(branches=(np.array([[0.0, 0.0], [1.0, 1.0]]),))
    fig = plot_moving_nullclines({-1.0: (nc, nc), 0.0: (nc, nc)}, "I",
                                 equilibria={0.0: np.array([[0.5, 0.5]])},
                                 state_names=("x", "y"), unit="spikes/s")
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert "I = -1" in labels and "I = 0" in labels
    assert fig.axes[0].get_xlabel() == "x (spikes/s)"


def test_plots_do_not_import_pyplot() -> None:
    import dynsys.plots.bifurcation as mod

    assert "pyplot" not in open(mod.__file__, encoding="utf-8").read()


def test_a_cusp_shared_by_two_fold_curves_is_drawn_once(self_exc_results: tuple) -> None:
    d, _, rm = self_exc_results
    sys_ = compile(load_model("self_excitation"))
    curves = [continue_fold(sys_, ("w", "I"), f, {"w": (0, 1), "I": (-5, 0)})
              for f in d.points("fold")]
    assert sum(len(c.points("cusp")) for c in curves) == 2  # each curve finds it
    for fig in (plot_region_map(rm, curves), plot_two_parameter(curves)):
        ax = fig.axes[0]
        cusps = [t for t in ax.texts if t.get_text().startswith("CP ")]
        assert len(cusps) == 1
        assert [line.get_label() for line in ax.lines].count("cusp (CP)") == 1
