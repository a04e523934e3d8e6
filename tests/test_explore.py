"""``dynsys explore`` without a browser: the app's model, its views, the server, the CLI.

Reference values are closed forms (DESIGN.md) or independent library calls with their own
defaults (the explorer's live search is coarser and must still find the same points).
"""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import numpy as np
import pytest

pytest.importorskip("bokeh", reason="bokeh is not installed (pip install 'dynsys[explore]')")

from bokeh.document import Document
from bokeh.models import Div

from dynsys import cli
from dynsys.analysis.equilibria import find_equilibria
from dynsys.analysis.simulate import simulate
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.symbols import symbols
from dynsys.errors import DynsysError, ModelError
from dynsys.explore import app, explore, plane_indices
from dynsys.explore._widgets import show_error
from dynsys.explore._worker import LatestWorker
from dynsys.explore.branches import branch_columns
from dynsys.explore.flux import flux_columns, time_course
from dynsys.explore.hopfield import grid_columns, recall_run
from dynsys.explore.plane import plane_view, table_html
from dynsys.explore.series import MAX_DRAWN, series_columns
from dynsys.explore.state import PlaneState, param_specs
from dynsys.hopfield.patterns import flip_bits

FOLDS = (-10 - (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5))),
         -10 + (4 * math.sqrt(5) - 2 * math.log(2 + math.sqrt(5))))


def _sorted_states(eq) -> np.ndarray:
    return np.array(sorted(tuple(e.state) for e in eq))


@pytest.mark.parametrize("name, param, value", [
    ("mutual_excitation", "I", -6.0),
    ("mutual_excitation", "w1", 0.3),
    ("fitzhugh_nagumo", "I", 0.2),
    ("wilson_cowan", "P", 0.5),
])
def test_moving_a_parameter_gives_the_equilibria_of_find_equilibria(name, param, value):
    model = load_model(name)
    st = PlaneState(model)
    st.set_param(param, value)
    data = st.analyse()
    ref = find_equilibria(model, {**model.params, param: value})  # the library's defaults
    got = np.column_stack([data["equilibria"]["x"], data["equilibria"]["y"]])
    assert len(got) == len(ref)
    np.testing.assert_allclose(np.array(sorted(map(tuple, got))), _sorted_states(ref),
                               atol=1e-8)
    assert sorted(data["equilibria"]["kind"]) == sorted(e.kind.value for e in ref)
    assert [r["kind"] for r in data["table"]] == data["equilibria"]["kind"]


def test_mutual_excitation_at_its_reference_values():
    st = PlaneState(load_model("mutual_excitation"))
    data = st.analyse()
    saddle = data["equilibria"]["kind"].index("saddle")
    assert data["equilibria"]["x"][saddle] == pytest.approx(25.0, abs=1e-9)
    assert data["equilibria"]["marker"][saddle] == "x"
    assert data["table"][saddle]["eigenvalues"] == "4, -6"  # exactly 4 and -6
    # the saddle's stable manifold is the anti-diagonal x + y = 50 (symmetry)
    for xs, ys in zip(data["separatrices"]["xs"], data["separatrices"]["ys"], strict=True):
        np.testing.assert_allclose(np.add(xs, ys), 50.0, atol=1e-3)
    assert {"x", "y"} == set(data["nullclines"]["state"])
    assert len(data["field"]["x0"]) > 100
    assert "\\toprule" in st.latex() and "saddle" in st.latex()


def test_a_tap_adds_the_trajectory_simulate_gives():
    model = load_model("mutual_excitation")
    st = PlaneState(model)
    st.set_param("I", -8.0)
    run = st.tap(12.0, 40.0)
    ref = simulate(model, [12.0, 40.0], 20.0, dt=0.1, params={**model.params, "I": -8.0},
                   sigma=0.0)  # the model's own dt and total
    np.testing.assert_allclose(run["x"], ref.states[0, :, 0], rtol=1e-12)
    np.testing.assert_allclose(run["y"], ref.states[0, :, 1], rtol=1e-12)
    np.testing.assert_allclose(run["t"], ref.t)
    assert len(st.trajectories) == 1
    st.clear()
    assert st.trajectories == []


def test_noisy_taps_are_euler_maruyama_runs_that_replay_from_their_seed():
    model = load_model("mutual_excitation")
    st = PlaneState(model, seed=7)
    st.set_sigma(5.0)
    a, b = st.tap(25.0, 25.0), st.tap(25.0, 25.0)
    assert a["seed"] == 7 and b["seed"] == 8 and a["x"] != b["x"]
    ref = simulate(model, [25.0, 25.0], 20.0, dt=0.1, sigma=5.0, rng=7)
    np.testing.assert_allclose(a["x"], ref.states[0, :, 0], rtol=1e-12)
    assert a["method"] == "euler-maruyama"


def test_bad_input_is_refused_by_name():
    st = PlaneState(load_model("mutual_excitation"))
    with pytest.raises(ModelError, match="unknown parameter 'J'"):
        st.set_param("J", 1.0)
    with pytest.raises(ModelError, match="finite"):
        st.set_param("I", float("nan"))
    with pytest.raises(ModelError, match="sigma"):
        st.set_sigma(-1)
    with pytest.raises(ModelError, match="not a state"):
        plane_indices(load_model("wilson_cowan"), ["E", "x"])


def _three_states() -> Model:
    x, y, z, a = symbols("x y z a")
    return Model({x: -x + a, y: -2 * y + x, z: -z}, params={a: 1.0}, name="chain",
                 region={x: (-3, 3), y: (-3, 3), z: (-3, 3)})


def test_a_model_with_three_states_is_projected_on_the_chosen_plane():
    st = PlaneState(_three_states(), plane=plane_indices(_three_states(), ["x", "y"]))
    data = st.analyse()
    assert st.projected
    assert data["equilibria"]["x"] == pytest.approx([1.0]) and \
        data["equilibria"]["y"] == pytest.approx([0.5])  # x = a, y = x / 2
    assert data["nullclines"]["xs"] == []
    run = st.tap(0.0, 0.0)
    assert len(run["states"][0]) == 3


def test_swapped_axes_swap_every_layer():
    model = load_model("fitzhugh_nagumo")
    a = PlaneState(model).analyse()
    b = PlaneState(model, plane=plane_indices(model, ["w", "v"])).analyse()
    assert b["equilibria"]["x"] == a["equilibria"]["y"]
    assert b["nullclines"]["xs"] == a["nullclines"]["ys"]
    assert b["field"]["x1"] == a["field"]["y1"]


def test_the_hopfield_page_flips_corrupts_and_recalls():
    from bokeh.events import ButtonClick, Tap

    doc = Document()
    application = app("hopfield")
    application.initialize_document(doc)
    cells = doc.get_model_by_name("probe-cells")
    before = list(cells.data["color"])
    probe = doc.get_model_by_name("probe")
    probe._trigger_event(Tap(probe, x=0.5, y=7.5))  # the top-left pixel
    after = cells.data["color"]
    assert [k for k in range(64) if after[k] != before[k]] == [0]
    button = doc.get_model_by_name("corrupt")
    button._trigger_event(ButtonClick(button))
    flipped = sum(c != p for c, p in zip(cells.data["color"], grid_columns(
        load_model("hopfield").patterns[0], (8, 8))["color"], strict=True))
    assert flipped == 19  # round(0.3 * 64)
    assert "probe overlaps" in doc.get_model_by_name("status").text


def test_branch_columns_find_the_closed_form_folds():
    cols = branch_columns(load_model("mutual_excitation"), "I", (-20.0, 0.0),
                          {"w1": 0.4, "w2": 0.4, "I": -10.0})
    assert sorted(cols["points"]["label"]) == ["LP", "LP"]
    np.testing.assert_allclose(sorted(cols["points"]["x"]), FOLDS, atol=1e-6)
    assert cols["stable"]["xs"] and cols["unstable"]["xs"]


def test_cycle_envelopes_of_fitzhugh_nagumo_match_a_long_run_and_split_by_stability():
    model = load_model("fitzhugh_nagumo")
    cols = branch_columns(model, "I", (0.0, 1.0), {"I": 0.5, "a": 0.7, "b": 0.8, "eps": 0.08})
    # Hopf where the trace 1 - v^2 - eps b vanishes: v = -sqrt(1 - 0.064), and I from
    # v - v^3/3 - w + I = 0 with w = (v + a) / b
    v_h = -math.sqrt(1 - 0.08 * 0.8)
    i_h = (v_h + 0.7) / 0.8 - v_h + v_h**3 / 3
    k = cols["points"]["label"].index("H")
    assert (cols["points"]["x"][k], cols["points"]["y"][k]) == pytest.approx((i_h, v_h),
                                                                              abs=1e-6)
    cyc = cols["cycles"]
    assert len(cyc["xs"]) == len(cyc["ys"]) == len(cyc["stable"])
    assert True in cyc["stable"] and False in cyc["stable"]  # subcritical: LPC turns it
    # the stable orbit's max and min of v at I = 0.5, against an independent long run
    tr = simulate(model, [-1.0, 1.0], 300.0, dt=0.02, params={"I": 0.5}, sigma=0.0,
                  method="dop853")
    v = tr.states[0, len(tr.t) // 2:, 0]
    at = []
    for xs, ys, st in zip(cyc["xs"], cyc["ys"], cyc["stable"], strict=True):
        order = np.argsort(xs)
        if st and xs[order[0]] <= 0.5 <= xs[order[-1]]:
            at.append(float(np.interp(0.5, np.asarray(xs)[order], np.asarray(ys)[order])))
    assert sorted(at) == pytest.approx([v.min(), v.max()], abs=5e-3)


def test_a_big_network_draws_a_dozen_time_courses_and_elides_its_names():
    names = symbols(" ".join(f"u{k}" for k in range(20)))
    a = symbols("a")
    model = Model({u: -u + a for u in names}, params={a: 1.0}, name="many")
    cols = series_columns(model, {"a": 1.0})
    assert cols["state"] == [f"u{k}" for k in range(MAX_DRAWN)]
    # from rest, Euler with the default dt 0.05: u_n = 1 - (1 - dt)^n
    n = np.arange(len(cols["xs"][0]))
    np.testing.assert_allclose(cols["ys"][5], 1 - 0.95**n, rtol=1e-12, atol=1e-12)
    doc = Document()
    app(model).initialize_document(doc)
    note = doc.get_model_by_name("note").text
    assert "u0, u1" in note and "..., u18, u19" in note and "u10" not in note
    assert f"first {MAX_DRAWN}" in note


def test_flux_view_data_match_the_closed_form():
    model = load_model("self_excitation")
    cols = flux_columns(model, {"w": 0.05, "I": -3.0})
    np.testing.assert_allclose(sorted(cols["equilibria"]["x"]),
                               [0.305908292842, 60.0, 119.694091707], atol=1e-8)
    run = time_course(model, {"w": 0.05, "I": -3.0}, 59.0)
    i = run["t"].index(pytest.approx(2.0))
    assert run["x"][i] == pytest.approx(33.6544, abs=1e-4)  # Euler from 59, DESIGN.md


def test_a_noisy_time_course_is_the_euler_maruyama_recursion_of_its_seed():
    model = load_model("self_excitation")
    p = {"w": 0.05, "I": -3.0}
    run = time_course(model, p, 59.0, sigma=3.0, seed=7)
    assert (run["method"], run["seed"], run["sigma"], run["dt"]) == ("euler-maruyama", 7,
                                                                     3.0, 0.1)
    # independent: r <- r + dt (-r + 60 (1 + tanh(w r + I))) + sigma sqrt(dt) z, one
    # standard normal per step from the seed's Generator
    rng, r, ref = np.random.default_rng(7), 59.0, [59.0]
    for _ in range(len(run["t"]) - 1):
        z = rng.standard_normal((1, 1))[0, 0]
        r = r + 0.1 * (-r + 60 * (1 + math.tanh(0.05 * r - 3.0))) + 3.0 * math.sqrt(0.1) * z
        ref.append(r)
    np.testing.assert_allclose(run["x"], ref, rtol=1e-12, atol=1e-9)
    quiet = time_course(model, p, 59.0)
    assert quiet["method"] == "euler" and quiet["x"] != run["x"]
    with pytest.raises(ModelError, match="sigma"):
        time_course(model, p, 59.0, sigma=-1.0, seed=0)


def test_the_flux_page_runs_noisy_taps_with_successive_seeds():
    from bokeh.events import Tap

    model = load_model("self_excitation")
    doc = Document()
    app(model).initialize_document(doc)
    fig, runs = doc.get_model_by_name("flux"), doc.get_model_by_name("runs")
    doc.get_model_by_name("sigma").value = 2.0
    for x in (59.0, 61.0):
        fig._trigger_event(Tap(fig, x=x, y=0.0))
    assert len(runs.data["xs"]) == 2
    p = dict(zip((str(k) for k in model.params), (float(v) for v in model.params.values()),
                 strict=True))
    second = time_course(model, p, 61.0, sigma=2.0, seed=1)
    np.testing.assert_allclose(runs.data["ys"][1], second["x"], rtol=1e-12)
    assert "Euler-Maruyama" in doc.get_model_by_name("timecourses").title.text
    assert "seed 1" in doc.get_model_by_name("timecourses").title.text


def test_hopfield_recall_lowers_the_energy_and_finds_the_pattern():
    net = load_model("hopfield").replace(sigma=0.0)
    probe = flip_bits(net.patterns[1], 0.3, rng=3)
    res = recall_run(net, probe, seed=0)
    assert np.all(np.diff(res["energy"]) <= 1e-9)
    assert res["overlaps"][-1, 1] == pytest.approx(1.0)
    cells = grid_columns(net.patterns[0], (8, 8))
    assert len(cells["color"]) == 64 and set(cells["color"]) == {"#000000", "#FFFFFF"}


def test_latest_worker_collapses_requests_and_delivers_errors():
    calls, got = [], []
    gate = threading.Event()

    def job():
        calls.append(1)
        gate.wait(5)
        if len(calls) == 2:
            raise ModelError("boom")
        return len(calls)

    w = LatestWorker(lambda fn: fn(), job, got.append)
    for _ in range(20):
        w.request()
    gate.set()
    assert w.wait(10)
    assert len(calls) == 2  # the first run, then one rerun for the 19 that came meanwhile
    assert got[0] == 1 and isinstance(got[1], ModelError)


def test_errors_show_in_the_page_as_one_line():
    div = Div()
    show_error(div, ModelError("no convergence\nsecond line"))
    assert "no convergence" in div.text and "second line" not in div.text
    show_error(div, None, "3 equilibria")
    assert div.text == "3 equilibria"
    assert "no equilibrium" in table_html([])


def test_the_plane_view_builds_its_document_and_analyses():
    doc = Document()
    st = PlaneState(load_model("mutual_excitation"))
    plane_view(doc, st)
    names = {m.name for m in doc.models if m.name}
    assert {"phase", "equilibria", "nullclines", "trajectories", "eq-table", "slider-I",
            "value-I", "sigma", "clear", "latex-download", "latex", "bifurcation"} <= names
    for w in doc.explore_workers:
        assert w.wait(60)


def _deliver(doc: Document) -> None:
    """Wait for the page's background work and run what it handed to the document thread."""
    for w in doc.explore_workers:
        assert w.wait(60)
    for cb in list(doc.session_callbacks):
        doc.remove_next_tick_callback(cb)
        cb.callback()


def test_a_slider_move_in_the_page_redraws_the_table_with_the_new_equilibria():
    doc = Document()
    model = load_model("mutual_excitation")
    plane_view(doc, PlaneState(model))
    _deliver(doc)
    before = doc.get_model_by_name("eq-table").text
    assert "x = 25, y = 25" in before
    doc.get_model_by_name("slider-I").value = -6.0  # as a drag in the browser sets it
    assert doc.get_model_by_name("value-I").value == "-6"
    _deliver(doc)
    ref = find_equilibria(model, {"I": -6.0})
    after = doc.get_model_by_name("eq-table").text
    assert after != before and after.count("<tr>") == len(ref) + 1
    saddle = next(e for e in ref if e.kind.value == "saddle")
    assert f"x = {saddle.state[0]:.6g}" in after
    doc.get_model_by_name("value-I").value = "-30"  # an exact value beyond the range
    assert doc.get_model_by_name("slider-I").start == -30.0


def test_an_analysis_error_shows_in_the_page_and_the_next_update_works():
    class Failing(PlaneState):
        fail = True

        def updates(self):
            if self.fail:
                raise ModelError("Newton gave up near (1, 2)")
            return super().updates()

    doc = Document()
    st = Failing(load_model("mutual_excitation"))
    plane_view(doc, st)
    _deliver(doc)
    status = doc.get_model_by_name("status")
    assert "analysis failed" in status.text and "Newton gave up" in status.text
    Failing.fail = False
    doc.get_model_by_name("slider-I").value = -9.0
    _deliver(doc)
    assert "3 equilibria at" in status.text


@pytest.mark.parametrize("model", ["self_excitation", "hopfield", "chain"])
def test_every_kind_of_model_gets_a_page(model):
    application = app(_three_states() if model == "chain" else model)
    doc = Document()
    application.initialize_document(doc)
    assert doc.get_model_by_name("explorer") is not None


def test_param_specs_are_plus_minus_half():
    (s,) = param_specs(["w"], [0.4])
    assert (s.start, s.end) == pytest.approx((0.2, 0.6))


def test_server_serves_the_app_at_the_root_and_stops():
    running = explore("mutual_excitation", open_browser=False)
    try:
        page = urllib.request.urlopen(running.url, timeout=30).read().decode()
        assert running.url.startswith("http://127.0.0.1:") and "bokeh" in page.lower()
    finally:
        running.stop()
    assert not running._thread.is_alive()


def test_dynsys_explore_is_callable_as_the_issue_spells_it():
    import dynsys
    running = dynsys.explore("self_excitation", open_browser=False)
    try:
        page = urllib.request.urlopen(running.url, timeout=30).read().decode()
        assert "bokeh" in page.lower()
    finally:
        running.stop()


def test_the_table_cells_are_padded_apart():
    row = {"state": "x = 1, y = 2", "eigenvalues": "-1, -2", "kind": "stable node"}
    html_text = table_html([row])
    assert html_text.count("padding") == 6  # three headers, three cells: no run-together columns


def test_a_port_in_use_is_one_error_line(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(DynsysError, match=f"port {port} .* in use"):
            explore("mutual_excitation", port=port, open_browser=False)
        assert cli.main(["explore", "mutual_excitation", "--no-browser",
                         "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: port") and err.count("\n") == 1


def test_without_bokeh_the_command_says_what_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "bokeh" else real(name, *a))
    assert cli.main(["explore", "mutual_excitation", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'dynsys[explore]'" in err


@pytest.mark.slow  # a real process: ~5 s of start-up (sympy, Bokeh), then Ctrl-C
def test_ctrl_c_stops_the_command_cleanly():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dynsys.cli", "explore", "mutual_excitation",
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        assert urllib.request.urlopen(url, timeout=30).status == 200
        proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=15)
        assert time.monotonic() - t0 < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
