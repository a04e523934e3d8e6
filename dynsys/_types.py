"""Array aliases used in type hints throughout dynsys.

The state axis is always last: a batch of states has shape ``(..., n)``, a batch of
Jacobians ``(..., n, n)`` and a batch of parameter vectors ``(..., m)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
ComplexArray: TypeAlias = npt.NDArray[np.complex128]
ArrayLike: TypeAlias = npt.ArrayLike
ParamsLike: TypeAlias = Mapping[str, float] | npt.ArrayLike | None
"""Parameters as a mapping name -> value (overriding the defaults), an array
``(..., m)`` in the system's parameter order, or ``None`` for the defaults."""
RngLike: TypeAlias = np.random.Generator | int | np.random.SeedSequence | None

__all__ = [
    "ADAPTIVE_SOLVERS",
    "ArrayLike",
    "ComplexArray",
    "FloatArray",
    "ParamsLike",
    "RngLike",
    "as_rng",
]

#: scipy ``solve_ivp`` solvers by lower-case name (here, not beside ``simulate``, so that
#: the command line lists them without loading scipy).
ADAPTIVE_SOLVERS = {s.lower(): s for s in ("RK45", "RK23", "DOP853", "LSODA", "Radau", "BDF")}


def as_rng(rng: RngLike) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for a seed, seed sequence or generator.

    ``None`` is refused for reproducibility's sake only by callers that require a seed;
    here it gives a fresh, unseeded generator.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)
