"""Argument checks: one place that validates numbers, counts, arrays and name mappings.

Each check returns the value converted to its plain type (``float``, ``int``, a float64
array, a ``dict``) or raises :class:`~dynsys.errors.ModelError` with a message that names
the argument and the offending value, e.g. ``trials must be an integer >= 1, got 0``.
Library functions pass their Python argument name; the command line maps its flags to
these names where it matters.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np

from dynsys._types import FloatArray
from dynsys.errors import ModelError

__all__ = [
    "count",
    "finite",
    "finite_array",
    "in_range",
    "interval",
    "name_mapping",
    "non_negative",
    "params_were_names",
    "positive",
    "probability",
    "renamed_keyword",
]

F = TypeVar("F", bound=Callable[..., Any])


def finite(value: Any, name: str) -> float:
    """``value`` as a finite float.

    Examples
    --------
    >>> finite("2.5", "t_end")
    2.5
    """
    if isinstance(value, bool):
        raise ModelError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ModelError(f"{name} must be finite, got {value!r}")
    return number


def positive(value: Any, name: str) -> float:
    """``value`` as a positive finite float.

    Examples
    --------
    >>> positive(0.1, "dt")
    0.1
    >>> positive(0, "dt")
    Traceback (most recent call last):
    ...
    dynsys.errors.ModelError: dt must be positive and finite, got 0
    """
    number = _number(value, name)
    if not math.isfinite(number) or number <= 0:
        raise ModelError(f"{name} must be positive and finite, got {value!r}")
    return number


def non_negative(value: Any, name: str) -> float:
    """``value`` as a finite float >= 0.

    Examples
    --------
    >>> non_negative(0, "sigma")
    0.0
    """
    number = _number(value, name)
    if not math.isfinite(number) or number < 0:
        raise ModelError(f"{name} must be finite and >= 0, got {value!r}")
    return number


def probability(value: Any, name: str) -> float:
    """``value`` as a float in [0, 1].

    Examples
    --------
    >>> probability(0.25, "flip")
    0.25
    """
    number = _number(value, name)
    if not 0.0 <= number <= 1.0:
        raise ModelError(f"{name} must be in [0, 1], got {value!r}")
    return number


def in_range(value: Any, name: str, low: float, high: float, *,
             closed: tuple[bool, bool] = (True, True)) -> float:
    """``value`` as a float in the interval from ``low`` to ``high``.

    ``closed`` says whether each end belongs to the interval.

    Examples
    --------
    >>> in_range(0.5, "core", 0.0, 1.0, closed=(False, True))
    0.5
    """
    number = _number(value, name)
    above = number >= low if closed[0] else number > low
    below = number <= high if closed[1] else number < high
    if not (above and below):
        interval = f"{'[' if closed[0] else '('}{low:g}, {high:g}{']' if closed[1] else ')'}"
        raise ModelError(f"{name} must be in {interval}, got {value!r}")
    return number


def count(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (bools and floats are refused).

    Examples
    --------
    >>> count(3, "trials")
    3
    >>> count(1, "n", minimum=2)
    Traceback (most recent call last):
    ...
    dynsys.errors.ModelError: n must be an integer >= 2, got 1
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ModelError(f"{name} must be {wanted}, got {value!r}")
    return int(value)


def interval(value: Any, name: str, *, finite: bool = True) -> tuple[float, float]:
    """``value`` as a pair ``(low, high)`` with ``low < high`` (finite unless told).

    Examples
    --------
    >>> interval([0, 1], "bounds")
    (0.0, 1.0)
    >>> interval((1, 0), "bounds")
    Traceback (most recent call last):
    ...
    dynsys.errors.ModelError: bounds must be finite with low < high, got (1.0, 0.0)
    """
    try:
        lo, hi = (float(b) for b in value)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be a pair (low, high), got {value!r}") from None
    if math.isnan(lo) or math.isnan(hi) or not lo < hi or (
            finite and not (math.isfinite(lo) and math.isfinite(hi))):
        raise ModelError(f"{name} must be {'finite ' if finite else ''}with low < high, "
                         f"got ({lo}, {hi})")
    return lo, hi


def finite_array(value: Any, name: str, shape: tuple[int | None, ...] | None = None
                 ) -> FloatArray:
    """``value`` as a finite float64 array, optionally of a given shape.

    ``shape`` entries that are ``None`` match any length.

    Examples
    --------
    >>> finite_array([1, 2], "x0", shape=(2,))
    array([1., 2.])
    """
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be numbers, got {value!r}") from None
    if shape is not None and (arr.ndim != len(shape) or any(
            want is not None and got != want for got, want in zip(arr.shape, shape, strict=True))):
        wanted = "(" + ", ".join("*" if s is None else str(s) for s in shape) + (
            ",)" if len(shape) == 1 else ")")
        raise ModelError(f"{name} must have shape {wanted}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} must be finite, got {arr.tolist()!r}")
    return arr


def name_mapping(value: Any, name: str, allowed: Iterable[str], what: str = "name"
                 ) -> dict[str, Any]:
    """``value`` as a dict whose keys are all among ``allowed``.

    Examples
    --------
    >>> name_mapping({"w": 1.0}, "params", ["w", "I"], "parameter")
    {'w': 1.0}
    """
    if not isinstance(value, Mapping):
        raise ModelError(f"{name} must be a mapping of {what}s, got {value!r}")
    valid = list(allowed)
    unknown = [k for k in value if k not in valid]
    if unknown:
        raise ModelError(f"{name} names {', '.join(map(repr, unknown))}, which is not a "
                         f"{what} (valid: {', '.join(valid)})")
    return dict(value)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise ModelError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be a number, got {value!r}") from None


def renamed_keyword(old: str, new: str) -> Callable[[F], F]:
    """Accept the keyword ``old`` as ``new`` for one release, with a DeprecationWarning.

    Examples
    --------
    >>> @renamed_keyword("seed", "rng")
    ... def draw(*, rng=None):
    ...     return rng
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     draw(seed=3), caught[0].category.__name__
    (3, 'DeprecationWarning')
    """
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            if old in kwargs:
                if new in kwargs:
                    raise ModelError(f"{fn.__name__}: give {new}= only ({old}= is its old name)")
                warnings.warn(f"{fn.__name__}({old}=...) is deprecated; use {new}=...",
                              DeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)
        return call  # type: ignore[return-value]
    return wrap


def params_were_names(fn: F) -> F:
    """Accept the old keywords of a function that now takes ``names`` and ``params``.

    Such functions once took the parameter NAMES as ``params=`` and the parameter VALUES
    as ``base_params=``; now ``names`` are the names and ``params`` the values. For one
    release, ``params=`` holding a sequence of names (and no ``names=``) is read as
    ``names=``, and ``base_params=`` as ``params=``, each with a DeprecationWarning.

    Examples
    --------
    >>> @params_were_names
    ... def pair(system, names=None, *, params=None):
    ...     return names, params
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     pair(None, params=("w", "I"), base_params={"w": 1.0})
    (('w', 'I'), {'w': 1.0})
    """
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        old = kwargs.get("params")
        if ("names" not in kwargs and len(args) < 2 and not isinstance(old, Mapping | str)
                and isinstance(old, list | tuple) and old and all(
                    isinstance(v, str) for v in old)):
            warnings.warn(f"{fn.__name__}(params=(names...)) is deprecated: parameter names "
                          "are names=, and params= are parameter values",
                          DeprecationWarning, stacklevel=2)
            kwargs["names"] = kwargs.pop("params")
        if "base_params" in kwargs:
            if "params" in kwargs:
                raise ModelError(f"{fn.__name__}: give params= only (base_params= is its "
                                 "old name)")
            warnings.warn(f"{fn.__name__}(base_params=...) is deprecated; use params=...",
                          DeprecationWarning, stacklevel=2)
            kwargs["params"] = kwargs.pop("base_params")
        return fn(*args, **kwargs)
    return call  # type: ignore[return-value]
