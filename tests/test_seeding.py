"""The one seeding rule: same seed, same numbers; rng=None records a seed that replays."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dynsys._random import replay, root_seed, seeded
from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.simulate import simulate
from dynsys.core.loading import load_model
from dynsys.errors import ModelError
from dynsys.hopfield.capacity import capacity_curve, error_correction_curve
from dynsys.hopfield.fixed_points import find_fixed_points
from dynsys.hopfield.network import HopfieldNetwork
from dynsys.hopfield.recall import recall
from dynsys.noise.switching import residence_scan, switching_statistics
from dynsys.sweep import sweep_grid, task_seed


def _noisy_task(params: dict[str, float], seq: np.random.SeedSequence) -> float:
    return params["a"] + float(np.random.default_rng(seq).random())


def test_seeded_records_int_seedsequence_and_fresh_seed() -> None:
    assert seeded(5)[1] == 5
    assert seeded(np.random.SeedSequence(9))[1] == 9
    child = np.random.SeedSequence(9).spawn(2)[1]
    gen, rec = seeded(child)
    assert rec == {"entropy": 9, "spawn_key": [1]}
    assert gen.random() == np.random.default_rng(replay(rec)).random()
    gen, rec = seeded(None)
    assert isinstance(rec, int)
    assert gen.random() == seeded(rec)[0].random()
    assert seeded(np.random.default_rng(1))[1] is None
    assert seeded(None, needed=False)[1] is None
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ModelError, match="rng must be"):
            seeded(bad)
    with pytest.raises(ModelError, match="not a Generator"):
        root_seed(np.random.default_rng(0))


def test_task_seed_of_seedsequence_root_equals_int_root() -> None:
    a = task_seed(np.random.SeedSequence(4), 2, 3).generate_state(2)
    assert np.array_equal(a, task_seed(4, 2, 3).generate_state(2))


def _replays(run, compare) -> None:
    """run(rng) twice with the same int, then with None and with the recorded seed."""
    first, second = run(3), run(3)
    assert first.seed == 3
    compare(first, second)
    fresh = run(None)
    assert isinstance(fresh.seed, int)
    compare(fresh, run(fresh.seed))


def test_simulate_replays() -> None:
    m = load_model("self_excitation")
    _replays(lambda rng: simulate(m, [59.0], 2.0, sigma=5.0, trials=3, rng=rng),
             lambda a, b: np.testing.assert_array_equal(a.states, b.states))
    assert simulate(m, [59.0], 2.0, rng=None).seed is None  # noiseless: nothing to replay


def test_switching_and_residence_replay() -> None:
    m = load_model("self_excitation")
    _replays(lambda rng: switching_statistics(m, 30.0, 50.0, runs=5, rng=rng),
             lambda a, b: (a.switches_per_run == b.switches_per_run) or pytest.fail("differ"))
    scan = residence_scan(m, [30.0], runs=4, t_max=60.0, rng=None)
    again = residence_scan(m, [30.0], runs=4, t_max=60.0, rng=scan.seed)
    assert isinstance(scan.seed, int) and scan.to_dict()["seed"] == scan.seed
    np.testing.assert_array_equal(scan.measured, again.measured)


def test_hopfield_recall_and_fixed_points_replay() -> None:
    net = HopfieldNetwork.from_names(["x", "smiley"])
    _replays(lambda rng: recall(net, "x", 0.4, rng=rng),
             lambda a, b: np.testing.assert_array_equal(a.states, b.states))
    _replays(lambda rng: find_fixed_points(net, starts=5, rng=rng),
             lambda a, b: a.labels == b.labels or pytest.fail("differ"))
    assert recall(net, "x", rng=None).to_dict()["seed"] is not None


def test_equilibria_record_their_seed() -> None:
    m = load_model("mutual_excitation")
    _replays(lambda rng: find_equilibria(m, rng=rng, n_starts=64),
             lambda a, b: np.testing.assert_array_equal(a.states, b.states))
    assert find_equilibria(m, rng=7, n_starts=64).to_dict()["diagnostics"]["seed"] == 7


def test_sweeps_take_rng_and_record_the_root() -> None:
    _replays(lambda rng: capacity_curve(32, 2, trials=10, rng=rng),
             lambda a, b: np.testing.assert_array_equal(a.recall, b.recall))
    grid = {"a": [0.0, 1.0]}
    _replays(lambda rng: sweep_grid(_noisy_task, grid, rng=rng),
             lambda a, b: a.results == b.results or pytest.fail("differ"))
    seq = np.random.SeedSequence(3)
    assert sweep_grid(_noisy_task, grid, rng=seq).results == sweep_grid(
        _noisy_task, grid, rng=3).results


def test_seed_keyword_is_deprecated_but_works() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = error_correction_curve(32, 1, [0.1], trials=8, seed=2)
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    new = error_correction_curve(32, 1, [0.1], trials=8, rng=2)
    assert old.seed == new.seed == 2
    np.testing.assert_array_equal(old.recall, new.recall)
    with pytest.raises(ModelError, match="rng= only"):
        error_correction_curve(32, 1, [0.1], trials=8, seed=2, rng=2)


def test_bifurcation_diagram_records_the_seed_of_its_searches() -> None:
    from dynsys.bifurcation.diagram import bifurcation_diagram

    m = load_model("mutual_excitation")
    _replays(lambda rng: bifurcation_diagram(m, "I", (-20.0, 0.0), n_samples=2, rng=rng),
             lambda a, b: [br.values.tolist() for br in a.branches]
             == [br.values.tolist() for br in b.branches] or pytest.fail("differ"))
    assert bifurcation_diagram(m, "I", (-20.0, 0.0), n_samples=2).to_dict()["seed"] == 0
