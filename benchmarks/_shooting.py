"""Hand-written single-shooting continuation of FitzHugh-Nagumo's cycle branch in I.

The baseline of ``benchmarks/bench_cycles.py`` (issue 12, Performance): what one would
write in an afternoon with scipy, for this one model.

* Unknowns ``z = (v0, w0, T, I)``: a point of the cycle, the period and the current.
* Equations: ``phi_T(x0; I) - x0 = 0`` (``solve_ivp``, DOP853, rtol 1e-10, atol 1e-12),
  the Poincare phase condition ``f(x_prev) . (x0 - x_prev) = 0`` (x0 on the section
  through the previous point, orthogonal to the flow there) and the pseudo-arclength
  condition ``t . (z - z_pred) = 0`` in ``(v0, w0, weight_t T, I)`` (the period enters
  with a small weight: the point x0 on the section barely moves while the cycle grows).
* Newton with the exact Jacobian from the variational equations (the monodromy matrix
  ``M`` and the parameter sensitivity, integrated with the orbit: 8 ODEs):
  ``[M - 1, f(x(T)), dx(T)/dI]`` bordered by the phase and arclength rows.
* Start from the first Hopf point: ``x_eq + a Re(q)``, ``T = 2 pi / omega`` with the
  eigenvector ``q`` of ``J``; step size adapted to Newton's iteration count.
* Ends when the amplitude returns to below ``amp_end`` near a Hopf point, or ``max_steps``.
  Natural-parameter steps in I cannot pass the folds of cycles (and FitzHugh-Nagumo's
  first fold is a canard, I flat to 1e-10 while T goes 42 -> 68), hence arclength.
* Folds of cycles: local extrema of I along the branch, refined by the vertex of the
  parabola through the extreme point and its two neighbours (in the arclength).

Reference: Y. A. Kuznetsov, *Elements of Applied Bifurcation Theory* (3rd ed., Springer
2004), section 10.3 (continuation of cycles by shooting).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

A, B, EPS = 0.7, 0.8, 0.08  # the built-in fitzhugh_nagumo's defaults


def rhs(x: np.ndarray, i: float) -> np.ndarray:
    """FitzHugh-Nagumo: v' = v - v^3/3 - w + I, w' = eps (v + a - b w)."""
    v, w = x
    return np.array([v - v**3 / 3 - w + i, EPS * (v + A - B * w)])


def jac(x: np.ndarray) -> np.ndarray:
    """Jacobian of :func:`rhs` in (v, w)."""
    return np.array([[1 - x[0] ** 2, -1.0], [EPS, -EPS * B]])


def _augmented(_t: float, y: np.ndarray, i: float) -> np.ndarray:
    x, m, s = y[:2], y[2:6].reshape(2, 2), y[6:8]
    j = jac(x)
    return np.concatenate([rhs(x, i), (j @ m).ravel(), j @ s + np.array([1.0, 0.0])])


def flow(x0: np.ndarray, period: float, i: float, rtol: float = 1e-10) -> dict[str, Any]:
    """x(T), the monodromy matrix, dx(T)/dI and the orbit's v-range."""
    y0 = np.concatenate([x0, np.eye(2).ravel(), np.zeros(2)])
    sol = solve_ivp(_augmented, (0.0, period), y0, method="DOP853", rtol=rtol,
                    atol=1e-12, args=(i,))
    y = sol.y[:, -1]
    return {"x": y[:2], "M": y[2:6].reshape(2, 2), "dI": y[6:8],
            "amp": float(np.ptp(sol.y[0])), "nfev": sol.nfev}


def equilibrium(i: float) -> np.ndarray:
    """The unique equilibrium (dI/dv = v^2 + 1/b - 1 > 0): Newton on the cubic in v."""
    v = 0.0
    for _ in range(100):
        g = v**3 / 3 - v + (v + A) / B - i
        step = g / (v**2 - 1 + 1 / B)
        v -= step
        if abs(step) < 1e-15:
            break
    return np.array([v, (v + A) / B])


def hopf_points() -> list[float]:
    """I where trace J = 0 on the equilibria: v = -/+ sqrt(1 - eps b)."""
    out = []
    for v in (-math.sqrt(1 - EPS * B), math.sqrt(1 - EPS * B)):
        out.append(v**3 / 3 - v + (v + A) / B)
    return out


def _newton(z: np.ndarray, pred: np.ndarray, tan: np.ndarray, x_prev: np.ndarray,
            f_prev: np.ndarray, tol: float = 1e-8, maxit: int = 8):
    t_ref = z[2]
    for it in range(1, maxit + 1):
        x0, period, i = z[:2], z[2], z[3]
        if not (0.5 * t_ref < period < 2 * t_ref) or np.max(np.abs(x0)) > 10:
            return None, None, it  # diverging: let the caller halve the step
        fl = flow(x0, period, i)
        res = np.concatenate([fl["x"] - x0, [f_prev @ (x0 - x_prev)],
                              [tan @ (z - pred)]])
        jm = np.zeros((4, 4))
        jm[:2, :2] = fl["M"] - np.eye(2)
        jm[:2, 2] = rhs(fl["x"], i)
        jm[:2, 3] = fl["dI"]
        jm[2, :2] = f_prev
        jm[3] = tan
        try:
            dz = np.linalg.solve(jm, -res)
        except np.linalg.LinAlgError:
            return None, None, it
        z = z + dz
        if np.max(np.abs(dz)) < tol * (1 + np.max(np.abs(z))) or (
                it > 1 and np.max(np.abs(res)) < tol):
            fl = flow(z[:2], z[2], z[3])
            return z, fl, it
    return None, None, maxit


def _tangent(z: np.ndarray, fl: dict[str, Any], prev: np.ndarray,
             w: np.ndarray) -> np.ndarray:
    """The branch's tangent at ``z``: the null vector of the shooting equations and the
    next phase condition's row, oriented along ``prev``, unit in the weighted norm."""
    j3 = np.zeros((3, 4))
    j3[:2, :2] = fl["M"] - np.eye(2)
    j3[:2, 2] = rhs(fl["x"], z[3])
    j3[:2, 3] = fl["dI"]
    j3[2, :2] = rhs(z[:2], z[3])
    t = np.linalg.svd(j3)[2][-1]
    if t @ prev < 0:
        t = -t
    return t / np.linalg.norm(t * w)


def continue_branch(ds: float = 0.05, ds_min: float = 1e-9, ds_max: float = 0.1,
                    amp_start: float = 1e-3, amp_end: float = 0.05,
                    max_steps: int = 2000, weight_t: float = 0.1, hopf: int = 0,
                    time_limit: float = 300.0) -> dict[str, Any]:
    """The cycle branch from a Hopf point (``hopf``: 0 the first, 1 the second), by shooting.

    Ends at the other Hopf point (``end["type"] == "hopf"``), or where a step cannot be
    made (``"step_too_small"``: single shooting cannot follow the canard, whose cycles'
    multipliers reach e^20 and more), or at ``max_steps`` / ``time_limit`` (s).

    Returns ``values`` (I), ``period``, ``amplitude`` (v's range), ``multipliers`` (the
    eigenvalues of the monodromy matrix), ``folds`` ([{"param", "period"}]), ``end``,
    ``steps``, ``failed_steps``, ``time`` (s) and ``nfev`` (right-hand-side calls).
    """
    t0 = time.perf_counter()
    i_h = hopf_points()[hopf]
    x_eq = equilibrium(i_h)
    lam, vec = np.linalg.eig(jac(x_eq))
    k = int(np.argmax(lam.imag))
    omega, q = lam[k].imag, vec[:, k]
    period0 = 2 * math.pi / omega
    # first two points: fix the amplitude along Re(q) instead of the arclength
    pts = []
    for a in (amp_start, 2 * amp_start):
        x0 = x_eq + a * q.real / np.linalg.norm(q.real)
        z = np.array([*x0, period0, i_h])
        tan = np.array([*(q.real / np.linalg.norm(q.real)), 0.0, 0.0])
        z, fl, _ = _newton(z, z, tan, x0, rhs(x0, i_h))
        if z is None:
            raise RuntimeError("shooting: no cycle near the Hopf point")
        pts.append((z, fl))
    zs = [p[0] for p in pts]
    fls = [p[1] for p in pts]
    steps = failed = 0
    end = "max_steps"
    w = np.array([1.0, 1.0, weight_t, 1.0])  # arclength weights
    sec = zs[-1] - zs[-2]  # near the Hopf point M - 1 is nearly singular: the secant
    tan = sec / np.linalg.norm(sec * w)
    while steps < max_steps:
        pred = zs[-1] + ds * tan
        x_prev = zs[-1][:2]
        z, fl, it = _newton(pred, pred, tan, x_prev, rhs(x_prev, zs[-1][3]))
        if time.perf_counter() - t0 > time_limit:
            end = "time_limit"
            break
        if z is None or z[2] <= 0 or not 0.5 < fl["amp"] / fls[-1]["amp"] < 2.0:
            # no convergence, a jump to an equilibrium (a 'cycle' of any period) or a jump
            # to another part of the branch (across a canard explosion)
            failed += 1
            ds /= 2
            if ds < ds_min:
                end = "step_too_small"
                break
            continue
        steps += 1
        zs.append(z)
        fls.append(fl)
        tan = _tangent(z, fl, tan, w) if steps > 2 else (z - zs[-2]) / np.linalg.norm(
            (z - zs[-2]) * w)
        ds = min(ds * (1.5 if it <= 4 else 1.0 if it <= 5 else 0.5), ds_max)
        amps = [f["amp"] for f in fls]
        if amps[-1] < amp_end * max(amps) and amps[-1] > amps[-2] and amps[-2] < amps[-3]:
            end = "hopf"  # passed the amplitude's minimum: back at a Hopf point
            zs.pop()
            fls.pop()
            break
    values = np.array([z[3] for z in zs])
    periods = np.array([z[2] for z in zs])
    return {
        "values": values.tolist(), "period": periods.tolist(),
        "amplitude": [f["amp"] for f in fls],
        "multipliers": [np.linalg.eigvals(f["M"]).tolist() for f in fls],
        "folds": locate_folds(np.array([z * w for z in zs]), values, periods),
        "end": {"type": end, "param": float(values[-1]), "period": float(periods[-1])},
        "steps": steps, "failed_steps": failed, "points": len(zs),
        "time": time.perf_counter() - t0, "nfev": int(sum(f["nfev"] for f in fls)),
    }


def locate_folds(points: np.ndarray, values: np.ndarray, periods: np.ndarray,
                 merge: float = 1e-4) -> list[dict[str, float]]:
    """Local extrema of I along the branch, refined by a parabola in the arclength.

    Consecutive extrema within ``merge`` in I form one cluster (in a canard the shooting
    solutions wiggle at the 1e-7..1e-5 level): a fold if the branch is on the same side of the
    cluster before and after it (its extreme member is kept), none otherwise."""
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    ext: list[dict[str, float]] = []
    for j in range(1, len(values) - 1):
        d0, d1 = values[j] - values[j - 1], values[j + 1] - values[j]
        if d0 * d1 >= 0:
            continue
        c2, c1, c0 = np.polyfit(s[j - 1:j + 2] - s[j], values[j - 1:j + 2], 2)
        sv = -c1 / (2 * c2) if c2 else 0.0
        if abs(sv) > max(s[j + 1] - s[j], s[j] - s[j - 1]):
            sv = 0.0
        ext.append({"param": float(np.polyval([c2, c1, c0], sv)),
                    "period": float(np.interp(s[j] + sv, s, periods)), "index": j})
    clusters: list[list[dict[str, float]]] = []
    for e in ext:
        if clusters and abs(e["param"] - clusters[-1][0]["param"]) < merge:
            clusters[-1].append(e)
        else:
            clusters.append([e])
    out = []
    for c in clusters:
        before, after = values[c[0]["index"] - 1], values[c[-1]["index"] + 1]
        ref = c[0]["param"]
        if before > ref and after > ref:
            out.append(min(c, key=lambda e: e["param"]))
        elif before < ref and after < ref:
            out.append(max(c, key=lambda e: e["param"]))
    return out
