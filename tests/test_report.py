"""The report engine: markup, figures/tables/claims, writers, atomic output, the CLI."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from dynsys.cli import main
from dynsys.errors import ModelError
from dynsys.report import Report, load_recipe, recipe_names, run_report
from dynsys.report.markup import math_to_html, text_to_html, text_to_latex
from dynsys.report.writers import latex_engine

TINY = textwrap.dedent('''
    TITLE = "A tiny report"
    STEPS = 3

    def build(report):
        from dynsys.plots._style import new_axes
        report.section("1 One")
        report.text("Rate $r = 5$ spikes/s, 50% of $\\\\sigma^2$; a_b & c.")
        fig, ax = new_axes()
        ax.plot([0, 1], [0, 1], label="line")
        ax.legend()
        report.figure(1, "line", fig, "A line.")
        report.table(1, "t", ("a", "$b$"), [("1", "$2$")], "A table.")
        with report.step("works"):
            report.record("x.y", 1.5)
            report.claim("c_ok", "It holds.", "x = 1.5", "1.5", True)
        with report.step("broken", needs="something missing"):
            raise ImportError("no module named 'missing'")
        report.claim("c_no", "It differs.", "x = 2", "1.5", False, explanation="Because.")
        report.claims_table()
''')


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    recipe = folder / "tiny.py"
    recipe.write_text(TINY)
    out = folder / "out"
    result = run_report(recipe, out, pdf=True, parallel=False)
    return result, out


def test_markup_latex_escapes_prose_and_keeps_math():
    assert text_to_latex("50% a_b & $x_1^2$") == r"50\% a\_b \& $x_1^2$"
    assert text_to_latex("σ ≈ 2") == r"$\sigma$ $\approx$ 2"
    assert text_to_latex("**bold** #1") == r"\textbf{bold} \#1"


def test_markup_html_renders_math_as_mathml():
    assert math_to_html(r"\sigma^2") == "<math><msup><mi>σ</mi><mn>2</mn></msup></math>"
    assert math_to_html(r"\frac{a}{b}") == "<math><mfrac><mi>a</mi><mi>b</mi></mfrac></math>"
    assert math_to_html(r"x_{ij} \approx -1") == (
        "<math><msub><mi>x</mi><mrow><mi>i</mi><mi>j</mi></mrow></msub><mo>≈</mo>"
        '<mo form="prefix">−</mo>'
        "<mn>1</mn></math>")
    assert "<script>" not in text_to_html("<script> $<b>$")
    assert text_to_html("$<b>$") == "<math><mo>&lt;</mo><mi>b</mi><mo>&gt;</mo></math>"


def test_tiny_report_files(tiny):
    _, out = tiny
    for name in ("report.tex", "report.html", "results.json", "figures/fig01_line.png",
                 "figures/fig01_line.pdf", "tables/table1_t.tex"):
        assert (out / name).stat().st_size > 0, name
    # no temporary files left behind by the atomic writes
    assert not [p for p in out.rglob(".*") if p.is_file()]
    tex = (out / "report.tex").read_text()
    assert r"\input{tables/table1_t.tex}" in tex and r"\includegraphics" in tex
    assert r"50\% of $\\sigma^2$" in tex or r"50\% of $\sigma^2$" in tex
    assert "\\toprule" in (out / "tables/table1_t.tex").read_text()


def test_tiny_report_results_and_unavailable(tiny):
    _, out = tiny
    data = json.loads((out / "results.json").read_text())
    assert data["results"]["x"]["y"] == 1.5
    claims = {c["id"]: c for c in data["claims"]}
    assert claims["c_ok"]["verdict"] == "holds" and claims["c_no"]["verdict"] == "differs"
    assert set(claims["c_ok"]) >= {"id", "claim", "criterion", "measured", "verdict"}
    assert [u["what"] for u in data["unavailable"]] == ["broken"]
    assert "something missing" in data["unavailable"][0]["reason"]
    html = (out / "report.html").read_text()
    assert "Not yet available" in html and "Because." in html
    assert data["figures"][0]["files"]["png"] == "figures/fig01_line.png"


def test_tiny_report_html_is_self_contained(tiny):
    _, out = tiny
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!["']|data:|#)""", html)
    assert "<script" not in html and "<link" not in html and "http" not in html


@pytest.mark.skipif(latex_engine() is None, reason="no LaTeX engine installed")
def test_tiny_report_pdf(tiny):
    result, out = tiny
    assert result.pdf is not None, result.pdf_message
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_recipe_loading_errors(tmp_path):
    assert {"firing_rate_models", "wilson_cowan"} <= set(recipe_names())
    with pytest.raises(ModelError, match="built-in reports"):
        load_recipe("no_such_report")
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\n")
    with pytest.raises(ModelError, match="TITLE and build"):
        load_recipe(bad)


def test_claim_verdicts_and_seeds(tmp_path):
    rep = Report(tmp_path, title="t", seed=3)
    assert rep.claim("a", "c", "k", "m", None).verdict == "not available"
    assert rep.seed_for("x") == Report(tmp_path, title="t", seed=3).seed_for("x")
    assert rep.seed_for("x") != rep.seed_for("y")


def test_cli_report_list_and_errors(capsys, tmp_path):
    assert main(["report", "--list"]) == 0
    assert "firing_rate_models" in capsys.readouterr().out
    assert main(["report", "nope", "--out", str(tmp_path / "o")]) == 2
    assert "error: unknown report 'nope'" in capsys.readouterr().err


def test_interrupted_run_leaves_no_partial_files(tmp_path):
    recipe = tmp_path / "stop.py"
    recipe.write_text(textwrap.dedent('''
        TITLE = "stops"

        def build(report):
            from dynsys.plots._style import new_axes
            fig, ax = new_axes()
            ax.plot([0, 1], [1, 0])
            report.figure(1, "one", fig, "Written before the interruption.")
            raise KeyboardInterrupt
    '''))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_report(recipe, out, pdf=False)
    # the report is built beside ``out`` and swapped in only when complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stop.py"]


def test_missing_latex_engine_names_the_packages(tmp_path, monkeypatch):
    from dynsys.report import writers

    monkeypatch.setattr(writers.shutil, "which", lambda name: None)
    path, message = writers.compile_pdf(tmp_path)
    assert path is None
    assert "texlive-latex-base texlive-latex-recommended" in message


def test_section_titles_carry_their_own_numbers_once(tiny):
    _, out = tiny
    tex = (out / "report.tex").read_text()
    # the titles hold the reference report's numbers ("1 One"); LaTeX must not add its own
    assert "\\section{1 One}" in tex
    assert "\\setcounter{secnumdepth}{0}" in tex.split("\\begin{document}")[0]


def test_results_keys_never_split_a_number(tmp_path):
    """A dotted key part that starts with a digit is a number split at its decimal point
    (sigma_0.1 became sigma_0 -> 1 in results.json): refused; tuple keys hold dots
    (issue 13, item 15)."""
    report = Report(tmp_path / "r", title="t")
    with pytest.raises(ModelError, match="splits a number"):
        report.record("noise.sigma_0.1", 1)
    report.record(("noise", "sigma=0.1"), 2)
    report.record("noise.count", 3)
    assert report.results["noise"] == {"sigma=0.1": 2, "count": 3}
