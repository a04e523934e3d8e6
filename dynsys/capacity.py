"""Recall and storage capacity of Hopfield networks: protocols, curves, confidence intervals.

One recall trial (the reference report's protocol, the CLI default): draw P fresh random
+-1 patterns of N units, build W = (1/N) sum p p^T (diagonal kept; factored, never
formed when 2P < N), flip EXACTLY ``round(rho N)`` bits of the FIRST pattern, run the
continuous-time Euler-Maruyama dynamics ``x += dt (-x + sign(W x)) + sigma sqrt(dt) eta``
with ``dt = 0.1``, ``sigma = 0.1`` to ``t = 20`` (200 steps), and call it a success when
``sign(x(T))`` equals that pattern in every bit. Reported side by side:

* ``recall``: exact recall of every bit (the definition above);
* ``overlap_recall``: the overlap ``m = p . x(T) / N`` is at least 0.9;
* ``fixed_recall``: the static check that the pattern is a fixed point, ``p = sign(W p)``
  (no dynamics, no corruption).

With noise the state never settles exactly and stopping early would change the answer,
so runs stop early only when ``sigma = 0`` and every run's sign state ``s`` is a discrete
fixed point with ``sign(W x) = s``; then x(T) follows in closed form
(``x(T) = s + (1 - dt)^k (x - s)``). Other protocols are options of
:class:`RecallProtocol`: synchronous or asynchronous discrete updates, tanh, a zeroed
diagonal.

All trials of a curve are cut into fixed tasks (one P and a chunk of at most
``chunk_trials`` trials) seeded by :func:`dynsys.sweep.task_seed` and run by
:func:`dynsys.sweep.run_tasks`, so results are identical serially, on a process pool and
on a Dask cluster.

References
----------
D. J. Amit, H. Gutfreund, H. Sompolinsky, "Storing infinite numbers of patterns in a
spin-glass model of neural networks", Phys. Rev. Lett. 55, 1530 (1985) (alpha_c = 0.138).
R. J. McEliece, E. C. Posner, E. R. Rodemich, S. S. Venkatesh, "The capacity of the
Hopfield associative memory", IEEE Trans. Inf. Theory 33, 461 (1987) (N / (2 ln N),
N / (4 ln N)).
E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
J. Am. Stat. Assoc. 22, 209 (1927).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from dynsys._types import FloatArray
from dynsys.errors import ModelError
from dynsys.hopfield import Activation, UpdateRule
from dynsys.patterns import flip_count
from dynsys.sweep import run_tasks, task_seed

__all__ = [
    "AGS_CAPACITY",
    "CapacityCurve",
    "CapacityPoint",
    "ErrorCorrectionCurve",
    "RecallProtocol",
    "ScalingResult",
    "capacity_curve",
    "error_correction_curve",
    "mceliece_limits",
    "recall_trials",
    "scaling_curves",
    "wilson_interval",
]

#: Amit-Gutfreund-Sompolinsky critical load alpha_c = P/N of the Hebbian network.
AGS_CAPACITY = 0.138
_Z95 = 1.959963984540054
#: Trials per task: fixed, so a task's seed and content never depend on worker counts.
CHUNK_TRIALS = 100
_CACHE_BYTES = 1 << 19  # pattern block per inner chunk (bytes), to stay in cache

#: Most Euler steps of one recall (a typo such as t_end = 1e300 must not hang).
_MAX_STEPS = 10**9


@dataclass(frozen=True)
class RecallProtocol:
    """How one recall trial runs (defaults: the reference report's protocol).

    Attributes
    ----------
    rule : UpdateRule
        ``EULER`` (continuous time), ``SYNCHRONOUS`` or ``ASYNCHRONOUS`` (discrete sign).
    activation : Activation
        ``SIGN`` (sign(0) = 0) or ``TANH`` (``tanh(beta s)``; Euler only).
    beta : float
        Gain of tanh.
    sigma, dt, t_end : float
        Noise amplitude, time step and final time of the Euler dynamics (the discrete
        rules are noise-free and ignore them).
    zero_diagonal : bool
        Remove self-connections.
    max_sweeps : int
        Cap on discrete updates (sweeps) for the discrete rules.
    overlap_threshold : float
        The overlap criterion's threshold (0.9).
    """

    rule: UpdateRule = UpdateRule.EULER
    activation: Activation = Activation.SIGN
    beta: float = 1.0
    sigma: float = 0.1
    dt: float = 0.1
    t_end: float = 20.0
    zero_diagonal: bool = False
    max_sweeps: int = 100
    overlap_threshold: float = 0.9

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", UpdateRule.parse(self.rule))
        object.__setattr__(self, "activation", Activation.parse(self.activation))
        for name in ("beta", "dt", "t_end"):
            value = float(getattr(self, name))
            if not (math.isfinite(value) and value > 0):
                raise ModelError(f"{name} must be a positive number, got {getattr(self, name)!r}")
            object.__setattr__(self, name, value)
        if self.t_end / self.dt > _MAX_STEPS:
            raise ModelError(f"t_end / dt = {self.t_end / self.dt:.4g} Euler steps is more than "
                             f"{_MAX_STEPS:.0e}; choose a larger dt or a shorter t_end")
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            raise ModelError(f"sigma must be >= 0, got {self.sigma!r}")
        if self.rule is not UpdateRule.EULER and self.activation is not Activation.SIGN:
            raise ModelError("discrete update rules use f = sign; use rule=euler for tanh")
        if int(self.max_sweeps) < 1:
            raise ModelError(f"max_sweeps must be >= 1, got {self.max_sweeps}")

    @property
    def steps(self) -> int:
        """Number of Euler steps, ``round(t_end / dt)``."""
        return max(1, round(self.t_end / self.dt))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (enums as their string values)."""
        out = asdict(self)
        out["rule"] = self.rule.value
        out["activation"] = self.activation.value
        out["steps"] = self.steps
        return out


# ---------------------------------------------------------------------------- statistics
def wilson_interval(successes: int, trials: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    ``(c - d, c + d)`` with ``c = (k/n + z^2/(2n)) / (1 + z^2/n)`` and
    ``d = z sqrt(k/n (1 - k/n) / n + z^2 / (4 n^2)) / (1 + z^2/n)``.

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    """
    if trials <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= trials:
        raise ModelError(f"successes must be in [0, trials], got {successes} of {trials}")
    p = successes / trials
    z2 = z * z
    denom = 1.0 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == trials else min(1.0, centre + half)
    return (lo, hi)


def mceliece_limits(n: int | FloatArray) -> tuple[FloatArray, FloatArray]:
    """McEliece et al. (1987) perfect-recall limits ``(N / (2 ln N), N / (4 ln N))``.

    The first: each stored pattern is a fixed point with high probability; the second:
    all patterns are at once.
    """
    ns = np.asarray(n, dtype=np.float64)
    return ns / (2 * np.log(ns)), ns / (4 * np.log(ns))


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
    if n < 1 or n_patterns < 1 or trials < 0:
        raise ModelError(
            f"need n >= 1, patterns >= 1, trials >= 0 (got {n}, {n_patterns}, {trials})"
        )
    gen = np.random.default_rng(rng)
    k = flip_count(n, flip)
    counts = {"trials": int(trials), "exact": 0, "overlap": 0, "fixed": 0}
    block = max(1, min(trials, _CACHE_BYTES // (8 * n_patterns * n) or 1))
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


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class CapacityPoint:
    """Recall statistics at one number of stored patterns."""

    patterns: int
    trials: int
    successes: int
    overlap_successes: int
    fixed_successes: int
    ci_low: float
    ci_high: float

    @property
    def recall(self) -> float:
        """Fraction of trials with exact recall of every bit."""
        return self.successes / self.trials if self.trials else float("nan")

    @property
    def overlap_recall(self) -> float:
        """Fraction of trials with final overlap >= the threshold (0.9)."""
        return self.overlap_successes / self.trials if self.trials else float("nan")

    @property
    def fixed_recall(self) -> float:
        """Fraction of trials whose target pattern is a fixed point of sign(W x)."""
        return self.fixed_successes / self.trials if self.trials else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: patterns, recall, overlap_recall, fixed_recall, ci_low, ci_high, counts."""
        return {
            "patterns": self.patterns, "recall": self.recall,
            "overlap_recall": self.overlap_recall, "fixed_recall": self.fixed_recall,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "trials": self.trials,
            "successes": self.successes, "overlap_successes": self.overlap_successes,
            "fixed_successes": self.fixed_successes,
        }


def _point(patterns: int, counts: Sequence[dict[str, int]]) -> CapacityPoint:
    total = sum(c["trials"] for c in counts)
    succ = sum(c["exact"] for c in counts)
    lo, hi = wilson_interval(succ, total)
    return CapacityPoint(patterns, total, succ, sum(c["overlap"] for c in counts),
                         sum(c["fixed"] for c in counts), lo, hi)


@dataclass(frozen=True)
class CapacityCurve:
    """Recall probability against the number of stored random patterns at one N.

    ``points`` holds one :class:`CapacityPoint` per P (Wilson 95% intervals on exact
    recall); ``capacity`` is the largest P whose exact recall is at least 0.5.
    """

    n: int
    flip: float
    trials: int
    seed: int
    protocol: RecallProtocol
    points: tuple[CapacityPoint, ...]
    chunk_trials: int = CHUNK_TRIALS

    @property
    def patterns(self) -> FloatArray:
        """The P values."""
        return np.array([p.patterns for p in self.points], dtype=np.float64)

    @property
    def recall(self) -> FloatArray:
        """Exact-recall fractions."""
        return np.array([p.recall for p in self.points])

    @property
    def overlap_recall(self) -> FloatArray:
        """Fractions with final overlap >= 0.9."""
        return np.array([p.overlap_recall for p in self.points])

    @property
    def alpha(self) -> FloatArray:
        """Loads ``P / N``."""
        return self.patterns / self.n

    @property
    def capacity(self) -> int:
        """Largest P with exact recall >= 0.5 (0 if none)."""
        ok = [p.patterns for p in self.points if p.recall >= 0.5]
        return max(ok) if ok else 0

    def to_dict(self) -> dict[str, Any]:
        """JSON: n, flip, flipped_bits, trials, seed, protocol, capacity, points."""
        return {
            "n": self.n, "flip": self.flip, "flipped_bits": flip_count(self.n, self.flip),
            "trials": self.trials, "seed": self.seed, "protocol": self.protocol.to_dict(),
            "chunk_trials": self.chunk_trials, "capacity": self.capacity,
            "ags_capacity": AGS_CAPACITY * self.n,
            "points": [p.to_dict() for p in self.points],
        }

    def __repr__(self) -> str:
        return (f"CapacityCurve(N={self.n}, flip={self.flip:g}, trials={self.trials}, "
                f"P={int(self.patterns[0])}..{int(self.patterns[-1])}, capacity={self.capacity})")


def _tasks(n: int, ps: Sequence[int], flip: float, trials: int, proto: RecallProtocol,
           seed: int, chunk: int, key: tuple[int, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    # largest P first: the costliest tasks start early, which balances workers (a task's
    # seed depends only on its key, so the order never changes the numbers)
    for p in sorted(ps, reverse=True):
        for c, start in enumerate(range(0, trials, chunk)):
            out.append((n, int(p), flip, min(chunk, trials - start), proto,
                        task_seed(seed, *key, int(p), c)))
    return out


def _check(n: int, trials: int, flip: float) -> None:
    if int(n) != n or n < 2:
        raise ModelError(f"--n must be an integer >= 2, got {n}")
    if int(trials) != trials or trials < 1:
        raise ModelError(f"--trials must be a positive integer, got {trials}")
    flip_count(int(n), flip)


def capacity_curve(
    n: int = 64, max_patterns: int = 16, *, trials: int = 1000, flip: float = 0.3,
    protocol: RecallProtocol | None = None, seed: int = 0,
    patterns: Sequence[int] | None = None, executor: Executor | None = None,
    progress: bool = False, chunk_trials: int = CHUNK_TRIALS,
) -> CapacityCurve:
    """Recall probability against P = 1 .. ``max_patterns`` (or the given ``patterns``).

    ``capacity_curve(n=64, max_patterns=16, *, trials=1000, flip=0.3, protocol=None,
    seed=0, patterns=None, executor=None, progress=False) -> CapacityCurve``

    Each P runs ``trials`` independent trials (see the module docstring), cut into
    tasks of ``chunk_trials`` trials with seeds ``task_seed(seed, P, chunk)``.

    Examples
    --------
    >>> c = capacity_curve(64, 3, trials=20, flip=0.1, seed=1)
    >>> [p.patterns for p in c.points], c.points[0].recall
    ([1, 2, 3], 1.0)
    """
    _check(n, trials, flip)
    proto = protocol or RecallProtocol()
    ps = list(range(1, int(max_patterns) + 1)) if patterns is None else [int(p) for p in patterns]
    if not ps or min(ps) < 1:
        raise ModelError(f"numbers of patterns must be >= 1, got {ps or max_patterns}")
    tasks = _tasks(int(n), ps, flip, int(trials), proto, seed, int(chunk_trials))
    results = run_tasks(recall_trials, tasks, executor, progress=progress,
                        desc=f"capacity N={n}")
    points = []
    for p in ps:
        mine = [r for t, r in zip(tasks, results, strict=True) if t[1] == p]
        points.append(_point(p, mine))
    return CapacityCurve(int(n), float(flip), int(trials), int(seed), proto, tuple(points),
                         int(chunk_trials))


@dataclass(frozen=True)
class ScalingResult:
    """Finite-size scaling: one :class:`CapacityCurve` per N, against alpha = P/N."""

    curves: tuple[CapacityCurve, ...]

    @property
    def sizes(self) -> FloatArray:
        """The N values."""
        return np.array([c.n for c in self.curves], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON: AGS alpha_c, McEliece limits per N, and every curve."""
        half, quarter = mceliece_limits(self.sizes)
        return {
            "ags_alpha": AGS_CAPACITY,
            "mceliece": [{"n": int(n), "n_over_2lnN": float(a), "n_over_4lnN": float(b)}
                         for n, a, b in zip(self.sizes, half, quarter, strict=True)],
            "curves": [c.to_dict() for c in self.curves],
        }


def scaling_curves(
    sizes: Sequence[int] = (64, 128, 256, 512, 1024, 2048), alphas: Sequence[float] | None = None,
    *, trials: int = 100, flip: float = 0.1, protocol: RecallProtocol | None = None,
    seed: int = 0, executor: Executor | None = None, progress: bool = False,
    chunk_trials: int = CHUNK_TRIALS,
) -> ScalingResult:
    """Capacity curves for several N at the same loads ``alpha = P/N``.

    ``P = max(1, round(alpha N))`` (duplicates dropped); default alphas 0.02 ... 0.26.
    Tasks of all sizes go to the executor together, seeded ``task_seed(seed, N, P, chunk)``.

    Examples
    --------
    >>> res = scaling_curves([32, 64], [0.05], trials=10, seed=0)
    >>> [(c.n, int(c.patterns[0])) for c in res.curves]
    [(32, 2), (64, 3)]
    """
    proto = protocol or RecallProtocol()
    alphas = list(alphas) if alphas is not None else [round(0.02 * k, 2) for k in range(1, 14)]
    plan: list[tuple[int, list[int]]] = []
    tasks: list[tuple[Any, ...]] = []
    for n in sizes:
        _check(int(n), trials, flip)
        ps = sorted({max(1, round(a * n)) for a in alphas})
        plan.append((int(n), ps))
        tasks += _tasks(int(n), ps, flip, int(trials), proto, seed, int(chunk_trials), (int(n),))
    results = run_tasks(recall_trials, tasks, executor, progress=progress, desc="scaling")
    curves = []
    for n, ps in plan:
        points = [_point(p, [r for t, r in zip(tasks, results, strict=True)
                             if t[0] == n and t[1] == p]) for p in ps]
        curves.append(CapacityCurve(n, float(flip), int(trials), int(seed), proto,
                                    tuple(points), int(chunk_trials)))
    return ScalingResult(tuple(curves))


@dataclass(frozen=True)
class ErrorCorrectionCurve:
    """Recall probability against the fraction of flipped bits at fixed N and P."""

    n: int
    n_patterns: int
    trials: int
    seed: int
    protocol: RecallProtocol
    flips: tuple[float, ...]
    points: tuple[CapacityPoint, ...] = field(default=())

    @property
    def recall(self) -> FloatArray:
        """Exact-recall fractions, one per flip fraction."""
        return np.array([p.recall for p in self.points])

    def to_dict(self) -> dict[str, Any]:
        """JSON: n, patterns, trials, seed, protocol, points (each with its flip)."""
        pts = []
        for f, p in zip(self.flips, self.points, strict=True):
            d = p.to_dict()
            d["flip"] = f
            d["flipped_bits"] = flip_count(self.n, f)
            pts.append(d)
        return {"n": self.n, "patterns": self.n_patterns, "trials": self.trials,
                "seed": self.seed, "protocol": self.protocol.to_dict(), "points": pts}


def error_correction_curve(
    n: int = 64, n_patterns: int = 2, flips: Sequence[float] | None = None, *,
    trials: int = 200, protocol: RecallProtocol | None = None, seed: int = 0,
    executor: Executor | None = None, progress: bool = False,
) -> ErrorCorrectionCurve:
    """Recall probability against the flip fraction (default 0, 0.05, ..., 0.5).

    Seeds ``task_seed(seed, k, chunk)`` for the k-th flip fraction.

    Examples
    --------
    >>> ec = error_correction_curve(64, 2, [0.0, 0.5], trials=10, seed=0)
    >>> ec.recall.tolist()
    [1.0, 0.0]
    """
    proto = protocol or RecallProtocol()
    flips = list(flips) if flips is not None else [round(0.05 * k, 2) for k in range(11)]
    tasks: list[tuple[Any, ...]] = []
    owner: list[int] = []
    for k, f in enumerate(flips):
        _check(n, trials, f)
        for c, start in enumerate(range(0, trials, CHUNK_TRIALS)):
            tasks.append((int(n), int(n_patterns), float(f), min(CHUNK_TRIALS, trials - start),
                          proto, task_seed(seed, k, c)))
            owner.append(k)
    results = run_tasks(recall_trials, tasks, executor, progress=progress, desc="flips")
    points = tuple(_point(int(n_patterns), [r for o, r in zip(owner, results, strict=True)
                                            if o == k]) for k in range(len(flips)))
    return ErrorCorrectionCurve(int(n), int(n_patterns), int(trials), int(seed), proto,
                                tuple(float(f) for f in flips), points)
