"""A rate network in matrix form, ``tau_i x_i' = -x_i + f(g (W x)_i + I_i + I0)``: a System.

The symbolic path writes every unit's right-hand side as an expression holding an
``n``-term sum and differentiates ``n^2`` entries: its cost grows like ``n^3``.
:class:`RateNetwork` implements the :class:`~dynsys.core.system.System` interface
directly with matrix products, as :class:`~dynsys.hopfield.network.HopfieldNetwork`
does: the activation ``f`` is a sympy expression in one free symbol, lambdified once
together with its symbolic derivative; ``W`` is a dense numpy array or a
``scipy.sparse`` matrix, kept sparse (one sparse product per evaluation).

Parameters (continuable, in this order): the gain ``g`` and a global input ``I0``
added to every unit. The per-unit inputs ``I``, the time constants ``tau`` and the
noise amplitudes are fixed data of the network.

References
----------
H. R. Wilson and J. D. Cowan, "Excitatory and inhibitory interactions in localized
populations of model neurons", Biophys. J. 12, 1-24 (1972).
H. Sompolinsky, A. Crisanti and H. J. Sommers, "Chaos in random neural networks",
Phys. Rev. Lett. 61, 259-262 (1988).
P. Dayan and L. F. Abbott, *Theoretical Neuroscience*, MIT Press (2001), ch. 7
(firing-rate networks, the ring model).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sps
import sympy as sp
from sympy.calculus.util import function_range

from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.core._matrix_form import MatrixForm
from dynsys.core.model import Model
from dynsys.core.symbols import NON_SMOOTH_FUNCTIONS
from dynsys.core.system import _switching_exprs, numeric_function, resolve_params
from dynsys.errors import ModelError

__all__ = ["DENSE_JACOBIAN_STATES", "RateNetwork"]

#: Sparse networks up to this many units return dense Jacobians for any batch; larger
#: ones only while the batch's dense Jacobians fit in :data:`_MAX_JAC_BYTES` (1 GiB:
#: continuation asks for a whole branch's Jacobians at once, 8 MB per point at n = 1000).
DENSE_JACOBIAN_STATES = 500
_MAX_JAC_BYTES = 2**30


def _logistic() -> sp.Expr:
    s = sp.Symbol("s", real=True)
    return 1 / (1 + sp.exp(-s))


def _weights(w: Any) -> FloatArray | sps.csr_matrix:
    """W as a float64 dense array or CSR matrix, square and finite."""
    if sps.issparse(w):
        mat = sps.csr_matrix(w, dtype=np.float64)
        mat.sum_duplicates()
        values = mat.data
    else:
        try:
            mat = np.array(w, dtype=np.float64)
        except (TypeError, ValueError):
            raise ModelError(f"W must be a numeric matrix, got {type(w).__name__}") from None
        values = mat
    if mat.ndim != 2 or mat.shape[0] != mat.shape[1] or mat.shape[0] == 0:
        raise ModelError(f"W must be a square (n, n) matrix with n >= 1, got shape {mat.shape}")
    if not np.all(np.isfinite(values)):
        raise ModelError("W must be finite (it holds inf or nan)")
    if not sps.issparse(mat):
        mat.setflags(write=False)
    return mat


def _unit_vector(value: Any, n: int, what: str, *, positive: bool = False,
                 non_negative: bool = False) -> FloatArray:
    """A scalar or ``(n,)`` vector as a read-only ``(n,)`` float64 array."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be a number or {n} numbers, got {value!r}") from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ModelError(f"{what} must be a number or have {n} entries, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{what} must be finite")
    if positive and np.any(arr <= 0):
        raise ModelError(f"{what} must be positive, got minimum {arr.min():g}")
    if non_negative and np.any(arr < 0):
        raise ModelError(f"{what} must be non-negative, got minimum {arr.min():g}")
    arr.setflags(write=False)
    return arr


def _activation(f: Any) -> tuple[sp.Expr, sp.Symbol]:
    """The activation as an expression in one real symbol (and that symbol)."""
    if not isinstance(f, sp.Expr):
        raise ModelError(f"f must be a sympy expression in one free symbol, got "
                         f"{type(f).__name__} {f!r}")
    free = sorted(f.free_symbols, key=str)
    if len(free) != 1:
        names = ", ".join(map(str, free)) or "none"
        raise ModelError(f"f must have exactly one free symbol, got {len(free)} ({names}) in {f}")
    s = sp.Symbol(str(free[0]), real=True)
    return f.subs(free[0], s), s


def _range(f: sp.Expr, s: sp.Symbol, fn: Callable[..., Any]) -> tuple[float, float] | None:
    """Bounds of f over the reals when both are finite: sympy's ``function_range``, else
    the limits at -oo and +oo when f sampled densely on [-1e3, 1e3] stays between them
    (erf, s / (1 + |s|), max(0, tanh s)); None otherwise."""
    try:
        rng = function_range(f, s, sp.S.Reals)
        lo, hi = float(rng.inf), float(rng.sup)
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        try:
            ends = [float(sp.limit(f, s, end)) for end in (-sp.oo, sp.oo)]
        except (NotImplementedError, TypeError, ValueError, AttributeError):
            return None
        lo, hi = min(ends), max(ends)
        grid = np.concatenate([np.linspace(-20.0, 20.0, 8001), np.geomspace(20.0, 1e3, 200),
                               -np.geomspace(20.0, 1e3, 200)])
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(fn(grid), dtype=np.float64), grid.shape)
        slack = 1e-12 * max(1.0, abs(lo), abs(hi))
        if not (np.all(np.isfinite(values)) and values.min() >= lo - slack
                and values.max() <= hi + slack):
            return None
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return None
    return lo, hi


def _given_range(f_range: Any) -> tuple[float, float]:
    """An explicit ``(low, high)`` range of f, checked."""
    try:
        lo, hi = (float(v) for v in f_range)
    except (TypeError, ValueError):
        raise ModelError(f"f_range must be two numbers (low, high), got {f_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ModelError(f"f_range must be finite with low < high, got {f_range!r}")
    return lo, hi


def _populations(populations: Any, n: int) -> tuple[tuple[str, int, int], ...]:
    """``(name, start, stop)`` of every population (consecutive blocks of units, in order);
    one population ``x`` of all ``n`` units when none are given."""
    if populations is None:
        return (("x", 0, n),)
    items = list(populations.items()) if isinstance(populations, Mapping) else None
    if items is None or not items:
        raise ModelError("populations must be a non-empty mapping {name: size}, in unit "
                         f"order, got {populations!r}")
    out, start = [], 0
    for name, size in items:
        if not (isinstance(name, str) and name.isidentifier()):
            raise ModelError(f"population names must be identifiers, got {name!r}")
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ModelError(f"population {name!r} must have a positive integer size, "
                             f"got {size!r}")
        out.append((name, start, start + int(size)))
        start += int(size)
    if start != n:
        raise ModelError(f"the populations hold {start} units but W is {n} x {n}")
    return tuple(out)


def _per_population(value: Any, pops: Sequence[tuple[str, int, int]], what: str) -> list[Any]:
    """One value per population: a mapping {population: value} (every population named),
    else the same value for all."""
    if not isinstance(value, Mapping):
        return [value] * len(pops)
    names = [p[0] for p in pops]
    unknown = sorted(set(value) - set(names))
    missing = [k for k in names if k not in value]
    if unknown or missing:
        raise ModelError(f"{what} per population must name exactly the populations "
                         f"{', '.join(names)}" + (f"; unknown: {', '.join(map(str, unknown))}"
                                                  if unknown else "")
                         + (f"; missing: {', '.join(missing)}" if missing else ""))
    return [value[k] for k in names]


def _per_unit(value: Any, pops: Sequence[tuple[str, int, int]], n: int, what: str,
              **checks: bool) -> FloatArray:
    """A scalar, an ``(n,)`` vector or {population: scalar or vector} as ``(n,)``."""
    if not isinstance(value, Mapping):
        return _unit_vector(value, n, what, **checks)
    parts = [_unit_vector(v, stop - start, f"{what} of population {name}", **checks)
             for v, (name, start, stop) in zip(_per_population(value, pops, what), pops,
                                                strict=True)]
    arr = np.concatenate(parts)
    arr.setflags(write=False)
    return arr


def _by_population(fns: Sequence[Callable[..., Any]], pops: Sequence[tuple[str, int, int]]
                   ) -> Callable[..., Any]:
    """One function of ``h (..., n)`` applying each population's function to its units."""
    def apply(h: FloatArray) -> FloatArray:
        hs = np.asarray(h, dtype=np.float64)
        out = np.empty(hs.shape)
        for fn, (_, start, stop) in zip(fns, pops, strict=True):
            out[..., start:stop] = fn(hs[..., start:stop])
        return out
    return apply


def _switch_by_population(switches: Sequence[Callable[..., Any] | None],
                          pops: Sequence[tuple[str, int, int]]) -> Callable[..., Any]:
    """Every population's switching functions, each over all units (1 outside its block)."""
    def apply(h: FloatArray) -> list[FloatArray]:
        hs = np.asarray(h, dtype=np.float64)
        out = []
        for fn, (_, start, stop) in zip(switches, pops, strict=True):
            if fn is None:
                continue
            for v in fn(hs[..., start:stop]):
                full = np.ones(hs.shape)
                full[..., start:stop] = v
                out.append(full)
        return out
    return apply


class RateNetwork(MatrixForm):
    """A firing-rate network ``tau_i dx_i/dt = -x_i + f(g (W x)_i + I_i + I0)``, a System.

    ``RateNetwork(W, f=None, *, tau=1.0, g=1.0, I0=0.0, I=None, sigma=0.0,
    param_names=("g", "I0"), f_range=None, name="rate_network", description="")``

    Parameters
    ----------
    W : array (n, n) or scipy.sparse matrix
        Connection weights, ``W[i, j]`` from unit ``j`` to unit ``i``; a sparse matrix
        stays sparse (stored as CSR).
    f : sympy expression in one free symbol, or {population: expression}, optional
        The activation, e.g. ``1 / (1 + sp.exp(-s))`` (the default) or ``sp.tanh(s)``;
        lambdified once (numpy) with its symbolic derivative. A mapping gives each
        population its own activation.
    tau : float, array (n,) or {population: float or array}
        Time constants (positive).
    g, I0 : float
        Defaults of the two parameters: the gain multiplying ``W x`` and a global input
        added to every unit.
    I : array (n,), float or {population: float or array}, optional
        Per-unit inputs (fixed data, not a parameter; default 0).
    sigma : float, array (n,) or {population: float or array}
        Additive noise amplitude of each unit (``noise_amplitude``).
    param_names : (str, str)
        Names of the gain and global-input parameters.
    f_range : (low, high) or {population: (low, high)}, optional
        The range of f. Default: computed by sympy (``function_range``); the network's
        ``region`` is then ``[low, high]`` for every unit, since ``-x + f(...)`` pulls x
        into f's range. None when f's range is unbounded or unknown.
    name, description : str
    populations : {name: size}, optional
        Consecutive blocks of units, in order (``{"E": 800, "I": 200}``); their units are
        named ``E1 ... E800, I1 ... I200`` (default: one population, ``x1 ... xn``), and
        ``f``, ``tau``, ``I``, ``sigma`` and ``f_range`` may be given per population.

    Notes
    -----
    The state check and ``noise_amplitude`` come from
    :class:`~dynsys.core._matrix_form.MatrixForm`, shared with the Hopfield network.
    ``jac`` returns dense ``(..., n, n)`` Jacobians, ``(-delta_ij + g f'(h_i) W_ij) /
    tau_i`` with ``h = g W x + I + I0``. For a sparse W with ``n <=
    DENSE_JACOBIAN_STATES`` (500) any batch is densified; a larger sparse network
    returns dense Jacobians only while the batch fits in 1 GiB and raises
    ModelError beyond: use :meth:`jac_sparse` (one state, a CSR matrix). The analyses
    use the matrix form where it pays: Newton-Krylov equilibria through
    :meth:`linear_operator` for sparse networks of 64 units or more, and ARPACK's
    rightmost eigenvalues on :meth:`jac_sparse` above 100 units.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> s = sp.Symbol("s")
    >>> net = RateNetwork(np.array([[0.0, 1.0], [1.0, 0.0]]), sp.tanh(s), I=[0.5, -0.5])
    >>> net.n, net.param_names, net.region["x1"]
    (2, ('g', 'I0'), (-1.0, 1.0))
    >>> net.rhs([0.0, 0.0]).round(6).tolist()
    [0.462117, -0.462117]
    >>> net.jac([0.0, 0.0]).round(6).tolist()
    [[-1.0, 0.786448], [0.786448, -1.0]]
    >>> ei = RateNetwork(np.array([[1.0, -2.0], [1.0, 0.0]]), {"E": sp.tanh(s), "I": s**2},
    ...                  tau={"E": 1.0, "I": 0.5}, populations={"E": 1, "I": 1})
    >>> ei.state_names, ei.rhs([0.5, 0.5]).round(6).tolist()
    (('E1', 'I1'), [-0.962117, -0.5])

    References
    ----------
    Wilson & Cowan (1972); Dayan & Abbott (2001), ch. 7 (see the module docstring).
    """

    def __init__(
        self, W: Any, f: sp.Expr | None = None, *, tau: Any = 1.0, g: float = 1.0,
        I0: float = 0.0, I: Any = None, sigma: Any = 0.0,
        param_names: Sequence[str] = ("g", "I0"), f_range: Any = None,
        name: str = "rate_network", description: str = "", populations: Any = None,
    ) -> None:
        self._w = _weights(W)
        n = int(self._w.shape[0])
        self.sparse = bool(sps.issparse(self._w))
        self.populations = _populations(populations, n)
        pops = self.populations
        acts = [_activation(_logistic() if fk is None else fk)
                for fk in _per_population(f, pops, "f")]
        expr, s = acts[0]
        self.activation, self.symbol = expr, s
        self.activations: tuple[sp.Expr, ...] = tuple(a[0] for a in acts)
        self.tau = _per_unit(tau, pops, n, "tau", positive=True)
        self._unit_tau = bool(np.all(self.tau == 1.0))
        self.inputs = _per_unit(0.0 if I is None else I, pops, n, "I")
        self.sigma = _per_unit(sigma, pops, n, "sigma", non_negative=True)
        names = tuple(param_names)
        if len(names) != 2 or len(set(names)) != 2 or not all(
                isinstance(k, str) and k.isidentifier() for k in names):
            raise ModelError(f"param_names must be two distinct identifiers (gain, input), "
                             f"got {param_names!r}")
        self.param_names: tuple[str, ...] = names
        try:
            defaults = np.array([g, I0], dtype=np.float64)
        except (TypeError, ValueError):
            defaults = np.array([np.nan, np.nan])
        if defaults.shape != (2,) or not np.all(np.isfinite(defaults)):
            raise ModelError(f"g and I0 must be finite numbers, got {g!r} and {I0!r}")
        defaults.setflags(write=False)
        self.default_params: FloatArray = defaults
        if not isinstance(name, str) or not name.replace("-", "_").isidentifier():
            raise ModelError(f"name must be an identifier, got {name!r}")
        self.name, self.description = name, str(description)
        if populations is None:
            self.state_names: tuple[str, ...] = tuple(f"x{i + 1}" for i in range(n))
        else:
            self.state_names = tuple(f"{nm}{k + 1}" for nm, a, b in pops for k in range(b - a))
            if len(set(self.state_names)) != n or set(self.state_names) & set(names):
                raise ModelError("population names give clashing unit names (units are "
                                 "named population + index: E1, E2, ...); rename them")
        self.is_smooth = not any(a.has(*NON_SMOOTH_FUNCTIONS) for a in self.activations)
        self.is_autonomous = True
        fs, fps, switches, ranges = [], [], [], []
        explicit = _per_population(f_range, pops, "f_range")
        for (ek, sk), given in zip(acts, explicit, strict=True):
            fs.append(numeric_function([sk], ek))
            fps.append(numeric_function([sk], sp.diff(ek, sk)))
            switch = None
            if ek.has(*NON_SMOOTH_FUNCTIONS):  # a one-state Model in a fixed symbol: kinks
                u = sp.Symbol("u", real=True)
                exprs = _switching_exprs(Model({u: ek.subs(sk, u)}, name="activation"))
                switch = numeric_function([u], exprs)
            switches.append(switch)
            ranges.append(_range(ek, sk, fs[-1]) if given is None else _given_range(given))
        single = len(set(self.activations)) == 1  # one function for every unit
        self._f = fs[0] if single else _by_population(fs, pops)
        self._fprime = fps[0] if single else _by_population(fps, pops)
        self._switch: Callable[..., Any] | None = (
            None if self.is_smooth else switches[0] if single
            else _switch_by_population(switches, pops))
        self._ranges = tuple(ranges)
        self.f_range = (None if any(r is None for r in ranges) else
                        (min(r[0] for r in ranges), max(r[1] for r in ranges)))
        self._dense: FloatArray | None = None if self.sparse else self._w

    # ------------------------------------------------------------------ attributes
    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.state_names)

    @property
    def m(self) -> int:
        """Number of parameters (2: the gain and the global input)."""
        return 2

    @property
    def region(self) -> Mapping[str, tuple[float, float]] | None:
        """Every unit in f's range ``[low, high]`` (None when f is unbounded)."""
        if self.f_range is None:
            return None
        return {name: rng for (_, a, b), rng in zip(self.populations, self._ranges, strict=True)
                for name in self.state_names[a:b]}

    def params(self, params: ParamsLike = None) -> FloatArray:
        """The parameter array for ``params`` (see :func:`~dynsys.core.system.resolve_params`)."""
        return resolve_params(self, params)

    def weights(self) -> FloatArray | sps.csr_matrix:
        """W: a read-only dense array, or a copy of the CSR matrix."""
        return self._w.copy() if self.sparse else self._w

    def dense_weights(self) -> FloatArray:
        """W as a dense array (formed once for a sparse network, then cached)."""
        if self._dense is None:
            dense = np.asarray(self._w.toarray(), dtype=np.float64)
            dense.setflags(write=False)
            self._dense = dense
        return self._dense

    # ------------------------------------------------------------------ evaluation
    def field(self, x: ArrayLike) -> FloatArray:
        """The recurrent input ``W x`` for states ``(..., n)`` (one sparse product if sparse)."""
        xs = self._states(x)
        if not self.sparse:
            return xs @ self._w.T
        flat = xs.reshape(-1, self.n)
        # (W X^T)^T, made C-contiguous again: mixing layouts slows every later ufunc
        return np.ascontiguousarray(np.asarray(self._w @ flat.T).T).reshape(xs.shape)

    def _prepare(self, x: ArrayLike, p: ParamsLike) -> tuple[FloatArray, FloatArray, FloatArray,
                                                             FloatArray]:
        """(x, W x, g, h) broadcast to the batch; g is ``(..., 1)``."""
        xs = self._states(x)
        ps = resolve_params(self, p)
        wx = self.field(xs)
        g = ps[..., 0:1]
        h = g * wx
        h += self.inputs  # in place: one pass each over the batch
        h += ps[..., 1:2]
        batch = np.broadcast_shapes(xs.shape, h.shape)
        if h.shape != batch:
            h = np.broadcast_to(h, batch)
            wx = np.broadcast_to(wx, batch)
        return xs, wx, g, h

    def _eval(self, fn: Callable[..., Any], h: FloatArray) -> FloatArray:
        out = np.asarray(fn(h), dtype=np.float64)
        return out if out.shape == h.shape else np.broadcast_to(out, h.shape)

    def rhs(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """``(-x + f(g W x + I + I0)) / tau``, shape ``(..., n)``."""
        xs, _, _, h = self._prepare(x, p)
        with np.errstate(over="ignore"):
            out = self._eval(self._f, h)
            fresh = out.flags.writeable and not np.may_share_memory(out, h)
            if not fresh or out.shape != np.broadcast_shapes(out.shape, xs.shape):
                out = out - xs  # f returned its argument, a constant or a smaller batch
            else:
                out -= xs
            if self._unit_tau:
                return out
            out /= self.tau
            return out

    def _slopes(self, x: ArrayLike, p: ParamsLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(W x, g, f'(h) / tau)."""
        _, wx, g, h = self._prepare(x, p)
        with np.errstate(over="ignore"):
            return wx, g, self._eval(self._fprime, h) / self.tau

    def jac(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """``dF/dx = (-delta_ij + g f'(h_i) W_ij) / tau_i``, dense ``(..., n, n)`` (see Notes
        of the class for sparse networks)."""
        xs = self._states(x)
        n = self.n
        if self.sparse and n > DENSE_JACOBIAN_STATES:
            size = int(np.prod(np.broadcast_shapes(
                xs.shape[:-1], resolve_params(self, p).shape[:-1]), dtype=int))
            if size * n * n * 8 > _MAX_JAC_BYTES:
                raise ModelError(
                    f"dense Jacobians of {size} states of the {n}-unit sparse network "
                    f"{self.name} need {size * n * n * 8 / 1e9:.2g} GB; evaluate fewer states "
                    "at once or use jac_sparse(x, p) for one state")
        _, g, slope = self._slopes(xs, p)
        out = (g * slope)[..., :, None] * self.dense_weights()
        diag = np.einsum("...ii->...i", out)
        diag -= 1.0 / self.tau
        return out

    def jac_sparse(self, x: ArrayLike, p: ParamsLike = None, t: float = 0.0) -> sps.csr_matrix:
        """The Jacobian at one state ``(n,)`` as a CSR matrix (parameters ``(m,)``)."""
        xs = self._states(x)
        ps = resolve_params(self, p)
        if xs.ndim != 1 or ps.ndim != 1:
            raise ModelError("jac_sparse takes one state (n,) and one parameter vector (m,)")
        _, g, slope = self._slopes(xs, ps)
        w = self._w if self.sparse else sps.csr_matrix(self._w)
        return (sps.diags(g * slope) @ w - sps.diags(1.0 / self.tau)).tocsr()

    def dfdp(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """``dF/dg = f'(h) (W x) / tau`` and ``dF/dI0 = f'(h) / tau``, shape ``(..., n, 2)``."""
        wx, _, slope = self._slopes(x, p)
        return np.stack([slope * wx, slope], axis=-1)

    def switching(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """Where a non-smooth f has kinks, evaluated at every unit's input ``h``:
        ``(..., n k)`` (``k`` switching functions of f); ``(..., 0)`` for a smooth f."""
        _, _, _, h = self._prepare(x, p)
        if self._switch is None:
            return np.empty((*h.shape[:-1], 0))
        values = [np.broadcast_to(np.asarray(v, dtype=np.float64), h.shape)
                  for v in self._switch(h)]
        return np.concatenate(values, axis=-1)

    def describe_state(self, x: ArrayLike) -> str:
        """The state in words (for text summaries of large networks): mean, min and max."""
        xs = np.asarray(self._states(x), dtype=np.float64)
        return (f"mean {float(xs.mean()):.6g}, min {float(xs.min()):.6g}, "
                f"max {float(xs.max()):.6g} over {self.n} units")

    # ------------------------------------------------------------------ presentation
    def latex(self) -> str:
        """The network's equation in LaTeX (matrix-vector form)."""
        g, i0 = (sp.Symbol(k) for k in self.param_names)
        fi = "f"
        if len(set(self.activations)) == 1:
            fs = "f(" + sp.latex(self.symbol) + ") = " + sp.latex(self.activation)
        else:  # one activation per population
            fs = r",\quad ".join(
                rf"f_{{\mathrm{{{k}}}}}(" + sp.latex(next(iter(e.free_symbols))) + ") = "
                + sp.latex(e) for (k, _, _), e in zip(self.populations, self.activations,
                                                     strict=True))
            fi = r"f_{p(i)}"  # the activation of unit i's population
        return (r"\tau_i \frac{dx_i}{dt} = -x_i + " + fi + r"\!\left(" + sp.latex(g)
                + r" (W\mathbf{x})_i + I_i + " + sp.latex(i0) + r"\right),\quad "
                + fs + rf",\quad n = {self.n}")

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        nnz = int(self._w.nnz) if self.sparse else int(np.count_nonzero(self._w))
        return {
            "model": self.name, "description": self.description, "kind": "rate network",
            "equation": "tau_i dx_i/dt = -x_i + f(g (W x)_i + I_i + I0)",
            "activation": str(self.activation), "units": self.n, "sparse": self.sparse,
            "connections": nnz,
            "params": dict(zip(self.param_names, self.default_params.tolist(), strict=True)),
            "f_range": list(self.f_range) if self.f_range else None,
            "autonomous": True, "smooth": self.is_smooth,
            **({} if len(self.populations) == 1 and self.populations[0][0] == "x" else {
                "populations": {k: b - a for k, a, b in self.populations},
                "activations": {k: str(e) for (k, _, _), e in
                                zip(self.populations, self.activations, strict=True)}}),
        }

    def __repr__(self) -> str:
        kind = "sparse" if self.sparse else "dense"
        return (f"RateNetwork({self.name!r}, n={self.n}, {kind} W, f={self.activation}, "
                f"params={self.param_names})")

    # ------------------------------------------------------------------ matrix-free
    # (the scaling of the analyses with n, issue 14 part 2: Newton-Krylov and ARPACK)
    def linear_operator(self, x: ArrayLike, p: ParamsLike = None
                        ) -> Callable[[Any, FloatArray], FloatArray]:
        """The Jacobians at states ``x`` ``(k, n)`` as one matrix-free operator.

        ``op = net.linear_operator(x, p)``; ``op(rows, v)`` returns ``J(x[rows]) v`` for
        ``v`` ``(len(rows), n)`` (``rows`` an index array, or None for all ``k``):
        ``(-v + g f'(h) (W v)) / tau`` with the slopes ``g f'(h) / tau`` computed once
        here, then one (sparse) product ``W v`` per call. Memory ``O(k n)``.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> net = RateNetwork(np.array([[0.0, 2.0], [1.0, 0.0]]), sp.Symbol("s"))
        >>> op = net.linear_operator(np.zeros((1, 2)))
        >>> op(None, np.array([[1.0, 1.0]])).tolist()
        [[1.0, 0.0]]
        """
        xs = np.atleast_2d(self._states(x))
        _, g, slope = self._slopes(xs, p)
        scale = np.ascontiguousarray(np.broadcast_to(g * slope, xs.shape)).reshape(-1, self.n)
        inv_tau = 1.0 / self.tau

        def apply(rows: Any, v: FloatArray) -> FloatArray:
            d = scale if rows is None else scale[rows]
            out = d * self.field(v)
            out -= v * inv_tau
            return out

        return apply

    def jvp(self, x: ArrayLike, dx: ArrayLike, p: ParamsLike = None) -> FloatArray:
        """Jacobian-vector products ``J(x) dx`` for a batch ``(k, n)`` (or one state),
        matrix-free: ``(-dx + g f'(h) (W dx)) / tau``."""
        xs = self._states(x)
        dv = np.asarray(dx, dtype=np.float64)
        out = self.linear_operator(xs.reshape(-1, self.n), p)(None, dv.reshape(-1, self.n))
        return out.reshape(np.broadcast_shapes(xs.shape, dv.shape))
