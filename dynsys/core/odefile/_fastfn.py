"""Building a network's long sums into sympy without sympy's costly assumption queries.

An XPPAUT network ``x[j]' = (-x[j] + f(g*sum(0,n-1)of(w(...)*shift(x0,i'))))/tau``
expands into ``n`` sums of ``n`` terms ``w_ji*x_i``, each built into ``f``. As they are
built, sympy asks facts of these sums (``exp.eval`` asks ``u.is_zero``, ``Pow`` of
``1 + exp(-u)`` asks whether a term is infinite, the products by ``1/tau`` ask again),
and its assumption system answers an undecidable fact of a fresh sum by deducing the
facts of every term: ~0.3-0.7 ms a term, seconds for a network of 100 units. Every
helper here returns **exactly** what sympy builds (the tests compare with ``==`` and
``srepr``, and the whole network with sympy's own construction):

* :func:`exp_of`: ``sp.exp`` of a sum, skipping the ``is_zero`` query where its answer
  cannot be ``True`` (a term ``c*s`` whose symbol appears in no other term);
* :func:`power_of`: ``sp.Pow`` of a symbolic sum without ``I`` to an integer, whose
  ``Add._eval_power`` query cannot change the result;
* :func:`seed_facts`, :func:`seed_float_facts`: the facts of ``c*s`` (``s`` real) and of
  a nonzero Float, which do not depend on the number (but on a Float's sign and
  integrality), stored in the object's fact cache where sympy would store them, from a
  template deduced once. They change no expression, only when facts are computed.

:data:`FAST_PATHS` switches them (and :mod:`._tabulate`'s) off, for benchmarks and
tests. References: sympy 1.14, ``sympy/core/assumptions.py`` (``_ask``),
``sympy/functions/elementary/exponential.py`` (``exp.eval``), ``sympy/core/power.py``.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.core.parameters import global_parameters

try:  # sympy's private list of assumption names (present in the checked releases)
    from sympy.core.assumptions import _assume_defined
except ImportError:  # pragma: no cover - another sympy: FAST_PATHS is off anyway
    _assume_defined = frozenset()

#: The sympy releases whose internals (``exp.eval``, ``Pow.__new__``, the fact caches)
#: these helpers were checked against; with any other sympy the reader does without
#: them (the same Model, read more slowly) rather than trust unchecked internals.
CHECKED_SYMPY = ("1.14",)
#: The reader's fast paths (this module's, and the tabulation of function tables); set
#: False to read without them (the same Model, slower: for benchmarks and tests).
FAST_PATHS = bool(_assume_defined) and ".".join(sp.__version__.split(".")[:2]) in CHECKED_SYMPY


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


def power_of(base: sp.Expr, ex: sp.Expr) -> sp.Expr:
    """``sp.Pow(base, ex)``, the same expression, without a query that cannot matter.

    For a sum ``base`` of two terms, ``Add._eval_power`` asks whether a term is infinite
    (for a term ``exp(u)`` of a long sum ``u``: facts of every term of ``u``, ~0.7 ms a
    term) and then returns ``None`` anyway unless the sum holds the imaginary unit; for
    any other sum that is not a number it returns ``None`` at once. So for a sum without
    ``I`` that is not a number, raised to an integer other than 0 and 1 (an atom: no
    rewriting as a power of ``E``), ``Pow.__new__`` builds the node itself, which is
    what ``evaluate=False`` gives.

    Parameters
    ----------
    base, ex : sympy.Expr
        Base and exponent.

    Returns
    -------
    sympy.Expr
        Exactly ``sp.Pow(base, ex)``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", real=True)
    >>> b = 1 + sp.exp(-x - y)
    >>> power_of(b, sp.Integer(-1)) == sp.Pow(b, -1), power_of(sp.Integer(4), sp.Integer(-1))
    (True, 1/4)

    References
    ----------
    sympy, ``sympy/core/power.py`` (``Pow.__new__``) and ``sympy/core/add.py``
    (``Add._eval_power``).
    """
    if (FAST_PATHS and global_parameters.evaluate and isinstance(base, sp.Add)
            and isinstance(ex, sp.Integer) and ex not in (sp.S.Zero, sp.S.One)
            and not base.is_number and not base.has(sp.I)):
        return sp.Pow(base, ex, evaluate=False)
    return sp.Pow(base, ex)


#: A real symbol with no other assumption (the reader's states and parameters).
_REAL = sp.Symbol("_dynsys_real", real=True)
_TEMPLATES: dict[object, Any] = {}


def _template(key: object, make: Callable[[], sp.Expr]) -> Any:
    """The fact cache of ``make()`` with every fact asked (once per key)."""
    kb = _TEMPLATES.get(key)
    if kb is None:
        model = make()
        for k in sorted(_assume_defined):
            getattr(model, f"is_{k}")
        kb = _TEMPLATES[key] = model._assumptions
    return kb


def _seed(obj: sp.Basic, template: Any) -> None:
    """Store the template's facts in ``obj``'s fact cache (those it lacks)."""
    facts = obj._assumptions
    if facts is obj.default_assumptions:  # shared by the class: never written into
        obj._assumptions = copy.copy(template)  # (a copy without re-deducing all facts)
        return
    for k, v in template.items():
        if k not in facts:
            dict.__setitem__(facts, k, v)


def seed_facts(term: sp.Expr) -> None:
    """Give a product ``c*s`` its assumption facts before sympy deduces them.

    A weighted sum ``sum_i w_i x_i`` of a network is asked facts (``is_zero``,
    ``is_infinite``, ...) as it is built into ``f(...)``, ``1/(1 + exp(-u))`` and
    ``(...)/tau``; sympy answers from each term's facts, and deducing an undecidable fact
    (``is_zero`` of ``0.37*x``) explores the whole fact graph of the term: ~0.3 ms a
    term, ``n^2`` terms. Every fact of ``c*s``, for a nonzero finite number ``c`` and a
    symbol ``s`` declared real only, is the same whatever ``c`` (real, finite, not
    imaginary; its sign, zero-ness, integrality ... unknown: the tests check this for
    every fact and for numbers of both signs, integers, tiny and huge); they are stored
    in the term's fact cache (where sympy would store them), computed once on a template.
    Anything else is left alone.

    Parameters
    ----------
    term : sympy.Expr
        A term of a sum, seeded in place when it is such a product.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> term = sp.Float(0.25) * x
    >>> seed_facts(term)
    >>> term.is_zero, term.is_real, term.is_infinite
    (None, True, False)

    References
    ----------
    sympy, ``sympy/core/assumptions.py``: facts are cached per object in
    ``_assumptions`` (a ``StdFactKB``), undecidable ones as ``None``.
    """
    if not FAST_PATHS or not isinstance(term, sp.Mul) or len(term.args) != 2:
        return
    c, s = term.args
    if not (isinstance(c, sp.Float | sp.Rational) and c.is_finite and not c.is_zero
            and type(s) is sp.Symbol and s.assumptions0 == _REAL.assumptions0):
        return
    _seed(term, _template("c*s", lambda: sp.Mul(sp.Float(0.7316), _REAL)))


def seed_float_facts(value: sp.Expr) -> sp.Expr:
    """Give a fresh nonzero finite ``Float`` its assumption facts; returns ``value``.

    A Float's facts depend on its sign and on whether it is integral (``integer`` is
    ``None`` for ``2.0``, ``False`` for ``0.5``) only (the tests check every fact on
    numbers of each kind); sympy deduces them on first use at ~0.1 ms a number, and a
    dense network's table makes ``n^2`` numbers (``w(k)`` and the values it is
    tabulated from). Other values are returned untouched.

    Examples
    --------
    >>> import sympy as sp
    >>> v = seed_float_facts(sp.Float(-2.5))
    >>> v.is_negative, v.is_integer, seed_float_facts(sp.Float(3.0)).is_integer
    (True, False, None)
    """
    if not FAST_PATHS or not isinstance(value, sp.Float):
        return value
    number = float(value)
    if not math.isfinite(number) or number == 0.0 or value._prec != 53:
        return value
    positive, integral = number > 0, number.is_integer()
    model = (1.0 if positive else -1.0) * (2.0 if integral else 0.7316)
    _seed(value, _template(("Float", positive, integral), lambda: sp.Float(model)))
    return value
