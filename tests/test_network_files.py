"""Rate networks from files: W from .npz/.npy/.mtx and the TOML spec give the same network
as the Python constructor; bad specs are one ``error:`` line and status 2 in the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sps
import sympy as sp

from dynsys import RateNetwork
from dynsys.cli import main
from dynsys.core.loading import load_model
from dynsys.core.network_file import load_weights, parse_activation, read_network
from dynsys.errors import ModelError
from dynsys.latex import check_structure

s = sp.Symbol("s")
N = 6


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    W = rng.normal(0.0, 1.0, (N, N))
    W[rng.random((N, N)) < 0.4] = 0.0
    tau = rng.uniform(0.5, 2.0, N)
    inputs = rng.normal(size=N)
    return W, tau, inputs, rng


def _write_all(folder: Path, W: np.ndarray) -> None:
    np.save(folder / "W.npy", W)
    np.savez(folder / "W.npz", W=W)
    np.savez(folder / "named.npz", J=W, other=np.eye(2))
    sps.save_npz(folder / "Ws.npz", sps.csr_matrix(W))
    scipy.io.mmwrite(folder / "Wc.mtx", sps.coo_matrix(W), precision=17)
    scipy.io.mmwrite(folder / "Wd.mtx", W, precision=17)


def _spec(folder: Path, name: str, weights: str, extra: str = "") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'[network]\nweights = "{weights}"\nactivation = "tanh(u)"\n'
                    f'tau = "tau.npy"\ngain = 1.3\nglobal_input = -0.2\n{extra}')
    return path


def _same(a: RateNetwork, b: RateNetwork, rng, atol: float = 0.0) -> None:
    x = rng.uniform(-1.0, 1.0, (5, N))
    for fn in ("rhs", "jac", "dfdp"):
        np.testing.assert_allclose(getattr(a, fn)(x), getattr(b, fn)(x), rtol=0, atol=atol)
    assert a.state_names == b.state_names and a.param_names == b.param_names
    assert a.default_params.tolist() == b.default_params.tolist()
    assert a.region == b.region


def test_weights_files_and_toml_give_the_python_network(data, tmp_path) -> None:
    W, tau, inputs, rng = data
    _write_all(tmp_path, W)
    np.save(tmp_path / "tau.npy", tau)
    ref = RateNetwork(W, sp.tanh(s), tau=tau, I=inputs, g=1.3, I0=-0.2)
    listed = "inputs = [" + ", ".join(repr(float(v)) for v in inputs) + "]\n"
    for weights, extra, sparse in [("W.npy", "", False), ("W.npz", "", False),
                                   ("named.npz", 'weights_key = "J"\n', False),
                                   ("Ws.npz", "", True), ("Wc.mtx", "", True),
                                   ("Wd.mtx", "", False), ("Ws.npz", "sparse = false\n", False),
                                   ("W.npy", "sparse = true\n", True)]:
        path = _spec(tmp_path, "net", weights, listed + extra)
        for net in (read_network(path), load_model(path), load_model(str(path))):
            assert net.sparse is sparse and net.name == "net"
            # the same matrix product (dense or sparse): identical; across them: rounding
            _same(net, ref, rng, atol=0.0 if not sparse else 1e-14)
    loaded = load_weights(tmp_path / "Ws.npz")
    assert sps.issparse(loaded) and np.array_equal(loaded.toarray(), W)
    assert np.array_equal(load_weights(tmp_path / "Wc.mtx").toarray(), W)


def test_paths_are_relative_to_the_spec(data, tmp_path, monkeypatch) -> None:
    W, tau, _, rng = data
    sub = tmp_path / "deep" / "folder"
    sub.mkdir(parents=True)
    _write_all(sub, W)
    np.save(sub / "tau.npy", tau)
    path = _spec(sub, "rel", "W.npz")
    monkeypatch.chdir(tmp_path)
    net = load_model(os.path.join("deep", "folder", "rel.toml"))
    _same(net, RateNetwork(W, sp.tanh(s), tau=tau, g=1.3, I0=-0.2), rng)
    assert path.exists()


def test_populations_in_the_spec(data, tmp_path) -> None:
    W, _, _, rng = data
    np.save(tmp_path / "W.npy", W)
    (tmp_path / "ei.toml").write_text(
        '[network]\nweights = "W.npy"\nname = "ei"\ndescription = "two populations"\n'
        'inputs = 0.25\nsigma = 0.1\nparam_names = ["beta", "J"]\n'
        '[populations.E]\nsize = 4\ntau = 2.0\n'
        '[populations.I]\nsize = 2\nactivation = "1/(1+exp(-2*v))"\ninputs = [-1.0, -2.0]\n')
    net = load_model(tmp_path / "ei.toml")
    v = sp.Symbol("v")
    ref = RateNetwork(W, {"E": 1 / (1 + sp.exp(-s)), "I": 1 / (1 + sp.exp(-2 * v))},
                      tau={"E": 2.0, "I": 1.0}, I=[0.25] * 4 + [-1.0, -2.0], sigma=0.1,
                      populations={"E": 4, "I": 2}, param_names=("beta", "J"))
    _same(net, ref, rng)
    assert net.state_names == ("E1", "E2", "E3", "E4", "I1", "I2")
    assert net.description == "two populations"
    assert r"f_{\mathrm{I}}(v)" in net.latex() and check_structure(net.latex()) == []
    assert net.noise_amplitude().tolist() == [0.1] * N
    # per population, by hand: E units logistic with tau 2, I units steeper with tau 1
    x = rng.uniform(0.0, 1.0, N)
    h = W @ x + np.array([0.25] * 4 + [-1.0, -2.0])
    expected = np.concatenate([(-x[:4] + 1 / (1 + np.exp(-h[:4]))) / 2.0,
                               -x[4:] + 1 / (1 + np.exp(-2 * h[4:]))])
    np.testing.assert_allclose(net.rhs(x), expected, rtol=0, atol=1e-15)


def test_activation_parser_whitelist() -> None:
    s = sp.Symbol("s", real=True)  # the parser's symbols are real
    assert parse_activation("1/(1+exp(-s))") == 1 / (1 + sp.exp(-s))
    assert parse_activation("s^2 + 2*pi") == s**2 + 2 * sp.pi
    assert parse_activation("max(0, tanh(s))") == sp.Max(0, sp.tanh(s))
    assert parse_activation("Heaviside(s)") == sp.Heaviside(s, 1)
    for bad in ["__import__('os').system('true')", "s.__class__", "lambda: s", "'s' * 3",
                "s + t", "2", "", "exp", "exp(s)(1)", "[s]", "s if s else 1", "9**9**9**9",
                "s ** 1000", "open('x')", "x[0]", "1/0", "(" * 5000 + "s" + ")" * 5000,
                "s" + "+s" * 600, "exp(s, y=1)"]:
        with pytest.raises(ModelError):
            parse_activation(bad)


BAD_SPECS = [
    ('[network]\nweights = "missing.npy"\n', "does not exist"),
    ('[network]\nweights = "rect.npy"\n', "square"),
    ('[network]\nweights = "nan.npy"\n', "finite"),
    ('[network]\nweights = "W.npy"\ncolour = "red"\n', "unknown key 'colour'"),
    ('[network]\nweights = "W.npy"\nactivation = "__import__(\'os\').getcwd()"\n',
     "allowed functions"),
    ('[network]\nweights = "W.npy"\nactivation = "s + t"\n', "exactly one variable"),
    ('[network]\nweights = "W.npy"\ntau = [1.0, 2.0]\n', "tau"),
    ('[network]\nweights = "W.npy"\ntau = -1.0\n', "positive"),
    ('[network]\nweights = "W.npz"\nweights_key = "J"\n', "no array named 'J'"),
    ('[network]\nweights = "W.txt"\n', "does not exist"),
    ('[network]\nweights = "vec.npy"\n', "square"),
    ('[network]\nweights = "cplx.npy"\n', "real"),
    ('[network]\nweights = "W.npy"\n[populations.E]\nsize = 2\n', "hold 2 units"),
    ('[network]\nweights = "W.npy"\n[populations.E]\nsize = 3\nshape = 1\n'
     '[populations.I]\nsize = 3\n', "unknown key 'shape'"),
    ('[netwrk]\nweights = "W.npy"\n', "unknown key 'netwrk'"),
    ('[network\nweights = "W.npy"\n', "not valid TOML"),
    ('[network]\nactivation = "tanh(s)"\n', "needs weights"),
    ('[network]\nweights = "W.npy"\nf_range = [1, 0]\n', "low < high"),
    ('[network]\nweights = "W.npy"\ngain = "big"\n', "must be a number"),
]


@pytest.mark.parametrize(("text", "message"), BAD_SPECS)
@pytest.mark.parametrize("command", ["show", "analyze"])
def test_bad_specs_one_error_line_status_2(text, message, command, data, tmp_path,
                                           capsys) -> None:
    W = data[0]
    np.save(tmp_path / "W.npy", W)
    np.savez(tmp_path / "W.npz", W=W)
    np.save(tmp_path / "rect.npy", np.ones((3, 4)))
    np.save(tmp_path / "vec.npy", np.ones(4))
    np.save(tmp_path / "cplx.npy", np.eye(3) * 1j)
    bad = np.eye(3)
    bad[1, 2] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    (tmp_path / "W.txt").write_text("1")
    (tmp_path / "W.txt").rename(tmp_path / "W.tx")  # a missing file
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    status = main([command, str(spec)])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert status == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_cli_commands_take_a_spec(data, tmp_path, capsys) -> None:
    W, tau, _, _ = data
    np.save(tmp_path / "W.npy", W * 0.3)
    np.save(tmp_path / "tau.npy", tau)
    spec = _spec(tmp_path, "cli", "W.npy")
    assert main(["show", str(spec)]) == 0
    assert "rate network" in capsys.readouterr().out
    assert main(["simulate", str(spec), "--t-end", "2"]) == 0
    assert "model cli" in capsys.readouterr().out
    assert main(["analyze", str(spec)]) == 0
    assert "1 equilibrium" in capsys.readouterr().out
    assert main(["continue", str(spec), "--param", "g", "--range", "1:2"]) == 0
    assert "Branch of equilibria" in capsys.readouterr().out


def test_sizes_are_checked_before_reading(tmp_path) -> None:
    """A file whose header declares a huge W is refused from the header (a compressed
    file of zeros is small on disk): an .npz with a header only, an .mtx header."""
    import io
    import zipfile

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (150_000, 150_000)})
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as archive:
        archive.writestr("W.npy", header.getvalue())
    with pytest.raises(ModelError, match="at most 250000000"):
        load_weights(tmp_path / "huge.npz")
    (tmp_path / "huge.mtx").write_text("%%MatrixMarket matrix coordinate real general\n"
                                       "300000 300000 1\n1 1 1.0\n")
    with pytest.raises(ModelError, match="at most 200000"):
        load_weights(tmp_path / "huge.mtx")


def test_population_arguments_are_checked() -> None:
    W = np.eye(3)
    with pytest.raises(ModelError, match="hold 2 units"):
        RateNetwork(W, populations={"E": 2})
    with pytest.raises(ModelError, match="unknown: X"):
        RateNetwork(W, {"E": sp.tanh(s), "X": s}, populations={"E": 2, "I": 1})
    with pytest.raises(ModelError, match="missing: I"):
        RateNetwork(W, tau={"E": 1.0}, populations={"E": 2, "I": 1})
    with pytest.raises(ModelError, match="positive integer"):
        RateNetwork(W, populations={"E": 3, "I": 0})
    with pytest.raises(ModelError, match="clashing"):
        RateNetwork(np.eye(12), populations={"E": 11, "E1": 1})  # E11 twice
    net = RateNetwork(W, {"A": sp.tanh(s), "B": 1 / (1 + sp.exp(-s))}, f_range={"A": None,
                      "B": (0.0, 2.0)}, populations={"A": 1, "B": 2})
    assert net.region == {"A1": (-1.0, 1.0), "B1": (0.0, 2.0), "B2": (0.0, 2.0)}
    assert net.f_range == (-1.0, 2.0)


def test_a_weights_file_alone_is_a_logistic_network(data, tmp_path, capsys) -> None:
    W, _, _, rng = data
    _write_all(tmp_path, W)
    ref = RateNetwork(W)  # the logistic default
    for name in ("W.npy", "W.npz", "Ws.npz", "Wc.mtx"):
        net = load_model(tmp_path / name)
        assert net.name == Path(name).stem
        _same(net, ref, rng, atol=1e-14)
    assert main(["show", str(tmp_path / "Ws.npz")]) == 0
    assert "units: 6" in capsys.readouterr().out
    np.save(tmp_path / "rect.npy", np.ones((2, 3)))
    assert main(["show", str(tmp_path / "rect.npy")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "square" in err[0]
