"""Benchmark: continuation of large sparse networks, dense against sparse bordered solves.

    .venv/bin/python benchmarks/bench_sparse_continuation.py [--n 2000] [--no-ei]

Printed, all measured in this process:

* a chain of ``n / 2`` coupled pairs (block-diagonal W with blocks [[2.5, 2.5],
  [2.5, 2.5]], logistic f; two pairs with inputs 0 and 0.5 fold inside I0 in [-4, -1],
  the others sit at input -8), continued in ``I0``: the sparse path (``splu`` of the
  bordered matrix, :mod:`dynsys.bifurcation._bordered`) against the dense path forced by
  the threshold (``SPARSE_STATES`` raised), at n = 1000 and ``--n`` (the dense path only
  up to ``--dense-max``, default 1000); the folds found and the branches' difference;
* the E-I network of ``bench_networks.py`` (n = 1000, 10 % dense): the path chosen
  (dense: the Jacobian is denser than ``SPARSE_DENSITY``) and its time, against the
  sparse path forced (``SPARSE_DENSITY`` raised), with the same special points.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sps
import sympy as sp
from bench_networks import ei_weights

import dynsys.bifurcation._bordered as bordered
from dynsys import RateNetwork, continue_equilibria, simulate
from dynsys.errors import DynsysError

S = sp.Symbol("s")
F = 1 / (1 + sp.exp(-S))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    try:
        out = fn()
    except DynsysError as exc:
        out = exc
    return time.perf_counter() - t0, out


def pair_chain(n: int) -> tuple[RateNetwork, np.ndarray]:
    off = np.zeros(n - 1)
    off[0::2] = 2.5
    w = sps.diags([np.full(n, 2.5), off, off], [0, 1, -1], format="csr")
    inputs = np.full(n, -8.0)
    inputs[:2] = 0.0
    inputs[2:4] = 0.5
    x = np.zeros(n)
    for _ in range(200):  # the low state at I0 = -4 (a contraction there)
        x = 1 / (1 + np.exp(-(5 * x + inputs - 4.0)))
    return RateNetwork(w, F, I=inputs, name=f"pairs{n}"), x


def describe(br: Any) -> str:
    if isinstance(br, Exception):
        return f"failed: {br}"
    folds = ", ".join(f"{p.params['I0']:.10f}" + ("" if p.located else " (not located)")
                      for p in br.points("fold"))
    return f"{len(br)} points, solver {br.linear_solver!r}, folds at I0 = {folds}"


def with_setting(name: str, value: float, fn: Callable[[], Any]) -> tuple[float, Any]:
    saved = getattr(bordered, name)
    setattr(bordered, name, value)
    try:
        return timed(fn)
    finally:
        setattr(bordered, name, saved)


def chain(n: int, dense_max: int) -> None:
    net, x0 = pair_chain(n)

    def run() -> Any:
        return continue_equilibria(net, "I0", x0, (-4.0, -1.0), params={"I0": -4.0})

    t_sp, br_sp = timed(run)
    print(f"pair chain n = {n}, {2 * n} nonzeros in W:")
    print(f"  sparse path {t_sp:.2f} s: {describe(br_sp)}", flush=True)
    if n > dense_max:
        print(f"  dense path skipped (n > --dense-max {dense_max}: minutes of dense solves)")
        return
    t_de, br_de = with_setting("SPARSE_STATES", 10**9, run)
    print(f"  dense path  {t_de:.2f} s: {describe(br_de)}", flush=True)
    if not isinstance(br_de, Exception) and len(br_de) == len(br_sp):
        print(f"  ratio dense / sparse {t_de / t_sp:.1f}x; max |difference| of points "
              f"{float(np.max(np.abs(br_de.states - br_sp.states))):.1e}")


def ei() -> None:
    n = 1000
    rng = np.random.default_rng(1)
    w = ei_weights(n)
    net = RateNetwork(w, F, I=rng.normal(0.5, 0.2, n), name="ei")
    start = simulate(net, np.full(n, 0.5), 50.0, dt=0.1, params={"I0": -2.0},
                     save_every=500).final[0]

    def run() -> Any:
        return continue_equilibria(net, "I0", start, (-2.0, 2.0), params={"I0": -2.0})

    t_auto, br = timed(run)
    print(f"E-I n = {n}, density {w.nnz / n**2:.0%} (threshold "
          f"{bordered.SPARSE_DENSITY:.0%}): chosen path {t_auto:.2f} s: {describe(br)}",
          flush=True)
    t_sp, br_sp = with_setting("SPARSE_DENSITY", 1.0, run)
    print(f"  sparse path forced {t_sp:.2f} s: {describe(br_sp)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--dense-max", type=int, default=1000,
                    help="run the forced dense path only up to this n")
    ap.add_argument("--no-ei", action="store_true")
    args = ap.parse_args()
    for n in sorted({1000, args.n}):
        chain(n, args.dense_max)
    if not args.no_ei:
        ei()


if __name__ == "__main__":
    main()
