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


class RateNetwork:
    """A firing-rate network ``tau_i dx_i/dt = -x_i + f(g (W x)_i + I_i + I0)``, a System.

    ``RateNetwork(W, f=None, *, tau=1.0, g=1.0, I0=0.0, I=None, sigma=0.0,
    param_names=("g", "I0"), f_range=None, name="rate_network", description="")``

    Parameters
    ----------
    W : array (n, n) or scipy.sparse matrix
        Connection weights, ``W[i, j]`` from unit ``j`` to unit ``i``; a sparse matrix
        stays sparse (stored as CSR).
    f : sympy expression in one free symbol, optional
        The activation, e.g. ``1 / (1 + sp.exp(-s))`` (the default) or ``sp.tanh(s)``;
        lambdified once (numpy) with its symbolic derivative.
    tau : float or array (n,)
        Time constants (positive).
    g, I0 : float
        Defaults of the two parameters: the gain multiplying ``W x`` and a global input
        added to every unit.
    I : array (n,) or float, optional
        Per-unit inputs (fixed data, not a parameter; default 0).
    sigma : float or array (n,)
        Additive noise amplitude of each unit (``noise_amplitude``).
    param_names : (str, str)
        Names of the gain and global-input parameters.
    f_range : (low, high), optional
        The range of f. Default: computed by sympy (``function_range``); the network's
        ``region`` is then ``[low, high]`` for every unit, since ``-x + f(...)`` pulls x
        into f's range. None when f's range is unbounded or unknown.
    name, description : str

    Notes
    -----
    ``jac`` returns dense ``(..., n, n)`` Jacobians, ``(-delta_ij + g f'(h_i) W_ij) /
    tau_i`` with ``h = g W x + I + I0``. For a sparse W with ``n <=
    DENSE_JACOBIAN_STATES`` (500) any batch is densified; a larger sparse network
    returns dense Jacobians only while the batch fits in 1 GiB and raises
    ModelError beyond: use :meth:`jac_sparse` (one state, a CSR matrix). The analyses
    do not use sparse Jacobians yet.

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

    References
    ----------
    Wilson & Cowan (1972); Dayan & Abbott (2001), ch. 7 (see the module docstring).
    """

    def __init__(
        self, W: Any, f: sp.Expr | None = None, *, tau: Any = 1.0, g: float = 1.0,
        I0: float = 0.0, I: Any = None, sigma: Any = 0.0,
        param_names: Sequence[str] = ("g", "I0"), f_range: tuple[float, float] | None = None,
        name: str = "rate_network", description: str = "",
    ) -> None:
        self._w = _weights(W)
        n = int(self._w.shape[0])
        self.sparse = bool(sps.issparse(self._w))
        expr, s = _activation(_logistic() if f is None else f)
        self.activation, self.symbol = expr, s
        self.tau = _unit_vector(tau, n, "tau", positive=True)
        self._unit_tau = bool(np.all(self.tau == 1.0))
        self.inputs = _unit_vector(0.0 if I is None else I, n, "I")
        self.sigma = _unit_vector(sigma, n, "sigma", non_negative=True)
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
        self.state_names: tuple[str, ...] = tuple(f"x{i + 1}" for i in range(n))
        self.is_smooth = not expr.has(*NON_SMOOTH_FUNCTIONS)
        self.is_autonomous = True
        self._f = numeric_function([s], expr)
        self._fprime = numeric_function([s], sp.diff(expr, s))
        self._switch: Callable[..., Any] | None = None
        if not self.is_smooth:  # a one-state Model in a fixed symbol finds the kinks
            u = sp.Symbol("u", real=True)
            exprs = _switching_exprs(Model({u: expr.subs(s, u)}, name="activation"))
            self._switch = numeric_function([u], exprs)
        if f_range is None:
            bounds = _range(expr, s, self._f)
        else:
            try:
                lo, hi = (float(v) for v in f_range)
            except (TypeError, ValueError):
                raise ModelError(f"f_range must be two numbers (low, high), got {f_range!r}"
                                 ) from None
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise ModelError(f"f_range must be finite with low < high, got {f_range!r}")
            bounds = (lo, hi)
        self.f_range = bounds
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
        return dict.fromkeys(self.state_names, self.f_range)

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
    def _states(self, x: ArrayLike) -> FloatArray:
        xs = np.asarray(x, dtype=np.float64)
        if xs.ndim == 0 or xs.shape[-1] != self.n:
            raise ModelError(f"states of {self.name} must have {self.n} entries on their last "
                             f"axis, got shape {xs.shape}")
        return xs

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

    def noise_amplitude(self, p: ParamsLike = None) -> FloatArray:
        """``sigma`` of every unit, shape ``(..., n)``."""
        ps = resolve_params(self, p)
        return np.broadcast_to(self.sigma, (*ps.shape[:-1], self.n)).copy()

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
        f = sp.latex(self.activation)
        return (r"\tau_i \frac{dx_i}{dt} = -x_i + f\!\left(" + sp.latex(g)
                + r" (W\mathbf{x})_i + I_i + " + sp.latex(i0) + r"\right),\quad f("
                + sp.latex(self.symbol) + ") = " + f + rf",\quad n = {self.n}")

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
        }

    def __repr__(self) -> str:
        kind = "sparse" if self.sparse else "dense"
        return (f"RateNetwork({self.name!r}, n={self.n}, {kind} W, f={self.activation}, "
                f"params={self.param_names})")
