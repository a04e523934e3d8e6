"""``dynsys models [--json]``: the built-in models, one line each."""

from __future__ import annotations

import argparse

from dynsys.commands._common import add_format, emit, emit_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models", help="list the built-in models",
        description="List the built-in models: name, states, parameters and description. "
        "Any of them, or a .py/.ode file or a .toml network spec, is a MODEL for the other "
        "commands.")
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.core.loading import load_model, model_names

    rows = []
    for name in model_names():
        model = load_model(name)
        rows.append({
            "name": name,
            "states": list(model.state_names),
            "params": list(getattr(model, "param_names", ())),
            "description": " ".join(str(getattr(model, "description", "") or "").split()),
        })
    if args.format == "json":
        emit_json(args, {"models": rows})
        return 0
    states = [f"({', '.join(r['states'])})" if len(r["states"]) <= 4
              else f"({len(r['states'])} states)" for r in rows]
    width = max(len(r["name"]) for r in rows)
    swidth = max(len(s) for s in states)
    lines = [f"{r['name']:<{width}}  {s:<{swidth}}  {r['description']}".rstrip()
             for r, s in zip(rows, states, strict=True)]
    emit(args, "\n".join(lines))
    return 0
