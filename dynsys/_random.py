"""The one seeding rule: ``rng -> (numpy Generator, recorded seed)``.

Every stochastic function takes ``rng``: a ``numpy.random.Generator``, a
``numpy.random.SeedSequence``, an int seed, or ``None``. :func:`seeded` turns it into a
generator and the seed that replays it, which the function records in its result:

* an int is recorded as is;
* a ``SeedSequence`` without a spawn key records its entropy (an int); with a spawn key,
  ``{"entropy": ..., "spawn_key": [...]}``;
* ``None`` draws a fresh 63-bit seed from OS entropy and records it, so a run with
  ``rng=None`` can be replayed exactly by passing the recorded seed back;
* a ``Generator`` carries no seed that could be recorded: the record is ``None``.

:func:`replay` turns a recorded seed back into something ``rng`` accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np

from dynsys._types import RngLike
from dynsys.errors import ModelError

__all__ = ["RecordedSeed", "fixed_seed", "fresh_seed", "replay", "root_seed", "seeded"]

RecordedSeed: TypeAlias = int | dict[str, Any] | None
"""What a result records: an int, ``{"entropy", "spawn_key"}``, or ``None``."""


def fresh_seed() -> int:
    """A fresh 63-bit seed from OS entropy (exact in JSON readers that use int64).

    Examples
    --------
    >>> 0 <= fresh_seed() < 2**63
    True
    """
    return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))


def seeded(rng: RngLike, *, needed: bool = True) -> tuple[np.random.Generator, RecordedSeed]:
    """A generator for ``rng`` and the seed to record.

    Parameters
    ----------
    rng : Generator, SeedSequence, int or None
        The caller's ``rng`` argument.
    needed : bool
        ``False`` when the caller draws no random numbers (e.g. a noiseless simulation):
        ``rng=None`` then records ``None`` instead of drawing a seed.

    Raises
    ------
    ModelError
        If ``rng`` is none of the accepted kinds, or a negative int.

    Examples
    --------
    >>> gen, seed = seeded(7)
    >>> seed, float(gen.random()) == float(np.random.default_rng(7).random())
    (7, True)
    >>> gen, seed = seeded(None)
    >>> float(gen.random()) == float(seeded(seed)[0].random())
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng, None
    if rng is None:
        if not needed:  # nothing random happens: no seed to record
            return np.random.default_rng(0), None
        seed = fresh_seed()
        return np.random.default_rng(seed), seed
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng), _record(rng)
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise ModelError(
            f"rng must be a numpy Generator, a SeedSequence, a non-negative int or None, "
            f"got {rng!r}")
    return np.random.default_rng(int(rng)), int(rng)


def root_seed(rng: RngLike) -> tuple[int | np.random.SeedSequence, RecordedSeed]:
    """A root for deriving per-task seed sequences, and the seed to record.

    Sweeps derive one ``SeedSequence`` per task from an integer (or a ``SeedSequence``)
    root; a ``Generator`` has no such root and is refused.

    Examples
    --------
    >>> root_seed(3)
    (3, 3)
    """
    if isinstance(rng, np.random.Generator):
        raise ModelError("this function derives per-task seeds: pass rng as an int, a "
                         "SeedSequence or None, not a Generator")
    if rng is None:
        seed = fresh_seed()
        return seed, seed
    if isinstance(rng, np.random.SeedSequence):
        return rng, _record(rng)
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise ModelError(f"rng must be a SeedSequence, a non-negative int or None, got {rng!r}")
    return int(rng), int(rng)


def fixed_seed(rng: RngLike) -> tuple[RngLike, RecordedSeed]:
    """An ``rng`` to pass unchanged to several stochastic calls, and the seed to record.

    For a function that calls another stochastic function several times with the same
    seed (each call then draws the same numbers): ``None`` becomes a fresh int seed; an
    int or SeedSequence is kept; a Generator is kept (and shared, so nothing is recorded).

    Examples
    --------
    >>> fixed_seed(4)
    (4, 4)
    >>> rng, seed = fixed_seed(None)
    >>> rng == seed
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng, None
    root, seed = root_seed(rng)
    return root, seed


def replay(seed: RecordedSeed) -> int | np.random.SeedSequence:
    """Turn a recorded seed back into an ``rng`` argument that reproduces the run.

    Examples
    --------
    >>> replay(5)
    5
    >>> replay({"entropy": 5, "spawn_key": [1]}).spawn_key
    (1,)
    """
    if isinstance(seed, Mapping):
        return np.random.SeedSequence(seed["entropy"], spawn_key=tuple(seed["spawn_key"]))
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ModelError(f"a recorded seed is an int or {{'entropy', 'spawn_key'}}, got {seed!r}")
    return int(seed)


def _record(seq: np.random.SeedSequence) -> RecordedSeed:
    entropy = seq.entropy
    if not isinstance(entropy, int | np.integer):  # entropy given as a sequence of ints
        entropy = [int(e) for e in entropy]  # type: ignore[union-attr]
    else:
        entropy = int(entropy)
    if not seq.spawn_key:
        return entropy if isinstance(entropy, int) else {"entropy": entropy, "spawn_key": []}
    return {"entropy": entropy, "spawn_key": [int(k) for k in seq.spawn_key]}
