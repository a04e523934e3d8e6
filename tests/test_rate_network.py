"""RateNetwork: the matrix-form rate network against the same network written as a Model,
its sparse and dense forms against each other, and closed forms (linear network, ring
with cosine connectivity, the mutual-excitation folds)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sps
import sympy as sp

import dynsys
from dynsys import (
    Model,
    RateNetwork,
    bifurcation_diagram,
    compile,
    continue_equilibria,
    find_equilibria,
    simulate,
    stability,
)
from dynsys._io import to_jsonable
from dynsys.core.system import System
from dynsys.errors import ModelError
from dynsys.latex import check_structure

s = sp.Symbol("s")
LOGISTIC = 1 / (1 + sp.exp(-s))


def symbolic(W, f, *, tau=1.0, I=None, g=1.0, I0=0.0, region=None) -> Model:
    """The same network written unit by unit (the symbolic path), for small n."""
    W = np.asarray(W, dtype=float)
    n = W.shape[0]
    tau = np.broadcast_to(np.asarray(tau, dtype=float), (n,))
    inputs = np.zeros(n) if I is None else np.asarray(I, dtype=float)
    xs = sp.symbols(f"x1:{n + 1}", real=True)
    gs, i0 = sp.symbols("g I0", real=True)
    eqs = {}
    for i in range(n):
        h = gs * sum(sp.Float(W[i, j], 20) * xs[j] for j in range(n) if W[i, j] != 0)
        h = h + sp.Float(inputs[i], 20) + i0
        eqs[xs[i]] = (-xs[i] + f.subs(s, h)) / sp.Float(tau[i], 20)
    reg = None if region is None else dict.fromkeys((str(x) for x in xs), region)
    return Model(eqs, {gs: g, i0: I0}, name="symbolic", region=reg)


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(7)
    n = 4
    W = rng.normal(0.0, 1.5, size=(n, n))
    tau = rng.uniform(0.5, 2.0, size=n)
    inputs = rng.normal(0.0, 1.0, size=n)
    net = RateNetwork(W, LOGISTIC, tau=tau, I=inputs, g=1.3, I0=0.2)
    model = symbolic(W, LOGISTIC, tau=tau, I=inputs, g=1.3, I0=0.2, region=(0.0, 1.0))
    return net, compile(model), rng


# ---------------------------------------------------------------------------- protocol
def test_system_protocol_and_exports() -> None:
    net = RateNetwork(np.eye(3), sp.tanh(s))
    assert isinstance(net, System)
    assert compile(net) is net
    assert dynsys.RateNetwork is RateNetwork
    assert dynsys.core.RateNetwork is RateNetwork
    assert net.state_names == ("x1", "x2", "x3")
    assert net.param_names == ("g", "I0") and net.m == 2 and net.n == 3
    assert net.params({"I0": 0.5}).tolist() == [1.0, 0.5]
    assert net.region == dict.fromkeys(net.state_names, (-1.0, 1.0))
    assert net.is_smooth and net.is_autonomous
    named = RateNetwork(np.eye(2), param_names=("beta", "J"), g=2.0)
    assert named.param_names == ("beta", "J") and named.default_params.tolist() == [2.0, 0.0]
    assert named.region == dict.fromkeys(named.state_names, (0.0, 1.0))  # logistic default


def test_agrees_with_symbolic_model(small) -> None:
    net, model, rng = small
    x = rng.uniform(-1.0, 2.0, size=(6, net.n))
    ps = np.column_stack([rng.uniform(0.5, 2.0, 6), rng.uniform(-1.0, 1.0, 6)])
    for p in (None, ps):
        np.testing.assert_allclose(net.rhs(x, p), model.rhs(x, p), rtol=0, atol=1e-12)
        np.testing.assert_allclose(net.jac(x, p), model.jac(x, p), rtol=0, atol=1e-12)
        np.testing.assert_allclose(net.dfdp(x, p), model.dfdp(x, p), rtol=0, atol=1e-12)
    # a single state, a parameter batch
    np.testing.assert_allclose(net.jac(x[0], ps), model.jac(x[0], ps), rtol=0, atol=1e-12)


def test_equilibria_agree_with_symbolic_model(small) -> None:
    net, model, _ = small
    for g in (1.3, 4.0):
        a = find_equilibria(net, {"g": g}, n_starts=256)
        b = find_equilibria(model, {"g": g}, n_starts=256)
        assert len(a) == len(b) >= 1
        for ea, eb in zip(a, b, strict=True):
            np.testing.assert_allclose(ea.state, eb.state, atol=1e-10)
            assert ea.kind == eb.kind
            np.testing.assert_allclose(np.sort_complex(ea.eigenvalues),
                                       np.sort_complex(eb.eigenvalues), atol=1e-9)


def test_mutual_excitation_folds_in_I0() -> None:
    """The report's mutual-excitation network as a RateNetwork: folds in the global input
    at I = -10 -/+ (4 sqrt(5) - 2 ln(2 + sqrt(5))), as in the symbolic model."""
    W = np.array([[0.0, 0.4], [0.4, 0.0]])
    f = 50 / (1 + sp.exp(-s))
    net = RateNetwork(W, f, I0=-10.0)
    model = compile(symbolic(W, f, I0=-10.0, region=(0.0, 50.0)))
    assert net.region == dict.fromkeys(("x1", "x2"), (0.0, 50.0))
    delta = 4 * np.sqrt(5) - 2 * np.log(2 + np.sqrt(5))
    exact = [-10 - delta, -10 + delta]
    folds = []
    for system in (net, model):
        br = continue_equilibria(system, "I0", [0.00227, 0.00227], (-20.0, 0.0))
        folds.append(sorted(pt.params["I0"] for pt in br.points("fold")))
    np.testing.assert_allclose(folds[0], exact, atol=1e-10)
    np.testing.assert_allclose(folds[0], folds[1], atol=1e-10)


def test_hopf_in_excitatory_inhibitory_pair() -> None:
    """A Wilson-Cowan-style E-I pair (slow inhibition): its Hopf point in the global input
    agrees with the symbolic model's, and the eigenvalues there are +-i omega."""
    W = np.array([[16.0, -12.0], [15.0, -3.0]])
    tau = np.array([1.0, 1.0])
    inputs = np.array([-2.0, -4.0])
    net = RateNetwork(W, LOGISTIC, tau=tau, I=inputs)
    model = compile(symbolic(W, LOGISTIC, tau=tau, I=inputs, region=(0.0, 1.0)))
    hopfs = []
    for system in (net, model):
        eq = find_equilibria(system, {"I0": 1.5}, n_starts=256)
        assert len(eq) == 1 and eq[0].stable
        br = continue_equilibria(system, "I0", eq[0].state, (0.0, 1.5), params={"I0": 1.5})
        hopfs.append(sorted(pt.params["I0"] for pt in br.points("hopf")))
    assert len(hopfs[0]) == 1
    np.testing.assert_allclose(hopfs[0], hopfs[1], atol=1e-8)
    pt = br.points("hopf")[0]
    x = np.array([pt.state[k] for k in net.state_names])
    ev = np.linalg.eigvals(net.jac(x, {"I0": pt.params["I0"]}))
    np.testing.assert_allclose(ev.real, 0.0, atol=1e-8)
    assert np.all(np.abs(ev.imag) > 0.1)


def test_sparse_and_dense_agree() -> None:
    rng = np.random.default_rng(3)
    n = 60
    W = sps.random(n, n, density=0.1, random_state=4, data_rvs=rng.standard_normal).tocsr()
    sparse = RateNetwork(W, sp.tanh(s), I=rng.normal(size=n), tau=2.0)
    dense = RateNetwork(W.toarray(), sp.tanh(s), I=sparse.inputs, tau=2.0)
    assert sparse.sparse and not dense.sparse
    x = rng.normal(size=(5, n))
    ps = np.array([[1.5, 0.1]] * 5)
    for p in (None, ps):
        np.testing.assert_allclose(sparse.rhs(x, p), dense.rhs(x, p), atol=1e-13)
        np.testing.assert_allclose(sparse.jac(x, p), dense.jac(x, p), atol=1e-13)
        np.testing.assert_allclose(sparse.dfdp(x, p), dense.dfdp(x, p), atol=1e-13)
    np.testing.assert_allclose(sparse.jac_sparse(x[0]).toarray(), dense.jac(x[0]), atol=1e-13)
    a = simulate(sparse, x, 5.0, dt=0.05).final
    b = simulate(dense, x, 5.0, dt=0.05).final
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_simulate_matches_hand_written_euler() -> None:
    rng = np.random.default_rng(5)
    n = 30
    W = rng.normal(0, 1 / np.sqrt(n), (n, n))
    tau = rng.uniform(1.0, 3.0, n)
    net = RateNetwork(W, sp.tanh(s), tau=tau, g=1.5, I0=0.1)
    x = rng.normal(size=n)
    ref = x.copy()
    for _ in range(200):
        ref = ref + 0.05 * (-ref + np.tanh(1.5 * W @ ref + 0.1)) / tau
    tr = simulate(net, x, 10.0, dt=0.05)
    np.testing.assert_allclose(tr.final[0], ref, atol=1e-12)


def test_noise_amplitude_reaches_simulate() -> None:
    net = RateNetwork(np.zeros((3, 3)), s, sigma=[0.0, 0.5, 1.0])
    assert net.noise_amplitude().tolist() == [0.0, 0.5, 1.0]
    assert net.noise_amplitude(np.zeros((4, 2))).shape == (4, 3)
    tr = simulate(net, np.zeros(3), 1.0, dt=0.01, rng=1, trials=200)
    assert np.all(tr.final[:, 0] == 0.0)
    # Ornstein-Uhlenbeck x' = -x + sigma eta: variance sigma^2 (1 - e^{-2t}) / 2 at t = 1
    var = np.var(tr.final[:, 2])
    assert abs(var - (1 - np.exp(-2)) / 2) < 0.1


# ---------------------------------------------------------------------------- closed forms
def test_linear_network_closed_form() -> None:
    rng = np.random.default_rng(11)
    n = 6
    W = rng.normal(0, 0.3, (n, n))
    inputs = rng.normal(size=n)
    g, i0, tau = 0.8, 0.3, 2.5
    net = RateNetwork(W, s, tau=tau, I=inputs, g=g, I0=i0)
    assert net.region is None  # identity: unbounded range
    x_star = np.linalg.solve(np.eye(n) - g * W, inputs + i0)
    np.testing.assert_allclose(net.rhs(x_star), 0.0, atol=1e-13)
    eq = find_equilibria(net, region=dict.fromkeys(net.state_names, (-20.0, 20.0)),
                         n_starts=64, sim_starts=0, rounds=1)
    assert len(eq) == 1
    np.testing.assert_allclose(eq[0].state, x_star, atol=1e-10)
    expected = (-1 + g * np.linalg.eigvals(W)) / tau
    st = stability(net.jac(x_star))
    np.testing.assert_allclose(np.sort_complex(st.eigenvalues), np.sort_complex(expected),
                               atol=1e-12)


def ring(n: int, w1: float, f: sp.Expr = sp.tanh(s), **kw) -> RateNetwork:
    theta = 2 * np.pi * np.arange(n) / n
    W = (w1 / n) * np.cos(theta[:, None] - theta[None, :])
    return RateNetwork(W, f, **kw)


def test_ring_uniform_state_loses_stability_at_g_w1_f_prime_2() -> None:
    """Cosine ring W_ij = (w1/n) cos(theta_i - theta_j): sum_j W_ij = 0, so the uniform
    state x_i = f(I0) is an equilibrium for every g. W = (w1/n)(c c^T + s s^T) with
    |c|^2 = |s|^2 = n/2 and c.s = 0, so W has the eigenvalue w1/2 twice and 0 otherwise;
    the Jacobian's eigenvalues are -1 + g f'(I0) w1 / 2 (twice) and -1: the uniform state
    loses stability where g f'(I0) w1 = 2 (g w1 = 2 for tanh at I0 = 0)."""
    n, w1 = 16, 3.0
    net = ring(n, w1)
    g_c = 2.0 / w1
    ev = np.sort(np.linalg.eigvals(net.jac(np.zeros(n), {"g": 1.0})).real)
    np.testing.assert_allclose(ev[-2:], -1 + w1 / 2, atol=1e-12)
    np.testing.assert_allclose(ev[:-2], -1.0, atol=1e-12)
    br = continue_equilibria(net, "g", np.zeros(n), (0.1, 1.5), params={"g": 0.1})
    assert np.all(np.abs(br.states) < 1e-9)  # the uniform state all along
    stable = br.stable
    assert stable[0] and not stable[-1]
    k = int(np.argmax(~stable))
    assert br.values[k - 1] < g_c < br.values[k] or abs(br.values[k] - g_c) < 1e-8
    # at fixed g > 2 / w1, continuation in I0: stable again where 1 - tanh(I0)^2 = 2/(g w1)
    g = 1.0
    i_c = np.arctanh(np.sqrt(1 - 2 / (g * w1)))
    for i0 in (i_c - 1e-3, i_c + 1e-3):
        st = stability(net.jac(np.full(n, np.tanh(i0)), {"g": g, "I0": i0}))
        assert st.kind.is_stable == (i0 > i_c)
    br = continue_equilibria(net, "I0", np.full(n, np.tanh(1.5)), (0.0, 1.5),
                             params={"g": g, "I0": 1.5})
    np.testing.assert_allclose(br.states, np.tanh(br.values)[:, None] * np.ones(n), atol=1e-9)
    changes = np.flatnonzero(np.diff(br.stable.astype(int)))
    assert len(changes) == 1
    lo, hi = sorted(br.values[changes[0]:changes[0] + 2])
    assert lo - 1e-8 <= i_c <= hi + 1e-8


def test_ring_bumps_above_threshold() -> None:
    """Above g w1 = 2 the ring holds a bump: an equilibrium modulated like cos(theta - phi)."""
    n = 32
    net = ring(n, 4.0, g=1.0)
    theta = 2 * np.pi * np.arange(n) / n
    tr = simulate(net, 0.1 * np.cos(theta - 0.3), 60.0, dt=0.1)
    x = tr.final[0]
    assert np.max(np.abs(net.rhs(x))) < 1e-8
    c = np.exp(1j * theta) @ x
    assert abs(c) > 1.0 and abs(np.angle(c) - 0.3) < 1e-6


def test_bifurcation_diagram_reaches_network() -> None:
    W = np.array([[0.0, 0.4], [0.4, 0.0]])
    net = RateNetwork(W, 50 / (1 + sp.exp(-s)), I0=-10.0)
    diagram = bifurcation_diagram(net, "I0", (-20.0, 0.0), cycles=False)
    folds = sorted(pt.params["I0"] for pt in diagram.points("fold"))
    delta = 4 * np.sqrt(5) - 2 * np.log(2 + np.sqrt(5))
    np.testing.assert_allclose(folds, [-10 - delta, -10 + delta], atol=1e-8)


def test_non_smooth_activation_has_switching() -> None:
    net = RateNetwork(np.array([[0.0, 1.0], [1.0, 0.0]]), sp.Max(s, 0), I=[1.0, -1.0],
                      f_range=(0.0, 10.0))
    assert not net.is_smooth
    sw = net.switching(np.array([[0.0, 0.0], [2.0, 0.0]]))
    np.testing.assert_allclose(np.abs(sw), [[1.0, 1.0], [1.0, 1.0]])  # |h|: kinks at h = 0
    assert net.switching(np.array([1.0, 0.0]))[1] == 0.0  # h_2 = x_1 - 1 = 0
    assert net.region == {"x1": (0.0, 10.0), "x2": (0.0, 10.0)}


@pytest.mark.parametrize(("f", "bounds"), [
    (sp.erf(s), (-1.0, 1.0)),                   # sympy has no range: the limits, checked
    (s / (1 + sp.Abs(s)), (-1.0, 1.0)),
    (sp.Max(0, sp.tanh(s)), (0.0, 1.0)),
    (20 / (1 + sp.exp(-(s - 3) / 2)), (0.0, 20.0)),
    (sp.log(1 + sp.exp(s)), None),              # softplus: unbounded above
    (s / (1 + sp.Abs(s)) + sp.sin(s), None),    # overshoots its limits
])
def test_region_from_activation_range(f, bounds) -> None:
    net = RateNetwork(np.eye(2), f)
    assert net.f_range == bounds
    assert net.region == (None if bounds is None else {"x1": bounds, "x2": bounds})


def test_activation_symbol_named_t_and_non_smooth() -> None:
    t = sp.Symbol("t")
    net = RateNetwork(np.eye(2), sp.Max(t, 0) / (1 + sp.Max(t, 0)), I=[-1.0, 2.0])
    assert not net.is_smooth and net.f_range == (0.0, 1.0)
    np.testing.assert_allclose(net.rhs([1.0, 0.0]), [-1.0, 2 / 3])  # h = x + I = (0, 2)
    np.testing.assert_allclose(np.abs(net.switching([1.0, 0.0])), [0.0, 2.0])


def test_large_sparse_jacobian_budget() -> None:
    n = 600
    W = sps.identity(n, format="csr") * 0.5
    net = RateNetwork(W, sp.tanh(s))
    assert net.jac(np.zeros(n)).shape == (n, n)
    with pytest.raises(ModelError, match="jac_sparse"):
        net.jac(np.zeros((400, n)))  # 400 x 600 x 600 x 8 bytes = 1.15 GB
    j = net.jac_sparse(np.zeros(n))
    assert sps.issparse(j) and j.nnz == n
    np.testing.assert_allclose(j.diagonal(), -0.5)


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"W": np.ones((2, 3))}, "square"),
    ({"W": np.ones(3)}, "square"),
    ({"W": np.array([[1.0, np.nan], [0.0, 1.0]])}, "finite"),
    ({"W": sps.csr_matrix(np.array([[1.0, np.inf], [0.0, 1.0]]))}, "finite"),
    ({"W": [["a", "b"], ["c", "d"]]}, "numeric"),
    ({"f": sp.Symbol("a") * s}, "one free symbol"),
    ({"f": sp.Integer(1)}, "one free symbol"),
    ({"f": "tanh(s)"}, "sympy expression"),
    ({"tau": [1.0, 2.0, 3.0]}, "tau"),
    ({"tau": 0.0}, "positive"),
    ({"I": [1.0]}, "I must"),
    ({"sigma": -1.0}, "non-negative"),
    ({"g": np.inf}, "finite"),
    ({"I0": "high"}, "finite numbers"),
    ({"param_names": ("g", "g")}, "distinct"),
    ({"f_range": (1.0, 0.0)}, "low < high"),
    ({"name": "a b"}, "identifier"),
])
def test_bad_input_is_one_clear_line(kwargs, match) -> None:
    args = {"W": np.eye(2), "f": sp.tanh(s), **kwargs}
    with pytest.raises(ModelError, match=match) as info:
        RateNetwork(args.pop("W"), args.pop("f"), **args)
    assert "\n" not in str(info.value)


def test_bad_states_and_params() -> None:
    net = RateNetwork(np.eye(3), sp.tanh(s))
    with pytest.raises(ModelError, match="3 entries"):
        net.rhs(np.zeros(2))
    with pytest.raises(ModelError, match="not a parameter"):
        net.rhs(np.zeros(3), {"beta": 1.0})
    with pytest.raises(ModelError, match="one state"):
        net.jac_sparse(np.zeros((2, 3)))


# ---------------------------------------------------------------------------- conformance
@pytest.mark.parametrize("sparse", [False, True])
def test_analyzer_conformance(sparse) -> None:
    """The checks of test_conformance_analyzer on a 5-unit bistable network."""
    rng = np.random.default_rng(2)
    n = 5
    W = np.where(rng.uniform(size=(n, n)) < 0.6, rng.normal(1.5, 1.0, (n, n)), 0.0)
    net = RateNetwork(sps.csr_matrix(W) if sparse else W, LOGISTIC, g=4.0, I0=-8.0,
                      tau=rng.uniform(0.5, 2.0, n), name="conformance")
    eq = find_equilibria(net, rng=0, n_starts=256)
    assert len(eq) >= 2
    lo, hi = np.zeros(n), np.ones(n)
    for e in eq:
        assert e.residual < 1e-10
        assert np.all(e.state >= lo) and np.all(e.state <= hi)
        assert np.allclose(e.jacobian, net.jac(e.state))
        for k in range(n):
            v = e.eigenvectors[:, k]
            assert np.allclose(e.jacobian @ v, e.eigenvalues[k] * v, atol=1e-9)
        assert np.all(np.diff(e.eigenvalues.real) <= 1e-9)
        assert e.description is not None and "mean" in e.description
    states = eq.states
    for i in range(len(states)):
        for j in range(i):
            assert np.max(np.abs(states[i] - states[j])) > 1e-7
    again = find_equilibria(net, rng=0, n_starts=256)
    assert np.array_equal(again.states, eq.states)
    d = json.loads(json.dumps(to_jsonable(eq.to_dict()), allow_nan=False))
    assert d["model"] == "conformance" and len(d["equilibria"]) == len(eq)
    assert check_structure(eq.to_latex()) == []
    info = json.loads(json.dumps(net.describe()))
    assert info["units"] == n and info["sparse"] is sparse and info["f_range"] == [0.0, 1.0]
    assert "W" in net.latex() and "conformance" in repr(net)
