"""Continuation benchmark: the branch of mutual_excitation in I from -20 to 0, both folds.

Compared in the same process:

* dynsys ``continue_equilibria`` (generic, sympy-compiled, stability of every point,
  folds located on the minimally augmented system, normal forms);
* (a) a hand-written numpy pseudo-arclength loop for this one model (closed-form F and
  Jacobian, ``np.linalg.solve`` on the bordered 3x3 system, the same step control),
  folds located by Newton on the standard augmented system ``F = 0, J v = 0,
  <v, v0> = 1`` with a finite-difference Jacobian; no stability;
* (b) brute force: all roots on a 2,000-point grid of I (the equilibria reduce to
  ``g(x) = -x + f(w2 f(w1 x + I) + I) = 0``; bracketed on 400 x-nodes, Brent), with a
  fold estimated where the number of roots changes.

Prints the best-of-N wall time, the fold error against the closed form
``I = -10 -/+ (4 sqrt(5) - 2 ln(2 + sqrt(5)))`` and the ratio dynsys / (a).

Run: ``.venv/bin/python benchmarks/bench_continuation.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.optimize import brentq

from dynsys import compile, load_model
from dynsys.bifurcation.continuation import continue_equilibria

EXACT = np.array([-10 - (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5))),
                  -10 + (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5)))])
W1 = W2 = 0.4


def _fold_error(folds: list[float]) -> float:
    if len(folds) != 2:
        return float("inf")
    return float(np.max(np.abs(np.sort(folds) - EXACT)))


# ------------------------------------------------------------------ (a) hand-written
def _f(s: np.ndarray | float) -> np.ndarray | float:
    return 50.0 / (1.0 + np.exp(-s))


def _fprime(s: float) -> float:
    e = math.exp(-s)
    return 50.0 * e / (1.0 + e) ** 2


def _res(u: np.ndarray) -> np.ndarray:
    x, y, i = u
    return np.array([-x + _f(W2 * y + i), -y + _f(W1 * x + i)])


def _dres(u: np.ndarray) -> np.ndarray:
    x, y, i = u
    a, b = _fprime(W2 * y + i), _fprime(W1 * x + i)
    return np.array([[-1.0, W2 * a, a], [W1 * b, -1.0, b]])


def hand_written(ds0: float = 0.05, ds_max: float = 1.0, tol: float = 1e-10
                 ) -> tuple[int, list[float]]:
    """Pseudo-arclength for this model only: returns (points, fold values)."""
    u0 = np.array([0.00227, 0.00227, -20.0])
    for _ in range(20):  # correct the start at fixed I
        d = _dres(u0)[:, :2]
        u0[:2] -= np.linalg.solve(d, _res(u0))
    pts = [u0]
    t = np.linalg.svd(_dres(u0))[2][-1]
    if t[2] < 0:
        t = -t
    u, ds = u0, ds0
    tangents = [t]
    a = np.empty((3, 3))
    e3 = np.array([0.0, 0.0, 1.0])
    while u[2] <= 0.0 and len(pts) < 5000:
        up = u + ds * t
        v = up.copy()
        ok = False
        nit = 0
        for nit in range(7):  # noqa: B007 - nit is the iteration count used below
            r = _res(v)
            d = _dres(v)
            if np.max(np.abs(r)) <= tol:
                ok = True
                break
            a[:2] = d
            a[2] = t
            v = v + np.linalg.solve(a, np.array([-r[0], -r[1], -t @ (v - up)]))
        if not ok:
            ds *= 0.5
            continue
        a[:2] = d
        a[2] = t
        tn = np.linalg.solve(a, e3)
        tn /= np.linalg.norm(tn)
        pts.append(v)
        tangents.append(tn)
        u, t = v, tn
        if nit <= 2:
            ds = min(1.5 * ds, ds_max)
    folds = []
    tang = np.array(tangents)
    arr = np.array(pts)
    for k in np.nonzero(tang[:-1, 2] * tang[1:, 2] < 0)[0]:
        w = tang[k, 2] / (tang[k, 2] - tang[k + 1, 2])
        z = arr[k] + w * (arr[k + 1] - arr[k])
        v0 = np.linalg.svd(_dres(z)[:, :2])[2][-1]
        zz = np.concatenate([z, v0])

        def aug(zz: np.ndarray, v0: np.ndarray = v0) -> np.ndarray:
            jac = _dres(zz[:3])[:, :2]
            return np.concatenate([_res(zz[:3]), jac @ zz[3:], [zz[3:] @ v0 - 1.0]])

        for _ in range(30):
            r = aug(zz)
            if np.max(np.abs(r)) < 1e-13:
                break
            jm = np.empty((5, 5))
            for c in range(5):
                h = 1e-7 * max(1.0, abs(zz[c]))
                zh = zz.copy()
                zh[c] += h
                jm[:, c] = (aug(zh) - r) / h
            zz = zz - np.linalg.solve(jm, r)
        folds.append(float(zz[2]))
    return len(pts), folds


# ------------------------------------------------------------------ (b) brute force
def brute_force(n_grid: int = 2000, n_x: int = 400) -> tuple[int, list[float]]:
    """Roots of g on an x grid at every I of the grid; folds where the count changes."""
    currents = np.linspace(-20.0, 0.0, n_grid)
    xs = np.linspace(0.0, 50.0, n_x)
    counts = np.empty(n_grid, dtype=int)
    for k, cur in enumerate(currents):
        def g(x: float, cur: float = cur) -> float:
            return -x + 50.0 / (1.0 + math.exp(-(W2 * 50.0 / (1.0 + math.exp(-(W1 * x + cur)))
                                                  + cur)))

        vals = -xs + _f(W2 * _f(W1 * xs + cur) + cur)
        idx = np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]
        roots = [brentq(g, xs[i], xs[i + 1], xtol=1e-13) for i in idx]
        counts[k] = len(roots)
    change = np.nonzero(np.diff(counts) != 0)[0]
    folds = [float(0.5 * (currents[i] + currents[i + 1])) for i in change]
    return n_grid, folds


# ------------------------------------------------------------------ dynsys
def dynsys_branch(system: object) -> tuple[int, list[float]]:
    br = continue_equilibria(system, "I", [0.00227, 0.00227], (-20.0, 0.0))
    assert br.unstable.shape == (len(br),)  # stability of every point is part of the result
    return len(br), [sp.params["I"] for sp in br.points("fold")]


def _best(fn, repeat: int) -> tuple[float, tuple[int, list[float]]]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    system = compile(load_model("mutual_excitation"))
    dynsys_branch(system)  # warm-up: compiles the symbolic derivative tensors once
    rows = []
    t_dyn, (n_dyn, f_dyn) = _best(lambda: dynsys_branch(system), args.repeat)
    rows.append(("dynsys continue_equilibria", t_dyn, n_dyn, _fold_error(f_dyn)))
    t_a, (n_a, f_a) = _best(hand_written, args.repeat)
    rows.append(("(a) hand-written numpy loop", t_a, n_a, _fold_error(f_a)))
    t_b, (n_b, f_b) = _best(brute_force, max(1, args.repeat // 10))
    rows.append(("(b) brute force, 2000-point grid", t_b, n_b, _fold_error(f_b)))
    print("mutual_excitation, branch in I from -20 to 0 with both folds (best of "
          f"{args.repeat})")
    print(f"{'method':36s} {'time [ms]':>10s} {'points':>7s} {'fold error':>11s}")
    for name, t, n, err in rows:
        print(f"{name:36s} {1e3 * t:10.2f} {n:7d} {err:11.2e}")
    print(f"ratio dynsys / (a): {t_dyn / t_a:.2f}   (b) / dynsys: {t_b / t_dyn:.0f}")


if __name__ == "__main__":
    main()
