"""Every option of every ``dynsys`` subcommand has help text that states its default.

Walks the parser :func:`dynsys.cli.build_parser` assembles, so an option added later
without help, or with a default its help does not mention, fails here.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

from dynsys.cli import build_parser

_SILENT = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)


def _options(parser: argparse.ArgumentParser, prog: str = "dynsys"
             ) -> Iterator[tuple[str, argparse.Action]]:
    """(subcommand path, action) for every argument of the parser tree."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{prog} {name}")
        elif action.help != argparse.SUPPRESS:
            yield prog, action


def _name(prog: str, action: argparse.Action) -> str:
    return f"{prog} {'/'.join(action.option_strings) or action.dest}"


def _states_default(help_text: str, default: object) -> bool:
    """The help names the default: its value, or 'default: none' / "the model's ..."."""
    text = help_text.lower()
    if isinstance(default, (list, tuple)) and not default:
        return "default: none" in text or "default: the model's" in text
    value = re.escape(str(default).lower())
    return bool(re.search(rf"(?<![\w.]){value}(?![\w.])", text)) or "default: the model's" in text


def test_the_walk_reaches_every_subcommand():
    progs = {prog for prog, _ in _options(build_parser())}
    for sub in ("simulate", "analyze", "phase", "continue", "report", "show", "models",
                "hopfield recall", "hopfield capacity", "hopfield scaling",
                "hopfield error-correction", "hopfield fixed-points"):
        assert f"dynsys {sub}" in progs, sub


def test_every_option_has_help():
    missing = [_name(prog, a) for prog, a in _options(build_parser())
               if not isinstance(a, _SILENT) and not (a.help or "").strip()]
    assert not missing, missing


def test_every_default_is_stated_in_the_help():
    """A default that is neither None nor False is visible in --help."""
    silent = []
    for prog, a in _options(build_parser()):
        if isinstance(a, _SILENT) or any(a.default is v for v in (None, False)) \
                or a.default == argparse.SUPPRESS:
            continue
        if isinstance(a, argparse._StoreConstAction):  # --json: a shorthand, no default
            continue
        if not _states_default(a.help or "", a.default):
            silent.append(f"{_name(prog, a)} (default {a.default!r}): {a.help!r}")
    assert not silent, "\n".join(silent)


def test_the_check_itself_can_fail():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=7, help="number of steps")
    parser.add_argument("--tags", action="append", default=[], help="tags")
    (_, steps), (_, tags) = [o for o in _options(parser) if o[1].option_strings[0] != "-h"]
    assert not _states_default(steps.help, steps.default)
    assert not _states_default(tags.help, tags.default)
    assert _states_default("number of steps (7)", 7)
    assert not _states_default("a seed, e.g. 10", 0)  # a digit elsewhere is not the default
