"""Cycle-branch benchmark: FitzHugh-Nagumo in I, first Hopf point -> both folds -> second.

Issue 12 (Performance). Compared in the same process:

* **AUTO-07p** (the reference implementation; ``tests/_auto07p.py`` builds and runs it):
  equilibrium run + periodic run from the first Hopf point with ``NTST=100, NCOL=4``,
  ``EPSL=EPSU=1e-10``, ``EPSS=1e-9``, exact Jacobian; the wall time of AUTO alone
  (subprocess, compile excluded) on the branch up to its end at the second Hopf point
  (``NMX`` set to that point), the number of points and the folds of cycles (the
  parameter's extremes; both FitzHugh-Nagumo folds are canard-flat, I constant to
  1e-10 while the period varies by ~6, so AUTO's own LP test steps over them).
* **Single shooting** (``benchmarks/_shooting.py``): ``solve_ivp`` (DOP853, rtol 1e-10) +
  Newton with the variational Jacobian + pseudo-arclength in (x0, T, I), from each Hopf
  point in turn (single shooting cannot cross the canard: where a run gets stuck is
  printed), time-limited.
* **dynsys** ``continue_cycles`` with default settings: :func:`dynsys_branch` (prints
  "dynsys: not available yet" until it exists), with its ratios to both baselines.

Aim (issue 12): the whole branch in under 3 s on one core, folds to 1e-6, >= 5x faster
than shooting and faster than AUTO at equal fold accuracy.

Run: ``.venv/bin/python benchmarks/bench_cycles.py [--shooting-limit S] [--no-shooting]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import _auto07p  # noqa: E402
import _shooting  # noqa: E402

PARAM, RANGE = "I", (0.0, 1.6)


def _folds(folds: list[dict[str, Any]]) -> str:
    return ", ".join(f"I={f['param']:.10f} (T={f['period']:.4f})" for f in folds) or "none"


def auto_reference() -> dict[str, Any] | None:
    """AUTO-07p on the branch: time, points, folds, Hopf points (None without AUTO)."""
    if not _auto07p.available():
        print(f"AUTO-07p: skipped ({_auto07p.unavailable_reason()})")
        return None
    res = _auto07p.cycle_branch("fitzhugh_nagumo", PARAM, {PARAM: RANGE[0]}, RANGE,
                                profiles=False, timing=True)
    br = res["cycle_branches"][0]
    eq_time = res["equilibria"]["time"]
    out = {"time": eq_time + br["time_to_end"], "points": br["points"],
           "folds": sorted(br["folds"], key=lambda f: f["param"]),
           "hopf": [h["param"] for h in res["hopf"]], "end": br["end"]}
    print(f"AUTO-07p: {out['time']:.3f} s wall ({eq_time:.3f} s equilibria + "
          f"{br['time_to_end']:.3f} s cycles), {out['points']} points, "
          f"end {br['end']['type']} at I={br['end']['param']:.10f}")
    print(f"  Hopf points: {', '.join(f'I={h:.10f}' for h in out['hopf'])}")
    print(f"  folds of cycles: {_folds(out['folds'])}")
    return out


def shooting_baseline(limit: float) -> dict[str, Any]:
    """Single shooting from each Hopf point (each run at most ``limit`` s)."""
    total, points, folds = 0.0, 0, []
    for h in (0, 1):
        r = _shooting.continue_branch(hopf=h, time_limit=limit)
        total += r["time"]
        points += r["points"]
        folds += r["folds"]
        print(f"shooting from Hopf {h + 1}: {r['time']:.2f} s, {r['points']} points "
              f"({r['failed_steps']} failed steps, {r['nfev']} rhs calls), end "
              f"{r['end']['type']} at I={r['end']['param']:.10f}, T={r['end']['period']:.3f}")
        print(f"  folds: {_folds(r['folds'])}")
    folds.sort(key=lambda f: f["param"])
    print(f"shooting total: {total:.2f} s, {points} points")
    return {"time": total, "points": points, "folds": folds}


def dynsys_branch(auto: dict[str, Any] | None, shoot: dict[str, Any] | None) -> None:
    """dynsys's continue_cycles on the same branch, with ratios to both baselines.

    LEAD: plug dynsys's run in here (Hopf point from continue_equilibria, then
    continue_cycles with default settings), fill ``folds`` with the fold_of_cycles
    special points' parameter values.
    """
    try:
        from dynsys.bifurcation import continue_cycles
    except ImportError:
        print("dynsys: not available yet")
        return
    from dynsys import compile, load_model
    from dynsys.bifurcation.continuation import continue_equilibria

    system = compile(load_model("fitzhugh_nagumo"))
    t0 = time.perf_counter()
    eq = continue_equilibria(system, PARAM, _shooting.equilibrium(RANGE[0]), RANGE,
                             params={PARAM: RANGE[0]})
    hopf = eq.points("hopf")[0]
    branch = continue_cycles(system, PARAM, hopf, RANGE)
    elapsed = time.perf_counter() - t0
    folds = sorted(sp.params[PARAM] for sp in branch.special_points
                   if str(getattr(sp.type, "value", sp.type)) == "fold_of_cycles")
    n = len(getattr(branch, "values", ()))
    print(f"dynsys: {elapsed:.3f} s, {n} points, folds "
          f"{', '.join(f'I={f:.10f}' for f in folds) or 'none'}")
    for name, ref in (("AUTO-07p", auto), ("shooting", shoot)):
        if ref:
            err = (max(abs(a - b["param"]) for a, b in zip(folds, ref["folds"], strict=True))
                   if len(folds) == len(ref["folds"]) else float("nan"))
            print(f"  vs {name}: time ratio dynsys/{name} = {elapsed / ref['time']:.3f}, "
                  f"max fold difference {err:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shooting-limit", type=float, default=200.0,
                        help="wall-time limit of each shooting run, s (default 200)")
    parser.add_argument("--no-shooting", action="store_true", help="skip the shooting runs")
    args = parser.parse_args()
    auto = auto_reference()
    shoot = None if args.no_shooting else shooting_baseline(args.shooting_limit)
    dynsys_branch(auto, shoot)


if __name__ == "__main__":
    main()
