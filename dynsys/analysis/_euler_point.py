"""Noiseless Euler for one trajectory on numpy scalars: :func:`simulate`'s fast path.

For a batch, :func:`dynsys.analysis.simulate.simulate` steps with in-place ufuncs over
``(n, runs)`` buffers; for a single trajectory each ufunc call then costs about a
microsecond of overhead for one number, and a step of a sigmoid rate model makes some
twenty of them. Here one run is stepped with the model's right-hand side evaluated on
``numpy.float64`` scalars (:func:`scalar_rhs`: the package's one code generator,
:func:`~dynsys.core._codegen.numeric_function`, as ``compile`` calls it), which is
several times faster and follows the same floating-point rules as the arrays (no Python
``ZeroDivisionError``, NaN for a negative square root). Models of at most
:data:`MAX_STATES` states only (generating the function costs about what compiling
does). The step is the literal ``x + dt * F(x, p, t)``; the batch kernel merges terms
linear in ``x_i`` with the identity, so the two agree to rounding, not bit for bit.

When the state turns non-finite, or the right-hand side does not evaluate on scalars,
:func:`euler_point` returns None and ``simulate`` runs the array path, which locates
and reports the failing step.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dynsys._types import FloatArray
from dynsys.analysis._solver_limits import StepWatch
from dynsys.core._codegen import numeric_function
from dynsys.core.model import Model
from dynsys.core.symbols import time_symbol
from dynsys.core.system import CompiledSystem

__all__ = ["MAX_STATES", "euler_point", "scalar_rhs"]

#: Largest model stepped on scalars (above it the array kernel is the better path).
MAX_STATES = 32


@functools.lru_cache(maxsize=32)
def _scalar_function(model: Model) -> Callable[..., Any]:
    return numeric_function([*model.states, *model.param_symbols, time_symbol],
                            list(model.rhs))


def scalar_rhs(system: Any) -> Callable[..., Any] | None:
    """``F(*x, *p, t)`` as a list, for a compiled model of at most :data:`MAX_STATES`
    states; None for any other system (a rate network, a hand-written System).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> from dynsys.core.system import compile
    >>> f = scalar_rhs(compile(load_model("self_excitation")))
    >>> float(f(59.0, 0.05, -3.0, 0.0)[0]) == float(compile(load_model("self_excitation"))
    ...     .rhs([59.0], [0.05, -3.0])[0])
    True
    """
    model = getattr(system, "model", None)
    if not isinstance(system, CompiledSystem) or not isinstance(model, Model) \
            or system.n > MAX_STATES:
        return None
    return _scalar_function(model)


def euler_point(
    rhs: Any, x0: FloatArray, ps: FloatArray, t0: float, dt: float, steps: int,
    save_every: int, n_saved: int, check_every: int, watch: StepWatch,
) -> tuple[FloatArray, FloatArray] | None:
    """Euler steps of one run ``x0 (n,)`` with parameters ``ps (m,)``.

    ``rhs(*x, *p, t)`` returns the ``n`` entries of F. Returns the saved states
    ``(1, n_saved, n)`` (every ``save_every``-th step) and the final state ``(1, n)``,
    or None when the run left the finite numbers or F failed on scalars. ``watch``
    checks the step's stability every ``check_every`` steps where it is due, as on the
    array path.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys.analysis._solver_limits import StepWatch
    >>> f = lambda x, a, t: [-a * x]
    >>> states, final = euler_point(f, np.array([1.0]), np.array([1.0]), 0.0, 0.5, 2, 1, 3,
    ...                             50, StepWatch(None, np.array([1.0]), 0.0, 0.5, 2))
    >>> states[0, :, 0].tolist(), final.tolist()
    ([1.0, 0.5, 0.25], [[0.25]])
    """
    x = [np.float64(v) for v in x0]
    p = [np.float64(v) for v in ps]
    h = np.float64(dt)
    saved = [tuple(x)]
    isfinite = math.isfinite
    with np.errstate(all="ignore"):
        try:
            for k in range(steps):
                f = rhs(*x, *p, t0 + k * dt)
                x = [xi + h * fi for xi, fi in zip(x, f, strict=True)]
                done = k + 1
                if done % save_every == 0:
                    saved.append(tuple(x))
                if done % check_every == 0 or done == steps:
                    if not all(isfinite(v) for v in x):
                        return None
                    if watch.due(done):
                        watch.check(np.array([x], dtype=np.float64), done)
        except (ArithmeticError, TypeError, ValueError):
            return None
    states = np.array(saved, dtype=np.float64)[None, :n_saved]
    if not np.all(np.isfinite(states)):
        return None
    return states, np.array([x], dtype=np.float64)
