"""Straight-line programs from sympy expressions, and their Jacobians by a forward sweep.

``compile`` used to hand sympy the right-hand sides, their ``n x n`` Jacobian from
``Matrix.jacobian`` and ``lambdify(cse=True)``. For a network whose every right-hand
side holds an ``n``-term sum, ``Matrix.jacobian`` differentiates ``n^2`` entries of
expressions of size ``n`` and ``sympy.cse`` compares them pairwise: both grow like
``n^3`` (40 s at n = 50). Here instead:

* :class:`Tape` turns expressions into a straight-line program (a list of assignments
  ``t_k = op(atoms)``): identical subtrees are computed once (tree-level common
  subexpressions), nodes are rebuilt one level at a time without sympy's evaluation;
* :meth:`Tape.jacobian` differentiates each node of that DAG once with respect to its
  own arguments and assembles ``dF_i/dv_j`` by the chain rule in one forward sweep:
  every node carries its gradient as ``scale * base`` (``base`` a sparse mapping
  variable -> coefficient, shared along chains of one-argument operations), so a chain
  ``f(g(h(sum)))`` costs one product per link, not one per variable; entries that are
  zero by structure are never formed.

The cost is linear in the size of the expression DAG plus the number of structurally
nonzero Jacobian entries. Nodes the sweep does not decompose (the non-smooth functions,
tables, conditionals) are differentiated whole by sympy, as before; their derivatives
are rewritten by ``numeric_form`` (delta functions are 0 almost everywhere).

References
----------
A. Griewank and A. Walther, *Evaluating Derivatives: Principles and Techniques of
Algorithmic Differentiation*, 2nd ed., SIAM (2008), ch. 3 (forward mode) and ch. 9
(preaccumulation along chains).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from dynsys.core.symbols import NON_SMOOTH_FUNCTIONS

__all__ = ["Tape"]

_ONE = sp.S.One
_Grad = tuple[sp.Expr, dict[sp.Symbol, sp.Expr]]


def _mul(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``a * b`` without sympy's evaluation where it cannot simplify anything."""
    if a == 1:
        return b
    if b == 1:
        return a
    if a == 0 or b == 0:
        return sp.S.Zero
    if a.is_Number and b.is_Number:
        return a * b
    return sp.Mul(a, b, evaluate=False)


def _printing_order(node: sp.Basic) -> tuple[sp.Basic, ...]:
    """The arguments of a node in the order sympy's printers write them (so that the
    generated code computes short sums and products in the same order as printing the
    whole expression would); long sums and products keep their own order, since
    sorting them costs more than the rest of the compilation."""
    if len(node.args) > 8 or _size(node) > 40:
        return node.args
    if isinstance(node, sp.Add):
        return tuple(node.as_ordered_terms())
    if isinstance(node, sp.Mul):
        return tuple(node.as_ordered_factors())
    return node.args


def _size(node: sp.Basic, limit: int = 41) -> int:
    """The number of nodes of a tree, counted up to ``limit``."""
    count, stack = 0, [node]
    while stack and count < limit:
        count += 1
        stack.extend(stack.pop().args)
    return count


def _decomposable(node: sp.Basic) -> bool:
    """True for nodes the sweep differentiates through their arguments: sums,
    products, powers and smooth functions whose arguments are all expressions."""
    if isinstance(node, sp.Add | sp.Mul | sp.Pow):
        return True
    return (isinstance(node, sp.Function) and not isinstance(node, AppliedUndef)
            and not isinstance(node, NON_SMOOTH_FUNCTIONS)
            and all(isinstance(a, sp.Expr) for a in node.args))


class Tape:
    """A straight-line program for sympy expressions (see the module docstring).

    Parameters
    ----------
    numeric_form : callable
        Applied to every derivative of a node the sweep does not decompose (and, when
        the expressions hold such nodes, to every assignment and output), e.g.
        ``dynsys.core._codegen.numeric_form``.

    Attributes
    ----------
    assignments : list of (Dummy, expression)
        In evaluation order; each expression uses the arguments and earlier temporaries.
    opaque : bool
        True once a node the sweep does not decompose has been seen.

    Examples
    --------
    >>> x, y = sp.symbols("x y", real=True)
    >>> tape = Tape(lambda e: e)
    >>> rows = tape.jacobian([x * sp.exp(y), -y], [x, y])
    >>> sorted((i, j) for i, j in rows)
    [(0, 0), (0, 1), (1, 1)]
    """

    def __init__(self, numeric_form: Callable[[sp.Expr], sp.Expr]) -> None:
        self._numeric_form = numeric_form
        self.assignments: list[tuple[sp.Dummy, sp.Expr]] = []
        self.opaque = False
        self._value: dict[sp.Basic, sp.Expr] = {}
        self._symbol: dict[sp.Basic, sp.Expr] = {}
        self._free: dict[sp.Basic, bool] = {}
        self._grads: dict[sp.Basic, _Grad | None] = {}
        self._atomic: dict[int, dict[sp.Symbol, sp.Expr]] = {}
        self._keep: list[Any] = []  # bases whose id() keys _atomic
        self._vars: frozenset[sp.Symbol] = frozenset()

    # ----------------------------------------------------------------- values
    def hoist(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` as an atom: itself when atomic, else a new temporary assigned to it."""
        if expr.is_Atom:
            return expr
        t = sp.Dummy(real=True)
        self.assignments.append((t, expr))
        return t

    def value(self, node: sp.Basic) -> sp.Expr:
        """An atom, or a one-level expression of atoms, equal to ``node``; shared
        subtrees are assigned once."""
        if node.is_Atom:
            return node  # type: ignore[return-value]
        out = self._value.get(node)
        if out is not None:
            return out
        if _decomposable(node):
            args = [self.value(a) for a in _printing_order(node)]
            expr = node.func(*args, evaluate=False)
            small = isinstance(node, sp.Mul | sp.Pow) and all(a.is_Atom for a in args)
            out = expr if small else self.hoist(expr)
        else:
            self.opaque = True
            out = self.hoist(node)
        self._value[node] = out
        return out

    def symbol(self, node: sp.Basic) -> sp.Expr:
        """``node`` as an atom (a symbol, number or temporary)."""
        if node.is_Atom:
            return node  # type: ignore[return-value]
        out = self._symbol.get(node)
        if out is None:
            out = self.hoist(self.value(node))
            self._symbol[node] = out
        return out

    # ----------------------------------------------------------------- derivatives
    def _depends(self, node: sp.Basic) -> bool:
        if node.is_Atom:
            return node in self._vars
        hit = self._free.get(node)
        if hit is None:
            hit = any(self._depends(a) for a in node.args)
            self._free[node] = hit
        return hit

    def _atomic_base(self, base: dict[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        """``base`` with every non-atomic coefficient assigned to a temporary (once)."""
        if all(e.is_Atom for e in base.values()):
            return base
        out = self._atomic.get(id(base))
        if out is None:
            out = {v: self.hoist(e) for v, e in base.items()}
            self._atomic[id(base)] = out
            self._keep.append(base)
        return out

    def _partials(self, node: sp.Basic, dep: list[int]) -> list[tuple[sp.Expr, int]]:
        """``(d node / d arg_k, k)`` for the dependent arguments ``k`` of a decomposable
        node (several equal arguments: one entry, the total derivative)."""
        args = node.args
        if isinstance(node, sp.Add):
            return [(_ONE, k) for k in dep]
        if isinstance(node, sp.Mul):
            vals = [self.value(a) for a in args]
            return [(sp.Mul(*vals[:k], *vals[k + 1:]), k) for k in dep]
        syms = [self.symbol(a) if k in dep else self.value(a) for k, a in enumerate(args)]
        small = node.func(*syms)
        itself = {small: self.symbol(node)}  # d exp(u) = exp(u) du: exp computed once
        out, seen = [], set()
        for k in dep:
            if syms[k] in seen:
                continue
            seen.add(syms[k])
            out.append((sp.diff(small, syms[k]).xreplace(itself), k))
        return out

    def _grad(self, node: sp.Basic) -> _Grad | None:
        if node in self._grads:
            return self._grads[node]
        grad = self._compute_grad(node)
        self._grads[node] = grad
        return grad

    def _compute_grad(self, node: sp.Basic) -> _Grad | None:
        if node.is_Atom:
            return (_ONE, {node: _ONE}) if node in self._vars else None  # type: ignore
        if not self._depends(node):
            return None
        if not _decomposable(node):
            self.opaque = True
            base = {}
            for v in sorted(node.free_symbols & self._vars, key=sp.default_sort_key):
                d = self._numeric_form(sp.diff(node, v))
                if d != 0:
                    base[v] = d
            return (_ONE, base) if base else None
        dep = [k for k, a in enumerate(node.args) if self._depends(a)]
        terms = []
        for coef, k in self._partials(node, dep):
            if coef == 0:
                continue
            grad = self._grad(node.args[k])
            if grad is not None:
                terms.append((_mul(coef, grad[0]), grad[1]))
        if not terms:
            return None
        if len(terms) == 1:
            scale, base = terms[0]
            return (self.hoist(scale), base)
        entries: dict[sp.Symbol, list[sp.Expr]] = defaultdict(list)
        for scale, base in terms:
            c = self.hoist(scale) if len(base) > 1 else scale
            for v, e in self._atomic_base(base).items():
                entries[v].append(_mul(c, e))
        merged = {}
        for v, items in entries.items():
            total = items[0] if len(items) == 1 else sp.Add(*items)
            if total != 0:
                merged[v] = total
        return (_ONE, merged) if merged else None

    def jacobian(self, exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]
                 ) -> dict[tuple[int, int], sp.Expr]:
        """The structurally nonzero entries ``(i, j) -> d exprs[i] / d variables[j]``,
        each an expression of the arguments and this tape's temporaries."""
        self._vars = frozenset(variables)
        self._grads, self._free = {}, {}
        column = {v: j for j, v in enumerate(variables)}
        out: dict[tuple[int, int], sp.Expr] = {}
        for i, expr in enumerate(exprs):
            grad = self._grad(sp.sympify(expr))
            if grad is None:
                continue
            scale, base = grad
            for v, e in sorted(base.items(), key=lambda item: column[item[0]]):
                entry = _mul(scale, e)
                if entry != 0:
                    out[(i, column[v])] = entry
        return out

    # ----------------------------------------------------------------- program
    def program(self, outputs: Sequence[sp.Expr]
                ) -> tuple[list[tuple[sp.Dummy, sp.Expr]], list[sp.Expr]]:
        """``(assignments, outputs)`` ready to print: unused temporaries dropped, and
        everything rewritten by ``numeric_form`` when the tape holds opaque nodes."""
        needed: set[sp.Basic] = set()
        for e in outputs:
            needed |= e.free_symbols
        kept = []
        for t, e in reversed(self.assignments):
            if t in needed:
                kept.append((t, e))
                needed |= e.free_symbols
        kept.reverse()
        if self.opaque:
            kept = [(t, self._numeric_form(e)) for t, e in kept]
            outputs = [self._numeric_form(e) for e in outputs]
        return kept, list(outputs)


def shared_subexpressions(exprs: Sequence[sp.Expr]
                          ) -> tuple[list[tuple[sp.Dummy, sp.Expr]], list[sp.Expr]]:
    """``sympy.cse``'s contract at linear cost: ``(replacements, reduced)`` where every
    subtree occurring more than once is assigned once (sums, products, powers and smooth
    functions are searched inside; other nodes are taken whole).

    Examples
    --------
    >>> x, y = sp.symbols("x y", real=True)
    >>> reps, reduced = shared_subexpressions([sp.exp(x + y) + 1, sp.sin(x + y)])
    >>> [e for _, e in reps], len(reduced)
    ([x + y], 2)
    """
    count: dict[sp.Basic, int] = defaultdict(int)

    def visit(node: sp.Basic) -> None:
        if node.is_Atom:
            return
        count[node] += 1
        if count[node] == 1 and _decomposable(node):
            for a in node.args:
                visit(a)

    for e in exprs:
        visit(e)
    memo: dict[sp.Basic, sp.Expr] = {}
    replacements: list[tuple[sp.Dummy, sp.Expr]] = []

    def rebuild(node: sp.Basic) -> sp.Expr:
        if node.is_Atom:
            return node  # type: ignore[return-value]
        out = memo.get(node)
        if out is not None:
            return out
        out = node  # type: ignore[assignment]
        if _decomposable(node):
            args = [rebuild(a) for a in node.args]
            if any(a is not b for a, b in zip(args, node.args, strict=True)):
                out = node.func(*args, evaluate=False)
        if count[node] > 1:
            t = sp.Dummy(real=True)
            replacements.append((t, out))
            out = t
        memo[node] = out
        return out

    reduced = [rebuild(e) for e in exprs]
    return replacements, reduced
