"""Continua of equilibria: sets of equilibria that are not isolated points.

``x' = 0`` has every point as an equilibrium, ``x' = x - y, y' = y - x`` the line
``x = y``. A point search samples such a set with as many "equilibria" as it has starts;
:func:`find_equilibria <dynsys.analysis.equilibria.find_equilibria>` instead reports
the set once, as a :class:`Continuum`, and keeps its list of equilibria for the isolated
ones.

Method (n-D, :func:`split_continua`), on the roots found by the point search, in
box-scaled coordinates ``z`` (the region is the unit box):

1. **Candidates**: roots whose scaled Jacobian has singular values
   ``sigma_i <= TOL_SINGULAR * max(1, sigma_max)`` (``TOL_SINGULAR = 1e-7``); their
   right singular vectors are the candidate tangent directions.
2. **Grouping**: a candidate joins an affine continuum already found when its distance
   to the set ``{m + N c}`` (``m`` its first root, ``N`` its tangent basis) is
   ``<= 1e-6`` and it has as many candidate directions as the set's dimension.
3. **Verification** of any other candidate: a step of ``STEP`` (0.01 of the box) along
   each candidate direction (both ways), then Gauss-Newton back onto ``F = 0``
   (minimum-norm steps, ``pinv`` with ``rcond = 1e-10``, at most 30 iterations). The
   direction is a tangent of a continuum when the corrected point has residual
   ``<= tol`` and stays at least ``STEP / 2`` from the root; at an isolated
   non-hyperbolic root (a fold, ``x' = x^2``) the correction falls back to the root,
   and the root stays a point. The set is *affine* when ``F`` also vanishes
   (``<= tol``) at 5 points within 0.05 of the root along each verified direction; its
   equations are written in reduced row-echelon form, solved for the pivot states
   (``x = y``). Verified roots on no affine set are grouped by proximity (a link of 0.1
   of the box) and described as a curve or surface, with the points found on it.

Linear-algebra failures (``LinAlgError``) at a root are counted, never raised; such a
root stays a point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import lu_factor, lu_solve
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from dynsys._types import FloatArray
from dynsys.analysis._curve_trace import Trace, on_path, trace_curve

__all__ = ["Continuum"]

#: Relative singular value below which a direction is a candidate tangent.
TOL_SINGULAR = 1e-7

#: Above this many states a root's Jacobian is first screened by an LU factorization
#: and inverse iteration (O(n^3 / 3), not a full SVD's ~ 11 n^3); only a Jacobian whose
#: smallest singular value may be small gets the SVD.
SVD_SCREEN_STATES = 200
#: Verification step along a candidate tangent, in box-scaled coordinates.
STEP = 1e-2

_NAMES = {1: "a line", 2: "a plane"}


@dataclass(frozen=True, eq=False)
class Continuum:
    """A set of equilibria that is not a point (a line, a plane, an interval, the region).

    Attributes
    ----------
    dimension : int
        Dimension of the set (1 a curve or an interval, ``n`` the whole region).
    state_names : tuple of str
    points : ndarray (k, n)
        Equilibria on the set found by the search (a sample, not the set).
    extent : mapping state -> (low, high)
        The range of each state over ``points``.
    equations : tuple of str
        For an affine set, its equations solved for pivot states (``"x = y"``); empty
        for a curved set or the whole region.
    description : str
        One line: ``"a line of equilibria x = y"``, ``"every point of the region is an
        equilibrium"``...
    whole_region : bool
        True when every point of the region is an equilibrium.
    closed : bool or None
        For a traced curve (:mod:`dynsys.analysis._curve_trace`): True when it closes
        on itself (the ring attractor's bumps), False when it ends (at the region's
        boundary); None when the set was not traced.
    path : ndarray (m, n) or None
        The traced curve's points, in order along it (each an equilibrium to the
        search's tolerance); None when not traced.
    """

    dimension: int
    state_names: tuple[str, ...]
    points: FloatArray
    extent: dict[str, tuple[float, float]]
    equations: tuple[str, ...]
    description: str
    whole_region: bool = False
    closed: bool | None = None
    path: FloatArray | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``description``, ``dimension``, ``equations``, ``extent``, ``points``
        (how many the search found on it), ``closed`` (None unless traced) and
        ``traced_points``."""
        return {
            "description": self.description,
            "dimension": self.dimension,
            "whole_region": self.whole_region,
            "equations": list(self.equations),
            "extent": {k: [float(a), float(b)] for k, (a, b) in self.extent.items()},
            "points": len(self.points),
            "closed": self.closed,
            "traced_points": 0 if self.path is None else len(self.path),
        }

    def __str__(self) -> str:
        return self.description


def _extent(names: tuple[str, ...], pts: FloatArray) -> dict[str, tuple[float, float]]:
    return {k: (float(pts[:, i].min()), float(pts[:, i].max())) for i, k in enumerate(names)}


def _extent_text(names: tuple[str, ...], pts: FloatArray) -> str:
    """Each state's range over the points, or for a network (more than 8 states) the
    range of all values: one line either way."""
    if len(names) > 8:
        return (f"{len(names)} states, values in [{float(pts.min()):.6g}, "
                f"{float(pts.max()):.6g}]")
    return ", ".join(f"{nm} in [{a:.6g}, {b:.6g}]" for nm, (a, b) in _extent(names, pts).items())


def whole_region(names: tuple[str, ...], box: Any, samples: FloatArray) -> Continuum:
    """The continuum of a system whose right-hand side vanishes on the whole region."""
    ext = {k: (float(box[k][0]), float(box[k][1])) for k in names}
    return Continuum(len(names), names, samples, ext, (),
                     "every point of the region is an equilibrium", whole_region=True)


def interval(name: str, a: float, b: float, box: tuple[float, float]) -> Continuum:
    """An interval ``[a, b]`` of equilibria of a 1-D system."""
    if a <= box[0] and b >= box[1]:
        return whole_region((name,), {name: box}, np.array([[a], [b]]))
    desc = f"an interval of equilibria: every {name} in [{a:.9g}, {b:.9g}]"
    return Continuum(1, (name,), np.array([[a], [b]]), {name: (a, b)}, (), desc)


def _fmt_equations(names: tuple[str, ...], normals: FloatArray,
                   point: FloatArray) -> tuple[str, ...]:
    """Equations ``W (x - point) = 0`` in reduced row-echelon form, solved for pivots."""
    w = np.array(normals, dtype=np.float64)
    rows, cols = w.shape
    pivots: list[int] = []
    r = 0
    for c in range(cols):
        if r == rows:
            break
        k = r + int(np.argmax(np.abs(w[r:, c])))
        if abs(w[k, c]) <= 1e-9 * max(1.0, float(np.abs(w).max())):
            continue
        w[[r, k]] = w[[k, r]]
        w[r] /= w[r, c]
        for i in range(rows):
            if i != r:
                w[i] -= w[i, c] * w[r]
        pivots.append(c)
        r += 1
    out = []
    for i, c in enumerate(pivots):
        const = float(w[i] @ point)
        terms = []
        for j in range(cols):
            coef = -float(w[i, j])
            if j == c or abs(coef) <= 1e-9:
                continue
            mag = "" if abs(abs(coef) - 1) <= 1e-9 else f"{abs(coef):.6g} "
            terms.append(("- " if coef < 0 else "+ ") + mag + names[j])
        if abs(const) > 1e-9 * max(1.0, float(np.abs(point).max())) or not terms:
            terms.append(("- " if const < 0 else "+ ") + f"{abs(const):.9g}")
        rhs = " ".join(terms)
        rhs = rhs[2:] if rhs.startswith("+ ") else "-" + rhs[2:]
        out.append(f"{names[c]} = {rhs}")
    return tuple(out)


def _clearly_regular(a: FloatArray) -> float | None:
    """An upper bound on sigma_min(a) when it is clearly above the singular tolerance.

    Inverse iteration on ``a^T a`` (LU once, 12 steps from a fixed start) converges from
    below to ``1 / sigma_min^2``, so ``1 / sqrt`` of its estimate bounds ``sigma_min``
    from above; the nearer ``a`` is to singular, the faster it converges
    (``(sigma_min / sigma_2)^2`` per step). ``sigma_max`` is estimated by 12 power steps
    (from below). Returns None (do the full SVD) unless the estimate exceeds 1e3 times
    the tolerance ``TOL_SINGULAR * max(1, sigma_max)``.
    """
    n = a.shape[0]
    try:
        lu = lu_factor(a, check_finite=False)
    except (ValueError, np.linalg.LinAlgError):
        return None
    if not np.all(np.isfinite(lu[0])) or np.any(np.diag(lu[0]) == 0.0):
        return None
    v = np.cos(np.arange(1.0, n + 1.0))  # deterministic, not orthogonal to anything simple
    w = v.copy()
    big = small = 0.0
    for _ in range(12):
        v = lu_solve(lu, lu_solve(lu, v / np.linalg.norm(v), trans=1, check_finite=False),
                     check_finite=False)
        small = float(np.linalg.norm(v))
        w = a.T @ (a @ (w / np.linalg.norm(w)))
        big = float(np.linalg.norm(w))
    if not (np.isfinite(small) and small > 0.0):
        return None
    est = small ** -0.5
    return est if est > 1e3 * TOL_SINGULAR * max(1.0, big ** 0.5) else None


def _singular(jac: FloatArray) -> tuple[list[FloatArray | None], FloatArray, int]:
    """Per root: candidate tangent directions (rows) or None, sigma_min, failures.

    Above :data:`SVD_SCREEN_STATES` states a clearly regular Jacobian
    (:func:`_clearly_regular`) has no candidates and its sigma_min is the estimate."""
    k, n = jac.shape[0], jac.shape[2]
    out: list[FloatArray | None] = []
    smin = np.full(k, np.nan)
    failures = 0
    for i in range(k):
        try:
            if not np.all(np.isfinite(jac[i])):
                raise np.linalg.LinAlgError("non-finite Jacobian")
            if n > SVD_SCREEN_STATES and jac.shape[1] == n:
                est = _clearly_regular(jac[i])
                if est is not None:
                    smin[i] = est
                    out.append(None)
                    continue
            _, sv, vt = np.linalg.svd(jac[i])
        except np.linalg.LinAlgError:
            failures += 1
            out.append(None)
            continue
        smin[i] = sv.min() if len(sv) == n else 0.0
        small = sv <= TOL_SINGULAR * max(1.0, float(sv.max(initial=0.0)))
        cand = np.vstack([vt[: len(sv)][small], vt[len(sv):]])
        out.append(cand if len(cand) else None)
    return out, smin, failures


def _stays(fz: Callable[[FloatArray], FloatArray], jz: Callable[[FloatArray], FloatArray],
           z0: FloatArray, v: FloatArray, tol: float) -> bool:
    """A step along v, corrected back onto F = 0, stays away from z0 (a continuum)."""
    for sign in (1.0, -1.0):
        z = z0 + sign * STEP * v
        for _ in range(30):
            f = fz(z[None])[0]
            if not np.all(np.isfinite(f)):
                break
            if np.max(np.abs(f)) <= tol:
                return bool(np.linalg.norm(z - z0) >= 0.5 * STEP)
            z = z - np.linalg.pinv(jz(z[None])[0], rcond=1e-10) @ f
    return False


def _known_set(point: FloatArray, dim: int, z: FloatArray, groups: list[tuple[list[int], bool]],
               bases: list[FloatArray], traces: list[Trace | None]) -> int | None:
    """The set found before that ``point`` lies on, if any: an affine set of the same
    dimension (within 1e-6 of ``{m + N c}``), or a traced curve (``dim`` 1)."""
    for g, (group, affine) in enumerate(groups):
        basis, trace = bases[g], traces[g]
        if dim != basis.shape[1]:
            continue
        if affine:
            off = point - z[group[0]]
            if np.linalg.norm(off - basis @ (basis.T @ off)) <= 1e-6:
                return g
        elif trace is not None and bool(on_path(point, trace.points, trace.closed)[0]):
            return g
    return None


_ENDS = {"left the region": "the region's boundary",
         "step budget": "the end of its step budget"}


def _traced(names: tuple[str, ...], pts: FloatArray, path: FloatArray, trace: Trace,
            found: str) -> Continuum:
    """The Continuum of a traced curve (extent over its found and traced points)."""
    both = np.vstack([pts, path])
    if trace.closed:
        shape, how = "a closed curve", ""
    else:
        ends = [_ENDS.get(e, "a point where it ends or branches") for e in trace.ends]
        how = (f" to {ends[0]} at both ends" if ends[0] == ends[-1]
               else f" to {ends[0]} and to {ends[1]}")
        shape = "a curve"
    desc = (f"{shape} of equilibria ({found}, traced through {len(path)} points{how}; "
            f"{_extent_text(names, both)})")
    return Continuum(1, names, pts, _extent(names, both), (), desc, closed=trace.closed,
                     path=path)


def split_continua(
    fz: Callable[[FloatArray], FloatArray], jz: Callable[[FloatArray], FloatArray],
    z: FloatArray, tol: float, lo: FloatArray, width: FloatArray, names: tuple[str, ...],
) -> tuple[FloatArray, list[Continuum], int]:
    """Split roots (box-scaled, ``(k, n)``) into isolated ones and continua.

    Returns
    -------
    (isolated mask (k,), continua, linear-algebra failures)
        See the module docstring for the method and its tolerances.
    """
    k, n = z.shape
    isolated = np.ones(k, dtype=bool)
    if k == 0:
        return isolated, [], 0
    with np.errstate(all="ignore"):
        cands, _, failures = _singular(jz(z))
    tangents: list[FloatArray | None] = [None] * k
    groups: list[tuple[list[int], bool]] = []
    bases: list[FloatArray] = []
    traces: list[Trace | None] = []
    for i in range(k):
        cand = cands[i]
        if cand is None:
            continue
        g = _known_set(z[i], len(cand), z, groups, bases, traces)
        if g is not None:
            groups[g][0].append(i)
            tangents[i] = bases[g]
            continue
        try:
            with np.errstate(all="ignore"):
                verified = [v for v in cand if _stays(fz, jz, z[i], v, tol)]
        except np.linalg.LinAlgError:
            failures += 1
            continue
        if not verified:
            continue
        basis = np.linalg.qr(np.array(verified).T)[0]
        d = basis.shape[1]
        tangents[i] = basis
        probe = [z[i] + np.outer(np.linspace(-0.05, 0.05, 5), basis[:, j]) for j in range(d)]
        with np.errstate(all="ignore"):
            affine = bool(np.all(np.max(np.abs(fz(np.vstack(probe))), axis=1) <= tol))
        trace = None
        if d == 1 and not affine:  # a curve: follow it (one set, however many points)
            with np.errstate(all="ignore"):
                trace = trace_curve(fz, jz, z[i], basis[:, 0], tol)
            if len(trace.points) < 3:  # no step taken: described by its points only
                trace = None
        groups.append(([i], affine))
        bases.append(basis)
        traces.append(trace)
    members = [i for i in range(k) if tangents[i] is not None]
    isolated[members] = False
    # affine sets and traced curves as they are; other members by proximity (0.1 of the box)
    merged = [(g, a, traces[j]) for j, (g, a) in enumerate(groups) if a or traces[j] is not None]
    loose = np.array(sorted(i for j, (g, a) in enumerate(groups)
                            if not a and traces[j] is None for i in g), dtype=int)
    if loose.size:
        pairs = cKDTree(z[loose]).query_pairs(r=0.1, output_type="ndarray")
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                           shape=(loose.size, loose.size))
        _, label = connected_components(graph, directed=False)
        merged += [(loose[label == c].tolist(), False, None) for c in np.unique(label)]
    out = []
    for group, affine, trace in merged:
        pts = lo + width * z[group]
        d = max(int(tangents[i].shape[1]) for i in group)
        found = f"{len(group)} point{'' if len(group) == 1 else 's'} of it found"
        if d >= n:  # F vanishes on an open set (not everywhere: find_equilibria checks)
            out.append(Continuum(n, names, pts, _extent(names, pts), (),
                                 f"an open set of equilibria ({found}, "
                                 f"{_extent_text(names, pts)})"))
            continue
        if trace is not None:
            out.append(_traced(names, pts, lo + width * trace.points, trace, found))
            continue
        ext = _extent_text(names, pts)
        shape = _NAMES.get(d, f"a {d}-dimensional set") if affine else (
            "a curve" if d == 1 else f"a {d}-dimensional surface")
        eqs: tuple[str, ...] = ()
        if affine:
            basis = np.linalg.qr(tangents[group[0]] * width[:, None])[0]
            normals = np.linalg.svd(np.eye(n) - basis @ basis.T)[2][: n - d]
            eqs = _fmt_equations(names, normals, pts[0])
            desc = f"{shape} of equilibria " + ", ".join(eqs)
        else:
            desc = f"{shape} of equilibria ({found}, {ext})"
        out.append(Continuum(d, names, pts, _extent(names, pts), eqs, desc))
    return isolated, out, failures
