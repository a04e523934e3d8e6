"""Nothing lost, no traceback, no hang, no false answer: solver budgets, domains, names.

Each test is the reproducer of one item of the issue; the command-line ones go through
the real ``dynsys`` command in a subprocess and check the exit status, the single
``error:`` line, the absence of a traceback and a time bound.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from re import escape as re_escape

import numpy as np
import pytest
import sympy as sp

from dynsys.analysis._solver_limits import UnstableStepWarning, unstable_step
from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.flux import flux
from dynsys.analysis.phase_plane import basin_map
from dynsys.analysis.simulate import Adaptive, adaptive_run, simulate
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.system import compile
from dynsys.errors import ConvergenceError, ModelError, SimulationError
from dynsys.hopfield._trials import recall_trials
from dynsys.hopfield.capacity import capacity_curve, error_correction_curve, scaling_curves
from dynsys.hopfield.recall import RecallProtocol
from dynsys.noise.potential import kramers, kramers_time, potential
from dynsys.sweep import iter_tasks, run_tasks, task_seed

BLOW_UP = "x' = x^2\ninit x=1\ndone\n"
SQRT = "x' = -sqrt(x)\ninit x=1\ndone\n"
STIFF = "x' = -1000*(x - cos(t))\ninit x=0\ndone\n"


def run_cli(*args: str, limit: float = 60.0,
            preexec_fn=None) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "dynsys.cli", *args], capture_output=True,
                          text=True, timeout=limit, preexec_fn=preexec_fn)
    return proc, time.monotonic() - start


def assert_one_error(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def ode(tmp_path: Path):
    def write(text: str, name: str = "m") -> str:
        path = tmp_path / f"{name}.ode"
        path.write_text(text)
        return str(path)
    return write


# ------------------------------------------------------------ item 5: adaptive budget
def test_lsoda_blow_up_ends_with_one_error_line(ode):
    proc, took = run_cli("simulate", ode(BLOW_UP), "--t-end", "2", "--method", "lsoda")
    line = assert_one_error(proc, "LSODA", "trajectory 0", "t = 1", "max_evaluations")
    assert took < 45, (took, line)


@pytest.mark.parametrize("limits", [{"max_evaluations": 2000}, {"max_seconds": 0.2}])
def test_budget_stops_the_solver_with_the_time_reached(limits):
    model = Model.from_text(BLOW_UP)
    start = time.monotonic()
    with pytest.raises(ConvergenceError, match=r"LSODA stopped on trajectory 0 at t = 1\b") \
            as info:
        simulate(model, [1.0], 2.0, method=Adaptive("LSODA", **limits))
    assert time.monotonic() - start < 20
    assert info.value.last_iterate is not None and abs(info.value.last_iterate[0]) > 1e3


def test_budget_counts_evaluations_exactly():
    calls = []

    def fun(t, y):
        calls.append(t)
        return np.cos(50 * t) * np.ones_like(y)

    with pytest.raises(ConvergenceError, match="after 30 right-hand-side evaluations"):
        adaptive_run(fun, (0.0, 100.0), [0.0], Adaptive("RK45", max_evaluations=30))
    assert len(calls) == 30
    sol = adaptive_run(fun, (0.0, 1.0), [0.0], Adaptive("RK45"))  # the default is ample
    assert sol.status == 0 and abs(sol.y[0, -1] - np.sin(50.0) / 50) < 1e-6


@pytest.mark.parametrize("bad", [{"max_evaluations": 0}, {"max_evaluations": 1.5},
                                 {"max_seconds": 0}, {"max_seconds": float("nan")}])
def test_budget_settings_are_checked(bad):
    with pytest.raises(ModelError, match=next(iter(bad))):
        Adaptive("RK45", **bad)


# --------------------------------------------------- item 6: leaving the model's domain
@pytest.mark.parametrize("method", ["radau", "bdf"])
def test_implicit_solver_leaving_the_domain_is_one_error_line(ode, method):
    proc, took = run_cli("simulate", ode(SQRT), "--t-end", "5", "--method", method)
    line = assert_one_error(proc, "trajectory 0", "not finite at t = ", "domain")
    assert took < 45, line


@pytest.mark.parametrize("method", ["Radau", "BDF"])
def test_implicit_solver_leaving_the_domain_raises_simulation_error(method):
    model = Model.from_text(SQRT)
    with pytest.raises(SimulationError, match=rf"{method} failed on trajectory 0") as info:
        simulate(model, [1.0], 5.0, method=method.lower())
    assert info.value.trajectory == 0
    t = float(str(info.value).split("at t = ")[1].split(",")[0])
    assert 1.9 < t < 5.0  # x(t) = (1 - t/2)^2 reaches 0 at t = 2


# ------------------------------------------------------------- item 7: reserved names
@pytest.mark.parametrize("name", ["_dynsys_heav", "_dynsys_min", "_dynsys_max", "tanh", "pi"])
@pytest.mark.parametrize("role", ["parameter", "state"])
def test_internal_names_cannot_collide(name, role):
    x, a = sp.Symbol("x", real=True), sp.Symbol(name, real=True)
    extra = sp.Heaviside(x, 1) + sp.Max(x, 0) + sp.Min(x, 1) + sp.tanh(x) + sp.pi
    if role == "parameter":
        model = Model({x: -x + a * extra}, params={a: 0.5})
        got = compile(model).rhs(np.array([0.3]))[0]
    else:  # a is a state equal to 0.5 here
        model = Model({x: -x + (2 * a - 1 + 0.5) * extra, a: -a})
        got = compile(model).rhs(np.array([0.3, 0.5]))[0]
    value = 1 + 0.3 + 0.3 + np.tanh(0.3) + np.pi
    assert got == pytest.approx(-0.3 + 0.5 * value)
    tr = simulate(model, np.full(len(model.states), 0.3), 0.2, dt=0.1)
    assert np.all(np.isfinite(tr.final))


@pytest.mark.parametrize("name", ["_dynsys_heav", "_dynsys_min", "_dynsys_max"])
def test_internal_names_in_ode_text(name):
    text = f"par {name}=2\nx' = -x + {name} * (heav(x) + max(x, 0) + min(x, 1))\ndone\n"
    model = Model.from_text(text)
    assert name in model.param_names
    got = compile(model).rhs(np.array([0.25]))[0]
    assert got == pytest.approx(-0.25 + 2 * (1 + 0.25 + 0.25))


# ---------------------------------------------------- item 12: unstable fixed steps
def test_unstable_euler_step_warns_once_and_is_recorded():
    model = Model.from_text(STIFF)
    with pytest.warns(UnstableStepWarning, match=r"dt \* \|lambda\| = 100 > 2: Euler is "
                      r"unstable here.*use a smaller dt.*--method radau") as record:
        tr = simulate(model, [0.0], 1.0, dt=0.1)
    assert len([w for w in record if w.category is UnstableStepWarning]) == 1
    assert tr.diagnostics["warnings"][0].startswith("dt * |lambda| = 100 > 2")
    assert abs(tr.final[0, 0]) > 1e10  # the garbage the warning is about


def test_stable_euler_step_does_not_warn():
    model = Model.from_text(STIFF)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnstableStepWarning)
        tr = simulate(model, [0.0], 1.0, dt=0.001)
    assert "warnings" not in tr.diagnostics
    assert tr.final[0, 0] == pytest.approx(0.5411, abs=2e-3)


def test_instability_found_at_a_later_check_point():
    # lambda = -1 until t = 5, then -1000: dt |lambda| = 0.01, then 10
    model = Model.from_text("x' = -(1 + 999*heav(t-5))*x\ninit x=1\ndone\n")
    with pytest.warns(UnstableStepWarning) as record:
        tr = simulate(model, [1.0], 7.5, dt=0.01)
    (message,) = tr.diagnostics["warnings"]
    assert message.startswith("dt * |lambda| = 10 > 2") and "t = 6)" in message
    assert str(record[0].message) == message and abs(tr.final[0, 0]) > 1e100


def test_growth_of_the_solution_is_not_an_instability():
    assert unstable_step(lambda x, i, t: np.full((len(x), 1, 1), 1000.0),
                         np.zeros((1, 1)), 0.0, 0.1) is None
    # a fast oscillation is: |1 + i dt omega| > 1
    rot = np.array([[0.0, -100.0], [100.0, 0.0]])
    assert unstable_step(lambda x, i, t: np.broadcast_to(rot, (len(x), 2, 2)),
                         np.zeros((3, 2)), 0.0, 0.1) == (pytest.approx(10.0), 0)


@pytest.mark.parametrize(("method", "expected"), [
    ("euler", "dt * |lambda| = 100 > 2: Euler is unstable here (trajectory 0, t = 0); use a "
              "smaller dt (below 0.002) or --method radau"),
    ("rk4", "dt * |lambda| = 100 > 2.785: RK4 is unstable here (trajectory 0, t = 0); use a "
            "smaller dt (below 0.0028) or --method radau"),
])
def test_cli_shows_the_instability_as_one_warning_line(ode, method, expected):
    proc, _ = run_cli("simulate", ode(STIFF), "--t-end", "1", "--dt", "0.1",
                      "--method", method)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert lines == [f"warning: {expected}"]


def test_rk4_within_its_limit_does_not_warn():
    model = Model.from_text(STIFF)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnstableStepWarning)
        tr = simulate(model, [0.0], 1.0, dt=0.0025, method="rk4")  # dt |lambda| = 2.5
    assert "warnings" not in tr.diagnostics
    assert tr.final[0, 0] == pytest.approx(0.5411, abs=2e-3)
    with pytest.warns(UnstableStepWarning, match="> 2.785: RK4 is unstable"):
        tr = simulate(model, [0.0], 1.0, dt=0.003125, method="rk4")  # 3.125
    assert tr.diagnostics["warnings"]


# ----------------------------------------------------- item 8: Hopfield sweep sizes
def _limit_memory() -> None:  # runs in the child before exec: 1.5 GB of address space
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))


@pytest.mark.parametrize("call", [
    lambda: capacity_curve(64, 4, trials=10**12),
    lambda: scaling_curves([64, 128], [0.05], trials=10**12),
    lambda: error_correction_curve(64, 2, trials=10**12),
])
def test_huge_sweeps_are_refused_up_front(call):
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"trials = 1000000000000 .* about \S+e\+1\d "
                                         r"floating-point operations"):
        call()
    assert time.monotonic() - start < 1.0


def test_a_task_too_large_for_memory_is_refused():
    with pytest.raises(ModelError, match=r"N = 20000, P = 20000 needs about 6.4 GB"):
        capacity_curve(20000, patterns=[20000], trials=1)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is Linux's")
@pytest.mark.parametrize("command", ["capacity", "error-correction", "scaling"])
def test_huge_sweeps_are_refused_by_the_cli(command):
    proc, took = run_cli("hopfield", command, "--trials", "1000000000000", limit=60,
                         preexec_fn=_limit_memory)
    assert_one_error(proc, "trials = 1000000000000", "floating-point operations")
    assert took < 20


def test_sweeps_stream_their_tasks():
    drawn = []

    def tasks():
        for k in range(200):
            drawn.append(k)
            yield (k, 2)

    results = iter_tasks(pow, tasks(), window=4)
    assert next(results) == 0 and len(drawn) == 1  # serial: one task drawn per result
    assert sum(results) == sum(k * k for k in range(200))
    with ThreadPoolExecutor(2) as pool:
        drawn.clear()
        results = iter_tasks(pow, tasks(), pool, window=4)
        assert next(results) == 0 and len(drawn) <= 5  # at most `window` in flight
        assert list(results)[-1] == 199**2 and len(drawn) == 200


def test_streamed_curves_equal_the_listed_tasks():
    """The per-P tally of streamed results equals running the task list and grouping."""
    curve = capacity_curve(32, 3, trials=250, flip=0.2, rng=3)
    tasks = [(32, p, 0.2, min(100, 250 - s), RecallProtocol(), task_seed(3, p, c))
             for p in (1, 2, 3) for c, s in enumerate(range(0, 250, 100))]
    results = run_tasks(recall_trials, tasks)
    for point in curve.points:
        mine = [r for t, r in zip(tasks, results, strict=True) if t[1] == point.patterns]
        assert point.trials == 250
        assert point.successes == sum(r["exact"] for r in mine)
        assert point.overlap_successes == sum(r["overlap"] for r in mine)
        assert point.fixed_successes == sum(r["fixed"] for r in mine)


# ------------------------------------------------- item 10: Python API validation gaps
@pytest.fixture(scope="module")
def self_excitation():
    return load_model("self_excitation")


def load_mutual():
    return load_model("mutual_excitation")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rounds": -1}, "rounds must be an integer >= 0, got -1"),
    ({"rounds": 1.5}, "rounds must be an integer >= 0, got 1.5"),
    ({"grid": 1}, "grid must be an integer from 101 to 100000000, got 1"),
    ({"grid": 10**10}, "grid must be an integer from 101 to 100000000, got 10000000000"),
    ({"tol": -1}, "tol must be a positive finite number, got -1"),
    ({"tol": float("nan")}, "tol must be a positive finite number, got nan"),
    ({"tol": float("inf")}, "tol must be a positive finite number, got inf"),
    ({"max_iter": 0}, "max_iter must be an integer >= 1, got 0"),
    ({"sim_starts": -2}, "sim_starts must be an integer >= 0, got -2"),
])
def test_find_equilibria_refuses_meaningless_settings(self_excitation, kwargs, message):
    with pytest.raises(ModelError, match=re_escape(message)):
        find_equilibria(self_excitation, **kwargs)


def test_find_equilibria_accepts_the_edges(self_excitation):
    assert len(find_equilibria(self_excitation, grid=101)) == 3
    assert len(find_equilibria(load_mutual(), rounds=0)) == 3


@pytest.mark.parametrize("sigma", [math.inf, math.nan, 0.0, -1.0])
def test_kramers_refuses_a_meaningless_sigma(self_excitation, sigma):
    pot = potential(self_excitation)
    with pytest.raises(ModelError, match="sigma must be positive and finite"):
        kramers(pot, sigma)
    with pytest.raises(ModelError, match="sigma must be positive and finite"):
        kramers_time(1.0, 1.0, -1.0, [20.0, sigma])


@pytest.mark.parametrize(("rhs", "message"), [
    (lambda x: sp.Eq(x, 1), "must be an expression with a numeric value, got Equality"),
    (lambda x: sp.true, "must be an expression with a numeric value, got BooleanTrue"),
    (lambda x: x > 0, "must be an expression with a numeric value, got StrictGreaterThan"),
    (lambda x: -x + sp.Function("f")(x), "uses the undefined function f(x)"),
])
def test_model_refuses_non_expressions(rhs, message):
    x = sp.Symbol("x", real=True)
    with pytest.raises(ModelError, match=re_escape(f"equation for 'x' {message}")):
        Model({x: rhs(x)})
    with pytest.raises(ModelError, match=re_escape(f"aux 'a' {message}")):
        Model({x: -x}, aux={"a": rhs(x)})


def test_sizes_that_do_not_fit_in_memory_are_refused(self_excitation):
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"points = 10000000000 needs about 640 GB"):
        flux(self_excitation, points=10**10)
    with pytest.raises(ModelError, match="points must be an integer >= 2, got 1"):
        flux(self_excitation, points=1)
    mutual = load_mutual()
    eq = find_equilibria(mutual)
    with pytest.raises(ModelError, match=r"resolution = 100000 is 1e\+10 runs needing about"):
        basin_map(mutual, eq, resolution=10**5)
    with pytest.raises(ModelError, match="resolution must be an integer >= 2"):
        basin_map(mutual, eq, resolution=(10, 1))
    assert time.monotonic() - start < 30
