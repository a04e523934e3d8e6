"""One conformance suite run against every built-in model in models/.

Each model loads under its file name, describes itself (names, region, defaults), and,
when it is a symbolic Model, round-trips through .ode text and renders LaTeX. For every
model the compiled Jacobian and parameter derivative agree with finite differences of
the compiled right-hand side at random states in the model's region.
"""

import numpy as np
import pytest

from dynsys.core.loading import load_model, model_names
from dynsys.core.model import Model
from dynsys.core.system import compile


def parse_ode(text, name="model"):
    """The Model an .ode text declares (``Model.from_text``)."""
    return Model.from_text(text, name=name)

NAMES = model_names()


def test_the_reference_models_are_built_in():
    assert {"self_excitation", "mutual_excitation", "wilson_cowan", "fitzhugh_nagumo"} <= set(
        NAMES
    )


@pytest.fixture(params=NAMES, scope="module")
def model(request):
    return load_model(request.param)


def test_loads_under_its_name_and_describes_itself(model):
    assert model.name in NAMES
    n = len(model.state_names)
    assert n >= 1 and len(set(model.state_names)) == n
    assert model.region, f"{model.name} declares no region"
    for state, (lo, hi) in model.region.items():
        assert state in model.state_names and lo < hi


def test_ode_round_trip_and_latex(model):
    if not isinstance(model, Model):
        pytest.skip(f"{model.name} is a matrix-form System, not a symbolic Model")
    text = model.to_ode()
    again = parse_ode(text, name=model.name)
    assert again == model
    assert again.description == model.description
    latex = model.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    assert latex.count(r"\frac{d") == model.n


def _states(model, rng, count=4):
    box = np.array([model.region[s] if s in model.region else (-1.0, 1.0)
                    for s in model.state_names])
    return box[:, 0] + (box[:, 1] - box[:, 0]) * rng.uniform(0.05, 0.95, (count, len(box)))


def _fd(f, x, h):
    """Central differences of f (..., k) -> (..., n) along the last axis of x: (..., n, k)."""
    k = x.shape[-1]
    steps = np.eye(k) * h[..., None, :]
    plus = f(x[..., None, :] + steps)  # (..., k, n)
    minus = f(x[..., None, :] - steps)
    return np.swapaxes((plus - minus) / (2 * h[..., :, None]), -1, -2)


def test_jacobian_matches_finite_differences(model):
    system = compile(model)
    rng = np.random.default_rng(2024)
    x = _states(model, rng)
    p = np.asarray(system.default_params, dtype=float)
    jac = system.jac(x, p)
    assert jac.shape == (len(x), system.n, system.n) and jac.dtype == np.float64
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    fd = _fd(lambda z: system.rhs(z, p), x, h)
    scale = max(1.0, float(np.abs(jac).max()))
    if model.is_smooth:
        np.testing.assert_allclose(jac, fd, rtol=1e-5, atol=1e-5 * scale)
    else:  # compare only away from kinks, where one-sided differences agree
        fwd = _fd(lambda z: system.rhs(z, p), x + 0.5 * h, 0.5 * h)
        smooth_here = np.isclose(fwd, fd, rtol=1e-6, atol=1e-6 * scale)
        assert smooth_here.mean() > 0.9
        np.testing.assert_allclose(jac[smooth_here], fd[smooth_here], rtol=1e-5,
                                   atol=1e-5 * scale)


def test_dfdp_matches_finite_differences(model):
    system = compile(model)
    if not system.param_names:
        pytest.skip("no parameters")
    rng = np.random.default_rng(7)
    x = _states(model, rng, count=3)
    p = np.asarray(system.default_params, dtype=float)
    dfdp = system.dfdp(x, p)
    assert dfdp.shape == (len(x), system.n, len(system.param_names))
    h = 1e-6 * np.maximum(1.0, np.abs(p))
    fd = _fd(lambda q: system.rhs(x[:, None, :], q), np.broadcast_to(p, (len(x), len(p))),
             np.broadcast_to(h, (len(x), len(p))))
    scale = max(1.0, float(np.abs(dfdp).max()))
    np.testing.assert_allclose(dfdp, fd, rtol=1e-5, atol=1e-5 * scale)
