"""One mechanism each: the dense Newton, the fixed-step stepper, the one ``solve_ivp``
call, the one ``lambdify`` and the fast point evaluator.

Each new mechanism is checked against a copy of the implementation it replaced
(bit for bit where the arithmetic is the same) and on its error paths.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from dynsys import compile, load_model
from dynsys._numerics.newton import euler_ends, newton
from dynsys._numerics.stepping import MAX_STEPS, euler, rk4, step_count
from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.phase_plane import basin_map, separatrices, trajectories
from dynsys.analysis.simulate import Adaptive, adaptive_run
from dynsys.bifurcation.continuation import _equilibrium_fj
from dynsys.bifurcation.simulated_cycles import _adaptive_batch
from dynsys.core.region import resolve_region
from dynsys.core.system import numeric_function
from dynsys.errors import ConvergenceError, ModelError, SimulationError
from dynsys.hopfield.fixed_points import _newton, find_fixed_points
from dynsys.hopfield.network import Activation, HopfieldNetwork, candidate_states, euler_run
from dynsys.noise.potential import _closed_form, potential

PACKAGE = Path(__file__).resolve().parents[1] / "dynsys"


@pytest.fixture(scope="module")
def mutual():
    return compile(load_model("mutual_excitation"))


@pytest.fixture(scope="module")
def tanh_net():
    return HopfieldNetwork.from_names(["x", "smiley"], activation=Activation.TANH, beta=2.0)


# ------------------------------------------------------------------------ Newton
def test_newton_converges_and_reports_residual():
    z, res, it = newton(lambda z: (z**2 - 2.0, np.diag(2.0 * z)), np.array([1.0]))
    assert abs(z[0] - np.sqrt(2.0)) < 1e-11 and res <= 1e-11 and 3 <= it <= 6


def test_newton_non_convergence_raises_with_history():
    # z^2 + 1 has no real root: Newton wanders
    with pytest.raises(ConvergenceError) as info:
        newton(lambda z: (z**2 + 1.0, np.diag(2.0 * z)), np.array([0.5]), max_iter=7,
               what="toy problem")
    err = info.value
    assert "toy problem did not converge" in str(err)
    assert len(err.history) == 8 and all(h >= 1.0 for h in err.history)
    assert err.last_iterate is not None and err.last_iterate.shape == (1,)


def test_newton_singular_and_non_finite_raise():
    with pytest.raises(ConvergenceError) as info:
        newton(lambda z: (z - 1.0, np.zeros((2, 2))), np.zeros(2))
    assert info.value.history == (1.0,)
    with pytest.raises(ConvergenceError) as info:
        newton(lambda z: (np.full_like(z, np.nan), np.eye(1)), np.array([1.0]))
    assert np.isnan(info.value.history[-1])


def test_newton_accept_returns_the_checked_iterate_only():
    # a triple root: Newton converges linearly (factor 2/3 per step)
    def fun(z):
        return z**3, np.diag(3.0 * z**2)

    z, res, it = newton(fun, np.array([1.0]), tol=1e-30, max_iter=10, accept=1e-3)
    assert it == 10 and res == float(np.max(np.abs(fun(z)[0]))) and res <= 1e-3
    assert z[0] == pytest.approx((2 / 3) ** 10, rel=1e-12)
    with pytest.raises(ConvergenceError):
        newton(fun, np.array([1.0]), tol=1e-30, max_iter=10, accept=1e-6)


def _old_hopfield_newton(net, x, params, tol=1e-12, max_iter=50):
    history = []
    for _ in range(max_iter):
        f = net.rhs(x, params)
        res = float(np.max(np.abs(f)))
        history.append(res)
        if res <= tol:
            return x
        x = x - np.linalg.solve(net.jac(x, params), f)
    if history[-1] <= 1e-9:
        return x
    raise ConvergenceError("old", last_iterate=x, history=tuple(history))


def test_hopfield_newton_equals_old_loop(tanh_net):
    rng = np.random.default_rng(3)
    ends = euler_run(tanh_net, rng.uniform(-1, 1, (12, tanh_net.n)), 8.0, 0.1)
    worked = 0
    for e in [*ends, *candidate_states(tanh_net)]:
        try:
            old = _old_hopfield_newton(tanh_net, e, None)
        except (ConvergenceError, np.linalg.LinAlgError):
            with pytest.raises(ConvergenceError):
                _newton(tanh_net, e, None)
            continue
        assert np.array_equal(_newton(tanh_net, e, None), old)
        worked += int(np.max(np.abs(tanh_net.rhs(e))) > 1e-12)
    assert worked >= 3  # starts that needed Newton steps


def test_hopfield_newton_failure_is_counted(tanh_net):
    with pytest.raises(ConvergenceError) as info:
        _newton(tanh_net, np.full(tanh_net.n, 0.3), None, max_iter=0)
    assert len(info.value.history) == 1
    res = find_fixed_points(tanh_net, starts=6)
    assert res.polish_failures >= 0 and res.candidate_failures >= 0 and len(res) > 0


def test_on_branch_correction_equals_old_loop(mutual):
    p = mutual.default_params.copy()
    scale = 26.0
    for guess in ([24.0, 26.0], [1.0, 0.5], [49.0, 48.0]):
        y = np.array(guess)
        for _ in range(30):
            f = mutual.rhs(y, p)
            if np.max(np.abs(f)) < 1e-11 * scale:
                break
            y = y - np.linalg.solve(mutual.jac(y, p), f)
        z, _, _ = newton(lambda u: (mutual.rhs(u, p), mutual.jac(u, p)), np.array(guess),
                         tol=1e-11 * scale, max_iter=30)
        assert np.array_equal(z, y)


# ------------------------------------------------------------------------ stepping
def _old_rk4(f, x0, t_end, dt, save=True):
    steps = max(int(np.ceil(t_end / dt)), 1)
    h = 1.0 * t_end / steps
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()] if save else []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            k1 = f(x)
            k2 = f(x + 0.5 * h * k1)
            k3 = f(x + 0.5 * h * k2)
            k4 = f(x + h * k3)
            x = x + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
            if save:
                path.append(x.copy())
    return np.stack(path, axis=1) if save else x


def test_phase_plane_rk4_equals_old(mutual):
    p = mutual.default_params
    x0 = np.array([[1.0, 40.0], [30.0, 2.0], [25.0, 25.0001]])
    old = _old_rk4(lambda y: mutual.rhs(y, p), x0, 7.3, 0.05)
    new = trajectories(mutual, x0, t_end=7.3, dt=0.05)
    for a, b in zip(old, new, strict=True):
        assert np.array_equal(a, b)
    eq = find_equilibria(mutual)
    b = basin_map(mutual, eq, resolution=7, t_end=5.0, dt=0.1)
    xs, ys = np.meshgrid(b.x, b.y)
    ends = _old_rk4(lambda y: mutual.rhs(y, p), np.stack([xs.ravel(), ys.ravel()], 1), 5.0,
                    0.1, save=False)
    assert np.array_equal(rk4(lambda y: mutual.rhs(y, p), np.stack([xs.ravel(), ys.ravel()], 1),
                              5.0 / 50, 50), ends)


def test_euler_ends_equals_old_loop(mutual):
    lo, width = np.zeros(2), np.full(2, 60.0)

    def fz(z):
        with np.errstate(all="ignore"):
            return mutual.rhs(lo + width * z, mutual.default_params)

    def jz(z):
        return mutual.jac(lo + width * z, mutual.default_params) * width[None, None, :]

    z0 = np.random.default_rng(0).random((16, 2))
    rate = float(np.nanmax(np.sum(np.abs(jz(z0)), axis=2)))
    dt = 0.2 / max(rate, 1e-12)
    z = z0.copy()
    for _ in range(200):
        z = z + dt * fz(z)
    assert np.array_equal(euler_ends(fz, jz, z0, 200), z[np.all(np.isfinite(z), axis=1)])


def _old_euler_run(net, x0, t_end, dt, sigma=0.0, rng=None, record=False):
    x = np.array(net._states(x0), dtype=np.float64)
    gen = np.random.default_rng(rng)
    steps = max(1, round(t_end / dt))
    scale = sigma * np.sqrt(dt)
    out = [x.copy()] if record else None
    for _ in range(steps):
        x = x + dt * (net.activate(net.field(x), None) - x)
        if scale:
            x += scale * gen.standard_normal(x.shape)
        if out is not None:
            out.append(x.copy())
    return np.stack(out) if out is not None else x


@pytest.mark.parametrize("record", [False, True])
def test_hopfield_euler_run_equals_old(tanh_net, record):
    x0 = np.random.default_rng(1).uniform(-1, 1, (5, tanh_net.n))
    for net in (tanh_net, tanh_net.replace(activation=Activation.SIGN)):
        old = _old_euler_run(net, x0, 3.0, 0.1, sigma=0.3, rng=7, record=record)
        new = euler_run(net, x0, 3.0, 0.1, sigma=0.3, rng=7, record=record)
        assert np.array_equal(old, new)


def test_euler_and_rk4_orders():
    errs = []
    for steps in (20, 40):
        e1 = abs(euler(lambda x: -x, [1.0], 1.0 / steps, steps)[0] - np.exp(-1))
        e4 = abs(rk4(lambda x: -x, [1.0], 1.0 / steps, steps)[0] - np.exp(-1))
        errs.append((e1, e4))
    assert 1.8 < errs[0][0] / errs[1][0] < 2.2  # order 1
    assert 14 < errs[0][1] / errs[1][1] < 18  # order 4


@pytest.mark.parametrize("stepper", [euler, rk4])
def test_stepper_non_finite_raises(stepper):
    x0 = np.array([[0.5], [2.0], [0.1]])  # dx/dt = x^3 blows up at t = 1 / (2 x0^2)
    with pytest.raises(SimulationError) as info:
        stepper(lambda x: x**3, x0, 0.5, 20, what="blow-up run")
    err = info.value
    assert err.trajectory == 1 and err.step >= 1
    assert "blow-up run" in str(err) and f"step {err.step}" in str(err)
    kept = stepper(lambda x: x**3, x0, 0.5, 20, allow_nonfinite=True)
    assert not np.isfinite(kept[1, 0]) and np.isfinite(kept[2, 0])


@pytest.mark.parametrize("stepper", [euler, rk4])
def test_stepper_step_cap(stepper):
    with pytest.raises(ModelError, match="number of steps"):
        stepper(lambda x: -x, [1.0], 0.1, MAX_STEPS + 1)
    with pytest.raises(ModelError, match="number of steps"):
        stepper(lambda x: -x, [1.0], 0.1, 10, max_steps=5)
    path = stepper(lambda x: -x, np.ones((3, 2)), 0.1, 4, save=True)
    assert path.shape == (5, 3, 2) and np.array_equal(path[0], np.ones((3, 2)))


def test_step_count():
    assert step_count(1.0, 0.3) == 4 and step_count(1.0, 0.3, nearest=True) == 3
    assert step_count(1e-9, 0.1) == 1
    for t_end in (1e300, float("nan"), float("inf")):
        with pytest.raises(ModelError, match="RK4 steps is more than"):
            step_count(t_end, 0.1, method="RK4")


def test_hopfield_euler_run_errors(tanh_net):
    with pytest.raises(ModelError, match="Euler steps"):
        euler_run(tanh_net, np.zeros(tanh_net.n), 1e300, 0.1)
    with pytest.raises(SimulationError, match="non-finite"):
        euler_run(tanh_net, np.zeros(tanh_net.n), 1.0, 0.1, sigma=float("inf"))


# ------------------------------------------------------------------------ solve_ivp
def test_separatrices_equal_direct_solve_ivp(mutual):
    eq = find_equilibria(mutual)
    (sep,) = separatrices(mutual, eq)
    saddle = next(e for e in eq if e.kind.value == "saddle")
    reg = resolve_region(mutual, dict(zip(mutual.param_names, mutual.default_params,
                                          strict=True)), None)
    lo = np.array([reg[k][0] for k in mutual.state_names])
    hi = np.array([reg[k][1] for k in mutual.state_names])
    size, margin = float(np.linalg.norm(hi - lo)), 0.02 * (hi - lo)
    k = int(np.argmin(saddle.eigenvalues.real))
    vec = np.real(saddle.eigenvectors[:, k])
    vec = vec / np.linalg.norm(vec)
    tm = 40.0 / abs(float(saddle.eigenvalues[k].real))

    def leave(_t, x):
        return float(np.min(np.concatenate([x - (lo - margin), (hi + margin) - x])))

    leave.terminal = True
    sol = solve_ivp(lambda _t, x: -mutual.rhs(x, mutual.default_params), (0.0, tm),
                    saddle.state + 1e-6 * size * vec, method="DOP853", events=leave,
                    rtol=1e-9, atol=1e-12 * size, max_step=tm / 200)
    assert np.array_equal(sep.branches[0], np.vstack([saddle.state, sol.y.T]))


def test_adaptive_batch_equals_direct_solve_ivp(mutual):
    x0 = np.array([[1.0, 40.0], [30.0, 2.0]])
    ps = np.tile(mutual.default_params, (2, 1))
    meth = Adaptive("RK45")
    t, states = _adaptive_batch(mutual, x0, ps, 0.5, 10, meth)

    def fun(tt, y):
        return mutual.rhs(y.reshape(2, 2), ps, tt).ravel()

    sol = solve_ivp(fun, (0.0, t[-1]), x0.ravel(), method="RK45", t_eval=t, rtol=1e-8,
                    atol=1e-10, max_step=np.inf)
    assert np.array_equal(states, sol.y.reshape(2, 2, -1).transpose(0, 2, 1))


def test_adaptive_run_reports_failure_without_raising():
    sol = adaptive_run(lambda t, y: y**2, (0.0, 2.0), [1.0], Adaptive("RK45"))
    assert sol.status == -1 and sol.t[-1] < 1.0 + 1e-6  # blow-up at t = 1


# ------------------------------------------------------------------------ lambdify
def test_numeric_function_equals_old_lambdify_calls():
    s = sp.Symbol("s")
    act = 60 * (1 + sp.tanh(s))
    grid = np.linspace(-5, 5, 101)
    assert np.array_equal(numeric_function([s], act)(grid),
                          sp.lambdify([s], act, modules="numpy", cse=True)(grid))
    model = load_model("self_excitation")
    pars = dict(zip(model.param_names, (float(v) for v in model.params.values()),
                    strict=True))
    expr = _closed_form(model, pars)
    r = np.linspace(0.0, 120.0, 241)
    old = sp.lambdify(model.states[0], expr, modules="numpy")(r)
    assert np.array_equal(numeric_function(model.states[0], expr)(r), old)
    pot = potential(model)
    offset = float(sp.lambdify(model.states[0], expr, modules="numpy")(pot.minima[0]))
    assert np.array_equal(pot(r), old - offset + 0.0 * r)


def test_numeric_function_non_smooth_and_lists():
    x = sp.Symbol("x")
    f = numeric_function([x], [sp.Min(x, 1), sp.Heaviside(x), sp.Integer(3)])
    lo, step, const = f(np.array([-1.0, 0.0, 2.0]))
    assert lo.tolist() == [-1.0, 0.0, 1.0] and const == 3
    assert step[0] == 0.0 and step[2] == 1.0 and step.shape == (3,)


# ------------------------------------------------------------------------ fast point
def test_evaluate_point_equals_private_callables_and_generic_path(mutual):
    x, p = [3.0, 17.0], mutual.default_params.tolist()
    f, fx, fp = mutual.evaluate_point(x, p)
    args = [*x, *p, 0.0]
    assert list(f) == list(mutual._rhs(*args)) and list(fx) == list(mutual._jac(*args))
    assert list(fp) == list(mutual._dfdp(*args))
    assert np.allclose(np.asarray(fx, float).reshape(2, 2), mutual.jac(x, p), rtol=1e-14)

    class Generic:  # the same system without the fast path
        n, name = mutual.n, mutual.name
        rhs, jac, dfdp = mutual.rhs, mutual.jac, mutual.dfdp

    u = np.array([3.0, 17.0, -9.5])
    for widths in (None, np.array([50.0, 50.0, 10.0])):
        fast = _equilibrium_fj(mutual, mutual.default_params, 2, widths)(u)
        slow = _equilibrium_fj(Generic(), mutual.default_params, 2, widths)(u)
        assert np.allclose(fast[0], slow[0], rtol=1e-14, atol=1e-12)
        assert np.allclose(fast[1], slow[1], rtol=1e-14, atol=1e-12)


# ------------------------------------------------------------------------ one place each
def _names(path: Path) -> tuple[set[str], set[str]]:
    """(attribute names, bare names) used in a module."""
    attrs, names = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute):
            attrs.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.name)
    return attrs, names


def test_each_mechanism_lives_in_one_place():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        attrs, names = _names(path)
        if "lambdify" in attrs | names:
            assert rel.startswith("core/"), f"{rel} calls lambdify"
        if "solve_ivp" in attrs | names:
            assert rel == "analysis/simulate.py", f"{rel} calls solve_ivp"
        if not rel.startswith("core/"):
            private = attrs & {"_rhs", "_jac", "_dfdp", "_noise", "_aux", "_switching"}
            assert not private, f"{rel} reads CompiledSystem's private {sorted(private)}"
