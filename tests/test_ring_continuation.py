"""Continuation of the ring attractor (issue 14): the start's tangent at a symmetric branch
point, the dense path for a dense network started where its Jacobian is diagonal.

Closed forms (``models/ring_attractor.py``): at ``I0 = 0`` the uniform state ``x = 0`` is
an equilibrium for every gain ``g``; its Jacobian ``-I + g W`` has the eigenvalue
``-1 + g w1 / 2`` twice (cosine and sine modes), so two real eigenvalues cross 0 together
at ``g_c = 2 / w1``: a branch point of multiplicity 2 where the bumps branch off.
"""

from __future__ import annotations

import numpy as np
import pytest

from dynsys import continue_equilibria
from dynsys.bifurcation.continuation import _start_tangent
from dynsys.bifurcation.locate import CONTINUUM_NOTE
from dynsys.core.loading import model_module

ring = model_module("ring_attractor")
G_C = 2.0 / ring.W1


def test_start_tangent_prefers_the_parameter_at_a_multiple_null_space() -> None:
    # [F_x, F_alpha] with F_x = diag(0, 0, 1, 2) and F_alpha = 0 (a symmetric branch
    # at its branch point): null space spanned by e1, e2 and the parameter's e5
    d0 = np.zeros((4, 5))
    d0[2, 2], d0[3, 3] = 1.0, 2.0
    t = _start_tangent(d0)
    np.testing.assert_allclose(np.abs(t), [0, 0, 0, 0, 1], atol=1e-14)
    # full rank: the unique null direction, whatever its parameter component
    d1 = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, -2.0]])
    t1 = _start_tangent(d1)
    np.testing.assert_allclose(np.abs(t1), np.array([1.0, 2.0, 1.0]) / np.sqrt(6), atol=1e-14)
    # a fold at the start (null vector with no parameter component) stays a fold
    d2 = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(np.abs(_start_tangent(d2)), [1.0, 0.0, 0.0], atol=1e-14)


@pytest.mark.parametrize("n", [16, 64])
def test_start_at_the_symmetric_branch_point_continues_the_uniform_branch(n: int) -> None:
    """Started at g = g_c on (numerically) the uniform state, the branch is the uniform
    one (not a mixture with the bump directions, which traced a bump family with spurious
    branch points before), with the one branch point of multiplicity 2 at g_c (at n = 64
    the determinant test also changes sign on the first segment, where its value at the
    start is rounding noise: the point found there carries the multiplicity too)."""
    net = ring.build(n=n, g=G_C)
    for x0 in (np.zeros(n), 1e-11 * np.cos(ring.angles(n) - 0.3)):
        br = continue_equilibria(net, "g", x0, (G_C, 2.0))
        assert np.abs(br.states).max() < 1e-9
        assert br.values.min() == G_C and br.values.max() == 2.0
        (bp,) = br.special_points
        assert bp.type == "branch_point" and bp.multiplicity == 2 and bp.located
        assert abs(bp.params["g"] - G_C) < 1e-10
        # the rightmost eigenvalue is -1 + g w1 / 2 along the branch (closed form)
        right = np.asarray(br.eigenvalues).real.max(axis=1)
        np.testing.assert_allclose(right, -1 + br.values * ring.W1 / 2, atol=1e-10)


def test_dense_ring_started_at_zero_gain_takes_the_dense_path() -> None:
    """At g = 0 the Jacobian is -I (0.5 % dense): the path is chosen from the Jacobian at
    the bounds as well, so a dense ring of more than 200 units is continued densely."""
    n = 208
    net = ring.build(n=n, g=0.0)
    br = continue_equilibria(net, "g", np.zeros(n), (0.0, 1.5))
    assert br.linear_solver == "dense"
    (bp,) = br.special_points
    assert bp.type == "branch_point" and bp.multiplicity == 2
    assert abs(bp.params["g"] - G_C) < 1e-10


def test_branch_on_the_ring_of_bumps_is_flagged_not_given_spurious_points() -> None:
    """From a bump at g = 1.5 the branch runs over the ring of bumps (every rotation is an
    equilibrium up to the quadrature error of 48 units, about 1e-9: a zero eigenvalue at
    every point). Folds and branch points are not sought there (before: eleven 'located'
    branch points and a fold at arbitrary places on it); a note says why."""
    n = 48
    net = ring.build(n=n, g=1.5)
    br = continue_equilibria(net, "g", 0.9 * np.cos(ring.angles(n) - 0.3), (1.0, 2.0))
    assert br.special_points == ()
    assert br.notes == (CONTINUUM_NOTE,) and "note: a zero eigenvalue" in str(br)
    assert br.to_dict()["notes"] == [CONTINUUM_NOTE]
    # independently (numpy's eigvals): a zero eigenvalue along the branch
    for i in (0, len(br) // 3, len(br) - 1):
        x = br.states[i]
        jac = net.jac(x, [br.values[i], 0.0])
        assert np.abs(np.linalg.eigvals(jac)).min() < 1e-8
    # an ordinary branch has no note
    uniform = continue_equilibria(ring.build(n=16, g=0.5), "g", np.zeros(16), (0.5, 1.5))
    assert uniform.notes == ()


def test_a_root_found_at_the_branch_point_is_on_the_uniform_branch() -> None:
    """At g_c the search lands on the uniform state's triple root only to the precision
    floating point allows (|x| ~ 1e-6, where F ~ |x|^3 is round-off). The diagram must
    see that point on the uniform branch (F vanishes along the segment between them),
    not start a second branch from it (it did: the bump family, traced from g = 1)."""
    from dynsys import compile, find_equilibria
    from dynsys.bifurcation.diagram import _on_branch

    net = compile(ring.build(n=16, g=1.0))
    br = continue_equilibria(net, "g", np.zeros(16), (0.5 * G_C, 1.5 * G_C),
                             params={"g": 0.5 * G_C})
    assert np.max(np.abs(br.states)) == 0.0
    (root,) = find_equilibria(net, {"g": G_C})
    x = np.asarray(root.state)
    assert 1e-7 < np.linalg.norm(x) < 1e-4  # off x = 0 by more than 1e-6, the old test
    k = list(net.param_names).index("g")
    p0 = np.asarray(net.default_params, dtype=np.float64)
    assert _on_branch(net, br, G_C, x, k, p0)
    # and a bump at 1.5 g_c (|x| ~ 0.9) is not on it
    bump = next(e for e in find_equilibria(net, {"g": 1.5 * G_C}) if np.ptp(e.state) > 1.0)
    assert not _on_branch(net, br, 1.5 * G_C, np.asarray(bump.state), k, p0)


def test_the_bump_branch_meets_the_uniform_state_at_a_branch_point_not_a_fold() -> None:
    """At n = 16 the bumps are isolated equilibria (the grid breaks the rotation
    symmetry), and a bump's branch in g turns where it meets the uniform state at g_c.
    The parameter turns there, but the Jacobian has a two-dimensional kernel (cosine and
    sine modes): a branch point of multiplicity 2, not a fold (it was reported as a fold
    with a ~ 1e-6)."""
    from dynsys import find_equilibria

    net = ring.build(n=16, g=1.5 * G_C)
    bump = next(e for e in find_equilibria(net) if np.ptp(e.state) > 1.0)
    br = continue_equilibria(net, "g", np.asarray(bump.state), (0.5 * G_C, 1.5 * G_C))
    near = [sp for sp in br.special_points if abs(sp.params["g"] - G_C) < 1e-3]
    assert near, "the branch should pass the uniform state's branch point"
    assert all(sp.type.value != "fold" for sp in near)
    bp = next(sp for sp in near if sp.multiplicity == 2)
    assert bp.type.value == "branch_point" and bp.located
    assert abs(bp.params["g"] - G_C) < 1e-6 and max(abs(v) for v in bp.state.values()) < 1e-3
