"""``read_ode``: .ode text -> :class:`OdeSpec`, the Model's constructor arguments.

The reader does not build a Model (the Model sits above it and calls it from
:meth:`~dynsys.core.model.Model.from_text`), so the two never import each other.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import sympy as sp

from dynsys.core.events import Event
from dynsys.core.odefile._common import IgnoredOptionWarning, _clip, _fail
from dynsys.core.odefile._expressions import _Builder
from dynsys.core.odefile._statements import _Decl, _read, _Source
from dynsys.core.odefile._tables import grid, read_table_file
from dynsys.core.odefile._tabulate import tabulate
from dynsys.core.symbols import time_symbol
from dynsys.errors import ModelError


@dataclass(frozen=True)
class OdeSpec:
    """What an ``.ode`` text declares: the keyword arguments of ``Model(...)``.

    Frozen; :meth:`kwargs` gives ``equations``, ``params`` and the other constructor
    arguments as plain dicts, so that ``Model(**spec.kwargs())`` builds the model.
    """

    equations: Mapping[str, sp.Expr]
    params: Mapping[str, float]
    name: str = "model"
    noise: Mapping[str, sp.Expr] = field(default_factory=dict)
    region: Mapping[str, tuple[float, float]] | None = None
    init: Mapping[str, float] = field(default_factory=dict)
    aux: Mapping[str, sp.Expr] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    units: Mapping[str, str] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    discrete: bool = False
    sets: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("equations", "params", "noise", "init", "aux", "options", "units"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        if self.region is not None:
            object.__setattr__(self, "region", MappingProxyType(dict(self.region)))

    def kwargs(self) -> dict[str, Any]:
        """The Model constructor's keyword arguments, as fresh dicts."""
        return {
            "equations": dict(self.equations),
            "params": dict(self.params),
            "name": self.name,
            "noise": dict(self.noise),
            "region": None if self.region is None else dict(self.region),
            "init": dict(self.init),
            "aux": dict(self.aux),
            "options": dict(self.options),
            "description": self.description,
            "units": dict(self.units),
            "events": tuple(self.events),
            "discrete": self.discrete,
            "sets": {k: {part: dict(v) for part, v in entry.items()}
                     for k, entry in self.sets.items()},
        }


def _warn(message: str) -> None:
    warnings.warn(message, IgnoredOptionWarning, stacklevel=4)


def read_ode(text: str | bytes, *, name: str = "model",
             base_dir: str | Path | None = None) -> OdeSpec:
    """``read_ode(text, name="model") -> OdeSpec``: read XPPAUT ``.ode`` text safely.

    Parameters
    ----------
    text : str (or UTF-8 bytes)
        The file's content; the statements are listed in :mod:`dynsys.core.odefile`.
    name : str, default "model"
        The Model's name (:func:`~dynsys.core.loading.load_model` passes the file's stem).
    base_dir : path, optional
        The folder of the ``.ode`` file, where the files of file tables (``table w
        w.tab``) are read; without it a file table is an error.

    Returns
    -------
    OdeSpec
        The Model's constructor arguments: the equations, parameters, noise (from
        ``wiener`` terms), region, init, aux and options (``dt``, ``total``) of the text.

    Raises
    ------
    ModelError
        Naming the line and the culprit, for any malformed or unsafe input.

    Warns
    -----
    IgnoredOptionWarning
        Once, naming every ``@`` option that dynsys does not use (display settings such
        as ``nplot``, ``lt``, ``axes``).

    Examples
    --------
    >>> from dynsys.core.model import Model
    >>> m = Model(**read_ode("v' = v - v^3/3 - w + I\\nw' = eps*(v + a - b*w)\\n"
    ...               "par I=0.5, a=0.7, b=0.8, eps=0.08\\n", name="fhn").kwargs())
    >>> m.rhs[0]
    I - v**3/3 + v - w
    >>> m.params["I"], m.param_symbols[0].is_real
    (0.5, True)

    References
    ----------
    Ermentrout, B. (2002). *Simulating, Analyzing, and Animating Dynamical Systems:
    A Guide to XPPAUT for Researchers and Students*. SIAM.
    """
    src = _read(text)
    if not src.equations:
        raise ModelError("the text declares no equations (write x' = ... or dx/dt = ...)")
    b = _Builder(src)
    params = {nm: b.constant(decl, f"parameter {nm!r}") for nm, decl in src.params.items()}
    states = set(src.equations)
    state_syms = {b.symbols[s] for s in states}
    _tables(src, b, base_dir, {b.symbols[p] for p in src.params})

    # validate every definition, used or not
    for nm, decl in src.macros.items():
        where = f"{decl.kind} {nm!r}"
        if decl.kind == "function":
            dummies = [(sp.Symbol(f"_{a}", real=True), False, 1) for a in decl.args]
            b.expand(nm, decl, dummies, decl, 0)
            continue
        expr, const = b.expand(nm, decl, [], decl, 0)
        if decl.kind == "number" and not const:
            raise _fail(decl.line, f"number {nm!r} must be a constant, got {_clip(decl.text)!r}")
        if decl.kind == "derived parameter" and expr.free_symbols & (
                state_syms | {time_symbol} | set(b.wieners.values())):
            raise _fail(decl.line, f"derived parameter {nm!r} may use parameters only, got "
                                   f"{_clip(decl.text)!r}")

    equations, noise, fed_by = {}, {}, {}
    wiener_syms = set(b.wieners.values())
    for nm, decl in src.equations.items():
        where = f"the equation for {nm!r}"
        rhs, _ = b.build(decl, where)
        used = sorted(rhs.free_symbols & wiener_syms, key=lambda s: s.name)
        amps = []
        for w in used:
            if w.name in fed_by:
                raise _fail(decl.line, f"wiener {w.name!r} feeds both {fed_by[w.name]!r} and "
                                       f"{nm!r}; dynsys noise is independent per state")
            fed_by[w.name] = nm
            amp = sp.diff(rhs, w)
            bad = amp.free_symbols & (state_syms | {time_symbol} | wiener_syms)
            if bad:
                raise _fail(decl.line, f"noise term {w.name!r} in {where} must be additive: "
                                       f"its coefficient {_clip(str(amp))!r} uses "
                                       f"{sorted(s.name for s in bad)[0]!r}")
            amps.append(amp)
        if used:
            rhs = rhs.xreplace({w: sp.S.Zero for w in used})
            noise[nm] = amps[0] if len(amps) == 1 else sp.sqrt(sp.Add(*(a**2 for a in amps)))
        equations[nm] = rhs

    aux = {}
    for nm, decl in src.aux.items():
        expr, _ = b.build(decl, f"aux {nm!r}")
        if expr.free_symbols & wiener_syms:
            raise _fail(decl.line, f"aux {nm!r} uses a wiener noise term")
        aux[nm] = expr

    init = {}
    for given, (line, value) in src.inits.items():
        nm = src.canonical(given)
        if nm not in states:
            raise _fail(line, f"init for unknown state {given!r}: it has no equation (states: "
                              f"{', '.join(src.equations)})")
        init[nm] = b.constant(_Decl("init", line, value), f"initial value of {nm!r}")

    sets = _sets(src, b, params, states)
    options, region = _options(src, b, list(src.equations))
    units = {}
    for line, given, unit in src.units:
        nm = src.canonical(given)
        if nm not in states:
            raise _fail(line, f"units for unknown state {given!r} (states: "
                              f"{', '.join(src.equations)})")
        units[nm] = unit
    events = _events(src, b, states, wiener_syms)
    discrete = bool(src.map_lines) or options.get("meth") == "discrete"
    if discrete:
        options["meth"] = "discrete"  # XPPAUT: a file with x(t+1)= is a map, whatever meth
        if noise:
            raise _fail(src.equations[next(iter(noise))].line,
                        "noise (wiener) in a map is not supported")
    return OdeSpec(equations, params, name=name, noise=noise, region=region or None,
                 init=init, aux=aux, options=options, description=src.description,
                 units=units, events=events, discrete=discrete, sets=sets)


def _events(src: _Source, b: _Builder, states: set[str], wiener_syms: set[sp.Symbol]
            ) -> tuple[Event, ...]:
    """The ``global`` statements as Events: targets are states or parameters (XPPAUT's
    rule), expressions free of wiener terms."""
    out = []
    for line, sign, cond_text, items in src.events:
        where = f"the condition of 'global' on line {line}"
        cond, _ = b.build(_Decl("global", line, cond_text), where)
        assignments = []
        for given, text in items:
            target = src.canonical(given)
            if target not in states and target not in src.params:
                raise _fail(line, f"'global' assigns {given!r}, which is neither a state nor a "
                                  "parameter (XPPAUT's rule)")
            expr, _ = b.build(_Decl("global", line, text), f"the event {given}=... on line "
                                                             f"{line}")
            assignments.append((target, expr))
        if any(e.free_symbols & wiener_syms for e in (cond, *(e for _, e in assignments))):
            raise _fail(line, "an event uses a wiener noise term")
        out.append(Event(sign, cond, tuple(assignments)))
    return tuple(out)


def _tables(src: _Source, b: _Builder, base_dir: str | Path | None, param_syms: set) -> None:
    """Tabulate every table (XPPAUT evaluates function tables once, at t = the points)."""
    for nm, tab in src.tables.items():
        if tab.file:
            b.table_values[nm] = read_table_file(tab, base_dir)
            continue
        decl = _Decl("table", tab.line, tab.formula)
        expr, _ = b.build(decl, f"table {nm!r}")
        bad = sorted(s.name for s in expr.free_symbols - param_syms - {time_symbol})
        if bad:
            raise _fail(tab.line, f"the formula of table {nm!r} may use t (the table's "
                                  f"variable) and parameters only, not {bad[0]!r}")
        points = grid(tab.xlo, tab.xhi, tab.npts)
        values = []
        for x, value in zip(points, tabulate(expr, points), strict=True):
            if value.is_Number:
                b.check_finite(value, decl, f"table {nm!r} at t={x!r}", tab.formula)
            elif value.has(sp.zoo, sp.oo, sp.nan, sp.I):
                raise _fail(tab.line, f"table {nm!r} is not finite at t={x!r}")
            values.append(value)
        b.table_values[nm] = (tab.xlo, tab.xhi, values)


#: The options a parameter set may carry (as ``@`` options; others are ignored, named).
_SET_OPTIONS = ("dt", "total", "trans", "bound", "nout", "maxstor", "meth")


def _sets(src: _Source, b: _Builder, params: dict[str, float], states: set[str]
          ) -> dict[str, dict[str, dict[str, Any]]]:
    """XPPAUT's ``set NAME {p=1, x=0, total=10}``: parameter values, initial values and
    options applied together (``--set-name``)."""
    sets: dict[str, dict[str, dict[str, Any]]] = {}
    ignored = src.ignored  # named in the one warning of _options
    for set_name, (line, items) in src.sets.items():
        entry: dict[str, dict[str, Any]] = {"params": {}, "init": {}, "options": {}}
        for key, value in items:
            nm = src.canonical(key)
            where = f"{nm!r} in set {set_name!r}"
            if nm in params or nm in states:
                part = "params" if nm in params else "init"
                entry[part][nm] = b.constant(_Decl("set", line, value), where)
            elif key.lower() == "meth":
                method = _method(value)
                if method is None:
                    ignored.append(f"meth={value} (set {set_name})")
                else:
                    entry["options"]["meth"] = method
            elif key.lower() in _SET_OPTIONS:
                number = b.constant(_Decl("set", line, value), where)
                if number <= 0 or (key.lower() in ("nout", "maxstor")
                                   and number != int(number)):
                    raise _fail(line, f"option {key!r} in set {set_name!r} must be positive"
                                      f"{' integer' if key.lower() in ('nout', 'maxstor') else ''}"
                                      f", got {value!r}")
                opt = key.lower()
                entry["options"][opt] = int(number) if opt in ("nout", "maxstor") else number
            else:
                ignored.append(f"{key.lower()} (set {set_name})")
        sets[set_name] = entry
    return sets


#: XPPAUT reads ``meth`` by its first character (``load_eqn.c``: "demragvbqsc582y").
_METHOD_KEYS = {
    "d": "discrete", "e": "euler", "m": "modeuler", "r": "rk4", "a": "adams", "g": "gear",
    "v": "volterra", "b": "backeul", "q": "qualrk", "s": "stiff", "c": "cvode", "5": "5dp",
    "8": "83dp", "2": "2rb", "y": "ymp",
}


def _method(value: str) -> str | None:
    """The XPPAUT method ``meth=value`` selects (by its first character), or None."""
    text = value.strip().lower()
    return _METHOD_KEYS.get(text[:1]) if text else None


#: XPPAUT's integration methods (``@ meth=``, read by prefix as XPPAUT does) -> names.
_XPP_METHODS = {
    "discrete": "discrete", "euler": "euler", "modeuler": "modeuler", "rk4": "rk4",
    "runge": "rk4", "adams": "adams", "gear": "gear", "volterra": "volterra",
    "backeul": "backeul", "qualrk": "qualrk", "stiff": "stiff", "cvode": "cvode",
    "5dp": "5dp", "83dp": "83dp", "2rb": "2rb", "ymp": "ymp",
}


def _options(src: _Source, b: _Builder, states: list[str]
             ) -> tuple[dict[str, Any], dict[str, tuple[float, float]]]:
    options: dict[str, Any] = {}
    raw: dict[str, tuple[int, str]] = {}
    for line, key, value in src.options:
        raw[key] = (line, value)
    axis = {"x": states[0] if states else None, "y": states[1] if len(states) > 1 else None}
    for ax in ("x", "y"):
        if f"{ax}p" in raw:
            line, value = raw[f"{ax}p"]
            if src.canonical(value) in states:
                axis[ax] = src.canonical(value)
            else:
                _warn(f"line {line}: ignoring XPP option '{ax}p={value}' (not a state): its "
                      f"{ax}lo/{ax}hi are ignored too")
                axis[ax] = None
    bounds: dict[str, dict[str, float]] = {}
    ignored: list[str] = list(src.ignored)  # statements (only) and set entries, too
    for key, (line, value) in raw.items():
        if key in ("xp", "yp"):
            continue
        if key == "meth":
            name = _method(value)  # by its first character, as XPPAUT reads it
            if name is None:
                ignored.append(f"meth={_clip(value, 20)} (XPPAUT keeps its default, RK4)")
                continue
            options["meth"] = _XPP_METHODS[name]
            continue
        if key in ("dt", "total", "trans", "bound", "nout", "maxstor", "xlo", "xhi", "ylo",
                   "yhi"):
            number = b.constant(_Decl("option", line, value), f"option {key!r}")
            if key in ("dt", "total", "bound"):
                if number <= 0:
                    raise _fail(line, f"option {key!r} must be positive, got {value!r}")
                options[key] = number
            elif key == "trans":
                if number < 0:
                    raise _fail(line, f"option 'trans' must be >= 0, got {value!r}")
                options[key] = number
            elif key in ("nout", "maxstor"):
                if number < 1 or number != int(number):
                    raise _fail(line, f"option {key!r} must be a positive integer, got "
                                      f"{value!r}")
                options[key] = int(number)
            elif axis[key[0]] is None:
                if f"{key[0]}p" not in raw:  # else already said with xp/yp
                    ignored.append(f"{key} (no state on that axis)")
            else:
                bounds.setdefault(key[0], {})[key[1:]] = number
            continue
        ignored.append(key)
    if ignored:
        _warn(f"ignoring XPP option(s) {', '.join(ignored)}: dynsys uses meth, dt, total, "
              "trans, bound, nout, maxstor and the xp/yp window (xlo, xhi, ylo, yhi)")
    region: dict[str, tuple[float, float]] = {}
    for ax in ("x", "y"):
        got = bounds.get(ax, {})
        if len(got) == 1:
            _warn(f"ignoring XPP option '{ax}{next(iter(got))}' without its partner")
        elif got:
            region[axis[ax]] = (got["lo"], got["hi"])  # type: ignore[index]
    for line, given, text in src.regions:
        nm = src.canonical(given)
        if nm not in states:
            raise _fail(line, f"region for unknown state {nm!r} (states: {', '.join(states)})")
        if nm in region:
            raise _fail(line, f"second region for {nm!r}")
        lo_text, _, hi_text = text.partition(":")
        lo = b.constant(_Decl("region", line, lo_text.strip()), f"region of {nm!r}")
        hi = b.constant(_Decl("region", line, hi_text.strip()), f"region of {nm!r}")
        region[nm] = (lo, hi)
    ordered = {s: region[s] for s in states if s in region}
    for nm, (lo, hi) in ordered.items():
        if not lo < hi:
            raise ModelError(f"region of {nm!r} needs low < high, got ({lo!r}, {hi!r})")
    return options, ordered
