"""The two-parameter workflow as a library function, and the CLI that calls it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dynsys import load_model, two_parameter_diagram
from dynsys.bifurcation.two_parameter import TwoParameterDiagram
from dynsys.cli import main
from dynsys.errors import ModelError

BOX = {"w": (0.0, 1.0), "I": (-5.0, 0.0)}


@pytest.fixture(scope="module")
def self_exc_two() -> TwoParameterDiagram:
    return two_parameter_diagram(load_model("self_excitation"), ("w", "I"), BOX, grid=(5, 4))


def test_fold_curve_cusp_and_region_map(self_exc_two: TwoParameterDiagram) -> None:
    two = self_exc_two
    assert two.names == ("w", "I") and two.kinds == ("fold",)
    assert len(two.diagram.points("fold")) == 2
    assert len(two.curves) == 1  # both folds lie on the one fold curve
    cusp = two.curves[0].points("cusp")[0]
    assert cusp.params["w"] == pytest.approx(1 / 60, abs=1e-8)
    assert cusp.params["I"] == pytest.approx(-1.0, abs=1e-8)
    assert two.region_map is not None and two.region_map.counts.shape == (5, 4)
    assert [str(sp.type) for sp in two.special_points] == ["fold", "fold", "cusp"]


def test_printing(self_exc_two: TwoParameterDiagram) -> None:
    two = self_exc_two
    text = str(two)
    assert text.startswith("Two-parameter continuation of self_excitation in (w, I); "
                           "branches traced in I at w = 0.05\n")
    assert "Curve of fold points" in text
    assert "\n" not in repr(two) and "1 fold" in repr(two)
    d = json.loads(json.dumps(two.to_dict()))
    assert list(d) == ["model", "params_continued", "range", "param", "branches", "curves",
                       "special_points", "region_map"]
    assert d["range"] == {"w": [0.0, 1.0], "I": [-5.0, 0.0]} and d["param"] == "I"


def test_cli_json_and_text_are_the_library_result(capsys: pytest.CaptureFixture,
                                                  self_exc_two: TwoParameterDiagram) -> None:
    assert main(["continue", "self_excitation", "--fold", "--params", "w,I",
                 "--range", "w=0:1,I=-5:0", "--map", "5,4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    lib = json.loads(json.dumps(self_exc_two.to_dict()))
    assert out == lib
    assert main(["continue", "self_excitation", "--fold", "--params", "w,I",
                 "--range", "w=0:1,I=-5:0"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == str(
        two_parameter_diagram(load_model("self_excitation"), ("w", "I"), BOX))


def test_no_point_message_and_errors() -> None:
    m = load_model("fitzhugh_nagumo")
    two = two_parameter_diagram(m, ("I", "b"), {"I": (-2.0, 3.0), "b": (0.5, 1.2)},
                                {"I": 0.5}, kinds=("hopf", "fold"))
    assert two.curves == () and str(two).endswith(
        "no hopf or fold point on the branches in b in [0.5, 1.2]")
    with pytest.raises(ModelError, match="outside its bounds"):
        two_parameter_diagram(m, ("I", "b"), {"I": (1.0, 2.0), "b": (0.5, 1.2)}, {"I": 0.5})
    with pytest.raises(ModelError, match="bounds of b must be a pair"):
        two_parameter_diagram(m, ("I", "b"), {"I": (0.0, 1.0)}, {"I": 0.5})
    with pytest.raises(ModelError, match="bounds names 'a', which is not a continued parameter"):
        two_parameter_diagram(m, ("I", "b"), {"I": (0, 1), "b": (0.5, 1), "a": (0, 1)})
    with pytest.raises(ModelError, match="kinds must be some of fold, hopf"):
        two_parameter_diagram(m, ("I", "b"), {"I": (0, 1), "b": (0.5, 1)}, kinds=("cusp",))
    with pytest.raises(ModelError, match="grid\\[1\\] must be a positive integer"):
        two_parameter_diagram(m, ("I", "b"), {"I": (0, 1), "b": (0.5, 1)}, grid=(2, 0))
    assert np.isfinite(two.params["a"])
