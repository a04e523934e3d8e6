"""One result contract: every public result's ``to_dict()`` is plain JSON (no numpy type,
no NaN), ``str()`` is its tree or summary and ``repr()`` is one line."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from dynsys import (
    HopfieldNetwork,
    activation_curve,
    bifurcation_diagram,
    capacity_curve,
    compile,
    continue_equilibria,
    continue_fold,
    continue_hopf,
    error_correction_curve,
    find_equilibria,
    find_fixed_points,
    flux,
    kramers,
    load_model,
    phase_plane,
    potential,
    recall,
    region_map,
    residence_scan,
    scaling_curves,
    simulate,
    simulated_cycles,
    stability,
    sweep_grid,
    switching_statistics,
)
from dynsys.bifurcation import diagram as diagram_module
from dynsys.bifurcation.diagram import SkippedStart
from dynsys.bifurcation.points import PointType, SpecialPoint
from dynsys.errors import ConvergenceError
from dynsys.hopfield import fixed_points as fixed_points_module
from dynsys.hopfield.energy import energy_landscape

_PLAIN = (dict, list, str, int, float, bool, type(None))


def _task(params: dict[str, float], seed: np.random.SeedSequence) -> dict[str, Any]:
    return {"sum": np.float64(params["a"] + params["b"]), "draw": np.random.default_rng(seed)
            .random(2)}


def _results() -> dict[str, Any]:
    """One of every public result type, from the built-in models (small sizes)."""
    self_exc = compile(load_model("self_excitation"))
    mutual = compile(load_model("mutual_excitation"))
    fhn = compile(load_model("fitzhugh_nagumo"))
    wc = compile(load_model("wilson_cowan"))
    eqs = find_equilibria(self_exc)
    diag_self = bifurcation_diagram(self_exc, "I", (-5, 0))
    fold = diag_self.points("fold")[0]
    diag_fhn = bifurcation_diagram(fhn, "I", (0, 2))
    pot = potential(self_exc)
    net = HopfieldNetwork.from_names(["x", "smiley"])
    out: dict[str, Any] = {
        "equilibria": eqs,
        "equilibrium": eqs.equilibria[0],
        "stability": stability([[-1.0, 5.0], [5.0, -1.0]]),
        "trajectory": simulate(self_exc, [[59.0], [61.0]], 2.0),
        "noisy trajectory": simulate(self_exc, [60.0], 2.0, sigma=5.0, rng=0),
        "phase plane": phase_plane(mutual, basin=True, basin_resolution=11),
        "flux": flux(self_exc),
        "activation curve": activation_curve(np.tanh),
        "branch": continue_equilibria(mutual, "I", [0.00227195711918623] * 2, (-20, 0)),
        "diagram": diag_self,
        "diagram (Hopf)": diag_fhn,
        "diagram (wilson_cowan)": bifurcation_diagram(wc, "P", (0, 3)),
        "special point": fold,
        "fold curve": continue_fold(self_exc, ("w", "I"), fold, {"w": (0, 1), "I": (-5, 0)}),
        "hopf curve": continue_hopf(fhn, ("I", "b"), diag_fhn.points("hopf")[0],
                                    {"b": (0.5, 1.2)}, region={}),
        "region map": region_map(self_exc, ("w", "I"), np.linspace(0, 1, 6),
                                 np.linspace(-5, 0, 6)),
        "cycles": simulated_cycles(fhn, "I", [0.5, 1.0], transient=100, window=150),
        "potential": pot,
        "barrier": pot.barriers[0],
        "kramers": kramers(pot, 20.0),
        "switching": switching_statistics(self_exc, 20.0, 20.0, runs=10, rng=3),
        "residence scan": residence_scan(self_exc, [25.0, 30.0], runs=20, rng=11),
        "recall": recall(net, "x", 0.2, rng=0),
        "fixed points": find_fixed_points(net, starts=10),
        "fixed points (tanh)": find_fixed_points(
            HopfieldNetwork.from_names(["x", "smiley"], activation="tanh"), starts=5),
        "energy landscape": energy_landscape(net, points=9),
        "capacity": capacity_curve(64, patterns=[1, 3], trials=10, rng=0),
        "error correction": error_correction_curve(64, 2, [0.0, 0.3], trials=10, rng=0),
        "scaling": scaling_curves([32, 64], [0.05, 0.2], trials=5, rng=0),
        "sweep": sweep_grid(_task, {"a": [1.0, 2.0], "b": [0.5]}, rng=0),
    }
    out["fixed point"] = out["fixed points"].points[0]
    out["capacity point"] = out["capacity"].points[0]
    out["unlocated point"] = SpecialPoint(PointType.HOPF, {"I": 1.0}, {"v": 0.0, "w": 0.0},
                                          omega=float("nan"), reason="ConvergenceError: x",
                                          varied=("I",))
    out["skipped start"] = SkippedStart(1.0, {"v": np.float64(0.5)}, "ConvergenceError: x")
    return out


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    with np.errstate(all="ignore"):
        return _results()


def _non_plain(obj: Any, path: str = "$") -> list[str]:
    """Paths of every value in ``obj`` that is not a plain JSON type (exact types)."""
    if type(obj) not in _PLAIN:
        return [f"{path}: {type(obj).__module__}.{type(obj).__name__}"]
    if isinstance(obj, dict):
        bad = [f"{path}: key {k!r}" for k in obj if type(k) is not str]
        return bad + [p for k, v in obj.items() for p in _non_plain(v, f"{path}.{k}")]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _non_plain(v, f"{path}[{i}]")]
    return []


def test_every_result_type_is_covered(results: dict[str, Any]) -> None:
    names = {type(r).__name__ for r in results.values()}
    expected = {"Equilibria", "Equilibrium", "Stability", "Trajectory", "PhasePlane", "Flux",
                "ActivationCurve", "Branch", "BifurcationDiagram", "SpecialPoint", "Curve",
                "RegionMap", "CycleSamples", "Potential", "Barrier", "KramersEstimate",
                "SwitchingStatistics", "ResidenceScan", "RecallResult",
                "HopfieldFixedPoints", "FixedPoint", "EnergyLandscape", "CapacityCurve",
                "ErrorCorrectionCurve", "ScalingResult", "GridSweep", "SkippedStart"}
    assert expected <= names, expected - names


@pytest.mark.parametrize("name", [
    "equilibria", "equilibrium", "stability", "trajectory", "noisy trajectory",
    "phase plane", "flux", "activation curve", "branch", "diagram", "diagram (Hopf)",
    "diagram (wilson_cowan)", "special point", "unlocated point", "skipped start",
    "fold curve", "hopf curve", "region map", "cycles", "potential", "barrier", "kramers",
    "switching", "residence scan", "recall", "fixed points", "fixed points (tanh)",
    "fixed point", "energy landscape", "capacity", "capacity point", "error correction",
    "scaling", "sweep"])
def test_result_contract(results: dict[str, Any], name: str) -> None:
    result = results[name]
    data = result.to_dict()
    assert _non_plain(data) == []
    json.dumps(data, allow_nan=False)
    text, line = str(result), repr(result)
    assert "\n" not in line and line.strip() == line and line
    assert line.startswith(("<", type(result).__name__ + "("))
    assert "array(" not in text and "np.float" not in text
    assert text and len(text) < 20_000


def test_nan_becomes_null_and_unlocated_points_say_why(results: dict[str, Any]) -> None:
    d = results["unlocated point"].to_dict()
    assert d["omega"] is None and d["located"] is False
    assert d["reason"] == "ConvergenceError: x"
    assert "a" not in d and "l1" not in d and "residual" not in d
    assert "ConvergenceError: x" in str(results["unlocated point"])


def test_special_point_json_keys(results: dict[str, Any]) -> None:
    d = results["special point"].to_dict()
    assert list(d)[:4] == ["type", "params", "state", "varied"]
    assert {"a", "transversality", "residual", "newton_iterations", "located"} <= set(d)
    assert d["located"] is True and "reason" not in d and "omega" not in d
    hopf = results["diagram (Hopf)"].points("hopf")[0].to_dict()
    assert {"omega", "l1", "criticality", "residual", "located"} <= set(hopf)
    assert "a" not in hopf


def test_failures_are_reported(results: dict[str, Any]) -> None:
    diag = results["diagram"]
    assert diag.to_dict()["skipped"] == []
    fp = results["fixed points (tanh)"].to_dict()
    for key in ("unsettled_runs", "polish_failures", "candidate_failures"):
        assert type(fp[key]) is int and fp[key] >= 0
    assert "failed polishes" in str(results["fixed points (tanh)"])


def test_failed_continuations_are_listed_not_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise ConvergenceError("corrector gave up at step 3\nresidual history ...")

    monkeypatch.setattr(diagram_module, "continue_equilibria", fail)
    diag = bifurcation_diagram(load_model("self_excitation"), "I", (-5, 0), n_samples=3)
    assert diag.branches == () and len(diag.skipped) >= 3
    first = diag.skipped[0]
    assert first.reason == "ConvergenceError: corrector gave up at step 3"
    assert first.value == -5.0 and set(first.state) == {"r"}
    d = diag.to_dict()
    assert d["skipped"][0] == {"value": -5.0, "state": {"r": pytest.approx(first.state["r"])},
                               "reason": first.reason}
    assert str(diag).count("skipped start at") == len(diag.skipped)
    assert f"{len(diag.skipped)} skipped" in repr(diag)


def test_failed_hopfield_polishes_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise ConvergenceError("no")

    net = HopfieldNetwork.from_names(["x", "smiley"], activation="tanh")
    monkeypatch.setattr(fixed_points_module, "_newton", fail)
    res = find_fixed_points(net, starts=7)
    assert res.polish_failures == 7 and res.to_dict()["polish_failures"] == 7
    assert res.candidate_failures > 0
    assert "failed polishes: 7" in str(res)
    sign = find_fixed_points(HopfieldNetwork.from_names(["x", "smiley"]), starts=7)
    assert sign.polish_failures == 0 and 0 <= sign.unsettled_runs <= 7
