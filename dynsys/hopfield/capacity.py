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
``chunk_trials`` trials) seeded by :func:`dynsys.sweep.task_seed` and streamed through
:func:`dynsys.sweep.iter_tasks`, so results are identical serially, on a process pool and
on a Dask cluster. Tasks are generated as they are submitted and their counts summed as
they return, so memory does not grow with the number of trials; the work and the memory
of a task are estimated first, and a curve beyond ``MAX_OPERATIONS`` floating-point
operations or ``MAX_TASK_BYTES`` per task is refused before it starts.

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
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._random import RecordedSeed, root_seed
from dynsys._types import FloatArray
from dynsys.errors import ModelError
from dynsys.hopfield._trials import recall_trials, trial_cost
from dynsys.hopfield.patterns import flip_count
from dynsys.hopfield.recall import RecallProtocol
from dynsys.sweep import iter_tasks, task_seed

__all__ = [
    "AGS_CAPACITY",
    "CapacityCurve",
    "CapacityPoint",
    "ErrorCorrectionCurve",
    "ScalingResult",
    "capacity_curve",
    "error_correction_curve",
    "mceliece_limits",
    "scaling_curves",
    "wilson_interval",
]

#: Amit-Gutfreund-Sompolinsky critical load alpha_c = P/N of the Hebbian network.
AGS_CAPACITY = 0.138
_Z95 = 1.959963984540054
#: Trials per task: fixed, so a task's seed and content never depend on worker counts.
CHUNK_TRIALS = 100
#: Most floating-point operations a curve may need (estimated before any work).
MAX_OPERATIONS = 1e15
#: Most memory one task may need, in bytes (estimated before any work).
MAX_TASK_BYTES = 4e9


def _chunk(chunk_trials: int) -> int:
    if isinstance(chunk_trials, bool) or not isinstance(chunk_trials, int | np.integer) \
            or chunk_trials < 1:
        raise ModelError(f"chunk_trials must be a positive integer, got {chunk_trials!r}")
    return int(chunk_trials)


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
        return to_jsonable({
            "patterns": self.patterns, "recall": self.recall,
            "overlap_recall": self.overlap_recall, "fixed_recall": self.fixed_recall,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "trials": self.trials,
            "successes": self.successes, "overlap_successes": self.overlap_successes,
            "fixed_successes": self.fixed_successes,
        })


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
    seed: RecordedSeed
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
        return to_jsonable({
            "n": self.n, "flip": self.flip, "flipped_bits": flip_count(self.n, self.flip),
            "trials": self.trials, "seed": self.seed, "protocol": self.protocol.to_dict(),
            "chunk_trials": self.chunk_trials, "capacity": self.capacity,
            "ags_capacity": AGS_CAPACITY * self.n,
            "points": [p.to_dict() for p in self.points],
        })

    def __repr__(self) -> str:
        return (f"CapacityCurve(N={self.n}, flip={self.flip:g}, trials={self.trials}, "
                f"P={int(self.patterns[0])}..{int(self.patterns[-1])}, capacity={self.capacity})")


def _tasks(n: int, ps: Sequence[int], flip: float, trials: int, proto: RecallProtocol,
           seed: int | np.random.SeedSequence, chunk: int, key: tuple[int, ...] = ()
           ) -> Iterator[tuple[Any, ...]]:
    """The tasks of one curve, generated one by one (there may be millions)."""
    # largest P first: the costliest tasks start early, which balances workers (a task's
    # seed depends only on its key, so the order never changes the numbers)
    for p in sorted(ps, reverse=True):
        for c, start in enumerate(range(0, trials, chunk)):
            yield (n, int(p), flip, min(chunk, trials - start), proto,
                   task_seed(seed, *key, int(p), c))


def _n_tasks(trials: int, chunk: int) -> int:
    return -(-trials // chunk)


def _tally(keys: Iterable[Any], results: Iterable[dict[str, int]]) -> dict[Any, dict[str, int]]:
    """Counts summed per key as the results stream in (memory does not grow with trials)."""
    out: dict[Any, dict[str, int]] = {}
    for key, counts in zip(keys, results, strict=True):
        acc = out.setdefault(key, dict.fromkeys(counts, 0))
        for name, value in counts.items():
            acc[name] += value
    return out


def _check_work(what: str, trials: int, points: Sequence[tuple[int, int]],
                proto: RecallProtocol, chunk: int) -> None:
    """Refuse, before any work, a curve whose estimated work or memory is out of reach.

    ``points`` are the ``(N, P)`` of the curve's points, ``trials`` trials each.
    """
    ops = 0.0
    peak, at = 0.0, points[0]
    for n, p in points:
        per_trial, size = trial_cost(int(n), int(p), proto, chunk)
        ops += per_trial * trials
        if size > peak:
            peak, at = size, (n, p)
    sizes = sorted({n for n, _ in points})
    where = f"N = {sizes[0]}" if len(sizes) == 1 else f"N = {sizes[0]}..{sizes[-1]}"
    if ops > MAX_OPERATIONS:
        raise ModelError(
            f"{what}: trials = {trials} at each of {len(points)} point(s) ({where}) is about "
            f"{ops:.2g} floating-point operations, more than {MAX_OPERATIONS:.0e} (days of "
            "computing); use fewer trials"
        )
    if peak > MAX_TASK_BYTES:
        raise ModelError(
            f"{what}: one task at N = {at[0]}, P = {at[1]} needs about {peak / 1e9:.3g} GB "
            f"(more than {MAX_TASK_BYTES / 1e9:g} GB); use fewer patterns or units"
        )


def _check(n: int, trials: int, flip: float) -> None:
    checks.count(n, "n", minimum=2)
    checks.count(trials, "trials")
    flip_count(int(n), checks.probability(flip, "flip"))


@checks.renamed_keyword("seed", "rng")
def capacity_curve(
    n: int = 64, max_patterns: int = 16, *, trials: int = 1000, flip: float = 0.3,
    protocol: RecallProtocol | None = None, rng: int | np.random.SeedSequence | None = 0,
    patterns: Sequence[int] | None = None, executor: Executor | None = None,
    progress: bool = False, chunk_trials: int = CHUNK_TRIALS,
) -> CapacityCurve:
    """Recall probability against P = 1 .. ``max_patterns`` (or the given ``patterns``).

    ``capacity_curve(n=64, max_patterns=16, *, trials=1000, flip=0.3, protocol=None,
    rng=0, patterns=None, executor=None, progress=False) -> CapacityCurve``

    Each P runs ``trials`` independent trials (see the module docstring), cut into
    tasks of ``chunk_trials`` trials with seeds ``task_seed(rng, P, chunk)``. ``rng`` is
    an int seed or a SeedSequence (``None`` draws a fresh seed); the curve records it in
    ``seed``. ``seed=`` is the deprecated name of ``rng=``.

    Examples
    --------
    >>> c = capacity_curve(64, 3, trials=20, flip=0.1, rng=1)
    >>> [p.patterns for p in c.points], c.points[0].recall
    ([1, 2, 3], 1.0)
    """
    _check(n, trials, flip)
    proto = protocol or RecallProtocol()
    ps = list(range(1, int(max_patterns) + 1)) if patterns is None else [int(p) for p in patterns]
    if not ps or min(ps) < 1:
        raise ModelError(f"numbers of patterns must be >= 1, got {ps or max_patterns}")
    chunk = _chunk(chunk_trials)
    root, seed = root_seed(rng)
    _check_work("capacity_curve", int(trials), [(int(n), p) for p in ps], proto, chunk)
    tasks = _tasks(int(n), ps, flip, int(trials), proto, root, chunk)
    per_p = _n_tasks(int(trials), chunk)
    keys = (p for p in sorted(ps, reverse=True) for _ in range(per_p))  # as _tasks orders them
    results = iter_tasks(recall_trials, tasks, executor, progress=progress,
                         total=len(ps) * per_p, desc=f"capacity N={n}")
    counts = _tally(keys, results)
    points = [_point(p, [counts[p]]) for p in ps]
    return CapacityCurve(int(n), float(flip), int(trials), seed, proto, tuple(points),
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
        return to_jsonable({
            "ags_alpha": AGS_CAPACITY,
            "mceliece": [{"n": int(n), "n_over_2lnN": float(a), "n_over_4lnN": float(b)}
                         for n, a, b in zip(self.sizes, half, quarter, strict=True)],
            "curves": [c.to_dict() for c in self.curves],
        })


@checks.renamed_keyword("seed", "rng")
def scaling_curves(
    sizes: Sequence[int] = (64, 128, 256, 512, 1024, 2048), alphas: Sequence[float] | None = None,
    *, trials: int = 100, flip: float = 0.1, protocol: RecallProtocol | None = None,
    rng: int | np.random.SeedSequence | None = 0, executor: Executor | None = None,
    progress: bool = False,
    chunk_trials: int = CHUNK_TRIALS,
) -> ScalingResult:
    """Capacity curves for several N at the same loads ``alpha = P/N``.

    ``P = max(1, round(alpha N))`` (duplicates dropped); default alphas 0.02 ... 0.26.
    Tasks of all sizes go to the executor together, seeded ``task_seed(rng, N, P, chunk)``
    (``rng`` as in :func:`capacity_curve`; ``seed=`` is its deprecated name).

    Examples
    --------
    >>> res = scaling_curves([32, 64], [0.05], trials=10, rng=0)
    >>> [(c.n, int(c.patterns[0])) for c in res.curves]
    [(32, 2), (64, 3)]
    """
    proto = protocol or RecallProtocol()
    alphas = list(alphas) if alphas is not None else [round(0.02 * k, 2) for k in range(1, 14)]
    root, seed = root_seed(rng)
    plan: list[tuple[int, list[int]]] = []
    chunk = _chunk(chunk_trials)
    for n in sizes:
        _check(int(n), trials, flip)
        ps = sorted({max(1, round(a * n)) for a in alphas})
        plan.append((int(n), ps))
    _check_work("scaling_curves", int(trials), [(n, p) for n, ps in plan for p in ps], proto,
                chunk)

    def tasks() -> Iterator[tuple[Any, ...]]:
        for n, ps in plan:
            yield from _tasks(n, ps, flip, int(trials), proto, root, chunk, (n,))

    per_p = _n_tasks(int(trials), chunk)
    results = iter_tasks(recall_trials, tasks(), executor, progress=progress,
                         total=sum(len(ps) for _, ps in plan) * per_p, desc="scaling")
    counts = _tally(((n, p) for n, ps in plan for p in sorted(ps, reverse=True)
                     for _ in range(per_p)), results)
    curves = []
    for n, ps in plan:
        points = [_point(p, [counts[(n, p)]]) for p in ps]
        curves.append(CapacityCurve(n, float(flip), int(trials), seed, proto,
                                    tuple(points), int(chunk_trials)))
    return ScalingResult(tuple(curves))


@dataclass(frozen=True)
class ErrorCorrectionCurve:
    """Recall probability against the fraction of flipped bits at fixed N and P."""

    n: int
    n_patterns: int
    trials: int
    seed: RecordedSeed
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
        return to_jsonable({"n": self.n, "patterns": self.n_patterns, "trials": self.trials,
                            "seed": self.seed, "protocol": self.protocol.to_dict(), "points": pts})


@checks.renamed_keyword("seed", "rng")
def error_correction_curve(
    n: int = 64, n_patterns: int = 2, flips: Sequence[float] | None = None, *,
    trials: int = 200, protocol: RecallProtocol | None = None,
    rng: int | np.random.SeedSequence | None = 0,
    executor: Executor | None = None, progress: bool = False,
) -> ErrorCorrectionCurve:
    """Recall probability against the flip fraction (default 0, 0.05, ..., 0.5).

    Seeds ``task_seed(rng, k, chunk)`` for the k-th flip fraction (``rng`` as in
    :func:`capacity_curve`; ``seed=`` is its deprecated name).

    Examples
    --------
    >>> ec = error_correction_curve(64, 2, [0.0, 0.5], trials=10, rng=0)
    >>> ec.recall.tolist()
    [1.0, 0.0]
    """
    proto = protocol or RecallProtocol()
    flips = list(flips) if flips is not None else [round(0.05 * k, 2) for k in range(11)]
    for f in flips:
        _check(n, trials, f)
    root, seed = root_seed(rng)
    _check_work("error_correction_curve", int(trials), [(int(n), int(n_patterns))] * len(flips),
                proto, CHUNK_TRIALS)

    def tasks() -> Iterator[tuple[Any, ...]]:
        for k, f in enumerate(flips):
            for c, start in enumerate(range(0, trials, CHUNK_TRIALS)):
                yield (int(n), int(n_patterns), float(f), min(CHUNK_TRIALS, trials - start),
                       proto, task_seed(root, k, c))

    per_flip = _n_tasks(int(trials), CHUNK_TRIALS)
    results = iter_tasks(recall_trials, tasks(), executor, progress=progress,
                         total=len(flips) * per_flip, desc="flips")
    counts = _tally((k for k in range(len(flips)) for _ in range(per_flip)), results)
    points = tuple(_point(int(n_patterns), [counts[k]]) for k in range(len(flips)))
    return ErrorCorrectionCurve(int(n), int(n_patterns), int(trials), seed, proto,
                                tuple(float(f) for f in flips), points)
