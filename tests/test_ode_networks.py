"""XPPAUT array files recognized as rate networks (issue 14, part 1's ``.ode`` arrays).

Reference values are written out with numpy from the equations in the files, not taken
from the recognizer.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from dynsys import Model, compile, load_model
from dynsys.cli import main
from dynsys.core.network_ode import (
    NETWORK_MIN_UNITS,
    NetworkForm,
    _verified,
    recognize_rate_network,
)
from dynsys.core.rate_network import RateNetwork
from dynsys.core.symbols import time_symbol
from dynsys.core.system import numeric_function

XPP = Path(__file__).parent / "data" / "xpp"


def table_network(n: int, tau: float = 2.0) -> str:
    """``tau x_j' = -x_j + f(g sum_i w(j n + i) x_i + drive)``, w tabulated from sin."""
    return (f"# {n} logistic units, weights from a table\n"
            f"par g=1.5, drive=0.2\nf(u)=1/(1+exp(-u))\n"
            f"table w % {n * n} 0 {n * n - 1} sin(t*1.7)\n"
            f"x[0..{n - 1}]' = (-x[j] + f(g*sum(0,{n - 1})of(w([j]*{n}+i')*shift(x0,i'))"
            f" + drive))/{tau}\n"
            f"x[0..{n - 1}](0) = 0.1\n")


def reference(n: int) -> np.ndarray:
    return np.sin(np.arange(n * n) * 1.7).reshape(n, n)


def test_table_weights_are_read_exactly():
    n = 6
    form = recognize_rate_network(Model.from_text(table_network(n)))
    assert isinstance(form, NetworkForm) and isinstance(form.network, RateNetwork)
    w = np.asarray(form.network.weights())
    assert np.allclose(w, reference(n), rtol=0, atol=1e-15)
    assert (form.gain, form.input) == ("g", "drive")
    assert np.allclose(form.network.tau, 2.0) and np.allclose(form.network.inputs, 0.0)
    assert form.network.state_names == tuple(f"x{k}" for k in range(n))


def test_recognized_network_equals_the_equations():
    n = 5
    model = Model.from_text(table_network(n, tau=3.0))
    form = recognize_rate_network(model)
    w = reference(n)
    rng = np.random.default_rng(2)
    x = rng.uniform(-1.0, 2.0, (4, n))
    p = np.array([0.7, -0.4])  # g, drive (the model's order)
    h = 0.7 * x @ w.T - 0.4
    expect = (-x + 1 / (1 + np.exp(-h))) / 3.0
    assert np.allclose(form.rhs(x, p), expect, rtol=1e-13, atol=1e-15)
    slope = np.exp(-h) / (1 + np.exp(-h)) ** 2 / 3.0
    jac = form.jac(x[0], p)
    assert np.allclose(jac, -np.eye(n) / 3.0 + 0.7 * slope[0][:, None] * w, rtol=1e-13)
    dfdp = form.dfdp(x[0], p)
    assert np.allclose(dfdp[:, 0], slope[0] * (w @ x[0]), rtol=1e-13)
    assert np.allclose(dfdp[:, 1], slope[0], rtol=1e-13)


def test_compile_uses_the_matrix_form_for_large_networks():
    n = NETWORK_MIN_UNITS + 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Model.from_text(table_network(n))
    system = compile(model)
    assert system.matrix_form is not None
    assert system.param_names == ("g", "drive") and system.model is model
    w = reference(n)
    x = np.random.default_rng(3).uniform(0.0, 1.0, n)
    h = 1.5 * w @ x + 0.2
    slope = np.exp(-h) / (1 + np.exp(-h)) ** 2 / 2.0
    assert np.allclose(system.rhs(x), (-x + 1 / (1 + np.exp(-h))) / 2.0, rtol=1e-13)
    assert np.allclose(system.jac(x), -np.eye(n) / 2.0 + 1.5 * slope[:, None] * w,
                       rtol=1e-13, atol=1e-15)
    assert np.allclose(system.jac_sparse(x).toarray(), system.jac(x), rtol=1e-15)
    dfdp = system.dfdp(x, {"drive": 0.2})
    assert dfdp.shape == (n, 2) and np.allclose(dfdp[:, 1], slope, rtol=1e-13)
    f, fx, fp = system.evaluate_point(x.tolist(), [1.5, 0.2])
    assert np.allclose(np.reshape(fx, (n, n)), system.jac(x), rtol=1e-15)
    assert np.allclose(np.reshape(fp, (n, 2)), dfdp, rtol=1e-15)
    assert np.allclose(f, system.rhs(x), rtol=1e-15)


def test_small_networks_keep_the_symbolic_path():
    system = compile(Model.from_text(table_network(4)))
    assert system.matrix_form is None and recognize_rate_network(system.model) is not None


@pytest.mark.parametrize("name", ["ring_array", "ring_shift", "rate_pair", "table_rate"])
def test_files_outside_the_pattern_are_not_recognized(name):
    # ring_array: a parameter multiplies f; ring_shift: a parameter (beta) inside the
    # weights cos(beta (j - i)); rate_pair, table_rate: different f per unit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_model(XPP / f"{name}.ode")
    assert recognize_rate_network(model) is None


def test_different_activations_or_inputs_fall_back():
    two_f = "x1' = -x1 + tanh(x2)\nx2' = -x2 + tanh(x1)^3\n"
    assert recognize_rate_network(Model.from_text(two_f)) is None
    outside = "par c=1\nx1' = -x1 + tanh(x2) + c\nx2' = -x2 + tanh(x1) + c\n"
    assert recognize_rate_network(Model.from_text(outside)) is None
    same = "par c=1\nx1' = -x1 + tanh(x2 + c)\nx2' = -x2 + tanh(-x1 + c)\n"
    form = recognize_rate_network(Model.from_text(same))
    assert form is not None and form.gain is None and form.input == "c"
    assert np.asarray(form.network.weights()).tolist() == [[0.0, 1.0], [-1.0, 0.0]]


def test_verification_rejects_a_wrong_network():
    model = Model.from_text(table_network(4))
    form = recognize_rate_network(model)
    args = [*model.states, *model.param_symbols, time_symbol]
    rhs = numeric_function(args, list(model.rhs))
    assert _verified(form, model, rhs, seed=1)
    w = np.asarray(form.network.weights()).copy()
    w[1, 2] += 1e-9
    wrong = NetworkForm(RateNetwork(w, form.network.activation, tau=2.0, g=1.5, I0=0.2,
                                    param_names=("g", "drive")),
                        model.param_names, "g", "drive")
    assert not _verified(wrong, model, rhs, seed=1)


def test_show_notes_the_rate_network(tmp_path, capsys):
    path = tmp_path / "net.ode"
    path.write_text(table_network(5))
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "note: recognized as a rate network of 5 units" in out
    assert main(["show", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)["rate_network"]
    assert (info["units"], info["gain"], info["input"]) == (5, "g", "drive")
    assert main(["show", "mutual_excitation", "--json"]) == 0  # two gains w1, w2: none
    assert "rate_network" not in json.loads(capsys.readouterr().out)


def test_show_lists_a_sample_of_a_large_model_and_the_ode_format_all(tmp_path, capsys) -> None:
    """A 20-unit chain: the text listing shows the first three equations and the last,
    with how many it left out and where to get them; --format ode prints every one."""
    path = tmp_path / "chain.ode"
    path.write_text("x0' = -x0\nx[1..19]' = -x[j] + 0.5*tanh(x[j-1])\ndone\n")
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    eqs = [ln for ln in out.splitlines() if ln.strip().startswith("d")]
    assert [ln.split("/dt")[0].strip() for ln in eqs] == ["dx0", "dx1", "dx2", "dx19"]
    assert "... (16 more equations; --format ode, latex or json prints them all)" in out
    assert main(["show", str(path), "--format", "ode"]) == 0
    ode = capsys.readouterr().out
    assert all(f"x{i}'" in ode or f"dx{i}/dt" in ode for i in range(20))
