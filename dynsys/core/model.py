"""Model: a dynamical system declared symbolically.

A :class:`Model` is frozen symbolic data: state symbols, parameters with default
values, one right-hand side per state, optional additive-noise amplitudes, a default
region, initial values and auxiliary outputs. It knows its symbolic Jacobian and how
to print itself as LaTeX or XPPAUT ``.ode`` text. It computes nothing numeric: that is
:func:`dynsys.core.system.compile`'s job.

Three equivalent ways to declare one:

* sympy: ``Model({x: -x + f(w*x + I)}, params={w: 0.05, I: -3})``;
* equation text in the XPPAUT ``.ode`` subset: :meth:`Model.from_text`;
* by name or path: :func:`load_model` (built-in names live in ``models/``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from dynsys.core.events import Event
from dynsys.core.odefile import format_ode, read_ode
from dynsys.core.symbols import NON_SMOOTH_FUNCTIONS, time_symbol
from dynsys.errors import ModelError

__all__ = [
    "Model",
]


def _name(key: object, what: str) -> str:
    if isinstance(key, sp.Symbol):
        return key.name
    if isinstance(key, str) and key.isidentifier():
        return key
    raise ModelError(f"{what} must be a sympy Symbol or an identifier string, got {key!r}")


def _real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def _as_expr(value: object, what: str) -> sp.Expr:
    if isinstance(value, str):
        raise ModelError(
            f"{what} is a string ({value!r}); build it with sympy, or parse text "
            "with Model.from_text"
        )
    if isinstance(value, bool) or not isinstance(value, sp.Basic | int | float):
        raise ModelError(f"{what} must be a sympy expression or a number, got {value!r}")
    expr = sp.sympify(value)  # a sympy object or a Python number: no text involved
    if not isinstance(expr, sp.Expr):  # Eq(x, 1), sympy.true, x > 0, ...
        raise ModelError(f"{what} must be an expression with a numeric value, got "
                         f"{type(expr).__name__} {expr}")
    undefined = sorted(str(f) for f in expr.atoms(AppliedUndef))
    if undefined:
        raise ModelError(f"{what} uses the undefined function {undefined[0]}; write its "
                         "formula, or make it a parameter")
    if expr.has(sp.I) or expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise ModelError(f"{what} is not a finite real expression: {expr}")
    return expr


def _finite_float(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be a finite number, got {value!r}") from None
    if not math.isfinite(number):
        raise ModelError(f"{what} must be a finite number, got {value!r}")
    return number


class Model:
    """A dynamical system ``dx/dt = F(x, p, t)``, declared symbolically.

    Parameters
    ----------
    equations : mapping state -> expression
        One right-hand side per state, in the order of the states. Keys are sympy
        Symbols or names; symbols are converted to real symbols of the same name.
    params : mapping parameter -> float, optional
        Every parameter the equations use, with its default value (finite).
    name : str, default "model"
        A short identifier, used in file names and reports.
    noise : mapping state -> expression, optional
        Additive noise amplitude sigma_i of each state, as in
        ``dx_i = F_i dt + sigma_i dW_i``; an expression in the parameters.
        States not listed have no noise.
    region : mapping state -> (low, high), optional
        The default box for analyses (equilibria, phase planes).
    init : mapping state -> float, optional
        Default initial values.
    aux : mapping name -> expression, optional
        Auxiliary outputs (functions of states, parameters and time).
    options : mapping, optional
        Numerical options carried with the model: ``dt`` and ``total`` (end time).
    description : str, optional
        One or two sentences for ``dynsys show``.
    units : mapping state -> str, optional
        The unit of each state (``{"r": "spikes/s"}``), used to label figures; states
        without one are drawn without a unit.
    events : sequence of Event, optional
        XPPAUT ``global`` resets (:class:`~dynsys.core.events.Event`), applied by
        ``simulate`` when their condition crosses zero; a model with events is hybrid.
    discrete : bool, default False
        True for a map ``x(n+1) = F(x(n))`` (XPPAUT's ``meth=discrete`` or ``x(t+1)=``):
        the right-hand sides are then the next values, not derivatives.
    sets : mapping name -> mapping, optional
        Named parameter sets (XPPAUT's ``set NAME {...}``), each a mapping with any of
        ``"params"`` (parameter -> value), ``"init"`` (state -> value) and ``"options"``;
        :meth:`with_set` applies one.

    Raises
    ------
    ModelError
        If a right-hand side uses a symbol that is neither a state, a parameter nor
        ``t``; a parameter value is not finite; or a region, init or noise entry names
        an unknown state.

    Examples
    --------
    >>> from dynsys.core.symbols import symbols
    >>> x, w, I = symbols("x w I")
    >>> m = Model({x: -x + 60 * (1 + sp.tanh(w * x + I))}, params={w: 0.05, I: -3})
    >>> m.state_names, m.param_names
    (('x',), ('w', 'I'))
    >>> m.with_params(I=-2).params["I"]
    -2.0
    """

    __slots__ = (
        "_aux",
        "_description",
        "_discrete",
        "_equations",
        "_events",
        "_init",
        "_name",
        "_noise",
        "_options",
        "_params",
        "_region",
        "_sets",
        "_units",
    )

    def __init__(
        self,
        equations: Mapping[Any, Any],
        params: Mapping[Any, Any] | None = None,
        *,
        name: str = "model",
        noise: Mapping[Any, Any] | None = None,
        region: Mapping[Any, tuple[float, float]] | None = None,
        init: Mapping[Any, Any] | None = None,
        aux: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
        description: str = "",
        units: Mapping[Any, str] | None = None,
        events: Any = (),
        discrete: bool = False,
        sets: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    ) -> None:
        if not isinstance(equations, Mapping) or not equations:
            raise ModelError("a model needs at least one equation (a mapping state -> rhs)")
        if not isinstance(name, str) or not name.replace("-", "_").isidentifier():
            raise ModelError(f"model name must be an identifier, got {name!r}")
        state_names = [_name(k, "a state") for k in equations]
        param_names = [_name(k, "a parameter") for k in (params or {})]
        for kind, names in (("state", state_names), ("parameter", param_names)):
            dup = {n for n, count in Counter(names).items() if count > 1}
            if dup:
                raise ModelError(f"{kind} {sorted(dup)[0]!r} is declared twice")
        clash = set(state_names) & set(param_names)
        if clash:
            raise ModelError(f"{sorted(clash)[0]!r} is declared both as a state and a parameter")
        if "t" in state_names or "t" in param_names:
            raise ModelError("'t' is time and cannot be a state or a parameter")

        # Canonical real symbols, whatever assumptions the caller's symbols had.
        known = {n: _real(n) for n in [*state_names, *param_names]}
        known["t"] = time_symbol

        def canon(expr: sp.Expr, what: str) -> sp.Expr:
            subs = {s: known[s.name] for s in expr.free_symbols
                    if s.name in known and s is not known[s.name]}  # none: no rebuild
            expr = expr.xreplace(subs)
            unknown = sorted(s.name for s in expr.free_symbols if s.name not in known)
            if unknown:
                raise ModelError(
                    f"{what} uses {unknown[0]!r}, which is neither a state nor a parameter "
                    f"(states: {', '.join(state_names)}; "
                    f"parameters: {', '.join(param_names) or 'none'})"
                )
            return expr

        eqs = {}
        for key, rhs in equations.items():
            nm = _name(key, "a state")
            eqs[known[nm]] = canon(_as_expr(rhs, f"equation for {nm!r}"), f"equation for {nm!r}")
        self._equations = MappingProxyType(eqs)

        pars = {}
        for key, value in (params or {}).items():
            nm = _name(key, "a parameter")
            pars[nm] = _finite_float(value, f"parameter {nm!r}")
        self._params = MappingProxyType(pars)

        def state_key(key: object, what: str) -> str:
            nm = _name(key, what)
            if nm not in state_names:
                raise ModelError(
                    f"{what} names {nm!r}, which is not a state (states: {', '.join(state_names)})"
                )
            return nm

        nz = {}
        for key, amp in (noise or {}).items():
            nm = state_key(key, "noise")
            amp_expr = canon(_as_expr(amp, f"noise amplitude of {nm!r}"), f"noise of {nm!r}")
            if amp_expr.free_symbols & ({known[s] for s in state_names} | {time_symbol}):
                raise ModelError(
                    f"noise amplitude of {nm!r} must depend on parameters only "
                    f"(additive noise), got {amp_expr}"
                )
            if amp_expr != 0:
                nz[nm] = amp_expr
        self._noise = MappingProxyType(nz)

        reg = {}
        for key, bounds in (region or {}).items():
            nm = state_key(key, "region")
            try:
                lo, hi = bounds
            except (TypeError, ValueError):
                raise ModelError(f"region of {nm!r} must be a pair (low, high)") from None
            lo = _finite_float(lo, f"lower bound of {nm!r}")
            hi = _finite_float(hi, f"upper bound of {nm!r}")
            if not lo < hi:
                raise ModelError(f"region of {nm!r} must have low < high, got ({lo}, {hi})")
            reg[nm] = (lo, hi)
        self._region = MappingProxyType(reg) if reg else None

        self._init = MappingProxyType(
            {state_key(k, "init"): _finite_float(v, f"initial value of {k}")
             for k, v in (init or {}).items()}
        )
        self._aux = MappingProxyType(
            {_name(k, "an aux output"): canon(_as_expr(v, f"aux {k!r}"), f"aux {k!r}")
             for k, v in (aux or {}).items()}
        )
        opts = {}
        for key, value in (options or {}).items():
            if key in ("dt", "total"):
                value = _finite_float(value, f"option {key!r}")
                if value <= 0:
                    raise ModelError(f"option {key!r} must be positive, got {value}")
            opts[key] = value
        self._options = MappingProxyType(opts)
        units_out = {}
        for key, unit in (units or {}).items():
            state = state_key(key, "units")
            if not isinstance(unit, str) or "\n" in unit or len(unit) > 40:
                raise ModelError(f"the unit of {state!r} must be a short one-line string, "
                                 f"got {unit!r}")
            if unit.strip():
                units_out[state] = unit.strip()
        self._units = MappingProxyType(units_out)
        self._events = self._check_events(events, canon, state_names, param_names)
        if not isinstance(discrete, bool):
            raise ModelError(f"discrete must be True or False, got {discrete!r}")
        self._discrete = discrete
        self._sets = MappingProxyType(self._check_sets(sets or {}, state_names))
        self._name = name
        self._description = str(description)

    @staticmethod
    def _check_events(events: Any, canon: Any, states: list[str], params: list[str]
                      ) -> tuple[Event, ...]:
        out = []
        for k, event in enumerate(events or ()):
            if not isinstance(event, Event):
                raise ModelError(f"events must be Event objects, got {event!r}")
            where = f"event {k + 1} ({event.describe()})"
            cond = canon(_as_expr(event.condition, f"the condition of {where}"), where)
            items = []
            for target, expr in event.assignments:
                if target not in states and target not in params:
                    raise ModelError(f"{where} assigns {target!r}, which is neither a state "
                                     "nor a parameter")
                items.append((target, canon(_as_expr(expr, where), where)))
            out.append(Event(event.sign, cond, tuple(items)))
        return tuple(out)

    def _check_sets(self, sets: Mapping[str, Mapping[str, Mapping[str, Any]]],
                    state_names: list[str]) -> dict[str, MappingProxyType]:
        out: dict[str, MappingProxyType] = {}
        for set_name, entry in sets.items():
            if not isinstance(set_name, str) or not set_name.isidentifier():
                raise ModelError(f"a parameter set's name must be an identifier, got "
                                 f"{set_name!r}")
            unknown = set(entry) - {"params", "init", "options"}
            if unknown:
                raise ModelError(f"set {set_name!r} has unknown part {sorted(unknown)[0]!r} "
                                 "(params, init, options)")
            pars = {k: _finite_float(v, f"{k!r} in set {set_name!r}")
                    for k, v in entry.get("params", {}).items()}
            bad = [k for k in pars if k not in self._params]
            if bad:
                raise ModelError(f"set {set_name!r} names {bad[0]!r}, which is not a parameter")
            init = {k: _finite_float(v, f"{k!r} in set {set_name!r}")
                    for k, v in entry.get("init", {}).items()}
            bad = [k for k in init if k not in state_names]
            if bad:
                raise ModelError(f"set {set_name!r} names {bad[0]!r}, which is not a state")
            out[set_name] = MappingProxyType({
                "params": MappingProxyType(pars), "init": MappingProxyType(init),
                "options": MappingProxyType(dict(entry.get("options", {})))})
        return out

    # ----------------------------------------------------------------- data access
    @property
    def events(self) -> tuple[Event, ...]:
        """The ``global`` resets (empty for an ordinary ODE)."""
        return self._events

    @property
    def discrete(self) -> bool:
        """True for a map ``x(n+1) = F(x(n))``: ``rhs`` gives the next state."""
        return self._discrete

    @property
    def name(self) -> str:
        """The model's identifier."""
        return self._name

    @property
    def description(self) -> str:
        """A sentence or two describing the model."""
        return self._description

    @property
    def units(self) -> Mapping[str, str]:
        """Read-only mapping state name -> unit, for the states that declare one."""
        return self._units

    def unit(self) -> str | None:
        """The states' common unit, or None when they declare none or different ones."""
        values = {self._units.get(s) for s in self.state_names}
        return values.pop() if len(values) == 1 else None

    @property
    def equations(self) -> Mapping[sp.Symbol, sp.Expr]:
        """Read-only mapping state symbol -> right-hand side, in state order."""
        return self._equations

    @property
    def states(self) -> tuple[sp.Symbol, ...]:
        """The state symbols, in order."""
        return tuple(self._equations)

    @property
    def state_names(self) -> tuple[str, ...]:
        """The state names, in order."""
        return tuple(s.name for s in self._equations)

    @property
    def rhs(self) -> tuple[sp.Expr, ...]:
        """The right-hand sides, in state order."""
        return tuple(self._equations.values())

    @property
    def params(self) -> Mapping[str, float]:
        """Read-only mapping parameter name -> default value, in declaration order."""
        return self._params

    @property
    def param_names(self) -> tuple[str, ...]:
        """The parameter names, in order."""
        return tuple(self._params)

    @property
    def param_symbols(self) -> tuple[sp.Symbol, ...]:
        """The parameter symbols, in order."""
        return tuple(_real(n) for n in self._params)

    @property
    def noise(self) -> Mapping[str, sp.Expr]:
        """Additive noise amplitude per state (states without noise are absent)."""
        return self._noise

    @property
    def region(self) -> Mapping[str, tuple[float, float]] | None:
        """The declared default box, state name -> (low, high), or None."""
        return self._region

    @property
    def init(self) -> Mapping[str, float]:
        """Declared initial values (states not listed start at 0)."""
        return self._init

    @property
    def aux(self) -> Mapping[str, sp.Expr]:
        """Auxiliary outputs, name -> expression."""
        return self._aux

    @property
    def sets(self) -> Mapping[str, Mapping[str, Mapping[str, Any]]]:
        """Named parameter sets: name -> ``{"params": ..., "init": ..., "options": ...}``."""
        return self._sets

    def with_set(self, name: str) -> Model:
        """A new Model with the parameter set ``name`` applied (XPPAUT's ``set``): its
        parameter values, initial values and options replace the defaults.

        Raises
        ------
        ModelError
            If the model has no set of that name (matched ignoring case, as XPPAUT).

        Examples
        --------
        >>> m = Model.from_text("x' = -a*x\\npar a=1\\nset fast {a=10, x=2}\\n")
        >>> fast = m.with_set("fast")
        >>> fast.params["a"], fast.init["x"]
        (10.0, 2.0)
        """
        match = next((k for k in self._sets if k.lower() == str(name).lower()), None)
        if match is None:
            listed = ", ".join(self._sets) or "none"
            raise ModelError(f"{self._name} has no parameter set {name!r} (sets: {listed})")
        entry = self._sets[match]
        return self.replace(params={**self._params, **entry["params"]},
                            init={**self._init, **entry["init"]},
                            options={**self._options, **entry["options"]})

    @property
    def options(self) -> Mapping[str, Any]:
        """Numerical options carried with the model (``dt``, ``total``)."""
        return self._options

    @property
    def n(self) -> int:
        """Number of states."""
        return len(self._equations)

    @property
    def is_autonomous(self) -> bool:
        """True when no right-hand side depends on time ``t``."""
        return not any(time_symbol in e.free_symbols for e in self.rhs)

    @property
    def is_smooth(self) -> bool:
        """False when a right-hand side uses sign, heav, abs, min or max."""
        return not any(e.has(*NON_SMOOTH_FUNCTIONS) for e in self.rhs)

    def initial_state(self) -> tuple[float, ...]:
        """The declared initial values, 0 for states without one."""
        return tuple(self._init.get(n, 0.0) for n in self.state_names)

    # ----------------------------------------------------------------- symbolic
    def jacobian(self) -> sp.Matrix:
        """The symbolic Jacobian ``dF_i/dx_j``, an n x n sympy Matrix."""
        return sp.Matrix(self.rhs).jacobian(sp.Matrix(self.states))

    def dfdp(self) -> sp.Matrix:
        """The symbolic derivative ``dF_i/dp_k``, an n x m sympy Matrix."""
        if not self._params:
            return sp.zeros(self.n, 0)
        return sp.Matrix(self.rhs).jacobian(sp.Matrix(self.param_symbols))

    def latex(self) -> str:
        """The equations as a LaTeX ``aligned`` block (without surrounding math delimiters).

        Examples
        --------
        >>> from dynsys.core.symbols import symbols
        >>> x, a = symbols("x a")
        >>> print(Model({x: -a * x}, params={a: 1}).latex())
        \\begin{aligned}
        \\frac{dx}{dt} &= - a x
        \\end{aligned}
        """
        lines = []
        for state, rhs in self._equations.items():
            lhs = rf"\frac{{d{sp.latex(state)}}}{{dt}}"
            if self._discrete:  # a map: x_{n+1} = F(x_n)
                lhs = f"{sp.latex(state)}_{{n+1}}"
                rhs = rhs.xreplace({s: sp.Symbol(f"{s.name}_n", real=True)
                                    for s in self.states})
            noise = self._noise.get(state.name)
            body = sp.latex(rhs)
            if noise is not None:
                body += rf" + {sp.latex(noise)}\,\eta_{{{sp.latex(state)}}}(t)"
            lines.append(f"{lhs} &= {body}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    # ----------------------------------------------------------------- derived models
    def with_params(self, **values: float) -> Model:
        """A new Model with some parameter defaults replaced.

        Raises
        ------
        ModelError
            If a name is not a parameter of this model, or a value is not finite.
        """
        for key in values:
            if key not in self._params:
                raise ModelError(
                    f"{key!r} is not a parameter of {self._name} "
                    f"(parameters: {', '.join(self._params) or 'none'})"
                )
        return self.replace(params={**self._params, **values})

    def replace(self, **changes: Any) -> Model:
        """A new Model with some constructor arguments replaced."""
        fields = {
            "equations": dict(self._equations),
            "params": dict(self._params),
            "name": self._name,
            "noise": dict(self._noise),
            "region": dict(self._region or {}),
            "init": dict(self._init),
            "aux": dict(self._aux),
            "options": dict(self._options),
            "description": self._description,
            "units": dict(self._units),
            "events": self._events,
            "discrete": self._discrete,
            "sets": {k: {part: dict(v) for part, v in e.items()} for k, e in self._sets.items()},
        }
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"unknown Model field(s): {sorted(unknown)}")
        fields.update(changes)
        equations = fields.pop("equations")
        params = fields.pop("params")
        return Model(equations, params, **fields)

    # ----------------------------------------------------------------- text forms
    @classmethod
    def from_text(cls, text: str, *, name: str = "model",
                  base_dir: str | Path | None = None) -> Model:
        """Parse equation text in the XPPAUT ``.ode`` subset (see :mod:`dynsys.core.odefile`).

        Raises
        ------
        ModelError
            Naming the line and the culprit, for any malformed or unsafe input.
        """
        return cls(**read_ode(text, name=name, base_dir=base_dir).kwargs())

    def to_ode(self) -> str:
        """The model as XPPAUT ``.ode`` text, which :meth:`from_text` reads back."""
        return format_ode(self)

    # ----------------------------------------------------------------- dunder
    def _key(self) -> tuple:
        return (
            self._name,
            tuple(self._equations.items()),
            tuple(self._params.items()),
            tuple(self._noise.items()),
            tuple((self._region or {}).items()),
            tuple(self._init.items()),
            tuple(self._aux.items()),
            tuple(sorted(self._options.items())),
            tuple(self._units.items()),
            self._events,
            self._discrete,
            tuple((k, tuple((part, tuple(v.items())) for part, v in e.items()))
                  for k, e in self._sets.items()),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, key: str, value: Any) -> None:
        if hasattr(self, "_description"):  # fully constructed: frozen
            raise AttributeError(f"Model is frozen; use with_params() or replace() ({key})")
        object.__setattr__(self, key, value)

    def __repr__(self) -> str:
        form = "{}(n+1) = {}" if self._discrete else "d{}/dt = {}"
        eqs = "; ".join(form.format(s, e) for s, e in self._equations.items())
        pars = ", ".join(f"{k}={v:g}" for k, v in self._params.items())
        return f"Model({self._name!r}: {eqs}; params: {pars or 'none'})"
