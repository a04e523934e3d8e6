"""Symbolic models that are rate networks, recognized and evaluated in matrix form.

An XPPAUT file written with arrays, ``x[1..n]' = (-x[j] + f(sum(1,n)of(w[j,i']*x[i']) +
...))/tau``, expands (:mod:`dynsys.core.odefile`) into ``n`` right-hand sides each holding
an ``n``-term sum. :func:`recognize_rate_network` finds, in any :class:`Model`, the form

    F_i = (-x_i + f(u_i)) / tau_i,   u_i = sum_j c_ij x_j + b_i,

and returns the equivalent :class:`~dynsys.core.rate_network.RateNetwork` when the match
is exact:

* every ``F_i`` is ``a_i x_i + k_i Phi_i`` with numbers ``a_i < 0`` and ``k_i``, and
  ``Phi_i`` a nonlinear expression in which the states appear only through one linear
  combination ``u_i`` (possibly several times);
* the activation ``f(s) = (k_i / -a_i) Phi_i[u_i -> s]`` is the same expression for every
  unit and holds no parameter; ``tau_i = -1 / a_i``;
* the coefficients are ``c_ij = g W_ij`` with numbers ``W_ij`` and at most one parameter
  ``g`` (the gain) common to all of them; ``b_i = I_i + I0`` with numbers ``I_i`` and at
  most one parameter ``I0`` (the global input, coefficient 1, in every unit);
* the model is autonomous, has no events, is not a map and its noise amplitudes are
  numbers; parameters of the model other than ``g`` and ``I0`` do not appear.

W is read from the expression's coefficients exactly (no numerics). The match is then
**verified**: the network's right-hand side must equal the symbolic one at random states
and parameter values to 1e-12 (relative), else None is returned and the symbolic path
is used: never a wrong model. ``compile`` uses the matrix form (``jac`` with a matrix
product, ``jac_sparse`` for a sparse W) for networks of at least
:data:`NETWORK_MIN_UNITS` units, keeping the model's parameters (``g`` and ``I0``
continuable under their own names) and everything else of the compiled model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sps
import sympy as sp

from dynsys._types import FloatArray
from dynsys.core._codegen import numeric_function
from dynsys.core.model import Model
from dynsys.core.rate_network import RateNetwork
from dynsys.core.symbols import time_symbol
from dynsys.core.system import register_matrix_form
from dynsys.errors import ModelError

__all__ = ["NETWORK_MIN_UNITS", "NetworkForm", "recognize_rate_network"]

#: ``compile`` evaluates recognized networks of at least this many units in matrix form
#: (smaller ones keep the symbolic path, which is exact and fast for them).
NETWORK_MIN_UNITS = 16

_S = sp.Symbol("s", real=True)
_RANGES: dict[sp.Expr, tuple[float, float] | None] = {}
_Linear = tuple[dict[sp.Symbol, sp.Expr], sp.Expr]


def _linear(expr: sp.Expr, states: frozenset[sp.Symbol]) -> _Linear | None:
    """``({x_j: c_j}, b)`` with ``expr = sum_j c_j x_j + b`` (c, b free of states), or
    None when ``expr`` is not linear in the states."""
    if expr in states:
        return {expr: sp.S.One}, sp.S.Zero
    if not (expr.free_symbols & states):
        return {}, expr
    if isinstance(expr, sp.Add):
        coefs: dict[sp.Symbol, sp.Expr] = {}
        const: list[sp.Expr] = []
        for term in expr.args:
            part = _linear(term, states)
            if part is None:
                return None
            for x, c in part[0].items():
                coefs[x] = coefs[x] + c if x in coefs else c
            const.append(part[1])
        return coefs, sp.Add(*const)
    if isinstance(expr, sp.Mul):
        dep = [f for f in expr.args if f.free_symbols & states]
        if len(dep) != 1:
            return None
        part = _linear(dep[0], states)
        if part is None:
            return None
        rest = sp.Mul(*[f for f in expr.args if f is not dep[0]])
        return {x: _product(rest, c) for x, c in part[0].items()}, rest * part[1]
    return None


def _product(rest: sp.Expr, c: sp.Expr) -> sp.Expr:
    """``rest * c``; ``number * symbol`` built directly in canonical order (sympy's
    evaluation costs more than the rest of the recognition for n^2 weights)."""
    num_r, sym_r = rest.as_coeff_Mul()
    num_c, sym_c = c.as_coeff_Mul()
    if not (num_r.is_Number and num_c.is_Number):
        return rest * c
    if sym_c == 1 and (sym_r == 1 or isinstance(sym_r, sp.Symbol)):
        num = num_r * num_c
        return num if sym_r == 1 else sp.Mul(num, sym_r, evaluate=False)
    if sym_r == 1 and isinstance(sym_c, sp.Symbol):
        return sp.Mul(num_r * num_c, sym_c, evaluate=False)
    return rest * c


def _inputs(phi: sp.Expr, states: frozenset[sp.Symbol],
            found: dict[sp.Expr, _Linear] | None = None) -> set[sp.Expr]:
    """The maximal subexpressions of ``phi`` that are linear in the states and hold one
    (their decompositions stored in ``found``: a network's n-term sums are split once)."""
    if not (phi.free_symbols & states):
        return set()
    part = _linear(phi, states)
    if part is not None and part[0]:
        if found is not None:
            found[phi] = part
        return {phi}
    out: set[sp.Expr] = set()
    for arg in phi.args:
        out |= _inputs(arg, states, found)
    return out


def _gain_and_number(c: sp.Expr) -> tuple[sp.Expr, float] | None:
    num, rest = c.as_coeff_Mul()
    if not (rest == 1 or isinstance(rest, sp.Symbol)) or not num.is_Number:
        return None
    return rest, float(num)


@dataclass(frozen=True, eq=False)
class NetworkForm:
    """A Model recognized as a rate network: the network and the parameter mapping.

    ``gain`` and ``input`` name the model parameters that play the network's ``g`` and
    ``I0`` (None when the model has none: the gain is then 1, the input 0).
    """

    network: RateNetwork
    param_names: tuple[str, ...]
    gain: str | None
    input: str | None

    def network_params(self, p: FloatArray) -> FloatArray:
        """The network's ``(g, I0)`` for model parameters ``p`` ``(..., m)``."""
        ps = np.asarray(p, dtype=np.float64)
        out = np.empty((*ps.shape[:-1], 2))
        out[..., 0] = ps[..., self.param_names.index(self.gain)] if self.gain else 1.0
        out[..., 1] = ps[..., self.param_names.index(self.input)] if self.input else 0.0
        return out

    def rhs(self, x: Any, p: FloatArray, t: Any = 0.0) -> FloatArray:
        """F in matrix form, for the model's parameters ``p``."""
        return self.network.rhs(x, self.network_params(p))

    def jac(self, x: Any, p: FloatArray, t: Any = 0.0) -> FloatArray:
        """dF/dx in matrix form, dense ``(..., n, n)``."""
        return self.network.jac(x, self.network_params(p))

    def jac_sparse(self, x: Any, p: FloatArray, t: float = 0.0) -> sps.csr_matrix:
        """dF/dx at one state as a CSR matrix."""
        return self.network.jac_sparse(x, self.network_params(p))

    def pattern(self) -> tuple[FloatArray, FloatArray]:
        """(rows, columns) of the Jacobian's structurally nonzero entries."""
        w = self.network.weights()
        mask = (sps.csr_matrix(w) != 0).tolil()
        mask.setdiag(True)
        coo = mask.tocoo()
        order = np.lexsort((coo.col, coo.row))
        return coo.row[order].astype(np.intp), coo.col[order].astype(np.intp)

    def dfdp(self, x: Any, p: FloatArray, t: Any = 0.0) -> FloatArray:
        """dF/dp for the model's parameters, ``(..., n, m)`` (zero for parameters the
        right-hand sides do not use)."""
        d = self.network.dfdp(x, self.network_params(p))
        out = np.zeros((*d.shape[:-1], len(self.param_names)))
        for k, name in enumerate((self.gain, self.input)):
            if name is not None:
                out[..., self.param_names.index(name)] = d[..., k]
        return out

    def describe(self) -> str:
        """One line for ``dynsys show``."""
        net = self.network
        kind = "sparse" if net.sparse else "dense"
        nnz = net.weights().nnz if net.sparse else int(np.count_nonzero(net.weights()))
        g = self.gain or "1"
        i0 = f" + {self.input}" if self.input else ""
        return (f"recognized as a rate network of {net.n} units ({kind} W, {nnz} "
                f"connections, f(s) = {net.activation}): tau_i x_i' = -x_i + "
                f"f({g} (W x)_i + I_i{i0})")


def _unit(model: Model, i: int, states: frozenset[sp.Symbol]
          ) -> tuple[sp.Expr, float, _Linear] | None:
    """(f, tau, (coefficients, constant)) of unit ``i``, or None."""
    x = model.states[i]
    linear: dict[sp.Symbol, sp.Expr] = {}
    others = []
    for term in sp.Add.make_args(model.rhs[i]):
        part = _linear(term, states)
        if part is None:
            others.append(term)
        else:
            if part[1] != 0:
                return None
            for v, c in part[0].items():
                linear[v] = linear.get(v, sp.S.Zero) + c
    if len(others) != 1 or set(linear) != {x} or not linear[x].is_Number or linear[x] >= 0:
        return None
    k, phi = others[0].as_independent(*states, as_Add=False)
    found: dict[sp.Expr, _Linear] = {}
    inputs = _inputs(phi, states, found)
    if not k.is_Number or k == 0 or len(inputs) != 1:
        return None
    (u,) = inputs
    a = linear[x]
    f = (k / -a) * phi.xreplace({u: _S})
    if f.free_symbols != {_S}:
        return None
    coefs, const = found[u]
    _, drive = const.as_coeff_Add()
    if drive.could_extract_minus_sign():  # f(-g W x - I0) is f'(g W' x + I0), f'(s) = f(-s)
        f = f.xreplace({_S: -_S})
        coefs, const = {v: _product(sp.S.NegativeOne, c) for v, c in coefs.items()}, -const
    return f, float(-1 / a), (coefs, const)


def _match(model: Model) -> NetworkForm | None:
    if model.discrete or model.events or not model.is_autonomous or model.n < 2:
        return None
    states = frozenset(model.states)
    n = model.n
    units = []
    for i in range(n):
        unit = _unit(model, i, states)
        if unit is None:
            return None
        units.append(unit)
    f = units[0][0]
    if any(u[0] != f for u in units[1:]):
        return None
    column = {x: j for j, x in enumerate(model.states)}
    rows, cols, vals, gains = [], [], [], set()
    inputs, drives = [], set()
    for i, (_, _, (coefs, const)) in enumerate(units):
        for x, c in coefs.items():
            split = _gain_and_number(c)
            if split is None:
                return None
            if split[1] != 0.0:
                gains.add(split[0])
                rows.append(i)
                cols.append(column[x])
                vals.append(split[1])
        number, params = const.as_coeff_Add()
        if not number.is_Number or not (params == 0 or isinstance(params, sp.Symbol)):
            return None
        inputs.append(float(number))
        drives.add(params)
    gains.discard(sp.S.One)
    if len(gains) > 1 or len(drives) != 1:
        return None
    gain = next(iter(gains)).name if gains else None
    (drive,) = drives
    source = drive.name if drive != 0 else None
    if gain is not None and gain == source:
        return None
    noise = [model.noise.get(name, sp.S.Zero) for name in model.state_names]
    if not all(e.is_Number for e in noise):
        return None
    w = sps.csr_matrix((vals, (rows, cols)), shape=(n, n))
    if w.nnz > n * n // 4 or n < 50:
        w = w.toarray()
    names = (gain or _fresh("g", model.param_names), source or _fresh("I0", model.param_names))
    defaults = (model.params[gain] if gain else 1.0, model.params[source] if source else 0.0)
    try:
        net = RateNetwork(w, f, tau=[u[1] for u in units], g=defaults[0], I0=defaults[1],
                          I=inputs, sigma=[float(e) for e in noise], param_names=names,
                          name=model.name, description=model.description,
                          f_range=_RANGES.get(f))
    except ModelError:
        return None
    if len(_RANGES) < 64:
        _RANGES[f] = net.f_range  # sympy's function_range takes seconds: once per f
    net.state_names = model.state_names
    return NetworkForm(net, model.param_names, gain, source)


def _fresh(name: str, taken: tuple[str, ...]) -> str:
    while name in taken:
        name = "_" + name
    return name


def _verified(form: NetworkForm, model: Model, rhs: Callable[..., Any], seed: int) -> bool:
    """The network's rhs equals the symbolic one at random points (relative 1e-12)."""
    rng = np.random.default_rng(seed)
    n, m = model.n, len(model.param_names)
    defaults = np.array(list(model.params.values()), dtype=np.float64)
    lo, hi = form.network.f_range or (-2.0, 2.0)
    for k in range(4):
        x = rng.uniform(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo), (3, n))
        p = defaults * rng.uniform(0.5, 1.5, m) + (rng.normal(0.0, 0.3, m) if k else 0.0)
        with np.errstate(all="ignore"):
            ref = np.array([[float(v) for v in rhs(*row, *p, 0.0)] for row in x])
            got = form.rhs(x, p)
        if not np.array_equal(np.isfinite(ref), np.isfinite(got)):
            return False
        ok = np.isfinite(ref)
        if np.any(np.abs(got[ok] - ref[ok]) > 1e-12 * np.maximum(1.0, np.abs(ref[ok]))):
            return False
    return True


def recognize_rate_network(model: Model, rhs: Callable[..., Any] | None = None, *,
                           seed: int = 0) -> NetworkForm | None:
    """The model as a verified rate network (see the module docstring), or None.

    Parameters
    ----------
    model : Model
    rhs : callable, optional
        The model's lambdified right-hand sides (``numeric_function(states + params +
        [t], model.rhs)``), to verify against; built here when not given.
    seed : int
        Seed of the random verification points.

    Examples
    --------
    >>> m = Model.from_text(
    ...     "par g=2, i0=-1\\nf(s) = tanh(s)\\n"
    ...     "x[1..3]' = -x[j] + f(g*sum(1,3)of(0.5*shift(x1,i'-1)) + i0)\\n")
    >>> form = recognize_rate_network(m)
    >>> form.network.weights().tolist(), form.gain, form.input
    ([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], 'g', 'i0')
    """
    from_rhs = rhs
    form = _match(model)
    if form is None:
        return None
    if from_rhs is None:
        from_rhs = numeric_function([*model.states, *model.param_symbols, time_symbol],
                                    list(model.rhs))
    return form if _verified(form, model, from_rhs, seed) else None


def _compile_form(model: Model, rhs: Callable[..., Any]) -> NetworkForm | None:
    if model.n < NETWORK_MIN_UNITS:
        return None
    return recognize_rate_network(model, rhs)


register_matrix_form(_compile_form)
