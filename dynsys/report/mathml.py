"""The report's LaTeX mathematics as MathML, for report.html (no script, no network).

Browsers render MathML Core natively (Chromium since 109, Firefox, Safari), so the page
shows real fractions, roots, matrices and scripts with nothing fetched. The converter
reads the subset of LaTeX that the report and :meth:`Model.latex` write: letters and
numbers, ``^`` and ``_``, ``\\frac``, ``\\sqrt``, Greek letters, operators and
relations, ``\\left( ... \\right)``, ``\\mathrm``/``\\text``/``\\operatorname``,
function names (``\\tanh``), spacing commands, primes, and the environments
``pmatrix``, ``bmatrix``, ``matrix``, ``smallmatrix``, ``aligned``, ``align*`` and
``cases``. An unknown command is shown by its name (never dropped silently).

Examples
--------
>>> tex_to_mathml(r"\\frac{dr}{dt}")
'<math><mfrac><mrow><mi>d</mi><mi>r</mi></mrow><mrow><mi>d</mi><mi>t</mi></mrow></mfrac></math>'
"""

from __future__ import annotations

import html
import re

__all__ = ["tex_to_mathml"]

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ",
    "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω",
}
_GREEK_UPPER = {"Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
                "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω"}
_OPERATORS = {
    "approx": "≈", "times": "×", "cdot": "⋅", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "pm": "±", "mp": "∓", "to": "→", "rightarrow": "→", "leftarrow": "←", "neq": "≠",
    "ne": "≠", "in": "∈", "sum": "∑", "int": "∫", "prod": "∏", "ldots": "…", "dots": "…",
    "cdots": "⋯", "implies": "⟹", "Rightarrow": "⇒", "mid": "|", "lvert": "|", "rvert": "|",
    "vert": "|", "langle": "⟨", "rangle": "⟩", "circ": "∘", "sim": "∼", "propto": "∝",
    "equiv": "≡", "ll": "≪", "gg": "≫", "infty": "∞", "partial": "∂", "nabla": "∇",
    "surd": "√", "lbrace": "{", "rbrace": "}", "setminus": "∖", "cup": "∪", "cap": "∩",
    "mapsto": "↦", "forall": "∀", "exists": "∃", "prime": "′", "ell": "ℓ", "hbar": "ℏ",
}
_IDENTIFIERS = {"infty", "partial", "nabla", "ell", "hbar"}
_FUNCTIONS = {"tanh", "cosh", "sinh", "exp", "log", "ln", "sin", "cos", "tan", "det", "tr",
              "min", "max", "sign", "arctan", "arcsin", "arccos", "sec", "csc", "cot", "lim",
              "sup", "inf", "arg", "dim", "ker", "Re", "Im", "sgn"}
_SPACES = {",": "0.1667em", ":": "0.2222em", ";": "0.2778em", " ": "0.25em",
           "quad": "1em", "qquad": "2em", "!": "-0.1667em", "enspace": "0.5em"}
_STYLES = {"mathrm": "normal", "operatorname": "normal", "mathbf": "bold",
           "boldsymbol": "bold-italic", "mathit": "italic", "mathcal": "script",
           "mathbb": "double-struck", "mathsf": "sans-serif", "mathtt": "monospace"}
_TEXTS = ("text", "textrm", "textit", "textbf", "mbox")
_PASS = ("mathrel", "mathbin", "mathop", "displaystyle", "textstyle", "scriptstyle",
         "limits", "nolimits", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
         "biggl", "biggr")
_FENCES = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "Bmatrix": ("{", "}"),
           "vmatrix": ("|", "|"), "matrix": ("", ""), "smallmatrix": ("", ""),
           "aligned": ("", ""), "align": ("", ""), "align*": ("", ""),
           "cases": ("{", ""), "array": ("", ""), "gathered": ("", ""),
           "split": ("", "")}
_TOKEN = re.compile(r"\\([A-Za-z]+\*?|.)|(\d+(?:\.\d+)?|\.\d+)|(\s+)|(.)", re.S)


def _tokens(tex: str) -> tuple[list[tuple[str, str]], list[int]]:
    """The tokens (kind, text) and where each starts in ``tex``."""
    out, starts = [], []
    for m in _TOKEN.finditer(tex):
        if m.group(3) is not None:
            continue
        if m.group(1) is not None:
            out.append(("cmd", m.group(1)))
        elif m.group(2) is not None:
            out.append(("num", m.group(2)))
        else:
            out.append(("chr", m.group(4)))
        starts.append(m.start())
    return out, starts


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _row(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "<mrow>" + "".join(items) + "</mrow>"


class _Parser:
    def __init__(self, tex: str) -> None:
        self.tex = tex
        self.toks, self.starts = _tokens(tex)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    # ------------------------------------------------------------------ sequences
    def sequence(self, stop: tuple[tuple[str, str], ...] = ()) -> list[str]:
        """Atoms with their scripts until a stop token (not consumed) or the end."""
        items: list[str] = []
        while (tok := self.peek()) is not None and tok not in stop:
            if tok == ("chr", "}"):
                self.i += 1  # an unbalanced brace: skip it
                continue
            if tok[0] == "cmd" and tok[1] in ("end", "right", "\\"):
                break
            if tok == ("chr", "&"):
                break
            if tok in (("chr", "-"), ("chr", "+"), ("chr", "±")) and (
                    not items or items[-1].startswith(("<mo", "<mspace"))):
                # a sign, not a binary operator ("= -3", "[-20, 0]"): no spaces around it
                self.i += 1
                sign = "−" if tok[1] == "-" else tok[1]
                items.append(f'<mo form="prefix">{sign}</mo>')
                continue
            if tok in (("chr", "^"), ("chr", "_")) or tok == ("chr", "'"):
                base = items.pop() if items else "<mrow></mrow>"
                items.append(self.scripts(base))
                continue
            atom = self.atom()
            if atom:
                items.append(atom)
        return items

    def scripts(self, base: str) -> str:
        sub = sup = None
        primes = ""
        while (tok := self.peek()) is not None:
            if tok == ("chr", "'"):
                self.i += 1
                primes += "′"
            elif tok == ("chr", "^") and sup is None:
                self.i += 1
                sup = self.argument()
            elif tok == ("chr", "_") and sub is None:
                self.i += 1
                sub = self.argument()
            else:
                break
        if primes:
            mark = f"<mo>{primes}</mo>"
            sup = mark if sup is None else f"<mrow>{mark}{sup}</mrow>"
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sub is not None:
            return f"<msub>{base}{sub}</msub>"
        if sup is not None:
            return f"<msup>{base}{sup}</msup>"
        return base

    def argument(self) -> str:
        """One argument: a braced group, or a single token."""
        tok = self.peek()
        if tok is None:
            return "<mrow></mrow>"
        if tok == ("chr", "{"):
            return self.group()
        if tok[0] == "num" and len(tok[1]) > 1 and "." not in tok[1]:
            # \tfrac12: one digit at a time, as TeX reads it
            self.toks[self.i] = ("num", tok[1][1:])
            return f"<mn>{tok[1][0]}</mn>"
        return self.atom() or "<mrow></mrow>"

    def group(self) -> str:
        self.i += 1  # {
        items = self.sequence((("chr", "}"),))
        if self.peek() == ("chr", "}"):
            self.i += 1
        return _row(items) if items else "<mrow></mrow>"

    def raw_group(self) -> str:
        """The source text of a braced group, unparsed (for \\text and \\begin)."""
        if self.peek() != ("chr", "{"):
            return self.next()[1] if self.peek() is not None else ""
        start = self.starts[self.i] + 1
        self.i += 1
        depth, end = 1, len(self.tex)
        while (tok := self.peek()) is not None:
            if tok == ("chr", "{"):
                depth += 1
            elif tok == ("chr", "}"):
                depth -= 1
                if depth == 0:
                    end = self.starts[self.i]
                    self.i += 1
                    break
            self.i += 1
        return self.tex[start:end]

    # ------------------------------------------------------------------ atoms
    def atom(self) -> str:
        kind, value = self.next()
        if kind == "num":
            return f"<mn>{value}</mn>"
        if kind == "chr":
            if value == "{":
                self.i -= 1
                return self.group()
            if value.isalpha():
                return f"<mi>{_esc(value)}</mi>"
            if value == "~":
                return '<mspace width="0.25em"></mspace>'
            if value == "-":
                return "<mo>−</mo>"
            if value in "()[]|":
                # as TeX: a plain bracket keeps its size (only \left/\right stretch)
                return f'<mo stretchy="false">{_esc(value)}</mo>'
            return f"<mo>{_esc(value)}</mo>"
        return self.command(value)

    def command(self, name: str) -> str:
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            num, den = self.argument(), self.argument()
            return f"<mfrac>{num}{den}</mfrac>"
        if name == "sqrt":
            if self.peek() == ("chr", "["):
                self.i += 1
                index = _row(self.sequence((("chr", "]"),)) or ["<mrow></mrow>"])
                self.i += 1
                return f"<mroot>{self.argument()}{index}</mroot>"
            return f"<msqrt>{self.argument()}</msqrt>"
        if name in _GREEK:
            return f"<mi>{_GREEK[name]}</mi>"
        if name in _GREEK_UPPER:
            return f'<mi mathvariant="normal">{_GREEK_UPPER[name]}</mi>'
        if name in _IDENTIFIERS:
            return f"<mi>{_OPERATORS[name]}</mi>"
        if name in _OPERATORS:
            return f"<mo>{_esc(_OPERATORS[name])}</mo>"
        if name in _FUNCTIONS:
            return f"<mi>{name}</mi>"  # several letters: upright, as TeX sets it
        if name in _SPACES:
            return f'<mspace width="{_SPACES[name]}"></mspace>'
        if name in _STYLES:
            inner = self.raw_group()
            if re.fullmatch(r"[A-Za-z]+", inner):
                return f'<mi mathvariant="{_STYLES[name]}">{_esc(inner)}</mi>'
            return f'<mstyle mathvariant="{_STYLES[name]}">{_Parser(inner).row()}</mstyle>'
        if name in _TEXTS:
            return f"<mtext>{_esc(self.raw_group())}</mtext>"
        if name in _PASS:
            return ""
        if name == "left":  # \left( ... \right): one row, the delimiters stretched
            opening = self.delimiter()
            inner = self.sequence()  # stops at the matching \right
            closing = ""
            if self.peek() == ("cmd", "right"):
                self.i += 1
                closing = self.delimiter()
            return "<mrow>" + opening + "".join(inner) + closing + "</mrow>"
        if name == "right":  # a stray \right: its delimiter alone
            return self.delimiter()
        if name == "begin":
            return self.environment(self.raw_group())
        if name in ("{", "}", "%", "$", "#", "&", "_", "|"):
            return f"<mo>{_esc(name if name != '|' else '‖')}</mo>"
        return f"<mi>{_esc(name)}</mi>"  # unknown: shown, never dropped

    def delimiter(self) -> str:
        """The delimiter after ``\\left``/``\\right`` as a stretchy operator ("" for ".")."""
        if self.peek() is None:
            return ""
        kind, value = self.next()
        delim = _OPERATORS.get(value, value) if kind == "cmd" else value
        return "" if delim == "." else f'<mo stretchy="true">{_esc(delim)}</mo>'

    def environment(self, env: str) -> str:
        if env == "array" and self.peek() == ("chr", "{"):
            self.raw_group()  # column specification
        rows: list[list[str]] = [[]]
        while (tok := self.peek()) is not None:
            if tok == ("cmd", "end"):
                self.i += 1
                self.raw_group()
                break
            if tok == ("chr", "&"):
                self.i += 1
                rows[-1].append("")
                continue
            if tok == ("cmd", "\\"):
                self.i += 1
                if self.peek() == ("chr", "["):  # \\[4pt]
                    while (t := self.peek()) is not None and t != ("chr", "]"):
                        self.i += 1
                    self.i += 1
                rows.append([])
                continue
            items = self.sequence()
            if not items:
                self.i += 1  # a stray \\right or the like: skip it
                continue
            cell = _row(items)
            if rows[-1] and rows[-1][-1] == "":
                rows[-1][-1] = cell
            else:
                rows[-1].append(cell)
        rows = [r for r in rows if r]
        aligned = env in ("aligned", "align", "align*", "split")
        cells = []
        for r in rows:
            tds = []
            for k, c in enumerate(r):
                align = ""
                if aligned:
                    align = ' style="text-align:right"' if k % 2 == 0 else \
                        ' style="text-align:left"'
                elif env == "cases":
                    align = ' style="text-align:left"'
                tds.append(f"<mtd{align}>{c or '<mrow></mrow>'}</mtd>")
            cells.append("<mtr>" + "".join(tds) + "</mtr>")
        small = ' displaystyle="false" style="font-size:80%"' if env == "smallmatrix" else ""
        table = f"<mtable{small}>" + "".join(cells) + "</mtable>"
        left, right = _FENCES.get(env, ("", ""))
        fence = "".join([f'<mo stretchy="true">{_esc(left)}</mo>' if left else "", table,
                         f'<mo stretchy="true">{_esc(right)}</mo>' if right else ""])
        return f"<mrow>{fence}</mrow>"

    def items(self) -> list[str]:
        """Everything, as a list of elements."""
        items: list[str] = []
        while self.peek() is not None:
            items += self.sequence()
            tok = self.peek()
            if tok is not None:  # a stray \end, \right, \\ or & outside its environment
                self.i += 1
        return items

    def row(self) -> str:
        items = self.items()
        return _row(items) if items else "<mrow></mrow>"


def tex_to_mathml(tex: str, *, display: bool = False) -> str:
    """LaTeX mathematics (without ``$``) as a MathML ``<math>`` element.

    Parameters
    ----------
    tex : str
        The mathematics, e.g. ``r"\\frac{dx}{dt} = -x + f(w_2 y + I)"``.
    display : bool, default False
        A displayed equation (``display="block"``) rather than inline.

    Returns
    -------
    str
        The ``<math>`` element; the text of every token is HTML-escaped.

    Examples
    --------
    >>> tex_to_mathml(r"\\sigma^2")
    '<math><msup><mi>σ</mi><mn>2</mn></msup></math>'
    >>> "<mtable>" in tex_to_mathml(r"\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}")
    True
    """
    body = "".join(_Parser(tex).items())
    attrs = ' display="block"' if display else ""
    return f"<math{attrs}>{body}</math>"
