"""`dynsys simulate`: formats, defaults, negative values, figures, errors."""

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynsys.analysis.simulate import Adaptive, simulate
from dynsys.cli import main
from dynsys.core.loading import load_model
from dynsys.plots.timeseries import plot_timeseries


def run(capsys, *argv):
    status = main(["simulate", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_text_summary_defaults_to_the_model_init_and_total(capsys):
    status, out, _ = run(capsys, "mutual_excitation")
    assert status == 0
    assert "euler, dt = 0.1, 200 steps, t = 0 -> 20" in out
    assert "(45, 45) -> (49.9977, 49.9977)" in out


def test_json_has_the_documented_keys(capsys):
    status, out, _ = run(capsys, "self_excitation", "--x0", "59", "--x0", "61", "--t-end", "2",
                         "--json")
    assert status == 0
    data = json.loads(out)
    assert {"model", "params", "t", "trajectories", "state_names", "method", "dt", "sigma",
            "seed"} <= set(data)
    assert data["model"] == "self_excitation" and data["params"] == {"w": 0.05, "I": -3.0}
    assert len(data["t"]) == 21 and np.shape(data["trajectories"]) == (2, 21, 1)
    assert round(data["trajectories"][0][-1][0], 4) == 33.6544


def test_csv_negative_x0_set_and_noise_with_seed(capsys, tmp_path):
    argv = ["fitzhugh_nagumo", "--x0", "-1.2,-0.6", "--t-end", "1", "--dt", "0.1",
            "--set", "I=-0.5",
            "--sigma", "0.1", "--trials", "2", "--seed", "4", "--format", "csv"]
    status, out, _ = run(capsys, *argv)
    assert status == 0
    lines = out.strip().splitlines()
    assert lines[0] == "run,t,v,w" and len(lines) == 1 + 2 * 11
    assert lines[1] == "0,0.0,-1.2,-0.6"
    tr = simulate(load_model("fitzhugh_nagumo"), [-1.2, -0.6], 1.0, params={"I": -0.5},
                  sigma=0.1, trials=2, rng=4)
    last = [float(v) for v in lines[-1].split(",")]
    assert last[0] == 1 and last[2:] == pytest.approx(tr.final[1].tolist(), rel=1e-15)
    target = tmp_path / "out.csv"
    assert main(["simulate", *argv, "--out", str(target)]) == 0
    assert target.read_text().strip().splitlines() == lines


def test_rk45_and_plot_file(capsys, tmp_path):
    fig_path = tmp_path / "ts.png"
    status, out, _ = run(capsys, "mutual_excitation", "--x0", "45,45", "--x0", "5,5",
                         "--method", "rk45", "--t-end", "10", "--plot", str(fig_path))
    assert status == 0 and "rk45" in out
    assert fig_path.stat().st_size > 1000
    assert fig_path.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mutual_excitation", "--x0", "1,2,3"], "3 value(s); 2 needed"),
        (["mutual_excitation", "--dt", "-0.1"], "dt must be positive"),
        (["mutual_excitation", "--t-end", "0"], "t_end must be finite and greater"),
        (["mutual_excitation", "--t-end", "-5"], "t_end must be finite and greater"),
        (["mutual_excitation", "--set", "J=1"], "'J' is not a parameter"),
        (["mutual_excitation", "--method", "rk45", "--sigma", "1"], "cannot add noise"),
        (["mutual_excitation", "--x0", "a,b"], "must be a number"),
        (["mutual_excitation", "--trials", "0"], "trials must be a positive integer"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_plot_timeseries_panels_and_given_axes():
    tr = simulate(load_model("mutual_excitation"), [[45.0, 45.0], [5.0, 5.0]], 2.0,
                  sigma=1.0, trials=3, rng=0)
    fig = plot_timeseries(tr)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 6 and fig.axes[1].get_ylabel() == "y (spikes/s)"
    assert len(fig.axes[0].get_legend().get_texts()) == 2
    fig2 = Figure()
    ax = fig2.add_subplot()
    assert plot_timeseries(tr, ax=ax, states=["y"], unit=None) is fig2
    assert ax.get_ylabel() == "y" and len(ax.lines) == 6
    few = plot_timeseries(tr, max_runs=2)
    assert "2 of 6 runs shown" in few.axes[0].get_title()


def test_declared_noise_dt_and_method_are_the_defaults(capsys, tmp_path):
    """The CLI does what simulate() does: the model's wiener noise (Euler-Maruyama), its
    @ dt; --sigma 0 switches the noise off (then XPPAUT's RK4 for an .ode file); the text
    says where each setting came from (issue 13, items 8 and 9)."""
    path = tmp_path / "noisy.ode"
    path.write_text("x' = -x\nwiener w\ny' = -y + 0.5*w\n@ dt=0.01, total=1\n")
    status, out, _ = run(capsys, str(path), "--seed", "1", "--trials", "3", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["method"] == "euler-maruyama" and data["dt"] == 0.01
    assert data["sigma"] == [0.0, 0.5]
    finals = [tuple(r[-1]) for r in data["trajectories"]]
    assert len(set(finals)) == 3  # three different noise realisations
    api = simulate(load_model(path), [0.0, 0.0], 1.0, dt=0.01, trials=3, rng=1)
    assert np.allclose([r[-1] for r in data["trajectories"]], api.final)
    status, out, _ = run(capsys, str(path), "--sigma", "0")
    assert status == 0 and "rk4, dt = 0.01" in out
    assert "settings from: dt: the model's dt option; sigma: --sigma; method: XPPAUT's" in out
    status, out, _ = run(capsys, str(path), "--sigma", "0.1,0.2", "--seed", "2")
    assert status == 0 and "sigma: 0.1, 0.2" in out


def test_aux_trans_and_tolerances(capsys, tmp_path):
    """aux quantities follow the states in CSV and JSON, as XPPAUT writes them; the
    file's trans leaves earlier times out; --rtol/--atol reach the adaptive method and
    are refused for a fixed step (issue 11, item 6)."""
    path = tmp_path / "tr.ode"
    path.write_text("x' = -x\naux y = 2*x\ninit x=1\n@ trans=0.5, total=1, dt=0.25\n")
    status, out, _ = run(capsys, str(path), "--format", "csv")
    lines = out.strip().splitlines()
    assert status == 0 and lines[0] == "run,t,x,y" and len(lines) == 4
    first = [float(v) for v in lines[1].split(",")]
    assert first[1] == 0.5 and first[3] == pytest.approx(2 * first[2], rel=1e-15)
    status, out, _ = run(capsys, str(path), "--json", "--trans", "0")
    data = json.loads(out)
    assert data["aux_names"] == ["y"] and len(data["t"]) == 5 and len(data["aux"][0]) == 5
    status, out, _ = run(capsys, "fitzhugh_nagumo", "--method", "dop853", "--rtol", "1e-11",
                         "--atol", "1e-13", "--t-end", "2", "--json")
    tight = json.loads(out)["final"][0]
    fhn = load_model("fitzhugh_nagumo")
    exact = simulate(fhn, list(fhn.initial_state()), 2.0, dt=0.05,
                     method=Adaptive("DOP853", rtol=1e-11, atol=1e-13)).final[0]
    assert tight == pytest.approx(exact.tolist(), rel=1e-12)
    assert run(capsys, "fitzhugh_nagumo", "--rtol", "1e-9")[0] == 2


def test_text_of_a_network_simulation_samples_its_vectors(capsys) -> None:
    """The 256-unit ring: the text lists the first three states and the last of each
    vector with the count, sigma once (all equal); csv has every state."""
    assert main(["simulate", "ring_attractor", "--t-end", "1"]) == 0
    out = capsys.readouterr().out
    assert "sigma: 0 (every state);" in out
    assert "initial (x1, x2, x3, ..., x256; 256 values)" in out
    assert max(len(line) for line in out.splitlines()) < 200
    assert main(["simulate", "ring_attractor", "--t-end", "1", "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert header[:3] == ["run", "t", "x1"] and header[-1] == "x256" and len(header) == 258
