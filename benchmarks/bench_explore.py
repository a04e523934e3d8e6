"""Benchmark: the library calls behind one ``dynsys explore`` update and one tap.

For each built-in 2-D model (mutual_excitation, wilson_cowan, fitzhugh_nagumo), one
slider update is :meth:`dynsys.explore.state.PlaneState.updates` after a parameter moved
by 1 %: first the equilibrium search, the table, the nullclines and the direction field
(the page redraws them at once), then the saddles' separatrices (drawn when they
arrive, skipped when the slider has moved on), with the explorer's live settings
(:class:`~dynsys.explore.state.LiveSettings`:
fewer Newton starts and nullcline samples than the CLI's defaults). Each part is also
timed alone, and the same calls with the library's defaults (what ``dynsys phase``
does) for comparison. A tap is :meth:`PlaneState.tap` from a point of the region (Euler
steps of the model's ``dt`` for its ``total``: one run, so :func:`simulate` steps on
scalars, :mod:`dynsys.analysis._euler_point`). Printed: median and best of ``--repeat``
in ms. Targets (issue 16): an update under 100 ms on one core, a tap under 50 ms. The
machine is shared: read the medians with that in mind.

    python benchmarks/bench_explore.py
    python benchmarks/bench_explore.py --repeat 3     # quick
    python benchmarks/bench_explore.py --taps         # the taps alone
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from threadpoolctl import threadpool_limits

from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.phase_plane import direction_field, nullclines, separatrices
from dynsys.core.loading import load_model
from dynsys.explore.state import PlaneState

MODELS = {"mutual_excitation": "I", "wilson_cowan": "P", "fitzhugh_nagumo": "I"}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(median, best) wall time of ``fn()`` in ms."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(times), min(times)


def bench_tap(st: PlaneState, repeat: int) -> tuple[float, float]:
    """(median, best) of a tap at (30 %, 70 %) of the region, in ms."""
    (x0, x1), (y0, y1) = (st.region()[k] for k in st.names)
    st.tap(x0 + 0.3 * (x1 - x0), y0 + 0.7 * (y1 - y0))  # warm-up
    return timed(lambda: st.tap(x0 + 0.3 * (x1 - x0), y0 + 0.7 * (y1 - y0)), repeat)


def bench(name: str, param: str, repeat: int, taps: bool = False
          ) -> dict[str, tuple[float, float]]:
    st = PlaneState(load_model(name))
    if taps:
        st.analyse()
        return {"tap": bench_tap(st, repeat)}
    base = st.params[param]  # type: ignore[index]
    st.analyse()  # warm-up: compilation and caches
    flip = {"k": 0}

    first: list[float] = []

    def update() -> None:
        flip["k"] += 1
        st.set_param(param, base * (1.01 if flip["k"] % 2 else 1.0))
        t0 = time.perf_counter()
        parts = st.updates()
        next(parts)
        first.append(1e3 * (time.perf_counter() - t0))
        for _ in parts:
            pass

    st.set_param(param, base)
    live = st.live
    p, reg, sys_ = dict(st.params or {}), st.region(), st.system
    eq = find_equilibria(sys_, p, reg, n_starts=live.n_starts, rounds=live.rounds,
                         sim_starts=live.sim_starts)
    whole = timed(update, repeat)
    out = {
        "update, first paint (eq + table + nullclines + field)":
            (statistics.median(first), min(first)),
        "update, with the separatrices": whole,
        "  equilibria": timed(lambda: find_equilibria(
            sys_, p, reg, n_starts=live.n_starts, rounds=live.rounds,
            sim_starts=live.sim_starts), repeat),
        "  nullclines": timed(lambda: nullclines(sys_, p, reg,
                                                 points=live.nullcline_points), repeat),
        "  field": timed(lambda: direction_field(sys_, p, reg, n=live.field_n), repeat),
        "  separatrices": timed(lambda: separatrices(sys_, eq, p, reg), repeat),
        "CLI defaults (eq + nullclines + separatrices)": timed(lambda: separatrices(
            sys_, find_equilibria(sys_, p, reg), p, reg) and nullclines(sys_, p, reg),
            repeat),
    }
    out["tap"] = bench_tap(st, repeat)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("--taps", action="store_true", help="time the taps alone")
    args = ap.parse_args()
    with threadpool_limits(1):  # one core, as the target says
        for name, param in MODELS.items():
            print(f"{name} (slider: {param}), ms median / best of {args.repeat}")
            for what, (med, best) in bench(name, param, args.repeat, args.taps).items():
                print(f"  {what:<56s} {med:8.1f} / {best:8.1f}")


if __name__ == "__main__":
    main()
