"""Certified equilibria: ``certify_box(system, params, lo, hi) -> BoxSearch``, an interval
branch-and-prune with Krawczyk certificates, and :func:`attach_certificates`, which checks
a probabilistic search (:func:`~dynsys.analysis.equilibria.find_equilibria`) against it.

Every box of a queue (starting with the region) is, with ``F`` enclosed in interval
arithmetic (:mod:`dynsys.analysis._interval`, whose guarantee this module inherits):

* **excluded** when ``0 not in F(X)`` or ``0 not in F(m) + F'(X)(X - m)`` (the
  mean-value form, ``m`` the midpoint): no equilibrium in ``X``;
* **certified** when the Krawczyk operator
  ``K(X) = y - C F(y) + (I - C F'(X))(X - y)`` (``y`` the midpoint, ``C`` an
  approximate inverse of the midpoint Jacobian) lies in the interior of ``X~``, the box
  inflated by a relative 1e-9 (so a root on a bisection plane is not lost): then ``X~``
  holds exactly one equilibrium (Krawczyk 1969; Moore 1977; Neumaier 1990, Thm 5.1.7).
  Never where a non-smooth function (sign, Heaviside, Abs, Min, Max, Piecewise) may
  switch inside the box: there F is not differentiable and no uniqueness is claimed;
* **contracted** to ``X cap K(X)``, which keeps every root of ``X`` (excluded when
  empty), and, unless that halved it, **bisected** at the largest width (scaled by the
  region's widths);
* **undecided** once its scaled width is below ``min_width``, or when the budget of
  ``max_boxes`` examined boxes is spent. Near a fold (singular Jacobian at a double
  root) this is where the search ends, by design: nothing is claimed there.

Each certified box seeds Newton; the polished root gets a tight enclosure (Krawczyk on
a box of a few 1e-12 relative around it, kept only when inside the certified box), and
its stability is certified when the interval Jacobian ``J(E)`` on that enclosure and
its bialternate product ``2 J(E) (.) I`` are both regular (every matrix of the interval
nonsingular: no eigenvalue 0, no pair summing to 0, hence none on the imaginary axis
for any matrix in ``J(E)``), so the count of eigenvalues with positive real part is the
one at the root (Guckenheimer, Myers & Sturmfels 1997, for the bialternate product).
Regularity is proved by ``|| |I - R M_c| + |R| M_r ||_inf < 1`` (Rump 1994).

The vectorized numpy stage (midpoint-radius products with a-priori rounding-error
bounds, :mod:`dynsys.analysis._interval_linalg`) runs over thousands of boxes in one
call. What is proven holds for the parameters as the binary64 numbers given, and under
the guarantee of :mod:`dynsys.analysis._interval` (IEEE arithmetic rounded outward;
elementary functions within 64 ulp, which ``tests/test_interval.py`` checks against
mpmath on the machine at hand). The right-hand sides come from a Model's sympy
expressions, or, for a :class:`~dynsys.core.rate_network.RateNetwork` of up to 12
units, are written out from its activation, weights and inputs; other systems are
refused.

References
----------
Krawczyk, R. (1969). Newton-Algorithmen zur Bestimmung von Nullstellen mit
Fehlerschranken. *Computing* 4, 187-201.
Moore, R. E. (1977). A test for existence of solutions to nonlinear systems. *SIAM J.
Numer. Anal.* 14(4), 611-615.
Neumaier, A. (1990). *Interval Methods for Systems of Equations*. Cambridge UP.
Rump, S. M. (1994). Verification methods for dense and sparse systems of equations.
In *Topics in Validated Computations*, Elsevier, 63-135.
Guckenheimer, J., Myers, M. and Sturmfels, B. (1997). Computing Hopf bifurcations I.
*SIAM J. Numer. Anal.* 34(1), 1-21.
Tucker, W. (2011). *Validated Numerics*. Princeton University Press.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from dynsys._types import FloatArray
from dynsys.analysis._interval import IntervalFunction, interval_function
from dynsys.analysis._interval_linalg import (
    bialternate_sum,
    bounds as _bounds,
    gamma as _gamma,
    matmul as _matmul,
    midrad as _midrad,
    nan_inf as _nan_inf,
    regular,
)
from dynsys.analysis.equilibrium import Equilibrium, linearize
from dynsys.core.model import Model
from dynsys.core.rate_network import RateNetwork
from dynsys.errors import ModelError

__all__ = ["BoxSearch", "CertifiedRoot", "certify_box"]

#: Relative inflation of a box for the Krawczyk test (epsilon-inflation).
_INFLATE = 1e-9
#: Bisection point, a little off the middle (binary-exact): a "nice" root such as the
#: centre of the region does not land on the first cut.
_SPLIT = 0.5 - 2.0**-7


@dataclass(frozen=True)
class CertifiedRoot:
    """One equilibrium proven unique in ``box`` and enclosed in ``[lo, hi]``."""

    root: FloatArray
    lo: FloatArray
    hi: FloatArray
    box_lo: FloatArray
    box_hi: FloatArray
    stability_certified: bool
    #: Eigenvalues with positive real part of the midpoint of ``J(enclosure)``: the count
    #: of every matrix in it when ``stability_certified``.
    unstable: int

    @property
    def width(self) -> float:
        """The enclosure's largest width."""
        return float(np.max(self.hi - self.lo))


@dataclass(frozen=True)
class BoxSearch:
    """What the branch-and-prune proved: roots, undecided clusters, effort."""

    roots: tuple[CertifiedRoot, ...]
    clusters: tuple[tuple[FloatArray, FloatArray, int], ...]  # (lo, hi, boxes merged)
    boxes: int
    exhausted: bool
    undecided_volume: float  # fraction of the region's volume
    kinks: bool  # some undecided box straddles a kink of a non-smooth function


# ------------------------------------------------------------------ model -> intervals
@functools.lru_cache(maxsize=32)
def _functions(model: Model) -> tuple[IntervalFunction, IntervalFunction]:
    args = [*model.states, *model.param_symbols]
    jac = model.jacobian()
    return interval_function(list(model.rhs), args), interval_function(list(jac), args)


#: Largest rate network in matrix form that is certified (its n^2 Jacobian entries are
#: written out symbolically, once).
MAX_CERTIFIED_UNITS = 12


def _unit_activations(net: RateNetwork) -> list[sp.Expr]:
    """Each unit's activation (its population's, where the network has populations)."""
    acts = tuple(getattr(net, "activations", (net.activation,)))
    pops = tuple(getattr(net, "populations", (("x", 0, net.n),)))
    out: list[sp.Expr] = []
    for act, (_, start, stop) in zip(acts, pops, strict=True):
        out += [act] * (stop - start)
    return out


def _network_functions(net: RateNetwork) -> tuple[IntervalFunction, IntervalFunction]:
    """``F_i = (-x_i + f_i(g (W x)_i + I_i + I0)) / tau_i`` written out for a small network
    (its weights, inputs and time constants enclosed as constants, one ulp either side)."""
    n = net.n
    if n > MAX_CERTIFIED_UNITS:
        raise ModelError(f"certify writes a rate network out symbolically, up to "
                         f"{MAX_CERTIFIED_UNITS} units; {net.name} has {n}")
    xs = [sp.Symbol(f"_x{i}", real=True) for i in range(n)]
    g, i0 = (sp.Symbol(f"_p{k}", real=True) for k in range(2))
    w = net.dense_weights()
    rhs = []
    for i, act in enumerate(_unit_activations(net)):
        h = g * sp.Add(*[sp.Float(float(w[i, j])) * xs[j] for j in range(n) if w[i, j] != 0])
        h = h + sp.Float(float(net.inputs[i])) + i0
        (s,) = act.free_symbols
        rhs.append((-xs[i] + act.subs(s, h)) / sp.Float(float(net.tau[i])))
    jac = sp.Matrix(rhs).jacobian(sp.Matrix(xs))
    args = [*xs, g, i0]
    return interval_function(rhs, args), interval_function(list(jac), args)


def model_functions(system: Any) -> tuple[IntervalFunction, IntervalFunction]:
    """Interval ``F`` and ``F'`` (flattened row-major) of a system compiled from a Model,
    or of a small :class:`~dynsys.core.rate_network.RateNetwork`."""
    if isinstance(system, RateNetwork):
        return _network_functions(system)
    model = getattr(system, "model", None)
    if not isinstance(model, Model):
        raise ModelError(
            f"certify needs the symbolic right-hand sides of a Model; {system.name} is a "
            f"{type(system).__name__} without them (run without certify)")
    if getattr(model, "discrete", False):
        raise ModelError(f"certify proves equilibria of flows; {system.name} is a map")
    return _functions(model)


def _call(fn: IntervalFunction, lo: FloatArray, hi: FloatArray, p: FloatArray) -> Any:
    pp = np.broadcast_to(p, (lo.shape[0], p.size))
    return fn(np.hstack([lo, pp]), np.hstack([hi, pp]))


# ------------------------------------------------------------------ one batch of boxes
@dataclass
class _Batch:
    """The verdicts on a batch of boxes."""

    keep_lo: FloatArray
    keep_hi: FloatArray
    cert: list[tuple[FloatArray, FloatArray, FloatArray, FloatArray]]  # K lo/hi, box lo/hi
    kink: Any
    shrunk: Any  # contraction at least halved the box: no bisection needed
    width: Any  # scaled width of each kept box before this step


def _krawczyk(f: IntervalFunction, jf: IntervalFunction, lo: FloatArray, hi: FloatArray,
              p: FloatArray) -> tuple[FloatArray, FloatArray, Any]:
    """``K(X)`` for a batch of boxes ``(B, n)``; also the kink flag of ``F, F'`` on X."""
    b, n = lo.shape
    y = 0.5 * lo + 0.5 * hi
    fy_lo, fy_hi, _ = _call(f, y, y, p)
    j_lo, j_hi, kink = _call(jf, lo, hi, p)
    jm, jr = _midrad(j_lo.reshape(b, n, n), j_hi.reshape(b, n, n))
    good = np.all(np.isfinite(jr), axis=(1, 2))
    with np.errstate(all="ignore"):
        det = np.linalg.det(np.where(good[:, None, None], jm, 0.0))
    ok = good & np.isfinite(det) & (np.abs(det) > 1e-300)
    c = np.broadcast_to(np.eye(n), (b, n, n)).copy()
    if np.any(ok):
        c[ok] = np.linalg.inv(jm[ok])
    c = np.where(np.isfinite(c), c, 0.0)
    fm, fr = _midrad(fy_lo, fy_hi)
    cf_m, cf_r = _matmul(c, 0.0, fm[..., None], fr[..., None])
    cj_m, cj_r = _matmul(c, 0.0, jm, jr)
    g = _gamma(n)
    a_m = np.eye(n) - cj_m
    a_r = np.nextafter(cj_r + g * np.abs(a_m), np.inf)
    dm, dr = _midrad(np.nextafter(lo - y, -np.inf), np.nextafter(hi - y, np.inf))
    d_m, d_r = _matmul(a_m, a_r, dm[..., None], dr[..., None])
    k_m = y - cf_m[..., 0] + d_m[..., 0]
    with np.errstate(all="ignore"):
        k_r = _nan_inf((cf_r[..., 0] + d_r[..., 0]
                        + g * (np.abs(y) + np.abs(cf_m[..., 0]) + np.abs(d_m[..., 0])))
                       * (1 + g))  # (1 + g): the rounding of this sum itself
    k_lo, k_hi = _bounds(k_m, k_r)
    return k_lo, k_hi, kink


def _mean_value_excludes(f: IntervalFunction, jf: IntervalFunction, lo: FloatArray,
                         hi: FloatArray, p: FloatArray, kink: Any) -> Any:
    """True where ``0 not in F(m) + F'(X)(X - m)`` for some component; never where a
    non-smooth function may switch in ``X`` (``kink``), as the mean-value theorem needs F
    differentiable there."""
    b, n = lo.shape
    m = 0.5 * lo + 0.5 * hi
    fm_lo, fm_hi, _ = _call(f, m, m, p)
    j_lo, j_hi, kink_j = _call(jf, lo, hi, p)
    jm, jr = _midrad(j_lo.reshape(b, n, n), j_hi.reshape(b, n, n))
    dm, dr = _midrad(np.nextafter(lo - m, -np.inf), np.nextafter(hi - m, np.inf))
    s_m, s_r = _matmul(jm, jr, dm[..., None], dr[..., None])
    s_lo, s_hi = _bounds(s_m[..., 0], s_r[..., 0])
    tot_lo = np.nextafter(fm_lo + s_lo, -np.inf)
    tot_hi = np.nextafter(fm_hi + s_hi, np.inf)
    return np.any((tot_lo > 0) | (tot_hi < 0), axis=1) & ~kink & ~kink_j


def _step(f: IntervalFunction, jf: IntervalFunction, lo: FloatArray, hi: FloatArray,
          p: FloatArray, scale: FloatArray) -> _Batch:
    """Exclude, certify or contract one batch; what is left comes back for bisection."""
    f_lo, f_hi, kink_f = _call(f, lo, hi, p)
    keep = np.all((f_lo <= 0) & (f_hi >= 0), axis=1)
    lo, hi, kink_f = lo[keep], hi[keep], kink_f[keep]
    if len(lo):
        keep = ~_mean_value_excludes(f, jf, lo, hi, p, kink_f)
        lo, hi = lo[keep], hi[keep]
    if len(lo) == 0:
        return _Batch(lo, hi, [], np.zeros(0, dtype=bool), np.zeros(0, dtype=bool),
                      np.zeros(0))
    pad = _INFLATE * scale
    xl, xh = lo - pad, hi + pad  # exact enough: the inflated box is what is tested
    k_lo, k_hi, kink = _krawczyk(f, jf, xl, xh, p)
    if not f.smooth:  # F may switch in the inflated box without F' saying so (a jump)
        kink = kink | _call(f, xl, xh, p)[2]
    inside = np.all((k_lo > xl) & (k_hi < xh), axis=1) & ~kink
    cert = [(k_lo[i], k_hi[i], xl[i], xh[i]) for i in np.flatnonzero(inside)]
    # every root of X is in K(X~) where F is smooth on X~: contract, drop what is empty
    k_lo = np.where(kink[:, None], lo, k_lo)
    k_hi = np.where(kink[:, None], hi, k_hi)
    new_lo, new_hi = np.maximum(lo, k_lo), np.minimum(hi, k_hi)
    alive = ~inside & np.all(new_lo <= new_hi, axis=1)
    width = np.max((hi - lo) / scale, axis=1)
    shrunk = np.max((new_hi - new_lo) / scale, axis=1) <= 0.5 * width
    return _Batch(new_lo[alive], new_hi[alive], cert, kink[alive], shrunk[alive], width[alive])


def _bisect(lo: FloatArray, hi: FloatArray, scale: FloatArray) -> tuple[FloatArray, FloatArray]:
    d = np.argmax((hi - lo) / scale, axis=1)
    rows = np.arange(len(lo))
    cut = lo[rows, d] + _SPLIT * (hi[rows, d] - lo[rows, d])
    lo2, hi1 = lo.copy(), hi.copy()
    hi1[rows, d] = cut
    lo2[rows, d] = cut
    return np.vstack([lo, lo2]), np.vstack([hi1, hi])


def certify_box(
    system: Any, p: FloatArray, lo: FloatArray, hi: FloatArray, *,
    max_boxes: int = 200_000, min_width: float = 1e-7, batch: int = 8192,
) -> BoxSearch:
    """``certify_box(system, p, lo, hi) -> BoxSearch``: every equilibrium in ``[lo, hi]``.

    Parameters
    ----------
    system : CompiledSystem
        Compiled from a Model (its sympy right-hand sides are enclosed).
    p : ndarray (m,)
        Parameter values (taken as the exact binary64 numbers given).
    lo, hi : ndarray (n,)
        The region box.
    max_boxes : int, default 200000
        Budget of boxes examined; boxes still queued then are undecided.
    min_width : float, default 1e-7
        A box whose widths, divided by the region's, are all below this is undecided.
    batch : int, default 8192
        Boxes evaluated per vectorized call.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> from dynsys.core.system import compile
    >>> s = compile(load_model("mutual_excitation"))
    >>> out = certify_box(s, s.default_params, np.zeros(2), np.full(2, 50.0))
    >>> [r.root.round(6).tolist() for r in out.roots], out.clusters
    ([[0.002272, 0.002272], [25.0, 25.0], [49.997728, 49.997728]], ())
    """
    f, jf = model_functions(system)
    p = np.asarray(p, dtype=np.float64).reshape(-1)
    lo0, hi0 = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    scale = hi0 - lo0
    if np.any(~(scale > 0)) or not np.all(np.isfinite(scale)):
        raise ModelError("certify needs a bounded region with positive widths")
    q_lo, q_hi = lo0[None, :].copy(), hi0[None, :].copy()
    und_lo: list[FloatArray] = []
    und_hi: list[FloatArray] = []
    und_kink: list[Any] = []
    cert: list[tuple[FloatArray, FloatArray, FloatArray, FloatArray]] = []
    examined = 0
    while len(q_lo) and examined < max_boxes:
        take = min(batch, len(q_lo), max_boxes - examined)
        lo_b, hi_b = q_lo[-take:], q_hi[-take:]
        q_lo, q_hi = q_lo[:-take], q_hi[:-take]
        examined += take
        res = _step(f, jf, lo_b, hi_b, p, scale)
        cert += res.cert
        small = res.width < min_width  # examined once at this size: undecided
        und_lo.append(res.keep_lo[small])
        und_hi.append(res.keep_hi[small])
        und_kink.append(res.kink[small])
        rest_lo, rest_hi = res.keep_lo[~small], res.keep_hi[~small]
        shrunk = res.shrunk[~small]  # contraction halved these: no bisection
        b_lo, b_hi = _bisect(rest_lo[~shrunk], rest_hi[~shrunk], scale)
        q_lo = np.vstack([q_lo, rest_lo[shrunk], b_lo])
        q_hi = np.vstack([q_hi, rest_hi[shrunk], b_hi])
    exhausted = len(q_lo) > 0
    und_lo.append(q_lo)
    und_hi.append(q_hi)
    u_lo, u_hi = np.vstack(und_lo), np.vstack(und_hi)
    kinks = bool(np.any(np.concatenate([*und_kink, np.zeros(0, dtype=bool)])))
    volume = float(np.sum(np.prod((u_hi - u_lo) / scale, axis=1))) if len(u_lo) else 0.0
    roots = _distinct([_polish(system, f, jf, p, c, scale) for c in cert])
    return BoxSearch(tuple(roots), _clusters(u_lo, u_hi, scale), examined, exhausted, volume,
                     kinks)




# ------------------------------------------------------------------ after the search
def _newton(system: Any, p: FloatArray, x: FloatArray, lo: FloatArray,
            hi: FloatArray) -> FloatArray:
    """Plain Newton from ``x``, kept inside ``[lo, hi]`` (the unique root is there)."""
    with np.errstate(all="ignore"):
        for _ in range(40):
            try:
                step = np.linalg.solve(system.jac(x, p), system.rhs(x, p))
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            x_new = np.clip(x - step, lo, hi)
            if np.all(x_new == x):
                break
            x = x_new
    return x


def _polish(system: Any, f: IntervalFunction, jf: IntervalFunction, p: FloatArray,
            cert: tuple[FloatArray, ...], scale: FloatArray) -> CertifiedRoot:
    """Newton from a certified box, then a tight Krawczyk enclosure inside it."""
    k_lo, k_hi, box_lo, box_hi = cert
    root = _newton(system, p, 0.5 * k_lo + 0.5 * k_hi, k_lo, k_hi)
    enc_lo, enc_hi = k_lo, k_hi
    for rel in (1e-12, 1e-10, 1e-8):
        rad = rel * np.maximum(scale, np.abs(root))
        t_lo, t_hi = root - rad, root + rad
        if np.any(t_lo < box_lo) or np.any(t_hi > box_hi):
            break  # a tight box must lie inside the certified one (same root)
        kl, kh, kink = _krawczyk(f, jf, t_lo[None], t_hi[None], p)
        if not f.smooth:
            kink = kink | _call(f, t_lo[None], t_hi[None], p)[2]
        if not kink[0] and np.all((kl[0] > t_lo) & (kh[0] < t_hi)):
            enc_lo, enc_hi = kl[0], kh[0]
            break
    if np.any(root < enc_lo) or np.any(root > enc_hi):
        root = 0.5 * enc_lo + 0.5 * enc_hi
    return CertifiedRoot(root, enc_lo, enc_hi, box_lo, box_hi,
                         *_hyperbolic(jf, enc_lo, enc_hi, p))


def _hyperbolic(jf: IntervalFunction, lo: FloatArray, hi: FloatArray,
                p: FloatArray) -> tuple[bool, int]:
    """``(proven, unstable)``: proven when no eigenvalue of any matrix in ``J([lo, hi])``
    has real part 0 (see the module); ``unstable`` counts those of its midpoint with
    positive real part."""
    n = lo.size
    j_lo, j_hi, kink = _call(jf, lo[None], hi[None], p)
    a_lo, a_hi = j_lo[0].reshape(n, n), j_hi[0].reshape(n, n)
    mid, _ = _midrad(a_lo, a_hi)
    unstable = int(np.sum(np.linalg.eigvals(mid).real > 0)) if np.all(np.isfinite(mid)) else -1
    if kink[0] or not regular(a_lo, a_hi):
        return False, unstable
    return n == 1 or regular(*bialternate_sum(a_lo, a_hi)), unstable


def _distinct(roots: list[CertifiedRoot]) -> list[CertifiedRoot]:
    """One entry per root: two certified (inflated) boxes may share a root in their
    overlap; it is the same root when one's enclosure lies in the other's box."""
    out: list[CertifiedRoot] = []
    for r in roots:
        if not any((np.all(r.lo >= o.box_lo) and np.all(r.hi <= o.box_hi)) or
                   (np.all(o.lo >= r.box_lo) and np.all(o.hi <= r.box_hi)) for o in out):
            out.append(r)
    out.sort(key=lambda r: tuple(r.root))
    return out


def _clusters(lo: FloatArray, hi: FloatArray, scale: FloatArray,
              ) -> tuple[tuple[FloatArray, FloatArray, int], ...]:
    """Merge touching undecided boxes into clusters: (hull lo, hull hi, boxes)."""
    k = len(lo)
    if k == 0:
        return ()
    centre, half = (lo + hi) / (2 * scale), (hi - lo) / (2 * scale)
    pairs = cKDTree(centre).query_pairs(r=2 * float(half.max()) + 2e-9, p=np.inf,
                                        output_type="ndarray")
    if len(pairs):  # candidates within reach; keep those that touch (to 1e-9 scaled)
        i, j = pairs[:, 0], pairs[:, 1]
        touch = np.all(np.abs(centre[i] - centre[j]) <= half[i] + half[j] + 1e-9, axis=1)
        i, j = i[touch], j[touch]
    else:
        i = j = np.zeros(0, dtype=int)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(k, k))
    count, label = connected_components(graph, directed=False)
    out = [(lo[label == g].min(axis=0), hi[label == g].max(axis=0), int(np.sum(label == g)))
           for g in range(count)]
    out.sort(key=lambda t: tuple(t[0]))
    return tuple(out)


# ------------------------------------------------------------------ with the search
def _fmt_point(names: tuple[str, ...], x: FloatArray) -> str:
    if len(names) <= 4:
        return f"({', '.join(names)}) = ({', '.join(f'{v:.6g}' for v in x)})"
    return "(" + ", ".join(f"{v:.4g}" for v in x) + ")"


def _inside(x: FloatArray, lo: FloatArray, hi: FloatArray, tol: FloatArray) -> bool:
    return bool(np.all(x >= lo - tol) and np.all(x <= hi + tol))


def attach_certificates(
    eqs: Any, system: Any, p: FloatArray, *, max_boxes: int = 200_000,
    min_width: float = 1e-7, tol_hyperbolic: float | None = None,
    tol_equal: float | None = None,
) -> Any:
    """``attach_certificates(eqs, system, p) -> Equilibria``: ``eqs`` checked by
    :func:`certify_box` over its region.

    Each equilibrium of the search that lies in a certified box gets ``certificate =
    "unique"``, its enclosure and width, and ``stability_certified``; one in an undecided
    box ``"unverified"``. A certified root the search missed is added (``method =
    "certified newton"``) with a note; a search root that interval arithmetic excluded,
    or two in one box proven to hold one root, is a CONFLICT note (a bug somewhere) and
    the result is not certified. ``certified`` is True only when every equilibrium is
    unique in its enclosure, nothing is undecided, the budget was not spent, there is
    no continuum and no conflict.
    """
    names = tuple(eqs.state_names)
    lo = np.array([eqs.region[k][0] for k in names], dtype=np.float64)
    hi = np.array([eqs.region[k][1] for k in names], dtype=np.float64)
    search = certify_box(system, p, lo, hi, max_boxes=max_boxes, min_width=min_width)
    scale = hi - lo
    edge = 1e-9 * scale
    roots = [r for r in search.roots if _inside(r.root, lo, hi, edge)]
    near = 1e-8 * scale
    notes = list(eqs.notes)
    used = [0] * len(roots)
    out: list[Equilibrium] = []
    conflict = False
    for e in eqs.equilibria:
        hits = [i for i, r in enumerate(roots) if _inside(e.state, r.box_lo, r.box_hi, edge)
                or _inside(e.state, r.root, r.root, near)]
        if hits:
            used[hits[0]] += 1
            out.append(_certified(e, roots[hits[0]], notes))
            continue
        if not any(_inside(e.state, c_lo, c_hi, near) for c_lo, c_hi, _ in search.clusters):
            conflict = True
            notes.append(f"CONFLICT: the search found an equilibrium at "
                         f"{_fmt_point(names, e.state)} that interval arithmetic excludes")
        out.append(dataclasses.replace(e, certificate="unverified"))
    kw = {k: v for k, v in (("tol", tol_hyperbolic), ("tol_equal", tol_equal)) if v is not None}
    for i, r in enumerate(roots):
        if used[i] > 1:
            conflict = True
            notes.append(f"CONFLICT: {used[i]} equilibria found in the box around "
                         f"{_fmt_point(names, r.root)}, which holds exactly one")
        if used[i] == 0:
            e = linearize(system, r.root, p, method="certified newton", **kw)
            out.append(_certified(e, r, notes))
            notes.append(f"the probabilistic search missed the equilibrium at "
                         f"{_fmt_point(names, r.root)}; the certified search found it")
    out.sort(key=lambda e: tuple(e.state))
    undecided = tuple(tuple((float(a), float(b)) for a, b in zip(c_lo, c_hi, strict=True))
                      for c_lo, c_hi, _ in search.clusters)
    certified = (not search.clusters and not search.exhausted and not conflict
                 and not eqs.continua and all(e.certificate == "unique" for e in out))
    if search.exhausted:
        notes.append(f"certification stopped after its budget of {max_boxes} boxes")
    if search.kinks:
        notes.append("some undecided boxes straddle a kink of a non-smooth function, where "
                     "no uniqueness is claimed")
    return dataclasses.replace(
        eqs, equilibria=tuple(out), notes=tuple(notes), certified=certified,
        boxes=search.boxes, undecided_boxes=undecided,
        undecided_counts=tuple(k for *_, k in search.clusters),
        certify_exhausted=search.exhausted)


def _certified(e: Equilibrium, r: CertifiedRoot, notes: list[str]) -> Equilibrium:
    enclosure = tuple((float(a), float(b)) for a, b in zip(r.lo, r.hi, strict=True))
    stab = r.stability_certified
    if stab and not e.non_smooth:
        # the kind is certified only if the reported one is the one proven constant
        if r.unstable != e.unstable_dimension:
            stab = False
            notes.append(f"the stability of the equilibrium at {e.state.tolist()} is certified "
                         "hyperbolic but its unstable dimension disagrees: not certified")
    return dataclasses.replace(e, certificate="unique", enclosure=enclosure,
                               enclosure_width=r.width, stability_certified=stab)


def certificate_line(eqs: Any) -> str:
    """The one-line verdict of a certified search (``dynsys analyze --certify``)."""
    k = len(eqs.equilibria)
    unique = sum(e.certificate == "unique" for e in eqs.equilibria)
    if eqs.certified:
        if k == 0:
            return f"certified: no equilibrium in the box ({eqs.boxes} boxes examined)"
        what = "the only equilibrium in the box, unique in its enclosure" if k == 1 else \
            f"all {k} equilibria in the box, each unique in its enclosure"
        return f"certified: {what} ({eqs.boxes} boxes examined)"
    parts: list[str] = []
    u = len(eqs.undecided_boxes)
    if u:
        centres = [_fmt_point(tuple(eqs.state_names),
                              np.array([(a + b) / 2 for a, b in box])) for box in
                   eqs.undecided_boxes[:3]]
        why = ("budget spent" if eqs.certify_exhausted else
               "a kink?" if any(n.startswith("some undecided boxes straddle a kink")
                                for n in eqs.notes) else "a fold?")
        parts.append(f"{u} box{'es' if u != 1 else ''} undecided near "
                     f"{'; '.join(centres)}{' ...' if u > 3 else ''} ({why})")
    if eqs.continua:
        parts.append("a continuum of equilibria cannot be certified")
    if any(n.startswith("CONFLICT") for n in eqs.notes):
        parts.append("the searches disagree (see the notes)")
    parts.append(f"{unique} of {k} equilibria unique in their enclosures, "
                 f"{eqs.boxes} boxes examined")
    return "not certified: " + "; ".join(parts)
