"""XPPAUT's ``shift(x, k)``: the variable declared ``k`` places after ``x``.

XPPAUT keeps the states, and the fixed quantities, in arrays in their order of
declaration, and ``shift(x0, k)`` reads the entry ``k`` places after ``x0``
(``parserslow2.c``); with arrays, ``sum(0,9)of(shift(u0,i'))`` is ``u0 + ... + u9``.
dynsys resolves it when ``k`` is an integer constant (as inside a ``sum``) and the
entry is of the same kind as ``x`` (a state, or a fixed quantity); a shift by a
quantity that changes in time, or past the last state or fixed quantity, is refused.
"""

from __future__ import annotations

from dynsys.core.odefile._common import _clip, _fail
from dynsys.core.odefile._statements import _Source


def shift_target(src: _Source, name: str, k: float, line: int, where: str) -> str:
    """The declared name ``k`` places after ``name`` among the states or the fixed
    quantities (whichever ``name`` is), as XPPAUT's ``shift``."""
    states = list(src.equations)
    fixed = [n for n, d in src.macros.items() if d.kind == "fixed quantity"]
    given = src.canonical(name)
    order = states if given in states else fixed if given in fixed else None
    if order is None:
        raise _fail(line, f"shift({name}, ...) in {where}: dynsys shifts a state or a fixed "
                          f"quantity, and {_clip(name)!r} is neither")
    if k != int(k):
        k = float(int(k))  # XPPAUT truncates the shift to an integer
    pos = order.index(given) + int(k)
    if not 0 <= pos < len(order):
        kind = "states" if order is states else "fixed quantities"
        raise _fail(line, f"shift({name}, {int(k)}) in {where} goes past the declared "
                          f"{kind} ({order[0]} .. {order[-1]})")
    return order[pos]
