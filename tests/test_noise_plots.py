"""Noise figures draw what they are given (no dynamics computed inside)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from dynsys.core.loading import load_model
from dynsys.noise.potential import potential
from dynsys.noise.switching import residence_scan, switching_statistics
from dynsys.plots.noise import plot_noise_panels, plot_potential, plot_residence_scan

SELF = load_model("self_excitation")


def test_noise_figures_render():
    pot = potential(SELF)
    fig = plot_potential(pot)
    assert "V(r)" in fig.axes[0].get_ylabel()
    scan = residence_scan(SELF, [26.0, 30.0], runs=20, rng=0)
    fig = plot_residence_scan(scan)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and "σ" in ax.get_xlabel()
    t = np.linspace(0, 1, 11)
    trajs = [SimpleNamespace(t=t, states=np.full((3, 11, 1), v), sigma=np.array([s]),
                             state_names=("r",)) for v, s in ((1.0, 0.1), (2.0, 5.0))]
    st = switching_statistics(SELF, 0.1, 1.0, runs=2, rng=0)
    fig = plot_noise_panels(trajs, [st, None], wells=pot.minima, threshold=60.0)
    assert len(fig.axes) == 2
    assert "spikes/s" in fig.axes[0].get_ylabel()
    assert "0 switches" in fig.axes[0].get_title()
