"""Iteration of a map ``x(n+1) = F(x(n))`` for :func:`~dynsys.analysis.simulate.simulate`.

A Model with ``discrete=True`` (XPPAUT's ``@ meth=discrete`` or ``x(t+1) = ...``) is
iterated, not integrated: as XPPAUT's ``discrete`` method (``odesol2.c``), the state is
replaced by ``F(x, p, t)`` and ``t`` advances by 1 per iteration, whatever ``dt`` is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dynsys._types import FloatArray
from dynsys.errors import SimulationError

__all__ = ["map_run"]


def map_run(system: Any, xs: FloatArray, ps: FloatArray, t0: float, steps: int,
            save_every: int, n_saved: int) -> tuple[FloatArray, FloatArray]:
    """``steps`` iterations of ``x <- F(x, p, t)`` (``t = t0, t0 + 1, ...``) from every
    row of ``xs (runs, n)``; the states kept every ``save_every`` iterations and the last.

    Raises
    ------
    SimulationError
        At the first iteration where a state is not finite, naming it and the run.

    Examples
    --------
    >>> from dynsys.core.model import Model
    >>> from dynsys.core.symbols import symbols
    >>> from dynsys.core.system import compile
    >>> x, r = symbols("x r")
    >>> logistic = compile(Model({x: r * x * (1 - x)}, {r: 2.0}, discrete=True))
    >>> states, final = map_run(logistic, np.array([[0.25]]), np.array([2.0]), 0.0, 2, 1, 3)
    >>> states[0, :, 0].tolist()
    [0.25, 0.375, 0.46875]
    """
    runs, n = xs.shape
    x = np.array(xs, dtype=np.float64)
    states = np.empty((runs, n_saved, n))
    states[:, 0] = x
    kept = 1
    with np.errstate(all="ignore"):
        for k in range(steps):
            x = np.asarray(system.rhs(x, ps, t0 + k), dtype=np.float64).reshape(runs, n)
            if not np.all(np.isfinite(x)):
                run = int(np.flatnonzero(~np.all(np.isfinite(x), axis=1))[0])
                raise SimulationError(
                    f"the state of run {run} became non-finite at iteration {k + 1} of the "
                    "map", step=k + 1, trajectory=run)
            if (k + 1) % save_every == 0 and kept < n_saved:
                states[:, kept] = x
                kept += 1
    return states, x
