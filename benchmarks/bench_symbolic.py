"""Benchmark: the symbolic path's compile time, before and after the forward sweep (issue 14).

    .venv/bin/python benchmarks/bench_symbolic.py [--sizes 25 50 100] [--old-max 50]
                                                  [--chain 200]

For a dense random rate network ``x_i' = -x_i + f(g sum_j W_ij x_j + I)`` (logistic f,
W ~ N(0, 1/n)) of each size, prints in the same process:

* ``new``: ``dynsys.compile`` (rhs, Jacobian and dF/dp by the forward sweep over the
  expression DAG, the in-place kernels), a fresh Model each time (no cache);
* ``old``: the previous path's sympy calls reproduced here -- ``Matrix.jacobian``,
  ``lambdify(cse=True, dummify=True)`` of rhs, Jacobian and dF/dp, and ``sympy.cse``
  for the in-place kernels -- for sizes up to ``--old-max`` (n = 100 takes minutes);
* their ratio, and the largest difference of the two Jacobians at a random state.

Then a sparse chain of ``--chain`` states ``x_k' = -x_k + tanh(a x_{k-1}) + b x_k^2``
(new path only; its structurally nonzero Jacobian entries, ``jac_sparse``), and an
all-to-all ``.ode`` of ``--ode`` units written with XPPAUT arrays and a weight table:
reading it, compiling it (recognized as a rate network: matrix form) and, for comparison,
the symbolic path's derivatives of the same model (new and, with ``--ode-old``, old).
Issue aims: a dense 50-unit network compiles in under 5 s, a 200-state chain under 10 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy as sp

from dynsys import Model, compile
from dynsys.core._codegen import _NUMERIC_FUNCTIONS, derivative_function, numeric_form
from dynsys.core._inplace import inplace_factories
from dynsys.core.symbols import time_symbol


def dense_network(n: int, seed: int = 0) -> tuple[Model, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0 / np.sqrt(n), (n, n))
    xs = sp.symbols(f"x1:{n + 1}", real=True)
    g, i0 = sp.symbols("g I", real=True)
    eqs = {x: -x + 1 / (1 + sp.exp(-(g * sum(float(w[i, j]) * xs[j] for j in range(n)) + i0)))
           for i, x in enumerate(xs)}
    return Model(eqs, {g: 1.0, i0: 0.1}, name=f"dense{n}"), w


def chain(n: int) -> Model:
    xs = sp.symbols(f"x0:{n}", real=True)
    a, b = sp.symbols("a b", real=True)
    eqs = {x: -x + (sp.tanh(a * xs[k - 1]) if k else 0) + b * x**2 for k, x in enumerate(xs)}
    return Model(eqs, {a: 0.7, b: 0.05}, name=f"chain{n}")


def ode_network(n: int) -> str:
    return (f"par g=1.5, drive=0.2\nf(u)=1/(1+exp(-u))\n"
            f"table w % {n * n} 0 {n * n - 1} 0.3*sin(t*1.7)\n"
            f"x[0..{n - 1}]' = (-x[j] + f(g*sum(0,{n - 1})of(w([j]*{n}+i')*shift(x0,i'))"
            f" + drive))/2\n")


def old_compile(model: Model):  # type: ignore[no-untyped-def]
    """The previous compile's sympy work: returns the lambdified Jacobian."""
    args = [*model.states, *model.param_symbols, time_symbol]

    def lam(exprs):  # type: ignore[no-untyped-def]
        return sp.lambdify(args, [numeric_form(e) for e in exprs],
                           modules=[_NUMERIC_FUNCTIONS, "numpy"], cse=True, dummify=True)

    jac = lam(list(model.jacobian()))
    lam(list(model.dfdp()))
    rhs = lam(list(model.rhs))
    inplace_factories(list(model.states), list(model.param_symbols),
                      [numeric_form(e) for e in model.rhs], model.name, rhs,
                      [float(v) for v in model.params.values()], cse=sp.cse)
    return jac


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100])
    ap.add_argument("--old-max", type=int, default=50)
    ap.add_argument("--chain", type=int, default=200)
    ap.add_argument("--ode", type=int, default=40)
    ap.add_argument("--ode-old", action="store_true")
    args = ap.parse_args()
    for n in args.sizes:
        model, _ = dense_network(n)
        t0 = time.perf_counter()
        system = compile(model)
        t_new = time.perf_counter() - t0
        line = f"dense n = {n:4d}: new {t_new:7.2f} s"
        if n <= args.old_max:
            fresh, _ = dense_network(n)
            t0 = time.perf_counter()
            jac = old_compile(fresh)
            t_old = time.perf_counter() - t0
            x = np.random.default_rng(1).uniform(0.0, 1.0, n)
            ref = np.array([float(v) for v in jac(*x, 1.0, 0.1, 0.0)]).reshape(n, n)
            diff = float(np.max(np.abs(system.jac(x) - ref)))
            line += (f"   old {t_old:7.2f} s   ratio {t_old / t_new:6.1f}x   "
                     f"max |J_new - J_old| {diff:.1e}")
        else:
            line += "   old (skipped: --old-max)"
        print(line, flush=True)
    if args.chain:
        model = chain(args.chain)
        t0 = time.perf_counter()
        system = compile(model)
        t_new = time.perf_counter() - t0
        x = np.zeros(args.chain)
        print(f"sparse chain n = {args.chain}: new {t_new:.2f} s, "
              f"{system.jac_sparse(x).nnz} structurally nonzero Jacobian entries")
    if args.ode:
        t0 = time.perf_counter()
        model = Model.from_text(ode_network(args.ode), name="ode_net")
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        system = compile(model)
        t_comp = time.perf_counter() - t0
        kind = "matrix form" if system.matrix_form is not None else "symbolic"
        states = [*model.states, *model.param_symbols]
        t0 = time.perf_counter()
        derivative_function([*states, sp.Symbol("t")], model.rhs, list(model.states))
        t_sym = time.perf_counter() - t0
        line = (f".ode all-to-all n = {args.ode}: read {t_load:.2f} s, compile {t_comp:.2f} s "
                f"({kind}); symbolic Jacobian by the forward sweep {t_sym:.2f} s")
        if args.ode_old:
            t0 = time.perf_counter()
            old_compile(model)
            line += f"; old compile {time.perf_counter() - t0:.2f} s"
        print(line, flush=True)


if __name__ == "__main__":
    main()
