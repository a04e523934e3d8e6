"""Safe reading and writing of model text in the XPPAUT ``.ode`` subset.

``read_ode(text, name=) -> OdeSpec`` reads the statements below (``Model.from_text`` builds
the Model from it); ``format_ode(model) -> str``
writes a Model back so that text -> Model -> text -> Model gives an equal Model.

=======================================  =============================================
statement                                meaning
=======================================  =============================================
``# ...``                                comment (also after a statement); ``"`` lines
                                         are XPP notes and are skipped as well
``x' = expr`` or ``dx/dt = expr``        the equation of state ``x`` (order of states =
                                         order of equations)
``x(0) = 1``, ``init x=1, y=0``          initial values (numbers)
``par a=1, b=2``                         parameters with default values (numbers; commas
                                         or spaces separate them)
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
                                         honoured; ``meth``, ``trans``, ``bound``,
                                         ``nout``, ``maxstor`` are kept in the Model's
                                         options (``dynsys simulate`` runs the file's
                                         ``meth``); the others are named in one
                                         :class:`IgnoredOptionWarning`
``table w % 51 -25 25 f(t)``             a lookup table: ``f`` (in ``t`` and the
                                         parameters) at 51 points of [-25, 25], linearly
                                         interpolated and extended as in XPPAUT
                                         (:mod:`dynsys.core.tables`); ``table g g.tab``
                                         reads XPPAUT's table file (``base_dir``)
``set moon {g=1.6, x=0, total=5}``       a parameter set (parameters, initial values,
                                         options): ``Model.with_set``, ``--set-name``
``# dynsys: region z=-1:1``              region of further states (XPP has no option
                                         for a third state; the comment keeps XPP happy)
``# dynsys: units r=spikes/s``           the unit of a state, for figures
``# dynsys: description text``           the Model's description
``done``                                 end of the model; the rest is not read
=======================================  =============================================

As in XPPAUT, a statement word is read by its first letter: ``p``, ``par``, ``param``,
``params`` declare parameters; ``i``/``init``, ``n``/``num``/``number``, ``a``/``aux``,
``w``/``wiener``, and ``d``/``done``. Names are case-insensitive, as XPPAUT reads them
(``par I=1`` then ``x' = -x + i``); every name keeps the spelling of its declaration.
Arrays are expanded as XPPAUT expands them, textually: a line holding ``[lo..hi]``
(``x[1..5]' = -x[j] + w*x[j-1]``, ``par g[1..5]=1``, ``x[1..5](0)=0.1*[j]``) and the
lines of a ``%[lo..hi]`` ... ``%`` block are repeated for ``j = lo..hi``, ``x[j]`` becoming
the name ``x3``, ``x[j+1]`` ``x4``, ``x[j*2]`` ``x6`` and ``[j]`` alone the number; the
bounds are integers (or a ``number`` declared above, where XPPAUT would read 0), and the
boundary names (``x0``, ``x6``) are the user's to define, as in XPPAUT.
``sum(i1,i2)of(expr)`` sums ``expr`` over ``i' = i1..i2``.
Events ``global sign {condition} {x=expr; ...}`` become
:class:`~dynsys.core.events.Event` objects (XPPAUT's meaning: see
:mod:`dynsys.core.events`); ``x(t+1) = F`` or ``@ meth=discrete`` make the file a map
(``OdeSpec.discrete``), as in XPPAUT.
``shift(u0, k)`` is the state (or fixed quantity) declared ``k`` places after ``u0``
(``k`` an integer constant). XPPAUT statements outside dynsys's scope are refused naming
the feature: Markov chains, Volterra equations and integrals, boundary-value problems,
``special``, ``export``, algebraic equations (``0=``), ``delay``, ``ran``/``normal``
(write a ``wiener`` term).

Expressions follow XPPAUT's grammar exactly (its precedences and left-associativity;
:mod:`dynsys.core.odefile._expressions`): ``+ - |`` bind loosest, then ``* / &`` and the
prefix ``-`` and ``not``, then ``^ ** > < >= <= == !=``; so ``a^b^2`` is ``(a^b)^2``,
``-x^2`` is ``-(x^2)`` and ``2*a>1`` is ``2*(a>1)``. A sign may only open an expression
(``a*-b`` is an error in XPPAUT and here: write ``a*(-b)``), and ``not`` after ``* / & ^``
or a comparison, which XPPAUT computes wrongly, is refused. Comparisons are 1 or 0,
``&``/``|`` XPPAUT's logical and/or, ``if(c)then(a)else(b)`` a conditional; the functions
are exp, log (= ln), log10, sqrt, sin, cos, tan, sinh, cosh, tanh, asin, acos, atan,
atan2, asinh, acosh, atanh, erf, erfc, abs, sign, heav (0 below zero, 1 from zero on),
flr, mod (XPPAUT's: ``fmod``, plus ``y`` when negative), min, max. ``t`` is time, ``pi``
the number. ``I``, ``E``, ``N``, ``S``, ``gamma``, ... are ordinary names. Comparisons,
conditionals, ``flr`` and ``mod`` make a model non-smooth. The test
``tests/test_xppaut_conformance.py`` checks all of this against the real XPPAUT.

Safety: text is never evaluated. Each expression is split into tokens (numbers, names,
the operators above) and parsed by precedence climbing into a small syntax tree, which is
built into sympy objects through a whitelist of names and functions. Anything else --
attribute access, subscripts, strings, calls of other names -- is a
:class:`~dynsys.errors.ModelError` naming the line and the culprit, as are input over
1 MB, binary data, nesting deeper than 100 levels, expressions that grow beyond
2,000,000 nodes when functions are inlined, and non-finite constants (``1/0``, ``exp(1000)``).

References
----------
Ermentrout, B. (2002). *Simulating, Analyzing, and Animating Dynamical Systems: A Guide
to XPPAUT for Researchers and Students*. SIAM. (The ``.ode`` file format.)
"""

from dynsys.core.odefile._common import MAX_DEPTH, MAX_NODES, MAX_TEXT, IgnoredOptionWarning
from dynsys.core.odefile._reader import OdeSpec, read_ode
from dynsys.core.odefile._writer import format_ode

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_TEXT",
    "IgnoredOptionWarning",
    "OdeSpec",
    "format_ode",
    "read_ode",
]
