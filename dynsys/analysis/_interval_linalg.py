"""Interval linear algebra in midpoint-radius form, with a-priori rounding-error bounds.

Intervals ``[m - r, m + r]`` (arrays of midpoints and radii). A float product of
``n``-vectors has an error of at most ``gamma_n sum |a_i| |b_i|`` (``gamma_n = n u / (1 -
n u)``, ``u = 2**-53``, any summation order; Higham 2002, section 3.1); every radius here
adds such a bound with ``gamma = 2 (n + 2) u`` and is rounded up, so that
:func:`matmul` encloses every product of members of its factors (Rump 1999).

References
----------
Higham, N. J. (2002). *Accuracy and Stability of Numerical Algorithms*, 2nd ed. SIAM.
Rump, S. M. (1999). Fast and parallel interval arithmetic. *BIT* 39(3), 534-554.
Rump, S. M. (1994). Verification methods for dense and sparse systems of equations.
Govaerts, W. (2000). *Numerical Methods for Bifurcations of Dynamical Equilibria*.
SIAM (the bialternate product).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dynsys._types import FloatArray

__all__ = ["bialternate_sum", "bounds", "gamma", "matmul", "midrad", "nan_inf", "regular"]

_U = 2.0**-53
_TINY = 1e-300


def midrad(lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Midpoint and radius with ``[m - r, m + r]`` covering ``[lo, hi]``."""
    finite = np.isfinite(lo) & np.isfinite(hi)
    with np.errstate(all="ignore"):
        m = np.where(finite, 0.5 * lo + 0.5 * hi, 0.0)
        r = np.nextafter(np.maximum(m - lo, hi - m), np.inf)
    return m, np.where(finite, r, np.inf)


def bounds(m: FloatArray, r: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``[lo, hi]`` covering ``[m - r, m + r]`` (outward by one ulp; NaN ends unbounded)."""
    with np.errstate(all="ignore"):
        lo, hi = np.nextafter(m - r, -np.inf), np.nextafter(m + r, np.inf)
    return np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(hi), np.inf, hi)


def nan_inf(a: FloatArray) -> FloatArray:
    """A radius that came out NaN (``inf * 0``, ``inf - inf``) becomes infinite."""
    return np.where(np.isnan(a), np.inf, a)


def gamma(n: int) -> float:
    """The error factor used for products of ``n``-vectors: ``2 (n + 2) u``."""
    return 2.0 * (n + 2) * _U


def matmul(am: FloatArray, ar: Any, bm: FloatArray, br: Any) -> tuple[FloatArray, FloatArray]:
    """Enclosure (mid, rad) of ``[am +- ar] @ [bm +- br]`` (batched, ``@`` semantics),
    with the rounding error of every float product bounded a priori."""
    n = am.shape[-1]
    g = gamma(n)
    with np.errstate(all="ignore"):
        mid = am @ bm
        aam, abm = np.abs(am), np.abs(bm)
        rad = aam @ br + ar @ (abm + br) if not np.isscalar(ar) else aam @ br
        err = aam @ abm
        rad = np.nextafter(nan_inf((rad + g * err) * (1 + g)) + _TINY, np.inf)
    return mid, rad


def bialternate_sum(a_lo: FloatArray, a_hi: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Interval enclosure of the bialternate sum ``2 A (.) I`` (size ``n(n-1)/2``), whose
    eigenvalues are ``lambda_i + lambda_j`` (i < j) for the eigenvalues of ``A``."""
    n = a_lo.shape[0]
    pairs = [(p_, q) for p_ in range(1, n) for q in range(p_)]
    k = len(pairs)
    lo, hi = np.zeros((k, k)), np.zeros((k, k))
    for i, (p_, q) in enumerate(pairs):
        for j, (r, s_) in enumerate(pairs):
            if r == p_ and s_ == q:
                lo[i, j] = np.nextafter(a_lo[p_, p_] + a_lo[q, q], -np.inf)
                hi[i, j] = np.nextafter(a_hi[p_, p_] + a_hi[q, q], np.inf)
            elif r == q:
                lo[i, j], hi[i, j] = -a_hi[p_, s_], -a_lo[p_, s_]
            elif s_ == q and r != p_:
                lo[i, j], hi[i, j] = a_lo[p_, r], a_hi[p_, r]
            elif r == p_ and s_ != q:
                lo[i, j], hi[i, j] = a_lo[q, s_], a_hi[q, s_]
            elif s_ == p_:
                lo[i, j], hi[i, j] = -a_hi[q, r], -a_lo[q, r]
    return lo, hi


def regular(lo: FloatArray, hi: FloatArray) -> bool:
    """True when every matrix in the interval matrix ``[lo, hi]`` is nonsingular, proved by
    ``|| |I - R M_c| + |R| M_r ||_inf < 1`` with ``R`` an approximate inverse of ``M_c``
    (then ``||I - R A|| < 1``, so ``R A`` and ``A`` are invertible for every member ``A``).

    Examples
    --------
    >>> regular(np.eye(2) - 0.1, np.eye(2) + 0.1)
    True
    >>> regular(np.array([[1.0, 1.0], [1.0, 0.5]]), np.array([[1.0, 1.0], [1.0, 1.5]]))
    False
    """
    m, r = midrad(lo, hi)
    if not np.all(np.isfinite(r)):
        return False
    try:
        inv = np.linalg.inv(m)
    except np.linalg.LinAlgError:
        return False
    if not np.all(np.isfinite(inv)):
        return False
    n = m.shape[0]
    cm, cr = matmul(inv, 0.0, m, r)
    a_m = np.eye(n) - cm
    bound = np.nextafter((np.abs(a_m) + cr) * (1 + gamma(n)) + gamma(n) * np.abs(cm), np.inf)
    rows = np.nextafter(np.sum(bound, axis=1) * (1 + gamma(n)), np.inf)
    return bool(np.all(rows < 1.0))
