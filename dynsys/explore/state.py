"""The explorer's model of a 2-D (or projected n-D) phase plane, without a browser.

:class:`PlaneState` holds the parameters, the trajectories the user started and the
analysis settings of the live view; :meth:`PlaneState.analyse` returns the column data
the page draws (nullclines, direction field, equilibria by kind, separatrices, the
equilibria table), computed by the same library calls as ``dynsys phase``:
:func:`~dynsys.analysis.equilibria.find_equilibria`,
:func:`~dynsys.analysis.phase_plane.nullclines`,
:func:`~dynsys.analysis.phase_plane.direction_field`,
:func:`~dynsys.analysis.phase_plane.separatrices`; a tap runs
:func:`~dynsys.analysis.simulate.simulate`. The Bokeh views (:mod:`dynsys.explore.plane`)
only copy these columns into their data sources, so everything here is tested as plain
Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynsys._checks import finite
from dynsys.analysis.equilibria import Equilibria, find_equilibria
from dynsys.analysis.phase_plane import direction_field, nullclines, separatrices
from dynsys.analysis.simulate import Trajectory, simulate
from dynsys.analysis.stability import Kind
from dynsys.core.region import resolve_region
from dynsys.core.system import compile, resolve_params
from dynsys.errors import ModelError
from dynsys.latex import stability_table
from dynsys.plots._style import OKABE_ITO

__all__ = ["LiveSettings", "ParamSpec", "PlaneState", "equilibrium_style", "param_specs"]

#: Bokeh marker of each kind: the static figures' shapes (``dynsys.plots.phase``: X for a
#: saddle, square for a focus, diamond for a center, triangles for non-hyperbolic and
#: non-smooth points, circle for nodes).
_MARKER = {
    Kind.SADDLE: "x", Kind.STABLE_FOCUS: "square", Kind.UNSTABLE_FOCUS: "square",
    Kind.CENTER: "diamond", Kind.NON_HYPERBOLIC: "triangle",
    Kind.NON_SMOOTH: "inverted_triangle",
}


def equilibrium_style(kind: Kind, stable: bool) -> tuple[str, str, str]:
    """``(marker, line colour, fill colour)`` of an equilibrium, as the static figures draw it.

    Filled black when stable, open vermillion when unstable; the shape by kind.

    >>> equilibrium_style(Kind.SADDLE, False)
    ('x', '#D55E00', 'white')
    """
    colour = OKABE_ITO[7] if stable else OKABE_ITO[1]
    return _MARKER.get(kind, "circle"), colour, colour if stable else "white"


@dataclass(frozen=True)
class ParamSpec:
    """A parameter slider: name, value and range (+-50 % around the value, or +-1 at 0)."""

    name: str
    value: float
    start: float
    end: float

    @property
    def step(self) -> float:
        """A slider step: 1/200 of the range."""
        return (self.end - self.start) / 200.0


def param_specs(names: Sequence[str], values: Sequence[float]) -> list[ParamSpec]:
    """One :class:`ParamSpec` per parameter.

    >>> [(s.start, s.end) for s in param_specs(["I", "w"], [-10.0, 0.0])]
    [(-15.0, -5.0), (-1.0, 1.0)]
    """
    out = []
    for name, v in zip(names, values, strict=True):
        v = float(v)
        half = 0.5 * abs(v) if v != 0.0 else 1.0
        out.append(ParamSpec(name, v, v - half, v + half))
    return out


@dataclass(frozen=True)
class LiveSettings:
    """How much work one live update does (coarser than the CLI's defaults, for speed).

    Attributes
    ----------
    n_starts, rounds, sim_starts : int
        Passed to :func:`~dynsys.analysis.equilibria.find_equilibria`.
    nullcline_points : int
        Samples of each nullcline.
    field_n : int
        Direction-field arrows per axis.
    """

    n_starts: int = 64
    rounds: int = 2
    sim_starts: int = 16
    nullcline_points: int = 241
    field_n: int = 15


@dataclass
class PlaneState:
    """The live phase plane of a system, in two of its states.

    Parameters
    ----------
    system : Model or System
        Compiled if a Model.
    params : mapping, optional
        Starting parameter values (default: the system's).
    plane : (int, int), default (0, 1)
        The two states drawn. A system with more than two states is *projected*: its
        equilibria and trajectories are drawn in these coordinates, without nullclines,
        field or separatrices (which belong to 2-D systems).
    seed : int, default 0
        Seed of the equilibrium search and of the first noisy run; each noisy tap uses the
        next seed, so a session replays.

    Examples
    --------
    >>> from dynsys.core.loading import load_model
    >>> st = PlaneState(load_model("mutual_excitation"))
    >>> data = st.analyse()
    >>> data["equilibria"]["kind"]
    ['stable node', 'saddle', 'stable node']
    >>> st.set_param("I", -2.0); st.analyse()["equilibria"]["kind"]
    ['stable node']
    """

    system: Any
    params: dict[str, float] | None = None
    plane: tuple[int, int] = (0, 1)
    seed: int = 0
    live: LiveSettings = field(default_factory=LiveSettings)
    sigma: float = 0.0
    trajectories: list[dict[str, Any]] = field(default_factory=list)
    last: Equilibria | None = None

    def __post_init__(self) -> None:
        self.system = compile(self.system)
        p = resolve_params(self.system, self.params)
        self.params = {k: float(v) for k, v in zip(self.system.param_names, p, strict=True)}
        n = self.system.n
        i, j = self.plane
        if n < 2 or not (0 <= i < n and 0 <= j < n) or i == j:
            raise ModelError(f"the plane needs two different states of {self.system.name} "
                             f"({', '.join(self.system.state_names)})")
        self._noise_seed = self.seed

    # ------------------------------------------------------------------ inputs
    @property
    def projected(self) -> bool:
        """True when the system has more than two states (drawn in projection)."""
        return bool(self.system.n != 2)

    @property
    def names(self) -> tuple[str, str]:
        """The names of the two states drawn."""
        s = self.system.state_names
        return s[self.plane[0]], s[self.plane[1]]

    def specs(self) -> list[ParamSpec]:
        """Slider specifications for every parameter at its current value."""
        assert self.params is not None
        return param_specs(list(self.params), list(self.params.values()))

    def set_param(self, name: str, value: Any) -> None:
        """Set one parameter (a finite number; unknown names are refused)."""
        assert self.params is not None
        if name not in self.params:
            raise ModelError(f"unknown parameter {name!r}; the parameters are "
                             f"{', '.join(self.params)}")
        self.params[name] = finite(value, name)

    def set_sigma(self, value: Any) -> None:
        """Noise amplitude of the next taps (0: noiseless runs)."""
        v = finite(value, "sigma")
        if v < 0:
            raise ModelError(f"sigma must be >= 0, got {value!r}")
        self.sigma = v

    def region(self) -> dict[str, tuple[float, float]]:
        """The analysis box at the current parameters."""
        assert self.params is not None
        return resolve_region(self.system, self.params)

    # ---------------------------------------------------------------- analysis
    def analyse(self) -> dict[str, Any]:
        """Everything the page draws at the current parameters (both parts of :meth:`updates`).

        Returns
        -------
        dict
            ``nullclines`` (``xs``, ``ys``, ``state`` per branch: multi-line columns),
            ``field`` (arrow segments ``x0, y0, x1, y1``), ``equilibria`` (``x``, ``y``,
            ``kind``, ``marker``, ``line``, ``fill``, ``label``), ``separatrices``
            (``xs``, ``ys``), ``table`` (rows of state, eigenvalues, kind) and ``region``.
            The last :class:`Equilibria` is kept in :attr:`last` (for the LaTeX table).
        """
        out: dict[str, Any] = {}
        for part in self.updates():
            out.update(part)
        return out

    def updates(self) -> Iterator[dict[str, Any]]:
        """The analysis in two parts, the fast one first (what a slider move redraws).

        First the equilibria, the table, the nullclines and the direction field; then the
        separatrices (backward integrations from each saddle, the slow part), so the page
        can show the first while the second is computed, and skip the second when the
        slider has moved on.
        """
        assert self.params is not None
        params = dict(self.params)  # a snapshot: the page may move a slider meanwhile
        reg = resolve_region(self.system, params)
        live = self.live
        eq = find_equilibria(self.system, params, reg, rng=self.seed,
                             n_starts=live.n_starts, rounds=live.rounds,
                             sim_starts=live.sim_starts)
        self.last = eq
        out: dict[str, Any] = {"region": {k: reg[k] for k in self.names},
                               "params": params}
        out["equilibria"] = self._equilibria_columns(eq)
        out["table"] = [self._row(e) for e in eq]
        if self.projected:
            out["nullclines"] = {"xs": [], "ys": [], "state": []}
            out["field"] = {"x0": [], "y0": [], "x1": [], "y1": []}
            yield out
            yield {"separatrices": {"xs": [], "ys": []}}
            return
        i, j = self.plane  # (0, 1), or (1, 0) with the axes swapped
        nx, ny = nullclines(self.system, params, reg, points=live.nullcline_points)
        xs, ys, which = [], [], []
        for nc in (nx, ny):
            for b in nc.branches:
                xs.append(b[:, i].tolist())
                ys.append(b[:, j].tolist())
                which.append(nc.state_name)
        out["nullclines"] = {"xs": xs, "ys": ys, "state": which}
        field = self._field(params, reg)
        if i == 1:
            field = {"x0": field["y0"], "y0": field["x0"], "x1": field["y1"],
                     "y1": field["x1"]}
        out["field"] = field
        yield out
        seps = separatrices(self.system, eq, params, reg)
        yield {"separatrices": {
            "xs": [b[:, i].tolist() for s in seps for b in s.branches],
            "ys": [b[:, j].tolist() for s in seps for b in s.branches]}}

    def _field(self, params: Mapping[str, float], reg: Mapping[str, tuple[float, float]]
               ) -> dict[str, list[float]]:
        """Arrow segments of the direction field, normalised to 40 % of a grid cell."""
        df = direction_field(self.system, params, reg, n=self.live.field_n)
        gx, gy = np.meshgrid(df.x, df.y)
        wx = (df.x[-1] - df.x[0]) / max(len(df.x) - 1, 1)
        wy = (df.y[-1] - df.y[0]) / max(len(df.y) - 1, 1)
        u, v = df.u / wx, df.v / wy  # in cells per unit time
        norm = np.hypot(u, v)
        ok = np.isfinite(norm) & (norm > 0)
        scale = np.where(ok, 0.4 / np.where(ok, norm, 1.0), 0.0)
        x1 = gx + u * scale * wx
        y1 = gy + v * scale * wy
        keep = ok.ravel()
        return {"x0": gx.ravel()[keep].tolist(), "y0": gy.ravel()[keep].tolist(),
                "x1": x1.ravel()[keep].tolist(), "y1": y1.ravel()[keep].tolist()}

    def _equilibria_columns(self, eq: Equilibria) -> dict[str, list[Any]]:
        i, j = self.plane
        cols: dict[str, list[Any]] = {k: [] for k in
                                      ("x", "y", "kind", "marker", "line", "fill", "label")}
        for e in eq:
            marker, line, fill = equilibrium_style(e.kind, e.stable)
            cols["x"].append(float(e.state[i]))
            cols["y"].append(float(e.state[j]))
            cols["kind"].append(e.kind.value)
            cols["marker"].append(marker)
            cols["line"].append(line)
            cols["fill"].append(fill)
            cols["label"].append(e.label)
        return cols

    @staticmethod
    def _row(e: Any) -> dict[str, str]:
        state = ", ".join(f"{nm} = {v:.6g}" for nm, v in zip(e.state_names, e.state,
                                                               strict=True))
        eig = ", ".join(_complex(v) for v in e.eigenvalues)
        return {"state": state, "eigenvalues": eig, "kind": e.kind.value}

    def latex(self) -> str:
        """The library's stability table of the last analysis (analysing first if needed)."""
        if self.last is None:
            self.analyse()
        assert self.last is not None
        return stability_table(self.last)

    # ------------------------------------------------------------------- taps
    def run_settings(self) -> tuple[float, float]:
        """``(t_end, dt)`` of a tap: the model's options where given, else from time scales.

        ``t_end`` is 15 over the slowest decay rate of the last equilibria (at most 200,
        at least 10), ``dt`` 0.1 over the fastest rate (at most 0.1, at least t_end / 4000).
        """
        opts = getattr(getattr(self.system, "model", None), "options", None) or {}
        eq = self.last
        rates = [abs(v.real) for e in (eq or ()) for v in e.eigenvalues if abs(v.real) > 1e-9]
        mags = [abs(v) for e in (eq or ()) for v in e.eigenvalues]
        t_end = float(opts.get("total", min(max(15.0 / max(min(rates), 1e-3), 10.0), 200.0)
                               if rates else 20.0))
        dt = min(0.1 / max(max(mags), 1e-3), 0.1) if mags else 0.05
        dt = float(opts.get("dt", dt))
        dt = max(dt, t_end / 4000)
        steps = max(round(t_end / dt), 1)
        return steps * dt, dt

    def start_state(self, x: float, y: float) -> np.ndarray:
        """The full initial state of a tap at (x, y): the other states from the model's init."""
        init = getattr(getattr(self.system, "model", None), "initial_state", None)
        x0 = np.array(init() if callable(init) else np.zeros(self.system.n), dtype=np.float64)
        x0[self.plane[0]] = finite(x, self.names[0])
        x0[self.plane[1]] = finite(y, self.names[1])
        return x0

    def tap(self, x: float, y: float) -> dict[str, Any]:
        """Run a trajectory from the tapped point and remember it.

        Noiseless (``sigma`` 0): Euler steps (one run: :func:`simulate`'s scalar path, a
        few ms for 4,000 steps); noisy: Euler-Maruyama with the seed recorded in the
        returned ``seed`` (successive noisy taps use successive seeds).

        Returns
        -------
        dict
            ``t``, ``x``, ``y`` (the plane's coordinates), ``states`` (every state's time
            course, ``(T, n)`` as lists), ``seed``, ``sigma``, ``method`` (as
            :func:`simulate` names it) and ``dt`` (the step).
        """
        tr = self.simulate_from(self.start_state(x, y))
        path = tr.states[0]
        i, j = self.plane
        good = np.all(np.isfinite(path), axis=1)
        stop = int(np.argmin(good)) if not np.all(good) else len(path)
        run = {"t": tr.t[:stop].tolist(), "x": path[:stop, i].tolist(),
               "y": path[:stop, j].tolist(), "states": path[:stop].tolist(),
               "seed": tr.seed, "sigma": self.sigma, "method": tr.method, "dt": tr.dt}
        self.trajectories.append(run)
        return run

    def simulate_from(self, x0: np.ndarray) -> Trajectory:
        """The run a tap at ``x0`` makes: :func:`simulate` with Euler steps of the model's
        ``dt`` (as ``dynsys simulate``), Euler-Maruyama with a fresh seed when ``sigma > 0``.
        """
        t_end, dt = self.run_settings()
        if self.sigma > 0:
            seed = self._noise_seed
            self._noise_seed += 1
            return simulate(self.system, x0, t_end, dt=dt, params=self.params,
                            sigma=self.sigma, rng=seed, method="euler")
        return simulate(self.system, x0, t_end, dt=dt, params=self.params, sigma=0.0,
                        method="euler")

    def clear(self) -> None:
        """Forget every trajectory."""
        self.trajectories.clear()


def _complex(v: complex) -> str:
    if abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)):
        return f"{v.real:.4g}"
    return f"{v.real:.4g} {'+' if v.imag >= 0 else '-'} {abs(v.imag):.4g}i"
