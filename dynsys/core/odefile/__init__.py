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
