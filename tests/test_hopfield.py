"""Hopfield network: System interface, patterns, energy, fixed points, recall, CLI."""

import json

import numpy as np
import pytest
from hypothesis import given, strategies as st

from dynsys import load_model
from dynsys.analysis.stability import Kind
from dynsys.core.system import System
from dynsys.errors import ModelError
from dynsys.hopfield.energy import classic_energy, energy, energy_landscape
from dynsys.hopfield.fixed_points import classify_state, find_fixed_points
from dynsys.hopfield.network import Activation, HopfieldNetwork, UpdateRule
from dynsys.hopfield.patterns import (
    SMILEY,
    X_PATTERN,
    flip_bits,
    from_image,
    named_pattern,
    overlaps,
    random_patterns,
)
from dynsys.hopfield.recall import recall

P_X = named_pattern("x")
P_S = named_pattern("smiley")


def two():
    return HopfieldNetwork.from_names(["x", "smiley"])


# ----------------------------------------------------------------------------- patterns
def test_report_patterns():
    assert X_PATTERN.shape == (8, 8) and SMILEY.shape == (8, 8)
    # X: both diagonals +1 (16 pixels), background -1
    assert int((X_PATTERN == 1).sum()) == 16
    assert all(X_PATTERN[i, i] == 1 and X_PATTERN[i, 7 - i] == 1 for i in range(8))
    # smiley: symmetric left-right, eyes at (2, 2) and (2, 5), mouth corners row 4
    assert np.array_equal(SMILEY, SMILEY[:, ::-1])
    assert SMILEY[2, 2] == SMILEY[2, 5] == 1 and SMILEY[3, 3] == -1
    assert float(P_X @ P_S) == 4.0  # overlap m = 1/16
    with pytest.raises(ModelError, match="smiley"):
        named_pattern("cat")


@pytest.mark.parametrize("frac,count", [(0.0, 0), (0.1, 6), (0.3, 19), (0.5, 32), (1.0, 64)])
def test_flip_exact_number_of_bits(frac, count):
    batch = np.tile(P_X, (50, 1))
    out = flip_bits(batch, frac, rng=3)
    assert np.all((out != batch).sum(axis=1) == count)
    assert np.all(np.abs(out) == 1)
    # different rows flip different subsets
    if 0 < count < 64:
        assert len({tuple(r) for r in out}) > 1


def test_flip_count_argument_and_errors():
    assert int((flip_bits(P_X, count=5, rng=0) != P_X).sum()) == 5
    with pytest.raises(ModelError):
        flip_bits(P_X, 1.5)
    with pytest.raises(ModelError):
        flip_bits(P_X, 0.1, count=3)


def test_random_patterns_seeded_and_overlaps():
    a, b = random_patterns(4, 100, rng=7), random_patterns(4, 100, rng=7)
    assert np.array_equal(a, b) and set(np.unique(a)) == {-1.0, 1.0}
    m = overlaps(a, a)
    assert np.allclose(np.diag(m), 1.0)
    assert float(overlaps(P_X[None], -P_X)[0]) == -1.0


def test_from_image():
    img = np.array([[0, 255], [128, 10]])
    assert from_image(img).tolist() == [[-1.0, 1.0], [1.0, -1.0]]
    rgb = np.zeros((2, 2, 3))
    rgb[0, 0] = 1
    assert from_image(rgb)[0, 0] == 1 and from_image(rgb)[1, 1] == -1
    with pytest.raises(ModelError):
        from_image(np.zeros(4))


# ----------------------------------------------------------------------------- System
def test_is_a_system_and_simulate_reaches_it():
    net = load_model("hopfield")
    assert isinstance(net, System)
    assert net.n == 64 and net.state_names[0] == "r0c0" and net.param_names == ()
    assert not net.is_smooth and net.is_autonomous and net.sigma == 0.1
    assert np.allclose(net.noise_amplitude(), 0.1)
    from dynsys.analysis.simulate import simulate

    x0 = flip_bits(P_X, 0.2, rng=0)
    tr = simulate(net, x0, 10.0, dt=0.1, sigma=0.0)
    assert tr.states.shape == (1, 101, 64)
    assert np.array_equal(np.sign(tr.final[0]), P_X)


def test_rhs_factored_equals_dense_and_batches():
    pats = random_patterns(5, 40, rng=1)
    for zero in (False, True):
        net = HopfieldNetwork(pats, zero_diagonal=zero)
        w = net.weights()
        assert np.allclose(w, w.T) and (np.all(np.diag(w) == 0) if zero else True)
        x = np.random.default_rng(2).uniform(-1, 1, (3, 4, 40))
        assert net.rhs(x).shape == (3, 4, 40)
        assert np.allclose(net.rhs(x), -x + np.sign(x @ w), atol=1e-12)
    dense = HopfieldNetwork(random_patterns(30, 40, rng=1))  # 2P >= N: W formed once
    x = np.random.default_rng(3).uniform(-1, 1, (5, 40))
    assert np.allclose(dense.field(x), x @ dense.weights())


def test_sign_of_zero_is_zero():
    net = two()
    assert np.array_equal(net.rhs(np.zeros(64)), np.zeros(64))
    assert np.array_equal(net.activate(np.array([-2.0, 0.0, 3.0])), [-1.0, 0.0, 1.0])


def test_tanh_jacobian_and_dfdp_match_finite_differences():
    net = HopfieldNetwork(random_patterns(3, 12, rng=4), activation="tanh", beta=2.0)
    assert net.param_names == ("beta",) and net.is_smooth
    x = np.random.default_rng(5).uniform(-1, 1, 12)
    jac = net.jac(x)
    eps = 1e-6
    fd = np.stack([(net.rhs(x + eps * e) - net.rhs(x - eps * e)) / (2 * eps)
                   for e in np.eye(12)], axis=1)
    assert np.allclose(jac, fd, atol=1e-7)
    d = net.dfdp(x)
    fdp = (net.rhs(x, [2.0 + eps]) - net.rhs(x, [2.0 - eps])) / (2 * eps)
    assert d.shape == (12, 1) and np.allclose(d[:, 0], fdp, atol=1e-7)
    # parameters broadcast against the batch
    assert net.rhs(np.tile(x, (3, 1)), np.array([[1.0], [2.0], [3.0]])).shape == (3, 12)
    assert np.allclose(net.jac(x, {"beta": 2.0}), jac)


def test_sign_jacobian_is_minus_identity_and_validation():
    net = two()
    assert np.array_equal(net.jac(P_X), -np.eye(64))
    assert net.dfdp(P_X).shape == (64, 0)
    with pytest.raises(ModelError, match="entries"):
        HopfieldNetwork([[1.0, 0.5]])
    with pytest.raises(ModelError, match="activation"):
        HopfieldNetwork([[1.0, -1.0]], activation="relu")
    with pytest.raises(ModelError):
        net.rhs(np.zeros(5))
    with pytest.raises(ModelError):
        net.rhs(P_X, {"beta": 1.0})


def test_latex_and_describe():
    net = load_model("hopfield")
    tex = net.latex()
    assert r"\operatorname{sign}(W\mathbf{x})" in tex and r"\sigma" in tex
    info = net.describe()
    assert info["patterns"] == ["x", "smiley"] and info["activation"] == "sign"
    json.dumps(info)


# ----------------------------------------------------------------------------- discrete
def test_discrete_updates():
    net = two()
    assert np.array_equal(net.step_synchronous(P_X), P_X)
    probe = flip_bits(P_S, 0.2, rng=0)
    for rule in (UpdateRule.SYNCHRONOUS, UpdateRule.ASYNCHRONOUS):
        final, steps = net.run_discrete(probe, rule, rng=0)
        assert np.array_equal(final, P_S) and steps >= 1
    a1 = net.step_asynchronous(probe, rng=1)
    assert np.array_equal(a1, net.step_asynchronous(probe, rng=1))
    with pytest.raises(ModelError):
        UpdateRule.parse("chaotic")


# ----------------------------------------------------------------------------- energy
def _euler_energies(net, x, dt, steps):
    out = [float(energy(net, x))]
    for _ in range(steps):
        x = x + dt * net.rhs(x)
        out.append(float(energy(net, x)))
    return np.array(out)


@given(
    p=st.integers(1, 6), n=st.integers(4, 40), seed=st.integers(0, 10_000),
    dt=st.floats(0.01, 2.0), act=st.sampled_from(["sign", "tanh"]),
    beta=st.floats(0.2, 10.0),
)
def test_energy_never_increases_along_euler(p, n, seed, dt, act, beta):
    # exact for Euler steps with dt <= 2 (convex-concave argument, dynsys.hopfield.energy docstring)
    net = HopfieldNetwork(random_patterns(p, n, rng=seed), activation=act, beta=beta)
    x = np.random.default_rng(seed + 1).uniform(-1.5, 1.5, n)
    lv = _euler_energies(net, x, dt, 60)
    slack = 1e-12 * np.maximum(1.0, np.abs(lv[:-1]))
    assert np.all(np.diff(lv) <= slack)


def test_energy_increases_once_the_diagonal_is_zeroed():
    found = 0
    for seed in range(40):
        net = HopfieldNetwork(random_patterns(3, 16, rng=seed), zero_diagonal=True)
        x = np.random.default_rng(seed).uniform(-1, 1, 16)
        lv = _euler_energies(net, x, 1.0, 20)
        found += bool(np.any(np.diff(lv) > 1e-9))
        assert np.min(np.linalg.eigvalsh(net.weights())) < 0  # W is not PSD
    assert found > 0


def test_energy_at_fixed_points():
    net = two()
    for s in (P_X, -P_X, P_S):
        assert energy(net, s) == pytest.approx(classic_energy(net, s), abs=1e-12)
    # closed form, one pattern: L(+-p) = N/2 - N = -N/2
    assert float(energy(HopfieldNetwork.from_names(["x"]), P_X)) == -32.0
    tanh = net.replace(activation="tanh", beta=3.0)
    fps = find_fixed_points(tanh, starts=10, rng=0)
    stable = fps.stable[0]
    assert stable.residual < 1e-10
    assert abs(stable.energy - stable.classic_energy) > 1e-3  # not equal for tanh


def test_energy_landscape_minima_at_patterns():
    land = energy_landscape(two(), points=33)  # grid step 1/16 holds m = 0.0625
    i = int(np.argmin(np.abs(land.m1 - 1.0)))
    j = int(np.argmin(np.abs(land.m2 - 0.0625)))
    assert land.energy[j, i] == pytest.approx(float(energy(two(), P_X)), abs=1e-9)
    assert np.nanmin(land.energy) == pytest.approx(-32.125, abs=0.2)
    assert np.isnan(land.energy[0, 0])  # (m1, m2) = (-1, -1) leaves the box


# ----------------------------------------------------------------------------- attractors
def test_one_pattern_attractors_are_plus_minus_p():
    net = HopfieldNetwork.from_names(["x"])
    res = find_fixed_points(net, starts=30, rng=0, include_candidates=False)
    assert sorted(p.label for p in res.stable) == ["+x", "-x"]


def test_two_patterns_mixture_is_exact_unstable_fixed_point():
    net = two()
    mix = (P_X + P_S) / 2
    h = net.field(mix)
    differ = P_X != P_S
    # W (p+q)/2 = (1 + m)(p+q)/2: exactly zero where p_i != q_i (m = 1/16 > -1)
    assert np.count_nonzero(h[differ]) == 0 and np.all(h[~differ] != 0)
    assert np.allclose(h, (1 + 4 / 64) * mix)
    assert np.array_equal(net.rhs(mix), np.zeros(64))
    fp = classify_state(net, mix, rng=0)
    assert fp.kind is Kind.NON_SMOOTH and not fp.stable and fp.returned_fraction == 0.0
    assert fp.discrete_fixed
    res = find_fixed_points(net, starts=40, rng=1)
    stable = sorted(p.label for p in res.stable)
    assert stable == ["+smiley", "+x", "-smiley", "-x"]
    assert "(+x +smiley)/2" in res.labels and "0" in res.labels
    assert all(p.kind is Kind.NON_SMOOTH for p in res if not p.stable)
    d = res.to_dict()
    assert all("energy" in p for p in d["points"])
    json.dumps(d)


def test_three_pattern_mixtures_are_spurious_attractors():
    net = HopfieldNetwork(random_patterns(3, 64, rng=1))
    res = find_fixed_points(net, starts=60, rng=0)
    spurious = [p for p in res.stable if p.label.startswith("sign(")]
    assert spurious and all(p.discrete_fixed for p in spurious)
    stored = [p for p in res.stable if p.label in ("+p0", "-p0")]
    assert stored and min(p.energy for p in stored) < min(p.energy for p in spurious)


def test_tanh_attractors_via_generic_jacobian():
    net = two().replace(activation="tanh", beta=4.0)
    res = find_fixed_points(net, starts=30, rng=0)
    stable = sorted(p.label for p in res.stable)
    assert stable == ["~+smiley", "~+x", "~-smiley", "~-x"]
    assert all(p.method == "eigenvalues" for p in res)
    origin = next(p for p in res if p.label == "0")
    assert origin.kind is Kind.SADDLE or origin.kind is Kind.UNSTABLE


def test_classify_rejects_non_fixed_point():
    with pytest.raises(ModelError, match="not a fixed point"):
        classify_state(two(), flip_bits(P_X, 0.3, rng=0))


# ----------------------------------------------------------------------------- recall
def test_recall_report_protocol():
    res = recall(load_model("hopfield"), "x", 0.3, rng=1)
    assert res.flipped_bits == 19 and res.exact and res.overlap_ok and res.fixed
    assert res.states.shape == (201, 64) and res.overlaps.shape == (201, 2)
    assert res.t[-1] == pytest.approx(20.0)
    d = res.to_dict()
    json.dumps(d)
    sync = recall(two(), 1, 0.2, protocol=_proto(rule="synchronous"), rng=0)
    assert sync.exact and sync.target == "smiley"


def _proto(**kw):
    from dynsys.hopfield.recall import RecallProtocol

    return RecallProtocol(**kw)


def test_activation_enum_parse():
    assert Activation.parse("TANH") is Activation.TANH


# ----------------------------------------------------------------------------- figures
def test_figures(tmp_path):
    from dynsys._figures import save_figure
    from dynsys.hopfield.capacity import capacity_curve
    from dynsys.plots import hopfield as hp

    net = two()
    res = recall(net, "x", 0.3, rng=0)
    figs = [hp.plot_pattern(P_X, (8, 8)), hp.plot_patterns(net), hp.plot_weights(net),
            hp.plot_recall(res), hp.plot_energy([res, res]), hp.plot_overlaps([res, res]),
            hp.plot_activity(res),
            hp.plot_energy_landscape(energy_landscape(net, points=21)),
            hp.plot_capacity(capacity_curve(64, 3, trials=10, rng=0), overlap=True)]
    for k, fig in enumerate(figs):
        save_figure(fig, tmp_path / f"f{k}.png")
    w = figs[2].axes[0].images[0]
    assert w.get_cmap().name == "RdBu_r" and w.norm.vcenter == 0.0


# ----------------------------------------------------------------------------- CLI
def test_cli_recall_and_fixed_points(capsys, tmp_path):
    from dynsys.cli import main

    assert main(["hopfield", "recall", "--json", "--seed", "1", "--plot",
                 str(tmp_path / "r.png")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["flipped_bits"] == 19 and out["exact"] is True and out["fixed"] is True
    assert (tmp_path / "r.png").exists()
    assert main(["hopfield", "recall", "--random", "3", "--n", "100", "--probe", "2",
                 "--flip", "0.1", "--sigma", "0"]) == 0
    assert "10 of 100 bits flipped" in capsys.readouterr().out
    assert main(["hopfield", "recall", "--random-start", "--seed", "2"]) == 0
    assert "uniform random state" in capsys.readouterr().out
    assert main(["hopfield", "fixed-points", "--starts", "10"]) == 0
    assert "non-smooth" in capsys.readouterr().out
    assert main(["hopfield", "recall", "--patterns", "x,dog"]) == 2
    assert "unknown pattern" in capsys.readouterr().err
    assert main(["hopfield", "recall", "--flip", "-0.1"]) == 2


def test_generic_find_equilibria_agrees_on_a_small_tanh_network():
    from dynsys.analysis.equilibria import find_equilibria

    net = HopfieldNetwork(random_patterns(2, 16, rng=3), activation="tanh", beta=3.0)
    generic = find_equilibria(net, rng=0)
    ours = find_fixed_points(net, starts=40, rng=0)
    assert len(generic) == len(ours) == 9
    for e in generic:
        match = [p for p in ours if np.max(np.abs(p.state - e.state)) < 1e-8]
        assert len(match) == 1 and match[0].kind is e.kind


def test_network_conformance():
    """The System checks that apply to a network (shapes, dtype, region, noise)."""
    for net in (load_model("hopfield"), two().replace(activation="tanh", beta=2.0)):
        x = np.random.default_rng(0).uniform(-1, 1, (2, 3, net.n))
        m = len(net.param_names)
        assert net.rhs(x).shape == (2, 3, net.n) and net.rhs(x).dtype == np.float64
        assert net.jac(x).shape == (2, 3, net.n, net.n)
        assert net.dfdp(x).shape == (2, 3, net.n, m)
        assert net.noise_amplitude().shape == (net.n,)
        assert net.default_params.shape == (m,)
        assert set(net.region) == set(net.state_names) and len(net.state_names) == net.n
        # every stored pattern is (for sign, exactly) a fixed point of the 2-pattern net
        if not net.is_smooth:
            assert np.all(np.abs(net.rhs(net.patterns)) == 0)


def test_switching_hook_and_method_classify():
    net = two()
    mix = (P_X + P_S) / 2
    assert np.count_nonzero(net.switching(mix)) == int((P_X == P_S).sum())
    assert net.switching(P_X).shape == (64,)
    assert net.replace(activation="tanh").switching(P_X).shape == (0,)
    assert net.classify_state(P_X).kind is Kind.STABLE
    assert net.classify_state(np.zeros(64)).kind is Kind.NON_SMOOTH


def test_euler_energy_bound_is_sharp_at_dt_two():
    """The proof gives L(x') <= L(x) for dt <= 2; beyond, L can increase."""
    net = HopfieldNetwork.from_names(["x"])
    x = 0.5 * P_X
    for dt in (1.5, 2.0):
        lv = _euler_energies(net, x, dt, 10)
        assert np.all(np.diff(lv) <= 1e-12 * np.maximum(1, np.abs(lv[:-1])))
    lv = _euler_energies(net, x, 3.0, 10)  # x -> -2x + 3p overshoots: L rises
    assert np.any(np.diff(lv) > 1e-6)


@pytest.mark.parametrize("module", [
    "dynsys.hopfield.patterns", "dynsys.hopfield.network", "dynsys.hopfield.energy",
    "dynsys.hopfield.fixed_points",
    "dynsys.hopfield.recall", "dynsys.hopfield.capacity", "dynsys.sweep",
])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@given(p=st.integers(1, 5), n=st.integers(2, 12), seed=st.integers(0, 1000),
       beta=st.floats(0.1, 5.0), zero=st.booleans())
def test_tanh_jacobian_property(p, n, seed, beta, zero):
    net = HopfieldNetwork(random_patterns(p, n, rng=seed), activation="tanh", beta=beta,
                          zero_diagonal=zero)
    x = np.random.default_rng(seed).uniform(-1, 1, n)
    eps = 1e-6
    fd = np.stack([(net.rhs(x + eps * e) - net.rhs(x - eps * e)) / (2 * eps)
                   for e in np.eye(n)], axis=1)
    assert np.allclose(net.jac(x), fd, atol=1e-6)
    # J = -I + D W with D > 0 diagonal and W symmetric: real spectrum
    ev = np.linalg.eigvals(net.jac(x))
    assert np.max(np.abs(ev.imag)) < 1e-8
