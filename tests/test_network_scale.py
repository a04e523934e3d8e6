"""Scaling of the analyses with n (issue 14, part 2): Newton-Krylov equilibria, batched
matrix-free GMRES, rightmost eigenvalues by ARPACK, chunked solves, default budgets.

Reference values come from closed forms (a linear network: ``x* = (I - g W)^{-1} (I +
I0)``, eigenvalues ``(-1 + g eig(W)) / tau``) or from independent dense computations
(``numpy.linalg.solve`` / ``eig``, the dense-solve Newton).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sps
import sympy as sp

from dynsys import RateNetwork, continue_equilibria, find_equilibria
from dynsys._numerics.krylov import batched_gmres
from dynsys._numerics.linsolve import CHUNK_BYTES, chunks, make_solver
from dynsys._numerics.newton import CONVERGED, deflated_newton, polish
from dynsys.analysis import continua
from dynsys.analysis.equilibria import default_starts
from dynsys.analysis.equilibrium import linearize
from dynsys.analysis.stability import Kind
from dynsys.core.loading import load_model
from dynsys.errors import ModelError

S = sp.Symbol("s")


def ei_weights(n: int, density: float = 0.1, seed: int = 0) -> sps.csr_matrix:
    """Sparse E-I weights (80 % excitatory columns, inhibition 4x, 1/sqrt(in-degree))."""
    rng = np.random.default_rng(seed)
    w = sps.random(n, n, density=density, format="csr", random_state=rng,
                   data_rvs=lambda k: np.ones(k))
    scale = np.where(np.arange(n) < int(0.8 * n), 1.0, -4.0) / np.sqrt(density * n)
    return (w @ sps.diags(scale)).tocsr()


def test_batched_gmres_matches_dense_solve() -> None:
    rng = np.random.default_rng(3)
    k, n = 30, 60
    a = -np.eye(n) + rng.normal(0.0, 0.5 / np.sqrt(n), (k, n, n))
    b = rng.normal(size=(k, n))
    x, info = batched_gmres(lambda r, v: np.einsum("kij,kj->ki", a[r], v), b, 1e-13,
                            restart=60)
    ref = np.linalg.solve(a, b[..., None])[..., 0]
    assert info.converged.all()
    assert np.max(np.abs(x - ref)) <= 1e-10
    # a loose tolerance stops early, and says how far it got
    _, loose = batched_gmres(lambda r, v: np.einsum("kij,kj->ki", a[r], v), b, 0.1)
    assert np.all(loose.relres <= 0.1) and loose.iterations.max() < 20


@pytest.mark.parametrize("sparse", [False, True])
def test_jvp_is_jacobian_times_vector(sparse: bool) -> None:
    rng = np.random.default_rng(0)
    n = 40
    w = ei_weights(n, 0.3, 1) if sparse else rng.normal(0, 1 / np.sqrt(n), (n, n))
    net = RateNetwork(w, sp.tanh(S), tau=rng.uniform(0.5, 2.0, n), I=rng.normal(0, 1, n),
                      g=1.7, I0=0.2)
    x, dx = rng.normal(size=(5, n)), rng.normal(size=(5, n))
    ref = np.einsum("kij,kj->ki", net.jac(x), dx)
    assert np.max(np.abs(net.jvp(x, dx) - ref)) <= 1e-12
    op = net.linear_operator(x)
    assert np.max(np.abs(op(np.array([3, 1]), dx[[3, 1]]) - ref[[3, 1]])) <= 1e-12


def test_linear_network_closed_form_n300() -> None:
    """f = identity: one equilibrium (I - g W)^{-1} (I + I0), eigenvalues (-1 + g eig W)/tau."""
    rng = np.random.default_rng(5)
    n = 300
    w = sps.random(n, n, density=0.05, random_state=rng, format="csr",
                   data_rvs=lambda k: rng.normal(0.0, 1.0, k)) / np.sqrt(0.05 * n)
    inputs = rng.normal(0.0, 1.0, n)
    g, tau = 0.8, 2.0
    net = RateNetwork(w, S, tau=tau, g=g, I=inputs, I0=0.3)
    ref = np.linalg.solve(np.eye(n) - g * w.toarray(), inputs + 0.3)
    box = dict.fromkeys(net.state_names, (-20.0, 20.0))
    eqs = find_equilibria(net, region=box, n_starts=8, sim_starts=0, rounds=1)
    assert len(eqs) == 1
    e = eqs[0]
    assert np.max(np.abs(e.state - ref)) <= 1e-10
    assert e.residual <= 1e-12
    assert any("Newton-Krylov" in note for note in eqs.notes)
    # the rightmost eigenvalues (ARPACK) against the dense spectrum of the closed form
    dense = (-1.0 + g * np.linalg.eigvals(w.toarray())) / tau
    dense = dense[np.lexsort((-dense.imag, -dense.real))]
    assert e.eigen_note is not None and "ARPACK" in e.eigen_note
    np.testing.assert_allclose(e.eigenvalues[:6].real, dense[:6].real, atol=1e-9)
    np.testing.assert_allclose(np.abs(e.eigenvalues[:6].imag), np.abs(dense[:6].imag),
                               atol=1e-9)
    assert e.kind is Kind.STABLE and e.stable
    assert e.to_dict()["eigenvalue_method"].startswith("rightmost")


def test_rightmost_saddle_matches_dense_eig() -> None:
    """A linear network with 3 unstable directions: the ARPACK path reports the same
    kind, unstable dimension and rightmost eigenvalues as the dense one."""
    rng = np.random.default_rng(8)
    n = 300
    q = np.linalg.qr(rng.normal(size=(n, n)))[0]
    spec = np.concatenate([[1.5, 1.3, 1.2], rng.uniform(-2.0, 0.9, n - 3)])
    w = (q * spec) @ q.T  # symmetric, eig(W) = spec; J = -I + W
    net = RateNetwork(w, S)
    x = np.zeros(n)
    big = linearize(net, x)
    full = linearize(net, x, dense_max=n)
    assert full.eigen_note is None and big.eigen_note is not None
    assert big.kind is full.kind is Kind.SADDLE
    assert big.unstable_dimension == full.unstable_dimension == 3
    np.testing.assert_allclose(big.eigenvalues[:6].real, full.eigenvalues[:6].real,
                               atol=1e-9)
    np.testing.assert_allclose(big.eigenvalues[:3].real, spec[:3] - 1.0, atol=1e-9)


def test_krylov_newton_agrees_with_dense_newton() -> None:
    """A small tanh network with several equilibria: from the same starts, Newton with
    GMRES steps and Newton with dense solves reach the same roots (to 1e-10 after the
    polish) from nearly every start; and the two searches find the same equilibria."""
    rng = np.random.default_rng(2)
    n = 12
    pats = rng.choice([-1.0, 1.0], size=(2, n))
    w = pats.T @ pats / n
    np.fill_diagonal(w, 0.0)
    net = RateNetwork(w, sp.tanh(S), g=2.5, I=rng.normal(0.0, 0.05, n))
    lo, width, p = -np.ones(n), 2.0 * np.ones(n), net.default_params

    def fz(z: np.ndarray) -> np.ndarray:
        return net.rhs(lo + width * z, p)

    def jz(z: np.ndarray) -> np.ndarray:
        return net.jac(lo + width * z, p) * width

    starts = np.random.default_rng(0).uniform(0.0, 1.0, (128, n))
    out = []
    for solver in (make_solver(net, p, lo, width, jz, "dense"),
                   make_solver(net, p, lo, width, jz, "krylov")):
        z, status = deflated_newton(fz, solver, starts, np.empty((0, n)), tol=1e-10,
                                    max_iter=60)
        ok = status == CONVERGED
        zp, res = polish(fz, solver, z[ok])
        assert np.all(res <= 1e-13)
        full = np.full_like(z, np.nan)
        full[ok] = zp
        out.append(full)
    both = np.all(np.isfinite(out[0]) & np.isfinite(out[1]), axis=1)
    gap = np.max(np.abs(out[0][both] - out[1][both]), axis=1)
    same = gap <= 1e-10
    assert both.sum() >= 100 and same.sum() >= 0.9 * both.sum()
    assert np.all(gap[~same] > 1e-3)  # a different root, never an inaccurate one
    box = dict.fromkeys(net.state_names, (-1.0, 1.0))
    kr = find_equilibria(net, region=box, n_starts=512, linear_solver="krylov")
    de = find_equilibria(net, region=box, n_starts=512, linear_solver="dense")
    a = np.array([e.state for e in kr])
    b = np.array([e.state for e in de])
    assert len(a) >= 5
    match = [np.min(np.max(np.abs(b - x), axis=1)) for x in a]
    assert np.median(match) <= 1e-10


def test_sparse_and_dense_forms_agree_and_residuals() -> None:
    """An E-I network of 120 units: sparse W (Newton-Krylov by default), dense W
    (Newton-Krylov asked for) and dense W (dense solves by default) find the same
    equilibria, each with |F| < 1e-10."""
    n = 120
    w = ei_weights(n, 0.1, 4)
    inputs = np.random.default_rng(4).normal(0.5, 0.2, n)
    found = []
    for weights, solver in ((w, "auto"), (w.toarray(), "krylov"), (w.toarray(), "auto")):
        net = RateNetwork(weights, I=inputs, g=1.0)
        eqs = find_equilibria(net, n_starts=32, sim_starts=8, rounds=1,
                              linear_solver=solver)
        for e in eqs:
            assert np.max(np.abs(net.rhs(e.state))) <= 1e-10
        krylov = any("Newton-Krylov" in note for note in eqs.notes)
        assert krylov == (solver == "krylov" or sps.issparse(weights))
        found.append(np.array([e.state for e in eqs]))
    assert found[0].shape == found[1].shape == found[2].shape
    assert found[0].shape[0] >= 1
    assert np.max(np.abs(found[0] - found[1])) <= 1e-10
    assert np.max(np.abs(found[0] - found[2])) <= 1e-10


def test_default_budget_and_chunks() -> None:
    assert [default_starts(n) for n in (2, 3, 6, 64)] == [256, 512, 4096, 4096]
    assert default_starts(100) == 1792 and default_starts(1000) == 256
    assert default_starts(500) == 512 and default_starts(10**4) == 256
    # dense LU per start and step: the work of 256 starts at n = 200, at least 64
    assert [default_starts(n, dense=True) for n in (64, 100, 200, 256, 400, 1000)] == \
        [4096, 1792, 256, 122, 64, 64]
    per = 8 * 200 * 200 * 3  # dense Jacobians (and LU work) of one start at n = 200
    parts = chunks(4096, per)
    assert sum(p.stop - p.start for p in parts) == 4096
    assert max(p.stop - p.start for p in parts) * per <= CHUNK_BYTES


def test_threaded_dense_solves_do_not_depend_on_the_thread_count(monkeypatch) -> None:
    """The dense Newton steps of a 100-unit network (random and near-singular rows
    mixed) are the same bits solved in one thread or split over three, and the
    minimum-norm replacements are counted once each."""
    from dynsys._numerics import linsolve

    n = 100
    rng = np.random.default_rng(5)
    net = RateNetwork(rng.normal(0.0, 1.5 / np.sqrt(n), (n, n)), sp.tanh(S), g=1.0)
    lo, width, p = -np.ones(n), 2.0 * np.ones(n), net.default_params

    def jz(z: np.ndarray) -> np.ndarray:
        return net.jac(lo + width * z, p) * width

    z = rng.uniform(0.0, 1.0, (37, n))
    f = net.rhs(lo + width * z, p)
    runs = []
    for workers in (1, 3):
        monkeypatch.setattr(linsolve, "WORKERS", workers)
        solver = make_solver(net, p, lo, width, jz, "dense")
        with linsolve.blas_pinned(n):
            step, failed = solver.solve(z, f, np.full(len(z), 0.1))
        runs.append((step, failed, solver.min_norm_steps))
    assert np.array_equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])
    assert runs[0][2] == runs[1][2]
    jac = net.jac(lo + width * z, p)
    resid = np.einsum("kij,kj->ki", jac, runs[0][0] * width) + f
    assert np.max(np.abs(resid)) <= 1e-9 * max(1.0, float(np.max(np.abs(f))))


def test_linear_solver_refused_by_name() -> None:
    net = RateNetwork(np.eye(3) * 0.5, sp.tanh(S))
    with pytest.raises(ModelError, match="linear_solver must be"):
        find_equilibria(net, linear_solver="lu")
    with pytest.raises(ModelError, match="needs a system with a matrix-free"):
        find_equilibria(load_model("mutual_excitation"), linear_solver="krylov")


@pytest.mark.slow
def test_ei_network_n1000_residuals() -> None:
    """The benchmark's E-I network, n = 1000, 256 starts, no region: every equilibrium
    has |F| < 1e-10 and is classified from its rightmost eigenvalues."""
    n = 1000
    inputs = np.random.default_rng(1).normal(0.5, 0.2, n)
    net = RateNetwork(ei_weights(n), I=inputs)
    eqs = find_equilibria(net, n_starts=256)
    assert len(eqs) >= 1
    for e in eqs:
        assert np.max(np.abs(net.rhs(e.state))) <= 1e-10
        assert "ARPACK" in (e.eigen_note or "")


def test_continuation_folds_from_rightmost_eigenvalues_n110() -> None:
    """All-to-all excitation, W = (c / n) 1 1^T, logistic f: the uniform state obeys
    x = f(c x + I0), with folds where c f (1 - f) = 1, i.e. f = (1 +- sqrt(1 - 4/c)) / 2
    and I0 = logit(f) - c f. Above 100 units the branch's stability comes from the 6
    rightmost eigenvalues (ARPACK); the folds must match the closed form."""
    n, c = 110, 6.0
    net = RateNetwork(np.full((n, n), c / n))
    f_lo = (1.0 - np.sqrt(1.0 - 4.0 / c)) / 2.0
    f_hi = (1.0 + np.sqrt(1.0 - 4.0 / c)) / 2.0
    folds_ref = sorted(np.log(f / (1.0 - f)) - c * f for f in (f_lo, f_hi))
    # the low state at I0 = -5: x = f(c x - 5), solved by fixed-point iteration
    x = 0.0
    for _ in range(200):
        x = 1.0 / (1.0 + np.exp(-(c * x - 5.0)))
    br = continue_equilibria(net, "I0", np.full(n, x), (-5.0, 0.0), params={"I0": -5.0})
    assert br.eigenvalues.shape[1] == 6
    folds = sorted(p.params["I0"] for p in br.special_points if p.type.value == "fold")
    assert len(folds) == 2
    np.testing.assert_allclose(folds, folds_ref, atol=1e-8)
    # the middle branch is unstable with one unstable direction, the outer ones stable
    assert set(np.unique(br.unstable)) == {0, 1}


def test_large_jacobians_are_screened_before_an_svd() -> None:
    """Above SVD_SCREEN_STATES, a clearly regular Jacobian skips the SVD with a sigma_min
    estimate within 1 % of the true one; a singular or nearly singular one (sigma_min 1e-4,
    near the tolerance's scale) still gets the SVD and its null direction."""
    rng = np.random.default_rng(3)
    n = continua.SVD_SCREEN_STATES + 50
    a = rng.standard_normal((n, n)) / np.sqrt(n) - 1.5 * np.eye(n)
    u, sv, vt = np.linalg.svd(a)
    est = continua._clearly_regular(a)
    assert est is not None and abs(est - sv.min()) <= 0.01 * sv.min()
    for tiny in (0.0, 1e-12, 1e-4):
        assert continua._clearly_regular((u * np.r_[sv[:-1], tiny]) @ vt) is None
    singular = (u * np.r_[sv[:-1], 0.0]) @ vt
    cands, smin, failures = continua._singular(np.stack([a, singular]))
    assert cands[0] is None and failures == 0 and smin[1] < 1e-12
    assert cands[1] is not None and abs(abs(cands[1][0] @ vt[-1]) - 1.0) < 1e-8


def test_rightmost_eigenvalues_keep_their_multiplicity() -> None:
    """A cosine ring above the dense limit: the uniform state's eigenvalue -1 + g w1 / 2
    is double (cosine and sine modes); ARPACK's path must count both (a saddle of index
    2, as dense eig says), not merge them as one eigenvalue found twice."""
    n, w1, g = 150, 3.0, 1.0
    theta = 2 * np.pi * np.arange(n) / n
    net = RateNetwork((w1 / n) * np.cos(theta[:, None] - theta[None, :]), sp.tanh(sp.Symbol("s")),
                      g=g)
    e = linearize(net, np.zeros(n))
    dense = np.sort(np.linalg.eigvals(net.jac(np.zeros(n))).real)[::-1]
    assert "ARPACK" in (e.eigen_note or "")
    assert e.unstable_dimension == int(np.sum(dense > 0)) == 2
    np.testing.assert_allclose(np.sort(e.eigenvalues.real)[::-1][:2], dense[:2], atol=1e-10)


def test_newton_at_a_pitchfork_converges_in_few_steps() -> None:
    """At the ring's critical gain (g w1 = 2) the uniform state is a triple root along
    the 2-D kernel (cosine and sine modes): plain Newton converges linearly there (each
    step 2/3 of the one before) and its residual reaches round-off long before its
    step reaches xtol. The multiplicity-scaled steps and the round-off test make every
    start converge: no start runs out of iterations, and the one root found is x = 0."""
    n = 64
    theta = 2 * np.pi * np.arange(n) / n
    w = (-1.0 + 2.0 * np.cos(theta[:, None] - theta)) / n
    net = RateNetwork(w, sp.tanh(S), g=1.0)
    eq = find_equilibria(net, n_starts=64, sim_starts=16, rounds=1)
    assert len(eq) == 1 and np.max(np.abs(eq[0].state)) < 1e-6
    assert not any("max_iter" in reason for reason in eq.failure_reasons), \
        dict(eq.failure_reasons)
