"""dynsys's periodic orbits against AUTO-07p, the reference implementation (issue 12).

On FitzHugh-Nagumo (in I) and Wilson-Cowan (in P), both built in: the Hopf points, the
folds of cycles and the periods along the branch agree with AUTO's to 1e-6 in the
parameter (relative 1e-6 in the period), and the homoclinic end to 1e-3. AUTO runs with
NTST = 100, NCOL = 4, EPSL = EPSU = 1e-10 (tests/_auto07p.py, itself checked against
closed forms in tests/test_auto07p_reference.py); dynsys with its default settings.
Skips, with the reason, where AUTO-07p or gfortran is not installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import _auto07p

from dynsys import bifurcation_diagram, compile, find_cycle, load_model

pytestmark = pytest.mark.skipif(not _auto07p.available(),
                                reason=_auto07p.unavailable_reason() or "AUTO-07p")

CASES = {"fhn": ("fitzhugh_nagumo", "I", (0.0, 1.6)), "wc": ("wilson_cowan", "P", (0.0, 3.0))}


@pytest.fixture(scope="module", params=list(CASES))
def both(request):
    name, param, bounds = CASES[request.param]
    auto = _auto07p.cycle_branch(name, param, {param: bounds[0]}, bounds)
    system = compile(load_model(name))
    ours = bifurcation_diagram(system, param, bounds)
    return request.param, param, system, auto, ours


def test_hopf_points_agree(both) -> None:
    _, param, _, auto, ours = both
    want = sorted(h["param"] for h in auto["hopf"])
    got = sorted(h.params[param] for h in ours.points("hopf"))
    assert got == pytest.approx(want, abs=1e-6)


def test_folds_of_cycles_agree(both) -> None:
    key, param, _, auto, ours = both
    want = sorted(f["param"] for b in auto["cycle_branches"] for f in b["folds"])
    got = sorted(p.params[param] for p in ours.points("fold_of_cycles"))
    assert len(got) == len(want), (got, want)
    assert got == pytest.approx(want, abs=1e-6)
    if key == "fhn":  # FitzHugh-Nagumo's symmetry: I1 + I2 = 2 a / b
        assert sum(got) == pytest.approx(2 * 0.7 / 0.8, abs=1e-8)


def test_periods_along_the_branch_agree(both) -> None:
    """At AUTO's points (0.02 or more from the folds and the end, where a tiny parameter
    change moves the period a lot and several orbits share a parameter value), dynsys's
    orbit solved at the same parameter has AUTO's period."""
    _, param, system, auto, ours = both
    ab = auto["cycle_branches"][0]
    (cb,) = ours.cycle_branches
    values, periods = np.asarray(ab["values"]), np.asarray(ab["period"])
    folds = np.array([f["param"] for f in ab["folds"]] + [ab["end"]["param"]])
    away = np.nonzero(np.min(np.abs(values[:, None] - folds[None, :]), axis=1) > 0.02)[0]
    picks = away[np.linspace(0, len(away) - 1, 6).astype(int)]
    compared = 0
    for i in picks:
        v, period = float(values[i]), float(periods[i])
        near = int(np.argmin(np.abs(cb.values - v) + 1e3 * np.abs(cb.period - period)
                             / period))
        if abs(cb.period[near] - period) > 0.2 * period:
            continue  # another orbit at the same parameter (a fold's other side)
        cyc = find_cycle(system, cb.cycles[near], {param: v})
        assert cyc.period == pytest.approx(period, rel=1e-6), (v, cyc.period, period)
        compared += 1
    assert compared >= 3


def test_ends_agree(both) -> None:
    key, param, _, auto, ours = both
    (cb,) = ours.cycle_branches
    aend = auto["cycle_branches"][0]["end"]
    if key == "fhn":
        assert cb.end["type"] == "hopf" and aend["type"] == "hopf"
        assert cb.end["params"][param] == pytest.approx(aend["hopf"], abs=1e-6)
    else:
        assert cb.end["type"] == "homoclinic" and aend["type"] == "homoclinic"
        target = aend["extrapolated"]["param"] if "extrapolated" in aend else aend["param"]
        assert cb.end["params"][param] == pytest.approx(target, abs=1e-3)
        assert cb.end["estimate"] == pytest.approx(target, abs=1e-5)
        saddle = aend["saddle"]["state"]
        for name, value in cb.end["saddle"].items():
            assert value == pytest.approx(saddle[name], abs=1e-3)

