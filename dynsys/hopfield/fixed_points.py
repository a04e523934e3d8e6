"""Fixed points of Hopfield networks: where they are, their energy, and their stability.

With ``f = sign`` the Jacobian is ``-I`` wherever no component of ``W x`` is zero and
undefined where one is (``x = 0``, the symmetric mixture ``(p + q)/2``). Such points get
``Kind.NON_SMOOTH``; their stability is decided by the discrete check ``x = sign(W x)``
and by perturbation (noiseless Euler runs from ``x + small random perturbations``; the
fraction that returns is reported), never by eigenvalues. Points where every ``(W x)_i``
is non-zero are fixed points exactly when ``x = sign(W x)`` (a +-1 vector), and they are
stable (Jacobian ``-I``; ``Kind.STABLE``). For ``f = tanh(beta s)`` the generic rule
applies: eigenvalues of ``-I + diag(f'(Wx)) W``.

Facts checked by the tests (with the diagonal kept, ``m = p . q / N``):

* one pattern: ``+-p`` are the attractors reached from random starts;
* two patterns: ``+-p``, ``+-q``; ``(p + q)/2`` is an exact fixed point for ANY pair with
  ``m > -1``, because ``W (p+q)/2 = (1 + m)(p + q)/2`` (zero exactly where ``p_i != q_i``);
  it is unstable: a perturbation ``d`` drives the differing units to ``p`` when
  ``(p - q) . d > 0`` and to ``q`` otherwise, so no perturbation returns;
* three random patterns: the mixtures ``sign(+-p1 +- p2 +- p3)`` are often discrete fixed
  points (spurious attractors; Amit, Gutfreund & Sompolinsky 1985).

References
----------
D. J. Amit, H. Gutfreund, H. Sompolinsky, "Spin-glass models of neural networks",
Phys. Rev. A 32, 1007 (1985).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._numerics.newton import newton
from dynsys._random import RecordedSeed, seeded
from dynsys._types import ArrayLike, ComplexArray, FloatArray, ParamsLike, RngLike
from dynsys.analysis.stability import Kind
from dynsys.errors import ConvergenceError
from dynsys.hopfield.energy import classic_energy, energy
from dynsys.hopfield.network import Activation, HopfieldNetwork, candidate_states, euler_run

__all__ = ["FixedPoint", "HopfieldFixedPoints", "classify_state", "find_fixed_points"]


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """A fixed point of a Hopfield network, with its energy and how stability was decided.

    Attributes
    ----------
    state : (N,) array
    label : str
        ``"+x"``, ``"-smiley"``, ``"(+x +smiley)/2"``, ``"sign(+p0 +p1 -p2)"``, ``"0"``
        or ``"other"``; a tanh point whose sign is one of these gets ``"~"`` in front.
    energy, classic_energy : float
        ``L(x)`` (:func:`dynsys.hopfield.energy.energy`) and ``-x^T W x / 2``.
    overlaps : (P,) array
    residual : float
        ``max |-x + f(W x)|``.
    min_abs_field : float
        ``min_i |(W x)_i|`` (0 at a non-smooth point of the sign network).
    kind : Kind
        ``Kind.NON_SMOOTH`` where the sign network's Jacobian does not exist.
    stable : bool
    method : str
        ``"discrete check + perturbation"`` or ``"eigenvalues"``.
    discrete_fixed : bool
        ``x == sign(W x)`` exactly (the sign network's static check).
    returned_fraction : float or None
        Fraction of perturbed runs that came back (non-smooth points).
    eigenvalues : complex array or None
        Jacobian eigenvalues (smooth points only).
    seed : int, dict or None
        The seed that replays the perturbation runs (None when none were drawn or a
        Generator was passed).
    """

    state: FloatArray
    label: str
    energy: float
    classic_energy: float
    overlaps: FloatArray
    residual: float
    min_abs_field: float
    kind: Kind
    stable: bool
    method: str
    discrete_fixed: bool
    returned_fraction: float | None = None
    eigenvalues: ComplexArray | None = None
    seed: RecordedSeed = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the state as a list)."""
        return to_jsonable({
            "label": self.label, "kind": self.kind.value, "stable": self.stable,
            "method": self.method, "energy": self.energy,
            "classic_energy": self.classic_energy, "overlaps": self.overlaps.tolist(),
            "residual": self.residual, "min_abs_field": self.min_abs_field,
            "discrete_fixed": self.discrete_fixed, "returned_fraction": self.returned_fraction,
            "eigenvalue_max_real": (None if self.eigenvalues is None
                                    else float(np.max(self.eigenvalues.real))),
            "state": self.state.tolist(), "seed": self.seed,
        })

    def __repr__(self) -> str:
        return (f"FixedPoint({self.label}, {self.kind.value}, stable={self.stable}, "
                f"L={self.energy:.4g})")


@dataclass(frozen=True)
class HopfieldFixedPoints:
    """The fixed points found for a network (``find_fixed_points``).

    Attributes
    ----------
    network, activation : str
    points : tuple of FixedPoint
        Sorted: stable first, then by energy.
    starts : int
        Number of random starts.
    unsettled_runs : int
        Sign network: runs whose end state's sign is not a discrete fixed point.
    polish_failures : int
        Tanh network: runs whose end state Newton could not polish to a fixed point
        (ConvergenceError or a singular Jacobian).
    candidate_failures : int
        Tanh network: candidate states (:func:`candidate_states`) that are not fixed
        points and from which Newton did not converge either.
    seed : int, dict or None
        The seed that replays the random starts.
    """

    network: str
    activation: str
    points: tuple[FixedPoint, ...]
    starts: int
    unsettled_runs: int = 0
    polish_failures: int = 0
    candidate_failures: int = 0
    seed: RecordedSeed = None

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.points)

    def __getitem__(self, i: int) -> FixedPoint:
        return self.points[i]

    @property
    def labels(self) -> list[str]:
        """Labels of every point."""
        return [p.label for p in self.points]

    @property
    def stable(self) -> tuple[FixedPoint, ...]:
        """The stable points (attractors)."""
        return tuple(p for p in self.points if p.stable)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary with every point."""
        return to_jsonable({"network": self.network, "activation": self.activation,
                            "starts": self.starts, "points": [p.to_dict() for p in self.points],
                            "unsettled_runs": self.unsettled_runs,
                            "polish_failures": self.polish_failures,
                            "candidate_failures": self.candidate_failures,
                            "seed": self.seed})

    def __str__(self) -> str:
        head = (f"Fixed points of {self.network} ({self.activation}): {len(self.points)} "
                f"from {self.starts} starts, {len(self.stable)} stable")
        rows = [f"{p.label}: {p.kind.value}, stable={p.stable}, L = {p.energy:.6g}"
                for p in self.points]
        rows.append(f"unsettled runs: {self.unsettled_runs}, failed polishes: "
                    f"{self.polish_failures}, failed candidates: {self.candidate_failures}")
        return "\n".join([head, *(("└─ " if i == len(rows) - 1 else "├─ ") + r
                                   for i, r in enumerate(rows))])

    def __repr__(self) -> str:
        return (f"<HopfieldFixedPoints {self.network} ({self.activation}): "
                f"{len(self.points)} points, {len(self.stable)} stable, "
                f"{self.polish_failures} failed polishes>")


def _label(net: HopfieldNetwork, x: FloatArray, tol: float = 1e-9) -> str:
    if np.max(np.abs(x)) <= tol:
        return "0"
    names = net.pattern_names
    pats = net.patterns
    for k, p in enumerate(pats):
        for s in (1, -1):
            if np.max(np.abs(x - s * p)) <= tol:
                return f"{'+' if s > 0 else '-'}{names[k]}"
    for i, j in itertools.combinations(range(len(pats)), 2):
        for a, b in itertools.product((1, -1), repeat=2):
            if np.max(np.abs(x - (a * pats[i] + b * pats[j]) / 2)) <= tol:
                return f"({'+' if a > 0 else '-'}{names[i]} {'+' if b > 0 else '-'}{names[j]})/2"
    for combo in itertools.combinations(range(len(pats)), 3):
        for signs in itertools.product((1, -1), repeat=3):
            mix = np.sign(sum(s * pats[c] for s, c in zip(signs, combo, strict=True)))
            if np.max(np.abs(x - mix)) <= tol:
                terms = " ".join(f"{'+' if s > 0 else '-'}{names[c]}"
                                 for s, c in zip(signs, combo, strict=True))
                return f"sign({terms})"
    return "other"


def classify_state(
    net: HopfieldNetwork, x: ArrayLike, *, params: ParamsLike = None, rng: RngLike = 0,
    perturbations: int = 20, radius: float = 0.05, t_end: float = 10.0, tol: float = 1e-9,
) -> FixedPoint:
    """Classify a fixed point ``x`` of ``net``: ``classify_state(net, x) -> FixedPoint``.

    The stability verdict is the network's own
    (:meth:`~dynsys.hopfield.network.HopfieldNetwork.classify_state`): sign network,
    ``Kind.NON_SMOOTH`` if some ``|(W x)_i| <= tol`` and stability from ``perturbations``
    noiseless Euler runs started at ``x + radius * u``; elsewhere the Jacobian ``-I``
    (``Kind.STABLE``); tanh network, the eigenvalues of the Jacobian. This function adds
    the label, the energies and the overlaps.

    Raises
    ------
    ModelError
        If ``x`` is not a fixed point (residual above ``1e-6``).

    Examples
    --------
    >>> net = HopfieldNetwork.from_names(["x", "smiley"])
    >>> mix = (net.patterns[0] + net.patterns[1]) / 2
    >>> fp = classify_state(net, mix)
    >>> fp.kind.value, fp.stable, fp.returned_fraction
    ('non-smooth', False, 0.0)
    """
    verdict = net.classify_state(x, params=params, rng=rng, perturbations=perturbations,
                                 radius=radius, t_end=t_end, tol=tol)
    xs = verdict.state
    h = net.field(xs)
    label = _label(net, xs)
    if label == "other" and net.activation is Activation.TANH and verdict.min_abs_field > 0:
        near = _label(net, np.sign(xs))  # a graded copy of a sign state
        label = f"~{near}" if near != "other" else label
    return FixedPoint(
        state=xs, label=label, energy=float(energy(net, xs, params)),
        classic_energy=float(classic_energy(net, xs)), overlaps=net.overlaps(xs),
        residual=verdict.residual, min_abs_field=verdict.min_abs_field,
        kind=verdict.kind, stable=verdict.stable, method=verdict.method,
        discrete_fixed=bool(np.array_equal(np.sign(h), xs)),
        returned_fraction=verdict.returned_fraction, eigenvalues=verdict.eigenvalues,
        seed=verdict.seed,
    )


def _newton(net: HopfieldNetwork, x: FloatArray, params: ParamsLike, tol: float = 1e-12,
            max_iter: int = 50) -> FloatArray:
    """Newton polish of a tanh fixed point with the exact Jacobian.

    Converged at ``|F| <= tol``; after ``max_iter`` steps an iterate with ``|F| <= 1e-9``
    is accepted (its residual is what :func:`classify_state` reports). Raises
    ConvergenceError (with the residual history) otherwise.
    """
    def fun(z: FloatArray) -> tuple[FloatArray, FloatArray]:
        return net.rhs(z, params), net.jac(z, params)

    z, _, _ = newton(fun, x, tol=tol, max_iter=max_iter, accept=1e-9,
                     what=f"Newton on {net.name}")
    return z


def find_fixed_points(
    net: HopfieldNetwork, *, starts: int = 100, t_end: float = 30.0, params: ParamsLike = None,
    rng: RngLike = 0, include_candidates: bool = True, perturbations: int = 20,
) -> HopfieldFixedPoints:
    """Fixed points reached from random starts, plus the exact candidates that are fixed.

    ``find_fixed_points(net, *, starts=100, t_end=30, params=None, rng=0) ->
    HopfieldFixedPoints``

    Noiseless Euler runs (``dt = 0.1``) from ``starts`` uniform random states in
    ``[-1, 1]^N`` end near attractors; for sign the end point is snapped to
    ``sign(x)`` when that is a discrete fixed point, for tanh it is polished by Newton
    with the exact Jacobian. With ``include_candidates`` the states of
    :func:`candidate_states` that are fixed points (residual <= 1e-9) are added (this
    is how unstable ones such as ``(p + q)/2`` are found). Each point is classified by
    :func:`classify_state` and carries its energy. Runs that end nowhere are counted, not
    dropped silently: ``unsettled_runs`` (sign), ``polish_failures`` and
    ``candidate_failures`` (tanh, Newton did not converge).

    Examples
    --------
    >>> res = find_fixed_points(HopfieldNetwork.from_names(["x"]), starts=20)
    >>> sorted(p.label for p in res.stable)
    ['+x', '-x']
    """
    gen, seed = seeded(rng)
    x0 = gen.uniform(-1.0, 1.0, size=(checks.count(starts, "starts"), net.n))
    ends = euler_run(net, x0, t_end, 0.1, params=params)
    found: list[FloatArray] = []
    unsettled = polish_failures = candidate_failures = 0
    for e in ends:
        if net.activation is Activation.SIGN:
            s = np.sign(e)
            if np.array_equal(np.sign(net.field(s)), s):
                found.append(s)
            else:
                unsettled += 1
        else:
            try:
                found.append(_newton(net, e, params))
            except (ConvergenceError, np.linalg.LinAlgError):
                polish_failures += 1
    if include_candidates:
        for c in candidate_states(net):
            if float(np.max(np.abs(net.rhs(c, params)))) <= 1e-9:
                found.append(c)
            elif net.activation is Activation.TANH:
                try:
                    found.append(_newton(net, c, params))
                except (ConvergenceError, np.linalg.LinAlgError):
                    candidate_failures += 1
    unique: list[FloatArray] = []
    for f in found:
        if not any(np.max(np.abs(f - u)) <= 1e-7 for u in unique):
            unique.append(f)
    points = [classify_state(net, u, params=params, rng=gen, perturbations=perturbations)
              for u in unique]
    points.sort(key=lambda p: (not p.stable, p.energy))
    return HopfieldFixedPoints(net.name, net.activation.value, tuple(points), int(starts),
                               unsettled_runs=unsettled, polish_failures=polish_failures,
                               candidate_failures=candidate_failures, seed=seed)
