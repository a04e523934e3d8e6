"""The classical fixed-step Runge-Kutta method of :func:`dynsys.analysis.simulate.simulate`.

XPPAUT's default integrator (``@ meth=rk4``, ``dt = 0.05``): files written for XPPAUT are
run with it, so that dynsys reproduces what their authors saw. Noise-free only: with
noise, the Euler-Maruyama scheme is the one whose order is known.

References
----------
Hairer, E., Norsett, S. P. and Wanner, G. (1993). *Solving Ordinary Differential
Equations I*, 2nd ed., Springer, Section II.1 (the classical fourth-order method).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynsys._types import FloatArray
from dynsys.errors import SimulationError

__all__ = ["RK4", "rk4_run"]


@dataclass(frozen=True)
class RK4:
    """Fixed-step classical Runge-Kutta of order 4 (``k1..k4``), ODEs only."""

    name: str = field(default="rk4", init=False)


def rk4_run(system: Any, xs: FloatArray, ps: FloatArray, t0: float, dt: float, steps: int,
            save_every: int, n_saved: int) -> tuple[FloatArray, FloatArray]:
    """Runs ``xs (runs, n)`` for ``steps`` steps of ``dt``; ``(runs, n_saved, n)`` saved
    every ``save_every`` steps, and the final states.

    Raises
    ------
    SimulationError
        At the first step where a state is not finite, naming the step and the run.
    """
    runs, n = xs.shape
    states = np.empty((runs, n_saved, n))
    x = np.array(xs, dtype=np.float64)
    states[:, 0] = x
    k_saved = 1

    def f(y: FloatArray, t: float) -> FloatArray:
        return np.asarray(system.rhs(y, ps, t), dtype=np.float64).reshape(runs, n)

    with np.errstate(all="ignore"):
        for k in range(steps):
            t = t0 + k * dt
            k1 = f(x, t)
            k2 = f(x + 0.5 * dt * k1, t + 0.5 * dt)
            k3 = f(x + 0.5 * dt * k2, t + 0.5 * dt)
            k4 = f(x + dt * k3, t + dt)
            x = x + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            if not np.all(np.isfinite(x)):
                run = int(np.flatnonzero(~np.all(np.isfinite(x), axis=1))[0])
                raise SimulationError(
                    f"the state of run {run} became non-finite at step {k + 1} "
                    f"(t = {t + dt:g}) with rk4, dt = {dt:g}; try a smaller dt or an "
                    "adaptive method", step=k + 1, trajectory=run)
            if (k + 1) % save_every == 0 and k_saved < n_saved:
                states[:, k_saved] = x
                k_saved += 1
    return states, x
