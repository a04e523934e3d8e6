"""``dynsys phase MODEL --plot FILE``: the phase portrait of a 2-D model.

``dynsys phase MODEL [--set NAME=VALUE ...] [--region x=LO:HI,y=LO:HI] --plot FILE
[--basin [--basin-resolution N]] [--format text|json]``: nullclines, direction field,
trajectories, equilibria by kind and the saddles' separatrices, optionally over the
basin-of-attraction map.
"""

from __future__ import annotations

import argparse

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
    parse_region,
    save_plot,
    seed,
)
from dynsys.errors import ModelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("phase", help="phase plane of a 2-D model (nullclines, separatrix, basins)")
    add_model(p)
    add_set(p)
    p.add_argument("--region", metavar="x=LO:HI,y=LO:HI",
                   help="the box to draw (default: the model's region, or inferred)")
    p.add_argument("--plot", metavar="FILE", required=True, help="figure file (.png, .pdf, .svg)")
    p.add_argument("--basin", action="store_true", help="draw the basin-of-attraction map")
    p.add_argument("--basin-resolution", dest="basin_resolution", type=int, default=101,
                   help="grid points per axis of the basin map (101)")
    p.add_argument("--t-end", dest="t_end", help="length of the trajectories")
    p.add_argument("--unit", default=None, help=UNIT_HELP)
    p.add_argument("--seed", type=seed, default=0, help="seed of the equilibrium search (0)")
    add_format(p, ("text", "json"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.analysis.phase_plane import phase_plane
    from dynsys.core.system import compile
    from dynsys.plots.phase import plot_phase_plane

    model, params = load_with_params(args)
    system = compile(model)
    if system.n != 2:
        raise ModelError(
            f"the phase plane needs 2 states; {system.name} has {system.n}"
            + (" (use `dynsys analyze MODEL --plot FILE` for the 1-D flux)" if system.n == 1
               else "")
        )
    if args.basin_resolution < 2:
        raise ModelError(f"--basin-resolution must be at least 2, got {args.basin_resolution}")
    region = parse_region(args.region) if args.region is not None else None
    t_end = parse_float(args.t_end, "--t-end") if args.t_end else None
    if t_end is not None and t_end <= 0:
        raise ModelError(f"--t-end must be positive, got {args.t_end}")
    pp = phase_plane(system, params, region, t_end=t_end, basin=args.basin,
                     basin_resolution=args.basin_resolution, rng=args.seed)
    save_plot(args, plot_phase_plane(pp, unit=figure_unit(args, model)))
    if args.format == "json":
        emit_json(args, pp.to_dict())
    else:
        emit(args, pp.summary() + f"\n  figure: {args.plot}")
    return 0
