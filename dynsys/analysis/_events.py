"""Simulation with events (XPPAUT's ``global`` resets) for ``simulate``.

Each step (fixed ``dt`` for Euler and RK4, the solver's own step for the adaptive
methods) is taken without looking at the events; then every event's condition
``c(x, p, t)`` is evaluated at the end of the step and compared with its value at the
start, by XPPAUT's rule (``flags.c``): sign +1 fires when ``c`` goes from ``< 0`` to
``> 0``, sign -1 from ``> 0`` to ``<= 0`` (both with ``|c1 - c0| > 1e-10``), sign 0 when
``|c| < 5e-16`` at the end of the step. On a hit the crossing is located within the step:

* ``locate="root"`` (the default): the zero of ``s -> c(step(x, s h))`` on ``s`` in
  ``[0, 1]``, where ``step(x, s h)`` is the method's own step of length ``s h`` from the
  step's start (fixed-step methods) or the solver's dense output (adaptive methods),
  found by the Illinois method (regula falsi) to ``|s - s*| <= 1e-12``, i.e. the event
  time to ``1e-12 h``; the state is taken on the far side of the zero, so that the
  event cannot fire twice.
* ``locate="linear"`` (XPPAUT's own way, for conformance): ``s = c0 / (c0 - c1)``, the
  state interpolated linearly between the step's ends, ``s`` enlarged by the factor
  ``1 + 1e-10`` as XPPAUT does. Exact for linear motion, ``O(h^2)`` otherwise.

Every event whose crossing is the earliest (to the tolerance) fires: its assignments
are evaluated in order, each seeing the states already assigned (XPPAUT's sequential
rule), parameters change after all of them are evaluated and stay changed for the rest
of the run. Conditions that a reset itself makes cross fire too (XPPAUT's cascade).
Then the remaining ``(1 - s) h`` of the step is integrated from the new state, so the
output stays on the regular grid. At most ``k + 2`` events per step (``k`` events
declared), as XPPAUT ("working too hard"); beyond that the step ends without them and a
warning is recorded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.integrate

from dynsys._types import FloatArray
from dynsys.analysis._solver_limits import Budget, StepWatch
from dynsys.core.symbols import time_symbol
from dynsys.core.system import numeric_function
from dynsys.errors import ConvergenceError, ModelError, SimulationError

__all__ = ["LOCATE_TOL", "CompiledEvents", "adaptive_events", "fixed_step_events"]

#: Tolerance of the located event time, as a fraction of the step.
LOCATE_TOL = 1e-12
_XPP_TOL = 1e-10  # XPPAUT's tolmin: the condition must change by more than this
_XPP_STOL = 1e-10  # XPPAUT's STOL: the linear estimate is enlarged by 1 + STOL
_XPP_ZERO = 5e-16  # XPPAUT's MY_DBL_EPS: "vanishes identically" for sign 0


class CompiledEvents:
    """The numeric form of a model's events: conditions (batched) and assignments."""

    def __init__(self, system: Any) -> None:
        model = system.model
        self.events = tuple(model.events)
        self.signs = np.array([e.sign for e in self.events], dtype=int)
        self.n, self.m = len(model.states), len(model.param_symbols)
        args = [*model.states, *model.param_symbols, time_symbol]
        self._conds = numeric_function(args, [e.condition for e in self.events])
        states, params = list(model.state_names), list(model.param_names)
        self._assign = [
            [(name in states, states.index(name) if name in states else params.index(name),
              numeric_function(args, expr)) for name, expr in e.assignments]
            for e in self.events]
        self.changes_params = any(not is_state for e in self._assign for is_state, _, _ in e)

    def values(self, x: FloatArray, p: FloatArray, t: Any) -> FloatArray:
        """The conditions at states ``x (r, n)``, parameters ``p (r, m)``: ``(r, k)``."""
        with np.errstate(all="ignore"):
            out = self._conds(*x.T, *p.T, t)
        return np.stack(np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in out],
                                            np.empty(x.shape[0])), axis=-1)[..., :-1]

    def fire(self, which: list[int], x: FloatArray, p: FloatArray, t: float) -> None:
        """Apply the events ``which`` to one run's ``x (n,)`` and ``p (m,)``, in place."""
        pending = []
        with np.errstate(all="ignore"):
            for i in which:
                for is_state, k, fn in self._assign[i]:
                    value = float(fn(*x, *p, t))
                    if is_state:
                        x[k] = value  # seen by the next assignments (XPPAUT's order)
                    else:
                        pending.append((k, value))
        for k, value in pending:
            p[k] = value


def crossing(f0: FloatArray, f1: FloatArray, signs: np.ndarray, *, cascade: bool = False
             ) -> FloatArray:
    """XPPAUT's hit test (``flags.c``); ``cascade`` is its test after a reset."""
    moved = np.abs(f1 - f0) > _XPP_TOL
    if cascade:
        up, down = (f0 <= 0) & (f1 >= 0), (f0 >= 0) & (f1 <= 0)
        zero = (f0 * f1 <= 0) & ((f0 != 0) | (f1 != 0))
        return moved & np.where(signs == 1, up, np.where(signs == -1, down, zero))
    up, down = (f0 < 0) & (f1 > 0), (f0 > 0) & (f1 <= 0)
    return np.where(signs == 1, up & moved, np.where(signs == -1, down & moved,
                                                     np.abs(f1) < _XPP_ZERO))


def _root(g: Callable[[float], float], fa: float, fb: float, sign: int) -> float:
    """The far side ``b`` of the zero of ``g`` on [0, 1] (``g(0) = fa`` before the
    crossing, ``g(1) = fb`` after), to ``b - a <= LOCATE_TOL``: Illinois steps, every
    third one a bisection (which bounds the work at about 40 evaluations)."""
    def before(v: float) -> bool:
        return v < 0 if sign == 1 else v > 0

    a, b, side = 0.0, 1.0, 0
    for it in range(200):
        if b - a <= LOCATE_TOL or fb == 0:
            break
        s = b - fb * (b - a) / (fb - fa) if it % 3 != 2 and fb != fa else 0.5 * (a + b)
        if not a < s < b or not np.isfinite(s):
            s = 0.5 * (a + b)
        fs = g(s)
        if not np.isfinite(fs):
            raise SimulationError(f"an event condition is not finite within the step "
                                  f"(s = {s:.3g})")
        if before(fs):
            a, fa = s, fs
            if side == -1:
                fb *= 0.5
            side = -1
        else:
            b, fb = s, fs
            if side == 1:
                fa *= 0.5
            side = 1
    return b


class _Run:
    """One run's event handling around a step function ``step(y, p, t, h) -> y``."""

    def __init__(self, ev: CompiledEvents, locate: str, record: list[tuple[float, int]],
                 warn: list[str]) -> None:
        self.ev, self.locate, self.record, self.warn = ev, locate, record, warn

    def g(self, y: FloatArray, p: FloatArray, t: float) -> FloatArray:
        return self.ev.values(y[None, :], p[None, :], t)[0]

    def resolve(self, step: Callable[..., FloatArray], y: FloatArray, p: FloatArray,
                t: float, h: float, g0: FloatArray, y1: FloatArray, g1: FloatArray,
                dense: bool = False) -> tuple[FloatArray, FloatArray, float, bool]:
        """Events within the step ``t -> t + h`` that ended at ``y1`` (``g1``).

        Returns the state at the end of the step (or, with ``dense``, at the event:
        the adaptive caller restarts there), the conditions there, the time reached,
        and whether an event fired."""
        ev = self.ev
        hits = crossing(g0, g1, ev.signs)
        if not hits.any():
            return y1, g1, t + h, False
        s_hit = np.full(len(hits), np.inf)
        for i in np.flatnonzero(hits):
            if ev.signs[i] == 0:
                s_hit[i] = 1.0
            elif self.locate == "linear":
                s_hit[i] = g0[i] / (g0[i] - g1[i])
            else:
                s_hit[i] = _root(lambda s, i=i: float(self.g(
                    step(y, p, t, s * h), p, t + s * h)[i]), g0[i], g1[i], ev.signs[i])
        smin = float(np.min(s_hit))
        if self.locate == "linear":
            smin = _XPP_STOL if smin < _XPP_STOL else (1 + _XPP_STOL) * smin
            ye = y + min(smin, 1.0) * (y1 - y)
            firing = list(np.flatnonzero(s_hit <= smin))
        else:
            ye = np.array(step(y, p, t, smin * h), dtype=float)
            firing = list(np.flatnonzero(s_hit <= smin + 2 * LOCATE_TOL))
        smin = min(smin, 1.0)
        te = t + smin * h
        ye, pe = ye.copy(), p  # p is the run's own row: events change it in place
        before = self.g(ye, pe, te)
        done = set(firing)
        for _ in range(len(ev.signs) + 1):  # XPPAUT's cascade: resets crossing others
            ev.fire(firing, ye, pe, te)
            for i in firing:
                self.record.append((te, int(i)))
            after = self.g(ye, pe, te)
            more = [int(i) for i in np.flatnonzero(crossing(before, after, ev.signs,
                                                            cascade=True)) if i not in done]
            if not more:
                break
            done.update(more)
            firing, before = more, after
        return ye, after, te, True


def _rk4(system: Any) -> Callable[..., FloatArray]:
    def f(y: FloatArray, p: FloatArray, t: float) -> FloatArray:
        return np.asarray(system.rhs(y, p, t), dtype=np.float64)

    def step(y: FloatArray, p: FloatArray, t: float, h: float) -> FloatArray:
        k1 = f(y, p, t)
        k2 = f(y + 0.5 * h * k1, p, t + 0.5 * h)
        k3 = f(y + 0.5 * h * k2, p, t + 0.5 * h)
        k4 = f(y + h * k3, p, t + h)
        return y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    return step


def _euler(system: Any) -> Callable[..., FloatArray]:
    def step(y: FloatArray, p: FloatArray, t: float, h: float) -> FloatArray:
        return y + h * np.asarray(system.rhs(y, p, t), dtype=np.float64)

    return step


def _diagnostics(records: list[list[tuple[float, int]]], warn: list[str], locate: str,
                 ps: FloatArray, ev: CompiledEvents, names: tuple[str, ...]
                 ) -> dict[str, Any]:
    diag: dict[str, Any] = {
        "events": tuple(len(r) for r in records),
        "event_times": tuple(tuple(t for t, _ in r) for r in records),
        "event_index": tuple(tuple(i for _, i in r) for r in records),
        "event_location": ("linear interpolation within the step (XPPAUT's rule)"
                           if locate == "linear" else
                           f"root of the condition along the step, to {LOCATE_TOL:g} of "
                           "the step"),
    }
    if ev.changes_params:
        diag["final_params"] = tuple({k: float(v) for k, v in zip(names, row, strict=True)}
                                     for row in ps)
    if warn:
        diag["event_warnings"] = tuple(dict.fromkeys(warn))
    return diag


def fixed_step_events(
    system: Any, xs: FloatArray, ps: FloatArray, t0: float, dt: float, steps: int,
    save_every: int, n_saved: int, method: str, locate: str, watch: StepWatch | None,
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    """Euler or RK4 (``method``) with events; returns states, final states, diagnostics."""
    if locate not in ("root", "linear"):
        raise ModelError(f"locate must be 'root' or 'linear', got {locate!r}")
    ev = CompiledEvents(system)
    runs, n = xs.shape
    x = np.array(xs, dtype=np.float64)
    p = np.array(np.broadcast_to(ps, (runs, ps.shape[-1])), dtype=np.float64)
    step = _rk4(system) if method == "rk4" else _euler(system)
    store = np.empty((runs, n_saved, n))
    store[:, 0] = x
    records: list[list[tuple[float, int]]] = [[] for _ in range(runs)]
    warn: list[str] = []
    g0 = ev.values(x, p, t0)
    saved = 1
    with np.errstate(all="ignore"):
        for k in range(steps):
            if watch is not None and watch.due(k):
                watch.check(x, k)
            t = t0 + k * dt
            x1 = step(x, p, t, dt)
            g1 = ev.values(x1, p, t + dt)
            for r in np.flatnonzero(crossing(g0, g1, ev.signs).any(axis=1)):
                run = _Run(ev, locate, records[r], warn)
                y, g, tt, h = x[r], g0[r], t, dt
                yr, gr = x1[r], g1[r]
                for _ in range(len(ev.signs) + 2):
                    yr, gr, tt_new, hit = run.resolve(step, y, p[r], tt, h, g, yr, gr)
                    if not hit:
                        break
                    h, y, g, tt = t + dt - tt_new, yr, gr, tt_new
                    yr = step(y, p[r], tt, h)
                    gr = run.g(yr, p[r], tt + h)
                else:
                    warn.append(f"more than {len(ev.signs) + 2} events in one step (first "
                                f"at t = {t:g}, run {r}): XPPAUT's limit; the step went on "
                                "without them")
                x1[r], g1[r] = yr, gr
            if not np.all(np.isfinite(x1)):
                r = int(np.flatnonzero(~np.all(np.isfinite(x1), axis=1))[0])
                raise SimulationError(
                    f"the state of run {r} became non-finite at step {k + 1} (t = "
                    f"{t + dt:g}) with {method}, dt = {dt:g}; try a smaller dt",
                    step=k + 1, trajectory=r)
            x, g0 = x1, g1
            if (k + 1) % save_every == 0 and saved < n_saved:
                store[:, saved] = x
                saved += 1
    names = tuple(system.param_names)
    return store, x, _diagnostics(records, warn, locate, p, ev, names)


_SOLVERS = {"RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA"}


def adaptive_events(
    system: Any, xs: FloatArray, ps: FloatArray, t0: float, dt: float, steps: int,
    saved: np.ndarray, meth: Any,
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    """An adaptive solver (scipy's step-by-step classes) with events located on its
    dense output; the solver restarts from each reset."""
    ev = CompiledEvents(system)
    runs, n = xs.shape
    t_final = t0 + dt * steps
    grid = t0 + dt * saved
    states = np.empty((runs, saved.size, n))
    final = np.empty((runs, n))
    p_all = np.array(np.broadcast_to(ps, (runs, ps.shape[-1])), dtype=np.float64)
    records: list[list[tuple[float, int]]] = [[] for _ in range(runs)]
    warn: list[str] = []
    cls = getattr(scipy.integrate, meth.solver)
    nfev = []
    for r in range(runs):
        p = p_all[r]

        def fun(t: float, y: FloatArray, p: FloatArray = p) -> FloatArray:
            return np.asarray(system.rhs(y, p, t), dtype=np.float64)

        def jac(t: float, y: FloatArray, p: FloatArray = p) -> FloatArray:
            return np.asarray(system.jac(y, p, t), dtype=np.float64)

        budget = Budget(fun, jac, meth.solver, meth.max_evaluations, meth.max_seconds,
                        f"trajectory {r}")
        run = _Run(ev, "root", records[r], warn)
        out = states[r]
        final[r] = budget.run(functools.partial(_adaptive_one, cls, budget, meth, run, xs[r],
                                                p, t0, t_final, grid, out))
        nfev.append(budget.evaluations)
    diag = _diagnostics(records, warn, "root", p_all, ev, tuple(system.param_names))
    diag["nfev"] = tuple(nfev)
    return states, final, diag


def _adaptive_one(cls: Any, budget: Budget, meth: Any, run: _Run, y0: FloatArray,
                  p: FloatArray, t0: float, t_final: float, grid: FloatArray,
                  out: FloatArray) -> FloatArray:
    implicit = meth.solver in ("Radau", "BDF", "LSODA")
    extra = {"jac": budget.jac} if implicit else {}

    def start(t: float, y: FloatArray) -> Any:
        return cls(budget.fun, t, y, t_final, rtol=meth.rtol, atol=meth.atol,
                   max_step=meth.max_step, **extra)

    y = np.array(y0, dtype=np.float64)
    out[0] = last = y
    j = 1
    g0 = run.g(y, p, t0)
    solver = start(t0, y)
    while solver.status == "running":
        message = solver.step()
        if solver.status == "failed":
            raise ConvergenceError(f"{meth.solver} gave up at t = {solver.t:g}: {message}",
                                   last_iterate=solver.y)
        t_old, t_new = solver.t_old, solver.t
        if not np.all(np.isfinite(solver.y)):
            raise SimulationError(f"{meth.solver}: the state became non-finite near t = "
                                  f"{t_new:g}")
        g1 = run.g(solver.y, p, t_new)
        last = solver.y
        dense = None
        if crossing(g0, g1, run.ev.signs).any() or (j < grid.size and grid[j] <= t_new):
            dense = solver.dense_output()
        if dense is None:
            g0 = g1
            continue
        h = t_new - t_old

        def step(yy: Any, pp: Any, tt: float, hh: float, dense: Any = dense) -> FloatArray:
            return np.asarray(dense(tt + hh), dtype=np.float64)

        ye, ge, te, hit = run.resolve(step, dense(t_old), p, t_old, h, g0, solver.y, g1)
        while j < grid.size and grid[j] <= (te if hit else t_new) + 1e-12 * abs(t_new):
            out[j] = dense(grid[j]) if not (hit and grid[j] >= te) else ye
            j += 1
        g0, last = ge, ye
        if hit and te < t_final:
            solver = start(te, ye)
    while j < grid.size:  # the last grid point is t_final itself
        out[j] = last
        j += 1
    return np.array(last, dtype=np.float64)
