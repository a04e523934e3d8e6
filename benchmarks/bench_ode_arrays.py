"""Loading and compiling XPPAUT array models: a ring of N rate units, N = 25 ... 200.

``x[1..N]' = -x[j] + f(w*(x[j-1] + x[j+1])/2 + I)`` with the boundary closed by hand,
written the way XPPAUT users write networks. Prints the seconds to read the text into a
Model and to compile it the first time (symbolic Jacobian and numeric kernels), median
of ``REPEAT``, and the ratio to the smallest ring measured in the same run (the machine
is shared and noisy). Issue target: a 100-unit network loads and compiles in seconds.

Then reading a dense all-to-all network (``--dense``, default n = 40 and 100: the
``.ode`` of ``benchmarks/bench_symbolic.py``, ``n^2`` weights from a table,
``f(g*sum(...)of(w(...)*shift(x0,i')))``), with the reader's fast paths (``exp`` of long
sums, tabulation: ``dynsys.core.odefile._fastfn.FAST_PATHS``) and, measured in the same
process, without them (the same Model; ``--no-baseline`` skips it: n = 100, 10-20 s).
The baseline keeps the other read fixes of issue 14 (a table's "all numbers" decided
once instead of at each lookup, no canonicalizing rebuild in ``Model``, the node budget
that lets n >= 60 be read at all), so it understates the gain over the code before.

    .venv/bin/python benchmarks/bench_ode_arrays.py [--dense 40 100] [--no-baseline]
                                                    [--no-rings]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

from sympy.core.cache import clear_cache

from dynsys import Model, compile
from dynsys.core.odefile import _fastfn

REPEAT = 3


def ring(n: int) -> str:
    return (f"par w=0.8, i=0.3\nf(u) = 1/(1+exp(-4*(u-0.5)))\nx0 = x{n}\nx{n + 1} = x1\n"
            f"x[1..{n}]' = -x[j] + f(w*(x[j-1] + x[j+1])/2 + i)\nx[1..{n}](0)=0.1\n")


def _median(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def dense(n: int) -> str:
    """The all-to-all network of ``benchmarks/bench_symbolic.py`` (``ode_network``)."""
    return (f"par g=1.5, drive=0.2\nf(u)=1/(1+exp(-u))\n"
            f"table w % {n * n} 0 {n * n - 1} 0.3*sin(t*1.7)\n"
            f"x[0..{n - 1}]' = (-x[j] + f(g*sum(0,{n - 1})of(w([j]*{n}+i')*shift(x0,i'))"
            f" + drive))/2\n")


def _read_seconds(text: str, fast: bool) -> tuple[float, Model]:
    _fastfn.FAST_PATHS = fast
    clear_cache()  # sympy's cache would carry objects (and their facts) from the last read
    try:
        start = time.perf_counter()
        model = Model.from_text(text, name="dense")
        return time.perf_counter() - start, model
    finally:
        _fastfn.FAST_PATHS = True


def dense_reads(sizes: list[int], baseline: bool) -> None:
    for n in sizes:
        text = dense(n)
        t_new, model = _read_seconds(text, True)
        line = f"dense .ode n = {n:4d}: read {t_new:6.2f} s"
        if baseline:
            t_old, old = _read_seconds(text, False)
            same = old.rhs == model.rhs
            line += (f"   without the fast paths {t_old:6.2f} s   ratio {t_old / t_new:5.1f}x"
                     f"   same equations: {same}")
        print(line, flush=True)


def main() -> None:
    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dense", type=int, nargs="*", default=[40, 100])
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-rings", action="store_true")
    args = ap.parse_args()
    if args.dense:
        dense_reads(args.dense, not args.no_baseline)
    if args.no_rings:
        return
    base_load = base_compile = None
    for n in (25, 50, 100, 200):
        text = ring(n)
        load = _median(lambda text=text: Model.from_text(text))
        models = iter(Model.from_text(text, name=f"ring{n}_{k}") for k in range(REPEAT))
        comp = _median(lambda models=models: compile(next(models)))  # new model: no cache
        base_load, base_compile = base_load or load, base_compile or comp
        print(f"N = {n:4d}: load {load:7.3f} s ({load / base_load:5.1f}x N=25)   "
              f"compile {comp:7.3f} s ({comp / base_compile:5.1f}x N=25)")


if __name__ == "__main__":
    main()
