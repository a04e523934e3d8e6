"""``dynsys simulate MODEL [--x0 V1,V2 ...] [--t-end T] [--dt DT] [--sigma S] ...``.

Integrates a model from one or several initial conditions (Euler, Euler-Maruyama
with ``--sigma``, RK4, or an adaptive scipy solver with ``--method rk45``; a map is
iterated; ``global`` events are located within the step, ``--locate``) and prints a
summary table, the trajectories as CSV (``run,t,<states>``) or as JSON
(:meth:`dynsys.analysis.simulate.Trajectory.to_dict`); ``--plot FILE`` saves a time-series figure.
"""

from __future__ import annotations

import argparse
import io
from typing import Any

from dynsys._types import ADAPTIVE_SOLVERS
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
    save_plot,
    seed,
)
from dynsys.errors import ModelError

_MAX_TEXT_ROWS = 50


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate a model (Euler, Euler-Maruyama, or an adaptive solver)",
        description="Simulate MODEL from one or more initial conditions. Noise only "
        "when asked for (--sigma); --trials repeats each initial condition.",
    )
    add_model(p)
    add_set(p)
    p.add_argument("--x0", action="append", default=[], metavar="V1,V2,...",
                   help="initial state (repeatable for several; default: the model's init)")
    p.add_argument("--t-end", dest="t_end", metavar="T",
                   help="end time (default: the model's 'total' option, else 20)")
    p.add_argument("--dt", default=None, metavar="DT",
                   help="time step (default: the model's 'dt' option; else 0.05 for an .ode "
                        "file, XPPAUT's default, and 0.1 for other models)")
    p.add_argument("--sigma", default=None, metavar="S[,S...]",
                   help="additive noise amplitude: one value for all states or one per "
                        "state (default: the noise the model declares, e.g. with wiener; "
                        "--sigma 0 switches it off)")
    p.add_argument("--trials", type=int, default=1, metavar="K",
                   help="noise realisations per initial condition (default 1)")
    p.add_argument("--seed", type=seed, default=None, metavar="N",
                   help="random seed (default: fresh, printed with the results)")
    p.add_argument("--method", default=None,
                   choices=["euler", "rk4", *ADAPTIVE_SOLVERS, "map"],
                   help="integration method (default: an .ode file's meth, else rk4 for an "
                        ".ode file as in XPPAUT; euler for other models); a map "
                        "(meth=discrete, x(t+1)=...) is iterated ('map')")
    p.add_argument("--locate", default="root", choices=["root", "linear"],
                   help="how 'global' events are located within a step: 'root' of the "
                        "condition along the step (to 1e-12 of the step, default) or "
                        "'linear' interpolation, XPPAUT's own way")
    p.add_argument("--rtol", default=None, metavar="R",
                   help="relative tolerance of an adaptive method (default 1e-8)")
    p.add_argument("--atol", default=None, metavar="A",
                   help="absolute tolerance of an adaptive method (default 1e-10)")
    p.add_argument("--trans", default=None, metavar="T",
                   help="leave out of the CSV/JSON output the times before T (default: the "
                        "model's trans option, as XPPAUT; else 0)")
    p.add_argument("--save-every", dest="save_every", type=int, default=1, metavar="K",
                   help="keep every K-th step in the output (default 1)")
    add_format(p, ("text", "json", "csv"))
    p.add_argument("--plot", metavar="FILE", help="save a time-series figure (png, pdf, svg)")
    p.add_argument("--unit", default=None, help=UNIT_HELP)
    p.set_defaults(func=run)


def _initial_states(texts: list[str], model: object, n: int) -> list[list[float]]:
    if not texts:
        initial = getattr(model, "initial_state", None)
        return [list(initial()) if callable(initial) else [0.0] * n]
    states = []
    for text in texts:
        parts = [s.strip() for s in text.split(",")]
        if parts and not parts[-1]:  # allow one trailing comma: "59,"
            parts.pop()
        if len(parts) != n:
            names = ", ".join(getattr(model, "state_names", ()))
            raise ModelError(f"--x0 {text!r} has {len(parts)} value(s); {n} needed ({names})")
        states.append([parse_float(s, "--x0 value") for s in parts])
    return states


#: The text listing writes vectors of more states as their first three entries and the
#: last (a 1000-unit network's initial and final states; csv and json have them all).
_MAX_TEXT_STATES = 8


def _brief(items: list[str]) -> str:
    """Comma-separated, or for more than :data:`_MAX_TEXT_STATES` entries a sample."""
    if len(items) <= _MAX_TEXT_STATES:
        return ", ".join(items)
    return ", ".join([*items[:3], "...", items[-1]]) + f"; {len(items)} values"


def _text(tr: Any, source: dict[str, str] | None = None) -> str:
    steps = tr.diagnostics.get("steps")
    sig = tr.sigma.reshape(-1)[: tr.n]
    noise = (f"{sig[0]:g} (every state)" if len(sig) > _MAX_TEXT_STATES and (sig == sig[0]).all()
             else _brief([f"{v:g}" for v in sig]))
    if tr.method == "map":
        how = f"map iteration x(n+1) = F(x(n)), {steps} iterations"
        span = f"t = {tr.t[0]:g} -> {tr.t[0] + steps:g}"
    elif steps is not None:
        how = f"{tr.method}, dt = {tr.dt:g}, {steps} steps"
        span = f"t = {tr.t[0]:g} -> {tr.t[0] + tr.dt * steps:g}"
    else:
        how = f"{tr.method} (adaptive), output every {tr.dt:g}"
        span = f"t = {tr.t[0]:g} -> {tr.t[-1]:g}"
    head = [
        f"model {tr.model}: {how}, {span}",
        "params: " + (", ".join(f"{k}={v:g}" for k, v in tr.params.items()) or "none"),
        f"sigma: {noise}; trials: {tr.trials}; seed: {tr.seed}",
    ]
    if source:
        head.append("settings from: " + "; ".join(f"{k}: {v}" for k, v in source.items()))
    head += _event_lines(tr)
    cols = _brief(list(tr.state_names))
    rows = [f"{'run':>5}  initial ({cols}) -> final ({cols})"]
    for r in range(min(tr.runs, _MAX_TEXT_ROWS)):
        a = _brief([f"{v:.6g}" for v in tr.initial[r]])
        b = _brief([f"{v:.6g}" for v in tr.final[r]])
        rows.append(f"{r:>5}  ({a}) -> ({b})")
    if tr.runs > _MAX_TEXT_ROWS:
        rows.append(f"  ... {tr.runs - _MAX_TEXT_ROWS} more runs (use --format csv or json)")
    return "\n".join(head + rows)


def _csv(tr: Any, keep: Any = None, aux_names: tuple[str, ...] = (), aux: Any = None) -> str:
    buf = io.StringIO()
    buf.write(",".join(["run", "t", *tr.state_names, *aux_names]) + "\n")
    for r in range(tr.runs):
        for k, t in enumerate(tr.t):
            if keep is not None and not keep[k]:
                continue
            values = [repr(float(v)) for v in tr.states[r, k]]
            if aux_names:
                values += [repr(float(v)) for v in aux[r, k]]
            buf.write(f"{r},{float(t)!r},{','.join(values)}\n")
    return buf.getvalue()


def _event_lines(tr: Any) -> list[str]:
    """What the events did: their number per run, the first times, where they were
    located, and any changed parameters."""
    counts = tr.diagnostics.get("events")
    if counts is None:
        return []
    times = tr.diagnostics["event_times"]
    lines = [f"events ('global' resets), located by {tr.diagnostics['event_location']}:"]
    for r in range(min(tr.runs, _MAX_TEXT_ROWS)):
        first = ", ".join(f"{t:.8g}" for t in times[r][:5])
        more = ", ..." if len(times[r]) > 5 else ""
        lines.append(f"  run {r}: {counts[r]} event(s)" + (f" at t = {first}{more}"
                                                           if counts[r] else ""))
    for r, final in enumerate(tr.diagnostics.get("final_params", ())[:_MAX_TEXT_ROWS]):
        changed = {k: v for k, v in final.items() if v != tr.params.get(k)}
        if changed:
            lines.append(f"  run {r}: parameters changed by events, final "
                         + ", ".join(f"{k}={v:g}" for k, v in changed.items()))
    lines += [f"  warning: {w}" for w in tr.diagnostics.get("event_warnings", ())]
    return lines


#: XPPAUT's integrators (``@ meth=``) -> the nearest dynsys method.
XPP_METHODS = {
    "euler": "euler", "rk4": "rk4", "modeuler": "rk4", "adams": "rk4", "qualrk": "rk45",
    "5dp": "rk45", "83dp": "dop853", "stiff": "lsoda", "gear": "lsoda", "cvode": "lsoda",
    "backeul": "radau", "2rb": "radau", "ymp": "radau",
}


def xpp_method(meth: str | None, *, from_ode: bool, noisy: bool) -> str:
    """The default method: the file's ``meth`` (its nearest dynsys method), else XPPAUT's
    default RK4 for an .ode file and Euler otherwise; Euler-Maruyama whenever there is
    noise (the one scheme here that integrates it)."""
    if noisy:
        return "euler"
    if meth is not None:
        return XPP_METHODS.get(str(meth), "rk4")
    return "rk4" if from_ode else "euler"


def run(args: argparse.Namespace) -> int:
    model, params = load_with_params(args)
    n = int(model.n)
    starts = _initial_states(args.x0, model, n)
    if args.t_end is None:
        options = getattr(model, "options", {}) or {}
        t_end = float(options.get("total", 20.0))
    else:
        t_end = parse_float(args.t_end, "--t-end")
    options = getattr(model, "options", {}) or {}
    from_ode = str(args.model).lower().endswith(".ode")
    source: dict[str, str] = {}
    discrete = bool(getattr(model, "discrete", False))
    if discrete:
        if args.dt is not None:
            raise ModelError(f"{model.name} is a map: t advances by 1 per iteration (as in "
                             "XPPAUT), so --dt does not apply; --t-end is the number of "
                             "iterations")
        if args.method not in (None, "map"):
            raise ModelError(f"{model.name} is a map x(n+1) = F(x(n)): it is iterated "
                             f"(--method map), not integrated with {args.method}")
        source["method"] = "map iteration (the file is a map: meth=discrete or x(t+1)=)"
    if discrete:
        dt = 1.0
    elif args.dt is not None:
        dt, source["dt"] = parse_float(args.dt, "--dt"), "--dt"
    elif "dt" in options:
        dt, source["dt"] = float(options["dt"]), "the model's dt option"
    else:
        dt = 0.05 if from_ode else 0.1
        source["dt"] = "XPPAUT's default for an .ode file" if from_ode else "default"
    sigma: float | list[float] | None = None
    if args.sigma is not None:
        values = [parse_float(s, "--sigma") for s in str(args.sigma).split(",")]
        sigma = values[0] if len(values) == 1 else values
        noisy, source["sigma"] = any(v != 0 for v in values), "--sigma"
    else:
        sig = getattr(model, "sigma", 0)  # a network's sigma: a number or one per unit
        noisy = bool(getattr(model, "noise", None)) or any(  # or a Model's wiener terms
            v != 0 for v in (sig.ravel() if hasattr(sig, "ravel") else [sig]))
        source["sigma"] = "the model's declared noise" if noisy else "no noise declared"
    if discrete:
        method = "map"
    elif args.method is not None:
        method, source["method"] = args.method, "--method"
    else:
        method = xpp_method(options.get("meth"), from_ode=from_ode, noisy=noisy)
        source["method"] = ("Euler-Maruyama for noise" if noisy else
                            "the file's meth" if options.get("meth") else
                            "XPPAUT's default for an .ode file" if from_ode else "default")
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.analysis.simulate import Adaptive, as_method, simulate

    tolerances = {k: parse_float(v, f"--{k}") for k, v in
                  (("rtol", args.rtol), ("atol", args.atol)) if v is not None}
    if tolerances:
        if not isinstance(as_method(method), Adaptive):
            raise ModelError(f"--rtol/--atol apply to an adaptive method (rk45, dop853, ...), "
                             f"not to {method}")
        method = Adaptive(method, **tolerances)
    trans = parse_float(args.trans, "--trans") if args.trans is not None else float(
        options.get("trans", 0.0))
    tr = simulate(
        model, starts, t_end, dt=dt, params=params or None, sigma=sigma,
        trials=args.trials, rng=args.seed, method=method, save_every=args.save_every,
        locate=args.locate,
    )
    if args.plot:
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.plots.timeseries import plot_timeseries

        unit = figure_unit(args, model)
        save_plot(args, plot_timeseries(tr, unit=unit or None))
    aux_names, aux = _aux(model, tr)
    keep = tr.t >= trans - 1e-12 * max(1.0, abs(trans))  # XPPAUT's trans: output from there
    if args.format == "json":
        data = tr.to_dict()
        if not keep.all():
            data["t"] = [x for x, k in zip(data["t"], keep, strict=True) if k]
            data["trajectories"] = [[s for s, k in zip(run, keep, strict=True) if k]
                                    for run in data["trajectories"]]
            data["trans"] = trans
        if aux_names:
            data["aux_names"] = list(aux_names)
            data["aux"] = aux[:, keep].tolist()
        emit_json(args, data)
    elif args.format == "csv":
        emit(args, _csv(tr, keep, aux_names, aux))
    else:
        emit(args, _text(tr, source))
    return 0


def _aux(model: Any, tr: Any) -> tuple[tuple[str, ...], Any]:
    """The model's aux quantities along every run, ``(runs, T, k)`` (XPPAUT writes them
    after the states); none for a system without them."""
    names = tuple(getattr(model, "aux", None) or ())
    if not names:
        return (), None
    # lazy: the library loads when the command runs, not for --help (start-up time)
    import numpy as np

    from dynsys.core.system import compile

    system = compile(model)
    p = np.array([tr.params[k] for k in system.param_names], dtype=float)
    states = np.asarray(tr.states)

    values = np.stack([np.asarray(system.aux(run, p, tr.t), dtype=float) for run in states])
    return names, values
