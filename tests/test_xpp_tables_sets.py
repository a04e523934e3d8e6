"""XPPAUT tables and parameter sets, and the reader's other gaps found in Debian's corpus
(issue 11, items 4 and 6).

Reference values come from closed forms (linear interpolation by hand, XPPAUT's
``lookup`` formulas in ``tabular.c``), from finite differences, and from the real
XPPAUT where it is installed (trajectories of ``tests/data/xpp/`` files, fixed-step RK4).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from dynsys import Model, compile, load_model, simulate
from dynsys.cli import main
from dynsys.core.odefile import IgnoredOptionWarning
from dynsys.core.tables import TableLookup, lookup, table
from dynsys.errors import DynsysError, ModelError

DATA = Path(__file__).parent / "data" / "xpp"
XPPAUT = shutil.which("xppaut")
needs_xppaut = pytest.mark.skipif(XPPAUT is None, reason="xppaut is not installed "
                                  "(Debian: apt-get install xppaut)")
x, y, a = sp.symbols("x y a", real=True)


def _read(text: str, folder: Path | None = None) -> Model:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IgnoredOptionWarning)
        return Model.from_text(text, base_dir=folder)


# ------------------------------------------------------------------------ interpolation
def _xpp_lookup(v: float, lo: float, hi: float, ys: list[float]) -> float:
    """XPPAUT's lookup() (tabular.c), transcribed branch by branch."""
    n = len(ys)
    dx = (hi - lo) / (n - 1)
    i1 = int((v - lo) / dx)  # C's (int): truncation toward zero
    i2 = i1 + 1
    if i1 > -1 and i2 < n:
        x1 = dx * i1 + lo
        return ys[i1] + (ys[i2] - ys[i1]) * (v - x1) / dx
    if i1 < 0:
        return ys[0] + (ys[1] - ys[0]) * (v - lo) / dx
    return ys[n - 1] + (ys[n - 1] - ys[n - 2]) * (v - hi) / dx


def test_lookup_is_xppauts_interpolation_and_extension() -> None:
    ys = [0.5, 1.0, -1.0, 3.0]
    points = np.array([-3.0, -1.5, -1.0, -0.99, -0.2, 0.0, 0.25, 1.0, 1.7, 2.0, 2.5, 9.0])
    expected = [_xpp_lookup(v, -1.0, 2.0, ys) for v in points]
    np.testing.assert_allclose(lookup(points, -1.0, 2.0, ys), expected, rtol=0, atol=1e-15)
    # by hand: halfway between points, and the extended last segment past xhi
    assert lookup(0.5, -1.0, 2.0, ys) == pytest.approx(0.0)
    assert lookup(3.0, -1.0, 2.0, ys) == pytest.approx(7.0)
    assert lookup(-2.0, -1.0, 2.0, ys) == pytest.approx(0.0)
    np.testing.assert_allclose(lookup(np.array([0.5, 1.5, 5.0]), -1.0, 2.0, ys, kind=1),
                               [-2.0, 4.0, 4.0])


def test_table_function_derivatives_and_values() -> None:
    w = table("w", x, 0.0, 2.0, [a, 2 * a, a**2])
    assert str(w) == "w(x)" and isinstance(w, TableLookup)
    assert w.subs({a: 3, x: 1.5}) == pytest.approx(7.5)  # 6 + (9 - 6)/2
    assert w.diff(x).subs({a: 3, x: 1.5}) == pytest.approx(3.0)  # slope 9 - 6
    # d/da: the table of the values' derivatives (1, 2, 2a) at 1.5: 2 + (6 - 2)/2
    assert w.diff(a).subs({a: 3, x: 1.5}) == pytest.approx(4.0)
    assert w.diff(x, 2).subs({a: 3, x: 1.5}) == 0  # piecewise linear
    with pytest.raises(ModelError, match="2 to"):
        table("w", x, 0.0, 1.0, [1.0])
    with pytest.raises(ModelError, match="xlo < xhi"):
        table("w", x, 1.0, 1.0, [1.0, 2.0])


# ------------------------------------------------------------------------ reading tables
TEXT = """table f % 5 -2 2 a*t^2
par a=0.5
x' = -x + f(y)
y' = x - y
"""


def test_function_table_tabulates_the_formula_at_xppauts_points() -> None:
    m = _read(TEXT)
    (tab,) = m.rhs[0].atoms(TableLookup)
    assert tab.bounds == (-2.0, 2.0)
    values = [float(v.subs(a, 0.5)) for v in tab.values]
    assert values == [2.0, 0.5, 0.0, 0.5, 2.0]
    assert not m.is_smooth and m.is_autonomous
    system = compile(m)
    # y = 1.5: 0.5 + (2 - 0.5)*0.5 = 1.25; slope 1.5; a=1 doubles the values
    np.testing.assert_allclose(system.rhs([0.25, 1.5]), [-0.25 + 1.25, 0.25 - 1.5])
    np.testing.assert_allclose(system.rhs([0.25, 1.5], {"a": 1.0})[0], -0.25 + 2.5)
    np.testing.assert_allclose(system.jac([0.25, 1.5]), [[-1.0, 1.5], [1.0, -1.0]])
    np.testing.assert_allclose(system.dfdp([0.25, 1.5])[:, 0], [2.5, 0.0])


def test_jacobian_is_the_finite_difference_away_from_kinks() -> None:
    m = _read((DATA / "table_rate.ode").read_text(), DATA)
    system = compile(m)
    rng = np.random.default_rng(1)
    for point in rng.uniform(0.0, 1.0, size=(5, 2)):
        h = 1e-7
        fd = np.column_stack([(system.rhs(point + h * e) - system.rhs(point - h * e)) / (2 * h)
                              for e in np.eye(2)])
        np.testing.assert_allclose(system.jac(point), fd, rtol=1e-5, atol=1e-6)


def test_switching_vanishes_at_the_table_points() -> None:
    system = compile(_read(TEXT))
    s = system.switching(np.array([[0.0, 1.0], [0.0, 1.5]]))
    assert s.shape[-1] == 1
    assert abs(s[0, 0]) < 1e-12 and abs(s[1, 0]) > 0.5  # a point of the table; between


def test_file_table_is_read_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "k.tab").write_text("3\n0\n1\n2\n4\n8\n")
    (tmp_path / "m.ode").write_text("table k k.tab\nx' = k(x)\ninit x=0.25\n")
    m = load_model(tmp_path / "m.ode")
    assert compile(m).rhs([0.25])[0] == pytest.approx(3.0)  # 2 + (4 - 2)*0.5
    assert compile(m).rhs([1.5])[0] == pytest.approx(12.0)  # extension past xhi
    again = Model.from_text(m.to_ode(), name="m")  # written back as a function table
    assert again == m


@pytest.mark.parametrize(("content", "match"), [
    ("3\n0\n1\n2\nfour\n8\n", r"line 5 of 'k.tab'"),
    ("3\n0\n1\n2\n4\n", r"line 6 of 'k.tab' \(table 'k'\): missing value 3 of 3"),
    ("i3\n0\n1\n2\n4\n8\n", r"step \('i'\) interpolated"),
    ("s3\n0\n1\n2\n4\n8\n", r"cubic spline \('s'\)"),
    ("3\n1\n0\n2\n4\n8\n", r"xlo < xhi"),
    ("1\n0\n1\n2\n", r"2 to 10000 points"),
    ("x\n", r"line 1 of 'k.tab' \(table 'k'\) must be the number of points"),
    ("3\n0\n1\n2\n\xe9\n8\n", r"not plain text"),
])
def test_bad_table_files_are_refused_naming_file_and_line(tmp_path: Path, content: str,
                                                           match: str) -> None:
    (tmp_path / "k.tab").write_bytes(content.encode("latin-1"))
    with pytest.raises(ModelError, match=match):
        _read("table k k.tab\nx' = k(x)\n", tmp_path)


@pytest.mark.parametrize(("text", "match"), [
    ("table k k.tab\nx' = k(x)\n", r"needs the .ode file's folder"),
    ("table w % 5 -2 2 x*t\nx' = w(x)\n", r"t \(the table's variable\) and parameters only"),
    ("table w % 5 -2 2 ran(1)\nx' = w(x)\n", r"ran\(\) in table 'w'"),
    ("table w % 1 -2 2 t\nx' = w(x)\n", r"2 to 10000 points"),
    ("table w % 5 2 -2 t\nx' = w(x)\n", r"xlo < xhi"),
    ("table w % five -2 2 t\nx' = w(x)\n", r"must be an integer"),
    ("table w @ f.tab\nx' = w(x)\n", r"two-dimensional tables"),
    ("table w % 5 -2 2 t\nx' = w(x, x)\n", r"table 'w' takes 1 argument"),
    ("table w % 5 -2 2 t\nx' = w\n", r"function 'w' used without arguments"),
    ("table w % 5 -2 2 t\npar w=1\nx' = x\n", r"'w' is already declared as a table"),
])
def test_table_refusals_name_the_culprit(text: str, match: str) -> None:
    with pytest.raises(ModelError, match=match):
        _read(text)


def test_tabular_spelling_and_round_trip_of_a_parameter_dependent_table() -> None:
    m = _read(TEXT.replace("table f", "tabular f"))
    assert m == _read(TEXT)
    assert Model.from_text(m.to_ode()) == m


# ------------------------------------------------------------------------------- sets
def test_sets_are_recorded_applied_and_written_back() -> None:
    m = load_model(DATA / "pendulum_sets.ode")
    assert list(m.sets) == ["moon", "jupiter"]
    assert dict(m.sets["jupiter"]["params"]) == {"g": 25.95}
    assert dict(m.sets["jupiter"]["init"]) == {"x": 0.5}
    assert dict(m.sets["jupiter"]["options"]) == {"total": 5.0}
    j = m.with_set("Jupiter")  # names are case-insensitive, as in XPPAUT
    assert j.params["g"] == 25.95 and j.init == {"x": 0.5, "v": 0.0}
    assert j.options["total"] == 5.0 and j.options["dt"] == 0.02
    assert m.with_set("moon").params == {"mu": 0.5, "g": 1.62, "l": 1.0}
    assert "P_E_" in m.aux  # XPPAUT's dotted aux label P.E.
    with pytest.raises(ModelError, match=r"no parameter set 'mars' \(sets: moon, jupiter\)"):
        m.with_set("mars")
    assert Model.from_text(m.to_ode(), name="pendulum_sets") == m


def test_set_with_options_and_ignored_entries() -> None:
    with pytest.warns(IgnoredOptionWarning) as record:
        m = Model.from_text("x' = -a*x\npar a=1\nset p {a=2, meth=8, xlo=-2, xplot=t}\n"
                            "only x\n")
    assert len(record) == 1  # one summary warning
    text = str(record[0].message)
    assert "xlo (set p)" in text and "xplot (set p)" in text and "only" in text
    assert dict(m.sets["p"]["options"]) == {"meth": "83dp"}
    with pytest.raises(ModelError, match="set 'p' must be positive"):
        _read("x' = -x\nset p {total=-1}\n")
    with pytest.raises(ModelError, match="second parameter set"):
        _read("x' = -x\npar a=1\nset p {a=2}\nset P {a=3}\n")
    with pytest.raises(ModelError, match="a parameter set is 'set NAME"):
        _read("x' = -x\nset p a=2\n")


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_set_name_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(DATA / "pendulum_sets.ode")
    code, out, _ = _cli(capsys, "simulate", path, "--set-name", "jupiter", "--t-end", "0.04",
                        "--format", "csv")
    assert code == 0
    rows = out.strip().splitlines()
    assert rows[1].split(",")[2:4] == ["0.5", "0.0"]  # the set's initial value
    # one RK4 step of x' = v, v' = -mu*v - g*sin(x) from (0.5, 0), by hand
    g, mu, h = 25.95, 0.5, 0.02

    def f(s: np.ndarray) -> np.ndarray:
        return np.array([s[1], -mu * s[1] - g * np.sin(s[0])])

    s0 = np.array([0.5, 0.0])
    k1 = f(s0)
    k2 = f(s0 + h / 2 * k1)
    k3 = f(s0 + h / 2 * k2)
    k4 = f(s0 + h * k3)
    step = s0 + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    np.testing.assert_allclose([float(v) for v in rows[2].split(",")[2:4]], step, rtol=1e-12)
    # --set overrides the set
    code, out, _ = _cli(capsys, "simulate", path, "--set-name", "jupiter", "--set", "g=0",
                        "--set", "mu=0", "--t-end", "0.04", "--format", "csv")
    assert code == 0 and out.strip().splitlines()[-1].split(",")[2:4] == ["0.5", "0.0"]
    code, _, err = _cli(capsys, "analyze", path, "--set-name", "mars")
    assert code == 2
    assert err.strip() == ("error: --set-name mars: pendulum_sets has no parameter set "
                           "'mars' (sets: moon, jupiter)")
    code, _, err = _cli(capsys, "analyze", str(DATA / "fhn_plain.ode"), "--set-name", "a")
    assert code == 2 and "has no parameter sets" in err
    code, out, _ = _cli(capsys, "show", path)
    assert "  set jupiter: g=25.95, x=0.5, total=5" in out.splitlines()
    code, out, _ = _cli(capsys, "show", path, "--set-name", "moon")
    assert code == 0 and "  params: mu=0.5, g=1.62, l=1" in out.splitlines()


# ---------------------------------------------------------------------- other gaps
def test_initial_values_as_xppaut_reads_them() -> None:
    # a later initial value replaces an earlier one (XPPAUT 6.11 starts at 2)
    assert _read("x' = -x\nx(0)=1\ninit x=2\n").init == {"x": 2.0}
    # a name without a value starts at 0 (torus.ode: init x=1.5,y)
    assert _read("init x=1.5,y\nx' = 1\ny' = 1\n").init == {"x": 1.5, "y": 0.0}


def test_element_names_outside_arrays_and_unclosed_indices() -> None:
    m = _read("f[1..3]=[j]*x\nx' = -x + f[2]\n")  # XPPAUT: f[2] is f2 = 2*x
    assert m.rhs[0] == x
    with pytest.raises(ModelError, match=r"array index '\[j' is not closed"):
        _read("x[0..2]'=-x[j]+[j\n")


@pytest.mark.parametrize(("text", "match"), [
    ("u' = -u + int{exp(-t)#u}\n", "Volterra integrals"),
    ("u' = -u + int[.5]{exp(-t)#u}\n", "Volterra integrals"),
    ("x' = -x\nspecial z=conv(even,10,2,w,x)\n", r"special operators \(convolutions"),
    ("x' = -x\noptions my.opt\n", "'options' files"),
])
def test_out_of_scope_statements_are_named(text: str, match: str) -> None:
    with pytest.raises(ModelError, match=match):
        _read(text)


def test_shift_names_the_variable_declared_k_places_later() -> None:
    m = load_model(DATA / "ring_shift.ode")
    u = sp.symbols("u0:6", real=True)
    assert m.aux["total"] == sum(u)
    a_, beta = sp.symbols("a beta", real=True)
    expected = -u[2] + sp.tanh(a_ * sum(sp.cos(beta * (2 - k)) * u[k] for k in range(6)))
    assert sp.simplify(m.equations[u[2]] - expected) == 0
    with pytest.raises(ModelError, match=r"shift\(x, 1\) in .* goes past the declared states"):
        _read("x' = -x + shift(x, 1)\n")
    with pytest.raises(ModelError, match="by an amount that changes in time"):
        _read("x' = -x\ny' = shift(x, t)\n")
    with pytest.raises(ModelError, match="shifts a state or a fixed quantity"):
        _read("par a=1\nx' = shift(a, 0)\n")


def test_meth_is_read_by_its_first_letter() -> None:
    assert _read("x' = -x\n@ meth=y\n").options["meth"] == "ymp"  # henhei.ode
    assert _read("x' = -x\n@ meth=qualrk4\n").options["meth"] == "qualrk"
    assert _read("x' = -x\n@ meth=disc\n").discrete  # nochaos.ode: a map


def test_aux_of_a_batch_of_times_broadcasts_like_rhs() -> None:
    m = _read("x' = -x\npar a=1\naux c=if(t>1|a>2)then(x)else(5)\naux k=3\n"
              "aux h=heav(t-1)*a\n")
    system = compile(m)
    t = np.array([0.0, 2.0, 3.0])
    states = np.array([[1.0], [-1.0], [4.0]])
    batch = system.aux(states, None, t)
    pointwise = np.array([system.aux(s, None, float(u)) for s, u in zip(states, t,
                                                                          strict=True)])
    np.testing.assert_array_equal(batch, pointwise)
    np.testing.assert_array_equal(batch, [[5.0, 3.0, 0.0], [-1.0, 3.0, 1.0], [4.0, 3.0, 1.0]])
    # erf has no numpy ufunc (lambdify took math.erf, which refuses arrays)
    system = compile(_read("x' = -x + erf(x)\naux e=erfc(x)\n"))
    xs = np.array([[-1.0], [0.0], [0.5]])
    np.testing.assert_allclose(system.aux(xs, None, np.zeros(3))[:, 0],
                               [math.erfc(v) for v in xs[:, 0]], rtol=1e-15)
    np.testing.assert_allclose(system.rhs(xs)[:, 0], [-v + math.erf(v) for v in xs[:, 0]],
                               rtol=1e-15)


# ------------------------------------------------------------------- Debian's corpus
CORPUS = sorted(Path("/usr/share/doc/xppaut").glob("*/*.ode")) + sorted(
    Path("/usr/share/doc/xppaut").glob("*/*/*.ode"))


@pytest.mark.skipif(not CORPUS, reason="Debian's xppaut examples are not installed")
def test_corpus_loads_or_is_refused_naming_a_feature() -> None:
    """No file of Debian's XPPAUT examples makes load_model raise anything but a
    DynsysError, and no refusal is a generic parse failure."""
    loaded = 0
    for path in CORPUS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                load_model(path)
            loaded += 1
        except DynsysError as exc:
            message = str(exc)
            assert "cannot read statement" not in message, f"{path.name}: {message}"
            assert "unexpected character" not in message, f"{path.name}: {message}"
    assert loaded >= 50


# ------------------------------------------------------------------ the real XPPAUT
def _xppaut_runs(folder: Path, name: str) -> None:
    for item in DATA.iterdir():
        if item.suffix in (".ode", ".tab"):
            shutil.copy(item, folder / item.name)
    subprocess.run([XPPAUT, f"{name}.ode", "-silent"], cwd=folder, capture_output=True,
                   timeout=60, stdin=subprocess.DEVNULL, check=False)


def _compare_rk4(model: Model, theirs: np.ndarray) -> np.ndarray:
    assert model.options["meth"] == "rk4"
    tr = simulate(model, list(model.initial_state()), model.options["total"],
                  dt=model.options["dt"], method="rk4")
    n = model.n
    assert len(tr.t) == len(theirs)
    states = np.asarray(tr.states)[0]
    np.testing.assert_allclose(states, theirs[:, 1:1 + n], rtol=1e-6, atol=1e-6)
    aux = compile(model).aux(states, None, tr.t)
    np.testing.assert_allclose(aux, theirs[:, 1 + n:], rtol=1e-6, atol=1e-6)
    return np.hstack([states, aux])


@needs_xppaut
def test_table_trajectories_match_xppaut(tmp_path: Path) -> None:
    """Fixed-step RK4 through both programs: tables (a formula in t and a parameter, and
    a file) agree to XPPAUT's float32 output, including beyond both ends of a table."""
    _xppaut_runs(tmp_path, "table_rate")
    model = load_model(tmp_path / "table_rate.ode")
    out = _compare_rk4(model, np.loadtxt(tmp_path / "output.dat"))
    assert out[:, 2].max() > 1.0  # f beyond xhi: the last segment extended
    assert (8 * out[:, 1] - 3).min() < -1.0  # g below xlo: the first segment extended


@needs_xppaut
def test_shift_trajectories_match_xppaut(tmp_path: Path) -> None:
    _xppaut_runs(tmp_path, "ring_shift")
    _compare_rk4(load_model(tmp_path / "ring_shift.ode"), np.loadtxt(tmp_path / "output.dat"))


@needs_xppaut
def test_each_set_matches_xppauts_run_of_it(tmp_path: Path) -> None:
    """``xppaut FILE -silent`` runs every parameter set of a file into SET.dat; dynsys's
    ``with_set`` gives the same trajectories."""
    _xppaut_runs(tmp_path, "pendulum_sets")
    model = load_model(tmp_path / "pendulum_sets.ode")
    for name in model.sets:
        theirs = np.loadtxt(tmp_path / f"{name}.dat")
        _compare_rk4(model.with_set(name), theirs)
    assert len(np.loadtxt(tmp_path / "jupiter.dat")) == 251  # the set's total=5


def test_tables_and_sets_run_in_every_command(tmp_path: Path) -> None:
    for cmd in (["analyze", str(DATA / "table_rate.ode")],
                ["continue", str(DATA / "table_rate.ode"), "--param", "drive", "--range",
                 "-1:1"]):
        run = subprocess.run([sys.executable, "-m", "dynsys.cli", *cmd], capture_output=True,
                             text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr


def test_show_lists_tables(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "show", str(DATA / "table_rate.ode"))
    assert code == 0
    assert "  table f: 41 points on [-10, 10], linearly interpolated (piecewise linear)" in out
    assert "non-smooth" in out
