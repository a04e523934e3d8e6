"""Classification: closed forms and hypothesis property (a) (class of random 2x2 linear
systems, invariant under a change of coordinates)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dynsys.analysis.stability import (
    TOL_HYPERBOLIC,
    Kind,
    classify,
    kind_label,
    sorted_eig,
    stability,
)
from dynsys.errors import ModelError


@pytest.mark.parametrize(
    ("eigs", "kind"),
    [
        ([-0.969487154], Kind.STABLE),
        ([2.0], Kind.UNSTABLE),
        ([1e-12], Kind.NON_HYPERBOLIC),
        ([4.0, -6.0], Kind.SADDLE),
        ([-0.99909, -1.00091], Kind.STABLE_NODE),  # mutual_excitation's outer points
        ([0.5, 3.0], Kind.UNSTABLE_NODE),
        ([-1 + 2j, -1 - 2j], Kind.STABLE_FOCUS),
        ([0.1 + 1j, 0.1 - 1j], Kind.UNSTABLE_FOCUS),
        ([3j, -3j], Kind.CENTER),
        ([0.0, -1.0], Kind.NON_HYPERBOLIC),
        ([-2.0, -2.0], Kind.STABLE_DEGENERATE_NODE),  # no Jacobian: the generic case
        ([-1.0, -2.0, -3.0], Kind.STABLE),
        ([1.0, 2.0, 3.0 + 1j], Kind.UNSTABLE),
        ([1.0, -2.0, -3.0], Kind.SADDLE),
        ([1.0, -2.0, 1e-11], Kind.NON_HYPERBOLIC),
    ],
)
def test_classify_closed_forms(eigs: list[complex], kind: Kind) -> None:
    assert classify(eigs) is kind


def test_star_needs_two_eigenvectors() -> None:
    assert classify([-1, -1], jacobian=[[-1, 0], [0, -1]]) is Kind.STABLE_STAR
    assert classify([2, 2], jacobian=[[2, 0], [0, 2]]) is Kind.UNSTABLE_STAR
    assert classify([-1, -1], jacobian=[[-1, 1], [0, -1]]) is Kind.STABLE_DEGENERATE_NODE
    assert classify([2, 2], jacobian=[[2, 0], [-3, 2]]) is Kind.UNSTABLE_DEGENERATE_NODE


def test_tolerances_are_relative() -> None:
    # 1e-9 off the axis is on it for |lambda| ~ 1e3 (relative 1e-12) ...
    assert classify([1e-9, -1e3]) is Kind.NON_HYPERBOLIC
    # ... but 1e-5 is not (relative 1e-8 of 1e3 is 1e-5: just outside)
    assert classify([2e-5, -1e3]) is Kind.SADDLE
    assert classify([TOL_HYPERBOLIC / 2, -1.0]) is Kind.NON_HYPERBOLIC
    # equal eigenvalues: relative 1e-9
    assert classify([-1.0, -1.0 - 1e-10]) is Kind.STABLE_DEGENERATE_NODE
    assert classify([-1.0, -1.0 - 1e-7]) is Kind.STABLE_NODE


def test_kind_properties_and_labels() -> None:
    assert Kind.STABLE_FOCUS.is_stable and not Kind.SADDLE.is_stable
    assert not Kind.CENTER.is_hyperbolic and Kind.SADDLE.is_hyperbolic
    assert Kind.NON_SMOOTH.value == "non-smooth"
    assert Kind("stable node") is Kind.STABLE_NODE
    assert kind_label(Kind.SADDLE, 2, 4) == "saddle (index 2)"
    assert kind_label(Kind.SADDLE, 1, 2) == "saddle"
    assert str(Kind.SADDLE) == "saddle"


def test_stability_2d_consistent_with_eigenvalues() -> None:
    jm = np.array([[-1.0, 5.0], [5.0, -1.0]])
    s = stability(jm)
    assert s.kind is Kind.SADDLE and s.unstable_dimension == 1 and not s.stable
    assert s.eigenvalues.real.tolist() == pytest.approx([4.0, -6.0], abs=1e-12)
    assert s.trace == pytest.approx(float(np.sum(s.eigenvalues).real))
    assert s.det == pytest.approx(float(np.prod(s.eigenvalues).real))
    assert s.discriminant == pytest.approx(100.0)
    for k in range(2):
        v = s.eigenvectors[:, k]
        assert np.allclose(jm @ v, s.eigenvalues[k] * v)
    assert s.to_dict()["eigenvalues"][0] == {"re": pytest.approx(4.0), "im": 0.0}


def test_sorted_eig_order_and_errors() -> None:
    vals, _ = sorted_eig(np.diag([-3.0, 1.0, -1.0]))
    assert vals.real.tolist() == [1.0, -1.0, -3.0]
    vals, _ = sorted_eig([[0.0, -2.0], [2.0, 0.0]])
    assert vals[0].imag > 0 > vals[1].imag
    with pytest.raises(ModelError, match="square"):
        sorted_eig(np.zeros((2, 3)))
    with pytest.raises(ModelError, match="finite"):
        classify([np.nan, 1.0])
    with pytest.raises(ModelError):
        classify([])


# ------------------------------------------------------------------- property (a)
_mag = st.floats(0.05, 20.0)
_CLASSES = ("node", "saddle", "focus", "center")


@st.composite
def _well_conditioned(draw: st.DrawFn) -> np.ndarray:
    ang = draw(st.floats(0, 2 * np.pi))
    ang2 = draw(st.floats(0.3, np.pi - 0.3))  # angle between the new axes
    s1, s2 = draw(st.floats(0.2, 5.0)), draw(st.floats(0.2, 5.0))
    e1 = np.array([np.cos(ang), np.sin(ang)])
    e2 = np.array([np.cos(ang + ang2), np.sin(ang + ang2)])
    return np.column_stack([s1 * e1, s2 * e2])


@settings(max_examples=60, deadline=None)
@given(cls=st.sampled_from(_CLASSES), sign=st.sampled_from([-1.0, 1.0]), a=_mag,
       ratio=st.floats(1.01, 50.0), b=_mag, p=_well_conditioned())
def test_random_linear_systems_classified_and_invariant(
    cls: str, sign: float, a: float, ratio: float, b: float, p: np.ndarray
) -> None:
    if cls == "node":
        d, want = np.diag([sign * a, sign * a * ratio]), (
            Kind.STABLE_NODE if sign < 0 else Kind.UNSTABLE_NODE)
    elif cls == "saddle":
        d, want = np.diag([sign * a, -sign * a * ratio]), Kind.SADDLE
    elif cls == "focus":
        d = np.array([[sign * a, -b], [b, sign * a]])
        want = Kind.STABLE_FOCUS if sign < 0 else Kind.UNSTABLE_FOCUS
    else:
        d, want = np.array([[0.0, -b], [b, 0.0]]), Kind.CENTER
    jm = p @ d @ np.linalg.inv(p)
    assert stability(d).kind is want
    assert stability(jm).kind is want
    assert classify(np.linalg.eigvals(jm)) is want


@settings(max_examples=40, deadline=None)
@given(cls=st.sampled_from(["star", "degenerate"]), k=st.integers(-40, 40).filter(bool),
       c=st.integers(-8, 8).filter(bool), u=st.integers(-3, 3), v=st.integers(-3, 3))
def test_repeated_eigenvalues_exact_coordinates(cls: str, k: int, c: int, u: int, v: int) -> None:
    # dyadic eigenvalue and an integer unimodular change of coordinates: J is exact
    lam = k / 4
    off = 0.0 if cls == "star" else c / 2
    d = np.array([[lam, off], [0.0, lam]])
    p = np.array([[1.0, u], [0.0, 1.0]]) @ np.array([[1.0, 0.0], [v, 1.0]])
    pinv = np.array([[1.0, 0.0], [-v, 1.0]]) @ np.array([[1.0, -u], [0.0, 1.0]])
    assert np.array_equal(p @ pinv, np.eye(2))
    jm = p @ d @ pinv
    stable = lam < 0
    if cls == "star":
        want = Kind.STABLE_STAR if stable else Kind.UNSTABLE_STAR
    else:
        want = Kind.STABLE_DEGENERATE_NODE if stable else Kind.UNSTABLE_DEGENERATE_NODE
    assert stability(d).kind is want
    assert stability(jm).kind is want
