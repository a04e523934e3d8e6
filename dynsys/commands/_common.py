"""Option helpers shared by the CLI's sub-commands.

Every command that prints results takes ``--format`` (with ``--json`` short for
``--format json``); ``--set NAME=VALUE`` overrides parameters (after ``--set-name SET``,
a parameter set of the model); ranges are ``LO:HI`` and regions ``x=LO:HI,y=LO:HI``
(negative numbers work everywhere).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dynsys.errors import ModelError

__all__ = [
    "UNIT_HELP",
    "VersionAction",
    "add_format",
    "add_model",
    "add_set",
    "apply_set_name",
    "check_outputs",
    "emit",
    "emit_json",
    "figure_unit",
    "load_with_params",
    "outputs",
    "parse_assignments",
    "parse_float",
    "parse_range",
    "parse_region",
    "save_plot",
    "seed",
]


def add_model(parser: argparse.ArgumentParser) -> None:
    """The positional MODEL argument: a built-in name or a .py/.ode/.toml path."""
    parser.add_argument("model", metavar="MODEL",
                        help="built-in model name, or a .py/.ode file or a .toml network spec")


def add_set(parser: argparse.ArgumentParser) -> None:
    """``--set NAME=VALUE`` (repeatable, or comma-separated)."""
    parser.add_argument(
        "--set", dest="set", action="append", default=[], metavar="NAME=VALUE",
        help="override a parameter (repeatable; or NAME=VALUE,NAME=VALUE; default: none)",
    )
    parser.add_argument(
        "--set-name", dest="set_name", metavar="SET",
        help="apply the model's parameter set SET (XPPAUT's 'set SET {...}': parameters, "
             "initial values, options) before --set",
    )


def add_format(
    parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("text", "json"),
) -> None:
    """``--format {choices}`` with ``--json`` as shorthand for ``--format json``."""
    parser.add_argument("--format", choices=choices, default="text",
                        help="output format (text)")
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json",
        help="shorthand for --format json",
    )
    parser.add_argument("--out", metavar="FILE", help="write the output to FILE instead of stdout")


def int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse ``type``: an integer >= ``minimum``, refused naming ``what`` otherwise."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


#: argparse ``type`` of ``--seed``: a non-negative integer (what numpy accepts).
seed = int_at_least(0, "a non-negative integer")


def parse_float(text: str, what: str) -> float:
    """A finite float, or ModelError naming ``what`` (the flag): :func:`dynsys._checks.finite`."""
    # lazy: the checks module loads numpy, which --help does not need (start-up time)
    from dynsys._checks import finite

    return finite(text, what)


def parse_assignments(items: list[str]) -> dict[str, float]:
    """Parse ``["a=1", "b=2,c=-3"]`` into ``{"a": 1.0, "b": 2.0, "c": -3.0}``."""
    out: dict[str, float] = {}
    for item in items:
        for part in filter(None, (p.strip() for p in item.split(","))):
            name, sep, value = part.partition("=")
            name = name.strip()
            if not sep or not name.isidentifier():
                raise ModelError(f"--set expects NAME=VALUE, got {part!r}")
            out[name] = parse_float(value.strip(), f"value of {name!r}")
    return out


def parse_range(text: str, what: str = "--range") -> tuple[float, float]:
    """Parse ``LO:HI`` (``-20:0`` works) into a pair with LO < HI."""
    lo, sep, hi = text.partition(":")
    if not sep:
        raise ModelError(f"{what} expects LO:HI, got {text!r}")
    low, high = parse_float(lo, f"{what} lower bound"), parse_float(hi, f"{what} upper bound")
    if not low < high:
        raise ModelError(f"{what} needs LO < HI, got {text!r}")
    if not math.isfinite(high - low):
        raise ModelError(f"{what} is wider than a float can hold, got {text!r}")
    return low, high


def parse_region(text: str, what: str = "--region") -> dict[str, tuple[float, float]]:
    """Parse ``x=LO:HI,y=LO:HI`` into ``{"x": (LO, HI), "y": (LO, HI)}``."""
    out: dict[str, tuple[float, float]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, rng = part.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ModelError(f"{what} expects NAME=LO:HI[,NAME=LO:HI], got {part!r}")
        if name.strip() in out:
            raise ModelError(f"{what} gives {name.strip()!r} twice")
        out[name.strip()] = parse_range(rng, f"{what} for {name.strip()!r}")
    if not out:
        raise ModelError(f"{what} is empty")
    return out


def apply_set_name(model: Any, set_name: str | None) -> Any:
    """``model`` with its parameter set ``set_name`` applied (``--set-name``; None: as is)."""
    if set_name is None:
        return model
    if not getattr(model, "sets", None):
        raise ModelError(f"--set-name {set_name}: {model.name} has no parameter sets")
    try:
        return model.with_set(set_name)
    except ModelError as exc:
        raise ModelError(f"--set-name {set_name}: {exc}") from None


def load_with_params(args: argparse.Namespace) -> tuple[Any, dict[str, float]]:
    """Load ``args.model``, apply ``--set-name``, and validate ``args.set`` against its
    parameters (``--set`` values override the set's)."""
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.core.loading import load_model

    model = apply_set_name(load_model(args.model), getattr(args, "set_name", None))
    params = parse_assignments(getattr(args, "set", []) or [])
    names = tuple(model.param_names)
    for key in params:
        if key not in names:
            raise ModelError(
                f"--set {key}: {key!r} is not a parameter of {model.name} "
                f"(parameters: {', '.join(names) or 'none'})"
            )
    return model, params


def emit(args: argparse.Namespace, text: str) -> None:
    """Print ``text`` to stdout, or write it to ``--out`` with the command's other outputs.

    Inside :func:`outputs` (every command run by ``dynsys``) the file is staged and
    written when the command succeeds; called on its own, it is written at once.
    """
    if not text.endswith("\n"):
        text += "\n"
    out = getattr(args, "out", None)
    if out:
        tx = getattr(args, "_outputs", None)
        if tx is not None:
            tx.write_text(out, text)
        else:
            # lazy: numpy (in _io) loads only when a command writes output (start-up time)
            from dynsys._io import write_text

            write_text(Path(out), text)
    else:
        sys.stdout.write(text)


def emit_json(args: argparse.Namespace, obj: Any) -> None:
    """Emit ``obj`` as indented JSON (numpy values and NaN handled)."""
    # lazy: numpy (in _io) loads only when a command writes output (start-up time)
    from dynsys._io import json_text

    emit(args, json_text(obj))


def save_plot(args: argparse.Namespace, fig: Any, path: str | None = None) -> None:
    """Save ``fig`` to ``--plot`` (or ``path``) with the command's other outputs (see emit)."""
    # lazy: matplotlib loads only when a figure is asked for (start-up time)
    from dynsys._figures import figure_bytes

    target = path if path is not None else args.plot
    data = figure_bytes(fig, target)
    tx = getattr(args, "_outputs", None)
    if tx is not None:
        tx.write_bytes(target, data)
    else:
        # lazy: numpy (in _io) loads only when a command writes output (start-up time)
        from dynsys._io import write_bytes

        write_bytes(target, data)


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse ``--out``/``--plot`` paths that cannot be written, before any work is done.

    So that a run never stops half-way with one file written and the next refused: the
    folder must exist, the path must not be a folder, a figure's suffix must be a format
    matplotlib writes. ``dynsys report --out`` names a folder and is checked by the report.
    """
    for flag in ("out", "plot"):
        value = getattr(args, flag, None)
        if value is None:
            continue
        if not value.strip():  # Path("") is the current folder: never what was meant
            raise ModelError(f"--{flag} needs a {'folder' if args.command == 'report' else 'file'}"
                             " name")
        if flag == "out" and args.command == "report":
            continue
        path = Path(value)
        if path.is_dir():
            raise ModelError(f"--{flag} {value}: is a folder, not a file name")
        folder = path.parent
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            raise ModelError(f"--{flag} {value}: the folder {str(folder)!r} {what}")
        if flag == "plot":
            # lazy: matplotlib loads only when a figure is asked for (start-up time)
            from dynsys._figures import figure_format

            figure_format(path)


def _output_flags(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The (flag, path) of every file the command will write (``report --out`` is a folder)."""
    return [(flag, value) for flag in ("out", "plot")
            if (value := getattr(args, flag, None))
            and not (flag == "out" and getattr(args, "command", None) == "report")]


@contextlib.contextmanager
def outputs(args: argparse.Namespace) -> Iterator[None]:
    """Run a command so that its ``--out``/``--plot`` files are written all or none.

    The paths are checked (:func:`check_outputs`) and reserved before any work is done
    (each gets its temporary file beside it, so an unwritable one is refused at once);
    :func:`emit` and :func:`save_plot` stage their files; they are put in place together
    when the command returns, and none of them is written if it fails or is interrupted.
    """
    check_outputs(args)
    flags = _output_flags(args)
    if not flags:
        yield
        return
    # lazy: numpy (in _io) loads only when a command writes output (start-up time)
    from dynsys._io import OutputTransaction

    with OutputTransaction() as tx:
        targets: dict[Any, str] = {}
        for flag, value in flags:
            try:
                target = tx.reserve(value)
            except ModelError as exc:
                raise ModelError(f"--{flag} {value}: {exc}") from None
            if target.kind == "file" and target.path in targets:
                other = targets[target.path]
                raise ModelError(f"--{flag} {value} and --{other} {getattr(args, other)} "
                                 "name the same file")
            targets[target.path] = flag
        args._outputs = tx
        try:
            yield
        finally:
            del args._outputs
    plot = getattr(args, "plot", None)
    if plot and Path(plot).exists():  # committed: say where the figure went
        print(f"figure written to {plot}", file=sys.stderr)


class VersionAction(argparse.Action):
    """``--version``: print ``dynsys X.Y.Z`` and exit (the version is read only when asked)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        # lazy: importlib.metadata costs start-up time that --help does not need
        from dynsys._version import __version__

        parser.exit(message=f"dynsys {__version__}\n")


#: Help text of every command's ``--unit``.
UNIT_HELP = ("unit of the states in the figure (default: the model's declared unit, else "
             "none; '' for none)")


def figure_unit(args: argparse.Namespace, model: Any) -> str | None:
    """The unit of the states in a figure: ``--unit`` if given ('' for none), else the
    unit the model declares (``Model.units``), else none: never one it did not declare."""
    given = getattr(args, "unit", None)
    if given is not None:
        return given or None
    unit = getattr(model, "unit", None)
    return unit() if callable(unit) else None
