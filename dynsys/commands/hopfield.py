"""``dynsys hopfield recall|capacity|scaling|error-correction|fixed-points``.

Defaults are the reference report's protocol: continuous-time Euler-Maruyama with
f = sign, sigma = 0.1, dt = 0.1, the diagonal kept, run to t = 20.
"""

from __future__ import annotations

import argparse
from typing import Any

from dynsys.commands._common import (
    add_format,
    emit,
    emit_json,
    int_at_least,
    parse_float,
    save_plot,
    seed,
)
from dynsys.errors import ModelError

_RULES = ("euler", "synchronous", "asynchronous")
#: Largest network the CLI builds (its weight matrix alone is N^2 * 8 bytes: 800 MB here).
_MAX_UNITS = 10_000


#: argparse ``type``: a positive integer.
_positive_int = int_at_least(1, "a positive integer")


def _units(text: str) -> int:
    """argparse ``type`` of ``--n``: a positive number of units, at most ``_MAX_UNITS``."""
    value = _positive_int(text)
    if value > _MAX_UNITS:
        raise argparse.ArgumentTypeError(f"at most {_MAX_UNITS} units, got {text!r}")
    return value


def _trial_units(text: str) -> int:
    """argparse ``type`` of a sweep's ``--n``: 2 to ``_MAX_UNITS`` units (the library's
    ``n >= 2``, refused here under the flag's name)."""
    value = _units(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected at least 2 units, got {text!r}")
    return value


def _add_protocol(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("protocol (defaults: the report's)")
    g.add_argument("--rule", choices=_RULES, default="euler", help="update rule (euler)")
    g.add_argument("--activation", choices=("sign", "tanh"), default="sign",
                   help="f (sign, with sign(0) = 0)")
    g.add_argument("--beta", default="1", help="gain of tanh (1)")
    g.add_argument("--sigma", default="0.1", help="noise amplitude (0.1)")
    g.add_argument("--dt", default="0.1", help="Euler time step (0.1)")
    g.add_argument("--t-end", dest="t_end", default="20", help="final time (20)")
    g.add_argument("--zero-diagonal", action="store_true", help="remove self-connections")


def _protocol(args: argparse.Namespace) -> Any:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.hopfield.recall import RecallProtocol

    return RecallProtocol(
        rule=args.rule, activation=args.activation, beta=parse_float(args.beta, "--beta"),
        sigma=parse_float(args.sigma, "--sigma"), dt=parse_float(args.dt, "--dt"),
        t_end=parse_float(args.t_end, "--t-end"), zero_diagonal=args.zero_diagonal,
    )


def _describe_protocol(proto: Any) -> str:
    diag = "diagonal zeroed" if proto.zero_diagonal else "diagonal kept"
    if proto.rule.value != "euler":
        return f"protocol: {proto.rule.value} sign updates (noise-free), {diag}"
    gain = f" (beta={proto.beta:g})" if proto.activation.value == "tanh" else ""
    return (f"protocol: euler, f={proto.activation.value}{gain}, sigma={proto.sigma:g}, "
            f"dt={proto.dt:g}, t_end={proto.t_end:g}, {diag}")


def _add_executor(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=_positive_int, metavar="K",
                   help="run tasks on K local processes")
    g.add_argument("--scheduler", metavar="ADDR",
                   help="run tasks on a Dask cluster (e.g. tcp://127.0.0.1:8786)")


def register(sub: argparse._SubParsersAction) -> None:
    hp = sub.add_parser("hopfield", help="Hopfield networks: recall, capacity, scaling")
    hsub = hp.add_subparsers(dest="hopfield_command", metavar="ACTION", required=True)

    p = hsub.add_parser("recall", help="recall a stored pattern from a corrupted copy")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--patterns", default="x,smiley",
                   help="built-in 8x8 patterns to store (x,smiley)")
    g.add_argument("--random", type=_positive_int, metavar="P",
                   help="store P random patterns instead")
    p.add_argument("--n", type=_units, default=64, help="units for --random (64)")
    p.add_argument("--probe", default=None,
                   help="pattern to recall (name or index; default the first)")
    p.add_argument("--flip", default="0.3", help="fraction of bits flipped (0.3)")
    p.add_argument("--random-start", dest="random_start", action="store_true",
                   help="start from a uniform random state in [-1, 1]^N instead")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    _add_protocol(p)
    add_format(p)
    p.add_argument("--plot", metavar="FILE", help="save snapshots, overlaps and energy")
    p.set_defaults(func=run_recall)

    p = hsub.add_parser("capacity", help="recall probability vs number of stored patterns")
    p.add_argument("--n", type=_trial_units, default=64, help="units (64)")
    p.add_argument("--max-patterns", dest="max_patterns", type=_positive_int, default=16,
                   help="largest number of stored patterns (16)")
    p.add_argument("--trials", type=_positive_int, default=1000,
                   help="recall trials per number of patterns (1000)")
    p.add_argument("--flip", default="0.3", help="fraction of bits flipped (0.3)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    _add_protocol(p)
    _add_executor(p)
    add_format(p, ("text", "json", "csv"))
    p.add_argument("--plot", metavar="FILE", help="save the capacity curve")
    p.set_defaults(func=run_capacity)

    p = hsub.add_parser("scaling", help="finite-size scaling: recall vs alpha = P/N")
    p.add_argument("--sizes", default="64,128,256,512,1024,2048",
                   help="N values (64,128,256,512,1024,2048)")
    p.add_argument("--alphas", default=None, help="loads P/N (default 0.02,0.04,...,0.26)")
    p.add_argument("--trials", type=_positive_int, default=100,
                   help="recall trials per N and load (100)")
    p.add_argument("--flip", default="0.1", help="fraction of bits flipped (0.1)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    _add_protocol(p)
    _add_executor(p)
    add_format(p)
    p.add_argument("--plot", metavar="FILE", help="save the scaling figure")
    p.set_defaults(func=run_scaling)

    p = hsub.add_parser("error-correction", help="recall probability vs fraction of flipped bits")
    p.add_argument("--n", type=_trial_units, default=64, help="units (64)")
    p.add_argument("--patterns", dest="n_patterns", type=_positive_int, default=2,
                   help="random patterns stored (2)")
    p.add_argument("--flips", default=None, help="flip fractions (default 0,0.05,...,0.5)")
    p.add_argument("--trials", type=_positive_int, default=200,
                   help="recall trials per flip fraction (200)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    _add_protocol(p)
    _add_executor(p)
    add_format(p)
    p.add_argument("--plot", metavar="FILE", help="save the error-correction curve")
    p.set_defaults(func=run_error_correction)

    p = hsub.add_parser("fixed-points", help="fixed points, energies and stability")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--patterns", default="x,smiley",
                   help="built-in 8x8 patterns to store (x,smiley)")
    g.add_argument("--random", type=_positive_int, metavar="P",
                   help="store P random patterns instead")
    p.add_argument("--n", type=_units, default=64, help="units for --random (64)")
    p.add_argument("--activation", choices=("sign", "tanh"), default="sign",
                   help="f (sign, with sign(0) = 0)")
    p.add_argument("--beta", default="4", help="gain of tanh (4)")
    p.add_argument("--zero-diagonal", action="store_true", help="remove self-connections")
    p.add_argument("--starts", type=_positive_int, default=100,
                   help="random starts of the fixed-point search (100)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    add_format(p)
    p.set_defaults(func=run_fixed_points)


def _network(args: argparse.Namespace, **kw: Any) -> Any:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.hopfield.network import HopfieldNetwork
    from dynsys.hopfield.patterns import random_patterns

    if args.random is not None:
        return HopfieldNetwork(random_patterns(args.random, args.n, rng=args.seed), **kw)
    names = [s.strip() for s in args.patterns.split(",") if s.strip()]
    if not names:
        raise ModelError("--patterns is empty")
    return HopfieldNetwork.from_names(names, **kw)


def run_recall(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.hopfield.recall import recall

    net = _network(args)
    flip = parse_float(args.flip, "--flip")
    target: int | str = 0
    if args.probe is not None:
        target = int(args.probe) if args.probe.strip().isdigit() else args.probe.strip().lower()
    probe = None
    if args.random_start:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        import numpy as np

        probe = np.random.default_rng([args.seed, 1]).uniform(-1.0, 1.0, net.n)
    res = recall(net, target, flip, probe=probe, protocol=_protocol(args), rng=args.seed)
    if args.plot:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.plots.hopfield import plot_recall

        save_plot(args, plot_recall(res))
    if args.format == "json":
        emit_json(args, res)
        return 0
    lines = [
        f"network: N={net.n}, patterns={', '.join(net.pattern_names)}",
        _describe_protocol(res.protocol),
        (f"start: uniform random state (seed {args.seed}), target {res.target}"
         if args.random_start else
         f"probe: {res.target} with {res.flipped_bits} of {net.n} bits flipped (seed {args.seed})"),
        f"exact recall (sign(x(T)) == pattern): {'yes' if res.exact else 'no'}",
        f"final overlap: {res.overlap:.4f} ({'>=' if res.overlap_ok else '<'} 0.9)",
        f"pattern is a fixed point of sign(Wx): {'yes' if res.fixed else 'no'}",
        "final overlaps: " + ", ".join(f"{n}={m:+.3f}" for n, m in
                                       zip(res.pattern_names, res.overlaps[-1], strict=True)),
        f"energy: {res.energy[0]:.4f} -> {res.energy[-1]:.4f}",
    ]
    emit(args, "\n".join(lines))
    return 0


def run_capacity(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.hopfield.capacity import capacity_curve
    from dynsys.sweep import executor_from

    flip = parse_float(args.flip, "--flip")
    proto = _protocol(args)
    with executor_from(args.workers, args.scheduler) as ex:
        curve = capacity_curve(args.n, args.max_patterns, trials=args.trials, flip=flip,
                               protocol=proto, rng=args.seed, executor=ex, progress=True)
    if args.plot:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.plots.hopfield import plot_capacity

        save_plot(args, plot_capacity(curve))
    if args.format == "json":
        emit_json(args, curve)
        return 0
    if args.format == "csv":
        rows = ["patterns,recall,overlap_recall,fixed_recall,ci_low,ci_high,trials"]
        rows += [f"{p.patterns},{p.recall:.6g},{p.overlap_recall:.6g},{p.fixed_recall:.6g},"
                 f"{p.ci_low:.6g},{p.ci_high:.6g},{p.trials}" for p in curve.points]
        emit(args, "\n".join(rows))
        return 0
    d = curve.to_dict()
    lines = [
        f"capacity curve: N={curve.n}, flip={curve.flip:g} ({d['flipped_bits']} bits), "
        f"{curve.trials} trials per point, seed {curve.seed}",
        _describe_protocol(proto),
        f"{'P':>4} {'exact':>7} {'95% CI (Wilson)':>17} {'m>=0.9':>7} {'fixed pt':>8}",
    ]
    lines += [f"{p.patterns:>4} {p.recall:>7.3f}   [{p.ci_low:.3f}, {p.ci_high:.3f}] "
              f"{p.overlap_recall:>7.3f} {p.fixed_recall:>8.3f}" for p in curve.points]
    lines.append(f"largest P with exact recall >= 0.5: {curve.capacity} "
                 f"(0.138 N = {0.138 * curve.n:.1f})")
    emit(args, "\n".join(lines))
    return 0


def _int_list(text: str, what: str) -> list[int]:
    try:
        out = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ModelError(f"{what} expects integers separated by commas, got {text!r}") from None
    if not out or min(out) < 2 or max(out) > _MAX_UNITS:
        raise ModelError(f"{what} needs integers from 2 to {_MAX_UNITS}, got {text!r}")
    return out


def run_scaling(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.hopfield.capacity import scaling_curves
    from dynsys.sweep import executor_from

    sizes = _int_list(args.sizes, "--sizes")
    alphas = None
    if args.alphas:
        alphas = [parse_float(a, "--alphas") for a in args.alphas.split(",") if a.strip()]
        if not alphas or min(alphas) <= 0:
            raise ModelError(f"--alphas needs loads P/N > 0, got {args.alphas!r}")
    with executor_from(args.workers, args.scheduler) as ex:
        res = scaling_curves(sizes, alphas, trials=args.trials,
                             flip=parse_float(args.flip, "--flip"), protocol=_protocol(args),
                             rng=args.seed, executor=ex, progress=True)
    if args.plot:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.plots.hopfield import plot_scaling

        save_plot(args, plot_scaling(res))
    if args.format == "json":
        emit_json(args, res)
        return 0
    emit(args, _scaling_table(res, args))
    return 0


def _scaling_table(res: Any, args: argparse.Namespace) -> str:
    """One row per N: the capacity (largest P with exact recall >= 0.5), its load, the
    AGS and McEliece references, then the recall at each load."""
    # lazy: the library loads when the command runs, not for --help (start-up time)
    import math

    from dynsys.hopfield.capacity import AGS_CAPACITY

    first = res.curves[0]
    head = (f"capacity against N: flip {first.flip:g}, {first.trials} trials per point, "
            "exact recall of every bit (capacity = largest P with recall >= 0.5)")
    cols = f"{'N':>6}  {'capacity P':>10}  {'alpha=P/N':>9}  {'0.138 N':>8}  {'N/(2 ln N)':>10}"
    rows = [head, cols]
    for c in res.curves:
        rows.append(f"{c.n:>6}  {c.capacity:>10d}  {c.capacity / c.n:>9.3f}  "
                    f"{AGS_CAPACITY * c.n:>8.1f}  {c.n / (2 * math.log(c.n)):>10.1f}")
    rows.append("recall by load alpha = P/N:")
    for c in res.curves:
        rows.append(f"{c.n:>6}  " + "  ".join(f"{p.patterns / c.n:.3f}:{p.recall:.2f}"
                                            for p in c.points))
    return "\n".join(rows)


def run_fixed_points(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.hopfield.fixed_points import find_fixed_points

    net = _network(args, activation=args.activation, beta=parse_float(args.beta, "--beta"),
                   zero_diagonal=args.zero_diagonal)
    res = find_fixed_points(net, starts=args.starts, rng=args.seed)
    if args.format == "json":
        emit_json(args, res)
        return 0
    lines = [f"{'label':<28} {'kind':<12} {'stable':<7} {'energy':>10}  method"]
    lines += [f"{p.label:<28} {p.kind.value:<12} {p.stable!s:<7} {p.energy:>10.4f}  {p.method}"
              + (f" (returned {p.returned_fraction:.2f})" if p.returned_fraction is not None
                 else "") for p in res.points]
    emit(args, "\n".join(lines))
    return 0


def run_error_correction(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.hopfield.capacity import error_correction_curve
    from dynsys.sweep import executor_from

    flips = None
    if args.flips:
        flips = [parse_float(f, "--flips") for f in args.flips.split(",") if f.strip()]
    with executor_from(args.workers, args.scheduler) as ex:
        curve = error_correction_curve(args.n, args.n_patterns, flips, trials=args.trials,
                                       protocol=_protocol(args), rng=args.seed, executor=ex,
                                       progress=True)
    if args.plot:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.plots.hopfield import plot_error_correction

        save_plot(args, plot_error_correction(curve))
    if args.format == "json":
        emit_json(args, curve)
        return 0
    lines = [f"error correction: N={curve.n}, P={curve.n_patterns}, {curve.trials} trials",
             f"{'flip':>6} {'exact':>7} {'95% CI (Wilson)':>17} {'m>=0.9':>7}"]
    lines += [f"{f:>6.3f} {p.recall:>7.3f}   [{p.ci_low:.3f}, {p.ci_high:.3f}] "
              f"{p.overlap_recall:>7.3f}" for f, p in zip(curve.flips, curve.points, strict=True)]
    emit(args, "\n".join(lines))
    return 0
