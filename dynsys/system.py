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
:func:`compile` builds one from a :class:`~dynsys.model.Model`, and the Hopfield
network implements the interface directly in matrix form.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import sympy as sp

from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.errors import ModelError
from dynsys.model import Model, time_symbol

__all__ = ["CompiledSystem", "System", "compile", "require_autonomous", "resolve_params"]


@runtime_checkable
class System(Protocol):
    """What an analysis needs of a dynamical system ``dx/dt = F(x, p, t)``.

    An implementer provides the attributes below and the three vectorized callables
    ``rhs``, ``jac`` and ``dfdp`` following the array convention of this module.
    ``noise_amplitude(p)`` gives the additive-noise amplitude of each state, shape
    ``(..., n)``.
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
    """Raise ModelError if ``system`` depends on time (``analysis`` names who asks)."""
    if not getattr(system, "is_autonomous", True):
        raise ModelError(
            f"{analysis} needs an autonomous system, but {system.name} depends on time t; "
            "remove the time dependence (e.g. set the pulse amplitude to 0 in a copy)"
        )


# ---------------------------------------------------------------------------- compile
_min = sp.Function("_dynsys_min")
_max = sp.Function("_dynsys_max")
_heav = sp.Function("_dynsys_heav")

_NUMERIC_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "_dynsys_min": lambda *a: functools.reduce(np.minimum, a),
    "_dynsys_max": lambda *a: functools.reduce(np.maximum, a),
    "_dynsys_heav": lambda s, h0: np.heaviside(s, h0),
}


def _numeric_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite an expression for numeric evaluation.

    The distributional derivatives of non-smooth functions become 0 (their value
    almost everywhere), and min/max/heav map to broadcasting numpy functions.
    """
    expr = expr.replace(sp.DiracDelta, lambda *a: sp.S.Zero)
    expr = expr.replace(sp.Min, lambda *a: _min(*a))
    expr = expr.replace(sp.Max, lambda *a: _max(*a))
    expr = expr.replace(
        sp.Heaviside, lambda s, h0=sp.S.One: _heav(s, sp.S.One if h0 is None else h0)
    )
    # Derivative(sign(x), x) and friends that sympy leaves unevaluated are 0 a.e.
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.S.Zero)
    return expr


def _lambdify(args: list[sp.Symbol], exprs: list[sp.Expr]) -> Callable[..., Any]:
    return sp.lambdify(
        args,
        [_numeric_form(e) for e in exprs],
        modules=[_NUMERIC_FUNCTIONS, "numpy"],
        cse=True,
    )


def _as_states(x: ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] != n:
        raise ModelError(f"states must have {n} entries on their last axis, got shape {arr.shape}")
    return arr


# ------------------------------------------------------------ in-place code generation
# The simulation hot loop evaluates F for a large batch at every step. Plain lambdify
# allocates a fresh array per operation; the generator below walks the CSE'd sympy
# trees (trusted, already-parsed data, never user text) and emits numpy ufunc calls
# that write into buffers preallocated for one batch size. Subexpressions of the
# parameters alone are hoisted out of the loop; those of time alone are scalars.

_UFUNCS: dict[type, str] = {
    sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sinh: "sinh", sp.cosh: "cosh",
    sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.atan: "arctan", sp.asin: "arcsin",
    sp.acos: "arccos", sp.asinh: "arcsinh", sp.acosh: "arccosh", sp.atanh: "arctanh",
    sp.Abs: "absolute", sp.sign: "sign", sp.floor: "floor", sp.ceiling: "ceil",
}


class _Unsupported(Exception):
    """An expression the in-place generator does not handle (use the plain path)."""


class _InplaceWriter:
    """Emit Python source that evaluates expressions into preallocated buffers.

    Names in the generated code: ``x0..`` state rows, ``p0..`` parameters, ``t``,
    ``k0..`` hoisted parameter-only constants, ``b0..`` buffers, ``s0..`` scalars in t.
    """

    def __init__(self, states: list[sp.Symbol], params: list[sp.Symbol]) -> None:
        self.names: dict[sp.Symbol, str] = {s: f"x{i}" for i, s in enumerate(states)}
        self.names.update({s: f"p{i}" for i, s in enumerate(params)})
        self.names[time_symbol] = "t"
        self.state_set = set(states)
        self.consts: dict[str, str] = {}  # source -> name, hoisted out of the loop
        self.body: list[str] = []
        self.free: list[str] = []
        self.nbuf = 0
        self.nscalar = 0
        self.cse_kind: dict[sp.Symbol, str] = {}

    # -- classification ------------------------------------------------------
    def kind(self, e: sp.Basic) -> str:
        """'state' (depends on a state), 'time' (on t only) or 'const'."""
        syms = e.free_symbols
        if syms & self.state_set or any(self.cse_kind.get(s) == "state" for s in syms):
            return "state"
        if time_symbol in syms or any(self.cse_kind.get(s) == "time" for s in syms):
            return "time"
        return "const"

    # -- scalar (parameter / time) expressions: plain numpy, no buffers ------
    def scalar(self, e: sp.Basic) -> str:
        if e in self.names:
            return self.names[e]
        if e.is_Number:
            if not e.is_finite:
                raise _Unsupported(str(e))
            return repr(float(e))
        if isinstance(e, sp.NumberSymbol):
            return repr(float(e))
        if e.is_Add:
            return "(" + " + ".join(self.scalar(a) for a in e.args) + ")"
        if e.is_Mul:
            return "(" + " * ".join(self.scalar(a) for a in e.args) + ")"
        if e.is_Pow:
            return f"power({self.scalar(e.base)}, {self.scalar(e.exp)})"
        fname = _UFUNCS.get(type(e))
        if fname is not None:
            return f"{fname}({self.scalar(e.args[0])})"
        name = type(e).__name__
        if name == "_dynsys_heav":
            return f"heaviside({self.scalar(e.args[0])}, {self.scalar(e.args[1])})"
        if name in ("_dynsys_min", "_dynsys_max"):
            fn = "minimum" if name == "_dynsys_min" else "maximum"
            out = self.scalar(e.args[0])
            for a in e.args[1:]:
                out = f"{fn}({out}, {self.scalar(a)})"
            return out
        raise _Unsupported(name)

    def operand(self, e: sp.Basic) -> str:
        """A non-state expression as a name usable inside the loop."""
        if e in self.names:
            return self.names[e]
        src = self.scalar(e)
        if self.kind(e) == "const":
            if e.is_Number:
                return src
            if src not in self.consts:
                self.consts[src] = f"k{len(self.consts)}"
            return self.consts[src]
        name = f"s{self.nscalar}"
        self.nscalar += 1
        self.body.append(f"{name} = {src}")
        return name

    # -- buffers -------------------------------------------------------------
    def buffer(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"b{self.nbuf}"
        self.nbuf += 1
        return name

    def release(self, ref: str, owned: bool) -> None:
        if owned and ref not in self.free:
            self.free.append(ref)

    def target(self, *refs: tuple[str, bool]) -> str:
        """An owned buffer among ``refs`` to overwrite, else a fresh one; frees the rest."""
        chosen = next((r for r, owned in refs if owned), None) or self.buffer()
        for r, owned in refs:
            if r != chosen:
                self.release(r, owned)
        return chosen

    # -- state-valued expressions: ufuncs with out= ---------------------------
    def state(self, e: sp.Basic) -> tuple[str, bool]:
        """Emit code for state-valued ``e``; return (reference, owned buffer?)."""
        if e in self.names:
            return self.names[e], False
        if e.is_Add:
            return self._add(e)
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow:
            return self._pow(e)
        fname = _UFUNCS.get(type(e))
        if fname is not None:
            ref = self.state(e.args[0])
            out = self.target(ref)
            self.body.append(f"{fname}({ref[0]}, out={out})")
            return out, True
        name = type(e).__name__
        if name == "_dynsys_heav":
            h0 = self.operand(e.args[1]) if self.kind(e.args[1]) != "state" else None
            if h0 is None:
                raise _Unsupported("heav with a state-dependent value at 0")
            ref = self.state(e.args[0])
            out = self.target(ref)
            self.body.append(f"heaviside({ref[0]}, {h0}, out={out})")
            return out, True
        if name in ("_dynsys_min", "_dynsys_max"):
            fn = "minimum" if name == "_dynsys_min" else "maximum"
            return self._fold(fn, list(e.args))
        raise _Unsupported(name)

    def _arg(self, e: sp.Basic) -> tuple[str, bool, bool]:
        if self.kind(e) == "state":
            ref, owned = self.state(e)
            return ref, owned, True
        return self.operand(e), False, False

    def _fold(self, fn: str, args: list[sp.Basic]) -> tuple[str, bool]:
        args = sorted(args, key=lambda a: self.kind(a) != "state")
        acc, acc_owned, _ = self._arg(args[0])
        for a in args[1:]:
            ref, owned, _ = self._arg(a)
            out = self.target((acc, acc_owned), (ref, owned))
            self.body.append(f"{fn}({acc}, {ref}, out={out})")
            acc, acc_owned = out, True
        return acc, acc_owned

    def _add(self, e: sp.Basic) -> tuple[str, bool]:
        scal = [a for a in e.args if self.kind(a) != "state"]
        terms = [a for a in e.args if self.kind(a) == "state"]
        pos = [a for a in terms if not (a.is_Mul and a.args[0].is_Number and a.args[0] < 0)]
        neg = [a for a in terms if a not in pos]
        if not pos:  # keep the signs inside the terms
            pos, neg = terms, []
        acc: tuple[str, bool] | None = None
        for a in pos:
            ref = self.state(a)
            if acc is None:
                acc = ref
                continue
            out = self.target(acc, ref)
            self.body.append(f"add({acc[0]}, {ref[0]}, out={out})")
            acc = (out, True)
        assert acc is not None
        for a in neg:
            ref = self.state(-a)
            out = self.target(acc, ref)
            self.body.append(f"subtract({acc[0]}, {ref[0]}, out={out})")
            acc = (out, True)
        if scal:
            c = self.operand(sp.Add(*scal))
            out = self.target(acc)
            self.body.append(f"add({acc[0]}, {c}, out={out})")
            acc = (out, True)
        return acc

    def _mul(self, e: sp.Basic) -> tuple[str, bool]:
        scal = [a for a in e.args if self.kind(a) != "state"]
        num: list[sp.Basic] = []
        den: list[sp.Basic] = []
        for a in e.args:
            if self.kind(a) != "state":
                continue
            if a.is_Pow and a.exp.is_Number and a.exp < 0:
                den.append(sp.Pow(a.base, -a.exp) if a.exp != -1 else a.base)
            else:
                num.append(a)
        coef = self.operand(sp.Mul(*scal)) if scal else None
        acc: tuple[str, bool] | None = None
        for a in num:
            ref = self.state(a)
            if acc is None:
                acc = ref
                continue
            out = self.target(acc, ref)
            self.body.append(f"multiply({acc[0]}, {ref[0]}, out={out})")
            acc = (out, True)
        dacc: tuple[str, bool] | None = None
        for a in den:
            ref = self.state(a)
            if dacc is None:
                dacc = ref
                continue
            out = self.target(dacc, ref)
            self.body.append(f"multiply({dacc[0]}, {ref[0]}, out={out})")
            dacc = (out, True)
        if acc is None:  # coef / den
            assert dacc is not None
            out = self.target(dacc)
            self.body.append(f"true_divide({coef or '1.0'}, {dacc[0]}, out={out})")
            return out, True
        if coef is not None:
            out = self.target(acc)
            self.body.append(f"multiply({acc[0]}, {coef}, out={out})")
            acc = (out, True)
        if dacc is not None:
            out = self.target(acc, dacc)
            self.body.append(f"true_divide({acc[0]}, {dacc[0]}, out={out})")
            acc = (out, True)
        return acc

    def _pow(self, e: sp.Basic) -> tuple[str, bool]:
        base, ex = e.base, e.exp
        if self.kind(base) == "state" and ex.is_Number:
            ref = self.state(base)
            out = self.target(ref)
            if ex == 2:
                self.body.append(f"multiply({ref[0]}, {ref[0]}, out={out})")
            elif ex == -1:
                self.body.append(f"true_divide(1.0, {ref[0]}, out={out})")
            elif ex == sp.Rational(1, 2):
                self.body.append(f"sqrt({ref[0]}, out={out})")
            else:
                self.body.append(f"power({ref[0]}, {float(ex)!r}, out={out})")
            return out, True
        b, b_owned, _ = self._arg(base)
        x, x_owned, _ = self._arg(ex)
        out = self.target((b, b_owned), (x, x_owned))
        self.body.append(f"power({b}, {x}, out={out})")
        return out, True

    def write(self, exprs: list[sp.Expr]) -> str:
        """Source of ``_factory(p0.., nrows)`` returning ``kernel(x, t, out)``."""
        replacements, reduced = sp.cse([_numeric_form(e) for e in exprs])
        for i, (sym, sub) in enumerate(replacements):
            k = self.kind(sub)
            self.cse_kind[sym] = k
            if k == "state":
                ref, owned = self.state(sub)
                name = f"c{i}"
                self.body.append(f"{name} = {ref}.copy()" if not owned else f"{name} = {ref}")
                if owned:  # keep this buffer for the rest of the kernel
                    self.free = [b for b in self.free if b != ref]
                self.names[sym] = name
            else:
                self.names[sym] = self.operand(sub)
        for i, expr in enumerate(reduced):
            if self.kind(expr) == "state":
                ref, owned = self.state(expr)
                last = self.body[-1] if self.body else ""
                if owned and last.endswith(f"out={ref})"):
                    self.body[-1] = last[: -len(f"out={ref})")] + f"out=out[{i}])"
                elif owned:
                    self.body.append(f"copyto(out[{i}], {ref})")
                else:
                    self.body.append(f"copyto(out[{i}], {ref})")
                self.release(ref, owned)
            else:
                self.body.append(f"out[{i}] = {self.operand(expr)}")
        pars = [name for sym, name in self.names.items() if name.startswith("p")]
        lines = [f"def _factory({', '.join([*pars, 'size'])}):"]
        lines += [f"    {name} = {src}" for src, name in self.consts.items()]
        lines += [f"    b{i} = empty(size)" for i in range(self.nbuf)]
        lines.append("    def kernel(x, t, out):")
        nstate = sum(1 for name in self.names.values() if name.startswith("x"))
        lines += [f"        x{i} = x[{i}]" for i in range(nstate)]
        lines += [f"        {line}" for line in self.body]
        lines.append("    return kernel")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True, eq=False)
class CompiledSystem:
    """A :class:`System` compiled from a :class:`~dynsys.model.Model` by :func:`compile`.

    Attributes mirror the model (names, defaults, region, smoothness); the methods
    follow the array convention of :mod:`dynsys.system`.
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
    _inplace: Callable[..., Any] | None = field(repr=False, default=None)
    _inplace_source: str = field(repr=False, default="")
    _euler: Callable[..., Any] | None = field(repr=False, default=None)

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
        p: ParamsLike, t: ArrayLike,
    ) -> FloatArray:
        xs = _as_states(x, self.n)
        ps = resolve_params(self, p)
        ts = np.asarray(t, dtype=np.float64)
        batch = np.broadcast_shapes(xs.shape[:-1], ps.shape[:-1], ts.shape)
        values = fn(*np.moveaxis(xs, -1, 0), *np.moveaxis(ps, -1, 0), ts)
        out = np.empty((*batch, int(np.prod(shape_tail, dtype=int))), dtype=np.float64)
        for k, v in enumerate(values):
            out[..., k] = v  # broadcasting handles constant entries
        return out.reshape((*batch, *shape_tail))

    def rhs(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """F(x, p, t), shape ``(..., n)``."""
        return self._call(self._rhs, (self.n,), x, p, t)

    def jac(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """dF/dx, shape ``(..., n, n)``."""
        return self._call(self._jac, (self.n, self.n), x, p, t)

    def dfdp(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """dF/dp, shape ``(..., n, m)``."""
        return self._call(self._dfdp, (self.n, self.m), x, p, t)

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
        >>> from dynsys.model import load_model
        >>> sys = compile(load_model("self_excitation"))
        >>> step = sys.euler_kernel(size=1, dt=0.1)
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
        >>> from dynsys.model import load_model
        >>> sys = compile(load_model("mutual_excitation"))
        >>> kernel = sys.rhs_kernel(size=3)
        >>> x = np.array([[0.0, 25.0, 50.0], [0.0, 25.0, 50.0]])
        >>> out = np.empty_like(x)
        >>> kernel(x, 0.0, out)
        >>> np.allclose(out.T, sys.rhs(x.T))
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


@functools.lru_cache(maxsize=64)
def _compile_cached(model: Model) -> CompiledSystem:
    states, pars = list(model.states), list(model.param_symbols)
    args = [*states, *pars, time_symbol]
    jac = model.jacobian()
    dfdp = model.dfdp()
    noise_exprs = [model.noise.get(name, sp.S.Zero) for name in model.state_names]
    rhs = _lambdify(args, list(model.rhs))
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
        _jac=_lambdify(args, list(jac)),
        _dfdp=_lambdify(args, list(dfdp)),
        _noise=_lambdify(pars, noise_exprs),
        _aux=_lambdify(args, list(model.aux.values())) if model.aux else None,
        **_inplace_factory(states, pars, list(model.rhs), model.name, rhs, defaults),
    )


def _euler_map(states: list[sp.Symbol], exprs: list[sp.Expr], h: sp.Symbol) -> list[sp.Expr]:
    """``x_i + h F_i`` with h distributed over F_i's terms and the x_i terms merged."""
    out = []
    others = set(states)
    for x, f in zip(states, exprs, strict=True):
        coef: sp.Expr = sp.S.One
        rest = []
        for term in sp.Add.make_args(_numeric_form(f)):
            c, dep = term.as_independent(x, as_Add=False)
            if dep == x and not (c.free_symbols & others) and time_symbol not in c.free_symbols:
                coef += h * c
            else:
                rest.append(h * term)
        out.append(sp.Add(sp.Mul(coef, x), *rest))
    return out


def _exec_factory(source: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {k: getattr(np, k) for k in _NUMPY_NAMES}
    # The source is generated from sympy expression trees (already-parsed, trusted
    # data): no user text reaches this point, as with lambdify.
    code = builtins.compile(source, f"<dynsys-inplace:{name}>", "exec")
    exec(code, namespace)
    return namespace["_factory"]  # type: ignore[no-any-return]


def _inplace_factory(
    states: list[sp.Symbol], pars: list[sp.Symbol], exprs: list[sp.Expr], name: str,
    rhs: Callable[..., Any], defaults: list[float],
) -> dict[str, Any]:
    """Generate and compile the in-place kernel factories; {} when unsupported."""
    try:
        source = _InplaceWriter(states, pars).write(exprs)
        h = sp.Dummy("h", real=True)
        euler = _InplaceWriter(states, [*pars, h]).write(_euler_map(states, exprs, h))
        fast, step = _exec_factory(source, name), _exec_factory(euler, name)
        if not _agrees(fast, step, rhs, len(states), defaults):
            return {}
    except Exception:  # any gap in the generator falls back to the lambdify path
        return {}
    return {"_inplace": fast, "_inplace_source": source, "_euler": step}


def _agrees(
    fast: Callable[..., Any], step: Callable[..., Any], rhs: Callable[..., Any], n: int,
    defaults: list[float],
) -> bool:
    """Self-check of the generated kernels against lambdify on a few random states."""
    x = np.random.default_rng(12345).uniform(-2.0, 2.0, size=(n, 8))
    dt = 0.01
    with np.errstate(all="ignore"):
        ref = np.empty_like(x)
        for k, v in enumerate(rhs(*x, *defaults, 0.5)):
            ref[k] = v
        out, nxt = np.empty_like(x), np.empty_like(x)
        fast(*defaults, 8)(x, 0.5, out)
        step(*defaults, dt, 8)(x, 0.5, nxt)
    ok = np.isfinite(ref)
    scale = np.maximum(np.abs(ref), 1.0)
    if not np.array_equal(ok, np.isfinite(out)):
        return False
    good = np.all(np.abs(out - ref)[ok] <= 1e-9 * scale[ok])
    return bool(good and np.all(np.abs(nxt - (x + dt * ref))[ok] <= 1e-9 * scale[ok]))


_NUMPY_NAMES = (
    "empty", "copyto", "add", "subtract", "multiply", "true_divide", "power", "sqrt",
    "heaviside", "minimum", "maximum", *sorted(set(_UFUNCS.values())),
)


def compile(model: Model) -> CompiledSystem:
    """Compile a Model into vectorized numeric callables (cached per model).

    ``rhs``, ``jac`` and ``dfdp`` are generated by ``sympy.lambdify`` with
    ``modules="numpy"`` and common-subexpression elimination, once per model.
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
    >>> sys = compile(load_model("mutual_excitation"))
    >>> sys.jac([25.0, 25.0]).round(6).tolist()
    [[-1.0, 5.0], [5.0, -1.0]]
    """
    if isinstance(model, Model):
        return _compile_cached(model)
    if isinstance(model, System):
        return model  # type: ignore[return-value]
    raise ModelError(f"cannot compile {type(model).__name__}: expected a Model")
