"""Start-up time of the command line and of ``import dynsys``, against a bare numpy import.

Each command runs in a fresh interpreter, ``REPEAT`` times; the median wall time is
printed with its ratio to ``python -c "import numpy"`` measured in the same run (the
machine is shared and noisy: compare ratios, not seconds). Issue targets: ``dynsys --help``
within 2x of the numpy baseline, ``import dynsys`` and ``dynsys show MODEL`` under 1 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

REPEAT = 7


def _median_seconds(cmd: list[str]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    py = sys.executable
    dynsys = shutil.which("dynsys") or f"{py} -m dynsys.cli"
    cases = {
        "python -c 'import numpy' (baseline)": [py, "-c", "import numpy"],
        "python -c 'import dynsys'": [py, "-c", "import dynsys"],
        "dynsys --help": [*dynsys.split(), "--help"],
        "dynsys show self_excitation": [*dynsys.split(), "show", "self_excitation"],
        "python -c 'import dynsys; dynsys.Model' (sympy)": [
            py, "-c", "import dynsys; dynsys.Model"],
    }
    base = None
    for label, cmd in cases.items():
        seconds = _median_seconds(cmd)
        base = base or seconds
        print(f"{label:<50} {seconds:7.3f} s   {seconds / base:5.2f}x baseline")


if __name__ == "__main__":
    main()
