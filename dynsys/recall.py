"""Recall of one stored pattern by a given Hopfield network, recorded over time.

``recall(net, target, flip=0.3, *, protocol=RecallProtocol(), rng=0) -> RecallResult``:
flip exactly ``round(flip N)`` bits of the target pattern (or start from a given probe),
run the protocol (default: the report's Euler-Maruyama with sign, ``sigma = 0.1``,
``dt = 0.1`` to ``t = 20``), and record states, overlaps with every stored pattern and
the energy at each step. The three success criteria of :mod:`dynsys.capacity` are
reported side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsys._types import ArrayLike, FloatArray, RngLike, as_rng
from dynsys.capacity import RecallProtocol
from dynsys.energy import energy
from dynsys.errors import ModelError
from dynsys.hopfield import Activation, HopfieldNetwork, UpdateRule
from dynsys.hopfield_attractors import euler_run
from dynsys.patterns import flip_bits, flip_count

__all__ = ["RecallResult", "recall"]


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
    seed: int | None
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
        return {
            "network": self.network, "target": self.target, "flipped_bits": self.flipped_bits,
            "protocol": self.protocol.to_dict(), "seed": self.seed,
            "exact": self.exact, "overlap": self.overlap, "overlap_ok": self.overlap_ok,
            "fixed": self.fixed, "patterns": list(self.pattern_names),
            "final_state": self.final.tolist(), "t": self.t.tolist(),
            "overlaps": self.overlaps.tolist(), "energy": self.energy.tolist(),
        }

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
    rng : Generator or int
        Flips and noise.

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
    gen = as_rng(rng)
    seed = rng if isinstance(rng, int) else None
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
