"""Number of equilibria over a grid of two parameters (the reference report's Figure 5).

``region_map(system, (p1, p2), values1, values2) -> RegionMap``.

* **One state** (exact, fully vectorized over the whole grid): on each parameter pair,
  the interval of the state's region is cut at the zeros of ``F'`` (sign changes of
  the exact derivative on a fine grid, refined by vectorized bisection), so that
  ``F`` is monotone on every piece; each piece then holds one root exactly when ``F``
  changes sign over it or vanishes at its right end. A double root (a point on a fold
  curve) is counted once, two nearby simple roots twice, however close: the count
  does not depend on the grid as long as the grid resolves the zeros of ``F'``.
* **Several states**: one bifurcation diagram in ``p2`` per value of ``p1``
  (:func:`~dynsys.bifurcation.diagram.bifurcation_diagram`), counting the crossings
  of its branches with each grid value of ``p2``; the cost is one diagram per column.

The fold curves (:func:`~dynsys.bifurcation.codim2.continue_fold`) are where the count changes
(by two); :func:`dynsys.plots.bifurcation.plot_region_map` draws both together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.bifurcation._arclength import _param_index
from dynsys.bifurcation.diagram import bifurcation_diagram
from dynsys.core.system import compile, require_autonomous, resolve_params
from dynsys.errors import ModelError

__all__ = ["RegionMap", "region_map"]


@dataclass(frozen=True, eq=False)
class RegionMap:
    """Number of equilibria on a grid of two parameters.

    Attributes
    ----------
    model : str
    param_names : (str, str)
    values1, values2 : 1-D arrays
        Grid values of the first and second parameter.
    counts : (len(values1), len(values2)) int array
        ``counts[i, j]`` equilibria at ``(values1[i], values2[j])``.
    params : mapping
        The other parameters.
    method : str
        ``"monotone pieces"`` (one state) or ``"continuation slices"``.
    """

    model: str
    param_names: tuple[str, str]
    values1: FloatArray
    values2: FloatArray
    counts: Any
    params: Mapping[str, float]
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        p1, p2 = self.param_names
        return to_jsonable({"model": self.model, "params_continued": [p1, p2], p1: self.values1,
                            p2: self.values2, "counts": self.counts, "params": dict(self.params),
                            "method": self.method})

    def __repr__(self) -> str:
        p1, p2 = self.param_names
        levels = sorted(set(np.unique(self.counts).tolist()))
        return (f"<RegionMap {self.model}: {len(self.values1)} x {len(self.values2)} grid in "
                f"({p1}, {p2}), counts {levels}>")


def _count_1d(system: Any, ps: FloatArray, lo: float, hi: float, resolution: int
              ) -> Any:
    """Exact root counts of a scalar F on [lo, hi] for a batch of parameter rows ps (B, m)."""
    r = np.linspace(lo, hi, resolution)
    nb = ps.shape[0]
    xs = r[None, :, None]
    pp = ps[:, None, :]
    f = system.rhs(xs, pp)[..., 0]  # (B, R)
    d = system.jac(xs, pp)[..., 0, 0]
    scale = 1.0 + np.max(np.abs(f), axis=1, keepdims=True)
    # critical points: sign changes of F' between grid nodes, refined by bisection
    sd = np.sign(d)
    bi, ci = np.nonzero(sd[:, :-1] * sd[:, 1:] < 0)
    a, b = r[ci].copy(), r[ci + 1].copy()
    da = d[bi, ci]
    prow = ps[bi][:, None, :]
    for _ in range(60):
        mid = 0.5 * (a + b)
        dm = system.jac(mid[:, None, None], prow)[:, 0, 0, 0]
        left = np.sign(dm) == np.sign(da)
        a = np.where(left, mid, a)
        da = np.where(left, dm, da)
        b = np.where(left, b, mid)
    crit = 0.5 * (a + b)
    fcrit = system.rhs(crit[:, None, None], prow)[:, 0, 0] if len(crit) else np.empty(0)
    # nodes where F' is exactly zero are critical points too
    zi, zc = np.nonzero(d[:, 1:-1] == 0)
    kmax = int(np.max(np.bincount(bi, minlength=nb), initial=0)
               + np.max(np.bincount(zi, minlength=nb), initial=0))
    # breakpoints per row: lo, critical points (sorted), hi; padded with +inf
    brk = np.full((nb, kmax + 2), np.inf)
    fbrk = np.full((nb, kmax + 2), np.nan)
    brk[:, 0], fbrk[:, 0] = lo, f[:, 0]
    fill = np.ones(nb, dtype=int)
    for rows, xs_, fs_ in ((bi, crit, fcrit), (zi, r[zc + 1], f[zi, zc + 1])):
        for row, x, fx in zip(rows, xs_, fs_, strict=True):
            brk[row, fill[row]] = x
            fbrk[row, fill[row]] = fx
            fill[row] += 1
    order = np.argsort(brk, axis=1)
    brk = np.take_along_axis(brk, order, axis=1)
    fbrk = np.take_along_axis(fbrk, order, axis=1)
    rows = np.arange(nb)
    brk[rows, fill] = hi
    fbrk[rows, fill] = f[:, -1]
    tol = 1e-12 * scale
    zero = np.abs(fbrk) <= tol
    sgn = np.where(zero, 0.0, np.sign(fbrk))
    valid = np.arange(kmax + 2)[None, :] <= fill[:, None]
    pair = valid[:, 1:]
    change = (sgn[:, :-1] * sgn[:, 1:] < 0) & pair
    ends_zero = zero[:, 1:] & pair
    return zero[:, 0].astype(int) + np.sum(change | ends_zero, axis=1)


@checks.params_were_names
def region_map(
    system: Any,
    names: tuple[str, str],
    values1: ArrayLike,
    values2: ArrayLike,
    *,
    params: ParamsLike = None,
    region: Mapping[str, tuple[float, float]] | None = None,
    resolution: int = 1001,
    chunk: int = 8,
    n_samples: int = 3,
) -> RegionMap:
    """region_map(system, (p1, p2), values1, values2) -> RegionMap

    Count the equilibria at every point of a grid of two parameters.

    Parameters
    ----------
    system : System or Model
    names : (str, str)
        The names of the two parameters (``params=`` with names is the deprecated
        spelling).
    values1, values2 : 1-D arrays
        Grid values of each.
    params : mapping or array, optional
        Values of the other parameters (``base_params=`` is its deprecated name).
    region : mapping state -> (low, high), optional
        The state box where equilibria are counted (default: the system's region;
        required for a one-state system without one).
    resolution : int, default 1001
        Grid points on the state interval used to find the zeros of ``F'`` (one state).
    chunk : int, default 8
        Values of p1 evaluated per vectorized batch (memory: chunk * len(values2) *
        resolution floats).
    n_samples : int, default 3
        Equilibrium searches per column (several states).

    Returns
    -------
    RegionMap

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> rm = region_map(compile(load_model("self_excitation")), ("w", "I"),
    ...                 np.linspace(0, 1, 11), np.linspace(-5, 0, 11))
    >>> int(rm.counts[0, 0]), int(rm.counts[1, 4])  # (w, I) = (0, -5), (0.1, -3)
    (1, 3)
    """
    system = compile(system)
    require_autonomous(system, "region map")
    try:
        p1, p2 = names
    except (TypeError, ValueError):
        raise ModelError(f"names must name two parameters, got {names!r}") from None
    k1, k2 = _param_index(system, p1), _param_index(system, p2)
    if k1 == k2:
        raise ModelError(f"the two parameters must differ, got {p1!r} twice")
    v1 = np.atleast_1d(np.asarray(values1, dtype=np.float64))
    v2 = np.atleast_1d(np.asarray(values2, dtype=np.float64))
    for nm, v in ((p1, v1), (p2, v2)):
        if v.ndim != 1 or len(v) == 0 or not np.all(np.isfinite(v)):
            raise ModelError(f"values of {nm} must be a non-empty 1-D list of finite numbers")
    p_base = np.array(resolve_params(system, params), dtype=np.float64)
    others = {nm: float(v) for nm, v in zip(system.param_names, p_base, strict=True)
              if nm not in (p1, p2)}
    counts = np.zeros((len(v1), len(v2)), dtype=int)
    if system.n == 1:
        reg = system.region if region is None else region
        name = system.state_names[0]
        if not reg or name not in reg:
            raise ModelError(f"a region for {name!r} is needed to count equilibria "
                             f"(e.g. region={{{name!r}: (0, 120)}})")
        lo, hi = (float(b) for b in reg[name])
        if resolution < 3:
            raise ModelError(f"resolution must be at least 3, got {resolution}")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for start in range(0, len(v1), max(1, int(chunk))):
                block = v1[start:start + max(1, int(chunk))]
                ps = np.tile(p_base, (len(block), len(v2), 1))
                ps[:, :, k1] = block[:, None]
                ps[:, :, k2] = v2[None, :]
                c = _count_1d(system, ps.reshape(-1, len(p_base)), lo, hi, resolution)
                counts[start:start + len(block)] = c.reshape(len(block), len(v2))
        method = "monotone pieces"
    else:
        lo2, hi2 = float(v2.min()), float(v2.max())
        if not lo2 < hi2:
            raise ModelError(f"values of {p2} must span an interval")
        for i, a in enumerate(v1):
            p = p_base.copy()
            p[k1] = a
            diag = bifurcation_diagram(system, p2, (lo2, hi2), params=p, region=region,
                                       n_samples=n_samples)
            counts[i] = [diag.count(float(b)) for b in v2]
        method = "continuation slices"
    return RegionMap(model=system.name, param_names=(p1, p2), values1=v1, values2=v2,
                     counts=counts, params=others, method=method)
