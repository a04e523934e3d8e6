"""LaTeX to MathML for report.html: structure checked against hand-written MathML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from dynsys.core.loading import load_model
from dynsys.report.mathml import tex_to_mathml


def _tree(tex: str, **kw) -> ET.Element:
    return ET.fromstring(tex_to_mathml(tex, **kw))  # well-formed XML, or this raises


def _tags(el: ET.Element) -> list[str]:
    return [e.tag for e in el.iter()]


def test_fraction_root_scripts():
    frac = _tree(r"\frac{dr}{dt}")[0]
    assert frac.tag == "mfrac" and [c.tag for c in frac] == ["mrow", "mrow"]
    assert "".join(frac[0].itertext()) == "dr" and "".join(frac[1].itertext()) == "dt"
    root = _tree(r"\sqrt{\Delta t}")[0]
    assert root.tag == "msqrt" and "".join(root.itertext()) == "Δt"
    sub = _tree(r"V''_{\min}")[0]
    assert sub.tag == "msubsup" and [c.text for c in sub] == ["V", "min", "′′"]
    assert _tree(r"\tfrac12")[0].tag == "mfrac"


def test_operators_and_letters():
    math = _tree(r"x \approx -1, \quad \sigma \le 2")
    assert [(e.tag, e.text) for e in math][:4] == [("mi", "x"), ("mo", "≈"), ("mo", "−"),
                                                   ("mn", "1")]
    assert ("mi", "σ") in [(e.tag, e.text) for e in math]
    assert ("mo", "≤") in [(e.tag, e.text) for e in math]
    assert _tree(r"\text{if } x")[0].text == "if "


def test_matrices_are_tables_in_fences():
    m = _tree(r"J = \begin{pmatrix}-1 & a\\ b & -1\end{pmatrix}")
    table = m.find(".//mtable")
    assert table is not None and len(table) == 2 and all(len(r) == 2 for r in table)
    fences = [e.text for e in m.iter("mo") if e.get("stretchy") == "true"]
    assert fences == ["(", ")"]
    assert "".join(table[1][0].itertext()) == "b"


def test_model_equations_render_without_raw_tex():
    """Every built-in model's sympy LaTeX becomes MathML with no backslash left."""
    for name in ("self_excitation", "mutual_excitation", "wilson_cowan", "fitzhugh_nagumo"):
        tex = load_model(name).latex()
        math = _tree(tex, display=True)
        assert math.get("display") == "block"
        assert math.find(".//mtable") is not None  # the aligned block
        assert "\\" not in "".join(math.itertext()), name


@pytest.mark.parametrize("tex", ["<script>", "a & b", "x_", "\\frac{1}", "}{", "\\left(", "\\left",
                                 "\\sqrt[3", "\\begin{pmatrix} a & b", "x^", "\\right)"])
def test_hostile_or_broken_input_stays_well_formed(tex):
    text = tex_to_mathml(tex)
    ET.fromstring(text)
    assert "<script" not in text


def test_a_sign_is_a_prefix_and_a_difference_an_infix():
    """'I = -3' and '[-20, 0]' set the minus as a sign (no space), 'a - b' as an operator."""
    sign = _tree("I = -3")
    assert [(e.tag, e.get("form")) for e in sign][2] == ("mo", "prefix")
    assert _tree("[-20, 0]")[1].get("form") == "prefix"
    diff = _tree("a - b")
    assert diff[1].text == "−" and diff[1].get("form") is None


def test_random_token_soup_always_ends_in_well_formed_mathml():
    """No input makes the converter loop, fail, or write broken XML (seeded fuzzing)."""
    import random

    pieces = ["a", "1.5", "{", "}", "^", "_", "&", "\\\\", "\\frac", "\\sqrt", "[", "]",
              "\\left", "\\right", "(", ")", "\\begin{pmatrix}", "\\end{pmatrix}",
              "\\begin{aligned}", "\\end{aligned}", "\\text{x y}", "\\mathrm{ab}", "-", "+",
              "'", "\\alpha", "\\tanh", "\\,", "<", "\\foo", "\\begin{array}{cc}",
              "\\end{array}", "."]
    rng = random.Random(0)
    for _ in range(2000):
        tex = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        ET.fromstring(tex_to_mathml(tex))


def test_left_right_pairs_nest_inside_scripts():
    """Wilson-Cowan's e^{-a (E w - ...)}: the inner \\left( ... \\right) closes inside the
    exponent; each pair is one row with both delimiters stretched (a closing bracket
    that escaped the exponent left a wide gap in report.html)."""
    out = tex_to_mathml(r"\left(1 + e^{- a \left(E - \theta\right)}\right) x")
    root = ET.fromstring(out)
    sup = root.find(".//msup")
    assert sup is not None
    inner = [mo.text for mo in sup.iter("mo") if mo.get("stretchy") == "true"]
    assert inner == ["(", ")"]
    outer = [mo.text for mo in root.iter("mo") if mo.get("stretchy") == "true"]
    assert outer == ["(", "(", ")", ")"]
    assert not [mo for mo in root.iter("mo") if mo.get("stretchy") == "false"]
