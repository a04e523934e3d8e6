"""System: the numeric face of a model, which every analysis takes.

Array convention (the one place it is written down)
---------------------------------------------------
* float64 everywhere;
* the state axis is **last**: one state is ``(n,)``, a batch ``(..., n)``;
* a Jacobian batch is ``(..., n, n)`` with ``J[..., i, j] = dF_i/dx_j``;
* ``dfdp`` is ``(..., n, m)`` with ``D[..., i, k] = dF_i/dp_k``;
* parameters are a vector ``(m,)`` or a batch ``(..., m)`` in ``param_names`` order,
  broadcast against the state batch, so one call evaluates many parameter values;
* time ``t`` is a scalar or an array broadcast against the batch.

Anything that provides the attributes and methods of :class:`System` is a system:
:func:`compile` builds one from a :class:`~dynsys.core.model.Model`, and the Hopfield
network implements the interface directly in matrix form.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sps
import sympy as sp

from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.core._codegen import derivative_function, numeric_form, numeric_function
from dynsys.core._inplace import inplace_factories
from dynsys.core._tape import shared_subexpressions
from dynsys.core.events import refuse_hybrid
from dynsys.core.model import Model
from dynsys.core.symbols import NON_SMOOTH_FUNCTIONS, time_symbol
from dynsys.core.tables import TableLookup
from dynsys.errors import ModelError

__all__ = [
    "CompiledSystem",
    "System",
    "compile",
    "numeric_function",
    "require_autonomous",
    "resolve_params",
]


@runtime_checkable
class System(Protocol):
    """What an analysis needs of a dynamical system ``dx/dt = F(x, p, t)``.

    An implementer provides the attributes below and the three vectorized callables
    ``rhs``, ``jac`` and ``dfdp`` following the array convention of this module.
    ``noise_amplitude(p)`` gives the additive-noise amplitude of each state, shape
    ``(..., n)``.

    Optional hooks for non-smooth systems, used by the analyses where present:

    * ``switching(x, p) -> (..., k)``: functions that vanish where the system is not
      smooth (:meth:`CompiledSystem.switching`; ``W x`` for a sign Hopfield network).
      A non-smooth system without it is treated as possibly non-smooth everywhere.
    * ``classify_state(x, params=p)``: the system's own stability verdict at such a
      point, an object with ``kind`` and ``stable`` (the Hopfield network's discrete
      check and perturbation test). Without it, perturbed runs decide.
    * ``candidate_equilibria(p) -> (k, n)``: exact candidates that equilibrium searches
      check (the Hopfield network's 0 and pattern mixtures, on sign's kinks).
    * ``describe_state(x) -> str``: the state in words, which text summaries print
      instead of many coordinates (the Hopfield network's overlaps with its patterns).

    Optional fast path for loops over single points (continuation's corrector):

    * ``evaluate_point(x, p, t=0.0) -> (F, F_x, F_p)``: one point given as plain
      sequences of numbers (``n`` states, ``m`` parameters), returning flat sequences,
      ``F_x`` and ``F_p`` row-major (:meth:`CompiledSystem.evaluate_point`). Without
      it, callers use ``rhs``, ``jac`` and ``dfdp``.
    """

    name: str
    state_names: tuple[str, ...]
    param_names: tuple[str, ...]
    default_params: FloatArray
    region: Mapping[str, tuple[float, float]] | None
    is_smooth: bool
    is_autonomous: bool

    @property
    def n(self) -> int: ...

    def rhs(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray: ...

    def jac(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray: ...

    def dfdp(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray: ...

    def noise_amplitude(self, p: ParamsLike = None) -> FloatArray: ...


def resolve_params(system: Any, params: ParamsLike = None) -> FloatArray:
    """Turn ``params`` into a float64 parameter array ``(..., m)`` for ``system``.

    Parameters
    ----------
    params : mapping, array or None
        ``None`` gives the defaults; a mapping name -> value overrides some of them
        (unknown names are an error); an array must have ``m`` entries on its last axis.

    Raises
    ------
    ModelError
        For an unknown parameter name, a wrong shape or a non-finite value.
    """
    defaults = np.asarray(system.default_params, dtype=np.float64)
    names = tuple(system.param_names)
    if params is None:
        return defaults.copy()
    if isinstance(params, Mapping):
        out = defaults.copy()
        for key, value in params.items():
            if key not in names:
                raise ModelError(
                    f"{key!r} is not a parameter of {system.name} "
                    f"(parameters: {', '.join(names) or 'none'})"
                )
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ModelError(f"parameter {key!r} must be a number, got {value!r}") from None
            if not np.isfinite(number):
                raise ModelError(f"parameter {key!r} must be finite, got {value!r}")
            out[names.index(key)] = number
        return out
    arr = np.asarray(params, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] != len(names):
        raise ModelError(
            f"parameter array for {system.name} must have {len(names)} entries on its last "
            f"axis ({', '.join(names) or 'none'}), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ModelError("parameter values must be finite")
    return arr


def require_autonomous(system: Any, analysis: str) -> None:
    """Raise ModelError if ``system`` depends on time (``analysis`` names who asks), or is
    not a smooth flow: a model with ``global`` events or a map
    (:func:`dynsys.core.events.refuse_hybrid`)."""
    refuse_hybrid(system, analysis)
    if not getattr(system, "is_autonomous", True):
        raise ModelError(
            f"{analysis} needs an autonomous system, but {system.name} depends on time t; "
            "remove the time dependence (e.g. set the pulse amplitude to 0 in a copy)"
        )


def _scatter(values: Sequence[Any], keys: Sequence[tuple[int, int]], rows: int, cols: int
             ) -> list[Any]:
    """The row-major flat list of a ``rows x cols`` matrix given its nonzero entries."""
    out: list[Any] = [0.0] * (rows * cols)
    for (i, j), v in zip(keys, values, strict=True):
        out[i * cols + j] = v
    return out


def _as_states(x: ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] != n:
        raise ModelError(f"states must have {n} entries on their last axis, got shape {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class CompiledSystem:
    """A :class:`System` compiled from a :class:`~dynsys.core.model.Model` by :func:`compile`.

    Attributes mirror the model (names, defaults, region, smoothness); the methods
    follow the array convention of :mod:`dynsys.core.system`.
    """

    model: Model
    name: str
    state_names: tuple[str, ...]
    param_names: tuple[str, ...]
    default_params: FloatArray
    region: Mapping[str, tuple[float, float]] | None
    is_smooth: bool
    is_autonomous: bool
    _rhs: Callable[..., Any] = field(repr=False)
    _jac: Callable[..., Any] = field(repr=False)
    _dfdp: Callable[..., Any] = field(repr=False)
    _noise: Callable[..., Any] = field(repr=False)
    _aux: Callable[..., Any] | None = field(repr=False, default=None)
    _switching: Callable[..., Any] | None = field(repr=False, default=None)
    _inplace: Callable[..., Any] | None = field(repr=False, default=None)
    _inplace_source: str = field(repr=False, default="")
    _euler: Callable[..., Any] | None = field(repr=False, default=None)
    #: positions (row, column) of ``_jac``'s / ``_dfdp``'s values; the callables return
    #: only the structurally nonzero entries, row-major
    _jac_keys: tuple[tuple[int, int], ...] = field(repr=False, default=())
    _dfdp_keys: tuple[tuple[int, int], ...] = field(repr=False, default=())
    #: the model's matrix form (a recognized rate network), which then gives jac, dfdp
    matrix_form: Any = field(repr=False, default=None)

    @property
    def n(self) -> int:
        """Number of states."""
        return len(self.state_names)

    @property
    def m(self) -> int:
        """Number of parameters."""
        return len(self.param_names)

    def params(self, params: ParamsLike = None) -> FloatArray:
        """The parameter array for ``params`` (see :func:`resolve_params`)."""
        return resolve_params(self, params)

    def _call(
        self, fn: Callable[..., Any], shape_tail: tuple[int, ...], x: ArrayLike,
        p: ParamsLike, t: ArrayLike, keys: tuple[tuple[int, int], ...] | None = None,
    ) -> FloatArray:
        xs = _as_states(x, self.n)
        ps = resolve_params(self, p)
        ts = np.asarray(t, dtype=np.float64)
        batch = np.broadcast_shapes(xs.shape[:-1], ps.shape[:-1], ts.shape)
        # every argument broadcast to the batch (views, no copies): the generated code
        # then never mixes shapes, e.g. in logical_or.reduce((t > 1, a > 0)) of a
        # conditional whose parts depend on different arguments
        args = [np.broadcast_to(a, batch) for a in
                (*np.moveaxis(xs, -1, 0), *np.moveaxis(ps, -1, 0), ts)]
        values = fn(*args)
        size = int(np.prod(shape_tail, dtype=int))
        if keys is None or len(keys) == size:  # every entry, in order
            out = np.empty((*batch, size), dtype=np.float64)
            for k, v in enumerate(values):
                out[..., k] = v  # broadcasting handles constant entries
        else:  # the structurally nonzero entries of a matrix
            out = np.zeros((*batch, size), dtype=np.float64)
            cols = shape_tail[-1]
            for (i, j), v in zip(keys, values, strict=True):
                out[..., i * cols + j] = v
        return out.reshape((*batch, *shape_tail))

    def rhs(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """F(x, p, t), shape ``(..., n)``."""
        return self._call(self._rhs, (self.n,), x, p, t)

    def jac(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """dF/dx, shape ``(..., n, n)``."""
        if self.matrix_form is not None:
            return self.matrix_form.jac(_as_states(x, self.n), resolve_params(self, p))  # type: ignore[no-any-return]
        return self._call(self._jac, (self.n, self.n), x, p, t, self._jac_keys)

    def dfdp(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """dF/dp, shape ``(..., n, m)``."""
        if self.matrix_form is not None:
            return self.matrix_form.dfdp(_as_states(x, self.n), resolve_params(self, p))  # type: ignore[no-any-return]
        return self._call(self._dfdp, (self.n, self.m), x, p, t, self._dfdp_keys)

    @property
    def jac_pattern(self) -> tuple[FloatArray, FloatArray]:
        """``(rows, columns)`` of the Jacobian's structurally nonzero entries (int arrays):
        every other entry is 0 at every state and parameter value."""
        if self.matrix_form is not None:
            return self.matrix_form.pattern()  # type: ignore[no-any-return]
        keys = np.array(self._jac_keys, dtype=np.intp).reshape(-1, 2)
        return keys[:, 0].copy(), keys[:, 1].copy()

    def jac_sparse(self, x: ArrayLike, p: ParamsLike = None, t: float = 0.0) -> sps.csr_matrix:
        """dF/dx at one state ``(n,)`` as a CSR matrix holding only the structurally
        nonzero entries (parameters ``(m,)``, ``t`` a number).

        Examples
        --------
        >>> from dynsys import Model
        >>> from dynsys.core.symbols import symbols
        >>> a, b, c = symbols("a b c")
        >>> chain = compile(Model({a: -a, b: a - b, c: b - c**3}))
        >>> chain.jac_sparse([1.0, 1.0, 1.0]).toarray().tolist()
        [[-1.0, 0.0, 0.0], [1.0, -1.0, 0.0], [0.0, 1.0, -3.0]]
        """
        xs = _as_states(x, self.n)
        ps = resolve_params(self, p)
        if xs.ndim != 1 or ps.ndim != 1 or np.ndim(t) != 0:
            raise ModelError("jac_sparse takes one state (n,), one parameter vector (m,) "
                             "and a number t")
        if self.matrix_form is not None:
            return self.matrix_form.jac_sparse(xs, ps)  # type: ignore[no-any-return]
        values = np.empty(len(self._jac_keys), dtype=np.float64)
        for k, v in enumerate(self._jac(*xs.tolist(), *ps.tolist(), float(t))):
            values[k] = v
        rows, cols = self.jac_pattern
        return sps.csr_matrix((values, (rows, cols)), shape=(self.n, self.n))

    def evaluate_point(
        self, x: Sequence[float], p: Sequence[float], t: float = 0.0,
    ) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any]]:
        """``(F, F_x, F_p)`` at one point, as flat sequences of numbers (the fast path).

        ``x`` (``n`` numbers) and ``p`` (``m`` numbers in ``param_names`` order) are
        plain sequences; ``F_x[i * n + j] = dF_i/dx_j`` and ``F_p[i * m + k] =
        dF_i/dp_k``. No checks, no broadcasting and no arrays, which makes it several
        times faster than ``rhs``, ``jac`` and ``dfdp`` for one point (continuation's
        Newton corrector). Entries may be Python or numpy scalars.

        Examples
        --------
        >>> from dynsys.core.loading import load_model
        >>> system = compile(load_model("mutual_excitation"))
        >>> f, fx, fp = system.evaluate_point([25.0, 25.0], system.default_params.tolist())
        >>> [round(float(v), 6) for v in fx]
        [-1.0, 5.0, 5.0, -1.0]
        """
        args = [*x, *p, t]
        if self.matrix_form is not None:
            xs, ps = np.array(x, dtype=np.float64), np.array(p, dtype=np.float64)
            return (self._rhs(*args), self.matrix_form.jac(xs, ps).ravel().tolist(),
                    self.matrix_form.dfdp(xs, ps).ravel().tolist())
        fx, fp = self._jac(*args), self._dfdp(*args)
        n, m = len(x), len(p)
        if len(self._jac_keys) != n * n:
            fx = _scatter(fx, self._jac_keys, n, n)
        if len(self._dfdp_keys) != n * m:
            fp = _scatter(fp, self._dfdp_keys, n, m)
        return self._rhs(*args), fx, fp

    def noise_amplitude(self, p: ParamsLike = None) -> FloatArray:
        """Additive noise amplitude of each state, shape ``(..., n)``."""
        ps = resolve_params(self, p)
        values = self._noise(*np.moveaxis(ps, -1, 0))
        out = np.empty((*ps.shape[:-1], self.n), dtype=np.float64)
        for k, v in enumerate(values):
            out[..., k] = v
        return out

    def _kernel_params(self, p: ParamsLike, size: int) -> tuple[int, list[Any]]:
        size = int(size)
        if size < 1:
            raise ModelError(f"batch size must be positive, got {size}")
        ps = resolve_params(self, p)
        if ps.ndim == 1:
            return size, [float(v) for v in ps]
        if ps.ndim == 2 and ps.shape[0] == size:
            return size, [np.ascontiguousarray(ps[:, k]) for k in range(self.m)]
        raise ModelError(
            f"parameters for a batch of {size} must have shape ({self.m},) or "
            f"({size}, {self.m}), got {ps.shape}"
        )

    def euler_kernel(
        self, p: ParamsLike = None, size: int = 1, dt: float = 0.1,
    ) -> Callable[[FloatArray, float, FloatArray], None]:
        """A fast in-place Euler step ``out = x + dt * F(x, p, t)`` for a fixed batch size.

        Same layout and rules as :meth:`rhs_kernel` (``(n, size)`` arrays, ``out``
        distinct from ``x``). Terms of ``F_i`` linear in ``x_i`` are merged with the
        identity (``x_i + dt * (-x_i + g)`` is evaluated as ``(1 - dt) x_i + dt g``),
        which saves one pass over the batch per state; the result equals the literal
        recursion up to rounding.

        Examples
        --------
        >>> import numpy as np
        >>> from dynsys.core.loading import load_model
        >>> system = compile(load_model("self_excitation"))
        >>> step = system.euler_kernel(size=1, dt=0.1)
        >>> x, out = np.array([[60.0]]), np.empty((1, 1))
        >>> step(x, 0.0, out)
        >>> float(out[0, 0])
        60.0
        """
        dt = float(dt)
        size, cols = self._kernel_params(p, size)
        if self._euler is not None:
            with np.errstate(all="ignore"):
                return self._euler(*cols, dt, size)  # type: ignore[no-any-return]
        rhs = self.rhs_kernel(p, size)
        buf = np.empty((self.n, size))

        def kernel(x: FloatArray, t: float, out: FloatArray) -> None:
            rhs(x, t, buf)
            np.multiply(buf, dt, out=buf)
            np.add(x, buf, out=out)

        return kernel

    def rhs_kernel(
        self, p: ParamsLike = None, size: int = 1,
    ) -> Callable[[FloatArray, float, FloatArray], None]:
        """A fast in-place evaluator of F for a fixed batch size (the simulation hot loop).

        ``kernel(x, t, out)`` writes ``F(x, p, t)`` into ``out``. Unlike :meth:`rhs`,
        both arrays use the **transposed** layout ``(n, size)`` (one C-contiguous row
        per state), ``t`` is a scalar and ``out`` must not share memory with ``x``.
        The kernel evaluates numpy ufuncs into buffers preallocated here, with
        subexpressions of the parameters alone computed once; models using a function
        the generator does not know fall back to the plain lambdified path.

        Parameters
        ----------
        p : mapping, array or None
            Parameters: ``(m,)``, or ``(size, m)`` for one parameter vector per column.
        size : int
            The batch size (number of columns of ``x``).

        Examples
        --------
        >>> import numpy as np
        >>> from dynsys.core.loading import load_model
        >>> system = compile(load_model("mutual_excitation"))
        >>> kernel = system.rhs_kernel(size=3)
        >>> x = np.array([[0.0, 25.0, 50.0], [0.0, 25.0, 50.0]])
        >>> out = np.empty_like(x)
        >>> kernel(x, 0.0, out)
        >>> np.allclose(out.T, system.rhs(x.T))
        True
        """
        size, cols = self._kernel_params(p, size)
        if self._inplace is not None:
            with np.errstate(all="ignore"):
                return self._inplace(*cols, size)  # type: ignore[no-any-return]
        fn = self._rhs

        def kernel(x: FloatArray, t: float, out: FloatArray) -> None:
            for k, v in enumerate(fn(*x, *cols, t)):
                out[k] = v

        return kernel

    def switching(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """Switching functions, shape ``(..., k)``: zero where the model is not smooth.

        One entry per argument of sign, heav and abs, and per pair of arguments of min
        and max (their difference). ``k = 0`` for a smooth model. Where an entry is
        zero the numeric Jacobian (which treats those functions as locally constant)
        is not the derivative, and analyses must not trust it.
        """
        if self._switching is None:
            xs = _as_states(x, self.n)
            return np.empty((*xs.shape[:-1], 0))
        k = len(_switching_exprs(self.model))
        return self._call(self._switching, (k,), x, p, t)

    def aux(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """The model's auxiliary outputs, shape ``(..., k)`` in ``model.aux`` order."""
        if self._aux is None:
            xs = _as_states(x, self.n)
            return np.empty((*xs.shape[:-1], 0))
        return self._call(self._aux, (len(self.model.aux),), x, p, t)

    def __repr__(self) -> str:
        return (
            f"CompiledSystem({self.name!r}, states={self.state_names}, "
            f"params={self.param_names})"
        )


def _relations(cond: sp.Basic) -> list[sp.Basic]:
    """The relations (``a > b`` ...) inside a Piecewise condition."""
    if isinstance(cond, sp.core.relational.Relational):
        return [cond]
    return [r for arg in getattr(cond, "args", ()) for r in _relations(arg)]


def _switching_exprs(model: Model) -> list[sp.Expr]:
    """Expressions that vanish where ``model`` is not smooth (see ``switching``)."""
    exprs: list[sp.Expr] = []
    for rhs in model.rhs:
        for atom in sorted(rhs.atoms(*NON_SMOOTH_FUNCTIONS), key=sp.default_sort_key):
            if isinstance(atom, sp.Min | sp.Max):
                args = list(atom.args)
                exprs += [a - b for i, a in enumerate(args) for b in args[i + 1:]]
            elif isinstance(atom, sp.Piecewise):  # where a condition's sides meet
                for _, cond in atom.args:
                    exprs += [r.lhs - r.rhs for r in _relations(cond)]
            elif isinstance(atom, sp.floor | sp.ceiling):  # jumps at the integers
                exprs.append(sp.sin(sp.pi * atom.args[0]))
            elif isinstance(atom, sp.Mod):  # jumps where x / y is an integer
                exprs.append(sp.sin(sp.pi * atom.args[0] / atom.args[1]))
            elif isinstance(atom, TableLookup):  # kinks at the table's points
                lo, hi = atom.bounds
                dx = (hi - lo) / (len(atom.values) - 1)
                exprs.append(sp.sin(sp.pi * (atom.args[2] - lo) / dx))
            else:
                exprs.append(atom.args[0])
    return exprs


#: Recognizers of cheaper numeric forms, tried by compile before the symbolic
#: derivatives: ``find(model, rhs) -> form or None`` (``rhs`` the lambdified right-hand
#: sides); a form provides ``jac``, ``dfdp``, ``jac_sparse``, ``pattern`` and ``describe``
#: for the model's own parameters. :mod:`dynsys.core.network_ode` registers rate networks.
_MATRIX_FORMS: list[Callable[[Model, Callable[..., Any]], Any]] = []


def register_matrix_form(find: Callable[[Model, Callable[..., Any]], Any]) -> None:
    """Add a recognizer that compile tries before the symbolic derivatives (see
    ``_MATRIX_FORMS``); it must return None unless its form is verified equal."""
    if find not in _MATRIX_FORMS:
        _MATRIX_FORMS.append(find)


def _no_derivative(*args: Any) -> Any:
    raise ModelError("this system's derivatives come from its matrix form")


@functools.lru_cache(maxsize=64)
def _compile_cached(model: Model) -> CompiledSystem:
    states, pars = list(model.states), list(model.param_symbols)
    args = [*states, *pars, time_symbol]
    rhs = numeric_function(args, list(model.rhs))
    form = next((f for f in (find(model, rhs) for find in _MATRIX_FORMS) if f is not None),
                None)
    if form is None:
        jac, jac_keys = derivative_function(args, model.rhs, states)
        dfdp, dfdp_keys = derivative_function(args, model.rhs, pars)
    else:  # jac and dfdp come from the matrix form: no symbolic derivatives at all
        jac, jac_keys, dfdp, dfdp_keys = _no_derivative, (), _no_derivative, ()
    noise_exprs = [model.noise.get(name, sp.S.Zero) for name in model.state_names]
    switching = _switching_exprs(model)
    defaults = [float(v) for v in model.params.values()]
    return CompiledSystem(
        model=model,
        name=model.name,
        state_names=model.state_names,
        param_names=model.param_names,
        default_params=np.array(list(model.params.values()), dtype=np.float64),
        region=model.region,
        is_smooth=model.is_smooth,
        is_autonomous=model.is_autonomous,
        _rhs=rhs,
        _jac=jac,
        _dfdp=dfdp,
        _jac_keys=jac_keys,
        _dfdp_keys=dfdp_keys,
        matrix_form=form,
        _noise=numeric_function(pars, noise_exprs),
        _aux=numeric_function(args, list(model.aux.values())) if model.aux else None,
        _switching=numeric_function(args, switching) if switching else None,
        **inplace_factories(
            states, pars, [numeric_form(e) for e in model.rhs], model.name, rhs, defaults,
            cse=shared_subexpressions,
        ),
    )


def compile(model: Model) -> CompiledSystem:
    """Compile a Model into vectorized numeric callables (cached per model).

    ``rhs``, ``jac`` and ``dfdp`` are generated by ``sympy.lambdify`` with
    ``modules="numpy"`` (:func:`~dynsys.core._codegen.numeric_function`), once per
    model, from straight-line programs in which identical subtrees are computed once.
    The Jacobians are not ``Matrix.jacobian``: one forward sweep over the expressions'
    DAG differentiates each node once and assembles the entries by the chain rule
    (:mod:`dynsys.core._tape`), at a cost linear in the expression size plus the number
    of structurally nonzero entries (a dense 50-unit network compiles in seconds, not
    minutes). Structurally zero entries are never formed: ``jac_pattern`` lists the
    others and ``jac_sparse`` returns a CSR matrix. Second and third derivatives are
    derived only when an analysis asks (:mod:`dynsys.core.derivatives`).
    Non-smooth functions differentiate to 0 almost everywhere (never ``DiracDelta``).

    For the simulation hot loop, ``compile`` also generates in-place evaluators
    (:meth:`CompiledSystem.rhs_kernel`, :meth:`CompiledSystem.euler_kernel`): Python
    source printed from the CSE'd sympy trees (never from user text) that calls numpy
    ufuncs with ``out=`` into buffers preallocated per batch size, on the transposed
    layout ``(n, batch)``, with parameter-only subexpressions hoisted out of the loop.
    A model using a function the generator does not know keeps the lambdify path.

    Parameters
    ----------
    model : Model
        A symbolic model. Objects that already implement :class:`System` (such as a
        Hopfield network) are returned unchanged.

    Returns
    -------
    CompiledSystem

    Examples
    --------
    >>> from dynsys import load_model
    >>> system = compile(load_model("mutual_excitation"))
    >>> system.jac([25.0, 25.0]).round(6).tolist()
    [[-1.0, 5.0], [5.0, -1.0]]
    """
    if isinstance(model, Model):
        return _compile_cached(model)
    if isinstance(model, System):
        return model  # type: ignore[return-value]
    raise ModelError(f"cannot compile {type(model).__name__}: expected a Model")
