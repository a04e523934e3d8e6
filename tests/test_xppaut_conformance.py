"""Conformance with the real XPPAUT: the same ``.ode`` file, the same numbers.

Debian's ``xppaut`` runs a file with ``xppaut FILE -silent`` and writes ``output.dat`` (t,
the states, then the aux quantities, printed as float32). Each test runs a file of
``tests/data/xpp/`` through both programs (XPPAUT's Euler against ``simulate``'s at the
same ``dt``) and compares to XPPAUT's print precision. Where XPPAUT is absent the
tests that need it skip, with the reason; the operator table is also checked against
the values XPPAUT 6.11 printed for it, so that its semantics are tested everywhere.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dynsys import Model, compile, load_model, simulate
from dynsys.errors import ModelError

DATA = Path(__file__).parent / "data" / "xpp"
XPPAUT = shutil.which("xppaut")
needs_xppaut = pytest.mark.skipif(XPPAUT is None, reason="xppaut is not installed "
                                  "(Debian: apt-get install xppaut)")

#: What XPPAUT 6.11 (Debian 6.11b+1.dfsg-1.1) printed for operators.ode at t = 0.
OPERATORS_XPPAUT = [
    64, -4, 64, -0.49000001, 0.33333334, -2, -6, 18, 2, 0, 1, 1, 1, 2, 1.5, -3.5, -4, -3, 2,
    -1, 1, 5.5, 1, 10, 1, 2, 2, 1, 1, 2, 1, 0, 0, 0.1, 4, 0.22222222, 2.9636476, 0.9867295, 3,
    2.6808617, 6.6999998, 1, -64, 4, 2,
]


def _run_xppaut(folder: Path, text: str) -> np.ndarray | None:
    """XPPAUT's output.dat for ``text`` (None when XPPAUT refuses the file)."""
    (folder / "model.ode").write_text(text)
    out = folder / "output.dat"
    out.unlink(missing_ok=True)
    subprocess.run([XPPAUT, "model.ode", "-silent"], cwd=folder, capture_output=True,
                   timeout=60, stdin=subprocess.DEVNULL, check=False)
    if not out.exists() or not out.read_text().strip():
        return None
    return np.atleast_2d(np.loadtxt(out))


def _aux_at_start(model: Model) -> np.ndarray:
    system = compile(model)
    x0 = np.array(model.initial_state(), dtype=float)
    return np.asarray(system.aux(x0, None, 0.0), dtype=float)


def _close_to_float32_print(ours: np.ndarray, theirs: np.ndarray) -> None:
    """XPPAUT prints 8 significant digits of a float32."""
    np.testing.assert_allclose(ours, theirs, rtol=2e-7, atol=2e-7)


def test_operator_table_matches_what_xppaut_printed() -> None:
    model = load_model(DATA / "operators.ode")
    assert len(model.aux) == len(OPERATORS_XPPAUT)
    _close_to_float32_print(_aux_at_start(model), np.array(OPERATORS_XPPAUT, dtype=float))


@needs_xppaut
def test_operator_table_matches_xppaut(tmp_path: Path) -> None:
    text = (DATA / "operators.ode").read_text()
    theirs = _run_xppaut(tmp_path, text)
    assert theirs is not None, "XPPAUT refused operators.ode"
    model = Model.from_text(text)
    n = model.n
    _close_to_float32_print(_aux_at_start(model), theirs[0, 1 + n:])
    _close_to_float32_print(np.array(OPERATORS_XPPAUT, dtype=float), theirs[0, 1 + n:])


@needs_xppaut
@pytest.mark.parametrize("name", ["fhn_plain", "rate_pair", "ring_array"])
def test_euler_trajectories_match_xppaut(tmp_path: Path, name: str) -> None:
    text = (DATA / f"{name}.ode").read_text()
    theirs = _run_xppaut(tmp_path, text)
    assert theirs is not None, f"XPPAUT refused {name}.ode"
    model = Model.from_text(text)
    dt, total = model.options["dt"], model.options["total"]
    tr = simulate(model, list(model.initial_state()), total, dt=dt)
    n = model.n
    steps = min(len(tr.t), len(theirs))
    assert steps >= round(total / dt)
    np.testing.assert_allclose(tr.t[:steps], theirs[:steps, 0], rtol=1e-6, atol=1e-6)
    states = np.asarray(tr.states)[0, :steps]
    # float32 printing, and round-off that Euler carries along a run of many steps
    np.testing.assert_allclose(states, theirs[:steps, 1:1 + n], rtol=1e-5, atol=1e-5)
    if model.aux:
        aux = np.asarray(compile(model).aux(states, None, tr.t[:steps]))
        np.testing.assert_allclose(aux, theirs[:steps, 1 + n:], rtol=1e-5, atol=1e-5)


@needs_xppaut
def test_default_integrator_is_xppauts_rk4(tmp_path: Path) -> None:
    """A file without meth: XPPAUT integrates it with RK4 at dt = 0.05, and so does
    ``dynsys simulate`` by default for an .ode file."""
    text = "dv/dt = v - v^3/3 - w + I\ndw/dt = 0.08*(v + 0.7 - 0.8*w)\npar I=0.5\n" \
           "init v=-1, w=1\n@ total=20\ndone\n"
    theirs = _run_xppaut(tmp_path, text)
    assert theirs is not None
    (tmp_path / "fhn.ode").write_text(text)
    run = subprocess.run([sys.executable, "-m", "dynsys.cli", "simulate", "fhn.ode", "--json"],
                         cwd=tmp_path, capture_output=True, text=True, check=True, timeout=120)
    out = json.loads(run.stdout)
    assert out["method"] == "rk4" and out["dt"] == 0.05
    ours = np.asarray(out["trajectories"][0])
    assert ours.shape == theirs[:, 1:].shape
    np.testing.assert_allclose(ours, theirs[:, 1:], rtol=1e-6, atol=1e-6)


@needs_xppaut
def test_cli_csv_is_xppauts_output_dat(tmp_path: Path) -> None:
    """``dynsys simulate FILE --format csv`` with the file's own meth and dt writes what
    XPPAUT writes to output.dat: t, the states, then the aux quantities."""
    text = (DATA / "rate_pair.ode").read_text()
    theirs = _run_xppaut(tmp_path, text)
    assert theirs is not None
    (tmp_path / "pair.ode").write_text(text)
    run = subprocess.run([sys.executable, "-m", "dynsys.cli", "simulate", "pair.ode",
                          "--format", "csv"], cwd=tmp_path, capture_output=True, text=True,
                         check=True, timeout=120)
    rows = run.stdout.strip().splitlines()
    assert rows[0] == "run,t,e,i,drive,gate"
    ours = np.array([[float(v) for v in row.split(",")[1:]] for row in rows[1:]])
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- property
_NAMES = ["a", "b", "x", "A", "X"]
_leaf = st.one_of(st.sampled_from(_NAMES),
                  st.integers(0, 9).map(str),
                  st.sampled_from(["0.5", "2.25", "1e-1", "3."]))
_BINARY = ["+", "-", "*", "/", "^", "**", ">", "<", ">=", "<=", "==", "!=", "&", "|"]


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(_BINARY), children).map(lambda p: "".join(p)),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"(-{c})"),
        children.map(lambda c: f"not({c})"),
        st.tuples(st.sampled_from(["sin", "cos", "tanh", "abs", "flr", "sign", "heav",
                                   "exp"]), children).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(st.sampled_from(["max", "min", "mod", "atan2"]), children, children)
        .map(lambda p: f"{p[0]}({p[1]},{p[2]})"),
        st.tuples(children, children, children)
        .map(lambda p: f"if({p[0]})then({p[1]})else({p[2]})"),
    )


_expressions = st.recursive(_leaf, _grow, max_leaves=8)


@needs_xppaut
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_expressions, min_size=1, max_size=4))
def test_random_expressions_agree_with_xppaut(tmp_path_factory: pytest.TempPathFactory,
                                              exprs: list[str]) -> None:
    """Text XPPAUT accepts loads in dynsys with the same values, or is refused by name."""
    folder = tmp_path_factory.mktemp("xpp")
    text = "par a=2, b=0.75\nx' = 0\ninit x=0.3\n" + "".join(
        f"aux q{i}={e}\n" for i, e in enumerate(exprs)) + "@ total=0.05, dt=0.05\ndone\n"
    try:
        model = Model.from_text(text)
    except ModelError as exc:
        # refused: it must be XPPAUT's own syntax rule (a sign after an operator), a
        # constant that is not finite, or XPPAUT must refuse the text too
        message = str(exc)
        named = ("sign right after", "computed wrongly by XPPAUT", "non-finite",
                 "division by zero", "mod by zero", "exponent too large", "beyond float64")
        if any(reason in message for reason in named):
            return
        assert _run_xppaut(folder, text) is None, f"XPPAUT accepts what dynsys refused: {exc}"
        return
    theirs = _run_xppaut(folder, text)
    if theirs is None:
        # XPPAUT's number reader stops only at * ^ / , ) | > < & = so that a number right
        # before != ("0!=a") is a syntax error there; dynsys reads it as written
        assert re.search(r"[0-9.]!=", text), f"dynsys accepts what XPPAUT refuses:\n{text}"
        return
    with np.errstate(all="ignore"):
        ours = _aux_at_start(model)
    expected = theirs[0, 2:]
    finite = np.isfinite(ours) & np.isfinite(expected) & (np.abs(expected) < 1e30)
    # XPPAUT replaces a division by 0 with one by 2.2e-15; dynsys gives inf: skip those
    np.testing.assert_allclose(ours[finite], expected[finite], rtol=1e-6, atol=1e-6)
