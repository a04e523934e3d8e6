"""One-parameter continuation of equilibria: branches, folds, Hopf and branch points.

``continue_equilibria(system, param, start, bounds, settings) -> Branch`` traces the
curve of equilibria ``F(x, alpha) = 0`` through ``start`` by Keller's
pseudo-arclength method: a tangent predictor ``u + ds t`` and a Newton corrector on
the bordered system ``[[F_x, F_alpha], [t^T]]`` (exact ``jac`` and ``dfdp`` of the
System), with an adaptive step ``ds`` (grown after easy steps, halved after failures,
kept in ``[ds_min, ds_max]``). The curve is followed in both directions until the
parameter bounds, the edge of the state region, ``max_steps``, or until it closes
on itself (an isola).

After tracing, the Jacobians of all points are evaluated in one vectorized call and
give the eigenvalues and the number of unstable eigenvalues of every point (above
100 states only the 6 rightmost of each point, by ARPACK:
:func:`~dynsys.analysis._rightmost.branch_eigenvalues`; the unstable dimension is
counted among them and the Hopf test below runs over them), and
three test functions whose sign changes flag special points:

* fold: the parameter component of the tangent,
* Hopf: the product of all sums of pairs of eigenvalues ``prod_{i<j} (l_i + l_j)``
  (the determinant of the bialternate product ``2 A (.) I``; zero when a pair
  ``+-i omega`` crosses; neutral saddles ``+-mu`` are filtered out on location),
* branch point: the determinant of the augmented Jacobian ``[[F_x, F_alpha], [t^T]]``
  (located by bisection along the chord, then by Newton on Moore's regular system,
  :func:`~dynsys.bifurcation.locate.refine_branch_point`, which stays put where two
  branches cross).

Each is then located precisely (:mod:`dynsys.bifurcation.points`) and described by its
normal-form coefficients (:mod:`dynsys.core.derivatives`). A branch with a zero
eigenvalue at every point lies on a continuum of equilibria (the rotations of a ring
attractor's bump): there the fold and branch-point tests are rounding noise, so none are
sought and :attr:`Branch.notes` says so. A start that is itself a branch point (a
null space of ``[F_x, F_alpha]`` of more than one dimension) continues the branch along
which the parameter moves (:func:`_start_tangent`). Dense systems of up to 512 states run
with BLAS on one thread (one matrix per call gains nothing from its threads, and on a
loaded machine their spinning made the 256-unit ring's branch five times slower).

Large sparse systems (more than ``SPARSE_STATES`` = 200 states, a ``jac_sparse`` less
than ``SPARSE_DENSITY`` = 5 % dense at the start) take the sparse path
(:mod:`dynsys.bifurcation._sparse_branch`): corrector and tangents by sparse LU of the
bordered matrix, the branch-point test as the sign of its determinant from that LU, folds
located without second derivatives, no stack of dense Jacobians;
:attr:`Branch.linear_solver` says which path was taken.

References
----------
Keller, H. B. (1977). Numerical solution of bifurcation and nonlinear eigenvalue
problems. In Applications of Bifurcation Theory, Academic Press.
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
Chapter 10.
Govaerts, W. (2000). Numerical Methods for Bifurcations of Dynamical Equilibria. SIAM.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sps

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._numerics.linsolve import blas_pinned
from dynsys._numerics.newton import newton
from dynsys._types import ArrayLike, ComplexArray, FloatArray, ParamsLike
from dynsys.analysis._rightmost import branch_eigenvalues
from dynsys.analysis.stability import (
    on_axis,
    stable_mask,
    unstable_dimension,
)
from dynsys.bifurcation._arclength import (
    FJ,
    ContinuationSettings,
    _make_boundary,
    _param_index,
    _tangent,
    _trace_both,
    _widths,
)
from dynsys.bifurcation._bordered import LINEAR_SOLVER_NOTE, bordered, lu_solve, sparse_newton
from dynsys.bifurcation._sparse_branch import (
    point_eigenvalues,
    sparse_equilibrium_fj,
    sparse_specials,
    use_sparse,
)
from dynsys.bifurcation.locate import (
    CONTINUUM_NOTE,
    locate_special_points,
    reindex_points,
    zero_throughout,
)
from dynsys.bifurcation.points import PointType, SpecialPoint
from dynsys.core.region import region_bounds
from dynsys.core.system import compile, require_autonomous, resolve_params
from dynsys.errors import ConvergenceError, ModelError

__all__ = [
    "Branch",
    "ContinuationSettings",
    "PointType",
    "SpecialPoint",
    "continue_equilibria",
]

@dataclass(frozen=True, eq=False)
class Branch:
    """A branch of equilibria traced in one parameter.

    Attributes
    ----------
    model : str
        The system's name.
    param : str
        The continued parameter.
    params : mapping
        The other parameters' values (name -> value; the continued one at the start).
    state_names : tuple of str
    values : (N,) array
        Parameter value of each point, in order along the branch.
    states : (N, n) array
        The equilibria.
    eigenvalues : (N, n) complex array
        Eigenvalues of the Jacobian at each point (sorted by decreasing real part);
        ``(N, 6)``, the rightmost six, above 100 states.
    unstable : (N,) int array
        Number of eigenvalues right of the imaginary axis beyond the tolerance
        (:func:`~dynsys.analysis.stability.unstable_dimension`, the rule of
        :func:`~dynsys.analysis.stability.stability`).
    tangents : (N, n + 1) array
        Unit tangents (state, parameter), oriented along the branch.
    step_sizes : (N,) array
        Arclength step that reached each point (0 at the start), in the scaled
        coordinates of :class:`ContinuationSettings` (each state and the parameter
        divided by the width of its box); located special points are inserted as
        points of their own.
    newton_iterations : (N,) int array
        Newton iterations of each point's corrector.
    special_points : tuple of SpecialPoint
    start_index : int
        Index of the starting point.
    stop_reasons : tuple of str
        Why tracing stopped: (at the first point, at the last point).
    closed : bool
        True when the branch closed on itself (an isola or a closed curve).
    notes : tuple of str
        Caveats, e.g. :data:`~dynsys.bifurcation.locate.CONTINUUM_NOTE` when every point
        has a zero eigenvalue (a branch on a continuum of equilibria, where folds and
        branch points are not sought).
    linear_solver : str
        How the corrector's bordered systems were solved: ``"dense"``, or
        ``"sparse bordered LU (scipy.sparse.linalg.splu)"`` for a system of more than
        :data:`~dynsys.bifurcation._bordered.SPARSE_STATES` states whose ``jac_sparse``
        is less than :data:`~dynsys.bifurcation._bordered.SPARSE_DENSITY` dense (then
        the branch-point test is the sign of the bordered determinant from that LU, and
        folds are located by the tangent's parameter component, matrix-free).
    """

    model: str
    param: str
    params: Mapping[str, float]
    state_names: tuple[str, ...]
    values: FloatArray
    states: FloatArray
    eigenvalues: ComplexArray
    unstable: Any
    tangents: FloatArray
    step_sizes: FloatArray
    newton_iterations: Any
    special_points: tuple[SpecialPoint, ...]
    start_index: int
    stop_reasons: tuple[str, str]
    closed: bool = False
    linear_solver: str = "dense"
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @property
    def stable(self) -> Any:
        """Boolean (N,) array: every eigenvalue left of the axis beyond the tolerance.

        False at a point with an eigenvalue on the axis (a fold, a Hopf point): it is
        neither stable nor unstable, as :class:`~dynsys.analysis.stability.Kind` says.
        """
        return stable_mask(self.eigenvalues)

    @property
    def non_hyperbolic(self) -> Any:
        """Boolean (N,) array: an eigenvalue on the imaginary axis.

        :func:`~dynsys.analysis.stability.on_axis` for some eigenvalue (a zero
        eigenvalue on a branch of a continuum, a fold, a Hopf point): linear stability
        decides nothing there, so such a point is neither stable nor counted unstable.
        """
        ev = np.asarray(self.eigenvalues)
        if ev.size == 0:
            return np.zeros(len(self), dtype=bool)
        return np.any(on_axis(ev), axis=-1)

    def stability_runs(self) -> list[tuple[int, int, str]]:
        """Runs of one stability label: ``(start, stop, label)``, stop exclusive.

        The label is ``"non-hyperbolic"`` where :attr:`non_hyperbolic`, else
        ``"stable"`` or ``"k unstable"``.
        """
        nh = self.non_hyperbolic
        return label_runs(["non-hyperbolic" if nh[i] else "stable" if self.unstable[i] == 0
                           else f"{int(self.unstable[i])} unstable" for i in range(len(self))])

    def points(self, kind: str | PointType) -> tuple[SpecialPoint, ...]:
        """The special points of one type (e.g. ``"fold"``)."""
        kind = PointType(kind)
        return tuple(sp for sp in self.special_points if sp.type is kind)

    def segments(self) -> list[tuple[int, int, int]]:
        """Runs of constant stability: ``(start, stop, unstable count)``, stop exclusive."""
        out = []
        start = 0
        for i in range(1, len(self) + 1):
            if i == len(self) or self.unstable[i] != self.unstable[start]:
                out.append((start, i, int(self.unstable[start])))
                start = i
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (parameter values, states, stability, special points)."""
        return to_jsonable({
            "kind": "equilibria",
            "model": self.model,
            "param": self.param,
            "params": dict(self.params),
            "state_names": list(self.state_names),
            "values": self.values,
            "states": {name: self.states[:, i] for i, name in enumerate(self.state_names)},
            "unstable": self.unstable,
            "stable": self.stable,
            "non_hyperbolic": self.non_hyperbolic,
            "stability": [{"label": lab, "from": float(self.values[a]),
                           "to": float(self.values[b - 1])}
                          for a, b, lab in self.stability_runs()],
            "eigenvalues": self.eigenvalues,
            "step_sizes": self.step_sizes,
            "newton_iterations": self.newton_iterations,
            "special_points": [sp.to_dict() for sp in self.special_points],
            "stop_reasons": list(self.stop_reasons),
            "closed": self.closed,
            "linear_solver": self.linear_solver,
            "notes": list(self.notes),
        })

    def _tree(self, title: str) -> list[str]:
        lines = [title]
        rows = [f"{len(self)} points, {self.param} in [{self.values.min():.6g}, "
                f"{self.values.max():.6g}]" + (", closed" if self.closed else "")]
        parts = []
        for a, b, label in self.stability_runs():
            parts.append(f"{label} {self.param} {_path(self.values[a:b])}")
        rows.append("stability: " + "; ".join(parts))
        if self.special_points:
            rows.append("special points:")
        tails = [f"ends: {self.stop_reasons[0]} | {self.stop_reasons[1]}"]
        if self.linear_solver != "dense":
            tails.append(f"linear solves: {self.linear_solver}")
        tails += [f"note: {note}" for note in self.notes]
        body = [*rows, None, *tails]  # None marks the special-point sub-tree
        for i, row in enumerate(body):
            if row is None:
                for j, sp in enumerate(self.special_points):
                    lead = "│  " + ("└─ " if j == len(self.special_points) - 1 else "├─ ")
                    lines.append(lead + sp.describe())
                continue
            lead = "└─ " if i == len(body) - 1 else "├─ "
            lines.append(lead + row)
        return lines

    def __str__(self) -> str:
        others = ", ".join(f"{k}={v:g}" for k, v in self.params.items() if k != self.param)
        title = f"Branch of equilibria of {self.model} in {self.param}" + (
            f" ({others})" if others else "")
        return "\n".join(self._tree(title))

    def __repr__(self) -> str:
        return (f"<Branch {self.model} in {self.param}: {len(self)} points, "
                f"{self.param} in [{self.values.min():.6g}, {self.values.max():.6g}], "
                f"{len(self.special_points)} special points>")


def label_runs(labels: list[str]) -> list[tuple[int, int, str]]:
    """Runs of equal consecutive labels: ``(start, stop, label)``, stop exclusive."""
    out = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((start, i, labels[start]))
            start = i
    return out


def _path(values: FloatArray) -> str:
    """A run of parameter values as text: ``-20..-3.943`` when monotone, else its path
    through the turning points, ``0 -> 13.19 -> 0`` (a closed or folded branch)."""
    v = np.asarray(values, dtype=float)
    w = v[np.r_[True, np.diff(v) != 0]]  # without repeated values
    turns = [w[k] for k in range(1, len(w) - 1) if (w[k] - w[k - 1]) * (w[k + 1] - w[k]) < 0]
    if not turns:
        return f"{v[0]:.4g}..{v[-1]:.4g}"
    return " -> ".join(f"{x:.4g}" for x in [w[0], *turns, w[-1]])


# ============================================================== equilibria problem
def _equilibrium_fj(system: Any, p_base: FloatArray, k: int,
                    widths: FloatArray | None = None) -> FJ:
    """``u = (x, alpha) -> (F, [F_x, F_alpha])`` with as little overhead as possible.

    With ``widths``, the function of the scaled unknowns ``u / widths`` (the
    Jacobian's columns multiplied by ``widths``), as :func:`_trace_both` expects.
    """
    n = system.n
    m = len(p_base)
    point = getattr(system, "evaluate_point", None)  # the System's optional fast path
    if callable(point):
        plist = [float(v) for v in p_base]
        before, after = plist[:k], plist[k + 1:]
        # positions in the concatenated list [F (n), F_x (n*n), F_p (n*m)]
        idx = np.empty((n, n + 1), dtype=np.intp)
        for i in range(n):
            idx[i, :n] = n + i * n + np.arange(n)
            idx[i, n] = n + n * n + i * m + k
        wt = None if widths is None else np.asarray(widths, dtype=np.float64)

        def fj(u: FloatArray) -> tuple[FloatArray, FloatArray]:
            if wt is not None:
                u = u * wt
            ul = u.tolist()
            f, fx, fp = point(ul[:n], [*before, ul[n], *after])
            vals = np.array([*f, *fx, *fp], dtype=np.float64)
            d = vals[idx]
            if wt is not None:
                d *= wt
            return vals[:n], d

        return fj
    if widths is not None:
        inner = _equilibrium_fj(system, p_base, k)
        wt2 = np.asarray(widths, dtype=np.float64)

        def fj_scaled(u: FloatArray) -> tuple[FloatArray, FloatArray]:
            f, d = inner(u * wt2)
            return f, d * wt2

        return fj_scaled

    def fj_generic(u: FloatArray) -> tuple[FloatArray, FloatArray]:
        p = p_base.copy()
        p[k] = u[n]
        x = u[:n]
        d = np.empty((n, n + 1))
        d[:, :n] = system.jac(x, p)
        d[:, n] = system.dfdp(x, p)[:, k]
        return np.asarray(system.rhs(x, p), dtype=np.float64), d

    return fj_generic


#: Singular values of ``[F_x, F_alpha]`` below this fraction of the largest count as zero
#: when the start's tangent is chosen (:func:`_start_tangent`).
START_NULL_RTOL = 1e-8


def _start_tangent(d0: Any) -> FloatArray:
    """The unit tangent at the start from ``d0 = [F_x, F_alpha]`` (dense or sparse).

    Where ``d0`` has full rank its null space is a line and this is :func:`_tangent`.
    At a start that is itself a branch point (the null space of dimension ``m + 1``,
    e.g. a symmetric network at its symmetry-breaking gain: ``F_alpha = 0`` on the
    symmetric branch and ``F_x`` with an ``m``-fold kernel) the tangent is not unique;
    then it is the null vector along which the parameter moves most (the projection of
    the parameter's unit vector onto the null space): the branch that continues in the
    parameter, not an arbitrary mixture with the branching directions (the pitchfork's
    parabola, which leaves the branch point at constant parameter). Singular values
    below :data:`START_NULL_RTOL` times the largest count as zero. At a transcritical
    point, where both branches move the parameter, that projection mixes their tangents
    and the corrector settles on one of them (as it did from the arbitrary null vector
    before).

    Examples
    --------
    >>> d0 = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # F_x = diag(0, 1), F_alpha = 0
    >>> _start_tangent(d0).round(12).tolist()
    [0.0, 0.0, 1.0]
    """
    if sps.issparse(d0):
        nrow = d0.shape[0]
        e_last = np.zeros(nrow + 1)
        e_last[nrow] = 1.0
        for row in (e_last, np.eye(1, nrow + 1)[0]):
            try:  # a regular bordered matrix: the null space is a line
                t = lu_solve(bordered(d0, row), e_last)
                return t / np.linalg.norm(t)
            except np.linalg.LinAlgError:
                pass
        d0 = d0.toarray()
    d0 = np.asarray(d0, dtype=np.float64)
    nrow = d0.shape[0]
    _, sv, vt = np.linalg.svd(d0)
    rank = int(np.sum(sv > START_NULL_RTOL * sv[0])) if sv.size and sv[0] > 0 else 0
    null = vt[rank:]
    if len(null) > 1:
        c = null[:, nrow]
        if np.linalg.norm(c) > 1e-6:
            t = null.T @ c
            return t / np.linalg.norm(t)
    return vt[-1]


def _batch_params(p_base: FloatArray, k: int, values: FloatArray) -> FloatArray:
    ps = np.broadcast_to(p_base, (len(values), len(p_base))).copy()
    ps[:, k] = values
    return ps


def _batch(system: Any, states: FloatArray, p_base: FloatArray, free: tuple[int, ...],
           pvals: FloatArray) -> tuple[FloatArray, FloatArray]:
    ps = np.broadcast_to(p_base, (states.shape[0], len(p_base))).copy()
    for j, k in enumerate(free):
        ps[:, k] = pvals[:, j]
    return np.asarray(system.jac(states, ps), dtype=np.float64), ps


def continue_equilibria(
    system: Any,
    param: str,
    start: ArrayLike,
    bounds: tuple[float, float],
    settings: ContinuationSettings | None = None,
    params: ParamsLike = None,
    *,
    region: Mapping[str, tuple[float, float]] | None = None,
) -> Branch:
    """continue_equilibria(system, param, start, bounds) -> Branch

    Trace the branch of equilibria through ``start`` as ``param`` varies in ``bounds``.

    Parameters
    ----------
    system : System or Model
        The vector field (a Model is compiled).
    param : str
        The parameter to vary.
    start : (n,) array
        An equilibrium (or a good guess, corrected by Newton's method) at the starting
        parameter value, which is ``params[param]`` or the default.
    bounds : (low, high)
        Parameter interval; the branch ends exactly on these values.
    settings : ContinuationSettings, optional
        Step control (defaults: ``ContinuationSettings()``).
    params : mapping or array, optional
        Values of the parameters (the continued one gives the start).
    region : mapping state -> (low, high), optional
        Stop when the branch leaves this box (default: the system's region; ``{}``
        for none).

    Returns
    -------
    Branch
        Points, stability (eigenvalues and the number of unstable ones) of every point,
        step sizes, Newton iterations, and located special points (folds with their
        normal-form coefficient ``a``, Hopf points with ``omega`` and ``l1``, branch
        points).

    Raises
    ------
    ModelError
        For an unknown parameter, bad bounds, a start outside the bounds, or a
        time-dependent system.
    ConvergenceError
        If ``start`` cannot be corrected to an equilibrium.

    References
    ----------
    Keller (1977); Kuznetsov (2004), Elements of Applied Bifurcation Theory, Ch. 10.

    Examples
    --------
    >>> from dynsys import compile, load_model
    >>> system = compile(load_model("mutual_excitation"))
    >>> br = continue_equilibria(system, "I", [0.00227, 0.00227], (-20, 0))
    >>> sorted(round(sp.params["I"], 8) for sp in br.points("fold"))
    [-16.05700096, -3.94299904]
    """
    system = compile(system)
    # BLAS on one thread: each corrector step, eigenvalue and determinant is one
    # matrix of n <= 512 states, which gains nothing from BLAS's threads and, on a loaded
    # machine, loses to their spinning (measured on two busy cores: one dense 256 x 256
    # eigvals 2.4 s with OpenBLAS's threads, 0.1 s on one thread)
    with blas_pinned(system.n), np.errstate(over="ignore", invalid="ignore",
                                            divide="ignore"):
        return _continue(system, param, start, bounds, settings, params, region)


def _continue(system: Any, param: str, start: ArrayLike, bounds: tuple[float, float],
              settings: ContinuationSettings | None, params: ParamsLike,
              region: Mapping[str, tuple[float, float]] | None) -> Branch:
    system = compile(system)
    require_autonomous(system, "continuation")
    settings = ContinuationSettings() if settings is None else settings
    if not isinstance(settings, ContinuationSettings):
        raise ModelError("settings must be a ContinuationSettings")
    k = _param_index(system, param)
    lo, hi = checks.interval(bounds, "bounds")
    p_base = np.array(resolve_params(system, params), dtype=np.float64)
    if p_base.ndim != 1:
        raise ModelError("params must describe a single parameter vector")
    alpha0 = float(p_base[k])
    if not lo <= alpha0 <= hi:
        raise ModelError(f"the starting value {param} = {alpha0:g} is outside the bounds "
                         f"[{lo:g}, {hi:g}]; set it with params={{{param!r}: ...}}")
    n = system.n
    x0 = np.asarray(start, dtype=np.float64).reshape(-1)
    if x0.shape != (n,) or not np.all(np.isfinite(x0)):
        raise ModelError(f"start must be {n} finite numbers ({', '.join(system.state_names)}),"
                         f" got {start!r}")
    sparse = use_sparse(system, x0, p_base, others=[_batch_params(p_base, k, np.array([v]))[0]
                                                    for v in (lo, hi) if v != alpha0])
    fj = (sparse_equilibrium_fj if sparse else _equilibrium_fj)(system, p_base, k)

    def fixed(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        f, d = fj(np.append(x, alpha0))
        return f, d[:, :n]

    try:
        x0, _, _ = (sparse_newton if sparse else newton)(
            fixed, x0, tol=settings.newton_tol, max_iter=50,
            what=f"correction of the start to an equilibrium at {param}={alpha0:g}")
    except ConvergenceError as exc:
        raise ConvergenceError(
            f"{exc}; start from (or near) an equilibrium, e.g. one of find_equilibria()",
            last_iterate=exc.last_iterate, history=exc.history) from None
    u0 = np.append(x0, alpha0)
    _, d0 = fj(u0)
    t0 = _start_tangent(d0)
    if t0[n] < 0 or (t0[n] == 0 and t0[0] < 0):
        t0 = -t0
    xlo, xhi = region_bounds(system, region)
    widths = _widths([(lo, hi)], xlo, xhi, x0, [alpha0])
    settings = settings.resolved(math.sqrt(len(widths)), 0.02)
    boundary = _make_boundary(fj, n, (k,), [(lo, hi)], xlo, xhi, tuple(system.state_names),
                              (param,))
    us, ts, ds, its, start_idx, reasons, closed = _trace_both(
        fj, u0, t0, settings, boundary, widths=widths,
        scaled_fj=(sparse_equilibrium_fj if sparse else _equilibrium_fj)(
            system, p_base, k, widths))
    states, values = us[:, :n], us[:, n]
    if sparse:
        ps = _batch_params(p_base, k, values)
        ev = point_eigenvalues(system, states, ps)
        specials = sparse_specials(system, param, k, p_base, us, ts, ps, ev, fj,
                                   _equilibrium_fj(system, p_base, k), settings.locate)
    else:
        jacs, ps = _batch(system, states, p_base, (k,), values[:, None])
        ev, _ = branch_eigenvalues(jacs, system=system, states=states, params=ps)
        specials = locate_special_points(system, param, k, p_base, us, ts, jacs, ev, fj,
                                         settings.locate)
    unstable = unstable_dimension(ev)
    located = [sp for sp in specials if sp.located]
    if located:
        # the located points become points of the branch, so that it reaches them exactly
        new_u, new_t, new_ds, new_it, where = [], [], [], [], []
        for sp in located:
            i = sp.index
            u = np.append([sp.state[nm] for nm in system.state_names], sp.params[param])
            try:
                t = _tangent(fj(u)[1], ts[i] + ts[i + 1])
            except np.linalg.LinAlgError:
                t = 0.5 * (ts[i] + ts[i + 1])
            new_u.append(u)
            new_t.append(t / np.linalg.norm(t))
            new_ds.append(float(np.linalg.norm((u - us[i]) / widths)))
            new_it.append(sp.newton_iterations or 0)
            where.append(i + 1)
        us = np.insert(us, where, new_u, axis=0)
        ts = np.insert(ts, where, new_t, axis=0)
        ds = np.insert(ds, where, new_ds)
        its = np.insert(its, where, new_it)
        start_idx += sum(1 for w in where if w <= start_idx)
        specials = reindex_points(specials, located, where)
        states, values = us[:, :n], us[:, n]
        if sparse:
            nu = np.array(new_u)
            new_ev = point_eigenvalues(system, nu[:, :n], _batch_params(p_base, k, nu[:, n]))
            ev = np.insert(ev, where, new_ev, axis=0)
        else:
            jacs, ps = _batch(system, states, p_base, (k,), values[:, None])
            ev, _ = branch_eigenvalues(jacs, system=system, states=states, params=ps)
        unstable = unstable_dimension(ev)
    names = tuple(system.param_names)
    return Branch(
        model=system.name, param=param,
        params={nm: float(v) for nm, v in zip(names, p_base, strict=True)},
        state_names=tuple(system.state_names), values=values, states=states,
        eigenvalues=ev, unstable=unstable, tangents=ts, step_sizes=ds,
        newton_iterations=its, special_points=tuple(specials), start_index=start_idx,
        stop_reasons=reasons, closed=closed,
        linear_solver=LINEAR_SOLVER_NOTE if sparse else "dense",
        notes=(CONTINUUM_NOTE,) if zero_throughout(ev) else (),
    )
