"""``dynsys phase MODEL --plot FILE``: the phase portrait of a 2-D model.

``dynsys phase MODEL [--set NAME=VALUE ...] [--region x=LO:HI,y=LO:HI] --plot FILE
[--basin [--basin-resolution N]] [--cycles [--x0 V1,V2 ...]] [--format text|json]``:
nullclines, direction field, trajectories, equilibria by kind and the saddles'
separatrices, optionally over the basin-of-attraction map. ``--cycles`` adds limit
cycles, each solved by collocation (:func:`dynsys.bifurcation.cycles.find_cycle`): the
stable ones reached from the model's initial state and from beside every repelling
equilibrium (or from the ``--x0`` states only), and the unstable ones reached in reversed
time (where they attract) from the initial state and from beside every attracting
equilibrium. A cycle that none of these runs reaches is not drawn.
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
    p.add_argument("--cycles", action="store_true",
                   help="draw limit cycles: stable ones reached from the model's init and "
                   "beside each repelling equilibrium (or from the --x0 states), unstable "
                   "ones reached in reversed time from the init and beside each attracting "
                   "equilibrium (solid stable, dashed unstable)")
    p.add_argument("--x0", action="append", default=[], metavar="V1,V2",
                   help="with --cycles: a state the search for stable cycles starts from "
                   "(repeatable; replaces all the default starts; default: none, the "
                   "model's init and beside each equilibrium)")
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
    if args.x0 and not args.cycles:
        raise ModelError("--x0 gives the starts of the cycle search: it needs --cycles")
    if args.cycles and getattr(system, "is_smooth", True) is False:
        raise ModelError(f"--cycles needs a smooth model: {system.name} has a non-smooth "
                         "right-hand side, where periodic orbits cannot be solved by "
                         "collocation; draw trajectories instead (without --cycles)")
    given = [_state(text, system) for text in args.x0]
    pp = phase_plane(system, params, region, t_end=t_end, basin=args.basin,
                     basin_resolution=args.basin_resolution, rng=args.seed)
    cycles, notes = _cycles(system, model, params, pp, given) if args.cycles else ([], [])
    save_plot(args, plot_phase_plane(pp, unit=figure_unit(args, model), cycles=cycles))
    if args.format == "json":
        out = pp.to_dict()
        if args.cycles:
            out["cycles"] = [c.to_dict() for c in cycles]
            out["cycle_notes"] = notes
        emit_json(args, out)
    else:
        text = pp.summary()
        if args.cycles:
            text += "\n" + _cycles_text(cycles, notes)
        emit(args, text + f"\n  figure: {args.plot}")
    return 0


def _state(text: str, system: Any) -> list[float]:
    parts = [s.strip() for s in text.split(",")]
    if parts and not parts[-1]:
        parts.pop()
    if len(parts) != system.n:
        raise ModelError(f"--x0 {text!r} has {len(parts)} value(s); {system.n} needed "
                         f"({', '.join(system.state_names)})")
    return [parse_float(v, "--x0 value") for v in parts]


def _cycles(system: Any, model: Any, params: dict[str, float], pp: Any,
            given: list[list[float]]) -> tuple[list[Any], list[str]]:
    """The limit cycles reached from the starts, each once; a note per start that found none.

    Stable cycles: forward runs from the given starts, else from the model's init and
    beside every repelling equilibrium. Unstable cycles (of a symbolic model, when no
    start is given): runs of the time-reversed flow, where they attract, from the init
    and beside every attracting equilibrium; each is then solved in forward time.
    """
    # lazy: the library loads when the command runs, not for --help (start-up time)
    import numpy as np

    width = np.array([pp.region[nm][1] - pp.region[nm][0] for nm in pp.state_names])
    initial = getattr(model, "initial_state", None)
    init = [("the model's init", [float(v) for v in initial()])] if callable(initial) else []

    def beside(repelling: bool) -> list[tuple[str, list[float]]]:
        out = []
        for eq in pp.equilibria:
            if eq.non_smooth or eq.unstable_dimension != (system.n if repelling else 0):
                continue
            x = np.asarray(eq.state, dtype=np.float64) + 1e-3 * width * np.array([1, 0.5])
            out.append((f"beside the {eq.kind.value} at ("
                        + ", ".join(f"{v:.4g}" for v in eq.state) + ")", x.tolist()))
        return out

    found: list[Any] = []
    notes: list[str] = []
    starts = [("--x0", x) for x in given] if given else init + beside(True)
    _search(system, system, params, starts, found, notes, "")
    reversed_model = _time_reversed(model)
    if not given and reversed_model is not None:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.core.system import compile

        _search(compile(reversed_model), system, params, init + beside(False), found, notes,
                " in reversed time")
    return found, notes


def _search(flow: Any, system: Any, params: dict[str, float],
            starts: list[tuple[str, list[float]]], found: list[Any], notes: list[str],
            how: str) -> None:
    """find_cycle from every start on ``flow``; a cycle of the reversed flow is reversed
    and solved again on ``system``. New cycles go to ``found``, failures to ``notes``."""
    # lazy: the library loads when the command runs, not for --help (start-up time)
    import numpy as np

    from dynsys.bifurcation.cycles import find_cycle
    from dynsys.errors import DynsysError

    for what, x0 in starts:
        try:
            with np.errstate(all="ignore"):
                cyc = find_cycle(flow, x0, params or None)
                if flow is not system:
                    cyc = find_cycle(system, _reverse(cyc), params or None)
        except (DynsysError, ArithmeticError, ValueError, RuntimeError) as exc:
            notes.append(f"no cycle from {what}{how}: {str(exc).splitlines()[0]}")
            continue
        if not any(_same_cycle(cyc, c) for c in found):
            found.append(cyc)


def _time_reversed(model: Any) -> Any:
    """The model with every right-hand side negated (None if it is not symbolic)."""
    equations = getattr(model, "equations", None)
    replace = getattr(model, "replace", None)
    if not hasattr(equations, "items") or not callable(replace):
        return None
    return replace(equations={k: -v for k, v in equations.items()})


def _reverse(cycle: Any) -> Any:
    """The same orbit run backwards: ``u(tau) -> u(1 - tau)`` on the mirrored mesh.

    The nodes are equally spaced in each mesh interval, so the reversed node sequence is
    the first node, then the others in reverse order.
    """
    # lazy: the library loads when the command runs, not for --help (start-up time)
    import dataclasses

    import numpy as np

    flat = cycle.nodes.reshape(-1, cycle.n)
    nodes = np.vstack([flat[:1], flat[:0:-1]]).reshape(cycle.nodes.shape)
    return dataclasses.replace(cycle, mesh=1.0 - cycle.mesh[::-1], nodes=nodes,
                               multipliers=1.0 / cycle.multipliers)


def _same_cycle(a: Any, b: Any) -> bool:
    """The same orbit: periods within 1e-6 (relative), ranges within 1e-4 of the size."""
    # lazy: numpy loads when the command runs, not for --help (start-up time)
    import numpy as np

    size = 1.0 + float(np.max(np.abs(np.concatenate([a.max, a.min]))))
    return (abs(a.period - b.period) <= 1e-6 * a.period
            and float(np.max(np.abs(a.max - b.max))) <= 1e-4 * size
            and float(np.max(np.abs(a.min - b.min))) <= 1e-4 * size)


def _cycles_text(cycles: list[Any], notes: list[str]) -> str:
    lines = [f"  limit cycles: {len(cycles)} found (stable ones by forward runs, unstable "
             "ones by runs in reversed time)"]
    for c in cycles:
        ranges = ", ".join(f"{nm} in [{lo:.6g}, {hi:.6g}]" for nm, lo, hi in
                           zip(c.state_names, c.min, c.max, strict=True))
        lines.append(f"    period {c.period:.8g}, {c.stability_label()}, {ranges}")
    lines += [f"    {note}" for note in notes]
    return "\n".join(lines)
