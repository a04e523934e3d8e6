"""``dynsys cycle MODEL``: one periodic orbit (limit cycle), by collocation.

``dynsys cycle MODEL [--set NAME=VALUE ...] [--x0 V1,V2,...] [--transient T]
[--ntst N] [--ncol N] [--format text|json|latex] [--plot FILE [--x NAME --y NAME]]``

The model is integrated from its initial state (or ``--x0``) for a transient, one
period is cut out of a second run, and the periodic boundary-value problem is solved
from it (:func:`dynsys.bifurcation.cycles.find_cycle`): the period, the range and mean
of every state, the Floquet multipliers and the stability. A run that settles to an
equilibrium is refused with the remedies.
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
    int_at_least,
    load_with_params,
    parse_float,
    save_plot,
)
from dynsys.errors import ModelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cycle",
        help="find one periodic orbit (limit cycle): period, range, Floquet multipliers",
        description="Integrate MODEL from its initial state (or --x0) for a transient, cut "
        "one period out of the run and solve the periodic orbit by collocation: period, "
        "min/max/mean of every state, Floquet multipliers and stability. Only a stable "
        "cycle is found this way; follow unstable ones from a Hopf point with "
        "`dynsys continue MODEL --param P --range LO:HI --cycles`.",
    )
    add_model(p)
    add_set(p)
    p.add_argument("--x0", metavar="V1,V2,...",
                   help="state the transient starts from (default: the model's init)")
    p.add_argument("--transient", metavar="T",
                   help="length of the transient run (default: the model's total option, "
                        "else 200)")
    p.add_argument("--ntst", type=int_at_least(3, "an integer >= 3"), default=60,
                   metavar="N", help="mesh intervals of the collocation (default 60)")
    p.add_argument("--ncol", type=int_at_least(1, "an integer from 1 to 7"), default=4,
                   metavar="N", help="collocation points per interval, 1 to 7 (default 4)")
    add_format(p, ("text", "json", "latex"))
    p.add_argument("--plot", metavar="FILE",
                   help="draw the orbit in the phase plane and one period against time")
    p.add_argument("--x", dest="x", metavar="NAME",
                   help="state on the horizontal axis of the phase plane (default: the first)")
    p.add_argument("--y", dest="y", metavar="NAME",
                   help="state on the vertical axis of the phase plane (default: the second)")
    p.add_argument("--unit", default=None, help=UNIT_HELP)
    p.set_defaults(func=run)


def _start(text: str | None, model: Any, n: int) -> list[float]:
    """The state of ``--x0`` (n values), else the model's initial state."""
    if text is None:
        initial = getattr(model, "initial_state", None)
        return [float(v) for v in initial()] if callable(initial) else [0.0] * n
    parts = [s.strip() for s in text.split(",")]
    if parts and not parts[-1]:  # one trailing comma: "1,"
        parts.pop()
    if len(parts) != n:
        names = ", ".join(getattr(model, "state_names", ()))
        raise ModelError(f"--x0 {text!r} has {len(parts)} value(s); {n} needed ({names})")
    return [parse_float(s, "--x0 value") for s in parts]


def _state_name(value: str | None, names: tuple[str, ...], default: int, flag: str
                ) -> str | None:
    if value is None:
        return names[default] if default < len(names) else None
    if value not in names:
        raise ModelError(f"{flag} {value}: not a state of the model (states: {', '.join(names)})")
    return value


def run(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.bifurcation.cycles import CycleSettings, find_cycle
    from dynsys.core.system import compile
    from dynsys.errors import ConvergenceError

    model, params = load_with_params(args)
    system = compile(model)
    names = tuple(system.state_names)
    x0 = _start(args.x0, model, system.n)
    transient = None
    if args.transient is not None:
        transient = parse_float(args.transient, "--transient")
        if not transient > 0:
            raise ModelError(f"--transient must be positive, got {args.transient}")
    if args.ncol > 7:
        raise ModelError(f"--ncol must be from 1 to 7, got {args.ncol}")
    x_name = _state_name(args.x, names, 0, "--x")
    y_name = _state_name(args.y, names, 1, "--y")
    if system.n >= 2 and x_name == y_name:
        raise ModelError(f"--x and --y name the same state {x_name!r}")
    settings = CycleSettings(ntst=args.ntst, ncol=args.ncol, transient=transient)
    try:
        cycle = find_cycle(system, x0, params or None, settings=settings)
    except ConvergenceError as exc:
        start = ", ".join(f"{nm} = {v:g}" for nm, v in zip(names, x0, strict=True))
        remedy = (f"try --x0 a state nearer a cycle, a longer --transient, other parameters "
                  f"(--set), or follow the cycles from a Hopf point with `dynsys continue "
                  f"{args.model} --param NAME --range LO:HI --cycles`")
        eq = exc.last_iterate  # find_cycle names the equilibrium a settled run ends at
        if isinstance(eq, dict) and "equilibrium" in eq:
            where = ", ".join(f"{nm} = {v:.6g}" for nm, v in zip(names, eq["equilibrium"],
                                                                 strict=True))
            raise ModelError(
                f"no periodic orbit: the run from ({start}) settles to the "
                f"{'stable ' if eq['stable'] else ''}equilibrium ({where}), so {system.name} "
                f"does not oscillate from there at these parameters; {remedy}") from None
        raise ModelError(f"no periodic orbit from ({start}): {exc}; {remedy}") from None
    if args.plot:
        # lazy: matplotlib loads only when a figure is asked for (start-up time)
        from dynsys.plots.cycles import plot_cycle

        fig = plot_cycle(cycle, x=x_name or 0, y=y_name or 0,
                         unit=figure_unit(args, model))
        save_plot(args, fig)
    if args.format == "json":
        out = cycle.to_dict()
        options = getattr(model, "options", {}) or {}
        out["start"] = {"x0": dict(zip(names, x0, strict=True)), "transient": transient
                        if transient is not None else float(options.get("total", 200.0)
                                                            or 200.0)}
        emit_json(args, out)
    elif args.format == "latex":
        emit(args, cycle.to_latex())
    else:
        emit(args, str(cycle))
    return 0
