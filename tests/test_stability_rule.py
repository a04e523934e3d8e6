"""One stability rule: continuation, codimension-two curves and equilibria count unstable
eigenvalues with the same tolerance and list them in the same order."""

from __future__ import annotations

import numpy as np
import pytest

from dynsys import bifurcation_diagram, compile, continue_fold, load_model
from dynsys.analysis.equilibria import linearize
from dynsys.analysis.stability import (
    TOL_HYPERBOLIC,
    Kind,
    on_axis,
    sorted_eig,
    sorted_eigenvalues,
    stability,
    stable_mask,
    unstable_dimension,
)

DIAGRAMS = [
    ("self_excitation", "I", (-5.0, 0.0)),
    ("self_excitation", "w", (0.0, 0.2)),
    ("mutual_excitation", "I", (-20.0, 0.0)),
    ("wilson_cowan", "P", (0.0, 3.0)),
    ("fitzhugh_nagumo", "I", (0.0, 2.0)),
]


@pytest.mark.parametrize(("model", "param", "bounds"), DIAGRAMS)
def test_branch_stability_equals_equilibrium_classification(
    model: str, param: str, bounds: tuple[float, float]
) -> None:
    system = compile(load_model(model))
    diag = bifurcation_diagram(system, param, bounds)
    assert diag.branches and not diag.skipped
    k = list(system.param_names).index(param)
    checked = 0
    for br in diag.branches:
        p = np.array([br.params[nm] for nm in system.param_names], dtype=np.float64)
        stable = br.stable
        for i in range(len(br)):
            p[k] = br.values[i]
            st = stability(system.jac(br.states[i], p))
            eq = linearize(system, br.states[i], p)
            assert int(br.unstable[i]) == st.unstable_dimension == eq.unstable_dimension
            assert bool(stable[i]) == st.stable == eq.stable == eq.kind.is_stable
            np.testing.assert_allclose(br.eigenvalues[i], st.eigenvalues, atol=1e-9, rtol=1e-9)
            checked += 1
        # located folds and Hopf points have an eigenvalue on the axis: not stable
        for sp in br.special_points:
            if sp.located and sp.type.value in ("fold", "hopf"):
                assert not stable[sp.index]
                assert np.any(on_axis(br.eigenvalues[sp.index], 1e-6))
    assert checked > 20


def test_codim2_curves_use_the_same_order() -> None:
    system = compile(load_model("self_excitation"))
    diag = bifurcation_diagram(system, "I", (-5.0, 0.0))
    curve = continue_fold(system, ("w", "I"), diag.points("fold")[0],
                          {"w": (0.0, 1.0), "I": (-5.0, 0.0)})
    assert curve.eigenvalues.shape == (len(curve.values), 1)
    np.testing.assert_array_equal(curve.eigenvalues, sorted_eigenvalues(
        [system.jac(x, [w, i]) for x, (w, i) in zip(curve.states, curve.values, strict=True)]))


def test_batched_rule_equals_single_matrix_rule() -> None:
    gen = np.random.default_rng(4)
    jacs = gen.normal(size=(50, 3, 3))
    jacs[0] = [[0.0, -2.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, -1.0]]  # a centre pair
    jacs[1] = np.diag([1e-10, -1.0, 2.0])  # an eigenvalue on the axis
    ev = sorted_eigenvalues(jacs)
    counts, stable = unstable_dimension(ev), stable_mask(ev)
    for j, jm in enumerate(jacs):
        st = stability(jm)
        np.testing.assert_allclose(ev[j], sorted_eig(jm)[0], atol=1e-12)
        np.testing.assert_allclose(ev[j], st.eigenvalues, atol=1e-12)
        assert counts[j] == st.unstable_dimension and stable[j] == st.stable
    assert ev[0].tolist()[:2] == pytest.approx([2j, -2j])
    assert counts[1] == 1 and not stable[1]
    assert stability(jacs[1]).kind is Kind.NON_HYPERBOLIC


def test_zero_within_tolerance_is_neither_stable_nor_unstable() -> None:
    tiny = TOL_HYPERBOLIC / 2
    for ev in ([tiny, -1.0], [-tiny, -1.0], [0.0]):
        assert unstable_dimension(ev) == 0 and stable_mask(ev) is False
    assert unstable_dimension([3 * TOL_HYPERBOLIC, -1.0]) == 1
    # the tolerance is relative to the largest eigenvalue, as in classify
    assert unstable_dimension([5e-7, -100.0]) == 0 and stable_mask([5e-7, -100.0]) is False
