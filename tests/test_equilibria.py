"""find_equilibria: reference values (closed forms), the 1-D special cases, region
handling, diagnostics, and hypothesis properties (b) residuals and index sums,
(c) near stable stays / near unstable leaves, (d) permutation of the states."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings, strategies as st

from dynsys._io import to_jsonable
from dynsys.analysis.equilibria import Equilibria, find_equilibria, linearize
from dynsys.analysis.stability import Kind
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.region import DefaultRegionWarning, infer_region
from dynsys.core.symbols import symbols
from dynsys.core.system import compile
from dynsys.errors import ModelError

SELF = (0.305908292842, 60.0, 119.694091707)
MUTUAL = (0.00227195711918623, 25.0, 49.9977280428808)


def test_self_excitation_reference_values() -> None:
    eq = find_equilibria(load_model("self_excitation"))
    assert len(eq) == 3
    assert [e.state[0] for e in eq] == pytest.approx(SELF, rel=1e-11, abs=1e-11)
    assert eq[1].state[0] == 60.0 and eq[1].method == "grid node"
    assert [e.eigenvalues[0].real for e in eq] == pytest.approx(
        [-0.969487154, 2.0, -0.969487154], abs=1e-9)
    assert [e.kind for e in eq] == [Kind.STABLE, Kind.UNSTABLE, Kind.STABLE]
    assert all(e.residual < 1e-12 for e in eq)
    assert eq.newton_failures == 0


def test_mutual_excitation_reference_values() -> None:
    eq = find_equilibria(load_model("mutual_excitation"))
    assert len(eq) == 3
    for e, v in zip(eq, MUTUAL, strict=True):
        assert e.state == pytest.approx([v, v], rel=1e-12, abs=1e-14)
        assert e.residual < 1e-12
    assert [e.kind for e in eq] == [Kind.STABLE_NODE, Kind.SADDLE, Kind.STABLE_NODE]
    saddle = eq[1]
    assert saddle.eigenvalues.real == pytest.approx([4.0, -6.0], abs=1e-12)
    assert saddle.eigenvalues.imag.tolist() == [0.0, 0.0]
    assert saddle.trace == pytest.approx(-2.0) and saddle.det == pytest.approx(-24.0)
    assert saddle.unstable_dimension == 1
    # stable eigenvector along y = -x, unstable along y = x (the report's Section 2)
    v_s = np.real(saddle.eigenvectors[:, 1])
    assert abs(v_s[0] + v_s[1]) < 1e-12
    assert eq[0].eigenvalues.real == pytest.approx([-0.99909126, -1.00090874], abs=1e-8)
    assert [e.label for e in eq.stable] == ["stable node", "stable node"]


def test_json_keys() -> None:
    d = find_equilibria(load_model("mutual_excitation")).to_dict()
    text = json.dumps(to_jsonable(d), allow_nan=False)
    back = json.loads(text)
    assert back["model"] == "mutual_excitation"
    assert back["params"] == {"w1": 0.4, "w2": 0.4, "I": -10.0}
    e = back["equilibria"][1]
    assert set(e) >= {"state", "eigenvalues", "kind", "residual", "trace", "det"}
    assert e["kind"] == "saddle"
    assert e["state"] == pytest.approx({"x": 25.0, "y": 25.0})
    assert e["eigenvalues"][0] == {"re": pytest.approx(4.0), "im": 0.0}
    assert set(back["diagnostics"]) >= {"starts", "newton_failures", "failure_reasons"}


def test_one_d_tangency_and_close_pair() -> None:
    x, a = symbols("x a")
    m = Model({x: -(x - a) ** 2}, params={a: 0.123456789}, region={x: (-1, 1)})
    eq = find_equilibria(m)
    assert len(eq) == 1 and eq[0].method == "tangency"
    assert eq[0].state[0] == pytest.approx(0.123456789, abs=1e-10)
    assert eq[0].kind is Kind.NON_HYPERBOLIC
    # two roots 1e-5 apart, both inside one grid cell (width 1e-4)
    m2 = Model({x: -((x - a) ** 2) + 1e-10 / 4}, params={a: 0.12345}, region={x: (-1, 1)})
    eq2 = find_equilibria(m2)
    assert [e.state[0] for e in eq2] == pytest.approx([0.12345 - 5e-6, 0.12345 + 5e-6], abs=1e-9)
    assert [e.kind for e in eq2] == [Kind.UNSTABLE, Kind.STABLE]


def test_one_d_root_on_the_boundary_and_none() -> None:
    x, c = symbols("x c")
    eq = find_equilibria(Model({x: c - x}, params={c: 1.0}, region={x: (1, 2)}))
    assert [e.state[0] for e in eq] == [1.0]
    assert len(find_equilibria(Model({x: c - x}, params={c: 5.0}, region={x: (1, 2)}))) == 0


def test_params_override_and_determinism() -> None:
    m = load_model("mutual_excitation")
    eq = find_equilibria(m, {"I": -20.0})
    assert len(eq) == 1 and eq[0].stable and eq.params["I"] == -20.0
    a = find_equilibria(m, rng=3)
    b = find_equilibria(compile(m), rng=3)
    assert np.array_equal(a.states, b.states)
    assert a.starts == b.starts and a.newton_failures == b.newton_failures


def test_region_inference_and_errors() -> None:
    m = load_model("mutual_excitation").replace(region={})
    assert m.region is None
    eq = find_equilibria(m)
    assert eq.region == {"x": (0.0, 50.0), "y": (0.0, 50.0)} and len(eq) == 3
    x, y = symbols("x y")
    with pytest.warns(DefaultRegionWarning, match="--region"):  # a default box, said aloud
        assert len(find_equilibria(Model({x: y, y: -x}))) == 1
    eq = find_equilibria(Model({x: y, y: -x}), region={"x": (-1, 1), "y": (-1, 1)})
    assert len(eq) == 1 and eq[0].kind is Kind.CENTER
    with pytest.raises(ModelError, match="not a state"):
        find_equilibria(m, region={"z": (0, 1)})
    with pytest.raises(ModelError, match="low < high"):
        find_equilibria(m, region={"x": (1, 0)})
    with pytest.raises(ModelError, match="not a parameter"):
        find_equilibria(m, {"nope": 1.0})
    se = load_model("self_excitation")
    assert infer_region(se, dict(se.params)) == {"r": (0.0, 120.0)}
    # tau-scaled rate form (-E + S) / tau with a shifted logistic S in (-S(0), 1 - S(0))
    e, i, tau = symbols("E Ipop tau")
    shifted = 1 / (1 + sp.exp(-(12 * e - 10 * i - 4))) - 1 / (1 + sp.exp(4))
    wc = Model({e: (-e + shifted) / tau, i: (-i + 1 / (1 + sp.exp(-(e - i)))) / tau},
               params={tau: 2.0})
    box = infer_region(wc, dict(wc.params))
    assert box is not None and box["E"][0] < 0 < box["E"][1] < 1
    # the refractory form (k - E) S(...) of the built-in wilson_cowan is not a rate form:
    # no region is inferred, and the model declares its own
    wcr = load_model("wilson_cowan")
    assert infer_region(wcr, dict(wcr.params)) is None and wcr.region is not None


def test_time_dependent_refused() -> None:
    x, t = symbols("x t")
    with pytest.raises(ModelError, match="autonomous"):
        find_equilibria(Model({x: -x + sp.sin(t)}, region={x: (-1, 1)}))


def test_non_smooth_flagged() -> None:
    x = symbols("x")
    m = Model({x: -x + sp.sign(x)}, region={x: (-2, 2)})
    eq = find_equilibria(m)
    assert [e.state[0] for e in eq] == pytest.approx([-1.0, 0.0, 1.0])
    # only x = 0 sits where sign's argument vanishes: there the Jacobian is not trusted
    assert [e.non_smooth for e in eq] == [False, True, False]
    assert eq.to_dict()["equilibria"][1]["non_smooth"] is True
    assert "non_smooth" not in eq.to_dict()["equilibria"][0]
    y = symbols("y")
    tie = Model({x: -x + sp.Max(y, 0.5), y: -y + sp.Abs(x - 1)},
                region={x: (-2, 2), y: (-2, 2)})
    (e,) = find_equilibria(tie)
    assert e.state == pytest.approx([0.5, 0.5]) and e.non_smooth


def test_failures_are_counted_not_dropped() -> None:
    x, y = symbols("x y")
    # no equilibrium anywhere: every start must be reported as a failure
    m = Model({x: 1 + x**2, y: -y}, region={x: (-1, 1), y: (-1, 1)})
    eq = find_equilibria(m, n_starts=32, sim_starts=0, rounds=1)
    assert len(eq) == 0
    assert eq.newton_failures == eq.starts > 0
    assert sum(eq.failure_reasons.values()) == eq.newton_failures
    assert "Newton failures" in eq.summary()


def test_linearize_and_three_d() -> None:
    e = linearize(load_model("mutual_excitation"), [25.0, 25.0])
    assert e.kind is Kind.SADDLE and e.residual < 1e-12
    a, b, c = symbols("a b c")
    m = Model({a: a - a**3, b: -b, c: -2 * c}, region={a: (-2, 2), b: (-1, 1), c: (-1, 1)})
    eq = find_equilibria(m)
    assert [e.state[0] for e in eq] == pytest.approx([-1.0, 0.0, 1.0], abs=1e-12)
    assert [e.kind for e in eq] == [Kind.STABLE, Kind.SADDLE, Kind.STABLE]
    assert eq[1].label == "saddle (index 1)"


# --------------------------------------------------- random two-neuron sigmoid networks
_x, _y = symbols("x y")
_P = symbols("w11 w12 w21 w22 I1 I2 g")


def _net(swap: bool = False) -> Model:
    w11, w12, w21, w22, i1, i2, g = _P

    def s(u: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-g * u))

    eqs = {_x: -_x + s(w11 * _x + w12 * _y + i1), _y: -_y + s(w21 * _x + w22 * _y + i2)}
    if swap:
        eqs = {_y: eqs[_y], _x: eqs[_x]}
    return Model(eqs, params=dict.fromkeys(_P, 1.0), name="net_swapped" if swap else "net")


@lru_cache(maxsize=2)
def _compiled(swap: bool = False):
    return compile(_net(swap))


_w = st.floats(-10.0, 10.0)
_networks = st.tuples(_w, _w, _w, _w, st.floats(-5.0, 5.0), st.floats(-5.0, 5.0),
                      st.floats(0.5, 3.0))


def _params(vals: tuple[float, ...]) -> dict[str, float]:
    return dict(zip([p.name for p in _P], vals, strict=True))


def _find(vals: tuple[float, ...], swap: bool = False) -> Equilibria:
    return find_equilibria(_compiled(swap), _params(vals), n_starts=128, sim_starts=32)


@settings(max_examples=25, deadline=None)
@given(vals=_networks)
def test_random_networks_residuals_and_index_sum(vals: tuple[float, ...]) -> None:
    eq = _find(vals)
    assert eq.region == {"x": (0.0, 1.0), "y": (0.0, 1.0)}  # inferred: range of the sigmoid
    assert len(eq) >= 1  # the flow points inward: Brouwer
    for e in eq:
        assert e.residual < 1e-10
        assert np.all((e.state > 0) & (e.state < 1))
    if all(e.kind.is_hyperbolic for e in eq):
        index = sum(1 if e.kind.is_node_or_focus else -1 for e in eq)
        assert index == 1, eq.summary()


@settings(max_examples=15, deadline=None)
@given(vals=_networks)
def test_near_stable_stays_near_unstable_leaves(vals: tuple[float, ...]) -> None:
    from dynsys.analysis.simulate import simulate

    eq = _find(vals)
    for e in eq:
        rates = np.abs(e.eigenvalues.real)
        assume(rates.min() > 0.05)
        if e.stable:
            d0 = 1e-3
            x0 = e.state + d0 * np.array([0.6, -0.8])
            t_end = float(np.ceil(6.0 / rates.min()))
        else:
            k = int(np.argmax(e.eigenvalues.real))
            v = np.real(e.eigenvectors[:, k])
            d0 = 1e-6
            x0 = e.state + d0 * v / np.linalg.norm(v)
            t_end = float(np.ceil(min(30.0 / e.eigenvalues[k].real, 200.0)))
        tr = simulate(_compiled(), x0, t_end, dt=0.005, params=_params(vals), sigma=0.0, rng=0)
        dist = np.max(np.abs(tr.states[0] - e.state), axis=1)
        if e.stable:
            assert dist.max() < 0.05 and dist[-1] < 0.5 * d0
        else:
            assert dist.max() > 100 * d0


@settings(max_examples=15, deadline=None)
@given(vals=_networks)
def test_permuting_states_permutes_equilibria(vals: tuple[float, ...]) -> None:
    a = _find(vals)
    b = _find(vals, swap=True)
    assert b.state_names == ("y", "x")
    assert len(a) == len(b)
    pa = sorted((tuple(np.round(e.state, 7)), e.kind) for e in a)
    pb = sorted((tuple(np.round(e.state[::-1], 7)), e.kind) for e in b)
    for (sa, ka), (sb, kb) in zip(pa, pb, strict=True):
        assert sa == pytest.approx(sb, abs=2e-7)
        assert ka is kb


def test_multiple_root_located_once_and_continuum_noted() -> None:
    x, y = symbols("x y")
    eq = find_equilibria(Model({x: -(x**3), y: -y}, region={x: (-1, 1), y: (-1, 1)}))
    assert len(eq) == 1 and abs(eq[0].state[0]) < 1e-6
    assert eq[0].kind is Kind.NON_HYPERBOLIC and not eq.notes
    line = find_equilibria(Model({x: y - x, y: x - y}, region={x: (0, 1), y: (0, 1)}),
                           n_starts=64, rounds=0, sim_starts=0)
    # the line is reported once, as a continuum, not sampled point by point
    assert len(line) == 0 and not line.notes
    (c,) = line.continua
    assert c.equations == ("x = y",) and len(c.points) > 10
    assert np.all(np.abs(c.points[:, 0] - c.points[:, 1]) < 1e-9)


def test_non_smooth_points_get_their_stability_from_perturbation() -> None:
    """At a kink the Jacobian lies: x' = -x + sign(x) has J = -1 at 0, yet 0 repels."""
    x = symbols("x")
    eq = find_equilibria(Model({x: -x + sp.sign(x)}, region={x: (-2, 2)}))
    outer, mid = eq[0], eq[1]
    assert mid.kind is Kind.NON_SMOOTH and not mid.stable and mid.unstable_dimension == 1
    assert mid.eigenvalues.real.tolist() == [-1.0]  # what the eigenvalue rule would believe
    assert outer.kind is Kind.STABLE and outer.stable
    # x' = -sign(x) is stable at its kink (runs chatter on it but never leave)
    (kink,) = find_equilibria(Model({x: -sp.sign(x)}, region={x: (-1, 1)}))
    assert kink.kind is Kind.NON_SMOOTH and kink.stable
    assert eq.to_dict()["equilibria"][1]["kind"] == "non-smooth"


def test_hopfield_sign_network_uses_its_own_classification() -> None:
    from dynsys.analysis.equilibria import linearize
    from dynsys.hopfield.network import HopfieldNetwork

    net = HopfieldNetwork.from_names(["x", "smiley"])
    p, q = net.patterns
    mix = linearize(net, (p + q) / 2)
    assert mix.non_smooth and mix.kind is Kind.NON_SMOOTH and not mix.stable
    stored = linearize(net, p)
    assert not stored.non_smooth and stored.stable and stored.kind is Kind.STABLE


def test_sign_network_kinks_are_found_not_missed() -> None:
    """0 and the pair mixtures (p +- q)/2 are fixed points of dx/dt = -x + sign(Wx) on kinks
    of sign, which Newton never reaches: the system's exact candidates supply them."""
    from dynsys.hopfield.network import HopfieldNetwork
    from dynsys.hopfield.patterns import random_patterns

    net = HopfieldNetwork(random_patterns(2, 16, rng=3))
    p, q = net.patterns
    eq = find_equilibria(net, n_starts=64, sim_starts=8)
    states = {tuple(e.state) for e in eq}
    expected = {tuple(s * v) for v in (np.zeros(16), p, q, (p + q) / 2, (p - q) / 2)
                for s in (1.0, -1.0)}
    assert states == expected and len(eq) == 9
    assert all(e.residual == 0.0 for e in eq)
    assert sum(e.method == "exact candidate" for e in eq) == 5
    assert all(e.stable for e in eq if e.method != "exact candidate")


# --------------------------------------------------- no region: a default box, said aloud
def test_no_region_searches_a_default_box_and_says_so():
    """x' = -x + x^2 has no region and none is inferable (x^2 is unbounded): the search
    covers [-10, 10] (around init, else 0) and warns; it used to crash with OverflowError."""
    m = Model.from_text("x' = -x + x^2")
    with pytest.warns(DefaultRegionWarning, match=r"x in \[-10, 10\]"):
        eq = find_equilibria(m)
    assert sorted(round(e.state[0], 12) for e in eq) == [0.0, 1.0]
    m2 = Model.from_text("x' = -x + x^3/100\ninit x=30")
    with pytest.warns(DefaultRegionWarning, match=r"x in \[-30, 90\]"):
        eq2 = find_equilibria(m2)
    assert sorted(round(e.state[0], 9) for e in eq2) == [-10.0, 0.0, 10.0]


def test_repelled_deflated_starts_are_not_called_failures() -> None:
    """Once every root is known, deflated starts find nothing: expected, said apart from
    real Newton failures (which used to be one alarming count; issue 13, item 11)."""
    eq = find_equilibria(load_model("mutual_excitation"))
    text = eq.summary()
    assert "deflated starts found no further root (expected)" in text
    assert "Newton failures" not in text
    assert eq.newton_failures > 0  # the JSON keeps the full count and reasons
