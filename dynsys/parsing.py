"""Safe reading and writing of model text in the XPPAUT ``.ode`` subset.

``parse_ode(text, name=) -> Model`` reads the statements below; ``format_ode(model) -> str``
writes a Model back so that text -> Model -> text -> Model gives an equal Model.

=======================================  =============================================
statement                                meaning
=======================================  =============================================
``# ...``                                comment (also after a statement); ``"`` lines
                                         are XPP notes and are skipped as well
``x' = expr`` or ``dx/dt = expr``        the equation of state ``x`` (order of states =
                                         order of equations)
``x(0) = 1``, ``init x=1, y=0``          initial values (numbers)
``par a=1, b=2`` (``p``, ``param``;      parameters with default values (numbers; commas
``par a=1 b=2`` also works)              or spaces separate them)
``number c=3``                           a named constant, inlined (not a parameter)
``!d = 2*a``                             a derived parameter, substituted into the
                                         equations (the Model's parameters stay numbers)
``u = w*x + I``                          a fixed quantity (XPP's temporary), inlined
``f(s) = 1/(1+exp(-s))``                 a function (several arguments allowed), inlined;
                                         recursion is an error
``aux r = x + y``                        an auxiliary output
``wiener w``                             a noise term: ``x' = F + sigma*w`` gives noise
                                         amplitude ``sigma`` for ``x`` (free of states
                                         and ``t``); one wiener feeds one state
``@ dt=0.05, total=100, xlo=..``         options: ``dt``, ``total``, and ``xlo``/``xhi``,
                                         ``ylo``/``yhi`` (the region of the ``xp``/``yp``
                                         states, else of the first two states) are
                                         honoured; every other option is ignored with an
                                         :class:`IgnoredOptionWarning`
``# dynsys: region z=-1:1``              region of further states (XPP has no option
                                         for a third state; the comment keeps XPP happy)
``# dynsys: description text``           the Model's description
``done``                                 end of the model; the rest is not read
=======================================  =============================================

Expressions use ``+ - * / ^ **`` (``^`` is a power: ``v - v^3/3`` is ``v - (v**3)/3``,
``-x^2`` is ``-(x^2)``), numbers, names, and the functions exp, log (= ln), log10,
sqrt, sin, cos, tan, sinh, cosh, tanh, asin, acos, atan, atan2, asinh, acosh, atanh,
erf, abs, sign, heav (0 below zero, 1 from zero on), min, max. ``t`` is time. Names are
case-sensitive (unlike XPP; keywords are not) and ASCII. ``I``, ``E``, ``N``, ``S``,
``gamma``, ... are ordinary names; ``pi`` is the number pi unless the file declares a
name ``pi``.

Safety: text is never evaluated. Each expression is parsed by :func:`ast.parse` into a
syntax tree, which is walked through a whitelist (numbers, names, ``+ - * / **``, unary
``+ -`` and calls of the functions above), building sympy objects directly. Anything
else -- attribute access, subscripts, strings, lambdas, keyword arguments, calls of
other names -- is a :class:`~dynsys.errors.ModelError` naming the line and the culprit,
as are input over 1 MB, binary data, nesting deeper than 100 levels, expressions that
grow beyond 100,000 nodes when functions are inlined, and non-finite constants
(``1/0``, ``exp(1000)``).

References
----------
Ermentrout, B. (2002). *Simulating, Analyzing, and Animating Dynamical Systems: A Guide
to XPPAUT for Researchers and Students*. SIAM. (The ``.ode`` file format.)
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from dynsys.errors import ModelError
from dynsys.model import Model, heav, time_symbol

__all__ = ["IgnoredOptionWarning", "format_ode", "parse_ode"]

#: Largest accepted text, in characters.
MAX_TEXT = 1_000_000
#: Deepest accepted nesting of an expression (parentheses, calls, powers, signs).
MAX_DEPTH = 100
#: Most syntax nodes visited while building a file's expressions (functions inlined).
MAX_NODES = 100_000


class IgnoredOptionWarning(UserWarning):
    """An ``@`` option of an ``.ode`` file that dynsys does not use."""


# name -> (sympy constructor, min args, max args)
_FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "exp": (sp.exp, 1, 1),
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
    "abs": (sp.Abs, 1, 1),
    "sign": (sp.sign, 1, 1),
    "heav": (heav, 1, 1),
    "min": (sp.Min, 2, 64),
    "max": (sp.Max, 2, 64),
}
# sympy function classes that print under their own (whitelisted) name
_PRINTABLE = {
    sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.asin, sp.acos,
    sp.atan, sp.atan2, sp.asinh, sp.acosh, sp.atanh, sp.erf, sp.sign, sp.Abs, sp.Min,
    sp.Max, sp.Heaviside,
}
_KEYWORDS = {
    "p": "par", "par": "par", "param": "par", "parameter": "par", "parameters": "par",
    "i": "init", "init": "init", "number": "number", "num": "number", "aux": "aux",
    "wiener": "wiener", "done": "done",
}
_UNSUPPORTED = {
    "table", "global", "markov", "volterra", "set", "bdry", "bndry", "special", "export",
    "only", "options", "vector",
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
_KEYWORD = re.compile(r"([A-Za-z]+)(?:\s+(?![\s=('])(.*)\Z|\Z)", re.S)
_ITEM = re.compile(rf"(?:^|(?<=[\s,]))({_IDENT})\s*=(?!=)")
_DIRECTIVE = re.compile(r"#\s*dynsys\s*:\s*(.*)\Z", re.S)
_PY_KEYWORD = re.compile(r"\b(" + "|".join(keyword.kwlist) + r")\b")
_KW_PREFIX = "_ode_kw_"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _clip(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _fail(line: int, message: str) -> ModelError:
    return ModelError(f"line {line}: {message}")


# ----------------------------------------------------------------------------- reading
@dataclass
class _Decl:
    kind: str  # state, parameter, number, derived parameter, fixed quantity, function, ...
    line: int
    text: str = ""  # the expression text
    args: tuple[str, ...] = ()
    tree: ast.expr | None = None
    code: str = ""  # the text as handed to ast.parse


@dataclass
class _Source:
    equations: dict[str, _Decl] = field(default_factory=dict)
    params: dict[str, _Decl] = field(default_factory=dict)
    macros: dict[str, _Decl] = field(default_factory=dict)  # number, derived, fixed, function
    aux: dict[str, _Decl] = field(default_factory=dict)
    wieners: dict[str, int] = field(default_factory=dict)
    inits: dict[str, tuple[int, str]] = field(default_factory=dict)
    options: list[tuple[int, str, str]] = field(default_factory=list)
    regions: list[tuple[int, str, str]] = field(default_factory=list)
    names: dict[str, tuple[str, int]] = field(default_factory=dict)
    description: str = ""

    def declare(self, name: str, kind: str, line: int) -> None:
        if not _IDENT_RE.match(name):
            raise _fail(line, f"{name!r} is not a valid name")
        if name == "t":
            raise _fail(line, f"'t' is time and cannot be declared as a {kind}")
        if name in _FUNCTIONS:
            raise _fail(line, f"{name!r} is a built-in function and cannot be a {kind}")
        if name in self.names:
            old_kind, old_line = self.names[name]
            if old_kind == kind:
                what = "equation for" if kind == "state" else kind
                raise _fail(line, f"second {what} {name!r} (first on line {old_line})")
            raise _fail(line, f"{name!r} is already declared as a {old_kind} on line {old_line}")
        self.names[name] = (kind, line)


def _text_lines(text: str | bytes) -> list[tuple[int, str]]:
    """Validate the raw text and return (line number, content) for each physical line."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ModelError(f"the text is not UTF-8 (byte {exc.start}): binary data?") from None
    if not isinstance(text, str):
        raise ModelError(f"model text must be a string, got {type(text).__name__}")
    text = text.removeprefix("\ufeff")  # a byte-order mark from a Windows editor
    if len(text) > MAX_TEXT:
        raise ModelError(f"the text is too long ({len(text)} characters; at most {MAX_TEXT})")
    if not text.strip():
        raise ModelError("the text is empty: it declares no equations")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = []
    for number, content in enumerate(lines, start=1):
        bad = _CONTROL.search(content)
        if bad:
            what = "a NUL byte" if bad.group() == "\x00" else f"control character {bad.group()!r}"
            raise _fail(number, f"binary data: {what} in the text")
        out.append((number, content))
    return out


def _statements(text: str | bytes) -> list[tuple[int, str, bool]]:
    """Logical statements (line, text, is_directive): comments dropped, continuations joined."""
    result: list[tuple[int, str, bool]] = []
    pending: tuple[int, str] | None = None
    for number, raw in _text_lines(text):
        stripped = raw.strip()
        if pending is None and (stripped.startswith("#") or stripped.startswith('"')):
            m = _DIRECTIVE.match(stripped)
            if m:
                result.append((number, m.group(1).strip(), True))
            continue
        body = raw.split("#", 1)[0].rstrip()
        if pending is not None:
            start, before = pending
            body = before + " " + body.strip()
            number = start
        if body.endswith("\\"):
            pending = (number, body[:-1])
            continue
        pending = None
        if body.strip():
            result.append((number, body.strip(), False))
    if pending is not None and pending[1].strip():
        result.append((pending[0], pending[1].strip(), False))
    return result


def _assignments(body: str, line: int, what: str) -> list[tuple[str, str]]:
    """Split ``a=1, b=2`` or ``a=1 b=2`` into [(name, value text)]."""
    matches = list(_ITEM.finditer(body))
    if not matches:
        raise _fail(line, f"expected NAME=VALUE after {what!r}, got {_clip(body)!r}")
    head = body[: matches[0].start()].strip(" \t,")
    if head:
        raise _fail(line, f"cannot read {_clip(head)!r} in the {what!r} statement")
    items = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        value = body[m.end() : end].strip()
        if value.endswith(","):
            value = value[:-1].strip()
        if not value:
            raise _fail(line, f"no value for {m.group(1)!r} in the {what!r} statement")
        items.append((m.group(1), value))
    return items


def _read(text: str | bytes) -> _Source:
    src = _Source()
    statements = _statements(text)
    for line, body, directive in statements:
        if directive:
            _read_directive(src, line, body)
            continue
        if _NON_ASCII.search(body):
            ch = _NON_ASCII.search(body).group()  # type: ignore[union-attr]
            raise _fail(line, f"non-ASCII character {ch!r} outside a comment")
        kw = _KEYWORD.match(body)
        word = kw.group(1).lower() if kw else ""
        if kw and word in _KEYWORDS and (kw.group(2) is not None or word == "done"):
            kind = _KEYWORDS[word]
            rest = (kw.group(2) or "").strip()
            if kind == "done":
                if rest:
                    raise _fail(line, f"unexpected {_clip(rest)!r} after 'done'")
                break
            _read_keyword(src, kind, line, rest, word)
            continue
        if kw and word in _KEYWORDS and kw.group(2) is None and word not in ("p", "i"):
            raise _fail(line, f"{word!r} needs something to declare")
        if kw and word in _UNSUPPORTED:
            raise _fail(line, f"XPP {word!r} statements are not supported")
        if body.startswith("@"):
            for name, value in _assignments(body[1:], line, "@"):
                src.options.append((line, name.lower(), value))
            continue
        found = next(((kind, m) for pattern, kind in _STATEMENTS
                      if (m := pattern.match(body))), None)
        if found is None:
            raise _fail(
                line,
                f"cannot read statement {_clip(body)!r} (expected x' = ..., dx/dt = ..., "
                "x(0) = ..., par, init, number, aux, wiener, !p = ..., f(x) = ..., @, done)",
            )
        kind, m = found
        name = m.group(1)
        if kind == "init":
            _add_init(src, line, name, m.group(2).strip())
        elif kind == "function":
            args = tuple(a.strip() for a in m.group(2).split(","))
            if not args or not all(_IDENT_RE.match(a) for a in args):
                raise _fail(line, f"function {name!r} needs argument names, got "
                                  f"({_clip(m.group(2))})")
            if len(set(args)) != len(args):
                raise _fail(line, f"function {name!r} repeats an argument name")
            src.declare(name, "function", line)
            src.macros[name] = _Decl("function", line, m.group(3).strip(), args)
        else:
            src.declare(name, kind, line)
            decl = _Decl(kind, line, m.group(2).strip())
            if kind == "state":
                src.equations[name] = decl
            else:
                src.macros[name] = decl
    return src


def _read_directive(src: _Source, line: int, body: str) -> None:
    word, _, rest = body.partition(" ")
    if word.lower() == "description":
        src.description = " ".join([src.description, rest.strip()]).strip()
        return
    if word.lower() != "region":
        warnings.warn(f"line {line}: ignoring unknown '# dynsys:' directive {_clip(word)!r}",
                      IgnoredOptionWarning, stacklevel=4)
        return
    for part in filter(None, (p.strip() for p in rest.split(","))):
        name, sep, bounds = part.partition("=")
        if not sep or not _IDENT_RE.match(name.strip()) or ":" not in bounds:
            raise _fail(line, f"region directive expects NAME=LO:HI, got {_clip(part)!r}")
        src.regions.append((line, name.strip(), bounds))


def _add_init(src: _Source, line: int, name: str, value: str) -> None:
    if name in src.inits:
        raise _fail(line, f"second initial value for {name!r} (first on line {src.inits[name][0]})")
    if not value:
        raise _fail(line, f"no initial value for {name!r}")
    src.inits[name] = (line, value)


def _read_keyword(src: _Source, kind: str, line: int, rest: str, word: str) -> None:
    if kind == "wiener":
        names = [n for n in re.split(r"[\s,]+", rest) if n]
        if not names:
            raise _fail(line, "'wiener' needs at least one name")
        for name in names:
            src.declare(name, "wiener", line)
            src.wieners[name] = line
        return
    if kind == "aux":
        m = _FIXED.match(rest)
        if not m:
            raise _fail(line, f"'aux' expects NAME = expression, got {_clip(rest)!r}")
        src.declare(m.group(1), "aux output", line)
        src.aux[m.group(1)] = _Decl("aux output", line, m.group(2).strip())
        return
    for name, value in _assignments(rest, line, word):
        if kind == "par":
            src.declare(name, "parameter", line)
            src.params[name] = _Decl("parameter", line, value)
        elif kind == "number":
            src.declare(name, "number", line)
            src.macros[name] = _Decl("number", line, value)
        else:  # init
            _add_init(src, line, name, value)


# ----------------------------------------------------------------------------- expressions
def _to_code(text: str) -> str:
    """``^`` -> ``**``; Python keywords (``lambda``, ``in``...) become plain names."""
    return _PY_KEYWORD.sub(lambda m: _KW_PREFIX + m.group(1), text.replace("^", "**"))


def _parse_expression(text: str, line: int, where: str) -> ast.expr:
    """Syntax-check expression text and return its AST (nothing is evaluated)."""
    if not text:
        raise _fail(line, f"empty expression in {where}")
    depth = 0
    for ch in text:
        depth += (ch in "([{") - (ch in ")]}")
        if depth < 0:
            raise _fail(line, f"unbalanced parentheses in {where}: unexpected ')' in "
                              f"{_clip(text)!r}")
        if depth > MAX_DEPTH:
            raise _fail(line, f"{where} is nested more than {MAX_DEPTH} levels deep")
    if depth:
        raise _fail(line, f"unbalanced parentheses in {where}: {depth} '(' not closed in "
                          f"{_clip(text)!r}")
    if re.search(r"[-+]{" + str(MAX_DEPTH) + ",}", text.replace(" ", "")):
        raise _fail(line, f"{where} is nested more than {MAX_DEPTH} levels deep")
    try:
        tree = ast.parse(_to_code(text), mode="eval")
    except SyntaxError as exc:
        raise _fail(line, f"cannot parse {where}: {exc.msg} in {_clip(text)!r}") from None
    except (RecursionError, MemoryError, ValueError):
        raise _fail(line, f"{where} is too long or too deeply nested to parse") from None
    return tree.body


_NODE_NAMES = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
    ast.Compare: "comparison (use heav() for steps)", ast.BoolOp: "boolean operator",
    ast.IfExp: "if-expression", ast.List: "list", ast.Tuple: "tuple", ast.Dict: "dict",
    ast.Set: "set", ast.ListComp: "comprehension", ast.GeneratorExp: "generator",
    ast.SetComp: "comprehension", ast.DictComp: "comprehension", ast.Starred: "starred argument",
    ast.JoinedStr: "string", ast.NamedExpr: "assignment expression", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slice",
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class _Builder:
    """Builds sympy expressions from whitelisted ASTs; inlines numbers, macros and functions."""

    def __init__(self, src: _Source) -> None:
        self.src = src
        self.symbols = {n: sp.Symbol(n, real=True) for n in [*src.equations, *src.params]}
        self.wieners = {n: sp.Symbol(n, real=True) for n in src.wieners}
        self.budget = MAX_NODES
        self.stack: list[str] = []

    def tree(self, decl: _Decl, where: str) -> ast.expr:
        if decl.tree is None:
            decl.tree = _parse_expression(decl.text, decl.line, where)
            decl.code = _to_code(decl.text)
        return decl.tree

    def build(self, decl: _Decl, where: str) -> tuple[sp.Expr, bool]:
        """(expression, is_constant) of a declaration's text."""
        tree = self.tree(decl, where)
        expr, const = self.node(tree, decl, where, {}, 0)
        if expr.has(sp.zoo, sp.oo, sp.nan, sp.I):
            raise _fail(decl.line, f"{where} is not finite or not real (division by zero?): "
                                   f"{_clip(decl.text)!r}")
        return expr, const

    def constant(self, decl: _Decl, where: str) -> float:
        expr, const = self.build(decl, where)
        if not const:
            raise _fail(decl.line, f"{where} must be a finite number, got {_clip(decl.text)!r}")
        return self.check_finite(expr, decl, where, decl.text)

    @staticmethod
    def check_finite(expr: sp.Expr, decl: _Decl, where: str, snippet: str) -> float:
        try:
            value = float(expr)
        except (TypeError, ValueError, OverflowError):
            value = math.nan
        if not math.isfinite(value):
            raise _fail(decl.line, f"{where} has a non-finite or non-real constant "
                                   f"{_clip(snippet)!r}")
        if value == 0.0 and expr.is_Float and not expr.is_zero:  # 1e-200*1e-200
            raise _fail(decl.line, f"{where} has a constant beyond float64 range "
                                   f"{_clip(snippet)!r}")
        return value

    def node(self, n: ast.expr, decl: _Decl, where: str, env: dict, depth: int
             ) -> tuple[sp.Expr, bool]:
        if depth > MAX_DEPTH:
            raise _fail(decl.line, f"{where} is nested more than {MAX_DEPTH} levels deep")
        self.spend(1, decl)
        text = self.tree_text(n, decl)
        if isinstance(n, ast.Constant):
            v = n.value
            if isinstance(v, bool) or not isinstance(v, int | float):
                kind = "string" if isinstance(v, str | bytes) else type(v).__name__
                raise _fail(decl.line, f"{kind} {_clip(repr(v))} is not allowed in {where}")
            expr = sp.Integer(v) if isinstance(v, int) else sp.Float(v)
            self.check_finite(expr, decl, where, text)
            return expr, True
        if isinstance(n, ast.Name):
            return self.name(n.id, decl, where, env, depth)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub | ast.UAdd):
            expr, const = self.node(n.operand, decl, where, env, depth + 1)
            return (-expr if isinstance(n.op, ast.USub) else expr), const
        if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
            return self.binop(n, decl, where, env, depth)
        if isinstance(n, ast.Call):
            return self.call(n, decl, where, env, depth)
        if isinstance(n, ast.UnaryOp | ast.BinOp):
            op = {ast.Not: "not", ast.Invert: "~", ast.Mod: "%", ast.FloorDiv: "//",
                  ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&",
                  ast.BitOr: "|", ast.BitXor: "^"}.get(type(n.op), type(n.op).__name__)
            raise _fail(decl.line, f"operator {op!r} is not allowed in {where}: {_clip(text)!r}")
        what = _NODE_NAMES.get(type(n), type(n).__name__)
        raise _fail(decl.line, f"{what} is not allowed in {where}: {_clip(text)!r}")

    def spend(self, size: int, decl: _Decl) -> None:
        self.budget -= size
        if self.budget < 0:
            raise _fail(decl.line, f"expressions grow beyond {MAX_NODES} nodes when functions "
                                   "are inlined")

    @staticmethod
    def tree_text(n: ast.AST, decl: _Decl) -> str:
        # statements are single ASCII lines: column offsets index the code directly
        start, end = getattr(n, "col_offset", 0), getattr(n, "end_col_offset", None)
        seg = decl.code[start:end] or decl.text
        return seg.replace(_KW_PREFIX, "")

    def name(self, ident: str, decl: _Decl, where: str, env: dict, depth: int
             ) -> tuple[sp.Expr, bool]:
        if ident.startswith(_KW_PREFIX) and ident[len(_KW_PREFIX):] in keyword.kwlist:
            ident = ident[len(_KW_PREFIX):]
        if ident in env:
            expr, const, size = env[ident]
            self.spend(size, decl)  # an argument counts as often as it is used
            return expr, const
        if ident in self.symbols:
            return self.symbols[ident], False
        if ident == "t":
            return time_symbol, False
        if ident in self.wieners:
            return self.wieners[ident], False
        macro = self.src.macros.get(ident)
        if macro is not None and macro.kind != "function":
            return self.expand(ident, macro, [], decl, depth)
        if ident == "pi":
            return sp.pi, True
        if macro is not None or ident in _FUNCTIONS:
            raise _fail(decl.line, f"function {ident!r} used without arguments in {where}")
        if ident in self.src.aux:
            raise _fail(decl.line, f"{ident!r} is an aux output and cannot be used in {where}; "
                                   f"declare it as a fixed quantity '{ident} = ...' instead")
        known = ", ".join([*self.src.equations, *self.src.params]) or "none"
        raise _fail(decl.line, f"unknown name {ident!r} in {where} (states and parameters: "
                               f"{known})")

    def expand(self, ident: str, macro: _Decl, args: list[tuple[sp.Expr, bool, int]],
               decl: _Decl, depth: int) -> tuple[sp.Expr, bool]:
        if ident in self.stack:
            chain = " -> ".join([*self.stack[self.stack.index(ident):], ident])
            raise _fail(macro.line, f"recursive definition of {ident!r} ({chain})")
        self.stack.append(ident)
        try:
            where = f"{macro.kind} {ident!r}"
            env = dict(zip(macro.args, args, strict=True))
            expr, const = self.node(self.tree(macro, where), macro, where, env, depth + 1)
        finally:
            self.stack.pop()
        return expr, const

    def binop(self, n: ast.BinOp, decl: _Decl, where: str, env: dict, depth: int
              ) -> tuple[sp.Expr, bool]:
        if isinstance(n.op, ast.Pow):
            (base, cb), (ex, ce) = (self.node(c, decl, where, env, depth + 1)
                                    for c in (n.left, n.right))
            if cb and ce:
                self.check_power(base, ex, decl, where, self.tree_text(n, decl))
            expr = sp.Pow(base, ex)
            const = cb and ce
            if const:
                self.check_finite(expr, decl, where, self.tree_text(n, decl))
            return expr, const
        # flatten left-deep chains of + - (or * /) so that long sums need no recursion
        group = (ast.Add, ast.Sub) if isinstance(n.op, ast.Add | ast.Sub) else (ast.Mult, ast.Div)
        operands: list[tuple[type, ast.expr]] = []
        cur: ast.expr = n
        while isinstance(cur, ast.BinOp) and isinstance(cur.op, group):
            operands.append((type(cur.op), cur.right))
            cur = cur.left
            self.budget -= 1
        operands.append((group[0], cur))
        terms, const = [], True
        for op, child in reversed(operands):
            if op is ast.Mult and isinstance(child, ast.UnaryOp) and isinstance(
                    child.op, ast.USub):
                # "-a*b" means -(a*b) as sympy prints it: keep -1 as a factor of the
                # product instead of distributing it into a first factor a = (x + y)
                terms.append(sp.S.NegativeOne)
                child = child.operand
            expr, c = self.node(child, decl, where, env, depth + 1)
            const = const and c
            if op is ast.Sub:
                expr = -expr
            elif op is ast.Div:
                if c and expr.is_zero:
                    raise _fail(decl.line, f"division by zero in {where}: "
                                           f"{_clip(self.tree_text(n, decl))!r}")
                expr = sp.Pow(expr, -1)
            terms.append(expr)
        result = sp.Add(*terms) if group[0] is ast.Add else sp.Mul(*terms)
        if const or result.is_Number:
            self.check_finite(result, decl, where, self.tree_text(n, decl))
            const = True
        return result, const

    def check_power(self, base: sp.Expr, ex: sp.Expr, decl: _Decl, where: str, text: str
                    ) -> None:
        b = self.check_finite(base, decl, where, text)
        e = self.check_finite(ex, decl, where, text)
        if abs(e) > 10_000 and abs(b) not in (0.0, 1.0):
            raise _fail(decl.line, f"exponent too large in {where}: {_clip(text)!r}")
        try:
            value = math.pow(b, e)
        except (OverflowError, ValueError, ZeroDivisionError):
            value = math.nan
        if not math.isfinite(value):
            raise _fail(decl.line, f"{where} has a non-finite or non-real constant "
                                   f"{_clip(text)!r}")

    def call(self, n: ast.Call, decl: _Decl, where: str, env: dict, depth: int
             ) -> tuple[sp.Expr, bool]:
        text = self.tree_text(n, decl)
        if not isinstance(n.func, ast.Name):
            inner = self.node(n.func, decl, where, env, depth + 1)  # names the culprit
            raise _fail(decl.line, f"only named functions can be called in {where}, "
                                   f"not {_clip(str(inner[0]))!r}")
        ident = n.func.id
        if n.keywords:
            raise _fail(decl.line, f"keyword arguments are not allowed in {where}: {_clip(text)!r}")
        macro = self.src.macros.get(ident)
        if ident in env or (macro is None and ident not in _FUNCTIONS) or (
                macro is not None and macro.kind != "function"):
            allowed = ", ".join([*_FUNCTIONS, *(k for k, v in self.src.macros.items()
                                               if v.kind == "function")])
            raise _fail(decl.line, f"call of {ident!r} is not allowed in {where} "
                                   f"(functions: {allowed})")
        args = []
        for a in n.args:
            before = self.budget
            expr, const = self.node(a, decl, where, env, depth + 1)
            args.append((expr, const, before - self.budget))
        if macro is not None:
            if len(args) != len(macro.args):
                raise _fail(decl.line, f"function {ident!r} takes {len(macro.args)} "
                                       f"argument(s), got {len(args)} in {where}")
            return self.expand(ident, macro, args, decl, depth)
        fn, lo, hi = _FUNCTIONS[ident]
        if not lo <= len(args) <= hi:
            count = str(lo) if lo == hi else f"{lo} or more"
            raise _fail(decl.line, f"{ident} takes {count} argument(s), got {len(args)} "
                                   f"in {where}")
        expr = fn(*(a for a, _, _ in args))
        const = all(c for _, c, _ in args)
        if const:
            self.check_finite(expr, decl, where, text)
        return expr, const


def _warn(message: str) -> None:
    warnings.warn(message, IgnoredOptionWarning, stacklevel=4)


def parse_ode(text: str | bytes, *, name: str = "model") -> Model:
    """``parse_ode(text, name="model") -> Model``: read XPPAUT ``.ode`` text safely.

    Parameters
    ----------
    text : str (or UTF-8 bytes)
        The file's content; the statements are listed in :mod:`dynsys.parsing`.
    name : str, default "model"
        The Model's name (:func:`~dynsys.model.load_model` passes the file's stem).

    Returns
    -------
    Model
        With the equations, parameters, noise (from ``wiener`` terms), region, init, aux
        and options (``dt``, ``total``) of the text.

    Raises
    ------
    ModelError
        Naming the line and the culprit, for any malformed or unsafe input.

    Warns
    -----
    IgnoredOptionWarning
        For each ``@`` option that dynsys does not use (``meth``, ``bound``, ...).

    Examples
    --------
    >>> m = parse_ode("v' = v - v^3/3 - w + I\\nw' = eps*(v + a - b*w)\\n"
    ...               "par I=0.5, a=0.7, b=0.8, eps=0.08\\n", name="fhn")
    >>> m.rhs[0]
    I - v**3/3 + v - w
    >>> m.params["I"], m.param_symbols[0].is_real
    (0.5, True)

    References
    ----------
    Ermentrout, B. (2002). *Simulating, Analyzing, and Animating Dynamical Systems:
    A Guide to XPPAUT for Researchers and Students*. SIAM.
    """
    src = _read(text)
    if not src.equations:
        raise ModelError("the text declares no equations (write x' = ... or dx/dt = ...)")
    b = _Builder(src)
    params = {nm: b.constant(decl, f"parameter {nm!r}") for nm, decl in src.params.items()}
    states = set(src.equations)
    state_syms = {b.symbols[s] for s in states}

    # validate every definition, used or not
    for nm, decl in src.macros.items():
        where = f"{decl.kind} {nm!r}"
        if decl.kind == "function":
            dummies = [(sp.Symbol(f"_{a}", real=True), False, 1) for a in decl.args]
            b.expand(nm, decl, dummies, decl, 0)
            continue
        expr, const = b.expand(nm, decl, [], decl, 0)
        if decl.kind == "number" and not const:
            raise _fail(decl.line, f"number {nm!r} must be a constant, got {_clip(decl.text)!r}")
        if decl.kind == "derived parameter" and expr.free_symbols & (
                state_syms | {time_symbol} | set(b.wieners.values())):
            raise _fail(decl.line, f"derived parameter {nm!r} may use parameters only, got "
                                   f"{_clip(decl.text)!r}")

    equations, noise, fed_by = {}, {}, {}
    wiener_syms = set(b.wieners.values())
    for nm, decl in src.equations.items():
        where = f"the equation for {nm!r}"
        rhs, _ = b.build(decl, where)
        used = sorted(rhs.free_symbols & wiener_syms, key=lambda s: s.name)
        amps = []
        for w in used:
            if w.name in fed_by:
                raise _fail(decl.line, f"wiener {w.name!r} feeds both {fed_by[w.name]!r} and "
                                       f"{nm!r}; dynsys noise is independent per state")
            fed_by[w.name] = nm
            amp = sp.diff(rhs, w)
            bad = amp.free_symbols & (state_syms | {time_symbol} | wiener_syms)
            if bad:
                raise _fail(decl.line, f"noise term {w.name!r} in {where} must be additive: "
                                       f"its coefficient {_clip(str(amp))!r} uses "
                                       f"{sorted(s.name for s in bad)[0]!r}")
            amps.append(amp)
        if used:
            rhs = rhs.xreplace({w: sp.S.Zero for w in used})
            noise[nm] = amps[0] if len(amps) == 1 else sp.sqrt(sp.Add(*(a**2 for a in amps)))
        equations[nm] = rhs

    aux = {}
    for nm, decl in src.aux.items():
        expr, _ = b.build(decl, f"aux {nm!r}")
        if expr.free_symbols & wiener_syms:
            raise _fail(decl.line, f"aux {nm!r} uses a wiener noise term")
        aux[nm] = expr

    init = {}
    for nm, (line, value) in src.inits.items():
        if nm not in states:
            raise _fail(line, f"init for unknown state {nm!r}: it has no equation (states: "
                              f"{', '.join(src.equations)})")
        init[nm] = b.constant(_Decl("init", line, value), f"initial value of {nm!r}")

    options, region = _options(src, b, list(src.equations))
    return Model(equations, params, name=name, noise=noise, region=region or None,
                 init=init, aux=aux, options=options, description=src.description)


def _options(src: _Source, b: _Builder, states: list[str]
             ) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    options: dict[str, float] = {}
    raw: dict[str, tuple[int, str]] = {}
    for line, key, value in src.options:
        raw[key] = (line, value)
    axis = {"x": states[0] if states else None, "y": states[1] if len(states) > 1 else None}
    for ax in ("x", "y"):
        if f"{ax}p" in raw:
            line, value = raw[f"{ax}p"]
            if value in states:
                axis[ax] = value
            else:
                _warn(f"line {line}: ignoring XPP option '{ax}p={value}' (not a state): its "
                      f"{ax}lo/{ax}hi are ignored too")
                axis[ax] = None
    bounds: dict[str, dict[str, float]] = {}
    for key, (line, value) in raw.items():
        if key in ("xp", "yp"):
            continue
        if key in ("dt", "total", "xlo", "xhi", "ylo", "yhi"):
            number = b.constant(_Decl("option", line, value), f"option {key!r}")
            if key in ("dt", "total"):
                if number <= 0:
                    raise _fail(line, f"option {key!r} must be positive, got {value!r}")
                options[key] = number
            elif axis[key[0]] is None:
                if f"{key[0]}p" not in raw:  # else already said with xp/yp
                    _warn(f"line {line}: ignoring XPP option '{key}' (no state on that axis)")
            else:
                bounds.setdefault(key[0], {})[key[1:]] = number
            continue
        _warn(f"line {line}: ignoring XPP option {key!r} (dynsys uses dt, total, xlo, xhi, "
              "ylo, yhi)")
    region: dict[str, tuple[float, float]] = {}
    for ax in ("x", "y"):
        got = bounds.get(ax, {})
        if len(got) == 1:
            _warn(f"ignoring XPP option '{ax}{next(iter(got))}' without its partner")
        elif got:
            region[axis[ax]] = (got["lo"], got["hi"])  # type: ignore[index]
    for line, nm, text in src.regions:
        if nm not in states:
            raise _fail(line, f"region for unknown state {nm!r} (states: {', '.join(states)})")
        if nm in region:
            raise _fail(line, f"second region for {nm!r}")
        lo_text, _, hi_text = text.partition(":")
        lo = b.constant(_Decl("region", line, lo_text.strip()), f"region of {nm!r}")
        hi = b.constant(_Decl("region", line, hi_text.strip()), f"region of {nm!r}")
        region[nm] = (lo, hi)
    ordered = {s: region[s] for s in states if s in region}
    for nm, (lo, hi) in ordered.items():
        if not lo < hi:
            raise ModelError(f"region of {nm!r} needs low < high, got ({lo!r}, {hi!r})")
    return options, ordered


# ----------------------------------------------------------------------------- writing
class _OdePrinter(StrPrinter):
    """sympy's str printer with ``.ode`` spellings and full float precision."""

    def _print_Float(self, expr: sp.Float) -> str:
        value = float(expr)
        if not math.isfinite(value) or (value == 0.0 and not expr.is_zero):
            raise ModelError(f"the number {expr} is beyond float64 range; .ode cannot hold it")
        return repr(value)

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        if len(expr.args) > 1 and expr.args[1] != 1:
            raise ModelError(
                f"{expr} takes the value {expr.args[1]} at 0, which .ode cannot express; "
                "use dynsys.heav (value 1 at 0)"
            )
        return f"heav({self._print(expr.args[0])})"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Min(self, expr: sp.Min) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Max(self, expr: sp.Max) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "exp(1)"


def _check_writable(expr: sp.Expr, where: str, names: set[str]) -> None:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Symbol):
            continue
        if node.is_Number or node in (sp.pi, sp.E):
            if node is sp.pi and "pi" in names:
                raise ModelError(f"{where} uses the number pi and a name 'pi': "
                                 ".ode text cannot tell them apart")
            continue
        if isinstance(node, sp.Add | sp.Mul | sp.Pow):
            continue
        if type(node) in _PRINTABLE:
            continue
        kind = type(node).__name__
        raise ModelError(f"{where} uses {kind}, which has no .ode form "
                         f"(functions: {', '.join(_FUNCTIONS)})")


def format_ode(model: Model) -> str:
    """``format_ode(model) -> str``: the model as XPPAUT ``.ode`` text.

    Parameters are written with full float precision (``repr``), so
    ``parse_ode(format_ode(m), name=m.name) == m`` for a Model whose region lists its
    states in order and whose options are ``dt``/``total`` only. Noise amplitudes become
    ``wiener`` terms, the region of the first two states ``@ xp=, yp=, xlo=, ...``, that
    of further states a ``# dynsys: region z=LO:HI`` comment.

    Raises
    ------
    ModelError
        If a name cannot be written (a function name such as ``exp``) or an expression
        uses a function outside the ``.ode`` whitelist.

    Examples
    --------
    >>> from dynsys.model import symbols
    >>> x, a = symbols("x a")
    >>> print(format_ode(Model({x: -a * x**2}, params={a: 0.5}, name="decay")), end="")
    # decay
    par a=0.5
    x' = -a*x**2
    done
    """
    printer = _OdePrinter()
    names = {*model.state_names, *model.param_names, *model.aux}
    for nm in sorted(names):
        if not _IDENT_RE.match(nm) or nm in _FUNCTIONS or nm == "t":
            raise ModelError(f"the name {nm!r} cannot be written in .ode text")

    def show(expr: sp.Expr, where: str) -> str:
        _check_writable(expr, where, names)
        return printer.doprint(expr)

    lines = [f"# {model.name}"]
    if model.description:
        lines.append(f"# dynsys: description {' '.join(model.description.split())}")
    chunk: list[str] = []
    for nm, value in model.params.items():
        chunk.append(f"{nm}={float(value)!r}")
        if len(chunk) == 6:
            lines.append("par " + ", ".join(chunk))
            chunk = []
    if chunk:
        lines.append("par " + ", ".join(chunk))
    if model.init:
        lines.append("init " + ", ".join(f"{k}={float(v)!r}" for k, v in model.init.items()))
    wieners = []
    taken = set(names)
    for state, rhs in model.equations.items():
        body = show(rhs, f"the equation for {state.name!r}")
        amp = model.noise.get(state.name)
        if amp is not None:
            w = f"w_{state.name}"
            while w in taken or w in _FUNCTIONS:
                w += "_"
            taken.add(w)
            wieners.append(w)
            amp_text = show(amp, f"the noise of {state.name!r}")
            factor = f"({amp_text})" if isinstance(amp, sp.Add) else amp_text
            body = f"{body} + {factor}*{w}"
        lines.append(f"{state.name}' = {body}")
    if wieners:
        lines.append("wiener " + ", ".join(wieners))
    for nm, expr in model.aux.items():
        lines.append(f"aux {nm} = {show(expr, f'aux {nm!r}')}")
    opts = [f"{k}={float(model.options[k])!r}" for k in ("dt", "total") if k in model.options]
    if opts:
        lines.append("@ " + ", ".join(opts))
    region = dict(model.region or {})
    states = model.state_names
    axes = []
    for ax, idx in (("x", 0), ("y", 1)):
        if idx < len(states) and states[idx] in region:
            lo, hi = region.pop(states[idx])
            axes.append(f"{ax}p={states[idx]}, {ax}lo={float(lo)!r}, {ax}hi={float(hi)!r}")
    if axes:
        lines.append("@ " + ", ".join(axes))
    if region:
        lines.append("# dynsys: region " + ", ".join(
            f"{k}={float(lo)!r}:{float(hi)!r}" for k, (lo, hi) in region.items()))
    lines.append("done")
    return "\n".join(lines) + "\n"
