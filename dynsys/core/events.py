"""Events: XPPAUT's ``global`` resets, as frozen symbolic data.

``global sign {condition} {x=expr; y=expr}`` in an ``.ode`` file (XPPAUT's "global
flags") declares an :class:`Event`: when ``condition`` crosses zero in the direction
``sign`` during a simulation, the assignments are applied and the integration goes on
from the new state. Integrate-and-fire neurons are written this way
(``global 1 {v-1} {v=0}``). The meaning follows XPPAUT's ``flags.c`` (and its manual):

* ``sign = 1``: the condition goes from negative to positive; ``sign = -1``: from
  positive to zero or negative; ``sign = 0``: the condition *vanishes identically* at the
  end of a step (``|c| < 5e-16``; XPPAUT's rule, which is no crossing test: a condition
  that merely changes sign between steps does not fire).
* The assignments are applied **in order**: an expression sees the states already
  assigned before it (``{x=0; y=y+x}`` adds 0), but a parameter assigned by an event
  changes only after all the event's expressions are evaluated, and then for the rest
  of the run (``{a=5; y=a}`` sets y to the old ``a``).
* Assignments target states or parameters (XPPAUT's ``out_put``, ``arret`` and
  ``no_interp`` pseudo-names are not supported).

A Model with events (:attr:`dynsys.core.model.Model.events`) is a hybrid system: it can
be simulated, but its equilibria, continuation and phase plane are refused
(:func:`refuse_hybrid`).

References
----------
Ermentrout, B. (2002). *Simulating, Analyzing, and Animating Dynamical Systems: A Guide
to XPPAUT for Researchers and Students*. SIAM, Section 2.x ("global flags").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from dynsys.errors import ModelError

__all__ = ["Event", "refuse_hybrid"]


@dataclass(frozen=True)
class Event:
    """One ``global`` event: direction, condition, and ordered assignments.

    Parameters
    ----------
    sign : int
        +1 (the condition rises through 0), -1 (falls through 0) or 0 (vanishes).
    condition : sympy expression
        In the states, parameters and ``t``.
    assignments : tuple of (name, expression)
        Applied in order when the event fires; each name is a state or a parameter.

    Examples
    --------
    >>> from dynsys.core.symbols import symbols
    >>> v = symbols("v")
    >>> e = Event(1, v - 1, (("v", sp.Integer(0)),))
    >>> e.describe()
    'global 1 {v - 1} {v=0}'
    """

    sign: int
    condition: sp.Expr
    assignments: tuple[tuple[str, sp.Expr], ...]

    def __post_init__(self) -> None:
        if isinstance(self.sign, bool) or self.sign not in (-1, 0, 1):
            raise ModelError(f"an event's sign must be -1, 0 or 1, got {self.sign!r}")
        object.__setattr__(self, "sign", int(self.sign))
        if not isinstance(self.condition, sp.Expr):
            raise ModelError(f"an event's condition must be a sympy expression, got "
                             f"{self.condition!r}")
        items = tuple(self.assignments)
        if not items:
            raise ModelError("an event needs at least one assignment (name = expression)")
        for item in items:
            if (not isinstance(item, tuple) or len(item) != 2 or not isinstance(item[0], str)
                    or not item[0].isidentifier() or not isinstance(item[1], sp.Expr)):
                raise ModelError(f"an event's assignment must be (name, sympy expression), "
                                 f"got {item!r}")
        object.__setattr__(self, "assignments", items)

    @property
    def targets(self) -> tuple[str, ...]:
        """The assigned names, in order."""
        return tuple(name for name, _ in self.assignments)

    def describe(self, show: Any = None) -> str:
        """The event as XPPAUT writes it, ``global 1 {v - 1} {v=0}`` (``show`` prints an
        expression; by default sympy's short form, ``0.5`` rather than ``0.500000000000000``)."""
        if show is None:
            def show(e: sp.Expr) -> str:
                return sp.sstr(e, full_prec=False)
        body = ";".join(f"{name}={show(expr)}" for name, expr in self.assignments)
        return f"global {self.sign} {{{show(self.condition)}}} {{{body}}}"


def refuse_hybrid(model: Any, analysis: str) -> None:
    """Raise ModelError if ``model`` (or a compiled system's model) has events or is a map.

    ``analysis`` names who asks (``"continuation"``). Equilibria, continuation and phase
    planes assume a smooth flow ``dx/dt = F(x)``: a model with resets is a hybrid
    system, and a map has fixed points rather than equilibria.
    """
    model = getattr(model, "model", model)
    events = tuple(getattr(model, "events", ()) or ())
    name = getattr(model, "name", "the model")
    if events:
        raise ModelError(
            f"{analysis}: {name} has 'global' events (resets, e.g. "
            f"{events[0].describe()}); equilibria and continuation of a hybrid model are "
            "not supported: use simulate")
    if getattr(model, "discrete", False):
        raise ModelError(
            f"{analysis}: {name} is a map x(n+1) = F(x(n)) (meth=discrete), not a flow; "
            "this analysis is not supported for maps: use simulate, or analyze for its "
            "fixed points")
