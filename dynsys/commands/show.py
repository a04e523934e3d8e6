"""``dynsys show MODEL [--latex | --ode] [--format text|json|latex|ode]``: print a model."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from dynsys.commands._common import add_format, add_model, apply_set_name, emit, emit_json
from dynsys.errors import ModelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("show", help="print a model's equations, parameters and region")
    add_model(p)
    add_format(p, ("text", "json", "latex", "ode"))
    p.add_argument("--latex", dest="format", action="store_const", const="latex",
                   help="shorthand for --format latex")
    p.add_argument("--ode", dest="format", action="store_const", const="ode",
                   help="shorthand for --format ode (XPPAUT text)")
    p.add_argument("--set-name", dest="set_name", metavar="SET",
                   help="show the model with its parameter set SET applied")
    p.set_defaults(func=run)


def _tables(model: Any) -> dict[str, dict[str, Any]]:
    """The lookup tables a model uses: name -> points and range."""
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.core.tables import TableLookup

    found: dict[str, dict[str, Any]] = {}
    for expr in [*model.rhs, *model.aux.values()]:
        for tab in expr.atoms(TableLookup):
            lo, hi = tab.bounds
            found.setdefault(tab.table_name, {"points": len(tab.values), "xlo": lo, "xhi": hi})
    return dict(sorted(found.items()))


def _describe(model: Any) -> dict:
    return {
        "model": model.name,
        "description": model.description,
        "states": list(model.state_names),
        "equations": {s.name: str(e) for s, e in model.equations.items()},
        "params": dict(model.params),
        "noise": {k: str(v) for k, v in model.noise.items()},
        "region": {k: list(v) for k, v in (model.region or {}).items()},
        "init": dict(model.init),
        "aux": {k: str(v) for k, v in model.aux.items()},
        "options": dict(model.options),
        "tables": _tables(model),
        "sets": {k: {part: dict(v) for part, v in e.items()}
                 for k, e in getattr(model, "sets", {}).items()},
        "autonomous": model.is_autonomous,
        "smooth": model.is_smooth,
        "discrete": bool(getattr(model, "discrete", False)),
        "events": [e.describe() for e in getattr(model, "events", ())],
    }


def _network(model: Any) -> dict[str, Any] | None:
    """The model as a rate network, when it is one (verified), for the note and JSON."""
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.core.network_ode import NETWORK_MIN_UNITS, recognize_rate_network

    form = recognize_rate_network(model)
    if form is None:
        return None
    used = "; analyses use its matrix form" if model.n >= NETWORK_MIN_UNITS else ""
    return {"note": form.describe() + used, "units": form.network.n,
            "sparse": form.network.sparse, "activation": str(form.network.activation),
            "gain": form.gain, "input": form.input,
            "connections": int(form.network.describe()["connections"])}


def _load(name: str) -> object:
    """load_model, with warnings (ignored .ode options) printed as ``warning: ...`` lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # lazy: the library loads when the command runs, not for --help (start-up time)
        from dynsys.core.loading import load_model

        model = load_model(name)
    for item in caught:
        print(f"warning: {item.message}", file=sys.stderr)
    return model


#: The text listing shows every equation of a model of at most this many states, else
#: the first three and the last (``--format ode``/``latex``/``json`` give them all) ...
SHOW_EQUATIONS = 12
#: ... and cuts an equation longer than this many characters (a network unit's n-term sum).
SHOW_WIDTH = 300


def _equation_lines(form: str, equations: dict[str, str]) -> list[str]:
    """The text listing's equation lines: all of a small model, a sample of a large one."""
    items = list(equations.items())
    shown = items if len(items) <= SHOW_EQUATIONS else [*items[:3], items[-1]]
    lines = []
    for name, rhs in shown:
        if len(rhs) > SHOW_WIDTH:
            rhs = f"{rhs[:SHOW_WIDTH]} ... ({len(rhs)} characters)"
        lines.append(form.format(name, rhs))
    if len(shown) < len(items):
        lines.insert(3, f"  ... ({len(items) - 4} more equations; --format ode, latex or json "
                        "prints them all)")
    return lines


def run(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.core.model import Model

    model = _load(args.model)
    model = apply_set_name(model, args.set_name)
    if not isinstance(model, Model):  # e.g. a Hopfield network: it describes itself
        describe = getattr(model, "describe", None)
        info = describe() if describe else {"model": model.name}
        if args.format == "json":
            emit_json(args, info)
        elif args.format == "ode":
            raise ModelError(f"{info.get('model', args.model)} is not a symbolic Model and has "
                             "no .ode form")
        elif args.format == "latex" and hasattr(model, "latex"):
            emit(args, model.latex())
        else:
            emit(args, "\n".join(f"{k}: {v}" for k, v in info.items()))
        return 0
    if args.format == "json":
        info = _describe(model)
        network = _network(model)
        if network is not None:
            info["rate_network"] = network
        emit_json(args, info)
    elif args.format == "latex":
        emit(args, model.latex())
    elif args.format == "ode":
        emit(args, model.to_ode())
    else:
        info = _describe(model)
        lines = [f"model {model.name}" + (f": {model.description}" if model.description else "")]
        form = "  {}(n+1) = {}" if info["discrete"] else "  d{}/dt = {}"
        lines += _equation_lines(form, info["equations"])
        lines += [f"  event: {e}" for e in info["events"]]
        lines += [f"  noise on {k}: {v}" for k, v in info["noise"].items()]
        lines.append("  params: " + (", ".join(f"{k}={v:g}" for k, v in model.params.items())
                                     or "none"))
        if model.region:
            lines.append("  region: " + ", ".join(f"{k} in [{lo:g}, {hi:g}]"
                                                  for k, (lo, hi) in model.region.items()))
        if model.init:
            lines.append("  init: " + ", ".join(f"{k}={v:g}" for k, v in model.init.items()))
        lines += [f"  aux {k} = {v}" for k, v in info["aux"].items()]
        if model.options:
            lines.append("  options: " + ", ".join(f"{k}={v:g}" if isinstance(v, float | int)
                                                   else f"{k}={v}"
                                                   for k, v in model.options.items()))
        for tab_name, tab in info["tables"].items():
            lines.append(f"  table {tab_name}: {tab['points']} points on [{tab['xlo']:g}, "
                         f"{tab['xhi']:g}], linearly interpolated (piecewise linear)")
        for set_name, entry in info["sets"].items():
            items = [f"{k}={v:g}" if isinstance(v, float | int) else f"{k}={v}"
                     for part in ("params", "init", "options") for k, v in entry[part].items()]
            lines.append(f"  set {set_name}: {', '.join(items) or 'empty'}")
        flags = [*(["map (meth=discrete)"] if info["discrete"] else []),
                 *(["hybrid ('global' events)"] if info["events"] else []),
                 ("autonomous" if model.is_autonomous else "time-dependent"),
                 ("smooth" if model.is_smooth else "non-smooth")]
        lines.append("  " + ", ".join(flags))
        network = _network(model)
        if network is not None:
            lines.append(f"  note: {network['note']}")
        emit(args, "\n".join(lines))
    return 0
