"""``format_ode``: Model -> .ode text that parse_ode reads back."""

from __future__ import annotations

import math
import sys
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from dynsys.core.odefile._common import _FUNCTIONS, _IDENT_RE, _PRINTABLE, _RESERVED
from dynsys.core.odefile._tables import grid
from dynsys.core.tables import TableLookup
from dynsys.errors import ModelError


class _OdePrinter(StrPrinter):
    """sympy's str printer with ``.ode`` spellings and full float precision."""

    printmethod = "_dynsys_ode"  # not _sympystr: a table prints under its .ode name

    def __init__(self) -> None:
        super().__init__()
        self.table_names: dict[TableLookup, str] = {}

    def _print_Float(self, expr: sp.Float) -> str:
        value = float(expr)
        tiny = abs(value) < sys.float_info.min  # zero or subnormal: check it is exact
        if not math.isfinite(value) or (tiny and sp.Float(value) != expr):
            size = "large" if abs(value) > 1 else "small"
            raise ModelError(f"a number is too {size} for float64 ({value!r} after rounding); "
                             ".ode text cannot hold it")
        return repr(value)  # exact for 53-bit Floats; more precise Floats are rounded

    def _operand(self, expr: sp.Expr) -> str:
        """``expr`` as an operand of ``^`` or a comparison: parenthesized unless atomic."""
        text = self._print(expr)
        if isinstance(expr, sp.Symbol) or (expr.is_Number and expr >= 0 and not (
                expr.is_Rational and not expr.is_Integer)):
            return text
        return f"({text})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        # XPPAUT's ^ is left-associative: every non-atomic base and exponent in parentheses
        base, ex = expr.args
        if ex == sp.S.Half:
            return f"sqrt({self._print(base)})"
        if ex == -1:
            return f"1/{self._operand(base)}"
        if ex == -sp.S.Half:
            return f"1/sqrt({self._print(base)})"
        return f"{self._operand(base)}**{self._operand(ex)}"

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.One
        if h0 == 0:  # 1 above zero, 0 from zero down: a comparison in XPPAUT
            return f"({self._operand(expr.args[0])}>0)"
        if h0 != 1:
            raise ModelError(
                f"{expr} takes the value {h0} at 0, which .ode cannot express; "
                "use dynsys.heav (value 1 at 0)"
            )
        return f"heav({self._print(expr.args[0])})"

    def _print_floor(self, expr: sp.floor) -> str:
        return f"flr({self._print(expr.args[0])})"

    def _print_Mod(self, expr: sp.Mod) -> str:
        x, y = expr.args
        if y.is_number and y.is_positive:  # XPPAUT's mod equals sympy's for y > 0
            return f"mod({self._print(x)}, {self._print(y)})"
        return self._print(x - y * sp.floor(x / y))  # sympy's (floor) mod, exactly

    def _print_Relational(self, expr: sp.Basic) -> str:
        op = {"==": "==", "!=": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}[expr.rel_op]
        return f"({self._operand(expr.lhs)}{op}{self._operand(expr.rhs)})"

    def _print_And(self, expr: sp.Basic) -> str:
        return "(" + "&".join(self._condition(a) for a in expr.args) + ")"

    def _print_Or(self, expr: sp.Basic) -> str:
        return "(" + "|".join(self._condition(a) for a in expr.args) + ")"

    def _print_Not(self, expr: sp.Basic) -> str:
        return f"not({self._condition(expr.args[0])})"

    def _condition(self, cond: sp.Basic) -> str:
        if isinstance(cond, sp.Ne) and cond.rhs == 0 and not cond.lhs.is_Relational:
            return f"({self._print(cond.lhs)})"  # XPPAUT's test of a value: non-zero
        return self._print(cond)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        *pieces, (last, cond) = expr.args
        if cond != sp.true:
            raise ModelError(f"{expr} has no value where no condition holds; .ode needs an "
                             "'else'")
        text = self._print(last)
        for value, c in reversed(pieces):
            text = f"if({self._condition(c)})then({self._print(value)})else({text})"
        return text

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Min(self, expr: sp.Min) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Max(self, expr: sp.Max) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "exp(1)"

    def _print_TableLookup(self, expr: TableLookup) -> str:
        if expr.kind != 0:
            raise ModelError(f"the slope of table {expr.table_name!r} has no .ode form")
        return f"{self.table_names[expr.func(*expr.args[:2], _T, *expr.args[3:])]}(" \
               f"{self._print(expr.args[2])})"


#: The variable of a table in the key of ``_OdePrinter.table_names``.
_T = sp.Symbol("t", real=True)


def _table_lines(tables: dict[TableLookup, str], printer: _OdePrinter) -> list[str]:
    """``table NAME % N XLO XHI FORMULA`` lines giving each table its values exactly:
    the formula is the sum of ``y_k*(abs(t - t_k) < dx/2)``, which XPPAUT and dynsys
    evaluate at the points ``t_k`` only (a constant table is its one value)."""
    lines = []
    for tab, name in tables.items():
        lo, hi = tab.bounds
        values = tab.values
        points = grid(lo, hi, len(values))
        half = (hi - lo) / (len(values) - 1) / 2
        if all(v == values[0] for v in values):
            formula = printer.doprint(values[0])
        else:
            formula = " + ".join(
                f"({printer.doprint(v)})*(abs(t - ({x!r}))<{half!r})"
                for v, x in zip(values, points, strict=True) if v != 0) or "0"
        lines.append(f"table {name} % {len(values)} {lo!r} {hi!r} {formula}")
    return lines


def _check_writable(expr: sp.Expr, where: str, names: set[str]) -> None:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Symbol):
            continue
        if node.is_Number or node in (sp.pi, sp.E):
            if node is sp.pi and "pi" in names:
                raise ModelError(f"{where} uses the number pi and a name 'pi': "
                                 ".ode text cannot tell them apart")
            continue
        if isinstance(node, sp.Add | sp.Mul | sp.Pow | sp.logic.boolalg.BooleanAtom
                      | sp.core.relational.Relational | sp.And | sp.Or | sp.Not
                      | sp.functions.elementary.piecewise.ExprCondPair):
            continue
        if type(node) in _PRINTABLE or isinstance(node, TableLookup | sp.core.symbol.Str):
            continue
        kind = type(node).__name__
        raise ModelError(f"{where} uses {kind}, which has no .ode form "
                         f"(functions: {', '.join(_FUNCTIONS)})")


def format_ode(model: Any) -> str:
    """``format_ode(model) -> str``: the model as XPPAUT ``.ode`` text.

    Parameters are written with full float precision (``repr``), so
    ``parse_ode(format_ode(m), name=m.name) == m`` for a Model whose region lists its
    states in order and whose options are ``dt``/``total`` only. Noise amplitudes become
    ``wiener`` terms, the region of the first two states ``@ xp=, yp=, xlo=, ...``, that
    of further states a ``# dynsys: region z=LO:HI`` comment.

    Raises
    ------
    ModelError
        If a name cannot be written (a function name such as ``exp``) or an expression
        uses a function outside the ``.ode`` whitelist.

    Examples
    --------
    >>> from dynsys.core.model import Model
    >>> from dynsys.core.symbols import symbols
    >>> x, a = symbols("x a")
    >>> print(format_ode(Model({x: -a * x**2}, params={a: 0.5}, name="decay")), end="")
    # decay
    par a=0.5
    x' = -a*x**2
    done
    """
    printer = _OdePrinter()
    names = {*model.state_names, *model.param_names, *model.aux}
    seen: dict[str, str] = {}
    for nm in sorted(names):
        key = nm.lower()
        if not _IDENT_RE.match(nm) or key in _FUNCTIONS or key in _RESERVED or key == "t":
            raise ModelError(f"the name {nm!r} cannot be written in .ode text")
        if key in seen:
            raise ModelError(f"the names {seen[key]!r} and {nm!r} differ only in case, which "
                             ".ode text (case-insensitive, as XPPAUT reads it) cannot tell apart")
        seen[key] = nm

    tables: dict[TableLookup, str] = {}
    for expr in [*model.rhs, *model.aux.values()]:
        for tab in sorted(expr.atoms(TableLookup), key=sp.default_sort_key):
            key = tab.func(*tab.args[:2], _T, *tab.args[3:])
            if key in tables:
                continue
            name = tab.table_name
            while name.lower() in {n.lower() for n in [*names, *tables.values()]}:
                name += "_"
            tables[key] = name
    printer.table_names = tables

    def show(expr: sp.Expr, where: str) -> str:
        _check_writable(expr, where, names)
        return printer.doprint(expr)

    lines = [f"# {model.name}"]
    if model.description:
        lines.append(f"# dynsys: description {' '.join(model.description.split())}")
    if getattr(model, "units", None):
        lines.append("# dynsys: units " + ", ".join(f"{k}={v}" for k, v in model.units.items()))
    chunk: list[str] = []
    for nm, value in model.params.items():
        chunk.append(f"{nm}={float(value)!r}")
        if len(chunk) == 6:
            lines.append("par " + ", ".join(chunk))
            chunk = []
    if chunk:
        lines.append("par " + ", ".join(chunk))
    lines += _table_lines(tables, printer)
    if model.init:
        lines.append("init " + ", ".join(f"{k}={float(v)!r}" for k, v in model.init.items()))
    wieners = []
    taken = set(names)
    for state, rhs in model.equations.items():
        body = show(rhs, f"the equation for {state.name!r}")
        amp = model.noise.get(state.name)
        if amp is not None:
            w = f"w_{state.name}"
            while w.lower() in {n.lower() for n in taken} or w.lower() in _FUNCTIONS:
                w += "_"
            taken.add(w)
            wieners.append(w)
            amp_text = show(amp, f"the noise of {state.name!r}")
            factor = f"({amp_text})" if isinstance(amp, sp.Add) else amp_text
            body = f"{body} + {factor}*{w}"
        lhs = f"{state.name}(t+1)" if getattr(model, "discrete", False) else f"{state.name}'"
        lines.append(f"{lhs} = {body}")
    if wieners:
        lines.append("wiener " + ", ".join(wieners))
    for nm, expr in model.aux.items():
        lines.append(f"aux {nm} = {show(expr, f'aux {nm!r}')}")
    for k, event in enumerate(getattr(model, "events", ())):
        lines.append(event.describe(lambda e, k=k: show(e, f"event {k + 1}")))
    opts = [f"{k}={float(model.options[k])!r}" for k in ("dt", "total", "trans", "bound")
            if k in model.options]
    opts += [f"{k}={int(model.options[k])}" for k in ("nout", "maxstor") if k in model.options]
    if "meth" in model.options:
        opts.insert(0, f"meth={model.options['meth']}")
    if opts:
        lines.append("@ " + ", ".join(opts))
    region = dict(model.region or {})
    states = model.state_names
    axes = []
    for ax, idx in (("x", 0), ("y", 1)):
        if idx < len(states) and states[idx] in region:
            lo, hi = region.pop(states[idx])
            axes.append(f"{ax}p={states[idx]}, {ax}lo={float(lo)!r}, {ax}hi={float(hi)!r}")
    if axes:
        lines.append("@ " + ", ".join(axes))
    if region:
        lines.append("# dynsys: region " + ", ".join(
            f"{k}={float(lo)!r}:{float(hi)!r}" for k, (lo, hi) in region.items()))
    for set_name, entry in getattr(model, "sets", {}).items():
        items = [f"{k}={float(v)!r}" for part in ("params", "init")
                 for k, v in entry[part].items()]
        items += [f"{k}={v}" if k == "meth" else f"{k}={float(v)!r}" if k in (
            "dt", "total", "trans", "bound") else f"{k}={int(v)}"
            for k, v in entry["options"].items()]
        lines.append(f"set {set_name} {{{', '.join(items)}}}")
    lines.append("done")
    return "\n".join(lines) + "\n"
