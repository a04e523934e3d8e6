"""The roots of a scalar function on an interval: points, jumps across zero, and intervals.

Private mechanism of :func:`dynsys.analysis.equilibria.find_equilibria` in one dimension.

The function is sampled on a uniform grid. Then:

* **Intervals of zeros** (a continuum of equilibria): a run of at least
  :data:`MIN_RUN` consecutive grid nodes where ``|F| <= tol_res``, in which ``F`` is
  exactly zero somewhere or changes sign, and is not strictly monotone (that is an
  isolated root of high multiplicity, or a tail such as ``exp(-x)`` that never
  vanishes, flat at the grid's resolution). The run's ends are refined by bisection
  on the predicate ``|F| <= tol_res`` (60 halvings). Nothing inside an interval is
  reported as a point.
* **Points**: a grid node where ``F`` is exactly zero; every sign change refined by
  Brent's method; every local minimum of ``|F|`` whose parabola comes near zero examined
  for a double root (tangency) or a pair of close roots.
* **Jumps**: a root found by Brent is only a root if its residual is small:
  ``|F(r)| <= tol_res + 10 |F'(r)| (1e-14 + 4 eps |r|)`` (Brent's bracket, ``xtol =
  1e-14`` and ``rtol = 4 eps``, times the local slope: what a continuous ``F`` can leave).
  Otherwise ``F`` jumps across zero at ``r`` (a Heaviside, a Piecewise, a comparison),
  which is no equilibrium; it is returned among ``jumps``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from dynsys._types import FloatArray
from dynsys.errors import ModelError

#: Consecutive grid nodes with a vanishing F that make an interval of equilibria.
MIN_RUN = 5

_XTOL = 1e-14
_RTOL = 4 * np.finfo(float).eps


@dataclass(frozen=True)
class Roots1D:
    """What :func:`roots_1d` found.

    Attributes
    ----------
    roots : list of (x, how)
        Isolated roots, sorted, with ``how`` in ``"grid node"``, ``"brent"``,
        ``"tangency"``.
    jumps : list of float
        Where ``F`` changes sign by a jump (no root there).
    intervals : list of (a, b)
        Intervals on which ``|F| <= tol_res`` at every grid node (continua).
    """

    roots: list[tuple[float, str]]
    jumps: list[float]
    intervals: list[tuple[float, float]]


def _is_root(scalar: Callable[[float], float], dscalar: Callable[[float], float], r: float,
             tol_res: float) -> bool:
    """A Brent result is a root when its residual is what a continuous F leaves."""
    slope = abs(dscalar(r))
    if not np.isfinite(slope):
        slope = 0.0
    return abs(scalar(r)) <= tol_res + 10.0 * slope * (_XTOL + _RTOL * abs(r))


def _edge(flat: Callable[[float], bool], inside: float, outside: float) -> float:
    """Bisection between a node where ``flat`` holds and one where it does not."""
    for _ in range(60):
        mid = 0.5 * (inside + outside)
        if mid in (inside, outside):
            break
        if flat(mid):
            inside = mid
        else:
            outside = mid
    return inside


def _flat_runs(xs: FloatArray, fs: FloatArray, tol_res: float) -> list[tuple[int, int]]:
    """Index ranges ``[i, j]`` (inclusive) of the grid where F vanishes on an interval."""
    small = np.abs(fs) <= tol_res
    runs: list[tuple[int, int]] = []
    i = 0
    n = len(xs)
    while i < n:
        if not small[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and small[j + 1]:
            j += 1
        if j - i + 1 >= MIN_RUN:
            seg = fs[i:j + 1]
            d = np.diff(seg)
            monotone = bool(np.all(d > 0) or np.all(d < 0))
            signs = np.sign(seg[seg != 0])
            vanishes = signs.size < seg.size or bool(np.any(signs[:-1] != signs[1:]))
            if vanishes and not monotone:
                runs.append((i, j))
        i = j + 1
    return runs


def roots_1d(
    f: Callable[[FloatArray], FloatArray], df: Callable[[FloatArray], FloatArray],
    lo: float, hi: float, grid: int, tol_res: float,
) -> Roots1D:
    """Every root of ``f`` on ``[lo, hi]``: points, jumps across zero, intervals of zeros.

    Parameters
    ----------
    f, df : callable
        Vectorized ``F`` and ``F'`` on an array of points.
    lo, hi : float
        The interval.
    grid : int
        Grid points (at least 3).
    tol_res : float
        Absolute residual below which ``F`` counts as zero.

    Returns
    -------
    Roots1D

    Raises
    ------
    ModelError
        Where ``F`` is not finite on the grid.

    Examples
    --------
    >>> import numpy as np
    >>> r = roots_1d(lambda x: -x + (x >= 0.5), lambda x: -np.ones_like(x), 0, 2, 2001, 1e-12)
    >>> [round(x, 9) for x, _ in r.roots], [round(x, 9) for x in r.jumps], r.intervals
    ([0.0, 1.0], [0.5], [])
    """
    xs = np.linspace(lo, hi, grid)
    fs = f(xs)
    finite = np.isfinite(fs)
    if not np.all(finite):
        bad = xs[~finite][0]
        raise ModelError(f"the right-hand side is not finite at {bad:g} inside the region")

    def scalar(x: float) -> float:
        return float(f(np.array([x]))[0])

    def dscalar(x: float) -> float:
        return float(df(np.array([x]))[0])

    def flat(x: float) -> bool:
        return abs(scalar(x)) <= tol_res

    covered = np.zeros(grid, dtype=bool)
    intervals: list[tuple[float, float]] = []
    for i, j in _flat_runs(xs, fs, tol_res):
        covered[i:j + 1] = True
        a = float(xs[i]) if i == 0 else _edge(flat, float(xs[i]), float(xs[i - 1]))
        b = float(xs[j]) if j == grid - 1 else _edge(flat, float(xs[j]), float(xs[j + 1]))
        intervals.append((a, b))

    roots: list[tuple[float, str]] = [(float(x), "grid node")
                                      for x in xs[(fs == 0.0) & ~covered]]
    jumps: list[float] = []

    def brent(a: float, b: float) -> None:
        r = float(optimize.brentq(scalar, a, b, xtol=_XTOL, rtol=_RTOL))
        if _is_root(scalar, dscalar, r, tol_res):
            roots.append((r, "brent"))
        else:
            jumps.append(r)

    s = np.sign(fs)
    for i in np.flatnonzero(s[:-1] * s[1:] < 0):
        if not (covered[i] or covered[i + 1]):
            brent(xs[i], xs[i + 1])
    # local minima of |F| without a sign change: tangency or a pair of close roots
    a = np.abs(fs)
    mid = np.arange(1, grid - 1)
    is_min = (a[mid] <= a[mid - 1]) & (a[mid] <= a[mid + 1]) & (s[mid] != 0) & ~covered[mid]
    is_min &= (s[mid - 1] == s[mid]) & (s[mid + 1] == s[mid])
    curv = fs[mid - 1] - 2 * fs[mid] + fs[mid + 1]
    # the parabola through the three nodes reaches (nearly) zero
    vmin = fs[mid] - (fs[mid + 1] - fs[mid - 1]) ** 2 / (8 * np.where(curv == 0, np.inf, curv))
    near = (np.sign(vmin) != s[mid]) | (np.abs(vmin) <= 1e-3 * max(1.0, float(a.max())))
    for i in mid[is_min & near]:
        xa, xb, sign = xs[i - 1], xs[i + 1], s[i]
        da, db = dscalar(xa), dscalar(xb)
        if da * db < 0:
            xm = optimize.brentq(dscalar, xa, xb, xtol=1e-15, rtol=_RTOL)
        else:
            res = optimize.minimize_scalar(lambda x, sg=sign: sg * scalar(x), bounds=(xa, xb),
                                           method="bounded", options={"xatol": 1e-14})
            xm = float(res.x)
        fm = scalar(xm)
        if fm != 0 and np.sign(fm) != sign:
            for u, v in ((xa, xm), (xm, xb)):
                brent(u, v)
        elif abs(fm) <= tol_res:
            roots.append((float(xm), "tangency"))
    roots.sort()
    out: list[tuple[float, str]] = []
    for r, how in roots:
        if out and abs(r - out[-1][0]) <= 1e-10 * max(1.0, hi - lo):
            continue
        out.append((r, how))
    jumps.sort()
    return Roots1D(out, jumps, intervals)
