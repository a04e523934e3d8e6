"""Events (XPPAUT's ``global`` resets) and maps (``meth=discrete``, ``x(t+1)=``).

Reference values come from closed forms (the firing period of a leaky integrate-and-fire
neuron, the logistic map's fixed points and multipliers, a linear map solved by numpy)
and from the real XPPAUT (``xppaut FILE -silent``; skipped where it is absent).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dynsys import Model, simulate
from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.phase_plane import phase_plane
from dynsys.analysis.stability import Kind, classify_map
from dynsys.bifurcation.continuation import continue_equilibria
from dynsys.core.events import Event
from dynsys.core.symbols import symbols
from dynsys.errors import ModelError

DATA = Path(__file__).parent / "data" / "xpp"
XPPAUT = shutil.which("xppaut")
needs_xppaut = pytest.mark.skipif(XPPAUT is None, reason="xppaut is not installed "
                                  "(Debian: apt-get install xppaut)")

IAF = "v' = (I - v)/tau\npar I=1.5, tau=2\nglobal 1 {v-1} {v=0}\n"
#: The firing period of v' = (I - v)/tau from v = 0 to the threshold 1 (I > 1).
PERIOD = 2 * math.log(1.5 / (1.5 - 1))


def _events(tr: object, run: int = 0) -> np.ndarray:
    return np.array(tr.diagnostics["event_times"][run])  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- reading
def test_global_statements_are_read_as_xppaut_writes_them() -> None:
    m = Model.from_text("x' = 1\ny' = 0\npar b=2\n"
                        "global 1 x-1 {x=0}\n"  # bare condition
                        "g -1 {y - b} {y=0; b=b/2}\n")  # braces, abbreviation, a parameter
    v, y, b = symbols("x y b")
    assert m.events == (Event(1, v - 1, (("x", 0 * v),)),
                        Event(-1, y - b, (("y", 0 * v), ("b", b / 2))))
    assert Model.from_text(m.to_ode()) == m  # written back and read again
    assert "global 1 {x - 1} {x=0}" in m.to_ode()


def test_maps_are_read_in_both_forms_and_written_back() -> None:
    a = Model.from_text("x(t+1) = r*x*(1-x)\npar r=3\n")
    b = Model.from_text("x' = r*x*(1-x)\npar r=3\n@ meth=disc\n")  # XPPAUT's abbreviation
    assert a.discrete and b.discrete and a.rhs == b.rhs
    assert Model.from_text(a.to_ode()) == a
    assert "x_{n+1} &= r x_{n} \\left(1 - x_{n}\\right)" in a.latex()
    assert not Model.from_text("x' = -x\n").discrete


def test_event_validation() -> None:
    x = symbols("x")
    with pytest.raises(ModelError, match="neither a state nor a parameter"):
        Model({x: 1}, events=[Event(1, x - 1, (("z", 0 * x),))])
    with pytest.raises(ModelError, match="uses 'q'"):
        Model({x: 1}, events=[Event(1, x - symbols("q"), (("x", 0 * x),))])
    with pytest.raises(ModelError, match="sign must be -1, 0 or 1"):
        Event(2, x, (("x", 0 * x),))


# ----------------------------------------------------------------------------- events
@pytest.mark.parametrize(("method", "dt", "tol"), [
    ("rk4", 0.01, 1e-8), ("rk4", 0.05, 1e-6), ("dop853", 0.05, 1e-6), ("rk45", 0.05, 1e-6)])
def test_integrate_and_fire_period_is_the_closed_form(method: str, dt: float, tol: float
                                                      ) -> None:
    tr = simulate(Model.from_text(IAF), [0.0], 20.0, dt=dt, method=method)
    times = _events(tr)
    assert tr.diagnostics["events"] == (int(20 // PERIOD),)
    np.testing.assert_allclose(times, PERIOD * np.arange(1, len(times) + 1), rtol=0, atol=tol)
    # between spikes the state is the closed form from the last reset
    t = tr.t[(tr.t > times[2]) & (tr.t < times[3])]
    v = tr.states[0, (tr.t > times[2]) & (tr.t < times[3]), 0]
    np.testing.assert_allclose(v, 1.5 * (1 - np.exp(-(t - times[2]) / 2)), atol=tol)


def test_euler_root_is_the_linear_rule() -> None:
    """Euler's partial step is linear in its length, so locating the root along it is
    XPPAUT's linear interpolation: the two rules must agree to the stated tolerance."""
    m = Model.from_text(IAF)
    root = simulate(m, [0.0], 20.0, dt=0.05, method="euler")
    linear = simulate(m, [0.0], 20.0, dt=0.05, method="euler", locate="linear")
    np.testing.assert_allclose(_events(root), _events(linear), atol=1e-9)


def test_event_time_is_located_to_the_stated_tolerance() -> None:
    # a clock: RK4 is exact, so the event times are exact multiples of 0.737
    m = Model.from_text("x' = 1\nn' = 0\nglobal 1 {x-0.737} {x=0; n=n+1}\n")
    tr = simulate(m, [0.0, 0.0], 10.0, dt=0.1, method="rk4")
    k = np.arange(1, 14)
    np.testing.assert_allclose(_events(tr), 0.737 * k, atol=1e-12 * 0.1 * 14)
    assert tr.final[0, 1] == 13
    np.testing.assert_allclose(tr.final[0, 0], 10.0 - 0.737 * 13, atol=1e-11)


def test_assignments_are_sequential_for_states_and_delayed_for_parameters() -> None:
    """XPPAUT (flags.c, checked with xppaut 6.11): {x=0; y=y+x+10} sees the new x;
    {a=5; y=a} sees the old a, which then holds for the rest of the run."""
    m = Model.from_text("x' = 1\ny' = 0\nglobal 1 {x-1.01} {x=0; y=y+x+10}\n")
    tr = simulate(m, [0.0, 0.0], 1.5, dt=0.05, method="rk4")
    assert tr.final[0, 1] == 10.0
    m = Model.from_text("x' = 1\ny' = a\npar a=1\nglobal 1 {x-1.01} {a=5; y=a}\n")
    tr = simulate(m, [0.0, 0.0], 1.2, dt=0.05, method="rk4")
    np.testing.assert_allclose(tr.final[0, 1], 1.0 + 5 * (1.2 - 1.01), atol=1e-9)
    assert tr.params["a"] == 1.0 and tr.diagnostics["final_params"][0]["a"] == 5.0


def test_falling_crossings_and_cascades() -> None:
    # sign -1 fires on the way down only; the reset of x makes y cross: a cascade
    m = Model.from_text("x' = -1\ny' = 0\nz' = 0\n"
                        "global -1 {x} {x=2; y=y+1}\nglobal 1 {y-0.5} {z=z+1}\n")
    tr = simulate(m, [1.0, 0.0, 0.0], 4.5, dt=0.1, method="rk4")
    np.testing.assert_allclose(_events(tr), [1.0, 1.0, 3.0], atol=1e-9)
    assert tr.diagnostics["event_index"] == ((0, 1, 0),)
    np.testing.assert_allclose(tr.final[0], [0.5, 2.0, 1.0], atol=1e-9)


def test_batches_of_runs_fire_independently() -> None:
    m = Model.from_text(IAF)
    tr = simulate(m, [[0.0], [0.5]], 10.0, dt=0.01, method="rk4")
    first = 2 * math.log((1.5 - 0.5) / (1.5 - 1))  # from v = 0.5 to the threshold
    np.testing.assert_allclose(_events(tr, 0), PERIOD * np.arange(1, 5), atol=1e-8)
    np.testing.assert_allclose(_events(tr, 1), first + PERIOD * np.arange(4), atol=1e-8)


# ----------------------------------------------------------------------------- maps
def test_logistic_map_iterates_like_the_recursion() -> None:
    m = Model.from_text("x(t+1) = r*x*(1-x)\npar r=2.9\n")
    tr = simulate(m, [0.2], 30.7, dt=0.001)  # dt is ignored, total truncated (XPPAUT)
    x, expected = 0.2, [0.2]
    for _ in range(30):
        x = 2.9 * x * (1 - x)
        expected.append(x)
    np.testing.assert_allclose(tr.states[0, :, 0], expected, rtol=1e-14)
    assert tr.t.tolist() == list(range(31)) and tr.method == "map"


@pytest.mark.parametrize("r", [2.5, 3.2])
def test_logistic_fixed_points_and_multipliers(r: float) -> None:
    m = Model.from_text(f"x(t+1) = r*x*(1-x)\npar r={r}\n")
    eq = find_equilibria(m, region={"x": (-0.5, 1.5)})
    assert eq.is_map and len(eq) == 2
    np.testing.assert_allclose([e.state[0] for e in eq], [0.0, 1 - 1 / r], atol=1e-12)
    np.testing.assert_allclose([e.eigenvalues[0].real for e in eq], [r, 2 - r], atol=1e-9)
    assert eq[0].kind is Kind.MAP_UNSTABLE and not eq[0].stable
    if r < 3:
        assert eq[1].kind is Kind.MAP_STABLE and eq[1].stable
    else:
        assert eq[1].kind is Kind.MAP_FLIP_UNSTABLE and not eq[1].stable
    assert "fixed points of the map" in eq.summary() and "multipliers" in eq.summary()


def test_linear_map_fixed_point_and_multipliers() -> None:
    a = np.array([[0.5, 0.2], [-0.3, 1.5]])
    c = np.array([1.0, -2.0])
    m = Model.from_text(f"x' = {a[0, 0]}*x + {a[0, 1]}*y + {c[0]}\n"
                        f"y' = {a[1, 0]}*x + {a[1, 1]}*y + ({c[1]})\n@ meth=discrete\n")
    eq = find_equilibria(m, region={"x": (-20, 20), "y": (-20, 20)})
    assert len(eq) == 1
    np.testing.assert_allclose(eq[0].state, np.linalg.solve(np.eye(2) - a, c), atol=1e-10)
    mu = np.sort(np.linalg.eigvals(a).real)[::-1]
    np.testing.assert_allclose(eq[0].eigenvalues.real, mu, atol=1e-10)
    assert eq[0].kind is Kind.MAP_SADDLE  # 1.436 and 0.564
    assert eq[0].unstable_dimension == 1


def test_map_classification_rule() -> None:
    assert classify_map([0.9j, -0.9j]) is Kind.MAP_STABLE
    assert classify_map([1.1, 1.2]) is Kind.MAP_UNSTABLE
    assert classify_map([-1.5, 0.5]) is Kind.MAP_FLIP_SADDLE
    assert classify_map([-1.0, 0.5]) is Kind.MAP_NON_HYPERBOLIC
    assert classify_map([0.6 + 0.8j, 0.6 - 0.8j]) is Kind.MAP_NON_HYPERBOLIC  # |mu| = 1


# ----------------------------------------------------------------------------- refusals
def test_analyses_of_hybrid_models_and_maps_refuse_by_name() -> None:
    iaf = Model.from_text(IAF, name="iaf")
    for call in (lambda: find_equilibria(iaf, region={"v": (0, 2)}),
                 lambda: continue_equilibria(iaf, "I", [0.5], (1.0, 2.0))):
        with pytest.raises(ModelError, match=r"iaf has 'global' events .*use simulate"):
            call()
    logistic = Model.from_text("x(t+1) = r*x*(1-x)\npar r=2\n", name="lg")
    with pytest.raises(ModelError, match="lg is a map"):
        continue_equilibria(logistic, "r", [0.5], (1.0, 2.0))
    two = Model.from_text("x(t+1) = y\ny(t+1) = x\n", name="swap")
    with pytest.raises(ModelError, match="swap is a map"):
        phase_plane(two, region={"x": (0, 1), "y": (0, 1)})
    with pytest.raises(ModelError, match="iterated, not integrated"):
        simulate(logistic, [0.1], 5, method="rk4")
    with pytest.raises(ModelError, match=r"noise .* not supported in a model with events"):
        simulate(iaf, [0.0], 1.0, dt=0.1, sigma=0.1)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dynsys.cli", *args], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)


def test_cli_simulate_and_analyze() -> None:
    run = _cli("simulate", str(DATA / "iaf_adapt.ode"))
    assert run.returncode == 0, run.stderr
    assert "events ('global' resets), located by root" in run.stdout
    run = _cli("simulate", str(DATA / "logistic_map.ode"), "--dt", "0.1")
    assert run.returncode == 2 and run.stderr.startswith("error: logistic_map is a map")
    run = _cli("simulate", str(DATA / "logistic_map.ode"))
    assert "map iteration x(n+1) = F(x(n)), 60 iterations" in run.stdout
    run = _cli("analyze", str(DATA / "logistic_map.ode"))
    assert run.returncode == 0 and "unstable fixed point (map, flip)" in run.stdout
    run = _cli("analyze", str(DATA / "iaf_adapt.ode"))
    assert run.returncode == 2 and "has 'global' events" in run.stderr


# ----------------------------------------------------------------------------- XPPAUT
def _xppaut(folder: Path, text: str) -> np.ndarray:
    (folder / "model.ode").write_text(text)
    subprocess.run([XPPAUT, "model.ode", "-silent"], cwd=folder, capture_output=True,
                   timeout=60, stdin=subprocess.DEVNULL, check=False)
    return np.atleast_2d(np.loadtxt(folder / "output.dat"))


def _ours(text: str) -> np.ndarray:
    m = Model.from_text(text)
    total = m.options.get("total", 20.0)
    if m.discrete:
        tr = simulate(m, m.initial_state(), total, method="map")
    else:
        tr = simulate(m, m.initial_state(), total, dt=m.options.get("dt", 0.05),
                      method="rk4", locate="linear")
    return np.column_stack([tr.t, tr.states[0]])


@needs_xppaut
@pytest.mark.parametrize("name", ["iaf_adapt", "tyson_cycle", "logistic_map",
                                  "delayed_logistic"])
def test_files_match_xppaut(tmp_path: Path, name: str) -> None:
    text = (DATA / f"{name}.ode").read_text()
    theirs, ours = _xppaut(tmp_path, text), _ours(text)
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(ours, theirs, rtol=2e-7, atol=2e-7)  # float32 print


@needs_xppaut
def test_event_semantics_match_xppaut(tmp_path: Path) -> None:
    for text in ("x' = 1\ny' = a\npar a=1\nglobal 1 {x-1.01} {a=5; y=a}\n@ total=1.5\n",
                 "x' = 1\ny' = 0\nglobal 1 {x-1.01} {x=0; y=y+x+10}\n@ total=3\n",
                 "x' = -1\ny' = 0\nz' = 0\nglobal -1 {x-0.01} {x=2; y=y+1}\n"
                 "global 1 {y-0.5} {z=z+1}\n@ total=4.5\n"):
        np.testing.assert_allclose(_ours(text), _xppaut(tmp_path, text), rtol=2e-7,
                                   atol=2e-7)
