"""Every equilibrium in a box: ``find_equilibria(system, params, region) -> Equilibria``.

1-D (:mod:`dynsys.analysis._roots_1d`): the right-hand side on a fine grid (20,001
points by default); every sign change is refined by Brent's method, a grid node where F
is exactly zero is a root, and every local minimum of ``|F|`` whose parabola comes near
zero is examined for a double root (tangency: ``F'`` bracketed and solved, then ``|F|``
checked) or a pair of close roots. A Brent point whose residual is more than a
continuous F can leave there is a *jump* across zero (a Heaviside, a Piecewise, a
comparison): no equilibrium, reported in the notes ("no equilibrium (F jumps across 0
at x = 0.5)"). Five or more consecutive grid nodes with ``|F| <= 1e-12 max(1, |F|)``
make an interval of equilibria (a :class:`~dynsys.analysis.continua.Continuum`).

n-D: quasi-random (scrambled Sobol) starts plus the end points of short Euler runs,
batched damped Newton with the exact Jacobian, then rounds of *deflated* Newton from
fresh starts (Farrell, Birkisson & Funke 2015: the residual is multiplied by
``prod_j (||z - z_j||^-p + shift)`` in box-scaled coordinates ``z``, so converged roots
repel later runs), de-duplication in scaled distance, and a final polish by plain
Newton to a residual near machine precision. The model's own initial state, when inside
the box, is always one of the first round's starts. The de-duplication radius of a root
is ``clip(10 tol / sigma_min, 1e-7, 1e-3)`` in box-scaled coordinates (``sigma_min``
the smallest singular value of the scaled Jacobian): an ill-conditioned root's
polished copies are one root. Only points inside the box (up to a relative 1e-9) are
kept. Roots on a set of equilibria that is not isolated (a line, a surface) are
reported once as a :class:`~dynsys.analysis.continua.Continuum`, not point by point
(:func:`~dynsys.analysis.continua.split_continua`); when F vanishes at every start the
whole region is one. Starts that did not converge, and linear-algebra failures
(``LinAlgError``, caught), are counted, with reasons, in
:attr:`Equilibria.newton_failures` / :attr:`Equilibria.failure_reasons`.

Large systems (``n >= 64``, :data:`~dynsys._numerics.linsolve.KRYLOV_STATES`): a
sparse system with a matrix-free ``linear_operator`` (:class:`~dynsys.RateNetwork`
with a sparse W; any size above 2000 states) is solved
by Newton-Krylov (:mod:`dynsys._numerics.linsolve`: batched GMRES over all starts, one
sparse-dense product ``W V`` per Krylov step, inexact steps to ``min(0.1, |F|)``,
dense LU for the starts where GMRES misses that in 40 iterations up to 2000 states);
every start's memory is ``O(n)`` and the starts run in chunks of at most 256 MB. The
damping caps the step's max-norm (not its 2-norm) at half the box, a backtracking
line search on the deflated residual accepts it, a start whose residual has not
fallen by 10 % in 12 steps stops ("stalled"), converged copies of one root are
polished once, and above 100 states the stability comes from the rightmost
eigenvalues (ARPACK, :mod:`dynsys.analysis._rightmost`; stated in
:attr:`Equilibrium.eigen_note`).

References
----------
Farrell, P. E., Birkisson, A. and Funke, S. W. (2015). Deflation techniques for finding
distinct solutions of nonlinear partial differential equations. *SIAM J. Sci. Comput.*
37(4), A2026-A2045.
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, chapter 4.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.stats import qmc

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._numerics.linsolve import KRYLOV_STATES, blas_pinned, make_solver
from dynsys._numerics.newton import (
    CONVERGED,
    REASONS,
    STALL_STEPS,
    dedup,
    dedup_radius,
    deflated_newton,
    euler_ends,
    polish,
    representatives,
)
from dynsys._random import RecordedSeed, seeded
from dynsys._types import FloatArray, ParamsLike, RngLike
from dynsys.analysis._map_points import MAP_NOTE, as_fixed_point, flow_of_map
from dynsys.analysis._roots_1d import roots_1d
from dynsys.analysis.certify import attach_certificates, certificate_line, model_functions
from dynsys.analysis.continua import Continuum, interval, split_continua, whole_region
from dynsys.analysis.equilibrium import Equilibrium, _compress, _fmt_complex, linearize
from dynsys.analysis.stability import TOL_EQUAL, TOL_HYPERBOLIC
from dynsys.core.model import Model
from dynsys.core.region import resolve_region
from dynsys.core.system import compile, require_autonomous, resolve_params
from dynsys.errors import ModelError
from dynsys.latex import stability_table

__all__ = ["Equilibria", "Equilibrium", "find_equilibria", "linearize"]

#: Most states whose coordinates a text summary lists (a network is described instead).
_MAX_LISTED_STATES = 8

#: Marks the failure reasons of deflated starts (every known root repelled): expected.
_REPELLED = " (deflated starts, all known roots repelled)"


@dataclass(frozen=True, eq=False)
class Equilibria:
    """All equilibria found in a box, with the search diagnostics.

    Iterable, indexable and sized like a tuple of :class:`Equilibrium` (sorted by
    state, lexicographically).

    Attributes
    ----------
    equilibria : tuple of Equilibrium
    system_name : str
    state_names : tuple of str
    params : mapping name -> float
    region : mapping state -> (low, high)
    method : str
        The search: ``"grid+brent"`` (1-D) or ``"deflated newton"`` (n-D).
    starts : int
        Newton starts used (n-D) or grid points (1-D).
    newton_failures : int
        Starts that did not converge to an equilibrium (n-D).
    failure_reasons : mapping reason -> count
    outside_region : int
        Starts that converged to an equilibrium outside the box (not kept).
    notes : tuple of str
        Warnings about the result (e.g. a jump of F across zero, which is no
        equilibrium).
    continua : tuple of Continuum
        Sets of equilibria that are not isolated points (a line, an interval, the
        whole region); their points are not in :attr:`equilibria`.
    seed : int, dict or None
        The seed of the quasi-random starts, which replays the search (None for the
        deterministic 1-D search, or when a Generator was passed).
    certified : bool or None
        With ``certify=True``: every equilibrium proven unique in its enclosure, nothing
        undecided, no conflict between the searches (None without ``certify``).
    boxes : int
        Boxes the interval search examined (0 without ``certify``).
    undecided_boxes : tuple
        Clusters of boxes the interval search could not decide (near a fold, a kink),
        each a ``(lo, hi)`` pair per state; ``undecided_counts`` the boxes merged in each.
    """

    equilibria: tuple[Equilibrium, ...]
    system_name: str
    state_names: tuple[str, ...]
    params: Mapping[str, float]
    region: Mapping[str, tuple[float, float]]
    method: str
    starts: int = 0
    newton_failures: int = 0
    failure_reasons: Mapping[str, int] = field(default_factory=dict)
    outside_region: int = 0
    notes: tuple[str, ...] = ()
    continua: tuple[Continuum, ...] = ()
    seed: RecordedSeed = None
    #: True for the fixed points of a map (their eigenvalues are multipliers).
    is_map: bool = False
    #: ``certify=True`` only (else None / 0 / ()): every equilibrium proven unique in its
    #: enclosure and nothing undecided (:mod:`dynsys.analysis.certify`); the boxes the
    #: interval search examined; the undecided clusters, each a ``(lo, hi)`` per state,
    #: with the number of boxes merged in each; whether the box budget ran out.
    certified: bool | None = None
    boxes: int = 0
    undecided_boxes: tuple[tuple[tuple[float, float], ...], ...] = ()
    undecided_counts: tuple[int, ...] = ()
    certify_exhausted: bool = False

    def __iter__(self) -> Iterator[Equilibrium]:
        return iter(self.equilibria)

    def __len__(self) -> int:
        return len(self.equilibria)

    def __getitem__(self, i: int) -> Equilibrium:
        return self.equilibria[i]

    @property
    def states(self) -> FloatArray:
        """All states as an array ``(k, n)``."""
        return np.array([e.state for e in self.equilibria]).reshape(-1, len(self.state_names))

    @property
    def stable(self) -> tuple[Equilibrium, ...]:
        """The asymptotically stable equilibria."""
        return tuple(e for e in self.equilibria if e.stable)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``dynsys analyze --json``: ``model``, ``params``, ``equilibria``, ..."""
        return to_jsonable({
            "model": self.system_name,
            "params": dict(self.params),
            "state_names": list(self.state_names),
            "region": {k: [lo, hi] for k, (lo, hi) in self.region.items()},
            "equilibria": [e.to_dict() for e in self.equilibria],
            "continua": [c.to_dict() for c in self.continua],
            "diagnostics": {
                "method": self.method,
                "starts": self.starts,
                "newton_failures": self.newton_failures,
                "failure_reasons": dict(self.failure_reasons),
                "outside_region": self.outside_region,
                "notes": list(self.notes),
                "seed": self.seed,
            },
            **({"map": True} if self.is_map else {}),
            **({} if self.certified is None else {
                "certified": self.certified, "boxes": self.boxes,
                "undecided_boxes": [{k: [lo, hi] for k, (lo, hi) in
                                     zip(self.state_names, box, strict=True)}
                                    for box in self.undecided_boxes]}),
        })

    def to_latex(self, precision: int = 4, **kwargs: Any) -> str:
        """The stability table (the reference report's Table 1), booktabs.

        See :func:`dynsys.latex.stability_table` for the keyword arguments.
        """

        return stability_table(self, precision=precision, **kwargs)

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def summary(self) -> str:
        """A short text report (what ``dynsys analyze`` prints)."""
        pars = ", ".join(f"{k}={v:g}" for k, v in self.params.items()) or "none"
        bounds = set(self.region.values())
        if len(self.region) > _MAX_LISTED_STATES and len(bounds) == 1:
            lo, hi = bounds.pop()
            box = f"{len(self.region)} states in [{lo:g}, {hi:g}]"
        else:
            box = ", ".join(f"{k} in [{lo:g}, {hi:g}]" for k, (lo, hi) in self.region.items())
        what = (("fixed point", "fixed points") if self.is_map else
                ("equilibrium", "equilibria"))[len(self) != 1]
        lines = [f"{self.system_name}: {len(self)} {what}{' of the map' * self.is_map}"
                 f" in {box} ({pars})"]
        if self.continua:
            lines[0] += (f", and {len(self.continua)} continu"
                         f"{'um' if len(self.continua) == 1 else 'a'} of equilibria")
        lines += [f"  continuum: {c.description}" for c in self.continua]
        for i, e in enumerate(self.equilibria, 1):
            if len(self.state_names) <= _MAX_LISTED_STATES:
                st = ", ".join(f"{k} = {v:.12g}" for k, v in zip(self.state_names, e.state,
                                                               strict=True))
            else:  # a network: what it says of the state, not 64 coordinates
                st = e.description or (f"{e.n} states in [{float(e.state.min()):.6g}, "
                                       f"{float(e.state.max()):.6g}]")
            ev = _compress([_fmt_complex(v, 9) for v in e.eigenvalues])
            verdict = e.label
            if e.non_smooth:
                verdict += (f" ({'stable' if e.stable else 'unstable'}: decided by perturbed "
                            "runs, not by the eigenvalues)")
            lines.append(f"  {i}. {st}")
            lines.append(f"     {verdict}; {'multipliers' if self.is_map else 'eigenvalues'} "
                         f"{ev}")
            extra = f"     residual {e.residual:.1e}; found by {e.method}"
            if e.trace is not None:
                extra += f"; trace {e.trace:.6g}, det {e.det:.6g}"
            lines.append(extra)
            if e.certificate == "unique":
                lines.append(f"     certificate: unique in an enclosure of width "
                             f"{e.enclosure_width:.1e}; stability "
                             f"{'certified' if e.stability_certified else 'not certified'}")
            elif e.certificate is not None:
                lines.append(f"     certificate: {e.certificate}")
            if e.eigen_note:
                lines.append(f"     eigenvalues: {e.eigen_note}")
            if e.non_smooth:
                lines.append("     note: non-smooth system; the Jacobian may be ill-defined here")
        diag = f"  search: {self.method}, {self.starts} starts"
        if self.method != "grid+brent":
            # a deflated start (after the first round) that finds no new root is the
            # expected end of the search, not a failure: say so apart from real failures
            repelled = sum(v for k, v in self.failure_reasons.items() if _REPELLED in k)
            real = {k: v for k, v in self.failure_reasons.items() if _REPELLED not in k}
            failed = self.newton_failures - repelled
            if repelled:
                diag += f"; {repelled} deflated starts found no further root (expected)"
            if failed or not repelled:
                diag += f"; {failed} Newton failures"
                if real:
                    diag += " (" + "; ".join(f"{k}: {v}" for k, v in real.items()) + ")"
            if self.outside_region:
                diag += f", {self.outside_region} converged outside the region"
        lines.append(diag)
        if self.certified is not None:
            lines.append(f"  {certificate_line(self)}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        kinds = ", ".join(e.label for e in self.equilibria)
        return f"<Equilibria {self.system_name}: {len(self)} ({kinds})>"

def find_equilibria(
    system: Any,
    params: ParamsLike = None,
    region: Mapping[str, tuple[float, float]] | None = None,
    *,
    rng: RngLike = 0,
    n_starts: int | None = None,
    rounds: int = 4,
    max_iter: int = 60,
    grid: int = 20001,
    tol: float = 1e-10,
    sim_starts: int = 64,
    tol_hyperbolic: float = TOL_HYPERBOLIC,
    tol_equal: float = TOL_EQUAL,
    certify: bool = False,
    linear_solver: str = "auto",
) -> Equilibria:
    """Find every equilibrium in a box: ``find_equilibria(system, params, region) -> Equilibria``.

    Parameters
    ----------
    system : Model or System
        A Model is compiled. It must be autonomous.
    params : mapping or array, optional
        Parameter overrides (name -> value) or a full parameter vector.
    region : mapping state -> (low, high), optional
        The box; states not given take the model's declared region, else one inferred
        for rate models (``F_i = c (-x_i + g_i)`` with bounded ``g_i``).
    rng : Generator, SeedSequence, int or None, default 0
        Seeds the quasi-random starts (the result is deterministic for a given seed,
        recorded in ``Equilibria.seed``; None draws a fresh seed and records it).
    n_starts : int, optional
        Newton starts of the first round (default :func:`default_starts`: ``max(256,
        64 * 2**n)`` capped at 4096 up to 64 states, then ``256 ceil(log2 n)``, held to
        ``max(64, 256 (200 / n)^3)`` where each step is a dense LU); each
        deflation round uses half as many fresh ones. Starts are processed in chunks
        whose working memory stays under 256 MB.
    rounds : int, default 4
        Maximum deflation rounds after the first; stops early when a round finds nothing.
    max_iter : int, default 60
        Newton iterations per start.
    grid : int, default 20001
        Grid points of the 1-D search (from 101 to 10**8: a coarser grid misses roots).
    tol : float, default 1e-10
        Newton convergence, relative to the scale of F (``max(1, typical |F|)``); the
        polish then drives residuals towards machine precision. A root whose polished
        residual stays above ``tol`` (times the scale) is counted as a failure.
    sim_starts : int, default 64
        Short Euler runs whose end points join the starts (n-D).
    tol_hyperbolic, tol_equal : float
        Classification tolerances (see :mod:`dynsys.analysis.stability`).
    certify : bool, default False
        Also prove the result (:mod:`dynsys.analysis.certify`): an interval
        branch-and-prune over the box with Krawczyk certificates, checked against the
        search. Sets ``certified``, ``boxes``, ``undecided_boxes`` and each equilibrium's
        ``certificate``. Needs a Model's symbolic right-hand sides (not a map).
    linear_solver : {"auto", "dense", "krylov"}
        The Newton linear solves: dense LU of each start's Jacobian, or Newton-Krylov
        (batched matrix-free GMRES over all starts, inexact steps to the relative
        residual ``min(0.1, |F|)``, the polish to ``1e-3 |F|``; memory linear in starts
        times n) for systems with a ``linear_operator`` (:class:`~dynsys.RateNetwork`).
        ``"auto"``: Krylov from ``KRYLOV_STATES`` (64) states on for a sparse network
        (or any network above 2000 states), dense LU otherwise. The counts of GMRES
        solves and iterations are in the notes.

    Returns
    -------
    Equilibria
        For a map (``model.discrete``), its fixed points ``F(x) = x`` classified by their
        multipliers (:mod:`dynsys.analysis._map_points`), with ``is_map`` set. Else
        isolated equilibria, and in :attr:`Equilibria.continua` the sets of equilibria
        that are not points (see the module docstring for the method and tolerances).

    Raises
    ------
    ModelError
        For a time-dependent system, bad parameters, no region, or a search setting
        out of range (``rounds < 0``, ``grid < 101``, ``tol`` not positive, ...).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> eq = find_equilibria(load_model("self_excitation"))
    >>> [round(float(e.state[0]), 9) for e in eq]
    [0.305908293, 60.0, 119.694091707]
    >>> [e.kind.value for e in eq]
    ['stable', 'unstable', 'stable']

    References
    ----------
    Farrell, Birkisson & Funke (2015), SIAM J. Sci. Comput. 37(4), A2026 (deflation).
    """
    compiled = compile(system) if isinstance(system, Model) else system
    model = getattr(compiled, "model", None)
    if certify:  # the plain search, then the proof over its region (certify.py)
        require_autonomous(compiled, "certifying equilibria")
        model_functions(compiled)  # refuses a system without symbolic right-hand sides
        plain = find_equilibria(
            compiled, params, region, rng=rng, n_starts=n_starts, rounds=rounds,
            max_iter=max_iter, grid=grid, tol=tol, sim_starts=sim_starts,
            tol_hyperbolic=tol_hyperbolic, tol_equal=tol_equal, linear_solver=linear_solver)
        if plain.is_map:
            raise ModelError(f"certify proves equilibria of flows; {compiled.name} is a map")
        return attach_certificates(  # type: ignore[no-any-return]
            plain, compiled, resolve_params(compiled, params), tol_hyperbolic=tol_hyperbolic,
            tol_equal=tol_equal)
    if getattr(model, "discrete", False) and not getattr(model, "events", ()):
        eqs = find_equilibria(
            flow_of_map(model), params, region, rng=rng, n_starts=n_starts, rounds=rounds,
            max_iter=max_iter, grid=grid, tol=tol, sim_starts=sim_starts,
            tol_hyperbolic=tol_hyperbolic, tol_equal=tol_equal, linear_solver=linear_solver)
        return dataclasses.replace(
            eqs, equilibria=tuple(as_fixed_point(e, tol_hyperbolic) for e in eqs),
            system_name=compiled.name, notes=(*eqs.notes, MAP_NOTE), is_map=True)
    require_autonomous(compiled, "finding equilibria")
    _check_search(rounds=rounds, max_iter=max_iter, grid=grid, tol=tol, sim_starts=sim_starts)
    p = np.asarray(resolve_params(compiled, params), dtype=np.float64)
    if p.ndim != 1:
        raise ModelError("find_equilibria takes one parameter vector, not a batch")
    pmap = dict(zip(compiled.param_names, (float(v) for v in p), strict=True))
    box = resolve_region(compiled, pmap, region)
    names = tuple(compiled.state_names)
    n = len(names)
    lo = np.array([box[k][0] for k in names])
    width = np.array([box[k][1] - box[k][0] for k in names])

    def make(x: FloatArray, how: str) -> Equilibrium:
        return linearize(compiled, x, p, method=how, tol=tol_hyperbolic, tol_equal=tol_equal)

    if n == 1:
        def f1(x: FloatArray) -> FloatArray:
            return compiled.rhs(x[:, None], p)[:, 0]

        def d1(x: FloatArray) -> FloatArray:
            return compiled.jac(x[:, None], p)[:, 0, 0]

        probe = np.abs(f1(np.linspace(lo[0], lo[0] + width[0], 257)))
        fscale = max(1.0, float(np.max(probe[np.isfinite(probe)], initial=0.0)))
        found = roots_1d(f1, d1, float(lo[0]), float(lo[0] + width[0]), grid, 1e-12 * fscale)
        eqs = tuple(make(np.array([r]), how) for r, how in found.roots)
        jumps = tuple(f"no equilibrium (F jumps across 0 at {names[0]} = {r:.9g})"
                      for r in found.jumps)
        cont = tuple(interval(names[0], a, b, box[names[0]]) for a, b in found.intervals)
        return Equilibria(eqs, compiled.name, names, MappingProxyType(pmap), MappingProxyType(box),
                          "grid+brent", starts=grid, notes=jumps, continua=cont)

    with blas_pinned(n):  # BLAS on one thread: its spinning threads would slow the
        # threaded dense solves between calls (see dynsys._numerics.linsolve)
        return _newton_search(
            compiled, p, pmap, box, names, lo, width, make, rng=rng, n_starts=n_starts,
            rounds=rounds, max_iter=max_iter, tol=tol, sim_starts=sim_starts,
            tol_hyperbolic=tol_hyperbolic, linear_solver=linear_solver)


def _newton_search(
    compiled: Any, p: FloatArray, pmap: dict[str, float], box: Mapping[str, tuple[float, float]],
    names: tuple[str, ...], lo: FloatArray, width: FloatArray,
    make: Any, *, rng: RngLike, n_starts: int | None, rounds: int, max_iter: int,
    tol: float, sim_starts: int, tol_hyperbolic: float, linear_solver: str,
) -> Equilibria:
    """The n-D search of :func:`find_equilibria` (n >= 2) in the box-scaled coordinates
    ``z = (x - lo) / width``: starts, deflated Newton rounds, polish, de-duplication,
    continua, linearization."""
    n = len(names)

    def fz(z: FloatArray) -> FloatArray:
        with np.errstate(all="ignore"):
            return compiled.rhs(lo + width * z, p)

    def jz(z: FloatArray) -> FloatArray:
        with np.errstate(all="ignore"):
            return compiled.jac(lo + width * z, p) * width[None, None, :]

    solver = make_solver(compiled, p, lo, width, jz, linear_solver)
    gen, seed = seeded(rng)
    k0 = (checks.count(n_starts, "n_starts") if n_starts is not None
          else default_starts(n, dense=getattr(solver, "kind", "dense") == "dense"))
    sobol = qmc.Sobol(d=n, scramble=True, seed=gen)
    starts = _draw(sobol, k0)
    fprobe = np.abs(fz(starts))
    fscale = max(1.0, float(np.median(np.max(np.where(np.isfinite(fprobe), fprobe, 0), axis=1))))
    tol_abs = tol * fscale
    if np.all(np.isfinite(fprobe)) and float(np.max(fprobe)) <= tol_abs:
        # F vanishes at every start: the whole region is a continuum of equilibria
        return Equilibria(
            (), compiled.name, names, MappingProxyType(pmap), MappingProxyType(box),
            "deflated newton", starts=len(starts),
            continua=(whole_region(names, box, lo + width * starts),))
    if sim_starts > 0:
        starts = np.vstack([euler_ends(fz, solver, _draw(sobol, sim_starts), 200), starts])
    init = _initial_start(compiled, lo, width)
    if init is not None:  # the model's own initial state: an equilibrium there is found
        starts = np.vstack([starts, init])
    known = np.empty((0, n))
    methods: list[str] = []
    fails: Counter[str] = Counter()
    outside = 0
    used = 0
    edge = 1e-9
    for round_ in range(rounds + 1):
        if round_ > 0:
            starts = _draw(sobol, max(1, k0 // 2))
        used += len(starts)
        z, status = deflated_newton(fz, solver, starts, known, tol=tol_abs, max_iter=max_iter,
                                    stall=STALL_STEPS if n >= KRYLOV_STATES else None,
                                    large=n >= KRYLOV_STATES)
        tag = "" if round_ == 0 else _REPELLED
        for code, reason in REASONS.items():
            if np.any(status == code):
                fails[reason + tag] += int(np.sum(status == code))
        conv = z[status == CONVERGED]
        if conv.size == 0:
            if round_ > 0:
                break
            continue
        if n >= KRYLOV_STATES:  # copies of one root (within 1e-6) are polished once
            conv = conv[representatives(conv)]
        conv, res = polish(fz, solver, conv)
        ok = res <= tol_abs
        if np.any(~ok):
            fails["polish did not reach the tolerance"] += int(np.sum(~ok))
        conv = conv[ok]
        inside = np.all((conv >= -edge) & (conv <= 1 + edge), axis=1)
        outside += int(np.sum(~inside))
        radius, la_fail = dedup_radius(jz, conv[inside], known, tol_abs)
        if la_fail:
            fails["linear algebra failed at a root (SVD)"] += la_fail
        new = dedup(conv[inside], known, radius)
        if len(new) == 0 and round_ > 0:
            break
        known = np.vstack([known, new])
        methods += ["newton" if round_ == 0 else "deflated newton"] * len(new)
    # A non-smooth system's kinks (a sign network's 0 and pattern mixtures) are fixed
    # points Newton never converges to; a System may list such exact candidates.
    hook = getattr(compiled, "candidate_equilibria", None)
    if callable(hook):
        cand = np.asarray(hook(p), dtype=np.float64).reshape(-1, n)
        zc = (cand - lo) / width
        with np.errstate(all="ignore"):
            res = np.max(np.abs(fz(zc)), axis=1) if len(zc) else np.empty(0)
        keep = (res <= tol_abs) & np.all((zc >= -edge) & (zc <= 1 + edge), axis=1)
        new = dedup(zc[keep], known, 1e-7)
        used += len(zc)
        known = np.vstack([known, new])
        methods += ["exact candidate"] * len(new)
    isolated, continua, la_failures = split_continua(fz, jz, known, tol_abs, lo, width, names)
    if la_failures:
        fails["linear algebra failed at a root (SVD)"] += la_failures
    xs = lo + width * known
    order = np.lexsort(xs.T[::-1]) if len(xs) else np.array([], dtype=int)
    eqs_list: list[Equilibrium] = []
    for i in order:
        if not isolated[i]:
            continue
        try:
            eqs_list.append(make(xs[i], methods[i]))
        except np.linalg.LinAlgError:
            fails["linear algebra failed at a root (eigenvalues)"] += 1
    eqs = tuple(eqs_list)
    return Equilibria(
        eqs, compiled.name, names, MappingProxyType(pmap), MappingProxyType(box),
        "deflated newton", starts=used, newton_failures=int(sum(fails.values())),
        failure_reasons=MappingProxyType(dict(fails)), outside_region=outside,
        notes=_notes(eqs, tol_hyperbolic) + tuple(filter(None, [solver.note()])),
        continua=tuple(continua), seed=seed,
    )


def _draw(sobol: qmc.Sobol, k: int) -> FloatArray:
    """``k`` scrambled Sobol points; scipy's warning that ``k`` is not a power of 2 (the
    balance properties of the sequence) is not the user's concern here: the points are
    starts, not a quadrature."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        return sobol.random(k)


def default_starts(n: int, *, dense: bool = False) -> int:
    """Default Newton starts of the first round for ``n`` states.

    ``max(256, 64 * 2**n)`` capped at 4096 up to :data:`KRYLOV_STATES` (64) states (a
    small system's equilibria can number ``2**n``: one per corner of a saturating
    network); from there on ``256 ceil(log2 n)`` (1792 at n = 100):
    a large network's equilibria are not enumerable by random starts, and every start
    costs ``O(n)`` per Newton-Krylov iteration at least, so from 200 states the budget is
    also held to ``256000 / n`` starts (the work of 256 starts at n = 1000), never fewer
    than 256 (the built-in 1000-unit E-I network: 80 s with 2560 starts, 8 s with 256).
    With ``dense`` linear algebra (a dense
    LU per start and step, ``n^3 / 3`` flops) the budget is also held to a fixed amount
    of work, ``256 (200 / n)^3`` starts (that of 256 starts at n = 200, about 15 s on
    one core), but never fewer than 64: 256 at n = 200, 122 at the 256-unit ring.

    Examples
    --------
    >>> [default_starts(n) for n in (2, 6, 64, 100, 500, 1000)]
    [256, 4096, 4096, 1792, 512, 256]
    >>> [default_starts(n, dense=True) for n in (100, 200, 256, 1000)]
    [1792, 256, 122, 64]
    """
    if n <= KRYLOV_STATES:
        return min(4096, max(256, 64 * 2**min(n, 12)))
    grow = 256 * int(np.ceil(np.log2(n)))
    if dense:
        return max(64, min(grow, int(256 * (200 / n) ** 3)))
    return max(256, min(grow, 256_000 // n))


#: Grid points of the 1-D search: fewer miss roots, more do not fit in memory.
_GRID_RANGE = (101, 10**8)


def _check_search(*, rounds: Any, max_iter: Any, grid: Any, tol: Any, sim_starts: Any) -> None:
    """The search settings of :func:`find_equilibria`, each refused by name when invalid."""
    for name, value, low, high in (("rounds", rounds, 0, None), ("max_iter", max_iter, 1, None),
                                   ("sim_starts", sim_starts, 0, None),
                                   ("grid", grid, *_GRID_RANGE)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low \
                or (high is not None and value > high):
            wanted = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"
            raise ModelError(f"{name} must be {wanted}, got {value!r}")
    if isinstance(tol, bool) or not isinstance(tol, int | float | np.floating | np.integer) \
            or not (0 < tol < np.inf):
        raise ModelError(f"tol must be a positive finite number, got {tol!r}")


def _initial_start(system: Any, lo: FloatArray, width: FloatArray) -> FloatArray | None:
    """The model's declared initial state in box-scaled coordinates, if inside the box."""
    model = getattr(system, "model", None)
    init = getattr(model, "init", None)
    if not init:
        return None
    names = tuple(system.state_names)
    try:
        x = np.array([float(init[k]) for k in names])
    except (KeyError, TypeError, ValueError):
        return None
    z = (x - lo) / width
    if not np.all(np.isfinite(z)) or np.any((z < 0) | (z > 1)):
        return None
    return z[None, :]


def _notes(eqs: tuple[Equilibrium, ...], tol: float) -> tuple[str, ...]:
    def has_zero(e: Equilibrium) -> bool:
        mags = np.abs(e.eigenvalues)
        return bool(np.min(mags) <= tol * max(1.0, float(np.max(mags))))

    zero = [e for e in eqs if has_zero(e)]
    if len(zero) >= 10:
        return (f"{len(zero)} equilibria have a zero eigenvalue: they are probably not "
                "isolated (a curve or surface of equilibria), and the list only samples it",)
    return ()
