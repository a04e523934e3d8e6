"""Region maps: exact equilibrium counts on the assignment's grid, agreement with fold curves."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dynsys import compile, load_model
from dynsys.bifurcation.codim2 import continue_fold
from dynsys.bifurcation.continuation import continue_equilibria
from dynsys.bifurcation.region_map import RegionMap, region_map
from dynsys.errors import ModelError

W_GRID = np.round(np.arange(0, 1.0 + 1e-9, 0.01), 10)
I_GRID = np.round(np.arange(-5, 0 + 1e-9, 0.05), 10)


def _fold_currents(w: float) -> tuple[float, float]:
    """The two fold values of I at w (closed form in docs/reference_values.md), w > 1/60."""
    s = math.acosh(math.sqrt(60 * w))
    a = s - (1 + math.exp(2 * s)) / 2
    b = -s - (1 + math.exp(-2 * s)) / 2
    return min(a, b), max(a, b)


@pytest.fixture(scope="module")
def self_exc() -> object:
    return compile(load_model("self_excitation"))


@pytest.fixture(scope="module")
def figure5(self_exc: object) -> RegionMap:
    return region_map(self_exc, ("w", "I"), W_GRID, I_GRID)


@pytest.fixture(scope="module")
def fold_curve(self_exc: object) -> object:
    fold = continue_equilibria(self_exc, "I", [0.3], (-5, 0)).points("fold")[0]
    return continue_fold(self_exc, ("w", "I"), fold, {"w": (0, 1), "I": (-5, 0)})


def test_figure5_grid_matches_closed_form(figure5: RegionMap) -> None:
    assert figure5.counts.shape == (101, 101)
    expected = np.ones((101, 101), dtype=int)
    for i, w in enumerate(W_GRID):
        if 60 * w > 1:
            lo, hi = _fold_currents(w)
            expected[i, (I_GRID > lo) & (I_GRID < hi)] = 3
    assert np.array_equal(figure5.counts, expected)
    assert set(np.unique(figure5.counts)) == {1, 3}
    assert figure5.counts[5, 40] == 3  # (w, I) = (0.05, -3): the reference's bistable case
    assert "RegionMap" in repr(figure5) and figure5.to_dict()["method"] == "monotone pieces"


def test_region_map_agrees_with_continued_fold_curve(figure5: RegionMap, fold_curve: object
                                                     ) -> None:
    # every column's count changes exactly where the continued curve crosses it
    w, cur = fold_curve.values.T
    for i in range(2, 101, 7):
        wi = W_GRID[i]
        crossings = []
        for k in range(len(w) - 1):
            if (w[k] - wi) * (w[k + 1] - wi) <= 0 and w[k] != w[k + 1]:
                crossings.append(cur[k] + (wi - w[k]) / (w[k + 1] - w[k]) * (cur[k + 1] - cur[k]))
        col = figure5.counts[i]
        changes = [0.5 * (I_GRID[j] + I_GRID[j + 1]) for j in np.nonzero(np.diff(col))[0]]
        assert len(changes) == len([c for c in crossings if -5 < c < 0])
        for c in changes:
            assert min(abs(c - x) for x in crossings) <= 0.025 + 1e-9
        assert all(abs(d) == 2 for d in np.diff(col)[np.diff(col) != 0])


@settings(max_examples=12)
@given(st.floats(0.03, 1.0), st.sampled_from([0, 1]), st.sampled_from([1e-3, 1e-6]))
def test_points_near_but_off_the_fold_curve(self_exc: object, w: float, which: int,
                                           eps: float) -> None:
    fold = _fold_currents(w)[which]
    inside = fold + eps if which == 0 else fold - eps
    outside = fold - eps if which == 0 else fold + eps
    rm = region_map(self_exc, ("w", "I"), [w], [inside, outside], region={"r": (-1, 200)},
                    resolution=401)
    assert rm.counts[0].tolist() == [3, 1]


def test_exactly_on_a_fold_counts_the_double_root_once(self_exc: object) -> None:
    w = 0.05
    lo, _ = _fold_currents(w)
    rm = region_map(self_exc, ("w", "I"), [w], [lo], resolution=401)
    assert rm.counts[0, 0] == 2  # the simple root and the double (fold) root


def test_several_states_by_continuation_slices() -> None:
    sys = compile(load_model("mutual_excitation"))
    rm = region_map(sys, ("w1", "I"), [0.4], np.linspace(-20, 0, 9), n_samples=2)
    assert rm.method == "continuation slices"
    low = -10 - (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5)))
    expected = [3 if low < v < -20 - low else 1 for v in np.linspace(-20, 0, 9)]
    assert rm.counts[0].tolist() == expected


def test_bad_input(self_exc: object) -> None:
    with pytest.raises(ModelError, match="differ"):
        region_map(self_exc, ("w", "w"), [0.1], [0.1])
    with pytest.raises(ModelError, match="finite"):
        region_map(self_exc, ("w", "I"), [np.nan], [0.1])
    with pytest.raises(ModelError, match="region"):
        region_map(self_exc, ("w", "I"), [0.1], [0.1], region={})
