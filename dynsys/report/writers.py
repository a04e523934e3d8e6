"""Writers: the finished :class:`~dynsys.report.document.Report` as LaTeX, HTML, JSON and PDF.

``report.tex`` needs only ``texlive-latex-base`` and ``texlive-latex-recommended``
(geometry, graphicx, amsmath, hyperref; booktabs, float). ``report.html`` is one
self-contained file: figures embedded as base64 PNG, tables as HTML, mathematics as
MathML; no script, style sheet, font or image is fetched from anywhere.
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from dynsys._io import write_bytes, write_json, write_text
from dynsys._version import __version__
from dynsys.report.document import Block, Claim, Report
from dynsys.report.markup import math_to_html, text_to_html, text_to_latex

__all__ = ["FIGURE_BOX_IN", "TEX_PACKAGES", "compile_pdf", "latex_engine", "write_html",
           "write_json_results", "write_tex"]

#: Debian packages that provide every LaTeX package report.tex uses.
TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended"

#: The box a figure is scaled into in report.pdf (inches): 0.85 of the text width and
#: 0.42 of the text height of an A4 page with 2.2 cm margins (210 x 297 mm - 2 x 22 mm).
_TEXT_IN = ((210 - 2 * 22) / 25.4, (297 - 2 * 22) / 25.4)
FIGURE_BOX_IN = (0.85 * _TEXT_IN[0], 0.42 * _TEXT_IN[1])

_PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{graphicx}
\usepackage{booktabs}
\usepackage{amsmath}
\usepackage{float}
\usepackage{longtable}
\usepackage{array}
\usepackage{caption}
\usepackage[hidelinks]{hyperref}
\setlength{\parskip}{0.5ex}
\setcounter{secnumdepth}{0}
"""


def _claim_name_latex(c: Claim, figures: set[str]) -> str:
    """The claim in words and, where it names a figure of the report, a link to it."""
    out = text_to_latex(c.name)
    if c.figure in figures:
        out += rf" (\hyperlink{{fig:{c.figure}}}{{Figure {c.figure}}})"
    return out


def _claims_latex(claims: list[Claim], figures: set[str]) -> str:
    header = ("Claim", "Reference report", "Criterion (fixed in advance)", "Measured",
              "Verdict")
    head = " & ".join(header) + r" \\"
    rows = "".join(
        " & ".join([_claim_name_latex(c, figures),
                    *(text_to_latex(t) for t in (c.claim, c.criterion, c.measured,
                                                 c.verdict))]) + " \\\\\n"
        for c in claims)
    notes = [
        rf"\item[{text_to_latex(c.name)}:] {text_to_latex(c.explanation)}"
        for c in claims if c.explanation
    ]
    # a longtable breaks across pages (the claims do not fit on one)
    col = "".join(rf">{{\raggedright\arraybackslash}}p{{{w}cm}}"
                  for w in (2.6, 3.3, 3.4, 3.6, 1.2))
    out = ("{\\footnotesize\n\\begin{longtable}{" + col + "}\n"
           "\\caption*{Claims of the reference report, each checked against a criterion "
           "fixed before measuring.}\\\\\n"
           f"\\toprule\n{head}\n\\midrule\n\\endhead\n\\bottomrule\n\\endfoot\n"
           f"{rows}\\end{{longtable}}\n}}\n")
    if notes:
        out += "\\begin{description}\\small\n" + "\n".join(notes) + "\n\\end{description}\n"
    return out


def _block_latex(block: Block, report: Report) -> str:
    k, c = block.kind, block.content
    if k == "section":
        return f"\\section{{{text_to_latex(c)}}}\n"
    if k == "subsection":
        return f"\\subsection{{{text_to_latex(c)}}}\n"
    if k == "paragraph":
        return text_to_latex(c) + "\n\n"
    if k == "items":
        return ("\\begin{itemize}\n" + "".join(f"\\item {text_to_latex(i)}\n" for i in c)
                + "\\end{itemize}\n")
    if k == "equation":
        return f"\\begin{{equation*}}\n{c}\n\\end{{equation*}}\n"
    if k == "figure":
        added = " (Added: not in the reference report.)" if c.added else ""
        return (
            f"\\begin{{figure}}[H]\n\\centering\\hypertarget{{fig:{c.number}}}{{}}\n"
            f"\\includegraphics[width=0.85\\linewidth,height=0.42\\textheight,"
            f"keepaspectratio]{{{c.files['pdf']}}}\n"
            f"\\caption*{{\\textbf{{Figure {c.number}:}} {text_to_latex(c.caption + added)}}}\n"
            f"\\label{{fig:{c.number}}}\n\\end{{figure}}\n"
        )
    if k == "table":
        return (
            "\\begin{table}[H]\n\\centering\\small\n"
            f"\\input{{{c.file}}}\n"
            f"\\caption*{{\\textbf{{Table {c.number}:}} {text_to_latex(c.caption)}}}\n"
            "\\end{table}\n"
        )
    if k == "claims":
        return _claims_latex(report.claims, {f.number for f in report.figures})
    if k == "unavailable":
        return (f"\\medskip\\noindent\\fbox{{\\parbox{{0.95\\linewidth}}{{\\textbf{{Not yet "
                f"available:}} {text_to_latex(c['what'])}. "
                f"\\emph{{{text_to_latex(c['reason'])}}}}}}}\\medskip\n\n")
    raise ValueError(f"unknown block kind {k!r}")


def write_tex(report: Report) -> Path:
    """Write ``report.tex`` (figures by their PDF files, tables by ``\\input``)."""
    plain_title = report.title.replace("\\", " ").replace("{", "").replace("}", "")
    parts = [_PREAMBLE, "\\hypersetup{pdftitle={" + text_to_latex(plain_title) + "}}\n",
             f"\\title{{{text_to_latex(report.title)}}}\n",
             "\\author{" + " \\\\ ".join(text_to_latex(a) for a in report.author.split("; "))
             + "}\n", "\\date{}\n",
             "\\begin{document}\n\\maketitle\n"]
    if report.abstract:
        parts.append("\\begin{abstract}\n" + text_to_latex(report.abstract) +
                     "\n\\end{abstract}\n")
    parts += [_block_latex(b, report) for b in report.blocks]
    parts.append("\\end{document}\n")
    return write_text(report.out / "report.tex", "".join(parts))


_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:52em;margin:2em auto;
padding:0 1em;line-height:1.45;color:#111}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
figure{margin:1.2em 0;text-align:center}figure img{max-width:100%}
figcaption{font-size:.92em;text-align:left}
table{border-collapse:collapse;margin:1em auto;font-size:.9em;max-width:100%}
th,td{padding:.25em .6em;vertical-align:top;text-align:left;overflow-wrap:anywhere}
.scroll{max-width:100%;overflow-x:auto}
pre,code{white-space:pre-wrap;overflow-wrap:anywhere}
div.math,.math{overflow-wrap:anywhere}
thead tr{border-top:2px solid #000;border-bottom:1px solid #000}
tbody tr:last-child{border-bottom:2px solid #000}
div.math{text-align:center;margin:.8em 0;padding:.3em 0;max-width:100%;
  overflow-x:auto;overflow-y:hidden}
math{font-size:1.05em}
.unavailable{border:2px solid #D55E00;padding:.5em;background:#fff3ec}
.holds{color:#006b4f;font-weight:bold}.differs{color:#b34700;font-weight:bold}
.notavail{color:#555;font-weight:bold}
table.claims td:last-child{white-space:nowrap}
@media (max-width:760px){
table.claims,table.claims tbody,table.claims tr,table.claims td{display:block;width:auto}
table.claims thead{display:none}
table.claims caption{display:block;width:auto}
table.claims tr{border-top:1px solid #999;padding:.4em 0}
table.claims td{padding:.1em .3em;overflow-wrap:break-word}
table.claims td::before{content:attr(data-label) ": ";font-weight:bold}}
"""


def _table_html(header: Any, rows: Any, caption: str | None = None) -> str:
    head = "".join(f"<th>{text_to_html(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{text_to_html(str(c))}</td>" for c in r) + "</tr>"
        for r in rows
    )
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"


def _anchor(title: str) -> str:
    return "sec-" + "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")


def _block_html(block: Block, report: Report) -> str:
    k, c = block.kind, block.content
    if k == "section":
        return f'<h2 id="{_anchor(c)}">{text_to_html(c)}</h2>\n'
    if k == "subsection":
        return f"<h3>{text_to_html(c)}</h3>\n"
    if k == "paragraph":
        return f"<p>{text_to_html(c)}</p>\n"
    if k == "items":
        return "<ul>" + "".join(f"<li>{text_to_html(i)}</li>" for i in c) + "</ul>\n"
    if k == "equation":
        return f'<div class="math">{math_to_html(c, display=True)}</div>\n'
    if k == "figure":
        data = base64.b64encode((report.out / c.files["png"]).read_bytes()).decode("ascii")
        added = " (Added: not in the reference report.)" if c.added else ""
        return (f'<figure id="fig{html.escape(c.number)}"><img alt="Figure {c.number}" '
                f'src="data:image/png;base64,{data}"><figcaption><strong>Figure '
                f"{html.escape(c.number)}:</strong> {text_to_html(c.caption + added)}"
                "</figcaption></figure>\n")
    if k == "table":
        cap = f"<strong>Table {html.escape(c.number)}:</strong> {text_to_html(c.caption)}"
        return _table_html(c.header, c.rows, cap)
    if k == "claims":
        rows = []
        figures = {f.number for f in report.figures}
        for cl in report.claims:
            css = {"holds": "holds", "differs": "differs"}.get(cl.verdict, "notavail")
            fig = (f' (<a href="#fig{html.escape(cl.figure)}">Figure {html.escape(cl.figure)}'
                   "</a>)" if cl.figure in figures else "")
            rows.append(
                f'<tr id="claim-{html.escape(cl.id)}"><td data-label="Claim">'
                f"{text_to_html(cl.name)}{fig}</td>"
                f'<td data-label="Reference report">{text_to_html(cl.claim)}</td>'
                f'<td data-label="Criterion">{text_to_html(cl.criterion)}</td>'
                f'<td data-label="Measured">{text_to_html(cl.measured)}</td>'
                f'<td data-label="Verdict" class="{css}">{html.escape(cl.verdict)}</td></tr>'
            )
        notes = "".join(
            f"<dt>{text_to_html(cl.name)}</dt><dd>{text_to_html(cl.explanation)}</dd>"
            for cl in report.claims if cl.explanation
        )
        return ('<table class="claims"><caption>Claims of the reference report, each '
                "checked against a criterion fixed before measuring.</caption><thead><tr>"
                "<th>Claim</th>"
                "<th>Reference report</th><th>Criterion (fixed in advance)</th>"
                "<th>Measured</th><th>Verdict</th></tr></thead><tbody>" + "".join(rows)
                + "</tbody></table>\n" + (f"<dl>{notes}</dl>\n" if notes else ""))
    if k == "unavailable":
        return (f'<p class="unavailable"><strong>Not yet available:</strong> '
                f"{text_to_html(c['what'])}. <em>{text_to_html(c['reason'])}</em></p>\n")
    raise ValueError(f"unknown block kind {k!r}")


def write_html(report: Report) -> Path:
    """Write the self-contained ``report.html``."""
    parts = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
             f"<title>{html.escape(report.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{text_to_html(report.title)}</h1>"]
    if report.author:
        parts.append(f"<p><em>{text_to_html(report.author)}</em></p>")
    if report.abstract:
        parts.append(f"<p><strong>Abstract.</strong> {text_to_html(report.abstract)}</p>")
    sections = [b.content for b in report.blocks if b.kind == "section"]
    if sections:
        parts.append("<nav><strong>Contents</strong><ul>" + "".join(
            f'<li><a href="#{_anchor(t)}">{text_to_html(t)}</a></li>' for t in sections)
            + "</ul></nav>\n")
    parts += [_block_html(b, report) for b in report.blocks]
    parts.append("</body></html>\n")
    return write_text(report.out / "report.html", "".join(parts))


def write_json_results(report: Report, extra: dict[str, Any] | None = None) -> Path:
    """Write ``results.json``: every number, parameters, seeds, claims, figures, tables."""

    doc = {
        "title": report.title,
        "generator": f"dynsys {__version__}",
        "quick": report.quick,
        "seed": report.seed,
        "parameters": report.parameters,
        "results": report.results,
        "claims": [c.to_dict() for c in report.claims],
        "figures": [f.to_dict() for f in report.figures],
        "tables": [t.to_dict() for t in report.tables],
        "unavailable": report.unavailable,
        "timings_s": report.timings,
    }
    doc.update(extra or {})
    return write_json(report.out / "results.json", doc)


def latex_engine() -> list[str] | None:
    """The command that builds a PDF (latexmk, else pdflatex), or None."""
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    return None


def compile_pdf(out: Path, *, timeout: float = 120.0) -> tuple[Path | None, str]:
    """Build ``out/report.pdf`` from ``out/report.tex``; returns (path or None, message).

    Auxiliary files go to a temporary folder; the PDF is moved into place atomically.
    """
    engine = latex_engine()
    if engine is None:
        return None, (f"no LaTeX engine (latexmk or pdflatex) on PATH: report.pdf not built; "
                      f"install one, e.g. `apt-get install {TEX_PACKAGES}`")
    with tempfile.TemporaryDirectory(prefix="dynsys-tex-") as tmp:
        cmd = [*engine, f"-output-directory={tmp}", "report.tex"]
        # one pass suffices: figures and tables are numbered in the text, with no \\ref
        for _ in range(1):
            try:
                proc = subprocess.run(cmd, cwd=out, capture_output=True, text=True,
                                      timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                return None, f"LaTeX timed out after {timeout:g} s"
            if proc.returncode != 0:
                log = Path(tmp) / "report.log"
                text = log.read_text(errors="replace") if log.exists() else proc.stdout
                errors = [ln for ln in text.splitlines() if ln.startswith("!")]
                return None, "LaTeX failed: " + ("; ".join(errors[:3]) or text[-400:])
        pdf = Path(tmp) / "report.pdf"
        if not pdf.exists():
            return None, "LaTeX produced no PDF"
        return write_bytes(out / "report.pdf", pdf.read_bytes()), "ok"
