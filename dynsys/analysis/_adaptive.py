"""Adaptive integration: the package's one call of :func:`scipy.integrate.solve_ivp`.

:func:`adaptive_run` solves one ODE within the budget of its
:class:`~dynsys.analysis.simulate.Adaptive` settings (right-hand-side evaluations and
wall time, :class:`~dynsys.analysis._solver_limits.Budget`); :func:`adaptive_states`
is :func:`~dynsys.analysis.simulate.simulate`'s adaptive path, one run per initial
condition on the output grid, with every failure turned into a dynsys error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from dynsys._types import ArrayLike, FloatArray
from dynsys.analysis._solver_limits import Budget
from dynsys.errors import ConvergenceError, SimulationError

__all__ = ["adaptive_run", "adaptive_states"]

_IMPLICIT = {"Radau", "BDF", "LSODA"}


def adaptive_run(
    fun: Callable[[float, FloatArray], FloatArray], t_span: tuple[float, float], y0: ArrayLike,
    method: Any, *, t_eval: ArrayLike | None = None, events: Any = None,
    jac: Callable[[float, FloatArray], FloatArray] | None = None, label: str = "",
) -> Any:
    """One adaptive run of ``dy/dt = fun(t, y)``: the package's one call of ``solve_ivp``.

    ``method`` gives the solver, ``rtol``, ``atol``, ``max_step`` and the run's budget
    (``max_evaluations``, ``max_seconds``); ``t_eval``, ``events`` and ``jac`` mean what
    they mean to :func:`scipy.integrate.solve_ivp`, whose result (``t``, ``y``,
    ``status``, ``message``, ``t_events``, ...) is returned as is: the caller checks
    ``status`` and finiteness and says what a failure means. Floating-point warnings
    are silenced. ``label`` names the run in error messages (``"trajectory 3"``).

    Raises
    ------
    ConvergenceError
        The run used up its budget (a blow-up, or a solver that stalls); the message
        names the time reached.
    SimulationError
        The solver failed on a non-finite right-hand side or Jacobian (the state left
        the model's domain, e.g. ``sqrt`` of a negative number).

    Examples
    --------
    >>> from dynsys.analysis.simulate import Adaptive
    >>> sol = adaptive_run(lambda t, y: -y, (0.0, 1.0), [1.0], Adaptive("DOP853"))
    >>> sol.status, bool(abs(sol.y[0, -1] - np.exp(-1.0)) < 1e-8)
    (0, True)
    """
    budget = Budget(fun, jac, method.solver, method.max_evaluations, method.max_seconds, label)
    with np.errstate(all="ignore"):
        return budget.run(lambda: solve_ivp(
            budget.fun, t_span, y0, method=method.solver, t_eval=t_eval, events=events,
            rtol=method.rtol, atol=method.atol, max_step=method.max_step,
            **({} if jac is None else {"jac": budget.jac})))


def adaptive_states(
    system: Any, xs: FloatArray, ps: FloatArray, t0: float, dt: float, steps: int,
    saved: np.ndarray, meth: Any,
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    runs, n = xs.shape
    t_final = t0 + dt * steps
    t_eval = t0 + dt * saved
    extra = saved[-1] != steps
    if extra:
        t_eval = np.append(t_eval, t_final)
    states = np.empty((runs, saved.size, n))
    final = np.empty((runs, n))
    diag: dict[str, list[Any]] = {"nfev": [], "njev": [], "status": [], "message": []}
    for r in range(runs):
        p = ps if ps.ndim == 1 else ps[r]

        def fun(t: float, y: FloatArray, p: FloatArray = p) -> FloatArray:
            return np.asarray(system.rhs(y, p, t), dtype=np.float64)

        def jac(t: float, y: FloatArray, p: FloatArray = p) -> FloatArray:
            return np.asarray(system.jac(y, p, t), dtype=np.float64)

        with np.errstate(all="ignore"):
            f0 = fun(t0, xs[r])
        if not np.all(np.isfinite(f0)):  # solve_ivp loops forever on a NaN first slope
            raise SimulationError(
                f"{meth.solver}: the right-hand side is not finite at the initial state "
                f"{xs[r].tolist()} of trajectory {r}", step=0, trajectory=r,
            )
        try:
            sol = adaptive_run(fun, (t0, t_final), xs[r], meth, t_eval=t_eval,
                               jac=jac if meth.solver in _IMPLICIT else None,
                               label=f"trajectory {r}")
        except SimulationError as exc:
            raise SimulationError(str(exc), trajectory=r) from None
        y = sol.y.T
        if sol.status < 0 or y.shape[0] != t_eval.size:
            if y.size and not np.all(np.isfinite(y)):
                raise SimulationError(
                    f"{meth.solver}: the state became non-finite in trajectory {r}: "
                    f"{sol.message}", trajectory=r,
                )
            raise ConvergenceError(
                f"{meth.solver} gave up on trajectory {r} at t = {sol.t[-1]:g}: "
                f"{sol.message}; try a smaller rtol/atol, max_step, or an implicit "
                "solver (Radau, BDF) for stiff models",
                last_iterate=y[-1] if y.size else xs[r],
            )
        if not np.all(np.isfinite(y)):
            bad = int(np.argmax(~np.isfinite(y).all(axis=1)))
            raise SimulationError(
                f"{meth.solver}: the state became non-finite at output {bad} "
                f"(t = {t_eval[bad]:g}) in trajectory {r}", step=bad, trajectory=r,
            )
        states[r] = y[: saved.size]
        final[r] = y[-1]
        diag["nfev"].append(int(sol.nfev))
        diag["njev"].append(int(sol.njev))
        diag["status"].append(int(sol.status))
        diag["message"].append(str(sol.message))
    return states, final, {k: tuple(v) for k, v in diag.items()}
