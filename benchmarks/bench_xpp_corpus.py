"""The Debian XPPAUT example corpus: how much of it dynsys reads, refuses by name, analyzes.

Loads every ``.ode`` file that Debian's ``xppaut`` package ships
(``/usr/share/doc/xppaut/examples/ode/*.ode`` and ``/usr/share/doc/xppaut/html/odes/*.ode``)
with :func:`~dynsys.core.loading.load_model` and prints

* how many load; the refusals grouped by the feature they name, each group marked
  out of scope (issue 11, item 7: delay, Volterra, Markov, boundary-value problems,
  algebraic equations, ``special``, ``export``) or not; the load rate among the files
  that use in-scope features only (the issue aims at >= 90 %);
* crashes: anything but a :class:`~dynsys.errors.DynsysError` (must be 0);
* for the loaded autonomous, event-free models with 1 to 3 states: how many
  ``dynsys analyze FILE`` (no region given) answer, exit status 0, within a time limit
  (the issue aims at >= 85 %), with the reason of each that does not.

Run: ``.venv/bin/python benchmarks/bench_xpp_corpus.py [--no-analyze] [--timeout S]``.
"""

from __future__ import annotations

import argparse
import collections
import glob
import subprocess
import sys
import time
import warnings
from pathlib import Path

from dynsys.core.loading import load_model
from dynsys.errors import DynsysError

CORPUS = ("/usr/share/doc/xppaut/examples/ode/*.ode", "/usr/share/doc/xppaut/html/odes/*.ode")

OUT = "out of scope"  # issue 11, item 7
INVALID = "XPPAUT refuses it too"
CHOICE = "refused by choice (issue 11, item 2)"
IN = "in scope"
#: (words of the refusal, feature named, scope)
FEATURES = (
    ("delay", "delay equations", OUT),
    ("volterra", "Volterra integral equations", OUT),
    ("markov", "Markov chains", OUT),
    ("boundary-value", "boundary-value problems", OUT),
    ("algebraic", "algebraic equations (0 = ...)", OUT),
    ("special operators", "special operators (convolutions, ...)", OUT),
    ("export", "export to C", OUT),
    ("array index", "malformed array index ([j without ])", INVALID),
    ("random numbers", "random numbers ran()/normal()", CHOICE),
    ("events", "events (global)", IN),
    ("map", "maps (meth=discrete, x(t+1)=)", IN),
    ("shift", "array shifts (shift)", IN),
    ("must be additive", "multiplicative noise", IN),
)


def corpus_files() -> list[Path]:
    """The corpus's files (empty where Debian's xppaut is not installed)."""
    return [Path(f) for pattern in CORPUS for f in sorted(glob.glob(pattern))]


def classify(message: str) -> tuple[str, str]:
    """(feature named, scope) of a refusal message."""
    low = message.lower()
    for words, feature, scope in FEATURES:
        if words in low:
            return feature, scope
    return f"other: {message[:70]}", IN


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-analyze", action="store_true", help="only load the files")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per analyze")
    args = parser.parse_args()
    files = corpus_files()
    if not files:
        print("Debian's xppaut examples are not installed (apt-get install xppaut)")
        return 0
    loaded, refused, crashes = {}, collections.defaultdict(list), []
    start = time.perf_counter()
    for path in files:
        label = f"{path.parent.name}/{path.name}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loaded[label] = (path, load_model(path))
        except DynsysError as exc:
            refused[classify(str(exc))].append(label)
        except Exception as exc:  # counting crashes is the point
            crashes.append(f"{label}: {exc!r}"[:160])
    elapsed = time.perf_counter() - start
    in_scope = len(files) - sum(len(v) for (_, scope), v in refused.items() if scope != IN)
    print(f"{len(files)} files: {len(loaded)} load, {sum(map(len, refused.values()))} refused "
          f"by name, {len(crashes)} crash ({elapsed:.1f} s)")
    print(f"in-scope files (no out-of-scope, invalid or refused-by-choice feature): "
          f"{len(loaded)}/{in_scope} load "
          f"= {100 * len(loaded) / max(in_scope, 1):.0f} % (aim >= 90 %)")
    for (feature, scope), labels in sorted(refused.items(),
                                           key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"  {len(labels):3d}  {feature} [{scope}]: {', '.join(sorted(labels)[:6])}"
              f"{' ...' if len(labels) > 6 else ''}")
    for line in crashes:
        print(f"  CRASH {line}")
    if args.no_analyze:
        return 1 if crashes else 0
    eligible = {k: p for k, (p, m) in loaded.items()
                if getattr(m, "is_autonomous", False) and 1 <= getattr(m, "n", 0) <= 3
                and not getattr(m, "events", None)}  # event-free
    answers, failures = 0, []
    start = time.perf_counter()
    for label, path in sorted(eligible.items()):
        try:
            run = subprocess.run([sys.executable, "-m", "dynsys.cli", "analyze", str(path)],
                                 capture_output=True, text=True, timeout=args.timeout,
                                 stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            failures.append(f"{label}: no answer within {args.timeout:g} s")
            continue
        if run.returncode == 0:
            answers += 1
        else:
            last = (run.stderr.strip().splitlines() or ["(no message)"])[-1]
            failures.append(f"{label}: exit {run.returncode}: {last[:110]}")
    elapsed = time.perf_counter() - start
    print(f"analyze, no region, autonomous 1-3 state models: {answers}/{len(eligible)} answer "
          f"= {100 * answers / max(len(eligible), 1):.0f} % (aim >= 85 %; {elapsed:.0f} s)")
    for line in failures:
        print(f"  {line}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
