"""The built-in network models: the ring attractor's closed forms (the spectrum of the
uniform state, where it loses stability, the bump's self-consistency) and the sparse E-I
network (Dale's law, density, populations, simulation)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sps
from scipy.optimize import brentq

from dynsys import RateNetwork, continue_equilibria, find_equilibria, simulate
from dynsys.analysis._curve_trace import on_path
from dynsys.cli import main
from dynsys.core.loading import load_model, model_module, model_names

ring = model_module("ring_attractor")
ei = model_module("ei_network")


def test_built_in_and_listed(capsys) -> None:
    assert {"ring_attractor", "ei_network"} <= set(model_names())
    r, e = load_model("ring_attractor"), load_model("ei_network")
    assert isinstance(r, RateNetwork) and r.n == 256 and not r.sparse
    assert isinstance(e, RateNetwork) and e.n == 1000 and e.sparse
    assert main(["show", "ring_attractor"]) == 0
    assert "rate network" in capsys.readouterr().out


def _spectrum(n: int, w0: float, w1: float, g: float, slope: float) -> np.ndarray:
    """The closed form: -1 + g f' (w0, w1/2, w1/2, 0 x (n - 3))."""
    return np.sort(-1 + g * slope * np.array([w0, w1 / 2, w1 / 2] + [0.0] * (n - 3)))


@pytest.mark.parametrize("n", [16, 256])
def test_uniform_state_spectrum_closed_form(n: int) -> None:
    for g in (0.3, 1.0, 1.7):
        net = ring.build(n=n, g=g)
        ev = np.linalg.eigvals(net.jac(np.zeros(n)))
        assert np.abs(ev.imag).max() < 1e-12
        np.testing.assert_allclose(np.sort(ev.real), _spectrum(n, ring.W0, ring.W1, g, 1.0),
                                   rtol=0, atol=1e-12)


def _rightmost(net: RateNetwork, x: np.ndarray, g: float, i0: float = 0.0) -> float:
    return float(np.linalg.eigvals(net.jac(x, [g, i0])).real.max())


def test_bump_instability_at_g_w1_equal_2() -> None:
    """The rightmost eigenvalue at the uniform state crosses 0 where g w1 = 2 (to 1e-8),
    for the built-in w1 and another one; continuation sees the stability change there."""
    n = 32
    for w1 in (ring.W1, 3.0):
        net = ring.build(n=n, w1=w1)
        g_c = brentq(lambda g, net=net: _rightmost(net, np.zeros(n), g), 0.1, 3.0,
                     xtol=1e-14)
        assert abs(g_c * w1 - 2.0) < 1e-8
    assert ring.CRITICAL_GAIN == 2.0 / ring.W1
    # along the continued uniform branch: the rightmost eigenvalue is -1 + g w1 / 2,
    # linear in g, so interpolating between the points that bracket 0 gives g_c exactly
    net = ring.build(n=n, g=0.5)
    br = continue_equilibria(net, "g", np.zeros(n), (0.5, 1.5))
    g = np.asarray(br.values)
    right = np.asarray(br.eigenvalues).real.max(axis=1)
    np.testing.assert_allclose(right, -1 + g * ring.W1 / 2, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(np.asarray(br.stable), g < ring.CRITICAL_GAIN)
    k = int(np.argmax(right > 0))
    g_c = g[k - 1] - right[k - 1] * (g[k] - g[k - 1]) / (right[k] - right[k - 1])
    assert abs(g_c - 2.0 / ring.W1) < 1e-8
    # and the branch names it: two real eigenvalues (cosine and sine modes) cross
    # together, which det J does not see; located on the crossing eigenvalue
    (bp,) = br.special_points
    assert bp.type == "branch_point" and bp.multiplicity == 2 and bp.located
    assert abs(bp.params["g"] - 2.0 / ring.W1) < 1e-10


def test_threshold_with_a_global_input() -> None:
    """With I0 != 0 the uniform state is c = tanh(g w0 c + I0) and the threshold is
    g (1 - c^2) w1 / 2 = 1: solved here as two scalar equations, against the eigenvalues."""
    n, i0 = 24, 0.4
    net = ring.build(n=n)

    def uniform(g: float) -> float:
        return brentq(lambda c: c - np.tanh(g * ring.W0 * c + i0), -1.0, 1.0, xtol=1e-15)

    # closed form: g_c solves g (1 - c(g)^2) w1 / 2 = 1
    g_closed = brentq(lambda g: g * (1 - uniform(g) ** 2) * ring.W1 / 2 - 1, 0.5, 5.0,
                      xtol=1e-14)
    g_eig = brentq(lambda g: _rightmost(net, np.full(n, uniform(g)), g, i0), 0.5, 5.0,
                   xtol=1e-14)
    assert g_closed > 1.0 + 1e-3  # the input lowers f'(h*), so the threshold rises
    assert abs(g_eig - g_closed) < 1e-8
    # continuation of the uniform state in g finds the same point as a branch point
    br = continue_equilibria(net, "g", np.full(n, uniform(1.0)), (1.0, 2.0),
                             params={"g": 1.0, "I0": i0})
    (bp,) = [sp for sp in br.special_points if sp.type == "branch_point"]
    assert bp.multiplicity == 2 and abs(bp.params["g"] - g_closed) < 1e-8


def test_bump_is_self_consistent() -> None:
    """Past the threshold a bump x_i = tanh(B cos(theta_i - phi)) forms, with B solving
    B = (g w1 / n) sum_j cos(theta_j) tanh(B cos(theta_j)) (w0 drops out: sum x = 0)."""
    n, g = 64, 1.5
    net = ring.build(n=n, g=g)
    theta = ring.angles(n)
    x0 = 0.01 * np.cos(theta - theta[5])
    tr = simulate(net, x0, 200.0, dt=0.05, method="rk4")
    x = np.asarray(tr.final).reshape(n)
    assert np.max(np.abs(net.rhs(x))) < 1e-8
    B = brentq(lambda b: b - g * ring.W1 / n * np.sum(np.cos(theta) * np.tanh(b * np.cos(
        theta))), 0.1, 20.0, xtol=1e-14)
    np.testing.assert_allclose(x, np.tanh(B * np.cos(theta - theta[5])), atol=1e-7)
    ev = np.sort(np.linalg.eigvals(net.jac(x)).real)
    assert abs(ev[-1]) < 1e-7 and ev[-2] < -1e-3  # one neutral direction: rotation


def test_ei_network_structure() -> None:
    net = load_model("ei_network")
    W = net.weights()
    assert sps.issparse(W) and W.shape == (1000, 1000)
    assert [(k, b - a) for k, a, b in net.populations] == [("E", 800), ("I", 200)]
    dense = W.toarray()
    assert np.all(dense[:, :800] >= 0) and np.all(dense[:, 800:] <= 0)  # Dale's law
    assert np.all(np.diag(dense) == 0)
    assert abs(W.nnz / (1000 * 999) - 0.1) < 0.005
    assert net.tau[:800].tolist() == [1.0] * 800 and net.tau[800:].tolist() == [0.5] * 200
    assert net.region["E1"] == (0.0, 1.0) and net.region["I200"] == (0.0, 1.0)
    again = ei.build()
    assert (again.weights() != W).nnz == 0  # fixed seed


def test_ei_network_simulates_and_settles() -> None:
    net = load_model("ei_network")
    x0 = np.random.default_rng(0).uniform(0.0, 1.0, (2, net.n))
    tr = simulate(net, x0, 60.0, dt=0.05, save_every=100)
    final = np.asarray(tr.final)
    assert final.shape == (2, 1000) and np.all((final > 0) & (final < 1))
    assert np.max(np.abs(net.rhs(final))) < 1e-6  # a stable equilibrium at g = 1
    assert np.max(np.abs(final[0] - final[1])) < 1e-6
    # the sparse Jacobian is the dense one
    np.testing.assert_allclose(net.jac_sparse(final[0]).toarray(), net.jac(final[0]),
                               rtol=0, atol=1e-15)
    ev = np.linalg.eigvals(net.jac(final[0]))
    assert ev.real.max() < 0


def test_recipe_and_figures_draw_what_they_are_handed() -> None:
    from matplotlib.figure import Figure

    from dynsys.plots.networks import (
        plot_activity,
        plot_gain_spectrum,
        plot_rate_distribution,
        plot_ring_bumps,
    )
    from dynsys.report import load_recipe, recipe_names

    assert "networks" in recipe_names()
    recipe = load_recipe("networks")
    assert callable(recipe.build) and recipe.STEPS == 3
    theta = ring.angles(16)
    fig = plot_ring_bumps(theta, {"a": np.cos(theta), "b": 0.5 * np.cos(theta)})
    assert isinstance(fig, Figure) and len(fig.axes[0].get_lines()) == 3  # + the zero line
    gains = np.linspace(0.2, 1.8, 5)
    ev = -1 + gains[:, None] * np.array([-1.0, 1.0, 1.0, 0.0])
    fig = plot_gain_spectrum(gains, ev, [("-1 + g", lambda g: -1 + g)], 1.0)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_array_equal(line.get_ydata(), ev.ravel())
    t = np.linspace(0.0, 1.0, 11)
    fig = plot_activity(t, {"run": np.full((11, 6), 0.5)}, [("E", 0, 4), ("I", 4, 6)])
    assert len(fig.axes) == 3  # map, means, colour bar
    fig = plot_rate_distribution({"E": np.linspace(0, 1, 50), "I": np.linspace(0, 0.5, 10)})
    assert len(fig.axes[0].patches) == 2


def test_the_ring_of_bumps_is_found_as_a_continuum() -> None:
    """Past the threshold the bumps form a closed curve of equilibria (any rotation of one
    bump): the Jacobian there has a rotation kernel, and Newton must still land on the
    curve (minimum-norm steps) so that the search reports it, not only the unstable
    uniform state. Each point is an equilibrium (|F| < 1e-10), a bump (range > 1), with
    the Jacobian singular along the rotation (the derivative of the bump in theta)."""
    n = 72
    net = ring.build(n=n, g=1.5)
    eq = find_equilibria(net)
    assert eq.continua, "the ring of bumps was missed"
    # one closed curve, traced: every rotation of the bump by one unit lies on it
    (ring_set,) = eq.continua
    assert ring_set.closed is True and ring_set.path is not None
    assert np.max(np.abs(net.rhs(ring_set.path))) < 1e-10
    bump = ring_set.points[0]
    lo, hi = net.region[net.state_names[0]]
    box = hi - lo
    assert lo == -1.0
    shifted = (np.array([np.roll(bump, s) for s in range(n)]) + 1.0) / box
    assert np.all(on_path(shifted, (ring_set.path + 1.0) / box, closed=True))
    for c in eq.continua:
        assert c.dimension == 1 and "curve" in c.description
        for x in c.points:
            assert np.max(np.abs(net.rhs(x))) < 1e-10 and np.ptp(x) > 1.0
            # rotating the bump gives an equilibrium too, and J is singular along the curve
            assert np.max(np.abs(net.rhs(np.roll(x, 1)))) < 1e-10
            sv = np.linalg.svd(net.jac(x), compute_uv=False)
            assert sv[-1] < 1e-8 * sv[0]
    (uniform,) = [e for e in eq if np.ptp(e.state) < 1e-9]
    assert uniform.unstable_dimension == 2
