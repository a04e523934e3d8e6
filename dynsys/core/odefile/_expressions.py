"""Expression text -> sympy, through a whitelist of syntax nodes (never evaluated)."""

from __future__ import annotations

import ast
import keyword
import math
import re

import sympy as sp

from dynsys.core.odefile._common import (
    _FUNCTIONS,
    _KW_PREFIX,
    _PY_KEYWORD,
    MAX_DEPTH,
    MAX_NODES,
    _clip,
    _fail,
)
from dynsys.core.odefile._statements import _Decl, _Source
from dynsys.core.symbols import time_symbol


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
