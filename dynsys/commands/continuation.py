"""``dynsys continue``: branches of equilibria in one parameter, fold/Hopf curves in two.

One parameter (all branches met in the interval, with folds, Hopf and branch points)::

    dynsys continue mutual_excitation --param I --range -20:0 [--set w1=0.5] [--json]

With ``--cycles``, a branch of periodic orbits is continued from every Hopf point on
them (:func:`dynsys.bifurcation.cycle_branch.continue_cycles`), within the same range:
period, max/min, Floquet multipliers, folds of cycles, period doublings, Neimark-Sacker
points and the ends (Hopf, bound, homoclinic). ``--simulate-cycles N`` samples limit
cycles by simulation instead (marked simulated)::

    dynsys continue wilson_cowan --param P --range 0:3 --cycles --plot wc_cycles.png

Two parameters (``--fold`` and/or ``--hopf``): the branches are first traced in the
**second** parameter at the first one's value (its default or ``--set``); every fold
(Hopf point) found is then continued in both parameters, with cusp and
Bogdanov-Takens points located on the curves. ``--map N1,N2`` adds the number of
equilibria on a grid (the region map, drawn under the fold curves)::

    dynsys continue self_excitation --fold --params w,I --range w=0:1,I=-5:0 \
        --map 101,101 --plot figure5.png
"""

from __future__ import annotations

import argparse
from typing import Any

from dynsys.commands._common import (
    UNIT_HELP,
    add_format,
    add_model,
    add_set,
    emit,
    emit_json,
    figure_unit,
    load_with_params,
    parse_float,
    parse_range,
    parse_region,
    save_plot,
)
from dynsys.errors import ModelError


def special_points_table(points: list[Any]) -> str:
    """LaTeX table of special points (see :func:`dynsys.bifurcation.diagram.latex_table`)."""
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.bifurcation.diagram import latex_table

    return latex_table(points)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "continue",
        help="continue equilibria in a parameter (folds, Hopf); fold/Hopf curves in two",
        description="Trace all branches of equilibria over a parameter interval and locate "
        "folds, Hopf and branch points; with --fold/--hopf, continue those in two parameters "
        "(the branch is traced in the second parameter first) and locate cusp and "
        "Bogdanov-Takens points.",
    )
    add_model(p)
    p.add_argument("--param", metavar="NAME", help="the parameter to vary (one-parameter mode)")
    p.add_argument("--range", dest="range_", metavar="LO:HI",
                   help="parameter interval (LO:HI); with --params: NAME=LO:HI,NAME=LO:HI")
    p.add_argument("--fold", action="store_true", help="continue fold curves in two parameters")
    p.add_argument("--hopf", action="store_true", help="continue Hopf curves in two parameters")
    p.add_argument("--params", metavar="P1,P2", help="the two parameters of --fold/--hopf")
    add_set(p)
    p.add_argument("--region", metavar="x=LO:HI,...", help="state box (default: the model's)")
    p.add_argument("--start", metavar="x=V,...",
                   help="continue only the branch through this equilibrium guess")
    p.add_argument("--samples", type=int, default=5, metavar="N",
                   help="parameter values where all equilibria are searched (default 5)")
    p.add_argument("--cycles", action="store_true",
                   help="continue a branch of periodic orbits from every Hopf point found "
                   "(period, max/min, Floquet multipliers, folds of cycles, period doubling, "
                   "Neimark-Sacker, homoclinic ends); takes no value (the former --cycles N "
                   "is --simulate-cycles N); default: off")
    p.add_argument("--simulate-cycles", dest="simulate_cycles", type=int, default=0,
                   metavar="N",
                   help="simulate N parameter values to draw limit cycles (marked simulated; "
                   "default 0: none)")
    p.add_argument("--map", metavar="N1,N2",
                   help="with --fold: also count equilibria on an N1 x N2 grid of the two "
                   "ranges (the region map, drawn under the fold curves by --plot)")
    p.add_argument("--ds-max", type=float, default=None, metavar="DS",
                   help="largest arclength step (default: automatic)")
    add_format(p, ("text", "json", "latex"))
    p.add_argument("--plot", metavar="FILE", help="write the diagram (png, pdf, svg)")
    p.add_argument("--unit", default=None, help=UNIT_HELP)
    p.set_defaults(func=run)


def _default_range(value: float) -> tuple[float, float]:
    half = 5 * max(1.0, abs(value))
    return value - half, value + half


def _settings(args: argparse.Namespace) -> Any:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.bifurcation.continuation import ContinuationSettings

    if args.ds_max is None:
        return None
    if not args.ds_max > 0:
        raise ModelError(f"--ds-max must be positive, got {args.ds_max}")
    return ContinuationSettings(ds_max=args.ds_max, ds0=min(args.ds_max / 10, 0.05))


def _parse_start(text: str, names: tuple[str, ...]) -> list[float]:
    values = {}
    for part in filter(None, (s.strip() for s in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in names:
            raise ModelError(f"--start expects NAME=VALUE for the states {', '.join(names)}, "
                             f"got {part!r}")
        values[name.strip()] = parse_float(value, f"--start {name.strip()}")
    missing = [n for n in names if n not in values]
    if missing:
        raise ModelError(f"--start misses {', '.join(missing)}")
    return [values[n] for n in names]


def run(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.core.system import compile

    model, params = load_with_params(args)
    system = compile(model)
    region = parse_region(args.region, "--region") if args.region is not None else None
    if args.samples < 1:
        raise ModelError(f"--samples must be at least 1, got {args.samples}")
    if args.simulate_cycles < 0:
        raise ModelError(f"--simulate-cycles must not be negative, got {args.simulate_cycles}")
    if args.fold or args.hopf:
        if args.cycles or args.simulate_cycles:
            raise ModelError("--cycles and --simulate-cycles belong to one-parameter "
                             "continuation (--param P --range LO:HI), not to --fold/--hopf")
        return _two_parameter(args, system, params, region)
    if args.params:
        raise ModelError("--params needs --fold or --hopf (one-parameter mode uses --param)")
    if not args.param:
        raise ModelError("give --param NAME --range LO:HI, or --fold --params P1,P2")
    if args.param not in system.param_names:
        raise ModelError(f"--param {args.param}: not a parameter of {system.name} "
                         f"(parameters: {', '.join(system.param_names)})")
    if not args.range_:
        raise ModelError("--range LO:HI is required with --param")
    if args.cycles and getattr(system, "is_smooth", True) is False:
        raise ModelError(f"--cycles needs a smooth model: {system.name} has a non-smooth "
                         "right-hand side (a sign, step, min/max, comparison or table), where "
                         "periodic orbits cannot be continued by collocation; use "
                         "--simulate-cycles N to sample its cycles by simulation")
    lo, hi = parse_range(args.range_)
    return _one_parameter(args, system, params, region, lo, hi)


def _one_parameter(args: argparse.Namespace, system: Any, params: dict, region: Any,
                   lo: float, hi: float) -> int:
    # lazy: numpy and the library load when the command runs, not for --help (start-up time)
    import dataclasses

    import numpy as np

    from dynsys.analysis.stability import unstable_mask
    from dynsys.bifurcation.continuation import continue_equilibria
    from dynsys.bifurcation.diagram import (
        BifurcationDiagram,
        bifurcation_diagram,
        hopf_cycle_branches,
    )
    from dynsys.bifurcation.simulated_cycles import simulated_cycles

    settings = _settings(args)
    if args.start:
        x0 = _parse_start(args.start, tuple(system.state_names))
        start_params = dict(params)
        start_params.setdefault(args.param, min(max(
            float(system.default_params[system.param_names.index(args.param)]), lo), hi))
        br = continue_equilibria(system, args.param, x0, (lo, hi), settings, start_params,
                                 region=region)
        diagram = BifurcationDiagram(
            model=system.name, param=args.param, bounds=(lo, hi),
            params={k: v for k, v in br.params.items() if k != args.param},
            branches=(br,), samples=np.array([start_params[args.param]]))
    else:
        diagram = bifurcation_diagram(system, args.param, (lo, hi), params=params,
                                      region=region, n_samples=args.samples,
                                      settings=settings, cycles=args.cycles)
    if args.cycles and args.start:
        with np.errstate(all="ignore"):
            found, failed = hopf_cycle_branches(system, args.param, diagram.branches, (lo, hi),
                                                settings, None)
        diagram = dataclasses.replace(diagram, cycle_branches=found, cycle_failures=failed)
    cycles = None
    if args.simulate_cycles:
        unstable_focus = [
            v for br in diagram.branches
            for v, ev in zip(br.values, br.eigenvalues, strict=True)
            if np.any(unstable_mask(ev) & (np.abs(ev.imag) > 0))]
        if unstable_focus:
            a, b = min(unstable_focus), max(unstable_focus)
            pad = 0.1 * (b - a)
            values = np.linspace(max(lo, a - pad), min(hi, b + pad), args.simulate_cycles)
        else:
            values = np.linspace(lo, hi, args.simulate_cycles)
        cycles = simulated_cycles(system, args.param, values, params=params)
    if args.plot:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.plots.bifurcation import plot_bifurcation_diagram, plot_equilibrium_count

        unit = figure_unit(args, getattr(system, "model", system))
        if cycles is None and not diagram.cycle_branches and system.n >= 1:
            fig = plot_equilibrium_count(diagram, unit=unit)
        else:
            fig = plot_bifurcation_diagram(diagram, cycles=cycles, unit=unit)
        save_plot(args, fig)
    if args.format == "json":
        out = diagram.to_dict()  # with cycle_branches, cycle_failures and their points
        if not args.cycles:
            out.pop("cycle_branches")
            out.pop("cycle_failures")
        if cycles is not None:
            out["simulated_cycles"] = cycles.to_dict()
        emit_json(args, out)
    elif args.format == "latex":
        emit(args, special_points_table(list(diagram.special_points)))
    else:
        text = str(diagram)  # with the cycle branches' trees and failures, if any
        if args.cycles and not (diagram.cycle_branches or diagram.cycle_failures):
            text += ("\nCycle branches: none (no Hopf point on the equilibrium branches in "
                     f"{args.param} [{lo:g}, {hi:g}])")
        if cycles is not None:
            rows = [f"  {args.param} = {v:.6g}: " + (
                f"period {T:.6g}, " + ", ".join(
                    f"{nm} in [{mn:.4g}, {mx:.4g}]" for nm, mn, mx in
                    zip(cycles.state_names, lo_, hi_, strict=True))
                if osc else "no oscillation")
                for v, T, osc, lo_, hi_ in zip(cycles.values, cycles.periods,
                                                cycles.oscillating, cycles.minima,
                                                cycles.maxima, strict=True)]
            text += "\nLimit cycles (SIMULATED, not continued):\n" + "\n".join(rows)
        emit(args, text)
    return 0


def _two_parameter(args: argparse.Namespace, system: Any, params: dict, region: Any) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.bifurcation.two_parameter import two_parameter_diagram

    if args.param:
        raise ModelError("--fold/--hopf take --params P1,P2, not --param")
    if not args.params:
        raise ModelError("--fold/--hopf need --params P1,P2")
    names = tuple(s.strip() for s in args.params.split(",") if s.strip())
    if len(names) != 2 or names[0] == names[1]:
        raise ModelError(f"--params expects two different parameters P1,P2, got {args.params!r}")
    for nm in names:
        if nm not in system.param_names:
            raise ModelError(f"--params {nm}: not a parameter of {system.name} "
                             f"(parameters: {', '.join(system.param_names)})")
    ranges = parse_region(args.range_, "--range") if args.range_ else {}
    unknown = set(ranges) - set(names)
    if unknown:
        raise ModelError(f"--range names {sorted(unknown)[0]!r}, which is not one of "
                         f"--params {','.join(names)}")
    defaults = dict(zip(system.param_names, system.default_params.tolist(), strict=True))
    defaults.update(params)
    bounds = {nm: ranges.get(nm, _default_range(defaults[nm])) for nm in names}
    p1 = names[0]
    if not bounds[p1][0] <= defaults[p1] <= bounds[p1][1]:
        raise ModelError(f"{p1} = {defaults[p1]:g} is outside --range {p1}="
                         f"{bounds[p1][0]:g}:{bounds[p1][1]:g}; set it with --set {p1}=...")
    grid = None
    if args.map:
        try:
            grid = tuple(int(v) for v in args.map.split(","))
            n1, n2 = grid
        except ValueError:
            raise ModelError(f"--map expects N1,N2 (grid sizes), got {args.map!r}") from None
        if n1 < 1 or n2 < 1:
            raise ModelError(f"--map sizes must be positive, got {args.map!r}")
    kinds = (["fold"] if args.fold else []) + (["hopf"] if args.hopf else [])
    result = two_parameter_diagram(system, names, bounds, defaults, kinds=kinds, region=region,
                                   n_samples=args.samples, settings=_settings(args), grid=grid)
    if args.plot:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.plots.bifurcation import plot_region_map, plot_two_parameter

        rmap, curves = result.region_map, result.curves
        fig = (plot_region_map(rmap, [c for c in curves if c.kind == "fold"])
               if rmap is not None else plot_two_parameter(list(curves)))
        save_plot(args, fig)
    if args.format == "json":
        emit_json(args, result.to_dict())
    elif args.format == "latex":
        emit(args, special_points_table(result.special_points))
    else:
        emit(args, str(result))
    return 0
