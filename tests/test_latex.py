"""LaTeX output: structure always checked; compiled with pdflatex when installed."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sympy as sp

from dynsys.analysis.equilibria import find_equilibria
from dynsys.core.loading import load_model
from dynsys.core.model import Model
from dynsys.core.symbols import symbols
from dynsys.latex import (
    check_structure,
    document,
    equations_latex,
    evaluated_jacobians_latex,
    format_number,
    jacobian_latex,
    stability_table,
)


def _pieces(name: str) -> list[str]:
    m = load_model(name)
    eq = find_equilibria(m)
    return [eq.to_latex(), equations_latex(m), jacobian_latex(m), evaluated_jacobians_latex(eq)]


@pytest.mark.parametrize("name", ["self_excitation", "mutual_excitation", "wilson_cowan"])
def test_structure(name: str) -> None:
    for piece in _pieces(name):
        assert check_structure(piece) == [], piece
    assert check_structure(document(*_pieces(name))) == []


def test_table_content_mutual_excitation() -> None:
    tex = stability_table(find_equilibria(load_model("mutual_excitation")), precision=3)
    lines = tex.splitlines()
    assert lines.index(r"\toprule") < lines.index(r"\midrule") < lines.index(r"\bottomrule")
    assert r"$(25.000, 25.000)$ & $4.000,\ -6.000$ & $-2.000$ & $-24.000$ & saddle \\" in lines
    assert sum("stable node" in ln for ln in lines) == 2
    assert r"$\operatorname{tr} J$" in tex and r"\label{tab:stability}" in tex
    bare = stability_table(find_equilibria(load_model("mutual_excitation")), float_env=False)
    assert bare.startswith(r"\begin{tabular}") and r"\caption" not in bare


def test_table_variants() -> None:
    wc = stability_table(find_equilibria(load_model("wilson_cowan")))
    assert r"\pm" in wc and "unstable focus" in wc
    a, b, c = symbols("a b c")
    m3 = Model({a: a - a**3, b: -b, c: -2 * c}, region={a: (-2, 2), b: (-1, 1), c: (-1, 1)})
    t3 = stability_table(find_equilibria(m3))
    assert "saddle (index 1)" in t3 and r"\det" not in t3 and check_structure(t3) == []
    x = symbols("x")
    ns = Model({x: -x + sp.sign(x)}, region={x: (-2, 2)}, name="sgn")
    tns = stability_table(find_equilibria(ns))
    assert r"$^{\ast}$" in tns and "non-smooth" in tns and check_structure(tns) == []
    empty = Model({x: 5 - x}, region={x: (0, 1)})
    te = stability_table(find_equilibria(empty))
    assert "no equilibria" in te and check_structure(te) == []


def test_format_number() -> None:
    assert format_number(0.00227195711918623) == "0.0023"
    assert format_number(49.9977280428808, 6) == "49.997728"
    assert format_number(0.0) == "0"
    assert format_number(-2.5e-7, 2) == r"-2.5 \times 10^{-7}"
    assert format_number(123456.0, 3) == r"1.23 \times 10^{5}"
    with pytest.raises(Exception, match="precision"):
        format_number(1.0, -1)


def test_structure_checker_catches_errors() -> None:
    assert check_structure("{a") == ["1 unclosed '{'"]
    assert check_structure("a}") == ["unbalanced '}'"]
    assert check_structure(r"\{ \}") == []
    assert "without \\begin" in check_structure(r"\end{x}")[0]
    bad = "\\begin{tabular}{l}\n\\midrule\nx \\\\\n\\toprule\n\\bottomrule\n\\end{tabular}"
    assert check_structure(bad) == ["tabular without \\toprule, \\midrule, \\bottomrule in order"]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_compiles_with_pdflatex(tmp_path) -> None:
    pieces = _pieces("mutual_excitation") + _pieces("self_excitation") + _pieces("wilson_cowan")
    x = symbols("x")
    ns = Model({x: -x + sp.sign(x)}, region={x: (-2, 2)}, name="sgn")
    pieces.append(stability_table(find_equilibria(ns), label="tab:ns"))
    (tmp_path / "t.tex").write_text(document(*pieces), encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000
