"""LaTeX output: the stability table (the report's Table 1), equations and Jacobians.

Everything returns a string that compiles inside :func:`document` (``amsmath`` and
``booktabs``); :func:`check_structure` lists structural problems (unbalanced braces,
unmatched ``\\begin``/``\\end``, a tabular without booktabs rules) and is what the
tests run whether or not ``pdflatex`` is installed.

Numbers: ``precision`` decimals in fixed notation for ``1e-3 <= |x| < 1e5`` (and 0),
else ``precision`` significant digits as ``m \\times 10^{e}``. Conjugate pairs are
written once as ``a \\pm b i``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import sympy as sp

from dynsys.core.model import Model
from dynsys.errors import ModelError

__all__ = [
    "check_structure",
    "document",
    "equations_latex",
    "evaluated_jacobians_latex",
    "format_number",
    "jacobian_latex",
    "stability_table",
]


def format_number(x: float, precision: int = 4) -> str:
    """A real number as LaTeX math text (without ``$``).

    Examples
    --------
    >>> format_number(0.00227195711918623), format_number(25.0), format_number(-1.2e-9, 3)
    ('0.0023', '25.0000', '-1.20 \\\\times 10^{-9}')
    """
    if precision < 0:
        raise ModelError(f"precision must be >= 0, got {precision}")
    x = float(x)
    if not np.isfinite(x):
        return r"\text{nan}" if np.isnan(x) else (r"\infty" if x > 0 else r"-\infty")
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        text = f"{x:.{precision}f}"
        return "0" if x == 0 else text
    mant, exp = f"{x:.{max(precision - 1, 0)}e}".split("e")
    return rf"{mant} \times 10^{{{int(exp)}}}"


def _eigen_text(values: np.ndarray, precision: int) -> str:
    parts: list[str] = []
    used = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if used[i]:
            continue
        used[i] = True
        if v.imag == 0:
            parts.append(format_number(v.real, precision))
            continue
        mate = next((j for j in range(i + 1, len(values)) if not used[j]
                     and np.isclose(values[j], np.conj(v), rtol=1e-12, atol=0)), None)
        im = format_number(abs(v.imag), precision)
        if mate is not None:
            used[mate] = True
            parts.append(f"{format_number(v.real, precision)} \\pm {im}\\,i")
        else:
            sign = "+" if v.imag > 0 else "-"
            parts.append(f"{format_number(v.real, precision)} {sign} {im}\\,i")
    return ",\\ ".join(parts)


def _sym(name: str) -> str:
    return sp.latex(sp.Symbol(name))


def _escape(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def stability_table(
    equilibria: Any, precision: int = 4, *, caption: str | None = None,
    label: str = "tab:stability", float_env: bool = True,
) -> str:
    """The booktabs stability table: state, eigenvalues, trace, det, classification.

    Parameters
    ----------
    equilibria : Equilibria
    precision : int, default 4
        Decimals (see :func:`format_number`).
    caption, label : str
        Caption (default names the model and parameters) and ``\\label``.
    float_env : bool, default True
        Wrap in a ``table`` float; False gives the bare ``tabular``.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> from dynsys.analysis.equilibria import find_equilibria
    >>> tex = stability_table(find_equilibria(load_model("mutual_excitation")))
    >>> "\\\\toprule" in tex and "saddle" in tex and check_structure(tex) == []
    True

    References
    ----------
    Fear, S. (2020). *Publication quality tables in LaTeX* (the booktabs manual).
    """
    names = equilibria.state_names
    n = len(names)
    two = n == 2
    head_state = "$" + (_sym(names[0]) if n == 1 else
                        "(" + ", ".join(_sym(s) for s in names) + ")") + "$"
    cols = ["Equilibrium " + head_state, "Eigenvalues" if n > 1 else "Eigenvalue"]
    if two:
        cols += [r"$\operatorname{tr} J$", r"$\det J$"]
    cols.append("Classification")
    spec = "l" + "l" + ("rr" if two else "") + "l"
    rows = []
    for e in equilibria:
        st = ", ".join(format_number(v, precision) for v in e.state)
        cells = [f"${st if n == 1 else '(' + st + ')'}$",
                 f"${_eigen_text(e.eigenvalues, precision)}$"]
        if two:
            tr = e.trace if e.trace is not None else float("nan")
            det = e.det if e.det is not None else float("nan")
            cells += [f"${format_number(tr, precision)}$", f"${format_number(det, precision)}$"]
        kind = _escape(e.label)
        if e.non_smooth:
            kind += r"$^{\ast}$"
        cells.append(kind)
        rows.append(" & ".join(cells) + r" \\")
    if not rows:
        rows.append(r"\multicolumn{" + str(len(cols)) + r"}{c}{no equilibria in the region} \\")
    pars = ", ".join(f"${_sym(k)} = {v:g}$"
                     for k, v in equilibria.params.items())
    cap = caption if caption is not None else (
        f"Equilibria of {_escape(equilibria.system_name)} and their stability"
        + (f" ({pars})" if pars else "") + "."
    )
    body = "\n".join([
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(cols) + r" \\",
        r"\midrule",
        *rows,
        r"\bottomrule",
        r"\end{tabular}",
    ])
    if any(e.non_smooth for e in equilibria):
        body += "\n\n\\smallskip{\\footnotesize $^{\\ast}$non-smooth system: the Jacobian " \
                "may be ill-defined at this point.}"
    if not float_env:
        return body
    return "\n".join([r"\begin{table}[htbp]", r"\centering", body, rf"\caption{{{cap}}}",
                      rf"\label{{{label}}}", r"\end{table}"])


def _model_of(obj: Any) -> Model:
    model = obj if isinstance(obj, Model) else getattr(obj, "model", None)
    if not isinstance(model, Model):
        raise ModelError(f"{getattr(obj, 'name', obj)!r} has no symbolic model to print")
    return model


def equations_latex(model: Any, *, params: bool = True) -> str:
    """The model's equations as display math (with a parameter line).

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> print(equations_latex(load_model("self_excitation")).splitlines()[0])
    \\begin{equation*}
    """
    m = _model_of(model)
    out = "\\begin{equation*}\n" + m.latex() + "\n\\end{equation*}"
    if params and m.params:
        pars = ",\\quad ".join(f"{_sym(k)} = {v:g}" for k, v in m.params.items())
        out += f"\nwith ${pars}$."
    return out


def _matrix(rows: Iterable[Iterable[str]]) -> str:
    body = " \\\\\n".join(" & ".join(r) for r in rows)
    return "\\begin{pmatrix}\n" + body + "\n\\end{pmatrix}"


def jacobian_latex(model: Any) -> str:
    """The symbolic Jacobian ``J = dF/dx`` as display math.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> "pmatrix" in jacobian_latex(load_model("mutual_excitation"))
    True
    """
    m = _model_of(model)
    jac = m.jacobian()
    rows = [[sp.latex(jac[i, j]) for j in range(m.n)] for i in range(m.n)]
    return "\\begin{equation*}\nJ = " + _matrix(rows) + "\n\\end{equation*}"


def evaluated_jacobians_latex(equilibria: Iterable[Any],
                              precision: int = 4) -> str:
    """The Jacobian at each equilibrium, one display line each (``align*``)."""
    lines = []
    for e in equilibria:
        st = ", ".join(format_number(v, precision) for v in e.state)
        rows = [[format_number(v, precision) for v in row] for row in e.jacobian]
        lines.append(f"J({st}) &= " + _matrix(rows))
    if not lines:
        return ""
    return "\\begin{align*}\n" + " \\\\[4pt]\n".join(lines) + "\n\\end{align*}"


def document(*bodies: str, packages: Iterable[str] = ("amsmath", "amssymb", "booktabs")) -> str:
    """A minimal compilable LaTeX document holding ``bodies``."""
    pre = "\n".join(f"\\usepackage{{{p}}}" for p in packages)
    return ("\\documentclass{article}\n" + pre + "\n\\begin{document}\n"
            + "\n\n".join(bodies) + "\n\\end{document}\n")


_TOKEN = re.compile(r"\\(begin|end)\{([^}]*)\}|\\[{}]|[{}]")


def check_structure(text: str) -> list[str]:
    """Structural problems of LaTeX text (empty list when none).

    Checks balanced braces (``\\{`` and ``\\}`` excepted), properly nested
    ``\\begin``/``\\end`` pairs, and that every ``tabular`` has ``\\toprule``,
    ``\\midrule`` and ``\\bottomrule`` in that order.

    Examples
    --------
    >>> check_structure(r"\\begin{tabular}{l} x \\end{table}")
    ['\\\\end{table} closes \\\\begin{tabular}', 'unclosed \\\\begin{tabular}']
    """
    problems: list[str] = []
    depth = 0
    envs: list[str] = []
    body = re.sub(r"(?<!\\)%.*", "", text)
    for m in _TOKEN.finditer(body):
        tok = m.group(0)
        if m.group(1) == "begin":
            envs.append(m.group(2))
        elif m.group(1) == "end":
            if not envs:
                problems.append(f"\\end{{{m.group(2)}}} without \\begin")
            elif envs[-1] != m.group(2):
                problems.append(f"\\end{{{m.group(2)}}} closes \\begin{{{envs[-1]}}}")
            else:
                envs.pop()
        elif tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth < 0:
                problems.append("unbalanced '}'")
                depth = 0
    if depth:
        problems.append(f"{depth} unclosed '{{'")
    problems += [f"unclosed \\begin{{{e}}}" for e in envs[:1]]
    for tab in re.findall(r"\\begin\{tabular\}.*?\\end\{tabular\}", body, flags=re.S):
        pos = [tab.find(r) for r in (r"\toprule", r"\midrule", r"\bottomrule")]
        if min(pos) < 0 or not pos[0] < pos[1] < pos[2]:
            problems.append("tabular without \\toprule, \\midrule, \\bottomrule in order")
    return problems
