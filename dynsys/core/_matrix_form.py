"""What every System in matrix form (``dx/dt = -x + f(W x)`` and its relatives) shares:
the check of a batch of states, the noise amplitudes of every unit, and the Jacobian
``diag(slope) W - diag(1 / tau)`` assembled from the units' slopes.

:class:`~dynsys.core.rate_network.RateNetwork` and
:class:`~dynsys.hopfield.network.HopfieldNetwork` both inherit :class:`MatrixForm`; the
Hopfield network assembles its smooth (tanh) Jacobian with :func:`matrix_jacobian`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.core.system import resolve_params
from dynsys.errors import ModelError

__all__ = ["MatrixForm", "matrix_jacobian"]


def matrix_jacobian(slope: FloatArray, weights: FloatArray, decay: Any = 1.0) -> FloatArray:
    """``slope_i W_ij - delta_ij decay_i`` for slopes ``(..., n)``: ``(..., n, n)``.

    Row ``i`` of ``W`` is scaled by unit ``i``'s slope (``g f'(h_i) / tau_i`` in a rate
    network); ``decay`` (a number or ``(n,)``, ``1 / tau``) is subtracted on the diagonal.

    Examples
    --------
    >>> matrix_jacobian(np.array([2.0, 0.5]), np.array([[0.0, 1.0], [1.0, 0.0]])).tolist()
    [[-1.0, 2.0], [0.5, -1.0]]
    """
    out = np.asarray(slope)[..., :, None] * weights
    diag = np.einsum("...ii->...i", out)
    diag -= decay
    return out


class MatrixForm:
    """Mixin of the System methods a matrix-form network shares (it needs ``n``, ``name``
    and ``sigma``: a number or one amplitude per unit)."""

    n: int
    name: str
    sigma: Any

    def _states(self, x: ArrayLike) -> FloatArray:
        """``x`` as float64 with ``n`` entries on its last axis (else a ModelError)."""
        xs = np.asarray(x, dtype=np.float64)
        if xs.ndim == 0 or xs.shape[-1] != self.n:
            raise ModelError(f"states of {self.name} must have {self.n} entries on their last "
                             f"axis, got shape {xs.shape}")
        return xs

    def noise_amplitude(self, p: ParamsLike = None) -> FloatArray:
        """``sigma`` of every unit, shape ``(..., n)``."""
        ps = resolve_params(self, p)
        sigma = np.asarray(self.sigma, dtype=np.float64)
        return np.broadcast_to(sigma, (*ps.shape[:-1], self.n)).copy()
