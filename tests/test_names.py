"""Library names: ``names=`` are parameter names, ``params=`` parameter values."""

from __future__ import annotations

import numpy as np
import pytest

from dynsys import compile, load_model
from dynsys.bifurcation.codim2 import continue_fold
from dynsys.bifurcation.continuation import continue_equilibria
from dynsys.bifurcation.region_map import region_map
from dynsys.errors import ModelError

BOX = {"w": (0.0, 1.0), "I": (-5.0, 0.0)}


@pytest.fixture(scope="module")
def self_exc() -> tuple:
    sys_ = compile(load_model("self_excitation"))
    return sys_, continue_equilibria(sys_, "I", [0.3], (-5, 0)).points("fold")[0]


def test_names_keyword_and_positional_agree(self_exc) -> None:
    sys_, fold = self_exc
    a = continue_fold(sys_, ("w", "I"), fold, BOX)
    b = continue_fold(sys_, names=("w", "I"), start=fold, bounds=BOX, params={"w": 0.05})
    np.testing.assert_array_equal(a.values, b.values)


def test_old_params_keyword_for_names_warns(self_exc) -> None:
    sys_, fold = self_exc
    new = continue_fold(sys_, ("w", "I"), fold, BOX)
    with pytest.warns(DeprecationWarning, match="names="):
        old = continue_fold(sys_, params=("w", "I"), start=fold, bounds=BOX)
    np.testing.assert_array_equal(new.values, old.values)
    grid = (np.linspace(0, 1, 3), np.linspace(-5, 0, 3))
    with pytest.warns(DeprecationWarning, match="base_params"):
        old_map = region_map(sys_, ("w", "I"), *grid, base_params={"w": 0.05}, resolution=101)
    new_map = region_map(sys_, ("w", "I"), *grid, params={"w": 0.05}, resolution=101)
    np.testing.assert_array_equal(old_map.counts, new_map.counts)
    with pytest.raises(ModelError, match="params= only"):
        region_map(sys_, ("w", "I"), *grid, params={}, base_params={})


def test_bad_names_are_named(self_exc) -> None:
    sys_, _ = self_exc
    with pytest.raises(ModelError, match="names must name two parameters"):
        region_map(sys_, "w", [0.1], [0.1])


def test_region_is_a_mapping_resolved_in_one_place() -> None:
    from dynsys.core.region import check_region, region_bounds, resolve_region
    from dynsys.noise.potential import potential

    m = load_model("self_excitation")
    assert check_region(m, {"r": [0, 120]}) == {"r": (0.0, 120.0)}
    lo, hi = region_bounds(m, {"r": (0.0, np.inf)})
    assert lo.tolist() == [0.0] and hi.tolist() == [np.inf]
    declared_lo, declared_hi = region_bounds(m)
    assert (declared_lo[0], declared_hi[0]) == tuple(map(float, m.region["r"]))
    assert resolve_region(m, dict(m.params)) == {"r": tuple(map(float, m.region["r"]))}
    with pytest.raises(ModelError, match="region names 'x', which is not a state"):
        region_bounds(m, {"x": (0, 1)})
    with pytest.raises(ModelError, match="region of 'r' must be finite with low < high"):
        resolve_region(m, dict(m.params), {"r": (1, 0)})
    new = potential(m, region={"r": (-1.0, 130.0)})
    with pytest.warns(DeprecationWarning, match="region="):
        old = potential(m, region=(-1.0, 130.0))
    assert old.minima == new.minima and len(new.minima) == 2
