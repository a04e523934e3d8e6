"""The limits of the solvers behind :func:`~dynsys.analysis.simulate.simulate`.

Two guards, so that no simulation hangs or returns a silently meaningless answer:

* :class:`Budget` bounds one adaptive solve (``solve_ivp``) by the number of right-hand
  side evaluations and by wall time, and records where the right-hand side or the
  Jacobian first stopped being finite (the state left the model's domain, e.g.
  ``sqrt`` of a negative number). An adaptive solver facing a blow-up shrinks its step
  without end (LSODA never gives up); the budget stops it with a
  :class:`~dynsys.errors.ConvergenceError` naming the time reached.
* :func:`unstable_step` checks a fixed step against the method's own stability limit:
  forward Euler multiplies a mode of eigenvalue ``lambda`` by ``1 + dt lambda`` per
  step, so where ``dt |lambda|`` exceeds 2 on a decaying mode the numbers grow without
  meaning while staying finite for a while (``x' = -1000 (x - cos t)`` with dt 0.1
  gives -9e19 instead of 0.54).

References
----------
Hairer, E. & Wanner, G. (1996). *Solving Ordinary Differential Equations II: Stiff and
Differential-Algebraic Problems*, Section IV.2 (stability domains). Springer.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from dynsys._types import FloatArray
from dynsys.errors import ConvergenceError, ModelError, SimulationError

__all__ = [
    "MAX_CHECKED_STATES",
    "MAX_EVALUATIONS",
    "MAX_SECONDS",
    "STABILITY_LIMIT",
    "Budget",
    "StepWatch",
    "UnstableStepWarning",
    "check_limits",
    "unstable_step",
]

#: Default right-hand-side evaluations of one adaptive solve (a typical run takes a
#: few thousand; a blow-up or a stalled solver would take them all).
MAX_EVALUATIONS = 100_000
#: Default wall time of one adaptive solve, in seconds.
MAX_SECONDS = 300.0
#: Largest ``dt |lambda|`` of a decaying real mode each fixed-step method keeps bounded
#: (forward Euler's stability interval is [-2, 0]; classical RK4's about [-2.785, 0]).
STABILITY_LIMIT = {"euler": 2.0, "rk4": 2.785}
#: The factor ``R(z)``, ``z = dt lambda``, by which each method multiplies a linear mode.
_AMPLIFICATION: dict[str, Callable[[Any], Any]] = {
    "euler": lambda z: 1.0 + z,
    "rk4": lambda z: 1.0 + z * (1.0 + z / 2.0 * (1.0 + z / 3.0 * (1.0 + z / 4.0))),
}
_DISPLAY = {"euler": "Euler", "rk4": "RK4"}
#: Largest system whose fixed steps are checked against the stability limit.
MAX_CHECKED_STATES = 256
#: Evaluations between two reads of the clock.
_CLOCK_EVERY = 64


def check_limits(max_evaluations: Any, max_seconds: Any) -> tuple[int, float]:
    """The two budget settings of :class:`~dynsys.analysis.simulate.Adaptive`, checked.

    Examples
    --------
    >>> check_limits(1000, 2)
    (1000, 2.0)
    >>> check_limits(0, 2)
    Traceback (most recent call last):
    ...
    dynsys.errors.ModelError: max_evaluations must be a positive integer, got 0
    """
    if isinstance(max_evaluations, bool) or not isinstance(max_evaluations, int | np.integer) \
            or max_evaluations < 1:
        raise ModelError(f"max_evaluations must be a positive integer, got {max_evaluations!r}")
    try:
        seconds = float(max_seconds)
    except (TypeError, ValueError):
        raise ModelError(f"max_seconds must be a positive number, got {max_seconds!r}") from None
    if not seconds > 0:  # also NaN; inf means no limit
        raise ModelError(f"max_seconds must be positive, got {max_seconds!r}")
    return int(max_evaluations), seconds


class _Stop(Exception):
    """Raised inside the solver's callbacks to end a solve that is over its budget."""


class Budget:
    """Counting, timing and finiteness-watching wrappers of ``fun`` and ``jac``.

    Use :meth:`fun` and :meth:`jac` in place of the originals, and run the solver
    inside :meth:`run`, which turns an exhausted budget into a ConvergenceError and a
    solver crash on non-finite values into a SimulationError.

    Parameters
    ----------
    fun, jac : callables ``(t, y) -> array`` (``jac`` may be None)
    solver : str
        The solver's name, for messages.
    max_evaluations : int
        Most calls of ``fun`` and ``jac`` together.
    max_seconds : float
        Most wall time, checked every few calls.
    label : str, optional
        What is being solved, for messages (e.g. ``"trajectory 3"``).

    Examples
    --------
    >>> b = Budget(lambda t, y: -y, None, "RK45", 10, 60.0)
    >>> b.run(lambda: [b.fun(0.0, np.ones(1)) for _ in range(20)])
    Traceback (most recent call last):
    ...
    dynsys.errors.ConvergenceError: RK45 stopped at t = 0 after 10 right-hand-side \
evaluations (max_evaluations = 10); last state [1]: the solution may blow up near t = 0, \
or the model is stiff (try Radau or BDF)
    """

    def __init__(self, fun: Callable[[float, FloatArray], Any],
                 jac: Callable[[float, FloatArray], Any] | None, solver: str,
                 max_evaluations: int, max_seconds: float, label: str = "") -> None:
        self._fun = fun
        self._jacobian = jac
        self.solver = solver
        self.label = f" on {label}" if label else ""
        self.max_evaluations = int(max_evaluations)
        self.max_seconds = float(max_seconds)
        self.evaluations = 0
        self.t = math.nan  # time of the latest call
        self.y: FloatArray | None = None  # state of the latest call
        self.bad: tuple[str, float, FloatArray] | None = None  # first non-finite value
        self._deadline = time.monotonic() + self.max_seconds
        self.reason = ""

    def _count(self, t: float, y: FloatArray) -> None:
        self.evaluations += 1
        self.t, self.y = float(t), y
        if self.evaluations > self.max_evaluations:
            self.reason = (f"{self.max_evaluations} right-hand-side evaluations "
                           f"(max_evaluations = {self.max_evaluations})")
            raise _Stop
        if self.evaluations % _CLOCK_EVERY == 0 and time.monotonic() > self._deadline:
            self.reason = f"{self.max_seconds:g} s (max_seconds = {self.max_seconds:g})"
            raise _Stop

    def _watch(self, what: str, t: float, y: FloatArray, value: Any) -> Any:
        if self.bad is None and not np.all(np.isfinite(value)):
            self.bad = (what, float(t), np.array(y, dtype=np.float64))
        return value

    def fun(self, t: float, y: FloatArray) -> Any:
        """The right-hand side, counted."""
        self._count(t, y)
        return self._watch("right-hand side", t, y, self._fun(t, y))

    def jac(self, t: float, y: FloatArray) -> Any:
        """The Jacobian, counted (only meaningful when ``jac`` was given)."""
        if self._jacobian is None:
            raise ModelError("this budget has no Jacobian")
        self._count(t, y)
        return self._watch("Jacobian", t, y, self._jacobian(t, y))

    def run(self, solve: Callable[[], Any]) -> Any:
        """``solve()``, with the budget's stops and crashes turned into dynsys errors.

        Raises
        ------
        ConvergenceError
            The budget ran out; the message names the time reached and the last state.
        SimulationError
            The solver failed on a non-finite right-hand side or Jacobian (the state
            left the model's domain); the message names the time and the state.
        """
        try:
            return solve()
        except _Stop:
            last = None if self.y is None else np.array(self.y, dtype=np.float64)
            raise ConvergenceError(
                f"{self.solver} stopped{self.label} at t = {self.t:g} after {self.reason}; "
                f"last state {_short(last)}: the solution may blow up near t = {self.t:g}, "
                "or the model is stiff (try Radau or BDF)", last_iterate=last,
            ) from None
        except ValueError as exc:
            if self.bad is None:  # not a non-finite value: a bug, not the user's model
                raise
            what, t, y = self.bad
            raise SimulationError(
                f"{self.solver} failed{self.label}: the {what} is not finite at t = {t:g}, "
                f"state {_short(y)} (the state left the model's domain, or the solution "
                f"blows up) ({exc})",
            ) from None


def _short(values: Any) -> str:
    """A state for a message: ``[1, 2.5e+154]``, cut after 200 characters."""
    flat = [] if values is None else np.asarray(values, dtype=np.float64).ravel().tolist()
    text = "[" + ", ".join(f"{v:.6g}" for v in flat) + "]"
    return text if len(text) <= 200 else text[:197] + "..."


class UnstableStepWarning(UserWarning):
    """A fixed step is beyond the method's stability limit: the numbers are meaningless."""


def unstable_step(
    jac: Callable[[FloatArray, FloatArray, float], Any], x: FloatArray, t: float, dt: float,
    method: str = "euler", max_runs: int = 256,
) -> tuple[float, int] | None:
    """``(dt |lambda|, run)`` where the step ``dt`` is unstable at the states ``x``, else None.

    ``jac(x[idx], idx, t)`` gives the Jacobians ``(k, n, n)`` of the runs ``idx`` of
    the batch ``x (runs, n)``; at most ``max_runs`` runs are checked (fewer for large
    n, so that a check costs about as much as a few steps). A run is unstable when an
    eigenvalue ``lambda`` has ``dt |lambda|`` above the method's limit
    (:data:`STABILITY_LIMIT`) and the step amplifies it more than the exact flow does
    (``|R(dt lambda)| > max(1, exp(dt Re lambda))``, ``R(z) = 1 + z`` for Euler, the
    degree-4 Taylor polynomial of ``exp`` for RK4): growth the solution itself has is
    not an instability of the method. Non-finite Jacobians are skipped.

    Examples
    --------
    >>> def stiff(x, idx, t):
    ...     return np.full((len(x), 1, 1), -1000.0)
    >>> unstable_step(stiff, np.zeros((1, 1)), 0.0, 0.1)
    (100.0, 0)
    >>> unstable_step(stiff, np.zeros((1, 1)), 0.0, 0.001) is None
    True
    """
    limit = STABILITY_LIMIT[method]
    runs, n = x.shape
    take = max(1, min(max_runs, 2**16 // max(1, n**3)))
    idx = np.unique(np.linspace(0, runs - 1, min(runs, take)).round().astype(int))
    with np.errstate(all="ignore"):
        mats = np.asarray(jac(x[idx], idx, t), dtype=np.float64).reshape(len(idx), n, n)
        ok = np.all(np.isfinite(mats), axis=(1, 2))
        if not np.any(ok):
            return None
        lam = np.linalg.eigvals(mats[ok]) * dt
        grows = np.abs(_AMPLIFICATION[method](lam)) > np.maximum(1.0, np.exp(lam.real))
        bad = np.where(grows & (np.abs(lam) > limit), np.abs(lam), 0.0)
    worst = np.max(bad, axis=1)
    k = int(np.argmax(worst))
    if worst[k] <= 0.0:
        return None
    return float(worst[k]), int(idx[ok][k])


class StepWatch:
    """Checks of a fixed-step run's stability: at the start and at a few points along it.

    ``due(k)`` says whether step ``k`` is a check point; ``check(x, k)`` checks the
    states ``x (runs, n)`` after ``k`` steps and warns (:class:`UnstableStepWarning`,
    once per run of the method) when the step is unstable there. ``messages`` keeps the
    warning for the result's diagnostics. A system without a Jacobian, or with more
    than :data:`MAX_CHECKED_STATES` states (its eigenvalues would cost more than the
    run), is not checked.

    Parameters
    ----------
    system : System
        Its ``jac(x, p, t)`` is used when present.
    ps : array (m,) or (runs, m)
        The parameters.
    t0, dt : float
    steps : int
        Steps of the run; the checks are at 0, steps/4, steps/2, 3 steps/4 and steps.
    method : str, default "euler"
    """

    def __init__(self, system: Any, ps: FloatArray, t0: float, dt: float, steps: int,
                 method: str = "euler", checks: int = 4) -> None:
        jac = getattr(system, "jac", None)
        small = int(getattr(system, "n", 0)) <= MAX_CHECKED_STATES
        self._jacobian = jac if callable(jac) and small else None
        self._ps = ps
        self.t0, self.dt, self.method = t0, dt, method
        self._due = sorted({0, *(steps * j // checks for j in range(1, checks + 1))})
        self.messages: list[str] = []

    def due(self, k: int) -> bool:
        """True when step ``k`` is at or past the next check point (and none warned yet)."""
        return self._jacobian is not None and not self.messages and bool(self._due) \
            and k >= self._due[0]

    def check(self, x: FloatArray, k: int) -> None:
        """Check the states ``x (runs, n)`` after ``k`` steps; warn once if unstable."""
        while self._due and self._due[0] <= k:
            self._due.pop(0)
        if self._jacobian is None or self.messages:
            return
        t = self.t0 + k * self.dt
        ps = self._ps

        def jac(xs: FloatArray, idx: FloatArray, tt: float) -> Any:
            return self._jacobian(xs, ps if ps.ndim == 1 else ps[idx], tt)  # type: ignore[misc]

        found = unstable_step(jac, x, t, self.dt, self.method)
        if found is None:
            return
        value, run = found
        limit = STABILITY_LIMIT[self.method]
        name = _DISPLAY[self.method]
        message = (
            f"dt * |lambda| = {value:.3g} > {limit:g}: {name} is unstable here (trajectory "
            f"{run}, t = {t:g}); use a smaller dt (below {limit * self.dt / value:.2g}) or "
            "--method radau"
        )
        self.messages.append(message)
        warnings.warn(message, UnstableStepWarning, stacklevel=4)
