"""The predictor-corrector step of cycle continuation (a mechanism of :mod:`cycle_branch`).

A point of the branch is the collocation solution ``(u, T, p)`` with its unit tangent
in the weighted norm: the L2 norm of the profile (each state divided by its scale),
nothing for the period (as AUTO's ``THL(11) = 0``), the parameter divided by the
width of its bounds. :class:`_Tracer` predicts along the tangent, corrects by Newton
on the bordered system (collocation, phase condition against the previous orbit,
arclength condition; one sparse LU per iteration), computes the new tangent, and
adapts the mesh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import dynsys.bifurcation._collocation as col
from dynsys._types import FloatArray
from dynsys.bifurcation._arclength import ContinuationSettings
from dynsys.bifurcation.cycles import CycleSettings, Solution, solve_fixed
from dynsys.errors import DynsysError

__all__: list[str] = []


@dataclass
class Pt:
    sol: Solution
    t: FloatArray  # tangent (u, T, p), W-normalised
    ds: float = 0.0
    ref: FloatArray | None = None  # phase reference of the next step (None: this orbit)


class Tracer:
    """Pseudo-arclength on the collocation system of one System and parameter."""

    def __init__(self, system: Any, k: int, p_base: FloatArray, sx: FloatArray, sp: float,
                 s: ContinuationSettings, cs: CycleSettings) -> None:
        self.system, self.k, self.p_base = system, k, p_base
        self.sx, self.sp, self.s, self.cs = sx, sp, s, cs
        self.tol = s.newton_tol
        self.max_iter = max(s.max_newton_iter, 6)

    def params(self, value: float) -> FloatArray:
        p = self.p_base.copy()
        p[self.k] = value
        return p

    def weights(self, mesh: col.Mesh) -> FloatArray:
        n = len(self.sx)
        wu = (np.repeat(mesh.h / mesh.ncol, mesh.ncol)[:, None] / self.sx[None, :] ** 2
              ).ravel()
        return np.concatenate([wu, [0.0, 1.0 / self.sp**2]])[: mesh.ntst * mesh.ncol * n + 2]

    def norm(self, mesh: col.Mesh, v: FloatArray) -> float:
        return math.sqrt(float(np.sum(self.weights(mesh) * v * v)))

    def vec(self, sol: Solution) -> FloatArray:
        return np.concatenate([sol.u.ravel(), [sol.period, sol.p[self.k]]])

    def linear(self, mesh: col.Mesh, z: FloatArray, ref: FloatArray
               ) -> tuple[FloatArray, col.Linearization, FloatArray, float]:
        shape = ref.shape
        u = z[:-2].reshape(shape)
        res, lin = col.linearize(self.system, mesh, u, z[-2], self.params(z[-1]), self.k)
        c = col.phase_row(mesh, ref).ravel()
        err = float(np.max(np.abs(res.reshape(shape[0], -1) / (mesh.h[:, None] * z[-2]))))
        return res, lin, c, err

    def tangent(self, mesh: col.Mesh, lin: col.Linearization, c: FloatArray,
                t_ref: FloatArray) -> FloatArray:
        w = self.weights(mesh) * t_ref
        rhs = np.zeros(len(t_ref))
        rhs[-1] = 1.0
        (t,) = col.bordered_solve(lin, [lin.d_period, lin.d_param], [
            np.concatenate([c, [0.0, 0.0]])[:-2], w[:-2]],
            np.array([[0.0, 0.0], [w[-2], w[-1]]]), [rhs])
        t = t / self.norm(mesh, t)
        return t if float(np.sum(self.weights(mesh) * t * t_ref)) >= 0 else -t

    def correct(self, mesh: col.Mesh, z0: FloatArray, t0: FloatArray, ds: float,
                ref: FloatArray) -> tuple[Solution, FloatArray, int, Any] | None:
        """Newton from the predictor ``z0 + ds t0`` on the arclength hyperplane.

        Returns the solution, its phase row, the iterations and the LU factors of the
        last Newton matrix (None if the predictor needed no correction).
        """
        zp = z0 + ds * t0
        z = zp.copy()
        w = self.weights(mesh) * t0
        corner = np.array([[0.0, 0.0], [w[-2], w[-1]]])
        shape = ref.shape
        lu = None
        for it in range(self.max_iter + 1):
            res, lin, c, err = self.linear(mesh, z, ref)
            if not (math.isfinite(err) and z[-2] > 0):
                return None
            if err <= self.tol:
                sol = Solution(mesh, z[:-2].reshape(shape), float(z[-2]),
                               self.params(z[-1]), err, it, lin)
                return sol, c, it, lu
            if it == self.max_iter:
                return None
            rhs = np.concatenate([-res, [-float(c @ z[:-2]), -float(w @ (z - zp))]])
            try:
                lu = col.bordered_lu(lin, [lin.d_period, lin.d_param], [c, w[:-2]], corner)
                dz = lu.solve(rhs)
            except RuntimeError:
                return None
            if not np.all(np.isfinite(dz)):
                return None
            z = z + dz
        return None

    def step(self, a: Pt, ds: float) -> tuple[Pt, int] | None:
        mesh = a.sol.mesh
        ref = a.ref if a.ref is not None else a.sol.u
        out = self.correct(mesh, self.vec(a.sol), a.t, ds, ref)
        if out is None:
            return None
        sol, c, it, _ = out
        zb = self.vec(sol)
        if self.norm(mesh, zb - (self.vec(a.sol) + ds * a.t)) > 0.5 * ds + 10 * self.tol:
            return None
        try:
            # a fresh factorisation at the converged point: the last Newton matrix's
            # tangent is off by the last correction, enough to fake folds of cycles
            # where the branch is nearly vertical (a canard explosion)
            tb = self.tangent(mesh, sol.lin, c, a.t)
        except RuntimeError:
            return None
        if not np.all(np.isfinite(tb)):
            return None
        if float(np.sum(self.weights(mesh) * tb * a.t)) < self.s.min_cos and \
                ds > self.s.ds_min * 1.0001:
            return None
        return Pt(sol, tb, ds), it

    def adapt(self, a: Pt) -> Pt:
        """Move ``a`` to an equidistributed mesh (profile and tangent re-interpolated)."""
        old = a.sol.mesh
        new = col.adapted_mesh(old, a.sol.u)
        u = col.remesh(old, a.sol.u, new)
        ushape = a.sol.u.shape
        tu = col.remesh(old, a.t[:-2].reshape(ushape), new)
        try:
            sol = solve_fixed(self.system, new, u, a.sol.period, a.sol.p, u, tol=self.tol,
                              max_iter=self.max_iter)
            _, lin, c, _ = self.linear(new, self.vec(sol), sol.u)
            t = self.tangent(new, lin, c, np.concatenate([tu.ravel(), a.t[-2:]]))
        except (DynsysError, RuntimeError):
            return a
        return Pt(sol, t, a.ds)


def deviation(sol: Solution) -> FloatArray:
    """The orbit's node values minus their mean, ``(ntst * ncol, n)``."""
    u = sol.u.reshape(-1, sol.u.shape[-1])
    return u - u.mean(axis=0)
