"""The report's tiny inline markup, rendered to LaTeX and to HTML.

Text is plain prose with inline mathematics between ``$...$`` (LaTeX syntax),
``**bold**`` and ```code```. LaTeX output escapes the prose and keeps the mathematics; HTML output
escapes the prose and renders the mathematics as readable plain text (Greek letters,
sub- and superscripts, fractions), so the page needs no script or external resource.
"""

from __future__ import annotations

import html
import re

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


_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω", "xi": "ξ", "Delta": "Δ",
    "Gamma": "Γ", "Lambda": "Λ", "Sigma": "Σ", "Omega": "Ω", "Phi": "Φ",
}
_SYMBOLS = {
    "approx": "≈", "times": "×", "cdot": "·", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "pm": "±", "mp": "∓", "to": "→", "infty": "∞", "neq": "≠", "ne": "≠", "in": "∈",
    "partial": "∂", "int": "∫", "sum": "∑", "ldots": "…", "dots": "…", "quad": "  ",
    "qquad": "    ", "implies": "⟹", "Rightarrow": "⇒", "mid": "|", "lvert": "|",
    "rvert": "|", "langle": "⟨", "rangle": "⟩", "prime": "′", "circ": "∘", "sim": "∼",
    "propto": "∝", "ell": "ℓ", "hbar": "ℏ", "equiv": "≡", "ll": "≪", "gg": "≫",
}
_FUNCS = ("tanh", "cosh", "sinh", "exp", "log", "ln", "sin", "cos", "det", "tr", "min",
          "max", "sign", "operatorname")


def _braced(s: str, i: int) -> tuple[str, int]:
    """The group starting at ``s[i]`` (``{...}`` or one character) and the index after it."""
    if i < len(s) and s[i] == "{":
        depth, j = 0, i
        while j < len(s):
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    return s[i + 1:j], j + 1
            j += 1
        return s[i + 1:], len(s)
    if i < len(s) and s[i] == "\\":
        m = re.match(r"\\[A-Za-z]+", s[i:])
        if m:
            return m.group(0), i + len(m.group(0))
    return s[i:i + 1], i + 1


def math_to_html(tex: str) -> str:
    """Render simple LaTeX mathematics as HTML text (no MathJax, no external resources)."""
    for env in ("pmatrix", "bmatrix", "matrix"):
        tex = tex.replace(f"\\begin{{{env}}}", "[").replace(f"\\end{{{env}}}", "]")
    tex = tex.replace("\\\\", "; ").replace("&", ", ")
    out: list[str] = []
    i = 0
    while i < len(tex):
        ch = tex[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            name = m.group(1) if m else ""
            i += len(name) + 1
            if name in _GREEK:
                out.append(_GREEK[name])
            elif name in _SYMBOLS:
                out.append(_SYMBOLS[name])
            elif name in ("frac", "dfrac", "tfrac"):
                num, i = _braced(tex, i)
                den, i = _braced(tex, i)
                out.append(f"({math_to_html(num)})/({math_to_html(den)})")
            elif name == "sqrt":
                arg, i = _braced(tex, i)
                out.append(f"√({math_to_html(arg)})")
            elif name in ("mathrm", "text", "mathit", "mathbf", "operatorname", "textrm",
                          "mathcal", "boldsymbol", "mathrel", "mathbin", "mathop"):
                arg, i = _braced(tex, i)
                out.append(math_to_html(arg))
            elif name in _FUNCS:
                out.append(name)
            elif name in ("left", "right", "big", "Big", "bigl", "bigr", "displaystyle"):
                continue
            elif name in (",", ";", ":", "!", " "):
                out.append(" " if name != "!" else "")
            elif name in ("{", "}", "%", "$", "#", "&", "_"):
                out.append(html.escape(name))
            else:
                out.append(html.escape(name))
        elif ch in "^_":
            arg, i = _braced(tex, i + 1)
            tag = "sup" if ch == "^" else "sub"
            out.append(f"<{tag}>{math_to_html(arg)}</{tag}>")
        elif ch in "{}":
            i += 1
        elif ch == "~":
            out.append(" ")
            i += 1
        elif ch == "-":
            out.append("−")
            i += 1
        else:
            out.append(html.escape(ch))
            i += 1
    return "".join(out)


def text_to_html(text: str) -> str:
    """Prose with ``$math$`` and ``**bold**`` to HTML."""
    parts = []
    for seg in _SEGMENTS.split(text):
        if seg.startswith("$") and seg.endswith("$") and len(seg) > 1:
            parts.append(f'<span class="math">{math_to_html(seg[1:-1])}</span>')
        elif seg.startswith("**") and seg.endswith("**") and len(seg) > 4:
            parts.append(f"<strong>{html.escape(seg[2:-2])}</strong>")
        elif seg.startswith("`") and seg.endswith("`") and len(seg) > 2:
            parts.append(f"<code>{html.escape(seg[1:-1])}</code>")
        else:
            parts.append(html.escape(seg))
    return "".join(parts)
