"""Binary +-1 patterns for Hopfield networks: the report's 8x8 images, random patterns,
images, corruption by flipping an exact number of bits, and overlaps.

A pattern is a float64 vector of +1 and -1 entries (an image is flattened row-major,
so pixel ``(r, c)`` of an 8x8 image is unit ``8 r + c``). The overlap of a state ``x``
with a pattern ``p`` is ``m = p . x / N``: 1 for ``x = p``, -1 for ``x = -p`` and about
``0 +- 1/sqrt(N)`` for an unrelated random state.
"""

from __future__ import annotations

import numpy as np

import dynsys._checks as checks
from dynsys._types import ArrayLike, FloatArray, RngLike, as_rng
from dynsys.errors import ModelError

__all__ = [
    "PATTERN_NAMES",
    "SMILEY",
    "X_PATTERN",
    "as_patterns",
    "flip_bits",
    "flip_count",
    "from_image",
    "named_pattern",
    "overlaps",
    "random_patterns",
]


def _from_rows(rows: tuple[str, ...]) -> FloatArray:
    arr = np.array([[1.0 if ch == "#" else -1.0 for ch in row] for row in rows])
    arr.setflags(write=False)
    return arr


#: The report's Figure 10: an 8x8 'X', both diagonals +1 (white) on a -1 background.
X_PATTERN: FloatArray = _from_rows(tuple(
    "".join("#" if (c == r or c == 7 - r) else "." for c in range(8)) for r in range(8)
))

#: The report's Figure 14: an 8x8 smiley, ``#`` = +1 (face outline, two eyes, a
#: mouth), ``.`` = -1::
#:
#:     ..####..
#:     .#....#.
#:     #.#..#.#
#:     #......#
#:     #.#..#.#
#:     #..##..#
#:     .#....#.
#:     ..####..
SMILEY: FloatArray = _from_rows((
    "..####..",
    ".#....#.",
    "#.#..#.#",
    "#......#",
    "#.#..#.#",
    "#..##..#",
    ".#....#.",
    "..####..",
))

_NAMED = {"x": X_PATTERN, "smiley": SMILEY}
#: Names accepted by :func:`named_pattern` (and the CLI's ``--patterns``).
PATTERN_NAMES: tuple[str, ...] = tuple(_NAMED)


def named_pattern(name: str) -> FloatArray:
    """The built-in 8x8 image ``name`` ("x" or "smiley") as a 64-vector of +-1.

    Examples
    --------
    >>> p = named_pattern("x")
    >>> p.shape, int(p.sum())
    ((64,), -32)
    """
    key = name.strip().lower()
    if key not in _NAMED:
        raise ModelError(f"unknown pattern {name!r}; built-in patterns: {', '.join(_NAMED)}")
    return _NAMED[key].ravel().copy()


def random_patterns(count: int, n: int, rng: RngLike = None) -> FloatArray:
    """``count`` independent random patterns of ``n`` units, each entry +-1 with prob. 1/2.

    Returns an array ``(count, n)``.

    Examples
    --------
    >>> random_patterns(3, 10, rng=0).shape
    (3, 10)
    """
    count = checks.count(count, "count", minimum=0)
    n = checks.count(n, "n")
    gen = as_rng(rng)
    return np.where(gen.random((count, n)) < 0.5, -1.0, 1.0)


def from_image(image: ArrayLike, threshold: float | None = None) -> FloatArray:
    """Threshold a 2-D array (an image, any numbers) to a +-1 pattern, shape kept.

    Pixels above ``threshold`` become +1, the others -1; the default threshold is the
    midpoint of the image's range (so a +-1 or 0/1 image maps as expected). An RGB(A)
    image ``(h, w, 3|4)`` is averaged over its colour channels first.

    Examples
    --------
    >>> from_image([[0, 1], [1, 0]]).tolist()
    [[-1.0, 1.0], [1.0, -1.0]]
    """
    arr = np.asarray(image, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):
        arr = arr[..., :3].mean(axis=-1)
    if arr.ndim != 2 or arr.size == 0:
        raise ModelError(f"an image must be a non-empty 2-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ModelError("an image must not contain NaN or infinite values")
    if threshold is None:
        threshold = 0.5 * (float(arr.min()) + float(arr.max()))
    return np.where(arr > threshold, 1.0, -1.0)


def as_patterns(patterns: ArrayLike) -> FloatArray:
    """Validate patterns: a ``(P, N)`` (or ``(N,)``) array of +-1 entries, as float64."""
    arr = np.array(patterns, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ModelError(f"patterns must be an array (P, N), got shape {arr.shape}")
    if not np.all(np.abs(arr) == 1.0):
        bad = np.argwhere(np.abs(arr) != 1.0)[0]
        raise ModelError(
            f"patterns must have entries +1 or -1; pattern {bad[0]}, unit {bad[1]} is "
            f"{arr[tuple(bad)]!r} (threshold images with dynsys.hopfield.patterns.from_image)"
        )
    return arr


def flip_count(n: int, fraction: float) -> int:
    """Number of bits flipped for a fraction: ``round(fraction * n)`` (half to even)."""
    return round(checks.probability(fraction, "fraction") * n)


def flip_bits(
    pattern: ArrayLike, fraction: float | None = None, *, count: int | None = None,
    rng: RngLike = None,
) -> FloatArray:
    """Copy of ``pattern`` (``(..., N)``) with EXACTLY ``count`` bits flipped in each row.

    Give either ``fraction`` (``count = round(fraction * N)``) or ``count``. The flipped
    positions are a uniformly random subset of that size, drawn independently per row.

    Examples
    --------
    >>> p = named_pattern("x")
    >>> q = flip_bits(p, 0.3, rng=1)
    >>> int((q != p).sum())
    19
    """
    arr = np.array(pattern, dtype=np.float64)
    if arr.ndim == 0:
        raise ModelError("pattern must be a vector (N,) or a batch (..., N)")
    n = arr.shape[-1]
    if (fraction is None) == (count is None):
        raise ModelError("give exactly one of fraction and count")
    k = flip_count(n, fraction) if fraction is not None else int(count)  # type: ignore[arg-type]
    if not 0 <= k <= n:
        raise ModelError(f"cannot flip {k} of {n} bits")
    gen = as_rng(rng)
    flat = arr.reshape(-1, n)
    if k:
        # the k smallest of n uniforms per row: a uniform random k-subset, vectorized
        idx = np.argpartition(gen.random(flat.shape), k - 1, axis=1)[:, :k]
        rows = np.arange(flat.shape[0])[:, None]
        flat[rows, idx] *= -1.0
    return flat.reshape(arr.shape)


def overlaps(patterns: ArrayLike, x: ArrayLike) -> FloatArray:
    """Overlaps ``m_mu = p_mu . x / N`` of states ``x (..., N)`` with patterns ``(P, N)``.

    Returns ``(..., P)``.

    Examples
    --------
    >>> p = named_pattern("x")
    >>> float(overlaps(p[None], -p)[0])
    -1.0
    """
    pats = np.atleast_2d(np.asarray(patterns, dtype=np.float64))
    xs = np.asarray(x, dtype=np.float64)
    if xs.shape[-1] != pats.shape[-1]:
        raise ModelError(f"states have {xs.shape[-1]} units but patterns have {pats.shape[-1]}")
    return xs @ pats.T / pats.shape[-1]
