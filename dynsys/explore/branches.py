"""The explorer's bifurcation panel data: branches of equilibria in one parameter.

:func:`branch_columns` calls :func:`~dynsys.bifurcation.diagram.bifurcation_diagram` (the
same call as ``dynsys continuation``) and turns its branches into line segments split by
stability, its special points into labelled markers, and its cycle branches (continued
from Hopf points) into envelope lines (max and min of the drawn state), split by the
orbits' stability like the equilibria.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dynsys.bifurcation.diagram import bifurcation_diagram
from dynsys.core.system import compile

__all__ = ["branch_columns"]

_ABBREV = {"fold": "LP", "hopf": "H", "branch_point": "BP", "cusp": "CP",
           "bogdanov_takens": "BT", "fold_of_cycles": "LPC", "period_doubling": "PD",
           "neimark_sacker": "NS"}


def _runs(values: Any, y: Any, stable: Any) -> tuple[list[list[float]], list[list[float]],
                                                     list[bool]]:
    """Split a branch into pieces of constant stability (each piece shares its end point)."""
    xs, ys, st = [], [], []
    start = 0
    n = len(values)
    for k in range(1, n + 1):
        if k == n or bool(stable[k]) != bool(stable[start]):
            stop = min(k + 1, n)
            xs.append([float(v) for v in values[start:stop]])
            ys.append([float(v) for v in y[start:stop]])
            st.append(bool(stable[start]))
            start = k
    return xs, ys, st


def branch_columns(system: Any, param: str, bounds: tuple[float, float],
                   params: Mapping[str, float], state: int = 0, *,
                   cycles: bool = True) -> dict[str, Any]:
    """Column data of the bifurcation panel: ``branch_columns(system, param, bounds, params)``.

    Parameters
    ----------
    system : Model or System
    param : str
        The parameter continued.
    bounds : (low, high)
    params : mapping
        The other parameters.
    state : int, default 0
        The state drawn on the vertical axis.
    cycles : bool, default True
        Continue periodic orbits from Hopf points and draw their max/min envelopes.

    Returns
    -------
    dict
        ``stable`` and ``unstable`` (``xs``, ``ys`` multi-line columns), ``points``
        (``x``, ``y``, ``label``), ``cycles`` (``xs``, ``ys`` of the envelopes' pieces
        and ``stable``: whether the orbits of a piece are stable, by their Floquet
        multipliers), ``param``.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> m = load_model("mutual_excitation")
    >>> cols = branch_columns(m, "I", (-20.0, 0.0), {"w1": 0.4, "w2": 0.4, "I": -10.0})
    >>> sorted(cols["points"]["label"])
    ['LP', 'LP']
    """
    compiled = compile(system)
    smooth = getattr(compiled, "is_smooth", True) is not False
    diag = bifurcation_diagram(compiled, param, (float(bounds[0]), float(bounds[1])),
                               params=dict(params), n_samples=3,
                               cycles=bool(cycles and smooth))
    out: dict[str, Any] = {"param": param,
                           "stable": {"xs": [], "ys": []}, "unstable": {"xs": [], "ys": []},
                           "points": {"x": [], "y": [], "label": []},
                           "cycles": {"xs": [], "ys": []}}
    for br in diag.branches:
        xs, ys, st = _runs(br.values, br.states[:, state], br.stable)
        for x, y, s in zip(xs, ys, st, strict=True):
            key = "stable" if s else "unstable"
            out[key]["xs"].append(x)
            out[key]["ys"].append(y)
    name = compiled.state_names[state]
    for sp in diag.special_points:
        if name not in sp.state:
            continue
        out["points"]["x"].append(float(sp.params[param]))
        out["points"]["y"].append(float(sp.state[name]))
        out["points"]["label"].append(_ABBREV.get(sp.type.value, sp.type.value))
    out["cycles"]["stable"] = []
    for cb in diag.cycle_branches:
        v = np.asarray(cb.values, dtype=float)
        for env in (cb.maxima[:, state], cb.minima[:, state]):
            xs, ys, st = _runs(v, np.asarray(env, dtype=float), np.asarray(cb.stable))
            out["cycles"]["xs"].extend(xs)
            out["cycles"]["ys"].extend(ys)
            out["cycles"]["stable"].extend(st)
    return out
