"""simulate(): reference runs, convergence orders, Euler-Maruyama moments, determinism."""

import math

import numpy as np
import pytest
import sympy as sp

from dynsys.analysis.simulate import Adaptive, Euler, Trajectory, as_method, simulate
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.symbols import heav, symbols
from dynsys.core.system import compile
from dynsys.errors import ConvergenceError, ModelError, SimulationError

SELF = load_model("self_excitation")
MUTUAL = load_model("mutual_excitation")


def ou_model(theta=1.0, sigma=0.5):
    x, th, s = symbols("x theta s")
    return Model({x: -th * x}, params={th: theta, s: sigma}, noise={x: s}, name="ou")


def forced_model(a=2.0):
    """x' = -a x + sin t: x(t) = C e^{-a t} + (a sin t - cos t) / (a^2 + 1)."""
    x, k = symbols("x a")
    t = sp.Symbol("t", real=True)
    return Model({x: -k * x + sp.sin(t)}, params={k: a}, name="forced")


def forced_exact(t, x0=1.0, a=2.0):
    c = x0 + 1.0 / (a * a + 1)
    return c * np.exp(-a * t) + (a * np.sin(t) - np.cos(t)) / (a * a + 1)


# ----------------------------------------------------------------- reference runs
def test_self_excitation_reference_runs():
    tr = simulate(SELF, [[59.0], [60.0], [61.0]], 20.0, dt=0.1)
    low, mid, high = tr.final[:, 0]
    assert low == pytest.approx(0.305908292842, abs=1e-4)
    assert mid == pytest.approx(60.0, abs=1e-9)
    assert high == pytest.approx(119.694091707, abs=1e-4)
    assert tr.method == "euler" and tr.states.shape == (3, 201, 1)


def test_self_excitation_euler_r2_from_59():
    tr = simulate(SELF, [59.0], 2.0, dt=0.1)
    assert round(float(tr.final[0, 0]), 4) == 33.6544
    # the literal recursion x += dt F(x), written out by hand
    r = 59.0
    for _ in range(20):
        r = r + 0.1 * (-r + 60 * (1 + math.tanh(0.05 * r - 3)))
    assert tr.final[0, 0] == pytest.approx(r, rel=1e-12)


def test_mutual_excitation_reference_runs():
    tr = simulate(MUTUAL, [[45.0, 45.0], [5.0, 5.0]], 20.0)
    np.testing.assert_allclose(tr.final[0], [49.9977280428808] * 2, atol=1e-3)
    np.testing.assert_allclose(tr.final[1], [0.00227195711918623] * 2, atol=1e-3)


def test_pulse_input_flips_the_bistable_switch():
    r, w, current, amp = symbols("r w I A")
    t = sp.Symbol("t", real=True)
    drive = current + amp * heav(t - 5) * heav(10 - t)
    m = Model({r: -r + 60 * (1 + sp.tanh(w * r + drive))},
              params={w: 0.05, current: -3, amp: 2.0}, name="pulsed")
    tr = simulate(m, [0.305908292842], 30.0, dt=0.1)
    r_t = tr.state("r")[0]
    assert r_t[tr.t < 5].max() < 0.31  # before the pulse: the low state
    assert tr.final[0, 0] == pytest.approx(119.694091707, abs=1e-3)  # stays high after it
    off = simulate(m, [0.305908292842], 30.0, params={"A": 0.0})
    assert off.final[0, 0] == pytest.approx(0.305908292842, abs=1e-6)


# ----------------------------------------------------------------- orders of convergence
def test_euler_is_first_order():
    m = forced_model()
    dts = np.array([0.1, 0.05, 0.025, 0.0125])
    errs = []
    for dt in dts:
        tr = simulate(m, [1.0], 2.0, dt=dt)
        errs.append(np.max(np.abs(tr.states[0, :, 0] - forced_exact(tr.t))))
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert 0.9 <= slope <= 1.1, (errs, slope)


@pytest.mark.parametrize("solver", ["rk45", "dop853", "radau", "lsoda"])
def test_adaptive_accuracy_against_closed_form(solver):
    m = forced_model()
    tr = simulate(m, [[1.0], [1.0]], 4.0, dt=0.5,
                  method=Adaptive(solver, rtol=1e-10, atol=1e-12))
    assert tr.method == solver
    np.testing.assert_allclose(tr.states[0, :, 0], forced_exact(tr.t), atol=1e-7)
    assert len(tr.diagnostics["nfev"]) == 2 and tr.diagnostics["status"] == (0, 0)
    loose = simulate(m, [1.0], 4.0, dt=0.5, method="rk45")
    assert np.max(np.abs(loose.states[0, :, 0] - forced_exact(loose.t))) < 1e-6


def test_adaptive_refuses_noise_and_failures_are_loud():
    with pytest.raises(ModelError, match="cannot add noise"):
        simulate(SELF, [59.0], 1.0, sigma=1.0, method="rk45")
    with pytest.raises(ModelError, match="cannot add noise"):  # the model's own noise
        simulate(ou_model(), [1.0], 1.0, method="rk45")
    assert simulate(ou_model(), [1.0], 1.0, method="rk45", sigma=0).method == "rk45"
    x = symbols("x")
    with pytest.raises((ConvergenceError, SimulationError)):
        simulate(Model({x: x**2}), [10.0], 1.0, method="rk45")


# ----------------------------------------------------------------- Euler-Maruyama
def test_euler_maruyama_matches_exact_moments_of_the_discrete_recursion():
    theta, sigma, dt, x0, k, n = 1.0, 0.5, 0.1, 1.0, 20, 20_000
    tr = simulate(ou_model(theta, sigma), [x0], k * dt, dt=dt, trials=n, rng=7)
    assert tr.method == "euler-maruyama" and tr.seed == 7
    np.testing.assert_allclose(tr.sigma, [sigma])
    a = 1 - theta * dt
    for j in (5, 20):
        mean = a**j * x0
        var = sigma**2 * dt * (1 - a ** (2 * j)) / (1 - a**2)
        xs = tr.states[:, j, 0]
        assert abs(xs.mean() - mean) < 5 * math.sqrt(var / n)
        assert abs(xs.var(ddof=1) - var) < 5 * var * math.sqrt(2 / (n - 1))


def test_noise_draws_are_one_standard_normal_array_per_step():
    """The documented recursion, reproduced by hand from the same seed."""
    tr = simulate(MUTUAL, [[45.0, 45.0], [5.0, 5.0]], 1.0, sigma=[1.0, 2.0], trials=3, rng=11)
    sys = compile(MUTUAL)
    rng = np.random.default_rng(11)
    x = np.repeat([[45.0, 45.0], [5.0, 5.0]], 3, axis=0)
    for k in range(10):
        x = x + 0.1 * sys.rhs(x, None, 0.1 * k) + np.array([1.0, 2.0]) * math.sqrt(0.1) * \
            rng.standard_normal((6, 2))
    np.testing.assert_allclose(tr.final, x, rtol=1e-12, atol=1e-12)


def test_euler_maruyama_strong_order_one_for_additive_noise():
    """Coarse runs against a fine reference driven by the same Brownian path."""
    theta, T, runs, h = 1.0, 1.0, 1000, 0.1 / 64
    m = ou_model(theta, 1.0)
    dts = [0.1, 0.05, 0.025]
    errors = []
    for i, dt in enumerate(dts):
        steps = round(T / dt)
        tr = simulate(m, [1.0], T, dt=dt, trials=runs, rng=100 + i)
        dw = math.sqrt(dt) * np.random.default_rng(100 + i).standard_normal((steps, runs))
        sub = round(dt / h)
        fine = math.sqrt(h) * np.random.default_rng(200 + i).standard_normal((steps, sub, runs))
        fine -= (fine.sum(axis=1, keepdims=True) - dw[:, None, :]) / sub  # Brownian bridge
        x = np.ones(runs)
        for inc in fine.reshape(steps * sub, runs):
            x = x - h * theta * x + inc
        errors.append(np.mean(np.abs(tr.final[:, 0] - x)))
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert 0.8 <= slope <= 1.25, (errors, slope)


def test_euler_maruyama_weak_convergence_of_the_second_moment():
    theta, sigma, x0, T, n = 1.0, 1.0, 2.0, 1.0, 100_000
    m = ou_model(theta, sigma)
    exact = (x0 * math.exp(-theta * T)) ** 2 + sigma**2 * (1 - math.exp(-2 * theta * T)) / 2
    dts = [0.2, 0.1, 0.05]
    errs = [abs(np.mean(simulate(m, [x0], T, dt=dt, trials=n, rng=5).final ** 2) - exact)
            for dt in dts]
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert 0.7 <= slope <= 1.4, (errs, slope)


# ----------------------------------------------------------------- determinism
def test_same_seed_same_numbers_and_chunks_equal_one_call():
    kw = dict(sigma=2.0, trials=4)
    a = simulate(MUTUAL, [25.0, 25.0], 3.0, rng=3, **kw)
    b = simulate(MUTUAL, [25.0, 25.0], 3.0, rng=3, **kw)
    np.testing.assert_array_equal(a.states, b.states)
    assert not np.array_equal(a.states, simulate(MUTUAL, [25.0, 25.0], 3.0, rng=4, **kw).states)
    g = np.random.default_rng(9)
    first = simulate(MUTUAL, [[25.0, 25.0]], 1.0, rng=g, **kw)
    second = simulate(MUTUAL, first.final, 3.0, t0=1.0, rng=g, sigma=2.0)
    whole = simulate(MUTUAL, [25.0, 25.0], 3.0, rng=np.random.default_rng(9), **kw)
    np.testing.assert_array_equal(second.final, whole.final)
    np.testing.assert_array_equal(second.states[:, -1], whole.states[:, -1])
    assert first.seed is None and second.t[0] == 1.0


def test_unseeded_run_records_a_seed_that_replays_it():
    a = simulate(MUTUAL, [25.0, 25.0], 1.0, sigma=1.0)
    assert isinstance(a.seed, int)
    b = simulate(MUTUAL, [25.0, 25.0], 1.0, sigma=1.0, rng=a.seed)
    np.testing.assert_array_equal(a.final, b.final)


# ----------------------------------------------------------------- blow-up
def test_blow_up_names_the_first_non_finite_step_and_trajectory():
    x = symbols("x")
    m = Model({x: x**2}, name="blowup")
    with pytest.raises(SimulationError, match=r"step (\d+) .*trajectory 1") as info:
        simulate(m, [[1.0], [10.0]], 5.0, dt=0.01)
    v, k = 10.0, 0
    with np.errstate(over="ignore"):
        while math.isfinite(v):
            v, k = v + 0.01 * v * v, k + 1
    assert info.value.step == k and info.value.trajectory == 1
    assert f"step {k} " in str(info.value)
    with pytest.raises(SimulationError) as noisy:
        simulate(m, [[1.0], [10.0]], 5.0, dt=0.01, sigma=1e-9, trials=2, rng=0, check_every=7)
    assert noisy.value.step == k and noisy.value.trajectory == 2


# ----------------------------------------------------------------- shapes and options
def test_batch_shapes_trials_and_thinning():
    starts = [[45.0, 45.0], [5.0, 5.0], [25.0, 26.0]]
    tr = simulate(MUTUAL, starts, 2.0, trials=2, sigma=0.5, rng=1, save_every=5)
    assert isinstance(tr, Trajectory)
    assert tr.states.shape == (6, 5, 2) and tr.final.shape == (6, 2) and tr.runs == 6
    np.testing.assert_allclose(tr.t, [0.0, 0.5, 1.0, 1.5, 2.0])
    np.testing.assert_array_equal(tr.initial, np.repeat(starts, 2, axis=0))  # IC major
    np.testing.assert_array_equal(tr.final, tr.states[:, -1])
    full = simulate(MUTUAL, starts, 2.0, trials=2, sigma=0.5, rng=1)
    np.testing.assert_array_equal(full.states[:, ::5], tr.states)
    odd = simulate(MUTUAL, starts, 2.0, save_every=3)
    assert odd.states.shape == (3, 7, 2)
    np.testing.assert_array_equal(odd.final, simulate(MUTUAL, starts, 2.0).final)
    assert not tr.states.flags.writeable
    d = tr.to_dict()
    assert {"model", "params", "t", "trajectories", "state_names", "method", "dt", "sigma",
            "seed"} <= set(d)
    assert np.shape(d["trajectories"]) == (6, 5, 2) and d["params"]["I"] == -10.0


def test_per_initial_condition_parameters():
    ps = np.array([[0.4, 0.4, -10.0], [0.4, 0.4, -20.0]])
    tr = simulate(MUTUAL, [[45.0, 45.0], [45.0, 45.0]], 20.0, params=ps, trials=2)
    assert tr.final[0, 0] > 49 and tr.final[3, 0] < 1
    assert tr.params["I"] == (-10.0, -10.0, -20.0, -20.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(x0=[1.0, 2.0, 3.0]), "x0 must have shape"),
        (dict(dt=-0.1), "dt must be positive"),
        (dict(t_end=0.0), "t_end must be finite and greater"),
        (dict(t_end=1.05, dt=0.1), "whole number of steps"),
        (dict(params={"J": 1.0}), "'J' is not a parameter"),
        (dict(method="heun"), "unknown method 'heun'"),
        (dict(sigma=-1.0), "non-negative"),
        (dict(sigma=[1.0, 2.0, 3.0]), "sigma must be a scalar or have 2"),
        (dict(trials=0), "trials must be a positive integer"),
        (dict(x0=[float("nan"), 1.0]), "finite"),
    ],
)
def test_bad_input_is_a_model_error(kwargs, match):
    args = dict(x0=[1.0, 1.0], t_end=1.0)
    args.update(kwargs)
    with pytest.raises(ModelError, match=match):
        simulate(MUTUAL, args.pop("x0"), args.pop("t_end"), **args)


def test_method_objects():
    assert as_method("euler") == Euler() and as_method("DOP853") == Adaptive("DOP853")
    assert as_method("Euler-Maruyama") == Euler()
    with pytest.raises(ModelError, match="unknown adaptive solver"):
        Adaptive("foo")
    with pytest.raises(ModelError, match="rtol must be positive"):
        Adaptive(rtol=0)


class _Wrapped:
    """A System that is not a CompiledSystem: exercises the plain (generic) path."""

    def __init__(self, sys):
        self._sys = sys
        for name in ("name", "state_names", "param_names", "default_params", "region",
                     "is_smooth", "is_autonomous", "n"):
            setattr(self, name, getattr(sys, name))

    def rhs(self, x, p=None, t=0.0):
        return self._sys.rhs(x, p, t)

    def jac(self, x, p=None, t=0.0):
        return self._sys.jac(x, p, t)

    def dfdp(self, x, p=None, t=0.0):
        return self._sys.dfdp(x, p, t)

    def noise_amplitude(self, p=None):
        return self._sys.noise_amplitude(p)


@pytest.mark.parametrize("name", ["mutual_excitation", "wilson_cowan", "fitzhugh_nagumo"])
def test_fast_in_place_path_equals_plain_path(name):
    m = load_model(name)
    sys = compile(m)
    rng = np.random.default_rng(0)
    lo, hi = np.array(list(m.region.values())).T
    starts = rng.uniform(lo, hi, size=(5, m.n))
    dt = m.options.get("dt", 0.1)
    fast = simulate(sys, starts, 40 * dt, dt=dt, sigma=0.01, trials=2, rng=1)
    plain = simulate(_Wrapped(sys), starts, 40 * dt, dt=dt, sigma=0.01, trials=2, rng=1)
    np.testing.assert_allclose(fast.states, plain.states, rtol=1e-11, atol=1e-11)
    rk = simulate(_Wrapped(sys), starts[:1], 10 * dt, dt=dt, method="radau")
    assert rk.states.shape == (1, 11, m.n)


def test_rk4_has_order_four_and_refuses_noise():
    """Error at t = 1 of x' = -x + sin(t) against the exact solution, for dt halving:
    the log-log slope is 4 (Hairer, Norsett & Wanner 1993, Section II.1)."""
    import math

    from dynsys import Model
    from dynsys.core.symbols import symbols, time_symbol

    x = symbols("x")
    m = Model({x: -x + sp.sin(time_symbol)}, name="forced")
    exact = 1.5 * math.exp(-1.0) + (math.sin(1.0) - math.cos(1.0)) / 2  # x(0) = 1
    dts = [0.1, 0.05, 0.025, 0.0125]
    errors = [abs(simulate(m, [1.0], 1.0, dt=h, method="rk4").final[0, 0] - exact)
              for h in dts]
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert 3.8 < slope < 4.2
    with pytest.raises(ModelError, match="cannot add noise"):
        simulate(m, [1.0], 1.0, dt=0.1, method="rk4", sigma=0.1)
