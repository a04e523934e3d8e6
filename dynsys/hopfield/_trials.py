"""The batched recall kernel: many independent recall trials at once, in blocks.

:func:`recall_trials` draws fresh patterns, corrupts the first, and runs the
:class:`~dynsys.hopfield.recall.RecallProtocol` on a block of trials with one matrix
product per step (the weights factored as ``P^T P / N`` when that is cheaper). It is the
fast twin of :func:`dynsys.hopfield.recall.recall`, which runs one trial on a given
network and records it; a test checks that the two agree trial by trial.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import dynsys._checks as checks
from dynsys._types import FloatArray
from dynsys.hopfield.network import Activation, UpdateRule
from dynsys.hopfield.patterns import flip_count
from dynsys.hopfield.recall import RecallProtocol

__all__ = [
    "recall_trials",
    "trial_cost",
]

_CACHE_BYTES = 1 << 19  # pattern block per inner chunk (bytes), to stay in cache
# ---------------------------------------------------------------------------- kernel
@dataclass(frozen=True, eq=False)
class _Block:
    """Patterns of a block of trials and the way their fields are computed.

    Fields are ``c W x`` with ``W = P^T P / N``: ``c = N`` (no division at all) when
    only their signs matter (f = sign, which is scale-invariant), ``c = 1`` for tanh.
    ``pmt`` is a transposed VIEW of ``pm``, so each product streams the patterns once.
    """

    pm: FloatArray  # (R, P, N)
    w: FloatArray | None  # (R, N, N) c W, when denser is cheaper (2P >= N)
    diag: float | None  # c * P / N to subtract for a zeroed diagonal (factored form)
    inv: float | None  # 1/N for tanh (c = 1), None for sign (c = N)

    @property
    def pmt(self) -> FloatArray:
        return self.pm.transpose(0, 2, 1)


def _block(pm: FloatArray, proto: RecallProtocol) -> _Block:
    _r, p, n = pm.shape
    inv = 1.0 / n if proto.activation is Activation.TANH else None
    c = 1.0 if inv is not None else float(n)
    diag = c * p / n if proto.zero_diagonal else None
    w = None
    if 2 * p >= n:  # dense weights are cheaper than the factored form
        w = np.matmul(pm.transpose(0, 2, 1), pm)
        if inv is not None:
            w *= inv
        if proto.zero_diagonal:
            w[:, np.arange(n), np.arange(n)] = 0.0
            diag = None
    return _Block(pm, w, diag, inv)


def _fields(b: _Block, x: FloatArray) -> FloatArray:
    """``c W x`` for states ``x (R, N)`` (see :class:`_Block`)."""
    if b.w is not None:
        h = x @ b.w[0] if b.w.shape[0] == 1 else np.matmul(x[:, None, :], b.w)[:, 0, :]
    elif b.pm.shape[0] == 1:  # one trial per block (large N): plain BLAS products
        proj = x @ b.pm[0].T
        if b.inv is not None:
            proj *= b.inv
        h = proj @ b.pm[0]
    else:
        proj = np.matmul(x[:, None, :], b.pmt)
        if b.inv is not None:
            proj *= b.inv
        h = np.matmul(proj, b.pm)[:, 0, :]
    if b.diag is not None:
        h -= b.diag * x
    return h


def _column(b: _Block, i: int) -> FloatArray:
    """Column ``i`` of ``c W`` for every trial, ``(R, N)`` (asynchronous updates)."""
    if b.w is not None:
        return b.w[:, :, i]
    col = np.matmul(b.pm[:, None, :, i], b.pm)[:, 0, :]
    if b.inv is not None:
        col *= b.inv
    if b.diag is not None:
        col[:, i] -= b.diag
    return col


def _run_block(pm: FloatArray, x: FloatArray, proto: RecallProtocol,
               gen: np.random.Generator) -> FloatArray:
    """Evolve states ``x (R, N)`` of trials with patterns ``pm (R, P, N)``; returns x(T)."""
    b = _block(pm, proto)
    x = np.array(x, dtype=np.float64)
    if proto.rule is UpdateRule.SYNCHRONOUS:
        for _ in range(proto.max_sweeps):
            new = np.sign(_fields(b, x))
            if np.array_equal(new, x):
                break
            x = new
        return x
    if proto.rule is UpdateRule.ASYNCHRONOUS:
        h = _fields(b, x)
        for _ in range(proto.max_sweeps):
            changed = False
            for i in gen.permutation(pm.shape[2]):
                new = np.sign(h[:, i])
                delta = new - x[:, i]
                if np.any(delta):
                    changed = True
                    x[:, i] = new
                    h += delta[:, None] * _column(b, i)
            if not changed:
                break
        return x
    # continuous-time Euler(-Maruyama)
    dt, keep = proto.dt, 1.0 - proto.dt
    scale = proto.sigma * math.sqrt(dt)
    tanh = proto.activation is Activation.TANH
    if scale > 0 and not tanh and b.w is None and pm.shape[0] > 1:
        return _euler_sign_noisy(b, x, proto, gen)
    noise = np.empty_like(x) if scale > 0 else None
    steps = proto.steps
    for k in range(steps):
        h = _fields(b, x)
        f = np.tanh(proto.beta * h, out=h) if tanh else np.sign(h, out=h)
        if noise is None and not tanh and k % 10 == 0:
            s = np.sign(x)
            if np.array_equal(f, s) and np.array_equal(np.sign(_fields(b, s)), s):
                # every run sits in the cell of a discrete fixed point s (which stays put):
                # x(T) = s + (1 - dt)^(steps - k) (x - s), exactly as the remaining steps
                return s + keep ** (steps - k) * (x - s)
        x *= keep
        x += dt * f
        if noise is not None:
            gen.standard_normal(out=noise)
            x += scale * noise
    return x


def _euler_sign_noisy(b: _Block, x: FloatArray, proto: RecallProtocol,
                      gen: np.random.Generator) -> FloatArray:
    """The hot loop of the report's protocol: factored fields, no temporaries.

    Same arithmetic as the general loop (``x = (1 - dt) x + dt sign(h) + s eta``).
    """
    r, p, n = b.pm.shape
    dt, keep = proto.dt, 1.0 - proto.dt
    scale = proto.sigma * math.sqrt(dt)
    x3 = x[:, None, :]
    pmt = b.pmt
    proj = np.empty((r, 1, p))
    field = np.empty((r, 1, n))
    h = field[:, 0, :]
    noise = np.empty_like(x)
    for _ in range(proto.steps):
        np.matmul(x3, pmt, out=proj)
        np.matmul(proj, b.pm, out=field)
        if b.diag is not None:
            h -= b.diag * x
        np.sign(h, out=h)
        h *= dt
        x *= keep
        x += h
        gen.standard_normal(out=noise)
        noise *= scale
        x += noise
    return x


def _block_size(n: int, n_patterns: int, trials: int) -> int:
    """Trials evolved together: their patterns fill about ``_CACHE_BYTES``."""
    return max(1, min(trials, _CACHE_BYTES // (8 * n_patterns * n) or 1))


def trial_cost(n: int, n_patterns: int, protocol: RecallProtocol,
               chunk: int) -> tuple[float, float]:
    """``(operations per trial, peak bytes of a task)``: estimates, before any work.

    Operations: the fields ``W x`` of every step or sweep (``4 P N`` factored,
    ``2 N^2`` dense), plus drawing the patterns and the static check. Bytes: the
    patterns of one block of trials, the dense weights when used, and the states.

    Examples
    --------
    >>> ops, size = trial_cost(64, 4, RecallProtocol(), 100)
    >>> f"{ops:.3g}", f"{size:.3g}"
    ('2.58e+05', '6.18e+05')
    """
    proto = protocol
    per_step = min(4.0 * n_patterns * n, 2.0 * n * n) + 4.0 * n
    steps = proto.steps if proto.rule is UpdateRule.EULER else proto.max_sweeps
    if proto.rule is UpdateRule.ASYNCHRONOUS:
        per_step += n * min(2.0 * n_patterns * n, float(n))  # one column per unit
    ops = steps * per_step + 6.0 * n_patterns * n
    r = _block_size(n, n_patterns, chunk)
    dense = 2 * n_patterns >= n
    size = 8.0 * r * (n_patterns * n + (n * n if dense else 0) + 8 * n + n_patterns)
    return ops, size


def recall_trials(
    n: int, n_patterns: int, flip: float, trials: int, protocol: RecallProtocol | None = None,
    rng: np.random.SeedSequence | int | None = 0,
) -> dict[str, int]:
    """Run ``trials`` independent recall trials; count the successes of each criterion.

    Returns ``{"trials", "exact", "overlap", "fixed"}`` (counts). This is the unit of
    work of a capacity task (a module-level function, so it pickles to workers).

    Examples
    --------
    >>> recall_trials(64, 1, 0.1, 20, rng=0)["exact"]
    20
    """
    proto = protocol or RecallProtocol()
    checks.count(n, "n")
    checks.count(n_patterns, "n_patterns")
    checks.count(trials, "trials", minimum=0)
    gen = np.random.default_rng(rng)
    k = flip_count(n, flip)
    counts = {"trials": int(trials), "exact": 0, "overlap": 0, "fixed": 0}
    block = _block_size(n, n_patterns, trials)
    done = 0
    while done < trials:
        r = min(block, trials - done)
        pm = np.where(gen.random((r, n_patterns, n)) < 0.5, -1.0, 1.0)
        target = pm[:, 0, :]
        x0 = target.copy()
        if k:
            idx = np.argpartition(gen.random((r, n)), k - 1, axis=1)[:, :k]
            x0[np.arange(r)[:, None], idx] *= -1.0
        xt = _run_block(pm, x0, proto, gen)
        exact = np.all(np.sign(xt) == target, axis=1)
        m = np.einsum("rn,rn->r", xt, target) / n
        static = np.sign(_fields(_block(pm, RecallProtocol(zero_diagonal=proto.zero_diagonal)),
                                 target))
        counts["exact"] += int(exact.sum())
        counts["overlap"] += int((m >= proto.overlap_threshold).sum())
        counts["fixed"] += int(np.all(static == target, axis=1).sum())
        done += r
    return counts
