"""Argument checks name the argument and the bad value."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dynsys._checks as checks
from dynsys.errors import ModelError
from dynsys.hopfield.capacity import capacity_curve
from dynsys.hopfield.recall import RecallProtocol


@pytest.mark.parametrize(("fn", "value", "message"), [
    (checks.positive, 0, "dt must be positive and finite, got 0"),
    (checks.positive, math.inf, "dt must be positive and finite, got inf"),
    (checks.positive, "x", "dt must be a number, got 'x'"),
    (checks.non_negative, -1, "dt must be finite and >= 0, got -1"),
    (checks.probability, 1.5, r"dt must be in \[0, 1\], got 1.5"),
    (checks.finite, math.nan, "dt must be finite, got nan"),
    (checks.count, 0, "dt must be a positive integer, got 0"),
    (checks.count, 2.0, "dt must be a positive integer, got 2.0"),
    (checks.count, True, "dt must be a positive integer, got True"),
])
def test_bad_values_are_named(fn, value, message) -> None:
    with pytest.raises(ModelError, match=message):
        fn(value, "dt")


def test_good_values_convert() -> None:
    assert checks.positive("2", "dt") == 2.0
    assert checks.count(np.int64(3), "n", minimum=2) == 3
    assert checks.in_range(1.0, "core", 0, 1, closed=(False, True)) == 1.0
    with pytest.raises(ModelError, match=r"core must be in \(0, 1\]"):
        checks.in_range(0.0, "core", 0, 1, closed=(False, True))
    with pytest.raises(ModelError, match="n must be an integer >= 2, got 1"):
        checks.count(1, "n", minimum=2)


def test_arrays_and_mappings() -> None:
    assert checks.finite_array([[1, 2]], "x0", shape=(None, 2)).shape == (1, 2)
    with pytest.raises(ModelError, match=r"x0 must have shape \(\*, 3\), got shape \(1, 2\)"):
        checks.finite_array([[1, 2]], "x0", shape=(None, 3))
    with pytest.raises(ModelError, match="x0 must be finite"):
        checks.finite_array([1, math.nan], "x0")
    with pytest.raises(ModelError, match="params names 'q', which is not a parameter"):
        checks.name_mapping({"q": 1}, "params", ["w", "I"], "parameter")


def test_library_messages_name_python_arguments() -> None:
    with pytest.raises(ModelError, match="trials must be a positive integer, got 0"):
        capacity_curve(32, 2, trials=0)
    with pytest.raises(ModelError, match="n must be an integer >= 2"):
        capacity_curve(1, 2, trials=3)
    with pytest.raises(ModelError, match="dt must be positive and finite"):
        RecallProtocol(dt=-1)


def test_cli_names_its_flags(capsys: pytest.CaptureFixture) -> None:
    from dynsys.cli import main

    assert main(["hopfield", "capacity", "--n", "1", "--trials", "2"]) == 2
    assert "argument --n: expected at least 2 units" in capsys.readouterr().err
    assert main(["hopfield", "capacity", "--n", "8", "--trials", "2", "--flip", "2"]) == 2
    assert "flip must be in [0, 1], got 2.0" in capsys.readouterr().err
