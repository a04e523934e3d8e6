"""The two-parameter workflow: fold and Hopf curves from a one-parameter diagram.

``two_parameter_diagram(system, (p1, p2), bounds, params) -> TwoParameterDiagram``
traces every branch of equilibria in the **second** parameter ``p2`` at the first one's
value, continues each fold (and/or Hopf point) found on those branches in both
parameters (:func:`~dynsys.bifurcation.codim2.continue_fold`,
:func:`~dynsys.bifurcation.codim2.continue_hopf`), skipping a point that already lies on
a curve of its kind, and optionally counts the equilibria on a grid of the two ranges
(:func:`~dynsys.bifurcation.region_map.region_map`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import dynsys._checks as checks
from dynsys._io import to_jsonable
from dynsys._types import ParamsLike
from dynsys.bifurcation.codim2 import Curve, continue_fold, continue_hopf
from dynsys.bifurcation.continuation import ContinuationSettings
from dynsys.bifurcation.diagram import BifurcationDiagram, bifurcation_diagram
from dynsys.bifurcation.points import SpecialPoint
from dynsys.bifurcation.region_map import RegionMap, region_map
from dynsys.core.system import compile, resolve_params
from dynsys.errors import ModelError

__all__ = ["TwoParameterDiagram", "two_parameter_diagram"]

KINDS = ("fold", "hopf")


@dataclass(frozen=True)
class TwoParameterDiagram:
    """Fold/Hopf curves in two parameters, with the one-parameter diagram they start from.

    Attributes
    ----------
    model : str
    names : (str, str)
        The two parameters; the branches were traced in ``names[1]`` at the value of
        ``names[0]`` in ``params``.
    bounds : mapping name -> (low, high)
        The range of each of the two parameters.
    params : mapping name -> float
        Values of all parameters (the starting values of the two).
    kinds : tuple of str
        What was continued: ``"fold"`` and/or ``"hopf"``.
    diagram : BifurcationDiagram
        The branches in ``names[1]``.
    curves : tuple of Curve
        One curve per distinct fold (Hopf) point of the branches.
    region_map : RegionMap or None
        Equilibrium counts on a grid of the two ranges, if asked for.
    """

    model: str
    names: tuple[str, str]
    bounds: Mapping[str, tuple[float, float]]
    params: Mapping[str, float]
    kinds: tuple[str, ...]
    diagram: BifurcationDiagram
    curves: tuple[Curve, ...]
    region_map: RegionMap | None = None

    @property
    def special_points(self) -> list[SpecialPoint]:
        """The diagram's special points, then those located on the curves."""
        return [*self.diagram.special_points,
                *(sp for c in self.curves for sp in c.special_points)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``dynsys continue --fold/--hopf --json`` (plain JSON types)."""
        p2 = self.names[1]
        out: dict[str, Any] = {
            "model": self.model, "params_continued": list(self.names),
            "range": {nm: list(self.bounds[nm]) for nm in self.names},
            "param": p2, "branches": [br.to_dict() for br in self.diagram.branches],
            "curves": [c.to_dict() for c in self.curves],
            "special_points": [sp.to_dict() for sp in self.special_points],
        }
        if self.region_map is not None:
            out["region_map"] = self.region_map.to_dict()
        return to_jsonable(out)

    def __str__(self) -> str:
        p1, p2 = self.names
        head = (f"Two-parameter continuation of {self.model} in ({p1}, {p2}); branches "
                f"traced in {p2} at {p1} = {self.params[p1]:g}")
        parts = [head, str(self.diagram), *(str(c) for c in self.curves)]
        if not self.curves:
            lo, hi = self.bounds[p2]
            parts.append(f"no {' or '.join(self.kinds)} point on the branches in {p2} in "
                         f"[{lo:g}, {hi:g}]")
        return "\n".join(parts)

    def __repr__(self) -> str:
        p1, p2 = self.names
        counts = ", ".join(f"{sum(c.kind == k for c in self.curves)} {k}" for k in self.kinds)
        return (f"TwoParameterDiagram({self.model!r}, ({p1}, {p2}), curves: {counts}, "
                f"special points: {len(self.special_points)}, "
                f"region_map={'yes' if self.region_map is not None else 'no'})")


def _on_curve(curve: Curve, sp: SpecialPoint, names: tuple[str, str]) -> bool:
    """Whether ``sp`` lies on ``curve`` (within a tenth of a segment of its polyline)."""
    u = np.array([*sp.state.values(), sp.params[names[0]], sp.params[names[1]]])
    pts = np.column_stack([curve.states, curve.values])
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        seg = b - a
        s2 = float(seg @ seg)
        tau = 0.0 if s2 == 0 else min(1.0, max(0.0, float((u - a) @ seg) / s2))
        if np.linalg.norm(a + tau * seg - u) <= 0.1 * np.sqrt(s2) + 1e-9:
            return True
    return False


def two_parameter_diagram(
    system: Any,
    names: tuple[str, str],
    bounds: Mapping[str, tuple[float, float]],
    params: ParamsLike = None,
    *,
    kinds: Sequence[str] = ("fold",),
    region: Mapping[str, tuple[float, float]] | None = None,
    n_samples: int = 5,
    settings: ContinuationSettings | None = None,
    grid: tuple[int, int] | None = None,
) -> TwoParameterDiagram:
    """Fold/Hopf curves in ``names = (p1, p2)`` from the branches in ``p2``.

    ``two_parameter_diagram(system, (p1, p2), bounds, params=None, *, kinds=("fold",),
    region=None, n_samples=5, settings=None, grid=None) -> TwoParameterDiagram``

    Parameters
    ----------
    system : System or Model
    names : (str, str)
        The two parameter names; the branches are traced in ``p2`` at ``p1``'s value.
    bounds : mapping name -> (low, high)
        The range of each of the two parameters (both must be given).
    params : mapping or array, optional
        Values of all parameters (default: the model's); ``p1``'s must lie in its range.
    kinds : sequence of {"fold", "hopf"}
        Which special points to continue in two parameters.
    region : mapping state -> (low, high), optional
        The state box (default: the system's region).
    n_samples : int
        Values of ``p2`` where all equilibria are searched (see
        :func:`~dynsys.bifurcation.diagram.bifurcation_diagram`).
    settings : ContinuationSettings, optional
    grid : (int, int), optional
        With a grid size ``(N1, N2)``, also count the equilibria on an ``N1 x N2`` grid of
        the two ranges (:func:`~dynsys.bifurcation.region_map.region_map`).

    Returns
    -------
    TwoParameterDiagram

    Raises
    ------
    ModelError
        For unknown or equal names, a missing or bad range, ``p1`` outside its range,
        an unknown kind, or a bad grid size.

    References
    ----------
    Kuznetsov (2004), Elements of Applied Bifurcation Theory, Chapter 10.

    Examples
    --------
    >>> from dynsys import load_model
    >>> two = two_parameter_diagram(load_model("self_excitation"), ("w", "I"),
    ...                             {"w": (0, 1), "I": (-5, 0)})
    >>> len(two.curves), [str(sp.type) for sp in two.curves[0].special_points]
    (1, ['cusp'])
    >>> round(two.curves[0].special_points[0].params["w"], 6)
    0.016667
    """
    system = compile(system)
    try:
        p1, p2 = names
    except (TypeError, ValueError):
        raise ModelError(f"names must name two parameters, got {names!r}") from None
    if p1 == p2:
        raise ModelError(f"names must be two different parameters, got {p1!r} twice")
    for nm in (p1, p2):
        if nm not in system.param_names:
            raise ModelError(f"names: {nm!r} is not a parameter of {system.name} "
                             f"(parameters: {', '.join(system.param_names)})")
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ModelError(f"kinds must be some of {', '.join(KINDS)}, got {list(kinds)!r}")
    given = checks.name_mapping(bounds, "bounds", (p1, p2), "continued parameter")
    box = {nm: checks.interval(given.get(nm), f"bounds of {nm}") for nm in (p1, p2)}
    values = {nm: float(v) for nm, v in zip(
        system.param_names, np.asarray(resolve_params(system, params), dtype=np.float64),
        strict=True)}
    if not box[p1][0] <= values[p1] <= box[p1][1]:
        raise ModelError(f"params: {p1} = {values[p1]:g} is outside its bounds "
                         f"({box[p1][0]:g}, {box[p1][1]:g})")
    diagram = bifurcation_diagram(system, p2, box[p2], params=values, region=region,
                                  n_samples=n_samples, settings=settings)
    pair = (p1, p2)
    curves: list[Curve] = []
    for kind in kinds:
        for sp in diagram.points(kind):
            if any(c.kind == kind and _on_curve(c, sp, pair) for c in curves):
                continue
            fn = continue_fold if kind == "fold" else continue_hopf
            curves.append(fn(system, pair, sp, box, settings, values, region=region))
    rmap = None
    if grid is not None:
        try:
            n1, n2 = grid
        except (TypeError, ValueError):
            raise ModelError(f"grid must be two sizes (N1, N2), got {grid!r}") from None
        rmap = region_map(system, pair, np.linspace(*box[p1], checks.count(n1, "grid[0]")),
                          np.linspace(*box[p2], checks.count(n2, "grid[1]")), params=values,
                          region=region)
    return TwoParameterDiagram(system.name, pair, box, values, tuple(kinds), diagram,
                               tuple(curves), rmap)
