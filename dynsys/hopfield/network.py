"""The Hopfield network ``dx/dt = -x + f(W x) + sigma eta(t)``, a
:class:`~dynsys.core.system.System`.

``W = (1/N) sum_mu p_mu p_mu^T`` (Hebb's rule over the stored +-1 patterns), with the
diagonal kept by default (then W is symmetric positive semidefinite, which the energy
:func:`dynsys.hopfield.energy.energy` needs) or zeroed as an option. ``f`` is ``sign`` with
``sign(0) = 0`` (the report's choice) or its smooth version ``tanh(beta s)``, for which
the Jacobian ``-I + diag(f'(W x)) W`` exists. The network also runs the classic
discrete synchronous (``x <- sign(W x)``) and asynchronous (one unit at a time, in a
seeded random order) updates.

W is never formed when the factored form ``W x = (1/N) P^T (P x)`` is cheaper, i.e.
when ``2 P < N`` (``P`` patterns as rows of ``P``); many states are handled at once
as matrix products.

References
----------
J. J. Hopfield, "Neural networks and physical systems with emergent collective
computational abilities", PNAS 79, 2554-2558 (1982).
J. J. Hopfield, "Neurons with graded response have collective computational properties
like those of two-state neurons", PNAS 81, 3088-3092 (1984).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._numerics.stepping import euler, step_count
from dynsys._random import RecordedSeed, seeded
from dynsys._types import ArrayLike, ComplexArray, FloatArray, ParamsLike, RngLike, as_rng
from dynsys.analysis.stability import Kind, classify, sorted_eigenvalues
from dynsys.core._matrix_form import MatrixForm, matrix_jacobian
from dynsys.core.system import resolve_params
from dynsys.errors import ModelError
from dynsys.hopfield.patterns import as_patterns, named_pattern, overlaps

__all__ = [
    "Activation",
    "HopfieldNetwork",
    "StateVerdict",
    "UpdateRule",
    "candidate_states",
    "euler_run",
]


@dataclass(frozen=True, eq=False)
class StateVerdict:
    """The network's stability verdict at a fixed point (:meth:`HopfieldNetwork.classify_state`).

    Attributes
    ----------
    state : (N,) array
    kind : Kind
        ``Kind.NON_SMOOTH`` where the sign network's Jacobian does not exist.
    stable : bool
    method : str
        How stability was decided: ``"discrete check + perturbation"``,
        ``"discrete check (Jacobian -I)"`` or ``"eigenvalues"``.
    residual, min_abs_field : float
        ``max |-x + f(W x)|`` and ``min_i |(W x)_i|``.
    returned_fraction : float or None
        Fraction of perturbed runs that came back (non-smooth points).
    eigenvalues : complex array or None
        Jacobian eigenvalues (smooth points only).
    seed : int, dict or None
        The seed that replays the perturbations (non-smooth points drawn from an int,
        SeedSequence or ``None`` ``rng``; None otherwise).
    """

    state: FloatArray
    kind: Kind
    stable: bool
    method: str
    residual: float
    min_abs_field: float
    returned_fraction: float | None = None
    eigenvalues: ComplexArray | None = None
    seed: RecordedSeed = None


class Activation(enum.Enum):
    """The network's activation function f."""

    SIGN = "sign"
    """``sign(s)`` with ``sign(0) = 0`` (non-smooth; F = |s|)."""
    TANH = "tanh"
    """``tanh(beta s)`` (smooth; F = log(cosh(beta s)) / beta)."""

    @classmethod
    def parse(cls, value: Activation | str) -> Activation:
        """Map a string ("sign", "tanh") to the enum, listing valid values on error."""
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(a.value for a in cls)
            raise ModelError(f"unknown activation {value!r}; choose one of: {valid}") from None


class UpdateRule(enum.Enum):
    """How the state is advanced in time."""

    EULER = "euler"
    """Continuous time, Euler(-Maruyama): ``x += dt (-x + f(Wx)) + sigma sqrt(dt) eta``."""
    SYNCHRONOUS = "synchronous"
    """Discrete: every unit at once, ``x <- sign(W x)``."""
    ASYNCHRONOUS = "asynchronous"
    """Discrete: one unit at a time in a random order, ``x_i <- sign((W x)_i)``."""

    @classmethod
    def parse(cls, value: UpdateRule | str) -> UpdateRule:
        """Map a string to the enum (also "sync", "async")."""
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        text = {"sync": "synchronous", "async": "asynchronous"}.get(text, text)
        try:
            return cls(text)
        except ValueError:
            valid = ", ".join(a.value for a in cls)
            raise ModelError(f"unknown update rule {value!r}; choose one of: {valid}") from None


def _sign(s: FloatArray) -> FloatArray:
    return np.sign(s)


@dataclass(frozen=True, eq=False)
class HopfieldNetwork(MatrixForm):
    """A Hopfield network storing +-1 patterns, implementing the System interface.

    ``HopfieldNetwork(patterns, *, activation=Activation.SIGN, beta=1.0,
    zero_diagonal=False, sigma=0.0, name="hopfield", shape=None, pattern_names=None)``

    Parameters
    ----------
    patterns : array (P, N) of +-1
        The stored patterns (one per row; a single ``(N,)`` pattern is accepted).
    activation : Activation or str
        ``sign`` (default; sign(0) = 0) or ``tanh`` (``tanh(beta s)``).
    beta : float
        Gain of ``tanh``; the system's only parameter (``param_names == ("beta",)``)
        when the activation is tanh, none for sign.
    zero_diagonal : bool
        Remove self-connections (W is then no longer positive semidefinite).
    sigma : float
        Additive noise amplitude of every unit (``noise_amplitude``).
    shape : (rows, cols) or None
        Image shape of a state, used for state names (``r0c0``...) and plots;
        default: ``x0 ... x{N-1}``.
    pattern_names : sequence of str or None
        Labels of the patterns (default ``p0, p1, ...``).

    Examples
    --------
    >>> from dynsys.hopfield.patterns import named_pattern
    >>> net = HopfieldNetwork.from_names(["x", "smiley"])
    >>> net.n, net.n_patterns, net.is_smooth
    (64, 2, False)
    >>> p = named_pattern("x")
    >>> bool(abs(net.rhs(p)).max() < 1e-12)   # a stored pattern is a fixed point
    True

    Notes
    -----
    A matrix-form System like :class:`~dynsys.core.rate_network.RateNetwork`: the state
    check, ``noise_amplitude`` and the assembly of the tanh network's Jacobian
    ``diag(f'(W x)) W - I`` are shared with it (:mod:`dynsys.core._matrix_form`). It is
    not a RateNetwork: W is kept factored (``W x = P^T (P x) / N``) when that is cheaper,
    f may be sign, and its only parameter is beta.

    References
    ----------
    Hopfield (1982, 1984), see the module docstring.
    """

    patterns: FloatArray
    activation: Activation = Activation.SIGN
    beta: float = 1.0
    zero_diagonal: bool = False
    sigma: float = 0.0
    name: str = "hopfield"
    shape: tuple[int, int] | None = None
    pattern_names: tuple[str, ...] = ()
    description: str = ""
    _weights: FloatArray | None = field(default=None, repr=False, init=False)
    _diag: FloatArray = field(default_factory=lambda: np.empty(0), repr=False, init=False)

    def __post_init__(self) -> None:
        pats = as_patterns(self.patterns)
        pats.setflags(write=False)
        object.__setattr__(self, "patterns", pats)
        object.__setattr__(self, "activation", Activation.parse(self.activation))
        object.__setattr__(self, "beta", checks.positive(self.beta, "beta"))
        object.__setattr__(self, "sigma", checks.non_negative(self.sigma, "sigma"))
        p, n = pats.shape
        if self.shape is not None:
            shp = tuple(int(s) for s in self.shape)
            if len(shp) != 2 or shp[0] * shp[1] != n:
                raise ModelError(f"shape {self.shape} does not hold {n} units")
            object.__setattr__(self, "shape", shp)
        names = tuple(self.pattern_names) or tuple(f"p{k}" for k in range(p))
        if len(names) != p:
            raise ModelError(f"{len(names)} pattern names for {p} patterns")
        object.__setattr__(self, "pattern_names", names)
        diag = (pats**2).sum(axis=0) / n
        diag.setflags(write=False)
        object.__setattr__(self, "_diag", diag)
        if 2 * p >= n:  # the dense matrix is cheaper than the factored form
            w = pats.T @ pats / n
            if self.zero_diagonal:
                np.fill_diagonal(w, 0.0)
            w.setflags(write=False)
            object.__setattr__(self, "_weights", w)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_names(cls, names: Sequence[str], **kwargs: Any) -> HopfieldNetwork:
        """A network storing the built-in 8x8 images ``names`` (e.g. ``["x", "smiley"]``)."""
        pats = np.stack([named_pattern(nm) for nm in names])
        kwargs.setdefault("shape", (8, 8))
        kwargs.setdefault("pattern_names", tuple(nm.strip().lower() for nm in names))
        return cls(pats, **kwargs)

    def replace(self, **changes: Any) -> HopfieldNetwork:
        """A copy with some fields changed (``patterns``, ``activation``, ``sigma``...)."""
        fields: dict[str, Any] = {
            "patterns": self.patterns, "activation": self.activation, "beta": self.beta,
            "zero_diagonal": self.zero_diagonal, "sigma": self.sigma, "name": self.name,
            "shape": self.shape, "pattern_names": self.pattern_names,
            "description": self.description,
        }
        if "patterns" in changes and "pattern_names" not in changes:
            fields["pattern_names"] = ()
        fields.update(changes)
        return HopfieldNetwork(**fields)

    # ------------------------------------------------------------------ System attributes
    @property
    def n(self) -> int:
        """Number of units N."""
        return int(self.patterns.shape[1])

    @property
    def n_patterns(self) -> int:
        """Number of stored patterns P."""
        return int(self.patterns.shape[0])

    @property
    def state_names(self) -> tuple[str, ...]:
        """``r{row}c{col}`` for an image network, else ``x0 ... x{N-1}``."""
        if self.shape is not None:
            return tuple(f"r{r}c{c}" for r in range(self.shape[0]) for c in range(self.shape[1]))
        return tuple(f"x{i}" for i in range(self.n))

    @property
    def param_names(self) -> tuple[str, ...]:
        """``("beta",)`` for tanh, ``()`` for sign."""
        return ("beta",) if self.activation is Activation.TANH else ()

    @property
    def default_params(self) -> FloatArray:
        """``[beta]`` for tanh, empty for sign."""
        if self.activation is Activation.TANH:
            return np.array([self.beta])
        return np.empty(0)

    @property
    def region(self) -> Mapping[str, tuple[float, float]]:
        """Every unit in [-1.1, 1.1] (the dynamics keep |x_i| <= 1 once inside)."""
        return dict.fromkeys(self.state_names, (-1.1, 1.1))

    @property
    def is_smooth(self) -> bool:
        """False for sign, True for tanh."""
        return self.activation is Activation.TANH

    @property
    def is_autonomous(self) -> bool:
        """Always True."""
        return True

    # ------------------------------------------------------------------ linear algebra
    def weights(self) -> FloatArray:
        """The weight matrix W ``(N, N)`` (formed on request; the dynamics avoid it)."""
        if self._weights is not None:
            return np.array(self._weights)
        w = self.patterns.T @ self.patterns / self.n
        if self.zero_diagonal:
            np.fill_diagonal(w, 0.0)
        return w

    def field(self, x: ArrayLike) -> FloatArray:
        """The local fields ``W x`` for states ``(..., N)``, factored when cheaper."""
        xs = self._states(x)
        if self._weights is not None:
            return xs @ self._weights  # W is symmetric
        h = (xs @ self.patterns.T) @ self.patterns / self.n
        if self.zero_diagonal:
            h -= self._diag * xs
        return h

    def _beta(self, p: ParamsLike, batch: tuple[int, ...]) -> FloatArray:
        ps = resolve_params(self, p)
        if self.activation is not Activation.TANH:
            return np.ones(batch)
        return np.broadcast_to(ps[..., 0], np.broadcast_shapes(ps.shape[:-1], batch))

    def activate(self, h: ArrayLike, p: ParamsLike = None) -> FloatArray:
        """``f(h)``: ``sign(h)`` (sign(0) = 0) or ``tanh(beta h)``."""
        hs = np.asarray(h, dtype=np.float64)
        if self.activation is Activation.SIGN:
            resolve_params(self, p)
            return _sign(hs)
        beta = self._beta(p, hs.shape[:-1])
        return np.tanh(beta[..., None] * hs)

    # ------------------------------------------------------------------ System methods
    def rhs(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """``-x + f(W x)``, shape ``(..., N)``."""
        xs = self._states(x)
        f = self.activate(self.field(xs), p)
        return f - xs

    def jac(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """``-I + diag(f'(W x)) W``, shape ``(..., N, N)``.

        For sign this is ``-I`` wherever no component of ``W x`` is zero, and says
        nothing where one is (``x = 0``, ``(p + q)/2``): such points are classified by
        :func:`dynsys.hopfield.fixed_points.classify_state`, never by these eigenvalues.
        """
        xs = self._states(x)
        if self.activation is Activation.SIGN:
            resolve_params(self, p)
            return np.broadcast_to(-np.eye(self.n), (*xs.shape[:-1], self.n, self.n)).copy()
        h = self.field(xs)
        beta = self._beta(p, xs.shape[:-1])[..., None]
        fprime = beta * (1.0 - np.tanh(beta * h) ** 2)
        return matrix_jacobian(fprime, self.weights())

    def dfdp(self, x: ArrayLike, p: ParamsLike = None, t: ArrayLike = 0.0) -> FloatArray:
        """``dF/dbeta = h (1 - tanh(beta h)^2)`` for tanh, shape ``(..., N, m)``."""
        xs = self._states(x)
        if self.activation is Activation.SIGN:
            resolve_params(self, p)
            return np.zeros((*xs.shape[:-1], self.n, 0))
        h = self.field(xs)
        beta = self._beta(p, xs.shape[:-1])[..., None]
        return (h * (1.0 - np.tanh(beta * h) ** 2))[..., None]

    # ------------------------------------------------------------------ discrete updates
    def candidate_equilibria(self, p: ParamsLike = None) -> FloatArray:
        """Exact candidate fixed points (0, +-patterns, mixtures), ``(K, N)``.

        :func:`dynsys.analysis.equilibria.find_equilibria` keeps those whose residual vanishes:
        with f = sign, 0 and the mixtures sit on kinks that Newton never reaches.
        """
        return candidate_states(self)

    def step_synchronous(self, x: ArrayLike) -> FloatArray:
        """One synchronous update ``x <- sign(W x)`` of states ``(..., N)``."""
        return _sign(self.field(x))

    def step_asynchronous(self, x: ArrayLike, rng: RngLike = None) -> FloatArray:
        """One asynchronous sweep: every unit once, ``x_i <- sign((W x)_i)``, random order.

        The order is a fresh random permutation (from ``rng``) shared by the batch; the
        fields are updated incrementally, so a sweep costs ``O(N^2)`` per state.
        """
        xs = np.array(self._states(x), dtype=np.float64)
        gen = as_rng(rng)
        h = self.field(xs)
        for i in gen.permutation(self.n):
            new = _sign(h[..., i])
            delta = new - xs[..., i]
            if np.any(delta):
                xs[..., i] = new
                col = self._column(i)
                h += delta[..., None] * col
        return xs

    def _column(self, i: int) -> FloatArray:
        if self._weights is not None:
            return self._weights[:, i]
        col = self.patterns.T @ self.patterns[:, i] / self.n
        if self.zero_diagonal:
            col[i] = 0.0
        return col

    def run_discrete(
        self, x0: ArrayLike, rule: UpdateRule | str = UpdateRule.SYNCHRONOUS, *,
        max_steps: int = 100, rng: RngLike = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Iterate a discrete rule until no state changes (or ``max_steps``).

        Returns ``(final (..., N), steps (...,))`` where ``steps`` is the number of
        updates (sweeps) after which each state stopped changing, or ``-1`` if it never
        did (a synchronous 2-cycle, for instance).
        """
        rule = UpdateRule.parse(rule)
        if rule is UpdateRule.EULER:
            raise ModelError("run_discrete takes a discrete rule; use simulate for Euler")
        xs = np.array(self._states(x0), dtype=np.float64)
        gen = as_rng(rng)
        steps = np.full(xs.shape[:-1], -1.0)
        for k in range(1, max_steps + 1):
            new = (self.step_synchronous(xs) if rule is UpdateRule.SYNCHRONOUS
                   else self.step_asynchronous(xs, gen))
            same = np.all(new == xs, axis=-1)
            steps = np.where((steps < 0) & same, k - 1, steps)
            xs = new
            if np.all(steps >= 0):
                break
        return xs, steps

    def is_fixed_point(self, x: ArrayLike, tol: float = 1e-12) -> FloatArray | bool:
        """Whether ``x = f(W x)`` (within ``tol``); for sign, the discrete check."""
        xs = self._states(x)
        res = np.max(np.abs(self.activate(self.field(xs)) - xs), axis=-1)
        out = res <= tol
        return bool(out) if np.ndim(out) == 0 else out

    def switching(self, x: ArrayLike, p: ParamsLike = None) -> FloatArray:
        """Switching functions: ``W x`` for sign (the Jacobian fails where one is 0),
        an empty ``(..., 0)`` array for tanh. A hook for generic analyses."""
        xs = self._states(x)
        if self.activation is Activation.SIGN:
            return self.field(xs)
        return np.empty((*xs.shape[:-1], 0))

    def classify_state(
        self, x: ArrayLike, *, params: ParamsLike = None, rng: RngLike = 0,
        perturbations: int = 20, radius: float = 0.05, t_end: float = 10.0, tol: float = 1e-9,
    ) -> StateVerdict:
        """The network's stability verdict at a fixed point ``x`` (the System hook).

        Sign network: ``Kind.NON_SMOOTH`` if some ``|(W x)_i| <= tol * max(1, max|W x|)``;
        its stability from ``perturbations`` noiseless Euler runs (``dt = 0.1`` to
        ``t_end``) started at ``x + radius * u``, ``u`` uniform in ``[-1, 1]^N``: a run
        returns when it ends within ``radius / 10`` of ``x`` (max-norm); the point is
        stable when every run returns. Elsewhere (all fields non-zero) the Jacobian
        ``-I`` applies: ``Kind.STABLE``. Tanh network: the eigenvalues of the Jacobian,
        :func:`dynsys.analysis.stability.classify`. Never eigenvalues at a kink.
        :func:`dynsys.hopfield.fixed_points.classify_state` adds labels and energies.

        Raises
        ------
        ModelError
            If ``x`` is not a fixed point (residual above ``1e-6``).
        """
        xs = np.asarray(self._states(x), dtype=np.float64).reshape(self.n)
        h = self.field(xs)
        residual = float(np.max(np.abs(self.activate(h, params) - xs)))
        if residual > 1e-6:
            raise ModelError(
                f"the state is not a fixed point of {self.name} (residual {residual:.3g})")
        min_field = float(np.min(np.abs(h)))
        common: dict[str, Any] = {"state": xs, "residual": residual, "min_abs_field": min_field}
        if self.activation is Activation.TANH:
            ev = sorted_eigenvalues(self.jac(xs, params)).astype(np.complex128)
            kind = classify(ev)
            return StateVerdict(kind=kind, stable=kind.is_stable, method="eigenvalues",
                                eigenvalues=ev, **common)
        if min_field > tol * max(1.0, float(np.max(np.abs(h)))):
            # smooth point: the Jacobian -I is valid; the discrete check holds (residual ~ 0)
            return StateVerdict(kind=Kind.STABLE, stable=True,
                                method="discrete check (Jacobian -I)",
                                eigenvalues=-np.ones(self.n, dtype=np.complex128), **common)
        gen, seed = seeded(rng)
        starts = xs + radius * gen.uniform(-1.0, 1.0, size=(perturbations, self.n))
        ends = euler_run(self, starts, t_end, 0.1, params=params)
        back = np.max(np.abs(ends - xs), axis=1) <= radius / 10
        return StateVerdict(kind=Kind.NON_SMOOTH, stable=bool(np.all(back)),
                            method="discrete check + perturbation",
                            returned_fraction=float(np.mean(back)), seed=seed, **common)

    def describe_state(self, x: ArrayLike) -> str:
        """The state in words: its overlap with every stored pattern (the System hook that
        text summaries use instead of N coordinates)."""
        m = np.asarray(self.overlaps(x), dtype=float).reshape(-1)
        return "overlaps " + ", ".join(f"{name} {v:+.3f}" for name, v in
                                       zip(self.pattern_names, m, strict=True))

    def overlaps(self, x: ArrayLike) -> FloatArray:
        """Overlaps ``m_mu = p_mu . x / N`` with every stored pattern, ``(..., P)``."""
        return overlaps(self.patterns, x)

    # ------------------------------------------------------------------ presentation
    def latex(self) -> str:
        """The network's equation in LaTeX (matrix-vector form)."""
        f = (r"\operatorname{sign}(W\mathbf{x})" if self.activation is Activation.SIGN
             else r"\tanh(\beta W\mathbf{x})")
        noise = r" + \sigma\,\boldsymbol{\eta}(t)" if self.sigma else ""
        diag = r",\quad W_{ii} = 0" if self.zero_diagonal else ""
        return (
            r"\frac{d\mathbf{x}}{dt} = -\mathbf{x} + " + f + noise
            + r",\qquad W = \frac{1}{N}\sum_{\mu=1}^{P} \mathbf{p}_\mu \mathbf{p}_\mu^{\top}"
            + diag + rf",\quad N = {self.n},\ P = {self.n_patterns}"
        )

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary (used by ``dynsys show``)."""
        return {
            "model": self.name,
            "description": self.description,
            "kind": "hopfield network",
            "equation": "dx/dt = -x + f(W x) + sigma eta(t), W = (1/N) sum_mu p_mu p_mu^T",
            "units": self.n,
            "patterns": list(self.pattern_names),
            "activation": self.activation.value,
            "params": dict(zip(self.param_names, self.default_params.tolist(), strict=True)),
            "zero_diagonal": self.zero_diagonal,
            "sigma": self.sigma,
            "shape": list(self.shape) if self.shape else None,
            "autonomous": True,
            "smooth": self.is_smooth,
        }

    def to_dict(self) -> dict[str, Any]:
        """``describe()`` plus the patterns themselves."""
        out = self.describe()
        out["pattern_values"] = self.patterns.astype(int).tolist()
        return to_jsonable(out)

    def __repr__(self) -> str:
        return (
            f"HopfieldNetwork({self.name!r}, N={self.n}, P={self.n_patterns}, "
            f"f={self.activation.value}, zero_diagonal={self.zero_diagonal}, sigma={self.sigma:g})"
        )


def euler_run(net: HopfieldNetwork, x0: ArrayLike, t_end: float = 20.0, dt: float = 0.1, *,
              sigma: float = 0.0, params: ParamsLike = None, rng: RngLike = None,
              record: bool = False) -> FloatArray:
    """Euler(-Maruyama) runs of ``dx/dt = -x + f(Wx) + sigma eta``, batched over ``x0 (..., N)``.

    Returns ``x(t_end)`` or, with ``record=True``, every state ``(steps + 1, ..., N)``.
    The loop is one (factored) matrix product per step; noise is drawn in one call.
    """
    x = np.array(net._states(x0), dtype=np.float64)
    gen = as_rng(rng)
    steps = step_count(t_end, dt, nearest=True, method="Euler")
    scale = sigma * np.sqrt(dt)

    def field(y: FloatArray) -> FloatArray:
        return net.activate(net.field(y), params) - y

    def noise(shape: tuple[int, ...]) -> FloatArray:
        return scale * gen.standard_normal(shape)

    return euler(field, x, dt, steps, save=record, noise=noise if scale else None,
                 what=f"Euler run of {net.name}")



def candidate_states(net: HopfieldNetwork, *, mixtures: bool = True) -> FloatArray:
    """Candidate fixed points: 0, +-p, the pair mixtures ``(+-p +-q)/2`` and (if
    ``mixtures``) the 3-pattern mixtures ``sign(+-p1 +-p2 +-p3)`` (first 8 patterns)."""
    pats = net.patterns
    out = [np.zeros(net.n)]
    out += [s * p for p in pats for s in (1.0, -1.0)]
    for i, j in itertools.combinations(range(len(pats)), 2):
        out += [(a * pats[i] + b * pats[j]) / 2 for a, b in itertools.product((1, -1), repeat=2)]
    if mixtures:
        for combo in itertools.combinations(range(min(len(pats), 8)), 3):
            for signs in itertools.product((1, -1), repeat=3):
                out.append(np.sign(sum(s * pats[c] for s, c in zip(signs, combo, strict=True))))
    return np.unique(np.array(out), axis=0)
