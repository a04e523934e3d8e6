"""The report being built: sections, text, figures, tables, claims and recorded numbers.

A recipe (``reports/NAME.py``) receives a :class:`Report` and fills it in order;
figures and tables are written to the output folder as soon as they are added (each
file atomically), and the writers (:mod:`dynsys.report.writers`) turn the finished
document into ``report.tex``, ``report.html`` and ``results.json``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import re
import signal
import sys
import time
import traceback
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import QuadMesh
from tqdm import tqdm

from dynsys._figures import save_figure
from dynsys._io import to_jsonable, write_text
from dynsys.errors import ModelError
from dynsys.report.markup import text_to_latex

__all__ = ["Block", "Claim", "FigureEntry", "Report", "TableEntry", "Verdict"]

Verdict = str  # "holds" | "differs" | "not available"
VERDICTS = ("holds", "differs", "not available")


@dataclass(frozen=True)
class Claim:
    """A statement of the reference report, checked against a criterion fixed in advance.

    ``verdict`` is ``"holds"`` or ``"differs"``, or ``"not available"`` when the
    analysis needed to measure it is missing (then ``measured`` says what is missing).
    ``title`` names the claim in words for the reader (the ``id`` is for machines), and
    ``figure`` is the number of the figure that shows it (linked in HTML and PDF).
    """

    id: str
    claim: str
    criterion: str
    measured: str
    verdict: Verdict
    values: dict[str, Any] = field(default_factory=dict)
    explanation: str = ""
    title: str = ""
    figure: str = ""

    @property
    def name(self) -> str:
        """The claim in words: its title, else its id with spaces."""
        return self.title or self.id.replace("_", " ")

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "id": self.id, "title": self.name, "claim": self.claim,
            "criterion": self.criterion, "measured": self.measured, "verdict": self.verdict,
            "values": self.values, "explanation": self.explanation, "figure": self.figure,
        })


@dataclass(frozen=True)
class FigureEntry:
    """A figure written as PNG and PDF (``files``: suffix -> path relative to the output)."""

    number: str
    key: str
    caption: str
    files: dict[str, str]
    added: bool = False

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self.__dict__)


@dataclass(frozen=True)
class TableEntry:
    """A table: header and rows (inline markup), and its booktabs LaTeX file."""

    number: str
    key: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    latex: str
    file: str

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({"number": self.number, "key": self.key, "caption": self.caption,
                            "header": self.header, "rows": self.rows, "file": self.file})


@dataclass(frozen=True)
class Block:
    """One element of the document body, in order."""

    kind: str  # section | subsection | paragraph | items | equation | figure | table |
    #            claims | unavailable
    content: Any


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _freeze_legends(fig: Any) -> None:
    """Fix every ``loc="best"`` legend where the first draw puts it.

    Matplotlib searches the best legend position at each draw, which dominates the
    time to save a figure with many data points (a phase portrait: seconds). Drawing
    once and pinning the legends there keeps the figure identical and saves that
    search for the PNG and the PDF.
    """
    legends = [(ax, ax.get_legend()) for ax in fig.axes if ax.get_legend() is not None]
    legends = [(ax, leg) for ax, leg in legends if getattr(leg, "_loc", None) == 0]
    if not legends:
        return

    try:
        FigureCanvasAgg(fig).draw()
        for ax, leg in legends:
            box = leg.get_window_extent().transformed(ax.transAxes.inverted())
            leg._loc = (float(box.x0), float(box.y0))
    except Exception:  # an optimisation only: never fail a figure over it
        return


def _render(fig: Any, paths: Sequence[Path]) -> None:
    """Save ``fig`` to each path (format from the suffix), atomically.

    Dense meshes (region and basin maps) are rasterized inside the PDF: thousands of
    vector cells make a slow, heavy file and look no better in print.
    """

    for ax in fig.axes:
        for coll in ax.collections:
            if isinstance(coll, QuadMesh):
                coll.set_rasterized(True)
    _freeze_legends(fig)
    for path in paths:
        # figures use constrained layout: no second "tight" draw needed
        save_figure(fig, path, dpi=150, bbox_inches=None)


def _worker_signals() -> None:
    """In the figure worker: die on SIGTERM, leave SIGINT to the parent (which stops it).

    The worker is forked from a process whose handlers raise exceptions (the CLI's);
    here they would only print a second traceback while the parent cleans up.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_pool(pool: ProcessPoolExecutor, timeout: float = 5.0) -> None:
    """Stop ``pool`` now: pending figures cancelled, the running one's process terminated."""
    # ProcessPoolExecutor.terminate_workers() arrives in Python 3.14; until then its
    # processes are reached through the private ``_processes``
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout)


def booktabs(header: Sequence[str], rows: Sequence[Sequence[str]], *,
             align: str | None = None) -> str:
    """A booktabs ``tabular`` from cells in the report's inline markup."""
    align = align or "l" * len(header)
    lines = [rf"\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(text_to_latex(h) for h in header) + r" \\", r"\midrule"]
    lines += [" & ".join(text_to_latex(c) for c in row) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


class Report:
    """A report under construction (the recipe's handle).

    Parameters
    ----------
    out : path
        Output folder (created); figures go to ``out/figures``, tables to ``out/tables``.
    title, author : str
        Shown at the top of the report.
    quick : bool
        Smaller sample sizes (the recipe reads it).
    seed : int
        Root seed; :meth:`seed_for` derives independent seeds per named experiment.
    progress : bool
        Show a progress bar on stderr (``steps`` is the recipe's estimate).
    parallel : bool
        Render figures in a worker process, overlapping with the computation.
    keep_figures : bool
        Keep each matplotlib Figure in :attr:`figure_objects` (number -> Figure), to be
        inspected after the report is built (the layout tests do).
    """

    def __init__(self, out: str | Path, *, title: str, author: str = "", quick: bool = False,
                 seed: int = 0, progress: bool = False, steps: int | None = None,
                 parallel: bool = False, keep_figures: bool = False) -> None:
        self.out = Path(out)
        self.title = title
        self.author = author
        self.quick = quick
        self.seed = int(seed)
        self.blocks: list[Block] = []
        self.figures: list[FigureEntry] = []
        self.tables: list[TableEntry] = []
        self.claims: list[Claim] = []
        self.results: dict[str, Any] = {}
        self.parameters: dict[str, Any] = {}
        self.unavailable: list[dict[str, str]] = []
        self.timings: dict[str, float] = {}
        self.abstract = ""
        self.keep_figures = keep_figures
        self.figure_objects: dict[str, Any] = {}
        (self.out / "figures").mkdir(parents=True, exist_ok=True)
        (self.out / "tables").mkdir(parents=True, exist_ok=True)
        self._pending: list[tuple[str, Any]] = []
        self._pool = None
        if parallel:
            # figures are rendered by one worker process while the recipe computes on
            if "fork" in multiprocessing.get_all_start_methods():
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                                 initializer=_worker_signals)
                self._pool.submit(int).result()  # fork now, before any progress-bar thread
        self._bar = None
        if progress:
            self._bar = tqdm(total=steps, desc="report", unit="step", file=sys.stderr,
                             leave=True)

    # ----------------------------------------------------------------- seeds
    def seed_for(self, name: str) -> int:
        """A seed for experiment ``name``, derived from the root seed (stable across runs)."""

        return (self.seed * 1_000_003 + zlib.crc32(name.encode())) % (2**31)

    # ----------------------------------------------------------------- structure
    def section(self, title: str) -> None:
        self.blocks.append(Block("section", title))

    def subsection(self, title: str) -> None:
        self.blocks.append(Block("subsection", title))

    def text(self, *paragraphs: str) -> None:
        """Paragraphs of prose (inline ``$math$`` and ``**bold**``)."""
        for p in paragraphs:
            self.blocks.append(Block("paragraph", " ".join(p.split())))

    def items(self, items: Sequence[str]) -> None:
        self.blocks.append(Block("items", tuple(" ".join(i.split()) for i in items)))

    def equation(self, tex: str) -> None:
        """A displayed equation (LaTeX mathematics)."""
        self.blocks.append(Block("equation", tex))

    def claims_table(self) -> None:
        """Place the table of checked claims here."""
        self.blocks.append(Block("claims", None))

    # ----------------------------------------------------------------- content
    def figure(self, number: str | int, key: str, fig: Any, caption: str, *,
               added: bool = False) -> FigureEntry:
        """Write ``fig`` as PNG and PDF and place it here as Figure ``number``."""
        number = str(number)
        digits = re.match(r"(\d+)(.*)", number)
        stem = (f"fig{int(digits.group(1)):02d}{digits.group(2)}" if digits else
                f"fig_{number}") + f"_{_slug(key)}"
        files = {s: f"figures/{stem}.{s}" for s in ("png", "pdf")}
        paths = [self.out / rel for rel in files.values()]
        if self._pool is not None:
            try:
                self._pending.append((number, self._pool.submit(_render, fig, paths)))
            except Exception:  # e.g. a figure that does not pickle: render it here
                _render(fig, paths)
        else:
            _render(fig, paths)
        if self.keep_figures:
            self.figure_objects[number] = fig
        entry = FigureEntry(number, key, " ".join(caption.split()), files, added)
        self.figures.append(entry)
        self.blocks.append(Block("figure", entry))
        return entry

    def table(self, number: str | int, key: str, header: Sequence[str],
              rows: Sequence[Sequence[str]], caption: str, *, latex: str | None = None,
              align: str | None = None) -> TableEntry:
        """Write a booktabs table (``latex`` if given, e.g. from :mod:`dynsys.latex`)."""
        number = str(number)
        body = latex if latex is not None else booktabs(header, rows, align=align)
        rel = f"tables/table{number}_{_slug(key)}.tex"
        write_text(self.out / rel, body)
        entry = TableEntry(number, key, " ".join(caption.split()), tuple(header),
                           tuple(tuple(str(c) for c in r) for r in rows), body, rel)
        self.tables.append(entry)
        self.blocks.append(Block("table", entry))
        return entry

    def claim(self, id: str, claim: str, criterion: str, measured: str, holds: bool | None,
              *, values: dict[str, Any] | None = None, explanation: str = "",
              title: str = "", figure: str | int = "") -> Claim:
        """Record a checked claim; ``holds=None`` means it could not be measured.

        ``title``: the claim in a few words; ``figure``: the number of the figure that
        shows it (the claims table links to it).
        """
        verdict = "not available" if holds is None else ("holds" if holds else "differs")
        c = Claim(id, " ".join(claim.split()), " ".join(criterion.split()),
                  " ".join(measured.split()), verdict, dict(values or {}),
                  " ".join(explanation.split()), " ".join(title.split()), str(figure))
        self.claims = [x for x in self.claims if x.id != id] + [c]
        return c

    def record(self, key: str | tuple[str, ...], value: Any) -> Any:
        """Store a result under a dotted key (``"single_neuron.equilibria"``), or a tuple
        of key parts where a part holds a dot (``("noise", "sigma=0.1")``); returns it.

        Raises
        ------
        ModelError
            For a dotted part that starts with a digit: the fragment of a number split at
            its decimal point (``"capacity_flip_0.1"`` would become ``capacity_flip_0`` ->
            ``1``); pass the parts as a tuple instead.
        """
        if isinstance(key, tuple):
            *path, last = key
        else:
            *path, last = key.split(".")
            if any(part[:1].isdigit() for part in (*path, last)):
                raise ModelError(f"results key {key!r} splits a number at its decimal point; "
                                 "give the parts as a tuple")
        node = self.results
        for part in path:
            node = node.setdefault(part, {})
        node[last] = to_jsonable(value)
        return value

    def mark_unavailable(self, what: str, reason: str) -> None:
        """Say in the report (and in results.json) that ``what`` could not be computed."""
        self.unavailable.append({"what": what, "reason": reason})
        self.blocks.append(Block("unavailable", {"what": what, "reason": reason}))
        print(f"warning: report: {what}: not available ({reason})", file=sys.stderr)

    @contextlib.contextmanager
    def step(self, name: str, *, needs: str = "") -> Iterator[None]:
        """Run one part of the recipe: timed, progress advanced, failures contained.

        If the part raises (typically because an analysis it needs is not installed
        yet), the report says that this part is not available and why, and goes on.
        """
        if self._bar is not None:
            self._bar.set_postfix_str(name[:40])
        start = time.perf_counter()
        try:
            yield
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            reason = f"{type(exc).__name__}: {exc}"
            if needs:
                reason = f"needs {needs}; {reason}"
            reason += f" (at {Path(where.filename).name}:{where.lineno})"
            self.mark_unavailable(name, reason)
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)
            if self._bar is not None:
                self._bar.update(1)

    def close(self, *, abort: bool = False) -> None:
        """Wait for the figures still being rendered; close the progress bar.

        ``abort=True`` (the recipe failed or was interrupted), or an interrupt while
        waiting: do not wait; cancel the pending figures and terminate the worker.
        """
        try:
            for number, future in [] if abort else self._pending:
                try:
                    future.result()
                except Exception as exc:
                    self.mark_unavailable(f"Figure {number} (rendering)",
                                          f"{type(exc).__name__}: {exc}")
        except BaseException:
            abort = True
            raise
        finally:
            self._pending = []
            if self._pool is not None:
                pool, self._pool = self._pool, None
                if abort:
                    _stop_pool(pool)
                else:
                    pool.shutdown(wait=True, cancel_futures=True)
            if self._bar is not None:
                self._bar.close()
                self._bar = None
