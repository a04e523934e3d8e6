"""Starting guesses of periodic orbits (a mechanism of :mod:`cycles`).

One period cut out of a run (from a state after a transient, or from a simulated
trajectory), the small cycle a Hopf point's normal form predicts, and the helpers a
start from a Hopf point needs (its checks, its critical eigenvector, the eigenvector's
profile over one period).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

import dynsys.bifurcation._collocation as col
from dynsys._numerics.newton import newton
from dynsys._types import ComplexArray, FloatArray, ParamsLike
from dynsys.analysis.simulate import Adaptive, adaptive_run
from dynsys.bifurcation.points import SpecialPoint
from dynsys.core.system import resolve_params
from dynsys.errors import ConvergenceError, DynsysError, ModelError

__all__: list[str] = []


def profile_from_run(t: FloatArray, x: FloatArray, mesh: col.Mesh,
                      names: tuple[str, ...] = ()) -> tuple[FloatArray, float]:
    """Cut the last full period out of a run: (node values, period)."""
    spread = np.ptp(x, axis=0)
    j = int(np.argmax(spread / (1.0 + np.abs(x.mean(axis=0)))))
    # below 1e-6 (relative) a "range" is the integrator's noise around an equilibrium
    if not spread[j] > 1e-6 * (1.0 + float(np.max(np.abs(x)))):
        raise ConvergenceError(
            "the run settled to an equilibrium (no oscillation to start a periodic orbit "
            "from): give a state on or near the cycle, a longer transient, or start from a "
            "Hopf point")
    name = names[j] if j < len(names) else f"state {j + 1}"
    quarter = len(x) // 4
    early, late = np.ptp(x[:quarter, j]), np.ptp(x[-quarter:, j])
    if late < 0.5 * early:  # the rule of simulated_cycles: a focus, spiralling in
        raise ConvergenceError(
            f"the run is still decaying toward an equilibrium (the oscillation of {name} "
            f"shrank from {early:.3g} to {late:.3g} over the measuring window): no "
            "cycle to start from; give a state on or near the cycle, or start from a Hopf "
            "point")
    d = x[:, j] - 0.5 * (x[:, j].max() + x[:, j].min())
    idx = np.nonzero((d[:-1] < 0) & (d[1:] >= 0))[0]
    if len(idx) < 3:
        raise ConvergenceError(
            f"the run shows fewer than 3 oscillations of {name} (found {len(idx)}): integrate "
            "a longer transient or start from a Hopf point")
    tc = t[idx] + (t[idx + 1] - t[idx]) * (-d[idx]) / (d[idx + 1] - d[idx])
    t0, t1 = float(tc[-2]), float(tc[-1])
    period = t1 - t0
    times = t0 + mesh.nodes() * period
    prof = np.column_stack([np.interp(times, t, x[:, i]) for i in range(x.shape[1])])
    return prof.reshape(mesh.ntst, mesh.ncol, -1), period


def from_state(system: Any, x0: FloatArray, p: FloatArray, mesh: col.Mesh,
               transient: float | None) -> tuple[FloatArray, float]:
    """A transient run from ``x0`` (default length: the model's ``total``, else 200),
    then one period cut out of a second run of the same length: (node values, period)."""
    model = getattr(system, "model", None)
    if transient is None:
        transient = float(getattr(model, "options", {}).get("total", 200.0) or 200.0)

    kernel = system.rhs_kernel(p, size=1) if hasattr(system, "rhs_kernel") else None
    buf = np.empty((system.n, 1))

    def fun(t: float, y: FloatArray) -> FloatArray:
        if kernel is None:
            return np.asarray(system.rhs(y, p), dtype=np.float64)
        kernel(np.ascontiguousarray(y.reshape(-1, 1)), t, buf)  # the fast scalar path
        return buf[:, 0].copy()

    # a transient, then a measuring window of the same length, finely sampled; the
    # profile is only Newton's starting point, so moderate tolerances are enough
    sol = adaptive_run(fun, (0.0, transient), x0, Adaptive("DOP853", rtol=1e-7, atol=1e-9),
                       label="transient run")
    if sol.status < 0 or not np.all(np.isfinite(sol.y)):
        raise ConvergenceError(f"the run from the guess failed: {sol.message}")
    t_eval = np.linspace(0.0, transient, 20001)
    sol = adaptive_run(fun, (0.0, transient), sol.y[:, -1],
                       Adaptive("DOP853", rtol=1e-9, atol=1e-11), t_eval=t_eval,
                       label="measuring run")
    if sol.status < 0 or not np.all(np.isfinite(sol.y)):
        raise ConvergenceError(f"the run from the guess failed: {sol.message}")
    try:
        return profile_from_run(sol.t, sol.y.T, mesh, tuple(system.state_names))
    except ConvergenceError as exc:
        settled = _equilibrium_near(system, sol.y[:, -1], p)
        if settled is None:
            raise
        x, stable = settled
        where = ", ".join(f"{nm} = {v:.6g}" for nm, v in zip(system.state_names, x,
                                                              strict=True))
        raise ConvergenceError(
            f"{exc}; the run ends near the {'stable ' if stable else ''}equilibrium "
            f"({where})", last_iterate={"equilibrium": x.tolist(), "stable": stable}
        ) from None


def _equilibrium_near(system: Any, end: FloatArray, p: FloatArray
                      ) -> tuple[FloatArray, bool] | None:
    """The equilibrium a run ended near (Newton from its last state, within 1e-2 of it
    relative), and whether it is stable; None if there is none."""

    def fun(z: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (np.asarray(system.rhs(z, p), dtype=np.float64),
                np.asarray(system.jac(z, p), dtype=np.float64))

    try:
        x, _, _ = newton(fun, end, what="equilibrium at the run's end")
    except (DynsysError, ArithmeticError, ValueError):
        return None
    if np.max(np.abs(x - end)) > 1e-2 * (1.0 + float(np.max(np.abs(x)))):
        return None  # the run did not end near this equilibrium
    return x, bool(np.all(np.linalg.eigvals(fun(x)[1]).real < 0))


def params_mapping(system: Any, params: ParamsLike) -> dict[str, float]:
    """``params`` (None, a mapping or an array) as a name -> value mapping."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return {str(k): float(v) for k, v in params.items()}
    arr = np.asarray(params, dtype=np.float64).reshape(-1)
    return dict(zip(system.param_names, arr.tolist(), strict=True))


def check_hopf_start(hopf: SpecialPoint, *, need_l1: bool) -> None:
    """Refuse a Hopf point cycles cannot start from: omega = 0 (Bogdanov-Takens), or
    l1 = 0 (degenerate; with ``need_l1``, also l1 unknown: no amplitude to predict)."""
    if hopf.omega is None or not hopf.omega > 0:
        raise ModelError(f"the Hopf point at {point_text(hopf)} has no positive frequency "
                         "(omega = 0: a Bogdanov-Takens point): no cycles start there")
    l1 = hopf.l1
    if (l1 is None and need_l1) or (l1 is not None and (not math.isfinite(l1) or l1 == 0)):
        raise ModelError(f"the Hopf point at {point_text(hopf)} is degenerate (first Lyapunov "
                         "coefficient l1 = 0 or unknown): the direction and size of its "
                         "cycles are undetermined")


def critical_eigenvector(system: Any, x: FloatArray, p: FloatArray, omega: float
                         ) -> ComplexArray:
    """The Jacobian's eigenvector at ``(x, p)`` whose eigenvalue is nearest ``i omega``."""
    ev, vec = np.linalg.eig(np.asarray(system.jac(x, p), dtype=np.float64))
    return vec[:, int(np.argmin(np.abs(ev - 1j * omega)))]


def eigenvector_profile(q: ComplexArray, tau: FloatArray) -> FloatArray:
    """``Re(q exp(2 pi i tau))`` at the times ``tau``: the Hopf cycle's shape, ``(len, n)``."""
    return (np.outer(np.cos(2 * np.pi * tau), q.real)
            - np.outer(np.sin(2 * np.pi * tau), q.imag))


def from_hopf(system: Any, hopf: SpecialPoint, p: FloatArray, mesh: col.Mesh
               ) -> tuple[FloatArray, float]:
    """Small-amplitude cycle of the Hopf normal form, at parameters ``p``."""
    names = tuple(system.param_names)
    x = np.array([hopf.state[nm] for nm in system.state_names], dtype=np.float64)
    ph = resolve_params(system, dict(hopf.params)).astype(np.float64)
    check_hopf_start(hopf, need_l1=True)
    vary = [i for i in range(len(names)) if p[i] != ph[i]]
    if len(vary) != 1:
        raise ModelError("give params that differ from the Hopf point's in exactly one "
                         f"parameter (the Hopf point is at {point_text(hopf)})")
    k = vary[0]
    ev = np.linalg.eigvals(np.asarray(system.jac(x, ph), dtype=np.float64))
    crit = ev[int(np.argmin(np.abs(ev - 1j * hopf.omega)))]
    q = critical_eigenvector(system, x, ph, float(hopf.omega))
    # growth rate of the critical pair with the parameter, d Re(lambda) / dp, by a
    # difference along the branch of equilibria (the equilibrium moves with p)
    dp = 1e-6 * max(1.0, abs(ph[k]))
    p2 = ph.copy()
    p2[k] += dp

    def fun(z: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (np.asarray(system.rhs(z, p2), dtype=np.float64),
                np.asarray(system.jac(z, p2), dtype=np.float64))

    x2, _, _ = newton(fun, x, tol=1e-12, max_iter=20, what="the equilibrium next to the Hopf point")
    ev2 = np.linalg.eigvals(np.asarray(system.jac(x2, p2), dtype=np.float64))
    mu_rate = float((ev2[np.argmin(np.abs(ev2 - crit))].real - crit.real) / dp)
    mu = mu_rate * (p[k] - ph[k])
    r2 = -mu / hopf.l1
    if not r2 > 0:
        raise ModelError(
            f"no small cycle at {names[k]} = {p[k]:g} on this side of the Hopf point "
            f"({names[k]} = {ph[k]:g}, {hopf.criticality or ''}): try the other side")
    r = math.sqrt(r2)
    prof = x + r * eigenvector_profile(q, mesh.nodes()) * 2 / np.linalg.norm(q)
    return prof.reshape(mesh.ntst, mesh.ncol, -1), 2 * np.pi / hopf.omega


def point_text(pt: SpecialPoint) -> str:
    return ", ".join(f"{k} = {v:.6g}" for k, v in pt.params.items()
                     if not pt.varied or k in pt.varied)
