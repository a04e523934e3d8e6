"""Benchmark: find and classify every equilibrium, against a naive fsolve multistart.

Systems: mutual_excitation (3 equilibria), and winner-take-all networks of 3 and 4
units (self-excitation plus mutual inhibition, ``dx_i/dt = -x_i + S(a x_i -
b sum_{j != i} x_j + I)`` with a logistic ``S``, many equilibria). The baseline runs
``scipy.optimize.fsolve`` (with the exact Jacobian) from the same number of starts
``find_equilibria`` used (uniform random in the region), keeps converged points with
a residual below 1e-8 inside the region, de-duplicates them and classifies each with
the same eigenvalue code. Printed: time (best of ``--repeat``), equilibria found by
each, and the time ratio measured in this same process (the machine is shared;
ratios are the figures to read).

    python benchmarks/bench_equilibria.py
    python benchmarks/bench_equilibria.py --repeat 1     # quick
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
from scipy.optimize import fsolve

from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.stability import stability
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.symbols import symbols
from dynsys.core.system import compile


def winner_take_all(n: int, a: float = 10.0, b: float = 2.0, i_ext: float = -5.0) -> Model:
    """n units, self-excitation a, mutual inhibition b, input I, logistic rate in (0, 1)."""
    xs = symbols(" ".join(f"x{k}" for k in range(1, n + 1)))
    al, be, ii = symbols("alpha beta I")
    eqs = {
        x: -x + 1 / (1 + sp.exp(-(al * x - be * sum(y for y in xs if y is not x) + ii)))
        for x in xs
    }
    return Model(eqs, params={al: a, be: b, ii: i_ext}, name=f"wta{n}",
                 region=dict.fromkeys(xs, (0.0, 1.0)))


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def naive_fsolve(model: Model, starts: int, seed: int = 0) -> list[tuple[np.ndarray, str]]:
    """The usual approach: fsolve from many random guesses, keep the distinct roots."""
    sys_ = compile(model)
    lo = np.array([model.region[s][0] for s in model.state_names])
    hi = np.array([model.region[s][1] for s in model.state_names])
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = []

    def f(x: np.ndarray) -> np.ndarray:
        return sys_.rhs(x)

    def jac(x: np.ndarray) -> np.ndarray:
        return sys_.jac(x)

    for x0 in lo + (hi - lo) * rng.random((starts, len(lo))):
        with np.errstate(all="ignore"):
            x, _info, ier, _msg = fsolve(f, x0, fprime=jac, full_output=True, xtol=1e-12)
        if ier != 1 or np.max(np.abs(f(x))) > 1e-8:
            continue
        if np.any(x < lo - 1e-9) or np.any(x > hi + 1e-9):
            continue
        if any(np.max(np.abs(x - y)) < 1e-6 for y in found):
            continue
        found.append(x)
    return [(x, stability(jac(x)).kind.value) for x in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    systems = [load_model("mutual_excitation"), winner_take_all(3), winner_take_all(4)]
    print(f"{'system':<18}{'starts':>7}{'dynsys [s]':>12}{'found':>7}{'fsolve [s]':>12}"
          f"{'found':>7}{'ratio':>8}")
    for model in systems:
        compile(model)  # compile once, outside the timings
        t_ours, eq = best_of(args.repeat, lambda m=model: find_equilibria(m, rng=0))
        t_naive, roots = best_of(args.repeat,
                                 lambda m=model, k=eq.starts: naive_fsolve(m, k))
        print(f"{model.name:<18}{eq.starts:>7}{t_ours:>12.3f}{len(eq):>7}{t_naive:>12.3f}"
              f"{len(roots):>7}{t_naive / t_ours:>7.1f}x")
        kinds: dict[str, int] = {}
        for e in eq:
            kinds[e.label] = kinds.get(e.label, 0) + 1
        print(f"{'':<18}dynsys kinds: " + ", ".join(f"{k}: {v}" for k, v in kinds.items())
              + f"; Newton failures {eq.newton_failures}")


if __name__ == "__main__":
    main()
