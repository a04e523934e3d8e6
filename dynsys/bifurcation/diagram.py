"""Automatic one-parameter bifurcation diagrams.

``bifurcation_diagram(system, param, bounds) -> BifurcationDiagram`` finds every
equilibrium (:func:`~dynsys.analysis.equilibria.find_equilibria`) at a few parameter
values spread over the interval, continues a branch from each equilibrium that does not
already lie on a traced branch, and collects the special points of all branches. A
disjoint branch or an isola is therefore found as soon as one sample value meets it.
Simulated limit cycles (:mod:`dynsys.bifurcation.simulated_cycles`) can be attached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._numerics.linsolve import blas_pinned
from dynsys._numerics.newton import newton
from dynsys._random import RecordedSeed, fixed_seed
from dynsys._types import FloatArray, ParamsLike, RngLike
from dynsys.analysis.continua import Continuum
from dynsys.analysis.equilibria import find_equilibria
from dynsys.bifurcation._arclength import _param_index
from dynsys.bifurcation.continuation import Branch, ContinuationSettings, continue_equilibria
from dynsys.bifurcation.cycle_branch import CycleBranch, continue_cycles
from dynsys.bifurcation.cycles import CycleSettings
from dynsys.bifurcation.points import SpecialPoint, failure_reason
from dynsys.core.system import compile, require_autonomous, resolve_params
from dynsys.errors import ConvergenceError, DynsysError

__all__ = [
    "BifurcationDiagram",
    "SkippedStart",
    "bifurcation_diagram",
    "hopf_cycle_branches",
    "latex_table",
]


@dataclass(frozen=True)
class SkippedStart:
    """An equilibrium from which no branch could be continued, and why.

    Attributes
    ----------
    value : float
        The parameter value of the start.
    state : mapping name -> float
        The equilibrium the continuation started from.
    reason : str
        The continuation's failure (the exception's first line).
    """

    value: float
    state: Mapping[str, float]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``value``, ``state``, ``reason``."""
        return to_jsonable({"value": self.value, "state": dict(self.state),
                            "reason": self.reason})

    def __str__(self) -> str:
        st = ", ".join(f"{k} = {v:.6g}" for k, v in self.state.items())
        return f"skipped start at {self.value:.6g} ({st}): {self.reason}"

    def __repr__(self) -> str:
        return f"<SkippedStart at {self.value:.6g}: {self.reason}>"

@dataclass(frozen=True, eq=False)
class BifurcationDiagram:
    """All branches of equilibria of a system over a parameter interval.

    Attributes
    ----------
    model : str
    param : str
    bounds : (float, float)
    params : mapping
        The other parameters' values.
    branches : tuple of Branch
    samples : (K,) array
        Parameter values at which equilibria were searched.
    skipped : tuple of SkippedStart
        Equilibria from which the continuation failed (kept, with the reason).
    continua : tuple of (float, Continuum)
        Continua of equilibria (sets that are not isolated points) met at a sample
        value, with that value. No branch is started from their points: a branch of a
        continuum is not a curve in (parameter, state).
    seed : int, dict or None
        The seed of the equilibrium searches, which replays the diagram (None when a
        Generator was passed).
    cycle_branches : tuple of CycleBranch
        Periodic orbits continued from the Hopf points (each Hopf point once; one
        reached as the far end of an earlier cycle branch is not started again).
    cycle_failures : tuple of (SpecialPoint, str)
        Hopf points from which the cycle continuation failed, with the reason.
    """

    model: str
    param: str
    bounds: tuple[float, float]
    params: Mapping[str, float]
    branches: tuple[Branch, ...]
    samples: FloatArray
    skipped: tuple[SkippedStart, ...] = ()
    continua: tuple[tuple[float, Continuum], ...] = ()
    seed: RecordedSeed = None
    cycle_branches: tuple[CycleBranch, ...] = ()
    cycle_failures: tuple[tuple[SpecialPoint, str], ...] = ()

    @property
    def special_points(self) -> tuple[SpecialPoint, ...]:
        """Special points of all branches (equilibria and cycles), sorted by parameter."""
        pts = [sp for br in (*self.branches, *self.cycle_branches) for sp in br.special_points]
        return tuple(sorted(pts, key=lambda sp: sp.params[self.param]))

    def points(self, kind: str) -> tuple[SpecialPoint, ...]:
        """The special points of one type."""
        return tuple(sp for sp in self.special_points if sp.type.value == kind)

    def count(self, value: float) -> int:
        """Number of equilibria at parameter ``value`` (crossings of the branches)."""
        total = 0
        for br in self.branches:
            d = br.values - value
            s = np.where(np.abs(d) <= 1e-12 * (1 + abs(value)), 0, np.sign(d))
            # a point exactly on the value (e.g. a branch end on the bound) counts once
            total += int(np.sum(s[:-1] * s[1:] < 0)) + int(np.sum(s == 0))
            if br.closed and s[0] == 0:
                total -= 1  # first and last point of a closed branch coincide
        return total

    def to_latex(self) -> str:
        """The special points as a booktabs LaTeX table (see :func:`latex_table`)."""
        return latex_table(self.special_points)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``model``, ``param``, ``range``, ``branches``, ``special_points``."""
        return to_jsonable({
            "model": self.model, "param": self.param, "range": list(self.bounds),
            "params": to_jsonable(dict(self.params)), "samples": to_jsonable(self.samples),
            "branches": [br.to_dict() for br in self.branches],
            "special_points": [sp.to_dict() for sp in self.special_points],
            "skipped": [sk.to_dict() for sk in self.skipped],
            "continua": [{"value": float(v), **c.to_dict()} for v, c in self.continua],
            "seed": self.seed,
            "cycle_branches": [cb.to_dict() for cb in self.cycle_branches],
            "cycle_failures": [{"hopf": h.to_dict(), "reason": why}
                               for h, why in self.cycle_failures],
        })

    def __str__(self) -> str:
        head = (f"Bifurcation diagram of {self.model} in {self.param} "
                f"[{self.bounds[0]:g}, {self.bounds[1]:g}]: {len(self.branches)} branch"
                f"{'es' if len(self.branches) != 1 else ''}, "
                f"{len(self.special_points)} special point"
                f"{'s' if len(self.special_points) != 1 else ''}"
                + (f", {len(self.skipped)} skipped start"
                   f"{'s' if len(self.skipped) != 1 else ''}" if self.skipped else ""))
        lines = [head, *(str(br) for br in self.branches)]
        if self.cycle_branches or self.cycle_failures:
            nh, nb, nf = (len(self.points("hopf")), len(self.cycle_branches),
                          len(self.cycle_failures))
            lines.append(f"Cycle branches from {nh} Hopf point{'s' if nh != 1 else ''}: "
                         f"{nb} branch{'es' if nb != 1 else ''}"
                         + (f", {nf} failed" if nf else ""))
            lines += [str(cb) for cb in self.cycle_branches]
            lines += [f"└─ no cycle branch from the Hopf point at {self.param} = "
                      f"{h.params[self.param]:.8g}: {why}" for h, why in self.cycle_failures]
        lines += [f"continuum at {self.param} = {v:g}: {c.description}" for v, c in self.continua]
        lines += [f"└─ {sk}" for sk in self.skipped]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<BifurcationDiagram {self.model} in {self.param}: {len(self.branches)} "
                f"branches, {len(self.special_points)} special points, "
                f"{len(self.skipped)} skipped>")


def latex_table(points: Sequence[SpecialPoint]) -> str:
    r"""A booktabs ``tabular`` of special points: type, parameters, state, coefficients.

    Examples
    --------
    >>> from dynsys.bifurcation.continuation import PointType, SpecialPoint
    >>> sp = SpecialPoint(PointType.FOLD, {"mu": 0.0}, {"x": 0.0}, a=-1.0, varied=("mu",))
    >>> print(latex_table([sp]).splitlines()[4])
    fold & $mu = 0$ & $x = 0$ & $a = -1$ \\
    """

    def esc(text: str) -> str:
        return text.replace("_", r"\_")

    lines = [r"\begin{tabular}{llll}", r"\toprule",
             r"type & parameters & state & coefficients \\", r"\midrule"]
    for sp in points:
        pars = ", ".join(f"${esc(k)} = {v:.8g}$" for k, v in sp.params.items()
                         if not sp.varied or k in sp.varied)
        state = ", ".join(f"${esc(k)} = {v:.6g}$" for k, v in sp.state.items())
        coef = []
        for key, sym in (("a", "a"), ("omega", r"\omega"), ("l1", "l_1"), ("c", "c"),
                         ("period", "T")):
            value = getattr(sp, key)
            if value is not None:
                coef.append(f"${sym} = {value:.4g}$")
        lines.append(f"{esc(sp.type.value)} & {pars} & {state} & {', '.join(coef)} \\\\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)


def _same_root(system: Any, p: FloatArray, x: FloatArray, y: FloatArray,
               scale: float) -> bool:
    """Are two nearby roots (within 1e-3 of each other) one multiple root, located
    only as well as floating point allows? ``F`` vanishes (``<= 1e-10 scale``) all
    along the segment between them: at a pitchfork's triple root ``F ~ |x|^3`` is
    round-off over a ball of radius ~1e-5, where two distinct simple roots that close
    would have ``|F| ~ sigma |x - y|`` between them."""
    if np.linalg.norm(y - x) > 1e-3 * scale:
        return False
    mid = x + np.linspace(0.0, 1.0, 7)[:, None] * (y - x)
    with np.errstate(all="ignore"):
        f = np.asarray(system.rhs(mid, p), dtype=np.float64)
    return bool(np.all(np.isfinite(f)) and np.max(np.abs(f)) <= 1e-10 * scale)


def _on_branch(system: Any, br: Branch, value: float, x: FloatArray, k: int,
               p_base: FloatArray) -> bool:
    """Does the equilibrium x at parameter ``value`` lie on branch ``br``?"""
    vals, states = br.values, br.states
    scale = 1.0 + np.abs(x).max()
    for i in range(len(br) - 1):
        a, b = vals[i] - value, vals[i + 1] - value
        if a * b > 0:
            continue
        w = 0.5 if a == b else a / (a - b)
        guess = states[i] + w * (states[i + 1] - states[i])
        seg = np.linalg.norm(states[i + 1] - states[i])
        if np.linalg.norm(guess - x) > seg + 1e-3 * scale:  # (1e-3: see _same_root)
            continue
        # correct the interpolated point onto the branch at fixed parameter
        p = p_base.copy()
        p[k] = value

        def fun(y: FloatArray, p: FloatArray = p) -> tuple[FloatArray, FloatArray]:
            return system.rhs(y, p), system.jac(y, p)

        try:
            y, _, _ = newton(fun, guess, tol=1e-11 * scale, max_iter=30,
                             what="correction onto the branch")
            if np.linalg.norm(y - x) <= 1e-6 * scale or _same_root(system, p, x, y, scale):
                return True
        except ConvergenceError:
            pass  # no corrected point: only the interpolation test below decides
        if np.linalg.norm(guess - x) <= 1e-3 * seg + 1e-9 * scale \
                or _same_root(system, p, x, guess, scale):
            return True
    return False


def bifurcation_diagram(
    system: Any,
    param: str,
    bounds: tuple[float, float],
    *,
    params: ParamsLike = None,
    region: Mapping[str, tuple[float, float]] | None = None,
    n_samples: int = 5,
    settings: ContinuationSettings | None = None,
    rng: RngLike = 0,
    cycles: bool = True,
    collocation: CycleSettings | None = None,
) -> BifurcationDiagram:
    """bifurcation_diagram(system, param, bounds, *, n_samples=5) -> BifurcationDiagram

    Every branch of equilibria met at ``n_samples`` parameter values in ``bounds``.

    Parameters
    ----------
    system : System or Model
    param : str
        The parameter to vary.
    bounds : (low, high)
    params : mapping or array, optional
        The other parameters (default: the system's defaults).
    region : mapping state -> (low, high), optional
        Box for the equilibrium search and the continuation (default: the system's).
    n_samples : int, default 5
        Number of equally spaced parameter values (including both ends) at which all
        equilibria are searched.
    settings : ContinuationSettings, optional
    rng : Generator, SeedSequence, int or None, default 0
        Seed of the equilibrium searches (deterministic by default; every search uses
        the same seed, and ``None`` draws one, recorded in ``seed``).
    cycles : bool, default True
        Continue the periodic orbits from every Hopf point
        (:func:`~dynsys.bifurcation.cycle_branch.continue_cycles`, over the same
        bounds, not clipped by the region: a cycle may leave the box of its equilibria).
    collocation : CycleSettings, optional
        The cycles' mesh and end criteria.

    Returns
    -------
    BifurcationDiagram

    Raises
    ------
    ModelError
        Bad parameter name, bounds or sample count.

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> d = bifurcation_diagram(compile(load_model("self_excitation")), "I", (-5, 0))
    >>> len(d.branches), [round(sp.params["I"], 6) for sp in d.points("fold")]
    (1, [-4.303274, -1.696726])
    >>> d.count(-3.0), d.count(-1.0)
    (3, 1)
    """

    system = compile(system)
    require_autonomous(system, "bifurcation diagram")
    k = _param_index(system, param)
    lo, hi = checks.interval(bounds, "bounds")
    checks.count(n_samples, "n_samples")
    p_base = np.array(resolve_params(system, params), dtype=np.float64)
    rng, seed = fixed_seed(rng)
    samples = np.linspace(lo, hi, n_samples) if n_samples > 1 else np.array([(lo + hi) / 2])
    branches: list[Branch] = []
    skipped: list[SkippedStart] = []
    continua: list[tuple[float, Continuum]] = []
    # BLAS on one thread throughout (as find_equilibria and continue_equilibria do):
    # the membership tests' Newton solves are single matrices of n states
    with blas_pinned(system.n), np.errstate(over="ignore", invalid="ignore",
                                            divide="ignore"):
        for value in samples:
            p = p_base.copy()
            p[k] = value
            found = find_equilibria(system, p, region, rng=rng)
            continua += [(float(value), c) for c in found.continua]
            for eq in found:  # isolated equilibria only: a continuum's points are not listed
                x = np.asarray(eq.state, dtype=np.float64)
                if any(_on_branch(system, br, float(value), x, k, p_base) for br in branches):
                    continue
                try:
                    br = continue_equilibria(system, param, x, (lo, hi), settings, p,
                                             region=region)
                except ConvergenceError as exc:
                    skipped.append(SkippedStart(
                        float(value), dict(zip(system.state_names, map(float, x), strict=True)),
                        failure_reason(exc)))
                    continue
                branches.append(br)
    names = tuple(system.param_names)
    cyc, failed = (hopf_cycle_branches(system, param, branches, (lo, hi), settings,
                                       collocation)
                   if cycles else ((), ()))
    return BifurcationDiagram(
        model=system.name, param=param, bounds=(lo, hi),
        params={nm: float(v) for nm, v in zip(names, p_base, strict=True) if nm != param},
        branches=tuple(branches), samples=samples, skipped=tuple(skipped),
        continua=tuple(continua), seed=seed, cycle_branches=cyc, cycle_failures=failed)


def hopf_cycle_branches(system: Any, param: str, branches: Sequence[Branch],
                    bounds: tuple[float, float], settings: ContinuationSettings | None,
                    collocation: CycleSettings | None
                    ) -> tuple[tuple[CycleBranch, ...], tuple[tuple[SpecialPoint, str], ...]]:
    """hopf_cycle_branches(system, param, branches, bounds, settings, collocation)
    -> (cycle branches, failures)

    A branch of periodic orbits from each located Hopf point of ``branches``, in the
    order of the parameter, except a Hopf point that an earlier cycle branch ended at
    (within 1e-6 of the range): one family joining two Hopf points is continued once.
    A failure is ``(Hopf point, reason)``, not an error. None for a non-smooth system.
    """
    if getattr(system, "is_smooth", True) is False:
        return (), ()
    hopfs = sorted((sp for br in branches for sp in br.points("hopf") if sp.located),
                   key=lambda sp: sp.params[param])
    done: list[CycleBranch] = []
    failed: list[tuple[SpecialPoint, str]] = []
    reached: list[float] = []
    width = bounds[1] - bounds[0]
    for hopf in hopfs:
        value = hopf.params[param]
        if any(abs(value - r) <= 1e-6 * width for r in reached):
            continue
        try:
            cb = continue_cycles(system, param, hopf, bounds, settings, collocation=collocation)
        except DynsysError as exc:
            failed.append((hopf, failure_reason(exc)))
            continue
        done.append(cb)
        reached += [value] + [e["params"][param] for e in cb.ends if e["type"] == "hopf"]
    return tuple(done), tuple(failed)
