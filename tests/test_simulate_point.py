"""simulate()'s single-run fast path (scalars) against its batch path (in-place arrays).

One noiseless run of a compiled model steps on numpy scalars
(:mod:`dynsys.analysis._euler_point`); a batch of two copies of the same start takes the
array path. The two must agree to rounding, report failures identically, and warn alike.
"""

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from dynsys.analysis._solver_limits import UnstableStepWarning
from dynsys.analysis.simulate import simulate
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.symbols import symbols
from dynsys.errors import SimulationError


def _both(model, x0, t_end, **kw):
    one = simulate(model, x0, t_end, **kw)
    two = simulate(model, [x0, x0], t_end, **kw)
    return one, two


@pytest.mark.parametrize("name, x0, t_end, dt", [
    ("wilson_cowan", [0.1, 0.05], 100.0, 0.025),
    ("fitzhugh_nagumo", [-1.0, 0.5], 200.0, 0.05),
    ("mutual_excitation", [40.0, 30.0], 20.0, 0.1),
    ("self_excitation", [59.0], 20.0, 0.1),
])
def test_one_run_equals_the_batch_path_to_rounding(name, x0, t_end, dt):
    one, two = _both(load_model(name), x0, t_end, dt=dt, save_every=3)
    assert one.states.shape == (1, *two.states.shape[1:])
    np.testing.assert_allclose(one.states[0], two.states[0], rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(one.final[0], two.final[1], rtol=1e-11, atol=1e-12)
    assert one.method == two.method == "euler"


def test_a_time_dependent_run_is_the_literal_euler_recursion():
    x, a = symbols("x a")
    t = sp.Symbol("t", real=True)
    m = Model({x: -a * x + sp.sin(t)}, params={a: 2.0}, name="forced")
    tr = simulate(m, [1.0], 3.0, dt=0.01)
    v, ref = 1.0, [1.0]
    for k in range(300):
        v = v + 0.01 * (-2.0 * v + math.sin(0.01 * k))
        ref.append(v)
    np.testing.assert_allclose(tr.states[0, :, 0], ref, rtol=1e-13, atol=1e-15)


def test_a_blow_up_is_reported_at_the_same_step_as_in_a_batch():
    x = symbols("x")
    m = Model({x: x**2}, name="blowup")
    with pytest.raises(SimulationError) as one:
        simulate(m, [10.0], 5.0, dt=0.01)
    v, k = 10.0, 0
    with np.errstate(over="ignore"):
        while math.isfinite(v):
            v, k = v + 0.01 * v * v, k + 1
    assert one.value.step == k and one.value.trajectory == 0


def test_an_unstable_step_warns_on_one_run_as_on_a_batch():
    x, a = symbols("x a")
    m = Model({x: -a * x}, params={a: 1000.0}, name="stiff")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        one = simulate(m, [1.0], 0.5, dt=0.1)
    assert any(w.category is UnstableStepWarning for w in record)
    assert one.diagnostics["warnings"][0].startswith("dt * |lambda| = 100 > 2")
    np.testing.assert_allclose(one.final[0, 0], (1 - 100.0) ** 5, rtol=1e-12)


def test_only_small_compiled_models_take_the_scalar_path():
    from dynsys.analysis._euler_point import MAX_STATES, scalar_rhs
    from dynsys.core.system import compile

    assert scalar_rhs(compile(load_model("wilson_cowan"))) is not None
    assert scalar_rhs(compile(load_model("ring_attractor"))) is None  # a rate network
    names = symbols(" ".join(f"u{k}" for k in range(MAX_STATES + 1)))
    big = Model({u: -u for u in names}, name="big")
    assert scalar_rhs(compile(big)) is None
    tr = simulate(big, [1.0] * (MAX_STATES + 1), 1.0, dt=0.1)  # the array path
    np.testing.assert_allclose(tr.final[0], 0.9**10, rtol=1e-12)
