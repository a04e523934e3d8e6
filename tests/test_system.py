"""compile(model): shapes, broadcasting, parameters, non-smooth derivatives."""

import numpy as np
import pytest
import sympy as sp

from dynsys import Model, ModelError, compile, load_model, symbols


def test_mutual_excitation_saddle_jacobian_is_exact():
    sys = compile(load_model("mutual_excitation"))
    np.testing.assert_allclose(sys.jac([25.0, 25.0]), [[-1.0, 5.0], [5.0, -1.0]], atol=1e-12)


def test_shapes_broadcast_states_params_and_constant_entries():
    sys = compile(load_model("mutual_excitation"))
    x = np.random.default_rng(0).uniform(0, 50, size=(4, 3, 2))
    assert sys.rhs(x).shape == (4, 3, 2)
    assert sys.jac(x).shape == (4, 3, 2, 2)
    assert sys.dfdp(x).shape == (4, 3, 2, 3)
    jac = sys.jac(x)
    np.testing.assert_array_equal(jac[..., 0, 0], -1.0)  # a constant entry, broadcast
    ps = np.stack([sys.params({"I": v}) for v in (-12.0, -10.0, -8.0)])  # (3, 3)
    assert sys.rhs(x, ps).shape == (4, 3, 2)
    assert sys.rhs(x[0, 0], ps).shape == (3, 2)
    assert sys.rhs(x).dtype == np.float64


def test_params_mapping_is_validated():
    sys = compile(load_model("self_excitation"))
    with pytest.raises(ModelError, match="'J' is not a parameter"):
        sys.rhs([1.0], {"J": 1.0})
    with pytest.raises(ModelError, match="finite"):
        sys.rhs([1.0], {"I": float("nan")})
    with pytest.raises(ModelError, match="1 entries"):
        sys.rhs([1.0, 2.0])


def test_non_smooth_functions_differentiate_to_zero_almost_everywhere():
    x, a = symbols("x a")
    m = Model({x: sp.sign(x - a) + sp.Heaviside(x, 1) + sp.Abs(x) + sp.Max(x, a)},
              params={a: 0.5})
    assert not m.is_smooth
    sys = compile(m)
    np.testing.assert_allclose(sys.jac([[2.0], [-1.0]])[..., 0, 0], [1.0 + 1.0, -1.0 + 0.0])
    assert np.isfinite(sys.jac([0.5])).all()
    np.testing.assert_allclose(sys.rhs([[2.0], [-1.0], [0.0]])[:, 0],
                               [1 + 1 + 2 + 2, -1 + 0 + 1 + 0.5, -1 + 1 + 0 + 0.5])


def test_unknown_symbol_named_with_the_known_ones():
    x, y, g = symbols("x y gamma")
    with pytest.raises(ModelError, match=r"equation for 'y' uses 'gamma'.*parameters: w"):
        Model({x: -x, y: -y + g}, params={symbols("w"): 1})
