"""Noise-driven switching: potential, Kramers' formula, censored residence statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.symbols import symbols
from dynsys.errors import ModelError
from dynsys.noise.potential import kramers, kramers_time, potential
from dynsys.noise.switching import _censored_mle, residence_scan, switching_statistics

SELF = load_model("self_excitation")
R_LOW, R_HIGH = 0.305908292842, 119.694091707


def test_potential_closed_form_and_barriers():
    pot = potential(SELF)
    # V = r^2/2 - 60 r - (60/w) log cosh(w r + I), up to a constant
    r = np.linspace(-10, 130, 15)
    w, i = 0.05, -3.0
    exact = r**2 / 2 - 60 * r - (60 / w) * np.log(np.cosh(w * r + i))
    exact -= (R_LOW**2 / 2 - 60 * R_LOW - (60 / w) * np.log(np.cosh(w * R_LOW + i)))
    np.testing.assert_allclose(pot(r), exact, rtol=1e-9, atol=1e-6)
    assert pot.minima == pytest.approx([R_LOW, R_HIGH], abs=1e-8)
    assert pot.maxima == pytest.approx([60.0], abs=1e-10)
    assert len(pot.barriers) == 2
    for b in pot.barriers:
        assert b.height == pytest.approx(971.2395821157, rel=1e-10)
        assert b.curvature_well == pytest.approx(0.969487154, rel=1e-8)
        assert b.curvature_top == pytest.approx(-2.0, rel=1e-12)
    assert "cosh" in pot.latex
    d = pot.to_dict()
    assert d["barriers"][0]["height"] == pytest.approx(971.24, abs=0.01)


def test_potential_quadrature_fallback_matches_double_well():
    # dx = (x - x^3) dt: V = x^4/4 - x^2/2, barrier 1/4, V''(+-1) = 2, V''(0) = -1
    x, a = symbols("x a")
    m = Model({x: a * x - x**3}, params={a: 1.0}, name="double_well", region={x: (-2, 2)})
    pot = potential(m)
    assert pot.minima == pytest.approx([-1, 1], abs=1e-10)
    assert [b.height for b in pot.barriers] == pytest.approx([0.25, 0.25], rel=1e-10)
    assert pot.barriers[0].curvature_well == pytest.approx(2.0)
    assert pot.barriers[0].curvature_top == pytest.approx(-1.0)


def test_potential_rejects_monostable_and_2d():
    with pytest.raises(ModelError, match="no barrier"):
        potential(SELF, {"w": 0.005})
    with pytest.raises(ModelError, match="one-dimensional"):
        potential(load_model("mutual_excitation"))


def test_kramers_formula_values():
    # tau = 2 pi / sqrt(0.96949 * 2) * exp(971.24 / (sigma^2 / 2))
    pre = 2 * math.pi / math.sqrt(0.9694871539521316 * 2.0)
    for s in (16.0, 20.0, 30.0):
        expected = pre * math.exp(971.2395821157 * 2 / s**2)
        assert float(kramers_time(971.2395821157, 0.9694871539521316, -2.0, s)) == \
            pytest.approx(expected, rel=1e-10)
    est = kramers(potential(SELF), 20.0)
    assert est.diffusion == 200.0
    assert est.times[0] == pytest.approx(est.times[1])
    with pytest.raises(ModelError):
        kramers_time(1.0, -1.0, -2.0, 1.0)


def test_censored_mle_and_interval():
    mean, low, high = _censored_mle(10, 1000.0, 0.95)
    assert mean == 100.0
    assert low < mean < high
    # exact chi-square limits
    from scipy import stats
    assert low == pytest.approx(2000 / stats.chi2.ppf(0.975, 22))
    assert high == pytest.approx(2000 / stats.chi2.ppf(0.025, 20))
    mean0, low0, high0 = _censored_mle(0, 500.0, 0.95)
    assert math.isinf(mean0) and math.isinf(high0) and 0 < low0 < 500


def test_low_noise_never_switches_and_counts_runs_as_censored():
    st = switching_statistics(SELF, 0.1, 20.0, runs=20, rng=3)
    assert st.total_switches == 0
    assert st.runs_never_switched == 20
    assert st.pooled.censored == 20
    assert math.isinf(st.pooled.mean)
    assert st.pooled.time_at_risk == pytest.approx(20 * 20.0)
    assert st.fraction_ending_in_start_well == 1.0
    assert st.start_wells == tuple([0, 1] * 10)


def test_bad_arguments_are_model_errors():
    for kwargs in ({"runs": 0}, {"core": 1.5}, {"dt": -0.1}):
        with pytest.raises(ModelError):
            switching_statistics(SELF, 1.0, 1.0, **kwargs)
    with pytest.raises(ModelError, match="sigma"):
        switching_statistics(SELF, -1.0, 1.0)


def test_switch_requires_reaching_the_other_well():
    # Start just above the barrier top: it falls into the upper core without any switch
    # being counted from the lower well (it starts in no core) -> rejected explicitly.
    with pytest.raises(ModelError, match="core"):
        switching_statistics(SELF, 1.0, 1.0, runs=2, x0=61.0, rng=0)


def test_statistics_bookkeeping_is_consistent():
    st = switching_statistics(SELF, 30.0, 150.0, runs=40, rng=7, chunk_steps=137)
    assert st.total_switches == sum(w.switches for w in st.per_well)
    assert st.pooled.time_at_risk == pytest.approx(40 * 150.0)
    assert sum(w.censored for w in st.per_well) == 40
    # parity: an even number of switches ends in the starting well (two wells)
    for n, a, b in zip(st.switches_per_run, st.start_wells, st.end_wells, strict=True):
        assert (a == b) == (n % 2 == 0)
    # chunking does not change the answer for the same seed
    again = switching_statistics(SELF, 30.0, 150.0, runs=40, rng=7, chunk_steps=1500)
    assert again.switches_per_run == st.switches_per_run
    d = st.to_dict()
    assert d["total_switches"] == st.total_switches and d["runs"] == 40


def test_kramers_agrees_with_simulation_small():
    scan = residence_scan(SELF, [25.0, 30.0], runs=150, rng=11)
    # leading-order Kramers is a little short at dV/D ~ 2-3; "some tens of percent"
    assert np.all(scan.ratios > 0.85) and np.all(scan.ratios < 1.45), scan.ratios
    for st in scan.statistics:
        assert st.pooled.switches > 100


@pytest.mark.slow
def test_kramers_agrees_with_simulation_large():
    scan = residence_scan(SELF, [18.0, 20.0, 22.0, 26.0, 30.0], runs=600, rng=5,
                          t_max=4000.0)
    assert np.all(scan.ratios > 0.9) and np.all(scan.ratios < 1.4), scan.ratios
    # the ratio tends towards 1 as the barrier grows relative to D
    assert scan.ratios[0] < scan.ratios[-1] + 0.1
