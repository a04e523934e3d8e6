"""Benchmark: certified equilibria (interval branch-and-prune with Krawczyk certificates).

Systems: mutual_excitation (2-D, 3 equilibria) on its region, and the winner-take-all
networks of 3 and 4 units of ``benchmarks/bench_equilibria.py`` (``x_i' = -x_i +
S(a x_i - b sum_{j != i} x_j + I)``, logistic ``S``, many equilibria) on the unit box,
with a = 10, b = 2, I = -5 and, steeper, a = 40, b = 8, I = -20.
Printed per system: boxes examined, time (best of ``--repeat``), roots certified,
undecided clusters and their volume (fraction of the box), and how many of the
probabilistic search's roots were certified. Aim (issue 15): the 2-D model under 1 s,
the 4-unit network under 60 s on one core, nothing undecided away from folds.

    python benchmarks/bench_certify.py
    python benchmarks/bench_certify.py --repeat 1 --units 3     # quick
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from dynsys.analysis.certify import certify_box
from dynsys.analysis.equilibria import find_equilibria
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.system import compile

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from bench_equilibria import winner_take_all  # noqa: E402 - the same networks


def run(model: Model, repeat: int) -> dict[str, Any]:
    system = compile(model)
    names = system.state_names
    lo = np.array([model.region[k][0] for k in names], dtype=float)
    hi = np.array([model.region[k][1] for k in names], dtype=float)
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = certify_box(system, system.default_params, lo, hi)
        best = min(best, time.perf_counter() - start)
    assert out is not None
    search = find_equilibria(model, certify=False)
    return {"model": model.name, "boxes": out.boxes, "seconds": best,
            "certified": len(out.roots), "undecided": len(out.clusters),
            "volume": out.undecided_volume, "search": len(search),
            "stability": sum(r.stability_certified for r in out.roots)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--units", type=int, nargs="*", default=[3, 4])
    args = ap.parse_args()
    models = [load_model("mutual_excitation"), *(winner_take_all(n) for n in args.units)]
    # steeper: a = 40, b = 8, I = -20 (S(s) switches over |s| < ~0.1, 1% of the box)
    models += [winner_take_all(n, 40.0, 8.0, -20.0).replace(name=f"wta{n}-steep")
               for n in args.units]
    print(f"{'model':<18} {'boxes':>8} {'time (s)':>9} {'certified':>9} {'stab.':>6} "
          f"{'search':>6} {'undecided':>9} {'und. volume':>11}")
    for model in models:
        r = run(model, args.repeat)
        print(f"{r['model']:<18} {r['boxes']:>8} {r['seconds']:>9.3f} {r['certified']:>9} "
              f"{r['stability']:>6} {r['search']:>6} {r['undecided']:>9} {r['volume']:>11.2e}")


if __name__ == "__main__":
    main()
