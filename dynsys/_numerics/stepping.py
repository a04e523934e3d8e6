"""Fixed-step loops for the package's internal short runs.

:func:`euler` and :func:`rk4` step a vectorized field ``f(x) -> dx/dt`` over a batch of
states ``(..., n)``; :func:`step_count` turns ``(t_end, dt)`` into a number of steps
under a cap. They serve the short runs inside analyses (phase-plane trajectories and
basins, equilibrium seeding, Hopfield relaxation);
:func:`dynsys.analysis.simulate.simulate` stays the simulation engine for users.

Both steppers raise :class:`~dynsys.errors.SimulationError` (naming the step and the
trajectory) when a state becomes non-finite, unless the caller asks to keep such
states (``allow_nonfinite=True``) because it handles them itself, and
:class:`~dynsys.errors.ModelError` when asked for more than ``max_steps`` steps.

References
----------
Hairer, E., Norsett, S. P. and Wanner, G. (1993). *Solving Ordinary Differential
Equations I*, 2nd ed., Sections II.1 (Euler, RK4).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from dynsys._types import ArrayLike, FloatArray
from dynsys.errors import ModelError, SimulationError

__all__ = ["MAX_STEPS", "euler", "rk4", "step_count"]

#: Most steps one internal run takes (a typo such as t_end = 1e300 must not hang).
MAX_STEPS = 10**7

Field = Callable[[FloatArray], FloatArray]


def step_count(t_end: float, dt: float, *, nearest: bool = False, max_steps: int = MAX_STEPS,
               method: str = "fixed") -> int:
    """Number of steps covering ``t_end`` with steps of about ``dt`` (at least 1).

    ``ceil(t_end / dt)`` (then the step is ``t_end / steps <= dt``), or with
    ``nearest`` the nearest integer (the step stays ``dt``).

    Raises
    ------
    ModelError
        When ``t_end / dt`` is more than ``max_steps`` or not a number; ``method``
        names the steps in the message.

    Examples
    --------
    >>> step_count(1.0, 0.3), step_count(1.0, 0.3, nearest=True)
    (4, 3)
    """
    ratio = float(t_end) / float(dt)
    if not ratio <= max_steps:  # also NaN
        raise ModelError(f"t_end / dt = {ratio:.4g} {method} steps is more than "
                         f"{max_steps:.0e}; choose a shorter t_end or a larger dt")
    return max(int(round(ratio) if nearest else math.ceil(ratio)), 1)


def _check_count(steps: int, max_steps: int) -> int:
    steps = int(steps)
    if not 0 <= steps <= max_steps:
        raise ModelError(f"the number of steps must be from 0 to {max_steps:.0e}, got {steps}")
    return steps


def _nonfinite(x: FloatArray, step: int, dt: float, what: str) -> SimulationError:
    rows = np.reshape(~np.isfinite(x), (-1, x.shape[-1]) if x.ndim else (1, 1))
    run = int(np.argmax(np.any(rows, axis=1)))
    return SimulationError(
        f"{what}: the state became non-finite at step {step} (t = {step * dt:g}) in "
        f"trajectory {run}; the solution blows up, or the step {dt:g} is too large",
        step=step, trajectory=run)


def euler(f: Field, x0: ArrayLike, dt: float, steps: int, *, save: bool = False,
          noise: Callable[[tuple[int, ...]], FloatArray] | None = None,
          allow_nonfinite: bool = False, max_steps: int = MAX_STEPS,
          what: str = "Euler run") -> FloatArray:
    """Forward Euler ``x <- x + dt f(x)`` (plus ``noise(x.shape)`` if given) for a batch.

    Parameters
    ----------
    f : callable
        The vectorized field, ``f(x) -> dx/dt`` of the shape of ``x``.
    x0 : array (..., n)
        Initial states.
    dt : float
        The step (negative to run backward).
    steps : int
        Number of steps, at most ``max_steps``.
    save : bool
        Return every state ``(steps + 1, ..., n)`` instead of the last ``(..., n)``.
    noise : callable, optional
        ``noise(shape) -> increment`` added after each deterministic step (the
        Euler-Maruyama ``sigma sqrt(dt) xi``).
    allow_nonfinite : bool
        Keep non-finite states (the caller filters them) instead of raising.
    what : str
        Names the run in error messages.

    Raises
    ------
    SimulationError
        At the first step where a state is not finite (unless ``allow_nonfinite``).
    ModelError
        For more than ``max_steps`` steps.

    Examples
    --------
    >>> import numpy as np
    >>> float(euler(lambda x: -x, np.array([1.0]), 0.5, 2)[0])
    0.25
    """
    steps = _check_count(steps, max_steps)
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()] if save else []
    with np.errstate(all="ignore"):
        for k in range(steps):
            x = x + dt * f(x)
            if noise is not None:
                x += noise(x.shape)
            if not allow_nonfinite and not np.all(np.isfinite(x)):
                raise _nonfinite(x, k + 1, dt, what)
            if save:
                path.append(x.copy())
    return np.stack(path) if save else x


#: Step times spectral radius kept by :func:`rk4` with ``radius``: inside RK4's region of
#: absolute stability, which reaches -2.785 on the negative real axis.
RK4_STABLE = 2.5
#: Most substeps of one :func:`rk4` step: a radius beyond ``RK4_MAX_SUBSTEPS *
#: RK4_STABLE / h`` is a solution escaping to infinity (``x' = -x^2``), not a stiff
#: corner, and more substeps would only delay its blow-up (a hang, once, in a phase
#: plane whose trajectories left the region for infinity).
RK4_MAX_SUBSTEPS = 256


def rk4(f: Field, x0: ArrayLike, h: float, steps: int, *, save: bool = False,
        allow_nonfinite: bool = False, max_steps: int = MAX_STEPS,
        what: str = "RK4 run", radius: Callable[[FloatArray], float] | None = None
        ) -> FloatArray:
    """Classical fourth-order Runge-Kutta with step ``h`` for a batch ``(..., n)``.

    Same parameters, results and errors as :func:`euler` (without noise); the step is
    ``x <- x + h/6 (k1 + 2 k2 + 2 k3 + k4)``. With ``radius`` (the largest ``|lambda|``
    of the Jacobian at the current states), a step where ``h * radius > RK4_STABLE`` is
    taken as ``ceil(h * radius / RK4_STABLE)`` equal substeps (at most
    :data:`RK4_MAX_SUBSTEPS`), so that a stiff corner of the state space is integrated
    stably instead of drawn as a zigzag; elsewhere the result is exactly the fixed-step
    one.

    Examples
    --------
    >>> import numpy as np
    >>> x = rk4(lambda x: -x, np.array([1.0]), 0.1, 10)
    >>> bool(abs(x[0] - np.exp(-1.0)) < 1e-6)
    True
    """
    steps = _check_count(steps, max_steps)
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()] if save else []
    with np.errstate(all="ignore"):
        for k in range(steps):
            sub = 1
            if radius is not None:
                rho = radius(x)
                if math.isfinite(rho) and h * rho > RK4_STABLE:
                    sub = min(math.ceil(h * rho / RK4_STABLE), RK4_MAX_SUBSTEPS)
            hs = h / sub
            for _ in range(sub):
                k1 = f(x)
                k2 = f(x + 0.5 * hs * k1)
                k3 = f(x + 0.5 * hs * k2)
                k4 = f(x + hs * k3)
                x = x + (hs / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
            if not allow_nonfinite and not np.all(np.isfinite(x)):
                raise _nonfinite(x, k + 1, h, what)
            if save:
                path.append(x.copy())
    return np.stack(path) if save else x
