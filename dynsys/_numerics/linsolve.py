"""The linear solves of the batched Newton: dense LU, or Newton-Krylov (matrix-free GMRES).

:class:`DenseSolver` solves every start's Newton system with its dense Jacobian
(``numpy.linalg.solve``: ``O(n^3)`` time and ``n^2`` memory per start).
:class:`KrylovSolver` never forms a Jacobian: a system offering
``linear_operator(x, p)`` (:class:`~dynsys.core.rate_network.RateNetwork`) gives the
Jacobians of a batch as one operator, and :func:`~dynsys._numerics.krylov.batched_gmres`
solves all starts at once, to a relative residual ``eta`` chosen per start by the
caller (an *inexact* Newton step: Eisenstat & Walker's forcing term). Both process
the batch in chunks that keep their working memory under :data:`CHUNK_BYTES`.

References
----------
S. C. Eisenstat and H. F. Walker, "Choosing the forcing terms in an inexact Newton
method", SIAM J. Sci. Comput. 17(1), 16-32 (1996).
D. A. Knoll and D. E. Keyes, "Jacobian-free Newton-Krylov methods: a survey of
approaches and applications", J. Comput. Phys. 193, 357-397 (2004).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from dynsys._numerics.krylov import batched_gmres
from dynsys._numerics.newton import batched_solve
from dynsys._types import FloatArray
from dynsys.errors import ModelError

__all__ = ["CHUNK_BYTES", "KRYLOV_STATES", "DenseSolver", "KrylovSolver", "blas_pinned",
           "make_solver"]

#: Working memory of one chunk of Newton starts (dense Jacobians, or Krylov bases).
CHUNK_BYTES = 2**28
#: ``linear_solver="auto"`` uses Newton-Krylov from this many states on, when the
#: system offers a matrix-free ``linear_operator``.
KRYLOV_STATES = 64
#: Up to this many states, a start whose GMRES misses its tolerance in
#: ``1 + FALLBACK_RESTARTS`` cycles is solved by dense LU instead (its dense Jacobian:
#: 8 n^2 bytes, 32 MB at n = 2000).
DENSE_FALLBACK_STATES = 2000
#: Further GMRES cycles before that fallback. With none (one cycle of 40 iterations),
#: the built-in 1000-unit E-I network's solves missed for most starts (some need 48
#: iterations), every later solve went to dense LU, and its search from 256 starts
#: took 75 s; with two, 7 s (no dense solve).
FALLBACK_RESTARTS = 2
#: After a Krylov solve where GMRES missed its tolerance for most starts, every later
#: solve of the search goes straight to dense LU (where a fallback exists): GMRES
#: without a preconditioner does not suit that network (a dense random network near
#: its chaotic regime, whose Jacobians have eigenvalues all around 0).
SKIP_SOLVES = 10**9
#: Krylov dimension per GMRES cycle, and further cycles.
KRYLOV_RESTART = 40
KRYLOV_RESTARTS = 4


#: Relative cut-off of the minimum-norm steps at (nearly) singular Jacobians.
MIN_NORM_RCOND = 1e-8
#: A long step (longer than the box) answers a nearly singular Jacobian when
#: ``|f|_inf / |step|_inf < NEAR_SINGULAR |J|_F`` (about sigma_min / sigma_max: the
#: Frobenius norm bounds sigma_max and costs a fifth of the row-sum norm).
#: Measured: 1e-17 .. 1e-16 next to the ring attractor's curve of bumps (an exact
#: kernel), 2e-5 and above (1st percentile) for the wandering starts of a dense random
#: network near chaos, which keep their LU steps.
NEAR_SINGULAR = 1e-10
#: Batched dense LU of systems up to this size runs with BLAS on one thread.
ONE_THREAD_STATES = 512

#: Batched dense LU of this many states (up to :data:`ONE_THREAD_STATES`) is split into
#: pieces of :data:`PIECE_ROWS` starts solved by :data:`WORKERS` threads (each with BLAS
#: on one thread; numpy's LAPACK calls release the GIL).
THREAD_STATES = 64
PIECE_ROWS = 16
#: Threads of the batched dense LU: the cores this process may use, at most 8.
WORKERS = max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                     else (os.cpu_count() or 1)))

_CONTROLLER: list[Any] = []
_POOL: list[ThreadPoolExecutor] = []


def _pool() -> ThreadPoolExecutor:
    """The shared worker threads of the batched dense solves (created on first use)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(WORKERS, thread_name_prefix="dynsys-lu"))
    return _POOL[0]


def _blas_threads(limit: int | None) -> Any:
    """A context pinning BLAS to ``limit`` threads (None: unchanged)."""
    if limit is None:
        return contextlib.nullcontext()
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=limit, user_api="blas")


def blas_pinned(n: int) -> Any:
    """A context pinning BLAS to one thread for a search over an ``n``-state system
    (``n <=`` :data:`ONE_THREAD_STATES`; larger systems keep BLAS's threads).

    Hold it around a whole Newton search, not only around the solves: OpenBLAS's
    threads keep spinning for a while after each call, and the worker threads of
    :class:`DenseSolver` then compete with them (measured on two cores: a dense
    200-unit network's search took 15.3 s with BLAS pinned per solve, 9.6 s pinned
    throughout).
    """
    return _blas_threads(1 if n <= ONE_THREAD_STATES else None)


def chunks(count: int, per_item: int) -> list[slice]:
    """Slices of ``range(count)`` of at most ``CHUNK_BYTES // per_item`` items."""
    size = max(1, CHUNK_BYTES // max(1, per_item))
    return [slice(a, min(a + size, count)) for a in range(0, count, size)]


class DenseSolver:
    """Newton steps from dense Jacobians ``jz(z) -> (k, n, n)`` (box-scaled).

    With ``jx`` (the Jacobians in the states' own coordinates at the same points) and
    the box ``width``, the step is solved unscaled, ``J_x s = -f``, and returned as
    ``s / width`` (``J_z = J_x diag(width)``: one (k, n, n) product less per step;
    used from :data:`KRYLOV_STATES` states on, where that product costs as much as a
    fifth of the solve). Above :data:`ONE_THREAD_STATES` states nothing changes; up to
    it the batched LU runs with BLAS pinned to one thread: a batch of small
    factorizations gains nothing from threads, and on a shared, loaded machine
    OpenBLAS's threads made it five times slower (measured: 83 s against 16 s for a
    dense 200-unit network's search).
    """

    kind = "dense"

    def __init__(self, jz: Callable[[FloatArray], FloatArray], n: int, *,
                 jx: Callable[[FloatArray], FloatArray] | None = None,
                 width: FloatArray | None = None) -> None:
        self.jz, self.n = jz, n
        self.jx, self.width = (jx, width) if jx is not None and width is not None else (None, None)
        self.min_norm_steps = 0

    def solve(self, z: FloatArray, f: FloatArray, eta: FloatArray) -> tuple[FloatArray, Any]:
        """``(step, failed)``: ``J(z) step = -f`` per row (``eta`` unused: exact).

        From :data:`THREAD_STATES` to :data:`ONE_THREAD_STATES` states the rows go in
        pieces of :data:`PIECE_ROWS` to :data:`WORKERS` threads. The pieces do not
        depend on the number of threads, and each piece is the same single-threaded
        BLAS and LAPACK work in any thread, so the steps are the same bits on any
        machine (a matrix product's last bits depend on how many rows it has).
        """
        step = np.zeros_like(f)
        failed = np.zeros(len(f), dtype=bool)
        pieces = THREAD_STATES <= self.n <= ONE_THREAD_STATES
        with _blas_threads(1 if self.n <= ONE_THREAD_STATES else None):
            for sl in chunks(len(f), 8 * self.n * self.n * 3):
                rows = [slice(a, min(a + PIECE_ROWS, sl.stop))
                        for a in range(sl.start, sl.stop, PIECE_ROWS)] if pieces else [sl]
                if WORKERS > 1 and len(rows) > 1:
                    results = list(_pool().map(lambda r: self._rows(z[r], f[r]), rows))
                else:
                    results = [self._rows(z[r], f[r]) for r in rows]
                for r, (s, bad, count) in zip(rows, results, strict=True):
                    step[r], failed[r] = s, bad
                    self.min_norm_steps += count
        return step, failed

    def _rows(self, z: FloatArray, f: FloatArray) -> tuple[FloatArray, Any, int]:
        """Steps, failure mask and the number of minimum-norm steps of a few rows."""
        if self.jx is None:
            s, bad = batched_solve(self.jz(z), -f)
            return s, bad, 0
        jac = self.jx(z)
        s, bad = batched_solve(jac, -f)
        s = s / self.width
        return s, bad, self._min_norm(jac, f, s, bad)

    def _min_norm(self, jac: FloatArray, f: FloatArray, step: FloatArray,
                  failed: FloatArray) -> int:
        """Replace, in place, the steps of (nearly) singular Jacobians by minimum-norm
        least-squares steps (singular values below ``MIN_NORM_RCOND`` of the largest
        ignored); returns how many were replaced.

        A singular LU, or a step longer than the whole box (max-norm > 1 in box units)
        whose length shows a nearly singular Jacobian (:data:`NEAR_SINGULAR`), means a
        kernel direction dominates: on a manifold of equilibria (the ring
        attractor's bumps, a rotation kernel) the LU step, capped by the damping, would
        stall in the kernel; the minimum-norm step moves only across the manifold, so
        Newton lands on it and the continuum is reported. One SVD per such start.
        """
        count = 0
        long = np.flatnonzero(failed | (np.max(np.abs(step), axis=1) > 1.0))
        if long.size == 0:
            return 0
        # nearly singular: the step's length against the residual it answers says
        # sigma_min <= |f| / |s| is below 1e-10 of |J|_F; a merely long step of a
        # wandering start (a random network far from its roots) keeps its LU step
        s_x = np.max(np.abs(step[long] * self.width), axis=1)
        gain = np.max(np.abs(f[long]), axis=1) / np.maximum(s_x, 1e-300)
        norm_j = np.sqrt(np.einsum("kij,kij->k", jac, jac))[long]  # |J|_F >= sigma_max
        for i in long[failed[long] | (gain < NEAR_SINGULAR * norm_j)]:
            try:
                s = np.linalg.lstsq(jac[i], -f[i], rcond=MIN_NORM_RCOND)[0]
            except np.linalg.LinAlgError:
                continue
            if np.all(np.isfinite(s)):
                step[i], failed[i] = s / self.width, False
                count += 1
        return count

    def rate(self, z: FloatArray) -> float:
        """An upper bound of the fastest rate ``max_i sum_j |J_ij|`` over the batch."""
        out = 0.0
        for sl in chunks(len(z), 8 * self.n * self.n * 2):
            out = max(out, float(np.nanmax(np.sum(np.abs(self.jz(z[sl])), axis=2))))
        return out

    def note(self) -> str | None:
        if not self.min_norm_steps:
            return None
        return (f"{self.min_norm_steps} Newton steps at nearly singular Jacobians were taken "
                f"as minimum-norm least-squares steps (rcond {MIN_NORM_RCOND:g})")


class KrylovSolver:
    """Inexact Newton steps by batched matrix-free GMRES (see the module docstring).

    ``op_z(z) -> matvec(rows, v)``: the box-scaled Jacobians at the batch ``z``.
    Counts Newton steps, GMRES iterations and the worst relative residual reached.
    """

    kind = "krylov"

    def __init__(self, op_z: Callable[[FloatArray], Any], n: int, *,
                 restart: int = KRYLOV_RESTART, restarts: int = KRYLOV_RESTARTS,
                 fallback: DenseSolver | None = None) -> None:
        self.op_z, self.n = op_z, n
        self.restart, self.restarts = min(restart, n), restarts
        self.fallback = fallback
        self.dense_solves = 0
        self.skip = 0  # solves left that go straight to dense LU (GMRES was hopeless)
        self.steps = 0
        self.iterations = 0
        self.max_iterations = 0
        self.unconverged = 0

    def solve(self, z: FloatArray, f: FloatArray, eta: FloatArray) -> tuple[FloatArray, Any]:
        """``(step, failed)``: GMRES to ``|J step + f| <= eta |f|``; ``failed`` where it
        did not even halve the residual (a singular or hopeless Jacobian)."""
        step = np.zeros_like(f)
        failed = np.zeros(len(f), dtype=bool)
        eta = np.broadcast_to(np.asarray(eta, dtype=np.float64), (len(f),))
        if self.fallback is not None and self.skip > 0:
            # GMRES missed its eta for most starts of a Krylov solve: LU from then on
            self.skip -= 1
            self.dense_solves += len(f)
            return self.fallback.solve(z, f, eta)
        missed = 0
        for sl in chunks(len(f), 8 * self.n * (self.restart + 4)):
            x, info = batched_gmres(self.op_z(z[sl]), -f[sl], eta[sl], restart=self.restart,
                                    max_restarts=self.restarts)
            bad = ~info.converged | ~np.all(np.isfinite(x), axis=1)
            self.steps += len(x)
            self.iterations += int(info.iterations.sum())
            self.max_iterations = max(self.max_iterations, int(info.iterations.max(initial=0)))
            if self.fallback is not None and np.any(bad):  # hard Jacobians: exact LU
                rows = np.flatnonzero(bad)
                missed += rows.size
                x[rows], bad_rows = self.fallback.solve(z[sl][rows], f[sl][rows], eta[sl][rows])
                self.dense_solves += rows.size
                bad[rows] = bad_rows
                failed[sl] = bad
            else:
                self.unconverged += int(np.sum(bad))
                failed[sl] = ~(info.relres <= 0.5) | ~np.all(np.isfinite(x), axis=1)
            step[sl] = x
        if self.fallback is not None and missed > len(f) // 2:
            self.skip = SKIP_SOLVES
        step[failed] = 0.0
        return step, failed

    def rate(self, z: FloatArray, iterations: int = 12) -> float:
        """Twice the largest growth ``|J^k v|^(1/k)`` of a power iteration over the batch
        (an estimate of the fastest rate, for the step of the seeding runs)."""
        rng = np.random.default_rng(0)
        est = 0.0
        for sl in chunks(len(z), 8 * self.n * 4):
            op = self.op_z(z[sl])
            v = rng.standard_normal((sl.stop - sl.start, self.n))
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            for _ in range(iterations):
                w = op(None, v)
                nw = np.linalg.norm(w, axis=1)
                est = max(est, float(np.nanmax(nw)))
                v = w / np.where(nw > 0, nw, 1.0)[:, None]
        return 2.0 * est

    def note(self) -> str:
        mean = self.iterations / max(1, self.steps)
        text = (f"linear solves by Newton-Krylov (batched matrix-free GMRES, restart "
                f"{self.restart}, forcing eta = min(0.1, |F|) per start): {self.steps} "
                f"GMRES solves, {self.iterations} iterations (mean {mean:.1f}, max "
                f"{self.max_iterations} per solve)")
        if self.dense_solves:
            text += (f"; {self.dense_solves} solves by dense LU (where GMRES missed its eta "
                     f"in {self.restart * (self.restarts + 1)} iterations, and every solve "
                     "after a batch where it missed it for most starts)")
        if self.unconverged:
            text += f"; {self.unconverged} solves stopped short of their eta"
        return text


def make_solver(system: Any, p: FloatArray, lo: FloatArray, width: FloatArray,
                jz: Callable[[FloatArray], FloatArray], choice: str) -> DenseSolver | KrylovSolver:
    """The solver for ``linear_solver=choice`` (``"auto"``, ``"dense"`` or ``"krylov"``)."""
    n = len(lo)
    jx = None
    if n >= KRYLOV_STATES:  # large systems: unscaled dense solves (see DenseSolver)
        def jx(z: FloatArray) -> FloatArray:
            with np.errstate(all="ignore"):
                return np.asarray(system.jac(lo + width * z, p), dtype=np.float64)
    has_op = callable(getattr(system, "linear_operator", None))
    if choice not in ("auto", "dense", "krylov"):
        raise ModelError(f"linear_solver must be 'auto', 'dense' or 'krylov', got {choice!r}")
    if choice == "krylov" and not has_op:
        raise ModelError(f"linear_solver='krylov' needs a system with a matrix-free "
                         f"linear_operator (a RateNetwork); {type(system).__name__} has none")
    # auto: Krylov for sparse networks (a product W V costs nnz, not n^2, per start) and
    # for any network too large for dense LU; a dense W of moderate size is solved by LU,
    # which is robust where unpreconditioned GMRES is not (a random network near chaos)
    krylov_auto = has_op and n >= KRYLOV_STATES and (
        bool(getattr(system, "sparse", False)) or n > DENSE_FALLBACK_STATES)
    if choice == "dense" or (choice == "auto" and not krylov_auto):
        return DenseSolver(jz, n, jx=jx, width=width)

    def op_z(z: FloatArray) -> Any:
        with np.errstate(all="ignore"):
            op = system.linear_operator(lo + width * z, p)

        def apply(rows: Any, v: FloatArray) -> FloatArray:
            with np.errstate(all="ignore"):
                return op(rows, v * width)

        return apply

    if n <= DENSE_FALLBACK_STATES:
        return KrylovSolver(op_z, n, restarts=FALLBACK_RESTARTS,
                            fallback=DenseSolver(jz, n, jx=jx, width=width))
    return KrylovSolver(op_z, n)
