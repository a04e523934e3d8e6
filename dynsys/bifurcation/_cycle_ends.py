"""How a branch of cycles begins and ends (a mechanism of :mod:`cycle_branch`).

The start at a Hopf point (the zero-amplitude orbit and the tangent along the
critical eigenvector); the ends: on a parameter bound (the orbit solved exactly on
it), at a Hopf point (located on the equilibria by the standard augmented system,
:func:`~dynsys.bifurcation.locate.locate_hopf`), and at a homoclinic approach (the
equilibrium the orbit slows down at, found by Newton and classified, and the
extrapolated homoclinic parameter).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

import dynsys.bifurcation._collocation as col
from dynsys._numerics.newton import newton
from dynsys._types import ComplexArray, FloatArray
from dynsys.analysis.stability import stability
from dynsys.bifurcation._cycle_guess import (
    check_hopf_start,
    critical_eigenvector,
    eigenvector_profile,
)
from dynsys.bifurcation._cycle_step import Pt, Tracer
from dynsys.bifurcation.cycles import CycleSettings, Solution, solve_fixed
from dynsys.bifurcation.locate import locate_hopf
from dynsys.bifurcation.points import SpecialPoint
from dynsys.core.derivatives import derivatives
from dynsys.core.system import resolve_params
from dynsys.errors import DynsysError

__all__: list[str] = []


def hopf_end(system: Any, hopf: SpecialPoint, k: int) -> dict[str, Any]:
    return {"type": "hopf", "param": system.param_names[k], "params": dict(hopf.params),
            "state": dict(hopf.state), "period": 2 * math.pi / float(hopf.omega or math.nan)}



def hopf_first(tracer: Tracer, hopf: SpecialPoint, cs: CycleSettings
                ) -> tuple[Pt, ComplexArray]:
    """The Hopf point as a zero-amplitude orbit, and the tangent along its eigenvector."""
    system = tracer.system
    check_hopf_start(hopf, need_l1=False)
    x = np.array([hopf.state[nm] for nm in system.state_names], dtype=np.float64)
    p = tracer.p_base
    mesh = col.Mesh.uniform(cs.ntst, cs.ncol)
    tau = mesh.nodes()
    phi = eigenvector_profile(critical_eigenvector(system, x, p, float(hopf.omega)), tau)
    u = np.tile(x, (len(tau), 1)).reshape(mesh.ntst, mesh.ncol, -1)
    period = 2 * math.pi / float(hopf.omega)
    t = np.concatenate([phi.ravel(), [0.0, 0.0]])
    t = t / tracer.norm(mesh, t)
    res, lin = col.linearize(system, mesh, u, period, p, tracer.k)
    err = float(np.max(np.abs(res)))
    sol = Solution(mesh, u, period, p.copy(), err, 0, lin)
    # phase reference for the first step: the eigenvector's profile
    return Pt(sol, t, ref=u + phi.reshape(u.shape)), col.multipliers(lin)



def make_end(kind: str, a: Pt, pname: str, names: tuple[str, ...], **extra: Any
         ) -> dict[str, Any]:
    return {"type": kind, "param": pname,
            "params": dict(zip(names, a.sol.p.tolist(), strict=True)),
            "period": float(a.sol.period), **extra}



def on_bound(tracer: Tracer, a: Pt, b: Pt, edge: float) -> Pt | None:
    """The orbit exactly on the parameter bound between a and b."""
    k = tracer.k
    pa, pb = float(a.sol.p[k]), float(b.sol.p[k])
    frac = (edge - pa) / (pb - pa)
    u = a.sol.u + frac * (b.sol.u - a.sol.u)
    period = a.sol.period + frac * (b.sol.period - a.sol.period)
    try:
        sol = solve_fixed(tracer.system, a.sol.mesh, u, period, tracer.params(edge), a.sol.u,
                          tol=tracer.tol, max_iter=tracer.max_iter)
    except DynsysError:
        return None
    sol.p[k] = edge
    return Pt(sol, b.t, float(tracer.norm(a.sol.mesh, tracer.vec(sol) - tracer.vec(a.sol))))



def hopf_at(tracer: Tracer, a: Pt, b: Pt, names: tuple[str, ...]) -> dict[str, Any]:
    """The Hopf point where the amplitude vanished between a and b (on the equilibria)."""
    system, k = tracer.system, tracer.k
    u = a.sol.u.reshape(-1, a.sol.u.shape[-1])
    x0 = u.mean(axis=0)
    p = a.sol.p.copy()
    omega0 = 2 * math.pi / a.sol.period
    end = {"type": "hopf", "param": names[k], "params": dict(zip(names, p.tolist(), strict=True)),
           "period": float(a.sol.period), "located": False}
    try:
        q0 = critical_eigenvector(system, x0, p, omega0)
        x, alpha, omega, res, _ = locate_hopf(derivatives(system), x0, p, k, q0, omega0)
    except (DynsysError, np.linalg.LinAlgError) as exc:
        end["reason"] = str(exc).splitlines()[0]
        return end
    p[k] = alpha
    end.update(params=dict(zip(names, p.tolist(), strict=True)),
               state=dict(zip(system.state_names, x.tolist(), strict=True)),
               period=2 * math.pi / omega, located=True, residual=res)
    return end



def hopf_point(tracer: Tracer, end: Mapping[str, Any]) -> Pt | None:
    """The located Hopf point as the branch's last, zero-amplitude orbit."""
    if not end.get("located"):
        return None
    system = tracer.system
    x = np.array([end["state"][nm] for nm in system.state_names])
    p = resolve_params(system, end["params"]).astype(np.float64)
    mesh = col.Mesh.uniform(8, 4)
    u = np.tile(x, (mesh.ntst * mesh.ncol, 1)).reshape(mesh.ntst, mesh.ncol, -1)
    res, lin = col.linearize(system, mesh, u, end["period"], p, tracer.k)
    sol = Solution(mesh, u, float(end["period"]), p, float(np.max(np.abs(res))), 0, lin)
    return Pt(sol, np.zeros(u.size + 2))



def homoclinic_end(tracer: Tracer, pts: list[Pt], names: tuple[str, ...]
                    ) -> dict[str, Any]:
    """A homoclinic approach: name the equilibrium the orbit slows down at, extrapolate."""
    system, k = tracer.system, tracer.k
    last = pts[-1].sol
    end = make_end("homoclinic", pts[-1], names[k], names)
    u = last.u.reshape(-1, last.u.shape[-1])
    speed = np.linalg.norm(np.asarray(system.rhs(u, last.p), dtype=np.float64), axis=1)
    x0 = u[int(np.argmin(speed))]

    def fun(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (np.asarray(system.rhs(x, last.p), dtype=np.float64),
                np.asarray(system.jac(x, last.p), dtype=np.float64))

    try:
        x, _, _ = newton(fun, x0, tol=1e-11, max_iter=30, what="the saddle approached")
        st = stability(np.asarray(system.jac(x, last.p), dtype=np.float64))
        end["saddle"] = dict(zip(system.state_names, x.tolist(), strict=True))
        end["saddle_kind"] = st.kind.value
        end["saddle_eigenvalues"] = [{"re": float(z.real), "im": float(z.imag)}
                                     for z in st.eigenvalues]
    except DynsysError:  # e.g. the ghost of a saddle-node that has just disappeared
        end["saddle_kind"] = "none found (a saddle-node ghost?)"
        st = None
    end["estimate"] = extrapolate(pts, k, st)
    return end



def extrapolate(pts: list[Pt], k: int, st: Any) -> float | None:
    """Extrapolated homoclinic parameter from the last orbit and an earlier one.

    Near a saddle with unstable eigenvalue ``lambda_u`` the period grows as
    ``T ~ -ln|p - p_h| / lambda_u`` (so ``p - p_h ~ exp(-lambda_u T)``); near a
    saddle-node on the orbit (a SNIC, no equilibrium found or a zero eigenvalue),
    ``T^-2`` is linear in ``p``. The earlier orbit is the latest one far enough back
    (``lambda_u (T2 - T1) >= 1``, resp. ``T1 <= 0.8 T2``) for the formula to be
    well conditioned; None if there is none.
    """
    p2, t2 = float(pts[-1].sol.p[k]), pts[-1].sol.period
    lam = None
    if st is not None:
        re = np.real(st.eigenvalues)
        if np.max(re) > 1e-6 and np.min(re) < -1e-6:
            lam = float(np.max(re))
    for pt in reversed(pts[:-1]):
        p1, t1 = float(pt.sol.p[k]), pt.sol.period
        if lam is not None and lam * (t2 - t1) >= 1.0:
            r = math.exp(-lam * (t2 - t1))
            return (p2 - p1 * r) / (1 - r)
        if lam is None and t1 <= 0.8 * t2:
            y1, y2 = t1**-2, t2**-2
            return p2 - y2 * (p2 - p1) / (y2 - y1)
    return None
