"""Loading and compiling XPPAUT array models: a ring of N rate units, N = 25 ... 200.

``x[1..N]' = -x[j] + f(w*(x[j-1] + x[j+1])/2 + I)`` with the boundary closed by hand,
written the way XPPAUT users write networks. Prints the seconds to read the text into a
Model and to compile it the first time (symbolic Jacobian and numeric kernels), median
of ``REPEAT``, and the ratio to the smallest ring measured in the same run (the machine
is shared and noisy). Issue target: a 100-unit network loads and compiles in seconds.
"""

from __future__ import annotations

import statistics
import time
import warnings

from dynsys import Model, compile

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


def main() -> None:
    warnings.simplefilter("ignore")
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
