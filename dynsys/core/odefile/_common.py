"""Shared vocabulary of the .ode reader and writer: limits, functions, patterns."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp

from dynsys.core.odefile._fastfn import exp_of
from dynsys.core.symbols import heav
from dynsys.errors import ModelError

#: Largest accepted text, in characters.
MAX_TEXT = 1_000_000
#: Deepest accepted nesting of an expression (parentheses, calls, powers, signs).
MAX_DEPTH = 100
#: Most syntax nodes visited while building a file's expressions (functions inlined, each
#: argument counted as often as it is used): a dense all-to-all network of 200 units
#: written with arrays and a weight table, ``f(g*sum(...)of(w(...)*shift(x0,i')))``, takes
#: about 1.2 million; a doubling blow-up ``f1(s) = f0(f0(s))`` is stopped after ~20 levels.
MAX_NODES = 2_000_000


class IgnoredOptionWarning(UserWarning):
    """An ``@`` option of an ``.ode`` file that dynsys does not use."""


# name -> (sympy constructor, min args, max args)
_FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "exp": (exp_of, 1, 1),  # sp.exp, without its slow query on long sums
    "log": (sp.log, 1, 1),
    "ln": (sp.log, 1, 1),
    "log10": (lambda a: sp.log(a, 10), 1, 1),
    "sqrt": (sp.sqrt, 1, 1),
    "sin": (sp.sin, 1, 1),
    "cos": (sp.cos, 1, 1),
    "tan": (sp.tan, 1, 1),
    "sinh": (sp.sinh, 1, 1),
    "cosh": (sp.cosh, 1, 1),
    "tanh": (sp.tanh, 1, 1),
    "asin": (sp.asin, 1, 1),
    "acos": (sp.acos, 1, 1),
    "atan": (sp.atan, 1, 1),
    "atan2": (sp.atan2, 2, 2),
    "asinh": (sp.asinh, 1, 1),
    "acosh": (sp.acosh, 1, 1),
    "atanh": (sp.atanh, 1, 1),
    "erf": (sp.erf, 1, 1),
    "sign": (sp.sign, 1, 1),
    "heav": (heav, 1, 1),
    "erfc": (sp.erfc, 1, 1),
    "abs": (sp.Abs, 1, 1),
    "flr": (sp.floor, 1, 1),
    "mod": (sp.Mod, 2, 2),  # built as XPPAUT's mod (see _expressions._pmod)
    "min": (sp.Min, 2, 64),
    "max": (sp.Max, 2, 64),
}
#: XPPAUT functions dynsys does not take, and why (each refusal names the feature).
_UNSUPPORTED_FUNCTIONS: dict[str, str] = {
    "ran": "random numbers inside the equations are not supported; declare a noise term "
           "'wiener w' and write x' = F + sigma*w",
    "normal": "random numbers inside the equations are not supported; declare a noise term "
              "'wiener w' and write x' = F + sigma*w",
    "poisson": "random numbers inside the equations are not supported",
    "delay": "delay equations are not supported",
    "del_shft": "delay equations are not supported",
    "shift": "array shifts shift(x, k) are supported for a state or fixed quantity x and "
             "an integer constant k only",
    "ishift": "array shifts (ishift) are not supported",
    "int": "Volterra integral equations are not supported",
    "besselj": "Bessel functions are not supported",
    "bessely": "Bessel functions are not supported",
    "besseli": "Bessel functions are not supported",
    "lgamma": "the log-gamma function is not supported",
    "hom_bcs": "boundary-value problems are not supported",
}
# sympy function classes that print under their own (whitelisted) name
_PRINTABLE = {
    sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.asin, sp.acos,
    sp.atan, sp.atan2, sp.asinh, sp.acosh, sp.atanh, sp.erf, sp.erfc, sp.sign, sp.Abs,
    sp.Min, sp.Max, sp.Heaviside, sp.floor, sp.Mod, sp.Piecewise,
}
#: Words of the expression grammar, which cannot be names.
_RESERVED = frozenset({"if", "then", "else", "not", "of", "pi"})
#: XPPAUT reads a statement word by its first letter (``p``, ``par``, ``params`` ...).
_KEYWORDS = {"p": "par", "i": "init", "n": "number", "a": "aux", "w": "wiener", "d": "done"}
#: XPPAUT statements (by first letter, as XPPAUT reads them) that dynsys refuses, and why.
_UNSUPPORTED = {
    "m": "Markov chains ('markov') are not supported",
    "v": "Volterra integral equations and vectors ('volterra', 'vector') are not supported",
    "b": "boundary-value problems ('bdry') are not supported",
    "s": "special operators (convolutions, sparse sums, Gillespie steps: 'special') are not "
         "supported",
    "o": "'options' files are not supported (write the options as @ lines)",
    "e": "'export' to C is not supported",
    "k": "kernels of Volterra equations are not supported",
}
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_IDENT_RE = re.compile(rf"{_IDENT}\Z")
_EQ_PRIME = re.compile(rf"({_IDENT})\s*'\s*=(?!=)(.*)\Z", re.S)
_EQ_DDT = re.compile(rf"d({_IDENT})\s*/\s*dt\s*=(?!=)(.*)\Z", re.S)
_INIT0 = re.compile(rf"({_IDENT})\s*\(\s*0\s*\)\s*=(?!=)(.*)\Z", re.S)
_FUNDEF = re.compile(rf"({_IDENT})\s*\(([^()]*)\)\s*=(?!=)(.*)\Z", re.S)
_DERIVED = re.compile(rf"!\s*({_IDENT})\s*=(?!=)(.*)\Z", re.S)
_FIXED = re.compile(rf"({_IDENT})\s*=(?!=)(.*)\Z", re.S)
_STATEMENTS = (
    (_EQ_PRIME, "state"), (_EQ_DDT, "state"), (_INIT0, "init"), (_DERIVED, "derived parameter"),
    (_FUNDEF, "function"), (_FIXED, "fixed quantity"),
)
_KEYWORD = re.compile(r"([A-Za-z]+)(?:\s+(?![\s=('/])(.*)\Z|\Z)", re.S)
_ITEM = re.compile(rf"(?:^|(?<=[\s,]))({_IDENT})\s*=(?!=)")
_DIRECTIVE = re.compile(r"#\s*dynsys\s*:\s*(.*)\Z", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _clip(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _fail(line: int, message: str) -> ModelError:
    return ModelError(f"line {line}: {message}")
