"""Expression text -> sympy, with XPPAUT's grammar (never evaluated).

The text is split into tokens and parsed by precedence climbing with the precedences
and associativity of XPPAUT's own parser (``parserslow.c``), then built into sympy
objects through a whitelist of names and functions:

==========  ==========================================  ===========================
precedence  operators (all binary ones left-associative) example
==========  ==========================================  ===========================
4           ``+  -  |``                                 ``a-b-c`` is ``(a-b)-c``
6           ``*  /  &``, prefix ``-`` and ``not``       ``-a*b`` is ``(-a)*b``
7           ``^  **  >  <  >=  <=  ==  !=``             ``a^b^2`` is ``(a^b)^2``;
                                                        ``-a^2`` is ``-(a^2)``;
                                                        ``2*a>1`` is ``2*(a>1)``
==========  ==========================================  ===========================

A prefix ``-`` may open an expression only (at the start, after ``(`` or ``,``), as in
XPPAUT: ``a*-b`` and ``2^-1`` are errors that say how to write them (``a*(-b)``). A
comparison is 1 where it holds and 0 elsewhere (``a>b`` is ``Heaviside(a-b, 0)``), ``&``
and ``|`` are XPPAUT's logical and/or of non-zero values, ``not(x)`` is 1 where
``x == 0``; ``if(c)then(a)else(b)`` is ``a`` where ``c != 0``, else ``b``;
``mod(x, y)`` is XPPAUT's ``fmod(x, y)``, plus ``y`` when negative; ``flr`` is floor.
Names and functions are case-insensitive, as in XPPAUT.

References
----------
Ermentrout, B. (2002). *Simulating, Analyzing, and Animating Dynamical Systems: A Guide
to XPPAUT for Researchers and Students*. SIAM. Chapter 2 and Appendix (expressions).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import sympy as sp

from dynsys.core.odefile._common import (
    _FUNCTIONS,
    _UNSUPPORTED_FUNCTIONS,
    MAX_DEPTH,
    MAX_NODES,
    _clip,
    _fail,
)
from dynsys.core.odefile._fastfn import power_of, seed_facts, seed_float_facts
from dynsys.core.odefile._shift import shift_target
from dynsys.core.odefile._statements import _Decl, _Source
from dynsys.core.odefile._tables import lookup_number
from dynsys.core.symbols import time_symbol
from dynsys.core.tables import MAX_TABLE_POINTS, TableLookup, table

# ----------------------------------------------------------------------------- tokens
_TOKEN = re.compile(r"""
    (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[iI]'|[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|>=|<=|==|!=|[-+*/^(),<>&|])
  | (?P<space>\s+)
""", re.X)

#: Binary operators and their precedence (XPPAUT's ``my_symb`` priorities).
_BINARY = {"+": 4, "-": 4, "|": 4, "*": 6, "/": 6, "&": 6,
           "^": 7, "**": 7, ">": 7, "<": 7, ">=": 7, "<=": 7, "==": 7, "!=": 7}
#: Precedence of the prefix operators ``-`` and ``not``: they take a precedence-7 chain.
_PREFIX = 6


_CHARACTER_HINTS = {
    "'": " (strings are not allowed)", '"': " (strings are not allowed)",
    ".": " (a '.' outside a number: attribute access is not allowed)",
    "[": " (subscripts and arrays x[i] are not supported)", "]": " (subscripts are not "
    "supported)", "{": " (braces are not allowed)", "}": " (braces are not allowed)",
    "%": " (XPPAUT has no operator '%': use mod(x, y))",
    "=": " ('=' inside an expression: the comparison is '==')",
    "!": " (XPPAUT's not-equal is '!=', its negation not(x))",
}


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, name, op, end
    text: str
    pos: int


def _tokens(text: str, line: int, where: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = _CHARACTER_HINTS.get(ch, "")
            raise _fail(line, f"unexpected character {ch!r} in {where}: "
                              f"{_clip(text[max(0, pos - 15):pos + 15])!r}{hint}")
        if m.lastgroup != "space":
            out.append(_Tok(m.lastgroup or "", m.group(), pos))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


# ----------------------------------------------------------------------------- syntax
# nodes: ("num", text) ("name", ident) ("call", ident, args) ("neg", x) ("not", x)
#        ("bin", op, left, right) ("if", cond, then, else)
_Node = tuple


class _Parser:
    """Precedence climbing with XPPAUT's precedences (see the module docstring)."""

    def __init__(self, text: str, line: int, where: str) -> None:
        self.text, self.line, self.where = text, line, where
        self.toks = _tokens(text, line, where)
        self.i = 0
        self.depth = 0

    def fail(self, message: str) -> Exception:
        return _fail(self.line, f"{message} in {self.where}: {_clip(self.text)!r}")

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self, text: str) -> None:
        if self.tok.text.lower() != text:
            got = self.tok.text or "the end"
            raise self.fail(f"expected {text!r}, got {got!r}")
        self.i += 1

    def parse(self) -> _Node:
        if self.tok.kind == "end":
            raise _fail(self.line, f"empty expression in {self.where}")
        node = self.expression(0, start=True)
        if self.tok.kind != "end":
            if self.tok.text == ")":
                raise _fail(self.line, f"unbalanced parentheses in {self.where}: unexpected "
                                       f"')' in {_clip(self.text)!r}")
            raise self.fail(f"unexpected {self.tok.text!r} after a complete expression")
        return node

    def expression(self, min_prec: int, *, start: bool = False) -> _Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _fail(self.line, f"{self.where} is nested more than {MAX_DEPTH} levels deep")
        tok = self.tok
        if tok.text == "-" or tok.text == "+":
            if not start:
                prev = self.toks[self.i - 1].text
                raise self.fail(f"a sign right after {prev!r} is not allowed (XPPAUT "
                                f"refuses it too): write {prev}({tok.text}...) with parentheses")
            self.i += 1
            operand = self.expression(_PREFIX + 1)
            left: _Node = ("neg", operand) if tok.text == "-" else operand
        elif tok.kind == "name" and tok.text.lower() == "not":
            prev = self.toks[self.i - 1].text if self.i else ""
            prefix_sign = prev in ("-", "+") and (
                self.i == 1 or self.toks[self.i - 2].text in ("(", ","))
            if (not start and _BINARY.get(prev, 0) > 4) or prev.lower() == "not" or prefix_sign:
                # XPPAUT applies the operator before not's operand exists (its shunting
                # yard pops it first): 2*not(0) gives 1 there. Refuse what it miscomputes.
                raise self.fail(f"'not' right after {prev!r} is computed wrongly by XPPAUT "
                                f"(it gives 2*not(0) = 1): write {prev}(not(...))")
            self.i += 1
            left = ("not", self.expression(_PREFIX + 1))
        else:
            left = self.operand()
        while self.tok.kind == "op" and self.tok.text in _BINARY:
            prec = _BINARY[self.tok.text]
            if prec < min_prec:
                break
            op = "^" if self.tok.text == "**" else self.tok.text
            self.i += 1
            right = self.expression(prec + 1)
            left = ("bin", op, left, right)
        self.depth -= 1
        return left

    def operand(self) -> _Node:
        tok = self.tok
        if tok.kind == "num":
            self.i += 1
            return ("num", tok.text)
        if tok.text == "(":
            self.i += 1
            inner = self.expression(0, start=True)
            if self.tok.text != ")":
                raise _fail(self.line, f"unbalanced parentheses in {self.where}: '(' not "
                                       f"closed in {_clip(self.text)!r}")
            self.i += 1
            return inner
        if tok.kind == "name":
            word = tok.text.lower()
            self.i += 1
            if word == "if":
                return self.conditional()
            if word in ("then", "else", "of"):
                raise self.fail(f"{tok.text!r} without its 'if'" if word != "of"
                                else "'of' without its 'sum'")
            if self.tok.text == "(":
                self.i += 1
                args = []
                if self.tok.text != ")":
                    while True:
                        args.append(self.expression(0, start=True))
                        if self.tok.text != ",":
                            break
                        self.i += 1
                if self.tok.text != ")":
                    raise _fail(self.line, f"unbalanced parentheses in {self.where}: '(' not "
                                           f"closed in {_clip(self.text)!r}")
                self.i += 1
                if word == "sum":
                    return self.summation(args)
                return ("call", tok.text, args)
            return ("name", tok.text)
        if tok.kind == "end":
            raise self.fail("the expression ends where a number, a name or '(' is expected")
        if tok.text == ")":
            raise _fail(self.line, f"unbalanced parentheses in {self.where}: unexpected ')' "
                                   f"in {_clip(self.text)!r}")
        raise self.fail(f"{tok.text!r} where a number, a name or '(' is expected")

    def summation(self, bounds: list[_Node]) -> _Node:
        """``sum(i1, i2)of(expr)``: ``expr`` summed over ``i' = i1, ..., i2``."""
        if len(bounds) != 2:
            raise self.fail("sum takes two bounds: sum(i1, i2)of(expression in i')")
        if self.tok.text.lower() != "of":
            raise self.fail("sum(i1, i2) must be followed by of(expression in i')")
        self.i += 1
        if self.tok.text != "(":
            raise self.fail("'of' must be followed by '(' (write sum(i1, i2)of(...))")
        self.i += 1
        body = self.expression(0, start=True)
        self.take(")")
        return ("sum", bounds[0], bounds[1], body)

    def conditional(self) -> _Node:
        parts = []
        for word in ("if", "then", "else"):
            if word != "if":
                self.take(word)
            if self.tok.text != "(":
                raise self.fail(f"'{word}' must be followed by '(' "
                                "(write if(c)then(a)else(b))")
            self.i += 1
            parts.append(self.expression(0, start=True))
            self.take(")")
        return ("if", *parts)


def _parse_expression(text: str, line: int, where: str) -> _Node:
    """Syntax-check expression text and return its syntax tree (nothing is evaluated)."""
    return _Parser(text, line, where).parse()


def _node_text(node: _Node) -> str:
    """The node written back as text, for messages."""
    kind = node[0]
    if kind in ("num", "name"):
        return node[1]
    if kind == "call":
        return f"{node[1]}({', '.join(_node_text(a) for a in node[2])})"
    if kind == "neg":
        return f"-{_node_text(node[1])}"
    if kind == "not":
        return f"not({_node_text(node[1])})"
    if kind == "if":
        return "if({})then({})else({})".format(*(_node_text(n) for n in node[1:]))
    if kind == "sum":
        return "sum({}, {})of({})".format(*(_node_text(n) for n in node[1:]))
    return f"({_node_text(node[2])}{node[1]}{_node_text(node[3])})"


# ----------------------------------------------------------------------------- semantics
def _ne0(expr: sp.Expr) -> sp.Expr:
    """1 where ``expr != 0``, else 0 (``expr`` a 0/1 indicator is returned as it is)."""
    return expr if _is_indicator(expr) else 1 - _eq0(expr)


def _eq0(expr: sp.Expr) -> sp.Expr:
    return sp.Heaviside(expr, 1) * sp.Heaviside(-expr, 1)


def _is_indicator(expr: sp.Expr) -> bool:
    """Is ``expr`` one of the 0/1 values that comparisons and logic produce?"""
    if expr in (sp.S.Zero, sp.S.One):
        return True
    if isinstance(expr, sp.Heaviside):
        return True
    if isinstance(expr, sp.Mul):
        return all(_is_indicator(a) for a in expr.args)
    return False


def _compare(op: str, a: sp.Expr, b: sp.Expr) -> sp.Expr:
    d = a - b
    if op == ">":
        return sp.Heaviside(d, 0)
    if op == ">=":
        return sp.Heaviside(d, 1)
    if op == "<":
        return sp.Heaviside(-d, 0)
    if op == "<=":
        return sp.Heaviside(-d, 1)
    if op == "==":
        return _eq0(d)
    return 1 - _eq0(d)  # !=


_RELATIONS = {">": sp.Gt, "<": sp.Lt, ">=": sp.Ge, "<=": sp.Le, "==": sp.Eq, "!=": sp.Ne}


def _pmod(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """XPPAUT's ``mod(x, y)``: ``fmod(x, y)``, plus ``y`` where that is negative."""
    if y.is_number and y.is_positive:
        return sp.Mod(x, y)  # equal to XPPAUT's for y > 0: a value in [0, y)
    ratio = x / y
    fmod = x - y * sp.sign(ratio) * sp.floor(sp.Abs(ratio))  # C's fmod: truncation
    return fmod + y * sp.Heaviside(-fmod, 0)


class _Builder:
    """Builds sympy expressions from parsed text; inlines numbers, macros and functions.

    Names are matched case-insensitively (as XPPAUT does); every name keeps the spelling
    of its declaration.
    """

    def __init__(self, src: _Source) -> None:
        self.src = src
        self.symbols = {n: sp.Symbol(n, real=True) for n in [*src.equations, *src.params]}
        self.wieners = {n: sp.Symbol(n, real=True) for n in src.wieners}
        self.budget = MAX_NODES
        self.stack: list[str] = []
        self.lower = {n.lower(): n for n in [*src.equations, *src.params]}
        self.wiener_lower = {n.lower(): n for n in src.wieners}
        self.macros = {n.lower(): (n, d) for n, d in src.macros.items()}
        self.aux_lower = {n.lower(): n for n in src.aux}
        self.tables = {n.lower(): n for n in src.tables}
        self.table_values: dict[str, tuple[float, float, list]] = {}  # read_ode fills it
        self.table_floats: dict[str, list[float]] = {}
        self.table_numeric: dict[str, bool] = {}

    def tree(self, decl: _Decl, where: str) -> _Node:
        if decl.tree is None:
            decl.tree = _parse_expression(decl.text, decl.line, where)
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

    def spend(self, size: int, decl: _Decl) -> None:
        self.budget -= size
        if self.budget < 0:
            raise _fail(decl.line, f"expressions grow beyond {MAX_NODES} nodes when functions "
                                   "are inlined")

    def node(self, n: _Node, decl: _Decl, where: str, env: dict, depth: int
             ) -> tuple[sp.Expr, bool]:
        if depth > MAX_DEPTH:
            raise _fail(decl.line, f"{where} is nested more than {MAX_DEPTH} levels deep")
        self.spend(1, decl)
        kind = n[0]
        if kind == "num":
            expr = sp.Float(float(n[1])) if any(c in n[1] for c in ".eE") else sp.Integer(n[1])
            self.check_finite(expr, decl, where, n[1])
            return expr, True
        if kind == "name":
            return self.name(n[1], decl, where, env, depth)
        if kind == "neg":
            expr, const = self.node(n[1], decl, where, env, depth + 1)
            return -expr, const
        if kind == "not":
            expr, const = self.node(n[1], decl, where, env, depth + 1)
            return 1 - _ne0(expr), const
        if kind == "bin":
            return self.binop(n, decl, where, env, depth)
        if kind == "sum":
            return self.summation(n, decl, where, env, depth)
        if kind == "if":
            (c, cc), (a, ca), (b, cb) = (self.node(part, decl, where, env, depth + 1)
                                         for part in n[1:])
            if cc:
                chosen = a if self.check_finite(c, decl, where, _node_text(n[1])) != 0 else b
                return chosen, ca if chosen is a else cb
            cond = self.condition(n[1], decl, where, env, depth + 1)
            return sp.Piecewise((a, cond), (b, True)), False
        return self.call(n, decl, where, env, depth)

    def summation(self, n: _Node, decl: _Decl, where: str, env: dict, depth: int
                  ) -> tuple[sp.Expr, bool]:
        bounds = []
        for part in n[1:3]:
            value, const = self.node(part, decl, where, env, depth + 1)
            number = self.check_finite(value, decl, where, _node_text(part)) if const else None
            if number is None or number != int(number):
                raise _fail(decl.line, f"the bounds of sum() must be integer constants in "
                                       f"{where}: {_clip(_node_text(n))!r}")
            bounds.append(int(number))
        lo, hi = bounds
        terms, const = [], True
        for k in range(lo, hi + 1):
            inner = {**env, "i'": (sp.Integer(k), True, 1)}
            expr, c = self.node(n[3], decl, where, inner, depth + 1)
            seed_facts(expr)  # w*x: n^2 of them in a network, asked facts as u is used
            terms.append(expr)
            const = const and c
        return sp.Add(*terms), const

    def condition(self, n: _Node, decl: _Decl, where: str, env: dict, depth: int
                  ) -> sp.Basic:
        """The condition of an ``if``: comparisons and logic as sympy relations (so that
        ``if(x>y)`` reads back as ``x > y``), any other value ``c`` as ``c != 0``."""
        if n[0] == "bin" and n[1] in _RELATIONS:
            a, _ = self.node(n[2], decl, where, env, depth + 1)
            b, _ = self.node(n[3], decl, where, env, depth + 1)
            return _RELATIONS[n[1]](a, b)
        if n[0] == "bin" and n[1] in ("&", "|"):
            parts = [self.condition(c, decl, where, env, depth + 1) for c in n[2:]]
            return sp.And(*parts) if n[1] == "&" else sp.Or(*parts)
        if n[0] == "not":
            return sp.Not(self.condition(n[1], decl, where, env, depth + 1))
        expr, _ = self.node(n, decl, where, env, depth)
        return sp.Ne(expr, 0)

    def name(self, ident: str, decl: _Decl, where: str, env: dict, depth: int
             ) -> tuple[sp.Expr, bool]:
        key = ident.lower()
        if key in env:
            expr, const, size = env[key]
            self.spend(size, decl)  # an argument counts as often as it is used
            return expr, const
        if key in self.lower:
            return self.symbols[self.lower[key]], False
        if key == "t":
            return time_symbol, False
        if key in self.wiener_lower:
            return self.wieners[self.wiener_lower[key]], False
        macro = self.macros.get(key)
        if macro is not None and macro[1].kind != "function":
            return self.expand(macro[0], macro[1], [], decl, depth)
        if key == "pi":
            return sp.pi, True
        if (macro is not None or key in _FUNCTIONS or key in _UNSUPPORTED_FUNCTIONS
                or key in self.tables):
            raise _fail(decl.line, f"function {ident!r} used without arguments in {where}")
        if key in self.aux_lower:
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
            env = dict(zip((a.lower() for a in macro.args), args, strict=True))
            expr, const = self.node(self.tree(macro, where), macro, where, env, depth + 1)
        finally:
            self.stack.pop()
        return expr, const

    def binop(self, n: _Node, decl: _Decl, where: str, env: dict, depth: int
              ) -> tuple[sp.Expr, bool]:
        op = n[1]
        if op in ("+", "-", "*", "/"):
            return self.chain(n, decl, where, env, depth)
        (a, ca), (b, cb) = (self.node(c, decl, where, env, depth + 1) for c in n[2:])
        const = ca and cb
        text = _node_text(n)
        if op == "^":
            if const:
                self.check_power(a, b, decl, where, text)
            expr = power_of(a, b)
        elif op == "&":
            expr = _ne0(a) * _ne0(b)
        elif op == "|":
            na, nb = _ne0(a), _ne0(b)
            expr = 1 - (1 - na) * (1 - nb)
        else:
            expr = _compare(op, a, b)
        if const:
            self.check_finite(expr, decl, where, text)
        return expr, const

    def chain(self, n: _Node, decl: _Decl, where: str, env: dict, depth: int
              ) -> tuple[sp.Expr, bool]:
        """A left-deep chain of ``+ -`` (or ``* /``), built in one sympy call."""
        group = ("+", "-") if n[1] in ("+", "-") else ("*", "/")
        operands: list[tuple[str, _Node]] = []
        cur = n
        while cur[0] == "bin" and cur[1] in group:
            operands.append((cur[1], cur[3]))
            cur = cur[2]
            self.spend(1, decl)
        operands.append((group[0], cur))
        terms, const = [], True
        for op, child in reversed(operands):
            if op == "*" and child[0] == "neg":
                # "-a*b" means -(a*b) as sympy prints it: keep -1 as a factor of the
                # product instead of distributing it into a first factor a = (x + y)
                terms.append(sp.S.NegativeOne)
                child = child[1]
            expr, c = self.node(child, decl, where, env, depth + 1)
            const = const and c
            if op == "-":
                expr = -expr
            elif op == "/":
                if c and expr.is_zero:
                    raise _fail(decl.line, f"division by zero in {where}: "
                                           f"{_clip(_node_text(n))!r}")
                expr = power_of(expr, sp.S.NegativeOne)
            terms.append(expr)
        result = sp.Add(*terms) if group[0] == "+" else sp.Mul(*terms)
        if const or result.is_Number:
            self.check_finite(result, decl, where, _node_text(n))
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

    def call(self, n: _Node, decl: _Decl, where: str, env: dict, depth: int
             ) -> tuple[sp.Expr, bool]:
        ident = n[1]
        key = ident.lower()
        text = _node_text(n)
        if key == "shift" and len(n[2]) == 2 and n[2][0][0] == "name" and key not in env:
            amount, const = self.node(n[2][1], decl, where, env, depth + 1)
            if not const:
                raise _fail(decl.line, f"shift() in {where} by an amount that changes in time "
                                       "is not supported (only by an integer constant, as "
                                       "inside sum(...)of(...))")
            k = self.check_finite(amount, decl, where, text)
            target = shift_target(self.src, n[2][0][1], k, decl.line, where)
            return self.name(target, decl, where, {}, depth + 1)
        if key in _UNSUPPORTED_FUNCTIONS:
            raise _fail(decl.line, f"{ident}() in {where}: {_UNSUPPORTED_FUNCTIONS[key]}")
        if key in self.tables and key not in env:
            return self.table_call(n, decl, where, env, depth)
        macro = self.macros.get(key)
        if key in env or (macro is None and key not in _FUNCTIONS) or (
                macro is not None and macro[1].kind != "function"):
            allowed = ", ".join([*_FUNCTIONS, *(d[0] for d in self.macros.values()
                                               if d[1].kind == "function")])
            raise _fail(decl.line, f"call of {ident!r} is not allowed in {where} "
                                   f"(functions: {allowed})")
        args = []
        for a in n[2]:
            before = self.budget
            expr, const = self.node(a, decl, where, env, depth + 1)
            args.append((expr, const, before - self.budget))
        if macro is not None:
            name, mdecl = macro
            if len(args) != len(mdecl.args):
                raise _fail(decl.line, f"function {name!r} takes {len(mdecl.args)} "
                                       f"argument(s), got {len(args)} in {where}")
            return self.expand(name, mdecl, args, decl, depth)
        fn, lo, hi = _FUNCTIONS[key]
        if not lo <= len(args) <= hi:
            count = str(lo) if lo == hi else f"{lo} or more"
            raise _fail(decl.line, f"{key} takes {count} argument(s), got {len(args)} "
                                   f"in {where}")
        if key == "mod":
            expr = _pmod(args[0][0], args[1][0])
        else:
            expr = fn(*(a for a, _, _ in args))
        const = all(c for _, c, _ in args)
        if const:
            if key == "mod" and args[1][0].is_zero:
                raise _fail(decl.line, f"mod by zero in {where}: {_clip(text)!r}")
            self.check_finite(expr, decl, where, text)
        return expr, const

    def table_call(self, n: _Node, decl: _Decl, where: str, env: dict, depth: int
                   ) -> tuple[sp.Expr, bool]:
        """A lookup table at its argument (:func:`dynsys.core.tables.table`)."""
        name = self.tables[n[1].lower()]
        if len(n[2]) != 1:
            raise _fail(decl.line, f"table {name!r} takes 1 argument, got {len(n[2])} in "
                                   f"{where}")
        if name not in self.table_values:  # a table's formula using a table
            raise _fail(decl.line, f"table {name!r} is used in {where} before it is "
                                   "tabulated (a table formula may not use a later table)")
        arg, const = self.node(n[2][0], decl, where, env, depth + 1)
        xlo, xhi, values = self.table_values[name]
        numeric = self.table_numeric.get(name)
        if numeric is None:  # once per table: n^2 lookups of n^2 values would scan n^4
            numeric = self.table_numeric[name] = all(v.is_Number for v in values)
        if (arg.is_Number and 2 <= len(values) <= MAX_TABLE_POINTS
                and float(xlo) < float(xhi) and numeric):
            # at a number (w[j, i'] of an expanded array): the value itself, without a
            # TableLookup node holding the whole table (n^2 lookups of n^2 values)
            floats = self.table_floats.get(name)
            if floats is None:
                floats = self.table_floats[name] = [float(v) for v in values]
            expr = seed_float_facts(
                sp.Float(lookup_number(float(arg), float(xlo), float(xhi), floats)))
        else:
            expr = table(name, arg, xlo, xhi, values)
        self.spend(len(values) if isinstance(expr, TableLookup) else 1, decl)
        const = const and numeric
        if const:
            self.check_finite(expr, decl, where, _node_text(n))
        return expr, const
