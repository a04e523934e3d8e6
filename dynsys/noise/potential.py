"""The potential of a one-dimensional gradient system, its barriers, and Kramers' escape time.

A one-dimensional system ``dr = F(r) dt + sigma dW`` is a gradient system: with the
potential ``V(r) = -int F(r) dr`` it reads ``dr = -V'(r) dt + sigma dW``. Its stable
equilibria are the minima of ``V`` (the wells), the unstable ones the maxima (the
barriers). With weak noise the state stays in a well for an exponentially long time
and then jumps to a neighbouring well; this module

* builds ``V`` from the Model symbolically (``sympy.integrate``) and numerically
  (:func:`potential`), with the barrier height ``dV`` between each well and each
  adjacent maximum;
* predicts the mean escape time with Kramers' formula (:func:`kramers_time`,
  :func:`kramers`).

:mod:`dynsys.noise.switching` measures the same switching by simulation.

Conventions
-----------
Noise is additive and enters the Euler-Maruyama way,
``r_{k+1} = r_k + dt F(r_k) + sigma sqrt(dt) xi_k`` with ``xi_k ~ N(0, 1)``, i.e. the
Ito SDE ``dr = F dt + sigma dW``. Its Fokker-Planck equation is
``p_t = -(F p)_r + D p_rr`` with the diffusion coefficient ``D = sigma**2 / 2``, and
its stationary density is ``p ~ exp(-V / D)``.

References
----------
H. A. Kramers, "Brownian motion in a field of force and the diffusion model of chemical
reactions", Physica 7, 284 (1940).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from scipy import integrate

from dynsys._io import to_jsonable
from dynsys._types import ArrayLike, FloatArray, ParamsLike
from dynsys.analysis.equilibria import find_equilibria
from dynsys.core.model import Model
from dynsys.core.region import resolve_region
from dynsys.core.system import (
    compile as compile_model,
    numeric_function,
    require_autonomous,
    resolve_params,
)
from dynsys.errors import ModelError

__all__ = [
    "Barrier",
    "KramersEstimate",
    "Potential",
    "kramers",
    "kramers_time",
    "potential",
]

# ------------------------------------------------------------------ Kramers
def kramers_time(
    height: ArrayLike, curvature_well: float, curvature_top: float, sigma: ArrayLike
) -> FloatArray:
    """Kramers' mean escape time over one barrier, ``2 pi / sqrt(V''(min) |V''(max)|) exp(dV / D)``.

    Parameters
    ----------
    height : float or array
        Barrier height ``dV = V(max) - V(min) > 0``.
    curvature_well, curvature_top : float
        ``V''`` at the minimum (positive) and at the maximum (negative).
    sigma : float or array
        Noise amplitude in ``dr = F dt + sigma dW``; the diffusion coefficient is
        ``D = sigma**2 / 2``.

    Returns
    -------
    ndarray
        The mean first-passage time from the well over the barrier (time units of
        the model), broadcast over ``height`` and ``sigma``.

    Notes
    -----
    For ``dr = -V'(r) dt + sigma dW`` the stationary density is ``exp(-V/D)`` with
    ``D = sigma^2/2``. In the overdamped (Smoluchowski) limit Kramers' flux-over-
    population argument gives the escape rate
    ``k = sqrt(V''(min) |V''(max)|) / (2 pi) exp(-dV / D)`` and the mean escape time
    ``1/k``. It is the leading term of an expansion in ``D / dV``: for ``dV / D`` of
    a few units the true mean exceeds it by a correction of order ``D / dV`` (tens of
    percent), and it is exponentially sensitive to ``sigma``.

    References
    ----------
    .. [1] H. A. Kramers, "Brownian motion in a field of force and the diffusion model
       of chemical reactions", Physica 7, 284-304 (1940).
    .. [2] P. Hänggi, P. Talkner and M. Borkovec, "Reaction-rate theory: fifty years
       after Kramers", Rev. Mod. Phys. 62, 251-341 (1990), Eq. (4.7b).

    Examples
    --------
    >>> round(float(kramers_time(971.24, 0.9694871539, -2.0, 30.0)), 1)
    39.1
    """
    if curvature_well <= 0 or curvature_top >= 0:
        raise ModelError(
            f"Kramers' formula needs V'' > 0 at the well and < 0 at the barrier, got "
            f"{curvature_well:g} and {curvature_top:g}"
        )
    s = np.asarray(sigma, dtype=np.float64)
    if not np.all((s > 0) & np.isfinite(s)):  # also NaN: no escape time, not a wrong one
        raise ModelError(f"sigma must be positive and finite for an escape time, got "
                         f"{np.asarray(sigma).tolist()!r}")
    diffusion = s**2 / 2.0
    prefactor = 2.0 * math.pi / math.sqrt(curvature_well * abs(curvature_top))
    with np.errstate(over="ignore"):
        return prefactor * np.exp(np.asarray(height, dtype=np.float64) / diffusion)


# ------------------------------------------------------------------ potential
@dataclass(frozen=True)
class Barrier:
    """The barrier between the well at ``well`` and the maximum at ``top``."""

    well: float
    top: float
    height: float
    curvature_well: float
    curvature_top: float

    def kramers_time(self, sigma: ArrayLike) -> FloatArray:
        """Kramers' mean escape time over this barrier (see :func:`kramers_time`)."""
        return kramers_time(self.height, self.curvature_well, self.curvature_top, sigma)

    def sigma_for_time(self, tau: ArrayLike) -> FloatArray:
        """The noise amplitude at which Kramers' escape time equals ``tau`` (inverse).

        ``sigma = sqrt(2 dV / ln(tau / t0))`` with ``t0 = 2 pi / sqrt(V''min |V''max|)``;
        defined for ``tau > t0`` (NaN otherwise).

        Examples
        --------
        >>> b = Barrier(0.0, 1.0, 971.24, 0.96949, -2.0)
        >>> round(float(b.sigma_for_time(float(b.kramers_time(20.0)))), 6)
        20.0
        """
        t0 = 2.0 * math.pi / math.sqrt(self.curvature_well * abs(self.curvature_top))
        ratio = np.asarray(tau, dtype=np.float64) / t0
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(ratio > 1, np.sqrt(2 * self.height / np.log(ratio)), np.nan)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self.__dict__)


@dataclass(frozen=True)
class Potential:
    """The potential ``V(r) = -int F dr`` of a one-dimensional system, with its barriers.

    Call it to evaluate ``V`` numerically (``V(r0) = 0`` at the leftmost well).
    ``expression`` is the closed form from ``sympy.integrate`` with the parameter
    values substituted (``None`` if sympy found none; ``V`` is then integrated by
    quadrature), ``latex`` its LaTeX.
    """

    model: str
    state: str
    params: dict[str, float]
    expression: sp.Expr | None
    latex: str
    minima: tuple[float, ...]
    maxima: tuple[float, ...]
    barriers: tuple[Barrier, ...]
    _values: Callable[[FloatArray], FloatArray] = field(repr=False, compare=False)

    def __call__(self, r: ArrayLike) -> FloatArray:
        return self._values(np.asarray(r, dtype=np.float64))

    def barriers_of(self, well: float) -> tuple[Barrier, ...]:
        """The barriers adjacent to the well at ``well``."""
        return tuple(b for b in self.barriers if math.isclose(b.well, well, abs_tol=1e-9))

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "model": self.model,
            "state": self.state,
            "params": self.params,
            "expression": None if self.expression is None else str(self.expression),
            "latex": self.latex,
            "minima": self.minima,
            "maxima": self.maxima,
            "barriers": [b.to_dict() for b in self.barriers],
        })


def _as_model(model: Any) -> Model:
    if isinstance(model, Model):
        return model
    inner = getattr(model, "model", None)
    if isinstance(inner, Model):
        return inner
    raise ModelError(
        f"the potential needs a symbolic one-dimensional Model, got {type(model).__name__}"
    )


def _critical_points(model: Model, params: dict[str, float],
                     region: tuple[float, float]) -> tuple[list[float], list[float]]:
    """Stable and unstable equilibria of a 1-D model in ``region`` (the analyzer's job)."""

    system = compile_model(model)
    found = [
        (float(np.asarray(eq.state).ravel()[0]), float(np.real(np.asarray(eq.eigenvalues)[0])))
        for eq in find_equilibria(system, params, region={model.state_names[0]: region})
    ]
    stable = sorted(x for x, slope in found if slope < 0)
    unstable = sorted(x for x, slope in found if slope > 0)
    return stable, unstable


def _closed_form(model: Model, params: dict[str, float]) -> sp.Expr | None:
    r = model.states[0]
    # float values integrate to the tidier form (log cosh rather than log(1 + tanh))
    values = {s: sp.Float(params[s.name]) for s in model.param_symbols}
    try:
        expr = -sp.integrate(model.rhs[0].subs(values), r)
    except Exception:  # sympy may fail in many ways; quadrature is the fallback
        return None
    if expr.has(sp.Integral) or expr.has(sp.Piecewise):
        return None
    return sp.nsimplify(expr, rational=True)


def potential(model: Any, params: ParamsLike = None, *,
              region: Mapping[str, tuple[float, float]] | None = None) -> Potential:
    """Potential ``V(r) = -int F(r) dr`` of a one-dimensional model, and its barriers.

    Parameters
    ----------
    model : Model or CompiledSystem
        A smooth, autonomous, one-dimensional model.
    params : mapping, optional
        Parameter overrides.
    region : mapping state -> (low, high), optional
        Where to look for the equilibria (default: the model's region, else one inferred;
        see :func:`dynsys.core.region.resolve_region`). A bare ``(low, high)`` pair is
        deprecated and accepted for one release.

    Returns
    -------
    Potential
        With the minima (stable equilibria), maxima (unstable ones) and, for each well
        and each adjacent maximum, a :class:`Barrier` with its height
        ``V(max) - V(min)`` (by adaptive quadrature of ``F``, accurate to round-off)
        and the curvatures ``V'' = -F'`` at both ends.

    Raises
    ------
    ModelError
        For a model with more than one state, time-dependent, or with fewer than two
        wells in the region (no barrier).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> pot = potential(load_model("self_excitation"))
    >>> [round(b.height, 2) for b in pot.barriers]
    [971.24, 971.24]
    """
    model = _as_model(model)
    if model.n != 1:
        raise ModelError(f"a potential needs a one-dimensional model; {model.name!r} has "
                         f"{model.n} states")
    require_autonomous(compile_model(model), "a potential")
    system = compile_model(model)
    pvec = resolve_params(system, params)
    pars = {k: float(v) for k, v in zip(system.param_names, np.atleast_1d(pvec), strict=True)}
    if region is not None and not isinstance(region, Mapping):
        warnings.warn("potential(region=(lo, hi)) is deprecated; pass region={"
                      f"{model.state_names[0]!r}: (lo, hi)}}", DeprecationWarning, stacklevel=2)
        region = {model.state_names[0]: region}
    lo, hi = resolve_region(system, pars, region)[model.state_names[0]]
    stable, unstable = _critical_points(model, pars, (lo, hi))
    if len(stable) < 2:
        raise ModelError(f"{model.name!r} has {len(stable)} stable equilibria in "
                         f"[{lo:g}, {hi:g}] at {pars}: no barrier to cross")

    def force(r: float) -> float:
        return float(system.rhs(np.array([r]), pvec)[0])

    def curvature(r: float) -> float:
        return -float(system.jac(np.array([r]), pvec)[0, 0])

    def dv(a: float, b: float) -> float:  # V(b) - V(a)
        value, _ = integrate.quad(force, a, b, epsabs=1e-11, epsrel=1e-13, limit=200)
        return -value

    barriers = []
    for well in stable:
        for top in unstable:
            between = [u for u in unstable if min(well, top) < u < max(well, top)]
            between += [s for s in stable if min(well, top) < s < max(well, top)]
            if between:
                continue  # not adjacent
            barriers.append(Barrier(well, top, dv(well, top), curvature(well), curvature(top)))

    expr = _closed_form(model, pars)
    r0 = stable[0]
    if expr is not None:
        fn = numeric_function(model.states[0], expr)
        offset = float(fn(r0))

        def values(r: FloatArray) -> FloatArray:
            return np.asarray(fn(r), dtype=np.float64) - offset + 0.0 * r

        latex = sp.latex(expr)
    else:
        def values(r: FloatArray) -> FloatArray:
            flat = np.atleast_1d(r).ravel()
            out = np.array([dv(r0, float(x)) for x in flat])
            return out.reshape(np.shape(r))

        latex = r"-\int F\,dr"
    return Potential(model.name, model.state_names[0], pars, expr, latex,
                     tuple(stable), tuple(unstable), tuple(barriers), values)


@dataclass(frozen=True)
class KramersEstimate:
    """Kramers' mean residence time in each well at noise ``sigma`` (``D = sigma^2/2``)."""

    sigma: float
    diffusion: float
    wells: tuple[float, ...]
    times: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self.__dict__)


def kramers(pot: Potential, sigma: float) -> KramersEstimate:
    """Kramers' mean residence time in each well of ``pot`` at noise amplitude ``sigma``.

    A well with two adjacent barriers escapes over either: the rates add.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> est = kramers(potential(load_model("self_excitation")), 25.0)
    >>> [round(t) for t in est.times]
    [101, 101]
    """
    times = []
    for well in pot.minima:
        rate = sum(1.0 / float(b.kramers_time(sigma)) for b in pot.barriers_of(well))
        times.append(math.inf if rate == 0 else 1.0 / rate)
    return KramersEstimate(float(sigma), float(sigma) ** 2 / 2, pot.minima, tuple(times))
