"""Reading large XPPAUT array networks: the fast paths give the very same Model.

References are built independently: the network written out without arrays, tables or
functions (weights as decimal literals), and the same equations built with sympy's own
``sp.exp`` and ``xreplace`` (the reader's fast paths switched off or bypassed).
"""

from __future__ import annotations

import math

import pytest
import sympy as sp
from sympy.core.assumptions import _assume_defined
from sympy.core.cache import clear_cache

from dynsys import Model
from dynsys.core.odefile import _fastfn
from dynsys.core.odefile._fastfn import exp_of, power_of, seed_facts, seed_float_facts
from dynsys.core.odefile._tables import grid
from dynsys.core.odefile._tabulate import tabulate
from dynsys.core.symbols import time_symbol as t

X = sp.symbols("x0:12", real=True)
G, D = sp.symbols("g drive", real=True)


def network(n: int) -> str:
    """The benchmark's dense network (``benchmarks/bench_symbolic.py``)."""
    return (f"par g=1.5, drive=0.2\nf(u)=1/(1+exp(-u))\n"
            f"table w % {n * n} 0 {n * n - 1} 0.3*sin(t*1.7)\n"
            f"x[0..{n - 1}]' = (-x[j] + f(g*sum(0,{n - 1})of(w([j]*{n}+i')*shift(x0,i'))"
            f" + drive))/2\nx[0..{n - 1}](0) = 0.1\n")


def weight(k: int) -> float:
    """w(k), the table's value at its k-th point, by sympy's Float arithmetic."""
    return float(sp.Float(0.3) * sp.sin(sp.Float(float(k)) * sp.Float(1.7)))


def written_out(n: int) -> str:
    """The same network without arrays, tables or functions."""
    lines = ["par g=1.5, drive=0.2"]
    for j in range(n):
        s = " + ".join(f"({weight(j * n + i)!r})*x{i}" for i in range(n))
        lines.append(f"x{j}' = (-x{j} + 1/(1+exp(-(g*({s}) + drive))))/2")
        lines.append(f"init x{j}=0.1")
    return "\n".join(lines) + "\n"


def same(a: sp.Expr, b: sp.Expr) -> bool:
    return a == b and sp.srepr(a) == sp.srepr(b)


@pytest.mark.parametrize("arg", [
    sum((k + 1.5) * x for k, x in enumerate(X)),                  # a long sum
    -(G * sum((k - 5.25) * x for k, x in enumerate(X)) + D),      # -(g*S + drive)
    sp.Float(0.2) + X[0] + X[1],                                  # exp(0.2) is pulled out
    sp.log(X[0]) + X[1],                                          # exp(log(x)) = x
    sp.I * sp.pi + X[0],                                          # exp(i pi) = -1
    X[0] * X[1] + X[0] * X[2],                                    # no lone linear term
    X[0] - X[1] + sp.Integer(1),                                  # a term 1
    2 * X[0] + 3 * sp.Symbol("z", zero=True),                     # a zero symbol
    sp.Integer(0), X[0], 2 * X[0],                                # not sums
])
def test_exp_of_is_sympy_exp(arg):
    assert same(exp_of(arg), sp.exp(arg))


@pytest.mark.parametrize("base", [
    1 + sp.exp(-(G * sum((k + 0.5) * x for k, x in enumerate(X)) + D)),
    X[0] + X[1] + X[2],
    X[0] + sp.I * X[1],                        # holds I: sympy's own path
    sp.Integer(2) + sp.sqrt(3),                 # a number: sympy's own path
    X[0], sp.Integer(4),
])
@pytest.mark.parametrize("ex", [-1, 2, -3, 0, 1])
def test_power_of_is_sympy_pow(base, ex):
    assert same(power_of(base, sp.Integer(ex)), sp.Pow(base, ex))


def facts(expr: sp.Expr) -> dict:
    return {k: getattr(expr, f"is_{k}") for k in sorted(_assume_defined)}


@pytest.mark.parametrize("c", [0.37, -0.37, 2.0, -1.0, 1.0, 1e-300, -1e300, 5e-324, 3.0,
                               sp.Rational(1, 3), sp.Integer(-2), sp.Integer(-1)])
def test_seeded_facts_are_the_deduced_facts(c):
    y = sp.Symbol("y_seed", real=True)
    clear_cache()
    deduced = facts(sp.Mul(c, y))
    clear_cache()
    term = sp.Mul(c, y)
    seed_facts(term)
    assert term._assumptions == deduced == facts(term)


@pytest.mark.parametrize("v", [0.37, -0.37, 2.0, -2.0, 1.0, -1.0, 1e-300, -1e300, 5e-324,
                               2.0**60, -(2.0**53) - 2.0, 0.5, 123456789.0, 7.25])
def test_seeded_float_facts_are_the_deduced_facts(v):
    clear_cache()
    deduced = facts(sp.Float(v))
    clear_cache()
    number = seed_float_facts(sp.Float(v))
    assert dict(number._assumptions) == deduced == facts(number)


def test_seed_facts_leaves_other_terms_alone():
    z = sp.Symbol("z_pos", positive=True)
    for term in (sp.Float(0.5) * z, X[0] * X[1], sp.Float(0.5) * X[0] * X[1], sp.sin(X[0])):
        before = dict(term._assumptions)
        seed_facts(term)
        assert dict(term._assumptions) == before
    assert (sp.Float(-0.5) * z).is_negative  # deduced by sympy, not seeded
    for number in (sp.Float(0.0), sp.Float("inf"), sp.Float(0.1, 30), sp.Rational(1, 3)):
        before = dict(number._assumptions)
        assert seed_float_facts(number) is number and dict(number._assumptions) == before


@pytest.mark.parametrize("formula", [
    sp.Float(0.3) * sp.sin(t * sp.Float(1.7)),
    t**2 / 3 - sp.Float(0.1) * t + 2 + sp.exp(-t / 7) * sp.cos(t),
    sp.Float(0.2) * sp.Heaviside(t - 5, 0) + sp.sqrt(t + 1) + sp.Float(1e-3) * t**sp.Float(1.5),
    1 / (t - 2),                                  # zoo at t = 2: that point by xreplace
    sp.Piecewise((t, t > 3), (2 * t, True)),      # not numeric parts: xreplace throughout
    sp.Symbol("p", real=True) * t,                # a parameter: xreplace throughout
])
def test_tabulate_is_xreplace(formula):
    points = grid(-1.0, 7.0, 33)
    got = tabulate(formula, points)
    want = [formula.xreplace({t: sp.Float(x)}) for x in points]
    assert all(same(a, b) and getattr(a, "_prec", 0) == getattr(b, "_prec", 0)
               for a, b in zip(got, want, strict=True))


def test_array_network_is_the_network_written_out():
    n = 30
    model = Model.from_text(network(n), name="net")
    plain = Model.from_text(written_out(n), name="net")
    assert model.states == plain.states and dict(model.params) == dict(plain.params)
    assert all(same(a, b) for a, b in zip(model.rhs, plain.rhs, strict=True))
    assert dict(model.init) == dict(plain.init)
    # and both are what sympy itself builds, with sp.exp (no fast path)
    xs, g, d = model.states, *model.param_symbols
    for j in (0, 17, n - 1):
        s = sp.Add(*[sp.Float(weight(j * n + i)) * xs[i] for i in range(n)])
        u = g * s + d
        assert same(model.rhs[j], (-xs[j] + 1 / (1 + sp.exp(-u))) / 2)


def test_fast_paths_switched_off_give_the_same_model(monkeypatch):
    n = 12
    fast = Model.from_text(network(n), name="net")
    monkeypatch.setattr(_fastfn, "FAST_PATHS", False)
    slow = Model.from_text(network(n), name="net")
    assert all(same(a, b) for a, b in zip(fast.rhs, slow.rhs, strict=True))


def test_exp_of_a_long_sum_asks_sympy_only_about_its_terms(monkeypatch):
    """Counting, not timing: sympy's exp.eval never sees the whole sum (its is_zero query
    on a fresh sum of n terms costs ~0.7 ms a term), only each of its terms."""
    seen = []
    original = sp.exp.eval.__func__

    def counting(cls, arg):  # type: ignore[no-untyped-def]
        seen.append(arg)
        return original(cls, arg)

    monkeypatch.setattr(sp.exp, "eval", classmethod(counting))
    ys = sp.symbols("y0:40", real=True)
    s = sp.Add(*[sp.Float(math.sin(1.7 * k)) * y for k, y in enumerate(ys)])
    arg = -(G * s + D)
    clear_cache()  # sympy's cache would answer a repeated exp(term) without eval
    got = exp_of(arg)
    assert len(seen) == 2 and not any(isinstance(a, sp.Add) for a in seen)
    assert same(got, sp.exp(arg))  # sympy's own, which asks about the sum
    assert any(a is arg for a in seen)


@pytest.mark.slow
def test_dense_network_of_75_units_reads():
    """5625 weights: within the node budget (it was refused from n = 60 on)."""
    n = 75
    model = Model.from_text(network(n), name="net")
    xs, g, d = model.states, *model.param_symbols
    j = 41
    s = sp.Add(*[sp.Float(weight(j * n + i)) * xs[i] for i in range(n)])
    assert same(model.rhs[j], (-xs[j] + 1 / (1 + sp.exp(-(g * s + d)))) / 2)
