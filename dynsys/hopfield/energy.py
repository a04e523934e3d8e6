r"""The energy (Lyapunov function) of the continuous Hopfield network.

For ``dx/dt = -x + f(W x)`` with W symmetric and ``F`` an antiderivative of ``f``
(``F' = f``),

.. math::

    L(x) = \tfrac12 x^\top W x - \sum_i F\big((W x)_i\big),

with ``F(s) = |s|`` for ``f = sign`` and ``F(s) = log(cosh(beta s)) / beta`` for
``f = tanh(beta s)``.

Derivation (continuous time). With ``h = W x`` and W symmetric,
``grad L = W x - W f(W x) = W (x - f(h))``, so along the flow
``xdot = -(x - f(h))``

.. math::

    \frac{dL}{dt} = (x - f(h))^\top W \,\dot x = -(x - f(h))^\top W (x - f(h)) \le 0

whenever W is positive semidefinite (Hebbian W with the diagonal kept is
``(1/N) P^T P``, a Gram matrix). ``dL/dt = 0`` only where ``W (x - f(h)) = 0``.
For ``f = sign`` ``F = |.|`` is differentiable except where some ``h_i = 0``, so the
identity holds almost everywhere along a trajectory that crosses the switching surfaces
(L is Lipschitz, hence absolutely continuous in t, and L never increases); trajectories
that slide along a surface need a subgradient argument, which the discrete statement
below supplies without any such care.

Derivation (Euler steps, exactly). ``L = g - G`` with ``g(x) = x^T W x / 2`` and
``G(x) = sum_i F((Wx)_i)`` both convex (F is convex; ``sign(h)`` is a subgradient of
``|h|``, including ``sign(0) = 0``). With ``d = x' - x = dt (f(h) - x)`` (one noiseless
Euler step), ``g(x') = g(x) + (Wx)^T d + d^T W d / 2`` exactly, and convexity gives
``G(x') >= G(x) + (W f(h))^T d``. Hence

.. math::

    L(x') - L(x) \le (W x - W f(h))^\top d + \tfrac12 d^\top W d
    = -\Big(\frac{1}{dt} - \frac12\Big)\, d^\top W d \le 0
    \quad\text{for } 0 < dt \le 2,

for sign and tanh alike (this is the convex-concave procedure of Yuille & Rangarajan;
``dt = 1`` is the synchronous update ``x' = f(Wx)``). With the diagonal zeroed W has
negative eigenvalues and L can increase, which the tests show.

At a fixed point of the sign network, ``x = sign(W x)``, ``|h_i| = x_i h_i`` so
``L = x^T W x / 2 - x^T W x = -x^T W x / 2``: the classic Hopfield energy. For tanh this
identity fails (``F(h) != h tanh(beta h)``).

References
----------
J. J. Hopfield, PNAS 79, 2554 (1982); J. J. Hopfield, PNAS 81, 3088 (1984) (the energy of
the equivalent ``u``-form ``u' = -u + W f(u)``).
M. A. Cohen and S. Grossberg, "Absolute stability of global pattern formation and
parallel memory storage by competitive neural networks", IEEE Trans. SMC 13, 815 (1983).
A. L. Yuille and A. Rangarajan, "The concave-convex procedure", Neural Computation 15,
915 (2003).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsys._io import to_jsonable
from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.core.system import resolve_params
from dynsys.errors import ModelError
from dynsys.hopfield.network import Activation, HopfieldNetwork

__all__ = ["EnergyLandscape", "antiderivative", "classic_energy", "energy", "energy_landscape"]


def antiderivative(net: HopfieldNetwork, h: ArrayLike, params: ParamsLike = None) -> FloatArray:
    """``F(h)`` elementwise: ``|h|`` for sign, ``log(cosh(beta h)) / beta`` for tanh."""
    hs = np.asarray(h, dtype=np.float64)
    if net.activation is Activation.SIGN:
        return np.abs(hs)
    beta = resolve_params(net, params)[..., 0]
    bh = np.abs(beta[..., None] * hs)
    # log cosh(z) = |z| + log1p(exp(-2|z|)) - log 2, stable for large |z|
    return (bh + np.log1p(np.exp(-2.0 * bh)) - np.log(2.0)) / beta[..., None]


def energy(net: HopfieldNetwork, x: ArrayLike, params: ParamsLike = None) -> FloatArray:
    """``L(x) = x^T W x / 2 - sum_i F((W x)_i)`` for states ``(..., N)``; returns ``(...)``.

    See the module docstring for the derivation that L never increases along the
    noiseless dynamics (continuous time, and Euler steps with ``dt <= 2``) when W is
    positive semidefinite.

    Examples
    --------
    >>> from dynsys.hopfield.network import HopfieldNetwork
    >>> from dynsys.hopfield.patterns import named_pattern
    >>> net = HopfieldNetwork.from_names(["x"])
    >>> p = named_pattern("x")
    >>> float(energy(net, p)), float(classic_energy(net, p))   # equal at a fixed point
    (-32.0, -32.0)
    """
    xs = np.asarray(x, dtype=np.float64)
    h = net.field(xs)
    return 0.5 * np.sum(xs * h, axis=-1) - np.sum(antiderivative(net, h, params), axis=-1)


def classic_energy(net: HopfieldNetwork, x: ArrayLike) -> FloatArray:
    """The classic Hopfield energy ``-x^T W x / 2`` (equal to L at sign fixed points)."""
    xs = np.asarray(x, dtype=np.float64)
    return -0.5 * np.sum(xs * net.field(xs), axis=-1)


@dataclass(frozen=True, eq=False)
class EnergyLandscape:
    """``L`` over the plane of overlaps ``(m1, m2)`` with two stored patterns.

    ``energy[i, j]`` belongs to ``(m1[j], m2[i])``; NaN where the state leaves the box.
    """

    m1: FloatArray
    m2: FloatArray
    energy: FloatArray
    patterns: tuple[str, str]
    pattern_overlap: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready grid (NaN -> null)."""
        return to_jsonable({"m1": self.m1, "m2": self.m2, "energy": self.energy,
                            "patterns": list(self.patterns),
                            "pattern_overlap": self.pattern_overlap})

    def __repr__(self) -> str:
        return (f"<EnergyLandscape over overlaps with {self.patterns[0]} and "
                f"{self.patterns[1]}: {len(self.m1)} x {len(self.m2)}, min "
                f"{np.nanmin(self.energy):.6g}>")


def energy_landscape(
    net: HopfieldNetwork, i: int = 0, j: int = 1, *, points: int = 81,
    params: ParamsLike = None,
) -> EnergyLandscape:
    """The energy over the overlap plane of patterns ``i`` and ``j`` (Figure 19).

    The state at ``(m1, m2)`` is the one in the span of ``p = p_i`` and ``q = p_j`` with
    those overlaps, ``x = a p + b q`` where ``[[1, m], [m, 1]] [a, b] = [m1, m2]`` and
    ``m = p . q / N`` (the shortest state with these overlaps). It is dropped (NaN)
    where ``max |x_k| > 1``, outside the box ``[-1, 1]^N`` that the dynamics keep.
    Needs ``|m| < 1`` (distinct, non-opposite patterns).

    Examples
    --------
    >>> from dynsys.hopfield.network import HopfieldNetwork
    >>> land = energy_landscape(HopfieldNetwork.from_names(["x", "smiley"]), points=5)
    >>> land.energy.shape
    (5, 5)
    """

    if net.n_patterns < 2 or not (0 <= i < net.n_patterns and 0 <= j < net.n_patterns) or i == j:
        raise ModelError("the energy landscape needs two distinct stored patterns i and j")
    p, q = net.patterns[i], net.patterns[j]
    m = float(p @ q) / net.n
    if abs(m) >= 1 - 1e-12:
        raise ModelError(f"patterns {i} and {j} are equal or opposite (overlap {m:g})")
    grid = np.linspace(-1.0, 1.0, int(points))
    m1, m2 = np.meshgrid(grid, grid)
    det = 1.0 - m * m
    a = (m1 - m * m2) / det
    b = (m2 - m * m1) / det
    x = a[..., None] * p + b[..., None] * q
    values = np.asarray(energy(net, x, params), dtype=np.float64)
    values[np.max(np.abs(x), axis=-1) > 1.0 + 1e-12] = np.nan
    names = (net.pattern_names[i], net.pattern_names[j])
    return EnergyLandscape(grid, grid.copy(), values, names, m)
