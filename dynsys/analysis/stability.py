"""Linear stability of an equilibrium: eigenvalues, and the fixed vocabulary :class:`Kind`.

``stability(J) -> Stability`` linearizes (eigenvalues sorted by real part, descending;
ties by imaginary part, descending), and ``classify(eigenvalues) -> Kind`` names the
point. The string forms (``Kind.SADDLE.value == "saddle"``) are what JSON and tables show.

Tolerances (documented, and arguments everywhere)
-------------------------------------------------
* ``tol`` (:data:`TOL_HYPERBOLIC`, 1e-8): an eigenvalue with
  ``|Re lambda| <= tol * max(1, max_k |lambda_k|)`` lies on the imaginary axis, and the
  point is **non-hyperbolic** (linearization does not decide its stability), or a
  **center** in 2-D when that eigenvalue is one of a purely imaginary pair.
* ``tol_equal`` (:data:`TOL_EQUAL`, 1e-9): in 2-D the two eigenvalues are equal when
  ``|lambda_1 - lambda_2| <= tol_equal * max(1, max_k |lambda_k|)``; the point is then a
  **star** (two independent eigenvectors: ``J`` is ``lambda I`` to the same relative
  tolerance) or a **degenerate node** (defective ``J``). ``|lambda_1 - lambda_2|`` is
  computed from the accurate discriminant ``(a - d)^2 + 4 b c`` when the Jacobian is
  known. The outer equilibria of mutual_excitation (-0.99909 and -1.00091) are thus
  stable nodes. A numerically perturbed defective matrix (perturbation ``delta``)
  splits its eigenvalues by about ``sqrt(delta)``, so a degenerate node is only
  recognised when ``J`` is close to exactly defective: near-degenerate nodes are
  reported as nodes (or, for a tiny imaginary part, foci), which they also are.

Vocabulary: 1-D ``stable``, ``unstable``, ``non-hyperbolic``; 2-D ``stable node``,
``unstable node``, ``saddle``, ``stable focus``, ``unstable focus``, ``center``,
``stable star``, ``unstable star``, ``stable degenerate node``,
``unstable degenerate node``, ``non-hyperbolic``; n-D (n >= 3) ``stable``, ``unstable``,
``saddle`` (with the number of unstable directions, :attr:`Stability.unstable_dimension`,
shown by :func:`kind_label` as ``"saddle (index k)"``), ``non-hyperbolic``. ``non-smooth``
is for equilibria of non-smooth systems classified by their own rules (sign networks).

References
----------
Strogatz, S. H. (2015). *Nonlinear Dynamics and Chaos*, 2nd ed., Sections 5.2 and 6.3.
Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory*, 3rd ed., Section 2.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from dynsys._io import to_jsonable
from dynsys._types import ArrayLike, ComplexArray, FloatArray
from dynsys.errors import ModelError

__all__ = [
    "TOL_EQUAL",
    "TOL_HYPERBOLIC",
    "Kind",
    "Stability",
    "classify",
    "classify_map",
    "kind_label",
    "on_axis",
    "sorted_eig",
    "sorted_eigenvalues",
    "stability",
    "stable_mask",
    "unstable_dimension",
    "unstable_mask",
]

#: Relative distance of an eigenvalue's real part from the imaginary axis below which
#: the point is non-hyperbolic.
TOL_HYPERBOLIC = 1e-8
#: Relative distance below which two eigenvalues of a 2-D point are equal.
TOL_EQUAL = 1e-9


class Kind(StrEnum):
    """The classification of an equilibrium; ``.value`` is the string form."""

    STABLE = "stable"
    UNSTABLE = "unstable"
    SADDLE = "saddle"
    NON_HYPERBOLIC = "non-hyperbolic"
    STABLE_NODE = "stable node"
    UNSTABLE_NODE = "unstable node"
    STABLE_FOCUS = "stable focus"
    UNSTABLE_FOCUS = "unstable focus"
    CENTER = "center"
    STABLE_STAR = "stable star"
    UNSTABLE_STAR = "unstable star"
    STABLE_DEGENERATE_NODE = "stable degenerate node"
    UNSTABLE_DEGENERATE_NODE = "unstable degenerate node"
    NON_SMOOTH = "non-smooth"
    # fixed points of a map x(n+1) = F(x(n)), classified by their multipliers
    MAP_STABLE = "stable fixed point (map)"
    MAP_UNSTABLE = "unstable fixed point (map)"
    MAP_SADDLE = "saddle (map)"
    MAP_FLIP_UNSTABLE = "unstable fixed point (map, flip)"
    MAP_FLIP_SADDLE = "saddle (map, flip)"
    MAP_NON_HYPERBOLIC = "non-hyperbolic fixed point (map)"

    @property
    def is_stable(self) -> bool:
        """True for the asymptotically stable kinds (all eigenvalues in the left half-plane)."""
        return self in _STABLE_KINDS

    @property
    def is_hyperbolic(self) -> bool:
        """False for non-hyperbolic points, centers and non-smooth points."""
        return self not in (Kind.NON_HYPERBOLIC, Kind.CENTER, Kind.NON_SMOOTH,
                            Kind.MAP_NON_HYPERBOLIC)

    @property
    def is_node_or_focus(self) -> bool:
        """True for 2-D kinds of index +1 (nodes, foci, stars, degenerate nodes, centers)."""
        return self in _INDEX_PLUS_ONE

    def __str__(self) -> str:
        return self.value


_STABLE_KINDS = frozenset({
    Kind.STABLE, Kind.STABLE_NODE, Kind.STABLE_FOCUS, Kind.STABLE_STAR,
    Kind.STABLE_DEGENERATE_NODE, Kind.MAP_STABLE,
})
_INDEX_PLUS_ONE = frozenset({
    Kind.STABLE_NODE, Kind.UNSTABLE_NODE, Kind.STABLE_FOCUS, Kind.UNSTABLE_FOCUS,
    Kind.CENTER, Kind.STABLE_STAR, Kind.UNSTABLE_STAR, Kind.STABLE_DEGENERATE_NODE,
    Kind.UNSTABLE_DEGENERATE_NODE,
})


def _as_eigenvalues(eigenvalues: ArrayLike) -> ComplexArray:
    ev = np.asarray(eigenvalues, dtype=np.complex128).reshape(-1)
    if ev.size == 0:
        raise ModelError("classify needs at least one eigenvalue")
    if not np.all(np.isfinite(ev)):
        raise ModelError(f"eigenvalues must be finite, got {ev}")
    return ev


def _scale(ev: ComplexArray) -> float:
    return max(1.0, float(np.max(np.abs(ev))))


# ------------------------------------------------------------ the one stability rule
def _scales(ev: ComplexArray) -> FloatArray:
    """``max(1, max_k |lambda_k|)`` per point of a batch ``(..., n)``, keepdims."""
    return np.maximum(1.0, np.max(np.abs(ev), axis=-1, keepdims=True))


def _order(ev: ComplexArray) -> Any:
    """Indices sorting each row of ``ev`` by real part (descending; ties to 1e-12
    relative broken by the imaginary part, descending)."""
    unit = 1e-12 * _scales(ev)
    re = np.round(ev.real / unit) * unit
    return np.lexsort((-ev.imag, -re), axis=-1)


def sorted_eigenvalues(jacobians: ArrayLike) -> Any:
    """Eigenvalues of a batch of Jacobians ``(..., n, n)``, sorted as :func:`sorted_eig`.

    ``sorted_eigenvalues(jacs) -> (..., n)`` (complex, or real when all eigenvalues of
    the batch are real, as :func:`numpy.linalg.eigvals` gives): real part descending, ties (to
    1e-12 relative) by the imaginary part descending, so a complex pair is listed
    ``a + bi`` then ``a - bi``. This is the one eigenvalue order of the package
    (equilibria, branches of continuation, codimension-two curves).

    Examples
    --------
    >>> ev = sorted_eigenvalues([[[-1.0, 5.0], [5.0, -1.0]], [[0.0, -2.0], [2.0, 0.0]]])
    >>> ev.round(12).tolist()
    [[(4+0j), (-6+0j)], [2j, -2j]]
    """
    # the dtype is numpy's: real when every eigenvalue of the batch is real (as before)
    ev = np.linalg.eigvals(np.asarray(jacobians, dtype=np.float64))
    return np.take_along_axis(ev, _order(ev), axis=-1)


def on_axis(eigenvalues: ArrayLike, tol: float = TOL_HYPERBOLIC) -> Any:
    """Boolean mask: ``|Re lambda| <= tol * max(1, max_k |lambda_k|)`` (per point of a batch).

    Such an eigenvalue is neither stable nor unstable: the point is non-hyperbolic.
    """
    ev = np.asarray(eigenvalues, dtype=np.complex128)
    return np.abs(ev.real) <= tol * _scales(ev)


def unstable_mask(eigenvalues: ArrayLike, tol: float = TOL_HYPERBOLIC) -> Any:
    """Boolean mask: ``Re lambda > tol * max(1, max_k |lambda_k|)`` (per point of a batch)."""
    ev = np.asarray(eigenvalues, dtype=np.complex128)
    return ev.real > tol * _scales(ev)


def unstable_dimension(eigenvalues: ArrayLike, tol: float = TOL_HYPERBOLIC) -> Any:
    """Number of eigenvalues strictly right of the imaginary axis, beyond the tolerance.

    ``unstable_dimension(eigenvalues) -> int or (...,) int array`` for eigenvalues
    ``(..., n)``; the tolerance is :data:`TOL_HYPERBOLIC` relative to
    ``max(1, max_k |lambda_k|)``, as in :func:`classify`. An eigenvalue within the
    tolerance of the axis is not counted (it is not unstable; nor is the point stable).

    Examples
    --------
    >>> unstable_dimension([4.0, -6.0])
    1
    >>> unstable_dimension([[1.0, 1e-12], [-1.0, 0.5]]).tolist()
    [1, 1]
    """
    count = np.sum(unstable_mask(eigenvalues, tol), axis=-1)
    return int(count) if np.ndim(count) == 0 else count


def stable_mask(eigenvalues: ArrayLike, tol: float = TOL_HYPERBOLIC) -> Any:
    """True where every eigenvalue is strictly left of the axis, beyond the tolerance.

    ``stable_mask(eigenvalues) -> bool or (...,) bool array``: asymptotically stable by
    linearization; False for a point with an eigenvalue on the axis (within tolerance),
    consistent with :attr:`Kind.is_stable`.
    """
    ev = np.asarray(eigenvalues, dtype=np.complex128)
    out = np.all(ev.real < -tol * _scales(ev), axis=-1)
    return bool(out) if np.ndim(out) == 0 else out


def sorted_eig(jacobian: ArrayLike) -> tuple[ComplexArray, ComplexArray]:
    """Eigenvalues and eigenvectors of ``jacobian``, sorted by real part (descending).

    Ties in the real part (to 1e-12 relative) are broken by the imaginary part,
    descending, so a complex pair is listed ``a + bi`` then ``a - bi``. Eigenvectors are
    the columns of the second array, normalised to unit length.

    Examples
    --------
    >>> vals, vecs = sorted_eig([[-1.0, 5.0], [5.0, -1.0]])
    >>> vals.real.round(12).tolist()
    [4.0, -6.0]
    """
    jm = np.asarray(jacobian, dtype=np.float64)
    if jm.ndim != 2 or jm.shape[0] != jm.shape[1]:
        raise ModelError(f"a Jacobian must be a square matrix, got shape {jm.shape}")
    if not np.all(np.isfinite(jm)):
        raise ModelError("the Jacobian has non-finite entries")
    vals, vecs = np.linalg.eig(jm)
    vals = vals.astype(np.complex128)
    order = _order(vals)
    return vals[order], vecs[:, order].astype(np.complex128)


def classify(
    eigenvalues: ArrayLike,
    *,
    jacobian: ArrayLike | None = None,
    tol: float = TOL_HYPERBOLIC,
    tol_equal: float = TOL_EQUAL,
) -> Kind:
    """Classify an equilibrium from its eigenvalues: ``classify(eigenvalues) -> Kind``.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        The eigenvalues of the Jacobian at the point (any order).
    jacobian : array_like, shape (n, n), optional
        The Jacobian itself. In 2-D it makes the equal-eigenvalue test exact-er (via the
        discriminant) and separates a star (``J = lambda I``) from a degenerate node
        (defective ``J``). Without it, two equal eigenvalues are called a degenerate
        node (the generic case).
    tol : float, default :data:`TOL_HYPERBOLIC` (1e-8)
        Relative distance from the imaginary axis that counts as on it.
    tol_equal : float, default :data:`TOL_EQUAL` (1e-9)
        Relative distance at which two 2-D eigenvalues are equal.

    Returns
    -------
    Kind

    Raises
    ------
    ModelError
        For no eigenvalues, non-finite ones, or a Jacobian of the wrong shape.

    Examples
    --------
    >>> classify([4.0, -6.0]).value
    'saddle'
    >>> classify([-0.99909, -1.00091]).value
    'stable node'
    >>> classify([-1.0, -1.0], jacobian=[[-1.0, 0.0], [0.0, -1.0]]).value
    'stable star'
    >>> classify([2.0]).value
    'unstable'

    References
    ----------
    Strogatz (2015), *Nonlinear Dynamics and Chaos*, Section 5.2 (the trace-determinant
    plane).
    """
    ev = _as_eigenvalues(eigenvalues)
    n = ev.size
    scale = _scale(ev)
    axis = on_axis(ev, tol)
    if n == 1:
        if axis[0]:
            return Kind.NON_HYPERBOLIC
        return Kind.STABLE if ev[0].real < 0 else Kind.UNSTABLE
    if n >= 3:
        if np.any(axis):
            return Kind.NON_HYPERBOLIC
        if np.all(ev.real < 0):
            return Kind.STABLE
        if np.all(ev.real > 0):
            return Kind.UNSTABLE
        return Kind.SADDLE
    # ---- 2-D
    jm = None
    if jacobian is not None:
        jm = np.asarray(jacobian, dtype=np.float64)
        if jm.shape != (2, 2):
            raise ModelError(f"a 2-D point needs a 2x2 Jacobian, got shape {jm.shape}")
    if np.any(axis):
        pair = abs(ev[0].imag) > tol * scale and np.all(axis)
        return Kind.CENTER if pair else Kind.NON_HYPERBOLIC
    if ev[0].real * ev[1].real < 0:
        return Kind.SADDLE
    stable = bool(ev[0].real < 0)
    if jm is not None:
        (a, b), (c, d) = jm
        disc = (a - d) ** 2 + 4.0 * b * c
        gap = float(np.sqrt(abs(disc)))
        complex_pair = disc < 0
    else:
        gap = float(abs(ev[0] - ev[1]))
        complex_pair = bool(abs(ev[0].imag) > 0 or abs(ev[1].imag) > 0)
    if gap <= tol_equal * scale:
        if jm is not None:
            lam = 0.5 * (jm[0, 0] + jm[1, 1])
            if np.max(np.abs(jm - lam * np.eye(2))) <= tol_equal * scale:
                return Kind.STABLE_STAR if stable else Kind.UNSTABLE_STAR
        return Kind.STABLE_DEGENERATE_NODE if stable else Kind.UNSTABLE_DEGENERATE_NODE
    if complex_pair:
        return Kind.STABLE_FOCUS if stable else Kind.UNSTABLE_FOCUS
    return Kind.STABLE_NODE if stable else Kind.UNSTABLE_NODE


def classify_map(multipliers: ArrayLike, *, tol: float = TOL_HYPERBOLIC) -> Kind:
    """Classify a fixed point of a map ``x(n+1) = F(x(n))`` from its multipliers.

    The multipliers are the eigenvalues ``mu`` of ``DF`` at the point. It is stable when
    every ``|mu| < 1``, unstable when every ``|mu| > 1``, a saddle otherwise; a multiplier
    with ``||mu| - 1| <= tol * max(1, max |mu|)`` makes it non-hyperbolic. "flip" marks
    an unstable direction with a real multiplier ``mu < -1`` (orbits alternate sides;
    where it crossed -1, a period-doubling).

    Examples
    --------
    >>> classify_map([0.5]).value, classify_map([-1.5]).value, classify_map([2.0, 0.3]).value
    ('stable fixed point (map)', 'unstable fixed point (map, flip)', 'saddle (map)')

    References
    ----------
    Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory*, 3rd ed., Section
    1.5 (fixed points of maps and their multipliers).
    """
    mu = _as_eigenvalues(multipliers)
    mod = np.abs(mu)
    scale = max(1.0, float(np.max(mod)))
    if np.any(np.abs(mod - 1.0) <= tol * scale):
        return Kind.MAP_NON_HYPERBOLIC
    outside = mod > 1.0
    if not outside.any():
        return Kind.MAP_STABLE
    flip = bool(np.any(outside & (np.abs(mu.imag) <= tol * scale) & (mu.real < 0)))
    if outside.all():
        return Kind.MAP_FLIP_UNSTABLE if flip else Kind.MAP_UNSTABLE
    return Kind.MAP_FLIP_SADDLE if flip else Kind.MAP_SADDLE


def kind_label(kind: Kind, unstable_dimension: int | None = None, n: int | None = None) -> str:
    """The table label of a kind: ``"saddle (index k)"`` for n-D saddles, else ``kind.value``.

    Examples
    --------
    >>> kind_label(Kind.SADDLE, 2, n=3)
    'saddle (index 2)'
    >>> kind_label(Kind.SADDLE, 1, n=2)
    'saddle'
    """
    if kind is Kind.SADDLE and unstable_dimension is not None and (n is None or n >= 3):
        return f"saddle (index {unstable_dimension})"
    return kind.value


@dataclass(frozen=True, eq=False)
class Stability:
    """The linearization of a point: what :func:`stability` returns.

    Attributes
    ----------
    jacobian : ndarray (n, n)
    eigenvalues : complex ndarray (n,)
        Sorted by real part, descending (see :func:`sorted_eig`).
    eigenvectors : complex ndarray (n, n)
        Column ``k`` belongs to ``eigenvalues[k]``.
    kind : Kind
    stable : bool
        All eigenvalues strictly left of the axis (beyond the tolerance).
    unstable_dimension : int
        Number of eigenvalues strictly right of the axis (the saddle index).
    trace, det, discriminant : float or None
        For 2-D only: ``tr J``, ``det J``, ``tr^2 - 4 det`` (computed as
        ``(a - d)^2 + 4 b c``); None otherwise.
    """

    jacobian: FloatArray
    eigenvalues: ComplexArray
    eigenvectors: ComplexArray
    kind: Kind
    stable: bool
    unstable_dimension: int
    trace: float | None
    det: float | None
    discriminant: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (eigenvalues as ``{"re", "im"}``)."""
        out: dict[str, Any] = {
            "eigenvalues": [{"re": float(v.real), "im": float(v.imag)} for v in self.eigenvalues],
            "kind": self.kind.value,
            "stable": self.stable,
            "unstable_dimension": self.unstable_dimension,
        }
        if self.trace is not None:
            out.update(trace=self.trace, det=self.det, discriminant=self.discriminant)
        return to_jsonable(out)

    def __repr__(self) -> str:
        ev = ", ".join(f"{v.real:.6g}{v.imag:+.6g}j" if v.imag else f"{v.real:.6g}"
                       for v in self.eigenvalues)
        return f"<Stability {self.kind.value}: eigenvalues [{ev}]>"


def stability(
    jacobian: ArrayLike, *, tol: float = TOL_HYPERBOLIC, tol_equal: float = TOL_EQUAL
) -> Stability:
    """Linearize: ``stability(J) -> Stability`` (eigen-decomposition plus :func:`classify`).

    Examples
    --------
    >>> s = stability([[-1.0, 5.0], [5.0, -1.0]])
    >>> s.kind.value, s.trace, s.det, s.unstable_dimension
    ('saddle', -2.0, -24.0, 1)
    """
    vals, vecs = sorted_eig(jacobian)
    jm = np.asarray(jacobian, dtype=np.float64)
    n = jm.shape[0]
    kind = classify(vals, jacobian=jm if n == 2 else None, tol=tol, tol_equal=tol_equal)
    trace = det = disc = None
    if n == 2:
        (a, b), (c, d) = jm
        trace, det, disc = float(a + d), float(a * d - b * c), float((a - d) ** 2 + 4 * b * c)
    return Stability(
        jacobian=jm,
        eigenvalues=vals,
        eigenvectors=vecs,
        kind=kind,
        stable=stable_mask(vals, tol),
        unstable_dimension=unstable_dimension(vals, tol),
        trace=trace,
        det=det,
        discriminant=disc,
    )
