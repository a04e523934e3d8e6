"""Benchmark: rate networks in matrix form (:class:`dynsys.RateNetwork`, issue 14).

    .venv/bin/python benchmarks/bench_networks.py [--runs 100] [--steps 1000]

Printed, all measured in this process (best of ``--repeat`` timings):

* n = 1000 sparse E-I network (800 excitatory, 200 inhibitory units, 10 % connection
  density, logistic f, tau = 1, dt = 0.1): construction time; ``--steps`` Euler steps x
  ``--runs`` runs through ``dynsys.simulate`` against a hand-written scipy.sparse loop
  (``X += dt * (-X + f(g W X + I + I0)) / tau`` on a ``(n, runs)`` array) in the same
  process, and their ratio; the final states of both, which must agree;
* ``rhs`` on a batch of ``--runs`` states, ``jac`` (dense) and ``jac_sparse`` at one state;
* ``find_equilibria(net, n_starts=256)`` on the E-I network (no region: the box is
  the logistic's range): Newton-Krylov (batched matrix-free GMRES), the largest
  residual, the GMRES statistics, and the eigenvalue method (ARPACK);
* the same E-I construction at n = 200: Newton-Krylov against dense solves
  (``linear_solver="dense"``), counts and time ratio;
* a branch of equilibria of the E-I network in the global input ``I0`` from -2 to 2
  (``continue_equilibria``; above 100 states the stability of every point comes from
  its 6 rightmost eigenvalues by ARPACK; ``--before`` also runs the dense ``eig`` of
  every point in the same process: slow; skipped with ``--no-continuation``);
* the 256-unit ring attractor's uniform branch in ``g`` over [0.5, 1.5] (dense, the
  branch point of multiplicity 2 at ``g = 1``); ``--before`` also runs it with BLAS's
  own threads instead of one (``continue_equilibria`` pins BLAS to one thread);
* dense n = 200 random network (``W ~ N(0, 1/n)``, g = 2, tanh): ``find_equilibria`` with
  256 starts, ``linear_solver="auto"`` (dense LU for a dense W, with the large-system
  stall exit, max-norm damping and line search) and, with ``--before``, ``"krylov"``
  (GMRES, falling back to LU once GMRES fails for most starts) in the same process.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sps
import sympy as sp

import dynsys.analysis._rightmost as rightmost
import dynsys.bifurcation.continuation as continuation
from dynsys import RateNetwork, continue_equilibria, find_equilibria, simulate
from dynsys.core.loading import model_module

S = sp.Symbol("s")


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def ei_weights(n: int = 1000, density: float = 0.1, seed: int = 0) -> sps.csr_matrix:
    """A sparse E-I matrix: 80 % excitatory columns (+J_E), 20 % inhibitory (-J_I), J_I =
    4 J_E (balanced on average), weights scaled by 1 / sqrt(expected in-degree)."""
    rng = np.random.default_rng(seed)
    w = sps.random(n, n, density=density, format="csr", random_state=rng,
                   data_rvs=lambda k: np.ones(k))
    n_e = int(0.8 * n)
    scale = np.where(np.arange(n) < n_e, 1.0, -4.0) / np.sqrt(density * n)
    return (w @ sps.diags(scale)).tocsr()


def hand_loop(w: sps.csr_matrix, x0: np.ndarray, inputs: np.ndarray, g: float, i0: float,
              dt: float, steps: int) -> np.ndarray:
    """The baseline: Euler on X (n, runs) with one sparse product per step."""
    x = np.ascontiguousarray(x0.T)
    drive = (inputs + i0)[:, None]
    for _ in range(steps):
        h = g * (w @ x) + drive
        x = x + dt * (-x + 1.0 / (1.0 + np.exp(-h)))
    return x.T


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-continuation", action="store_true")
    ap.add_argument("--before", action="store_true",
                    help="also run the dense paths (dense eig on the branch, dense solves)")
    args = ap.parse_args()
    n, dt, g, i0 = 1000, 0.1, 1.0, 0.0
    rng = np.random.default_rng(1)
    w = ei_weights(n)
    inputs = rng.normal(0.5, 0.2, n)
    f = 1 / (1 + sp.exp(-S))

    t_build, net = best(lambda: RateNetwork(w, f, I=inputs, g=g, I0=i0, name="ei"), 1)
    print(f"E-I network n = {n}, {w.nnz} connections ({w.nnz / n**2:.0%}): "
          f"construction {t_build:.3f} s")

    x0 = rng.uniform(0.0, 1.0, (args.runs, n))
    t_end = args.steps * dt
    t_sim, tr = best(lambda: simulate(net, x0, t_end, dt=dt, save_every=args.steps),
                     args.repeat)
    t_ref, ref = best(lambda: hand_loop(w, x0, inputs, g, i0, dt, args.steps), args.repeat)
    diff = float(np.max(np.abs(tr.final - ref)))
    print(f"{args.steps} Euler steps x {args.runs} runs: dynsys simulate {t_sim:.3f} s, "
          f"hand-written scipy.sparse loop {t_ref:.3f} s, ratio {t_sim / t_ref:.2f} "
          f"(max |difference| of final states {diff:.1e})")

    xb = x0
    t_rhs, _ = best(lambda: net.rhs(xb), 20)
    t_jac, _ = best(lambda: net.jac(xb[0]), 5)
    t_jsp, _ = best(lambda: net.jac_sparse(xb[0]), 5)
    print(f"rhs on {args.runs} states {t_rhs * 1e3:.2f} ms; jac (dense {n} x {n}) at one "
          f"state {t_jac * 1e3:.2f} ms; jac_sparse at one state {t_jsp * 1e3:.2f} ms")

    t_eq, eqs = best(lambda: find_equilibria(net, n_starts=256), 1)
    res = max((float(np.max(np.abs(net.rhs(e.state)))) for e in eqs), default=float("nan"))
    print(f"E-I n = {n}: find_equilibria(n_starts=256) {t_eq:.2f} s, {len(eqs)} equilibria "
          f"({', '.join(e.label for e in eqs)}), max |F| {res:.1e}, {eqs.starts} starts")
    for note in eqs.notes:
        print(f"  note: {note}")
    for e in eqs:
        print(f"  eigenvalues: {e.eigen_note}")

    m = 200
    small = RateNetwork(ei_weights(m), f, I=rng.normal(0.5, 0.2, m), name="ei200")
    t_k, ek = best(lambda: find_equilibria(small, n_starts=256), 1)
    t_d, ed = best(lambda: find_equilibria(small, n_starts=256, linear_solver="dense"), 1)
    gap = (float(np.max(np.abs(np.array([e.state for e in ek]) - np.array([e.state for e in ed]))))
           if len(ek) == len(ed) and len(ek) else float("nan"))
    print(f"E-I n = {m}: Newton-Krylov {t_k:.2f} s ({len(ek)} equilibria), dense solves "
          f"{t_d:.2f} s ({len(ed)} equilibria), ratio {t_d / t_k:.1f}x, max |difference| "
          f"{gap:.1e}")

    if not args.no_continuation:
        start = simulate(net, np.full(n, 0.5), 50.0, dt=dt, params={"I0": -2.0},
                         save_every=500).final[0]

        def branch() -> Any:
            return continue_equilibria(net, "I0", start, (-2.0, 2.0), params={"I0": -2.0})

        t_br, br = best(branch, 1)
        kinds = ", ".join(sorted({pt.type.value for pt in br.special_points})) or "none"
        print(f"continuation in I0 over [-2, 2]: {t_br:.2f} s, {len(br)} points, "
              f"special points: {kinds} (rightmost {br.eigenvalues.shape[1]} eigenvalues "
              "per point by ARPACK)")
        if args.before:
            saved = rightmost.DENSE_EIG_STATES
            rightmost.DENSE_EIG_STATES = 10**9
            try:
                t_old, _ = best(branch, 1)
            finally:
                rightmost.DENSE_EIG_STATES = saved
            print(f"  same branch with dense eig at every point: {t_old:.2f} s, ratio "
                  f"{t_old / t_br:.1f}x")
        ring = model_module("ring_attractor").build(g=0.5)

        def ring_branch() -> Any:
            return continue_equilibria(ring, "g", np.zeros(ring.n), (0.5, 1.5))

        t_ring, rb = best(ring_branch, args.repeat)
        bps = [(pt.params["g"], pt.multiplicity) for pt in rb.points("branch_point")]
        print(f"ring attractor n = {ring.n} (dense), uniform branch in g over [0.5, 1.5]: "
              f"{t_ring:.2f} s, {len(rb)} points, branch points (g, multiplicity) {bps}")
        if args.before:
            saved_pin = continuation.blas_pinned
            continuation.blas_pinned = lambda n: contextlib.nullcontext()
            try:
                t_threads, _ = best(ring_branch, args.repeat)
            finally:
                continuation.blas_pinned = saved_pin
            print(f"  same branch with BLAS's own threads: {t_threads:.2f} s, ratio "
                  f"{t_threads / t_ring:.1f}x")

    wd = rng.normal(0.0, 1.0 / np.sqrt(m), (m, m))
    dense = RateNetwork(wd, sp.tanh(S), g=2.0, name="random_dense")
    solvers = ("auto", "krylov") if args.before else ("auto",)
    times = {}
    for solver in solvers:
        t_eq, eqs = best(lambda s=solver: find_equilibria(dense, n_starts=256,
                                                          linear_solver=s), 1)
        times[solver] = t_eq
        kinds = sorted({e.kind.value for e in eqs})
        print(f"dense n = {m}, g = 2: find_equilibria(n_starts=256, linear_solver={solver!r}) "
              f"{t_eq:.2f} s, {len(eqs)} equilibria ({', '.join(kinds)}), "
              f"{eqs.newton_failures} failed starts")
    if len(times) == 2:
        print(f"  ratio krylov / auto {times['krylov'] / times['auto']:.2f}")


if __name__ == "__main__":
    main()
