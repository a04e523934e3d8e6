"""Reports: recipes that call the library and write a reproducible, checked report.

A *recipe* is a Python file in the ``reports/`` folder (shipped in the wheel as
``dynsys/_data/reports``) or anywhere on disk, defining

* ``TITLE`` (and optionally ``AUTHOR``, ``STEPS`` = number of ``report.step`` calls),
* ``build(report)``: fills a :class:`Report` (``report.quick``, ``report.seed``).

:func:`run_report` runs a recipe into an output folder and writes, each file
atomically: ``figures/*.png|pdf``, ``tables/*.tex``, ``report.tex``, ``report.html``
(self-contained), ``results.json`` and, where a LaTeX engine is installed,
``report.pdf``.
"""

from __future__ import annotations

import platform
import sys
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from dynsys._io import staged_folder, to_jsonable
from dynsys.core.loading import import_python_file
from dynsys.errors import DynsysError, ModelError
from dynsys.report.document import Claim, FigureEntry, Report, TableEntry
from dynsys.report.writers import (
    TEX_PACKAGES,
    compile_pdf,
    latex_engine,
    write_html,
    write_json_results,
    write_tex,
)

__all__ = [
    "TEX_PACKAGES",
    "Claim",
    "FigureEntry",
    "Report",
    "ReportResult",
    "TableEntry",
    "latex_engine",
    "load_recipe",
    "recipe_names",
    "reports_dir",
    "run_report",
]

DEFAULT_RECIPE = "firing_rate_models"


def reports_dir() -> Path:
    """The folder holding the built-in recipes (inside the wheel, or the source tree)."""
    here = Path(__file__).resolve().parent.parent  # the dynsys package
    for candidate in (here / "_data" / "reports", here.parent / "reports"):
        if candidate.is_dir():
            return candidate
    raise ModelError("the built-in reports folder is missing from this installation")


def recipe_names() -> tuple[str, ...]:
    """Names of the built-in recipes."""
    return tuple(sorted(p.stem for p in reports_dir().glob("*.py")
                        if not p.name.startswith("_")))


def load_recipe(name_or_path: str | Path) -> ModuleType:
    """Import a recipe by built-in name or from a ``.py`` file (trusted Python code).

    Raises
    ------
    ModelError
        Unknown name (the message lists the built-in ones), or a file that does not
        define ``build`` and ``TITLE``.
    """
    text = str(name_or_path)
    path = Path(text)
    if path.suffix != ".py":
        if not text.isidentifier():
            raise ModelError(f"{text!r} is neither a report name nor a .py file")
        path = reports_dir() / f"{text}.py"
        if not path.is_file():
            raise ModelError(f"unknown report {text!r}; built-in reports: "
                             f"{', '.join(recipe_names())} (or give a path to a .py recipe)")
    elif not path.is_file():
        raise ModelError(f"report recipe {text!r} does not exist")
    module = import_python_file(path, "report recipe")
    if not callable(getattr(module, "build", None)) or not hasattr(module, "TITLE"):
        raise ModelError(f"report recipe {path} must define TITLE and build(report)")
    return module


def _environment() -> dict[str, str]:
    """Versions of Python and of the numerical libraries (for results.json)."""

    out = {"python": platform.python_version()}
    for pkg in ("dynsys", "numpy", "scipy", "sympy", "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


@dataclass(frozen=True)
class ReportResult:
    """What :func:`run_report` wrote, and how it went."""

    out: Path
    files: tuple[Path, ...]
    pdf: Path | None
    pdf_message: str
    claims: tuple[Claim, ...]
    unavailable: tuple[dict[str, str], ...]
    seconds: float
    figure_objects: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "out": str(self.out), "files": [str(f) for f in self.files],
            "pdf": None if self.pdf is None else str(self.pdf), "pdf_message": self.pdf_message,
            "claims": [c.to_dict() for c in self.claims], "unavailable": self.unavailable,
            "seconds": self.seconds,
        })


def run_report(recipe: str | Path | ModuleType = DEFAULT_RECIPE, out: str | Path | None = None,
               *, quick: bool = False, seed: int = 0, progress: bool = False,
               pdf: bool = True, parallel: bool = True,
               keep_figures: bool = False) -> ReportResult:
    """Run a recipe and write the report into ``out`` (default ``dynsys-report``).

    Parameters
    ----------
    recipe : str, path or module
        Built-in name (``"firing_rate_models"``, ``"wilson_cowan"``), a ``.py`` file,
        or an imported recipe module.
    out : path, optional
        Output folder. It is written beside itself (``.NAME.new-*``) and swapped in
        whole when the report is complete, replacing a previous report there; a run
        that fails leaves the previous one untouched. Refused while another process
        writes it (lock file ``.NAME.lock`` beside it), or if it is a folder that holds
        other files and no ``results.json``.
    quick : bool
        Smaller sample sizes (for CI).
    seed : int
        Root seed of every random experiment.
    progress : bool
        Progress bar on stderr.
    pdf : bool
        Build ``report.pdf`` when a LaTeX engine is on the PATH.
    parallel : bool
        Render figures in a worker process while the recipe computes (two cores).
    keep_figures : bool
        Return the matplotlib Figures in ``ReportResult.figure_objects`` (number ->
        Figure), for inspection after the build (layout tests).

    Returns
    -------
    ReportResult

    Examples
    --------
    >>> import tempfile
    >>> res = run_report("wilson_cowan", tempfile.mkdtemp(), quick=True, pdf=False)
    >>> (res.out / "report.html").exists()
    True
    """
    module = recipe if isinstance(recipe, ModuleType) else load_recipe(recipe)
    name = Path(getattr(module, "__file__", "") or "report").stem
    if out is None:
        out = "dynsys-report" if name == DEFAULT_RECIPE else f"dynsys-report-{name}"
    final = Path(out)
    # built in a folder beside ``out`` and swapped in whole at the end: a failed or
    # interrupted run leaves the previous report as it was, never old and new mixed
    with staged_folder(final, marker="results.json") as folder:
        result = _run_into(module, name, folder, quick=quick, seed=seed, progress=progress,
                           pdf=pdf, parallel=parallel, keep_figures=keep_figures)
    files = tuple(final / f.relative_to(folder) for f in result.files)
    pdf_path = None if result.pdf is None else final / result.pdf.relative_to(folder)
    return ReportResult(final, files, pdf_path, result.pdf_message, result.claims,
                        result.unavailable, result.seconds, result.figure_objects)


def _build(module: ModuleType, name: str, report: Report) -> None:
    """Run the recipe; an error in it becomes a ModelError naming the recipe and the line."""
    try:
        module.build(report)
    except DynsysError:
        raise
    except Exception as exc:  # trusted code, but a bug in it is still one line for the CLI
        where = traceback.extract_tb(exc.__traceback__)[-1]
        raise ModelError(f"report recipe {name} failed: {type(exc).__name__}: {exc} "
                         f"(at {Path(where.filename).name}:{where.lineno})") from exc


def _run_into(module: ModuleType, name: str, out: Path, *, quick: bool, seed: int,
              progress: bool, pdf: bool, parallel: bool,
              keep_figures: bool = False) -> ReportResult:
    """Run the recipe and write every file of the report into the folder ``out``."""
    start = time.perf_counter()
    report = Report(out, title=module.TITLE, author=getattr(module, "AUTHOR", ""),
                    quick=quick, seed=seed, progress=progress,
                    steps=getattr(module, "STEPS", None), parallel=parallel,
                    keep_figures=keep_figures)
    try:
        _build(module, name, report)
        mark = time.perf_counter()
    except BaseException:
        report.close(abort=True)  # an error or an interrupt: stop the figure worker now
        raise
    report.close()
    report.timings["(waiting for figure rendering)"] = round(time.perf_counter() - mark, 3)
    mark = time.perf_counter()
    files = [write_tex(report), write_html(report)]
    report.timings["(writing report.tex and report.html)"] = round(time.perf_counter() - mark, 3)
    pdf_path, message = (None, "skipped (pdf=False)")
    if pdf:
        mark = time.perf_counter()
        pdf_path, message = compile_pdf(report.out)
        report.timings["(LaTeX)"] = round(time.perf_counter() - mark, 3)
        if pdf_path is None:
            print(f"note: {message}", file=sys.stderr)
        else:
            files.append(pdf_path)
    seconds = round(time.perf_counter() - start, 2)
    files.append(write_json_results(report, {
        "recipe": name, "pdf": {"built": pdf_path is not None, "message": message},
        "seconds": seconds, "environment": _environment(),
        "command": f"dynsys report {name} --seed {seed}" + (" --quick" if quick else ""),
    }))
    files += [report.out / f.files[s] for f in report.figures for s in ("png", "pdf")]
    files += [report.out / t.file for t in report.tables]
    return ReportResult(report.out, tuple(files), pdf_path, message, tuple(report.claims),
                        tuple(report.unavailable), seconds, dict(report.figure_objects))
