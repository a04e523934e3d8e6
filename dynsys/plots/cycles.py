"""Figures of periodic orbits: one orbit, and branches of orbits against a parameter.

Every function draws :class:`~dynsys.bifurcation.cycles.Cycle` and
:class:`~dynsys.bifurcation.cycle_branch.CycleBranch` objects it is handed and
computes no dynamics (an orbit is drawn by evaluating its collocation polynomials).
Stable orbits are solid lines, unstable ones dashed; a point whose multipliers lie on
the unit circle within tolerance (a Hopf end, a fold of cycles) takes the style of its
neighbours. Folds of cycles are circles (LPC), period doublings triangles (PD),
Neimark-Sacker points diamonds (NS) and a homoclinic end a star (HC), as in AUTO and
MatCont.

* :func:`plot_cycle` -- one orbit: the phase plane (two states) and the time course
  over one period;
* :func:`draw_cycle_envelopes` -- max and min of one state along a branch;
* :func:`draw_period` -- the period along a branch;
* :func:`draw_cycles_phase` -- orbits (of cycles or along branches) in a phase plane.

References
----------
Kuznetsov, Y. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed., Springer,
Section 10.3 (the diagrams of cycle branches drawn here).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dynsys.errors import ModelError
from dynsys.plots._style import OKABE_ITO, color
from dynsys.plots.layout import place_legend

__all__ = [
    "draw_cycle_envelopes",
    "draw_cycles_phase",
    "draw_period",
    "plot_cycle",
]

#: Marker and short label of the special points of cycle branches (AUTO's names).
CYCLE_MARKERS = {"fold_of_cycles": ("o", "LPC"), "period_doubling": ("^", "PD"),
                 "neimark_sacker": ("D", "NS"), "homoclinic": ("*", "HC")}
_LEGEND = {"fold_of_cycles": "fold of cycles (LPC)", "period_doubling": "period doubling (PD)",
           "neimark_sacker": "Neimark-Sacker (NS)", "homoclinic": "homoclinic end (HC)"}

#: Default colour of cycle branches (the equilibria use the palette's first colour).
CYCLE_COLOR = OKABE_ITO[3]


def _label(name: str, unit: str | None) -> str:
    return f"{name} ({unit})" if unit else name


def _index(names: Sequence[str], state: int | str) -> int:
    if isinstance(state, str):
        if state not in names:
            raise ModelError(f"{state!r} is not a state (states: {', '.join(names)})")
        return list(names).index(state)
    j = int(state)
    if not 0 <= j < len(names):
        raise ModelError(f"state index {j} out of range (states: {', '.join(names)})")
    return j


def stability_styles(branch: Any) -> list[bool]:
    """Per orbit: True where drawn solid (stable), False where dashed (unstable).

    A neutral orbit (no multiplier outside the unit circle, one on it: a Hopf end, a
    fold of cycles) takes the style of the nearest orbit that is not neutral.
    """
    stable = np.asarray(branch.stable, dtype=bool)
    unstable = np.asarray(branch.unstable, dtype=int)
    known = [bool(s) if (s or u > 0) else None for s, u in zip(stable, unstable, strict=True)]
    solid: list[bool] = []
    for i, k in enumerate(known):
        if k is not None:
            solid.append(k)
            continue
        near = [j for j, v in enumerate(known) if v is not None]
        solid.append(bool(known[min(near, key=lambda j: abs(j - i))]) if near else False)
    return solid


def _runs(solid: list[bool]) -> list[tuple[int, int, bool]]:
    """Runs ``(start, stop, solid)`` with stop inclusive of the next run's first point."""
    out: list[tuple[int, int, bool]] = []
    start = 0
    for i in range(1, len(solid) + 1):
        if i == len(solid) or solid[i] != solid[start]:
            out.append((start, min(i + 1, len(solid)), solid[start]))
            start = i
    return out


def _draw_styled(ax: Axes, x: Any, ys: Sequence[Any], solid: list[bool], col: str,
                 labels: dict[bool, str | None], gid: str) -> None:
    for a, b, full in _runs(solid):
        for k, y in enumerate(ys):
            line, = ax.plot(x[a:b], y[a:b], color=col, linestyle="-" if full else "--",
                            linewidth=1.6 if full else 1.2,
                            label=labels.get(full) if k == 0 else None)
            line.set_gid(gid)
            labels[full] = None  # one legend entry per style


def _at_point(branch: Any, sp: Any, values: Any) -> float:
    """``values`` (one per orbit) at a special point: the orbit nearest to it in the
    parameter among the two the point was located between."""
    i = int(sp.index) if sp.index is not None else 0
    cand = [j for j in (i - 1, i) if 0 <= j < len(branch)] or [0]
    p = float(sp.params[branch.param])
    j = min(cand, key=lambda j: abs(float(branch.values[j]) - p))
    return float(values[j])


def _mark(ax: Axes, kind: str, x: float, ys: Iterable[float], seen: set[str],
          text: str | None) -> None:
    marker, _ = CYCLE_MARKERS.get(kind, ("*", kind))
    for k, y in enumerate(ys):
        ax.plot([x], [y], marker=marker, color="black", markerfacecolor="white",
                markersize=9 if kind == "homoclinic" else 7, linestyle="none", zorder=6,
                label=None if (kind in seen or k) else _LEGEND.get(kind, kind), gid=kind,
                clip_on=False)  # drawn whole where it sits on the axes' edge
        seen.add(kind)
        if text is not None and k == 0:
            left = kind == "homoclinic"  # to the left: clear of the fold labels beside it
            ax.annotate(text, (x, y), textcoords="offset points",
                        xytext=(-6, 5) if left else (5, 5), ha="right" if left else "left",
                        fontsize=8)


def _homoclinic_ends(branch: Any) -> list[dict[str, Any]]:
    return [dict(e) for e in branch.ends if e.get("type") == "homoclinic"]


def draw_cycle_envelopes(ax: Axes, branch: Any, state: int | str = 0, *,
                         color: str = CYCLE_COLOR, label: bool = True,
                         label_points: bool = True) -> None:
    """Draw the max and min of one state along a cycle branch against its parameter.

    Solid where the orbits are stable, dashed where unstable; folds of cycles, period
    doublings and Neimark-Sacker points marked on both curves; a homoclinic end marked
    at the saddle the orbit approaches (else at the last orbit's minimum).

    Parameters
    ----------
    ax : Axes
    branch : CycleBranch
    state : int or str, default 0
    color : str
    label : bool
        Add legend entries ("cycles max/min, stable" / "unstable", the markers).
    label_points : bool
        Write each special point's parameter value beside it.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import sympy as sp
    >>> from dynsys import Model, continue_cycles, continue_equilibria
    >>> x, y, mu = sp.symbols("x y mu", real=True)
    >>> m = Model({x: mu * x - y - x * (x**2 + y**2), y: x + mu * y - y * (x**2 + y**2)},
    ...           params={mu: -0.5}, name="hopf_nf", region={x: (-2, 2), y: (-2, 2)})
    >>> eq = continue_equilibria(m, "mu", [0.0, 0.0], (-0.5, 0.5))
    >>> br = continue_cycles(m, "mu", eq.points("hopf")[0], (-0.5, 1.0))
    >>> ax = Figure().add_subplot()
    >>> draw_cycle_envelopes(ax, br, "x")
    >>> sorted({ln.get_linestyle() for ln in ax.lines if ln.get_gid() == "cycle-envelope"})
    ['-']
    """
    if len(branch) == 0:
        return
    j = _index(branch.state_names, state)
    solid = stability_styles(branch)
    labels: dict[bool, str | None] = ({True: "cycles max/min, stable",
                                       False: "cycles max/min, unstable"} if label else {})
    _draw_styled(ax, branch.values, (branch.maxima[:, j], branch.minima[:, j]), solid, color,
                 labels, "cycle-envelope")
    seen: set[str] = set() if label else set(CYCLE_MARKERS)
    name = branch.param
    for sp in branch.special_points:
        kind = sp.type.value
        x = float(sp.params[name])
        ys = (_at_point(branch, sp, branch.maxima[:, j]),
              _at_point(branch, sp, branch.minima[:, j]))
        short = CYCLE_MARKERS.get(kind, ("*", kind))[1]
        _mark(ax, kind, x, ys, seen, f"{short} {name}={x:.6g}" if label_points else None)
    for end in _homoclinic_ends(branch):
        x = float(end["params"][name])
        saddle = end.get("saddle") or {}
        y = float(saddle.get(branch.state_names[j], branch.minima[-1, j]))
        _mark(ax, "homoclinic", x, (y,), seen, f"HC {name}={x:.6g}" if label_points else None)


def draw_period(ax: Axes, branch: Any, *, color: str = CYCLE_COLOR, label: bool = True,
                label_points: bool = False) -> None:
    """Draw the period along a cycle branch against its parameter (styles as
    :func:`draw_cycle_envelopes`; special points at their located period, a homoclinic
    end at the largest period reached)."""
    if len(branch) == 0:
        return
    solid = stability_styles(branch)
    labels: dict[bool, str | None] = ({True: "period, stable", False: "period, unstable"}
                                      if label else {})
    _draw_styled(ax, branch.values, (branch.period,), solid, color, labels, "cycle-period")
    seen: set[str] = set() if label else set(CYCLE_MARKERS)
    name = branch.param
    for sp in branch.special_points:
        x = float(sp.params[name])
        y = float(sp.period) if sp.period is not None else _at_point(branch, sp,
                                                                     branch.period)
        _mark(ax, sp.type.value, x, (y,), seen, f"{name}={x:.6g}" if label_points else None)
    for end in _homoclinic_ends(branch):
        x = float(end["params"][name])
        y = float(end.get("period", np.max(branch.period)))
        _mark(ax, "homoclinic", x, (y,), seen, f"HC {name}={x:.6g}" if label_points else None)
    # a (nearly) constant period: show it plainly, not as "1e-12 + 6.283185307"
    lo, hi = ax.get_ylim()
    mid = 0.5 * (lo + hi)
    if hi - lo < 1e-3 * abs(mid):
        ax.set_ylim(mid - 0.05 * abs(mid), mid + 0.05 * abs(mid))
    ax.ticklabel_format(axis="y", useOffset=False)


def _orbit(cycle: Any, samples: int = 400) -> Any:
    """The orbit at ``samples + 1`` equally spaced times over one period (closed)."""
    t = np.linspace(0.0, float(cycle.period), samples + 1)
    return t, np.asarray(cycle(t))


def draw_cycles_phase(ax: Axes, items: Any, x: int | str = 0, y: int | str = 1, *,
                      color: str = CYCLE_COLOR, per_branch: int = 8,
                      label: bool = True) -> None:
    """Draw periodic orbits in the phase plane of states ``x`` and ``y``.

    Parameters
    ----------
    ax : Axes
    items : Cycle, CycleBranch, or a sequence of them
        Each Cycle is drawn; of each branch, ``per_branch`` orbits spread along it
        (always including both ends).
    x, y : int or str
        The states on the axes.
    color : str
    per_branch : int, default 8
    label : bool
        Legend entries "limit cycle, stable" / "unstable".

    Examples
    --------
    >>> import sympy as sp
    >>> from matplotlib.figure import Figure
    >>> from dynsys import Model, find_cycle
    >>> u, v, mu = sp.symbols("u v mu", real=True)
    >>> vdp = Model({u: v, v: mu * (1 - u**2) * v - u}, params={mu: 1.0}, name="vdp")
    >>> ax = Figure().add_subplot()
    >>> draw_cycles_phase(ax, find_cycle(vdp, [2.0, 0.0]), "u", "v")
    >>> [ln.get_linestyle() for ln in ax.lines if ln.get_gid() == "cycle-orbit"]
    ['-']
    """
    if not isinstance(items, (list, tuple)):
        items = [items]
    labels: dict[bool, str | None] = ({True: "limit cycle, stable",
                                       False: "limit cycle, unstable"} if label else {})
    for item in items:
        if hasattr(item, "cycles"):  # a CycleBranch
            if len(item) == 0:
                continue
            solid = stability_styles(item)
            pick = np.unique(np.linspace(0, len(item) - 1, max(2, per_branch)).round()
                             ).astype(int)
            chosen = [(item.cycles[i], solid[i]) for i in pick]
        else:
            chosen = [(item, bool(item.stable) or not item.unstable_multipliers)]
        for cyc in chosen:
            c, full = cyc
            i, k = _index(c.state_names, x), _index(c.state_names, y)
            _, orbit = _orbit(c)
            line, = ax.plot(orbit[:, i], orbit[:, k], color=color,
                            linestyle="-" if full else "--", linewidth=2.2 if full else 1.6,
                            label=labels.get(full), zorder=4.5)
            line.set_gid("cycle-orbit")
            labels[full] = None


def plot_cycle(cycle: Any, *, x: int | str = 0, y: int | str = 1, unit: str | None = None,
               axes: Sequence[Axes] | None = None) -> Figure:
    """plot_cycle(cycle, *, x=0, y=1, unit=None) -> Figure: one periodic orbit.

    Left, the orbit in the phase plane of states ``x`` and ``y`` (solid if stable,
    dashed if not; the point at t = 0 and the direction of motion marked); right, every
    state (at most 6) against time over one period. A one-state system gets the time
    course only.

    Parameters
    ----------
    cycle : Cycle
    x, y : int or str
        The states of the phase-plane panel (default: the first two).
    unit : str or None
        Unit of the states (axis labels).
    axes : two Axes (one for a one-state system), optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import sympy as sp
    >>> from dynsys import Model, find_cycle
    >>> u, v, mu = sp.symbols("u v mu", real=True)
    >>> vdp = Model({u: v, v: mu * (1 - u**2) * v - u}, params={mu: 1.0}, name="vdp")
    >>> fig = plot_cycle(find_cycle(vdp, [2.0, 0.0]))
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['u', 'time t']
    """
    planar = cycle.n >= 2
    if axes is None:
        fig = Figure(figsize=(9.0, 3.8) if planar else (5.0, 3.6), layout="constrained")
        axs = list(np.atleast_1d(fig.subplots(1, 2 if planar else 1)))
    else:
        axs = list(axes)
        if len(axs) != (2 if planar else 1):
            raise ModelError(f"plot_cycle needs {2 if planar else 1} axes, got {len(axs)}")
        fig = axs[0].figure  # type: ignore[assignment]
    t, orbit = _orbit(cycle)
    full = bool(cycle.stable) or not cycle.unstable_multipliers
    state = "stable" if cycle.stable else ("unstable" if cycle.unstable_multipliers
                                            else "neutral")
    if planar:
        ax = axs[0]
        i, k = _index(cycle.state_names, x), _index(cycle.state_names, y)
        if i == k:
            raise ModelError(f"the phase plane needs two different states, got {x!r} twice")
        line, = ax.plot(orbit[:, i], orbit[:, k], color=CYCLE_COLOR,
                        linestyle="-" if full else "--", linewidth=1.8,
                        label=f"limit cycle ({state})")
        line.set_gid("cycle-orbit")
        ax.plot([orbit[0, i]], [orbit[0, k]], "o", color="black", markersize=4,
                label="t = 0", zorder=5)
        m = len(t) // 8
        ax.annotate("", xy=orbit[m + 1, [i, k]], xytext=orbit[m, [i, k]],
                    arrowprops={"arrowstyle": "-|>", "color": CYCLE_COLOR, "lw": 1.4})
        ax.set_xlabel(_label(cycle.state_names[i], unit))
        ax.set_ylabel(_label(cycle.state_names[k], unit))
        ax.set_title("orbit in the phase plane", fontsize=9)
        place_legend(ax, fontsize=7)
    tc = axs[-1]
    for j, name in enumerate(cycle.state_names[:6]):
        tc.plot(t, orbit[:, j], color=color(j), linewidth=1.4, label=name)
    tc.set_xlim(0.0, float(cycle.period))
    tc.set_xlabel("time t")
    tc.set_ylabel(_label("state", unit))
    tc.set_title(f"one period, T = {cycle.period:.6g}", fontsize=9)
    place_legend(tc, fontsize=7)
    items = list(cycle.params.items())
    pars = ", ".join(f"{k}={v:g}" for k, v in items[:5]) + (", ..." if len(items) > 5 else "")
    fig.suptitle(f"{cycle.model}: periodic orbit ({state})" + (f", {pars}" if pars else ""),
                 fontsize=9)
    return fig
