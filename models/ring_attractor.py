"""A ring attractor: n = 256 rate units on a circle with cosine connectivity.

    dx_i/dt = -x_i + tanh(g sum_j W_ij x_j + I0),
    W_ij = (w0 + w1 cos(theta_i - theta_j)) / n,   theta_i = 2 pi i / n,

with uniform global inhibition ``w0 = -1`` and tuned excitation ``w1 = 2``; ``x_i`` is
the activity of unit ``i`` relative to its baseline (tanh: ``f(0) = 0``, ``f'(0) = 1``).

Where the uniform state loses stability (derivation)
----------------------------------------------------
``W`` is circulant, so the Fourier modes ``e^{i k theta}`` are its eigenvectors, with
eigenvalues ``(1/n) sum_j (w0 + w1 cos theta_j) e^{-i k theta_j} = w0 delta_{k,0} +
(w1 / 2)(delta_{k,1} + delta_{k,-1})`` (exact for n >= 3, since ``sum_j e^{i m
theta_j} = n delta_{m,0 mod n}``). A uniform state ``x = c 1`` has ``W x = w0 c 1``,
so it is an equilibrium when ``c = tanh(g w0 c + I0)`` (``c = 0`` at ``I0 = 0``), and its
Jacobian ``-I + g f'(h*) W`` (``h* = g w0 c + I0``) has the eigenvalues

    -1 + g f'(h*) w0            (the uniform mode),
    -1 + g f'(h*) w1 / 2        (twice: the cos and sin modes, a bump and its rotation),
    -1                          (n - 3 times).

With ``w0 < 0`` the uniform mode is always stable; the uniform state loses stability to
a bump where ``g f'(h*) w1 / 2 = 1``: at ``I0 = 0``, ``f'(0) = 1``, so at ``g w1 = 2``,
here ``g_c = 2 / w1 = 1`` (:data:`CRITICAL_GAIN`). Two eigenvalues cross zero together
(rotation symmetry): past ``g_c`` a ring of bump equilibria, ``x_i ~ A cos(theta_i -
phi)`` for every ``phi``, branches off the uniform state; one zero eigenvalue remains
along the ring (the continuous attractor). The default ``g = 1.5`` is past the
threshold.

References
----------
R. Ben-Yishai, R. L. Bar-Or and H. Sompolinsky, "Theory of orientation tuning in visual
cortex", PNAS 92, 3844-3848 (1995).
K. Zhang, "Representation of spatial orientation by the intrinsic dynamics of the
head-direction cell ensemble: a theory", J. Neurosci. 16, 2112-2126 (1996).
"""

import numpy as np
import sympy as sp

from dynsys import RateNetwork

N = 256
W0 = -1.0
W1 = 2.0
#: Where the uniform state loses stability at I0 = 0: g w1 / 2 = 1.
CRITICAL_GAIN = 2.0 / W1


def angles(n: int = N) -> np.ndarray:
    """The units' preferred angles ``theta_i = 2 pi i / n``."""
    return 2 * np.pi * np.arange(n) / n


def weights(n: int = N, w0: float = W0, w1: float = W1) -> np.ndarray:
    """``W_ij = (w0 + w1 cos(theta_i - theta_j)) / n``."""
    theta = angles(n)
    return (w0 + w1 * np.cos(theta[:, None] - theta[None, :])) / n


def build(n: int = N, w0: float = W0, w1: float = W1, g: float = 1.5) -> RateNetwork:
    """The ring with ``n`` units (small n for tests); see the module docstring."""
    s = sp.Symbol("s")
    return RateNetwork(
        weights(n, w0, w1), sp.tanh(s), g=g, name="ring_attractor",
        description=f"Ring attractor: {n} tanh units, cosine connectivity (w0 = {w0:g}, "
                    f"w1 = {w1:g}); the uniform state loses stability to a bump at "
                    f"g w1 = 2 (g = {2 / w1:g}).")


model = build()
