"""Benchmark: Euler / Euler-Maruyama on mutual_excitation, 10,000 runs x 2,000 steps.

Prints the time of ``dynsys.analysis.simulate`` and its ratio, measured in this same process,
to (a) a per-trajectory pure-Python loop as a student would write it (timed on a
subset and extrapolated linearly), and (b) a hand-written vectorized numpy loop.
Each figure is the best of ``--repeat`` runs (the machine is shared, so absolute
times are noisy; ratios measured side by side are the figures to read).

    python benchmarks/bench_simulate.py                 # the full size
    python benchmarks/bench_simulate.py --runs 2000 --steps 500 --repeat 1   # quick
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from dynsys.analysis.simulate import simulate
from dynsys.core.loading import load_model
from dynsys.core.system import compile

W1 = W2 = 0.4
I_EXT = -10.0
DT = 0.1


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def f(s: float) -> float:
    """The activation, as the course writes it."""
    return 50 / (1 + np.exp(-s))


def student_loop(starts: np.ndarray, steps: int, sigma: float, seed: int) -> np.ndarray:
    """(a) What a student writes: per trajectory, per step, f() with np.exp on scalars,
    the trajectory stored in arrays (as needed to plot it)."""
    rng = np.random.default_rng(seed)
    finals = []
    for x0, y0 in starts:
        x = np.zeros(steps + 1)
        y = np.zeros(steps + 1)
        x[0], y[0] = x0, y0
        for k in range(steps):
            x[k + 1] = x[k] + DT * (-x[k] + f(W2 * y[k] + I_EXT))
            y[k + 1] = y[k] + DT * (-y[k] + f(W1 * x[k] + I_EXT))
            if sigma:
                x[k + 1] += sigma * np.sqrt(DT) * rng.standard_normal()
                y[k + 1] += sigma * np.sqrt(DT) * rng.standard_normal()
        finals.append((x[-1], y[-1]))
    return np.array(finals)


def tight_python_loop(starts: np.ndarray, steps: int, sigma: float, seed: int) -> np.ndarray:
    """(a') A tight pure-Python loop: floats, math.exp, nothing stored."""
    rng = np.random.default_rng(seed)
    finals = []
    for x0, y0 in starts:
        x, y = float(x0), float(y0)
        for _ in range(steps):
            fx = -x + 50 / (1 + math.exp(-(W2 * y + I_EXT)))
            fy = -y + 50 / (1 + math.exp(-(W1 * x + I_EXT)))
            if sigma:
                xi = rng.standard_normal(2)
                x, y = (x + DT * fx + sigma * math.sqrt(DT) * xi[0],
                        y + DT * fy + sigma * math.sqrt(DT) * xi[1])
            else:
                x, y = x + DT * fx, y + DT * fy
        finals.append((x, y))
    return np.array(finals)


def numpy_loop(starts: np.ndarray, steps: int, sigma: float, seed: int) -> np.ndarray:
    """(b) The vectorized numpy loop one writes by hand: all runs at once, per step."""
    rng = np.random.default_rng(seed)
    x, y = starts[:, 0].copy(), starts[:, 1].copy()
    noise = sigma * np.sqrt(DT)
    for _ in range(steps):
        if sigma:
            xi = rng.standard_normal((2, x.size))
            x, y = (x + DT * (-x + 50 / (1 + np.exp(-(W2 * y + I_EXT)))) + noise * xi[0],
                    y + DT * (-y + 50 / (1 + np.exp(-(W1 * x + I_EXT)))) + noise * xi[1])
        else:
            x, y = (x + DT * (-x + 50 / (1 + np.exp(-(W2 * y + I_EXT)))),
                    y + DT * (-y + 50 / (1 + np.exp(-(W1 * x + I_EXT)))))
    return np.stack([x, y], axis=1)


class PlainSystem:
    """The compiled system without its in-place kernels (lambdify path, for reference)."""

    def __init__(self, sys) -> None:
        self._sys = sys
        for name in ("name", "state_names", "param_names", "default_params", "region",
                     "is_smooth", "is_autonomous", "n"):
            setattr(self, name, getattr(sys, name))

    def rhs(self, x, p=None, t=0.0):
        return self._sys.rhs(x, p, t)

    def jac(self, x, p=None, t=0.0):
        return self._sys.jac(x, p, t)

    def dfdp(self, x, p=None, t=0.0):
        return self._sys.dfdp(x, p, t)

    def noise_amplitude(self, p=None):
        return self._sys.noise_amplitude(p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=2_000)
    parser.add_argument("--student-runs", type=int, default=20,
                        help="trajectories timed for (a), extrapolated to --runs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sigma", type=float, default=1.0)
    args = parser.parse_args()

    model = load_model("mutual_excitation")
    sys = compile(model)
    starts = np.random.default_rng(0).uniform(0, 50, size=(args.runs, 2))
    t_end = args.steps * DT
    work = args.runs * args.steps
    print(f"mutual_excitation: {args.runs} trajectories x {args.steps} Euler steps "
          f"(dt = {DT}), best of {args.repeat}")
    print(f"(a) = per-trajectory Python loop as a student writes it (np.exp on scalars, "
          f"arrays per trajectory); (a') = tight pure-Python loop (math.exp, floats); both "
          f"timed on {args.student_runs} trajectories and extrapolated linearly to {args.runs}")
    print("(b) = hand-written vectorized numpy loop on (runs,) arrays")
    for sigma in (0.0, args.sigma):
        label = "noiseless (Euler)" if sigma == 0 else f"noise sigma = {sigma:g} (Euler-Maruyama)"

        def ours(sigma=sigma):
            return simulate(sys, starts, t_end, dt=DT, sigma=sigma, rng=1,
                            save_every=args.steps).final

        t_ours, final = best_of(args.repeat, ours)
        t_hand, hand = best_of(args.repeat, lambda s=sigma: numpy_loop(starts, args.steps, s, 1))
        t_plain, _ = best_of(1, lambda s=sigma: simulate(
            PlainSystem(sys), starts, t_end, dt=DT, sigma=s, rng=1, save_every=args.steps))
        sub = starts[: args.student_runs]
        t_sub, student = best_of(1, lambda s=sigma, sub=sub: student_loop(sub, args.steps, s, 1))
        t_student = t_sub * args.runs / len(sub)
        t_sub2, tight = best_of(1, lambda s=sigma, sub=sub: tight_python_loop(sub, args.steps,
                                                                              s, 1))
        t_tight = t_sub2 * args.runs / len(sub)
        print(f"\n{label}")
        print(f"  dynsys.analysis.simulate             {t_ours:8.3f} s  "
              f"({t_ours / work * 1e9:5.2f} ns per trajectory-step)")
        print(f"  (b) numpy loop              {t_hand:8.3f} s  "
              f"({t_hand / work * 1e9:5.2f} ns per trajectory-step)")
        print(f"  (a) student Python loop     {t_student:8.1f} s  (extrapolated from "
              f"{t_sub:.2f} s for {len(sub)} trajectories)")
        print(f"  (a') tight Python loop      {t_tight:8.1f} s  (extrapolated from "
              f"{t_sub2:.2f} s for {len(sub)} trajectories)")
        print(f"  dynsys plain lambdify path  {t_plain:8.3f} s  (no in-place kernel; reference)")
        print(f"  ratio dynsys / (b)          {t_ours / t_hand:8.2f}x   (aim <= 0.8x)")
        print(f"  speed-up over (a)           {t_student / t_ours:8.0f}x   (aim >= 100x)")
        print(f"  speed-up over (a')          {t_tight / t_ours:8.0f}x")
        if sigma == 0:
            diff = np.max(np.abs(final - hand) / np.maximum(np.abs(hand), 1.0))
            scale = np.maximum(np.abs(student), 1.0)
            diff_a = np.max(np.abs(final[: len(sub)] - student) / scale)
            diff_t = np.max(np.abs(final[: len(sub)] - tight) / scale)
            print(f"  agreement: max relative difference to (b) {diff:.1e}, to (a) {diff_a:.1e}, "
                  f"to (a') {diff_t:.1e}")


if __name__ == "__main__":
    main()
