"""``dynsys analyze MODEL``: every equilibrium in the region, classified.

``dynsys analyze MODEL [--set NAME=VALUE ...] [--region x=LO:HI,y=LO:HI]
[--format text|json|latex] [--plot FILE] [--certify]``. ``--plot`` draws the flux (1-D)
or the phase plane (2-D, with the boxes ``--certify`` left undecided hatched). The JSON
is :meth:`dynsys.analysis.equilibria.Equilibria.to_dict`.
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
    parse_region,
    save_plot,
    seed,
)
from dynsys.errors import ModelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="find and classify all equilibria in a region")
    add_model(p)
    add_set(p)
    p.add_argument("--region", metavar="x=LO:HI,...",
                   help="the box to search (default: the model's region, or inferred)")
    add_format(p, ("text", "json", "latex"))
    p.add_argument("--plot", metavar="FILE", help="also draw the flux (1-D) or phase plane (2-D)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the quasi-random starts (0)")
    p.add_argument("--precision", type=int, default=4, help="decimals in LaTeX output (4)")
    p.add_argument("--unit", default=None, help=UNIT_HELP)
    p.add_argument("--certify", action="store_true",
                   help="also prove the result: interval branch-and-prune with Krawczyk "
                        "certificates over the region (every equilibrium found and unique "
                        "in its enclosure, or the undecided boxes listed)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.analysis.equilibria import find_equilibria
    from dynsys.core.system import compile

    model, params = load_with_params(args)
    region = parse_region(args.region) if args.region is not None else None
    system = compile(model)
    if args.plot and getattr(model, "discrete", False):
        raise ModelError(f"--plot draws the flow of an ODE; {system.name} is a map (its fixed "
                         "points are listed without a figure)")
    if args.plot and system.n > 2:  # refuse before the (possibly long) search
        raise ModelError(f"--plot draws 1-D and 2-D models only; {system.name} has {system.n} "
                         "states")
    eq = find_equilibria(system, params, region, rng=args.seed, certify=args.certify)
    if args.plot:
        save_plot(args, _plot(system, params, eq, figure_unit(args, model)))
    if args.format == "json":
        emit_json(args, eq.to_dict())
    elif args.format == "latex":
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.latex import evaluated_jacobians_latex, jacobian_latex

        parts = [eq.to_latex(args.precision)]
        parts += ["Not isolated: " + c.description.replace("_", r"\_") + "."
                  for c in eq.continua]  # continua of equilibria are not table rows
        if hasattr(system, "model"):
            parts.append(jacobian_latex(system.model))
        parts.append(evaluated_jacobians_latex(eq, args.precision))
        emit(args, "\n\n".join(p for p in parts if p))
    else:
        emit(args, eq.summary())
    return 0


def _plot(system: Any, params: dict[str, float], eq: Any, unit: str | None) -> Any:
    n = system.n
    if n == 1:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.analysis.flux import flux
        from dynsys.plots.basics import plot_flux

        fig = plot_flux(flux(system, params, eq.region, equilibria=eq), unit=unit)
    elif n == 2:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.analysis.phase_plane import phase_plane
        from dynsys.plots.phase import plot_phase_plane

        fig = plot_phase_plane(phase_plane(system, params, eq.region), unit=unit,
                               undecided=eq.undecided_boxes)
    else:
        raise ModelError(f"--plot draws 1-D and 2-D models only; {system.name} has {n} states")
    return fig
