"""The report's tiny inline markup, rendered to LaTeX and to HTML.

Text is plain prose with inline mathematics between ``$...$`` (LaTeX syntax),
``**bold**`` and ```code```. LaTeX output escapes the prose and keeps the mathematics; HTML output
escapes the prose and renders the mathematics as MathML (:mod:`dynsys.report.mathml`),
which browsers typeset natively, so the page needs no script or external resource.
"""

from __future__ import annotations

import html
import re

from dynsys.report.mathml import tex_to_mathml

__all__ = ["math_to_html", "text_to_html", "text_to_latex"]

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "$": r"\$",
}
# characters that pdflatex cannot typeset from UTF-8 prose without extra packages
_UNICODE_TEX = {
    "σ": r"$\sigma$", "≈": r"$\approx$", "×": r"$\times$", "≤": r"$\le$", "≥": r"$\ge$",
    "±": r"$\pm$", "−": "-", "–": "--", "—": "---", "’": "'", "‘": "`", "“": "``",
    "”": "''", "…": r"\ldots{}", "Δ": r"$\Delta$", "λ": r"$\lambda$", "→": r"$\to$",
    "·": r"$\cdot$", "°": r"$^\circ$", "α": r"$\alpha$", "β": r"$\beta$", "η": r"$\eta$",
    "μ": r"$\mu$", "τ": r"$\tau$", "ρ": r"$\rho$", "√": r"$\surd$", "∞": r"$\infty$",
    "é": r"\'e", "ä": r"\"a", "ö": r"\"o", "ü": r"\"u", "\u00a0": "~",
}

_SEGMENTS = re.compile(r"(\$[^$]+\$|\*\*[^*]+\*\*|`[^`]+`)")


#: ASCII operators that the OT1 text fonts print as other glyphs ("<" as an inverted
#: exclamation mark): written as mathematics or as text commands that exist in OT1
_TEX_OPERATORS = re.compile(r"->|<-|>=|<=|!=|[<>|]")
_TEX_OPERATOR = {"->": r"$\to$", "<-": r"$\leftarrow$", ">=": r"$\ge$", "<=": r"$\le$",
                 "!=": r"$\ne$", "<": r"\textless{}", ">": r"\textgreater{}",
                 "|": r"\textbar{}"}


def _escape_tex(text: str) -> str:
    pieces = _TEX_OPERATORS.split(text)
    ops = _TEX_OPERATORS.findall(text)
    return "".join(_escape_chars(piece) + (_TEX_OPERATOR[op] if k < len(ops) else "")
                   for k, (piece, op) in enumerate(zip(pieces, [*ops, ""], strict=True)))


def _escape_chars(text: str) -> str:
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _UNICODE_TEX:
            out.append(_UNICODE_TEX[ch])
        elif ord(ch) > 127:
            out.append("?")  # never emit a character pdflatex cannot typeset
        else:
            out.append(ch)
    return "".join(out)


def text_to_latex(text: str) -> str:
    """Prose with ``$math$`` and ``**bold**`` to LaTeX (prose escaped, math kept)."""
    parts = []
    for seg in _SEGMENTS.split(text):
        if seg.startswith("$") and seg.endswith("$") and len(seg) > 1:
            parts.append(seg)
        elif seg.startswith("**") and seg.endswith("**") and len(seg) > 4:
            parts.append(r"\textbf{" + _escape_tex(seg[2:-2]) + "}")
        elif seg.startswith("`") and seg.endswith("`") and len(seg) > 2:
            parts.append(r"\texttt{" + _escape_tex(seg[1:-1]).replace("-", "-{}") + "}")
        else:
            parts.append(_escape_tex(seg))
    return "".join(parts)


def math_to_html(tex: str, *, display: bool = False) -> str:
    """LaTeX mathematics as MathML (rendered by the browser; no script, nothing fetched).

    >>> math_to_html(r"x^2")
    '<math><msup><mi>x</mi><mn>2</mn></msup></math>'
    """
    return tex_to_mathml(tex, display=display)


def text_to_html(text: str) -> str:
    """Prose with ``$math$`` and ``**bold**`` to HTML."""
    parts = []
    for seg in _SEGMENTS.split(text):
        if seg.startswith("$") and seg.endswith("$") and len(seg) > 1:
            parts.append(math_to_html(seg[1:-1]))
        elif seg.startswith("**") and seg.endswith("**") and len(seg) > 4:
            parts.append(f"<strong>{html.escape(seg[2:-2])}</strong>")
        elif seg.startswith("`") and seg.endswith("`") and len(seg) > 2:
            parts.append(f"<code>{html.escape(seg[1:-1])}</code>")
        else:
            parts.append(html.escape(seg))
    return "".join(parts)
