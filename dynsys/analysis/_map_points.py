"""Fixed points of a map ``x(n+1) = F(x(n))``, for ``find_equilibria``.

The fixed points are the zeros of ``G(x) = F(x) - x``, the equilibria of the ODE
``dx/dt = F(x) - x`` (:func:`flow_of_map`), which the equilibrium search finds. Their
stability is the map's, not that flow's: the **multipliers** are the eigenvalues of
``DF = DG + I``, and a fixed point is stable when every ``|mu| < 1``
(:func:`dynsys.analysis.stability.classify_map`).

References
----------
Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory*, 3rd ed., Section 1.5.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from dynsys.analysis.equilibrium import Equilibrium
from dynsys.analysis.stability import TOL_HYPERBOLIC, classify_map
from dynsys.core.model import Model

__all__ = ["MAP_NOTE", "as_fixed_point", "flow_of_map"]

MAP_NOTE = ("a map x(n+1) = F(x(n)): these are its fixed points F(x) = x, found as the "
            "zeros of F(x) - x; the eigenvalues listed are the multipliers (eigenvalues of "
            "DF), and a fixed point is stable iff every |multiplier| < 1")


def flow_of_map(model: Model) -> Model:
    """The ODE ``dx/dt = F(x) - x`` whose equilibria are the fixed points of the map.

    Examples
    --------
    >>> from dynsys.core.symbols import symbols
    >>> x, r = symbols("x r")
    >>> flow_of_map(Model({x: r * x * (1 - x)}, {r: 3.0}, discrete=True)).rhs
    (r*x*(1 - x) - x,)
    """
    eqs = {s: f - s for s, f in model.equations.items()}
    return model.replace(equations=eqs, discrete=False, events=(), noise={})


def as_fixed_point(e: Equilibrium, tol: float = TOL_HYPERBOLIC) -> Equilibrium:
    """An equilibrium of :func:`flow_of_map` re-classified as a fixed point of the map:
    Jacobian ``DF``, multipliers sorted by modulus (largest first), map kinds."""
    n = e.n
    jf = np.asarray(e.jacobian, dtype=np.float64) + np.eye(n)
    vals, vecs = np.linalg.eig(jf)
    order = np.lexsort((-vals.imag, -np.abs(vals)))
    vals, vecs = vals[order].astype(complex), vecs[:, order].astype(complex)
    kind = classify_map(vals, tol=tol)
    extra: dict[str, Any] = {}
    if n == 2:
        (a, b), (c, d) = jf
        extra = {"trace": float(a + d), "det": float(a * d - b * c),
                 "discriminant": float((a - d) ** 2 + 4 * b * c)}
    return dataclasses.replace(
        e, jacobian=jf, eigenvalues=vals, eigenvectors=vecs, kind=kind,
        stable=kind.is_stable, unstable_dimension=int(np.sum(np.abs(vals) > 1.0)),
        non_smooth=False, **extra)
