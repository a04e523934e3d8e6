"""Continuation of large sparse networks: sparse bordered LU (issue 14).

The network: ``n / 2`` pairs of units, each pair coupled within itself (W block-diagonal
with blocks ``[[2.5, 2.5], [2.5, 2.5]]``, a chain of local links), logistic f, input
0 for pair A, 0.5 for pair B and -8 for every other pair, continued in the global
input ``I0``. A pair's symmetric state solves ``x = f(5 x + I + I0)`` and folds where
``5 f'(h) = 1`` (its antisymmetric mode has W-eigenvalue 0, so no other eigenvalue
crosses); the pairs at -8 stay far from their folds. So the branch has exactly four
folds, at ``I0 = h_F - 5 f(h_F) - I`` for both roots ``h_F`` and ``I`` in {0, 0.5},
computed here by brentq independently of the continuation code.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sps
import sympy as sp
from scipy.optimize import brentq

import dynsys.bifurcation._bordered as bordered
from dynsys import ContinuationSettings, RateNetwork, continue_equilibria
from dynsys.bifurcation._bordered import det_sign
from dynsys.bifurcation._sparse_branch import use_sparse

S = sp.Symbol("s")
W_SELF = W_PAIR = 2.5
W = W_SELF + W_PAIR  # a pair's row sum
BOUNDS = (-4.0, -1.0)


def sigma(h: float) -> float:
    return 1.0 / (1.0 + np.exp(-h))


def pair_network(n: int) -> tuple[RateNetwork, np.ndarray]:
    off = np.zeros(n - 1)
    off[0::2] = W_PAIR
    w = sps.diags([np.full(n, W_SELF), off, off], [0, 1, -1], format="csr")
    inputs = np.full(n, -8.0)
    inputs[:2] = 0.0
    inputs[2:4] = 0.5
    net = RateNetwork(w, 1 / (1 + sp.exp(-S)), I=inputs, name="pairs")
    return net, inputs


def low_state(inputs: np.ndarray, i0: float) -> np.ndarray:
    """Each unit on the lower branch of x = f(W x + I + I0) (brentq)."""
    out = []
    for value in np.unique(inputs):
        out.append((value, brentq(lambda x, c=value: x - sigma(W * x + c + i0), 0.0, 0.2,
                                  xtol=1e-15)))
    table = dict(out)
    return np.array([table[v] for v in inputs])


def closed_form_folds() -> list[tuple[float, float]]:
    """(I0, x of the folding pair) at the four folds: W f'(h) = 1."""
    def slope(h: float) -> float:
        return W * sigma(h) * (1 - sigma(h)) - 1.0

    roots = [brentq(slope, -10.0, 0.0, xtol=1e-15), brentq(slope, 0.0, 10.0, xtol=1e-15)]
    return sorted((h - W * sigma(h) - inp, sigma(h)) for h in roots for inp in (0.0, 0.5))


def test_sparse_path_locates_the_folds_in_closed_form() -> None:
    net, inputs = pair_network(400)
    br = continue_equilibria(net, "I0", low_state(inputs, BOUNDS[0]), BOUNDS,
                             params={"I0": BOUNDS[0]})
    assert br.linear_solver == bordered.LINEAR_SOLVER_NOTE
    assert str(br).endswith("linear solves: " + bordered.LINEAR_SOLVER_NOTE)
    assert br.to_dict()["linear_solver"] == bordered.LINEAR_SOLVER_NOTE
    folds = sorted(br.points("fold"), key=lambda sp_: sp_.params["I0"])
    expected = closed_form_folds()
    assert len(folds) == 4 and all(f.located for f in folds)
    assert not br.points("branch_point") and not br.points("hopf")
    for fold, (i0, x_pair) in zip(folds, expected, strict=True):
        assert fold.params["I0"] == pytest.approx(i0, abs=1e-8)
        pair = 0 if i0 > -2.7 else 2  # pair A (input 0) folds above -2.7, pair B below
        state = np.array([fold.state[nm] for nm in net.state_names])
        assert state[pair] == pytest.approx(x_pair, abs=1e-8)
        assert state[pair + 1] == pytest.approx(x_pair, abs=1e-8)
        # the pairs at input -8 sit on their (unique) low state
        np.testing.assert_allclose(state[4:], low_state(inputs[4:], i0), atol=1e-8)
        # normal form (Kuznetsov 5.27): q = p = the pair's symmetric mode / sqrt(2), so
        # a = p.B(q, q)/2 = (25 / (2 sqrt 2)) f''(h_F), transversality p.F_I0 = sqrt(2) f'(h_F)
        f1 = x_pair * (1 - x_pair)
        assert fold.a == pytest.approx(25 / (2 * np.sqrt(2)) * f1 * (1 - 2 * x_pair), abs=1e-6)
        assert fold.transversality == pytest.approx(np.sqrt(2) * f1, abs=1e-8)
    # stability: the two outer pieces stable, one unstable eigenvalue between folds
    assert br.unstable[0] == 0 and br.unstable[-1] == 0 and max(br.unstable) == 1


def test_sparse_and_dense_paths_agree_point_by_point(monkeypatch: pytest.MonkeyPatch) -> None:
    net, inputs = pair_network(250)
    start = low_state(inputs, BOUNDS[0])
    settings = ContinuationSettings(locate=False)  # the dense fold location is slow here
    sparse = continue_equilibria(net, "I0", start, BOUNDS, settings, params={"I0": BOUNDS[0]})
    monkeypatch.setattr(bordered, "SPARSE_STATES", 10**9)
    dense = continue_equilibria(net, "I0", start, BOUNDS, settings, params={"I0": BOUNDS[0]})
    assert sparse.linear_solver == bordered.LINEAR_SOLVER_NOTE
    assert dense.linear_solver == "dense"
    assert len(sparse) == len(dense) > 10
    np.testing.assert_allclose(sparse.values, dense.values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(sparse.states, dense.states, rtol=0, atol=1e-10)
    np.testing.assert_allclose(sparse.tangents, dense.tangents, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(sparse.unstable, dense.unstable)
    assert [p.index for p in sparse.special_points] == [p.index for p in dense.special_points]


def test_the_sparse_path_is_only_taken_when_it_pays() -> None:
    small, inputs = pair_network(100)  # below SPARSE_STATES
    x = low_state(inputs, -4.0)
    assert not use_sparse(small, x, small.default_params)
    big, inputs = pair_network(300)
    assert use_sparse(big, low_state(inputs, -4.0), big.default_params)
    rng = np.random.default_rng(3)
    dense_w = sps.random(300, 300, density=0.1, random_state=rng, format="csr")
    crowded = RateNetwork(dense_w, 1 / (1 + sp.exp(-S)))  # 10 % dense: the dense path
    assert not use_sparse(crowded, np.zeros(300), crowded.default_params)


@pytest.mark.parametrize("seed", range(6))
def test_determinant_sign_from_the_sparse_lu(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = sps.random(40, 40, density=0.1, random_state=rng) + sps.diags(rng.normal(size=40))
    a = sps.csc_matrix(a)
    assert det_sign(a) == np.sign(np.linalg.det(a.toarray()))
    perm = rng.permutation(40)  # a row permutation flips the sign by its parity
    assert det_sign(sps.csc_matrix(a[perm])) == np.sign(np.linalg.det(a.toarray()[perm]))
    assert det_sign(sps.csc_matrix((40, 40))) == 0.0


def test_no_hopf_point_where_no_pair_crosses_on_the_built_in_ei_network() -> None:
    """The built-in 1000-unit E-I network, continued in g over [1.7, 2]: from its
    rightmost eigenvalues alone the Hopf test function changed sign twice (a complex
    pair entering the computed set), and two Hopf points were reported. numpy's dense
    eigenvalues (the independent check) stay left of -0.2 along the whole branch: there
    is none, and none may be reported."""
    from dynsys import simulate
    from dynsys.core.loading import load_model

    net = load_model("ei_network")
    x0 = simulate(net, np.full((1, net.n), 0.5), 60.0, dt=0.05, params={"g": 1.7}).final[0]
    br = continue_equilibria(net, "g", x0, (1.7, 2.0), params={"g": 1.7})
    assert br.values.min() <= 1.7 + 1e-9 and br.values.max() >= 2.0 - 1e-9
    assert not br.points("hopf")
    for i in (0, len(br) // 2, len(br) - 1):
        p = np.array([br.values[i], 0.0])
        assert np.linalg.eigvals(net.jac(br.states[i], p)).real.max() < -0.2
