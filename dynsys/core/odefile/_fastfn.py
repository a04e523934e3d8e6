"""sympy functions of long sums without sympy's costly assumption queries.

An XPPAUT network ``x[j]' = -x[j] + f(sum(0,n-1)of(w(...)*shift(x0,i')))`` expands into
``n`` sums of ``n`` terms, each inside ``f``. ``sp.exp(u)`` of such a sum ``u`` costs
about 0.7 ms per term (60 ms for a sum of 100 terms, 6 s for a network of 100 units):
after its structural checks, ``exp.eval`` asks ``u.is_zero``, and sympy's assumption
system answers an undecidable fact on a fresh sum by deducing several facts of every
term. :func:`exp_of` returns the **same** expression as ``sp.exp`` (the tests compare
them with ``==`` and ``srepr``), skipping that one query where its answer cannot be
``True``: the sum has a term ``c*s`` (``c`` a nonzero number, ``s`` a symbol that
appears in no other term), and no sum with such a term vanishes identically. Every other
step of ``exp.eval`` for a sum (each term's own ``exp``) is taken as sympy takes it, and
anything else goes to ``sp.exp`` itself.
"""

from __future__ import annotations

from collections import Counter

import sympy as sp
from sympy.core.parameters import global_parameters

#: The fast paths of the reader (:func:`exp_of`, the tabulation of function tables); set
#: False to read as before them (the same Model, slower: for benchmarks and tests).
FAST_PATHS = True


def fast_paths() -> bool:
    """Are the reader's fast paths on (:data:`FAST_PATHS`)?"""
    return FAST_PATHS


def _has_lone_linear_term(arg: sp.Add) -> bool:
    """Does the sum ``arg`` hold a term ``c*s`` (number ``c != 0``, symbol ``s`` that may
    take more than one value) whose symbol appears in no other term? Then ``arg`` is not
    identically zero, and sympy's (sound) ``arg.is_zero`` cannot be ``True``."""
    counts: Counter[sp.Symbol] = Counter()
    for term in arg.args:
        counts.update(term.free_symbols)
    for term in arg.args:
        coeff, rest = term.as_coeff_Mul()
        if (isinstance(rest, sp.Symbol) and counts[rest] == 1 and coeff.is_Number
                and not coeff.is_zero and rest.is_zero is not True):
            return True
    return False


def exp_of(arg: sp.Expr) -> sp.Expr:
    """``sp.exp(arg)``, the same expression, faster for long sums.

    Parameters
    ----------
    arg : sympy.Expr
        The exponent.

    Returns
    -------
    sympy.Expr
        Exactly ``sp.exp(arg)``.

    Examples
    --------
    >>> import sympy as sp
    >>> xs = sp.symbols("x0:10", real=True)
    >>> u = -sum((k + 1) * x for k, x in enumerate(xs)) + sp.Float(0.5)
    >>> exp_of(u) == sp.exp(u), exp_of(sp.Integer(0))
    (True, 1)

    References
    ----------
    sympy, ``sympy/functions/elementary/exponential.py``, ``exp.eval``: for a sum it
    takes each term's ``exp``, then returns 1 where ``arg.is_zero``.
    """
    if (not FAST_PATHS or not isinstance(arg, sp.Add) or global_parameters.exp_is_pow
            or not global_parameters.evaluate):
        return sp.exp(arg)
    for term in arg.args:  # exp.eval's loop over the terms, as sympy runs it
        if term is sp.S.One:
            return sp.exp(arg)
        single = sp.exp(term)
        if not isinstance(single, sp.exp) or single.args[0] != term:
            return sp.exp(arg)  # a term's exp changes: sympy rewrites the whole
    if not _has_lone_linear_term(arg):
        return sp.exp(arg)  # sympy's own query may find the sum to be zero
    # exp.eval returns None; no automatic evalf (_should_evalf: a sum that is not a
    # pure complex number); what remains of Function.__new__ is the node itself
    return sp.exp(arg, evaluate=False)
