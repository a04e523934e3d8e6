"""The ``dynsys`` command.

Each sub-command lives in its own module under :mod:`dynsys.commands`, which
provides ``register(subparsers)``; this module only assembles them, fixes up
negative numbers after flags, and turns every :class:`~dynsys.errors.DynsysError`
into one line ``error: <message>`` on stderr with exit status 2 (never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import NoReturn

from dynsys import commands
from dynsys.commands._common import VersionAction, outputs
from dynsys.errors import DynsysError, ModelError

__all__ = ["build_parser", "main"]

_NEGATIVE_VALUE = re.compile(r"^-(\d|\.\d|inf\b)")


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """Let values that start with '-' follow a flag: ``--x0 -1.2,-0.6`` -> ``--x0=-1.2,-0.6``.

    argparse only accepts plain negative numbers after a flag; lists (``-1,-2``) and
    ranges (``-20:0``) would be taken for options.
    """
    out: list[str] = []
    it = iter(argv)
    for token in it:
        if token.startswith("--") and "=" not in token and len(token) > 2:
            out.append(token)
            continue
        if out and out[-1].startswith("--") and "=" not in out[-1] and _NEGATIVE_VALUE.match(token):
            out[-1] = f"{out[-1]}={token}"
            continue
        out.append(token)
    return out


class _UsageError(ModelError):
    """A command line argparse rejects (unknown option, bad int, missing MODEL)."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one ``error: ...`` line (exit 2), like every other error.

    Sub-command parsers inherit the class (``add_subparsers`` uses ``type(self)``).
    """

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see '{self.prog} --help')")


class _Terminated(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt, so every cleanup on the way runs.

    (Temporary files and folders removed, a report's lock released, its figure worker
    terminated.) A BaseException, so no ``except Exception`` on the way swallows it.
    """


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one must not cut cleanup
    raise _Terminated


def _one_line(message: str) -> str:
    """The error on one line whatever the user typed (a newline in a name is shown as \\n)."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command of :mod:`dynsys.commands`."""
    parser = _Parser(
        prog="dynsys",
        description="Analyse dynamical systems: equilibria, stability, phase planes, "
        "continuation, noise, Hopfield networks, LaTeX and figures.",
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dynsys.commands.{info.name}")
        module.register(sub)
    return parser


def _show_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int,
    file: object = None, line: str | None = None,
) -> None:
    """Warnings print as one line ``warning: <message>`` on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status.

    0 success, 2 bad input or failure, 130 interrupted (SIGINT), 143 terminated (SIGTERM);
    interrupted or terminated, a command leaves no output file and no process behind.
    """
    args_in = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_in:  # `dynsys` alone: the help, not an error
        parser.print_help()
        return 0
    previous = None
    if threading.current_thread() is threading.main_thread():  # signals reach only that one
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _run(parser, args_in)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(parser: argparse.ArgumentParser, args_in: list[str]) -> int:
    """Parse and run one command; every failure is one ``error:`` line (see :func:`main`)."""
    with warnings.catch_warnings():  # restores showwarning and the filters on exit
        warnings.showwarning = _show_warning
        # numpy's "overflow/invalid value encountered in ..." are not messages for users:
        # the analyses check their results for non-finite values and raise errors
        warnings.filterwarnings("ignore", message=".*encountered in", category=RuntimeWarning)
        try:
            args = parser.parse_args(_join_negative_values(args_in))
            with outputs(args):  # --out/--plot: all written when the command succeeds, or none
                status = args.func(args)
        except DynsysError as exc:
            print(_one_line(f"error: {exc}"), file=sys.stderr)
            return 2
        except OSError as exc:
            print(_one_line(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")),
                  file=sys.stderr)
            return 2
        except MemoryError:
            print("error: out of memory: the requested sizes are too large for this machine",
                  file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return 130
        except _Terminated:
            # 143 = 128 + SIGTERM, the shell's status for a process ended by SIGTERM (as 130
            # is for SIGINT above): a caller can tell "stopped" from "bad input" (2)
            print("error: terminated (SIGTERM)", file=sys.stderr)
            return 143
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
