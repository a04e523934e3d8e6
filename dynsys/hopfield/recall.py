"""Recall of one stored pattern by a given Hopfield network, recorded over time.

``recall(net, target, flip=0.3, *, protocol=RecallProtocol(), rng=0) -> RecallResult``:
flip exactly ``round(flip N)`` bits of the target pattern (or start from a given probe),
run the protocol (default: the report's Euler-Maruyama with sign, ``sigma = 0.1``,
``dt = 0.1`` to ``t = 20``), and record states, overlaps with every stored pattern and
the energy at each step. The three success criteria of :mod:`dynsys.hopfield.capacity` are
reported side by side.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._random import RecordedSeed, seeded
from dynsys._types import ArrayLike, FloatArray, RngLike
from dynsys.errors import ModelError
from dynsys.hopfield.energy import energy
from dynsys.hopfield.network import Activation, HopfieldNetwork, UpdateRule, euler_run
from dynsys.hopfield.patterns import flip_bits, flip_count

__all__ = ["RecallProtocol", "RecallResult", "recall"]

#: Most Euler steps of one recall (a typo such as t_end = 1e300 must not hang).
_MAX_STEPS = 10**9


@dataclass(frozen=True)
class RecallProtocol:
    """How one recall trial runs (defaults: the reference report's protocol).

    Attributes
    ----------
    rule : UpdateRule
        ``EULER`` (continuous time), ``SYNCHRONOUS`` or ``ASYNCHRONOUS`` (discrete sign).
    activation : Activation
        ``SIGN`` (sign(0) = 0) or ``TANH`` (``tanh(beta s)``; Euler only).
    beta : float
        Gain of tanh.
    sigma, dt, t_end : float
        Noise amplitude, time step and final time of the Euler dynamics (the discrete
        rules are noise-free and ignore them).
    zero_diagonal : bool
        Remove self-connections.
    max_sweeps : int
        Cap on discrete updates (sweeps) for the discrete rules.
    overlap_threshold : float
        The overlap criterion's threshold (0.9).
    """

    rule: UpdateRule = UpdateRule.EULER
    activation: Activation = Activation.SIGN
    beta: float = 1.0
    sigma: float = 0.1
    dt: float = 0.1
    t_end: float = 20.0
    zero_diagonal: bool = False
    max_sweeps: int = 100
    overlap_threshold: float = 0.9

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", UpdateRule.parse(self.rule))
        object.__setattr__(self, "activation", Activation.parse(self.activation))
        for name in ("beta", "dt", "t_end"):
            object.__setattr__(self, name, checks.positive(getattr(self, name), name))
        if self.t_end / self.dt > _MAX_STEPS:
            raise ModelError(f"t_end / dt = {self.t_end / self.dt:.4g} Euler steps is more than "
                             f"{_MAX_STEPS:.0e}; choose a larger dt or a shorter t_end")
        checks.non_negative(self.sigma, "sigma")
        if self.rule is not UpdateRule.EULER and self.activation is not Activation.SIGN:
            raise ModelError("discrete update rules use f = sign; use rule=euler for tanh")
        checks.count(int(self.max_sweeps), "max_sweeps")

    @property
    def steps(self) -> int:
        """Number of Euler steps, ``round(t_end / dt)``."""
        return max(1, round(self.t_end / self.dt))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (enums as their string values)."""
        out = asdict(self)
        out["rule"] = self.rule.value
        out["activation"] = self.activation.value
        out["steps"] = self.steps
        return to_jsonable(out)


@dataclass(frozen=True, eq=False)
class RecallResult:
    """A recorded recall run.

    Attributes
    ----------
    network, target : str
        Network name and the label of the pattern to recall.
    flipped_bits : int
        Number of bits flipped in the probe (exact).
    t : (T,) array
        Times (Euler) or update counts (discrete rules).
    states : (T, N) array
    overlaps : (T, P) array
        ``m_mu(t)`` with every stored pattern.
    energy : (T,) array
        ``L(x(t))``.
    exact : bool
        ``sign(x(T))`` equals the target in every bit.
    overlap : float
        Final overlap with the target; ``overlap_ok`` is ``overlap >= 0.9``.
    fixed : bool
        The static check: the target is a fixed point of ``sign(W x)``.
    """

    network: str
    target: str
    target_index: int
    flipped_bits: int
    protocol: RecallProtocol
    seed: RecordedSeed
    t: FloatArray
    states: FloatArray
    overlaps: FloatArray
    energy: FloatArray
    exact: bool
    overlap: float
    overlap_ok: bool
    fixed: bool
    shape: tuple[int, int] | None = None
    pattern_names: tuple[str, ...] = ()

    @property
    def final(self) -> FloatArray:
        """``x(T)``."""
        return self.states[-1]

    def to_dict(self) -> dict[str, Any]:
        """JSON: criteria, protocol, final state, overlaps and energy over time."""
        return to_jsonable({
            "network": self.network, "target": self.target, "flipped_bits": self.flipped_bits,
            "protocol": self.protocol.to_dict(), "seed": self.seed,
            "exact": self.exact, "overlap": self.overlap, "overlap_ok": self.overlap_ok,
            "fixed": self.fixed, "patterns": list(self.pattern_names),
            "final_state": self.final.tolist(), "t": self.t.tolist(),
            "overlaps": self.overlaps.tolist(), "energy": self.energy.tolist(),
        })

    def __repr__(self) -> str:
        return (f"RecallResult({self.target}, flipped={self.flipped_bits}, exact={self.exact}, "
                f"overlap={self.overlap:.3f}, fixed={self.fixed})")


def recall(
    net: HopfieldNetwork, target: int | str = 0, flip: float = 0.3, *,
    probe: ArrayLike | None = None, protocol: RecallProtocol | None = None,
    rng: RngLike = 0,
) -> RecallResult:
    """Recall stored pattern ``target`` (index or name) from a corrupted copy.

    Parameters
    ----------
    net : HopfieldNetwork
        Its activation, diagonal and noise are overridden by ``protocol`` (the network's
        patterns are what matters).
    target : int or str
        Index or name of the stored pattern to recall.
    flip : float
        Fraction of bits flipped (exactly ``round(flip N)``) when ``probe`` is None.
    probe : array (N,), optional
        Start state instead of a corrupted target.
    protocol : RecallProtocol
        Dynamics; default the report's (Euler, sign, sigma 0.1, dt 0.1, t = 20).
    rng : Generator, SeedSequence, int or None
        Flips and noise; the seed that replays them is recorded in ``seed``
        (``None`` draws a fresh one).

    Examples
    --------
    >>> net = HopfieldNetwork.from_names(["x", "smiley"])
    >>> res = recall(net, "x", 0.3, rng=1)
    >>> res.flipped_bits, res.exact, res.fixed
    (19, True, True)
    """
    proto = protocol or RecallProtocol()
    names = net.pattern_names
    if isinstance(target, str):
        if target not in names:
            raise ModelError(f"no stored pattern named {target!r} (stored: {', '.join(names)})")
        index = names.index(target)
    else:
        index = int(target)
        if not 0 <= index < net.n_patterns:
            raise ModelError(f"pattern index {target} out of range 0..{net.n_patterns - 1}")
    run_net = net.replace(activation=proto.activation, beta=proto.beta,
                          zero_diagonal=proto.zero_diagonal, sigma=proto.sigma)
    gen, seed = seeded(rng)
    p = run_net.patterns[index]
    if probe is None:
        x0 = flip_bits(p, flip, rng=gen)
        flipped = flip_count(net.n, flip)
    else:
        x0 = np.asarray(run_net._states(probe), dtype=np.float64).reshape(net.n)
        flipped = int(np.sum(np.sign(x0) != p))
    if proto.rule is UpdateRule.EULER:
        states = euler_run(run_net, x0, proto.t_end, proto.dt, sigma=proto.sigma, rng=gen,
                           record=True)
        t = np.arange(states.shape[0], dtype=np.float64) * proto.dt
    else:
        xs = [np.sign(x0)]
        for _ in range(proto.max_sweeps):
            new = (run_net.step_synchronous(xs[-1]) if proto.rule is UpdateRule.SYNCHRONOUS
                   else run_net.step_asynchronous(xs[-1], gen))
            xs.append(new)
            if np.array_equal(new, xs[-2]):
                break
        states = np.stack(xs)
        t = np.arange(states.shape[0], dtype=np.float64)
    final = states[-1]
    m = float(p @ final / net.n)
    sign_net = run_net if run_net.activation is Activation.SIGN else run_net.replace(
        activation=Activation.SIGN)
    return RecallResult(
        network=net.name, target=names[index], target_index=index, flipped_bits=flipped,
        protocol=proto, seed=seed, t=t, states=states, overlaps=run_net.overlaps(states),
        energy=np.asarray(energy(run_net, states)), exact=bool(np.array_equal(np.sign(final), p)),
        overlap=m, overlap_ok=m >= proto.overlap_threshold,
        fixed=bool(sign_net.is_fixed_point(p)), shape=net.shape, pattern_names=names,
    )
