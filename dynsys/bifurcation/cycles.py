"""Periodic orbits (limit cycles) computed by collocation: ``find_cycle -> Cycle``.

``find_cycle(system, guess, params)`` solves the periodic boundary-value problem
``u' = T f(u, p)``, ``u(0) = u(1)``, with the period ``T`` as an unknown and an integral
phase condition, by orthogonal collocation (:mod:`dynsys.bifurcation._collocation`:
``ntst`` mesh intervals, ``ncol`` Gauss points each) and Newton's method on the exact,
sparse block-banded Jacobian (``scipy.sparse`` LU). After convergence the mesh is
adapted by equidistribution and the orbit solved again, so that relaxation
oscillations and orbits near a homoclinic loop stay resolved. The Floquet multipliers
are the eigenvalues of the collocation monodromy matrix; one of them is 1 (the
direction along the orbit), and its distance from 1 is reported as a diagnostic.

The guess may be a state (integrated for a transient, then one period is cut out of
the run), a simulated :class:`~dynsys.analysis.simulate.Trajectory`, a Hopf
:class:`~dynsys.bifurcation.points.SpecialPoint` (the small cycle predicted by its
eigenvector, frequency and first Lyapunov coefficient), or a :class:`Cycle`.

References
----------
Doedel, E. J., Keller, H. B. and Kernevez, J. P. (1991). Numerical analysis and
control of bifurcation problems (II). Int. J. Bifurcation and Chaos 1, 745-772.
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
Sections 1.5 (Floquet multipliers) and 10.3 (continuation of cycles).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import dynsys._checks as checks
import dynsys.bifurcation._collocation as col
from dynsys._io import to_jsonable
from dynsys._types import ArrayLike, ComplexArray, FloatArray, ParamsLike
from dynsys.analysis.simulate import Trajectory
from dynsys.bifurcation._cycle_guess import (
    from_hopf,
    from_state,
    params_mapping,
    profile_from_run,
)
from dynsys.bifurcation.points import PointType, SpecialPoint
from dynsys.core.system import compile, require_autonomous, resolve_params
from dynsys.errors import ConvergenceError, ModelError

__all__ = ["Cycle", "CycleSettings", "find_cycle"]

#: Floquet multipliers within this distance of the unit circle count as neutral.
TOL_MULTIPLIER = 1e-6


@dataclass(frozen=True)
class CycleSettings:
    """Discretisation and solver settings of periodic orbits.

    Parameters
    ----------
    ntst : int, default 60
        Mesh intervals.
    ncol : int, default 4
        Gauss collocation points per interval (polynomial degree); the mesh values
        converge at order ``2 ncol``.
    newton_tol : float, default 1e-10
        Converged when the collocation residual ``max |u'/T - f(u)|`` (state units per
        time unit) is below this, or when a Newton step changes nothing above 1e-13.
    max_newton_iter : int, default 25
        Newton iterations of :func:`find_cycle` (continuation steps use their own
        ``ContinuationSettings.max_newton_iter``).
    adapt : int, default 2
        Mesh adaptations after the first convergence (0: keep the uniform mesh).
    transient : float or None
        Time integrated from a state guess before one period is cut out (default: the
        model's ``total`` option, else 200).
    period_max : float or None
        Continuation: a branch whose period exceeds this stops with a homoclinic end
        (default: 1000 times the branch's smallest period).
    homoclinic_tol : float, default 1e-5
        Continuation: once the period exceeds 10 times the branch's smallest, the
        branch stops with a homoclinic end when its parameter agrees with the
        extrapolated homoclinic value to this fraction of the bounds' width.
    amplitude_min : float, default 1e-6
        Continuation: a branch whose amplitude (relative to the states' scale) falls
        below this, or whose profile turns over, ends at a Hopf point.

    Examples
    --------
    >>> CycleSettings(ntst=20).ntst
    20
    """

    ntst: int = 60
    ncol: int = 4
    newton_tol: float = 1e-10
    max_newton_iter: int = 25
    adapt: int = 2
    transient: float | None = None
    period_max: float | None = None
    homoclinic_tol: float = 1e-5
    amplitude_min: float = 1e-6

    def __post_init__(self) -> None:
        checks.count(self.ntst, "CycleSettings.ntst")
        checks.count(self.ncol, "CycleSettings.ncol")
        checks.count(self.max_newton_iter, "CycleSettings.max_newton_iter")
        if self.ntst < 3 or not 1 <= self.ncol <= 7:
            raise ModelError(f"CycleSettings needs ntst >= 3 and 1 <= ncol <= 7, got "
                             f"ntst={self.ntst}, ncol={self.ncol}")
        checks.positive(self.newton_tol, "CycleSettings.newton_tol")
        checks.positive(self.amplitude_min, "CycleSettings.amplitude_min")
        checks.positive(self.homoclinic_tol, "CycleSettings.homoclinic_tol")
        if not isinstance(self.adapt, int) or self.adapt < 0:
            raise ModelError(f"CycleSettings.adapt must be an integer >= 0, got {self.adapt!r}")
        for name in ("transient", "period_max"):
            if getattr(self, name) is not None:
                checks.positive(getattr(self, name), f"CycleSettings.{name}")


def trivial_index(mu: ComplexArray) -> int:
    """Index of the trivial multiplier (the one closest to 1)."""
    return int(np.argmin(np.abs(mu - 1.0)))


def nontrivial(mu: ComplexArray) -> ComplexArray:
    """The multipliers without the trivial one."""
    return np.delete(mu, trivial_index(mu))


def unstable_count(mu: ComplexArray, tol: float = TOL_MULTIPLIER) -> int:
    """Nontrivial multipliers outside the unit circle beyond ``tol``."""
    return int(np.sum(np.abs(nontrivial(mu)) > 1.0 + tol))


@dataclass(frozen=True, eq=False)
class Cycle:
    """A periodic orbit: period, profile, Floquet multipliers and diagnostics.

    Attributes
    ----------
    model : str
    params : mapping name -> float
    state_names : tuple of str
    period : float
    mesh : (ntst + 1,) array
        Mesh points in the scaled time ``tau = t / period``.
    ncol : int
    nodes : (ntst, ncol, n) array
        The collocation polynomials' node values (the unknowns).
    multipliers : (n,) complex array
        Floquet multipliers, by decreasing modulus (one of them is the trivial 1).
    residual : float
        Max-norm of ``u'/T - f(u)`` at the collocation points.
    newton_iterations : int
    error_estimate : float
        A scale of the discretisation error (state units).

    ``cycle(t)`` evaluates the orbit at times ``t`` (periodic), ``(len(t), n)``.
    """

    model: str
    params: Mapping[str, float]
    state_names: tuple[str, ...]
    period: float
    mesh: FloatArray
    ncol: int
    nodes: FloatArray
    multipliers: ComplexArray
    residual: float
    newton_iterations: int = 0
    error_estimate: float = float("nan")
    _samples: FloatArray = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_samples", _extrema(col.Mesh(self.mesh, self.ncol),
                                                      self.nodes))

    def __call__(self, t: ArrayLike) -> FloatArray:
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        return col.evaluate(col.Mesh(self.mesh, self.ncol), self.nodes, t / self.period)

    @property
    def n(self) -> int:
        return len(self.state_names)

    @property
    def times(self) -> FloatArray:
        """Node times over one period, ``[0, period]`` (the first node repeated at the end)."""
        mesh = col.Mesh(self.mesh, self.ncol)
        return np.append(mesh.nodes(), 1.0) * self.period

    @property
    def states(self) -> FloatArray:
        """The orbit at :attr:`times`, ``(len(times), n)``."""
        flat = self.nodes.reshape(-1, self.n)
        return np.vstack([flat, flat[:1]])

    @property
    def max(self) -> FloatArray:
        """Maximum of each state over the orbit (of the collocation polynomials)."""
        return self._samples[1].copy()

    @property
    def min(self) -> FloatArray:
        """Minimum of each state over the orbit."""
        return self._samples[0].copy()

    @property
    def mean(self) -> FloatArray:
        """Time average of each state over one period (Gauss quadrature)."""
        mesh = col.Mesh(self.mesh, self.ncol)
        _, w, _, _ = col._basis(self.ncol)
        uz, _ = col.at_gauss(mesh, self.nodes)
        return np.einsum("j,k,jkn->n", mesh.h, w, uz)

    @property
    def amplitude(self) -> FloatArray:
        """``max - min`` of each state."""
        return self.max - self.min

    @property
    def unstable_multipliers(self) -> int:
        """Nontrivial multipliers outside the unit circle (beyond 1e-6)."""
        return unstable_count(self.multipliers)

    @property
    def stable(self) -> bool:
        """Every nontrivial multiplier inside the unit circle (beyond 1e-6)."""
        return bool(np.all(np.abs(nontrivial(self.multipliers)) < 1.0 - TOL_MULTIPLIER))

    @property
    def trivial_multiplier_error(self) -> float:
        """``|mu_trivial - 1|``: how well the discrete monodromy keeps the exact 1."""
        return float(np.min(np.abs(self.multipliers - 1.0)))

    @property
    def ntst(self) -> int:
        return len(self.mesh) - 1

    def stability_label(self) -> str:
        if self.stable:
            return "stable"
        k = self.unstable_multipliers
        return f"unstable ({k} multiplier{'s' if k != 1 else ''} outside the unit circle)" \
            if k else "neutral (a multiplier on the unit circle)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: period, max/min/mean per state, multipliers, stability, profile."""
        names = self.state_names
        return to_jsonable({
            "kind": "cycle", "model": self.model, "params": dict(self.params),
            "state_names": list(names), "period": self.period,
            "max": dict(zip(names, self.max.tolist(), strict=True)),
            "min": dict(zip(names, self.min.tolist(), strict=True)),
            "mean": dict(zip(names, self.mean.tolist(), strict=True)),
            "amplitude": dict(zip(names, self.amplitude.tolist(), strict=True)),
            "multipliers": [{"re": float(z.real), "im": float(z.imag)}
                            for z in self.multipliers],
            "stable": self.stable, "unstable_multipliers": self.unstable_multipliers,
            "trivial_multiplier_error": self.trivial_multiplier_error,
            "residual": self.residual, "newton_iterations": self.newton_iterations,
            "error_estimate": self.error_estimate,
            "mesh": {"ntst": self.ntst, "ncol": self.ncol, "tau": self.mesh},
            "profile": {"t": self.times,
                        **{nm: self.states[:, i] for i, nm in enumerate(names)}},
        })

    def to_latex(self) -> str:
        """A booktabs table: period, range and mean per state, the multipliers."""
        rows = [r"\begin{tabular}{lrrr}", r"\toprule",
                r"state & min & max & mean \\", r"\midrule"]
        for i, nm in enumerate(self.state_names):
            rows.append(f"{_tex_name(nm)} & {self.min[i]:.6g} & {self.max[i]:.6g} & "
                        f"{self.mean[i]:.6g} \\\\")
        mult = ", ".join(_tex_complex(z) for z in self.multipliers)
        rows += [r"\midrule",
                 rf"\multicolumn{{4}}{{l}}{{period $T = {self.period:.10g}$, "
                 rf"{self.stability_label()}}} \\",
                 rf"\multicolumn{{4}}{{l}}{{Floquet multipliers ${mult}$}} \\",
                 r"\bottomrule", r"\end{tabular}"]
        return "\n".join(rows)

    def __str__(self) -> str:
        pars = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        lines = [f"Periodic orbit of {self.model}" + (f" ({pars})" if pars else ""),
                 f"├─ period {self.period:.10g}, {self.stability_label()}"]
        for i, nm in enumerate(self.state_names):
            lines.append(f"├─ {nm}: min {self.min[i]:.6g}, max {self.max[i]:.6g}, "
                         f"mean {self.mean[i]:.6g}")
        mult = ", ".join(_fmt_complex(z) for z in self.multipliers)
        lines.append(f"├─ Floquet multipliers: {mult}")
        lines.append(f"└─ residual {self.residual:.2e}, mesh {self.ntst} x {self.ncol}, "
                     f"|trivial multiplier - 1| = {self.trivial_multiplier_error:.1e}, "
                     f"{self.newton_iterations} Newton iterations")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<Cycle {self.model}: period {self.period:.6g}, "
                f"{'stable' if self.stable else 'unstable'}>")


def _extrema(mesh: col.Mesh, nodes: FloatArray) -> FloatArray:
    """``(2, n)``: min and max of each state: the best of 8 samples per interval, refined
    by the vertex of the parabola through it and its neighbours, evaluated on the orbit."""
    fine = (mesh.tau[:-1, None] + mesh.h[:, None] * np.linspace(0, 1, 8, endpoint=False)
            ).ravel()
    vals = col.evaluate(mesh, nodes, fine)
    out = np.empty((2, vals.shape[1]))
    m = len(fine)
    for i in range(vals.shape[1]):
        for row, sign in ((0, -1.0), (1, 1.0)):
            j = int(np.argmax(sign * vals[:, i]))
            t0, t1, t2 = fine[j - 1] - (j == 0), fine[j], fine[(j + 1) % m] + (j == m - 1)
            y0, y1, y2 = vals[j - 1, i], vals[j, i], vals[(j + 1) % m, i]
            den = (t0 - t1) * (t0 - t2) * (t1 - t2)
            a = (t2 * (y1 - y0) + t1 * (y0 - y2) + t0 * (y2 - y1)) / den if den else 0.0
            b = (t2**2 * (y0 - y1) + t1**2 * (y2 - y0) + t0**2 * (y1 - y2)) / den if den \
                else 0.0
            best = y1
            if a != 0.0:
                tv = -b / (2 * a)
                if t0 <= tv <= t2:
                    yv = float(col.evaluate(mesh, nodes, np.array([tv]))[0, i])
                    best = max(best, yv) if sign > 0 else min(best, yv)
            out[row, i] = best
    return out


def _tex_name(name: str) -> str:
    return name.replace("_", r"\_")


def _fmt_complex(z: complex) -> str:
    if abs(z.imag) <= 1e-12 * max(1.0, abs(z)):
        return f"{z.real:.6g}"
    return f"{z.real:.6g}{'+' if z.imag >= 0 else '-'}{abs(z.imag):.6g}i"


def _tex_complex(z: complex) -> str:
    return _fmt_complex(z).replace("i", r"\,i")


# ============================================================== the Newton solver
@dataclass
class Solution:
    """A converged collocation solution (internal)."""

    mesh: col.Mesh
    u: FloatArray
    period: float
    p: FloatArray
    residual: float
    iterations: int
    lin: col.Linearization


def solve_fixed(system: Any, mesh: col.Mesh, u: FloatArray, period: float, p: FloatArray,
                ref: FloatArray, *, tol: float, max_iter: int, what: str = "periodic orbit"
                ) -> Solution:
    """Newton on (collocation, phase condition against ``ref``) in ``(u, T)``, p fixed."""
    shape = u.shape
    c = col.phase_row(mesh, ref).ravel()
    hist: list[float] = []
    z_u, z_t = u.ravel().copy(), float(period)
    for it in range(max_iter + 1):
        res, lin = col.linearize(system, mesh, z_u.reshape(shape), z_t, p, None)
        err = float(np.max(np.abs(res.reshape(shape[0], -1) / (mesh.h[:, None] * z_t))))
        hist.append(err)
        if not (math.isfinite(err) and z_t > 0):
            break
        if err <= tol:
            return Solution(mesh, z_u.reshape(shape), z_t, p, err, it, lin)
        if it == max_iter:
            break
        try:
            (delta,) = col.bordered_solve(lin, [lin.d_period], [c], np.zeros((1, 1)),
                                          [np.concatenate([-res, [-float(c @ z_u)]])])
        except RuntimeError:  # singular: a degenerate guess (e.g. an equilibrium)
            break
        if not np.all(np.isfinite(delta)):
            break
        z_u = z_u + delta[:-1]
        z_t = z_t + float(delta[-1])
        if float(np.max(np.abs(delta))) <= 1e-13 * (1.0 + float(np.max(np.abs(z_u)))):
            res, lin = col.linearize(system, mesh, z_u.reshape(shape), z_t, p, None)
            err = float(np.max(np.abs(res.reshape(shape[0], -1) / (mesh.h[:, None] * z_t))))
            if err <= 1e3 * tol:
                return Solution(mesh, z_u.reshape(shape), z_t, p, err, it + 1, lin)
            break
    last = hist[-1] if hist else float("nan")
    raise ConvergenceError(
        f"{what}: Newton did not converge (residual {last:.3g} after {len(hist) - 1} "
        f"iterations, period estimate {z_t:.6g}); the guess may be far from a cycle: "
        "integrate a longer transient, or start from a Hopf point",
        history=tuple(hist))


def _converge(system: Any, mesh: col.Mesh, u: FloatArray, period: float, p: FloatArray,
              s: CycleSettings) -> Solution:
    """Solve, then adapt the mesh ``s.adapt`` times, solving again each time."""
    sol = solve_fixed(system, mesh, u, period, p, u, tol=s.newton_tol,
                      max_iter=s.max_newton_iter)
    for _ in range(s.adapt):
        new = col.adapted_mesh(sol.mesh, sol.u)
        u2 = col.remesh(sol.mesh, sol.u, new)
        sol = solve_fixed(system, new, u2, sol.period, p, u2, tol=s.newton_tol,
                          max_iter=s.max_newton_iter)
    return sol


def make_cycle(system: Any, sol: Solution, names: tuple[str, ...],
               multipliers: ComplexArray | None = None) -> Cycle:
    """A :class:`Cycle` from a converged solution (multipliers from its Jacobian unless
    already computed)."""
    mu = col.multipliers(sol.lin) if multipliers is None else multipliers
    return Cycle(model=system.name, params=dict(zip(names, sol.p.tolist(), strict=True)),
                 state_names=tuple(system.state_names), period=float(sol.period),
                 mesh=sol.mesh.tau.copy(), ncol=sol.mesh.ncol, nodes=sol.u.copy(),
                 multipliers=mu, residual=sol.residual,
                 newton_iterations=sol.iterations,
                 error_estimate=col.error_estimate(sol.mesh, sol.u))


def find_cycle(system: Any, guess: Any, params: ParamsLike = None, *,
               settings: CycleSettings | None = None) -> Cycle:
    """find_cycle(system, guess, params=None, *, settings=None) -> Cycle

    A periodic orbit near ``guess``, by collocation and Newton's method.

    Parameters
    ----------
    system : System or Model
        Smooth and autonomous.
    guess : (n,) array, Trajectory, Hopf SpecialPoint or Cycle
        A state (integrated for ``settings.transient`` with DOP853, then the last full
        period of a second run of the same length is cut out), a
        simulated trajectory (its last full period), a Hopf point (the small cycle that
        its normal form predicts at ``params``, which must differ from the Hopf point's
        in the continued parameter, on the side where the cycle exists), or a cycle
        (solved again at ``params``).
    params : mapping or array, optional
        Parameter values (default: the model's; the Hopf point's for a Hopf guess).
    settings : CycleSettings, optional

    Returns
    -------
    Cycle

    Raises
    ------
    ConvergenceError
        No oscillation in the run, or Newton failed: the message gives the last
        residual and suggests a longer transient or a Hopf start.
    ModelError
        A non-smooth or time-dependent system, a degenerate Hopf point (l1 = 0 or
        omega = 0), or a wrong-sized guess.

    Examples
    --------
    Van der Pol at mu = 1 (period 6.6632868593231301...):

    >>> import sympy as sp
    >>> from dynsys import Model
    >>> x, y, mu = sp.symbols("x y mu", real=True)
    >>> vdp = Model({x: y, y: mu * (1 - x**2) * y - x}, params={mu: 1.0}, name="vdp")
    >>> cyc = find_cycle(vdp, [2.0, 0.0])
    >>> round(cyc.period, 8), cyc.stable
    (6.66328686, True)
    """
    s = settings or CycleSettings()
    system = compile(system)
    require_autonomous(system, "find_cycle")
    _require_smooth(system)
    names = tuple(system.param_names)
    mesh = col.Mesh.uniform(s.ntst, s.ncol)
    if isinstance(guess, SpecialPoint):
        if guess.type is not PointType.HOPF:
            raise ModelError(f"a cycle starts from a Hopf point, not a {guess.type.value}")
        p = resolve_params(system, {**dict(guess.params), **params_mapping(system, params)}
                           ).astype(np.float64)
        u, period = from_hopf(system, guess, p, mesh)
    else:
        p = resolve_params(system, params).astype(np.float64)
        if isinstance(guess, Cycle):
            old = col.Mesh(guess.mesh, guess.ncol)
            mesh = col.Mesh(guess.mesh.copy(), guess.ncol) if guess.ntst == s.ntst and \
                guess.ncol == s.ncol else mesh
            u, period = col.remesh(old, guess.nodes, mesh), guess.period
        elif isinstance(guess, Trajectory):
            states = np.asarray(guess.states, dtype=np.float64)
            if states.ndim == 3:
                states = states[0]
            u, period = profile_from_run(np.asarray(guess.t), states, mesh,
                                          tuple(system.state_names))
        else:
            x0 = np.asarray(guess, dtype=np.float64).reshape(-1)
            if x0.size != system.n or not np.all(np.isfinite(x0)):
                raise ModelError(f"the guess needs {system.n} finite values "
                                 f"({', '.join(system.state_names)}), got {x0.size}")
            u, period = from_state(system, x0, p, mesh, s.transient)
    sol = _converge(system, mesh, u, period, p, s)
    return make_cycle(system, sol, names)


def _require_smooth(system: Any) -> None:
    """Refuse systems whose right-hand side is not smooth (collocation needs f in C^1)."""
    if getattr(system, "is_smooth", True) is False:
        raise ModelError(
            f"{system.name} has a non-smooth right-hand side (a sign, step, comparison or "
            "table): periodic orbits by collocation need a smooth model; simulate instead")
