"""Conformance: the analyzer on every smooth, autonomous built-in model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from dynsys._io import to_jsonable
from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.stability import classify
from dynsys.core.loading import load_model, model_module, model_names
from dynsys.core.model import Model
from dynsys.core.rate_network import RateNetwork
from dynsys.core.system import compile
from dynsys.latex import check_structure


def _models() -> list[str]:
    out = []
    for name in model_names():
        m = load_model(name)
        if isinstance(m, Model) and m.is_smooth and m.is_autonomous and m.n <= 4:
            out.append(name)
    return out


def _rate_networks() -> dict[str, RateNetwork]:
    """Matrix-form networks (the built-in ring and E-I models at small sizes)."""
    s = sp.Symbol("s")
    w = np.random.default_rng(5).normal(0.0, 2.0, (3, 3))
    return {
        "pair": RateNetwork(np.array([[0.0, 0.4], [0.4, 0.0]]), 50 / (1 + sp.exp(-s)),
                            I0=-10.0, name="pair"),
        "random3": RateNetwork(w, sp.tanh(s), I=[0.3, -0.2, 0.1], g=1.5, name="random3"),
        "ring8": model_module("ring_attractor").build(n=8, g=0.8),
        "ei10": model_module("ei_network").build(n_e=8, n_i=2, density=0.3, g=2.0),
    }


@pytest.mark.parametrize("name", _models())
def test_analyzer_conformance(name: str) -> None:
    _conformance(load_model(name))


@pytest.mark.parametrize("name", sorted(_rate_networks()))
def test_analyzer_conformance_rate_networks(name: str) -> None:
    _conformance(_rate_networks()[name])


def _conformance(model: Model | RateNetwork) -> None:
    name = model.name
    assert model.region is not None, f"{name} should declare its region"
    sys_ = compile(model)
    eq = find_equilibria(model, rng=0)
    assert len(eq) >= 1
    lo = np.array([model.region[s][0] for s in model.state_names])
    hi = np.array([model.region[s][1] for s in model.state_names])
    scale = max(1.0, float(np.max(np.abs(sys_.rhs(np.linspace(lo, hi, 7))))))
    for e in eq:
        assert e.residual < 1e-10 * scale
        assert np.all(e.state >= lo - 1e-9 * (hi - lo)) and np.all(e.state <= hi + 1e-9 * (hi - lo))
        assert np.allclose(e.jacobian, sys_.jac(e.state))
        for k in range(sys_.n):
            v = e.eigenvectors[:, k]
            assert np.allclose(e.jacobian @ v, e.eigenvalues[k] * v, atol=1e-9)
        assert np.all(np.diff(e.eigenvalues.real) <= 1e-9)  # documented order
        assert classify(e.eigenvalues, jacobian=e.jacobian if model.n == 2 else None) is e.kind
        if model.n == 2:
            assert e.trace == pytest.approx(float(np.sum(e.eigenvalues).real), abs=1e-9)
            assert e.det == pytest.approx(float(np.prod(e.eigenvalues).real), rel=1e-9, abs=1e-9)
    # distinct points
    states = eq.states
    for i in range(len(states)):
        for j in range(i):
            assert np.max(np.abs(states[i] - states[j]) / (hi - lo)) > 1e-7
    # determinism, JSON, LaTeX
    again = find_equilibria(model, rng=0)
    assert np.array_equal(again.states, eq.states)
    d = json.loads(json.dumps(to_jsonable(eq.to_dict()), allow_nan=False))
    assert d["model"] == model.name and len(d["equilibria"]) == len(eq)
    assert check_structure(eq.to_latex()) == []
    if model.n == 2:
        from dynsys.analysis.phase_plane import nullclines

        for nc in nullclines(model, points=201):
            assert nc.branches
            for br in nc.branches:
                assert np.max(np.abs(sys_.rhs(br)[:, nc.index])) < 1e-8 * max(1.0, scale)
