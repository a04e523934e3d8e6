"""``dynsys report [RECIPE] [--out DIR] [--quick] [--seed S]``: regenerate a whole report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dynsys.commands._common import seed
from dynsys.errors import ModelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="regenerate the reference report (figures, tables, LaTeX/PDF, HTML, results.json)",
        description="Run a report recipe: every figure and table computed, every claim of "
        "the reference report checked. Output: DIR/report.html (self-contained), "
        "DIR/report.tex and report.pdf (if a LaTeX engine is installed), DIR/results.json, "
        "DIR/figures/, DIR/tables/.",
    )
    p.add_argument("recipe", nargs="?", default="firing_rate_models",
                   help="built-in report name or path to a .py recipe "
                   "(default: firing_rate_models; see --list)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output folder, replaced as a whole when the report is complete "
                   "(default: dynsys-report in the current directory)")
    p.add_argument("--quick", action="store_true",
                   help="smaller trial counts (for CI): same figures, wider error bars")
    p.add_argument("--seed", type=seed, default=0, help="root random seed (default 0)")
    p.add_argument("--no-pdf", action="store_true", help="do not run LaTeX")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--list", action="store_true", help="list the built-in reports and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # lazy: the library loads when the command runs, not for --help (start-up time)
    from dynsys.report import recipe_names, run_report

    if args.list:
        print("\n".join(recipe_names()))
        return 0
    if args.out is not None:
        parent = Path(args.out).resolve().parent
        if not parent.is_dir():  # create the report's folder, not a mistyped path to it
            raise ModelError(f"--out {args.out}: the folder {parent} does not exist")
    result = run_report(args.recipe, args.out, quick=args.quick, seed=args.seed,
                        progress=not args.no_progress, pdf=not args.no_pdf)
    verdicts: dict[str, int] = {}
    for c in result.claims:
        verdicts[c.verdict] = verdicts.get(c.verdict, 0) + 1
    summary = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
    print(f"report written to {result.out}/ in {result.seconds:.1f} s: open "
          f"{result.out / 'report.html'}" + (f" or {result.pdf}" if result.pdf else ""))
    if summary:
        print(f"claims: {summary} (see {result.out / 'results.json'})")
    if result.unavailable:
        print(f"warning: {len(result.unavailable)} part(s) not available: "
              + "; ".join(u["what"] for u in result.unavailable), file=sys.stderr)
    return 0
