"""In-place numpy code generation for the simulation hot loop (used by ``compile``).

Plain ``lambdify`` allocates a fresh array per operation. The generator here walks
the CSE'd sympy trees of a model (trusted, already-parsed data; never user text),
prints Python source that calls numpy ufuncs with ``out=`` into buffers preallocated
for one batch size, and compiles it, as lambdify itself does. Subexpressions of the
parameters alone are hoisted out of the loop; those of time alone are scalars. Arrays
use the transposed layout ``(n, batch)``: one contiguous row per state.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from dynsys.core.symbols import time_symbol

__all__ = ["inplace_factories"]

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
        acc = self._fold("add", pos)
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
        acc = self._fold("multiply", num) if num else None
        dacc = self._fold("multiply", den) if den else None
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

    def write(self, exprs: list[sp.Expr], cse: Callable[..., Any] = sp.cse) -> str:
        """Source of ``_factory(p0.., nrows)`` returning ``kernel(x, t, out)``; ``cse``
        splits the expressions into ``(replacements, reduced)`` as ``sympy.cse`` does."""
        replacements, reduced = cse(list(exprs))
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


def _euler_map(states: list[sp.Symbol], exprs: list[sp.Expr], h: sp.Symbol) -> list[sp.Expr]:
    """``x_i + h F_i`` with h distributed over F_i's terms and the x_i terms merged."""
    out = []
    others = set(states)
    for x, f in zip(states, exprs, strict=True):
        coef: sp.Expr = sp.S.One
        rest = []
        for term in sp.Add.make_args(f):
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


def inplace_factories(
    states: list[sp.Symbol], pars: list[sp.Symbol], exprs: list[sp.Expr], name: str,
    rhs: Callable[..., Any], defaults: list[float], cse: Callable[..., Any] = sp.cse,
) -> dict[str, Any]:
    """Generate, compile and self-check the in-place kernel factories.

    ``exprs`` are the right-hand sides already in numeric form (see
    ``dynsys.core._codegen.numeric_form``); ``rhs`` is their lambdified version, against
    which the kernels are checked. Returns the CompiledSystem fields ``_inplace``,
    ``_inplace_source`` and ``_euler``, or ``{}`` (the lambdify path) when the generator
    does not support an expression or its kernels disagree with ``rhs``.
    """
    try:
        source = _InplaceWriter(states, pars).write(exprs, cse)
        h = sp.Dummy("h", real=True)
        euler = _InplaceWriter(states, [*pars, h]).write(_euler_map(states, exprs, h), cse)
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
